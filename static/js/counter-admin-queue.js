// Removing junk tickets: one box selects or clears every ticket (shown only with JavaScript).
(function () {
  "use strict";
  var row = document.getElementById("select-all-row");
  var all = document.getElementById("select-all");
  if (!row || !all) { return; }
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input.ticket-choice"));
  row.hidden = false;
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
  boxes.forEach(function (box) {
    box.addEventListener("change", function () {
      all.checked = boxes.every(function (b) { return b.checked; });
    });
  });
})();
