// Module usage: signed-in people per module and day (a line per module), and per home commune
// over the range (a table and bars), with the API's CSV. The CSV needs the token, so it is
// fetched and saved rather than linked.
import { api } from "../api.js";
import { formatNumber, t } from "../i18n.js";
import { busy, download, field, h, problem } from "../ui.js";
import { horizontalBars, lines } from "./charts.js";
import { formParams, hashFor, table } from "./common.js";

const USAGE = "/api/v1/admin/modules/usage";

export async function usage({ params }) {
  const query = new URLSearchParams();
  for (const name of ["from", "to", "module"]) if (params.get(name)) query.set(name, params.get(name));
  const day = new URLSearchParams(query);
  day.set("by", "day");
  const commune = new URLSearchParams(query);
  commune.set("by", "commune");
  const [daily, communes, plugins] = await Promise.all([
    api(`${USAGE}?${day}`),
    api(`${USAGE}?${commune}`),
    api("/api/v1/admin/plugins").catch(() => ({ plugins: [] })),
  ]);

  const form = h("form", { class: "card filters", id: "usage-filters" },
    h("div", { class: "filter-grid" },
      field(t("Từ ngày", "From"), h("input", { type: "date", name: "from", value: daily.from })),
      field(t("Đến ngày", "To"), h("input", { type: "date", name: "to", value: daily.to })),
      field(t("Dịch vụ", "Module"), h("select", { name: "module" },
        h("option", { value: "" }, t("— Tất cả —", "— All —")),
        plugins.plugins.filter((p) => p.state).map((p) =>
          h("option", { value: p.id, selected: params.get("module") === p.id }, p.name || p.id))))),
    h("button", { type: "submit", class: "primary" }, t("Xem", "Show")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = hashFor("usage", formParams(form));
  });

  // by=day lists every day of the range for each module, zeros included.
  const modules = new Map();
  const days = [];
  for (const row of daily.rows) {
    if (!modules.has(row.module)) modules.set(row.module, { name: row.module_name || row.module, byDay: new Map() });
    modules.get(row.module).byDay.set(row.day, row.users);
    if (!days.includes(row.day)) days.push(row.day);
  }
  days.sort();
  const series = [...modules.values()].map((m) => ({ name: m.name, values: days.map((d) => m.byDay.get(d) ?? 0) }));

  const communeNames = [];
  const communeRows = communes.rows.map((row) => {
    const name = row.commune ? row.commune.name : t("Chưa rõ", "Unknown");
    communeNames.push(`${name} · ${row.module_name || row.module}`);
    return [name, row.module_name || row.module, formatNumber(row.users)];
  });

  const messages = h("div", { "aria-live": "polite" });
  const csvButton = (by, label) => h("button", {
    type: "button", class: "secondary", id: `usage-csv-${by}`,
    onclick: (event) => busy(event.currentTarget, async () => {
      try {
        const csvQuery = new URLSearchParams(by === "day" ? day : commune);
        csvQuery.set("format", "csv");
        const response = await api(`${USAGE}?${csvQuery}`, { raw: true });
        download(`module-usage-${by}-${daily.from}-${daily.to}.csv`, await response.text(), "text/csv;charset=utf-8");
      } catch (error) {
        messages.replaceChildren(problem(error));
      }
    }),
  }, label);

  return [
    h("h1", {}, t("Lượt dùng dịch vụ", "Module usage")),
    form,
    h("p", { class: "muted" }, t(
      `Số người đã đăng nhập dùng mỗi dịch vụ (mỗi người tính một lần mỗi ngày), ${daily.from} – ${daily.to}, giờ Việt Nam.`,
      `Signed-in people using each module (each person once a day), ${daily.from} – ${daily.to}, Vietnam time.`)),
    messages,
    h("section", { class: "card" },
      h("h2", {}, t("Tổng số người dùng trong khoảng", "People over the range")),
      daily.totals.length
        ? table({ text: t("Tổng theo dịch vụ", "Totals per module"), hidden: true }, [t("Dịch vụ", "Module"), t("Số người", "People")],
            daily.totals.map((row) => [row.module_name || row.module, formatNumber(row.users)]), { id: "usage-totals", class: "data" })
        : h("p", { class: "empty" }, t("Chưa có lượt dùng.", "No use yet."))),
    h("section", { class: "card" },
      lines({ id: "chart-usage-days", title: t("Người dùng mỗi ngày", "People per day"), labels: days, series })),
    h("section", { class: "card" },
      h("h2", {}, t("Theo phường, xã nơi ở", "By home commune")),
      communeRows.length
        ? [
            horizontalBars({
              id: "chart-usage-communes", title: t("Người dùng theo phường, xã", "People by commune"),
              labels: communeNames, series: [{ name: t("Số người", "People"), values: communes.rows.map((r) => r.users) }],
            }),
            table({ text: t("Người dùng theo phường, xã", "People by commune"), hidden: true },
              [t("Phường, xã", "Commune"), t("Dịch vụ", "Module"), t("Số người", "People")], communeRows, { id: "usage-communes", class: "data" }),
          ]
        : h("p", { class: "empty" }, t("Chưa có lượt dùng.", "No use yet."))),
    h("p", { class: "actions" }, csvButton("day", t("Tải CSV theo ngày", "CSV per day")),
      csvButton("commune", t("Tải CSV theo phường, xã", "CSV by commune"))),
  ];
}
