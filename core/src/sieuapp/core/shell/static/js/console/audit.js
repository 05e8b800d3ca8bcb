// The audit log: who did what, when, to what, filtered as the API filters and paged.
import { api } from "../api.js";
import { formatDate, t } from "../i18n.js";
import { field, h } from "../ui.js";
import { formParams, fromLocalInput, hashFor, pager, table, toLocalInput } from "./common.js";

const FILTERS = ["action", "actor", "target", "user", "plugin"];

function changes(entry) {
  if (entry.before == null && entry.after == null) return "";
  return h("details", {}, h("summary", {}, t("Chi tiết", "Details")),
    entry.before != null ? h("div", {}, h("strong", {}, t("Trước: ", "Before: ")), h("pre", {}, JSON.stringify(entry.before, null, 2))) : null,
    entry.after != null ? h("div", {}, h("strong", {}, t("Sau: ", "After: ")), h("pre", {}, JSON.stringify(entry.after, null, 2))) : null);
}

export async function audit({ params }) {
  const query = new URLSearchParams();
  for (const name of [...FILTERS, "since", "until", "page"]) {
    if (params.get(name)) query.set(name, params.get(name));
  }
  query.set("page_size", "50");
  const page = await api(`/api/v1/admin/audit?${query}`);

  const input = (name, label, hint) => field(label, h("input", { name, type: "text", value: params.get(name) || "" }), hint);
  const form = h("form", { class: "card filters", id: "audit-filters", role: "search" },
    h("h2", { class: "visually-hidden" }, t("Lọc", "Filter")),
    h("div", { class: "filter-grid" },
      input("action", t("Hành động", "Action"), t("ví dụ plugin.disabled, report.resolve", "e.g. plugin.disabled, report.resolve")),
      input("target", t("Đối tượng", "Target"), t("ví dụ report:12, plugin:taxi", "e.g. report:12, plugin:taxi")),
      input("actor", t("Người thực hiện (mã)", "Actor (user id)")),
      input("user", t("Về người dùng (mã)", "About user (id)")),
      input("plugin", t("Dịch vụ", "Module")),
      field(t("Từ (giờ Việt Nam)", "From (Vietnam time)"), h("input", { name: "since", type: "datetime-local", value: toLocalInput(params.get("since")) })),
      field(t("Đến (giờ Việt Nam)", "Until (Vietnam time)"), h("input", { name: "until", type: "datetime-local", value: toLocalInput(params.get("until")) }))),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary" }, t("Lọc", "Filter")),
      h("a", { class: "button secondary", href: "#/audit" }, t("Bỏ lọc", "Clear"))));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = formParams(form);
    for (const name of ["since", "until"]) {
      if (next.get(name)) next.set(name, fromLocalInput(next.get(name)));
    }
    location.hash = hashFor("audit", next);
  });

  const rows = page.entries.map((entry) => {
    const cells = [
      h("time", { datetime: entry.at }, formatDate(entry.at)),
      h("span", {}, entry.actor_label || "—", entry.on_behalf_of ? h("div", { class: "muted small" }, t("thay cho ", "for "), entry.on_behalf_of) : null),
      h("code", {}, entry.action),
      entry.target || "",
      entry.plugin_id || "",
      entry.ip || "",
      changes(entry),
    ];
    cells.dataset = { entry: entry.id };
    return cells;
  });
  return [
    h("h1", {}, t("Nhật ký thao tác", "Audit log")),
    form,
    rows.length
      ? table({ text: t("Các mục nhật ký", "Audit entries"), hidden: true },
          [t("Thời điểm", "When"), t("Người thực hiện", "Who"), t("Hành động", "Action"), t("Đối tượng", "Target"),
            t("Dịch vụ", "Module"), "IP", t("Thay đổi", "Changes")], rows, { id: "audit-table", class: "data" })
      : h("p", { class: "empty" }, t("Không có mục nào.", "No entries.")),
    pager("audit", params, page),
  ];
}
