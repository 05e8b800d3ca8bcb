// Payments: what the user paid and owes, each paid one with its receipt.
import { api } from "../api.js";
import { tokens } from "../auth.js";
import { formatDate, lang, t } from "../i18n.js";
import { busy, download, empty, h, problem } from "../ui.js";
import { signInFirst } from "./signin.js";

const STATUS = {
  succeeded: ["Đã thanh toán", "Paid"],
  requires_payment_method: ["Chờ thanh toán", "To pay"],
  processing: ["Đang xử lý", "Processing"],
  failed: ["Không thành công", "Failed"],
  canceled: ["Đã hủy", "Cancelled"],
  expired: ["Hết hạn", "Expired"],
  refunded: ["Đã hoàn tiền", "Refunded"],
  partially_refunded: ["Hoàn một phần", "Partly refunded"],
};

async function saveReceipt(payment) {
  // The receipt is a self-contained HTML file (it prints and keeps without the app); the API
  // hands it over only with the token, so the app fetches it and saves it.
  const response = await api(`${payment.receipt}?lang=${lang()}`, { raw: true });
  download(`bien-lai-${payment.id}.html`, await response.text(), "text/html");
}

function payForm(payment, providers) {
  // Online ways only: paying at the counter is done at the counter.
  const online = providers.filter((p) => p.kind !== "counter");
  const result = h("div", { class: "checkout", role: "status" });
  return h("div", { class: "actions" },
    online.map((provider) => h("button", { type: "button", class: "secondary", dataset: { provider: provider.name },
      onclick: (event) => busy(event.currentTarget, async () => {
        try {
          const answer = await api(`/api/v1/payments/${payment.id}/checkout`, { method: "POST",
            json: { provider: provider.name, return_url: "/#/payments" } });
          if (answer.redirect_url) {
            location.assign(answer.redirect_url);
          } else {
            // The code's image is the payer's own: it comes with the token, so through a blob.
            const image = answer.qr_image
              ? URL.createObjectURL(await (await api(answer.qr_image, { raw: true })).blob())
              : null;
            result.replaceChildren(
              image ? h("img", { src: image, alt: t("Mã VietQR", "VietQR code"), class: "qr" }) : null,
              answer.instructions ? h("p", {}, answer.instructions) : null);
          }
        } catch (error) {
          result.replaceChildren(problem(error));
        }
      }) }, provider.label)),
    result);
}

export async function payments() {
  if (!tokens()) return signInFirst(t("Đăng nhập để xem các khoản thanh toán.", "Sign in to see your payments."));
  const [page, providers] = await Promise.all([
    api("/api/v1/me/payments?page_size=50"),
    api("/api/v1/payments/providers"),
  ]);
  return [
    h("h1", {}, t("Thanh toán", "Payments")),
    page.payments.length
      ? h("ul", { class: "list", id: "payments" }, page.payments.map((p) => {
          const status = STATUS[p.status] || [p.status, p.status];
          return h("li", { class: "row", dataset: { payment: p.id } },
            h("span", { class: "title" }, p.purpose),
            h("span", { class: "text" }, p.payee ? p.payee.name : ""),
            h("span", { class: "meta" }, h("strong", {}, p.amount_text), " · ",
              h("span", { class: `badge status-${p.status}` }, t(...status)), " · ", formatDate(p.paid_at || p.created_at)),
            p.provider_ref ? h("span", { class: "meta" }, t("Mã giao dịch: ", "Transaction: "), p.provider_ref) : null,
            p.receipt ? h("button", { type: "button", class: "secondary", onclick: (event) => {
              const button = event.currentTarget;
              busy(button, () => saveReceipt(p).catch((e) => button.after(problem(e))));
            } }, t("Tải biên lai", "Download receipt")) : null,
            p.status === "requires_payment_method" ? payForm(p, providers) : null);
        }))
      : empty(t("Chưa có khoản thanh toán nào.", "No payments yet.")),
  ];
}
