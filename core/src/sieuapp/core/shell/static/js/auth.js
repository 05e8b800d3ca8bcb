// Signing in through the platform's own OpenID Provider: authorization code + PKCE (S256), a
// public client, as any other client would. The tokens live in sessionStorage: they last as long
// as the tab, and a reload does not ask for the password again while the provider's own sign-in
// session lasts (prompt=none).
import { config } from "./config.js";
import { lang } from "./i18n.js";

const TOKENS = "sieuapp.tokens";
const PENDING = "sieuapp.pending-sign-in";
const PLUGIN_TOKENS = new Map();

function base64url(bytes) {
  let text = "";
  new Uint8Array(bytes).forEach((b) => (text += String.fromCharCode(b)));
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString(size = 32) {
  return base64url(crypto.getRandomValues(new Uint8Array(size)));
}

async function challengeOf(verifier) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(digest);
}

function redirectUri() {
  return location.origin + config.callback;
}

function claimsOf(idToken) {
  const payload = idToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  const json = decodeURIComponent(
    Array.from(atob(payload), (c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0")).join(""),
  );
  return JSON.parse(json);
}

export function tokens() {
  const raw = sessionStorage.getItem(TOKENS);
  if (!raw) return null;
  const stored = JSON.parse(raw);
  if (Date.now() >= stored.expires_at) {
    sessionStorage.removeItem(TOKENS);
    return null;
  }
  return stored;
}

export function accessToken() {
  const stored = tokens();
  return stored ? stored.access_token : null;
}

export function forget() {
  sessionStorage.removeItem(TOKENS);
  PLUGIN_TOKENS.clear();
}

/** Go to the provider's sign-in; ``silent`` asks it not to show any page (prompt=none). */
export async function signIn(returnTo = location.pathname + (location.hash || "#/"), silent = false) {
  const verifier = randomString(48);
  const state = randomString();
  const nonce = randomString();
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, nonce, returnTo, silent }));
  const params = new URLSearchParams({
    response_type: "code",
    client_id: config.client_id,
    redirect_uri: redirectUri(),
    scope: "openid profile",
    state,
    nonce,
    code_challenge: await challengeOf(verifier),
    code_challenge_method: "S256",
    ui_locales: lang(),
  });
  if (silent) params.set("prompt", "none");
  location.assign("/oauth/authorize?" + params.toString());
}

export class SignInError extends Error {}

/** On the callback address: trade the code for tokens. Answers where to go next, or null when
 * this page load is not a sign-in's return. */
export async function completeSignIn() {
  if (location.pathname !== config.callback) return null;
  const query = new URLSearchParams(location.search);
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || "null");
  sessionStorage.removeItem(PENDING);
  // Back to where the sign-in started: the app, or the console (a path on this site only).
  const asked = (pending && pending.returnTo) || "/#/";
  const returnTo = asked.startsWith("/") && !asked.startsWith("//") ? asked : "/#/";
  history.replaceState(null, "", returnTo);
  if (!pending || query.get("state") !== pending.state) {
    throw new SignInError("state");
  }
  if (query.get("error")) {
    // A silent attempt that needs the user is not a failure: they sign in when they choose.
    if (pending.silent) return returnTo;
    throw new SignInError(query.get("error_description") || query.get("error"));
  }
  const response = await fetch("/oauth/token", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: query.get("code") || "",
      redirect_uri: redirectUri(),
      client_id: config.client_id,
      code_verifier: pending.verifier,
    }),
  });
  const body = await response.json();
  if (!response.ok) throw new SignInError(body.error_description || body.error);
  // The ID token came straight from the provider over this origin's connection (OIDC Core
  // 3.1.3.7 lets TLS stand in for the signature); its nonce ties it to this sign-in.
  const claims = body.id_token ? claimsOf(body.id_token) : {};
  if (body.id_token && (claims.nonce !== pending.nonce || claims.aud !== config.client_id)) {
    throw new SignInError("id_token");
  }
  sessionStorage.setItem(
    TOKENS,
    JSON.stringify({
      access_token: body.access_token,
      id_token: body.id_token || null,
      scope: body.scope || "",
      expires_at: Date.now() + (body.expires_in - 30) * 1000,
      name: claims.name || claims.preferred_username || "",
    }),
  );
  return returnTo;
}

export async function signOut() {
  const stored = tokens();
  forget();
  if (stored) {
    await fetch("/oauth/revoke", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: stored.access_token, client_id: config.client_id }),
    }).catch(() => {});
  }
  const params = new URLSearchParams({
    client_id: config.client_id,
    post_logout_redirect_uri: location.origin + "/",
  });
  if (stored && stored.id_token) params.set("id_token_hint", stored.id_token);
  location.assign("/oauth/logout?" + params.toString());
}

/** A token for one plugin's page, traded for the shell's own (RFC 8693 token exchange): the
 * page in the frame gets what the user consented to for that plugin, not the whole account. */
export async function pluginToken(audience, renew = false) {
  // ``renew``: the page was refused with the kept token (a consent withdrawn revokes it).
  if (renew) PLUGIN_TOKENS.delete(audience);
  const cached = PLUGIN_TOKENS.get(audience);
  if (cached && Date.now() < cached.expires_at) return cached.access_token;
  const subject = accessToken();
  if (!subject) return null;
  const response = await fetch("/oauth/token", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      client_id: config.client_id,
      subject_token: subject,
      subject_token_type: "urn:ietf:params:oauth:token-type:access_token",
      audience,
    }),
  });
  if (!response.ok) return null;
  const body = await response.json();
  PLUGIN_TOKENS.set(audience, {
    access_token: body.access_token,
    expires_at: Date.now() + (body.expires_in - 30) * 1000,
  });
  return body.access_token;
}

export function dropPluginTokens() {
  PLUGIN_TOKENS.clear();
}
