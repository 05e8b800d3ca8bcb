// The platform's JSON API with the signed-in user's token; errors keep the API's
// {"code", "message", "errors": {field: [...]}} so a form can show each message by its field.
import { accessToken, forget } from "./auth.js";
import { lang, t } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, body) {
    super(body.message || body.error_description || `HTTP ${status}`);
    this.status = status;
    this.code = body.code || body.error || "";
    this.fields = body.errors || {};
  }
}

export async function api(path, { method = "GET", json, form, raw = false } = {}) {
  const headers = { Accept: "application/json", "Accept-Language": lang() };
  const token = accessToken();
  if (token) headers.Authorization = "Bearer " + token;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form;
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body });
  } catch {
    throw new ApiError(0, {
      message: t("Không kết nối được máy chủ. Hãy thử lại.", "Cannot reach the server. Try again."),
    });
  }
  if (!response.ok) {
    let problem = {};
    try {
      problem = await response.json();
    } catch {
      problem = {};
    }
    // A token that expired or was revoked: the next screen offers to sign in again.
    if (response.status === 401 && token) forget();
    throw new ApiError(response.status, problem);
  }
  if (raw) return response;
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  return type.includes("json") ? response.json() : response.text();
}
