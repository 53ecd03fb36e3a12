// The day-choosing month as one keyboard stop (the WAI-ARIA date grid, as in GOV.UK's date
// picker): Tab reaches the chosen day only; the arrow keys move a day or a week, Home and End
// to the start and end of the week, Page Up and Page Down to the month before and after, and
// Enter opens a day with free times (it is a link). Days without free time can be reached and
// read, and choose nothing. Without this script every free day is its own link in Tab order.
(function () {
  "use strict";
  var grid = document.querySelector("table.month-grid");
  if (!grid) {
    return;
  }
  var days = Array.prototype.slice.call(grid.querySelectorAll("td[data-day] > a, td[data-day] > span"));
  if (!days.length) {
    return;
  }
  grid.setAttribute("role", "grid");
  var current = days.findIndex(function (day) { return day.tagName === "A"; });
  days.forEach(function (day, index) {
    day.setAttribute("tabindex", index === Math.max(current, 0) ? "0" : "-1");
  });

  function weekday(index) {
    return (new Date(days[index].parentNode.getAttribute("data-day") + "T12:00:00").getDay() + 6) % 7;
  }

  function move(index) {
    if (index < 0 || index >= days.length) {
      return;
    }
    days.forEach(function (day) { day.setAttribute("tabindex", "-1"); });
    days[index].setAttribute("tabindex", "0");
    days[index].focus();
  }

  function followPager(rel) {
    var link = document.querySelector(".pager a[rel='" + rel + "']");
    if (link) {
      window.location.assign(link.href);
    }
  }

  grid.addEventListener("keydown", function (event) {
    var index = days.indexOf(event.target);
    if (index < 0 || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    var steps = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 };
    if (event.key in steps) {
      move(index + steps[event.key]);
    } else if (event.key === "Home") {
      move(Math.max(index - weekday(index), 0));
    } else if (event.key === "End") {
      move(Math.min(index + 6 - weekday(index), days.length - 1));
    } else if (event.key === "PageUp") {
      followPager("prev");
    } else if (event.key === "PageDown") {
      followPager("next");
    } else {
      return;
    }
    event.preventDefault();
  });
})();
