// A small DOM builder and the pieces every screen shares: headings, errors shown by field,
// empty and loading states. No framework: a screen is a function that returns elements.
import { t } from "./i18n.js";

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      element.className = value;
    } else if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else if (value === true) {
      element.setAttribute(name, "");
    } else {
      element.setAttribute(name, value);
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

export function loading() {
  return h("p", { class: "muted", role: "status" }, t("Đang tải…", "Loading…"));
}

export function empty(text) {
  return h("p", { class: "empty" }, text);
}

export function problem(error) {
  return h("p", { class: "error", role: "alert" }, error.message || String(error));
}

/** ``{"attributes": {"depth_cm": [...]}}`` as ``{"attributes.depth_cm": [...]}``, the names
 * the form's inputs carry. */
function flatten(fields, prefix = "") {
  const flat = {};
  for (const [name, value] of Object.entries(fields || {})) {
    const key = prefix ? `${prefix}.${name}` : name;
    if (value && typeof value === "object" && !Array.isArray(value)) {
      Object.assign(flat, flatten(value, key));
    } else {
      flat[key] = [].concat(value);
    }
  }
  return flat;
}

/** Show an API error on a form: each field's message under it, the rest on top. */
export function showErrors(form, error) {
  form.querySelectorAll(".field-error").forEach((node) => node.remove());
  form.querySelectorAll("[aria-invalid]").forEach((node) => node.removeAttribute("aria-invalid"));
  const summary = form.querySelector(".form-error");
  const unplaced = [];
  for (const [field, messages] of Object.entries(flatten(error.fields))) {
    const input = form.querySelector(`[name="${CSS.escape(field)}"]`);
    const text = messages.join(" ");
    if (!input) {
      unplaced.push(text);
      continue;
    }
    const id = `${form.id || "form"}-${field}-error`;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", id);
    const label = input.closest("label") || input;
    label.after(h("p", { class: "field-error", id }, text));
  }
  if (summary) {
    replace(summary, error.message, unplaced.length ? " " + unplaced.join(" ") : "");
    summary.hidden = false;
  }
}

export function clearErrors(form) {
  showErrors(form, { fields: {} });
  const summary = form.querySelector(".form-error");
  if (summary) summary.hidden = true;
}

export function field(label, input, hint) {
  return h("label", { class: "field" }, h("span", { class: "label" }, label), input,
    hint ? h("span", { class: "hint" }, hint) : null);
}

export function formError() {
  return h("p", { class: "form-error error", role: "alert", hidden: true });
}

export function section(title, ...children) {
  return h("section", { class: "card" }, h("h2", {}, title), ...children);
}

/** Turn a button into a busy one while ``work`` runs, so a double tap sends nothing twice. */
export async function busy(button, work) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

export function download(filename, text, type = "application/json") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
