// The super-app: the home built from the modules this tenant has on for this user, the modules'
// own pages, reports, the inbox, payments and the account.
import { tokens } from "./auth.js";
import { account } from "./citizen/account.js";
import { home } from "./citizen/home.js";
import { inbox } from "./citizen/inbox.js";
import { moduleScreen } from "./citizen/module.js";
import { payments } from "./citizen/payments.js";
import { myReports, newReport, oneReport } from "./citizen/reports.js";
import { config } from "./config.js";
import { route, start, topBar } from "./frame.js";
import { t } from "./i18n.js";
import { icon } from "./icons.js";
import { h, replace } from "./ui.js";

const ROUTES = [
  [/^\/$/, home],
  [/^\/m\/([a-z0-9_-]+)$/, moduleScreen],
  [/^\/reports\/new$/, newReport],
  [/^\/reports$/, myReports],
  [/^\/reports\/(\d+)$/, oneReport],
  [/^\/inbox$/, inbox],
  [/^\/payments$/, payments],
  [/^\/account$/, account],
];

function bottomNav(path) {
  const items = [
    ["#/", "home", t("Trang chủ", "Home")],
    ["#/reports", "report", t("Phản ánh", "Reports")],
    ["#/inbox", "inbox", t("Hộp thư", "Inbox")],
    ["#/account", "user", t("Tài khoản", "Account")],
  ];
  return h(
    "nav",
    { class: "bottom", "aria-label": t("Điều hướng chính", "Main navigation") },
    items.map(([href, name, label]) => {
      const current = href === "#/" ? path === "/" : path.startsWith(href.slice(1));
      return h("a", { href, "aria-current": current ? "page" : null }, icon(name), h("span", {}, label));
    }),
  );
}

async function render(root, path) {
  const main = h("main", { class: "screen", id: "main" });
  replace(root, topBar(config.tenant.name), main, tokens() ? bottomNav(path) : null);
  const handler = route(ROUTES, path);
  if (!handler) {
    replace(main, h("p", { class: "empty" }, t("Không có trang này.", "There is no such page.")));
    return;
  }
  const content = await handler();
  replace(main, content);
}

start(render);
