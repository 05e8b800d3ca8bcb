// Report statistics from the public stats API: the headline figures, satisfaction, the figures
// over time and by organization, and the same as CSV. A report counts in the period in which
// it was received (docs/reports.md), which the page says, so a recent week that "looks bad"
// is read as one still being handled.
import { api } from "../api.js";
import { formatNumber, t } from "../i18n.js";
import { field, h } from "../ui.js";
import { columns, horizontalBars, lines, split } from "./charts.js";
import { formParams, hashFor, vietnamDay } from "./common.js";

const STATS = "/api/v1/public/reports/stats";

function pct(value) {
  return value === null || value === undefined ? "—" : `${formatNumber(value, 1)}%`;
}

function figure(id, label, value, note) {
  return h("div", { class: "figure", id }, h("span", { class: "figure-value" }, value), h("span", { class: "figure-label" }, label),
    note ? h("span", { class: "muted small" }, note) : null);
}

export async function stats({ params }) {
  const period = ["day", "week", "month"].includes(params.get("period")) ? params.get("period") : "week";
  const range = new URLSearchParams();
  range.set("since", params.get("since") || vietnamDay(90));
  if (params.get("until")) range.set("until", params.get("until"));
  const byPeriod = new URLSearchParams(range);
  byPeriod.set("group_by", "period");
  byPeriod.set("period", period);
  const byOrganization = new URLSearchParams(range);
  byOrganization.set("group_by", "organization");
  const [time, organizations] = await Promise.all([
    api(`${STATS}?${byPeriod}`),
    api(`${STATS}?${byOrganization}`),
  ]);
  const total = time.total;

  const form = h("form", { class: "card filters", id: "stats-filters" },
    h("div", { class: "filter-grid" },
      field(t("Từ ngày", "From"), h("input", { type: "date", name: "since", value: range.get("since") })),
      field(t("Đến ngày", "Until"), h("input", { type: "date", name: "until", value: params.get("until") || "" })),
      field(t("Theo", "Per"), h("select", { name: "period" },
        [["day", t("Ngày", "Day")], ["week", t("Tuần", "Week")], ["month", t("Tháng", "Month")]].map(([value, text]) =>
          h("option", { value, selected: value === period }, text))))),
    h("button", { type: "submit", class: "primary" }, t("Xem", "Show")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = hashFor("stats", formParams(form));
  });

  const csv = (grouping) => {
    const query = new URLSearchParams(grouping === "period" ? byPeriod : byOrganization);
    query.set("format", "csv");
    return `${STATS}?${query}`;
  };
  const periods = time.groups.map((g) => g.label || g.key);
  const orgs = organizations.groups.map((g) => g.label || g.key || t("Chờ phân luồng", "Awaiting routing"));

  return [
    h("h1", {}, t("Thống kê phản ánh", "Report statistics")),
    form,
    h("p", { class: "muted" }, t(
      "Mỗi phản ánh được tính vào kỳ nó được gửi; số liệu của kỳ gần đây còn thay đổi khi phản ánh được xử lý.",
      "A report counts in the period it was received in; recent periods change as their reports are handled.")),
    h("section", { class: "figures", "aria-label": t("Số liệu chính", "Headline figures") },
      figure("fig-received", t("Đã nhận", "Received"), formatNumber(total.received)),
      figure("fig-handled", t("Đã xử lý", "Handled"), pct(total.handled_pct), t(`${formatNumber(total.handled)} phản ánh`, `${formatNumber(total.handled)} reports`)),
      figure("fig-on-time", t("Đúng hạn", "On time"), pct(total.on_time_pct), t(`${formatNumber(total.on_time)} phản ánh`, `${formatNumber(total.on_time)} reports`)),
      figure("fig-satisfied", t("Hài lòng", "Satisfied"), pct(total.satisfied_pct)),
      figure("fig-median", t("Thời gian xử lý (trung vị)", "Median time to resolve"),
        total.median_hours === null || total.median_hours === undefined ? "—" : t(`${formatNumber(total.median_hours, 1)} giờ`, `${formatNumber(total.median_hours, 1)} h`)),
      figure("fig-open", t("Đang mở / quá hạn", "Open / overdue"), `${formatNumber(total.open)} / ${formatNumber(total.overdue)}`)),
    h("div", { class: "chart-grid" },
      h("section", { class: "card" },
        split({
          id: "chart-satisfaction",
          title: t("Mức hài lòng của người dân", "How satisfied citizens were"),
          parts: [
            { name: t("Hài lòng", "Satisfied"), value: total.satisfied, colour: "#067647" },
            { name: t("Chấp nhận", "Accepted"), value: total.accepted, colour: "#b54708" },
            { name: t("Không hài lòng", "Not satisfied"), value: total.not_satisfied, colour: "#b42318" },
          ],
        })),
      h("section", { class: "card" },
        columns({
          id: "chart-received",
          title: t("Phản ánh nhận và đã xử lý theo kỳ", "Reports received and handled per period"),
          labels: periods,
          series: [
            { name: t("Đã nhận", "Received"), values: time.groups.map((g) => g.received) },
            { name: t("Đã xử lý", "Handled"), values: time.groups.map((g) => g.handled), colour: "#067647" },
          ],
        })),
      h("section", { class: "card" },
        lines({
          id: "chart-rates",
          title: t("Tỉ lệ xử lý và đúng hạn theo kỳ (%)", "Handled and on-time rates per period (%)"),
          labels: periods,
          unit: "%",
          max: 100,
          series: [
            { name: t("Đã xử lý", "Handled"), values: time.groups.map((g) => g.handled_pct) },
            { name: t("Đúng hạn", "On time"), values: time.groups.map((g) => g.on_time_pct), colour: "#067647" },
          ],
        })),
      h("section", { class: "card wide" },
        horizontalBars({
          id: "chart-organizations",
          title: t("Tỉ lệ xử lý và đúng hạn theo đơn vị (%)", "Handled and on-time rates by organization (%)"),
          labels: orgs,
          unit: "%",
          max: 100,
          series: [
            { name: t("Đã xử lý", "Handled"), values: organizations.groups.map((g) => g.handled_pct) },
            { name: t("Đúng hạn", "On time"), values: organizations.groups.map((g) => g.on_time_pct), colour: "#067647" },
          ],
        }))),
    h("p", { class: "actions" },
      h("a", { class: "button secondary", id: "csv-period", href: csv("period"), download: "" }, t("Tải CSV theo kỳ", "CSV per period")),
      h("a", { class: "button secondary", id: "csv-organization", href: csv("organization"), download: "" }, t("Tải CSV theo đơn vị", "CSV by organization"))),
  ];
}
