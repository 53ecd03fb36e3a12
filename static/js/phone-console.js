// The phone console: queues follow the lines live (/desk), the screen pop arrives as
// `call_assigned` for this agent only, and the browser is the agent's phone (Twilio Voice SDK).
(function () {
  "use strict";
  var root = document.getElementById("phone-console");
  var queues = document.getElementById("phone-queues");
  var current = document.getElementById("current-call");
  var phoneState = document.getElementById("browser-phone");

  function fetchText(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (response.ok) { return response.text(); }
      throw new Error(String(response.status));
    });
  }

  function refreshQueues() {
    fetchText(root.dataset.queuesUrl)
      .then(function (html) { queues.innerHTML = html; })
      .catch(function () { /* the next event or reconnect refreshes */ });
  }

  // A burst of calls changes the queues many times a second: refetch once for all of them.
  var pending = null;
  function soon() {
    if (pending === null) { pending = setTimeout(function () { pending = null; refreshQueues(); }, 300); }
  }

  function showPop(callId) {
    fetchText(root.dataset.popUrl.replace(/\/0\/pop$/, "/" + callId + "/pop"))
      .then(function (html) {
        current.innerHTML = html;
        current.focus();
      })
      .catch(function () { /* the page shows the call when reloaded */ });
  }

  var socket = io("/desk", { transports: ["websocket", "polling"] });
  socket.on("connect", function () {
    socket.emit("watch_phone", {}, function () { root.dataset.connected = "yes"; });
    refreshQueues();
  });
  socket.on("disconnect", function () { root.dataset.connected = "no"; });
  socket.on("phone_queues", soon);
  // This agent's status as the work moves it (a call taken, ended, logged; a phone system's
  // answer through CTI).
  var status = document.getElementById("agent-status");
  var statusLabels = JSON.parse(status.dataset.labels);
  var phoneLabels = JSON.parse(phoneState.dataset.labels || "{}");
  socket.on("agent_status", function (data) {
    if (String(data.staff_id) !== status.dataset.staffId) { return; }
    if (statusLabels[data.status]) { status.textContent = statusLabels[data.status]; }
    // An administrator changed how this agent takes calls: this page's phone is the old one.
    if (data.device && data.device !== root.dataset.device) {
      phoneState.textContent = phoneLabels.changed || "";
    }
  });
  socket.on("call_assigned", function (data) { showPop(data.call_id); });

  // The browser phone: a token from Loket, a Twilio Device that answers the calls the agent
  // took (Loket bridges them to this agent's client name) and dials the number the agent
  // asked for ("Call a number": the server checked it and put it in data-dial; Twilio then
  // asks Loket's /phone/outgoing for this call).
  if (root.dataset.device !== "browser" || !window.Twilio || !window.Twilio.Device) { return; }
  function say(text) { phoneState.textContent = text; }
  var hangUp = document.getElementById("hang-up");
  function token() {
    return fetch(root.dataset.tokenUrl, { credentials: "same-origin" }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) { throw new Error(body.error ? body.error.message : ""); }
        return body.token;
      });
    });
  }
  var labels = phoneLabels;
  // While a call is up the agent can hang up; every way a call ends puts the phone back.
  function during(call) {
    hangUp.hidden = false;
    function ended() { hangUp.hidden = true; say(labels.ready || ""); }
    ["disconnect", "cancel", "reject", "error"].forEach(function (name) { call.on(name, ended); });
  }
  token().then(function (jwt) {
    var device = new window.Twilio.Device(jwt, { closeProtection: true });
    device.on("registered", function () { say(labels.ready || ""); });
    device.on("error", function () { say(labels.error || ""); });
    device.on("incoming", function (call) { call.accept(); say(labels.talking || ""); during(call); });
    device.on("tokenWillExpire", function () { token().then(function (fresh) { device.updateToken(fresh); }); });
    hangUp.addEventListener("click", function () { device.disconnectAll(); });
    device.register();
    var number = root.dataset.dial;
    if (number) {
      say(labels.dialling || "");
      device.connect({ params: { To: number } }).then(function (call) {
        during(call);
        call.on("accept", function () { say(labels.talking || ""); });
      }).catch(function () { say(labels.error || ""); });
    }
  }).catch(function (error) { say(error.message || labels.error || ""); });
})();
