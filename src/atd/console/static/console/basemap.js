/* The base layer of every console map. With ATD_MAP_TILE_URL set (production): that tile
   server. Without it (demo, air-gapped): the vendored outlines in basemap/us.geojson (states,
   and counties with their names near the demo offices), served by the app itself, so nothing
   is fetched from outside. */
window.atdBaseMap = function (map, tileUrl, geojsonUrl) {
  "use strict";
  if (tileUrl) {
    L.tileLayer(tileUrl, { maxZoom: 19, attribution: "Map tiles" }).addTo(map);
    return;
  }
  map.getContainer().classList.add("offline-base");
  // Own panes under the overlays, so the outlines never cover tracks, zones or dots (and the
  // features keep their order: states filled first, county lines over them).
  map.createPane("atd-base").style.zIndex = 250;
  map.createPane("atd-base-labels").style.zIndex = 260;
  map.attributionControl.addAttribution("Boundaries: US Census Bureau (public domain)");
  var labels = L.layerGroup();
  fetch(geojsonUrl, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      L.geoJSON(data, {
        pane: "atd-base",
        interactive: false,
        style: function (f) {
          return f.properties.layer === "state"
            ? { color: "#6e7781", weight: 1.5, fillColor: "#f6f3ea", fillOpacity: 1 }
            : { color: "#7d8590", weight: 1.3, dashArray: "5 4", fill: false };
        }
      }).addTo(map);
      data.features.forEach(function (f) {
        if (f.properties.layer !== "county") { return; }
        L.marker(f.properties.label_at, {
          pane: "atd-base-labels",
          interactive: false,
          keyboard: false,
          icon: L.divIcon({ className: "county-label", html: f.properties.name, iconSize: null })
        }).addTo(labels);
      });
      function toggle() {
        if (map.getZoom() >= 8) { labels.addTo(map); } else { labels.remove(); }
      }
      map.on("zoomend", toggle);
      toggle();
    })
    .catch(function () { /* the shapes still draw on the plain background */ });
};
