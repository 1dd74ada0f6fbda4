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
  merged.margin = Object.assign({}, base.margin, layout.margin || {}); // each chart its own (a relayout changes it)
  // no legend row under the title (one trace, or legend off): the plot starts under the title
  if (layout.showlegend === false || data.length < 2) merged.margin = Object.assign({}, base.margin, { t: 40 });
  merged.xaxis = titled(layout.xaxis);
  merged.yaxis = titled(layout.yaxis);
  if (phone) wrapTitles(el, merged);
  const drawn = Plotly.newPlot(el, data, merged, cfg);
  charts.push(phone ? drawn.then(() => roomForLegend(el, merged.margin.t)) : drawn);
}
// On a phone (a screen under 700 px wide; never in print) a long category name would leave the plot a sliver and
// plotly would cut the name at the chart's left edge: there each name is wrapped onto lines of at most 40 % of the
// chart's width (at most three lines, the rest elided: the hover keeps the whole name) and every row grows with the
// longest name's lines; a chart's title and its x-axis title wrap too (plotly cut them at the right edge). On a wider
// screen and in print every name and title is drawn on one line as before.
const phone = !window.forceplanPrinting && window.matchMedia('screen and (max-width: 700px)').matches;
const LINE_PX = 15, MAX_LINES = 3;
const pen = document.createElement('canvas').getContext('2d');
const plain = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
function wide(s, px = 11) {
  pen.font = `${px}px "Open Sans", verdana, arial, sans-serif`;
  return pen.measureText(plain(s)).width;
}
function wrapped(name, maxPx, px = 11) {
  const lines = [];
  for (const word of String(name).split(' ')) {
    const last = lines.length ? lines[lines.length - 1] : null;
    if (last !== null && wide(last + ' ' + word, px) <= maxPx) lines[lines.length - 1] = last + ' ' + word;
    else lines.push(word);
  }
  if (lines.length > MAX_LINES) { lines.length = MAX_LINES; lines[MAX_LINES - 1] += ' …'; }
  return lines;
}
// A name too long for its lines loses words from its end; a name of two parts ("threat · option") from the end of
// its first part, so the option stays whole.
function fitted(name, maxPx) {
  const [head, ...rest] = String(name).split(' · ');
  if (!rest.length) return wrapped(name, maxPx);
  const words = head.split(' ');
  for (let n = words.length; n > 0; n -= 1) {
    const lines = wrapped([words.slice(0, n).join(' ') + (n < words.length ? '…' : ''), ...rest].join(' · '), maxPx);
    if (lines.length <= MAX_LINES && !lines[lines.length - 1].endsWith(' …')) return lines;
  }
  return wrapped(name, maxPx);
}
// Each category's name as drawn (lines joined by <br>) and its number of lines.
function names(id, cats) {
  const el = document.getElementById(id);
  if (!phone || !el) return { text: cats, lines: cats.map(() => 1) };
  const maxPx = 0.4 * el.clientWidth;
  const split = cats.map(c => fitted(c, maxPx));
  return { text: split.map(l => l.join('<br>')), lines: split.map(l => l.length) };
}
// On a phone: the chart's title wrapped to the chart's width (13 px font), the top margin growing by its extra lines;
// the x-axis title to half the chart's width (the plot's width at least), the margin growing to fit it (automargin).
function wrapTitles(el, layout) {
  const title = layout.title.text;
  if (title) {
    const lines = wrapped(title, el.clientWidth - 10, 13);
    // (plotly anchors a title of several lines about 4 px too high: 12 px under the top instead of 8)
    layout.title = Object.assign({}, layout.title, { text: lines.join('<br>') },
      lines.length > 1 ? { y: 1, yref: 'container', pad: { t: 12 } } : {});
    layout.margin.t += 17 * (lines.length - 1) + (lines.length > 1 ? 4 : 0);
  }
  const x = layout.xaxis;
  if (x && x.title && x.title.text) {
    x.title = Object.assign({}, x.title, { text: wrapped(x.title.text, 0.5 * el.clientWidth).join('<br>') });
  }
}
// On a phone a legend wraps onto several rows and would climb over the title: the chart grows by the rows beyond
// the first, which the top margin holds.
function roomForLegend(el, top) {
  const legend = el.querySelector('g.legend');
  const more = legend ? Math.ceil(legend.getBoundingClientRect().height) - 22 : 0;
  if (more <= 0) return el;
  el.style.height = `${el.clientHeight + more}px`;
  return Plotly.relayout(el, { 'margin.t': top + more, height: el.clientHeight });
}
// A chart with one row per category grows with its rows (px per row, more for a name on several lines), so every
// label is shown.
function grow(id, rows, perRow, extra) {
  const el = document.getElementById(id);
  if (!el) return;
  // plotly gives every row the same height: the row of the name with the most lines sets it
  const most = Math.max(1, ...rows.lines);
  const px = rows.lines.length * (most > 1 ? Math.max(perRow, most * LINE_PX + 4) : perRow);
  el.style.height = `${Math.max(330, extra + px)}px`;
}
// (category names 4 px clear of the axis line: plotly sets them against it)
const every = (cats, shown) => ({ automargin: true, tickmode: 'array', tickvals: cats, ticktext: shown.text,
  autorange: 'reversed', ticklabelstandoff: 4 });
// Fill by capability: horizontal bars, so long capability names read whole.
const fillNames = names('chart-fill', R.fill.capability);
grow('chart-fill', fillNames, 16, 110);
plot('chart-fill', [
  { type: 'bar', orientation: 'h', name: 'units required', y: R.fill.capability, x: R.fill.required, marker: { color: '#b0bec5' } },
  { type: 'bar', orientation: 'h', name: 'units filled', y: R.fill.capability, x: R.fill.filled, marker: { color: '#1565c0' } },
], { title: { text: 'Units required and filled, by capability' }, barmode: 'group', yaxis: every(R.fill.capability, fillNames),
     xaxis: { title: { text: 'units' } } });
// Burden sharing: one row per nation, every nation named.
const burdenNames = names('chart-burden', R.burden.nation);
grow('chart-burden', burdenNames, 16, 110);
plot('chart-burden', [
  { type: 'bar', orientation: 'h', name: 'personnel matched', y: R.burden.nation, x: R.burden.matched, marker: { color: '#2e7d32' } },
  { type: 'bar', orientation: 'h', name: 'personnel offered', y: R.burden.nation, x: R.burden.offered, marker: { color: '#c5e1a5' } },
], { title: { text: 'Burden sharing: personnel by nation' }, barmode: 'group', yaxis: every(R.burden.nation, burdenNames),
     xaxis: { title: { text: 'personnel' }, separatethousands: true } });
// Readiness build-up.
plot('chart-readiness', [{ type: 'scatter', mode: 'lines+markers', x: R.readiness.day, y: R.readiness.personnel,
  line: { shape: 'hv', color: '#6a1b9a' } }],
  { title: { text: 'Readiness: matched personnel able to move by day' }, xaxis: { title: { text: 'days after the order' } },
    yaxis: { title: { text: 'personnel' } } });
// Phase Gantt (on a phone it grows with its names' lines; elsewhere the box's height).
const phaseNames = names('chart-phases', R.phases.name);
if (phone) grow('chart-phases', phaseNames, 16, 110);
plot('chart-phases', [
  { type: 'bar', orientation: 'h', name: 'planned', y: R.phases.name, x: R.phases.length, base: R.phases.start,
    marker: { color: '#90caf9' } },
  { type: 'scatter', mode: 'markers', name: 'complete by', y: R.phases.name, x: R.phases.complete,
    marker: { symbol: 'diamond', size: 11, color: '#0d47a1' } },
], { title: { text: 'Phases (days after the ceasefire)' }, xaxis: { title: { text: 'days after the ceasefire' } }, yaxis: every(R.phases.name, phaseNames) });
// Response Gantt: P10-P90 of first effect to full power, P50 markers. One row per label, every label shown: the
// chart grows with its rows (plotly would otherwise drop every other label when they crowd).
const ganttRows = [...new Set(R.gantt.label)];
const ganttNames = names('chart-gantt', ganttRows);
const ganttLegend = ['first effect P10 → full power P90', 'first effect P50', '100 % power P50'];
grow('chart-gantt', ganttNames, 16, 120);
plot('chart-gantt', [
  { type: 'bar', orientation: 'h', name: ganttLegend[0], y: R.gantt.label,
    x: R.gantt.span, base: R.gantt.start, marker: { color: 'rgba(21,101,192,0.35)' } },
  { type: 'scatter', mode: 'markers', name: ganttLegend[1], y: R.gantt.label, x: R.gantt.first50,
    marker: { color: '#0d47a1', size: 8 } },
  { type: 'scatter', mode: 'markers', name: ganttLegend[2], y: R.gantt.label, x: R.gantt.full50,
    marker: { color: '#b71c1c', size: 8, symbol: 'x' } },
], { title: { text: 'Response timeline per threat (hours after detection)' }, xaxis: { title: { text: 'hours after detection (24 h = 1 day)' }, nticks: 12 },
     yaxis: every(ganttRows, ganttNames) });
// P(objective reached) with 95 % intervals.
// Horizontal bars: the threats' names read whole.
const probNames = names('chart-probability', R.prob.threat);
grow('chart-probability', probNames, 34, 120);
plot('chart-probability', [{ type: 'bar', orientation: 'h', y: R.prob.threat, x: R.prob.p,
  error_x: { type: 'data', symmetric: false, array: R.prob.plus, arrayminus: R.prob.minus },
  marker: { color: R.prob.p.map(p => p < 0.1 ? '#2e7d32' : p < 0.5 ? '#9e9d24' : p < 0.9 ? '#ef6c00' : '#b71c1c') } }],
  { title: { text: "The attacker's chance of reaching its objective within 30 days" }, yaxis: every(R.prob.threat, probNames),
    xaxis: { range: [0, 1], tickformat: '.0%', title: { text: "chance, with its 90 % interval over the model's uncertain inputs" } } });
// Sensitivity: one chart per threat (each threat's cases carry its own values, e.g. its attacker's strength),
// one row per case; red: the case helps the attacker, blue: it hurts.
R.tornado.forEach((s, i) => {
  const caseNames = names('chart-tornado-' + i, s.case);
  grow('chart-tornado-' + i, caseNames, 16, 110);
  plot('chart-tornado-' + i, [{ type: 'bar', orientation: 'h', y: s.case, x: s.delta,
    marker: { color: s.delta.map(d => d > 0 ? '#c62828' : '#1565c0') } }],
    { title: { text: s.threat }, showlegend: false, yaxis: every(s.case, caseNames),
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
