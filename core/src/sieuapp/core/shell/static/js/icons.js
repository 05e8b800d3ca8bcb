// The modules' icons by the name a manifest gives (FrontendEntry.icon), drawn here as SVG so no
// icon font or image is fetched from anywhere. An unknown name shows the module's initial.
const PATHS = {
  phone: "M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2c.3-.3.7-.4 1-.2 1.1.4 2.3.6 3.6.6.6 0 1 .4 1 1V20c0 .6-.4 1-1 1C10.6 21 3 13.4 3 4c0-.6.4-1 1-1h3.5c.6 0 1 .4 1 1 0 1.3.2 2.5.6 3.6.1.3 0 .7-.2 1z",
  taxi: "M5 11l1.5-4.5A2 2 0 0 1 8.4 5H9V3h6v2h.6a2 2 0 0 1 1.9 1.5L19 11a2 2 0 0 1 2 2v5h-2v2h-3v-2H8v2H5v-2H3v-5a2 2 0 0 1 2-2zm2.1 0h9.8l-1-3.2a1 1 0 0 0-1-.8H9.1a1 1 0 0 0-1 .8zM6.5 16a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zm11 0a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3z",
  home: "M12 3l9 8h-3v9h-5v-6h-2v6H6v-9H3z",
  report: "M4 3h12l4 4v14H4zm11 1.5V8h3.5zM7 11v2h10v-2zm0 4v2h7v-2z",
  inbox: "M4 4h16l1 9v7H3v-7zm1.9 2l-.7 7H9a3 3 0 0 0 6 0h3.8l-.7-7z",
  user: "M12 12a4.5 4.5 0 1 0 0-9 4.5 4.5 0 0 0 0 9zm0 2c-4.4 0-8 2.2-8 5v2h16v-2c0-2.8-3.6-5-8-5z",
  pay: "M3 6h18v12H3zm2 3v2h14V9zm0 5v2h5v-2z",
  alert: "M12 2l10 18H2zm-1 7v5h2V9zm0 7v2h2v-2z",
  back: "M15.4 5.4L14 4l-8 8 8 8 1.4-1.4L8.8 12z",
  shield: "M12 2l8 3v6c0 5-3.4 9.4-8 11-4.6-1.6-8-6-8-11V5z",
  water: "M12 2s7 8 7 13a7 7 0 0 1-14 0c0-5 7-13 7-13z",
  bus: "M6 3h12a2 2 0 0 1 2 2v11a2 2 0 0 1-1 1.7V20h-3v-2H8v2H5v-2.3A2 2 0 0 1 4 16V5a2 2 0 0 1 2-2zm0 3v5h12V6zm1.5 9.5a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zm9 0a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3z",
  health: "M10 3h4v7h7v4h-7v7h-4v-7H3v-4h7z",
  map: "M9 4l6 2 6-2v16l-6 2-6-2-6 2V6zm0 2.2v11.6l6 2V8.2z",
  chart: "M4 20V10h3v10zm6 0V4h3v16zm6 0v-7h3v7z",
  gear: "M12 8.5a3.5 3.5 0 1 0 0 7 3.5 3.5 0 0 0 0-7zM10.3 2h3.4l.5 2.6 1.8.8 2.2-1.5 2.4 2.4-1.5 2.2.8 1.8 2.6.5v3.4l-2.6.5-.8 1.8 1.5 2.2-2.4 2.4-2.2-1.5-1.8.8-.5 2.6h-3.4l-.5-2.6-1.8-.8-2.2 1.5-2.4-2.4 1.5-2.2-.8-1.8L2 13.7v-3.4l2.6-.5.8-1.8-1.5-2.2 2.4-2.4 2.2 1.5 1.8-.8z",
  text: "M3 5h12v3h-4.5v11h-3V8H3zm11 6h8v2.5h-2.8V19h-2.5v-5.5H14z",
};

const NS = "http://www.w3.org/2000/svg";

export function icon(name, label = "") {
  const path = PATHS[name];
  if (!path) {
    const span = document.createElement("span");
    span.className = "icon initial";
    span.textContent = (label || name || "?").trim().charAt(0).toUpperCase();
    span.setAttribute("aria-hidden", "true");
    return span;
  }
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", "icon");
  svg.setAttribute("aria-hidden", "true");
  const shape = document.createElementNS(NS, "path");
  shape.setAttribute("d", path);
  svg.append(shape);
  return svg;
}
