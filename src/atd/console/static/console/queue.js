/* Alert queue keyboard shortcuts: j/k move between alerts, Enter opens, a acknowledges,
   x selects, / jumps to the search box. Ignored while typing in a form field. */
(function () {
  "use strict";
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr.alert-row")); }
  function current() {
    var el = document.activeElement;
    return el && el.closest ? el.closest("tr.alert-row") : null;
  }
  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var i = all.indexOf(current());
    var next = all[Math.max(0, Math.min(all.length - 1, i < 0 ? 0 : i + step))];
    var link = next.querySelector("a.alert-link");
    if (link) { link.focus(); }
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var tag = (ev.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "select" || tag === "textarea") { return; }
    if (ev.key === "j") { move(1); ev.preventDefault(); }
    else if (ev.key === "k") { move(-1); ev.preventDefault(); }
    else if (ev.key === "/") {
      var search = document.getElementById("f-q") || document.getElementById("f-kind");
      if (search) { search.focus(); if (search.select) { search.select(); } ev.preventDefault(); }
    } else if (ev.key === "x") {
      var picked = current();
      var box = picked && picked.querySelector("input.pick");
      if (box) { box.checked = !box.checked; box.dispatchEvent(new Event("change", { bubbles: true })); ev.preventDefault(); }
    } else if (ev.key === "a") {
      var row = current();
      var button = row && row.querySelector("button.ack");
      if (button) { button.click(); ev.preventDefault(); }
    }
  });
})();

/* Multi-select for bulk acknowledge / resolve. The rows are replaced by the live refresh, so
   the chosen ids are kept here and ticked again after each refresh. */
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  if (!form) { return; }
  var chosen = {};
  var count = document.getElementById("bulk-count");
  var action = document.getElementById("bulk-action");
  var disposition = document.getElementById("bulk-disposition");
  function boxes() { return Array.prototype.slice.call(document.querySelectorAll("input.pick")); }
  function show() {
    var n = Object.keys(chosen).length;
    count.textContent = n ? n + " alert" + (n === 1 ? "" : "s") + " selected" : "No alert selected";
    document.getElementById("bulk-submit").disabled = n === 0;
    disposition.required = action.value === "resolve";
    var all = document.getElementById("select-all");
    var visible = boxes();
    if (all) { all.checked = visible.length > 0 && visible.every(function (b) { return b.checked; }); }
  }
  function restore() {
    boxes().forEach(function (b) { b.checked = !!chosen[b.value]; });
    show();
  }
  document.addEventListener("change", function (ev) {
    var t = ev.target;
    if (t.id === "select-all") {
      boxes().forEach(function (b) {
        b.checked = t.checked;
        if (t.checked) { chosen[b.value] = true; } else { delete chosen[b.value]; }
      });
      show();
    } else if (t.classList && t.classList.contains("pick")) {
      if (t.checked) { chosen[t.value] = true; } else { delete chosen[t.value]; }
      show();
    }
  });
  action.addEventListener("change", show);
  form.addEventListener("submit", function () {
    // Selected alerts that scrolled off this page after a refresh are still sent.
    Object.keys(chosen).forEach(function (id) {
      if (!document.querySelector('input.pick[value="' + id + '"]')) {
        var hidden = document.createElement("input");
        hidden.type = "hidden"; hidden.name = "alert_id"; hidden.value = id;
        form.appendChild(hidden);
      }
    });
  });
  document.addEventListener("live:updated", restore);
  restore();
})();

/* New critical alerts: a browser notification (permission asked once, on a click, and the
   answer remembered by the browser) and an optional short tone (Web Audio, no file). */
(function () {
  "use strict";
  var button = document.getElementById("notify-enable");
  var sound = document.getElementById("notify-sound");
  var state = document.getElementById("notify-state");
  if (!button) { return; }
  var KEY_SOUND = "atd.queue.sound";
  var seen = {};
  function critical() {
    return Array.prototype.slice.call(
      document.querySelectorAll('tr.alert-row[data-severity="critical"][data-status="open"]'));
  }
  critical().forEach(function (r) { seen[r.getAttribute("data-alert-id")] = true; });
  var supported = "Notification" in window;
  function describe() {
    if (!supported) { button.hidden = true; state.textContent = "This browser has no notifications."; return; }
    if (Notification.permission === "granted") { button.hidden = true; state.textContent = "Notifications on."; }
    else if (Notification.permission === "denied") { button.hidden = true; state.textContent = "Notifications are blocked in this browser's settings."; }
  }
  describe();
  button.addEventListener("click", function () {
    if (!supported || Notification.permission !== "default") { describe(); return; }
    Notification.requestPermission().then(describe);
  });
  try { sound.checked = window.localStorage.getItem(KEY_SOUND) === "1"; } catch (e) { /* private mode */ }
  sound.addEventListener("change", function () {
    try { window.localStorage.setItem(KEY_SOUND, sound.checked ? "1" : "0"); } catch (e) { /* ignore */ }
  });
  function tone() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) { return; }
    var ctx = new Ctx(), osc = ctx.createOscillator(), gain = ctx.createGain();
    osc.frequency.value = 880; gain.gain.value = 0.15;
    osc.connect(gain); gain.connect(ctx.destination);
    osc.start(); osc.stop(ctx.currentTime + 0.4);
  }
  document.addEventListener("live:updated", function () {
    var fresh = critical().filter(function (r) { return !seen[r.getAttribute("data-alert-id")]; });
    fresh.forEach(function (r) { seen[r.getAttribute("data-alert-id")] = true; });
    if (!fresh.length) { return; }
    document.body.setAttribute("data-new-critical", String(fresh.length));
    if (sound.checked) { tone(); }
    if (supported && Notification.permission === "granted") {
      fresh.slice(0, 3).forEach(function (r) {
        var n = new Notification("Critical alert #" + r.getAttribute("data-alert-id"),
          { body: r.getAttribute("data-title"), tag: "atd-alert-" + r.getAttribute("data-alert-id") });
        n.onclick = function () { window.focus(); window.location.href = r.getAttribute("data-href"); };
      });
    }
  });
})();
