// The account: who is signed in, the services given access and what for (revocable), the data
// the platform holds (downloadable), and the app's settings.
import { api } from "../api.js";
import { dropPluginTokens, signOut, tokens } from "../auth.js";
import { formatDate, lang, largeText, setLanguage, setLargeText, t } from "../i18n.js";
import { busy, download, empty, h, problem, section } from "../ui.js";
import { signInFirst } from "./signin.js";

function consentsCard(consents, refresh) {
  return section(t("Quyền đã cấp cho dịch vụ", "Access given to services"),
    consents.length
      ? h("ul", { class: "list", id: "consents" }, consents.map((c) => h("li", { class: "row", dataset: { plugin: c.plugin_id } },
          h("span", { class: "title" }, c.plugin_name),
          h("ul", { class: "scopes" }, c.scopes.map((s) =>
            h("li", {}, h("strong", {}, s.name), `: ${s.purpose}`))),
          h("span", { class: "meta" }, t("Từ ", "Since "), formatDate(c.granted_at)),
          h("button", { type: "button", class: "secondary", onclick: (event) => busy(event.currentTarget, async () => {
            await api(`/api/v1/me/consents/${encodeURIComponent(c.plugin_id)}`, { method: "DELETE" });
            dropPluginTokens();
            refresh();
          }).catch((error) => event.target.after(problem(error))) }, t("Thu hồi", "Withdraw")))))
      : empty(t("Bạn chưa cấp quyền cho dịch vụ nào.", "You have not given any service access.")));
}

export async function account() {
  const settings = section(t("Cài đặt", "Settings"),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "secondary", onclick: () => setLanguage(lang() === "vi" ? "en" : "vi") },
        lang() === "vi" ? "English" : "Tiếng Việt"),
      h("button", { type: "button", class: "secondary", "aria-pressed": largeText() ? "true" : "false",
        onclick: () => setLargeText(!largeText()) }, t("Chữ lớn", "Large text"))));
  if (!tokens()) {
    return [signInFirst(t("Đăng nhập để xem tài khoản.", "Sign in to see your account.")), settings];
  }
  const [me, consents] = await Promise.all([api("/api/v1/me"), api("/api/v1/me/consents")]);
  const holder = h("div", {});
  const refresh = async () => holder.replaceChildren(consentsCard((await api("/api/v1/me/consents")).consents, refresh));
  holder.append(consentsCard(consents.consents, refresh));
  return [
    h("h1", {}, me.full_name || me.username),
    h("p", { class: "muted" }, me.username),
    holder,
    section(t("Dữ liệu cá nhân", "Your personal data"),
      h("p", {}, t("Tải về mọi dữ liệu nền tảng và các dịch vụ đang giữ về bạn (JSON).",
        "Download everything the platform and its services hold about you (JSON).")),
      h("button", { type: "button", class: "secondary", id: "export-data", onclick: (event) => busy(event.currentTarget, async () => {
        const data = await api("/api/v1/me/data");
        download(`sieuapp-${me.username}.json`, JSON.stringify(data, null, 2));
      }) }, t("Tải dữ liệu của tôi", "Download my data")),
      h("p", {}, h("a", { href: "/account/data" }, t("Xóa tài khoản và dữ liệu…", "Erase my account and data…")))),
    settings,
    h("p", {}, h("a", { href: "/account" }, t("Bảo mật, xác minh, ủy quyền…", "Security, verification, delegation…"))),
    h("button", { type: "button", class: "secondary", onclick: () => signOut() }, t("Đăng xuất", "Sign out")),
  ];
}
