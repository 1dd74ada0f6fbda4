// The chart of the section "Can it be sustained?": personnel required and deployed by month, the gap shaded,
// handover months marked. Data: the JSON in #sustain-data; drawn like report.js's charts (plotly, inlined).
"use strict";
(function () {
  const el = document.getElementById('chart-sustain');
  const src = document.getElementById('sustain-data');
  if (!el || !src) return;
  const S = JSON.parse(src.textContent);
  // On a phone its titles wrap and its legend gets room as report.js's charts do (report.js comes first on the page).
  const phoneFit = typeof phone !== 'undefined' && phone;
  const layout = { margin: { l: 60, r: 20, t: 70, b: 40 }, font: { size: 11 },
    title: { text: 'Personnel deployed and required, month by month', x: 0, xanchor: 'left', y: 0.98, yanchor: 'top',
             font: { size: 13 } },
    // title at the top left and the legend in one row under it, as report.js draws its charts (the legend at the
    // right took a fifth of the plot's width)
    legend: { orientation: 'h', x: 0, xanchor: 'left', y: 1, yanchor: 'bottom', traceorder: 'normal' },
    // axis titles a few px from their tick labels, as in report.js
    xaxis: { title: { text: 'month after the ceasefire', standoff: 10 }, automargin: true, dtick: 3 },
    yaxis: { title: { text: 'personnel', standoff: 10 }, automargin: true, rangemode: 'tozero' } };
  if (phoneFit) wrapTitles(el, layout);
  const drawn = Plotly.newPlot(el, [
    { x: S.month, y: S.deployed, mode: 'lines', name: 'deployed', line: { color: '#1565c0', shape: 'hv' } },
    { x: S.month, y: S.required, mode: 'lines', name: 'required (gap shaded)', line: { color: '#b71c1c', shape: 'hv' },
      fill: 'tonexty', fillcolor: 'rgba(183,28,28,0.18)' },
    { x: S.handover, y: S.handover_deployed, mode: 'markers', name: 'handover (reduced readiness)',
      marker: { symbol: 'triangle-down', size: 8, color: '#ef6c00' } },
  ], layout, { displaylogo: false, responsive: true, staticPlot: Boolean(window.forceplanPrinting) })
    .then(() => (phoneFit ? roomForLegend(el, layout.margin.t) : el))
    .then(() => { el.dataset.ready = '1'; });
  (window.drawing = window.drawing || []).push(drawn);
  window.addEventListener('beforeprint', () => Plotly.Plots.resize(el));
})();
