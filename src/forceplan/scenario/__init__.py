"""The scenario: forceplan's one input. Models, loading with precise messages, checks, bundled scenarios."""

from forceplan.scenario.bundled import (
    bundled_path,
    canonical_dict,
    export_scenario,
    list_bundled,
    save_scenario,
    scenario_digest,
)
from forceplan.scenario.checks import check_scenario, line_of_contact
from forceplan.scenario.io import load_scenario
from forceplan.scenario.model import SCHEMA_VERSION, Scenario
from forceplan.scenario.problems import Problem, ScenarioError

__all__ = [
    "SCHEMA_VERSION",
    "Problem",
    "Scenario",
    "ScenarioError",
    "bundled_path",
    "canonical_dict",
    "check_scenario",
    "export_scenario",
    "line_of_contact",
    "list_bundled",
    "load_scenario",
    "save_scenario",
    "scenario_digest",
]
