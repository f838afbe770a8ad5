// After a failed submission, focus the error summary (server-rendered in
// #form-errors): a screen reader reads it, and the page scrolls to it.
(function () {
  "use strict";
  var summary = document.getElementById("form-errors");
  if (summary) {
    summary.focus();
  }
})();
