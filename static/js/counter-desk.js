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

  var socket = io("/desk", { transports: ["websocket", "polling"] });
  socket.on("connect", function () {
    socket.emit("watch", { location_id: locationId });
    refresh();
  });
  socket.on("queue_changed", refresh);
})();
