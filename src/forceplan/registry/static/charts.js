// Dashboard charts: fill per capability and personnel per nation, drawn by plotly (the app's own copy) from the
// JSON block #chart-data (data, not script: the page's Content-Security-Policy allows no inline script).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const block = document.getElementById("chart-data");
  if (!block || typeof window.Plotly === "undefined") return;
  const data = JSON.parse(block.textContent);
  const font = { family: "system-ui, sans-serif", size: 12, color: "#1a1a1a" };
  const config = { displayModeBar: false, responsive: true, staticPlot: false };
  // Long names wrap (plotly breaks lines at <br>): on a phone at about 22 characters, else at 40, so no label is cut.
  const wrap = (name, width) => {
    const limit = width < 560 ? 22 : 40;
    const lines = [];
    let line = "";
    for (const word of String(name).split(" ")) {
      if (line && (line + " " + word).length > limit) { lines.push(line); line = word; } else line = line ? line + " " + word : word;
    }
    lines.push(line);
    return lines.join("<br>");
  };
  const height = (names) => Math.max(220, names.reduce((h, n) => h + 16 + 13 * n.split("<br>").length, 0) + 90);
  const fill = data.fill;
  const fillEl = document.getElementById("chart-fill");
  if (fillEl && fill.names.length) {
    const names = fill.names.map((n) => wrap(n, fillEl.clientWidth));
    window.Plotly.newPlot(fillEl, [
      { type: "bar", orientation: "h", name: "matched", y: names, x: fill.matched, marker: { color: "#0b5394" },
        hovertemplate: "%{y}: %{x} matched<extra></extra>" },
      { type: "bar", orientation: "h", name: "short", y: names, x: fill.short, marker: { color: "#a4161a" },
        hovertemplate: "%{y}: %{x} short<extra></extra>" },
    ], { barmode: "stack", height: height(names), margin: { l: 10, r: 10, t: 30, b: 50 }, font,
         xaxis: { title: { text: "units" }, automargin: true }, yaxis: { automargin: true, autorange: "reversed" },
         legend: { orientation: "h", x: 0, y: 1, yanchor: "bottom", traceorder: "normal" }, paper_bgcolor: "#fafaf7", plot_bgcolor: "#ffffff" }, config);
  }
  const burden = data.burden;
  const burdenEl = document.getElementById("chart-burden");
  if (burdenEl && burden.names.length) {
    window.Plotly.newPlot(burdenEl, [
      { type: "bar", orientation: "h", y: burden.names.map((n) => wrap(n, burdenEl.clientWidth)), x: burden.matched, marker: { color: "#1b5e20" },
        hovertemplate: "%{y}: %{x:,} personnel matched<extra></extra>" },
    ], { height: height(burden.names), margin: { l: 10, r: 10, t: 30, b: 50 }, font, showlegend: false,
         xaxis: { title: { text: "personnel matched" }, automargin: true, separatethousands: true },
         yaxis: { automargin: true, autorange: "reversed" }, paper_bgcolor: "#fafaf7", plot_bgcolor: "#ffffff" },
      config);
  }
});
