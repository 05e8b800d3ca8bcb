// What the citizen app and the console share: the top bar (tenant, language, large text, sign
// in/out), the hash router, and the start-up that completes a sign-in's return.
import { completeSignIn, signIn, signOut, tokens, SignInError } from "./auth.js";
import { config } from "./config.js";
import { applyPreferences, lang, largeText, onPreferencesChange, setLanguage, setLargeText, t } from "./i18n.js";
import { icon } from "./icons.js";
import { h, problem, replace } from "./ui.js";

const SILENT_TRIED = "sieuapp.silent-sign-in-tried";

export function topBar(title) {
  const signedIn = tokens();
  return h(
    "header",
    { class: "top" },
    h("a", { class: "brand", href: config.app === "console" ? "/console#/" : "/#/" }, title),
    h(
      "div",
      { class: "tools" },
      h(
        "button",
        {
          type: "button",
          class: "tool",
          lang: lang() === "vi" ? "en" : "vi",
          "aria-label": t("Switch to English", "Chuyển sang tiếng Việt"),
          onclick: () => setLanguage(lang() === "vi" ? "en" : "vi"),
        },
        lang() === "vi" ? "EN" : "VI",
      ),
      h(
        "button",
        {
          type: "button",
          class: "tool",
          "aria-pressed": largeText() ? "true" : "false",
          "aria-label": t("Chữ lớn", "Large text"),
          title: t("Chữ lớn", "Large text"),
          onclick: () => setLargeText(!largeText()),
        },
        icon("text"),
      ),
      signedIn
        ? h("button", { type: "button", class: "tool sign-out", onclick: () => signOut() },
            t("Đăng xuất", "Sign out"))
        : h("button", { type: "button", class: "tool sign-in primary", onclick: () => signIn() },
            t("Đăng nhập", "Sign in")),
    ),
  );
}

/** Start an app: finish a sign-in's return, then render ``#/...`` routes on every change. */
export async function start(render) {
  applyPreferences();
  const root = document.getElementById("app");
  let startError = null;
  try {
    const next = await completeSignIn();
    // The return address serves the citizen app; the address bar already says where the
    // sign-in started, so a console sign-in loads the console there (the tokens wait in this
    // tab's sessionStorage). Only a load will do: the two addresses may differ by path alone.
    if (next && config.app !== (next.startsWith("/console") ? "console" : "citizen")) {
      location.reload();
      return;
    }
    // A new tab has no tokens (they are kept per tab), but the provider may still know the
    // user: ask it once, without showing any page, before drawing the app signed out.
    if (!next && !tokens() && !sessionStorage.getItem(SILENT_TRIED)) {
      sessionStorage.setItem(SILENT_TRIED, "1");
      await signIn(location.pathname + (location.hash || "#/"), true);
      return;
    }
  } catch (error) {
    startError = error instanceof SignInError
      ? new Error(t("Đăng nhập không thành công. Hãy thử lại.", "Signing in did not succeed. Try again."))
      : error;
  }
  let generation = 0;
  const draw = async () => {
    const mine = ++generation;
    const path = (location.hash || "#/").slice(1) || "/";
    try {
      await render(root, path, () => mine !== generation);
    } catch (error) {
      replace(root, problem(error));
    }
    if (startError) {
      root.prepend(problem(startError));
      startError = null;
    }
  };
  window.addEventListener("hashchange", draw);
  onPreferencesChange(draw);
  await draw();
}

/** Match ``path`` against ``[pattern, handler]`` routes; the handler gets the groups. */
export function route(routes, path) {
  for (const [pattern, handler] of routes) {
    const found = path.match(pattern);
    if (found) return () => handler(...found.slice(1).map(decodeURIComponent));
  }
  return null;
}
