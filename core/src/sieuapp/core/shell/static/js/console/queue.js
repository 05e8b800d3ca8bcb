// The report queue and one report: filters as the queue API takes them, an "overdue" tab, the
// full history (internal notes included: the caller is the IOC or the handling side), and the
// handling steps. The steps offered are those lifecycle.py allows from the report's status for
// what the caller is on this report (``viewer``), so a button never leads to a certain 409.
import { api } from "../api.js";
import { formatDate, lang, t } from "../i18n.js";
import { busy, clearErrors, field, formError, h, section } from "../ui.js";
import { formParams, hashFor, notice, pager, showFieldErrors, table, tabs } from "./common.js";

const STATES = ["submitted", "moderated", "assigned", "in_progress", "info_requested", "resolved",
  "rejected", "closed", "merged", "dismissed"];
const OPEN = ["submitted", "moderated", "assigned", "in_progress", "info_requested", "rejected"];
const HANDLING = ["assigned", "in_progress", "info_requested"];

const STATUS_TEXT = {
  submitted: ["Đã tiếp nhận", "Received"],
  moderated: ["Đã kiểm duyệt", "Moderated"],
  assigned: ["Đã chuyển đơn vị xử lý", "Assigned"],
  in_progress: ["Đang xử lý", "In progress"],
  info_requested: ["Cần bổ sung thông tin", "More information needed"],
  resolved: ["Đã xử lý", "Resolved"],
  rejected: ["Chờ chuyển lại", "Being re-routed"],
  closed: ["Đã đóng", "Closed"],
  merged: ["Đã gộp", "Merged"],
  dismissed: ["Không xử lý", "Dismissed"],
};

/** lifecycle.TRANSITIONS for the steps on /actions/<action>: from which states, by whom, and
 * what each needs. ``note`` is required where lifecycle requires it. */
export const ACTIONS = {
  moderate: { from: ["submitted"], who: ["ioc"], public: true, label: ["Kiểm duyệt", "Moderate"] },
  assign: { from: ["moderated", "rejected", ...HANDLING], who: ["ioc"], organization: true, label: ["Chuyển đơn vị xử lý", "Route to an organization"] },
  start: { from: ["assigned"], who: ["handler", "ioc"], label: ["Bắt đầu xử lý", "Start"] },
  request_info: { from: ["assigned", "in_progress"], who: ["handler", "ioc"], note: "required", label: ["Đề nghị bổ sung thông tin", "Request information"] },
  resolve: { from: HANDLING, who: ["handler", "ioc"], note: "required", label: ["Đã xử lý, trả lời", "Resolve with an answer"] },
  reject: { from: HANDLING, who: ["handler", "ioc"], note: "required", label: ["Trả lại IOC (không thuộc thẩm quyền)", "Send back (not ours)"] },
  merge: { from: OPEN, who: ["ioc"], into: true, label: ["Gộp vào phản ánh khác", "Merge into another report"] },
  dismiss: { from: ["submitted", "moderated", "rejected"], who: ["ioc"], note: "required", label: ["Không xử lý", "Dismiss"] },
  close: { from: ["resolved"], who: ["ioc"], label: ["Đóng", "Close"] },
  comment: { from: null, who: ["handler", "ioc"], note: "required", label: ["Ghi chú nội bộ", "Internal comment"] },
};

const NOTE_LABEL = {
  request_info: ["Câu hỏi gửi người phản ánh (không công khai)", "Question to the reporter (not public)"],
  resolve: ["Trả lời người dân (công khai)", "Answer to the citizen (public)"],
  reject: ["Vì sao không thuộc đơn vị (gửi IOC)", "Why it is not ours (to the IOC)"],
  dismiss: ["Lý do không xử lý", "Why it is dismissed"],
  comment: ["Ghi chú (chỉ cán bộ thấy)", "Comment (staff only)"],
  assign: ["Ghi chú (không bắt buộc)", "Note (optional)"],
  moderate: ["Ghi chú (không bắt buộc)", "Note (optional)"],
  merge: ["Ghi chú (không bắt buộc)", "Note (optional)"],
  start: ["Ghi chú (không bắt buộc)", "Note (optional)"],
  close: ["Ghi chú (không bắt buộc)", "Note (optional)"],
};

export function statusText(status, label) {
  const known = STATUS_TEXT[status];
  return label || (known ? t(...known) : status);
}

export function statusBadge(report) {
  return h("span", { class: `badge status-${report.status}` }, statusText(report.status, report.status_label));
}

/** The steps ``viewer`` (ioc, handler, reporter or follower) may take on a report now. */
export function allowedActions(report) {
  const kinds = report.viewer === "ioc" ? ["ioc", "handler"] : report.viewer === "handler" ? ["handler"] : [];
  return Object.entries(ACTIONS)
    .filter(([, rule]) => rule.who.some((k) => kinds.includes(k)))
    .filter(([, rule]) => rule.from === null || rule.from.includes(report.status))
    .map(([name]) => name);
}

function isOverdue(report) {
  return report.deadline_at && OPEN.includes(report.status) && new Date(report.deadline_at) < new Date();
}

function named(item) {
  return lang() === "en" ? item.name_en || item.name : item.name_vi || item.name;
}

let lookups = null;

/** Categories and organizations, read once per page load: they change rarely. */
async function reference() {
  if (!lookups) {
    lookups = Promise.all([
      api("/api/v1/reports/categories").catch(() => []),
      api("/api/v1/tenant/organizations").catch(() => []),
    ]).then(([categories, organizations]) => ({ categories, organizations }));
  }
  return lookups;
}

export async function queue({ params }) {
  const view = params.get("view") || "open";
  const query = new URLSearchParams();
  for (const name of ["category", "organization", "q", "page"]) {
    if (params.get(name)) query.set(name, params.get(name));
  }
  const status = params.getAll("status");
  if (status.length) status.forEach((s) => query.append("status", s));
  else if (view === "open") OPEN.forEach((s) => query.append("status", s));
  if (view === "overdue") query.set("overdue", "true");
  query.set("page_size", "25");
  const [page, { categories, organizations }] = await Promise.all([
    api(`/api/v1/reports/queue?${query}`),
    reference(),
  ]);

  const tabParams = (next) => {
    const copy = new URLSearchParams(params);
    copy.delete("page");
    copy.set("view", next);
    return hashFor("reports", copy);
  };
  const select = (name, label, options) => field(label, h("select", { name },
    h("option", { value: "" }, t("— Tất cả —", "— All —")),
    options.map(([value, text]) => h("option", { value, selected: params.get(name) === value }, text))));
  const form = h("form", { class: "card filters", id: "queue-filters", role: "search" },
    h("input", { type: "hidden", name: "view", value: view }),
    h("div", { class: "filter-grid" },
      field(t("Tìm (không cần dấu)", "Search (accents optional)"), h("input", { name: "q", type: "search", value: params.get("q") || "" })),
      select("status", t("Trạng thái", "Status"), STATES.map((s) => [s, statusText(s)])),
      select("category", t("Loại phản ánh", "Category"), categories.map((c) => [c.code, named(c)])),
      select("organization", t("Đơn vị xử lý", "Organization"), organizations.map((o) => [o.code, named(o)]))),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("Lọc", "Filter")),
      h("a", { class: "button secondary", href: "#/reports" }, t("Bỏ lọc", "Clear"))));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = hashFor("reports", formParams(form));
  });

  const rows = page.items.map((report) => {
    const late = isOverdue(report);
    const cells = [
      h("a", { href: `#/reports/${report.id}`, dataset: { report: report.id } }, `#${report.id}`),
      report.category ? report.category.name : "",
      h("span", { class: "clip" }, report.description),
      report.organization ? report.organization.name : h("span", { class: "muted" }, t("Chờ IOC", "With the IOC")),
      statusBadge(report),
      h("time", { datetime: report.submitted_at }, formatDate(report.submitted_at)),
      report.deadline_at ? h("time", { datetime: report.deadline_at, class: late ? "late" : null },
        formatDate(report.deadline_at), late ? h("span", { class: "badge overdue" }, t(" Quá hạn", " Overdue")) : null) : "—",
    ];
    cells.dataset = { report: report.id, status: report.status };
    return cells;
  });
  return [
    h("h1", {}, t("Phản ánh hiện trường", "Citizen reports")),
    tabs(t("Xem", "View"), [
      [tabParams("open"), t("Đang mở", "Open"), view === "open", "tab-open"],
      [tabParams("overdue"), t("Quá hạn", "Overdue"), view === "overdue", "tab-overdue"],
      [tabParams("all"), t("Tất cả", "All"), view === "all", "tab-all"],
    ]),
    form,
    rows.length
      ? table({ text: t("Danh sách phản ánh", "Reports"), hidden: true },
          ["#", t("Loại", "Category"), t("Nội dung", "Description"), t("Đơn vị", "Organization"), t("Trạng thái", "Status"),
            t("Gửi lúc", "Received"), t("Hạn", "Due")], rows, { id: "queue-table", class: "data" })
      : h("p", { class: "empty" }, t("Không có phản ánh nào.", "No reports.")),
    pager("reports", params, page),
  ];
}

function actionForm(report, action, organizations, onDone) {
  const rule = ACTIONS[action];
  const [vi, en] = NOTE_LABEL[action];
  const inputs = [];
  if (rule.organization) {
    const current = report.organization ? report.organization.code : "";
    inputs.push(field(t("Đơn vị xử lý", "Organization") + (report.status === "rejected" ? " *" : ""),
      h("select", { name: "organization", required: report.status === "rejected" },
        h("option", { value: "" }, t("— Theo phân luồng —", "— As routed —")),
        organizations.map((o) => h("option", { value: o.code, selected: o.code === current && report.status !== "rejected" }, named(o))))));
  }
  if (rule.into) {
    inputs.push(field(t("Gộp vào phản ánh số *", "Into report number *"),
      h("input", { name: "into", type: "number", inputmode: "numeric", min: "1", required: true })));
  }
  if (rule.public) {
    inputs.push(h("label", { class: "field check" }, h("input", { type: "checkbox", name: "public", checked: true }),
      " ", t("Hiện trong danh sách công khai", "Show in the public feed")));
  }
  inputs.push(field(t(vi, en) + (rule.note === "required" ? " *" : ""),
    h("textarea", { name: "note", rows: 3, required: rule.note === "required" })));
  const form = h("form", { class: "card action-form", id: "action-form", novalidate: true, dataset: { action } },
    h("h3", {}, t(...rule.label)),
    formError(),
    inputs,
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary", id: "action-submit" }, t(...rule.label)),
      h("button", { type: "button", class: "secondary", onclick: () => form.remove() }, t("Thôi", "Cancel"))));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form.querySelector("button[type=submit]"), async () => {
      clearErrors(form);
      const data = new FormData(form);
      const body = { note: (data.get("note") || "").trim() || null };
      if (rule.organization) body.organization = data.get("organization") || null;
      if (rule.into) body.into = data.get("into") ? Number(data.get("into")) : null;
      if (rule.public) body.public = data.get("public") === "on";
      try {
        await api(`/api/v1/reports/${report.id}/actions/${action}`, { method: "POST", json: body });
        onDone(t(...rule.label));
      } catch (error) {
        showFieldErrors(form, error);
      }
    });
  });
  return form;
}

function details(report) {
  const line = (label, value) => (value === null || value === undefined || value === "" ? null
    : h("div", {}, h("dt", {}, label), h("dd", {}, value)));
  const attributes = Object.entries(report.attributes || {});
  return h("dl", { class: "facts" },
    line(t("Trạng thái", "Status"), statusBadge(report)),
    line(t("Loại", "Category"), report.category && report.category.name),
    line(t("Kênh", "Channel"), report.channel),
    line(t("Đơn vị xử lý", "Organization"), report.organization && report.organization.name),
    line(t("Địa chỉ", "Address"), report.address),
    line(t("Phường, xã (mã)", "Ward or commune (code)"), report.unit_code),
    line(t("Vị trí", "Location"), report.lat != null ? `${report.lat}, ${report.lon}` : null),
    line(t("Người phản ánh", "Reporter"), report.anonymous ? t("Ẩn danh", "Anonymous") : report.reporter && report.reporter.name),
    line(t("Liên hệ", "Contact"), [report.contact_name, report.contact_phone, report.contact_email].filter(Boolean).join(" · ")),
    line(t("Nhập bởi", "Entered by"), report.entered_by),
    line(t("Gửi lúc", "Received"), formatDate(report.submitted_at)),
    line(t("Hạn xử lý", "Due"), report.deadline_at ? h("span", { class: isOverdue(report) ? "late" : null }, formatDate(report.deadline_at)) : null),
    line(t("Xử lý xong", "Resolved"), report.resolved_at ? formatDate(report.resolved_at) : null),
    line(t("Công khai", "Public"), report.public ? t("Có", "Yes") : t("Không", "No")),
    line(t("Đánh giá", "Rating"), report.rating),
    line(t("Khiếu nại", "Disputes"), report.disputes || null),
    line(t("Đã gộp vào", "Merged into"), report.merged_into_id ? h("a", { href: `#/reports/${report.merged_into_id}` }, `#${report.merged_into_id}`) : null),
    attributes.map(([key, value]) => line(key, Array.isArray(value) ? value.join(", ") : String(value))));
}

export async function reportDetail(_context, id) {
  const [report, history, { organizations }] = await Promise.all([
    api(`/api/v1/reports/${id}`),
    api(`/api/v1/reports/${id}/history`),
    reference(),
  ]);
  const panel = h("div", { id: "action-panel" });
  const done = h("div", { "aria-live": "polite" });
  const said = sessionStorage.getItem("sieuapp.console.report-notice");
  sessionStorage.removeItem("sieuapp.console.report-notice");
  if (said) done.append(notice(said));
  const onDone = (what) => {
    sessionStorage.setItem("sieuapp.console.report-notice", t(`Đã thực hiện: ${what}`, `Done: ${what}`));
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  };
  const actions = allowedActions(report);
  const buttons = actions.map((action) => h("button", {
    type: "button", class: action === "dismiss" || action === "reject" ? "secondary danger" : "secondary",
    dataset: { action },
    onclick: () => {
      panel.replaceChildren(actionForm(report, action, organizations, onDone));
      const first = panel.querySelector("select, input:not([type=hidden]), textarea");
      if (first) first.focus();
    },
  }, t(...ACTIONS[action].label)));
  return h("div", { class: "report-detail", id: "report", dataset: { status: report.status, viewer: report.viewer } },
    h("a", { href: "#/reports", class: "back-link" }, "← ", t("Danh sách phản ánh", "Report queue")),
    h("h1", {}, `#${report.id} · ${report.category ? report.category.name : ""}`),
    done,
    h("div", { class: "split" },
      h("div", {},
        section(t("Nội dung", "What was reported"), h("p", { class: "description" }, report.description),
          report.answer ? h("div", { class: "answer" }, h("h3", {}, t("Trả lời", "Answer")), h("p", {}, report.answer)) : null,
          (report.photos || []).length ? h("div", { class: "photos" }, report.photos.map((p) =>
            h("a", { href: p.original_url || p.url, target: "_blank", rel: "noopener" },
              h("img", { src: p.url, alt: t(`Ảnh của phản ánh #${report.id}`, `Photo of report #${report.id}`), width: 160, loading: "lazy" })))) : null,
          details(report)),
        section(t("Xử lý", "Handling"),
          actions.length
            ? h("div", { class: "actions", id: "actions" }, buttons)
            : h("p", { class: "muted" }, t("Không có bước nào bạn có thể thực hiện ở trạng thái này.", "There is no step you can take in this state.")),
          panel)),
      section(t("Diễn biến", "History"),
        h("ol", { class: "timeline", id: "history" }, history.map((step) => h("li", { dataset: { action: step.action } },
          h("time", { datetime: step.at }, formatDate(step.at)),
          h("strong", {}, step.to_status_label || step.to_status), " ",
          h("span", { class: "muted" }, `(${step.action})`),
          step.actor ? h("span", { class: "muted" }, " · ", step.actor) : null,
          step.organization ? h("span", { class: "muted" }, " · ", step.organization.name) : null,
          step.public === false ? h("span", { class: "badge internal" }, t("nội bộ", "internal")) : null,
          step.note ? h("p", {}, step.note) : null))))));
}
