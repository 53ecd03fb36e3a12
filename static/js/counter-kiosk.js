// Kiosk: a press sends the form with a one-time key and keeps retrying through a short network
// drop; the server returns the first ticket for a repeated key, so a retry never prints two.
(function () {
  "use strict";
  var script = document.getElementById("kiosk-script");
  var status = document.getElementById("kiosk-status");
  var busy = false;

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function send(form, attempt) {
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) {
        if (response.status >= 500 || response.status === 429) { throw new Error("retry"); }
        window.location.assign(response.url);
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
      var key = form.querySelector("input[name=submission_key]");
      if (key) { key.value = newKey(); }
      status.textContent = script.dataset.busy;
      send(form, 1);
    });
  });

  // A kiosk stays on this page all day: reload it after a while so opening hours stay current.
  window.setTimeout(function () { if (!busy) { window.location.reload(); } }, 10 * 60 * 1000);
})();
