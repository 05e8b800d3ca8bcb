// A module's configuration as a form built from the schema the plugin declares (name, type,
// required, secret, label and description in both languages). The schema says nothing of list
// items, choices or defaults, so: a list of plain values is one value a line, anything else is
// JSON; a field left empty is left out, so the plugin's default applies; a secret is never
// shown and is kept unless a new one is typed or it is removed on purpose.
import { api } from "../api.js";
import { lang, t } from "../i18n.js";
import { busy, clearErrors, field, formError, h } from "../ui.js";
import { localized, notice, showFieldErrors } from "./common.js";

const NUMBER_TYPES = new Set(["Integer", "Float", "Decimal", "Number"]);
const STRUCTURED = new Set(["List", "Dict", "Mapping", "Nested", "Raw", "Tuple"]);

function isScalar(value) {
  return ["string", "number"].includes(typeof value);
}

/** How a structured value is typed: ``lines`` (one plain value a line) or ``json``. */
export function structuredMode(spec, value) {
  if (spec.type === "List" && Array.isArray(value) && value.length && value.every(isScalar)) return "lines";
  return "json";
}

/** The input for one schema field, named as the API names it. */
export function inputFor(spec, value, secretSet) {
  const name = spec.name;
  const id = `config-${name}`;
  const common = { name, id, required: spec.required && !spec.secret ? true : null };
  const choices = spec.choices || spec.enum;
  if (spec.secret) {
    return h("input", {
      ...common, type: "password", autocomplete: "new-password",
      placeholder: secretSet ? t("Đã đặt — để trống để giữ nguyên", "Set — leave empty to keep it") : "",
      dataset: { kind: "secret" },
    });
  }
  if (Array.isArray(choices) && choices.length) {
    return h("select", { ...common, dataset: { kind: "choice" } },
      spec.required ? null : h("option", { value: "" }, t("— Mặc định —", "— Default —")),
      choices.map((c) => h("option", { value: c, selected: String(value) === String(c) }, c)));
  }
  if (spec.type === "Boolean") {
    return h("input", { name, id, type: "checkbox", checked: Boolean(value), dataset: { kind: "boolean" } });
  }
  if (NUMBER_TYPES.has(spec.type)) {
    return h("input", {
      ...common, type: "number", inputmode: spec.type === "Integer" ? "numeric" : "decimal",
      step: spec.type === "Integer" ? "1" : "any", value: value ?? "", dataset: { kind: spec.type === "Integer" ? "integer" : "float" },
    });
  }
  if (STRUCTURED.has(spec.type)) {
    const mode = structuredMode(spec, value);
    const text = value === null || value === undefined
      ? ""
      : mode === "lines" ? value.join("\n") : JSON.stringify(value, null, 2);
    const numbers = mode === "lines" && value.every((v) => typeof v === "number");
    return h("textarea", {
      ...common, rows: mode === "lines" ? Math.max(3, value.length + 1) : 6, spellcheck: "false",
      class: mode === "json" ? "code" : null, dataset: numbers ? { kind: mode, numbers: "1" } : { kind: mode },
    }, text);
  }
  const type = { Email: "email", Url: "url", URL: "url" }[spec.type] || "text";
  return h("input", { ...common, type, value: value ?? "", dataset: { kind: "text" } });
}

function hintFor(spec, input) {
  const parts = [localized(spec.description, lang())];
  const kind = input.dataset.kind;
  if (kind === "lines") parts.push(t("Mỗi dòng một giá trị.", "One value a line."));
  if (kind === "json") parts.push(t("Dạng JSON.", "As JSON."));
  if (!spec.required && !["boolean", "secret"].includes(kind)) {
    parts.push(t("Để trống: dùng giá trị mặc định.", "Empty: the default applies."));
  }
  return parts.filter(Boolean).join(" ");
}

/** The configuration the form holds, as the API takes it; throws an error with ``fields``
 * when a value cannot be read (JSON that does not parse, a number that is not one). */
export function readConfig(form, schema) {
  const config = {};
  const fields = {};
  for (const spec of schema) {
    const input = form.querySelector(`[name="${CSS.escape(spec.name)}"]`);
    if (!input) continue;
    const kind = input.dataset.kind;
    if (kind === "boolean") {
      config[spec.name] = input.checked;
      continue;
    }
    if (kind === "secret") {
      const remove = form.querySelector(`[name="${CSS.escape(spec.name)}.remove"]`);
      if (remove && remove.checked) config[spec.name] = null;
      else if (input.value !== "") config[spec.name] = input.value;
      continue;
    }
    const raw = input.value.trim();
    if (raw === "") continue;
    if (kind === "integer" || kind === "float") {
      const number = Number(raw);
      if (!Number.isFinite(number) || (kind === "integer" && !Number.isInteger(number))) {
        fields[spec.name] = [kind === "integer" ? t("Hãy nhập một số nguyên.", "Enter a whole number.") : t("Hãy nhập một số.", "Enter a number.")];
      } else {
        config[spec.name] = number;
      }
    } else if (kind === "lines") {
      const lines = raw.split("\n").map((line) => line.trim()).filter(Boolean);
      config[spec.name] = input.dataset.numbers ? lines.map(Number) : lines;
    } else if (kind === "json") {
      try {
        config[spec.name] = JSON.parse(raw);
      } catch {
        fields[spec.name] = [t("JSON không hợp lệ.", "This is not valid JSON.")];
      }
    } else {
      config[spec.name] = raw;
    }
  }
  if (Object.keys(fields).length) {
    const error = new Error(t("Cấu hình chưa hợp lệ.", "The configuration is not valid."));
    error.fields = fields;
    throw error;
  }
  return config;
}

export function configForm(plugin, { readOnly = false, onSaved = null } = {}) {
  const schema = plugin.config_schema || [];
  const current = (plugin.state && plugin.state.config) || { values: {}, secrets_set: [] };
  const secretsSet = new Set(current.secrets_set || []);
  const status = h("div", { "aria-live": "polite" });
  const form = h("form", { id: "config-form", class: "card", novalidate: true },
    h("h2", {}, t("Cấu hình", "Configuration")),
    formError(),
    status,
    schema.map((spec) => {
      const value = current.values ? current.values[spec.name] : undefined;
      const input = inputFor(spec, value, secretsSet.has(spec.name));
      if (readOnly) input.disabled = true;
      const label = (localized(spec.label, lang()) || spec.name) + (spec.required ? " *" : "");
      const wrapped = spec.type === "Boolean"
        ? h("label", { class: "field check" }, input, h("span", { class: "label" }, label),
            spec.description ? h("span", { class: "hint" }, localized(spec.description, lang())) : null)
        : field(label, input, hintFor(spec, input));
      const extra = spec.secret && secretsSet.has(spec.name) && !readOnly
        ? h("label", { class: "check small" }, h("input", { type: "checkbox", name: `${spec.name}.remove` }),
            " ", t("Xóa giá trị đã đặt", "Remove the value set"))
        : null;
      return h("div", { class: "config-field", dataset: { field: spec.name, type: spec.type } }, wrapped, extra);
    }),
    readOnly ? null : h("button", { type: "submit", class: "primary" }, t("Lưu cấu hình", "Save configuration")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form.querySelector("button[type=submit]"), async () => {
      clearErrors(form);
      status.replaceChildren();
      try {
        const config = readConfig(form, schema);
        const saved = await api(`/api/v1/admin/plugins/${encodeURIComponent(plugin.id)}/config`, { method: "PUT", json: config });
        status.replaceChildren(notice(t("Đã lưu cấu hình.", "Configuration saved.")));
        if (onSaved) onSaved(saved);
      } catch (error) {
        showFieldErrors(form, error);
      }
    });
  });
  return form;
}

export async function pluginConfig({ roles }, pluginId) {
  const plugin = await api(`/api/v1/admin/plugins/${encodeURIComponent(pluginId)}`);
  const admin = roles.has("province_admin");
  const holder = h("div", {});
  // After a save the form is built again from the answer: secrets just set show as set, and
  // values as the plugin normalised them.
  const draw = (current, saved) => {
    const form = configForm(current, { readOnly: !admin, onSaved: (next) => draw(next, true) });
    if (saved) form.querySelector("[aria-live]").append(notice(t("Đã lưu cấu hình.", "Configuration saved.")));
    holder.replaceChildren(form);
  };
  draw(plugin);
  return [
    h("a", { href: "#/modules", class: "back-link" }, "← ", t("Các dịch vụ", "Modules")),
    h("h1", {}, plugin.name || plugin.id, " ", h("span", { class: "muted" }, plugin.version)),
    plugin.description ? h("p", { class: "muted" }, plugin.description) : null,
    (plugin.config_schema || []).length ? holder : h("p", { class: "empty" }, t("Dịch vụ này không có cấu hình.", "This module has no settings.")),
  ];
}
