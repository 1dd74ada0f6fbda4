"""Defaults and vocabularies shared by the core and the command line, in a module that imports nothing heavy (the
command line reads them to build its options before any analysis module is loaded). Tests check each against the
core's own definition."""

from __future__ import annotations

RESPONSE_TRIALS = 2_000
"""Monte Carlo trials of the response timelines (``respond`` and the response stage of ``plan``)."""
INNER_TRIALS = 15
"""Trials of the deterrence assessment per draw of its uncertain inputs (the inner loop of its two-stage design,
``engagement.engagements``). The inputs drawn per outer draw move P far more than the inner trials' noise, so the
Monte Carlo error of P and of the interval's ends falls fastest with many outer draws of few trials each; 15 keeps
the noise correction (its variance ∝ 1/inner²) small against the spread of P over the inputs."""
MIN_INPUT_DRAWS = 20
"""The fewest draws of the assessment's uncertain inputs (fewer give no interval worth printing): at least
MIN_INPUT_DRAWS × INNER_TRIALS = 300 trials."""
ASSESS_TRIALS = 6_000
"""Trials of the deterrence assessment (``assess`` and ``plan``): 400 draws of the uncertain inputs × 15."""
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
