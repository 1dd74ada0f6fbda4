// Render every APP-6 symbol the report can show (frontend/sidcs.json, written from forceplan.report.map) to SVG
// with milsymbol from the npm registry, at build time: the report inlines these few symbols, not the library.
"use strict";
const fs = require("fs");
const path = require("path");
const ms = require("milsymbol");
const sidcs = JSON.parse(fs.readFileSync(path.join(__dirname, "sidcs.json"), "utf8"));
const out = {};
for (const sidc of sidcs) {
  const sym = new ms.Symbol(sidc, { size: 20 });
  if (!sym.isValid()) console.warn(`milsymbol flags ${sidc} as not valid; drawn as milsymbol draws it`);
  const a = sym.getAnchor();
  out[sidc] = { svg: sym.asSVG(), x: a.x, y: a.y };
}
fs.writeFileSync(process.argv[2], JSON.stringify(out));
console.log(`rendered ${sidcs.length} symbols to ${process.argv[2]}`);
