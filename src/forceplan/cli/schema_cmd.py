"""``forceplan schema NAME``: print the JSON Schema of a command's --json output."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated

import typer

from forceplan.cli.common import fail


def _schemas() -> dict[str, Callable[[], dict[str, object]]]:
    from forceplan.engagement.assess import json_schema as assess_schema
    from forceplan.forcegen.result import json_schema as forcegen_schema
    from forceplan.plan import json_schema as plan_schema
    from forceplan.stationing.result import json_schema as stationing_schema
    from forceplan.sustain.result import json_schema as sustain_schema
    from forceplan.timeline.result import json_schema as respond_schema

    return {
        "forcegen": forcegen_schema,
        "stationing": stationing_schema,
        "respond": respond_schema,
        "assess": assess_schema,
        "plan": plan_schema,
        "sustain": sustain_schema,
    }


def schema(
    name: Annotated[str, typer.Argument(help="Which output: forcegen, stationing, respond, assess, plan, sustain")],
) -> None:
    """Print the JSON Schema (draft 2020-12) of a command's --json output."""
    schemas = _schemas()
    if name not in schemas:
        fail(f"no schema named {name!r}", f"known: {', '.join(schemas)}")
    print(json.dumps(schemas[name](), indent=2, sort_keys=True))
