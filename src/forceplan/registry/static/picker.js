// Home-base picker on the pledge form: a Leaflet map (the app's own copy, no tiles: Natural Earth outlines) of the
// named places; a click on a place chooses it, a click anywhere else sets the longitude and latitude fields.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("picker");
  const field = document.getElementById("picker-field");
  const select = document.getElementById("home_base");
  const lon = document.getElementById("home_lon");
  const lat = document.getElementById("home_lat");
  const said = document.getElementById("picker-said");
  if (!box || !field || !select || !lon || !lat || typeof window.L === "undefined") return;
  field.hidden = false;
  const L = window.L;
  const map = L.map(box, { zoomSnap: 0.5, attributionControl: true, worldCopyJump: false });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Borders: Natural Earth");
  map.setView([50, 18], 3.5);
  let point = null;
  const sync = () => select.dispatchEvent(new Event("change"));
  const showPoint = (ll) => {
    if (point) point.setLatLng(ll); else point = L.circleMarker(ll, { radius: 7, color: "#a4161a", weight: 3, fillOpacity: 0.2 }).addTo(map);
  };
  fetch("/map/places.json", { credentials: "same-origin" }).then((r) => r.json()).then((d) => {
    L.geoJSON(d.countries, { style: { color: "#8a8a8a", weight: 0.8, fillColor: "#f4f1ea", fillOpacity: 1 }, interactive: false }).addTo(map);
    for (const p of d.places) {
      const m = L.circleMarker([p.lat, p.lon], { radius: 5, color: "#0b5394", weight: 1.5, fillColor: "#0b5394", fillOpacity: 0.8 }).addTo(map);
      m.bindTooltip(p.name);
      m.on("click", (e) => {
        L.DomEvent.stopPropagation(e);
        select.value = p.id; sync();
        if (point) { map.removeLayer(point); point = null; }
        said.textContent = "Home base: " + p.name + ".";
      });
    }
    box.dataset.ready = "1";
  });
  map.on("click", (e) => {
    const ll = e.latlng.wrap();
    select.value = "__lonlat__"; sync();
    lon.value = ll.lng.toFixed(4); lat.value = ll.lat.toFixed(4);
    showPoint(ll);
    said.textContent = "Home base: a point at " + lon.value + "° E, " + lat.value + "° N.";
  });
  if (select.value === "__lonlat__" && lon.value && lat.value) showPoint([Number(lat.value), Number(lon.value)]);
});
