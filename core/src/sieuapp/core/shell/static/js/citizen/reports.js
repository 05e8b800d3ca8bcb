// Reports: send one (category and its questions, where, what, photos), follow mine with their
// timeline, rate the answer and dispute it.
import { api } from "../api.js";
import { tokens } from "../auth.js";
import { formatDate, lang, t } from "../i18n.js";
import { busy, clearErrors, empty, field, formError, h, section, showErrors } from "../ui.js";
import { signInFirst } from "./signin.js";

function question(q) {
  const name = `attributes.${q.code}`;
  const label = lang() === "en" ? q.description_en || q.description : q.description_vi || q.description;
  let input;
  if (q.datatype === "singlevaluelist" || q.datatype === "multivaluelist") {
    input = h("select", { name, required: q.required, multiple: q.datatype === "multivaluelist" },
      q.datatype === "singlevaluelist" ? h("option", { value: "" }, "—") : null,
      q.values.map((v) => h("option", { value: v.key }, lang() === "en" ? v.name_en || v.name : v.name_vi || v.name)));
  } else if (q.datatype === "number") {
    input = h("input", { name, type: "number", step: "any", required: q.required });
  } else if (q.datatype === "datetime") {
    input = h("input", { name, type: "datetime-local", required: q.required });
  } else if (q.datatype === "text") {
    input = h("textarea", { name, rows: 3, required: q.required });
  } else {
    input = h("input", { name, type: "text", required: q.required });
  }
  return field(label + (q.required ? " *" : ""), input);
}

function attributesOf(form) {
  const attributes = {};
  for (const element of form.querySelectorAll("[name^='attributes.']")) {
    const code = element.name.slice("attributes.".length);
    if (element.multiple) {
      const chosen = Array.from(element.selectedOptions, (o) => o.value);
      if (chosen.length) attributes[code] = chosen;
    } else if (element.value !== "") {
      attributes[code] = element.type === "number" ? Number(element.value)
        : element.type === "datetime-local" ? new Date(element.value).toISOString()
        : element.value;
    }
  }
  return attributes;
}

function devicePosition() {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) {
      reject(new Error(t("Thiết bị không cho biết vị trí.", "This device does not give its location.")));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lon: p.coords.longitude }),
      () => reject(new Error(t("Không lấy được vị trí. Hãy chọn phường, xã và nhập địa chỉ.",
        "Could not get your location. Choose the ward or commune and type the address."))),
      { enableHighAccuracy: true, timeout: 15000 },
    );
  });
}

export async function newReport() {
  if (!tokens()) return signInFirst(t("Đăng nhập để gửi phản ánh và theo dõi kết quả.",
    "Sign in to send a report and follow what happens to it."));
  const [categories, units] = await Promise.all([
    api("/api/v1/reports/categories"),
    api("/api/v1/tenant/units"),
  ]);
  const groups = new Map();
  for (const c of categories) {
    if (!groups.has(c.group)) groups.set(c.group, []);
    groups.get(c.group).push(c);
  }
  const questions = h("div", { class: "questions" });
  const category = h("select", { name: "category", required: true, id: "report-category" },
    h("option", { value: "" }, t("— Chọn loại phản ánh —", "— Choose what to report —")),
    Array.from(groups, ([group, items]) => h("optgroup", { label: group || t("Khác", "Other") },
      items.map((c) => h("option", { value: c.code }, lang() === "en" ? c.name_en || c.name : c.name_vi || c.name)))));
  category.addEventListener("change", () => {
    const chosen = categories.find((c) => c.code === category.value);
    questions.replaceChildren(...(chosen ? chosen.questions.map(question) : []));
  });
  const position = { value: null };
  const where = h("p", { class: "muted", id: "report-position", role: "status" });
  const locate = h("button", { type: "button", class: "secondary", onclick: (event) => busy(event.currentTarget, async () => {
    try {
      position.value = await devicePosition();
      where.textContent = t("Đã lấy vị trí: ", "Location taken: ") +
        `${position.value.lat.toFixed(5)}, ${position.value.lon.toFixed(5)}`;
    } catch (error) {
      where.textContent = error.message;
    }
  }) }, t("Dùng vị trí của tôi", "Use my location"));
  const unit = h("select", { name: "unit_code" },
    h("option", { value: "" }, t("— Phường, xã —", "— Ward or commune —")),
    units.map((u) => h("option", { value: u.code }, u.name)));
  const photos = h("input", { type: "file", name: "photo_ids", accept: "image/jpeg,image/png,image/webp", multiple: true });
  const form = h("form", { id: "report-form", class: "card", novalidate: true },
    h("h1", {}, t("Gửi phản ánh", "Send a report")),
    formError(),
    field(t("Loại phản ánh *", "What it is about *"), category),
    questions,
    h("fieldset", {}, h("legend", {}, t("Ở đâu", "Where")),
      locate, where,
      field(t("Phường, xã", "Ward or commune"), unit),
      field(t("Địa chỉ", "Address"), h("input", { name: "address", type: "text", autocomplete: "street-address" }))),
    field(t("Nội dung *", "What happened *"), h("textarea", { name: "description", rows: 4, required: true })),
    field(t("Ảnh", "Photos"), photos, t("Tối đa vài ảnh JPEG, PNG hoặc WebP.", "A few JPEG, PNG or WebP photos.")),
    h("button", { type: "submit", class: "primary" }, t("Gửi", "Send")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    await busy(button, async () => {
      clearErrors(form);
      try {
        const photoIds = [];
        for (const file of photos.files) {
          const upload = new FormData();
          upload.append("file", file);
          photoIds.push((await api("/api/v1/reports/photos", { method: "POST", form: upload })).id);
        }
        const data = new FormData(form);
        const body = {
          category: data.get("category"),
          description: data.get("description"),
          channel: "app",
          attributes: attributesOf(form),
        };
        if (position.value) Object.assign(body, position.value);
        if (data.get("unit_code")) body.unit_code = data.get("unit_code");
        if (data.get("address")) body.address = data.get("address");
        if (photoIds.length) body.photo_ids = photoIds;
        const created = await api("/api/v1/reports", { method: "POST", json: body });
        location.hash = `#/reports/${created.id}`;
      } catch (error) {
        showErrors(form, error);
      }
    });
  });
  return form;
}

function statusBadge(report) {
  return h("span", { class: `badge status-${report.status}` }, report.status_label || report.status);
}

export async function myReports() {
  if (!tokens()) return signInFirst(t("Đăng nhập để xem phản ánh của bạn.", "Sign in to see your reports."));
  const page = await api("/api/v1/reports/mine?page_size=50");
  return [
    h("div", { class: "heading" }, h("h1", {}, t("Phản ánh của tôi", "My reports")),
      h("a", { class: "button primary", href: "#/reports/new" }, t("Gửi phản ánh", "Send a report"))),
    page.items.length
      ? h("ul", { class: "list", id: "my-reports" }, page.items.map((r) => h("li", {},
          h("a", { href: `#/reports/${r.id}`, class: "row", dataset: { report: r.id } },
            h("span", { class: "title" }, `#${r.id} · ${r.category.name}`),
            h("span", { class: "text" }, r.description),
            h("span", { class: "meta" }, statusBadge(r), " ", formatDate(r.submitted_at))))))
      : empty(t("Bạn chưa gửi phản ánh nào.", "You have not sent any report yet.")),
  ];
}

const RATINGS = [
  ["satisfied", "Hài lòng", "Satisfied"],
  ["accepted", "Chấp nhận", "Acceptable"],
  ["not_satisfied", "Không hài lòng", "Not satisfied"],
];

/** A reporter's step on their report: a small form whose one field is posted as JSON. */
function stepForm({ id, title, name, input, button, url, reload }) {
  const form = h("form", { id, class: "card" }, h("h2", {}, title), formError(), input,
    h("button", { type: "submit", class: "primary" }, button));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form.querySelector("button[type=submit]"), async () => {
      clearErrors(form);
      try {
        await api(url, { method: "POST", json: { [name]: new FormData(form).get(name) || "" } });
        reload();
      } catch (error) {
        showErrors(form, error);
      }
    });
  });
  return form;
}

function rateForm(report, reload) {
  return stepForm({
    id: "rate-form",
    title: t("Đánh giá kết quả xử lý", "Rate how it was handled"),
    name: "rating",
    input: h("div", { class: "choices", role: "radiogroup" }, RATINGS.map(([value, vi, en]) =>
      h("label", { class: "choice" }, h("input", { type: "radio", name: "rating", value }), t(vi, en)))),
    button: t("Gửi đánh giá", "Send rating"),
    url: `/api/v1/reports/${report.id}/rate`,
    reload,
  });
}

function disputeForm(report, reload) {
  return stepForm({
    id: "dispute-form",
    title: t("Khiếu nại kết quả", "Dispute the answer"),
    name: "reason",
    input: field(t("Vì sao bạn chưa đồng ý?", "Why do you disagree?"), h("textarea", { name: "reason", rows: 3 })),
    button: t("Gửi khiếu nại", "Send dispute"),
    url: `/api/v1/reports/${report.id}/dispute`,
    reload,
  });
}

function infoForm(report, reload) {
  return stepForm({
    id: "info-form",
    title: t("Bổ sung thông tin", "Add the information asked for"),
    name: "message",
    input: field(t("Thông tin bổ sung", "Your answer"), h("textarea", { name: "message", rows: 3 })),
    button: t("Gửi", "Send"),
    url: `/api/v1/reports/${report.id}/info`,
    reload,
  });
}

export async function oneReport(id) {
  if (!tokens()) return signInFirst(t("Đăng nhập để xem phản ánh.", "Sign in to see the report."));
  const [report, history] = await Promise.all([
    api(`/api/v1/reports/${id}`),
    api(`/api/v1/reports/${id}/history`),
  ]);
  const container = h("div", { class: "report", id: "report", dataset: { status: report.status } });
  const reload = async () => container.replaceWith(...[].concat(await oneReport(id)));
  container.append(
    h("a", { href: "#/reports", class: "back-link" }, "← ", t("Phản ánh của tôi", "My reports")),
    section(`#${report.id} · ${report.category.name}`,
      h("p", {}, statusBadge(report)),
      h("p", {}, report.description),
      report.address ? h("p", { class: "muted" }, report.address) : null,
      report.organization ? h("p", { class: "muted" }, t("Đơn vị xử lý: ", "Handled by: "), report.organization.name) : null,
      report.deadline_at && !report.resolved_at ? h("p", { class: "muted" }, t("Hạn xử lý: ", "Due: "), formatDate(report.deadline_at)) : null,
      (report.photos || []).length ? h("p", {}, t(`${report.photos.length} ảnh`, `${report.photos.length} photo(s)`)) : null,
      report.answer ? h("div", { class: "answer" }, h("h3", {}, t("Trả lời", "Answer")), h("p", {}, report.answer)) : null,
      report.rating ? h("p", { id: "rating" }, t("Bạn đã đánh giá: ", "Your rating: "),
        t(...RATINGS.find((r) => r[0] === report.rating).slice(1))) : null),
    section(t("Diễn biến", "Timeline"),
      h("ol", { class: "timeline", id: "timeline" }, history.map((step) => h("li", {},
        h("time", { datetime: step.at }, formatDate(step.at)),
        h("strong", {}, step.to_status_label || step.to_status),
        step.organization ? h("span", { class: "muted" }, " · ", step.organization.name || step.organization) : null,
        step.note ? h("p", {}, step.note) : null)))),
  );
  if (report.status === "info_requested") container.append(infoForm(report, reload));
  if (report.status === "resolved" && !report.rating) container.append(rateForm(report, reload));
  if (report.rating === "not_satisfied" && ["resolved", "closed"].includes(report.status)) {
    container.append(disputeForm(report, reload));
  }
  return container;
}

