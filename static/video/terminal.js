// The terminal's schedule refreshes itself every minute without anyone touching it, and
// says so plainly when the network is down.
(function () {
  "use strict";
  var home = document.getElementById("terminal-home");
  if (!home) return;
  var seconds = parseInt(home.getAttribute("data-refresh-seconds"), 10) || 60;
  function refresh() {
    if (document.activeElement && document.activeElement.tagName === "INPUT" && document.activeElement.value) {
      return; // someone is typing: next time
    }
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok && response.status !== 400) throw new Error(String(response.status));
        if (response.redirected) { window.location.href = response.url; return; }
        return response.text();
      })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("terminal-home");
        if (fresh) {
          home.innerHTML = fresh.innerHTML;
        } else {
          window.location.reload();
        }
      })
      .catch(function () {
        var offline = document.getElementById("offline");
        if (offline) offline.hidden = false;
      });
  }
  window.setInterval(refresh, seconds * 1000);
})();
