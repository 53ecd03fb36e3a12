// The citizen's chat. No message lost or shown twice: every message has a number (seq), the
// page keeps the last one it showed, and a reconnect (a dropped socket, a page reload) resumes
// with {chat_id, resume_token, after} so the server replays exactly what was missed. Messages
// go out one at a time, each after the previous one's ack, so they keep the order typed.
(function () {
  "use strict";
  var box = document.getElementById("chat-widget");
  if (!box) { return; }
  var t = box.dataset;
  var KEY = "loket.chat";
  var startForm = document.getElementById("chat-start");
  var room = document.getElementById("chat-room");
  var log = document.getElementById("chat-log");
  var statusLine = document.getElementById("chat-status");
  var typingLine = document.getElementById("chat-typing");
  var compose = document.getElementById("chat-compose");
  var text = document.getElementById("chat-text");
  var composeError = document.getElementById("chat-compose-error");
  var startError = document.getElementById("chat-start-error");
  var leave = document.getElementById("chat-leave");

  var saved = null;
  try { saved = JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch (e) { saved = null; }
  var shown = {};      // seq -> true: what this page shows
  var lastSeq = 0;     // the highest seq shown without a gap
  var outbox = [];     // texts typed, not yet acknowledged
  var sending = false;
  var socket = null;
  var ended = false;
  var typingTimer = null;

  function remember() {
    if (saved) { sessionStorage.setItem(KEY, JSON.stringify(saved)); }
  }

  function say(line) { if (statusLine.textContent !== line) { statusLine.textContent = line; } }

  function who(from) {
    return from === "citizen" ? t.tYou : (from === "agent" ? t.tAgent : t.tSystem);
  }

  function show(message) {
    if (shown[message.seq]) { return; }
    shown[message.seq] = true;
    var item = document.createElement("li");
    item.className = "chat-message from-" + message.from;
    item.dataset.seq = message.seq;
    var name = document.createElement("span");
    name.className = "chat-who";
    name.textContent = who(message.from);
    var when = document.createElement("span");
    when.className = "chat-time";
    when.textContent = new Date(message.sent_at).toLocaleTimeString(t.language, { hour: "2-digit", minute: "2-digit" });
    var body = document.createElement("span");
    body.className = "chat-text";
    body.textContent = message.text;  // as typed, never as HTML
    item.appendChild(name);
    item.appendChild(when);
    item.appendChild(body);
    var after = null;
    Array.prototype.forEach.call(log.children, function (li) {
      if (!after && Number(li.dataset.seq) > message.seq) { after = li; }
    });
    log.insertBefore(item, after);
    while (shown[lastSeq + 1]) { lastSeq += 1; }
    if (saved) { saved.after = lastSeq; remember(); }
    if (message.from !== "citizen" && document.visibilityState === "visible") {
      socket.emit("read", { seq: message.seq });
    }
  }

  function markRead(seq) {
    Array.prototype.forEach.call(log.querySelectorAll("li.from-citizen"), function (li) {
      if (Number(li.dataset.seq) <= seq && !li.querySelector(".chat-read")) {
        var mark = document.createElement("span");
        mark.className = "chat-read";
        mark.textContent = t.tRead;
        li.appendChild(mark);
      }
    });
  }

  function flush() {
    if (sending || !outbox.length || !socket || !socket.connected || ended) { return; }
    sending = true;
    var next = outbox[0];
    socket.timeout(10000).emit("message", { text: next }, function (err, answer) {
      sending = false;
      if (err) { return; }  // no ack: resent after the reconnect's replay
      outbox.shift();
      if (answer && answer.ok) {
        show({ seq: answer.seq, from: "citizen", text: next, sent_at: new Date().toISOString() });
      } else if (answer && answer.error) {
        composeError.textContent = answer.error.message;
        if (answer.error.code === "too_fast") { outbox.unshift(next); setTimeout(flush, 3000); return; }
      }
      flush();
    });
  }

  // The agent offers video: the call has its own page (the only one allowed to ask for the
  // camera and microphone), with this chat beside it; the chat's key goes in the #fragment.
  function offerVideo() {
    if (!saved || ended) { return; }
    var link = document.getElementById("chat-video-link");
    link.href = link.pathname + "#chat_id=" + saved.chat_id +
      "&resume_token=" + encodeURIComponent(saved.resume_token);
    document.getElementById("chat-video-offer").hidden = false;
    say(t.tVideo);
  }

  function finish() {
    document.getElementById("chat-video-offer").hidden = true;
    ended = true;
    say(t.tEnded);
    typingLine.textContent = "";
    text.disabled = true;
    Array.prototype.forEach.call(compose.querySelectorAll("button"), function (b) { b.disabled = true; });
    sessionStorage.removeItem(KEY);
  }

  function connect(firstAuth) {
    room.hidden = false;
    startForm.hidden = true;
    socket = io("/chat", {
      transports: ["websocket", "polling"],
      auth: function (cb) {
        cb(saved ? { chat_id: saved.chat_id, resume_token: saved.resume_token, after: lastSeq } : firstAuth);
      },
    });
    socket.on("chat_started", function (started) {
      saved = { chat_id: started.chat_id, resume_token: started.resume_token, after: 0 };
      remember();
      text.focus();
    });
    socket.on("chat_queue", function (state) {
      say(t.tPlace.replace("{place}", state.place).replace("{minutes}", state.wait_minutes));
    });
    socket.on("chat_taken", function (taken) { say(t.tTaken.replace("{name}", taken.agent_name)); });
    socket.on("message", function (message) {
      // A replayed message of our own that never got its ack is not sent again.
      if (message.from === "citizen" && outbox.length && outbox[0] === message.text && !shown[message.seq]) {
        outbox.shift();
      }
      show(message);
      if (message.from === "agent") { typingLine.textContent = ""; }
    });
    socket.on("typing", function (state) { typingLine.textContent = state.typing ? t.tTyping : ""; });
    socket.on("read", function (mark) { markRead(mark.seq); });
    socket.on("chat_ended", finish);
    socket.on("video_invite", offerVideo);
    socket.on("connect", function () {
      if (composeError.textContent === t.tOffline) { composeError.textContent = ""; }
      flush();
      if (saved) {  // an invitation sent while this page was away (video.js, chat.signalling)
        socket.emit("video_status", { chat_id: saved.chat_id }, function (state) {
          if (state && state.invited && !state.started) { offerVideo(); }
        });
      }
    });
    socket.on("disconnect", function () { if (!ended) { composeError.textContent = t.tOffline; } });
    socket.on("connect_error", function (error) {
      if (!saved) {
        room.hidden = true;
        startForm.hidden = false;
        startError.textContent = refusalText(error.message);
        socket.close();
        document.getElementById("chat-name").focus();
      } else if (error.message === "resume_refused") {
        sessionStorage.removeItem(KEY);
        composeError.textContent = t.tRefused;
        socket.close();
      }
    });
  }

  // A refused start says why in a code ("invalid_phone"); the page has its words.
  function refusalText(code) {
    var key = "e" + String(code).split("_").map(function (part) {
      return part.charAt(0).toUpperCase() + part.slice(1);
    }).join("");
    return t[key] || t.eOther;
  }

  startForm.addEventListener("submit", function (event) {
    event.preventDefault();
    startError.textContent = "";
    var form = new FormData(startForm);
    if (!String(form.get("name") || "").trim()) {
      startError.textContent = t.eNameRequired;
      document.getElementById("chat-name").focus();
      return;
    }
    var auth = { name: form.get("name"), language: t.language, consent: form.get("consent") === "on" };
    ["phone", "email"].forEach(function (key) { if (form.get(key)) { auth[key] = form.get(key); } });
    if (form.get("service_id")) { auth.service_id = Number(form.get("service_id")); }
    connect(auth);
  });

  compose.addEventListener("submit", function (event) {
    event.preventDefault();
    var value = text.value.trim();
    composeError.textContent = "";
    if (!value) { return; }
    outbox.push(value);
    text.value = "";
    flush();
  });

  text.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      compose.requestSubmit();
    }
  });

  text.addEventListener("input", function () {
    if (!socket || typingTimer) { return; }
    socket.emit("typing", { typing: true });
    typingTimer = setTimeout(function () {
      typingTimer = null;
      if (socket) { socket.emit("typing", { typing: false }); }
    }, 3000);
  });

  leave.addEventListener("click", function () {
    if (socket) { socket.emit("end", {}, function () { finish(); }); }
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && socket && lastSeq) {
      socket.emit("read", { seq: lastSeq });
    }
  });

  if (saved) { connect(null); }
})();
