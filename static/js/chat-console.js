// The agents' chat console: the waiting list (chat_waiting, take), and one held chat (join with
// the last seq shown, message, typing, read marks, canned answers, end with an outcome).
// Without JavaScript the page still lists, hands over and ends chats through its forms.
(function () {
  "use strict";
  var socket = io("/chat", { transports: ["websocket", "polling"] });

  // --- the waiting list ---------------------------------------------------------------------
  var board = document.getElementById("chat-console");
  if (board) {
    var t = board.dataset;
    var list = document.getElementById("waiting-list");
    var status = document.getElementById("console-status");

    var take = function (chatId) {
      socket.emit("take", { chat_id: chatId }, function (answer) {
        if (answer && answer.ok) {
          window.location.href = t.chatUrl.replace(/\/0$/, "/" + chatId);
        } else if (answer && answer.error) {
          status.textContent = answer.error.message;
        }
      });
    };

    list.addEventListener("click", function (event) {
      var button = event.target.closest(".take-button");
      if (button) { take(Number(button.dataset.chatId)); }
    });

    socket.on("chat_waiting", function (waiting) {
      var items = list.querySelectorAll("li[data-chat-id]");
      var personal = {};
      Array.prototype.forEach.call(items, function (li) {
        if (li.dataset.toYou === "1") { personal[li.dataset.chatId] = li; }
      });
      list.textContent = "";
      waiting.chats.forEach(function (chat) {
        var li = document.createElement("li");
        li.dataset.chatId = chat.chat_id;
        var name = document.createElement("strong");
        name.textContent = chat.name;
        var info = document.createElement("span");
        info.className = "muted";
        var minutes = Math.max(0, Math.floor((Date.now() - Date.parse(chat.waiting_since)) / 60000));
        info.textContent = " · " + (chat.topic || t.tFreeQuestion) + " · " +
          t.tWaiting.replace("{minutes}", minutes) + (chat.department ? " · " + chat.department : "") + " ";
        var button = document.createElement("button");
        button.type = "button";
        button.className = "secondary take-button";
        button.dataset.chatId = chat.chat_id;
        button.textContent = t.tTake;
        var hidden = document.createElement("span");
        hidden.className = "visually-hidden";
        hidden.textContent = ": " + chat.name;
        button.appendChild(hidden);
        li.appendChild(name);
        li.appendChild(info);
        if (chat.transferred) {  // handed over: marked, with the note for whoever takes it
          var mark = document.createElement("span");
          mark.className = "tag tag-warning";
          mark.textContent = t.tHandedOver;
          li.appendChild(mark);
          if (chat.note) {
            var note = document.createElement("span");
            note.className = "chat-note";
            note.textContent = t.tNote.replace("{note}", chat.note);
            li.appendChild(note);
          }
        }
        li.appendChild(button);
        list.appendChild(li);
      });
      Object.keys(personal).forEach(function (id) { list.appendChild(personal[id]); });
      if (!list.children.length) {
        var none = document.createElement("li");
        none.className = "muted";
        none.textContent = t.tNone;
        list.appendChild(none);
      }
    });
    socket.on("chat_transferred", function (chat) {
      if (chat.to_you) { window.location.reload(); }
    });
  }

  // --- one chat -------------------------------------------------------------------------------
  var pane = document.getElementById("agent-chat");
  if (!pane) { return; }
  var d = pane.dataset;
  var chatId = Number(d.chatId);
  var log = document.getElementById("chat-log");
  var statusLine = document.getElementById("agent-status");
  var typingLine = document.getElementById("chat-typing");
  var compose = document.getElementById("chat-compose");
  var text = document.getElementById("chat-text");
  var composeError = document.getElementById("chat-compose-error");
  var endForm = document.getElementById("chat-end");
  var canned = document.getElementById("canned");
  var shown = {};
  var lastSeq = 0;
  var outbox = [];
  var sending = false;
  var typingTimer = null;

  Array.prototype.forEach.call(log.children, function (li) { shown[li.dataset.seq] = true; });
  while (shown[lastSeq + 1]) { lastSeq += 1; }

  function who(from) { return from === "citizen" ? d.tCitizen : (from === "agent" ? d.tYou : d.tSystem); }

  function show(message) {
    if (message.chat_id !== undefined && message.chat_id !== chatId) { return; }
    if (shown[message.seq]) { return; }
    shown[message.seq] = true;
    var li = document.createElement("li");
    li.className = "chat-message from-" + message.from;
    li.dataset.seq = message.seq;
    [["chat-who", who(message.from)],
     ["chat-time", new Date(message.sent_at).toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit" })],
     ["chat-text", message.text]].forEach(function (part) {
      var span = document.createElement("span");
      span.className = part[0];
      span.textContent = part[1];
      li.appendChild(span);
    });
    var before = null;
    Array.prototype.forEach.call(log.children, function (item) {
      if (!before && Number(item.dataset.seq) > message.seq) { before = item; }
    });
    log.insertBefore(li, before);
    while (shown[lastSeq + 1]) { lastSeq += 1; }
    if (message.from === "citizen" && document.visibilityState === "visible") {
      socket.emit("read", { chat_id: chatId, seq: message.seq });
    }
  }

  function flush() {
    if (sending || !outbox.length || !socket.connected) { return; }
    sending = true;
    var next = outbox[0];
    socket.timeout(10000).emit("message", { chat_id: chatId, text: next }, function (err, answer) {
      sending = false;
      if (err) { return; }
      outbox.shift();
      if (answer && answer.ok) {
        show({ seq: answer.seq, from: "agent", text: next, sent_at: new Date().toISOString() });
      } else if (answer && answer.error) {
        composeError.textContent = answer.error.message;
      }
      flush();
    });
  }

  socket.on("connect", function () {
    statusLine.textContent = "";
    socket.emit("join", { chat_id: chatId, after: lastSeq }, function () { flush(); });
  });
  socket.on("disconnect", function () { statusLine.textContent = d.tOffline; });
  socket.on("message", function (message) {
    show(message);
    if (message.from === "citizen") { typingLine.textContent = ""; }
  });
  socket.on("typing", function (state) {
    if (state.chat_id === chatId) { typingLine.textContent = state.typing ? d.tTyping : ""; }
  });
  socket.on("read", function (mark) {
    if (mark.chat_id !== chatId) { return; }
    Array.prototype.forEach.call(log.querySelectorAll("li.from-agent"), function (li) {
      if (Number(li.dataset.seq) <= mark.seq && !li.querySelector(".chat-read")) {
        var span = document.createElement("span");
        span.className = "chat-read";
        span.textContent = d.tRead;
        li.appendChild(span);
      }
    });
  });
  socket.on("chat_ended", function (ended) {
    if (ended.chat_id === chatId) { statusLine.textContent = d.tLeft; text.disabled = true; }
  });
  socket.on("chat_transferred", function (moved) {
    if (moved.chat_id === chatId && !moved.to_you) { window.location.href = d.consoleUrl; }
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
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); compose.requestSubmit(); }
  });
  text.addEventListener("input", function () {
    if (typingTimer) { return; }
    socket.emit("typing", { chat_id: chatId, typing: true });
    typingTimer = setTimeout(function () {
      typingTimer = null;
      socket.emit("typing", { chat_id: chatId, typing: false });
    }, 3000);
  });
  if (canned) {
    canned.addEventListener("change", function () {
      if (!canned.value) { return; }
      text.value = text.value ? text.value + "\n" + canned.value : canned.value;
      canned.value = "";
      text.focus();
    });
  }
  endForm.addEventListener("submit", function (event) {
    if (!socket.connected) { return; }  // the form posts instead
    event.preventDefault();
    var outcome = document.getElementById("outcome").value;
    socket.emit("end", { chat_id: chatId, outcome: outcome }, function (answer) {
      if (answer && answer.ok) {
        window.location.href = d.consoleUrl;
      } else if (answer && answer.error) {
        statusLine.textContent = answer.error.message;
      }
    });
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && lastSeq) {
      socket.emit("read", { chat_id: chatId, seq: lastSeq });
    }
  });
})();
