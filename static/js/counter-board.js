// Waiting-room board: live calls over Socket.IO (/display), a chime made with the Web Audio
// API (no sound files or speech services from the internet). Socket.IO reconnects by itself;
// the server sends the whole board again on every (re)connect, and the page asks for it every
// minute too, so that "closed" follows the opening hours. The clock shows Brussels time.
(function () {
  "use strict";
  var script = document.getElementById("board-script");
  var rows = document.getElementById("board-rows");
  var nowNumber = document.getElementById("board-now-number");
  var nowCounter = document.getElementById("board-now-counter");
  var connection = document.getElementById("board-connection");
  var soundButton = document.getElementById("board-sound");
  var nowCall = document.getElementById("board-now-call");
  var empty = document.getElementById("board-empty");
  var closed = document.getElementById("board-closed");
  var clock = document.getElementById("board-clock");
  var audio = null;
  var open = closed.hidden;

  var clockFormat = new Intl.DateTimeFormat(script.dataset.language + "-BE", {
    hour: "2-digit", minute: "2-digit", timeZone: "Europe/Brussels",
  });
  function tick() {
    var now = new Date();
    clock.textContent = clockFormat.format(now);
    clock.setAttribute("datetime", now.toISOString());
  }
  tick();
  window.setInterval(tick, 1000);

  function chime() {
    if (!audio) { return; }
    [[659.25, 0], [523.25, 0.35]].forEach(function (note) {
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      var start = audio.currentTime + note[1];
      osc.frequency.value = note[0];
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.4, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.9);
      osc.connect(gain).connect(audio.destination);
      osc.start(start);
      osc.stop(start + 1);
    });
  }

  soundButton.addEventListener("click", function () {
    if (!audio) { audio = new (window.AudioContext || window.webkitAudioContext)(); }
    var on = soundButton.getAttribute("aria-pressed") !== "true";
    soundButton.setAttribute("aria-pressed", on ? "true" : "false");
    // The label says what pressing it does next.
    soundButton.textContent = on ? script.dataset.soundOff : script.dataset.soundOn;
    if (!on) { audio.suspend(); } else { audio.resume(); chime(); }
  });

  function row(call) {
    var tr = document.createElement("tr");
    [call.number, call.counter].forEach(function (text) {
      var td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    });
    return tr;
  }

  function show(called) {
    rows.replaceChildren.apply(rows, called.map(row));
    nowNumber.textContent = called.length ? called[0].number : "";
    nowCounter.textContent = called.length ? called[0].counter : "";
    nowCall.hidden = !open || !called.length;
    empty.hidden = !open || called.length > 0;
    closed.hidden = open;
  }

  function refresh() {
    fetch(script.dataset.stateUrl, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) { return; }
        open = state.open;
        calls = state.called;
        show(calls);
      })
      .catch(function () { /* the socket's own reconnect says the connection is lost */ });
  }
  window.setInterval(refresh, 60 * 1000);

  var calls = [];
  var socket = io("/display", {
    auth: { location_id: Number(script.dataset.locationId) },
    transports: ["websocket", "polling"],
  });
  socket.on("disconnect", function () {
    connection.textContent = script.dataset.offline;
    document.body.dataset.boardConnected = "no";
  });
  socket.on("board_state", function (state) {
    open = state.open;
    calls = state.called;
    show(calls);
    connection.textContent = "";
    document.body.dataset.boardConnected = "yes";
  });
  socket.on("ticket_called", function (call) {
    open = true;  // a counter calls: the office is open
    calls = [call].concat(calls.filter(function (c) { return c.number !== call.number; })).slice(0, 6);
    show(calls);
    document.body.classList.remove("board-flash");
    void document.body.offsetWidth;
    document.body.classList.add("board-flash");
    chime();
  });
})();
