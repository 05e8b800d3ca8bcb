// Modules: every plugin on the platform with its state in this province, and the switches. Only
// a province admin changes anything; the IOC sees the same table to know what is on.
import { api } from "../api.js";
import { formatDate, t } from "../i18n.js";
import { busy, h, problem } from "../ui.js";
import { confirmDialog, notice, rerender, table } from "./common.js";

/** ``not_installed``, ``failed``, ``enabled`` or ``disabled``, and its words. */
export function moduleState(plugin) {
  if (plugin.status !== "loaded") return ["failed", t("Lỗi", "Failed")];
  if (!plugin.state) return ["not_installed", t("Chưa cài", "Not installed")];
  return plugin.state.enabled ? ["enabled", t("Đang bật", "Enabled")] : ["disabled", t("Đang tắt", "Disabled")];
}

function health(plugin) {
  if (plugin.status !== "loaded") {
    return h("span", { class: "error" }, (plugin.problems || []).join(" ") || plugin.status);
  }
  const state = plugin.state;
  if (!state) return "—";
  const parts = [];
  if (state.failure_count) {
    parts.push(h("span", { class: "error" }, t(`${state.failure_count} lỗi gần đây`, `${state.failure_count} recent failure(s)`)));
    if (state.last_failure) parts.push(h("span", { class: "muted small" }, " ", String(state.last_failure)));
  } else {
    parts.push(h("span", { class: "ok" }, t("Tốt", "Healthy")));
  }
  if (state.disabled_reason) parts.push(h("div", { class: "muted small" }, t("Lý do tắt: ", "Switched off because: "), state.disabled_reason));
  return parts;
}

function version(plugin) {
  const installed = plugin.state && plugin.state.installed_version;
  if (!installed) return h("span", {}, t("Có: ", "Available: "), plugin.version);
  if (installed === plugin.version) return installed;
  return h("span", {}, installed, " → ", h("strong", {}, plugin.version), h("div", { class: "muted small" }, t("có bản mới", "update available")));
}

export async function modules({ roles }) {
  const data = await api("/api/v1/admin/plugins");
  const admin = roles.has("province_admin");
  const messages = h("div", { id: "module-messages", "aria-live": "polite" });

  const act = (plugin, action) => async (event) => {
    const button = event.currentTarget;
    if (action === "disable") {
      const sure = await confirmDialog(
        t(`Tắt “${plugin.name || plugin.id}” cho cả tỉnh? Người dân sẽ không thấy dịch vụ này nữa.`,
          `Switch “${plugin.name || plugin.id}” off for the whole province? People will no longer see it.`),
        t("Tắt", "Switch off"));
      if (!sure) return;
    }
    await busy(button, async () => {
      try {
        const answer = await api(`/api/v1/admin/plugins/${encodeURIComponent(plugin.id)}/${action}`, { method: "POST" });
        const done = {
          install: t("Đã cài", "Installed"), enable: t("Đã bật", "Switched on"), disable: t("Đã tắt", "Switched off"),
        }[action];
        sessionStorage.setItem("sieuapp.console.notice", `${done}: ${plugin.name || plugin.id}`);
        if (answer && answer.oauth_client) {
          // Shown this once by the API: the admin must copy it now.
          sessionStorage.setItem("sieuapp.console.secret", JSON.stringify(answer.oauth_client));
        }
        rerender();
      } catch (error) {
        messages.replaceChildren(problem(error));
      }
    });
  };

  const said = sessionStorage.getItem("sieuapp.console.notice");
  sessionStorage.removeItem("sieuapp.console.notice");
  if (said) messages.append(notice(said));
  const secret = JSON.parse(sessionStorage.getItem("sieuapp.console.secret") || "null");
  sessionStorage.removeItem("sieuapp.console.secret");
  if (secret) {
    messages.append(h("div", { class: "card secret", role: "status" },
      h("p", {}, t("Ứng dụng OAuth của dịch vụ vừa được tạo. Hãy chép mã bí mật ngay: nó chỉ hiện lần này.",
        "The module's OAuth client was just made. Copy the secret now: it is shown this once.")),
      h("dl", {}, h("dt", {}, "client_id"), h("dd", {}, h("code", {}, secret.client_id)),
        h("dt", {}, "client_secret"), h("dd", {}, h("code", {}, secret.client_secret)))));
  }

  const rows = data.plugins.map((plugin) => {
    const [state, stateText] = moduleState(plugin);
    const buttons = [];
    if (admin && plugin.status === "loaded") {
      const installed = plugin.state && plugin.state.installed_version;
      if (!installed || installed !== plugin.version) {
        buttons.push(h("button", { type: "button", class: "secondary", onclick: act(plugin, "install"), dataset: { action: "install" } },
          installed ? t("Cập nhật", "Upgrade") : t("Cài đặt", "Install")));
      }
      if (plugin.state && !plugin.state.enabled) {
        buttons.push(h("button", { type: "button", class: "primary", onclick: act(plugin, "enable"), dataset: { action: "enable" } }, t("Bật", "Enable")));
      }
      if (plugin.state && plugin.state.enabled) {
        buttons.push(h("button", { type: "button", class: "secondary danger", onclick: act(plugin, "disable"), dataset: { action: "disable" } }, t("Tắt", "Disable")));
      }
    }
    if (plugin.state && (plugin.config_schema || []).length) {
      buttons.push(h("a", { class: "button secondary", href: `#/modules/${plugin.id}`, dataset: { action: "configure" } },
        admin ? t("Cấu hình", "Configure") : t("Xem cấu hình", "Settings")));
    }
    const cells = [
      h("span", {}, h("strong", {}, plugin.name || plugin.id), h("div", { class: "muted small" }, h("code", {}, plugin.id), " · ", plugin.distribution || "")),
      version(plugin),
      h("span", { class: `badge state-${state}` }, stateText),
      health(plugin),
      h("div", { class: "row-actions" }, buttons),
    ];
    cells.dataset = { module: plugin.id, state };
    return cells;
  });

  return [
    h("div", { class: "heading" }, h("h1", {}, t("Dịch vụ của tỉnh", "The province's modules")),
      h("span", { class: "muted" }, t(`Cập nhật ${formatDate(new Date())}`, `As of ${formatDate(new Date())}`))),
    messages,
    admin ? null : h("p", { class: "muted" }, t("Chỉ quản trị viên của tỉnh được bật, tắt và cấu hình dịch vụ.",
      "Only the province's administrators switch and configure modules.")),
    table({ text: t("Các dịch vụ", "Modules"), hidden: true },
      [t("Dịch vụ", "Module"), t("Phiên bản", "Version"), t("Trạng thái", "State"), t("Tình trạng", "Health"), t("Thao tác", "Actions")],
      rows, { id: "modules-table", class: "data" }),
  ];
}
