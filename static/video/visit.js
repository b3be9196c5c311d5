// The call page (family's join page and the terminal's call page): device check, join
// the visit's room on Janus with the tokens the site put in the page, show both videos,
// mute, camera off, the time left, and a clear screen when the visit ends.
// window.visitCall exposes the state for people's assistive tech tests and the benchmark.
(function () {
  "use strict";
  var cfgEl = document.getElementById("video-config");
  if (!cfgEl) return;
  var cfg = JSON.parse(cfgEl.textContent);
  var $ = function (id) { return document.getElementById(id); };
  var PLUGIN = "janus.plugin.videoroom";
  var ID_TAKEN = 436; // Janus VideoRoom: a participant with this id is in the room already
  var call = (window.visitCall = { state: "ready", joinedAt: null, firstFrameAt: null });
  var janus = null, publisher = null, subscriber = null, remoteFeed = null;
  var localStream = null, remoteStream = null, ended = false, leaving = false;
  var endsAt = Date.parse(cfg.endsAt);
  var clockTimer = null, reconnectTimer = null;

  function setState(state) {
    call.state = state;
    $("video-app").setAttribute("data-state", state);
  }
  function message(id) {
    var t = $(id);
    return t ? t.content.textContent : "";
  }
  function problem(id) {
    if (ended) return;
    $("problem-text").textContent = message(id);
    $("problem").hidden = false;
  }
  function clearProblem() { $("problem").hidden = true; }

  // Device check ----------------------------------------------------------------------
  function selected(id) {
    var el = $(id);
    return el && el.value ? { deviceId: { exact: el.value } } : true;
  }
  function fillSelect(id, devices, kind, words) {
    var el = $(id);
    if (!el) return;
    var current = el.value;
    el.innerHTML = "";
    devices.filter(function (d) { return d.kind === kind; }).forEach(function (d, i) {
      var option = document.createElement("option");
      option.value = d.deviceId;
      option.textContent = d.label || words + " " + (i + 1);
      el.appendChild(option);
    });
    if (current) el.value = current;
  }
  function startDevices() {
    if (localStream) localStream.getTracks().forEach(function (t) { t.stop(); });
    return navigator.mediaDevices
      .getUserMedia({ audio: selected("microphone"), video: selected("camera") })
      .then(function (stream) {
        localStream = stream;
        if ($("preview")) $("preview").srcObject = stream;
        $("local").srcObject = stream;
        if ($("device-error")) $("device-error").hidden = true;
        return navigator.mediaDevices.enumerateDevices();
      })
      .then(function (devices) {
        fillSelect("camera", devices, "videoinput", $("camera") ? $("camera").previousElementSibling.textContent : "");
        fillSelect("microphone", devices, "audioinput", $("microphone") ? $("microphone").previousElementSibling.textContent : "");
        if ($("join")) $("join").disabled = false;
        setState("preview");
      })
      .catch(function () {
        if ($("device-error")) $("device-error").hidden = false;
        setState("no-devices");
        throw new Error("no devices");
      });
  }

  // The clock -------------------------------------------------------------------------
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    $("clock").textContent = (h ? h + ":" + pad(m) : m) + ":" + pad(s);
    if (left <= 0) endVisit();
  }

  // Janus -----------------------------------------------------------------------------
  function join() {
    leaving = false;
    call.joinedAt = performance.now();
    setState("joining");
    if ($("device-check")) $("device-check").hidden = true;
    $("left").hidden = true;
    $("call").hidden = false;
    $("waiting").hidden = false;
    if (!clockTimer) { tick(); clockTimer = window.setInterval(tick, 1000); }
    Janus.init({
      debug: false,
      dependencies: Janus.useDefaultDependencies(),
      callback: connect,
    });
  }
  function connect() {
    janus = new Janus({
      server: cfg.server,
      token: cfg.token,
      iceServers: cfg.iceServers,
      success: attachPublisher,
      error: function () {
        if (ended || leaving) return;
        setState("reconnecting");
        problem(call.everConnected ? "msg-lost" : "msg-unreachable");
        teardown();
        window.clearTimeout(reconnectTimer);
        reconnectTimer = window.setTimeout(function () { if (!ended && !leaving) connect(); }, 3000);
      },
    });
  }
  function joinRequest(ptype, extra) {
    var request = { request: "join", ptype: ptype, room: cfg.room, pin: cfg.pin, token: cfg.roomToken };
    for (var key in extra) request[key] = extra[key];
    return request;
  }
  function attachPublisher() {
    call.everConnected = true;
    janus.attach({
      plugin: PLUGIN,
      success: function (handle) {
        publisher = handle;
        publisher.send({ message: joinRequest("publisher", { display: cfg.display, id: cfg.feed }) });
      },
      error: function () { problem("msg-refused"); },
      onmessage: onPublisherMessage,
      onlocaltrack: function () {},
      onremotetrack: function () {},
      oncleanup: function () {},
    });
  }
  function onPublisherMessage(msg, jsep) {
    var event = msg.videoroom;
    if (event === "joined") {
      clearProblem();
      setState("waiting");
      publish();
      seePublishers(msg.publishers);
    } else if (event === "destroyed") {
      endVisit();
    } else if (event === "event") {
      if (msg.error_code) {
        if (msg.error_code === 426) { endVisit(); return; }
        if (msg.error_code === ID_TAKEN) {
          // This side is in the room already (another tab, or a page that closed without
          // leaving, which Janus drops after its session timeout): try again shortly.
          problem("msg-elsewhere");
          setState("reconnecting");
          teardown();
          window.clearTimeout(reconnectTimer);
          reconnectTimer = window.setTimeout(function () { if (!ended && !leaving) connect(); }, 5000);
          return;
        }
        problem("msg-refused");
        setState("refused");
        return;
      }
      seePublishers(msg.publishers);
      var gone = msg.leaving || msg.unpublished;
      if (gone && remoteFeed !== null && String(gone) === String(remoteFeed)) remoteGone();
    }
    if (jsep) publisher.handleRemoteJsep({ jsep: jsep });
  }
  function publish() {
    var audio = localStream && localStream.getAudioTracks()[0];
    var video = localStream && localStream.getVideoTracks()[0];
    publisher.createOffer({
      tracks: [
        { type: "audio", capture: audio || true, recv: false },
        { type: "video", capture: video || true, recv: false },
      ],
      success: function (offer) {
        publisher.send({ message: { request: "publish", audio: true, video: true }, jsep: offer });
      },
      error: function () { problem("msg-refused"); },
    });
  }
  function seePublishers(list) {
    (list || []).forEach(function (p) {
      // A terminal knows the other side's id and shows only that; a family's page shows
      // whoever else publishes (the site removes anyone who is not the facility's side).
      var other = cfg.remoteFeed ? String(p.id) === cfg.remoteFeed : String(p.id) !== cfg.feed;
      if (other && remoteFeed === null) subscribe(p.id);
    });
  }
  function subscribe(feed) {
    remoteFeed = feed;
    remoteStream = new MediaStream();
    janus.attach({
      plugin: PLUGIN,
      success: function (handle) {
        subscriber = handle;
        subscriber.send({ message: joinRequest("subscriber", { streams: [{ feed: feed }] }) });
      },
      error: function () { problem("msg-refused"); },
      onmessage: function (msg, jsep) {
        if (msg.videoroom === "destroyed") { endVisit(); return; }
        if (jsep) {
          subscriber.createAnswer({
            jsep: jsep,
            tracks: [{ type: "data" }],
            success: function (answer) {
              subscriber.send({ message: { request: "start", room: cfg.room }, jsep: answer });
            },
            error: function () { problem("msg-refused"); },
          });
        }
      },
      onremotetrack: function (track, mid, on) {
        if (on) {
          remoteStream.getTracks().filter(function (t) { return t.kind === track.kind; })
            .forEach(function (t) { remoteStream.removeTrack(t); });
          remoteStream.addTrack(track);
          $("remote").srcObject = remoteStream;
          $("waiting").hidden = true;
          setState("connected");
        }
      },
      oncleanup: function () {},
    });
  }
  function remoteGone() {
    if (subscriber) { subscriber.detach(); subscriber = null; }
    remoteFeed = null;
    $("remote").srcObject = null;
    $("waiting").textContent = message("msg-remote-left");
    $("waiting").hidden = false;
    setState("waiting");
  }
  function teardown() {
    publisher = null; subscriber = null; remoteFeed = null;
    $("remote").srcObject = null;
    if (janus) { try { janus.destroy({ cleanupHandles: true }); } catch (e) { /* gone already */ } }
    janus = null;
  }
  function endVisit() {
    if (ended) return;
    ended = true;
    window.clearInterval(clockTimer);
    window.clearTimeout(reconnectTimer);
    teardown();
    if (localStream) localStream.getTracks().forEach(function (t) { t.stop(); });
    var at = new Date(Math.min(Date.now(), endsAt));
    var time = new Intl.DateTimeFormat(document.documentElement.lang || undefined, { hour: "numeric", minute: "2-digit" }).format(at);
    $("ended-at").textContent = $("ended-at").getAttribute("data-template").replace("{time}", time);
    $("call").hidden = true;
    $("left").hidden = true;
    if ($("device-check")) $("device-check").hidden = true;
    $("problem").hidden = true;
    $("ended").hidden = false;
    $("ended").focus();
    if (cfg.endedUrl) {
      // Ended by the facility? Say so, and why (the room may close a moment before the
      // site has recorded it: ask twice).
      var ask = function (again) {
        fetch(cfg.endedUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) { return r.json(); })
          .then(function (data) {
            if (data.byFacility) {
              $("ended-reason").textContent = data.text;
              $("ended-reason").hidden = false;
            } else if (again) {
              window.setTimeout(function () { ask(false); }, 1500);
            }
          })
          .catch(function () {});
      };
      ask(true);
    }
    setState("ended");
    if (cfg.autojoin) window.setTimeout(function () { window.location.href = window.location.pathname.replace(/visit\/\d+\/$/, ""); }, 15000);
  }

  // Controls --------------------------------------------------------------------------
  function toggle(button, isOff, off, on) {
    var pressed = button.getAttribute("aria-pressed") === "true";
    if (!publisher) return;
    if (pressed) on(); else off();
    button.setAttribute("aria-pressed", String(!pressed));
  }
  $("mute").addEventListener("click", function () {
    toggle(this, null, function () { publisher.muteAudio(); }, function () { publisher.unmuteAudio(); });
  });
  $("camera-off").addEventListener("click", function () {
    toggle(this, null, function () { publisher.muteVideo(); }, function () { publisher.unmuteVideo(); });
  });
  if ($("leave")) $("leave").addEventListener("click", function () {
    leaving = true;
    teardown();
    $("call").hidden = true;
    $("left").hidden = false;
    $("rejoin").focus();
    setState("left");
  });
  if ($("rejoin")) $("rejoin").addEventListener("click", function () { join(); });
  $("remote").addEventListener("playing", function () {
    if (call.firstFrameAt === null) call.firstFrameAt = performance.now();
  });
  ["camera", "microphone"].forEach(function (id) {
    if ($(id)) $(id).addEventListener("change", function () { startDevices().catch(function () {}); });
  });
  if ($("join")) $("join").addEventListener("click", join);
  // Bytes of remote video received so far (the browser test and the benchmark read it).
  call.inboundVideoBytes = function () {
    var pc = subscriber && subscriber.webrtcStuff && subscriber.webrtcStuff.pc;
    if (!pc) return Promise.resolve(0);
    return pc.getStats().then(function (stats) {
      var bytes = 0;
      stats.forEach(function (s) { if (s.type === "inbound-rtp" && s.kind === "video") bytes += s.bytesReceived; });
      return bytes;
    });
  };

  // How many remote video streams this page receives (one: the other side, never a third).
  call.inboundVideoStreams = function () {
    var pc = subscriber && subscriber.webrtcStuff && subscriber.webrtcStuff.pc;
    if (!pc) return Promise.resolve(0);
    return pc.getStats().then(function (stats) {
      var count = 0;
      stats.forEach(function (s) { if (s.type === "inbound-rtp" && s.kind === "video") count += 1; });
      return count;
    });
  };
  if (Date.now() >= endsAt) { endVisit(); return; }
  window.setTimeout(endVisit, Math.min(endsAt - Date.now(), 2147483647));
  startDevices().then(function () { if (cfg.autojoin) join(); }, function () {});
})();
