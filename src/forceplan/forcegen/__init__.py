"""Force generation: match nations' pledges to the force requirement (MILP), explain every shortfall,
burden sharing, readiness and what-if cases.

The names below load on first use, so that reading a result (:mod:`forceplan.forcegen.result`) or the options
(:mod:`forceplan.forcegen.eligibility`) does not import the solver's modules."""

from typing import TYPE_CHECKING

from forceplan.lazy import lazy_attributes

if TYPE_CHECKING:
    from forceplan.forcegen.cases import CASE_FORMS, CaseError, parse_case, run_cases
    from forceplan.forcegen.eligibility import Options, phase_windows, pledge_pool, why_not
    from forceplan.forcegen.result import SCHEMA_ID, ForcegenResult
    from forceplan.forcegen.run import match_force

__all__ = [
    "CASE_FORMS",
    "SCHEMA_ID",
    "CaseError",
    "ForcegenResult",
    "Options",
    "match_force",
    "parse_case",
    "phase_windows",
    "pledge_pool",
    "run_cases",
    "why_not",
]
__getattr__ = lazy_attributes(
    __name__,
    {
        "CASE_FORMS": "cases",
        "CaseError": "cases",
        "parse_case": "cases",
        "run_cases": "cases",
        "Options": "eligibility",
        "phase_windows": "eligibility",
        "pledge_pool": "eligibility",
        "why_not": "eligibility",
        "SCHEMA_ID": "result",
        "ForcegenResult": "result",
        "match_force": "run",
    },
)
