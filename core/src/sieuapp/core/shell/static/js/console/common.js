// What several console screens share and the shared modules do not have (yet): filters kept in
// the hash (so a filtered list survives a reload and the back button), paging, tabs, tables,
// a confirmation dialog, Vietnam's local time for date inputs, and errors placed by field even
// when the API names a nested path.
import { formatNumber, t } from "../i18n.js";
import { h, showErrors } from "../ui.js";

/** The current screen's filters: the part of ``#/screen?...`` after the question mark. */
export function hashParams() {
  const hash = location.hash || "#/";
  const at = hash.indexOf("?");
  return new URLSearchParams(at < 0 ? "" : hash.slice(at + 1));
}

/** ``#/screen?filters``, without empty values, ready to assign to ``location.hash``. */
export function hashFor(screen, params) {
  const clean = new URLSearchParams();
  for (const [key, value] of params instanceof URLSearchParams ? params : Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") clean.append(key, value);
  }
  const query = clean.toString();
  return `#/${screen}${query ? "?" + query : ""}`;
}

/** A filter form's values as query parameters (empty fields left out). */
export function formParams(form) {
  const params = new URLSearchParams();
  for (const [key, value] of new FormData(form)) {
    if (typeof value === "string" && value.trim() !== "") params.append(key, value.trim());
  }
  return params;
}

export function pager(screen, params, page) {
  const size = page.page_size || 20;
  const last = Math.max(1, Math.ceil((page.total || 0) / size));
  const current = page.page || 1;
  const link = (number, label, rel) => {
    const next = new URLSearchParams(params);
    next.set("page", String(number));
    return h("a", { class: "button secondary", href: hashFor(screen, next), rel }, label);
  };
  return h(
    "nav",
    { class: "pager", "aria-label": t("Phân trang", "Pages") },
    current > 1 ? link(current - 1, t("← Trước", "← Previous"), "prev") : null,
    h("span", { class: "muted" },
      t(`Trang ${current}/${last} · ${formatNumber(page.total || 0)} mục`,
        `Page ${current} of ${last} · ${formatNumber(page.total || 0)} items`)),
    current < last ? link(current + 1, t("Sau →", "Next →"), "next") : null,
  );
}

/** Links that switch a screen's view; the current one is marked for screen readers too. */
export function tabs(label, items) {
  return h(
    "nav",
    { class: "tabs", "aria-label": label },
    items.map(([href, text, current, id]) =>
      h("a", { href, id, "aria-current": current ? "page" : null }, text)),
  );
}

/** A table with a caption and column headers; ``rows`` are arrays of cells (nodes or text),
 * the first cell of each row being its header. */
export function table(caption, headers, rows, attributes = {}) {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      attributes,
      h("caption", { class: caption.hidden ? "visually-hidden" : null }, caption.text || caption),
      h("thead", {}, h("tr", {}, headers.map((text) => h("th", { scope: "col" }, text)))),
      h("tbody", {}, rows.map((cells) =>
        h("tr", cells.dataset ? { dataset: cells.dataset } : {},
          cells.map((cell, i) => (i === 0 ? h("th", { scope: "row" }, cell) : h("td", {}, cell)))))),
    ),
  );
}

/** A modal question with two answers; resolves true when confirmed. The native confirm() is
 * avoided: it cannot be styled, translated buttons are impossible and it blocks the page. */
export function confirmDialog(question, yes, no = t("Thôi", "Cancel")) {
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "confirm", "aria-labelledby": "confirm-question" },
      h("p", { id: "confirm-question" }, question),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "secondary", value: "no", onclick: () => dialog.close("no") }, no),
        h("button", { type: "button", class: "primary danger", id: "confirm-yes", onclick: () => dialog.close("yes") }, yes)));
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "yes");
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

const ZONE_OFFSET = "+07:00";

/** An ISO time as a ``datetime-local`` value in Vietnam's time (UTC+7 all year). */
export function toLocalInput(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const shifted = new Date(date.getTime() + 7 * 3600 * 1000);
  return shifted.toISOString().slice(0, 16);
}

/** A ``datetime-local`` value, read as Vietnam's time, as ISO 8601 with whole seconds and an
 * offset (what CAP and the audit filters take). */
export function fromLocalInput(value) {
  if (!value) return null;
  const withSeconds = value.length === 16 ? value + ":00" : value.slice(0, 19);
  return withSeconds + ZONE_OFFSET;
}

/** Today in Vietnam as ``YYYY-MM-DD``, and the day ``days`` before it. */
export function vietnamDay(daysBefore = 0) {
  const shifted = new Date(Date.now() + 7 * 3600 * 1000 - daysBefore * 86400 * 1000);
  return shifted.toISOString().slice(0, 10);
}

/** ``showErrors`` for APIs whose field names are nested paths (``entries[0].number``,
 * ``areas[0].polygons[1]``): a message goes under the nearest input the form has, through
 * ``placeFor(name)`` when given, else the path's first segment. */
export function showFieldErrors(form, error, placeFor = null) {
  const fields = {};
  for (const [name, said] of Object.entries(error.fields || {})) {
    let messages = [].concat(said);
    let target = name;
    if (!form.querySelector(`[name="${CSS.escape(name)}"]`)) {
      const mapped = placeFor ? placeFor(name) : null;
      target = mapped || name.split(/[.[]/)[0];
      if (target !== name) messages = messages.map((m) => `${name}: ${m}`);
    }
    fields[target] = [].concat(fields[target] || [], messages);
  }
  showErrors(form, { message: error.message, fields });
}

/** A short notice that announces itself (saved, installed…). */
export function notice(text, kind = "ok") {
  return h("p", { class: `notice ${kind}`, role: kind === "ok" ? "status" : "alert" }, text);
}

/** Draw the current screen again (after a change), as the router does on a hash change. */
export function rerender() {
  window.dispatchEvent(new HashChangeEvent("hashchange"));
}

/** A text in the user's language from the API's ``{vi, en}``, or the text itself. */
export function localized(value, lang) {
  if (value && typeof value === "object") return value[lang] || value.vi || value.en || "";
  return value || "";
}
