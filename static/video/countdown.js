// The join page before the room opens: reload when it opens (or every 20 s while the
// room is being opened), so the family never has to.
(function () {
  "use strict";
  var el = document.getElementById("countdown");
  if (!el) return;
  var opensAt = el.getAttribute("data-opens-at");
  var wait = opensAt ? Date.parse(opensAt) - Date.now() + 1000 : 20000;
  window.setTimeout(function () { window.location.reload(); }, Math.max(wait, 1000));
})();
