// Dashboard charts: fill per capability and personnel per nation, drawn by plotly (the app's own copy) from the
// JSON block #chart-data (data, not script: the page's Content-Security-Policy allows no inline script).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const block = document.getElementById("chart-data");
  if (!block || typeof window.Plotly === "undefined") return;
  const data = JSON.parse(block.textContent);
  const font = { family: "system-ui, sans-serif", size: 12, color: "#1a1a1a" };
  const config = { displayModeBar: false, responsive: true, staticPlot: false };
  const height = (n) => Math.max(220, 28 * n + 70);
  const fill = data.fill;
  const fillEl = document.getElementById("chart-fill");
  if (fillEl && fill.names.length) {
    window.Plotly.newPlot(fillEl, [
      { type: "bar", orientation: "h", name: "matched", y: fill.names, x: fill.matched, marker: { color: "#0b5394" },
        hovertemplate: "%{y}: %{x} matched<extra></extra>" },
      { type: "bar", orientation: "h", name: "short", y: fill.names, x: fill.short, marker: { color: "#a4161a" },
        hovertemplate: "%{y}: %{x} short<extra></extra>" },
    ], { barmode: "stack", height: height(fill.names.length), margin: { l: 10, r: 10, t: 10, b: 40 }, font,
         xaxis: { title: { text: "units" }, automargin: true }, yaxis: { automargin: true, autorange: "reversed" },
         legend: { orientation: "h", y: -0.25 }, paper_bgcolor: "#fafaf7", plot_bgcolor: "#ffffff" }, config);
  }
  const burden = data.burden;
  const burdenEl = document.getElementById("chart-burden");
  if (burdenEl && burden.names.length) {
    window.Plotly.newPlot(burdenEl, [
      { type: "bar", orientation: "h", y: burden.names, x: burden.matched, marker: { color: "#1b5e20" },
        hovertemplate: "%{y}: %{x:,} personnel matched<extra></extra>" },
    ], { height: height(burden.names.length), margin: { l: 10, r: 10, t: 10, b: 40 }, font, showlegend: false,
         xaxis: { title: { text: "personnel matched" }, automargin: true, separatethousands: true },
         yaxis: { automargin: true, autorange: "reversed" }, paper_bgcolor: "#fafaf7", plot_bgcolor: "#ffffff" },
      config);
  }
});
