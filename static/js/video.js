// A video call beside its chat (templates/chat/video.html). Loket only relays the call's
// set-up over /chat: the agent invites (video_invite), the citizen reads what will happen and
// agrees (video_ready, after the browser gave camera and microphone) or stays in the chat
// (video_declined); the agent's page then sends the WebRTC offer, the citizen's page answers,
// ICE candidates follow, and either side's hang-up ends it. Picture and sound go browser to
// browser (or through TURN), never through Loket, and nothing is recorded.
(function () {
  "use strict";
  var box = document.getElementById("video-call");
  if (!box) { return; }
  var side = box.dataset.side;
  var texts = box.dataset;
  var statusLine = document.getElementById("video-status");
  var stage = document.getElementById("video-stage");
  var remoteVideo = document.getElementById("remote-video");
  var localVideo = document.getElementById("local-video");
  var cameraButton = document.getElementById("toggle-camera");
  var hangUpButton = document.getElementById("hang-up");
  var log = document.getElementById("chat-messages");
  var form = document.getElementById("chat-form");
  var consent = document.getElementById("video-consent");

  // The citizen's chat: from the join page, else from the widget's link (#chat_id=…&resume_token=…,
  // a fragment: never sent to a server, never in a log).
  // In the same tab, the widget's own record of its chat (chat-widget.js) will do as well.
  var fragment = new URLSearchParams(window.location.hash.slice(1));
  var widget = {};
  try { widget = JSON.parse(sessionStorage.getItem("loket.chat") || "{}") || {}; } catch (e) { widget = {}; }
  var chatId = Number(box.dataset.chatId || fragment.get("chat_id") || widget.chat_id);
  var resumeToken = box.dataset.resumeToken || fragment.get("resume_token") || widget.resume_token || "";
  if (side === "citizen" && window.location.hash) {
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  if (!chatId || (side === "citizen" && !resumeToken)) {
    say(texts.textNoChat);
    return;
  }

  var lastSeq = 0;
  var peer = null;
  var localStream = null;
  var pendingCandidates = [];
  var audioOnly = false;

  function say(text) { statusLine.textContent = text; }

  function refusedSay(ack) {
    if (ack && ack.ok === false) {
      var reason = ack.error && ack.error.message ? ack.error.message : String(ack.error);
      say(texts.textRefused.replace("{reason}", reason));
    }
  }

  // A page that reconnects during its call says so (video_chat): the server keeps the call for
  // a few seconds after a socket drops, and ends it unless the page is back (chat.video_presence).
  function inCall() { return Boolean(peer || localStream); }
  var socket = io("/chat", {
    transports: ["websocket", "polling"],
    auth: function (send) {
      var auth = side === "citizen" ? { chat_id: chatId, resume_token: resumeToken, after: lastSeq } : {};
      if (inCall()) { auth.video_chat = chatId; }
      send(auth);
    },
  });

  // --- the chat beside the call ----------------------------------------------------------
  Array.prototype.forEach.call(log.querySelectorAll("li[data-seq]"), function (item) {
    lastSeq = Math.max(lastSeq, Number(item.dataset.seq));
  });

  function authorLabel(from) {
    if (from === side) { return texts.textYou; }
    if (from === "system") { return texts.textSystem; }
    return from === "agent" ? texts.textAgent : texts.textCitizen;
  }

  function showMessage(message) {
    if (message.chat_id !== chatId || message.seq <= lastSeq) { return; }
    lastSeq = message.seq;
    var item = document.createElement("li");
    item.dataset.seq = message.seq;
    var who = document.createElement("strong");
    who.textContent = authorLabel(message.from) + ": ";
    var words = document.createElement("span");
    words.textContent = message.text;  // as typed: never HTML
    item.appendChild(who);
    item.appendChild(words);
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  socket.on("message", showMessage);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var field = document.getElementById("chat-text");
    var text = field.value.trim();
    if (!text) { return; }
    socket.emit("message", { chat_id: chatId, text: text }, function (ack) {
      if (ack && ack.seq) { field.value = ""; } else { refusedSay(ack); }
    });
  });

  // --- the call -----------------------------------------------------------------------------
  function signal(type, payload) {
    socket.emit("signal", { chat_id: chatId, type: type, payload: payload }, refusedSay);
  }

  function iceServers() {
    var headers = side === "citizen" ? { "X-Chat-Resume": chatId + ":" + resumeToken } : {};
    return fetch(texts.iceUrl, { credentials: "same-origin", headers: headers })
      .then(function (response) { return response.json(); })
      .then(function (body) { return body.ice_servers || []; })
      .catch(function () { return []; });
  }

  function getMedia(withVideo) {
    return navigator.mediaDevices.getUserMedia({ audio: true, video: withVideo }).then(function (stream) {
      localStream = stream;
      localVideo.srcObject = stream;
      stage.hidden = false;
      cameraButton.hidden = !withVideo;
      return stream;
    });
  }

  function newPeer(servers) {
    peer = new RTCPeerConnection({ iceServers: servers });
    window.loketPeer = peer;  // the browser tests read getStats() from it
    peer.onicecandidate = function (event) {
      if (event.candidate) { signal("candidate", event.candidate.toJSON()); }
    };
    peer.ontrack = function (event) {
      if (remoteVideo.srcObject !== event.streams[0]) { remoteVideo.srcObject = event.streams[0]; }
    };
    peer.onconnectionstatechange = function () {
      if (peer && peer.connectionState === "connected") { say(texts.textConnected); }
    };
    localStream.getTracks().forEach(function (track) { peer.addTrack(track, localStream); });
    return peer;
  }

  function addPendingCandidates() {
    pendingCandidates.splice(0).forEach(function (candidate) {
      peer.addIceCandidate(candidate).catch(function () {});
    });
  }

  function endCall(text) {
    if (peer) { peer.close(); peer = null; }
    if (localStream) { localStream.getTracks().forEach(function (track) { track.stop(); }); }
    localStream = null;
    localVideo.srcObject = null;
    remoteVideo.srcObject = null;
    stage.hidden = true;
    pendingCandidates = [];
    say(text);
    if (side === "agent") { document.getElementById("offer-video").hidden = false; }
  }

  socket.on("signal", function (message) {
    if (message.chat_id !== chatId) { return; }
    var payload = message.payload;
    if (message.type === "offer" && side === "citizen" && localStream) {
      say(texts.textConnecting);
      iceServers().then(function (servers) {
        if (peer) { peer.close(); }
        newPeer(servers);
        return peer.setRemoteDescription(payload);
      }).then(function () {
        addPendingCandidates();
        return peer.createAnswer();
      }).then(function (answer) {
        return peer.setLocalDescription(answer).then(function () {
          signal("answer", { type: answer.type, sdp: answer.sdp, audio_only: audioOnly });
        });
      });
    } else if (message.type === "answer" && side === "agent" && peer) {
      peer.setRemoteDescription({ type: payload.type, sdp: payload.sdp }).then(addPendingCandidates);
    } else if (message.type === "candidate") {
      if (peer && peer.remoteDescription) {
        peer.addIceCandidate(payload).catch(function () {});
      } else {
        pendingCandidates.push(payload);
      }
    } else if (message.type === "hangup") {
      endCall(texts.textPeerEnded);
    }
  });

  hangUpButton.addEventListener("click", function () {
    signal("hangup", {});
    endCall(texts.textEnded);
  });

  // Closing or reloading the page ends the call at once for the other side, where the browser
  // still sends it; otherwise the server ends it when the socket does not come back.
  window.addEventListener("pagehide", function () {
    if (!inCall()) { return; }
    socket.emit("signal", { chat_id: chatId, type: "hangup", payload: { reason: "closed" } });
    endCall(texts.textEnded);
  });

  cameraButton.addEventListener("click", function () {
    if (!localStream) { return; }
    var on = cameraButton.getAttribute("aria-pressed") !== "true";  // pressed = camera off
    localStream.getVideoTracks().forEach(function (track) { track.enabled = !on; });
    cameraButton.setAttribute("aria-pressed", on ? "true" : "false");
    cameraButton.textContent = on ? texts.textCameraOn : texts.textCameraOff;
  });

  if (side === "agent") {
    var offerButton = document.getElementById("offer-video");
    offerButton.addEventListener("click", function () {
      var start = localStream ? Promise.resolve(localStream) : getMedia(true);
      start.then(function () {
        socket.emit("video_invite", { chat_id: chatId }, function (ack) {
          if (ack && ack.ok) { offerButton.hidden = true; say(texts.textWaiting); } else { refusedSay(ack); }
        });
      }).catch(function () { say(texts.textNoMedia); });
    });
    socket.on("video_ready", function (message) {
      if (message.chat_id !== chatId || !localStream) { return; }
      say(texts.textReady);
      iceServers().then(function (servers) {
        if (peer) { peer.close(); }
        newPeer(servers);
        return peer.createOffer();
      }).then(function (offer) {
        return peer.setLocalDescription(offer).then(function () {
          signal("offer", { type: offer.type, sdp: offer.sdp });
        });
      });
    });
    socket.on("video_declined", function (message) {
      if (message.chat_id === chatId) { endCall(texts.textDeclined); }
    });
  } else {
    var showInvitation = function () {
      consent.hidden = false;
      say(texts.textInvited);
    };
    socket.on("video_invite", function (message) {
      if (message.chat_id === chatId) { showInvitation(); }
    });
    socket.on("connect", function () {
      socket.emit("video_status", { chat_id: chatId }, function (ack) {
        if (ack && ack.ok && ack.invited && !ack.started && !localStream) { showInvitation(); }
      });
    });
    var accept = function (withVideo) {
      audioOnly = !withVideo;
      getMedia(withVideo).then(function () {
        consent.hidden = true;
        say(texts.textConnecting);
        socket.emit("video_ready", { chat_id: chatId, audio_only: audioOnly }, refusedSay);
        hangUpButton.focus();
      }).catch(function () { say(texts.textNoMedia); });
    };
    document.getElementById("start-video").addEventListener("click", function () { accept(true); });
    document.getElementById("start-audio").addEventListener("click", function () { accept(false); });
    document.getElementById("stay-in-chat").addEventListener("click", function () {
      socket.emit("video_declined", { chat_id: chatId }, refusedSay);
      consent.hidden = true;
      say(texts.textEnded);
      document.getElementById("chat-text").focus();
    });
  }
})();
