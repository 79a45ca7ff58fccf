"""Calibration: how often each test rejects on the study's own data when it should not.

A *pseudo-study* is a set of ``n`` event days placed at random, so the null hypothesis
(the days tell nothing about the outcome) is true by construction. Three ways to place
them (``pseudo``), all in the cell's frame and under the study's declustering rule:

``matched``
    ``n`` random days (the matched sampler): scattered pseudo-events.
``circular``
    The real events' calendar shifted by a random offset (circular sampler): the
    pseudo-events come in the real events' runs, at the real distances between runs.
``runs``
    The real events' runs, each placed at its own random date (runs sampler).

Running every test on many pseudo-studies gives its rejection rate
at each level: a calibrated test rejects about ``alpha`` of the time. Adding a constant
``effect`` to the pseudo-events' outcomes (a planted abnormal return) turns the rate into
power.

Vectorized by sharing: all pseudo-studies of a cell have the same ``n``, frame and rule,
so one bank of ``placebos`` placebo sets is the null distribution of every pseudo-study
(each pseudo-study is an independent draw from the same distribution as the bank, so the
test stays exact). The circular test's null depends on each study's own spacing and is
drawn per study (:class:`CircularSampler` checks all offsets at once), and so is the
runs test's (its null moves the study's own runs). The naive test is
the pooled t-test that treats overlapping returns as independent: a negative control that
should over-reject at long horizons, where event windows overlap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from functools import partial
from typing import Literal

import numpy as np
import polars as pl

from eventstudy import progress
from eventstudy.inference.classical import (
    binomial_pvalues,
    fixed_b_pvalue,
    hac_event_test,
    hac_lag,
    mann_whitney_test,
    student_test,
    welch_test,
)
from eventstudy.inference.design import EventDesign, event_design
from eventstudy.inference.placebo import STATISTICS
from eventstudy.inference.samplers import SAMPLERS, CircularSampler, PlaceboSampler, RunsSampler
from eventstudy.inference.timeseries import InferenceSettings
from eventstudy.measures import STATISTICS as STATISTIC_NAMES
from eventstudy.result import StudyResult

__all__ = ["CALIBRATION_LEVELS", "CALIBRATION_TESTS", "calibrate"]

CALIBRATION_LEVELS: tuple[float, ...] = (0.01, 0.05, 0.10)
CALIBRATION_TESTS: tuple[str, ...] = (
    "placebo_mean",
    "placebo_median",
    "placebo_pct_positive",
    "circular_mean",
    "runs_mean",
    "welch",
    "mann_whitney",
    "binomial",
    "hac",
    "naive_t",
)
TEST_STATISTIC: dict[str, str] = {"placebo_median": "median", "mann_whitney": "median", "placebo_pct_positive": "pct_positive", "binomial": "pct_positive"}
"""The statistic a calibrated test tests, where it is not the mean: a measure not tested on
it (:attr:`~eventstudy.measures.Measure.statistics`) gets no row for the test."""
_EPS = np.finfo(np.float64).eps * 100


def _calibrate_iv(
    design: EventDesign, horizon: str | Sequence[str] | None, asset: str | None, studies: int, placebos: int, order: Sequence[str] = ()
) -> list[int]:
    if studies < 1:
        raise ValueError(f"`studies` must be >= 1, got {studies}")
    if placebos < 1:
        raise ValueError(f"`placebos` must be >= 1, got {placebos}")
    cells = design.cells.with_row_index("_i")
    assets = cells.get_column("asset").unique(maintain_order=True).to_list()
    asset = asset if asset is not None else next((a for a in order if a in assets), assets[0])  # the study's first, not the cells' order
    if asset not in assets:
        raise ValueError(f"`asset` must be one of {assets}, got {asset!r}")
    horizons = cells.filter(pl.col("asset") == asset).get_column("horizon").unique(maintain_order=True).to_list()  # the asset's own
    wanted = horizons if horizon is None else [horizon] if isinstance(horizon, str) else list(horizon)
    for h in wanted:
        if h not in horizons:
            raise ValueError(f"`horizon` must be one of {asset!r}'s {horizons} (or None for all), got {h!r}")
    chosen = cells.filter(pl.col("asset") == asset, pl.col("horizon").is_in(wanted))
    return chosen.get_column("_i").to_list()


def _placebo_p(observed: np.ndarray, null: np.ndarray) -> np.ndarray:
    """Two-sided Monte Carlo p of many observed values against one null sample."""
    centre = null.mean()
    dev = np.sort(np.abs(null - centre))
    obs = np.abs(observed - centre)
    tol = _EPS * np.maximum(np.abs(observed), abs(centre))
    count = dev.size - np.searchsorted(dev, obs - tol, side="left")
    return (1 + count) / (dev.size + 1)


def calibrate(
    result: StudyResult,
    settings: InferenceSettings,
    studies: int = 1000,
    effects: Sequence[float] = (0.0, 0.01, 0.02, 0.05),
    horizon: str | Sequence[str] | None = "3m",
    *,
    asset: str | None = None,
    placebos: int = 2000,
    nobs: int | None = None,
    circular: bool = True,
    runs: bool = True,
    run_gap: int | None = None,
    pseudo: Literal["matched", "circular", "runs"] = "matched",
    events: Sequence[date] | pl.Series | np.ndarray | None = None,
    base_mask: np.ndarray | None = None,
) -> pl.DataFrame:
    """Rejection rates of every test on pseudo-studies of the study's own data.

    Parameters
    ----------
    result, settings
        The study and its inference settings (``seed`` is used).
    studies
        Pseudo-studies per cell (>= 1,000 for a 5% rate to +-1.4 points).
    effects
        Planted effects added to the pseudo-events' outcomes; 0 measures size.
    horizon
        Horizon label(s) to calibrate, or None for all of the study's horizons.
    asset
        The asset (default: the study's first).
    placebos
        ``B`` of the shared placebo bank and of each circular and runs null.
    nobs
        Events per matched pseudo-study (default: the cell's number of complete events).
    circular
        Also run the circular test (drawn per pseudo-study).
    runs
        Also run the runs test (drawn per pseudo-study).
    run_gap
        The runs null's run threshold in trading days, for the runs test and for
        ``pseudo='runs'`` (default: the sampler's, from the study's longest horizon, as
        :func:`significance` draws it).
    pseudo
        Where pseudo-events come from (module docstring): ``'matched'`` (random days
        under the rule: the null of the matched placebo test holds exactly),
        ``'circular'`` (the events shifted by random offsets: pseudo-events that come in
        runs and overlap like the real ones, a harder null for every test but the
        circular one) or ``'runs'`` (the events' runs placed at random dates).
    events
        Dates of the events whose calendar ``'circular'`` and ``'runs'`` pseudo-events
        copy (default: the study's own kept events), e.g. a real study's events on a
        simulated series with the same calendar. Dates outside the window are dropped.
    base_mask
        A nested baseline, as in :func:`significance`.

    Returns
    -------
    One row per cell x effect x test: ``measure, asset, horizon, horizon_days, nobs, pseudo, effect,
    test, reject_1pct, reject_5pct, reject_10pct, studies, placebos`` (an asset's cells at one
    horizon are told apart by their measure: ``mae`` and ``mfe`` of the excursions, say).

    Examples
    --------
    >>> table = calibrate(result, InferenceSettings(), studies=200, placebos=500)  # doctest: +SKIP
    """
    if result.measures.items and not result.tested_measures:  # the path in event time alone: a run tests none of its cells
        raise ValueError("`result` has no tested measure (the path in event time only describes): there is nothing to calibrate")
    if result.tested_measures:  # as significance(): an event-time path (or other untested measure) is not tested
        keep = pl.col("measure").is_in(result.tested_measures)
        result = replace(result, outcomes=result.outcomes.filter(keep), baseline_outcomes=result.baseline_outcomes.filter(keep))
    design = event_design(result, base_mask)
    tested_on = result.measures.statistics
    order = result.summary.get_column("asset").unique(maintain_order=True).to_list() if "asset" in result.summary.columns else []
    cells = _calibrate_iv(design, horizon, asset, studies, placebos, order)
    if pseudo not in ("matched", "circular", "runs"):
        raise ValueError(f"`pseudo` must be one of {{'matched', 'circular', 'runs'}}, got {pseudo!r}")
    source = design.events if events is None else _event_days(design, events)
    longest = int(design.cells.get_column("horizon_days").max())  # type: ignore[arg-type]  # polars types max() as any literal or None; an integer column's is an int
    runs_null = partial(RunsSampler, horizon=longest, run_gap=run_gap)
    matched = SAMPLERS.get("matched")
    rows: list[dict[str, object]] = []
    for c, seq in progress.track(zip(cells, np.random.SeedSequence(settings.seed).spawn(len(cells))), "calibration: cells", len(cells)):
        bank_seq, study_seq, circ_seq, runs_seq = seq.spawn(4)
        cell = design.cells.row(c, named=True)
        frame = design.frame(c)
        values = design.values[c]
        cell_events = source[~np.isnan(values[source])]  # complete: in a nested baseline's days or not, as a run's nulls count them
        n = cell_events.size if pseudo != "matched" or nobs is None else int(nobs)
        if n < 1:
            raise ValueError(f"cell {cell['asset']} {cell['horizon']} has no events: pass `nobs`")
        h = int(cell["horizon_days"])
        base = values[frame]
        bank = matched(design.calendar, frame, n, mode=design.mode, seed=np.random.default_rng(bank_seq)).draw(placebos)
        study_rng = np.random.default_rng(study_seq)
        if pseudo == "matched":
            pseudo_sampler: PlaceboSampler = matched(design.calendar, frame, n, mode=design.mode, seed=study_rng)
        elif pseudo == "circular":
            pseudo_sampler = CircularSampler(design.calendar, frame, n, mode=design.mode, events=cell_events, seed=study_rng)
        else:
            pseudo_sampler = runs_null(design.calendar, frame, n, mode=design.mode, events=cell_events, seed=study_rng)
        pseudo_sets = pseudo_sampler.draw(studies)
        nulls = {name: stat(values[bank]) for name, stat in STATISTICS.items()}
        x = values[pseudo_sets]
        frame_days = np.flatnonzero(frame)
        hac = hac_event_test(base, np.searchsorted(frame_days, pseudo_sets), hac_lag(h))
        b = (max(0, min(hac_lag(h), base.size - 1)) + 1) / base.size  # the fixed-b bandwidth share, as hac_event_test takes it
        binom = binomial_pvalues(n, float((base > 0).mean()))
        own_nulls = {}
        if circular:
            own_nulls["circular_mean"] = _own_means(CircularSampler, design, values, frame, pseudo_sets, placebos, circ_seq)
        if runs:
            own_nulls["runs_mean"] = _own_means(runs_null, design, values, frame, pseudo_sets, placebos, runs_seq)
        for effect in effects:
            xe = x + effect
            pvalues = {f"placebo_{name}": _placebo_p(stat(xe), nulls[name]) for name, stat in STATISTICS.items()}
            for test, null in own_nulls.items():
                pvalues[test] = np.array([_placebo_p(np.array([m]), row)[0] for m, row in zip(xe.mean(axis=1), null)])
            pvalues["welch"] = welch_test(xe, base)[1]
            pvalues["mann_whitney"] = mann_whitney_test(xe, base)
            pvalues["binomial"] = binom[(xe > 0).sum(axis=1)]
            pvalues["hac"] = fixed_b_pvalue((hac.coef + effect) / hac.se, b)  # the run's p_hac (the normal p is more liberal)
            pvalues["naive_t"] = student_test(xe, base)[1]
            for test in CALIBRATION_TESTS:
                if test not in pvalues or TEST_STATISTIC.get(test, "mean") not in tested_on.get(cell["measure"], STATISTIC_NAMES):
                    continue  # a statistic the measure is not tested on (the hit rate's median and % positive): no row, as in its tests
                p = pvalues[test]
                rows.append(
                    {
                        "measure": cell["measure"],
                        "asset": cell["asset"],
                        "horizon": cell["horizon"],
                        "horizon_days": h,
                        "nobs": n,
                        "pseudo": pseudo,
                        "effect": float(effect),
                        "test": test,
                        **{f"reject_{round(100 * a)}pct": float(np.mean(p <= a)) for a in CALIBRATION_LEVELS},
                        "studies": studies,
                        "placebos": placebos,
                    }
                )
    return pl.DataFrame(rows)


def _event_days(design: EventDesign, events: Sequence[date] | pl.Series | np.ndarray) -> np.ndarray:
    """Calendar indices of the given event dates that are days of the window."""
    dates = pl.Series("date", events).cast(pl.Date).to_numpy().astype("datetime64[D]")
    idx = np.searchsorted(design.calendar.dates, dates)
    inside = idx < design.calendar.dates.size
    inside[inside] = design.calendar.dates[idx[inside]] == dates[inside]
    return np.unique(idx[inside])


def _own_means(
    new_sampler: Callable[..., PlaceboSampler],
    design: EventDesign,
    values: np.ndarray,
    frame: np.ndarray,
    pseudo: np.ndarray,
    placebos: int,
    seq: np.random.SeedSequence,
) -> np.ndarray:
    """Per pseudo-study, the means of ``values`` over a null built from its own events: ``(studies, placebos)``."""
    out = np.empty((pseudo.shape[0], placebos))
    for s, child in enumerate(seq.spawn(pseudo.shape[0])):
        sampler = new_sampler(
            design.calendar, frame, pseudo.shape[1], mode=design.mode, events=pseudo[s], seed=np.random.default_rng(child)
        )
        out[s] = values[sampler.draw(placebos)].mean(axis=1)
    return out
