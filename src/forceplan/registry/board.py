"""The board the dashboard's figures are posted on: one row per data version and audience in ``posted_figures``,
and the lease in ``figures_lease`` that lets one server process compute them at a time (see
:mod:`forceplan.registry.figures`). Posting, pruning and the lease are the system actor's; a reader reads the
newest row of its audience in its own transaction, so on PostgreSQL row-level security decides what it may read.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from forceplan.registry.db import SYSTEM, Actor, FiguresLease, PostedFigures, transaction


def take_lease(engine: Engine, hold_s: float) -> bool:
    """Whether this process may compute now: the lease was free (its time passed), and is now held ``hold_s``."""
    now = time.time()
    with transaction(engine, SYSTEM) as s:
        taken = s.execute(
            update(FiguresLease).where(FiguresLease.id == 1, FiguresLease.until_s <= now).values(until_s=now + hold_s)
        )
        return bool(getattr(taken, "rowcount", 0) == 1)


def release_lease(engine: Engine, gap_s: float) -> None:
    """End the computation: the next one, in any process, starts no sooner than ``gap_s`` from now."""
    with transaction(engine, SYSTEM) as s:
        s.execute(update(FiguresLease).where(FiguresLease.id == 1).values(until_s=time.time() + max(0.0, gap_s)))


def _finite(value: Any) -> Any:
    """JSON that PostgreSQL's json type accepts: a non-finite number (no figure should be one) becomes null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def post(engine: Engine, version: str, computed_at: dt.datetime, bodies: dict[tuple[str, str], Any], keep: int) -> None:
    """Post the figures of ``version`` (``bodies``: (audience, nation) -> body) unless they are posted already,
    and remove those of all but the ``keep`` newest versions."""
    try:
        with transaction(engine, SYSTEM) as s:
            if s.scalar(select(func.count()).select_from(PostedFigures).where(PostedFigures.version == version)):
                return
            for (audience, nation), body in bodies.items():
                s.add(PostedFigures(version=version, audience=audience, nation=nation, computed_at=computed_at,
                                    body=_finite(body)))  # fmt: skip
            s.flush()
            newest = s.execute(
                select(PostedFigures.version, func.max(PostedFigures.id).label("last"))
                .group_by(PostedFigures.version)
                .order_by(func.max(PostedFigures.id).desc())
            ).all()
            old = [v for v, _ in newest[keep:]]
            if old:
                s.execute(delete(PostedFigures).where(PostedFigures.version.in_(old)))
    except IntegrityError:  # posted meanwhile by another process (the same figures): nothing to add
        return


def newest_version(engine: Engine) -> str | None:
    """The version of the newest posted figures (read as the system actor)."""
    with transaction(engine, SYSTEM, read_only=True) as s:
        return s.scalar(select(PostedFigures.version).order_by(PostedFigures.id.desc()).limit(1))


def newest(engine: Engine, actor: Actor, audience: str, nation: str = "") -> tuple[int, str, Callable[[], Any]] | None:
    """The newest posted row of ``audience`` (and ``nation``) that ``actor`` may read: (id, version, a function
    that reads its body), or None. The body is read only when asked for (a reader decodes it once)."""
    with transaction(engine, actor, read_only=True) as s:
        row = s.execute(
            select(PostedFigures.id, PostedFigures.version)
            .where(PostedFigures.audience == audience, PostedFigures.nation == nation)
            .order_by(PostedFigures.id.desc())
            .limit(1)
        ).first()
    if row is None:
        return None
    row_id = int(row[0])

    def body() -> Any:
        with transaction(engine, actor, read_only=True) as s:
            return s.scalar(select(PostedFigures.body).where(PostedFigures.id == row_id))

    return row_id, str(row[1]), body
