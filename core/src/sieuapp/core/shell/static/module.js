// For a module's own page shown inside the super-app (include it with
// <script src="/app/static/module.js"></script>). It asks the shell, by postMessage, for an
// access token bound to this module's plugin; outside the shell there is none, and the page
// works as far as it can without one.
(function () {
  "use strict";
  var query = new URLSearchParams(location.search);
  var embedded = window.parent !== window;
  var waiting = [];
  var current = null;
  var stale = false;

  function ask() {
    // After a 401 the shell must not hand back the token it keeps: ask for a new one.
    window.parent.postMessage({ type: "sieuapp:token-request", renew: stale }, location.origin);
    stale = false;
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== location.origin || event.source !== window.parent) return;
    var message = event.data || {};
    if (message.type !== "sieuapp:token") return;
    current = message.access_token || null;
    var pending = waiting;
    waiting = [];
    pending.forEach(function (resolve) { resolve(current); });
  });

  function token() {
    if (!embedded) return Promise.resolve(null);
    if (current) return Promise.resolve(current);
    return new Promise(function (resolve) {
      waiting.push(resolve);
      if (waiting.length === 1) ask();
      // A shell that does not answer (an old one, or none) must not hang the page.
      setTimeout(function () {
        var index = waiting.indexOf(resolve);
        if (index >= 0) { waiting.splice(index, 1); resolve(null); }
      }, 10000);
    });
  }

  function authorizedFetch(url, init) {
    init = init || {};
    return token().then(function (value) {
      var headers = new Headers(init.headers || {});
      if (value) headers.set("Authorization", "Bearer " + value);
      if (!headers.has("Accept-Language")) headers.set("Accept-Language", window.sieuapp.language);
      return fetch(url, Object.assign({}, init, { headers: headers })).then(function (response) {
        // An expired token: forget it, so the next call asks the shell for a fresh one.
        if (response.status === 401 && value) {
          current = null;
          stale = true;
        }
        return response;
      });
    });
  }

  function askConsent(plugin, scopes) {
    if (embedded) {
      window.parent.postMessage({ type: "sieuapp:consent", plugin: plugin, scopes: scopes }, location.origin);
    }
  }

  var language = query.get("lang") === "en" ? "en" : "vi";
  document.documentElement.lang = language;
  if (query.get("large") === "1") document.documentElement.classList.add("large");

  window.sieuapp = {
    language: language,
    largeText: query.get("large") === "1",
    embedded: embedded,
    token: token,
    fetch: authorizedFetch,
    askConsent: askConsent,
  };
})();
