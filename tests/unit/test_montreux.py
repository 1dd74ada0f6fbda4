"""Montreux in stationing (issue 23, item 8): warships of states outside the Black Sea, and not in
``straits_open_to``, are never stationed beyond the Straits; the result says which are held outside and which
protected sites that leaves uncovered (checked against the same force stationed without the rule)."""

from __future__ import annotations

import numpy as np
import pytest

from forceplan.forcegen import ForcegenResult, match_force
from forceplan.geo.straits import BLACK_SEA_STATES, beyond_the_straits, straits_closed_to
from forceplan.scenario import Scenario
from forceplan.scenario.model import Domain, Site
from forceplan.stationing import station_force
from forceplan.stationing.laydown import Group, site_reasons
from tests.factories import capability, pledge

pytestmark = pytest.mark.unit

BEYOND = {  # ports and sea areas reached only through the Bosporus (WGS84 lon, lat)
    "Odesa": (30.73, 46.48),
    "Chornomorsk": (30.65, 46.30),
    "Izmail (Danube)": (28.85, 45.33),
    "Galați (Danube)": (28.05, 45.43),
    "Constanța": (28.65, 44.17),
    "Varna": (27.95, 43.20),
    "Burgas": (27.47, 42.50),
    "Sevastopol": (33.52, 44.60),
    "Novorossiysk": (37.77, 44.72),
    "Mariupol (Sea of Azov)": (37.55, 47.10),
    "Batumi": (41.64, 41.65),
    "Samsun": (36.33, 41.29),
    "north-western Black Sea": (30.90, 45.90),
}
OUTSIDE = {
    "Istanbul, Haydarpaşa (on the Bosporus)": (29.02, 41.00),
    "İzmit (Sea of Marmara)": (29.92, 40.76),
    "Tekirdağ (Sea of Marmara)": (27.50, 40.98),
    "Çanakkale (Dardanelles)": (26.40, 40.15),
    "Piraeus": (23.63, 37.94),
    "Souda Bay": (24.08, 35.49),
    "Mersin": (34.64, 36.80),
    "Gdynia": (18.55, 54.53),
    "Zaporizhzhia (up the Dnipro)": (35.14, 47.84),
}


def test_the_basin_holds_the_black_sea_ports_and_nothing_outside_the_straits() -> None:
    for places, expected in ((BEYOND, True), (OUTSIDE, False)):
        xy = np.array(list(places.values()))
        got = beyond_the_straits(xy[:, 0], xy[:, 1])
        assert [p for p, b in zip(places, got, strict=True) if b != expected] == []


def test_who_the_straits_are_closed_to() -> None:
    assert all(not straits_closed_to(n) for n in BLACK_SEA_STATES)
    assert straits_closed_to("ITA") and straits_closed_to("GBR", ("FRA",))
    assert not straits_closed_to("GBR", ("GBR",))


def _port(sid: str, lonlat: tuple[float, float], country: str) -> Site:
    return Site(id=sid, name=sid, kind="port", location=lonlat, country=country, capacity_personnel=3000, station=True)


@pytest.mark.parametrize(
    ("nation", "open_to", "port", "held"),
    [
        ("ITA", (), ("odesa", BEYOND["Odesa"], "UKR"), True),
        ("GBR", (), ("chornomorsk", BEYOND["Chornomorsk"], "UKR"), True),
        ("GRC", (), ("constanta", BEYOND["Constanța"], "ROU"), True),
        ("ITA", ("ITA",), ("odesa", BEYOND["Odesa"], "UKR"), False),  # Turkey lets Italy's warships through
        ("TUR", (), ("odesa", BEYOND["Odesa"], "UKR"), False),  # a Black Sea state
        ("ROU", (), ("constanta", BEYOND["Constanța"], "ROU"), False),
        ("ITA", (), ("souda", OUTSIDE["Souda Bay"], "GRC"), False),  # outside the Straits
    ],
)
def test_a_warship_beyond_the_straits(bundled: Scenario, nation, open_to, port, held) -> None:
    sc = bundled.model_copy(update={"geography": bundled.geography.model_copy(update={"straits_open_to": open_to})})
    cap = next(c for c in bundled.capabilities if c.id == "frigate")
    g = Group(pledge=pledge("p", nation, cap="frigate", personnel=200), capability=cap, slot="s", units=1)
    site = _port(*port)
    beyond = bool(beyond_the_straits(*site.location)[()])
    codes = [c for c, _ in site_reasons(sc, g, site, False, 400.0, 50.0, beyond_straits=beyond)]
    assert ("montreux" in codes) is held
    land = Group(pledge=pledge("q", nation), capability=capability(), slot="s", units=1)
    assert "montreux" not in [c for c, _ in site_reasons(sc, land, site, False, 400.0, 50.0, beyond_straits=beyond)]


@pytest.fixture(scope="module")
def baseline(bundled: Scenario) -> ForcegenResult:
    return match_force(bundled)


def test_the_bundled_laydown_keeps_foreign_warships_out_of_the_black_sea(bundled: Scenario, baseline) -> None:
    """Issue 23: the laydown put British and Dutch minehunters at Chornomorsk, an Italian frigate at Izmail and a
    Greek frigate at Constanța."""
    r = station_force(bundled, baseline)
    caps = {c.id: c for c in bundled.capabilities}
    sites = {s.id: s for s in bundled.sites}
    for g in r.garrisons:
        for p in g.placements:
            if caps[p.capability].domain is Domain.maritime and beyond_the_straits(*sites[g.site].location)[()]:
                assert not straits_closed_to(p.nation, bundled.geography.straits_open_to), (p.nation, g.site)
    held = {(h.nation, h.capability) for h in r.montreux.held}
    assert {("GBR", "mcm_vessel"), ("NLD", "mcm_vessel"), ("ITA", "frigate"), ("GRC", "frigate")} <= held
    unplaced = {u.pledge: u for u in r.unplaced}
    for h in r.montreux.held:
        assert h.stationed_outside == 0 and "montreux" in unplaced[h.pledge].reason
        assert unplaced[h.pledge].detail.startswith("Montreux Convention")


def test_what_the_rule_leaves_uncovered_is_what_the_force_covers_without_it(bundled: Scenario, baseline) -> None:
    """Hand-checkable: the Black Sea states' warships removed, Izmail must hold 1.0 combat power within 1 km in 400
    personnel. Two held frigates (200 personnel and 0.5 each) do it exactly; no mix of land units in 400 personnel
    reaches 1.0 (the densest, 3 special-forces task groups, make 0.9). So the rule leaves Izmail uncovered, and
    opening the Straits to Italy and Greece covers it."""
    caps = {c.id: c for c in bundled.capabilities}
    pledges = {p.id: p for p in bundled.pledges}

    def foreign_or_land(pid: str) -> bool:
        p = pledges[pid]
        return p.nation not in BLACK_SEA_STATES or caps[p.capability].domain is not Domain.maritime

    fg = baseline.model_copy(update={"assignments": [a for a in baseline.assignments if foreign_or_land(a.pledge)]})
    sites = []
    for s in bundled.sites:
        if s.id == "port-izmail":
            assert s.protection is not None
            prot = s.protection.model_copy(update={"radius_km": 1.0, "required_combat_power": 1.0})
            s = s.model_copy(update={"protection": prot, "capacity_personnel": 400})
        sites.append(s)
    sc = bundled.model_copy(update={"sites": tuple(sites)})
    r = station_force(sc, fg)
    assert [u.site for u in r.montreux.uncovered] == ["port-izmail"]
    assert not next(c for c in r.coverage if c.site == "port-izmail").covered
    opened = sc.model_copy(update={"geography": sc.geography.model_copy(update={"straits_open_to": ("GRC", "ITA")})})
    r2 = station_force(opened, fg)
    assert next(c for c in r2.coverage if c.site == "port-izmail").covered
    assert {h.nation for h in r2.montreux.held} == {"GBR", "NLD"} and r2.montreux.uncovered == []
