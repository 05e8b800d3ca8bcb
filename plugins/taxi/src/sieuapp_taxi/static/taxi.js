// The taxi page's behaviour: book a ride and follow it through the plugin's JSON API, with the
// token the app hands over through window.sieuapp (the platform's module.js). No library, no
// request to anywhere but this origin. Every text comes from the page (#taxi-texts).
"use strict";

(function () {
  const body = document.body;
  const base = body.dataset.base; // the plugin's mount, "/m/taxi/"
  const lang = body.dataset.language;
  const t = JSON.parse(document.getElementById("taxi-texts").textContent);
  const bridge = window.sieuapp;
  const ACTIVE = ["requested", "reserved", "arrived", "on_trip"];
  const POLL_MS = 4000;
  const $ = (id) => document.getElementById(id);
  const money = new Intl.NumberFormat(lang === "vi" ? "vi-VN" : "en-GB");
  const when = new Intl.DateTimeFormat(lang === "vi" ? "vi-VN" : "en-GB", {
    day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit",
  });
  const clock = new Intl.DateTimeFormat(lang === "vi" ? "vi-VN" : "en-GB", {
    hour: "2-digit", minute: "2-digit",
  });

  let ride = null; // the ride shown in the card
  let timer = null;

  function say(key, values) {
    let said = t[key] || key;
    for (const [name, value] of Object.entries(values || {})) {
      said = said.split("{" + name + "}").join(String(value));
    }
    return said;
  }

  function dong(amount) {
    return amount == null ? "" : money.format(amount) + " đ";
  }

  function notice(key) {
    $("notice").textContent = key ? say(key) : "";
  }

  // -- talking to the API --------------------------------------------------------------------

  async function api(method, path, payload) {
    const init = { method, headers: { Accept: "application/json", "Accept-Language": lang } };
    if (payload !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(payload);
    }
    let response;
    try {
      response = await bridge.fetch(base + path, init);
    } catch (error) {
      return { ok: false, status: 0, body: { message: say("offline") } };
    }
    let data = {};
    try {
      data = await response.json();
    } catch (error) {
      data = {};
    }
    if (response.status === 401) {
      signedOut();
    }
    return { ok: response.ok, status: response.status, body: data || {} };
  }

  function signedOut() {
    stopPolling();
    notice("sign_in");
    for (const id of ["book", "ride", "rides"]) $(id).hidden = true;
  }

  // -- errors next to the fields they name ---------------------------------------------------

  function clearErrors(form) {
    for (const element of form.querySelectorAll("[data-error-for]")) element.textContent = "";
    for (const element of form.querySelectorAll("[aria-invalid]")) {
      element.removeAttribute("aria-invalid");
    }
  }

  function showErrors(form, answer) {
    clearErrors(form);
    const errors = (answer.body && answer.body.errors) || {};
    const general = form.querySelector('[data-error-for="_form"]');
    const unplaced = [];
    for (const [field, messages] of Object.entries(errors)) {
      const list = Array.isArray(messages) ? messages : [messages];
      const place = form.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
      const input = form.elements.namedItem(field);
      if (input && input.setAttribute) input.setAttribute("aria-invalid", "true");
      if (place && field !== "_form") {
        place.textContent = list.join(" ");
      } else {
        unplaced.push(list.join(" "));
      }
    }
    const message = (answer.body && answer.body.message) || say("error");
    general.textContent = [message, ...unplaced].join(" ");
    const first = form.querySelector('[aria-invalid="true"]');
    if (first) first.focus();
  }

  // -- the booking form ----------------------------------------------------------------------

  const form = $("book-form");

  function number(name) {
    const raw = form.elements[name].value.trim().replace(",", ".");
    if (raw === "") return null;
    const value = Number(raw);
    return Number.isFinite(value) ? value : raw; // the API names what is wrong with it
  }

  function trip() {
    const seats = Number(form.elements.seats.value);
    return {
      pickup: { lat: number("pickup.lat"), lon: number("pickup.lon") },
      dropoff: { lat: number("dropoff.lat"), lon: number("dropoff.lon") },
      seats,
    };
  }

  function limitPassengers() {
    const seats = Number(form.elements.seats.value);
    const select = form.elements.passengers;
    for (const option of select.options) option.disabled = Number(option.value) > seats;
    if (Number(select.value) > seats) select.value = "1";
  }

  function locate() {
    const status = $("locate-status");
    if (!("geolocation" in navigator)) {
      status.textContent = say("location_unsupported");
      return;
    }
    status.textContent = say("locating");
    navigator.geolocation.getCurrentPosition(
      (position) => {
        form.elements["pickup.lat"].value = position.coords.latitude.toFixed(6);
        form.elements["pickup.lon"].value = position.coords.longitude.toFixed(6);
        status.textContent = say("located", { metres: Math.round(position.coords.accuracy) });
        if (!$("estimate").hidden) estimate();
      },
      () => {
        status.textContent = say("location_failed");
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 },
    );
  }

  function showOptions(estimate) {
    $("estimate-distance").textContent = say("distance", {
      km: (estimate.distance_m / 1000).toLocaleString(lang, { maximumFractionDigits: 1 }),
    });
    const holder = $("firm-options");
    holder.replaceChildren();
    for (const option of estimate.options) {
      const label = document.createElement("label");
      label.className = "choice";
      const input = document.createElement("input");
      input.type = "radio";
      input.name = "firm";
      input.value = option.firm;
      const name = document.createElement("span");
      name.textContent = option.name;
      const fare = document.createElement("span");
      fare.className = "fare";
      fare.textContent = dong(option.fare);
      label.append(input, " ", name, fare);
      holder.append(label);
    }
    form.querySelector('input[name="firm"][value=""]').checked = true;
    $("no-fares").hidden = estimate.options.length > 0;
    $("book-button").disabled = estimate.options.length === 0;
    $("consent").hidden = true;
    $("estimate").hidden = false;
  }

  async function estimate() {
    const answer = await api("POST", "estimate", trip());
    if (!answer.ok) {
      showErrors(form, answer);
      return;
    }
    clearErrors(form);
    showOptions(answer.body);
  }

  async function book() {
    const wanted = { ...trip(), passengers: Number(form.elements.passengers.value) };
    const firm = form.querySelector('input[name="firm"]:checked');
    if (firm && firm.value) wanted.firm = firm.value;
    for (const name of ["pickup_address", "dropoff_address"]) {
      const value = form.elements[name].value.trim();
      if (value) wanted[name] = value;
    }
    const answer = await api("POST", "rides", wanted);
    if (answer.ok) {
      clearErrors(form);
      show(answer.body);
      listRides();
      return;
    }
    if (answer.status === 403 && answer.body.code === "consent_required") {
      clearErrors(form);
      askConsent(answer.body);
      return;
    }
    const busy = answer.body.errors && answer.body.errors.ride_id;
    if (answer.status === 409 && busy) {
      open(busy[0]);
      return;
    }
    showErrors(form, answer);
  }

  function askConsent(answer) {
    const scopes = (answer.errors && answer.errors.scope) || [];
    $("consent-message").textContent = answer.message;
    $("consent-sent").hidden = true;
    $("consent").hidden = false;
    $("consent-button").onclick = () => {
      // The app shows its own consent dialog, then reloads this frame.
      window.parent.postMessage(
        { type: "sieuapp:consent", plugin: "taxi", scopes },
        window.location.origin,
      );
      $("consent-sent").hidden = false;
    };
    $("consent-button").focus();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const action = event.submitter ? event.submitter.value : "estimate";
    withBusy(event.submitter, action === "book" ? book : estimate);
  });
  const TRIP_FIELDS = ["pickup.lat", "pickup.lon", "dropoff.lat", "dropoff.lon", "seats"];
  form.addEventListener("change", (event) => {
    if (event.target.name === "seats") limitPassengers();
    // Fares shown for another trip are refreshed, not hidden: the change event comes as the
    // rider taps "Book", and the button must stay where it was tapped.
    if (TRIP_FIELDS.includes(event.target.name) && !$("estimate").hidden) estimate();
  });
  $("locate").addEventListener("click", locate);

  async function withBusy(button, action) {
    if (button) button.disabled = true;
    try {
      await action();
    } finally {
      if (button) button.disabled = false;
    }
  }

  // -- the ride card -------------------------------------------------------------------------

  function metresBetween(a, b) {
    const rad = Math.PI / 180;
    const dLat = (b.lat - a.lat) * rad;
    const dLon = (b.lon - a.lon) * rad;
    const h = Math.sin(dLat / 2) ** 2
      + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
    return 2 * 6371000 * Math.asin(Math.sqrt(h));
  }

  function row(id, value) {
    $(id + "-row").hidden = value == null || value === "";
    $(id).textContent = value == null ? "" : value;
  }

  function render(shown) {
    ride = shown;
    const state = shown.state;
    const live = ACTIVE.includes(state);
    const driver = shown.driver;
    $("ride-state").textContent = say("state_" + state);
    $("ride-cancelled").textContent =
      state === "cancelled" && shown.cancelled_by ? say("cancelled_by_" + shown.cancelled_by) : "";
    row("ride-firm", shown.firm && shown.firm.name);
    row("ride-driver", driver && driver.name);
    row("ride-plate", driver && driver.plate);
    row("ride-quoted", state !== "completed" ? dong(shown.quoted_fare) : null);
    row("ride-fare", dong(shown.fare));
    let where = "";
    if (state === "reserved" && driver && driver.position) {
      where = say("car_distance", {
        metres: Math.round(metresBetween(driver.position, shown.pickup) / 10) * 10,
      });
    }
    if (state === "reserved" && shown.quoted_pickup_at) {
      const by = say("pickup_by", { time: clock.format(new Date(shown.quoted_pickup_at)) });
      where = where ? where + ". " + by : by;
    }
    $("ride-where").textContent = where;
    const call = $("ride-call");
    call.hidden = !(driver && driver.phone);
    call.href = driver && driver.phone ? "tel:" + driver.phone : "#";

    $("cancel-form").hidden = !["requested", "reserved", "arrived"].includes(state);
    const completed = state === "completed";
    const payment = shown.payment || {};
    $("pay-form").hidden = !completed;
    $("pay-choices").hidden = !completed || payment.paid;
    let paying = "";
    if (payment.paid) paying = say("paid");
    else if (payment.method === "cash") paying = say("cash_waiting");
    else if (payment.method === "platform") {
      paying = say("payment_waiting", { amount: dong(shown.fare) });
    }
    $("pay-status").textContent = paying;
    // Checking out is the app's (a module's token does not reach the platform's payments API):
    // the rider pays under Payments, and the ride reads paid when the money arrives.
    $("open-payments").hidden = !(completed && payment.method === "platform" && !payment.paid);
    $("rate-form").hidden = !completed || shown.rating != null;
    $("rated").textContent = shown.rating != null ? say("rated", { n: shown.rating }) : "";
    $("complain").hidden = !shown.firm || shown.complaint_report_id != null;
    $("complained").textContent = shown.complaint_report_id
      ? say("complained", { report: shown.complaint_report_id })
      : "";
    $("new-ride").hidden = live;
    $("ride").hidden = false;
    $("book").hidden = true;
  }

  function show(shown) {
    for (const element of document.querySelectorAll("#ride form")) clearErrors(element);
    render(shown);
    schedule();
    $("ride").scrollIntoView({ block: "start" });
  }

  function waiting(shown) {
    // Worth asking again: the ride moves on, or a payment is on its way.
    const payment = shown.payment || {};
    return ACTIVE.includes(shown.state)
      || (shown.state === "completed" && payment.method && !payment.paid);
  }

  function stopPolling() {
    if (timer) clearTimeout(timer);
    timer = null;
  }

  function schedule() {
    stopPolling();
    if (ride && waiting(ride) && !document.hidden) timer = setTimeout(poll, POLL_MS);
  }

  async function poll() {
    timer = null;
    if (!ride) return;
    const before = ride.state;
    const answer = await api("GET", "rides/" + encodeURIComponent(ride.id));
    if (answer.ok) {
      render(answer.body);
      if (answer.body.state !== before) listRides();
    }
    schedule();
  }

  document.addEventListener("visibilitychange", () => {
    if (document.hidden) stopPolling();
    else if (ride && waiting(ride)) poll();
  });

  async function open(rideId) {
    const answer = await api("GET", "rides/" + encodeURIComponent(rideId));
    if (answer.ok) show(answer.body);
  }

  async function step(formElement, path, payload, after) {
    const answer = await api("POST", "rides/" + encodeURIComponent(ride.id) + "/" + path, payload);
    if (!answer.ok) {
      showErrors(formElement, answer);
      return;
    }
    clearErrors(formElement);
    if (after) after(answer.body);
    await poll();
    listRides();
  }

  $("cancel-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const reason = event.target.elements.reason.value;
    withBusy(event.submitter, () => step(event.target, "cancel", { reason }));
  });

  $("pay-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const method = event.submitter ? event.submitter.value : "cash";
    withBusy(event.submitter, () =>
      step(event.target, "payment", { method }));
  });

  $("rate-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const elements = event.target.elements;
    const rating = { stars: Number(elements.stars.value) };
    if (elements.comment.value.trim()) rating.comment = elements.comment.value.trim();
    withBusy(event.submitter, () => step(event.target, "rating", rating));
  });

  $("complain-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const elements = event.target.elements;
    const complaint = { kind: elements.kind.value };
    const description = elements.description.value.trim();
    if (description) complaint.description = description; // else the API says it is required
    withBusy(event.submitter, () => step(event.target, "complaint", complaint, () => {
      $("complain").open = false;
    }));
  });

  $("new-ride").addEventListener("click", () => {
    stopPolling();
    ride = null;
    $("ride").hidden = true;
    $("estimate").hidden = true;
    $("book").hidden = false;
    $("book").scrollIntoView({ block: "start" });
  });

  // -- my rides ------------------------------------------------------------------------------

  async function listRides() {
    const answer = await api("GET", "rides");
    if (!answer.ok) return [];
    const list = $("ride-list");
    list.replaceChildren();
    for (const item of answer.body.rides) {
      const button = document.createElement("button");
      button.type = "button";
      const time = document.createElement("span");
      time.className = "when";
      time.textContent = when.format(new Date(item.requested_at));
      const what = [say("state_" + item.state), item.firm && item.firm.name, dong(item.fare)];
      button.append(time, what.filter(Boolean).join(" · "));
      button.addEventListener("click", () => open(item.id));
      const entry = document.createElement("li");
      entry.append(button);
      list.append(entry);
    }
    $("no-rides").hidden = answer.body.rides.length > 0;
    $("rides").hidden = false;
    return answer.body.rides;
  }

  // -- start ---------------------------------------------------------------------------------

  async function start() {
    limitPassengers();
    const framed = window.parent !== window;
    if (!framed || !bridge || typeof bridge.token !== "function" || typeof bridge.fetch !== "function") {
      notice("outside_app");
      return;
    }
    let token = null;
    try {
      token = await bridge.token();
    } catch (error) {
      token = null;
    }
    if (!token) {
      notice("sign_in");
      return;
    }
    notice(null);
    const rides = await listRides();
    const asked = new URLSearchParams(window.location.search).get("ride");
    const current = rides.find((r) => r.id === asked) || rides.find((r) => ACTIVE.includes(r.state));
    if (current) {
      render(current);
      schedule();
    } else if ($("notice").textContent === "") {
      $("book").hidden = false;
    }
  }

  start();
})();
