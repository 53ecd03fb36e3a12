// After a failed submit the error summary takes the focus (the GOV.UK pattern): a screen reader
// reads it at once, and a keyboard user's next Tab reaches its first link. Its links move the
// focus to the field they name.
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary");
  if (!summary) {
    return;
  }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (field) {
      event.preventDefault();
      field.focus();
    }
  });
})();
