// Charts drawn as SVG here (no library): horizontal bars, vertical grouped bars, lines, and a
// 100 % split. Each is a <figure> whose SVG is role="img" with a <title> and <desc> that say
// what the numbers are, followed by the same numbers as a table for anyone who cannot see it.
// Every bar and point carries data-label and data-value, which the browser tests read.
import { formatNumber, t } from "../i18n.js";
import { h } from "../ui.js";
import { table } from "./common.js";

const NS = "http://www.w3.org/2000/svg";
export const COLOURS = ["#0b5cab", "#067647", "#b54708", "#7a2e9b", "#b42318", "#0e7490", "#5b6470"];

export function s(tag, attributes = {}, ...children) {
  const element = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    element.setAttribute(name, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

let counter = 0;

function frame(id, title, summary, width, height, body, legend, fallback) {
  const titleId = `${id}-title-${++counter}`;
  const descId = `${id}-desc-${counter}`;
  const svg = s("svg", {
    viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": `${titleId} ${descId}`,
    class: "chart", preserveAspectRatio: "xMinYMin meet", width, height,
  }, s("title", { id: titleId }, title), s("desc", { id: descId }, summary), body);
  return h("figure", { class: "chart-figure", id },
    h("figcaption", {}, title),
    legend,
    h("div", { class: "chart-box" }, svg),
    h("details", { class: "chart-data" }, h("summary", {}, t("Bảng số liệu", "Data table")), fallback));
}

function legendOf(series) {
  if (series.length < 2) return null;
  return h("ul", { class: "legend" }, series.map((one, i) => {
    // Through the CSSOM: the page's CSP refuses style attributes.
    const swatch = h("span", { class: "swatch", "aria-hidden": "true" });
    swatch.style.background = one.colour || COLOURS[i % COLOURS.length];
    return h("li", {}, swatch, one.name);
  }));
}

function format(value, unit) {
  if (value === null || value === undefined) return "—";
  return formatNumber(value, 1) + (unit || "");
}

function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

function fallbackTable(caption, labels, series, unit) {
  return table({ text: caption, hidden: true }, ["", ...series.map((one) => one.name)],
    labels.map((label, i) => [label, ...series.map((one) => format(one.values[i], unit))]));
}

function summaryOf(labels, series, unit) {
  return labels.map((label, i) =>
    `${label}: ${series.map((one) => `${series.length > 1 ? one.name + " " : ""}${format(one.values[i], unit)}`).join(", ")}`,
  ).join("; ") || t("Không có số liệu.", "No data.");
}

/** Horizontal bars, one group per label (organizations, communes…), each series a bar. */
export function horizontalBars({ id, title, labels, series, unit = "", max = null }) {
  const width = 640;
  const labelWidth = 190;
  const bar = 16;
  const gap = 10;
  const groupHeight = series.length * bar + gap;
  const height = Math.max(40, labels.length * groupHeight + 24);
  const top = Math.max(max ?? 0, niceMax(Math.max(0, ...series.flatMap((one) => one.values.map((v) => v || 0)))));
  const scale = (width - labelWidth - 60) / top;
  const body = labels.map((label, i) => {
    const y = 8 + i * groupHeight;
    return s("g", { class: "group" },
      s("text", { x: labelWidth - 8, y: y + (series.length * bar) / 2 + 4, "text-anchor": "end", class: "axis-label" },
        label.length > 28 ? label.slice(0, 27) + "…" : label),
      series.map((one, j) => {
        const value = one.values[i];
        const w = Math.max(value ? 1 : 0, (value || 0) * scale);
        return [
          s("rect", {
            x: labelWidth, y: y + j * bar, width: w, height: bar - 2, fill: one.colour || COLOURS[j % COLOURS.length],
            class: "bar", "data-label": label, "data-series": one.name, "data-value": value ?? "",
          }, s("title", {}, `${label} · ${one.name}: ${format(value, unit)}`)),
          s("text", { x: labelWidth + w + 4, y: y + j * bar + bar - 5, class: "value" }, format(value, unit)),
        ];
      }));
  });
  return frame(id, title, summaryOf(labels, series, unit), width, height, body, legendOf(series),
    fallbackTable(title, labels, series, unit));
}

/** Vertical bars over time (weeks, months, days), series side by side in each period. */
export function columns({ id, title, labels, series, unit = "", max = null }) {
  const height = 240;
  const left = 44;
  const bottom = 40;
  const slot = Math.max(18, Math.min(64, 560 / Math.max(1, labels.length)));
  const width = Math.max(320, left + labels.length * slot + 16);
  const top = max ?? niceMax(Math.max(0, ...series.flatMap((one) => one.values.map((v) => v || 0))));
  const plot = height - bottom - 12;
  const y = (value) => 12 + plot - ((value || 0) / top) * plot;
  const barWidth = Math.max(4, (slot - 6) / series.length);
  const ticks = [0, top / 2, top];
  const body = [
    ticks.map((tick) => s("g", { class: "tick" },
      s("line", { x1: left, x2: width - 8, y1: y(tick), y2: y(tick), class: "grid" }),
      s("text", { x: left - 6, y: y(tick) + 4, "text-anchor": "end", class: "axis-label" }, format(tick, unit)))),
    labels.map((label, i) => {
      const x0 = left + i * slot + 3;
      const every = Math.ceil(labels.length / 12);
      return s("g", { class: "group" },
        series.map((one, j) => {
          const value = one.values[i];
          return s("rect", {
            x: x0 + j * barWidth, y: y(value), width: barWidth - 1, height: Math.max(0, 12 + plot - y(value)),
            fill: one.colour || COLOURS[j % COLOURS.length], class: "bar",
            "data-label": label, "data-series": one.name, "data-value": value ?? "",
          }, s("title", {}, `${label} · ${one.name}: ${format(value, unit)}`));
        }),
        i % every === 0 ? s("text", { x: x0 + (slot - 6) / 2, y: height - bottom + 16, "text-anchor": "middle", class: "axis-label" }, label) : null);
    }),
  ];
  return frame(id, title, summaryOf(labels, series, unit), width, height, body, legendOf(series),
    fallbackTable(title, labels, series, unit));
}

/** Lines over time; a missing value (null) breaks the line. */
export function lines({ id, title, labels, series, unit = "", max = null }) {
  const height = 240;
  const left = 44;
  const bottom = 40;
  const slot = Math.max(14, Math.min(64, 560 / Math.max(1, labels.length)));
  const width = Math.max(320, left + labels.length * slot + 16);
  const top = max ?? niceMax(Math.max(0, ...series.flatMap((one) => one.values.map((v) => v || 0))));
  const plot = height - bottom - 12;
  const x = (i) => left + i * slot + slot / 2;
  const y = (value) => 12 + plot - ((value || 0) / top) * plot;
  const every = Math.ceil(labels.length / 12);
  const body = [
    [0, top / 2, top].map((tick) => s("g", { class: "tick" },
      s("line", { x1: left, x2: width - 8, y1: y(tick), y2: y(tick), class: "grid" }),
      s("text", { x: left - 6, y: y(tick) + 4, "text-anchor": "end", class: "axis-label" }, format(tick, unit)))),
    labels.map((label, i) => (i % every === 0
      ? s("text", { x: x(i), y: height - bottom + 16, "text-anchor": "middle", class: "axis-label" }, label) : null)),
    series.map((one, j) => {
      const colour = one.colour || COLOURS[j % COLOURS.length];
      let path = "";
      let pen = false;
      one.values.forEach((value, i) => {
        if (value === null || value === undefined) {
          pen = false;
          return;
        }
        path += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(value).toFixed(1)}`;
        pen = true;
      });
      return s("g", { class: "series" },
        path ? s("path", { d: path, fill: "none", stroke: colour, "stroke-width": 2.5, class: "line" }) : null,
        one.values.map((value, i) => (value === null || value === undefined ? null
          : s("circle", { cx: x(i), cy: y(value), r: 3.5, fill: colour, class: "point", "data-label": labels[i], "data-series": one.name, "data-value": value },
              s("title", {}, `${labels[i]} · ${one.name}: ${format(value, unit)}`)))));
    }),
  ];
  return frame(id, title, summaryOf(labels, series, unit), width, height, body, legendOf(series),
    fallbackTable(title, labels, series, unit));
}

/** One bar split into parts of a whole (satisfied / accepted / not satisfied). */
export function split({ id, title, parts }) {
  const width = 640;
  const height = 56;
  const total = parts.reduce((sum, part) => sum + (part.value || 0), 0);
  let x = 0;
  const body = total
    ? parts.map((part, i) => {
        const w = ((part.value || 0) / total) * width;
        const rect = s("rect", {
          x, y: 4, width: w, height: 32, fill: part.colour || COLOURS[i % COLOURS.length], class: "bar",
          "data-label": part.name, "data-value": part.value,
        }, s("title", {}, `${part.name}: ${formatNumber(part.value)} (${formatNumber((100 * part.value) / total, 1)}%)`));
        const label = w > 48 ? s("text", { x: x + w / 2, y: 25, "text-anchor": "middle", class: "on-bar" },
          `${formatNumber((100 * part.value) / total, 0)}%`) : null;
        x += w;
        return [rect, label];
      })
    : s("text", { x: width / 2, y: 25, "text-anchor": "middle", class: "axis-label" }, t("Chưa có đánh giá.", "No ratings yet."));
  const summary = total
    ? parts.map((part) => `${part.name}: ${formatNumber(part.value)} (${formatNumber((100 * part.value) / total, 1)}%)`).join("; ")
    : t("Chưa có đánh giá.", "No ratings yet.");
  return frame(id, title, summary, width, height, body, legendOf(parts.map((p, i) => ({ name: p.name, colour: p.colour || COLOURS[i] }))),
    table({ text: title, hidden: true }, [t("Đánh giá", "Rating"), t("Số lượt", "Count"), "%"],
      parts.map((part) => [part.name, formatNumber(part.value), total ? formatNumber((100 * part.value) / total, 1) : "—"])));
}
