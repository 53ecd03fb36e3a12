// The citizen's phone: refetch the ticket's state whenever the location's queue moves, and
// after every reconnect (Socket.IO reconnects by itself after a network drop).
(function () {
  "use strict";
  var box = document.getElementById("follow");
  var status = document.getElementById("follow-status");

  function refresh() {
    fetch(box.dataset.stateUrl, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (view) {
        var text;
        if (view.status === "waiting") {
          text = status.dataset.waiting.replace("{ahead}", view.position)
            .replace("{minutes}", view.estimated_wait_minutes);
        } else if (view.status === "called") {
          text = status.dataset.called.replace("{counter}", view.counter);
          if (navigator.vibrate) { navigator.vibrate([300, 100, 300]); }
        } else if (view.status === "parked") {
          text = status.dataset.parked;
        } else if (view.status === "removed") {
          text = status.dataset.removed;
        } else {
          text = status.dataset.done;
        }
        if (status.textContent.trim() !== text) { status.textContent = text; }
      })
      .catch(function () { /* offline: the next event or reconnect refreshes */ });
  }

  // Many tickets change the queue within a second: refetch once for all of them.
  var pending = null;
  function soon() {
    if (pending === null) { pending = setTimeout(function () { pending = null; refresh(); }, 300); }
  }

  var socket = io("/display", {
    auth: { location_id: Number(box.dataset.locationId), follow: true },
    transports: ["websocket", "polling"],
  });
  socket.on("connect", refresh);
  socket.on("queue_changed", soon);
  socket.on("ticket_called", soon);
})();
