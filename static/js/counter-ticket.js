// The ticket page: print through the browser's dialog, then back to the kiosk's start.
(function () {
  "use strict";
  var back = document.getElementById("back-to-start");
  document.getElementById("print-ticket").addEventListener("click", function () { window.print(); });
  window.setTimeout(function () { window.location.assign(back.href); }, 45 * 1000);
})();
