// The console's silent watch page: joins the visit's room only as a subscriber (no camera,
// no microphone, nothing sent), receives both sides, and shows when the room closes.
// The publishers' ids come from the site (feedsUrl), which asks Janus.
// window.watchCall exposes the state for the browser test.
(function () {
  "use strict";
  var cfgEl = document.getElementById("video-config");
  if (!cfgEl) return;
  var cfg = JSON.parse(cfgEl.textContent);
  var $ = function (id) { return document.getElementById(id); };
  var PLUGIN = "janus.plugin.videoroom";
  var call = (window.watchCall = { state: "joining", feeds: [] });
  var janus = null, handle = null, subscribedTo = "", mids = {}, streams = {}, ended = false;
  var pollTimer = null;

  function say(id) {
    var t = $(id);
    $("watch-status").textContent = t ? t.content.textContent : "";
  }
  function setState(state) {
    call.state = state;
    $("watch-app").setAttribute("data-state", state);
  }
  function end() {
    if (ended) return;
    ended = true;
    window.clearInterval(pollTimer);
    if (janus) { try { janus.destroy({ cleanupHandles: true }); } catch (e) { /* gone */ } }
    ["watch-family", "watch-facility"].forEach(function (id) { $(id).srcObject = null; });
    say("msg-ended");
    setState("ended");
  }
  function poll() {
    fetch(cfg.feedsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.ended) { end(); return; }
        if (data.unreachable) { say("msg-unreachable"); return; }
        var feeds = data.feeds.filter(function (f) { return f.display === "family" || f.display === "facility"; });
        call.feeds = feeds;
        var key = feeds.map(function (f) { return f.id; }).sort().join(",");
        if (!feeds.length) { say("msg-waiting"); setState("waiting"); }
        if (key !== subscribedTo && feeds.length) subscribe(feeds, key);
      })
      .catch(function () { say("msg-unreachable"); });
  }
  function subscribe(feeds, key) {
    subscribedTo = key;
    if (handle) { handle.detach(); handle = null; }
    janus.attach({
      plugin: PLUGIN,
      success: function (h) {
        handle = h;
        handle.send({ message: {
          request: "join", ptype: "subscriber", room: cfg.room, pin: cfg.pin, token: cfg.roomToken,
          streams: feeds.map(function (f) { return { feed: f.id }; }),
        } });
      },
      error: function () { say("msg-unreachable"); },
      onmessage: function (msg, jsep) {
        if (msg.videoroom === "destroyed") { end(); return; }
        // Each stream's side comes from the site's list (by the sides' secret ids), never
        // from the display name a page chose.
        var sideOf = {};
        feeds.forEach(function (f) { sideOf[String(f.id)] = f.display; });
        (msg.streams || []).forEach(function (s) { if (s.mid) mids[s.mid] = sideOf[String(s.feed_id)]; });
        if (jsep) {
          handle.createAnswer({
            jsep: jsep,
            tracks: [{ type: "data" }],
            success: function (answer) {
              handle.send({ message: { request: "start", room: cfg.room }, jsep: answer });
            },
            error: function () { say("msg-unreachable"); },
          });
        }
      },
      onremotetrack: function (track, mid, on) {
        var side = mids[mid];
        if (!on || (side !== "family" && side !== "facility")) return;
        var stream = streams[side] || (streams[side] = new MediaStream());
        stream.getTracks().filter(function (t) { return t.kind === track.kind; })
          .forEach(function (t) { stream.removeTrack(t); });
        stream.addTrack(track);
        $("watch-" + side).srcObject = stream;
        say("msg-watching");
        setState("watching");
      },
      oncleanup: function () {},
    });
  }
  $("watch-sound").addEventListener("click", function () {
    var on = this.getAttribute("aria-pressed") !== "true";
    this.setAttribute("aria-pressed", String(on));
    $("watch-family").muted = !on;
    $("watch-facility").muted = !on;
  });
  // Inbound video streams receiving bytes, by side (the browser test reads it).
  call.inboundVideo = function () {
    var pc = handle && handle.webrtcStuff && handle.webrtcStuff.pc;
    if (!pc) return Promise.resolve({});
    return pc.getStats().then(function (stats) {
      var out = {};
      stats.forEach(function (s) {
        if (s.type === "inbound-rtp" && s.kind === "video") out[mids[s.mid] || s.mid] = s.bytesReceived;
      });
      return out;
    });
  };
  Janus.init({
    debug: false,
    dependencies: Janus.useDefaultDependencies(),
    callback: function () {
      janus = new Janus({
        server: cfg.server,
        token: cfg.token,
        iceServers: cfg.iceServers,
        success: function () { poll(); pollTimer = window.setInterval(poll, 3000); },
        error: function () { if (!ended) say("msg-unreachable"); },
      });
    },
  });
})();
