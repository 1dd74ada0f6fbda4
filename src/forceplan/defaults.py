"""Defaults and vocabularies shared by the core and the command line, in a module that imports nothing heavy (the
command line reads them to build its options before any analysis module is loaded). Tests check each against the
core's own definition."""

from __future__ import annotations

RESPONSE_TRIALS = 2_000
"""Monte Carlo trials of the response timelines (``respond`` and the response stage of ``plan``)."""
ASSESS_TRIALS = 6_000
"""Trials of the deterrence assessment (``assess`` and ``plan``): 120 draws of the uncertain inputs × 50."""
SEED = 0
PLEDGE_STATUSES = ("offered", "verified", "committed", "deployed")
"""Pledge statuses a count may start from (``withdrawn`` never counts), in lifecycle order."""
CASE_FORMS = (
    "baseline",
    "without FRA[,DEU ...]",
    "<offered|verified|committed|deployed> only",
    "us backstop | no us backstop",
    "cap <personnel>",
    "share <percent>%",
)
"""What a ``--case`` may say (parsed by ``forceplan.forcegen.cases.parse_case``)."""
EXPLORE_THRESHOLD = 0.5
"""``forceplan explore``: a posture deters in a future when the worst threat's P(reaching its objective) is at most
this — the attacker is no more likely to succeed than to fail on any axis."""
