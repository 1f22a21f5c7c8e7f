/* Participant map: fetches the track JSON and draws it with the vendored Leaflet. Works with
   no tile server (ATD_MAP_TILE_URL empty): the vendored outlines (basemap.js) are the base. */
(function () {
  "use strict";
  var form = document.getElementById("track-form");
  var status = document.getElementById("track-status");
  var el = document.getElementById("track-map");
  if (!form || !el || typeof L === "undefined") { return; }
  var map = L.map(el, { zoomControl: true, attributionControl: true, maxZoom: 18, minZoom: 3 });
  window.atdBaseMap(map, form.getAttribute("data-tile-url"), form.getAttribute("data-basemap"));
  map.setView([39.5, -98.35], 4);
  var layer = L.layerGroup().addTo(map);

  function load(params) {
    var url = form.getAttribute("data-track-url") + "?" + new URLSearchParams(params).toString();
    status.textContent = "Loading…";
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        var data = res.body;
        if (!res.ok) {
          status.textContent = data.detail || "The track could not be read.";
          if (data.error === "reason_required") { document.getElementById("track-reason").focus(); }
          return;
        }
        layer.clearLayers();
        var bounds = [];
        (data.zones || []).forEach(function (z) {
          var colour = z.kind === "exclusion" ? "#a4161a" : "#1a7f37";
          var shape = z.polygon ? L.polygon(z.polygon, { color: colour, weight: 2 })
            : L.circle(z.center, { radius: z.radius_m, color: colour, weight: 2 });
          shape.bindTooltip(z.kind + " zone (" + z.purpose + ")").addTo(layer);
          // A metro-wide area zone would zoom the map out past the track: frame the small ones.
          if (z.polygon || z.radius_m <= 5000) { bounds.push(shape.getBounds()); }
        });
        var line = (data.points || []).map(function (p) { return [p.lat, p.lon]; });
        if (line.length) {
          var poly = L.polyline(line, { color: "#0b5cad", weight: 3 }).addTo(layer);
          bounds.push(poly.getBounds());
        }
        (data.checkins || []).forEach(function (c) {
          L.rectangle([[c.lat - 0.0004, c.lon - 0.0005], [c.lat + 0.0004, c.lon + 0.0005]],
            { color: c.verified === false ? "#b54708" : "#12263f", weight: 2 })
            .bindTooltip("Check-in " + c.at).addTo(layer);
          bounds.push(L.latLngBounds([[c.lat, c.lon], [c.lat, c.lon]]));
        });
        if (data.current) {
          L.circleMarker([data.current.lat, data.current.lon], { radius: 8, color: "#a4161a", fillOpacity: 0.9 })
            .bindTooltip("Current position " + data.current.at).addTo(layer);
        }
        if (bounds.length) {
          var all = bounds[0];
          bounds.slice(1).forEach(function (b) { all.extend(b); });
          map.fitBounds(all.pad(0.2));
        }
        status.textContent = data.message ||
          (data.point_count + " positions since " + data.since.slice(0, 10) +
            (data.thinned ? " (" + data.points.length + " drawn)." : "."));
      })
      .catch(function () { status.textContent = "The track could not be loaded; try again."; });
  }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    load({ since: form.since.value, until: form.until.value, reason: form.reason.value });
  });
  load({});
})();
