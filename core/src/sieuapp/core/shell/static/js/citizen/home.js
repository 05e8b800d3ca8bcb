// Home: the alerts for the user's areas, then one tile per module the tenant has on for this
// user (icon, name, category), then the platform's own services.
import { api } from "../api.js";
import { tokens } from "../auth.js";
import { t } from "../i18n.js";
import { icon } from "../icons.js";
import { h, problem } from "../ui.js";

const CATEGORIES = {
  transport: ["Giao thông", "Transport"],
  "public-safety": ["An toàn", "Public safety"],
  health: ["Y tế", "Health"],
  utilities: ["Điện nước", "Utilities"],
  tourism: ["Du lịch", "Tourism"],
  payments: ["Thanh toán", "Payments"],
  education: ["Giáo dục", "Education"],
  government: ["Dịch vụ công", "Public services"],
};

export function categoryName(code) {
  if (!code) return "";
  const known = CATEGORIES[code];
  return known ? t(known[0], known[1]) : code;
}

async function alertsBanner() {
  try {
    const found = tokens()
      ? (await api("/api/v1/me/alerts?page_size=3")).alerts
      : (await api("/api/v1/public/alerts")).items;
    const current = (found || []).filter((a) => !a.expires || new Date(a.expires) > new Date());
    if (!current.length) return null;
    return h(
      "section",
      { class: "alerts", "aria-label": t("Cảnh báo hiện hành", "Current alerts") },
      current.slice(0, 3).map((alert) =>
        h(
          "article",
          { class: `alert severity-${(alert.severity || "").toLowerCase()}`, role: "alert" },
          h("h2", {}, icon("alert"), " ", alert.title || alert.headline),
          h("p", {}, alert.instruction || alert.body || alert.description),
        ),
      ),
    );
  } catch {
    return null; // The home still works when the alerts cannot be read.
  }
}

export async function home() {
  const [banner, modules] = await Promise.all([
    alertsBanner(),
    api("/api/v1/modules").catch((error) => error),
  ]);
  const tiles =
    modules instanceof Error
      ? problem(modules)
      : h(
          "ul",
          { class: "tiles", "aria-label": t("Dịch vụ", "Services") },
          modules.modules
            .filter((m) => m.entry_url)
            .map((m) =>
              h(
                "li",
                {},
                h(
                  "a",
                  { class: "tile", href: `#/m/${m.id}`, dataset: { module: m.id } },
                  icon(m.icon, m.name),
                  h("span", { class: "name" }, m.name),
                  m.category ? h("span", { class: "category" }, categoryName(m.category)) : null,
                ),
              ),
            ),
        );
  const own = [
    ["#/reports/new", "report", t("Gửi phản ánh", "Send a report")],
    ["#/reports", "chart", t("Phản ánh của tôi", "My reports")],
    ["#/payments", "pay", t("Thanh toán", "Payments")],
    ["#/inbox", "inbox", t("Hộp thư", "Inbox")],
  ];
  return [
    banner,
    h("h1", { class: "visually-hidden" }, t("Trang chủ", "Home")),
    h("h2", { class: "section-title" }, t("Dịch vụ", "Services")),
    tiles,
    h("h2", { class: "section-title" }, t("Tiện ích", "Your services")),
    h(
      "ul",
      { class: "tiles" },
      own.map(([href, name, label]) =>
        h("li", {}, h("a", { class: "tile", href }, icon(name), h("span", { class: "name" }, label))),
      ),
    ),
  ];
}
