// Kiosk: a press sends the form with a one-time key and keeps retrying through a short network
// drop; the server returns the first ticket for a repeated key, so a retry never prints two.
// A refusal ("too early", "reference not found", "closed") is shown here, on this page. An
// untouched kiosk goes back to the default language after a while, for the next citizen.
(function () {
  "use strict";
  var script = document.getElementById("kiosk-script");
  var status = document.getElementById("kiosk-status");
  var busy = false;

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function clearErrors() {
    document.querySelectorAll(".kiosk-error").forEach(function (box) { box.replaceChildren(); });
  }

  function showError(form, message) {
    var box = document.getElementById(form.dataset.errors || "kiosk-error");
    var text = document.createElement("p");
    text.className = "flash flash-error";
    text.textContent = message;
    box.replaceChildren(text);
    box.scrollIntoView({ block: "center" });
  }

  function send(form, attempt) {
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (response.status >= 500 || response.status === 429) { throw new Error("retry"); }
        return response.json().then(function (answer) {
          if (response.ok && answer.location) {
            window.location.assign(answer.location);
            return;
          }
          busy = false;
          status.textContent = "";
          showError(form, answer.error ? answer.error.message : script.dataset.offline);
        });
      })
      .catch(function () {
        status.textContent = script.dataset.offline;
        if (attempt < 30) {
          window.setTimeout(function () { send(form, attempt + 1); }, Math.min(1000 * attempt, 5000));
        } else {
          busy = false;
          status.textContent = "";
        }
      });
  }

  document.querySelectorAll("form.kiosk-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) { return; }
      busy = true;
      clearErrors();
      var key = form.querySelector("input[name=submission_key]");
      if (key) { key.value = newKey(); }
      status.textContent = script.dataset.busy;
      send(form, 1);
    });
  });

  // The last citizen's language stays only while someone uses the kiosk.
  var idle = Number(script.dataset.idleSeconds) * 1000;
  var fallback = document.querySelector(
    ".kiosk-languages button[lang='" + script.dataset.defaultLanguage + "']");
  var idleTimer = null;
  function restartIdle() {
    window.clearTimeout(idleTimer);
    idleTimer = window.setTimeout(function () {
      if (!busy) { fallback.form.requestSubmit(fallback); }
    }, idle);
  }
  if (idle > 0 && fallback && script.dataset.language !== script.dataset.defaultLanguage) {
    ["pointerdown", "keydown", "input"].forEach(function (name) {
      document.addEventListener(name, restartIdle, true);
    });
    restartIdle();
  }

  // A kiosk stays on this page all day: reload it after a while so opening hours stay current.
  window.setTimeout(function () { if (!busy) { window.location.reload(); } }, 10 * 60 * 1000);
})();
