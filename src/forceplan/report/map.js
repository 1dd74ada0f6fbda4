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
// Every string from the scenario reaches Leaflet's tooltips and popups as HTML: escape it first.
function esc(v) { return String(v).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c])); }
function byLayer(name) { return DATA.features.filter(f => f.properties.layer === name); }
function gj(name, opts) { return L.geoJSON({ type: 'FeatureCollection', features: byLayer(name) }, opts); }
layers['Countries'] = L.geoJSON(BASE, { style: { color: '#8a8a8a', weight: 0.8, fillColor: '#f4f1ea', fillOpacity: 1 },
  onEachFeature: (f, l) => l.bindTooltip(esc(f.properties.name || '')) }).addTo(map);
// Country names at fixed points (the polygons' centres fall in odd places for long or split countries).
const COUNTRY_LABELS = [['UKRAINE', 31.2, 49.3], ['RUSSIA', 39.5, 52.6], ['BELARUS', 28.0, 53.2], ['POLAND', 20.5, 51.8],
  ['ROMANIA', 25.0, 45.9], ['MOLDOVA', 28.6, 47.2], ['Black Sea', 32.5, 43.6]];
layers['Names'] = L.layerGroup(COUNTRY_LABELS.map(([n, lon, lat]) => L.tooltip({ permanent: true, direction: 'center',
  className: 'country-label' }).setLatLng([lat, lon]).setContent(n))).addTo(map);
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
layers['Threat axes'] = gj('axis', { style: { color: '#d50000', weight: 3, dashArray: '8 6' },
  onEachFeature: (f, l) => l.bindTooltip(esc(String(f.properties.name).split(':')[0].split(' towards')[0]),
    { permanent: true, direction: 'right', className: 'axis-label' }) }).addTo(map);
// City names: the protected cities and the cities among the sites.
layers['City names'] = L.layerGroup(byLayer('site').filter(f => f.properties.kind === 'city').map(f =>
  L.tooltip({ permanent: true, direction: 'top', className: 'city-label', offset: [0, -4] })
    .setLatLng([f.geometry.coordinates[1], f.geometry.coordinates[0]]).setContent(esc(f.properties.name)))).addTo(map);
layers['Garrisons'] = gj('garrison', { pointToLayer: (f, ll) => {
  const p = f.properties;
  // The APP-6 symbol of the garrison's main unit type; nations and units are in the popup (labels on the map
  // overlapped where garrisons stand close together).
  const sym = SYMBOLS[SIDC[p.site]] || { svg: '<svg width="16" height="16"><rect width="16" height="16" fill="#80e0ff"/></svg>', x: 8, y: 8 };
  const icon = L.divIcon({ className: 'ms-icon', html: sym.svg, iconAnchor: [sym.x, sym.y] });
  const lines = p.placements.map(x => esc(nameOf('nation', x.nation)) + ': ' + esc(x.units) + ' × ' +
    esc(nameOf('capability', x.capability))).join('<br>');
  return L.marker(ll, { icon }).bindPopup('<b>' + esc(p.name) + '</b><br>' + p.personnel.toLocaleString() +
    ' personnel, combat power ' + p.combat_power.toFixed(1) + ', ' + p.distance_to_line_km.toFixed(0) +
    ' km from the line<br>' + lines);
} }).addTo(map);
// On a phone the layer list and the legend fold into buttons, so they do not cover the map.
const narrow = window.innerWidth < 700;
if (!printing) L.control.layers(null, layers, { collapsed: narrow }).addTo(map);
L.control.scale({ imperial: false, maxWidth: 160 }).addTo(map);
// Bottom left, kept narrow: it lies over Romania and the Carpathians, away from the garrisons and the front.
const legend = L.control({ position: 'bottomleft' });
legend.onAdd = () => { const d = L.DomUtil.create('details', 'legend');
  d.open = !narrow;
  L.DomEvent.disableClickPropagation(d);
  d.innerHTML = '<summary>Legend</summary><i style="background:#e57373"></i>occupied territory<br><i style="background:#7f0000"></i>line of contact' +
   '<br><i style="background:#ffb74d"></i>standoff band<br><i style="border:2px solid #2e7d32"></i>protected, covered' +
   '<br><i style="border:2px dashed #c62828"></i>protected, not covered<br><i style="background:#d50000"></i>threat axis' +
   '<br><i style="border:2px solid #00897b"></i>entry node (throughput)' +
   '<br><i style="border:1px dashed #1e88e5"></i>air combat radius<br><i style="border:1px dashed #8e24aa"></i>strike range' +
   '<br><b>sites</b>:<br>' + Object.entries(kindColour).map(([k, c]) =>
     '<i style="background:' + c + ';border-radius:50%"></i>' + esc(nameOf('site_kind', k))).join(' ') +
   '<br><b>garrisons</b>: APP-6 symbol of their main unit type (friendly, blue frame); click for nations and units';
  return d; };
legend.addTo(map);
map.fitBounds(layers['Line of contact'].getBounds().extend(layers['Garrisons'].getBounds()).pad(0.25));
window.addEventListener('beforeprint', () => map.invalidateSize());
window.addEventListener('afterprint', () => map.invalidateSize());
document.getElementById('map').dataset.ready = '1';
