// The live board updates itself in place every few seconds (the server's figures: who is
// connected, time left, warnings), keeping the scroll position and focus, and can be paused:
// a page that changes on its own must let the person reading it stop that.
(function () {
  "use strict";
  var area = document.getElementById("live-area");
  var pause = document.getElementById("live-pause");
  if (!area || !pause) return;
  var seconds = parseInt(area.getAttribute("data-refresh-seconds"), 10) || 20;
  var pauseText = pause.textContent;
  var resumeText = pause.getAttribute("data-resume");
  var paused = false;
  pause.hidden = false;
  pause.addEventListener("click", function () {
    paused = !paused;
    pause.setAttribute("aria-pressed", String(paused));
    pause.textContent = paused ? resumeText : pauseText;
    if (!paused) refresh();
  });
  function refresh() {
    if (paused) return;
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.redirected || !response.ok) { window.location.reload(); return null; }
        return response.text();
      })
      .then(function (html) {
        if (!html || paused) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("live-area");
        if (fresh) area.innerHTML = fresh.innerHTML;
      })
      .catch(function () { /* the next round tries again */ });
  }
  window.setInterval(refresh, seconds * 1000);
})();
