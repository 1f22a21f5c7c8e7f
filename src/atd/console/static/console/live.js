/* Live console: SLA timers tick every second from the server's clock, and every element with
   data-live-fragment is refetched when the small JSON stamp at data-live-stamp changes.
   No framework, no CDN: fetch() polling, same-origin session cookie. */
(function () {
  "use strict";
  var holder = document.querySelector("[data-server-now]");
  var skew = 0; // server time minus browser time, so timers follow the server's clock
  if (holder) {
    var serverNow = Date.parse(holder.getAttribute("data-server-now"));
    if (!isNaN(serverNow)) { skew = serverNow - Date.now(); }
  }
  function fmt(ms) {
    var past = ms < 0, s = Math.floor(Math.abs(ms) / 1000);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    var text = h ? h + "h " + m + "m" : (m ? m + "m " + sec + "s" : sec + "s");
    return past ? "breached " + text + " ago" : text + " left";
  }
  function tick() {
    var now = Date.now() + skew;
    document.querySelectorAll("time[data-due]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-due"));
      if (isNaN(due)) { return; }
      el.textContent = fmt(due - now);
      el.classList.toggle("breached", due < now);
    });
  }
  tick();
  setInterval(tick, 1000);

  var stamps = {};
  function refresh(root) {
    var stampUrl = root.getAttribute("data-live-stamp");
    var fragmentUrl = root.getAttribute("data-live-fragment");
    fetch(stampUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var key = fragmentUrl;
        if (stamps[key] === undefined) { stamps[key] = data.stamp; return; }
        if (stamps[key] === data.stamp) { return; }
        stamps[key] = data.stamp;
        return fetch(fragmentUrl, { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (html) {
            if (html === null) { return; }
            var focusedId = document.activeElement && document.activeElement.closest
              ? (document.activeElement.closest("[data-alert-id]") || {}).dataset : null;
            root.innerHTML = html;
            tick();
            if (focusedId && focusedId.alertId) {
              var again = root.querySelector('[data-alert-id="' + focusedId.alertId + '"] a');
              if (again) { again.focus(); }
            }
            var status = document.getElementById("live-status");
            if (status) { status.textContent = "Updated " + new Date().toLocaleTimeString(); }
            document.dispatchEvent(new CustomEvent("live:updated", { detail: root }));
          });
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ });
  }
  document.querySelectorAll("[data-live-fragment]").forEach(function (root) {
    var every = parseInt(root.getAttribute("data-live-every") || "5", 10) * 1000;
    refresh(root);
    setInterval(function () { refresh(root); }, every);
  });
})();
