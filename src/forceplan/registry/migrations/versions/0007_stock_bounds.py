"""The stocks' bounds checked by the database too (SQLite and PostgreSQL), as the pledges' are (schema 0002).

A stock (``materiel``) is kept as the JSON of :class:`forceplan.scenario.model.Materiel` (its fields change with the
scenario format); until now only the model and the API checked its bounds. The check ``ck_materiel_bounds``
restates them for the database, on the JSON itself, in each database's JSON functions:

- ``id`` is a string equal to the row's ``id``, and ``nation`` a string equal to the row's ``nation``, or absent
  (or JSON null) when the row's ``nation`` is NULL: the row-level-security wall reads the column, the export reads
  the JSON, so they can never disagree;
- ``quantity`` an integer in [1, 100 000]; ``combat_power_per_item`` a number in [0, 10]; ``release_prep_h`` a
  number in [0, 8 760]; ``transport_kmh`` absent (the model's default) or a number in (0, 200];
- ``depot`` a site id (a string) or ``[lon, lat]``: two numbers in [-180, 180] and [-90, 90].

The condition is written so that it is true or false, never NULL (a CHECK that is NULL passes): the whole
is wrapped in ``CASE WHEN ... THEN 1 ELSE 0 END = 1``, so an absent field (NULL) makes it false; and so that PostgreSQL
never casts a value that is not a JSON number (its ``CASE`` evaluates in order; ``AND`` need not). An integer is
one written with digits only, on both (SQLite: ``json_type`` 'integer'; PostgreSQL: the text matches ``^-?[0-9]+$``):
5.0 is refused, as the application never writes it (it stores the model's JSON). An integer
beyond 64 bits is read as a real value by SQLite (1e20) and as numeric by PostgreSQL: the bounds refuse both.

An existing stock outside the bounds stops the upgrade with a message naming it (the application never wrote one;
a hand-edited database might have).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

NAME = "ck_materiel_bounds"
NUMBERS = (("combat_power_per_item", "0", "10"), ("release_prep_h", "0", "8760"))
"""Required numbers and their closed bounds (Materiel's Field(ge, le))."""


def bounds(dialect: str) -> str:
    """The check's condition, for ``dialect`` ('sqlite' or 'postgresql')."""
    pg = dialect == "postgresql"

    def typ(*path: str | int) -> str:
        """The JSON type at ``path`` (NULL when absent)."""
        if pg:
            return f"json_typeof(body #> '{{{','.join(map(str, path))}}}')"
        return f"json_type(body, '$.{path[0]}{''.join(f'[{i}]' for i in path[1:])}')"

    def value(*path: str | int) -> str:
        """The value at ``path``: SQLite's own type; PostgreSQL's text (cast only where it is a JSON number)."""
        if pg:
            return f"(body #>> '{{{','.join(map(str, path))}}}')"
        return typ(*path).replace("json_type(", "json_extract(", 1)

    string, true, false = ("'string'", "true", "false") if pg else ("'text'", "1", "0")

    def number_in(test: str, *path: str | int) -> str:
        x = f"{value(*path)}::numeric" if pg else value(*path)
        kinds = "= 'number'" if pg else "IN ('integer', 'real')"
        return f"(CASE WHEN {typ(*path)} {kinds} THEN {test.format(x=x)} ELSE {false} END)"

    quantity = "{x} BETWEEN 1 AND 100000"
    if pg:  # digits only: 5.0 and 1e2 are numbers, not integers
        integer = (
            f"(CASE WHEN {value('quantity')} ~ '^-?[0-9]+$' THEN {number_in(quantity, 'quantity')} ELSE false END)"
        )
        pair = "(CASE WHEN json_array_length(body -> 'depot') = 2 THEN {} ELSE false END)"
    else:
        integer = f"(CASE WHEN {typ('quantity')} = 'integer' THEN {value('quantity')} BETWEEN 1 AND 100000 ELSE 0 END)"
        pair = "(CASE WHEN json_array_length(body, '$.depot') = 2 THEN {} ELSE 0 END)"
    lonlat = (
        f"{number_in('{x} BETWEEN -180 AND 180', 'depot', 0)} AND {number_in('{x} BETWEEN -90 AND 90', 'depot', 1)}"
    )
    parts = [
        f"{typ('id')} = {string} AND {value('id')} = id",
        f"(CASE WHEN nation IS NULL THEN COALESCE({typ('nation')}, 'null') = 'null' "
        f"ELSE {typ('nation')} = {string} AND {value('nation')} = nation END)",
        integer,
        *(number_in(f"{{x}} BETWEEN {lo} AND {hi}", name) for name, lo, hi in NUMBERS),
        f"({typ('transport_kmh')} IS NULL OR {number_in('{x} > 0 AND {x} <= 200', 'transport_kmh')})",
        f"(CASE WHEN {typ('depot')} = {string} THEN {true} WHEN {typ('depot')} = 'array' THEN {pair.format(lonlat)} "
        f"ELSE {false} END)",
    ]
    # Any NULL inside (an absent field) makes the WHEN false: the check is never NULL, so never passes by default.
    return "CASE WHEN " + " AND ".join(parts) + " THEN 1 ELSE 0 END = 1"


def upgrade() -> None:
    bind = op.get_bind()
    condition = bounds(bind.dialect.name)
    bad = [str(i) for (i,) in bind.execute(sa.text(f"SELECT id FROM materiel WHERE NOT ({condition}) ORDER BY id"))]
    if bad:
        raise RuntimeError(
            f"stocks {', '.join(bad[:20])}{' …' if len(bad) > 20 else ''} are outside the bounds of the scenario "
            "format (quantity, combat power per item, release preparation, transport speed, depot): correct them "
            "(forceplan registry export, fix, import) and upgrade again"
        )
    with op.batch_alter_table("materiel") as b:
        b.create_check_constraint(NAME, sa.text(condition))


def downgrade() -> None:
    with op.batch_alter_table("materiel") as b:
        b.drop_constraint(NAME, type_="check")
