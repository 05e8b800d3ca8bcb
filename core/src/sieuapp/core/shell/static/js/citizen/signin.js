import { signIn } from "../auth.js";
import { t } from "../i18n.js";
import { h } from "../ui.js";

/** What a screen that needs the user shows to someone not signed in. */
export function signInFirst(why) {
  return h(
    "section",
    { class: "card sign-in-first" },
    h("p", {}, why),
    h("button", { type: "button", class: "primary", onclick: () => signIn() }, t("Đăng nhập", "Sign in")),
    h("p", { class: "muted" }, t("Chưa có tài khoản? ", "No account yet? "),
      h("a", { href: "/auth/register?next=" + encodeURIComponent("/") }, t("Đăng ký", "Register"))),
  );
}
