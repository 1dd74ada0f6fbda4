"""The demo registry's data: the bundled scenario with its pledge dates moved to the present.

The bundled pledges carry the dates of the published record they were built from (2025). Imported as they are, every
pledge of a demo started later is past its six-monthly renewal and shows red "overdue". For the demo only, every
status date is moved by one number of days, so that the newest falls on the day before today: the order of events and
the gaps between them are kept, and so the pledges that were last confirmed long ago are still the ones overdue.
"""

from __future__ import annotations

import datetime as dt

from forceplan.scenario import Scenario

NEWEST_DAYS_AGO = 1


def dates_from_today(sc: Scenario, today: dt.date) -> tuple[Scenario, int]:
    """``sc`` with every pledge's status dates moved so the newest is :data:`NEWEST_DAYS_AGO` days before ``today``;
    returns the scenario and the shift in days."""
    dates = [d for p in sc.pledges for d in p.status_dates.values()]
    if not dates:
        return sc, 0
    shift = (today - dt.timedelta(days=NEWEST_DAYS_AGO) - max(dates)).days
    step = dt.timedelta(days=shift)
    pledges = tuple(
        p.model_copy(update={"status_dates": {k: d + step for k, d in p.status_dates.items()}}) for p in sc.pledges
    )
    return sc.model_copy(update={"pledges": pledges}), shift
