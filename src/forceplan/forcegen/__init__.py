"""Force generation: match nations' pledges to the force requirement (MILP), explain every shortfall,
burden sharing, readiness and what-if cases."""

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
