// A module's own page inside the shell. The page asks the shell for a token by postMessage and
// gets one bound to its plugin (token exchange), never the shell's own; when it needs a consent
// it asks, and the shell asks the user in its own dialog, so a page cannot grant itself access.
import { api } from "../api.js";
import { dropPluginTokens, pluginToken, tokens } from "../auth.js";
import { lang, largeText, t } from "../i18n.js";
import { icon } from "../icons.js";
import { busy, h, problem } from "../ui.js";

let listening = null;

function consentDialog(module, wanted, onAnswer) {
  const scopes = module.scopes.filter((s) => wanted.includes(s.name));
  const dialog = h(
    "dialog",
    { class: "consent", "aria-labelledby": "consent-title" },
    h("h2", { id: "consent-title" }, t(`Cho phép ${module.name}`, `Allow ${module.name}`)),
    h("p", {}, t("Dịch vụ này xin dùng:", "This service asks to use:")),
    h("ul", {}, scopes.map((s) => h("li", {}, h("strong", {}, s.name), ": ", s.purpose))),
    h("p", { class: "muted" }, t("Bạn có thể thu hồi bất cứ lúc nào ở Tài khoản.",
      "You can withdraw this at any time under Account.")),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "secondary", onclick: () => { dialog.close(); onAnswer(false); } },
        t("Không đồng ý", "Don't allow")),
      h("button", { type: "button", class: "primary", onclick: (event) => busy(event.currentTarget, async () => {
        await api(`/api/v1/me/consents/${module.id}`, { method: "POST", json: { scopes: scopes.map((s) => s.name) } });
        dialog.close();
        onAnswer(true);
      }).catch((error) => dialog.append(problem(error))) }, t("Đồng ý", "Allow"))),
  );
  document.body.append(dialog);
  dialog.addEventListener("close", () => dialog.remove());
  dialog.showModal();
}

export async function moduleScreen(id) {
  const listing = await api("/api/v1/modules");
  const module = listing.modules.find((m) => m.id === id && m.entry_url);
  if (!module) {
    return h("section", { class: "card" },
      h("p", {}, t("Dịch vụ này hiện không có.", "This service is not available now.")),
      h("a", { href: "#/" }, t("Về trang chủ", "Back to home")));
  }
  const params = new URLSearchParams({ lang: lang() });
  if (largeText()) params.set("large", "1");
  const frame = h("iframe", {
    class: "module-frame",
    title: module.name,
    src: `${module.entry_url}?${params}`,
    dataset: { module: module.id },
  });
  if (listening) window.removeEventListener("message", listening);
  listening = async (event) => {
    if (event.origin !== location.origin || event.source !== frame.contentWindow) return;
    const message = event.data || {};
    if (message.type === "sieuapp:token-request") {
      const token = tokens() ? await pluginToken(module.id, message.renew === true) : null;
      event.source.postMessage(
        { type: "sieuapp:token", access_token: token, language: lang(), large: largeText() },
        location.origin,
      );
    } else if (message.type === "sieuapp:consent" && Array.isArray(message.scopes)) {
      consentDialog(module, message.scopes, (granted) => {
        if (granted) {
          dropPluginTokens();
          frame.src = frame.src; // the page starts again, with the new consent in its token
        }
      });
    }
  };
  window.addEventListener("message", listening);
  return [
    h("div", { class: "module-bar" },
      h("a", { href: "#/", class: "back", "aria-label": t("Về trang chủ", "Back to home") }, icon("back")),
      icon(module.icon, module.name),
      h("h1", {}, module.name)),
    frame,
  ];
}
