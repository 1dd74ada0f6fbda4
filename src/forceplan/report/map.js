// The offline laydown map: Leaflet layers from the GeoJSON in the page, APP-6 symbols from milsymbol.
"use strict";
const DATA = JSON.parse(document.getElementById('laydown-data').textContent);
const BASE = JSON.parse(document.getElementById('base-data').textContent);
const SIDC = JSON.parse(document.getElementById('sidc-data').textContent);
// APP-6 symbols pre-rendered by milsymbol at build time (SIDC → {svg, x, y}).
const SYMBOLS = JSON.parse(document.getElementById('symbols-data').textContent);
// Names for ids (capabilities, nations, site kinds): a person reads names, never ids.
const NAMES = JSON.parse(document.getElementById('names-data').textContent);
function nameOf(kind, id) { return (NAMES[kind] || {})[id] || String(id).replace(/_/g, ' '); }
// Printing (window.forceplanPrinting, set by the PDF printer): no zoom buttons and no layer list, which the print
// stylesheet hides anyway.
const printing = Boolean(window.forceplanPrinting);
const map = L.map('map', { zoomSnap: 0.25, attributionControl: true, zoomControl: !printing });
map.attributionControl.setPrefix(false);
map.attributionControl.addAttribution('Borders: Natural Earth. Occupied territory: DeepStateMap. Symbols: milsymbol.');
const layers = {};
// Map labels (threat axes, cities, countries) are placed here, not by Leaflet, so that none overlaps another, a
// garrison symbol or a site's dot: each label, in order of priority (threat axes, protected cities, other cities,
// country and sea names), takes the first of its candidate positions around its point that is free and inside the
// map's visible box; a label that fits nowhere is hidden at this view and placed again at every zoom and pan (zooming
// in makes room). Deterministic: the same view gives the same labels.
// Labels are markers in a pane of their own, above the symbols.
map.createPane('labels').style.zIndex = 640;
const LABELS = [];
function label(text, cls, priority, order, where) {
  const m = L.marker(where.at || where.along[0], { pane: 'labels', interactive: false, keyboard: false,
    icon: L.divIcon({ className: 'map-label ' + cls, html: esc(text), iconSize: null, iconAnchor: [0, 0] }) });
  Object.assign(m, { labelText: String(text), priority, order, where });
  LABELS.push(m);
  return m;
}
// Every string from the scenario reaches Leaflet's tooltips and popups as HTML: escape it first.
function esc(v) { return String(v).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c])); }
function byLayer(name) { return DATA.features.filter(f => f.properties.layer === name); }
function gj(name, opts) { return L.geoJSON({ type: 'FeatureCollection', features: byLayer(name) }, opts); }
layers['Countries'] = L.geoJSON(BASE, { style: { color: '#8a8a8a', weight: 0.8, fillColor: '#f4f1ea', fillOpacity: 1 },
  onEachFeature: (f, l) => l.bindTooltip(esc(f.properties.name || '')) }).addTo(map);
layers['Occupied territory'] = gj('occupied', { style: { color: '#b3261e', weight: 0.5, fillColor: '#e57373', fillOpacity: 0.45 } }).addTo(map);
layers['Standoff band'] = gj('standoff', { style: { color: '#f57c00', weight: 0.5, dashArray: '4 3', fillColor: '#ffb74d', fillOpacity: 0.25 } }).addTo(map);
layers['Line of contact'] = gj('line_of_contact', { style: { color: '#7f0000', weight: 2.5 } }).addTo(map);
layers['Protection radii'] = gj('protection_radius', { style: f => ({ color: f.properties.covered ? '#2e7d32' : '#c62828',
  weight: 1.2, fillOpacity: 0.06, dashArray: f.properties.covered ? null : '5 4' }) }).addTo(map);
const kindColour = { npp: '#6a1b9a', port: '#0277bd', airport: '#455a64', airbase: '#37474f', city: '#212121',
  logistics_hub: '#5d4037', border_crossing: '#00897b', depot: '#795548', sea_station: '#01579b' };
layers['Sites'] = gj('site', { pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 3.5, weight: 1,
  color: kindColour[f.properties.kind] || '#000', fillOpacity: 0.8 }).bindTooltip(esc(f.properties.name) + ' (' + esc(nameOf('site_kind', f.properties.kind)) + ')') }).addTo(map);
layers['Air combat radii'] = gj('air_radius', { style: { color: '#1e88e5', weight: 1, dashArray: '2 4' },
  onEachFeature: (f, l) => l.bindTooltip(esc(f.properties.name)) });
layers['Strike range rings'] = gj('fires_range', { style: { color: '#8e24aa', weight: 1, dashArray: '6 4' },
  onEachFeature: (f, l) => l.bindTooltip(esc(f.properties.name)) });
layers['Entry nodes'] = gj('entry_node', { pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 6, weight: 2,
  color: '#00897b', fillColor: '#b2dfdb', fillOpacity: 0.9 }).bindTooltip(esc(f.properties.name) + ': ' +
  f.properties.throughput_personnel_per_day.toLocaleString() + ' personnel/day') }).addTo(map);
layers['Threat axes'] = L.featureGroup([gj('axis', { style: { color: '#d50000', weight: 3, dashArray: '8 6' } }),
  L.layerGroup(byLayer('axis').map((f, i) => label(String(f.properties.name).split(':')[0].split(' towards')[0],
    'axis-label', 0, i, { along: f.geometry.coordinates.map(([lon, lat]) => L.latLng(lat, lon)) })))]).addTo(map);
// City names, the protected cities before the others; country and sea names last (they move for nothing).
const PROTECTED = new Set(byLayer('protected').map(f => f.properties.site));
layers['City names'] = L.layerGroup(byLayer('site').filter(f => f.properties.kind === 'city').map((f, i) =>
  label(f.properties.name, 'city-label', PROTECTED.has(f.properties.site) ? 1 : 2, i,
    { at: L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]), radius_px: 3.5 }))).addTo(map);
// Country names at fixed points (the polygons' centres fall in odd places for long or split countries).
const COUNTRY_LABELS = [['UKRAINE', 31.2, 49.3], ['RUSSIA', 39.5, 52.6], ['BELARUS', 28.0, 53.2], ['POLAND', 20.5, 51.8],
  ['ROMANIA', 25.0, 45.9], ['MOLDOVA', 28.6, 47.2], ['Black Sea', 32.5, 43.6]];
layers['Names'] = L.layerGroup(COUNTRY_LABELS.map(([n, lon, lat], i) => label(n, 'country-label', 3, i,
  { at: L.latLng(lat, lon), centred: true }))).addTo(map);
layers['Garrisons'] = gj('garrison', { pointToLayer: (f, ll) => {
  const p = f.properties;
  // The APP-6 symbol of the garrison's main unit type; nations and units are in the popup (labels on the map
  // overlapped where garrisons stand close together).
  const sym = SYMBOLS[SIDC[p.site]] || { svg: '<svg width="16" height="16"><rect width="16" height="16" fill="#80e0ff"/></svg>', x: 8, y: 8 };
  const icon = L.divIcon({ className: 'ms-icon', html: sym.svg, iconAnchor: [sym.x, sym.y] });
  const size = (k) => Number((sym.svg.match(new RegExp('<svg[^>]*\\s' + k + '="([0-9.]+)"')) || [0, 16])[1]);
  const lines = p.placements.map(x => esc(nameOf('nation', x.nation)) + ': ' + esc(x.units) + ' × ' +
    esc(nameOf('capability', x.capability))).join('<br>');
  return Object.assign(L.marker(ll, { icon }), { box_px: [sym.x, sym.y, size('width'), size('height')] }).bindPopup('<b>' + esc(p.name) + '</b><br>' + p.personnel.toLocaleString() +
    ' personnel, combat power ' + p.combat_power.toFixed(1) + ', ' + p.distance_to_line_km.toFixed(0) +
    ' km from the line<br>' + lines);
} }).addTo(map);
// On a phone the layer list and the legend fold into buttons, so they do not cover the map.
const narrow = window.innerWidth < 700;
if (!printing) L.control.layers(null, layers, { collapsed: narrow }).addTo(map);
// (on a phone the attribution wraps onto two lines across the foot of the map: the scale goes under the zoom buttons)
L.control.scale({ imperial: false, maxWidth: 160, position: narrow ? 'topleft' : 'bottomleft' }).addTo(map);
// The legend lists what the map draws: each entry with the layer that draws it, the site kinds that occur.
const KEY = [['Occupied territory', '<i style="background:#e57373"></i>occupied territory'],
  ['Line of contact', '<i style="background:#7f0000"></i>line of contact'],
  ['Standoff band', '<i style="background:#ffb74d"></i>standoff band'],
  ['Protection radii', '<i style="border:2px solid #2e7d32"></i>protected, covered', f => f.properties.covered],
  ['Protection radii', '<i style="border:2px dashed #c62828"></i>protected, not covered', f => !f.properties.covered],
  ['Threat axes', '<i style="background:#d50000"></i>threat axis'],
  ['Entry nodes', '<i style="border:2px solid #00897b"></i>entry node (throughput)'],
  ['Air combat radii', '<i style="border:1px dashed #1e88e5"></i>air combat radius'],
  ['Strike range rings', '<i style="border:1px dashed #8e24aa"></i>strike range']];
function keyHtml() {
  const drawn = (name, has) => map.hasLayer(layers[name]) && layers[name].getLayers().length > 0 &&
    (!has || (layers[name].toGeoJSON().features || []).some(has));
  const kinds = new Set(byLayer('site').map(f => f.properties.kind));
  const rows = KEY.filter(([name, , has]) => drawn(name, has)).map(([, html]) => '<div>' + html + '</div>');
  if (map.hasLayer(layers['Sites'])) rows.push('<div><b>sites</b>: ' + Object.entries(kindColour).filter(([k]) => kinds.has(k))
    .map(([k, c]) => '<span class="kind"><i style="background:' + c + ';border-radius:50%"></i>' + esc(nameOf('site_kind', k)) + '</span>')
    .join(' ') + '</div>');
  if (map.hasLayer(layers['Garrisons'])) rows.push('<div><b>garrisons</b>: APP-6 symbol of their main unit type (friendly, blue frame)' +
    (printing ? '' : '; click for nations and units') + '</div>');
  return rows.join('');
}
// On screen: bottom left, kept narrow (it lies over Romania and the Carpathians, away from the garrisons and the
// front), folded into a button on a phone. Printed: under the map in four columns, covering nothing.
let legendBody = null;
if (printing) {
  legendBody = document.createElement('div');
  legendBody.className = 'legend printed-legend';
  document.getElementById('map').after(legendBody);
} else {
  const legend = L.control({ position: 'bottomleft' });
  legend.onAdd = () => { const d = L.DomUtil.create('details', 'legend');
    d.open = !narrow;
    L.DomEvent.disableClickPropagation(d);
    d.innerHTML = '<summary>Legend</summary><div class="legend-body"></div>';
    legendBody = d.querySelector('.legend-body');
    return d; };
  legend.addTo(map);
}
// On a phone the attribution wraps across the map's foot: the bottom-left corner (the legend's button) sits above it.
if (narrow) map.getContainer().querySelector('.leaflet-bottom.leaflet-left').style.bottom =
  `${map.attributionControl.getContainer().offsetHeight}px`;
function drawKey() { legendBody.innerHTML = keyHtml(); }
drawKey();
map.on('overlayadd overlayremove', drawKey);
map.fitBounds(layers['Line of contact'].getBounds().extend(layers['Garrisons'].getBounds()).pad(0.25));

// Label placement (pixels of Leaflet's layer plane, which panning does not move). Candidate top-left corners of a
// w × h box beside a point with a dot of radius r: above, right, left, below, the four corners; then the same eight
// half a symbol's width further out (a city that holds a garrison).
function around(p, w, h, r) {
  return [r + 2, r + 14].flatMap(g => [[-w / 2, -g - h], [g, -h / 2], [-g - w, -h / 2], [-w / 2, g], [g, -g - h],
    [-g - w, -g - h], [g, g], [-g - w, g]]).map(([dx, dy]) => [p.x + dx, p.y + dy]);
}
// A country's or sea's name: at its point, or nudged a line up or down or sideways.
const NUDGES = [[0, 0], [0, -14], [0, 14], [-30, 0], [30, 0]];
// Points at fractions of a line's drawn length from its start (a threat axis is labelled nearer the attacker's start than
// its objective first, clear of the objective's name).
function along(points, fractions) {
  const pts = points.map(ll => map.latLngToLayerPoint(ll));
  const legs = pts.slice(1).map((q, i) => q.distanceTo(pts[i]));
  const total = legs.reduce((a, b) => a + b, 0);
  return fractions.map(fr => {
    let left = fr * total, i = 0;
    while (i < legs.length - 1 && left > legs[i]) { left -= legs[i]; i += 1; }
    const t = legs[i] > 0 ? Math.min(1, left / legs[i]) : 0;
    return L.point(pts[i].x + t * (pts[i + 1].x - pts[i].x), pts[i].y + t * (pts[i + 1].y - pts[i].y));
  });
}
const overlaps = (a, b) => a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b;
function obstacles() {
  const boxes = [];
  const on = (name) => map.hasLayer(layers[name]);
  if (on('Garrisons')) layers['Garrisons'].eachLayer(m => {
    const p = map.latLngToLayerPoint(m.getLatLng()), [x, y, w, h] = m.box_px;
    boxes.push({ l: p.x - x, t: p.y - y, r: p.x - x + w, b: p.y - y + h });
  });
  for (const name of ['Sites', 'Entry nodes']) if (on(name)) layers[name].eachLayer(m => {
    const p = map.latLngToLayerPoint(m.getLatLng()), r = m.getRadius() + 1;
    boxes.push({ l: p.x - r, t: p.y - r, r: p.x + r, b: p.y + r });
  });
  return boxes;
}
// The map's visible box in layer pixels: a name is placed only where it is seen whole (one at the map's edge was cut).
function view() {
  const o = map.containerPointToLayerPoint([0, 0]), size = map.getSize();
  return { l: o.x, t: o.y, r: o.x + size.x, b: o.y + size.y };
}
const inside = (b, v) => b.l >= v.l && b.t >= v.t && b.r <= v.r && b.b <= v.b;
function placeLabels() {
  const taken = obstacles();
  const seen = view();
  const shown = LABELS.filter(m => map.hasLayer(m)).sort((a, b) => a.priority - b.priority || a.order - b.order);
  for (const m of shown) {
    const el = m.getElement();
    el.style.display = '';
    el.style.margin = '0';
    const { width: w, height: h } = el.getBoundingClientRect();
    const wh = m.where;
    let spots;
    if (wh.centred) { const p = map.latLngToLayerPoint(wh.at); spots = NUDGES.map(([dx, dy]) => [p.x - w / 2 + dx, p.y - h / 2 + dy]); }
    else if (wh.at) spots = around(map.latLngToLayerPoint(wh.at), w, h, wh.radius_px);
    else spots = along(wh.along, [0.3, 0.5, 0.15, 0.7, 0.85]).flatMap(p => around(p, w, h, 4));
    // a pixel's gap kept around every label
    const box = ([x, y]) => ({ l: Math.round(x) - 1, t: Math.round(y) - 1, r: Math.round(x) + w + 1, b: Math.round(y) + h + 1 });
    const spot = spots.map(box).find(b => inside(b, seen) && !taken.some(t => overlaps(t, b)));
    m.placed = Boolean(spot);
    if (!spot) { el.style.display = 'none'; continue; }
    taken.push(spot);
    const at = map.latLngToLayerPoint(m.getLatLng()).round();
    el.style.marginLeft = `${spot.l + 1 - at.x}px`;
    el.style.marginTop = `${spot.t + 1 - at.y}px`;
  }
}
placeLabels();
// placed again after every zoom and pan (names come into view) and whenever a layer is switched
map.on('moveend overlayadd overlayremove', placeLabels);
window.addEventListener('beforeprint', () => map.invalidateSize());
window.addEventListener('afterprint', () => map.invalidateSize());
document.getElementById('map').dataset.ready = '1';
