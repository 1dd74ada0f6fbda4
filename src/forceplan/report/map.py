"""The offline laydown map: Leaflet with a Natural Earth base (no tiles), APP-6 symbols from milsymbol."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from forceplan.names import SITE_KINDS
from forceplan.report.assets import inline_script, read_asset, script_json
from forceplan.scenario import Scenario
from forceplan.scenario.io import data_dir
from forceplan.stationing.geojson import laydown_geojson
from forceplan.stationing.result import StationingResult

#: MIL-STD-2525C / APP-6 symbol codes (15 characters, friendly, present) by capability id; others by domain.
SIDC_BY_CAPABILITY = {
    "mech_inf_bn": "SFGPUCIZ---F---",
    "armd_bn": "SFGPUCA----F---",
    "light_inf_bn": "SFGPUCI----F---",
    "recce_sqn": "SFGPUCR----E---",
    "arty_bn": "SFGPUCF----F---",
    "lr_fires_bty": "SFGPUCFRM--E---",
    "gbad_bty": "SFGPUCD----E---",
    "engr_bn": "SFGPUCE----F---",
    "log_bn": "SFGPUSS----F---",
    "med_role2": "SFGPUSM----E---",
    "bde_hq": "SFGPUH-----H---",
    "sof_tg": "SFGPUCIS---E---",
    "training_team": "SFGPU------E---",
    "fighter_sqn": "SFAPMFF--------",
    "strike_sqn": "SFAPMFA--------",
    "isr_aircraft": "SFAPMFR--------",
    "frigate": "SFSPCLFF-------",
    "mcm_vessel": "SFSPCLMM-------",
}
SIDC_BY_DOMAIN = {
    "land": "SFGPU------F---",
    "enabler": "SFGPUS-----F---",
    "air": "SFAPMF---------",
    "maritime": "SFSPCL---------",
}


def _base_countries() -> dict[str, Any]:
    doc = json.loads((data_dir() / "geo" / "naturalearth_lowres_europe.geojson").read_text(encoding="utf-8"))
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": f["geometry"],
                "properties": {"name": f["properties"].get("name"), "iso_a3": f["properties"].get("iso_a3")},
            }
            for f in doc["features"]
        ],
    }


def map_names(sc: Scenario) -> dict[str, dict[str, str]]:
    """What the map's popups and legend show for ids: capability and nation names, site kinds in words."""
    return {
        "capability": {c.id: c.name for c in sc.capabilities},
        "nation": {n.iso3: n.name for n in sc.nations},
        "site_kind": {k: v.lower() for k, v in SITE_KINDS.items()},
    }


def used_symbols(sidc_by_site: dict[str, str]) -> dict[str, object]:
    """The pre-rendered APP-6 symbols (milsymbol, at build time: frontend/render-symbols.cjs) the page uses."""
    import json

    every = json.loads(read_asset("symbols.json"))
    return {s: every[s] for s in set(sidc_by_site.values()) if s in every}


def garrison_sidc(sc: Scenario, placements: list[dict[str, Any]]) -> str:
    """The symbol of a garrison: that of its largest contingent by personnel."""
    caps = {c.id: c for c in sc.capabilities}
    biggest = max(placements, key=lambda p: (p["personnel"], p["capability"]))
    cid = biggest["capability"]
    return SIDC_BY_CAPABILITY.get(cid) or SIDC_BY_DOMAIN[caps[cid].domain.value]


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{title}</title>
<style>{leaflet_css}</style>
<style>
 html, body {{ margin: 0; height: 100%; font-family: system-ui, sans-serif; }}
 #map {{ position: absolute; top: 3.2em; bottom: 0; left: 0; right: 0; background: #cfe3f3; }}
 header {{ height: 3.2em; padding: 0.4em 0.8em; box-sizing: border-box; background: #1d2b3a; color: #fff; }}
 header b {{ font-size: 1.05em; }} header span {{ color: #ffd37a; margin-left: 1em; font-size: 0.9em; }}
 .legend {{ background: #fff; padding: 6px 8px; font-size: 11px; line-height: 1.4; border-radius: 4px;
   max-width: 210px; }}
 .legend summary {{ cursor: pointer; font-weight: 600; }}
 .leaflet-control-layers-toggle, .leaflet-retina .leaflet-control-layers-toggle,
 .leaflet-touch .leaflet-control-layers-toggle {{ background-image: none;
   width: auto; height: auto; padding: 4px 9px; font: 600 12px system-ui, sans-serif; color: #1a1a1a; }}
 .leaflet-control-layers-toggle::after {{ content: "Layers"; }}
 @media (max-width: 700px) {{ header {{ height: auto; min-height: 3.2em; font-size: 12px; }}
   header span {{ display: block; margin: 0; }} body {{ display: flex; flex-direction: column; }}
   #map {{ position: relative; top: auto; flex: 1; }} .legend {{ max-width: 170px; }} }}
 .legend i {{ display: inline-block; width: 12px; height: 12px; margin-right: 5px; vertical-align: middle; }}
 .ms-icon {{ background: none; border: none; }}
 .map-label {{ white-space: nowrap; line-height: 1.3; color: #222; border-radius: 3px; }}
 .map-label.country-label {{ background: none; border: none; box-shadow: none; color: #6b6b6b;
   font: 600 12px sans-serif; letter-spacing: .12em; }}
 .map-label.city-label {{ background: rgba(255,255,255,.75); border: none; box-shadow: none; padding: 0 3px;
   font-size: 10px; }}
 .map-label.axis-label {{ background: #fff; border: 1px solid #d50000; color: #b71c1c; font-size: 10px;
   padding: 0 3px; }}
</style></head>
<body>
<header><b>{title}</b><span>Illustrative inputs: pledges, threats and combat-power scores are not real.</span></header>
<div id="map" data-ready="0"></div>
{leaflet_js}
<script type="application/json" id="symbols-data">{symbols_json}</script>
<script type="application/json" id="laydown-data">{data}</script>
<script type="application/json" id="base-data">{base}</script>
<script type="application/json" id="sidc-data">{sidc}</script>
<script type="application/json" id="names-data">{names}</script>
{map_js}
</body></html>
"""


def render_map_page(sc: Scenario, r: StationingResult, title: str | None = None) -> str:
    """A self-contained HTML page of the laydown (Leaflet and pre-rendered APP-6 symbols inlined; no network access)."""
    data = laydown_geojson(sc, r)
    sidc = {g.site: garrison_sidc(sc, [p.model_dump() for p in g.placements]) for g in r.garrisons}
    return PAGE.format(
        title=html.escape(title or f"forceplan laydown: {sc.name}"),
        leaflet_css=read_asset("leaflet.css"),
        leaflet_js=inline_script(read_asset("leaflet.js")),
        symbols_json=script_json(used_symbols(sidc)),
        data=script_json(data),
        base=script_json(_base_countries()),
        sidc=script_json(sidc),
        names=script_json(map_names(sc)),
        map_js=inline_script((Path(__file__).parent / "map.js").read_text(encoding="utf-8")),
    )
