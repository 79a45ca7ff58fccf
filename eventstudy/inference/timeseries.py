"""Significance of a study's results: the table of every test, per cell and statistic.

For each cell (measure x asset x horizon) and each statistic (mean, median, % positive)
of the events' complete outcomes, :func:`significance` reports the baseline, the placebo
test (the headline p-value), the multiple-testing adjustments across the study's cells,
an interval, the classical companions, the effective sample size and the minimum
detectable effect. See the module docstrings of :mod:`.samplers` (how placebo sets are
drawn), :mod:`.placebo` (p-values), :mod:`.multiple`, :mod:`.intervals`,
:mod:`.classical` and :mod:`.power` for the exact definitions.

How placebo sets are drawn, in one paragraph: for a cell with ``n`` complete events, the
*frame* is the window's days whose outcome in the cell is complete (and where the base
condition holds, if ``base_mask`` is given). The ``matched`` null draws, per placebo,
``ceil(1.5 n) + 8`` candidate days uniformly from the union of all cells' frames (scaled
up a little so enough fall in the smallest frame), keeps those in the cell's frame,
declusters them with the study's gap and mode, and takes ``n`` of the survivors at
random; a placebo with fewer than ``n`` survivors is redrawn. Every set therefore holds
exactly ``n`` complete days that the study's declustering would keep, so placebos overlap
no more than events may; beyond the gap, their spacing is that of scattered days (events
that come in runs are matched only by the ``circular`` null, which shifts the events'
own calendar by a random offset modulo the frame). All cells draw from one random stream,
row-aligned: placebo ``b`` is the same candidate draw in every cell, which is what the
max-statistic adjustment needs.

Which null to headline (``benchmarks/calibrate.py``, 1,000 studies, B = 2,000): when
pseudo-events are random days, all three nulls hold their level (4-6% at 5% on SPX at
every horizon). When they come in runs like the SPX/RUT events (the real calendar
shifted), ``matched`` over-rejects at long horizons (11% at 3m, 25% at 6m and 1y, as do
Welch and the naive t), while ``circular`` and ``runs`` hold theirs; over 300 independent
paths ``runs`` rejects 5.0-5.3% at every horizon. ``runs`` is the default: it is as
powerful as ``matched`` on scattered events, keeps each run's shape, never wraps the end
of the sample onto its start, and gives thousands of distinct placebo sets where
``circular`` gives only as many as there are valid shifts (about 1,000 on SPX/RUT).

The multiple-testing family is one statistic across all cells (the 10 means of a 2-asset,
5-horizon study; then the 10 medians; then the 10 % positives).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import replace

import numpy as np
import polars as pl

from eventstudy import progress
from eventstudy.conditions import compile_condition, parse, resolve
from eventstudy.config import StatisticsSpec
from eventstudy.inference.design import EventDesign, event_design
from eventstudy.inference.intervals import bca_intervals, wilson_interval
from eventstudy.inference.multiple import maxstat_stepdown
from eventstudy.inference.placebo import STATISTICS, PlaceboTest, placebo_test
from eventstudy.inference.sampler_names import NO_TEST, NoTest, histories_instead
from eventstudy.inference.samplers import SAMPLERS
from eventstudy.inference.structural import NullDraws, structural_null
from eventstudy.inference.table import (
    MIN_TESTED,
    SIGNIFICANCE_SCHEMA,
    Headline,
    not_tested_on,
    significance_table,
)
from eventstudy.result import StudyResult

__all__ = [
    "SIGNIFICANCE_SCHEMA",
    "InferenceSettings",
    "design_significance",
    "draw_banks",
    "placebo_headline",
    "result_baseline_mask",
    "significance",
    "significance_with_null",
]




InferenceSettings = StatisticsSpec
"""The statistics settings (placebos, seed, alpha, ci, null, nested baseline): the one type
a study file's ``statistics:`` block, the command line and the Python API all fill."""


def _settings_iv(settings: InferenceSettings) -> None:
    if not isinstance(settings.placebos, int) or settings.placebos < 1:
        raise ValueError(f"`placebos` must be a positive integer, got {settings.placebos!r}")
    if not 0 < settings.alpha < 1:
        raise ValueError(f"`alpha` must be in (0, 1), got {settings.alpha!r}")
    if not 0 < settings.ci < 1:
        raise ValueError(f"`ci` must be in (0, 1), got {settings.ci!r}")
    if settings.null == "histories":
        raise ValueError(
            "`null` 'histories' re-runs the study on resampled prices: eventstudy.run(..., null='histories') does it; "
            "significance() computes the placebo nulls (runs, circular, matched)"
        )
    SAMPLERS.get(placebo_null_name(settings))  # unknown names: UnknownNameError with the valid ones


def placebo_null_name(settings: StatisticsSpec) -> str:
    """The placebo null ``settings`` asks for (``runs`` when it names none)."""
    return settings.null or "runs"


def draw_banks(
    design: EventDesign, reps: int, seed: int | np.random.SeedSequence, null: str = "matched"
) -> list[np.ndarray | None]:
    """One ``(reps, n_c)`` placebo bank per cell (None for a cell without events).

    Cells with the same frame and events share one bank; all banks are row-aligned
    (module docstring).
    """
    sampler_cls = SAMPLERS.get(null)
    k = design.values.shape[0]
    events = [design.cell_events(c) for c in range(k)]
    frames = [design.frame(c) for c in range(k)]
    active = [c for c in range(k) if events[c].size > 0]
    if not active:
        return [None] * k
    pool = np.logical_or.reduce([frames[c] for c in active])
    # one run threshold for every cell keeps the banks shared and row-aligned
    longest = max(int(design.cells.get_column("horizon_days")[c]) for c in active)
    smallest = min(int(frames[c].sum()) for c in active)
    most = max(events[c].size for c in active)
    size = min(int(pool.sum()), math.ceil((1.5 * most + 8) * pool.sum() / max(smallest, 1)))
    seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    banks: list[np.ndarray | None] = [None] * k
    cache: dict[tuple[bytes, bytes], np.ndarray] = {}
    for c in progress.track(active, "placebo draws"):
        key = (np.packbits(frames[c]).tobytes(), events[c].tobytes())
        if key not in cache:
            sampler = sampler_cls(
                design.calendar,
                frames[c],
                events[c].size,
                mode=design.mode,
                events=events[c],
                pool=pool,
                size=size,
                horizon=longest,
                seed=np.random.default_rng(seq),
            )
            cache[key] = sampler.draw(reps)
        banks[c] = cache[key]
    return banks


def significance(result: StudyResult, settings: InferenceSettings, base_mask: np.ndarray | None = None) -> pl.DataFrame:
    """The significance table (see :func:`significance_with_null`, which also returns the
    placebo distributions)."""
    return significance_with_null(result, settings, base_mask)[0]


def significance_with_null(
    result: StudyResult, settings: InferenceSettings, base_mask: np.ndarray | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The significance table of a study: one row per cell x statistic.

    Parameters
    ----------
    result
        A study's result (its baseline outcomes, kept events and declustering rule).
    settings
        Placebo count, seed, alpha, interval level and null.
    base_mask
        Optional nested baseline: a boolean mask over the window's days (the sorted dates
        of ``result.baseline_outcomes``); placebos, the baseline and the classical tests
        then use only those days. Without it, ``settings.baseline`` (a condition on the
        result's computed features) gives it.

    Returns
    -------
    A DataFrame with the columns of :data:`SIGNIFICANCE_SCHEMA`; a figure that does not
    apply (no events, a test for another statistic) is null.

    Examples
    --------
    >>> import eventstudy
    >>> result = eventstudy.run("configs/spx_rut.yaml", data_dir="../shared/data")  # doctest: +SKIP
    >>> significance(result, InferenceSettings(placebos=2000)).filter(statistic="mean")  # doctest: +SKIP
    """
    if base_mask is None and settings.baseline is not None:
        base_mask = _baseline_mask(result, settings)
    if result.tested_measures:  # an event-time path (or other untested measure) is not tested
        tested = pl.col("measure").is_in(result.tested_measures)
        result = replace(
            result, outcomes=result.outcomes.filter(tested), baseline_outcomes=result.baseline_outcomes.filter(tested)
        )
    return design_significance(event_design(result, base_mask), settings, result.measures.statistics)


def _baseline_mask(result: StudyResult, settings: InferenceSettings) -> np.ndarray | None:
    """Where ``settings.baseline`` holds on ``result``'s window (as a run draws under it)."""
    assert settings.baseline is not None
    try:
        return result_baseline_mask(replace(result, statistics=settings))
    except pl.exceptions.ColumnNotFoundError as exc:
        raise ValueError(
            f"`baseline` {settings.baseline.when!r} uses a feature this result did not compute: run the study with it "
            "(statistics.baseline), or pass `base_mask`"
        ) from exc


def result_baseline_mask(result: StudyResult) -> np.ndarray | None:
    """Where a study result's nested baseline (``statistics.baseline``) holds on its window's
    days (the sorted dates of ``baseline_outcomes``, as :func:`~eventstudy.inference.design.event_design`
    orders them), or None without one: the ``base_mask`` its tests were drawn under."""
    statistics = result.statistics or result.study.statistics
    if statistics.baseline is None or result.study.universe is not None:
        return None
    node = resolve(parse(statistics.baseline.when), list(result.study.series))
    holds = result.timeline.select("date", compile_condition(node).fill_null(False).alias("base"))  # look-backs cross the window start
    dates = result.baseline_outcomes.select(pl.col("date").unique().sort())
    mask: np.ndarray = dates.join(holds, on="date", how="left").get_column("base").fill_null(False).to_numpy()
    return mask


def design_significance(
    design: EventDesign, settings: StatisticsSpec, tested_on: Mapping[str, Collection[str]] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """:func:`significance_with_null` on a study already reduced to arrays (:class:`EventDesign`);
    ``tested_on``: the statistics each measure is tested on (all, for a measure not named)."""
    _settings_iv(settings)
    settings = settings.model_copy(update={"null": placebo_null_name(settings)})
    return significance_table(design, settings, placebo_headline(design, settings, tested_on=tested_on), tested_on=tested_on)


def placebo_headline(
    design: EventDesign, settings: StatisticsSpec, described: Collection[str] = (), tested_on: Mapping[str, Collection[str]] | None = None
) -> Headline:
    """The placebo test of every cell (the null ``settings.null``, evaluated from its
    structure: :mod:`.structural`), and the events' bootstrap (mean, median) and Wilson
    (% positive) intervals. The cells of ``described`` measures, which this null does not
    test (:func:`eventstudy.null_choice.placebos_misjudge`), are left out of the max-statistic
    family, as are cells with too few events, and in each statistic's family the cells whose
    measure is not tested on it (``tested_on``: :func:`~eventstudy.inference.table.not_tested_on`)."""
    placebo_seq, boot_seq = np.random.SeedSequence(settings.seed).spawn(2)
    k = design.values.shape[0]
    null_name = placebo_null_name(settings)
    found = structural_null(design, null_name, settings.placebos, placebo_seq)
    boot_seeds = boot_seq.spawn(k)
    # each cell's events' values and baseline days' values, gathered once for every statistic
    events_of = [design.values[c, design.cell_events(c)] for c in range(k)]
    base_of = [design.values[c, design.frame(c)] for c in range(k)]
    # each cell's mean and median intervals from one set of resamples (the same seed gave both the same draws)
    resampled = ("mean", "median")
    bootstrapped = [
        dict(zip(resampled, bca_intervals(
            events_of[c], [STATISTICS[name] for name in resampled], confidence_level=settings.ci,
            n_resamples=settings.placebos, seed=np.random.default_rng(boot_seeds[c]),
        )))
        for c in range(k)
    ]
    out = Headline(null_name)
    out.reps = found.reps
    out.median_reps = found.median_reps
    out.warnings = no_test_warnings(found, null_name, settings.alpha)
    measures = design.cells["measure"].to_list()
    untested = np.array([events_of[c].size < MIN_TESTED or measures[c] in described for c in range(k)], dtype=bool)  # not in the adjustment's family
    for name, stat in STATISTICS.items():
        observed = np.full(k, np.nan)
        baseline = np.full(k, np.nan)
        for c in range(k):
            base, x = base_of[c], events_of[c]
            baseline[c] = float(stat(base)) if base.size else np.nan
            if x.size:
                observed[c] = stat(x)
        null = found.draws[name]
        if name == "median":
            null = null[:, : found.median_reps]
        test = nan_placebo_test(observed, null)
        with np.errstate(divide="ignore", invalid="ignore"):
            z_null = np.where(test.null_std[:, None] > 0, (null - test.null_mean[:, None]) / test.null_std[:, None], 0.0)
        z_null = np.where(np.isnan(null), np.inf, z_null)  # no value: counts as beating the cell (conservative)
        out.observed[name], out.p[name], out.draws[name] = observed, test.p_two_sided, null
        out.p_greater[name], out.p_less[name], out.percentile[name] = test.p_greater, test.p_less, test.percentile
        off = untested | not_tested_on(measures, name, tested_on)
        out.p_maxstat[name] = maxstat_stepdown(np.where(off, np.nan, np.abs(test.z)), np.abs(z_null))
        out.null_mean[name] = test.null_mean - baseline
        low, high, approximate = np.full(k, np.nan), np.full(k, np.nan), np.zeros(k, dtype=bool)
        for c in range(k):
            if name in bootstrapped[c]:
                ci = bootstrapped[c][name]
            else:
                x = events_of[c]
                ci = wilson_interval(int((x > 0).sum()), int(x.size), confidence_level=settings.ci)
            low[c], high[c], approximate[c] = ci.low, ci.high, ci.approximate
        out.ci_low[name], out.ci_high[name], out.ci_approximate[name] = low, high, approximate
    return out


def no_test_warnings(found: NullDraws, null_name: str, alpha: float) -> list[NoTest]:
    """Why ``found``'s p-values are no test, if they are: a runs null left little room
    (:func:`~eventstudy.inference.structural.little_room`), or a circular null whose shifts
    cannot reach a p-value below ``alpha`` (:func:`_few_shifts`). A study's run and each
    cell of a sweep read the same."""
    warnings = [found.warning] if found.warning else []
    own = int(found.own.sum()) if found.own is not None else 1
    if null_name == "circular" and found.reps and (1 + own) / (found.reps + 1) > alpha:
        warnings.append(_few_shifts(found.reps, own))
    return warnings


def _few_shifts(shifts: int, own: int) -> NoTest:
    """The warning of a circular null that cannot reach a p-value below alpha: ``own`` of
    its ``shifts`` map the events onto themselves (shift 0, and each period of events that
    recur evenly), each as extreme as the events, so ``p >= (1 + own) / (shifts + 1)``."""
    return NoTest("circular", "little room", (
        f"warning: the circular null had little room: the events' own dates come back under {own:,} of the {shifts:,} "
        "shift(s) of the event calendar that obey the declustering rule, so no p-value can fall below "
        f"{(1 + own) / (shifts + 1):.3f}: "
        f"{NO_TEST} (events on most days of the window, or that recur evenly, do this)"
    ), remedy=histories_instead())


def nan_placebo_test(observed: np.ndarray, null: np.ndarray) -> PlaceboTest:
    """:func:`placebo_test` per cell on the draws that have a value (a placebo set with no
    complete outcome in a cell is not part of that cell's null). The cells whose draws all
    have one are tested together: each row's figures are reduced along that row alone, so
    they are the bits of testing it by itself."""
    gaps = np.isnan(null).any(axis=1)
    if not gaps.any():
        return placebo_test(observed, null)
    full = np.flatnonzero(~gaps)
    parts = [(full, placebo_test(observed[full], null[full]))] if full.size else []
    for c in np.flatnonzero(gaps):
        known = null[c, ~np.isnan(null[c])]
        parts.append((np.array([c]), placebo_test(observed[c : c + 1], known[None, :] if known.size else np.full((1, 1), np.nan))))

    def joined(field: str) -> np.ndarray:
        out = np.empty(observed.size)
        for cells, part in parts:
            out[cells] = getattr(part, field)
        return out

    return PlaceboTest(
        observed=joined("observed"), null_mean=joined("null_mean"), null_std=joined("null_std"),
        p_two_sided=joined("p_two_sided"), p_greater=joined("p_greater"), p_less=joined("p_less"),
        percentile=joined("percentile"), z=joined("z"), reps=null.shape[1],
    )
