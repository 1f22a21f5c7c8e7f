/* The fleet map: polls map.json, draws each participant's last position coloured by state,
   groups dots that fall in the same 56-pixel grid cell at the current zoom into one numbered
   cluster (coloured by its worst state), and opens the participant on a click. */
(function () {
  "use strict";
  var el = document.getElementById("fleet-map");
  if (!el || typeof L === "undefined") { return; }
  var status = document.getElementById("fleet-status");
  var dataUrl = el.getAttribute("data-url");
  var seconds = Math.max(parseInt(el.getAttribute("data-poll") || "30", 10), 1);
  var COLOURS = { ok: "#1a7f37", no_signal: "#6e7781", alert: "#a4161a" };
  var LABELS = { ok: "OK", no_signal: "No signal", alert: "Alert" };
  var RANK = { ok: 0, no_signal: 1, alert: 2 };
  var CELL = 56;
  var map = L.map(el, { zoomControl: true, attributionControl: true, maxZoom: 18, minZoom: 3 });
  window.atdBaseMap(map, el.getAttribute("data-tile-url"), el.getAttribute("data-basemap"));
  map.setView([39.5, -98.35], 4);
  L.control.scale({ imperial: true, metric: true }).addTo(map);
  var officesEl = document.getElementById("fleet-offices");
  (officesEl ? JSON.parse(officesEl.textContent) : []).forEach(function (o) {
    L.marker([o.lat, o.lon], {
      keyboard: false,
      icon: L.divIcon({ className: "office-marker", html: o.name, iconSize: null })
    }).addTo(map);
  });
  var layer = L.layerGroup().addTo(map);
  var points = [];
  var baseUrl = "";
  var fitted = false;

  function clusters() {
    var cells = {};
    var out = [];
    points.forEach(function (p) {
      var px = map.project([p[1], p[2]], map.getZoom());
      var key = Math.floor(px.x / CELL) + ":" + Math.floor(px.y / CELL);
      var c = cells[key];
      if (!c) {
        c = cells[key] = { items: [], lat: 0, lon: 0, worst: "ok" };
        out.push(c);
      }
      c.items.push(p);
      c.lat += p[1];
      c.lon += p[2];
      if (RANK[p[3]] > RANK[c.worst]) { c.worst = p[3]; }
    });
    return out;
  }

  function draw() {
    layer.clearLayers();
    clusters().forEach(function (c) {
      var n = c.items.length;
      var at = [c.lat / n, c.lon / n];
      if (n === 1) {
        var p = c.items[0];
        var m = L.circleMarker(at, {
          radius: 7, color: "#fff", weight: 2, fillColor: COLOURS[p[3]], fillOpacity: 1
        });
        // Leaflet reads a string tooltip as HTML: the name goes in as text, never markup.
        var tip = document.createElement("span");
        tip.textContent = (p[5] || "Participant " + p[0]) + " · " + LABELS[p[3]] +
          " · fix " + p[4] + " min ago";
        m.bindTooltip(tip);
        m.on("click", function () { window.location.href = baseUrl + p[0] + "/"; });
        m.addTo(layer);
        return;
      }
      var size = n < 10 ? 30 : (n < 100 ? 36 : 44);
      var icon = L.divIcon({
        className: "fleet-cluster state-" + c.worst,
        html: "<span>" + n + "</span>",
        iconSize: [size, size]
      });
      var marker = L.marker(at, { icon: icon, keyboard: true, title: n + " participants" });
      marker.on("click", function () {
        var b = L.latLngBounds(c.items.map(function (q) { return [q[1], q[2]]; }));
        if (b.getNorthEast().equals(b.getSouthWest()) || map.getZoom() >= map.getMaxZoom()) {
          map.setView(b.getCenter(), Math.min(map.getZoom() + 2, 18));
        } else {
          map.fitBounds(b.pad(0.3));
        }
      });
      marker.addTo(layer);
    });
  }

  function load() {
    fetch(dataUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (data) {
        points = data.points;
        baseUrl = data.participant_url;
        var c = data.counts;
        status.textContent = points.length + " participants · " + c.ok + " OK · " +
          c.no_signal + " no signal · " + c.alert + " with an alert · updated " +
          new Date(data.at).toLocaleTimeString();
        if (!fitted && points.length) {
          map.fitBounds(L.latLngBounds(points.map(function (p) { return [p[1], p[2]]; })).pad(0.1), { maxZoom: 11 });
          fitted = true;
        }
        draw();
      })
      .catch(function () { status.textContent = "The map could not be refreshed; retrying."; });
  }
  map.on("zoomend", draw);
  load();
  window.setInterval(function () { if (!document.hidden) { load(); } }, seconds * 1000);
})();
