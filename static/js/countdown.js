// Counts down the seconds before a new code may be sent (server-rendered in
// [data-countdown]); the button stays usable without JavaScript, where the
// server answers an early press with the same wait.
(function () {
  "use strict";
  document.querySelectorAll("[data-countdown]").forEach(function (note) {
    var remaining = parseInt(note.getAttribute("data-countdown"), 10);
    var seconds = note.querySelector("[data-countdown-seconds]");
    var button = document.getElementById(note.getAttribute("data-countdown-for"));
    if (!(remaining > 0) || !seconds) {
      return;
    }
    if (button) {
      button.disabled = true;
    }
    var timer = window.setInterval(function () {
      remaining -= 1;
      seconds.textContent = String(Math.max(remaining, 0));
      if (remaining <= 0) {
        window.clearInterval(timer);
        note.hidden = true;
        if (button) {
          button.disabled = false;
        }
      }
    }, 1000);
  });
})();
