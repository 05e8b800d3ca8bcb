// Vietnamese first: every text is written as t(vi, en) where it is used, as the server's pages do.
import { config } from "./config.js";

const LANGUAGE = "sieuapp.language";
const LARGE = "sieuapp.large-text";
const listeners = new Set();

let language = localStorage.getItem(LANGUAGE) || config.language || "vi";
if (language !== "vi" && language !== "en") language = "vi";

export function lang() {
  return language;
}

export function t(vi, en) {
  return language === "en" ? en : vi;
}

export function setLanguage(next) {
  language = next === "en" ? "en" : "vi";
  localStorage.setItem(LANGUAGE, language);
  applyPreferences();
  listeners.forEach((listener) => listener());
}

export function largeText() {
  return localStorage.getItem(LARGE) === "1";
}

export function setLargeText(on) {
  localStorage.setItem(LARGE, on ? "1" : "0");
  applyPreferences();
  listeners.forEach((listener) => listener());
}

export function onPreferencesChange(listener) {
  listeners.add(listener);
}

export function applyPreferences() {
  document.documentElement.lang = language;
  document.documentElement.classList.toggle("large", largeText());
}

const LOCALE = { vi: "vi-VN", en: "en-GB" };

export function formatDate(value, withTime = true) {
  if (!value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const options = withTime
    ? { dateStyle: "medium", timeStyle: "short", timeZone: "Asia/Ho_Chi_Minh" }
    : { dateStyle: "medium", timeZone: "Asia/Ho_Chi_Minh" };
  return new Intl.DateTimeFormat(LOCALE[language], options).format(date);
}

export function formatNumber(value, digits = 0) {
  return new Intl.NumberFormat(LOCALE[language], { maximumFractionDigits: digits }).format(value);
}

export function formatMoney(amount, currency = "VND") {
  return new Intl.NumberFormat(LOCALE[language], { style: "currency", currency }).format(amount);
}
