// The inbox: notifications and the alerts for the user's areas, newest first.
import { api } from "../api.js";
import { tokens } from "../auth.js";
import { formatDate, t } from "../i18n.js";
import { busy, empty, h } from "../ui.js";
import { signInFirst } from "./signin.js";

function target(item) {
  const report = item.data && item.data.report_id;
  if (report) return `#/reports/${report}`;
  if (item.data && item.data.payment_id) return "#/payments";
  return null;
}

export async function inbox() {
  if (!tokens()) return signInFirst(t("Đăng nhập để xem hộp thư.", "Sign in to see your inbox."));
  const page = await api("/api/v1/me/inbox?page_size=50");
  const markAll = h("button", { type: "button", class: "secondary", onclick: (event) => busy(event.currentTarget, async () => {
    await api("/api/v1/me/notifications/read-all", { method: "POST" });
    location.reload();
  }) }, t("Đánh dấu đã đọc", "Mark all read"));
  return [
    h("div", { class: "heading" }, h("h1", {}, t("Hộp thư", "Inbox"),
      page.unread ? h("span", { class: "count" }, ` (${page.unread})`) : null), page.unread ? markAll : null),
    page.items.length
      ? h("ul", { class: "list", id: "inbox" }, page.items.map((item) => {
          const href = target(item);
          const body = [
            h("span", { class: "title" }, item.type === "alert" ? "⚠ " : "", item.title),
            h("span", { class: "text" }, item.body),
            h("span", { class: "meta" }, formatDate(item.created_at)),
          ];
          return h("li", { class: item.read ? "read" : "unread" },
            href ? h("a", { class: "row", href }, body) : h("div", { class: "row" }, body));
        }))
      : empty(t("Chưa có thư nào.", "Nothing here yet.")),
  ];
}
