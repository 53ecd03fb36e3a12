// Counter staff: the waiting list follows the queue live (/desk) and after every reconnect.
(function () {
  "use strict";
  var desk = document.getElementById("desk");
  var queue = document.getElementById("queue");
  var locationId = Number(desk.dataset.locationId);

  function refresh() {
    fetch(desk.dataset.queueUrl, { credentials: "same-origin" })
      .then(function (response) { if (response.ok) { return response.text(); } throw new Error(); })
      .then(function (html) { queue.innerHTML = html; })
      .catch(function () { /* the next event or reconnect refreshes */ });
  }

  // Many tickets change the queue within a second: refetch once for all of them.
  var pending = null;
  function soon() {
    if (pending === null) { pending = setTimeout(function () { pending = null; refresh(); }, 300); }
  }

  var socket = io("/desk", { transports: ["websocket", "polling"] });
  socket.on("connect", function () {
    socket.emit("watch", { location_id: locationId });
    refresh();
  });
  socket.on("queue_changed", soon);
  socket.on("ticket_called", soon);  // a call moves the queue too; no queue_changed follows it
})();
