/* The checkout page's hold countdown: "Time left to confirm: 9:41". The page works without
   it (it names the time the hold ends); this only shows the minutes left. Counted from the
   seconds the server gave, so a wrong clock on the phone does not matter. */
(function () {
  "use strict";
  var timer = document.querySelector("[data-hold-seconds]");
  if (!timer) {
    return;
  }
  var endsAt = Date.now() + parseInt(timer.getAttribute("data-hold-seconds"), 10) * 1000;
  var left = timer.getAttribute("data-left");
  var over = timer.getAttribute("data-over");

  function tick() {
    var seconds = Math.ceil((endsAt - Date.now()) / 1000);
    if (seconds <= 0) {
      timer.textContent = over;
      timer.setAttribute("role", "status");
      timer.setAttribute("aria-live", "polite");
      return;
    }
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    timer.textContent = left.replace("%(time)s", minutes + ":" + (rest < 10 ? "0" : "") + rest);
    window.setTimeout(tick, 1000);
  }

  timer.hidden = false;
  tick();
})();
