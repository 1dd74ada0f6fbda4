"""The uncertain inputs a scenario may set in ``parameters``, with units, defaults and sources.

A scenario gives each as a distribution (``fixed`` or ``triangular``); a name not listed here is an error,
so a typo never silently leaves a default in force. The defaults below are used when a scenario omits one;
each is documented, with its source, in docs/model.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from forceplan.scenario.model import Fixed, Scenario, Triangular


@dataclass(frozen=True)
class ParameterSpec:
    name: str
    unit: str
    default: Fixed | Triangular
    description: str
    source: str


PARAMETERS: dict[str, ParameterSpec] = {
    p.name: p
    for p in [
        ParameterSpec(
            "coalition_decision_delay_h",
            "h",
            Triangular(min=6, mode=24, max=72),
            "Time from detection of a violation to the coalition's decision to respond",
            "Assumption (illustrative): 6 h with delegated authority, 72 h for a full NAC-style consultation",
        ),
        ParameterSpec(
            "road_circuity_factor",
            "1",
            Triangular(min=1.2, mode=1.3, max=1.5),
            "Road distance divided by great-circle distance",
            "Road-network circuity 1.2-1.4 (Ballou et al., 2002, Journal of Business Logistics 23(2))",
        ),
        ParameterSpec(
            "readiness_prep_h",
            "h",
            Triangular(min=2, mode=6, max=12),
            "Preparation of an in-theatre unit before it moves (load, brief)",
            "Assumption (illustrative); quick-reaction forces at 2 h notice, others within 12 h",
        ),
        ParameterSpec(
            "rsom_h",
            "h",
            Triangular(min=12, mode=24, max=48),
            "Reception, staging and onward movement at an entry node",
            "Assumption (illustrative), after NATO AJP-3.13 (RSOM) practice of 1-2 days per unit",
        ),
        ParameterSpec(
            "march_hours_per_day",
            "h",
            Triangular(min=8.0, mode=10.0, max=12.0),
            "Hours a road column drives in a day (the rest: rest, maintenance, refuelling); rail runs round the clock",
            "Assumption (illustrative), after road-march planning practice (US Army ST 100-3, ch. 8): a day's "
            "march of 8-12 hours",
        ),
        ParameterSpec(
            "gauge_transload_h",
            "h",
            Triangular(min=12.0, mode=24.0, max=48.0),
            "Transloading a train at a break of gauge (1,435 to 1,520 mm at the Ukrainian border), per unit",
            "Assumption (illustrative); Ukraine's 1,520 mm gauge against 1,435 mm in Poland, Slovakia, Hungary "
            "and Romania requires transloading or bogie exchange at the border (public rail references)",
        ),
        ParameterSpec(
            "rail_kmh",
            "km/h",
            Triangular(min=20, mode=30, max=40),
            "Average speed of a military train, loading stops included",
            "Assumption (illustrative); EU rail freight averages 18-25 km/h (EU Court of Auditors, 2016)",
        ),
        ParameterSpec(
            "sea_kmh",
            "km/h",
            Fixed(value=28.0),
            "Average speed of a ro-ro sealift ship (15 knots)",
            "Typical ro-ro service speed 15-18 knots",
        ),
        ParameterSpec(
            "airlift_kmh",
            "km/h",
            Fixed(value=750.0),
            "Block speed of strategic airlift (A400M/C-17 cruise about 780-830 km/h)",
            "Manufacturer data: A400M cruise Mach 0.68-0.72",
        ),
        ParameterSpec(
            "loading_h",
            "h",
            Triangular(min=12, mode=24, max=48),
            "Loading at the home base or port of embarkation",
            "Assumption (illustrative)",
        ),
        ParameterSpec(
            "air_alert_h",
            "h",
            Triangular(min=0.25, mode=1.0, max=4.0),
            "Alert posture: from the order to the first aircraft airborne",
            "NATO quick reaction alert airborne within 15 min (lower bound); squadrons not on QRA take hours",
        ),
        ParameterSpec(
            "air_availability",
            "1",
            Triangular(min=0.6, mode=0.7, max=0.8),
            "Fraction of a squadron's aircraft mission-capable",
            "Mission-capable rates of 60-80 % for European fighter fleets (press summaries)",
        ),
        ParameterSpec(
            "stockpile_crew_h",
            "h",
            Triangular(min=24, mode=72, max=168),
            "Time to crew released equipment after it arrives",
            "Assumption (illustrative); APS-2 issued 600 vehicles in one week in 2022 (Army Times)",
        ),
        ParameterSpec(
            "attacker_lethality_per_day",
            "1/day",
            Triangular(min=0.00332, mode=0.0185, max=0.08791),
            "Square-law k_A: defender losses per day per unit of attacker strength",
            "CDB90, 207 battles since 1939: 10th, 50th, 90th percentiles of (defender casualties ÷ days) ÷ "
            "attacker initial strength (forceplan.engagement.calibrate.derive_defaults)",
        ),
        ParameterSpec(
            "defender_lethality_per_day",
            "1/day",
            Triangular(min=0.00816, mode=0.03064, max=0.14845),
            "Square-law k_D: attacker losses per day per unit of defender strength",
            "CDB90, 207 battles since 1939: 10th, 50th, 90th percentiles of (attacker casualties ÷ days) ÷ "
            "defender initial strength",
        ),
        ParameterSpec(
            "battle_hazard_per_day",
            "1/day",
            Fixed(value=0.618),
            "Rate at which a battle is decided (the defence breaks or the attack culminates)",
            "CDB90: 1 / the mean duration (1.62 days) of the battles of at most 30 days "
            "(forceplan.engagement.calibrate.battle_hazard_per_day)",
        ),
        ParameterSpec(
            "contested_advance_km_per_day",
            "km/day",
            Triangular(min=0.031, mode=0.05, max=0.154),
            "Advance while a battle is undecided (the defence holds): the attritional grind",
            "Occupied-territory snapshots 2024-07 to 2026-08 (DeepStateMap): the 90th percentile of the front's "
            "displacement per day in each sector and half-year with an active front; min, median, max "
            "(forceplan.geo.advance)",
        ),
        ParameterSpec(
            "exploitation_advance_km_per_day",
            "km/day",
            Triangular(min=4.0, mode=10.0, max=30.0),
            "Advance after the defence has broken, until it re-forms. Unless a scenario sets it, the assessment "
            "draws it from the lognormal fitted to the offensives of 2022-2025 (forceplan.engagement.pace; this "
            "triangular is then unused)",
            "The pace table of 2022-2025 offensives (ISW, RUSI; docs/data-sources.md): from the southern advance "
            "from Crimea in February 2022 (tens of km a day) and Kharkiv in September 2022 (about 15 km/day) to "
            "the Pokrovsk axis in 2024 (under 1 km/day)",
        ),
        ParameterSpec(
            "pursuit_days",
            "day",
            Triangular(min=2.0, mode=5.0, max=8.0),
            "How long the attacker exploits a broken defence before the defence re-forms and a new battle begins",
            "Kharkiv, September 2022: the exploitation ran 6-11 September (about 5 days) before it slowed at the "
            "Oskil river; assumption (illustrative) for the range",
        ),
        ParameterSpec(
            "holding_attrition_factor",
            "1",
            Triangular(min=0.1, mode=0.2, max=0.33),
            "After culmination the exchange continues at this fraction of the assault's attrition rates",
            "After Dupuy (1990, Attrition): casualty rates of forces holding or in static positions are a small "
            "fraction (roughly one-tenth to one-third) of those in an attack; assumption (illustrative) for the "
            "triangular range",
        ),
        ParameterSpec(
            "air_attrition_per_sortie",
            "1",
            Triangular(min=0.002, mode=0.01, max=0.03),
            "Attacker combat power destroyed per attack sortie, battalion-equivalents (mode: about 0.4 of a "
            "battalion's 40 armoured vehicles)",
            "Assumption (illustrative), against a defended ground force; the 1991 Gulf War's claims of air-power "
            "effectiveness were later found much inflated (D. G. Press, 'The Myth of Air Power in the Persian Gulf "
            "War', International Security 26(2), 2001)",
        ),
        ParameterSpec(
            "strike_kill_per_munition",
            "1",
            Triangular(min=0.005, mode=0.02, max=0.05),
            "Attacker combat power destroyed per long-range munition on staging areas and arriving echelons, "
            "battalion-equivalents (mode: about one armoured vehicle of a battalion's 40)",
            "Assumption (illustrative); cluster or unitary warheads of ATACMS / Storm Shadow class against "
            "concentrations behind the line",
        ),
        ParameterSpec(
            "sorties_per_crew_day",
            "1/day",
            Triangular(min=1.0, mode=1.5, max=2.0),
            "Attack sorties one aircrew flies a day, sustained over a 30-day campaign (aircrew: 1.25 per aircraft); "
            "caps the turn-cycle sortie rate",
            "Assumption (illustrative): surge rates of 2-3 sorties a crew a day fall to 1-1.5 within days under "
            "crew-rest rules; Desert Storm's fighters averaged roughly one to one and a half sorties per aircraft a "
            "day over 43 days (Gulf War Air Power Survey, 1993, vol. V)",
        ),
        ParameterSpec(
            "air_defence_loss_per_sortie",
            "1",
            Triangular(min=0.001, mode=0.005, max=0.02),
            "Aircraft lost per sortie to Russian ground-based air defence over the front (the fleet and its effect "
            "shrink by this share of each day's sorties)",
            "Historical loss rates per sortie: Desert Storm about 0.03 % (38 combat losses); Israel, October 1973 "
            "about 1 % (some 100 aircraft in about 11,000 sorties, most to SA-6 and guns); Linebacker II B-52s "
            "about 2 % (15 of 729); Russian air defence over the front today is dense: assumption (illustrative) "
            "for the range",
        ),
        ParameterSpec(
            "air_defence_suppression_share",
            "1",
            Triangular(min=0.25, mode=0.4, max=0.5),
            "Share of sorties flown as escort and suppression of enemy air defence (SEAD) rather than attacking "
            "ground forces",
            "Assumption (illustrative): strike packages over defended airspace in 1991 and 1999 carried roughly one "
            "support sortie (SEAD, escort, jamming) for every one to three attack sorties",
        ),
        ParameterSpec(
            "air_superiority_sorties_per_km_day",
            "1/(km·day)",
            Triangular(min=1.0, mode=3.0, max=8.0),
            "Sorties a day per km of the attacked front at which the defender holds local air superiority with "
            "probability 1 − 1/e (≈ 0.63); P = 1 − exp(−density ÷ this)",
            "Assumption (illustrative), an order of magnitude: in Desert Storm about 2,500-3,000 sorties a day over "
            "a front of some 300 km (about 10 per km a day) held air supremacy over a weak air force; Russian air "
            "defence today is far stronger",
        ),
        ParameterSpec(
            "axis_frontage_km",
            "km",
            Triangular(min=15.0, mode=25.0, max=40.0),
            "Width of the front an offensive on one axis attacks on (the sector air superiority must cover)",
            "Assumption (illustrative), after Soviet and Russian doctrine's army breakthrough sectors of 10-30 km",
        ),
        ParameterSpec(
            "defence_alert_h",
            "h",
            Triangular(min=12.0, mode=36.0, max=96.0),
            "Hours the defence needs after the monitoring detects an offensive's preparations to be at full "
            "alert (manned, dispersed, reserves moved); an attack that comes sooner achieves surprise",
            "Assumption (illustrative); R. K. Betts, Surprise Attack (Brookings, 1982): in most surprise attacks "
            "warning was available, and the victim's response lagged it by hours to days",
        ),
        ParameterSpec(
            "attacker_arrival_factor",
            "1",
            Triangular(min=0.8, mode=1.0, max=1.2),
            "Multiplies the attacker's follow-on arrivals per trial (the schedule is uncertain)",
            "Assumption (illustrative)",
        ),
    ]
}


def parameter(sc: Scenario, name: str) -> Fixed | Triangular:
    """The scenario's distribution for ``name``, or the documented default."""
    if name not in PARAMETERS:
        raise KeyError(f"unknown parameter {name!r}")
    return sc.parameters.get(name, PARAMETERS[name].default)
