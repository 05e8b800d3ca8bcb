// The province console: modules, audit log, the report queue, statistics, alerts and module
// usage, for the province's admins, the IOC and agencies. Each screen shows only to the roles
// whose API answers it, so nobody is offered a page that would end in a 403.
import { api } from "./api.js";
import { signIn, tokens } from "./auth.js";
import { config } from "./config.js";
import { alertScreen, alertsList } from "./console/alerts.js";
import { audit } from "./console/audit.js";
import { pluginConfig } from "./console/configform.js";
import { modules } from "./console/modules.js";
import { queue, reportDetail } from "./console/queue.js";
import { stats } from "./console/stats.js";
import { usage } from "./console/usage.js";
import { route, start, topBar } from "./frame.js";
import { t } from "./i18n.js";
import { icon } from "./icons.js";
import { h, replace } from "./ui.js";

const ADMIN = "province_admin";
const IOC = "ioc_operator";
const OFFICIAL = "official";
const PARTNER = "partner_staff";
/** Who may open the console at all. */
const CONSOLE_ROLES = [ADMIN, IOC, OFFICIAL, PARTNER];

/** The screens, in the navigation's order, with the roles each one's API lets in. */
const SCREENS = [
  { id: "modules", icon: "gear", roles: [ADMIN, IOC], label: () => t("Dịch vụ", "Modules") },
  { id: "reports", icon: "report", roles: [ADMIN, IOC, OFFICIAL, PARTNER], label: () => t("Phản ánh", "Reports") },
  { id: "stats", icon: "chart", roles: CONSOLE_ROLES, label: () => t("Thống kê", "Statistics") },
  { id: "alerts", icon: "alert", roles: [ADMIN, IOC, OFFICIAL], label: () => t("Cảnh báo", "Alerts") },
  { id: "usage", icon: "user", roles: [ADMIN, IOC], label: () => t("Lượt dùng dịch vụ", "Module usage") },
  { id: "audit", icon: "shield", roles: [ADMIN], label: () => t("Nhật ký", "Audit log") },
];

// The caller's roles, asked once per token rather than on every screen change.
let me = null;
let meToken = null;

async function whoAmI() {
  const token = tokens() && tokens().access_token;
  if (!token) return null;
  if (me && meToken === token) return me;
  me = await api("/api/v1/me");
  meToken = token;
  return me;
}

function allowed(screen, roles) {
  return screen.roles.some((role) => roles.has(role));
}

function navigation(path, roles) {
  const list = h("ul", { id: "console-nav-list" },
    SCREENS.filter((s) => allowed(s, roles)).map((s) => {
      const current = path === "/" + s.id || path.startsWith(`/${s.id}/`) || path.startsWith(`/${s.id}?`);
      return h("li", {}, h("a", { href: `#/${s.id}`, "aria-current": current ? "page" : null, dataset: { screen: s.id } },
        icon(s.icon), h("span", {}, s.label())));
    }));
  // On a phone the list folds under one button; on a desktop it is always open at the side.
  const toggle = h("button", {
    type: "button", class: "nav-toggle secondary", "aria-expanded": "false", "aria-controls": "console-nav-list",
    onclick: () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("open", open);
    },
  }, t("Danh mục", "Menu"));
  const nav = h("nav", { class: "console-nav", "aria-label": t("Các màn hình", "Screens") }, toggle, list);
  return nav;
}

function gate(text, withSignIn) {
  return h("section", { class: "card gate", id: "console-gate" },
    h("h1", {}, t("Bảng điều khiển của tỉnh", "Province console")),
    h("p", {}, text),
    withSignIn
      ? h("button", { type: "button", class: "primary", onclick: () => signIn() }, t("Đăng nhập", "Sign in"))
      : h("p", {}, h("a", { href: "/#/" }, t("Về ứng dụng của người dân", "Go to the citizen app"))));
}

function routes(roles, params) {
  const may = (id) => SCREENS.find((s) => s.id === id && allowed(s, roles));
  const guarded = (id, screen) => (...groups) =>
    may(id) ? screen({ roles, params }, ...groups) : gate(t("Tài khoản của bạn không dùng được màn hình này.",
      "Your account cannot use this screen."), false);
  return [
    [/^\/modules$/, guarded("modules", modules)],
    [/^\/modules\/([a-z0-9_-]+)$/, guarded("modules", pluginConfig)],
    [/^\/reports$/, guarded("reports", queue)],
    [/^\/reports\/(\d+)$/, guarded("reports", reportDetail)],
    [/^\/stats$/, guarded("stats", stats)],
    [/^\/alerts$/, guarded("alerts", alertsList)],
    [/^\/alerts\/(new|\d+)$/, guarded("alerts", alertScreen)],
    [/^\/usage$/, guarded("usage", usage)],
    [/^\/audit$/, guarded("audit", audit)],
  ];
}

async function render(root, path, stale) {
  const title = `${config.tenant.name} · ${t("Điều hành", "Console")}`;
  document.title = title;
  const main = h("main", { class: "console-main", id: "main", tabindex: "-1" });
  const [bare, query] = path.split("?");
  let who = null;
  try {
    who = await whoAmI();
  } catch (error) {
    // A token the server no longer takes: api() forgot it, so sign in again.
    if (error.status !== 401) throw error;
  }
  if (stale()) return;
  if (!who) {
    replace(root, topBar(title), h("div", { class: "console" }, main));
    replace(main, gate(t("Đăng nhập bằng tài khoản cán bộ để dùng bảng điều khiển.",
      "Sign in with a staff account to use the console."), true));
    return;
  }
  const roles = new Set(who.roles || []);
  if (!CONSOLE_ROLES.some((role) => roles.has(role))) {
    replace(root, topBar(title), h("div", { class: "console" }, main));
    replace(main, gate(t(
      "Bảng điều khiển dành cho quản trị viên của tỉnh, Trung tâm IOC và cán bộ các cơ quan. Tài khoản của bạn không có vai trò này.",
      "The console is for the province's administrators, the IOC and agency staff. Your account has none of these roles."), false));
    return;
  }
  if (bare === "/" || bare === "") {
    const first = SCREENS.find((s) => allowed(s, roles));
    location.replace(`#/${first.id}`);
    return;
  }
  replace(root, topBar(title), h("div", { class: "console" }, navigation(bare, roles), main));
  const handler = route(routes(roles, new URLSearchParams(query || "")), bare);
  if (!handler) {
    replace(main, h("p", { class: "empty" }, t("Không có trang này.", "There is no such page.")));
    return;
  }
  main.append(h("p", { class: "muted", role: "status" }, t("Đang tải…", "Loading…")));
  const content = await handler();
  if (stale()) return;
  replace(main, content);
}

start(render);
