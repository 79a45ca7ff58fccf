"""Running a study: prepare its panel, then evaluate it with the one engine.

A study of named series is prepared here (:func:`prepare`): prices loaded, features on
each series' full history, the series aligned on one calendar (the timeline), and every
evaluator's outcomes on every day of it, as a one-row :class:`~eventstudy.panel.Panel`.
A universe study is prepared by :mod:`eventstudy.universe`. Both then go through
:func:`eventstudy.engine.evaluate`. The result's parts are polars DataFrames with the
same content as the files the CLI writes, so a notebook gets exactly what ``eventstudy
run`` prints.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
from pydantic import ValidationError

from eventstudy.align import align_series, describe_alignment
from eventstudy.conditions import compile_condition, parse, required_features, resolve
from eventstudy.config import (
    StatisticsSpec,
    Study,
    check_event_names,
    load_study,
    nulls,
    require_checked,
)
from eventstudy.data import find_data_dir, load_prices_any, source_ranges
from eventstudy.data.quality import quick_check
from eventstudy.engine import evaluate, refuse_unused_counts
from eventstudy.errors import ConfigError, DataError, EventStudyError, did_you_mean, option
from eventstudy.evaluators import (
    EvaluationContext,
    Evaluator,
    build_evaluators,
    evaluate_outcomes,
)
from eventstudy.evaluators.forward_returns import ForwardReturns
from eventstudy.evaluators.path import Path as PathEvaluator
from eventstudy.executor import Executor
from eventstudy.features import FEATURES, FeatureRequest, column_name
from eventstudy.frames import prices_from_frames
from eventstudy.histories import calendar_gaps, calendar_mismatch
from eventstudy.null_choice import universe_null
from eventstudy.own_events import with_event_columns
from eventstudy.panel import ConditionHits, HitsFinder, Panel, calendar_index
from eventstudy.result import StudyResult
from eventstudy.timeline import build_timeline, no_common_dates, require_study_day_prices
from eventstudy.universe import prepare_study_universe

__all__ = ["StudyResult", "evaluate", "outcome_panel", "prepare", "run", "run_study", "statistics_with"]


def run(
    study: str | Path | Study,
    *,
    data_dir: str | Path | None = None,
    data: Mapping[str, object] | None = None,
    when: str | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    cache_dir: str | Path | None = None,
    pull: bool = False,
    executor: Executor | None = None,
    paths: bool = True,
    placebos: int | None = None,
    histories: int | None = None,
    block_length: float | None = None,
    null: str | None = None,
    seed: int | None = None,
    alpha: float | None = None,
    ci: float | None = None,
) -> StudyResult:
    """Load (if given a path) and run a study.

    ``data_dir`` is the data directory (default: the study's ``data.dir``, then
    ``$EVENTSTUDY_DATA``); ``start``/``end`` replace the study's window; ``cache_dir`` and
    ``pull`` use and fill the download cache.
    ``data`` gives the prices in memory instead of files: polars or pandas frames with
    a date and a close column, keyed by symbol (``{"SPX": frame}``; a study of named
    series). ``when`` replaces the study's condition (checked like the study's own).
    ``placebos``, ``histories``, ``block_length``, ``null``, ``seed``, ``alpha`` and
    ``ci`` replace those keys of the study's ``statistics:`` block (None keeps the study's). ``executor`` (:mod:`eventstudy.executor`)
    runs a universe study's symbol blocks; a study of named series has nothing to split.
    ``paths=False`` skips the event-time path computed only for charts (a study's own
    ``path`` evaluator is always computed).

    Examples
    --------
    >>> import eventstudy
    >>> result = eventstudy.run("configs/spx_rut.yaml", data_dir="../shared/data")  # doctest: +SKIP
    >>> result.summary.filter(asset="RUT")  # doctest: +SKIP
    """
    if not isinstance(study, (str, Path, Study)):  # pathlib's own TypeError names no argument
        raise TypeError(f"study is of type {type(study).__name__}: give a study file's path or a Study (eventstudy.load_study)")
    if when is not None and not isinstance(when, str):
        raise TypeError(f"when is of type {type(when).__name__}: give the condition as text, e.g. 'SPX at ATH'")
    for name, flag in (("paths", paths), ("pull", pull)):
        if not isinstance(flag, bool):  # paths="no" is a true string: the charts' path was computed
            raise TypeError(f"{name} is {flag!r}: give True or False")
    require_executor(executor)
    if not isinstance(study, Study):
        study = load_study(study)
    require_checked(study)
    if when is not None:
        study = with_condition(study, when)
    prices = None
    if data is not None:
        if data_dir is not None or cache_dir is not None or pull:
            raise ValueError("give the prices as data= or read them (data_dir=, cache_dir=, pull=), not both")
        if study.universe is not None:
            raise DataError("data= serves studies of named series; a universe study reads its panel from its data file")
        prices = prices_from_frames(data, list(dict.fromkeys(study.series.values())), study.series)
    return run_study(
        study, data_dir=data_dir, start=start, end=end, cache_dir=cache_dir, pull=pull, executor=executor, paths=paths,
        prices=prices, placebos=placebos, histories=histories, block_length=block_length, null=null, seed=seed,
        alpha=alpha, ci=ci,
    )


def require_executor(executor: object) -> None:
    """Refuse an executor that is not one (a name such as 'processes' was ignored by a study
    of named series, and ended in an AttributeError in a universe study)."""
    if executor is not None and not isinstance(executor, Executor):
        raise TypeError(f"executor is of type {type(executor).__name__}: give one from eventstudy.executor.get_executor(), e.g. get_executor('processes')")


def with_condition(study: Study, when: str) -> Study:
    """``study`` with the condition ``when``, checked against its series (an error draws
    its caret under ``when`` itself)."""
    node = resolve(parse(when), list(study.series), source=when, universe=study.universe is not None)
    try:
        check_event_names(node, study)
    except EventStudyError as exc:
        exc.source = when
        raise
    copied = study.model_copy(update={"when": when})
    if study._checked is not None:  # the condition is checked here
        copied._checked = {**study._checked, "when": when}
    return copied


def run_study(
    study: Study,
    *,
    data_dir: str | Path | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    cache_dir: str | Path | None = None,
    pull: bool = False,
    executor: Executor | None = None,
    paths: bool = True,
    prices: pl.DataFrame | None = None,
    placebos: int | None = None,
    histories: int | None = None,
    block_length: float | None = None,
    null: str | None = None,
    seed: int | None = None,
    alpha: float | None = None,
    ci: float | None = None,
) -> StudyResult:
    """Run a validated study; ``start``/``end`` override its window, the statistics keywords
    (as in :func:`run`) its ``statistics:`` block,
    ``executor`` runs a universe study's symbol blocks; ``prices`` (long ``date, symbol,
    close``) are a study of named series' data in memory."""
    if not isinstance(study, Study):  # a path ended in "'str' object has no attribute '_checked'"
        raise TypeError(
            f"study is of type {type(study).__name__}: run_study takes a Study (eventstudy.load_study, eventstudy.parse_study); "
            "eventstudy.run takes a study file's path too"
        )
    require_executor(executor)
    require_checked(study)
    statistics = statistics_with(study, dict(placebos=placebos, histories=histories, block_length=block_length, null=null, seed=seed, alpha=alpha, ci=ci))
    counts = {"placebos": placebos, "histories": histories, "block_length": block_length}
    given = [key for key, value in counts.items() if value is not None]
    if null is not None and statistics.placebos == 0:  # ran with exit 0, the null asked for never drawn
        raise ConfigError(
            f"{option('null', null)} would be ignored: {option('placebos', 0)} (statistics.placebos) skips every test",
            hint=f"drop {option('null')}, or drop {option('placebos', 0)} to run the tests",
        )
    if study.universe is not None:  # its null is known before any data is read
        refuse_unused_counts(study, statistics, given)
    started = time.perf_counter()
    if study.universe is not None and prices is not None:
        raise DataError("data= serves studies of named series; a universe study reads its panel from its data file")
    if study.universe is not None:
        keep_closes = (statistics.placebos > 0 and universe_null(study, statistics) == "histories") or study.event_study is not None
        panel = prepare_study_universe(study, data_dir=data_dir, cache_dir=cache_dir, pull=pull, executor=executor, keep_closes=keep_closes)
        if given:  # a calendar far sparser than the stocks' days (a monthly market series) turns the default to 'dates'
            refuse_unused_counts(study, statistics, given, panel=panel)
    else:
        extra = [statistics.baseline.when] if statistics.baseline is not None else []
        panel = prepare(study, data_dir=data_dir, conditions=extra, cache_dir=cache_dir, pull=pull, paths=paths, prices=prices)
        if given:  # a series 'align: ffill' leaves unknown on some days turns the default null to the runs null
            gaps = calendar_gaps(panel.frame, list(study.series)) if panel.frame is not None else None
            refuse_unused_counts(study, statistics, given, gaps, calendar_mismatch(panel.days.size, panel.own_days), panel.days.size)
    prepared_s = time.perf_counter() - started
    result = evaluate(panel, study, start=start, end=end, statistics=statistics)
    if study.event_study is not None:  # a classical event study of the kept events (eventstudy.event_study)
        from eventstudy.event_study import with_event_study

        result = with_event_study(result, panel, statistics)
    return replace(result, timings={"prepare_s": round(prepared_s, 4), **{f"prepare_{k}": v for k, v in panel.timings.items()}, **result.timings})


class TimelineHits(HitsFinder):
    """A condition's hits on a timeline, found when first asked for (a sweep asks for
    each cell's condition; the features of all of them are on the timeline already)."""

    def __init__(self, timeline: pl.DataFrame, series: list[str]) -> None:
        self.timeline = timeline
        self.series = series

    def find(self, when: str, trigger: str) -> ConditionHits:
        node = resolve(parse(when), self.series)
        hit = compile_condition(node).fill_null(False)
        if trigger == "edge":  # true today, and false or unknown the day before (on the study calendar)
            hit = hit & ~hit.shift(1).fill_null(False)
        elif trigger != "level":
            raise ValueError(f"unknown trigger {trigger!r}")
        rows = np.flatnonzero(self.timeline.select(hit.alias("_hit"))["_hit"].to_numpy())
        columns = value_columns(self.series, required_features(node))
        values = self.timeline.select("date", *columns)[rows]
        return ConditionHits(rows.astype(np.int64), rows.astype(np.int64), values)


def value_columns(series: list[str], requests: list[FeatureRequest]) -> list[str]:
    """The instance table's value columns: closes of every series, then the condition's
    numeric features, in order of appearance."""
    columns = [column_name(s, "close", ()) for s in series]
    for req in requests:
        if FEATURES.get(req.name).kind == "value":
            name = column_name(req.series, req.name, tuple(req.args))
            if name not in columns:
                columns.append(name)
    return columns


def prepare(
    study: Study,
    *,
    data_dir: str | Path | None = None,
    conditions: Sequence[str] = (),
    cache_dir: str | Path | None = None,
    pull: bool = False,
    paths: bool = True,
    prices: pl.DataFrame | None = None,
    before: dt.date | None = None,
) -> Panel:
    """Load the data and compute features and outcomes for ``study`` (and ``conditions``).

    ``conditions`` are further condition texts (a sweep's cells, a nested baseline) whose
    features must be on the timeline too. ``paths=False`` skips the implicit event-time
    path (charts only). ``prices`` (long ``date, symbol, close``) is data already in
    memory, used instead of reading any file. ``before``: the data is taken to end the
    day before it (a sweep's search before its held-out period): an outcome that would
    read a later close is pending, as at the end of the data.
    """
    symbols = list(dict.fromkeys(study.series.values()))
    if prices is None:
        directory = find_data_dir(str(data_dir) if data_dir is not None else None, study.data.dir, study.path)
        with study.naming_missing_symbols():
            loaded = load_prices_any(symbols, data_dir=directory, cache_dir=cache_dir, provider=study.data.provider, pull=pull)
        prices, sources, loaded_notes, hashes = loaded.frame, dict(loaded.sources), list(loaded.notes), dict(loaded.hashes)
    else:
        directory, sources, loaded_notes, hashes = None, {}, [], {}
        missing = sorted(set(symbols) - set(prices["symbol"].unique().to_list()))
        if missing:
            raise DataError(f"no prices for {', '.join(repr(m) for m in missing)} in the frame given")
        prices = prices.filter(pl.col("symbol").is_in(symbols)).sort("symbol", "date")
    if before is not None:
        prices = prices.filter(pl.col("date") < before)
    written = [(text, resolve(parse(text), list(study.series))) for text in (study.when, *conditions)]
    require_study_day_prices(study, prices, written)  # a feature reading a day's price the data has none of
    requests: list[FeatureRequest] = [r for _, node in written for r in required_features(node)]
    timeline = build_timeline(
        prices, study.series, list(dict.fromkeys(requests)), align=study.data.align, max_stale=study.data.max_stale
    )
    timeline = with_event_columns(timeline, study.event_sets)
    if timeline.is_empty():
        raise no_common_dates(study, prices)
    observed = None
    if study.event_study is not None and study.data.align == "ffill":  # its returns: none on a day carried forward
        observed = align_series(
            {
                name: prices.filter(pl.col("symbol") == symbol).select("date", pl.col("close").alias(column_name(name, "close", ())))
                for name, symbol in study.series.items()
            },
            "ffill",
            0,
        )
    context = EvaluationContext(prices=prices, series=study.series)
    evaluators = build_evaluators(study.evaluators)
    implicit = implicit_path(study, evaluators) if paths else []
    outcomes, measures, reads = evaluate_outcomes(evaluators, context, timeline.select("date"))
    if implicit:
        paths_found = evaluate_outcomes(implicit, context, timeline.select("date"))  # each path reads its asset alone
        outcomes = pl.concat([outcomes, paths_found.outcomes])
        measures = measures.extend(replace(m, hidden=True, table=False, tested=False) for m in paths_found.measures)
    notes = [
        *loaded_notes,
        describe_alignment(study.data.align, study.data.max_stale, next(iter(study.series))),
        *quick_check(prices, align=study.data.align, reference=next(iter(study.series.values()))),
    ]
    days = timeline["date"].to_numpy().astype("datetime64[D]")
    span = pl.col("date").is_between(timeline["date"][0], timeline["date"][-1])
    own_days = {name: prices.filter((pl.col("symbol") == symbol) & span).height for name, symbol in study.series.items()}
    cells, values, pending = outcome_panel(outcomes, timeline["date"])
    earlier = prices.filter(pl.col("date") < timeline["date"][0]).group_by("symbol").agg(pl.col("close").sort_by("date").drop_nulls().cast(pl.Float64))
    closes_before = {symbol: closes.to_numpy() for symbol, closes in zip(earlier["symbol"], earlier["close"], strict=True)}
    return Panel(
        kind="timeline",
        days=days,
        symbols=[study.name],
        cells=cells,
        values=values,
        pending=pending,
        hits={},
        present=np.ones((1, days.size), dtype=bool),
        measures=measures,
        frame=timeline,
        observed_closes=observed,
        own_days=own_days,
        reads={cell: tuple(study.series[name] for name in names) for cell, names in reads.items()},
        max_stale=study.data.max_stale if study.data.align == "ffill" else 0,
        closes_before={name: closes_before[symbol] for name, symbol in study.series.items() if symbol in closes_before},
        directory=directory,
        sources=sources,
        source_ranges=source_ranges(prices),
        input_hashes=hashes,
        notes=notes,
        finder=TimelineHits(timeline, list(study.series)),
    )


def outcome_panel(outcomes: pl.DataFrame, dates: pl.Series) -> tuple[pl.DataFrame, list[np.ndarray], list[tuple[np.ndarray, np.ndarray]]]:
    """Long outcomes on a timeline's days -> cells (with each asset's ``symbol``), one
    ``(1, days)`` float64 array per cell, and the pending values per cell."""
    keys = ["measure", "asset", "horizon", "horizon_days"]
    if outcomes.is_empty():
        return pl.DataFrame(schema={**dict.fromkeys(keys[:3], pl.String), "horizon_days": pl.Int64, "symbol": pl.String}), [], []
    # evaluators give each cell's rows together: a run of equal keys is a cell
    ids = outcomes.select(pl.struct(keys).rle_id())[:, 0].to_numpy().astype(np.int64)
    firsts = np.flatnonzero(np.diff(ids, prepend=-1))  # each cell's first row (its symbol, as the join below takes it)
    cells = outcomes.select(pl.col(*keys, "symbol").gather(firsts))  # an expression: frame[firsts] gathers across the frame's chunks
    if cells.select(keys).is_duplicated().any():  # not contiguous after all: number the cells by a join
        cells = outcomes.group_by(keys, maintain_order=True).agg(pl.col("symbol").first())
        ids = outcomes.select(keys).join(cells.select(keys).with_row_index("_c"), on=keys, how="left", maintain_order="left")["_c"].to_numpy().astype(np.int64)
    day = calendar_index(outcomes["date"], dates.cast(pl.Int32).to_numpy())
    known = day >= 0
    grid = np.full((cells.height, dates.len()), np.nan)
    value = outcomes["value"].fill_null(np.nan).to_numpy()
    if known.all():  # the usual case: every anchor is a timeline day
        grid.reshape(-1)[ids * dates.len() + day] = value
    else:
        grid[ids[known], day[known]] = value[known]
    remaining = outcomes["days_remaining"].fill_null(0).to_numpy()
    waiting = np.flatnonzero(known & (remaining > 0))
    order = waiting[np.lexsort((day[waiting], ids[waiting]))]  # by cell, then day
    bounds = np.searchsorted(ids[order], np.arange(cells.height + 1))
    pending = [(day[order[lo:hi]], remaining[order[lo:hi]].astype(np.int32)) for lo, hi in itertools.pairwise(bounds)]
    return cells, [grid[c][None, :] for c in range(cells.height)], pending


def implicit_path(study: Study, evaluators: list[Evaluator]) -> list[Evaluator]:
    """An event-time path for charts when the study has none: the forward-return assets,
    21 days before to the longest horizon after (at most a year), about 50 points."""
    if any(isinstance(ev, PathEvaluator) for ev in evaluators):
        return []
    forward = [ev for ev in evaluators if isinstance(ev, ForwardReturns)]
    assets = list(dict.fromkeys(a for ev in forward for a in ev.params.assets)) or list(study.series)  # type: ignore[attr-defined]
    after = min(252, max((h.days for ev in forward for h in ev.params.horizons), default=63))  # type: ignore[attr-defined]
    step = max(1, round((after + 21) / 50))
    return [PathEvaluator(PathEvaluator.Params(assets=assets, before=21, after=after, step=step))]


def statistics_with(study: Study, overrides: dict[str, object]) -> StatisticsSpec:
    """The study's statistics settings with command-line / API overrides applied."""
    given = {k: v for k, v in overrides.items() if v is not None}
    unknown = set(given) - set(StatisticsSpec.model_fields)
    if unknown:
        raise TypeError(f"unknown statistics override(s): {', '.join(sorted(unknown))}")
    if not given:
        return study.statistics
    null = given.get("null")
    valid = nulls(universe=study.universe is not None)
    if null is not None and null not in {*nulls(universe=True), *nulls(universe=False)}:  # the other kind's: refused with its reason later
        kind = "a universe study" if study.universe is not None else "a study of named series"
        raise ConfigError(f"unknown null {null!r} for {kind}{did_you_mean(str(null), valid)}", hint=f"valid nulls: {', '.join(valid)}")
    try:
        return StatisticsSpec.model_validate({**study.statistics.model_dump(exclude_unset=True), **given})
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        raise ConfigError(f"bad value {err.get('input')!r} for {err['loc'][0]!r}: {err['msg'].lower()}") from None
