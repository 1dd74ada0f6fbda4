// Charts of the forceplan report (plotly.js, inlined). Data: the JSON in #report-data.
"use strict";
// Scenario text reaches plotly's labels, which read a subset of HTML: show it as written instead.
function clean(v) {
  if (typeof v === 'string') return v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (Array.isArray(v)) return v.map(clean);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clean(x)]));
  return v;
}
const R = clean(JSON.parse(document.getElementById('report-data').textContent));
// Printing (the PDF printer sets window.forceplanPrinting before the page runs): static pictures, no mode bar and no
// event handlers to set up.
const cfg = { displaylogo: false, responsive: true, staticPlot: Boolean(window.forceplanPrinting) };
// Titles sit at the top left, legends in one row under them (never over the plot or an axis title), and every
// category axis shows every category (plotly would otherwise drop every other label when they crowd).
const base = { margin: { l: 60, r: 20, t: 70, b: 40 }, font: { size: 11 },
  title: { x: 0, xanchor: 'left', y: 0.98, yanchor: 'top', font: { size: 13 } },
  legend: { orientation: 'h', x: 0, xanchor: 'left', y: 1, yanchor: 'bottom' } };
// Plotly's promises, one per chart (sustain.js adds its own): the page says it is ready to print when all are kept.
const charts = window.drawing = window.drawing || [];
// An axis title sits a few px from its tick labels (plotly's default puts it 25-30 px away, and lower still in a
// chart that grows with its rows), the margin growing to fit it.
function titled(axis) {
  if (!axis || !axis.title) return axis;
  return Object.assign({ automargin: true }, axis, { title: Object.assign({ standoff: 10 }, axis.title) });
}
function plot(id, data, layout) {
  const el = document.getElementById(id);
  if (!el) return;
  const merged = Object.assign({}, base, layout);
  merged.title = Object.assign({}, base.title, layout.title || {});
  merged.legend = Object.assign({}, base.legend, layout.legend || {});
  // no legend row under the title (one trace, or legend off): the plot starts under the title
  if (layout.showlegend === false || data.length < 2) merged.margin = Object.assign({}, base.margin, { t: 40 });
  merged.xaxis = titled(layout.xaxis);
  merged.yaxis = titled(layout.yaxis);
  charts.push(Plotly.newPlot(el, data, merged, cfg));
}
// A chart with one row per category grows with its rows (px per row), so every label is shown.
function grow(id, rows, perRow, extra) {
  const el = document.getElementById(id);
  if (el) el.style.height = `${Math.max(330, extra + perRow * rows)}px`;
}
// (category names 4 px clear of the axis line: plotly sets them against it)
const every = (cats) => ({ automargin: true, tickmode: 'array', tickvals: cats, ticktext: cats, autorange: 'reversed',
  ticklabelstandoff: 4 });
// Fill by capability: horizontal bars, so long capability names read whole.
grow('chart-fill', R.fill.capability.length, 16, 110);
plot('chart-fill', [
  { type: 'bar', orientation: 'h', name: 'units required', y: R.fill.capability, x: R.fill.required, marker: { color: '#b0bec5' } },
  { type: 'bar', orientation: 'h', name: 'units filled', y: R.fill.capability, x: R.fill.filled, marker: { color: '#1565c0' } },
], { title: { text: 'Units required and filled, by capability' }, barmode: 'group', yaxis: every(R.fill.capability),
     xaxis: { title: { text: 'units' } } });
// Burden sharing: one row per nation, every nation named.
grow('chart-burden', R.burden.nation.length, 16, 110);
plot('chart-burden', [
  { type: 'bar', orientation: 'h', name: 'personnel matched', y: R.burden.nation, x: R.burden.matched, marker: { color: '#2e7d32' } },
  { type: 'bar', orientation: 'h', name: 'personnel offered', y: R.burden.nation, x: R.burden.offered, marker: { color: '#c5e1a5' } },
], { title: { text: 'Burden sharing: personnel by nation' }, barmode: 'group', yaxis: every(R.burden.nation),
     xaxis: { title: { text: 'personnel' }, separatethousands: true } });
// Readiness build-up.
plot('chart-readiness', [{ type: 'scatter', mode: 'lines+markers', x: R.readiness.day, y: R.readiness.personnel,
  line: { shape: 'hv', color: '#6a1b9a' } }],
  { title: { text: 'Readiness: matched personnel able to move by day' }, xaxis: { title: { text: 'days after the order' } },
    yaxis: { title: { text: 'personnel' } } });
// Phase Gantt.
plot('chart-phases', [
  { type: 'bar', orientation: 'h', name: 'planned', y: R.phases.name, x: R.phases.length, base: R.phases.start,
    marker: { color: '#90caf9' } },
  { type: 'scatter', mode: 'markers', name: 'complete by', y: R.phases.name, x: R.phases.complete,
    marker: { symbol: 'diamond', size: 11, color: '#0d47a1' } },
], { title: { text: 'Phases (days after the ceasefire)' }, xaxis: { title: { text: 'days after the ceasefire' } }, yaxis: every(R.phases.name) });
// Response Gantt: P10-P90 of first effect to full power, P50 markers. One row per label, every label shown: the
// chart grows with its rows (plotly would otherwise drop every other label when they crowd).
const ganttRows = [...new Set(R.gantt.label)];
grow('chart-gantt', ganttRows.length, 16, 120);
plot('chart-gantt', [
  { type: 'bar', orientation: 'h', name: 'first effect P10 → full power P90', y: R.gantt.label,
    x: R.gantt.span, base: R.gantt.start, marker: { color: 'rgba(21,101,192,0.35)' } },
  { type: 'scatter', mode: 'markers', name: 'first effect P50', y: R.gantt.label, x: R.gantt.first50,
    marker: { color: '#0d47a1', size: 8 } },
  { type: 'scatter', mode: 'markers', name: '100 % power P50', y: R.gantt.label, x: R.gantt.full50,
    marker: { color: '#b71c1c', size: 8, symbol: 'x' } },
], { title: { text: 'Response timeline per threat (hours after detection)' }, xaxis: { title: { text: 'hours after detection (24 h = 1 day)' }, nticks: 12 },
     yaxis: every(ganttRows) });
// P(objective reached) with 95 % intervals.
// Horizontal bars: the threats' names read whole.
grow('chart-probability', R.prob.threat.length, 34, 120);
plot('chart-probability', [{ type: 'bar', orientation: 'h', y: R.prob.threat, x: R.prob.p,
  error_x: { type: 'data', symmetric: false, array: R.prob.plus, arrayminus: R.prob.minus },
  marker: { color: R.prob.p.map(p => p < 0.1 ? '#2e7d32' : p < 0.5 ? '#9e9d24' : p < 0.9 ? '#ef6c00' : '#b71c1c') } }],
  { title: { text: "The attacker's chance of reaching its objective within 30 days" }, yaxis: every(R.prob.threat),
    xaxis: { range: [0, 1], tickformat: '.0%', title: { text: "chance, with its 90 % interval over the model's uncertain inputs" } } });
// Sensitivity: one chart per threat (each threat's cases carry its own values, e.g. its attacker's strength),
// one row per case; red: the case helps the attacker, blue: it hurts.
R.tornado.forEach((s, i) => {
  grow('chart-tornado-' + i, s.case.length, 16, 110);
  plot('chart-tornado-' + i, [{ type: 'bar', orientation: 'h', y: s.case, x: s.delta,
    marker: { color: s.delta.map(d => d > 0 ? '#c62828' : '#1565c0') } }],
    { title: { text: s.threat }, showlegend: false, yaxis: every(s.case),
      xaxis: { tickformat: '+.0%', title: { text: "change in the attacker's chance" } } });
});
// Defender vs attacker combat power with P10-P90 bands.
R.power.forEach((p, i) => {
  const band = (y10, y90, colour, name) => [
    { x: p.day, y: y90, mode: 'lines', line: { width: 0 }, showlegend: false, hoverinfo: 'skip' },
    { x: p.day, y: y10, mode: 'lines', line: { width: 0 }, fill: 'tonexty', fillcolor: colour, name: name + ' P10-P90' }];
  plot('chart-power-' + i, [
    ...band(p.defender_p10, p.defender_p90, 'rgba(21,101,192,0.2)', 'defender'),
    { x: p.day, y: p.defender_p50, mode: 'lines', name: 'defender P50', line: { color: '#1565c0' } },
    ...band(p.attacker_p10, p.attacker_p90, 'rgba(183,28,28,0.2)', 'attacker'),
    { x: p.day, y: p.attacker_p50, mode: 'lines', name: 'attacker P50', line: { color: '#b71c1c' } },
  ], { title: { text: p.title }, xaxis: { title: { text: 'days after the attack' } }, yaxis: { title: { text: 'combat power (battalion-equivalents)' } } });
});
Promise.all(charts).then(() => { document.body.dataset.charts = String(charts.length); });

// Printing: the page is laid out for the A4 landscape width; resize every chart to its box when the print layout
// is made (and back after), so none prints squashed.
function resizeCharts() { document.querySelectorAll('.js-plotly-plot').forEach(el => Plotly.Plots.resize(el)); }
window.addEventListener('beforeprint', resizeCharts);
window.addEventListener('afterprint', resizeCharts);
