"""Parameter sweeps: every combination of a grid, with data-snooping control.

A grid axis is written ``NAME=v1,v2,...`` (``--grid`` on the command line, or a
``sweep:`` list in the study). NAME is one of:

* ``gap`` / ``mode``: the declustering gap or mode (``decluster.gap`` works too);
* ``X threshold``: the number compared with value ``X`` in the condition, e.g.
  ``RUT drawdown threshold=5%,10%,15%`` for ``RUT drawdown >= 10%``;
* ``when#N``: the N-th number written in the condition (1-based, in reading order),
  e.g. ``when#2=150,200`` for the 200 of ``SPX > SPX sma(200)`` when it is the second; a
  negative number includes its minus (``when#2=-3%`` for the -5% of ``SPX return(21) < -5%``);
* any other key path of the study file, e.g. ``trigger`` or ``window.start``.

A grid may vary what the engine evaluates on a prepared panel (the condition and its
numbers, the trigger, the declustering, the window); an axis that would change what is
prepared (the series, the universe, the data, the evaluators) or how it is tested (the
statistics) is refused, never silently ignored.

The data is read and the panel prepared once for the whole grid, with every cell's
condition (:func:`eventstudy.study.prepare` for named series,
:func:`eventstudy.universe.prepare_universe` for a universe, whose blocks find every
condition in one pass); each cell then only runs the engine's events and statistics
(:mod:`eventstudy.engine`). The cells are independent, so an executor
(:mod:`eventstudy.executor`) can run them on a local process pool or a Dask cluster, with
the same ledger.

Every cell's placebos come from one joint null, so the best cell can be judged against
the best a grid of pure chance produces: White's Reality Check, Hansen's SPA and
Romano-Wolf step-down p-values (:mod:`eventstudy.inference.snooping`). For named series
every cell's placebo banks are drawn with the same seed (row-aligned); for a universe the
'dates' null is a single run's (each placebo relabels whole stocks by one permutation of
the symbols), with the permutations and the stand-in draws from uniforms keyed by
(placebo, symbol) and (placebo, day, symbol)
(:func:`~eventstudy.inference.panel.keyed_uniform`), so every cell uses the same
permutations and cells that share events share their placebo values; a cell's raw p and
the null's centre are its own run's, from the draws a run of that cell takes
(:func:`~eventstudy.inference.panel.run_dates_nulls`). With ``confirm_from``, cells are ranked on the period before that
date only, and the best are then reported on the period from it: the held-out
confirmation (each chosen cell evaluated once; their histories nulls in one pass over the
same resampled histories, :class:`~eventstudy.inference.histories.SharedHistories`).
The search reads no close from the held-out period: its panel is prepared from the data
before ``confirm_from`` (a second panel, of all the data, serves the confirmation), so a
return that would reach the date or later is incomplete there, as past the end of the
data, at the events, on the all-days baseline and on the placebo days alike, and each
cell's search figures are a plain run's on the data cut the day before (the features
read past closes only, and are the same either way).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from eventstudy import progress
from eventstudy.conditions import parse, resolve, to_text
from eventstudy.config import StatisticsSpec, Study, load_study, require_checked
from eventstudy.engine import (
    as_date,
    evaluate,
    every_stock_an_event,
    few_stocks,
    few_stocks_why,
    nested_baseline_days,
    raw_events,
    refuse_unused_counts,
    stocks_trading,
)
from eventstudy.errors import ConfigError, DataError, did_you_mean, option
from eventstudy.evaluators import build_evaluators, tested_evaluators
from eventstudy.events import calendar_words, window_mask
from eventstudy.executor import Executor, SerialExecutor
from eventstudy.grid import (
    Axis,
    decided_values,
    grid_cells,
    parse_axis,
    refuse_event_study,
    study_axes,
    written_at,
)
from eventstudy.histories import calendar_gaps, calendar_mismatch
from eventstudy.inference.design import panel_design
from eventstudy.inference.histories import SharedHistories
from eventstudy.inference.multiple import maxstat_stepdown
from eventstudy.inference.panel import (
    UNSCALED,
    CellMoments,
    Relabel,
    dates_untested,
    keyed_uniform,
    placebo_count,
    run_dates_nulls,
    symbol_keys,
    volatility_scales,
)
from eventstudy.inference.placebo import STATISTICS
from eventstudy.inference.snooping import reality_check, spa_test
from eventstudy.inference.structural import structural_null
from eventstudy.inference.table import MIN_TESTED, not_tested_on
from eventstudy.inference.timeseries import nan_placebo_test, no_test_warnings
from eventstudy.measures import measures_named
from eventstudy.null_choice import (
    histories_unusable,
    picks_days_not_stocks,
    placebos_misjudge,
    universe_null,
)
from eventstudy.panel import Panel, values_at
from eventstudy.result import counted_noun, tables_line
from eventstudy.study import prepare, statistics_with
from eventstudy.universe import load_universe, prepare_universe, with_sources

__all__ = ["Axis", "Grid", "SweepResult", "cell_tests", "parse_axis", "run_sweep"]


@dataclass(frozen=True)
class SweepResult:
    """A sweep's outcome.

    Attributes
    ----------
    ledger
        One row per grid cell x asset x horizon (x measure): the parameters, the condition
        as run, n (the events with a complete outcome), ``n_incomplete`` (those whose
        horizon runs past the data or, with ``confirm_from``, into the held-out period:
        left out), the statistic, the placebo null its p comes from (``null``: the grid's,
        or the circular null where the runs null could not place a cell's runs, as in a
        run), its baseline (every day of the window, or the days where a nested baseline
        holds) and difference, the placebos' mean (the null's centre: random days, or for
        a universe the same days' other stocks), the raw placebo p-value, the studentized
        z and the Romano-Wolf step-down p-value across the whole grid.
    verdict
        ``cells``, ``tests`` (the ledger's rows), ``tested`` (those with a test: the family of
        the snooping control and the Romano-Wolf p-values), ``statistic``,
        ``reality_check_p``, ``spa_p``, the best row, ``confirm_from`` (the search read
        the data before it only; None without), ``baseline`` (a nested baseline's
        condition, where the study has one).
    confirmation
        With ``confirm_from``: the best cells re-run on the held-out period (else empty),
        with n and ``n_incomplete`` as a run of the cell from ``confirm_from`` counts them.
    units
        Each measure's unit (``'fraction'``, a return, unless its evaluator says otherwise:
        the days to recover are a count), for the reports.
    """

    ledger: pl.DataFrame
    verdict: dict[str, Any]
    confirmation: pl.DataFrame = field(default_factory=pl.DataFrame)
    axes: tuple[Axis, ...] = ()
    units: dict[str, str] = field(default_factory=dict)  # each measure's unit (default: a fraction, a return)
    universe: bool = False  # a universe's grid: its baseline pools every symbol-day of the window (report.text.baseline_label)

    def __repr__(self) -> str:
        """A few lines, as a study's result prints: the grid, its tests and the snooping
        control's p-values, the best cell, where the tables are (the dataclass's own repr
        printed the whole ledger and verdict). The report's sentences are
        :func:`eventstudy.report.sweep.verdict_lines`."""
        v = self.verdict

        def p(key: str) -> str:
            return "none" if v.get(key) is None else f"{v[key]:.3f}"

        axes = "; ".join(f"{a.name}: {', '.join(a.values)}" for a in self.axes)
        cells = v.get("cells", 0)
        lines = [
            f"grid: {counted_noun(cells, 'cell')}" + (f" ({axes})" if axes else "") + f", period {v.get('period')}",
            f"tests: {v.get('tests', 0):,} of the {v.get('statistic')} ({v.get('tested', 0):,} tested), {v.get('null')} null, "
            f"{v.get('placebos', 0):,} placebos per cell; Reality Check p {p('reality_check_p')}, SPA p {p('spa_p')}",
        ]
        best = v.get("best")
        if best:
            where = ", ".join(f"{a.name}={best[a.name]}" for a in self.axes if a.name in best)
            lines.append(f"best: {best.get('measure', 'fwd')} {best.get('asset')} {best.get('horizon')}" + (f" at {where}" if where else "")
                         + (f" (z {best['z']:+.2f})" if best.get("z") is not None else ""))
        lines.append(tables_line({"ledger": self.ledger, "confirmation": self.confirmation}))
        return "<SweepResult>\n" + "\n".join(f"  {line}" for line in lines)


def run_sweep(
    study: str | Path | Study,
    axes: Sequence[Axis | str] | Axis | str = (),
    *,
    data_dir: str | Path | None = None,
    statistic: str = "mean",
    confirm_from: dt.date | str | None = None,
    top: int = 5,
    executor: Executor | None = None,
    placebos: int | None = None,
    histories: int | None = None,
    block_length: float | None = None,
    null: str | None = None,
    seed: int | None = None,
    alpha: float | None = None,
    ci: float | None = None,
) -> SweepResult:
    """Run every combination of ``axes`` on ``study``; see the module docstring.

    ``executor`` runs the grid cells (:mod:`eventstudy.executor`); None runs them one
    after the other in this process. The data is read and prepared here, once; each
    worker receives the prepared panel once and evaluates the cells it is given. The
    ledger is the same whichever executor runs the cells. The statistics keywords
    replace those keys of the study's ``statistics:`` block, as in :func:`eventstudy.run`.
    ``study`` may be a path, as for :func:`eventstudy.run`; an axis may be written as
    ``--grid`` takes it (``'gap=10,21cd,42'``). The study's own ``sweep:`` list is its
    grid, and ``axes`` add to it or replace its axis of the same name, as ``--grid`` does.
    """
    if not isinstance(study, (str, Path, Study)):
        raise TypeError(f"study is of type {type(study).__name__}: give a study file's path or a Study (eventstudy.load_study)")
    if executor is not None and not isinstance(executor, Executor):  # a name ended, after the data was read, in "'str' object has no attribute 'imap'"
        raise TypeError(f"executor is of type {type(executor).__name__}: give one from eventstudy.executor.get_executor(), e.g. get_executor('processes')")
    if isinstance(top, bool) or not isinstance(top, int):  # '3' ended in "'<' not supported between ... 'str' and 'int'"; 2.5 ran
        raise TypeError(f"top is of type {type(top).__name__}: give the number of best cells as a whole number, e.g. top=5")
    if not isinstance(statistic, str):  # None ended in "'NoneType' object has no attribute 'lower'"
        raise TypeError(f"statistic is of type {type(statistic).__name__}: give one of {', '.join(repr(s) for s in STATISTICS)}")
    if not isinstance(study, Study):
        study = load_study(study)
    require_checked(study)
    given = [axes] if isinstance(axes, (Axis, str)) else list(axes)
    wrong = next((a for a in given if not isinstance(a, (Axis, str))), None)
    if wrong is not None:
        raise TypeError(f"a grid axis is of type {type(wrong).__name__}: give Axis objects or text such as 'gap=10,21cd,42'")
    parsed: list[Axis] = [parse_axis(a) if isinstance(a, str) else a for a in given]
    # the study's sweep: list, each of its axes replaced in place by one given of that name (as --grid does), then the others
    names = [a.name for a in parsed]
    own = study_axes(study)
    replacing = {names.index(a.name) for a in own if a.name in names}
    merged: list[Axis] = [parsed[names.index(a.name)] if a.name in names else a for a in own]
    axes = merged + [a for i, a in enumerate(parsed) if i not in replacing]
    if not axes:
        raise ConfigError("a sweep needs at least one grid axis", hint="e.g. --grid 'gap=10,21cd,42', or a sweep: list in the study")
    if statistic not in STATISTICS:
        raise ConfigError(f"unknown statistic {statistic!r}{did_you_mean(statistic, STATISTICS)}", hint=f"valid: {', '.join(STATISTICS)}")
    refuse_event_study(study)  # before the evaluators: a study of an event_study: block alone has none
    if not any(evaluator.tested for evaluator in build_evaluators(study.evaluators)):
        raise ConfigError(
            "a sweep compares its cells' tests, and none of the study's evaluators is tested (the path in event time only describes)",
            hint=f"add {tested_evaluators()} to the study's evaluate: list",
        )
    combos, cells = grid_cells(study, axes)  # every axis and cell checked before any data is read
    settings = statistics_with(study, dict(placebos=placebos, histories=histories, block_length=block_length, null=null, seed=seed, alpha=alpha, ci=ci))
    confirm_from = as_date(confirm_from, "confirm_from") if confirm_from is not None else None
    if top < 0:  # head(-1) would have taken every row but the last
        raise ConfigError(f"top is {top}: it counts the best cells to show and re-test on the held-out period", hint=f"e.g. {option('top', 5)}")
    if top == 0 and confirm_from is not None:  # the grid would leave out the held-out period and re-test no cell on it
        raise ConfigError(
            f"top is 0: no cell would be re-tested on the held-out period from {confirm_from}, which the grid's ranking leaves out",
            hint=f"give {option('top', 1)} or more, or drop {option('confirm_from')} to rank the grid on the whole window",
        )
    asked = [f"{key}={value!r}" for key, value in (("null", null), ("histories", histories), ("block_length", block_length))
             if value is not None and (key != "null" or value == "histories")]
    if asked and study.universe is None and confirm_from is None:
        raise ConfigError(
            f"{', '.join(asked)} would be ignored: a sweep tests its grid on a placebo null and re-runs no histories; only "
            f"its held-out confirmation ({option('confirm_from')}) uses the histories null",
            hint=f"add {option('confirm_from', 'DATE', placeholder=True)}, or drop the histories options (the grid is tested on the runs null "
            f"unless {option('null')} names another)",
        )
    if asked and study.universe is None and settings.null not in (None, "histories"):  # a run of the cell refuses them too
        raise ConfigError(
            f"{', '.join(asked)} would be ignored: the held-out confirmation tests the chosen cells on the {settings.null} null "
            f"({'asked for' if null is not None else 'statistics.null'}), as a run of them does, and resamples no histories",
            hint=f"add {option('null', 'histories')} to confirm the chosen cells on resampled histories, or drop the histories options",
        )
    if ci is not None:  # the ledger and the confirmation show p-values and figures, no interval
        raise ConfigError(f"ci={ci!r} would be ignored: a sweep shows no intervals", hint="drop ci (eventstudy.run shows a cell's interval)")
    if study.universe is not None and block_length is not None:
        raise ConfigError("block_length would be ignored: a universe sweep resamples no histories", hint="drop block_length")
    if study.universe is not None:
        universe_null(study, settings)  # a named-series null is refused here, not ignored
        if settings.null == "histories" or histories is not None:
            raise ConfigError(
                "a universe sweep tests its grid and its held-out confirmation with the 'dates' null: its panel keeps no "
                "closes to rebuild resampled universes from, so the histories null "
                + ("(statistics.null: histories) " if histories is None else f"({option('histories')}) ")
                + "would be ignored",
                hint=f"drop {option('null', 'histories')} and {option('histories')} for the sweep; run the cells of interest as studies "
                f"with {option('null', 'histories')}",
            )
    if settings.placebos < 99:
        raise ConfigError("a sweep needs placebos (at least 99) for its snooping control", hint=f"set {option('placebos', 2000)} or more")
    if confirm_from is not None:
        _check_confirmation(cells, confirm_from, axes, combos, study)
    end = (confirm_from - dt.timedelta(days=1)) if confirm_from else None
    searched, full = _prepare(study, cells, data_dir, confirm_from)
    resampling = [key for key, value in (("histories", histories), ("block_length", block_length)) if value is not None]
    if resampling and confirm_from is not None and study.universe is None:
        # a nested baseline, or a series 'align: ffill' leaves unknown, turns the default null of a run of a cell, and of the
        # confirmation, to the runs null: the histories options are refused as that run refuses them
        gaps = calendar_gaps(full.frame, list(study.series)) if full.frame is not None else None
        refuse_unused_counts(study, settings, resampling, gaps, calendar_mismatch(full.days.size, full.own_days), full.days.size)
    # a nested baseline: each cell's baseline and placebo sets are drawn from the days where it holds, as in a run
    grid = Grid(searched, settings, statistic, end, nested_baseline_days(searched, study, settings) if study.universe is None else None)
    _check_windows(searched, axes, combos, cells, end, study)
    measures = grid.panel.cells["measure"].to_list()
    off = list(dict.fromkeys(m for m, no in zip(measures, not_tested_on(measures, statistic, grid.panel.measures.statistics)) if no))
    if off and len(off) == len(set(measures)):
        raise ConfigError(
            f"a sweep ranks and tests the {statistic} of its cells, and {measures_named(off)} is tested on its "
            f"{' and '.join(grid.panel.measures.statistics[off[0]])} only{_fewer_why(grid.panel, off)}",
            hint=option("statistic", grid.panel.measures.statistics[off[0]][0]),
        )
    if confirm_from is not None and not (full.days >= np.datetime64(confirm_from)).any():
        raise DataError(
            f"confirm_from {confirm_from} is after the data's last day ({full.dates[-1]}): the held-out period has no data",
            hint=f"give {option('confirm_from')} a date inside the data",
        )

    rows, z_obs, z_null = [], [], []
    cell_results = (executor or SerialExecutor()).imap(cell_tests, cells, shared=grid)
    # per cell whose placebo null had little room (events that recur evenly, few stocks): the null, why, and what does that
    cramped: list[tuple[str, str, str]] = []
    for combo, (cell_rows, cell_z, cell_null, room) in progress.track(zip(combos, cell_results), "sweep: grid cells", total=len(combos)):
        rows += [{**{a.name: v for a, v in zip(axes, combo)}, **row} for row in cell_rows]
        z_obs += cell_z
        z_null += cell_null
        if room is not None:
            cramped.append(room)
    z_obs_arr, z_null_arr = np.array(z_obs), np.vstack(z_null)
    n_arr = np.array([row["n"] for row in rows])  # the events each row's z averages: SPA's sample size
    # never below the raw p, which may come from the cell's own run's draws, not the joint null's
    raw_p = np.array([row["p_placebo"] for row in rows], dtype=np.float64)
    adjusted = maxstat_stepdown(z_obs_arr, z_null_arr)
    adjusted = np.where(np.isnan(adjusted), np.nan, np.fmax(adjusted, raw_p))
    ledger = pl.DataFrame(rows).with_columns(pl.Series("p_romano_wolf", adjusted))
    ledger = ledger.with_columns(pl.col(pl.Float64).fill_nan(None))
    verdict: dict[str, Any] = {
        "cells": len(combos),
        "tests": ledger.height,
        "tested": ledger["z"].is_not_null().sum(),  # the snooping control's family: rows of three or more events, a null with room
        "statistic": statistic,
        "null": "'dates' (same days, other stocks)" if study.universe is not None else placebo_null(settings),
        "placebos": settings.placebos,
        "seed": settings.seed,
        "period": _period(cells, end),
        "confirm_from": str(confirm_from) if confirm_from is not None else None,  # the search reads the data before it only
        "alpha": settings.alpha,
        # no cell tested (each had fewer than MIN_TESTED events): no p-value, null in sweep.json (NaN is no JSON)
        **{key: None if math.isnan(p) else p for key, p in (("reality_check_p", reality_check(z_obs_arr, z_null_arr)), ("spa_p", spa_test(z_obs_arr, z_null_arr, n_arr)))},
    }
    # the grid's joint null is a placebo null whatever a single run's headline ('dates', or runs unless asked)
    misjudged = list(dict.fromkeys(m for cell in cells for m in placebos_misjudge(cell)))
    untestable = [
        *([measures_named(misjudged)] if misjudged else []),
        *([f"the {statistic}"] if study.universe is not None and any(statistic in dates_untested(cell, "dates") for cell in cells) else []),
    ]
    # where a run of the study cannot use the histories null either, the warnings say so rather than send the user to it
    unusable = histories_unusable(study, settings, grid.panel) if untestable or cramped else None
    if untestable:
        grid_null = "'dates'" if study.universe is not None else f"{placebo_null(settings)}"
        _warn(verdict, (
            f"the {grid_null} null cannot test {' or '.join(untestable)} here (the condition picks its days by the "
            "prices, and with them the volatility or the estimates these depend on; on simulated data the placebo nulls "
            "rejected 8-94% of their true nulls at 5%): read this grid's p-values as a ranking, and "
            + (f"not as tests: the histories null, which would test them, cannot be used here ({unusable})" if unusable
               else "run the cells of interest as studies (with the histories null)")
        ))
    if off:  # the hit rate's median or share positive: no ledger row, no place in the snooping control
        verdict["not_tested"] = (
            f"{measures_named(off)} is not tested on the {statistic}{_fewer_why(grid.panel, off)}: its cells have no row here and no "
            f"place in the snooping control; {option('statistic', 'mean')} tests it"
        )
    if settings.baseline is not None and study.universe is None:  # the tests' baseline and placebo days, as in a run
        verdict["baseline"] = settings.baseline.when
    shifted = ledger.filter(pl.col("null") != placebo_null(settings)).select(*[a.name for a in axes]).unique().height if study.universe is None else 0
    if shifted:  # as a run of such a cell does, with its warning
        _warn(verdict, (
            f"the runs null could not place the events' runs in {shifted:,} of {len(combos):,} cells (the frame has no stretches "
            "long enough to hold every run: a nested baseline's scattered days, or a short window): those cells were tested on "
            "the circular null instead, as a run of them is (the ledger's null column)"
        ))
    decided = decided_values(axes, combos, cells, universe=study.universe is not None)
    if decided:  # a run says so of its condition; a grid of them said only that no cell was tested
        _warn(verdict, *decided)
    if cramped:
        verdict["little_room"] = len(cramped)
    for null_name, why, cause in dict.fromkeys(cramped):  # each null and reason of the cramped cells (circular where runs could not be placed)
        count = cramped.count((null_name, why, cause))
        _warn(verdict, (
            f"the {null_name} null had little room in {count:,} of {len(combos):,} cells: {why}, and their "
            f"p-values would be no test ({cause}); those cells are shown untested, and are "
            "neither the best cell nor part of the snooping control: "
            + (f"the histories null, which would test them, cannot be used here ({unusable})" if unusable
               else "run the cells of interest as studies, with the histories null")
        ))
    ranked = ledger.filter(pl.col("z").is_not_null()).sort("z", descending=True, nulls_last=True, maintain_order=True)  # a tie: the first cell in the grid
    verdict["best"] = ranked.row(0, named=True) if ranked.height else None
    confirmation = pl.DataFrame()
    if confirm_from is not None and ranked.height:
        # a universe's histories null rebuilds the universe per history: its confirmation keeps the 'dates' null
        confirming = settings.model_copy(update={"null": "dates"}) if study.universe is not None and universe_null(study, settings) == "histories" else settings
        best = ranked.head(top)
        by_combo = dict(zip(combos, cells))
        chosen = [by_combo[combo] for combo in dict.fromkeys(best.select(*[a.name for a in axes]).rows())]
        # the chosen cells' histories nulls in one pass over the same resampled histories
        shared = SharedHistories(chosen) if study.universe is None else None
        def tests_for(cell: Study, start: dt.date) -> pl.DataFrame:
            found = evaluate(full, cell, start=start, end=cell.window.end, statistics=confirming, shared_histories=shared)
            # with the events whose horizon runs past the data, as the run counts them beside n ('0 (+1 pending)')
            return found.tests.join(
                found.summary.select("measure", "asset", "horizon", "n_incomplete"), on=["measure", "asset", "horizon"], how="left"
            )
        confirmation = _confirm(tests_for, by_combo, axes, best, confirm_from)
    return SweepResult(ledger=ledger, verdict=verdict, confirmation=confirmation, axes=tuple(axes), units=grid.panel.measures.units,
                       universe=study.universe is not None)


def _warn(verdict: dict[str, Any], *texts: str) -> None:
    """Add ``texts`` to the verdict's warning (one paragraph, in the order they are found,
    each set apart from the one before it: after a text without a full stop, by '; ', where
    two had run into one, '... (with the histories null) the runs null had little room')."""
    for text in texts:
        before = verdict.get("warning")
        verdict["warning"] = text if before is None else f"{before}{' ' if before.endswith('.') else '; '}{text}"


_LITTLE_ROOM = {
    "runs": (
        "their events' runs leave fewer free days than twice the longest horizon, so their placebo sets are nearly the events themselves",
        "events that recur evenly do this",
    ),
    "matched": (
        "the declustering rule leaves each day of their placebo sets fewer trading days to move than twice the longest "
        "horizon, so their placebo sets are nearly the events themselves",
        "events on most of the days the rule allows do this",
    ),
    "circular": (
        "the shifts of the event calendar bring their events' own dates back so often that no p-value can fall below alpha",
        "events that recur evenly do this",
    ),
}
"""Why a grid's placebo null had little room in a cell, and what does that, per null (a sweep's verdict)."""


def _period(cells: list[Study], end: dt.date | None) -> str:
    """The days the grid's cells are ranked on: the study's window, or each cell's own
    where a window axis sets it ("each cell's start (2015-01-01 to 2025-06-01) .. end");
    ``end``: the day before the held-out period."""
    def bound(dates: list[dt.date | None], which: str) -> str:
        open_first = which == "start"  # an open start is the earliest, an open end the latest
        distinct = sorted(set(dates), key=lambda d: ((d is not None) if open_first else (d is None), d or dt.date.min))
        words = [which if d is None else str(d) for d in distinct]
        return words[0] if len(words) == 1 else f"each cell's {which} ({words[0]} to {words[-1]})"
    last = str(end) if end is not None else bound([c.window.end for c in cells], "end")
    return f"{bound([c.window.start for c in cells], 'start')} .. {last}"


def _check_windows(panel: Panel, axes: Sequence[Axis], combos: list[tuple[str, ...]], cells: list[Study], end: dt.date | None, study: Study) -> None:
    """A cell whose window holds no day of the data is refused, as a run of it is (else it
    ran with no events, its tests counted in the grid's and shown untested)."""
    for combo, cell in zip(combos, cells):
        if window_mask(panel.days, cell.window.start, end or cell.window.end).any():
            continue
        shown = f"{cell.window.start or 'open'} .. {end or cell.window.end or 'open'}"
        what = calendar_words(study, universe=panel.kind == "universe")
        axis, value = next(((a, v) for a, v in zip(axes, combo) if a.name.split(".")[0] == "window"), (None, None))
        raise DataError(
            f"grid cell {', '.join(f'{a.name}={v}' for a, v in zip(axes, combo))}: the window {shown} has no data: "
            f"{what} {panel.dates[0]} .. {panel.dates[-1]}",
            location=written_at(study, axis, axis.values.index(value)) if axis is not None and value is not None else None,
            hint="give the window axis values inside the data" if axis is not None else "change 'window:' in the study",
        )


def _check_confirmation(cells: list[Study], confirm_from: dt.date, axes: Sequence[Axis], combos: list[tuple[str, ...]], study: Study) -> None:
    """``confirm_from`` splits every cell's window in two: a grid period before it and a
    held-out period from it (else the grid ran past the window, or confirmed on nothing).
    The search ends the day before it in every cell, so two cells that differ only in
    their window's end are one cell there (ranked, and paid for by the snooping control,
    twice): refused."""
    for cell in cells:
        start, end = cell.window.start, cell.window.end
        if (start is not None and confirm_from <= start) or (end is not None and confirm_from > end):
            raise ConfigError(
                f"confirm_from {confirm_from} is not inside the window {start or 'start of data'} .. {end or 'end of data'}: "
                "the grid is ranked on the days before it and confirmed on the days from it",
                hint=f"give {option('confirm_from')} a date inside the study's window",
            )
    searched: dict[tuple[object, ...], tuple[str, ...]] = {}
    for combo, cell in zip(combos, cells):
        key = (cell.when, cell.trigger, repr(cell.decluster), cell.window.start)  # what a cell varies (grid.VARIABLE) but its end
        if key not in searched:
            searched[key] = combo
            continue
        axis, value = next((a, v) for a, v, w in zip(axes, combo, searched[key]) if v != w)
        raise ConfigError(
            f"grid axis {axis.name!r} sets only the window's end, and the search before confirm_from {confirm_from} ends the day "
            f"before it in every cell: the cells {', '.join(f'{a.name}={v}' for a, v in zip(axes, searched[key]))} and "
            f"{', '.join(f'{a.name}={v}' for a, v in zip(axes, combo))} are one cell there, ranked, and paid for by the snooping "
            "control, twice",
            location=written_at(study, axis, axis.values.index(value)),
            hint=f"drop the axis (the search cannot tell its values apart), or sweep it without {option('confirm_from')}",
        )


def _prepare(study: Study, cells: list[Study], data_dir: str | Path | None, before: dt.date | None = None) -> tuple[Panel, Panel]:
    """The grid's panels: the search's and the held-out confirmation's, each with every
    cell's condition (data read once, features and outcomes once per panel). With
    ``before`` (``confirm_from``) the search's panel is prepared from the data before it
    only, as if the data ended the day before: an outcome whose horizon would reach the
    held-out period is pending there, at the events, on the all-days baseline and on the
    placebo days alike; the confirmation's panel reads all the data. Without, both are one."""
    def panels(build: Callable[[dt.date | None], Panel]) -> tuple[Panel, Panel]:
        full = build(None)
        if before is not None and not (full.days < np.datetime64(before)).any():  # else the cut data named no symbol's prices
            raise DataError(
                f"confirm_from {before} is on or before the data's first day ({full.dates[0] if full.days.size else 'none'}): "
                "the grid's search period before it has no data",
                hint=f"give {option('confirm_from')} a date inside the data",
            )
        return (build(before) if before is not None else full), full
    if study.universe is None:
        def timeline(end: dt.date | None) -> Panel:
            nested = [study.statistics.baseline.when] if study.statistics.baseline is not None else []  # its features too
            panel = prepare(study, data_dir=data_dir, conditions=[*(c.when for c in cells), *nested], paths=False, before=end)
            return panel.only(panel.measures.tested)
        return panels(timeline)
    given = load_universe(study, data_dir=data_dir)
    conditions = list(dict.fromkeys((c.when, c.trigger) for c in cells))
    def universe(end: dt.date | None) -> Panel:
        panel = prepare_universe(
            study, given.prices, given.symbols, stocks=given.stocks, panel_file=given.panel_file, conditions=conditions,
            known_dates=given.file_dates, before=end,
        )
        return with_sources(panel, given).only(panel.measures.tested)
    return panels(universe)


@dataclass
class Grid:
    """What every cell of a sweep shares (sent to each worker once): the prepared panel
    (tested cells only), the settings, the ranked statistic and the end of the period."""

    panel: Panel
    settings: StatisticsSpec
    statistic: str
    end: dt.date | None
    base_days: np.ndarray | None = None  # where a nested baseline holds, on the panel's calendar (None: every day)
    _moments: dict[tuple[dt.date | None, dt.date | None], list[CellMoments]] = field(default_factory=dict, repr=False)

    def moments(self, start: dt.date | None, end: dt.date | None, window: np.ndarray) -> list[CellMoments]:
        """A universe's baseline moments over a window (computed once per window)."""
        if (start, end) not in self._moments:
            self._moments[(start, end)] = [CellMoments.of(v, window) for v in self.panel.values]
        return self._moments[(start, end)]


def _fewer_why(panel: Panel, measures: list[str]) -> str:
    """Why ``measures`` are tested on fewer statistics, in parentheses (their catalog's words), or nothing."""
    why = next((w for m in measures if (w := panel.measures.fewer_why.get(m))), "")
    return f" ({why})" if why else ""


def cell_tests(grid: Grid, cell: Study) -> tuple[list[dict[str, Any]], list[float], list[np.ndarray], tuple[str, str, str] | None]:
    """One grid cell: its ledger rows (without the axis values), per row the studentized
    statistic and its placebo draws, for the grid-wide snooping control, and, if its null
    says little (a runs null with little room, a 'dates' null among three stocks or
    fewer), that null, why, and what does that, in the verdict's words.

    Module-level, so an executor can send it to worker processes.
    """
    panel, settings, stat = grid.panel, grid.settings, STATISTICS[grid.statistic]
    start, end = cell.window.start, grid.end or cell.window.end
    window = window_mask(panel.days, start, end)
    kept = raw_events(panel, panel.hits_for(cell.when, cell.trigger), window, cell).filter("kept")
    s_idx, d_idx = kept["_s"].to_numpy().astype(np.int64), kept["_d"].to_numpy().astype(np.int64)
    universe = panel.kind == "universe"
    condition = to_text(resolve(parse(cell.when), list(cell.series), universe=universe))
    if universe:
        nulls, own_nulls = _dates_nulls(panel, s_idx, d_idx, window, settings, grid.statistic)
        moments = grid.moments(start, end, window)
    else:
        base_mask = grid.base_days[window] if grid.base_days is not None else None
        design = panel_design(panel.values, panel.cells, panel.days, window, d_idx, cell.decluster, base_mask)
        # the placebo stream a single run draws from the seed (placebo_headline): a cell's raw p is its own run's
        null_name, stream = placebo_null(settings), np.random.SeedSequence(settings.seed).spawn(2)[0]
        try:
            found = structural_null(design, null_name, settings.placebos, stream)
        except DataError:
            if null_name != "runs":
                raise
            # as a run does: no stretches long enough for every run (a nested baseline's scattered days, a short window)
            null_name = "circular"
            found = structural_null(design, null_name, settings.placebos, stream)
        exact = found.draws[grid.statistic][:, : found.median_reps if grid.statistic == "median" else found.reps]  # a run's own
        draws = exact
        if draws.shape[1] != settings.placebos:  # every cell of the grid needs B joint draws (circular: all shifts)
            draws = draws[:, np.random.default_rng(settings.seed).integers(0, draws.shape[1], settings.placebos)]
    room: tuple[str, str, str] | None = None
    if universe:  # the 'dates' null among three stocks or fewer, or where every stock is an event, is no test, as a run says
        stocks = stocks_trading(panel, kept)
        if few_stocks(stocks, settings.alpha):
            room = ("'dates'", f"{few_stocks_why(stocks, len(panel.symbols))}{', too few orderings to reach alpha' if stocks > 1 else ''}", (
                "a universe of three stocks or fewer does this" if stocks == len(panel.symbols)
                else "a window in which three stocks or fewer trade does this"
            ))
        elif every_stock_an_event(panel, kept, picks_days_not_stocks(cell)):
            room = ("'dates'", (
                "nearly every stock trading on the events' days is an event there, so it asks whether the event stocks differ "
                "from the others those days, not whether the days differ"
            ), "a condition that picks days, not stocks (the market series, a breadth, a file of dates), does this")
    elif no_test_warnings(found, null_name, settings.alpha):
        room = (null_name, *_LITTLE_ROOM.get(null_name, _LITTLE_ROOM["runs"]))
    rows, z_obs, z_null = [], [], []
    flat = s_idx * panel.days.size + d_idx
    for c, info in enumerate(panel.cells.select("measure", "asset", "horizon", "horizon_days").iter_rows(named=True)):
        if not_tested_on([info["measure"]], grid.statistic, panel.measures.statistics)[0]:
            continue  # a statistic its measure is not tested on (the hit rate's median): no row, as in a study's tests
        if universe:
            x = values_at(panel.values[c], s_idx, d_idx).astype(np.float64)
            events = x[~np.isnan(x)]
            baseline = _panel_baseline(moments[c], grid.statistic)
            null, own = nulls[c], (own_nulls[c] if own_nulls is not None else None)
        else:
            mine = design.cell_events(c)
            events = design.values[c, mine]
            frame = design.values[c, design.frame(c)]
            baseline = float(stat(frame)) if frame.size else math.nan
            null = draws[c] if mine.size else np.full(settings.placebos, np.nan)
            own = exact[c] if mine.size and draws is not exact else None  # the p of the cell's own run, from every draw
        observed = float(stat(events)) if events.size else math.nan
        # the kept events whose horizon runs past the data (or, in a search before a held-out period, into it): left out, counted
        incomplete = int((panel.days_remaining(c, flat, values_at(panel.values[c], s_idx, d_idx, flat)) > 0).sum())
        row, z, zn = ledger_row(
            cell, condition, info, int(events.size), grid.statistic, observed, baseline, null,
            no_test=room is not None, exact=own, null_name="dates" if universe else null_name, n_incomplete=incomplete,
        )
        rows.append(row)
        z_obs.append(z)
        z_null.append(zn)
    return rows, z_obs, z_null, room


def placebo_null(settings: StatisticsSpec) -> str:
    """The placebo null a sweep of named series draws its joint null from: the study's, or
    ``runs`` when the study's headline is the histories null (a sweep re-runs no histories)."""
    return settings.null if settings.null not in (None, "histories") else "runs"


def _panel_baseline(moments: CellMoments, statistic: str) -> float:
    if not moments.base.n:
        return math.nan
    return float(moments.median) if statistic == "median" else float(moments.base.mean(statistic))


PERMUTATION_KEY = 1_000_000_000
"""The day key of the uniforms that order the symbols into each placebo's permutation:
far outside any event's epoch day (years 1800-2200), so it never shares an event's draw."""

DRAWS_PER_CHUNK = 4_000_000
"""Placebo values drawn at once per cell (placebos x events): bounds the memory of a
universe cell's null whatever its number of events."""


def _dates_nulls(
    panel: Panel, s_idx: np.ndarray, d_idx: np.ndarray, window: np.ndarray, settings: StatisticsSpec, statistic: str
) -> tuple[list[np.ndarray], list[np.ndarray] | None]:
    """Per cell, the statistic on ``placebos`` 'dates' placebo sets for the grid's joint
    null, and on the placebo sets the cell's own run draws, from which its raw p-value and
    the null's centre come, as its run's do (:func:`~eventstudy.inference.panel.run_dates_nulls`;
    None when the run would take the null's moments instead: more than ten million draws).
    The joint null is the 'dates' null a single run uses
    (:class:`~eventstudy.inference.panel.Relabel`): placebo ``b`` moves every event
    ``(s, d)`` to ``(pi_b(s), d)``, one permutation of the symbols per placebo, so one
    stock's overlapping windows stay together; a stock without a value that day is
    replaced by a draw among the day's known values. The permutation comes from uniforms
    keyed by (placebo, symbol) and the stand-ins from uniforms keyed by (placebo, day,
    symbol), so every cell uses the same permutations and cells that share events share
    their draws. Placebo values of the stocks' returns are scaled to the event stock's
    forecast volatility, as in a single run (not for the share positive: ``scaled=False``)
    (:func:`~eventstudy.inference.panel.volatility_scales`)."""
    stat, scaled = STATISTICS[statistic], statistic not in UNSCALED
    day_keys = panel.days.astype(np.int64)[d_idx]
    all_keys = symbol_keys(panel.symbols)
    name_keys = all_keys[s_idx] if s_idx.size else np.zeros(0, dtype=np.uint64)
    permutation_day = np.full(all_keys.size, PERMUTATION_KEY, dtype=np.int64)  # no event day is this far out
    out = []
    scales = volatility_scales(panel, s_idx, d_idx) if scaled else [None] * len(panel.values)
    for values, scale in zip(panel.values, scales, strict=True):
        x = values_at(values, s_idx, d_idx)
        complete = np.flatnonzero(~np.isnan(x))
        mine = complete[np.argsort(d_idx[complete], kind="stable")]  # grouped by day for the sampler
        if not mine.size:
            out.append(np.full(settings.placebos, np.nan))
            continue
        sampler = Relabel(values, s_idx[mine], d_idx[mine], window, None if scale is None else scale[mine])
        null = np.empty(settings.placebos)
        chunk = max(1, DRAWS_PER_CHUNK // (mine.size + all_keys.size))
        for first in range(0, settings.placebos, chunk):
            size = min(chunk, settings.placebos - first)
            order = keyed_uniform(settings.seed, size, permutation_day, all_keys, first=first)
            permutation = np.argsort(order, axis=1, kind="stable").astype(np.int32)
            uniform = keyed_uniform(settings.seed, size, day_keys[mine], name_keys[mine], first=first)
            null[first : first + size] = stat(sampler.draw(uniform, permutation).astype(np.float64))
        out.append(null)
    own = None
    if placebo_count(settings.placebos, s_idx.size) == settings.placebos:
        own = run_dates_nulls(panel.values, s_idx, d_idx, window, scales, settings.placebos, settings.seed, statistic)
    return out, own


def ledger_row(
    cell: Study, condition: str, info: dict[str, Any], n: int, statistic: str, observed: float, baseline: float, null: np.ndarray,
    *, no_test: bool = False, exact: np.ndarray | None = None, null_name: str | None = None, n_incomplete: int = 0,
) -> tuple[dict[str, Any], float, np.ndarray]:
    """One ledger row (without the axis values), its studentized statistic ``z`` and the
    placebo draws on the same scale, for the grid-wide snooping control. A cell of one or
    two events, or whose null is ``no_test`` (a runs null with little room, a circular
    null that cannot reach alpha: :func:`~eventstudy.inference.timeseries.no_test_warnings`),
    is shown and not tested, as a study's cell is: no p or ``z``, so it is neither the
    best cell nor part of the snooping control. ``exact``: the cell's own null when
    ``null`` resamples it to the grid's B draws (a circular null's every shift), so that
    its p, mean and spread are the cell's run's. ``null_name``: the placebo null the row's
    p comes from (the ledger's ``null``); ``n_incomplete``: the cell's events whose horizon
    runs past the data (or into the held-out period), left out of ``n``."""
    tested = n >= MIN_TESTED and not no_test
    test = nan_placebo_test(np.array([observed]), (null if exact is None else exact)[None, :])
    sd = test.null_std[0] if tested else math.nan
    z = (observed - test.null_mean[0]) / sd if sd and sd > 0 else np.nan
    z_null = np.nan_to_num((null - test.null_mean[0]) / sd, nan=0.0) if sd and sd > 0 else np.full(null.size, np.nan)
    row = {
        "condition": condition,
        "decluster": f"{cell.decluster.gap.label} {cell.decluster.mode}" if cell.decluster else "none",
        **info,
        "n": n,
        "n_incomplete": n_incomplete,
        "statistic": statistic,
        **({"null": null_name} if null_name is not None else {}),
        "observed": observed,
        "baseline": baseline,
        "difference": observed - baseline,
        "placebo_mean": float(test.null_mean[0]),
        "p_placebo": float(test.p_two_sided[0]) if tested else math.nan,
        "z": z,
    }
    return row, z, z_null


def _confirm(
    tests_for: Callable[[Study, dt.date], pl.DataFrame],
    by_combo: dict[tuple[str, ...], Study],
    axes: Sequence[Axis],
    best: pl.DataFrame,
    confirm_from: dt.date,
) -> pl.DataFrame:
    """The chosen cells' tests on the held-out period ``confirm_from`` .. end (each grid
    cell run once, however many of its rows were chosen)."""
    frames = []
    chosen = best.select(*[a.name for a in axes], "measure", "asset", "horizon").rows()
    found: dict[tuple[str, ...], pl.DataFrame] = {}
    for row in chosen:
        combo, (measure, asset, horizon) = tuple(row[: len(axes)]), row[len(axes) :]
        if combo not in found:
            found[combo] = tests_for(by_combo[combo], confirm_from)
        tests = found[combo].filter(
            (pl.col("measure") == measure) & (pl.col("asset") == asset) & (pl.col("horizon") == horizon) & (pl.col("statistic") == best["statistic"][0])
        )
        frames.append(
            tests.select(
                *[pl.lit(v).alias(a.name) for a, v in zip(axes, combo)],
                "measure", "asset", "horizon", "statistic", "n", pl.col("n_incomplete").fill_null(0),
                "observed", "baseline", "difference", "null", "p_placebo",
            )
        )
    return pl.concat(frames, how="vertical_relaxed") if frames else pl.DataFrame()
