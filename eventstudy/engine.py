"""The one engine: a prepared panel and a study's rule in, a :class:`StudyResult` out.

Every kind of study (:mod:`eventstudy.panel`) goes through the same stages here:

1. **events**: the condition's hits in the window, declustered within each row (a
   symbol's own trading days on the study calendar, or calendar days), the kept ones marked;
2. **outcomes**: the kept events' values, gathered from the cell arrays;
3. **summary**: the events' figures beside the baseline over every (row, day) of the
   window, and a normal band of the mean (for charts);
4. **result**: the instance table (one row per kept event, values and outcomes wide), the
   pending cells, the units of each column, the notes;
5. **tests**: the time-series nulls for one row (:mod:`eventstudy.inference.timeseries`,
   :mod:`eventstudy.inference.histories`), the panel nulls for many
   (:mod:`eventstudy.inference.panel`).

Only the numerics that really differ (the nulls, a universe's moment-based baseline for
tens of millions of symbol-days) branch on the panel's kind.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Collection, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from itertools import groupby
from statistics import NormalDist
from typing import TypeVar, cast

import numpy as np
import polars as pl

from eventstudy.conditions import (
    SELF,
    Node,
    compile_condition,
    parse,
    required_features,
    resolve,
    to_text,
)
from eventstudy.conditions.ranges import and_terms, range_warnings
from eventstudy.config import UNIVERSE_HISTORIES, StatisticsSpec, Study
from eventstudy.errors import ConfigError, DataError, option
from eventstudy.evaluators import OUTCOME_SCHEMA, tested_evaluators
from eventstudy.events import empty_window, panel_events, window_mask
from eventstudy.executor import ThreadExecutor
from eventstudy.features import FEATURES, column_name, feature_key
from eventstudy.histories import calendar_gaps, calendar_mismatch
from eventstudy.inference.design import panel_design
from eventstudy.inference.histories import (
    HistoryNull,
    SharedHistories,
    histories_headline,
    history_null,
    universe_history_null,
    used_histories,
)
from eventstudy.inference.multiple import benjamini_hochberg, holm
from eventstudy.inference.panel import (
    CALENDAR_NOTE,
    PANEL_SCHEMA,
    CellMoments,
    calibration_warnings,
    dates_untested,
    panel_significance,
    placebo_count,
)
from eventstudy.inference.placebo import median_of
from eventstudy.inference.resample import STATE_WINDOW, state_count
from eventstudy.inference.sampler_names import NO_TEST, NoTest
from eventstudy.inference.structural import GATHER_BUDGET
from eventstudy.inference.table import (
    ALIKE_WORDS,
    MIN_TESTED,
    SIGNIFICANCE_SCHEMA,
    Headline,
    not_tested_on,
    significance_table,
)
from eventstudy.inference.timeseries import placebo_headline
from eventstudy.measures import STATISTIC_WORDS, STATISTICS, Measure, Measures, measures_named
from eventstudy.null_choice import (
    choose_null,
    dates_little_room,
    histories_refusal,
    no_histories_why,
    picks_days_not_stocks,
    placebos_misjudge,
    universe_null,
)
from eventstudy.own_events import describe as describe_event_sets
from eventstudy.panel import ConditionHits, Panel, values_at
from eventstudy.result import StudyResult, counted_noun
from eventstudy.statistics import CELL, SUMMARY_COLUMNS, run_cells, summarize

__all__ = ["as_date", "describe_outcomes", "evaluate", "instance_table", "kept_outcomes", "nested_baseline_days", "order_cells", "raw_events", "refuse_unused_counts"]

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)

SMALL_PANEL = 5_000_000
"""Below this many (row, day) values a cell's baseline is computed exactly in one pass of
numpy; above it (a large universe) from chunked moments and a histogram median."""


def evaluate(
    panel: Panel,
    study: Study,
    *,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    statistics: StatisticsSpec | None = None,
    shared_histories: SharedHistories | None = None,
) -> StudyResult:
    """Events, outcomes, summary and tests of ``study`` (its condition, trigger,
    declustering and window; series and evaluators as prepared) on ``panel``.
    ``shared_histories``: the histories null computed once for several studies on this
    panel (a sweep's grid cells), ``study`` among them."""
    started = time.perf_counter()
    start = as_date(start, "start") if start is not None else study.window.start
    end = as_date(end, "end") if end is not None else study.window.end
    if start is not None and end is not None and start > end:  # else 'the window ... has no data', as if the data were short
        raise ConfigError(f"the window's start {start} is after its end {end}", hint=f"change 'window:' in the study or {option('start')}/{option('end')}")
    statistics = statistics or study.statistics
    notes: list[str] = list(panel.notes)
    window = window_mask(panel.days, start, end)
    _check_window(panel, study, window, start, end, notes)
    universe = panel.kind == "universe"
    # the baseline's passes over every value run beside the events' stages (numpy and
    # polars both release the GIL): at 50M symbol-days they take about as long
    with ThreadPoolExecutor(max_workers=1) as background:
        baseline = background.submit(_baseline, panel, window)
        hits = panel.hits_for(study.when, study.trigger)
        raw = raw_events(panel, hits, window, study)
        kept = raw[np.flatnonzero(raw["kept"].to_numpy())]  # a gather, not a polars query (0.1 ms of CPU each)
        notes.append(_declustering_note(panel, study, raw, window))

        node = resolve(parse(study.when), list(study.series), universe=universe)
        ranges = range_warnings(node)
        notes += ranges + _every_day_warning(panel, raw, window, to_text(node), ranges)
        notes += describe_event_sets(study.event_sets, panel.days, panel.symbols if universe else None, panel.present if universe else None)
        if raw.is_empty() and panel.kind == "timeline" and panel.frame is not None:
            notes += _why_no_events(node, panel.frame, window)

        outcomes = kept_outcomes(panel, kept, study)
        in_table = panel.measures.table
        shown = order_cells(panel.cells[CELL], list(study.series), panel.measures.order)  # the summary's rows, in its order
        present = panel.cells["measure"].to_list()  # every frame's rows are of the panel's cells
        events, units = instance_table(panel, kept, hits, _of_measures(outcomes, in_table, present), _of_measures(shown, in_table, present))
        ended = panel.ended_symbols()
        visible = with_ended(_of_measures(outcomes, panel.measures.shown, present), ended, panel.reads)
        pending = incomplete_cells(visible, universe)
        describe_outcomes(kept.height, visible, notes, evaluated=bool(study.evaluate), measures=panel.measures, ended=ended, reads=panel.reads)
        breakdowns = _breakdowns(outcomes, panel.cells, kept, panel.symbols, list(study.series), panel.measures.order) if universe else {}
        moments = baseline.result()
    summary = _summary(panel, outcomes, moments, statistics.ci, study)
    result = StudyResult(
        study=study,
        condition=to_text(node),
        data_dir=panel.directory,
        start=start,
        end=end,
        events=events,
        raw_events=raw[[*(["date", "symbol"] if universe else ["date"]), "position", "kept"]],
        outcomes=visible,  # the study's own measures; the path drawn for charts apart (chart_outcomes)
        baseline_outcomes=_baseline_outcomes(panel.only(panel.measures.shown), window, study) if not universe else _empty_outcomes(),
        summary=_of_measures(summary, [m for m in present if m not in panel.measures.hidden], present),
        chart_summary=_of_measures(summary, panel.measures.hidden, present),
        chart_outcomes=_of_measures(outcomes, panel.measures.hidden, present),
        timeline=panel.frame if panel.frame is not None else pl.DataFrame({"date": panel.dates}),
        statistics=statistics,
        column_units=units,
        pending=pending,
        measures=panel.measures,
        sources=dict(panel.sources),
        source_ranges=dict(panel.source_ranges),
        input_hashes=dict(panel.input_hashes),
        breakdowns=breakdowns,
        notes=notes,
    )
    timings = {"evaluate_s": round(time.perf_counter() - started, 4)}
    if statistics.placebos == 0 or not study.evaluate:  # no evaluator (an event study only): no cell to test
        if study.evaluate:
            notes.append("significance tests skipped (statistics.placebos is 0)")
        return replace(result, tests=pl.DataFrame(schema=SIGNIFICANCE_SCHEMA), timings=timings, statistics=_as_run(statistics, result.tests, universe))
    started = time.perf_counter()
    parts: dict[str, float] = {}
    no_test: list[NoTest] = []
    if universe:
        tests, placebo = _universe_tests(panel, study, kept, window, statistics, moments, notes, no_test, parts), pl.DataFrame()
    else:
        tests, placebo = _timeline_tests(panel, study, kept, window, statistics, notes, no_test, shared_histories)
    tests = order_cells(tests, list(study.series), panel.measures.order)
    if tests.height and not (tests["n"] > 0).any():  # not one complete outcome: the null's words would describe p-values that do not exist
        nothing = "no p-values: no cell has an event with a complete outcome, so nothing is tested"
        said = [i for i, n in enumerate(notes) if n.startswith("p-values: ")]
        for i in said:
            notes[i] = f"{nothing} (the test: {notes[i].removeprefix('p-values: ')})"
        if not said:
            notes.append(nothing)
    if no_test:  # the null's own warning: its p-values are shown, none marked as surviving
        tests = tests.with_columns(pl.lit(None, dtype=pl.Boolean).alias("survives"))
    timings |= {"significance_s": round(time.perf_counter() - started, 4), **{f"significance_{k}": v for k, v in parts.items()}}
    return replace(
        result, tests=tests, placebo=placebo, timings=timings, statistics=_as_run(statistics, tests, universe), no_test=tuple(no_test)
    )


def _of_measures(frame: pl.DataFrame, measures: Collection[str], present: Collection[str]) -> pl.DataFrame:
    """The rows of ``frame`` of ``measures``, where ``present`` holds every measure of its
    rows: the frame itself when they are all kept, and its empty frame when none is
    (a filter is a polars query, 0.1 ms of CPU however few its rows)."""
    if set(present) <= set(measures):
        return frame
    if not set(present) & set(measures):
        return frame.clear()
    return frame.filter(pl.col("measure").is_in(measures))


def _as_run(statistics: StatisticsSpec, tests: pl.DataFrame, universe: bool) -> StatisticsSpec:
    """The statistics settings as the run used them, for result.json and the manifest (a
    run from them gives the same tests): the headline null it chose (the default's, or
    the circular null a runs null fell back to), and a universe's number of resampled
    universes when it was not given (:data:`~eventstudy.config.UNIVERSE_HISTORIES`,
    whichever null ran: a universe's 'dates' run recorded the named series' 1,000)."""
    nulls = [n for n in tests["null"].unique(maintain_order=True).to_list() if n is not None] if tests.height else []
    update: dict[str, object] = {"null": nulls[0]} if len(nulls) == 1 else {}
    if universe and "histories" not in statistics.model_fields_set:
        update["histories"] = UNIVERSE_HISTORIES
    return statistics.model_copy(update=update) if update else statistics


def as_date(value: dt.date | str, name: str = "date") -> dt.date:
    """``value`` as a date: a date, a datetime's day (a pandas Timestamp is one) or ISO text;
    anything else is a :class:`ConfigError` naming ``name`` (a Python caller's start=, end=)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        shown = repr(value) if isinstance(value, str) else f"of type {type(value).__name__}"
        raise ConfigError(f"{name} is {shown}, not a date", hint="give a datetime.date or text such as '2020-01-31'") from None


# --- events ------------------------------------------------------------------------

def raw_events(panel: Panel, hits: ConditionHits, window: np.ndarray, study: Study) -> pl.DataFrame:
    """Raw events of ``study``'s rule on ``panel`` (:func:`eventstudy.events.panel_events`)."""
    return panel_events(panel, hits, window, study.decluster)


def _declustering_note(panel: Panel, study: Study, raw: pl.DataFrame, window: np.ndarray) -> str:
    spec, kept = study.decluster, int(raw["kept"].sum())
    if panel.kind == "universe":
        rule = f"per symbol, gap {spec.gap.label} ({spec.gap.describe()}), {spec.mode}" if spec else "no declustering"
        return (
            f"universe of {counted_noun(len(panel.symbols), 'symbol')}: {counted_noun(kept, 'event')} kept of {counted_noun(raw.height, 'symbol-day')} "
            f"{study.condition_days(past=True)} "
            f"({rule})" + (f"; the baseline is every symbol-day of the window ({_count_days(panel.present, window):,})" if study.evaluate else "")
        )
    if spec is None:
        return f"no declustering: every day {study.condition_days()} is an event"
    rule = (
        f"at least {spec.gap.describe()} after the previous kept event"
        if spec.mode == "after_kept"
        else f"the first day of each cluster (a new cluster starts {spec.gap.describe()} or more after the previous raw event)"
    )
    return f"declustering ({spec.mode}, gap {spec.gap.label}): kept {kept} of {raw.height} raw events, each {rule}"


def _every_day_warning(panel: Panel, raw: pl.DataFrame, window: np.ndarray, condition: str, ranges: list[str]) -> list[str]:
    """The warning of a condition that held on every day (a universe: every symbol-day) of
    the window with data, counted from its hits whatever its text (``SPX > 0``): it picks
    nothing out. Not repeated where its range has said so of the whole condition already."""
    if raw.is_empty() or any(w.startswith(f"warning: '{condition}' holds on every day") for w in ranges):
        return []
    days = _count_days(panel.present, window) if panel.kind == "universe" else int(np.count_nonzero(window))
    if raw.height < days:
        return []
    unit = "symbol-day" if panel.kind == "universe" else "day"
    return [
        f"warning: '{condition}' held on every {unit} of the window ({raw.height:,} of {counted_noun(days, unit)}): it picks "
        "nothing out, so its events are the baseline's days and differ from them only by chance"
    ]


def _count_days(present: np.ndarray, window: np.ndarray) -> int:
    """The (row, day) pairs with data in the window, without copying the window's columns."""
    if window.all():
        return int(np.count_nonzero(present))
    return int(present.sum(axis=0, dtype=np.int64)[window].sum())


# --- outcomes and summary ----------------------------------------------------------

def kept_outcomes(panel: Panel, kept: pl.DataFrame, study: Study) -> pl.DataFrame:
    """Long outcomes of the kept events, cell after cell (the order of ``panel.cells``)."""
    s_idx, d_idx = kept["_s"].to_numpy().astype(np.int64), kept["_d"].to_numpy().astype(np.int64)
    universe = panel.kind == "universe"
    outcomes = long_outcomes(panel, study, s_idx, d_idx, kept["date"], kept["symbol"] if universe else None)
    if not universe:
        outcomes = order_cells(outcomes, list(study.series), panel.measures.order, "date")
    return outcomes


def long_outcomes(
    panel: Panel, study: Study, s_idx: np.ndarray, d_idx: np.ndarray, dates: pl.Series, symbols: pl.Series | None
) -> pl.DataFrame:
    """Every cell's values at ``(s_idx, d_idx)`` as one long outcome frame, cell after
    cell; ``symbols`` each point's symbol (a universe), else each cell's asset symbol."""
    k, n = panel.cells.height, s_idx.size
    if k == 0:
        return _empty_outcomes()
    flat = s_idx * len(panel.days) + d_idx
    found = [values_at(v, s_idx, d_idx, flat) for v in panel.values]
    values = np.concatenate(found).astype(np.float64)
    remaining = np.concatenate([panel.days_remaining(c, flat, x) for c, x in enumerate(found)])
    cells = panel.cells
    keys = [cells[c] for c in ("asset", "horizon", "horizon_days", "measure")]
    if symbols is None:
        own = cells["symbol"] if "symbol" in cells.columns else pl.Series([None] * k, dtype=pl.String)
        if own.null_count():
            own = own.fill_null(pl.Series([study.series.get(a) for a in cells["asset"].to_list()], dtype=pl.String))
        keys.append(own.alias("symbol"))
    # every column in one gather, at indices of polars' own index type (no cast of n x k of them)
    cell = np.repeat(np.arange(k, dtype=np.uint32 if pl.get_index_type() == pl.UInt32 else np.uint64), n)
    per_row = pl.DataFrame(keys).select(pl.all().gather(cell))
    symbol = per_row["symbol"] if symbols is None else pl.concat([symbols] * k).alias("symbol")
    return pl.DataFrame(
        {
            "date": pl.concat([dates] * k),
            "asset": per_row["asset"],
            "horizon": per_row["horizon"],
            "horizon_days": per_row["horizon_days"],
            "value": pl.Series(values, nan_to_null=True),  # NaN as null at construction: fill_nan(None) is a query
            "measure": per_row["measure"],
            "days_remaining": pl.Series(np.ma.masked_array(remaining, mask=remaining == 0), dtype=pl.Int64),  # 0 (not pending) as null
            "symbol": symbol,
        }
    )


def _empty_outcomes() -> pl.DataFrame:
    return pl.DataFrame(schema=OUTCOME_SCHEMA)


def _baseline(panel: Panel, window: np.ndarray) -> list[CellMoments | dict[str, object]]:
    """Each cell's baseline over every (row, day) of the window with a value: exact
    figures for a small panel, moments (and an exact histogram median) for a large one."""
    if panel.kind == "universe":  # one chunked pass per cell; two cells at a time (numpy releases the GIL)
        with ThreadExecutor() as pool:
            return list(pool.imap(lambda values: CellMoments.of(values, window), list(panel.values)))
    out: list[CellMoments | dict[str, object]] = []
    for values in panel.values:
        if values.size <= SMALL_PANEL:
            x = values[:, window]
            x = x[~np.isnan(x)].astype(np.float64)
            out.append(
                {
                    "baseline_n": int(x.size),
                    "baseline_mean": float(x.mean()) if x.size else None,
                    "baseline_median": median_of(x) if x.size else None,
                    "baseline_pct_positive": float((x > 0).mean()) if x.size else None,
                }
            )
        else:
            out.append(CellMoments.of(values, window))
    return out


def _baseline_row(found: CellMoments | dict[str, object]) -> dict[str, object]:
    if isinstance(found, dict):
        return found
    n = int(found.base.n)
    return {
        "baseline_n": n,
        "baseline_mean": float(found.base.mean("mean")) if n else None,
        "baseline_median": found.median if n else None,
        "baseline_pct_positive": float(found.base.mean("pct_positive")) if n else None,
    }


def _summary(panel: Panel, outcomes: pl.DataFrame, moments: list, level: float, study: Study) -> pl.DataFrame:
    """The events' figures beside each cell's baseline, and a normal band of the mean."""
    cells = panel.cells[CELL]
    base = pl.DataFrame([{**cell, **_baseline_row(m)} for cell, m in zip(cells.iter_rows(named=True), moments)], schema={
        **dict(cells.schema), "baseline_n": pl.Int64, "baseline_mean": pl.Float64, "baseline_median": pl.Float64, "baseline_pct_positive": pl.Float64,
    })
    z = NormalDist().inv_cdf(1 - (1 - level) / 2)
    half = z * pl.col("sd") / pl.col("n").sqrt()
    # a universe's outcomes: its cells one after another, each over the kept events (long_outcomes)
    runs = outcomes.height // panel.cells.height if panel.kind == "universe" and panel.cells.height else None
    figures = summarize(outcomes, runs).lazy().with_columns((pl.col("mean") - half).alias("band_low"), (pl.col("mean") + half).alias("band_high"))
    joined = base.lazy().join(figures, on=CELL, how="left", maintain_order="left")  # one query: each eager step is one (0.1 ms of CPU)
    summary = joined.with_columns(pl.col("n").fill_null(0), pl.col("n_incomplete").fill_null(0)).select(SUMMARY_COLUMNS).collect()
    return order_cells(summary, list(study.series), panel.measures.order)


def _baseline_outcomes(panel: Panel, window: np.ndarray, study: Study) -> pl.DataFrame:
    """A timeline's outcomes on every day of the window (long), as the evaluators gave them."""
    days = np.flatnonzero(window)
    return long_outcomes(panel, study, np.zeros(days.size, dtype=np.int64), days, panel.dates.gather(days), None)


# --- the instance table ------------------------------------------------------------

def _column_label(frame: Frame) -> Frame:
    """Each outcome's instance-table column: ``asset.measure.horizon`` (``asset.measure``
    when the horizon is the measure's name, e.g. recovery)."""
    suffix = pl.when(pl.col("horizon") != pl.col("measure")).then("." + pl.col("horizon")).otherwise(pl.lit(""))
    return frame.with_columns((pl.col("asset") + "." + pl.col("measure") + suffix).alias("column"))


def _column_labels(cells: pl.DataFrame) -> list[str]:
    """:func:`_column_label` of each of a few cells (no nulls), in Python: a query costs 0.1 ms."""
    cells = cells[["asset", "measure", "horizon"]]
    return [f"{a}.{m}" + (f".{h}" if h != m else "") for a, m, h in cells.iter_rows()]


def with_ended(outcomes: pl.DataFrame, ended: Collection[str], reads: Mapping[tuple[str, str], tuple[str, ...]] | None = None) -> pl.DataFrame:
    """``outcomes`` with ``ended`` after ``days_remaining``, as :func:`incomplete_cells`
    says it: where the value is incomplete (``days_remaining`` > 0), True when its horizon
    runs past the end of the data of one of ``ended``'s symbols (it never completes), its
    row's own or one its cell reads beside it (``reads``, :attr:`Panel.reads`: a
    benchmark), False when it is pending; null where nothing is awaited."""
    waiting = (outcomes["days_remaining"] > 0).fill_null(False).to_numpy()  # null (complete or missing): not waiting
    stopped = outcomes["symbol"].is_in(list(ended)).fill_null(False).to_numpy() if ended else np.zeros(outcomes.height, dtype=bool)
    beside = [cell for cell, symbols in (reads or {}).items() if set(symbols) & set(ended)]
    if beside and outcomes.height:  # a cell whose benchmark ended: every value of it (one query, only then)
        stopped |= outcomes.select(pl.any_horizontal((pl.col("measure") == m) & (pl.col("asset") == a) for m, a in beside)).to_series().to_numpy()
    column = pl.Series("ended", np.ma.masked_array(stopped, mask=~waiting), dtype=pl.Boolean)  # nulls at construction: no query
    at = outcomes.columns.index("days_remaining") + 1
    columns = outcomes.get_columns()
    return pl.DataFrame([*columns[:at], column, *columns[at:]])  # the columns as they are (hstack took 60-100 ms at 6.4M rows)


def incomplete_cells(outcomes: pl.DataFrame, universe: bool) -> pl.DataFrame:
    """The outcomes (with their ``ended``: :func:`with_ended`) whose horizon runs past the
    data (``date, [symbol,] column, measure, asset, horizon, days_remaining, ended``: the
    instance table's column and the summary's cell): ``ended`` where it never completes,
    else pending (more data will come)."""
    keys = ["date", "symbol"] if universe else ["date"]
    waiting = _column_label(outcomes.lazy().filter(pl.col("days_remaining") > 0))  # one query
    return waiting.select(*keys, "column", "measure", "asset", "horizon", "days_remaining", "ended").collect()


def instance_table(
    panel: Panel, kept: pl.DataFrame, hits: ConditionHits, outcomes: pl.DataFrame, cells: pl.DataFrame
) -> tuple[pl.DataFrame, dict[str, str]]:
    """One row per kept event: date (and symbol), the condition's values that day, outcomes
    wide; and the units of every column. ``cells`` (the summary's, in display order) fixes
    the outcome columns, so a study without events still has them."""
    universe = panel.kind == "universe"
    keys = ["date", "symbol"] if universe else ["date"]
    if universe:
        # a universe's hit values are in the order of their flat indices, without date or symbol: gathered at
        # the kept events' (a join on date and symbol with 1.6M hits at 50M rows took 0.1 s and kept 0.3 GB)
        table = kept.select(keys)
        if hits.values.width and kept.height:
            flat = kept["_s"].to_numpy().astype(np.int64) * len(panel.days) + kept["_d"].to_numpy()
            place = np.searchsorted(hits.flat, flat)
            assert hits.values.height == hits.flat.size and np.array_equal(hits.flat[np.minimum(place, hits.flat.size - 1)], flat), "kept events are hits"
            table = pl.concat([table, hits.values[place]], how="horizontal")
        elif hits.values.width:
            table = pl.concat([table, hits.values.clear()], how="horizontal")
    else:
        table = kept.lazy().select(keys).join(hits.values.lazy(), on=keys, how="left", maintain_order="left").collect() if hits.values.width else kept[keys]
    renamed = {c: c.replace(f"{SELF}.", "") for c in table.columns if c.startswith(f"{SELF}.")}
    table = table.rename(renamed) if renamed else table
    order = _column_labels(cells)
    if universe and kept.height and not set(order) & set(table.columns):
        # a universe's outcomes are its cells' arrays at the kept events, in their order: gathered, not pivoted
        # (at 335k events x 4 cells the pivot of the long outcomes took 0.25 s and 0.4 GB)
        shown_keys = cells.select(CELL).rows()
        n = kept.height
        runs = [key for key in panel.cells.select(CELL).rows() if key in set(shown_keys)]
        if outcomes.height == len(runs) * n and run_cells(outcomes, n).rows() == runs:
            # the long outcomes hold them already, cell after cell over the kept events
            # (long_outcomes): each cell's run, sliced, rather than gathered from the grids again
            at = {key: i for i, key in enumerate(runs)}
            table = table.with_columns(outcomes["value"].slice(at[key] * n, n).alias(column) for column, key in zip(order, shown_keys))
        else:
            where = {key: c for c, key in enumerate(panel.cells.select(CELL).rows())}
            s_idx, d_idx = kept["_s"].to_numpy(), kept["_d"].to_numpy()
            table = table.with_columns(
                pl.Series(column, values_at(panel.values[where[key]], s_idx, d_idx).astype(np.float64)).fill_nan(None)
                for column, key in zip(order, shown_keys)
            )
    else:
        labelled = _column_label(outcomes)
        if labelled.height:
            wide = labelled.pivot(on="column", index=keys, values="value")
        else:
            wide = pl.DataFrame(schema={"date": pl.Date, **({"symbol": pl.String} if universe else {})})
        absent = [c for c in order if c not in wide.columns]
        wide = wide.with_columns(pl.lit(None, dtype=pl.Float64).alias(c) for c in absent) if absent else wide
        table = table.lazy().join(wide.lazy().select(*keys, *order), on=keys, how="left", maintain_order="left").collect()
    if universe and table.height:  # by date, then symbol: on the kept events' day and symbol indices where symbols are sorted
        in_order = all(a < b for a, b in zip(panel.symbols, panel.symbols[1:]))
        table = table[_by_day_then_row(kept["_s"].to_numpy(), kept["_d"].to_numpy(), len(panel.days))] if in_order else table.sort("date", "symbol")
    units = {"date": "date", **({"symbol": "text"} if universe else {})}
    for column in table.columns:
        if column not in units and column not in order:
            if column.startswith("breadth("):  # a share of the universe's stocks
                units[column] = "share"
                continue
            name = column.rsplit(".", 1)[-1].split("(", 1)[0]  # an expression's name may hold a dot: '(SPX - 0.5 * RUT).return(5)'
            units[column] = FEATURES.get(name).unit if name in FEATURES else "price"
    measure_units = panel.measures.units
    units.update(dict(zip(order, (measure_units.get(m, "fraction") for m in cells["measure"].to_list()))))
    return table, units


def _why_no_events(node: Node, timeline: pl.DataFrame, window: np.ndarray) -> list[str]:
    """For a condition of several 'and' terms that found nothing: on how many days of the
    window each term holds alone (the one that never does, or the pair that never meet);
    before them, any feature unknown on every day of the window (a window longer than the
    data: 'SPX sma(20000)' on 12,000 closes), which no comparison can hold on."""
    notes = []
    days = pl.Series(window)
    for request in dict.fromkeys(required_features(node)):
        column = column_name(request.series, request.name, tuple(request.args))
        if request.name != "close" and column in timeline.columns and window.any() and timeline[column].filter(days).null_count() == int(window.sum()):
            what = f"{request.series} {_level_text(request.name, tuple(request.args))}"
            why = "a feature is null until its window is full"
            if request.of is not None and request.name in _NEEDS_ABOVE_ZERO:  # '(RUT - SPX) drawdown': a spread below 0
                why += f", and {_NEEDS_ABOVE_ZERO[request.name]}"
            notes.append(f"no events: {what} is unknown on every day of the window ({why}), so nothing that reads it holds")
    terms = and_terms(node)
    if len(terms) < 2:
        return notes
    held = timeline.select(compile_condition(t).fill_null(False).alias(f"t{i}") for i, t in enumerate(terms)).filter(pl.Series(window))
    counts = ", ".join(f"'{to_text(t)}' on {int(held[f't{i}'].sum()):,}" for i, t in enumerate(terms))
    return [*notes, f"no events: alone, the condition's terms hold on these days of the window: {counts}; never all on one day"]


_NEEDS_ABOVE_ZERO = {
    "drawdown": "a drawdown of an expression while its high is not above 0",
    "volatility": "a volatility of an expression where its window holds a value not above 0",
}


def _level_text(name: str, args: tuple[int, ...]) -> str:
    """A feature as a condition writes it: 'sma(200)', and a flag as its level, 'at 252-day high'."""
    levels = {"at_ath": "at ATH", "at_atl": "at ATL", "at_high": "at {}-day high", "at_low": "at {}-day low"}
    return levels[name].format(*args) if name in levels else feature_key(name, args)


def describe_outcomes(
    kept: int,
    outcomes: pl.DataFrame,
    notes: list[str],
    *,
    evaluated: bool = True,
    measures: Measures | None = None,
    ended: Collection[str] = (),
    reads: Mapping[tuple[str, str], tuple[str, ...]] | None = None,
) -> None:
    """State what the numbers are, what is pending, what will never complete (the
    outcomes' ``ended``, :func:`with_ended`: the horizon runs past the end of the data of a
    symbol that stops before the calendar's last day, the row's own or, of a cell that
    reads a benchmark beside it (``reads``), one of ``ended``) and what could not be computed (``evaluated``: the study has
    evaluators; without, an event study only, no returns note), in the words of the
    measure's catalog entry (``measures``: a recovery that did not come)."""
    if evaluated:
        notes.append(
            "returns are simple returns (close[t+h] / close[t] - 1) from the event day's close unless a measure "
            "says otherwise; horizons are counted in each asset's own trading days"
        )
    if not kept:
        notes.append("no events: the condition never held in the window" + (" (the baseline is still shown)" if evaluated else ""))
        return
    if kept < 10:
        notes.append(
            f"warning: only {kept} event{'s' if kept != 1 else ''}: averages and p-values from so few cases are fragile; "
            "widen the window or loosen the condition before reading much into them"
        )
    incomplete = pl.col("days_remaining") > 0
    stopped = incomplete & pl.col("ended").fill_null(False)
    waiting = incomplete & ~stopped
    missing = (
        outcomes.lazy().filter(pl.col("value").is_null())
        .group_by("measure", "asset", "horizon", maintain_order=True)
        .agg(
            waiting.sum().alias("pending"), stopped.sum().alias("ended"), pl.len().alias("missing"),
            pl.col("days_remaining").filter(waiting).max().alias("most"), pl.col("symbol").filter(stopped).unique(maintain_order=True).alias("stopped"),
        )
        .collect()  # one query
    )
    for measure, asset, horizon, pending, stopped_count, count, most, symbols in _path_days_together(missing.rows(), measures):
        what = f"{asset} {measure} {horizon}" if horizon != measure else f"{asset} {measure}"
        if pending:
            notes.append(
                f"{what}: {pending} event(s) pending (up to {most} more trading days of data needed), "
                "listed but left out of its statistics"
            )
        if stopped_count:
            beside = [s for s in (reads or {}).get((measure, asset), ()) if s in ended]
            if beside:  # the benchmark's data end, and those of the rows' own symbols that end too
                symbols = [*beside, *(s for s in symbols if s in ended and s not in beside)]
            names = ", ".join(symbols[:3]) + (f" and {len(symbols) - 3} more" if len(symbols) > 3 else "")
            notes.append(
                f"{what}: {stopped_count} event(s) never complete: the data of {names} end within the horizon, "
                "before the last day of the data; listed but left out of its statistics"
            )
        if count > pending + stopped_count:
            why = measures.missing.get(measure, Measure.missing) if measures else Measure.missing
            notes.append(f"{what}: {count - pending - stopped_count} event(s) {why}")


def _path_days_together(rows: list[tuple], measures: Measures | None) -> list[tuple]:
    """``describe_outcomes``' rows (measure, asset, horizon, pending, ended, missing, most
    days needed, ended symbols) with the consecutive days of a path in event time (a
    measure outside the instance table: ``path``) that say the same joined into one,
    'SPX path -21d to -2d (20 points of the path)', needing the most days of any of them: a
    path of 21 days before an event read 20 notes of one event without a value, one a day."""
    paths = set(measures.order) - set(measures.table) if measures else set()

    def alike(index_row: tuple[int, tuple]) -> tuple:
        index, (measure, asset, _, pending, ended, missing, _most, symbols) = index_row
        return (measure, asset, pending, ended, missing, tuple(symbols)) if measure in paths else (index,)

    joined = []
    for _, group in groupby(enumerate(rows), key=alike):
        days = [row for _, row in group]
        measure, asset, first, pending, ended, missing, _, symbols = days[0]
        if len(days) == 1:
            joined.append(days[0])
            continue
        most = max((row[6] for row in days if row[6] is not None), default=None)
        joined.append((measure, asset, f"{first} to {days[-1][2]} ({len(days)} points of the path)", pending, ended, missing, most, symbols))
    return joined


def _by_day_then_row(s_idx: np.ndarray, d_idx: np.ndarray, n_days: int) -> np.ndarray:
    """The order of events by day, then row: a stable radix sort of their 16-bit day indices
    when they come by row (as kept events do; a sort by day keeps their rows in order),
    else a lexsort of both."""
    if n_days <= 1 << 16 and bool(np.all(s_idx[1:] >= s_idx[:-1])):
        return np.argsort(d_idx.astype(np.uint16), kind="stable")  # numpy sorts 16-bit integers by radix
    return np.lexsort((s_idx, d_idx))


def _breakdowns(
    outcomes: pl.DataFrame, cells: pl.DataFrame, kept: pl.DataFrame, symbols: list[str], series_order: list[str], measure_order: list[str]
) -> dict[str, pl.DataFrame]:
    """Pooled figures by year and by symbol (events only), their cells in the summary's
    order (:func:`order_cells`: 1w before 1m). ``outcomes`` holds ``cells``
    one after the other, each over the ``kept`` events in order (:func:`long_outcomes`), so
    rows are grouped on integer codes (cell, year, symbol index) and labelled after: on
    4 cells x 335k events the string keys took 0.66 s."""
    if outcomes.is_empty():
        return {}
    k, n = cells.height, kept.height
    assert outcomes.height == k * n, "one row per cell and kept event"
    value = pl.col("value")
    stats = [
        value.count().alias("n"),
        # as the summary counts them: the horizon runs past the data (pending, or the stock's data ended)
        (value.is_null() & (pl.col("days_remaining") > 0).fill_null(False)).sum().cast(pl.Int64).alias("n_incomplete"),
        value.mean().alias("mean"),
        value.median().alias("median"),
        (value > 0).mean().alias("pct_positive"),
    ]
    # one integer key per group (cell and year, cell and symbol) rather than two keys; the kept
    # events come by symbol, so the cell-and-symbol key is sorted (grouped without hashing)
    year = kept["date"].dt.year().to_numpy().astype(np.int64)
    first_year, n_years, n_symbols = int(year.min()), int(year.max() - year.min()) + 1, max(len(symbols), 1)
    symbol = kept["_s"].to_numpy().astype(np.int64)
    # a (cells, events) sum broadcast and flattened: cell after cell, as the outcomes come (one array of
    # k x n codes each; the cells repeated and the events tiled took three such arrays, 0.25 s at 4 x 1.6M)
    cell = np.arange(k, dtype=np.int64)[:, None]
    by_cell_symbol = pl.Series("_k", (cell * n_symbols + symbol[None, :]).reshape(-1))
    if bool(np.all(symbol[1:] >= symbol[:-1])):
        by_cell_symbol = by_cell_symbol.set_sorted()
    codes = pl.DataFrame({
        "_y": (cell * n_years + (year - first_year)[None, :]).reshape(-1), "_k": by_cell_symbol, "value": outcomes["value"], "days_remaining": outcomes["days_remaining"],
    })
    labels = cells.select(CELL).with_row_index("_c").with_columns(pl.col("_c").cast(pl.Int64))
    by_year = codes.group_by("_y").agg(stats).with_columns((pl.col("_y") // n_years).alias("_c"), (pl.col("_y") % n_years + first_year).cast(pl.Int32).alias("year"))
    by_year = by_year.join(labels, on="_c").select(*CELL, "year", *(e.meta.output_name() for e in stats))
    by_symbol = codes.group_by("_k").agg(stats).with_columns((pl.col("_k") // n_symbols).alias("_c"), (pl.col("_k") % n_symbols).alias("_s"))
    by_symbol = by_symbol.join(labels, on="_c")
    by_symbol = by_symbol.with_columns(pl.Series("symbol", symbols, dtype=pl.String).gather(by_symbol["_s"]))
    by_symbol = by_symbol.select(*CELL, "symbol", *(e.meta.output_name() for e in stats))
    return {
        "by_year": order_cells(by_year.sort("year"), series_order, measure_order),  # a stable sort: years ascending in each cell
        "by_symbol": order_cells(by_symbol.sort(["n", "symbol"], descending=[True, False]), series_order, measure_order),
    }


# --- checks, ordering, tests -------------------------------------------------------

RUNNING_EXTREMES = frozenset({"ath", "drawdown", "days_since_ath", "at_ath", "at_atl"})
"""Features measured against every earlier close: their early values depend on where the
series' data starts."""


def _check_window(panel: Panel, study: Study, window: np.ndarray, start: dt.date | None, end: dt.date | None, notes: list[str]) -> None:
    """A window with no data is an error; a series whose all-time highs the condition
    reads, and whose data starts less than a year before the window, is a warning."""
    first, last = panel.dates[0], panel.dates[-1]
    if not window.any():
        raise empty_window(study, start, end, first, last, universe=panel.kind == "universe")
    if panel.kind == "universe":
        return
    _calendar_bounds(panel, study, start, end, notes)
    window_start = start or first
    extremes = [r for r in required_features(resolve(parse(study.when), list(study.series))) if r.name in RUNNING_EXTREMES]
    since_start = {r.series for r in extremes}
    calendar_start = first  # an expression's ('NDX / SPX at ATH'): its history is the study calendar's, from its first day
    expressions = ", ".join(dict.fromkeys(r.series for r in extremes if r.of is not None))
    if expressions and (window_start - calendar_start).days < 365:
        when = "after the window starts" if calendar_start > window_start else "less than a year before the window"
        notes.append(
            f"warning: {expressions} (an expression of series, computed on the study calendar) starts {calendar_start}, {when} "
            f"({window_start}): its early 'all-time highs' are only highs since {calendar_start}"
        )
    for symbol, loaded in sorted(panel.source_ranges.items()):
        first_day = loaded["first"]
        names = ", ".join(n for n, s in study.series.items() if s == symbol and n in since_start)
        if names and (window_start - first_day).days < 365:  # type: ignore[operator]
            when = "after the window starts" if first_day > window_start else "less than a year before the window"  # type: ignore[operator]
            notes.append(
                f"warning: {names} history starts {first_day}, {when} "
                f"({window_start}): its early 'all-time highs' are only highs since {first_day}"
            )


def _calendar_bounds(panel: Panel, study: Study, start: dt.date | None, end: dt.date | None, notes: list[str]) -> None:
    """Warnings for the days a window asks for that the study calendar leaves out because
    of one series: a start before the calendar's first day (a series whose data begin
    later; other series have closes before it), an end after its last (one whose data end
    earlier), and under ``align: ffill`` a series whose data end before the calendar's
    (after ``max_stale`` days its values are null, so a condition on it holds on no day)."""
    ranges = {s: r for s, r in panel.source_ranges.items() if s in set(study.series.values())}
    if len(ranges) < 2:
        return
    first, last = panel.dates[0], panel.dates[-1]
    starts = {s: cast("dt.date", r["first"]) for s, r in ranges.items()}
    ends = {s: cast("dt.date", r["last"]) for s, r in ranges.items()}

    def named(day: dt.date, by: dict[str, dt.date]) -> str:
        return ", ".join(n for n, s in study.series.items() if by.get(s) == day)

    ffill = study.data.align == "ffill"
    how = f"align: ffill: {next(iter(study.series))}'s dates once every series has begun" if ffill else "the dates on which every series has a close"
    begun = max(starts.values())
    if start is not None and start < first and min(starts.values()) < first:
        notes.append(
            f"warning: the window starts {start}, but the study calendar ({how}) starts {first}, as the data of {named(begun, starts)} "
            f"start {begun}: the other series' days before it are neither events nor baseline days"
        )
    if ffill:
        stale, reference = study.data.max_stale, study.series[next(iter(study.series))]
        for symbol, ended in ends.items():
            null_from = int(np.searchsorted(panel.days, np.datetime64(ended, "D"), side="right")) + stale
            if ended < first:  # a close from before the calendar: the weekdays between count as days it missed (align_series)
                null_from = max(0, stale - int(np.busday_count(np.datetime64(ended, "D") + 1, np.datetime64(first, "D"))))
            if symbol == reference or null_from >= len(panel.days) or (end is not None and end < panel.dates[null_from]):
                continue
            notes.append(
                f"warning: the data of {named(ended, {symbol: ended})} end {ended}, before the study calendar's last day {last}: with "
                f"align: ffill its last close stands in for at most {stale} day(s), so from {panel.dates[null_from]} its values are null "
                "and a condition on it holds on no day"
            )
        return
    ended = min(ends.values())
    if end is not None and end > last and max(ends.values()) > last:
        notes.append(
            f"warning: the window ends {end}, but the study calendar ({how}) ends {last}, as the data of {named(ended, ends)} "
            f"end {ended}: the other series' days after it are neither events nor baseline days"
        )


def order_cells(frame: pl.DataFrame, series_order: list[str], measure_order: list[str], *then: str) -> pl.DataFrame:
    """Sort a (small) frame with cell columns for display: measure as the evaluators gave
    them, asset in the study's series order ('RUT-SPX' ranks with RUT), horizon, then ``then``."""
    import re

    if frame.is_empty():
        return frame
    rank = {name: i for i, name in enumerate(series_order)}

    def asset_rank(label: str) -> tuple[int, str]:
        head = re.match(r"[A-Za-z_][A-Za-z0-9_]*", label)
        return (rank.get(head.group(0), len(rank)) if head else len(rank), label)

    measures = {m: i for i, m in enumerate(measure_order)}
    keys = ["measure", "asset", "horizon_days", *then]
    numeric = all(frame[c].dtype.is_integer() or frame[c].dtype == pl.Date for c in keys[2:])
    if numeric and frame["measure"].dtype == frame["asset"].dtype == pl.String and all(frame[c].null_count() == 0 for c in keys):
        # the sort below as a stable np.lexsort of integer keys: each polars query (a
        # replace_strict, a sort, a unique) costs 0.1-0.2 ms of CPU whatever the rows
        names, codes = np.unique(frame["asset"].to_numpy(), return_inverse=True)
        ranked = sorted(names.tolist(), key=asset_rank)
        asset = np.array([ranked.index(a) for a in names.tolist()], dtype=np.int64)[codes.reshape(-1)]
        names, codes = np.unique(frame["measure"].to_numpy(), return_inverse=True)
        measure = np.array([measures.get(m, len(measures)) for m in names.tolist()], dtype=np.int64)[codes.reshape(-1)]
        return frame[np.lexsort([frame[c].to_numpy() for c in reversed(keys[2:])] + [asset, measure])]
    assets = sorted(frame["asset"].unique().to_list(), key=asset_rank)
    return frame.sort(
        pl.col("measure").replace_strict(measures, default=len(measures), return_dtype=pl.Int32),
        pl.col("asset").replace_strict({a: i for i, a in enumerate(assets)}, return_dtype=pl.Int32),
        "horizon_days",
        *then,
        maintain_order=True,
    )


def _universe_tests(
    panel: Panel, study: Study, kept: pl.DataFrame, window: np.ndarray, statistics: StatisticsSpec,
    moments: list, notes: list[str], no_test: list[NoTest], parts: dict[str, float],
) -> pl.DataFrame:
    """The panel nulls of a universe study, and what they are in words (a null's no-test
    warnings also in ``no_test``)."""
    if not panel.only(panel.measures.tested).cells.height:  # descriptive evaluators alone: no cell to test
        notes.append(_nothing_tested())
        return pl.DataFrame(schema=PANEL_SCHEMA)
    null = universe_null(study, statistics, panel)
    misjudged = placebos_misjudge(study)
    tests = panel_significance(
        panel, kept, window, statistics, moments, timings=parts, untested=dates_untested(study, null), tested_on=panel.measures.statistics
    )
    notes.extend(_tested_on_notes(panel))
    reps = placebo_count(statistics.placebos, kept.height)
    if null == "histories":  # the headline from resampled universes; the placebo nulls' p-values stay beside it
        if statistics.null is None and misjudged:
            notes.append(
                f"the histories null is this study's headline by default: its condition picks each stock's days by its own "
                f"prices, and the 'dates' null cannot test {measures_named(misjudged)} then (on simulated universes where nothing "
                f"predicts returns it rejected 70-94% of true nulls at the 5% level; {option('null', 'dates')} runs it anyway, with a warning)"
            )
        elif statistics.null is None:  # picks_days_not_stocks
            notes.append(
                "the histories null is this study's headline by default: its condition picks days, not stocks (it reads no "
                "stock's own prices or events), and the 'dates' null, which keeps the events' days and moves them among the "
                "stocks, asks only whether the event stocks differ from the others those days, not whether the days differ "
                f"({option('null', 'dates')} runs it anyway, with a warning)"
            )
        clock = time.perf_counter()
        tests = _universe_histories(panel, study, kept, window, statistics, tests, notes, no_test)
        parts["histories_s"] = round(time.perf_counter() - clock, 4)
    elif reps:
        notes.append(
            f"p-values: {reps:,} placebo sets that keep the events' dates and move each stock's events together to "
            f"another stock, one random permutation of the symbols per placebo, the drawn returns' deviations from "
            f"their day's mean scaled to the event stock's forecast volatility for the mean and the median ('dates' null: is it the stock, not the "
            f"day?), and that keep each symbol's "
            f"event count at random days of its own ('symbols' null); the t-test (t_cluster) has Driscoll-Kraay errors, by day and "
            f"across days up to the horizon, with a fixed-b p-value (seed {statistics.seed})"
        )
        _warn_no_test(notes, no_test, too_few_draws("dates", f"the 'dates' null's {reps:,} placebo sets", reps, statistics.alpha, "placebos"))
    else:
        notes.append(
            f"p-values: with {kept.height:,} events, {statistics.placebos:,} placebo sets would be "
            f"{statistics.placebos * kept.height / 1e6:,.0f}M draws per cell; the 'dates' and 'symbols' nulls of the mean "
            "and % positive come instead from their exact moments (a sum of that many independent draws is normal; "
            "the mean's scaled to each event stock's forecast volatility, the share positive's not), "
            "the max-statistic adjustment from their joint normal, and the median is not tested; "
            f"the t-test (t_cluster) has Driscoll-Kraay errors, by day and across days up to the horizon (seed {statistics.seed})"
        )
    notes.append(CALENDAR_NOTE)
    refusal = histories_refusal(study, panel)
    if null == "dates":
        stocks = stocks_trading(panel, kept)
        _warn_no_test(notes, no_test, few_stocks(stocks, statistics.alpha, refusal, universe=len(panel.symbols)))
        if stocks > 1:  # one stock trading is every stock trading: said by few_stocks
            _warn_no_test(notes, no_test, every_stock_an_event(panel, kept, picks_days_not_stocks(study), refusal))
    dates_tested = tests.filter(pl.col("p_placebo").is_not_null()).select("measure", "statistic").unique(maintain_order=True).rows() if null == "dates" else []
    symbols_tested = bool(tests.height) and tests["p_symbols_null"].is_not_null().any()
    notes.extend(calibration_warnings(study, null, misjudged, dates_tested, panel.measures.units, refusal[0] if refusal else None, symbols_tested=symbols_tested))
    tests = _too_few_untested(tests)
    notes.extend(_too_few_note(tests))
    low = tests.filter((pl.col("statistic") == "mean") & (pl.col("n") >= MIN_TESTED) & (pl.col("n_eff") < 10))
    if low.height:
        shown = ", ".join(f"{m} {a} {h} ({n:.1f})" for m, a, h, n in low.select("measure", "asset", "horizon", "n_eff").rows())
        notes.append(
            f"warning: effective sample size below 10 at {shown}: the events bunch on few dates whose forward "
            "windows overlap; read the Driscoll-Kraay t-test and the headline null, not the event count"
        )
    return tests


def stocks_trading(panel: Panel, kept: pl.DataFrame) -> int:
    """The stocks the 'dates' null can move ``kept``'s events to: those with data on at
    least one of the events' days (none without events: nothing to move, nor to test). A
    stock whose data end before the events (delisted) or start after them receives none:
    its placebo values are draws among the stocks trading that day."""
    on_event_days = np.zeros(panel.present.shape[1], dtype=bool)
    on_event_days[kept["_d"].to_numpy()] = True
    # a boolean matrix-vector product is, per row, 'any(present and on an event day)': one
    # pass over the grid, where gathering the event days' columns first copied them
    # (0.15 s of CPU at 50M symbol-days, with one core idle)
    return int(np.count_nonzero(panel.present @ on_event_days))


def few_stocks_why(stocks: int, universe: int | None = None) -> str:
    """Why a 'dates' null among ``stocks`` stocks (those trading on the events' days, of
    a ``universe`` of that many symbols) has little room, in the words a run's warning
    and a sweep's verdict share."""
    if stocks > 1:
        trade = f" (only {stocks} of the universe's {universe} trade on the events' days)" if universe and universe > stocks else ""
        return f"it moves each stock's events to another of only {stocks} stocks{trade}"
    if universe and universe > 1:
        return (
            f"only one of the universe's {universe} stocks trades on the events' days, so there is no other stock to move its "
            "events to, and every placebo set is the events themselves"
        )
    return "a universe of one stock has no other stock to move its events to, so every placebo set is the events themselves"


def few_stocks(stocks: int, alpha: float, refusal: tuple[str, str] | None = None, *, universe: int | None = None) -> list[NoTest]:
    """The warning of a 'dates' null with too few stocks to relabel the events among: its
    placebo sets are the ``stocks!`` orderings of the symbols, so no exact p-value falls
    below ``1 / stocks!`` (three stocks: 1/6), whatever its normal approximation says.
    ``stocks``: those trading on the events' days (:func:`stocks_trading`), of a
    ``universe`` of that many symbols (None: the same). ``refusal``: why the histories
    null cannot be built here (:func:`~eventstudy.null_choice.histories_refusal`), else None."""
    orderings = math.factorial(min(stocks, 20))
    if orderings * alpha >= 1 or stocks < 1:
        return []
    why = few_stocks_why(stocks, universe)
    words = (
        f"warning: the 'dates' null had little room: {why}, {orderings} orderings in all, so no p-value can truly fall "
        f"below {1 / orderings:.3f}: {NO_TEST} (its normal approximation gives smaller ones)"
    ) if stocks > 1 else f"warning: the 'dates' null had no room: {why} (p = 1): {NO_TEST}"
    found = NoTest("dates", "little room", words, remedy=f"the histories null ({option('null', 'histories')}) resamples the prices instead")
    return [found.without_remedy(refusal[0]) if refusal else found]


def _block_days(used: float, statistics: StatisticsSpec) -> str:
    """The histories' mean block length as a note gives it: the study's own as written
    (2.5 read '2'), Politis-White's estimate to the day."""
    return f"{used:g}" if statistics.block_length is not None else f"{used:.0f}"


_SHARES = {2: "half", 3: "third", 4: "quarter", 5: "fifth", 6: "sixth", 7: "seventh", 8: "eighth", 9: "ninth", 10: "tenth"}
"""A volatility state's share of the days, by the number of states, as a note names it."""


def _matched_words(days: int) -> str:
    """How the histories' blocks after the first start, as their note says it, on a
    calendar of ``days``: after a month in the same volatility state as the block before
    ended in, tenths of the days' returns, or fewer on a short calendar, and one state (the
    plain stationary bootstrap) on a calendar of 42 days or fewer
    (:func:`~eventstudy.inference.resample.state_count`)."""
    count = state_count(days - 1)
    if count == 1:
        return f" (not matched on volatility: a calendar of {days:,} days has one volatility state)"
    share = _SHARES.get(count, f"one of {count} shares")
    return (
        f", each after the first starting after a month in the same {share} of {STATE_WINDOW}-day volatility as the month "
        "the block before ended on"
    )


EVERY_STOCK = 0.9
"""The share of the stocks trading on the events' days (event-weighted) that are events
there, from which the 'dates' null has no room (:func:`every_stock_an_event`)."""


def every_stock_an_event(panel: Panel, kept: pl.DataFrame, days_not_stocks: bool = False, refusal: tuple[str, str] | None = None) -> list[NoTest]:
    """The warning of a 'dates' null with no room: a condition that picks days, not
    stocks (``days_not_stocks``: :func:`picks_days_not_stocks`), or events that are nearly
    every stock trading on their days (:data:`EVERY_STOCK`). The null moves each stock's
    events to another stock, on the same days: it asks whether the event stocks differ from
    the others that day, not whether the days differ, and there are few others, set apart
    by declustering or listing (7 FOMC days: +0.47% against +0.05% on all days read p
    0.960). ``refusal``: why the histories null cannot be built here
    (:func:`~eventstudy.null_choice.histories_refusal`), else None."""
    if not kept.height:
        return []
    days = kept["_d"].to_numpy().astype(np.int64)
    trading = panel.present.sum(axis=0)
    share = float(np.mean(np.bincount(days, minlength=trading.size)[days] / np.maximum(trading[days], 1)))
    if share < EVERY_STOCK and not days_not_stocks:
        return []
    return [dates_little_room(days_not_stocks, _percent_short_of_all(share), refusal)]


def _percent_short_of_all(share: float) -> str:
    """A share as a whole percent, but never '100%' short of all: 99.6% read '100%' (every
    stock an event) where 4 in 1,000 were not.

    >>> _percent_short_of_all(0.914), _percent_short_of_all(0.996), _percent_short_of_all(0.99996), _percent_short_of_all(1.0)
    ('91%', '99.6%', '99.9%', '100%')
    """
    return f"{math.floor(share * 1000) / 10:.1f}%" if f"{share:.0%}" == "100%" and share < 1 else f"{share:.0%}"


def too_few_draws(null: str, drawn: str, count: int, alpha: float, ask: str | None, *, short_of: str | None = None) -> list[NoTest]:
    """The warning of the ``null`` whose ``count`` draws (``drawn``: '10 placebo sets', '19
    resampled histories') leave no p-value at or below ``alpha``: each p-value is
    (1 + as extreme) / (count + 1), at least 1 / (count + 1). ``ask``: the setting that
    draws more (``'placebos'``, ``'histories'``: named as the study's ``statistics.`` key
    and as the run was given it, :func:`~eventstudy.errors.option`; None: the count is the
    null's own, a circular null's shifts).
    ``short_of``: what the null had too few of, for the verdict (the null's draws:
    'resampled histories', 'placebo sets')."""
    floor = _p_floor(count, alpha)
    if floor is None:
        return []
    more = f"; ask for {math.ceil(1 / alpha) - 1:,} or more (statistics.{ask}, {option(ask)})" if ask else ""
    words = f"warning: {drawn} leave no p-value below {floor}: at that alpha {NO_TEST}{more}"
    return [NoTest(null, "few draws", words, drawn=short_of or ("resampled histories" if null == "histories" else "placebo sets"))]


def _warn_no_test(notes: list[str], no_test: list[NoTest], warnings: Iterable[NoTest]) -> None:
    """A null's no-test ``warnings``: in the notes as words, in ``no_test`` as data (the
    tests' 'survives' and the verdict read the data)."""
    for warning in warnings:
        notes.append(warning.words)
        no_test.append(warning)


def _p_floor(count: int, alpha: float) -> str | None:
    """The smallest p-value ``count`` draws allow, 1 / (count + 1), in words ('1/11 =
    0.091, above alpha 0.05') when it is above ``alpha`` (no p-value can reach it), else None."""
    floor = 1 / (count + 1)
    if floor <= alpha:
        return None
    decimals = 3  # more where 3 would read as alpha or below it ('1/97 = 0.010, above alpha 0.01')
    while float(f"{floor:.{decimals}f}") <= alpha:
        decimals += 1
    return f"1/{count + 1:,} = {floor:.{decimals}f}, above alpha {alpha}"


_TOO_FEW = pl.col("n").is_between(1, MIN_TESTED - 1)
"""A cell with an event or two but fewer than :data:`~eventstudy.inference.table.MIN_TESTED`."""


def _too_few_untested(tests: pl.DataFrame) -> pl.DataFrame:
    """A universe's tests with its cells of fewer than ``MIN_TESTED`` events shown, not
    tested, as a timeline's are (:func:`~eventstudy.inference.table.significance_table`):
    no p-value (the Driscoll-Kraay and calendar-time tests' neither), interval or place
    among the significant, nor a place in the family the others' Holm, BH and
    max-statistic adjustments count (those leave them out before adjusting). A cell with
    no complete outcome has none either: the calendar-time portfolio, which holds each
    event for the days it has, gave one a p-value beside an n of 0."""
    untested = [
        c for c in ("p_placebo", "p_greater", "p_less", "percentile", "p_symbols_null", "p_holm", "p_bh", "p_maxstat", "survives",
                    "ci_low", "ci_high", "ci_approximate", "t_cluster", "p_cluster", "t_calendar", "p_calendar")
        if c in tests.columns
    ]
    return tests.with_columns(pl.when(pl.col("n") < MIN_TESTED).then(None).otherwise(pl.col(c)).alias(c) for c in untested)


def _too_few_note(tests: pl.DataFrame) -> list[str]:
    """The warning naming the cells of an event or two, shown but not tested."""
    few = tests.filter((pl.col("statistic") == "mean") & _TOO_FEW)
    if not few.height:
        return []
    shown = ", ".join(f"{m} {a} {h} ({n})" for m, a, h, n in few.select("measure", "asset", "horizon", "n").rows())
    return [
        f"warning: fewer than {MIN_TESTED} events with a complete outcome at {shown}: shown, not tested "
        "(a p-value from one or two returns is no evidence)"
    ]


def _alike_note(tests: pl.DataFrame) -> list[str]:
    """The warning naming the tested cells whose events all have one value, where an
    interval (and under the histories null a p-value) is blank
    (:data:`~eventstudy.inference.table.ALIKE`, found by its words)."""
    alike = tests.filter(pl.col("warning").str.contains(ALIKE_WORDS, literal=True).fill_null(False))
    if not alike.height:
        return []
    cells = alike.unique(["measure", "asset", "horizon"], maintain_order=True)
    shown = ", ".join(f"{m} {a} {h} ({n} events)" for m, a, h, n in cells.select("measure", "asset", "horizon", "n").rows())
    what = (
        "no interval of the average or the median, and the histories, which divide their difference by that spread, "
        "give them no p-value" if alike["null"][0] == "histories" else "no bootstrap interval of the average or the median"
    )
    return [f"warning: every event has the same value at {shown}: with no spread among them there is {what}"]


def _universe_histories(
    panel: Panel, study: Study, kept: pl.DataFrame, window: np.ndarray, statistics: StatisticsSpec, tests: pl.DataFrame,
    notes: list[str], no_test: list[NoTest],
) -> pl.DataFrame:
    """``tests`` with the histories null as the headline: p-values, adjustments, the
    null's mean, the effect and the intervals of every statistic from resampled universes;
    the companions (the 'symbols' null, Driscoll-Kraay, calendar time) as they were."""
    tested = panel.only(panel.measures.tested)
    s_idx, d_idx = kept["_s"].to_numpy().astype(np.int64), kept["_d"].to_numpy().astype(np.int64)
    found = universe_history_null(panel, study, tested, s_idx, d_idx, window, statistics)
    measures = tested.cells["measure"].to_list()
    headline = histories_headline(found, statistics, tested_on=panel.measures.statistics, measures=measures)
    keys = tested.cells.select(CELL).rows()
    rows = []
    untested = found.observed.n[0] < MIN_TESTED  # shown, not tested (_too_few_untested): not in the adjustments' family
    for name in headline.p:
        family = np.where(untested | not_tested_on(measures, name, panel.measures.statistics), np.nan, headline.p[name])
        adjusted = {"p_holm": holm(family), "p_bh": benjamini_hochberg(family)}
        for c, key in enumerate(keys):
            p_maxstat = float(headline.p_maxstat[name][c])
            rows.append({
                **dict(zip(CELL, key)), "statistic": name, "null": "histories",
                "null_mean": float(headline.null_mean[name][c]),
                "p_placebo": float(headline.p[name][c]), "p_greater": float(headline.p_greater[name][c]),
                "p_less": float(headline.p_less[name][c]), "percentile": float(headline.percentile[name][c]),
                "p_holm": float(adjusted["p_holm"][c]), "p_bh": float(adjusted["p_bh"][c]), "p_maxstat": p_maxstat,
                "survives": None if math.isnan(p_maxstat) else p_maxstat <= statistics.alpha,
                "ci_low": float(headline.ci_low[name][c]), "ci_high": float(headline.ci_high[name][c]),
                "ci_approximate": bool(headline.ci_approximate[name][c]),
            })
    replaced = [k for k in rows[0] if k not in (*CELL, "statistic")] if rows else []
    over = pl.DataFrame(rows, schema={k: tests.schema[k] for k in (*CELL, "statistic", *replaced)}) if rows else None
    if over is not None:
        order = tests.columns
        tests = (
            tests.drop(replaced)
            .join(over, on=[*CELL, "statistic"], how="left", maintain_order="left")
            .with_columns((pl.col("difference") - pl.col("null_mean")).alias("effect"))
            .select(order)
        )
        floats = [k for k, t in tests.schema.items() if t == pl.Float64()]
        tests = tests.with_columns(pl.col(floats).fill_nan(None))
    notes.append(
        f"p-values: the rule re-run on {found.count:,} resampled universes (every stock's and the market series' daily "
        f"returns resampled together, whole days in blocks of {_block_days(found.block_length, statistics)} trading days on average, prices "
        f"rebuilt, then condition, declustering and outcomes as here; seed {statistics.seed}): 'null mean' is the difference "
        "the rule shows on such noise, 'effect' what is left beyond it; the mean's and the median's differences are compared "
        "studentized, and the intervals come from the same universes; '*' marks what survives the max-statistic adjustment "
        f"across all cells at alpha {statistics.alpha}. Beside them: the 'symbols' null (p_symbols_null), the t-test with "
        "Driscoll-Kraay errors (t_cluster) and the calendar-time portfolio test (t_calendar)"
    )
    _warn_no_test(notes, no_test, too_few_draws("histories", f"{found.count:,} resampled universes", found.count, statistics.alpha, "histories"))
    if found.flat_share > 0.001:
        notes.append(
            f"{found.flat_share:.1%} of the resampled stock-days drew a day on which that stock did not trade (before its "
            "listing, after its delisting, or in a gap): they are flat days in the history"
        )
    _warn_few_entered(notes, no_test, found, statistics, "resampled universes")
    return tests


def _warn_few_entered(notes: list[str], no_test: list[NoTest], found: HistoryNull, statistics: StatisticsSpec, drawn: str) -> None:
    """The histories null's warnings when some tested cell's null has few of the ``drawn``
    ('resampled histories' or 'resampled universes'): those with two or more events in it
    (the average's and the median's), and, where even the most any cell has with one event
    (the share positive's null takes a history of one) cannot reach alpha, that no p-value
    can (3109f47)."""
    tested_cells = found.observed.n[0] >= MIN_TESTED  # an untested cell's null is not read
    used = used_histories(found)[tested_cells]
    if not (used.size and used.min() < 0.9 * found.count):
        return
    fewest = int(used.min())
    floor = _p_floor(fewest, statistics.alpha)
    short = (
        f" (where so few enter, no p-value of the average or the median can fall below {floor}: ask for more "
        f"histories, statistics.histories or {option('histories')})" if floor else ""
    )
    notes.append(f"warning: only {fewest:,} of {found.count:,} {drawn} gave two or more events in some cell; the others do not enter its null{short}")
    most = int((found.histories.n >= 1).sum(axis=0)[tested_cells].max())
    if _p_floor(found.count, statistics.alpha) is None:  # else the count's own warning above says it
        _warn_no_test(notes, no_test, too_few_draws("histories", f"the {most:,} of {found.count:,} {drawn} that gave the rule an event", most, statistics.alpha, None,
                                                      short_of=f"{drawn} with an event"))


def refuse_unused_counts(
    study: Study, statistics: StatisticsSpec, given: Collection[str], gaps: Mapping[str, int] | None = None,
    mismatched: Mapping[str, int] | None = None, days: int = 0, panel: Panel | None = None,
) -> None:
    """Refuse, not ignore, a count given to this run (``--placebos``, ``--histories``, or
    :func:`~eventstudy.run`'s ``placebos=``, ``histories=``, ``block_length=``) that its
    headline null does not draw: ``histories`` and ``block_length`` are the histories
    null's, and a timeline's histories null draws no placebo sets (its intervals come from
    the histories too; a universe's keeps its 'dates' null beside it, and ``placebos: 0``
    skips every test). The study file's own settings are not refused: a sweep or another
    null may read them. The null is the one the run will choose (:func:`choose_null`, with
    the series' ``gaps`` on the study calendar, which can turn a timeline's default to the
    runs null; :func:`universe_null`, known before any data is read but for a calendar the
    histories cannot use, which its prepared ``panel`` shows)."""
    if not given:
        return
    resampling = [option(key) for key in ("histories", "block_length") if key in given]
    if statistics.placebos == 0 and resampling:
        raise ConfigError(
            f"{' and '.join(resampling)} would be ignored: {option('placebos', 0)} (statistics.placebos) skips every test",
            hint=f"drop {' and '.join(resampling)}, or drop {option('placebos', 0)} to run the tests",
        )
    if statistics.placebos == 0 or (study.universe is None and not study.evaluate):
        return
    null = universe_null(study, statistics, panel) if study.universe is not None else choose_null(study, statistics, [], gaps, mismatched, days)
    why = "asked for" if statistics.null is not None else "this study's default"
    if resampling and null != "histories":
        if study.universe is None:
            unusable = no_histories_why(study, statistics, gaps, mismatched, days)
        else:  # a universe's: a condition on the day's fields, a next-open entry
            refusal = histories_refusal(study, panel)
            unusable = refusal[0] if refusal else None
        raise ConfigError(
            f"{' and '.join(resampling)} would be ignored: the run's headline null is the {null} null ({why}), which "
            "resamples no histories" + (f", and the histories null cannot be used here ({unusable})" if unusable else ""),
            hint=f"drop {' and '.join(resampling)}" if unusable else
            f"add {option('null', 'histories')} (statistics.null) to test on resampled histories, or drop {' and '.join(resampling)}",
        )
    if "placebos" in given and null == "histories" and study.universe is None:
        raise ConfigError(
            f"{option('placebos', statistics.placebos)} would be ignored: the run's headline null is the histories null ({why}), "
            f"which draws resampled histories, not placebo sets (their count is {option('histories')}; {option('placebos')} counts the "
            f"runs, matched and circular nulls' sets, and {option('placebos', 0)} skips every test)",
            hint=f"{option('histories', 'N', placeholder=True)} for the histories null's count, or {option('null', 'runs')} (matched, circular) with {option('placebos')}",
        )


def _tested_on_notes(panel: Panel) -> list[str]:
    """The note of each tested measure tested on fewer than all three statistics (the hit
    rate: on its average alone), whose other statistics have no row in the tests."""
    notes = []
    for measure in panel.measures:
        if not measure.tested or measure.hidden or measure.name not in panel.cells["measure"] or set(STATISTICS) <= set(measure.statistics):
            continue
        tested = " and ".join(STATISTIC_WORDS[s] for s in measure.statistics)
        left = " and ".join(STATISTIC_WORDS[s] for s in STATISTICS if s not in measure.statistics)
        its = f"{measure.fewer_why}, so its" if measure.fewer_why else "its"
        notes.append(
            f"'{measure.name}' is tested on its {tested} only: {its} {left} are shown in the summary, not tested (no row in the "
            "tests, no place in the multiple-testing families)"
        )
    return notes


def _nothing_tested() -> str:
    """The note of a study with descriptive evaluators alone, whose nulls have no cell to test."""
    return (
        "no significance tests: none of the study's evaluators is tested (the path in event time only describes); "
        f"add {tested_evaluators()} for p-values"
    )


def nested_baseline_days(panel: Panel, study: Study, statistics: StatisticsSpec) -> np.ndarray | None:
    """Where a study's nested baseline (``statistics.baseline``) holds, on every day of the
    panel's calendar (look-backs cross the window start), or None without one: the days its
    tests' baseline and placebo sets are drawn from."""
    if statistics.baseline is None or panel.frame is None:
        return None
    node = resolve(parse(statistics.baseline.when), list(study.series))
    holds: np.ndarray = panel.frame.select(compile_condition(node).fill_null(False).alias("base"))["base"].to_numpy()
    return holds


def _timeline_tests(
    panel: Panel,
    study: Study,
    kept: pl.DataFrame,
    window: np.ndarray,
    statistics: StatisticsSpec,
    notes: list[str],
    no_test: list[NoTest],
    shared_histories: SharedHistories | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The tests of a study of named series (a one-row panel), and what they are in words
    (a null's no-test warnings also in ``no_test``).

    A nested baseline (``statistics.baseline``) is evaluated on the whole timeline
    (look-backs cross the window start) and then windowed.
    """
    tested = panel.only(panel.measures.tested)
    kept_days = kept["_d"].to_numpy()
    base_mask = None
    if not tested.cells.height:  # descriptive evaluators alone (the path in event time): no cell to test
        notes.append(_nothing_tested())
        design = panel_design(tested.values, tested.cells, panel.days, window, kept_days, study.decluster, None)
        return significance_table(design, statistics, Headline("none"))
    holds = nested_baseline_days(panel, study, statistics)
    if holds is not None:
        base_mask = holds[window]
    design = panel_design(tested.values, tested.cells, panel.days, window, kept_days, study.decluster, base_mask)
    gaps = calendar_gaps(panel.frame, list(study.series)) if panel.frame is not None else None
    mismatched = calendar_mismatch(panel.days.size, panel.own_days)
    null = choose_null(study, statistics, notes, gaps, mismatched, panel.days.size)
    described: list[str] = []  # measures a placebo null does not test: p-values shown as descriptions, outside the family
    tested_on = panel.measures.statistics
    notes.extend(_tested_on_notes(panel))
    if null == "histories":
        found = history_null(panel, study, tested, kept_days, window, statistics, shared_histories)
        headline = histories_headline(found, statistics, tested_on=tested_on, measures=tested.cells["measure"].to_list())
        notes.append(
            f"p-values: the rule re-run on {found.count:,} resampled histories of {', '.join(study.series)} (their daily "
            f"returns resampled together in blocks of {_block_days(found.block_length, statistics)} trading days on average"
            f"{_matched_words(panel.days.size)}, prices rebuilt, "
            f"then condition, declustering and outcomes as here; seed {statistics.seed}): 'null mean' is the difference the "
            "rule shows on such noise, 'effect' what is left beyond it; the mean's and the median's differences are "
            "compared studentized (by sd / sqrt(n_eff) within each history, n_eff the effective sample size of their "
            "overlapping windows), and the intervals come from the same histories; '*' marks what survives the "
            "max-statistic adjustment across all "
            f"cells at alpha {statistics.alpha}"
        )
        _warn_no_test(notes, no_test, too_few_draws("histories", f"{found.count:,} resampled histories", found.count, statistics.alpha, "histories"))
        _warn_few_entered(notes, no_test, found, statistics, "resampled histories")
    else:
        settings = statistics.model_copy(update={"null": null})
        described = placebos_misjudge(study)
        try:
            headline = placebo_headline(design, settings, described, tested_on)
        except DataError as exc:
            if null != "runs":
                raise
            # the runs null needs stretches long enough for every run (a nested baseline's
            # scattered days, or a short window, may have none): say so and shift the calendar
            notes.append(f"warning: {exc.message}; the circular null was used instead")
            settings = settings.model_copy(update={"null": "circular"})
            headline = placebo_headline(design, settings, described, tested_on)
        nested = f", drawn only from days where {statistics.baseline.when!r}" if statistics.baseline else ""
        sets = "every valid shift of the event calendar" if settings.null == "circular" else f"{headline.reps:,} {settings.null} placebo event sets"
        notes.append(
            f"p-values: {sets} ({settings.null} null: the events' number, under the same declustering{nested}; seed "
            f"{settings.seed}): they answer 'is it these dates?', holding the real days fixed, and do not see what the "
            f"rule picks on noise; '*' marks what survives the max-statistic adjustment across all cells at alpha {settings.alpha}"
        )
        unusable = no_histories_why(study, statistics, gaps, mismatched, panel.days.size)
        # a remedy the run would refuse is no remedy: the warning says why it cannot be used instead
        _warn_no_test(notes, no_test, [w.without_remedy(unusable) if unusable and w.remedy else w for w in headline.warnings])
        if headline.median_reps < headline.reps:
            notes.append(
                f"the median's null uses {headline.median_reps:,} of the {headline.reps:,} placebo sets (it is computed on "
                f"the sets themselves, and those are bounded to {GATHER_BUDGET / 1e6:g} million values per cell)"
            )
        circular = settings.null == "circular"
        drawn = f"the {headline.reps:,} shifts of the circular null" if circular else f"{headline.reps:,} placebo sets"
        _warn_no_test(notes, no_test, too_few_draws(headline.null, drawn, headline.reps, settings.alpha, None if circular else "placebos"))
        if settings.null == "matched" and headline.reps < settings.placebos:
            notes.append(
                f"the matched null drew {headline.reps:,} placebo sets, not {settings.placebos:,} (it has no structure to "
                "sum by: each set's days are drawn and summed, at most 10 million set-days per cell)"
            )
    shares = [measure for measure, unit in panel.measures.units.items() if unit == "share"]
    tests, placebo = significance_table(design, statistics, headline, described, tested_on, shares)
    notes.extend(_too_few_note(tests))
    notes.extend(_alike_note(tests))
    low = (
        tests.filter((pl.col("statistic") == "mean") & (pl.col("n") >= MIN_TESTED) & (pl.col("n_eff") < 10))  # fewer: untested, said above
        .group_by("horizon", "horizon_days", maintain_order=True)
        .agg(pl.col("n_eff").min())
        .sort("horizon_days")
    )
    if low.height:
        shown = ", ".join(f"{h} ({n:.1f})" for h, _, n in low.rows())
        notes.append(
            f"warning: effective sample size below 10 at {shown}: the events' forward windows overlap, "
            "so these p-values and intervals rest on very few independent observations"
        )
    return tests, placebo
