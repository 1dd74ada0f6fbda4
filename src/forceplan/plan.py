"""The pipeline: scenario → force package → laydown → response timelines → deterrence assessment → phased plan.

``run_plan`` returns a :class:`PlanResult` with a stable, versioned JSON form (docs/schemas/plan.schema.json):
no wall-clock times or timestamps, so the same inputs and seed give byte-identical ``plan.json``.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import Field

from forceplan import __version__
from forceplan.defaults import ASSESS_TRIALS, RESPONSE_TRIALS
from forceplan.engagement.results import AssessResult
from forceplan.forcegen import ForcegenResult, Options, phase_windows, pledge_pool
from forceplan.names import case_words
from forceplan.results import Out, versioned_schema
from forceplan.scenario import Scenario, line_of_contact
from forceplan.scenario.model import MoveMode
from forceplan.scenario.parameters import parameter
from forceplan.stagecache import ScenarioViews, StageCache, digest_of
from forceplan.stationing.result import StationingResult
from forceplan.sustain.result import SustainResult
from forceplan.timeline.result import RespondResult

if TYPE_CHECKING:
    from forceplan.engagement.outcome import OutcomeModel
    from forceplan.timeline.allocate import AxisPlan

# The stages themselves (the assessment's numba engine, the MILPs, the simulations) are imported inside the functions
# that run them: a plan whose every stage comes from the stage cache loads none of them (issue #27).

SCHEMA_ID = "forceplan.plan/1"
log = logging.getLogger(__name__)
T = TypeVar("T", ForcegenResult, StationingResult)
STAGES = (
    "force generation",
    "stationing",
    "response timelines",
    "deterrence assessment",
    "phased plan",
    "sustainment",
)
BACKSTOP_STAGE = "US backstop force and laydown"
"""The stage that plans the force and laydown of the assessment's 'with US backstop' case (when it has one)."""
SUSTAIN_YEARS = 3
SUSTAIN_ASSESS_TRIALS = 1_000
"""The worst handover month is assessed with at most this many trials (a sixth of the default): it compares
the same force at full and reduced readiness with common random numbers, so their difference is sharper than
either P."""


def plan_stages(sc: Scenario, opts: Options) -> list[str]:
    """The stages ``run_plan`` announces for these options, in order (what-if cases add one each)."""
    names = list(STAGES)
    if opts.backstop_case(sc) is not None:
        names.insert(3, BACKSTOP_STAGE)
    return names


class GateStatus(Out):
    max_escalation_level: int
    consecutive_days: float
    evaluated: bool = Field(description="False when no incident log was given")
    met: bool | None = None
    met_on: str | None = Field(None, description="Date the gate was first met (ISO), if met")
    detail: str


class PhaseResult(Out):
    phase: str
    name: str
    start_day: float
    planned_end_day: float | None
    slots: list[str]
    units_required: int
    units_matched: int
    personnel_matched: int
    earliest_complete_day: float | None = Field(
        description="Days after the ceasefire by which every matched unit of the phase can be in place"
    )
    gate: GateStatus | None


class Meta(Out):
    schema_id: str = Field(SCHEMA_ID, alias="schema")
    forceplan_version: str
    scenario: str
    scenario_digest: str
    seed: int
    trials_response: int
    trials_assessment: int
    threats: list[str]
    without: list[str]
    us_backstop: bool
    illustrative: str | None
    incident_log: IncidentLog | None = None


class IncidentLog(Out):
    records: int = Field(description="Records in the incident log the gates were evaluated on")
    checkpoint_size: int | None = Field(description="Size of the newest checkpoint in the log's folder")
    signed_by: list[str] = Field(
        description="Signers whose valid signature the newest checkpoint carries (the log and its witnesses); "
        "whether they are trusted is for 'forceplan monitor verify --trust' to say"
    )
    covers_all: bool = Field(description="The newest checkpoint covers every record")


class Solvers(Out):
    forcegen: list[dict[str, object]]
    stationing: list[dict[str, object]]


class CaseThreat(Out):
    threat: str
    p: float
    ci_low: float
    ci_high: float
    verdict: str


class PlanCase(Out):
    """A what-if case beside the baseline (``plan --case``): the same seed, its own force, laydown and assessment
    (without the sensitivity cases)."""

    label: str
    personnel_matched: int
    units_matched: int
    units_required: int
    nations_contributing: int
    garrisons: int
    protected_sites_covered: int
    protected_sites: int
    threats: list[CaseThreat]


class PlanResult(Out):
    meta: Meta
    solvers: Solvers
    forcegen: ForcegenResult
    stationing: StationingResult
    response: RespondResult
    assessment: AssessResult
    phases: list[PhaseResult]
    line_of_contact_km: float
    cases: list[PlanCase] = Field(default_factory=list, description="What-if cases beside the baseline")
    sustain: SustainResult | None = Field(
        None, description="Can it be sustained? The force month by month over SUSTAIN_YEARS (none: not run)"
    )

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=1)


def deployment_days(sc: Scenario, fg: ForcegenResult, laydown: StationingResult, opts: Options) -> dict[str, float]:
    """Per pledge: days from the order until its units stand at their stations (modes of every distribution):
    notice-to-move + loading + strategic move home → station (rail and road × circuity; air; sea) + RSOM."""
    from forceplan.geo import geodesic_km

    pool = {p.id: p for p in pledge_pool(sc, opts).pledges}
    caps = {c.id: c for c in sc.capabilities}
    station = {pl.pledge: g.location for g in laydown.garrisons for pl in g.placements}
    m = {
        name: float(parameter(sc, name).mode)
        for name in ("loading_h", "rsom_h", "rail_kmh", "airlift_kmh", "sea_kmh", "road_circuity_factor")
    }
    out: dict[str, float] = {}
    for a in fg.assignments:
        p = pool[a.pledge]
        cap = caps[p.capability]
        home = sc.resolve_point(p.home_base)
        dest = station.get(p.id, home)
        d = float(geodesic_km(home[0], home[1], dest[0], dest[1]))
        mode = cap.strategic_move
        if mode is MoveMode.rail:
            move_h = d * m["road_circuity_factor"] / m["rail_kmh"]
        elif mode is MoveMode.road:
            move_h = d * m["road_circuity_factor"] / (cap.road_march_kmh or 25.0)
        elif mode is MoveMode.air:
            move_h = d / m["airlift_kmh"]
        else:
            move_h = d * 1.6 / m["sea_kmh"]
        out[p.id] = round(p.notice_to_move_days + (m["loading_h"] + move_h + m["rsom_h"]) / 24.0, 2)
    return out


def evaluate_gate(sc: Scenario, records: list[dict] | None, max_level: int, days: float) -> GateStatus:
    """Whether no sector exceeded ``max_level`` for ``days`` consecutive days in the incident log."""
    from forceplan.monitoring.escalation import escalation_timeline

    if records is None:
        return GateStatus(
            max_escalation_level=max_level,
            consecutive_days=days,
            evaluated=False,
            detail="not evaluated: no incident log given (forceplan phases SCENARIO --log DIR)",
        )
    if not records:
        return GateStatus(
            max_escalation_level=max_level,
            consecutive_days=days,
            evaluated=True,
            met=False,
            detail="the log is empty: no period of observation yet",
        )
    times = sorted(dt.datetime.fromisoformat(r["time"]) for r in records)
    start, end = times[0], times[-1]
    # Intervals during which some sector was above the level.
    above: dict[str, dt.datetime | None] = {}
    bad: list[tuple[dt.datetime, dt.datetime]] = []
    for ch in escalation_timeline(sc, records):
        if ch.level > max_level and above.get(ch.sector) is None:
            above[ch.sector] = ch.time
        elif ch.level <= max_level and above.get(ch.sector) is not None:
            bad.append((above[ch.sector], ch.time))  # type: ignore[arg-type]
            above[ch.sector] = None
    bad += [(t0, end) for t0 in above.values() if t0 is not None]
    bad.sort()
    quiet_from = start
    need = dt.timedelta(days=days)
    for b0, b1 in bad:
        if b0 - quiet_from >= need:
            break
        quiet_from = max(quiet_from, b1)
    else:
        if end - quiet_from < need:
            return GateStatus(
                max_escalation_level=max_level,
                consecutive_days=days,
                evaluated=True,
                met=False,
                detail=f"not met: quiet since {quiet_from.date().isoformat()}, "
                f"{(end - quiet_from).days} of {days:g} days observed",
            )
    met_on = (quiet_from + need).date().isoformat()
    return GateStatus(
        max_escalation_level=max_level,
        consecutive_days=days,
        evaluated=True,
        met=True,
        met_on=met_on,
        detail=f"met on {met_on}: no sector above level {max_level} for {days:g} consecutive days",
    )


def plan_phases(
    sc: Scenario, fg: ForcegenResult, laydown: StationingResult, opts: Options, records: list[dict] | None = None
) -> list[PhaseResult]:
    windows = phase_windows(sc)
    ready = deployment_days(sc, fg, laydown, opts)
    slots_by_phase: dict[str, list[str]] = {}
    for s in sc.requirement.slots:
        slots_by_phase.setdefault(s.phase, []).append(s.id)
    sres = {s.slot: s for s in fg.slots}
    out = []
    for ph in sc.phases:
        ids = slots_by_phase.get(ph.id, [])
        assigned = [a for a in fg.assignments if a.slot in ids]
        start, end = windows[ph.id]
        days = [ready[a.pledge] for a in assigned if a.pledge in ready]
        out.append(
            PhaseResult(
                phase=ph.id,
                name=ph.name,
                start_day=start,
                planned_end_day=None if end == float("inf") else end,
                slots=ids,
                units_required=sum(sres[i].required_units for i in ids if i in sres),
                units_matched=sum(a.units for a in assigned),
                personnel_matched=sum(a.personnel for a in assigned),
                earliest_complete_day=round(max([start, *days]), 2) if assigned else None,
                gate=evaluate_gate(sc, records, ph.gate.max_escalation_level, ph.gate.consecutive_days)
                if ph.gate
                else None,
            )
        )
    return out


def forcegen_cached(sc: Scenario, opts: Options, cache: StageCache, views: ScenarioViews) -> ForcegenResult:
    """Force generation, from the cache when the scenario's force-generation inputs (:class:`ScenarioViews`) and
    the options are unchanged; stamped with this scenario's digest, as a fresh run would be."""

    def compute() -> ForcegenResult:
        from forceplan.forcegen.run import match_force

        return match_force(sc, opts, digest=views.scenario_digest)

    fg = cache.get(STAGES[0], ForcegenResult, compute, views.forcegen, opts)
    return _stamped(fg, views.scenario_digest)


def stationing_cached(sc: Scenario, fg: ForcegenResult, cache: StageCache, views: ScenarioViews) -> StationingResult:
    """The laydown of this force, from the cache when the force and the scenario's stationing inputs are unchanged
    (two option sets that match the same force share one laydown)."""
    force = digest_of(fg.model_dump(mode="json", exclude={"scenario_digest"}))

    def compute() -> StationingResult:
        from forceplan.stationing.run import station_force

        return station_force(sc, fg, digest=views.scenario_digest)

    lay = cache.get(STAGES[1], StationingResult, compute, views.stationing, force)
    return _stamped(lay, views.scenario_digest)


def _stamped(result: T, digest: str) -> T:
    """A stage result read back under a key that ignores parts of the scenario the stage never reads carries the
    digest of the scenario it was computed on: give it this one's (the only field that names the scenario)."""
    if getattr(result, "scenario_digest", digest) == digest:
        return result
    return result.model_copy(update={"scenario_digest": digest})


def force_and_laydown(
    sc: Scenario, opts: Options, cache: StageCache, views: ScenarioViews | None = None
) -> tuple[ForcegenResult, StationingResult]:
    """Force generation and stationing for these options, each from the cache when the inputs it reads are
    unchanged."""
    views = views or ScenarioViews(sc)
    fg = forcegen_cached(sc, opts, cache, views)
    return fg, stationing_cached(sc, fg, cache, views)


def respond_cached(
    sc: Scenario,
    opts: Options,
    fg: ForcegenResult,
    lay: StationingResult,
    trials: int,
    seed: int,
    threats: Sequence[str] | None,
    cache: StageCache,
    views: ScenarioViews,
    guards: Callable[[], dict] | None = None,
) -> RespondResult:
    """The response timelines, from the cache when the scenario, options, trials, seed and threats are unchanged
    (the force and laydown follow from the scenario and options)."""

    def compute() -> RespondResult:
        from forceplan.timeline.run import respond

        return respond(
            sc, threats, trials, seed, opts=opts, fg=fg, laydown=lay, guards=guards() if guards else None,
            digest=views.scenario_digest,
        )  # fmt: skip

    key_threats = sorted(set(threats)) if threats else None
    return cache.get(STAGES[2], RespondResult, compute, views.full, opts, trials, seed, key_threats)


def assess_cached(
    sc: Scenario,
    opts: Options,
    fg: ForcegenResult,
    lay: StationingResult,
    assess_trials: int,
    seed: int,
    threats: Sequence[str] | None,
    cache: StageCache,
    views: ScenarioViews,
    sensitivity: bool = True,
    guards: Callable[[], dict] | None = None,
    model: OutcomeModel | None = None,
    progress: Callable[[str], None] | None = None,
) -> AssessResult:
    """The deterrence assessment, from the cache when the scenario, options, trials, seed, threats and battle-outcome
    model (``model``; None: the default, ``outcome.default_outcome_model``) are unchanged. The US-backstop
    sensitivity case plans its force and laydown through the cache too."""

    def compute() -> AssessResult:
        from forceplan.engagement.assess import assess

        return assess(
            sc, threats, assess_trials, seed, opts, fg=fg, laydown=lay, sensitivity=sensitivity,
            guards=guards() if guards else None, model=model, progress=progress,
            plan_force=lambda o: force_and_laydown(sc, o, cache, views), digest=views.scenario_digest,
        )  # fmt: skip

    key_threats = sorted(set(threats)) if threats else None
    return cache.get(
        STAGES[3], AssessResult, compute, views.full, opts, assess_trials, seed, key_threats, sensitivity, model
    )


def _guard_plans(
    sc: Scenario, fg: ForcegenResult, lay: StationingResult, opts: Options, threats: Sequence[str] | None
) -> dict[str, AxisPlan]:
    """``timeline.run.guard_plans``, imported when a stage first needs it (never when both come from the cache)."""
    from forceplan.timeline.run import guard_plans

    return guard_plans(sc, fg, lay, opts, threats)


def run_plan(
    sc: Scenario,
    opts: Options | None = None,
    trials: int = RESPONSE_TRIALS,
    assess_trials: int = ASSESS_TRIALS,
    seed: int = 0,
    threats: Sequence[str] | None = None,
    log_records: list[dict] | None = None,
    progress: Callable[[str], None] | None = None,
    cases: Sequence[tuple[str, Options]] = (),
    incident_log: IncidentLog | None = None,
    cache: StageCache | None = None,
    beside: dict[str, float] | None = None,
) -> PlanResult:
    """Run every stage on the scenario; ``progress`` is called with each stage's name as it starts. Each what-if
    case (label, options) is planned beside the baseline (:func:`plan_case`). ``cache``: stage results to reuse
    and to keep (:mod:`forceplan.stagecache`); by default a fresh one in memory, so each stage runs once per call
    (the backstop case and the what-if cases share the force and laydown of equal options).

    Some stages need neither the laydown nor the assessment: the US-backstop case's force and laydown, each what-if
    case's force and laydown, and the sustainment. They run on a second thread while the main chain (force
    generation → stationing → response → assessment) runs, and the chain waits for each where its result is needed;
    ``progress`` still announces them in order, as the chain reaches them. ``beside`` receives the seconds each of
    them took on that thread (the run log says so). Every stage takes its own seed, so the result is the same, bit
    for bit, as one thread's."""
    opts = opts or Options()
    cache = cache or StageCache()
    views = ScenarioViews(sc)
    clock = [time.perf_counter()]
    beside = {} if beside is None else beside

    def stage(name: str) -> None:
        now = time.perf_counter()
        log.info("stage %s (previous stage took %.2f s)", name, now - clock[0])
        clock[0] = now
        if progress:
            progress(name)

    sust_trials = min(assess_trials, SUSTAIN_ASSESS_TRIALS)
    key_threats = sorted(set(threats)) if threats else None
    sust_key = (views.full, opts, SUSTAIN_YEARS, sust_trials, seed, key_threats)

    def compute_sustain() -> SustainResult:
        from forceplan.sustain.run import sustain_force

        return sustain_force(
            sc, SUSTAIN_YEARS, opts, assess_trials=sust_trials, threats=threats, seed=seed,
            before_assessing=wait_for_the_chain,
        )  # fmt: skip

    def wait_for_the_chain() -> None:
        assessed.wait()
        if stopped:
            raise _ChainStopped("the plan stopped before its assessment was done")

    def sustain_stage() -> SustainResult:
        return cache.get(STAGES[5], SustainResult, compute_sustain, *sust_key)

    def sustain_beside() -> SustainResult | None:
        """The sustainment on the second thread, when numba lets its kernels run beside the chain's (else None:
        the chain computes it in its turn)."""
        return sustain_stage() if cache.holds(STAGES[5], *sust_key) or _threadsafe_kernels() else None

    bs = opts.backstop_case(sc)
    side = _Beside(beside)
    # The sustainment's handover assessment waits for the chain's: two assessments at once would hold both their
    # trials in memory (15 MB more at the peak, measured) for no gain in time (the cores are busy either way).
    assessed = threading.Event()
    stopped: list[BaseException] = []
    try:
        if bs is not None:
            # The assessment's "with US backstop" case needs the force and laydown the backstop gives: a force
            # generation and a stationing (not an assessment), through the cache.
            side.start(BACKSTOP_STAGE, lambda: force_and_laydown(sc, bs, cache, views))
        for label, case_opts in cases:  # each what-if case's force and laydown, ready when the chain reaches it
            side.start(_case_laydown(label, sc), functools.partial(force_and_laydown, sc, case_opts, cache, views))
        side.start(STAGES[5], sustain_beside)
        stage(STAGES[0])
        fg = forcegen_cached(sc, opts, cache, views)
        stage(STAGES[1])
        lay = stationing_cached(sc, fg, cache, views)
        stage(STAGES[2])
        guards = functools.cache(lambda: _guard_plans(sc, fg, lay, opts, threats))  # once, for both stages
        resp = respond_cached(sc, opts, fg, lay, trials, seed, threats, cache, views, guards)
        if bs is not None:
            stage(BACKSTOP_STAGE)
            side.result(BACKSTOP_STAGE)
        stage(STAGES[3])
        ass = assess_cached(sc, opts, fg, lay, assess_trials, seed, threats, cache, views, guards=guards)
        assessed.set()
        stage(STAGES[4])
        phases = plan_phases(sc, fg, lay, opts, log_records)
        stage(STAGES[5])
        sust = side.result(STAGES[5]) or sustain_stage()
        summaries = []
        for label, case_opts in cases:
            stage(f"case: {case_words(label, sc)}")
            side.result(_case_laydown(label, sc))  # then read from the cache's memory by plan_case
            summaries.append(plan_case(sc, label, case_opts, assess_trials, seed, threats, cache, views))
    except BaseException as exc:  # an error or Ctrl-C: the sustainment, if waiting, stops instead of assessing
        stopped.append(exc)
        raise
    finally:
        assessed.set()
        side.close()
    return PlanResult(
        meta=Meta(
            forceplan_version=__version__,
            scenario=sc.name,
            scenario_digest=views.scenario_digest,
            seed=seed,
            trials_response=trials,
            trials_assessment=assess_trials,
            threats=[t.threat for t in resp.threats],
            without=sorted(opts.without),
            us_backstop=opts.backstop(sc),
            illustrative=sc.illustrative,
            incident_log=incident_log,
        ),
        solvers=Solvers(forcegen=[s.model_dump() for s in fg.solve], stationing=[s.model_dump() for s in lay.solve]),
        forcegen=fg,
        stationing=lay,
        response=resp,
        assessment=ass,
        phases=phases,
        line_of_contact_km=round(line_of_contact(sc).length_km, 1),
        cases=summaries,
        sustain=sust,
    )


class _ChainStopped(Exception):
    """Raised in the sustainment beside a chain that failed or was interrupted (nobody reads it)."""


def _case_laydown(label: str, sc: Scenario) -> str:
    """The name of a case's force-and-laydown stage beside the chain (run.log, the progress bar): nations by name."""
    return f"case: {case_words(label, sc)}, its force and laydown"


class _Beside:
    """Stages run one after another on one extra thread, beside the main chain; ``times`` gets the seconds of
    each one that ran there (a job returning None declined). ``close`` waits for the thread (a stage cannot be
    stopped half-way); on an error or Ctrl-C in the main chain the stages not yet started are dropped."""

    def __init__(self, times: dict[str, float]) -> None:
        self.times = times
        self.jobs: dict[str, Future[object]] = {}
        self._pool: ThreadPoolExecutor | None = None

    def start(self, name: str, work: Callable[[], object]) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="plan-beside")

        def timed() -> object:
            t0 = time.perf_counter()
            out = work()
            if out is not None:  # None: the work declined to run here (the chain does it)
                self.times[name] = time.perf_counter() - t0
            return out

        self.jobs[name] = self._pool.submit(timed)

    def result(self, name: str) -> Any:
        return self.jobs[name].result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _threadsafe_kernels() -> bool:
    """Whether the sustainment may run its kernels beside the main chain's (numba's threading layer permits
    launches from several threads; :func:`forceplan.engagement.assess.threadsafe_numba`)."""
    from forceplan.engagement.assess import threadsafe_numba

    return threadsafe_numba()


def plan_case(
    sc: Scenario,
    label: str,
    opts: Options,
    assess_trials: int,
    seed: int,
    threats: Sequence[str] | None = None,
    cache: StageCache | None = None,
    views: ScenarioViews | None = None,
) -> PlanCase:
    """One what-if case: force generation, stationing and the assessment (no sensitivity cases), same seed; each
    stage from the cache when its inputs are unchanged."""
    cache = cache or StageCache()
    views = views or ScenarioViews(sc)
    fg, lay = force_and_laydown(sc, opts, cache, views)
    ass = assess_cached(sc, opts, fg, lay, assess_trials, seed, threats, cache, views, sensitivity=False)
    return case_summary(label, fg, lay, ass)


def case_summary(label: str, fg: ForcegenResult, lay: StationingResult, ass: AssessResult) -> PlanCase:
    """One line of the side-by-side table: the force, its laydown and each threat's probability."""
    t = fg.totals
    return PlanCase(
        label=label,
        personnel_matched=t.personnel_matched,
        units_matched=t.units_matched,
        units_required=t.units_required,
        nations_contributing=t.nations_contributing,
        garrisons=len(lay.garrisons),
        protected_sites_covered=sum(c.covered for c in lay.coverage),
        protected_sites=len(lay.coverage),
        threats=[
            CaseThreat(
                threat=a.threat,
                p=a.p_reached.p,
                ci_low=a.p_reached.ci_low,
                ci_high=a.p_reached.ci_high,
                verdict=a.verdict,
            )
            for a in ass.threats
        ],
    )


def json_schema() -> dict[str, object]:
    return versioned_schema(PlanResult, SCHEMA_ID)


def read_log_records(folder: Path) -> list[dict]:
    from forceplan.monitoring.log import Log

    return Log.open(folder).records


def incident_log_summary(folder: Path, records: int) -> IncidentLog:
    """What the report says of the incident log: its size and who signed its newest checkpoint."""
    from forceplan.monitoring.log import newest_checkpoint

    cp = newest_checkpoint(folder)
    return IncidentLog(
        records=records,
        checkpoint_size=int(cp["tree_size"]) if cp else None,
        signed_by=sorted(str(x["signer"]) for x in cp["signatures"]) if cp else [],
        covers_all=cp is not None and int(cp["tree_size"]) >= records,
    )
