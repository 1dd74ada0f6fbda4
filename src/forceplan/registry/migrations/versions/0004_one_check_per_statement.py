"""The signed actor checked once per statement, not three times (PostgreSQL only; the walls are unchanged).

Each nation-walled policy of 0002 read the actor through three sub-selects, ``fp_role()`` twice and
``fp_nation()`` once; each became an init plan that verified the signed context afresh (a regular-expression match,
a read of the key, two SHA-256): about 60 µs each, three times per statement, four times per audit insert. Now
``fp_context()`` verifies it once and returns role, nation and user; ``fp_scope()`` says what the actor may see,
``'*'`` for a planner or an admin, the nation for a nation's editor, NULL for anyone else; and the policies
read ``(SELECT fp_scope()) = ANY (ARRAY['*', nation])``: one init plan per statement. The same rows pass as
before: a planner or an admin sees every row, an editor the rows of its own nation, no one else any row (a NULL
scope matches nothing).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

WALLED = ("pledges", "materiel", "audit")


def _schema() -> str:
    import sqlalchemy as sa

    return str(op.get_bind().execute(sa.text("SELECT current_schema()")).scalar())


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    schema = _schema()
    # The same verification as 0002's fp_actor, once: {role, nation, user}, or three empty strings.
    op.execute(
        f"""CREATE FUNCTION fp_context() RETURNS TEXT[] LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, {schema}, pg_temp AS $$
DECLARE ctx TEXT := current_setting('forceplan.ctx', true); body TEXT; mac TEXT; k BYTEA; expires NUMERIC;
BEGIN
  IF ctx IS NULL OR ctx !~ '^[a-z]*\\|[A-Z]{{0,3}}\\|[A-Za-z0-9_.-]*\\|[0-9]{{1,12}}\\|[0-9a-f]{{64}}$' THEN
    RETURN ARRAY['', '', ''];
  END IF;
  body := regexp_replace(ctx, '\\|[0-9a-f]{{64}}$', '');
  mac := substring(ctx from '([0-9a-f]{{64}})$');
  SELECT app_key INTO k FROM {schema}.wall_key WHERE id = 1;
  IF k IS NULL OR encode(sha256(k || sha256(k || convert_to(body, 'UTF8'))), 'hex') <> mac THEN
    RETURN ARRAY['', '', ''];
  END IF;
  expires := split_part(body, '|', 4)::NUMERIC;
  IF expires < extract(epoch FROM clock_timestamp()) THEN RETURN ARRAY['', '', '']; END IF;
  RETURN ARRAY[split_part(body, '|', 1), split_part(body, '|', 2), split_part(body, '|', 3)];
END $$"""
    )
    # plpgsql, not SQL: a SQL function that cannot be inlined is planned afresh at every call.
    op.execute(
        "CREATE FUNCTION fp_scope() RETURNS TEXT LANGUAGE plpgsql STABLE AS $$ DECLARE c TEXT[] := fp_context(); "
        "BEGIN RETURN CASE WHEN c[1] IN ('planner', 'admin') THEN '*' WHEN c[1] = 'editor' AND c[2] <> '' "
        "THEN c[2] END; END $$"
    )
    scope = "(SELECT fp_scope())"
    # = ANY (ARRAY[...]): "IN ('*', nation)" would be rewritten as two comparisons, each with its own init plan.
    own = f"({scope} = ANY (ARRAY['*', nation]))"
    _walls(own, f"(nation IS NULL AND {scope} = '*')")
    _stamp("DECLARE c TEXT[] := fp_context(); r TEXT := c[1];", "c[3]", schema)


def _walls(own: str, coalition: str) -> None:
    """Every walled table's policies with ``own`` as the row test, and the audit's coalition-row insert policy
    with ``coalition`` (the same statements up and down; only the tests differ)."""
    for table in WALLED:
        for policy in ("read", "insert", "update"):
            op.execute(f"DROP POLICY IF EXISTS {table}_{policy} ON {table}")
        op.execute(f"CREATE POLICY {table}_read ON {table} FOR SELECT USING {own}")
        op.execute(f"CREATE POLICY {table}_insert ON {table} FOR INSERT WITH CHECK {own}")
        if table != "audit":
            op.execute(f"CREATE POLICY {table}_update ON {table} FOR UPDATE USING {own} WITH CHECK {own}")
    op.execute("DROP POLICY IF EXISTS audit_insert_coalition ON audit")
    op.execute(f"CREATE POLICY audit_insert_coalition ON audit FOR INSERT WITH CHECK {coalition}")


def _stamp(declare: str, user: str, schema: str) -> None:
    """The audit trigger's function (0002's, reading the actor with ``declare`` and the user as ``user``)."""
    op.execute(
        f"""CREATE OR REPLACE FUNCTION fp_stamp_audit() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, {schema}, pg_temp AS $$
{declare}
BEGIN
  IF r = '' THEN
    IF pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
      RETURN NEW;  -- the owner's own tools (migrations, imports as the owner) are not subject to the wall
    END IF;
    RAISE EXCEPTION 'an audit row needs a signed actor' USING ERRCODE = 'insufficient_privilege';
  END IF;
  NEW.actor := {user};
  NEW.actor_role := r;
  NEW.at := (now() AT TIME ZONE 'UTC')::timestamp(0);
  RETURN NEW;
END $$"""
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    schema = _schema()
    role, nation = "(SELECT fp_role())", "(SELECT fp_nation())"
    planner = f"{role} IN ('planner', 'admin')"
    own = f"({planner} OR ({role} = 'editor' AND nation = {nation}))"
    _walls(own, f"(nation IS NULL AND {planner})")
    _stamp("DECLARE r TEXT := fp_actor(1);", "fp_actor(3)", schema)
    op.execute("DROP FUNCTION IF EXISTS fp_scope()")
    op.execute("DROP FUNCTION IF EXISTS fp_context()")
