r"""Air power as the assessment uses it, and the coalition's levers on the pre-battle factors (docs/model.md, 7.5).

Sorties (per air element k and trial i):

    turn rate     s_k  = 24 h ÷ (2 × transit + turnaround + mission)          sorties per aircraft per day (basing)
    crew limit    c_i  = CREW_RATIO × sorties_per_crew_day_i                  sorties per aircraft per day (aircrew)
    flown         S_ik = aircraft_k × availability_i × min(s_k, c_i)            sorties a day
    attack        S_ik × (1 − air_defence_suppression_share_i)                 the rest escort and suppress air defence
    losses        λ_i  = air_defence_loss_per_sortie_i × Σ_k S_ik ÷ Σ_k aircraft_k × availability_i   (per day)

so a fleet that flies loses λ of its aircraft a day (its effect decays as e^(−λ t) while it flies).

Levers (each a value in [0, 1] for a factor of the fitted battle-outcome model):

    air superiority of the defender   P_air = 1 − exp(−(S ÷ frontage_km) ÷ air_superiority_sorties_per_km_day),
                                      S: sorties a day flying over the axis 24 h after H; a Bernoulli per trial
    surprise by the attacker          1 when the warning (detection → attack) is shorter than the time the
                                      defence needs to come to full alert (``defence_alert_h``), else 0
    defender posture (first battle)   the power-weighted shares of the defence by days in position at H:
                                      under PREPARED_AFTER_H hasty, under FORTIFIED_AFTER_H prepared, else fortified;
                                      the Ukrainian line, held since the ceasefire, is fortified. Battles after a
                                      breakthrough are fought from a re-formed, hasty defence.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

CREW_RATIO = 1.25
"""Aircrews per fighter aircraft (the US Air Force's planning crew ratio for active fighter squadrons; GAO-18-113,
'Military Personnel: DOD Needs to Reevaluate Fighter Pilot Workforce Requirements', 2018)."""
PREPARED_AFTER_H = 24.0
"""Hours in position after which a defence counts as prepared (field works dug: US Army FM 5-103, Survivability,
hasty fighting positions within hours, deliberate positions in one to two days)."""
FORTIFIED_AFTER_H = 168.0
"""Hours in position after which a defence counts as fortified (a week or more of engineer work: obstacles,
overhead cover, minefields; FM 5-103)."""
SUPERIORITY_REFERENCE_H = 24.0
"""The hour after H at which the sorties flying over the axis set P(air superiority): the first battle's median
duration is about a day (CDB90, 1 ÷ 0.618 per day)."""


def sortie_rates(
    turn_per_aircraft_day: NDArray[np.float64],
    aircraft: NDArray[np.float64],
    availability: NDArray[np.float64],
    sorties_per_crew_day: NDArray[np.float64],
    suppression_share: NDArray[np.float64],
    loss_per_sortie: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """(sorties flown a day, trials × elements; attack sorties a day, trials × elements; fleet loss rate a day,
    per trial). ``turn_per_aircraft_day`` and ``aircraft`` per element; the rest per trial."""
    cap = CREW_RATIO * np.asarray(sorties_per_crew_day, float)[:, None]
    rate = np.minimum(np.asarray(turn_per_aircraft_day, float)[None, :], cap)
    mc = np.asarray(availability, float)[:, None] * np.asarray(aircraft, float)[None, :]
    flown = mc * rate
    attack = flown * (1.0 - np.asarray(suppression_share, float))[:, None]
    fleet = mc.sum(axis=1)
    per_aircraft = np.divide(flown.sum(axis=1), fleet, out=np.zeros(len(fleet)), where=fleet > 0)
    return flown, attack, np.asarray(loss_per_sortie, float) * per_aircraft


def p_air_superiority(
    sorties_per_day: NDArray[np.float64], frontage_km: NDArray[np.float64], required_per_km_day: NDArray[np.float64]
) -> NDArray[np.float64]:
    """P(the defender holds local air superiority) = 1 − exp(−(sorties ÷ frontage) ÷ requirement): 0 without
    sorties, 1 − 1/e at the requirement, saturating towards 1."""
    density = np.asarray(sorties_per_day, float) / np.asarray(frontage_km, float)
    return 1.0 - np.exp(-density / np.asarray(required_per_km_day, float))


def surprise(warning_h: float | NDArray[np.float64], alert_h: NDArray[np.float64]) -> NDArray[np.float64]:
    """1 where the attack comes before the defence is at full alert (warning shorter than the alert time), else 0."""
    return (np.asarray(warning_h, float) < np.asarray(alert_h, float)).astype(float)


def posture_shares(
    fortified_power: NDArray[np.float64] | float,
    in_position_h: NDArray[np.float64],
    power: NDArray[np.float64],
    parallel: bool = True,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(prepared share, fortified share) of the defence at H, per trial, weighted by combat power.

    ``fortified_power``: per trial, the power in positions held since the ceasefire (the Ukrainian line);
    ``in_position_h``: trials × elements, hours each arriving element has been in position at H (negative or
    infinite: it arrives after H or never, and is not part of the first battle's defence); ``power`` per element.
    ``parallel``: trials split over the cores, else one pass on the calling thread (the assessment's threads: a
    few hundred microseconds of work, less than waking the cores' threads costs when another thread holds them)."""
    held = np.ascontiguousarray(in_position_h, dtype=float)
    w = np.asarray(power, float)
    base = np.ascontiguousarray(np.broadcast_to(np.asarray(fortified_power, float), (held.shape[0],)))
    kernel = _posture_kernel if parallel else _posture_kernel_serial
    return kernel(held, w, base, PREPARED_AFTER_H, FORTIFIED_AFTER_H)


@numba.njit(cache=True)
def _posture_trial(i, held, w, base, prepared_h, fortified_h, prep_share, fort_share):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Trial i's (prepared share, fortified share), written into the output arrays."""
    fort = base[i]
    prep = 0.0
    total = base[i]
    for e in range(held.shape[1]):
        h = held[i, e]
        if not np.isfinite(h) or h < 0.0:
            continue
        total += w[e]
        if h >= fortified_h:
            fort += w[e]
        elif h >= prepared_h:
            prep += w[e]
    if total > 0.0:
        prep_share[i] = prep / total
        fort_share[i] = fort / total


@numba.njit(cache=True, parallel=True)
def _posture_kernel(held, w, base, prepared_h, fortified_h):  # type: ignore[no-untyped-def]  # pragma: no cover
    """(prepared share, fortified share) per trial: one pass over trials × elements (parallel over trials)."""
    n = held.shape[0]
    prep_share = np.zeros(n)
    fort_share = np.zeros(n)
    for i in numba.prange(n):
        _posture_trial(i, held, w, base, prepared_h, fortified_h, prep_share, fort_share)
    return prep_share, fort_share


@numba.njit(cache=True, nogil=True)
def _posture_kernel_serial(held, w, base, prepared_h, fortified_h):  # type: ignore[no-untyped-def]  # pragma: no cover
    """As :func:`_posture_kernel`, on the calling thread without the interpreter lock."""
    n = held.shape[0]
    prep_share = np.zeros(n)
    fort_share = np.zeros(n)
    for i in range(n):
        _posture_trial(i, held, w, base, prepared_h, fortified_h, prep_share, fort_share)
    return prep_share, fort_share
