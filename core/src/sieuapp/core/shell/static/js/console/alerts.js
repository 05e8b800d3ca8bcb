// Government alerts: the list, and the composer with CAP 1.2's fields in Vietnamese and English,
// one area given by communes (searched without accents by the units API) or by a polygon typed
// as lat,lon lines and drawn as it is typed. A draft is saved, published or deleted; a published
// alert gets an Update or a Cancel, each a new CAP message of the same thread.
import { api } from "../api.js";
import { formatDate, formatNumber, t } from "../i18n.js";
import { busy, clearErrors, field, formError, h, problem, section } from "../ui.js";
import { s } from "./charts.js";
import { confirmDialog, fromLocalInput, hashFor, notice, showFieldErrors, table, tabs, toLocalInput } from "./common.js";

const STATUSES = ["Actual", "Exercise", "Test", "System", "Draft"];
const CATEGORIES = ["Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE", "Other"];
const RESPONSE_TYPES = ["Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear", "None"];
const URGENCIES = ["Immediate", "Expected", "Future", "Past", "Unknown"];
const SEVERITIES = ["Extreme", "Severe", "Moderate", "Minor", "Unknown"];
const CERTAINTIES = ["Observed", "Likely", "Possible", "Unlikely", "Unknown"];

// CAP's codes stay as they are (they go into the XML); the words help whoever composes.
const WORDS = {
  Actual: "Thật", Exercise: "Diễn tập", Test: "Thử", System: "Hệ thống", Draft: "Nháp",
  Geo: "Địa chất", Met: "Khí tượng", Safety: "An toàn", Security: "An ninh", Rescue: "Cứu hộ", Fire: "Cháy",
  Health: "Y tế", Env: "Môi trường", Transport: "Giao thông", Infra: "Hạ tầng", CBRNE: "Hóa, sinh, phóng xạ, nổ", Other: "Khác",
  Shelter: "Trú ẩn", Evacuate: "Sơ tán", Prepare: "Chuẩn bị", Execute: "Thực hiện", Avoid: "Tránh xa", Monitor: "Theo dõi",
  Assess: "Đánh giá", AllClear: "Hết nguy hiểm", None: "Không",
  Immediate: "Ngay lập tức", Expected: "Sắp xảy ra", Future: "Tương lai", Past: "Đã qua", Unknown: "Chưa rõ",
  Extreme: "Cực kỳ nghiêm trọng", Severe: "Nghiêm trọng", Moderate: "Trung bình", Minor: "Nhẹ",
  Observed: "Đã xảy ra", Likely: "Nhiều khả năng", Possible: "Có thể", Unlikely: "Ít khả năng",
};

function word(code) {
  return t(WORDS[code] ? `${WORDS[code]} (${code})` : code, code);
}

const STATE_TEXT = {
  draft: ["Nháp", "Draft"],
  published: ["Đã phát", "Published"],
  superseded: ["Đã thay thế", "Superseded"],
};

export function capUrl(record) {
  return `/cap/alerts/${encodeURIComponent(record.identifier)}.xml`;
}

export async function alertsList({ params }) {
  const state = params.get("state") || "";
  const query = new URLSearchParams({ page_size: "50" });
  if (state) query.set("state", state);
  if (params.get("page")) query.set("page", params.get("page"));
  const page = await api(`/api/v1/alerts?${query}`);
  const rows = page.items.map((record) => {
    const a = record.alert;
    const cells = [
      h("a", { href: `#/alerts/${record.id}`, dataset: { alert: record.id } }, a.headline || a.event || `#${record.id}`),
      a.event,
      h("span", { class: `badge msg-${record.msg_type.toLowerCase()}` }, record.msg_type === "Cancel" ? t("Hủy", "Cancel") : record.msg_type === "Update" ? t("Cập nhật", "Update") : t("Cảnh báo", "Alert")),
      h("span", { class: `badge severity-${(a.severity || "").toLowerCase()}` }, word(a.severity)),
      h("span", { class: `badge state-${record.state}` }, t(...(STATE_TEXT[record.state] || [record.state, record.state]))),
      record.sent ? formatDate(record.sent) : "—",
      a.expires ? formatDate(a.expires) : "—",
      `${formatNumber(record.targets || 0)} / ${formatNumber(record.recipients || 0)}`,
      record.sent ? h("a", { href: capUrl(record), target: "_blank", rel: "noopener" }, "CAP XML") : "",
    ];
    cells.dataset = { alert: record.id, state: record.state };
    return cells;
  });
  const tab = (value, label) => [hashFor("alerts", value ? { state: value } : {}), label, state === value, `alerts-tab-${value || "all"}`];
  return [
    h("div", { class: "heading" }, h("h1", {}, t("Cảnh báo", "Alerts")),
      h("a", { class: "button primary", href: "#/alerts/new", id: "new-alert" }, t("Soạn cảnh báo", "Compose an alert"))),
    tabs(t("Lọc theo trạng thái", "Filter by state"), [
      tab("", t("Tất cả", "All")), tab("draft", t("Nháp", "Drafts")), tab("published", t("Đã phát", "Published")),
      tab("superseded", t("Đã thay thế, đã hủy", "Superseded, cancelled")),
    ]),
    rows.length
      ? table({ text: t("Các cảnh báo", "Alerts"), hidden: true },
          [t("Tiêu đề", "Headline"), t("Sự kiện", "Event"), t("Loại tin", "Message"), t("Mức độ", "Severity"), t("Trạng thái", "State"),
            t("Phát lúc", "Sent"), t("Hết hiệu lực", "Expires"), t("Vùng / người nhận", "Units / recipients"), "CAP"], rows,
          { id: "alerts-table", class: "data" })
      : h("p", { class: "empty" }, t("Chưa có cảnh báo nào.", "No alerts yet.")),
  ];
}

// -- the polygon ---------------------------------------------------------------------------------

/** ``lat,lon`` pairs (a line each, or separated by ``;``) as a closed ring of [lat, lon];
 * ``{ring}`` or ``{error}``. */
export function parsePolygon(text) {
  const pairs = text.split(/[\n;]+/).map((part) => part.trim()).filter(Boolean);
  const ring = [];
  for (const [i, pair] of pairs.entries()) {
    const numbers = pair.split(/[,\s]+/).filter(Boolean).map(Number);
    if (numbers.length !== 2 || numbers.some((n) => !Number.isFinite(n))) {
      return { error: t(`Dòng ${i + 1}: cần “vĩ độ, kinh độ”.`, `Line ${i + 1}: expected “lat, lon”.`) };
    }
    const [lat, lon] = numbers;
    if (lat < -90 || lat > 90 || lon < -180 || lon > 180) {
      return { error: t(`Dòng ${i + 1}: vĩ độ trong −90…90, kinh độ trong −180…180.`, `Line ${i + 1}: latitude within −90…90, longitude within −180…180.`) };
    }
    ring.push([lat, lon]);
  }
  const first = ring[0];
  const last = ring[ring.length - 1];
  if (ring.length && (first[0] !== last[0] || first[1] !== last[1])) ring.push([...first]);
  const distinct = new Set(ring.map((p) => p.join(","))).size;
  if (distinct < 3) {
    return { error: t("Cần ít nhất 3 điểm khác nhau.", "At least 3 different points are needed."), ring };
  }
  return { ring };
}

function polygonPreview(ring) {
  const width = 240;
  const height = 180;
  const pad = 12;
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", class: "polygon-preview", id: "polygon-preview" });
  if (!ring || ring.length < 2) {
    svg.setAttribute("aria-label", t("Chưa có vùng để xem trước.", "No area to preview yet."));
    svg.append(s("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "axis-label" }, t("Chưa có vùng", "No area yet")));
    return svg;
  }
  const lats = ring.map((p) => p[0]);
  const lons = ring.map((p) => p[1]);
  const [south, north, west, east] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
  // Longitude degrees shrink with latitude: scale them so the shape is not stretched.
  const squeeze = Math.cos(((south + north) / 2) * Math.PI / 180);
  const spanX = Math.max((east - west) * squeeze, 1e-6);
  const spanY = Math.max(north - south, 1e-6);
  const scale = Math.min((width - 2 * pad) / spanX, (height - 2 * pad) / spanY);
  const x = (lon) => pad + (lon - west) * squeeze * scale;
  const y = (lat) => height - pad - (lat - south) * scale;
  const points = ring.map(([lat, lon]) => `${x(lon).toFixed(1)},${y(lat).toFixed(1)}`).join(" ");
  svg.setAttribute("aria-label", t(
    `Xem trước vùng: ${ring.length - 1} đỉnh, vĩ độ ${south}–${north}, kinh độ ${west}–${east}.`,
    `Area preview: ${ring.length - 1} vertices, latitude ${south}–${north}, longitude ${west}–${east}.`));
  svg.append(
    s("title", {}, t("Xem trước vùng cảnh báo", "Alert area preview")),
    s("polygon", { points, class: "area" }),
    ring.slice(0, -1).map(([lat, lon]) => s("circle", { cx: x(lon), cy: y(lat), r: 3, class: "vertex" })));
  return svg;
}

// -- communes ------------------------------------------------------------------------------------

function communePicker(initialCodes, allUnits) {
  const names = new Map(allUnits.map((u) => [u.code, u.name]));
  const chosen = new Map(initialCodes.map((code) => [code, names.get(code) || code]));
  const chips = h("ul", { class: "chips", id: "chosen-communes", "aria-label": t("Đã chọn", "Chosen") });
  const results = h("div", { class: "unit-results", id: "unit-results", role: "group", "aria-label": t("Kết quả tìm", "Search results") });
  const count = h("p", { class: "muted small", role: "status", id: "communes-count" });
  const drawChips = () => {
    chips.replaceChildren(...[...chosen].map(([code, name]) => h("li", {},
      h("button", { type: "button", class: "chip", dataset: { code }, "aria-label": t(`Bỏ ${name}`, `Remove ${name}`),
        onclick: () => { chosen.delete(code); drawChips(); drawResults(lastUnits); } }, name, " ×"))));
    count.textContent = t(`Đã chọn ${chosen.size} phường, xã.`, `${chosen.size} commune(s) chosen.`);
  };
  let lastUnits = allUnits;
  const drawResults = (units) => {
    lastUnits = units;
    results.replaceChildren(...(units.length ? units.slice(0, 60).map((unit) => h("label", { class: "check" },
      h("input", { type: "checkbox", value: unit.code, checked: chosen.has(unit.code), dataset: { unit: unit.code },
        onchange: (event) => {
          if (event.currentTarget.checked) chosen.set(unit.code, unit.name);
          else chosen.delete(unit.code);
          drawChips();
        } }), " ", unit.name)) : [h("p", { class: "muted" }, t("Không tìm thấy.", "Nothing found."))]));
  };
  let timer = null;
  let asked = 0;
  const search = h("input", {
    type: "search", name: "communes", id: "commune-search", autocomplete: "off",
    placeholder: t("ví dụ: kim long, phu xuan", "e.g. kim long, phu xuan"),
    oninput: () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const mine = ++asked;
        const q = search.value.trim();
        try {
          const units = q ? await api(`/api/v1/tenant/units?q=${encodeURIComponent(q)}`) : allUnits;
          if (mine === asked) drawResults(units);
        } catch (error) {
          results.replaceChildren(problem(error));
        }
      }, 200);
    },
  });
  drawChips();
  drawResults(allUnits);
  const element = h("div", { class: "commune-picker" },
    field(t("Tìm phường, xã (gõ có dấu hoặc không)", "Find a ward or commune (accents optional)"), search),
    results, count, chips);
  return { element, codes: () => [...chosen.keys()], names: () => [...chosen.values()] };
}

// -- the form ------------------------------------------------------------------------------------

function choiceList(name, legend, options, selected, required) {
  return h("fieldset", { class: "checks" }, h("legend", {}, legend + (required ? " *" : "")),
    h("div", { class: "check-grid" }, options.map((code) => h("label", { class: "check" },
      h("input", { type: "checkbox", name, value: code, checked: selected.includes(code) }), " ", word(code)))));
}

function select(name, label, options, value, required) {
  return field(label + (required ? " *" : ""), h("select", { name, required },
    required ? h("option", { value: "" }, "—") : null,
    options.map((code) => h("option", { value: code, selected: code === value }, word(code)))));
}

function text(name, label, value, { long = false, required = false, type = "text" } = {}) {
  const input = long
    ? h("textarea", { name, rows: 4, required }, value || "")
    : h("input", { name, type, value: value || "", required });
  return field(label + (required ? " *" : ""), input);
}

/** Where the API's ``areas[0]...`` errors go in this form. */
function placeFor(name) {
  if (/^areas\[\d+\]\.polygons/.test(name)) return "polygon";
  if (/^areas\[\d+\]\.communes/.test(name)) return "communes";
  if (/^areas\[\d+\]\.area_desc_en/.test(name)) return "area_desc_en";
  if (/^areas/.test(name)) return "area_desc";
  return null;
}

async function composeForm(record, mode) {
  const a = record ? record.alert : {};
  const area = (a.areas && a.areas[0]) || { area_desc: "", area_desc_en: "", communes: [], polygons: [] };
  const units = await api("/api/v1/tenant/units");
  const picker = communePicker(area.communes || [], units);
  const polygonText = (area.polygons && area.polygons[0] ? area.polygons[0].slice(0, -1) : []).map(([lat, lon]) => `${lat}, ${lon}`).join("\n");
  const polygonInput = h("textarea", { name: "polygon", id: "polygon", rows: 7, spellcheck: "false", class: "code" }, polygonText);
  const polygonStatus = h("p", { class: "muted small", id: "polygon-status", "aria-live": "polite" });
  const preview = h("div", { class: "preview" });
  const drawPreview = () => {
    const parsed = polygonInput.value.trim() ? parsePolygon(polygonInput.value) : { ring: null };
    preview.replaceChildren(polygonPreview(parsed.ring));
    polygonStatus.textContent = parsed.error || (parsed.ring ? t(`Vùng khép kín, ${parsed.ring.length - 1} đỉnh.`, `Closed ring, ${parsed.ring.length - 1} vertices.`) : "");
    polygonStatus.classList.toggle("error", Boolean(parsed.error));
  };
  polygonInput.addEventListener("input", drawPreview);
  drawPreview();
  // Communes, a polygon, or both (an imported or earlier alert may have both: nothing it has
  // is dropped by editing it here).
  const hasCommunes = (area.communes || []).length > 0;
  const hasPolygon = (area.polygons || []).length > 0;
  const communesBox = h("div", { class: "area-mode", id: "area-communes", hidden: hasPolygon && !hasCommunes }, picker.element);
  const polygonBox = h("div", { class: "area-mode", id: "area-polygon", hidden: !hasPolygon },
    h("div", { class: "split" },
      field(t("Các điểm “vĩ độ, kinh độ”, mỗi dòng một điểm", "Points as “lat, lon”, one a line"), polygonInput,
        t("Vùng được tự khép kín (điểm đầu nối lại điểm cuối).", "The ring is closed for you (the first point repeats at the end).")),
      h("div", {}, preview, polygonStatus)));
  const modeSwitch = h("fieldset", { class: "choices inline" }, h("legend", {}, t("Vùng theo", "Area by")),
    [["area_communes", t("Phường, xã", "Communes"), communesBox], ["area_polygon", t("Vẽ vùng (đa giác)", "A polygon"), polygonBox]].map(([name, label, box]) =>
      h("label", { class: "choice" }, h("input", {
        type: "checkbox", name, id: name, checked: !box.hidden,
        onchange: (event) => { box.hidden = !event.currentTarget.checked; },
      }), label)));

  const pair = (...children) => h("div", { class: "pair" }, children);
  const submitLabel = { new: t("Lưu nháp", "Save draft"), draft: t("Lưu nháp", "Save draft"), update: t("Gửi cập nhật", "Send the update") }[mode];
  const form = h("form", { class: "card compose", id: "alert-form", novalidate: true },
    h("h2", {}, mode === "update" ? t("Cập nhật cảnh báo", "Update the alert") : t("Nội dung cảnh báo", "The alert")),
    formError(),
    h("div", { class: "filter-grid" },
      select("status", t("Loại thông điệp", "Status"), STATUSES, a.status || "Actual", true),
      select("urgency", t("Mức khẩn cấp", "Urgency"), URGENCIES, a.urgency, true),
      select("severity", t("Mức nghiêm trọng", "Severity"), SEVERITIES, a.severity, true),
      select("certainty", t("Mức chắc chắn", "Certainty"), CERTAINTIES, a.certainty, true)),
    pair(text("event", t("Sự kiện (tiếng Việt)", "Event (Vietnamese)"), a.event, { required: true }),
      text("event_en", t("Sự kiện (tiếng Anh)", "Event (English)"), a.event_en)),
    pair(text("headline", t("Tiêu đề (tiếng Việt)", "Headline (Vietnamese)"), a.headline),
      text("headline_en", t("Tiêu đề (tiếng Anh)", "Headline (English)"), a.headline_en)),
    pair(text("description", t("Mô tả (tiếng Việt)", "Description (Vietnamese)"), a.description, { long: true }),
      text("description_en", t("Mô tả (tiếng Anh)", "Description (English)"), a.description_en, { long: true })),
    pair(text("instruction", t("Hướng dẫn người dân (tiếng Việt)", "Instruction (Vietnamese)"), a.instruction, { long: true }),
      text("instruction_en", t("Hướng dẫn người dân (tiếng Anh)", "Instruction (English)"), a.instruction_en, { long: true })),
    choiceList("category", t("Lĩnh vực", "Category"), CATEGORIES, a.category || [], true),
    choiceList("response_type", t("Hành động khuyến nghị", "Response type"), RESPONSE_TYPES, a.response_type || [], false),
    h("div", { class: "filter-grid" },
      text("effective", t("Có hiệu lực từ (giờ Việt Nam)", "Effective (Vietnam time)"), toLocalInput(a.effective), { type: "datetime-local" }),
      text("onset", t("Bắt đầu (giờ Việt Nam)", "Onset (Vietnam time)"), toLocalInput(a.onset), { type: "datetime-local" }),
      text("expires", t("Hết hiệu lực (giờ Việt Nam)", "Expires (Vietnam time)"), toLocalInput(a.expires), { type: "datetime-local" })),
    h("div", { class: "filter-grid" },
      text("sender_name", t("Cơ quan phát", "Sender name"), a.sender_name),
      text("web", t("Trang web", "Web page"), a.web, { type: "url" }),
      text("contact", t("Liên hệ", "Contact"), a.contact)),
    text("note", t("Ghi chú (không hiện cho người dân)", "Note (not shown to the public)"), a.note),
    h("fieldset", { class: "area" }, h("legend", {}, t("Vùng cảnh báo", "Area")),
      pair(text("area_desc", t("Mô tả vùng (tiếng Việt)", "Area (Vietnamese)"), area.area_desc),
        text("area_desc_en", t("Mô tả vùng (tiếng Anh)", "Area (English)"), area.area_desc_en)),
      h("p", { class: "hint muted small" }, t("Để trống: ghép tên các phường, xã đã chọn.", "Empty: the chosen communes' names.")),
      modeSwitch, communesBox, polygonBox),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: mode === "update" ? "primary" : "secondary", id: "save-alert", value: "save" }, submitLabel),
      mode === "update" ? null : h("button", { type: "submit", class: "primary", id: "publish-alert", value: "publish" }, t("Lưu và phát", "Save and publish"))));

  const body = () => {
    const data = new FormData(form);
    const value = (name) => (data.get(name) || "").trim();
    const areaBody = {
      ...area, area_desc: value("area_desc"), area_desc_en: value("area_desc_en"), communes: [], polygons: [],
    };
    const byCommunes = data.get("area_communes") === "on";
    const byPolygon = data.get("area_polygon") === "on";
    if (byPolygon) {
      const parsed = parsePolygon(polygonInput.value);
      if (parsed.error || !polygonInput.value.trim()) {
        const error = new Error(t("Vùng chưa hợp lệ.", "The area is not valid."));
        error.fields = { polygon: [parsed.error || t("Nhập các điểm của vùng.", "Enter the area's points.")] };
        throw error;
      }
      // Further rings of an imported alert stay; the first is the one edited here.
      areaBody.polygons = [parsed.ring, ...(area.polygons || []).slice(1)];
    }
    if (byCommunes) areaBody.communes = picker.codes();
    if (!areaBody.area_desc) {
      areaBody.area_desc = byCommunes && areaBody.communes.length ? picker.names().join(", ") : t("Vùng vẽ trên bản đồ", "Drawn area");
    }
    const kept = {};
    // Fields this form does not show (scope, restriction, addresses, source) are sent back as
    // they were, so that editing does not reset them.
    for (const name of ["scope", "restriction", "addresses", "source"]) {
      if (a[name] !== undefined && a[name] !== null) kept[name] = a[name];
    }
    return {
      status: value("status"), urgency: value("urgency"), severity: value("severity"), certainty: value("certainty"),
      event: value("event"), event_en: value("event_en"), headline: value("headline"), headline_en: value("headline_en"),
      description: value("description"), description_en: value("description_en"),
      instruction: value("instruction"), instruction_en: value("instruction_en"),
      category: data.getAll("category"), response_type: data.getAll("response_type"),
      effective: fromLocalInput(value("effective")), onset: fromLocalInput(value("onset")), expires: fromLocalInput(value("expires")),
      sender_name: value("sender_name"), web: value("web") || null, contact: value("contact") || null, note: value("note") || null,
      areas: [areaBody, ...(a.areas || []).slice(1)],
      ...kept,
    };
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const button = event.submitter || form.querySelector("#save-alert");
    const publish = button.value === "publish";
    busy(button, async () => {
      clearErrors(form);
      try {
        const fields = body();
        let saved;
        if (mode === "new") {
          saved = await api("/api/v1/alerts", { method: "POST", json: fields });
        } else if (mode === "draft") {
          saved = await api(`/api/v1/alerts/${record.id}`, { method: "PATCH", json: { ...fields, version: record.version } });
        } else {
          saved = await api(`/api/v1/alerts/${record.id}/update`, { method: "POST", json: { ...fields, version: record.version } });
        }
        if (publish) {
          if (!(await confirmDialog(t("Phát cảnh báo này tới người dân trong vùng?", "Send this alert to the people in the area?"), t("Phát", "Publish")))) {
            sessionStorage.setItem("sieuapp.console.alert-notice", t("Đã lưu nháp.", "Draft saved."));
            location.hash = `#/alerts/${saved.id}`;
            if (mode !== "new") window.dispatchEvent(new HashChangeEvent("hashchange"));
            return;
          }
          saved = await api(`/api/v1/alerts/${saved.id}/publish`, { method: "POST", json: { version: saved.version } });
        }
        sessionStorage.setItem("sieuapp.console.alert-notice", publish ? t("Đã phát cảnh báo.", "Alert published.")
          : mode === "update" ? t("Đã gửi bản cập nhật.", "Update sent.") : t("Đã lưu nháp.", "Draft saved."));
        if (location.hash === `#/alerts/${saved.id}`) window.dispatchEvent(new HashChangeEvent("hashchange"));
        else location.hash = `#/alerts/${saved.id}`;
      } catch (error) {
        showFieldErrors(form, error, placeFor);
      }
    });
  });
  return form;
}

function cancelForm(record) {
  const form = h("form", { class: "card", id: "cancel-form", novalidate: true },
    h("h2", {}, t("Hủy cảnh báo", "Cancel the alert")),
    formError(),
    field(t("Lý do hủy (gửi kèm tin hủy) *", "Why it is cancelled (sent with the Cancel) *"), h("textarea", { name: "note", rows: 2, required: true })),
    h("button", { type: "submit", class: "secondary danger" }, t("Gửi tin hủy", "Send the cancellation")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form.querySelector("button"), async () => {
      clearErrors(form);
      if (!(await confirmDialog(t("Hủy cảnh báo này? Người dân sẽ nhận tin hủy.", "Cancel this alert? People will be told it is cancelled."), t("Hủy cảnh báo", "Cancel the alert")))) return;
      try {
        const cancelled = await api(`/api/v1/alerts/${record.id}/cancel`, { method: "POST", json: { note: new FormData(form).get("note"), version: record.version } });
        sessionStorage.setItem("sieuapp.console.alert-notice", t("Đã gửi tin hủy.", "Cancellation sent."));
        location.hash = `#/alerts/${cancelled.id}`;
      } catch (error) {
        showFieldErrors(form, error);
      }
    });
  });
  return form;
}

function summary(record) {
  const a = record.alert;
  const deliveries = Object.entries(record.deliveries || {});
  const line = (label, value) => (value === null || value === undefined || value === "" ? null : h("div", {}, h("dt", {}, label), h("dd", {}, value)));
  return section(t("Thông điệp", "Message"),
    h("dl", { class: "facts", id: "alert-facts" },
      line(t("Mã", "Identifier"), h("code", {}, record.identifier)),
      line(t("Trạng thái", "State"), t(...(STATE_TEXT[record.state] || [record.state, record.state]))),
      line(t("Loại tin", "Message type"), record.msg_type),
      line(t("Phát lúc", "Sent"), record.sent ? formatDate(record.sent) : null),
      line(t("Hết hiệu lực", "Expires"), a.expires ? formatDate(a.expires) : null),
      line(t("Vùng đã nhắm", "Units targeted"), formatNumber(record.targets || 0)),
      line(t("Người nhận", "Recipients"), formatNumber(record.recipients || 0)),
      deliveries.length ? line(t("Gửi đi", "Deliveries"), deliveries.map(([channel, counts]) =>
        `${channel}: ${Object.entries(counts).map(([state, n]) => `${state} ${n}`).join(", ")}`).join("; ")) : null,
      record.sent ? line("CAP 1.2", h("a", { href: capUrl(record), id: "cap-link", target: "_blank", rel: "noopener" }, capUrl(record))) : null),
    (record.thread || []).length > 1 ? h("div", {}, h("h3", {}, t("Chuỗi thông điệp", "Thread")),
      h("ol", { class: "thread" }, record.thread.map((item) => h("li", {},
        item.id === record.id ? h("strong", {}, item.msg_type) : h("a", { href: `#/alerts/${item.id}` }, item.msg_type),
        " · ", t(...(STATE_TEXT[item.state] || [item.state, item.state])), item.sent ? ` · ${formatDate(item.sent)}` : "")))) : null);
}

export async function alertScreen(_context, id) {
  const said = sessionStorage.getItem("sieuapp.console.alert-notice");
  sessionStorage.removeItem("sieuapp.console.alert-notice");
  const back = h("a", { href: "#/alerts", class: "back-link" }, "← ", t("Các cảnh báo", "Alerts"));
  if (id === "new") {
    return [back, h("h1", {}, t("Soạn cảnh báo", "Compose an alert")), await composeForm(null, "new")];
  }
  const record = await api(`/api/v1/alerts/${id}`);
  const title = record.alert.headline || record.alert.event;
  const parts = [back, h("h1", { id: "alert-title", dataset: { state: record.state } }, title), said ? notice(said) : null, summary(record)];
  if (record.state === "draft") {
    parts.push(await composeForm(record, "draft"));
    const remove = h("button", { type: "button", class: "secondary danger", id: "delete-alert", onclick: (event) => busy(event.currentTarget, async () => {
      if (!(await confirmDialog(t("Xóa bản nháp này?", "Delete this draft?"), t("Xóa", "Delete")))) return;
      try {
        await api(`/api/v1/alerts/${record.id}`, { method: "DELETE" });
        location.hash = "#/alerts";
      } catch (error) {
        remove.after(problem(error));
      }
    }) }, t("Xóa bản nháp", "Delete the draft"));
    parts.push(h("p", { class: "actions" }, remove));
  } else if (record.state === "published" && record.msg_type !== "Cancel") {
    parts.push(await composeForm(record, "update"), cancelForm(record));
  }
  return parts;
}
