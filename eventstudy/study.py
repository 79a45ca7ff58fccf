"""Running a study: the pipeline from a validated study to a :class:`StudyResult`.

This module only wires the stages together (config -> data -> features/timeline ->
conditions -> events -> evaluators -> statistics); each stage lives in its own module.
The result's parts are polars DataFrames with the same content as the files the CLI
writes, so a notebook gets exactly what ``eventstudy run`` prints.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl
from pydantic import ValidationError

from eventstudy.conditions import compile_condition, parse, required_features, resolve, to_text
from eventstudy.config import StatisticsSpec, Study, load_study
from eventstudy.align import describe_alignment
from eventstudy.data import find_data_dir, load_prices_any
from eventstudy.quality import quick_check
from eventstudy.errors import ConfigError, DataError
from eventstudy.evaluators import EvaluationContext, Evaluator, build_evaluators, empty_outcomes
from eventstudy.events import decluster, find_events, gap_thresholds, in_window
from eventstudy.features import FEATURES, FeatureRequest, column_name
from eventstudy.statistics import summary_with_baseline
from eventstudy.timeline import build_timeline

__all__ = ["PreparedData", "StudyResult", "evaluate", "prepare", "run", "run_study"]


@dataclass(frozen=True)
class StudyResult:
    """Everything a study produced; every table is a polars DataFrame.

    Attributes
    ----------
    study
        The validated study (with any window override applied).
    condition
        The condition in canonical form, as it was evaluated.
    events
        The instance table: one row per kept event, ``date``, the closes of the study's
        series and the condition's other features that day, and one column per
        evaluator x asset x horizon (``SPX.fwd.1m``: simple forward return, null when
        the horizon has not elapsed).
    raw_events
        Every day the condition held in the window, with ``kept`` (survived declustering).
    outcomes
        Long outcomes of the kept events: ``date, asset, horizon, horizon_days, value, measure``.
    baseline_outcomes
        The same for every day of the study window (the unconditional baseline).
    summary
        Per asset x horizon (x measure): the events' n, n_incomplete, mean, median,
        pct_positive, min, max and the baseline's n, mean, median, pct_positive.
    timeline
        The aligned daily frame the condition was evaluated on (full history).
    tests
        Significance per cell x statistic (mean, median, pct_positive): baseline,
        difference, placebo p-values, adjusted p-values, interval, classical companions,
        n_eff and minimum detectable effect (see :mod:`eventstudy.inference`). Empty when
        ``statistics.placebos`` is 0.
    statistics
        The statistics settings used (after command-line overrides).
    pending
        ``date, column, days_remaining``: instance-table cells whose horizon has not
        elapsed yet, and how many trading days of data they still need.
    measure_units
        Display unit of each measure ('fraction' for returns, 'count', 'share').
    measure_titles
        What each measure is, in words (report headings).
    tested_measures
        Measures that get significance tests (an event-time path does not).
    sources
        The file each symbol's prices came from (a data directory or the download cache).
    source_ranges
        Per symbol, the data as loaded: ``first`` and ``last`` date and ``rows``.
    placebo
        The placebo distributions behind the tests: ``measure, asset, horizon,
        horizon_days, statistic, value``, one row per placebo draw (for charts).
    breakdowns
        Universe studies: the events' figures ``by_year`` and ``by_symbol``.
    hidden_measures
        Measures computed for charts only (an implicit event-time path), left out of
        text reports.
    timings
        Seconds spent per stage (``prepare_s``, ``evaluate_s``, ``significance_s``).
    column_units
        How each instance-table column is shown: 'date', or a feature unit ('price',
        'fraction' = signed, e.g. a return, 'share' = unsigned, e.g. a drawdown, 'number', 'count').
    notes
        Plain statements of the choices made and anything a careful analyst should know.
    """

    study: Study
    condition: str
    data_dir: Path | None
    start: dt.date | None
    end: dt.date | None
    events: pl.DataFrame
    raw_events: pl.DataFrame
    outcomes: pl.DataFrame
    baseline_outcomes: pl.DataFrame
    summary: pl.DataFrame
    timeline: pl.DataFrame
    tests: pl.DataFrame = field(default_factory=pl.DataFrame)
    statistics: StatisticsSpec | None = None
    column_units: dict[str, str] = field(default_factory=dict)
    pending: pl.DataFrame = field(default_factory=pl.DataFrame)
    measure_units: dict[str, str] = field(default_factory=dict)
    measure_titles: dict[str, str] = field(default_factory=dict)
    tested_measures: list[str] = field(default_factory=list)
    sources: dict[str, Path] = field(default_factory=dict)
    source_ranges: dict[str, dict[str, Any]] = field(default_factory=dict)
    placebo: pl.DataFrame = field(default_factory=pl.DataFrame)
    breakdowns: dict[str, pl.DataFrame] = field(default_factory=dict)
    hidden_measures: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def run(
    study: str | Path | Study,
    *,
    data_dir: str | Path | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    executor: Any = None,
    **overrides: Any,
) -> StudyResult:
    """Load (if given a path) and run a study.

    ``overrides`` replace keys of the study's ``statistics:`` block (``seed``,
    ``placebos``, ``null``, ``alpha``, ``ci``). ``executor`` (:mod:`eventstudy.executor`)
    runs a universe study's symbol blocks; a study of named series has nothing to split.

    Examples
    --------
    >>> import eventstudy
    >>> result = eventstudy.run("configs/spx_rut.yaml", data_dir="../shared/data")  # doctest: +SKIP
    >>> result.summary.filter(asset="RUT")  # doctest: +SKIP
    """
    if not isinstance(study, Study):
        study = load_study(study)
    return run_study(study, data_dir=data_dir, start=start, end=end, executor=executor, **overrides)


@dataclass(frozen=True)
class PreparedData:
    """What a study's runs share: prices, the aligned timeline with every feature any of
    them needs, and every evaluator's outcomes on every day of the timeline.

    A sweep prepares once and evaluates many conditions, gaps and windows on it, so
    features and outcomes are computed once, not per cell.
    """

    study: Study
    directory: Path | None
    prices: pl.DataFrame
    timeline: pl.DataFrame
    all_outcomes: pl.DataFrame
    measures: dict[str, Any]
    sources: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def prepare(
    study: Study,
    *,
    data_dir: str | Path | None = None,
    conditions: Sequence[str] = (),
    cache_dir: str | Path | None = None,
    pull: bool = False,
) -> PreparedData:
    """Load the data and compute features and outcomes for ``study`` (and ``conditions``).

    ``conditions`` are further condition texts (a sweep's cells, a nested baseline) whose
    features must be on the timeline too.
    """
    directory = find_data_dir(str(data_dir) if data_dir is not None else None, study.data.dir, study.path)
    symbols = list(dict.fromkeys(study.series.values()))
    loaded = load_prices_any(symbols, data_dir=directory, cache_dir=cache_dir, provider=study.data.provider, pull=pull)
    prices = loaded.frame
    requests: list[FeatureRequest] = []
    for text in (study.when, *conditions):
        requests += required_features(resolve(parse(text), list(study.series)))
    timeline = build_timeline(
        prices, study.series, list(dict.fromkeys(requests)), align=study.data.align, max_stale=study.data.max_stale
    )
    if timeline.is_empty():
        raise DataError(
            f"the series {', '.join(study.series)} have no date in common",
            hint="a condition over several series is evaluated on the dates where all of them have a close",
        )
    context = EvaluationContext(prices=prices, series=study.series)
    evaluators = build_evaluators(study.evaluators)
    implicit = _implicit_path(study, evaluators)
    all_outcomes, measures = _evaluate(evaluators + implicit, context, timeline.select("date"), list(study.series))
    measures["hidden"] = ["path"] if implicit else []
    notes = [
        *loaded.notes,
        describe_alignment(study.data.align, study.data.max_stale, next(iter(study.series))),
        *quick_check(prices),
    ]
    return PreparedData(study, directory, prices, timeline, all_outcomes, measures, loaded.sources, notes)


def run_study(
    study: Study,
    *,
    data_dir: str | Path | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    cache_dir: str | Path | None = None,
    pull: bool = False,
    executor: Any = None,
    **overrides: Any,
) -> StudyResult:
    """Run a validated study; ``start``/``end`` override its window, ``overrides`` its statistics,
    ``executor`` runs a universe study's symbol blocks."""
    statistics = _statistics(study, overrides)
    if study.universe is not None:
        import inspect

        from eventstudy.universe import run_universe

        # passed only where run_universe takes it (its executor wiring lands separately)
        spread = {"executor": executor} if executor is not None and "executor" in inspect.signature(run_universe).parameters else {}
        return run_universe(study, data_dir=data_dir, start=start, end=end, statistics=statistics, cache_dir=cache_dir, pull=pull, **spread)
    extra = [statistics.baseline.when] if statistics.baseline is not None else []
    started = time.perf_counter()
    prepared = prepare(study, data_dir=data_dir, conditions=extra, cache_dir=cache_dir, pull=pull)
    prepared_s = time.perf_counter() - started
    result = evaluate(prepared, study, start=start, end=end, statistics=statistics)
    return replace(result, timings={"prepare_s": round(prepared_s, 4), **result.timings})


def evaluate(
    prepared: PreparedData,
    study: Study,
    *,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    statistics: StatisticsSpec | None = None,
) -> StudyResult:
    """Events, outcomes, summary and tests of ``study`` (its condition, declustering and
    window; series and evaluators as prepared) on prepared data."""
    started = time.perf_counter()
    start = as_date(start) if start is not None else study.window.start
    end = as_date(end) if end is not None else study.window.end
    statistics = statistics or study.statistics
    notes: list[str] = list(prepared.notes)
    timeline, measures = prepared.timeline, prepared.measures
    _check_window(timeline, prepared.prices, study, start, end, notes)

    node = resolve(parse(study.when), list(study.series))
    requests = required_features(node)
    raw = find_events(timeline, compile_condition(node), start, end, study.trigger)
    raw = raw.with_columns(pl.Series("kept", _kept_mask(study, raw, notes)))

    window_rows = in_window(pl.col("date"), start, end)
    baseline = prepared.all_outcomes.filter(window_rows)
    kept_dates = raw.filter("kept").select("date")
    series_order = list(study.series)
    outcomes = order_cells(baseline.join(kept_dates, on="date", how="semi"), series_order, measures["order"], "date")
    summary = summary_with_baseline(outcomes, baseline, level=statistics.ci, seed=statistics.seed)
    summary = order_cells(summary, series_order, measures["order"])

    value_columns = _value_columns(study, requests)
    in_table = pl.col("measure").is_in(measures["table"])
    events, units, pending = _instance_table(
        raw.filter("kept"), value_columns, outcomes.filter(in_table), summary.filter(in_table), measures["units"]
    )
    _describe_outcomes(raw, outcomes.filter(~pl.col("measure").is_in(measures["hidden"])), notes)

    result = StudyResult(
        study=study,
        condition=to_text(node),
        data_dir=prepared.directory,
        start=start,
        end=end,
        events=events,
        raw_events=raw.select("date", "position", "kept"),
        outcomes=outcomes,
        baseline_outcomes=baseline,
        summary=summary,
        timeline=timeline,
        column_units=units,
        pending=pending,
        statistics=statistics,
        measure_units=measures["units"],
        measure_titles=measures["titles"],
        tested_measures=measures["tested"],
        sources=dict(prepared.sources),
        source_ranges=source_ranges(prepared.prices),
        hidden_measures=measures["hidden"],
        timings={"evaluate_s": round(time.perf_counter() - started, 4)},
        notes=notes,
    )
    if statistics.placebos == 0:
        from eventstudy.inference import SIGNIFICANCE_SCHEMA

        notes.append("significance tests skipped (statistics.placebos is 0)")
        return replace(result, tests=pl.DataFrame(schema=SIGNIFICANCE_SCHEMA))
    base_mask = None
    if statistics.baseline is not None:
        base_node = resolve(parse(statistics.baseline.when), list(study.series))
        # evaluated on the whole timeline (look-backs cross the window start), then windowed
        holds = timeline.select(pl.col("date"), compile_condition(base_node).fill_null(False).alias("base"))
        base_mask = holds.filter(window_rows)["base"].to_numpy()
    started = time.perf_counter()
    tests, placebo = _significance(result, statistics, base_mask, notes)
    tests = order_cells(tests, list(study.series), measures["order"])
    timings = {**result.timings, "significance_s": round(time.perf_counter() - started, 4)}
    return replace(result, tests=tests, placebo=placebo, timings=timings)


def source_ranges(prices: pl.DataFrame) -> dict[str, dict[str, Any]]:
    """Each symbol's loaded data: first and last date, number of rows (for the manifest)."""
    if prices["symbol"].is_sorted():  # as loaded: each symbol's rows together, dates ascending
        runs = prices.select(pl.col("symbol").rle()).unnest("symbol")
        ends = runs["len"].cum_sum()
        ranges = pl.DataFrame(
            {"symbol": runs["value"], "first": prices["date"].gather(ends - runs["len"]), "last": prices["date"].gather(ends - 1), "rows": runs["len"]}
        )
    else:
        ranges = prices.group_by("symbol").agg(
            pl.col("date").min().alias("first"), pl.col("date").max().alias("last"), pl.len().alias("rows")
        )
    return {r["symbol"]: {"first": r["first"], "last": r["last"], "rows": r["rows"]} for r in ranges.iter_rows(named=True)}


def _implicit_path(study: Study, evaluators: list[Evaluator]) -> list[Evaluator]:
    """An event-time path for charts when the study has none: the forward-return assets,
    21 days before to the longest horizon after (at most a year), about 50 points."""
    from eventstudy.evaluators.forward_returns import ForwardReturns
    from eventstudy.evaluators.path import Path as PathEvaluator

    if any(isinstance(ev, PathEvaluator) for ev in evaluators):
        return []
    forward = [ev for ev in evaluators if isinstance(ev, ForwardReturns)]
    assets = list(dict.fromkeys(a for ev in forward for a in ev.params.assets)) or list(study.series)
    after = min(252, max((h.days for ev in forward for h in ev.params.horizons), default=63))
    step = max(1, round((after + 21) / 50))
    return [PathEvaluator(PathEvaluator.Params(assets=assets, before=21, after=after, step=step))]


def _evaluate(
    evaluators: list[Evaluator], context: EvaluationContext, anchors: pl.DataFrame, series_order: list[str]
) -> tuple[pl.DataFrame, dict]:
    """All evaluators' outcomes on the anchor days, and which measures go in the instance
    table and the significance tests (the evaluators' ``table`` / ``tested`` flags)."""
    frames, table, tested, owner, units, titles = [], [], [], {}, {}, {}
    for evaluator in evaluators:
        out = evaluator.evaluate(context, anchors)
        for measure in out["measure"].unique(maintain_order=True).to_list():
            if measure in owner:
                raise ConfigError(
                    f"evaluators {owner[measure]!r} and {evaluator.name!r} both produce measure {measure!r}",
                    hint="merge them into one entry (e.g. one forward_returns with all assets and horizons)",
                )
            owner[measure] = evaluator.name
            units[measure] = evaluator.units.get(measure, "fraction")
            titles[measure] = evaluator.describe(measure)
            (table.append(measure) if evaluator.table else None)
            (tested.append(measure) if evaluator.tested else None)
        frames.append(out)
    baseline = pl.concat(frames) if frames else empty_outcomes()
    return baseline, {"table": table, "tested": tested, "units": units, "titles": titles, "order": list(owner)}


def order_cells(frame: pl.DataFrame, series_order: list[str], measure_order: list[str], *then: str) -> pl.DataFrame:
    """Sort a (small) frame with cell columns for display: measure as the evaluators gave
    them, asset in the study's series order ('RUT-SPX' ranks with RUT), horizon, then ``then``."""
    if frame.is_empty():
        return frame
    rank = {name: i for i, name in enumerate(series_order)}

    def asset_rank(label: str) -> tuple[int, str]:
        head = re.match(r"[A-Za-z_][A-Za-z0-9_]*", label)
        return (rank.get(head.group(0), len(rank)) if head else len(rank), label)

    assets = sorted(frame["asset"].unique().to_list(), key=asset_rank)
    measures = {m: i for i, m in enumerate(measure_order)}
    return frame.sort(
        pl.col("measure").replace_strict(measures, default=len(measures), return_dtype=pl.Int32),
        pl.col("asset").replace_strict({a: i for i, a in enumerate(assets)}, return_dtype=pl.Int32),
        "horizon_days",
        *then,
        maintain_order=True,
    )


def _statistics(study: Study, overrides: dict[str, Any]) -> StatisticsSpec:
    """The study's statistics settings with command-line / API overrides applied."""
    given = {k: v for k, v in overrides.items() if v is not None}
    unknown = set(given) - set(StatisticsSpec.model_fields)
    if unknown:
        raise TypeError(f"unknown statistics override(s): {', '.join(sorted(unknown))}")
    if not given:
        return study.statistics
    try:
        return StatisticsSpec.model_validate({**study.statistics.model_dump(), **given})
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        raise ConfigError(f"bad value {err.get('input')!r} for {err['loc'][0]!r}: {err['msg'].lower()}") from None


def _significance(
    result: StudyResult, statistics: StatisticsSpec, base_mask: np.ndarray | None, notes: list[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    from eventstudy.inference.significance import InferenceSettings, significance_with_null

    settings = InferenceSettings(
        placebos=statistics.placebos, seed=statistics.seed, alpha=statistics.alpha, ci=statistics.ci, null=statistics.null
    )
    try:
        tests, placebo = significance_with_null(result, settings, base_mask)
    except DataError as exc:
        if statistics.null != "runs":
            raise
        # the runs null needs stretches long enough for every run (a nested baseline's
        # scattered days, or a short window, may have none): say so and shift the calendar
        notes.append(f"warning: {exc.message}; the circular null was used instead")
        statistics = statistics.model_copy(update={"null": "circular"})
        settings = replace(settings, null="circular")
        tests, placebo = significance_with_null(result, settings, base_mask)
    nested = f", drawn only from days where {statistics.baseline.when!r}" if statistics.baseline else ""
    notes.append(
        f"p-values: {statistics.placebos:,} {statistics.null} placebo event sets of the same size under the same "
        f"declustering{nested} (seed {statistics.seed}); '*' marks what survives the max-statistic adjustment "
        f"across all cells at alpha {statistics.alpha}"
    )
    low = (
        tests.filter((pl.col("statistic") == "mean") & (pl.col("n") > 0) & (pl.col("n_eff") < 10))
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


def as_date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def _check_window(
    timeline: pl.DataFrame, prices: pl.DataFrame, study: Study, start: dt.date | None, end: dt.date | None, notes: list[str]
) -> None:
    """A window with no data is an error; a series younger than the window is a warning."""
    first, last = timeline["date"].min(), timeline["date"].max()
    if timeline.filter(in_window(pl.col("date"), start, end)).is_empty():
        shown = f"{start.isoformat() if start else 'open'} .. {end.isoformat() if end else 'open'}"
        raise DataError(
            f"the window {shown} has no data: the study's series have common dates {first} .. {last}",
            hint="change 'window:' in the study or --start/--end",
        )
    firsts = prices.group_by("symbol").agg(pl.col("date").min()).rows()
    window_start = start or first
    for symbol, first_day in sorted(firsts):
        if (window_start - first_day).days < 365:
            names = ", ".join(n for n, s in study.series.items() if s == symbol)
            notes.append(
                f"warning: {names} history starts {first_day}, less than a year before the window "
                f"({window_start}): its early 'all-time highs' are only highs since {first_day}"
            )


def _kept_mask(study: Study, raw: pl.DataFrame, notes: list[str]) -> np.ndarray:
    spec = study.decluster
    if spec is None:
        notes.append("no declustering: every day the condition holds is an event")
        return np.ones(raw.height, dtype=bool)
    keys, thresholds = gap_thresholds(raw["date"], raw["position"].to_numpy(), spec.gap)
    kept = decluster(keys, thresholds, spec.mode)
    rule = (
        f"at least {spec.gap.describe()} after the previous kept event"
        if spec.mode == "after_kept"
        else f"the first day of each cluster (a new cluster starts {spec.gap.describe()} or more after the previous raw event)"
    )
    notes.append(f"declustering ({spec.mode}, gap {spec.gap.label}): kept {int(kept.sum())} of {raw.height} raw events, each {rule}")
    return kept


def _value_columns(study: Study, requests: list) -> list[str]:
    """Closes of every series, then the condition's numeric features, in order of appearance."""
    columns = [column_name(s, "close", ()) for s in study.series]
    for req in requests:
        if FEATURES.get(req.name).kind == "value":
            name = column_name(req.series, req.name, tuple(req.args))
            if name not in columns:
                columns.append(name)
    return columns


def _unit_of(column: str) -> str:
    """How an instance-table column is shown: the feature's declared unit."""
    feature = column.split(".", 1)[1].split("(", 1)[0]
    return FEATURES.get(feature).unit


def _instance_table(
    kept: pl.DataFrame,
    value_columns: list[str],
    outcomes: pl.DataFrame,
    cells: pl.DataFrame,
    measure_units: dict[str, str],
) -> tuple[pl.DataFrame, dict[str, str], pl.DataFrame]:
    """One row per kept event: date, values that day, outcomes pivoted wide; and the
    pending cells (``date, column, days_remaining``). ``cells`` (the summary's, in display
    order) fixes the columns, so a study without events still has them."""
    table = kept.select("date", *value_columns)
    units = {"date": "date", **{c: _unit_of(c) for c in value_columns}}

    def label(frame: pl.DataFrame) -> pl.DataFrame:
        suffix = pl.when(pl.col("horizon") != pl.col("measure")).then("." + pl.col("horizon")).otherwise(pl.lit(""))
        return frame.with_columns((pl.col("asset") + "." + pl.col("measure") + suffix).alias("column"))

    labelled = label(outcomes)
    columns = label(cells.select("asset", "measure", "horizon"))
    order = columns["column"].to_list()
    pending = labelled.filter(pl.col("days_remaining") > 0).select("date", "column", "days_remaining")
    wide = labelled.pivot(on="column", index="date", values="value") if labelled.height else pl.DataFrame({"date": []}, schema={"date": pl.Date})
    wide = wide.with_columns(pl.lit(None, dtype=pl.Float64).alias(c) for c in order if c not in wide.columns)
    table = table.join(wide.select("date", *order), on="date", how="left", maintain_order="left")
    units.update(dict(zip(order, (measure_units.get(m, "fraction") for m in columns["measure"].to_list()))))
    return table, units, pending


def _describe_outcomes(raw: pl.DataFrame, outcomes: pl.DataFrame, notes: list[str]) -> None:
    """State what the numbers are, what is pending, and what could not be computed."""
    notes.append(
        "returns are simple returns (close[t+h] / close[t] - 1) from the event day's close unless a measure "
        "says otherwise; horizons are counted in each asset's own trading days"
    )
    kept = int(raw["kept"].sum())
    if not kept:
        notes.append("no events: the condition never held in the window (the baseline is still shown)")
        return
    if kept < 10:
        notes.append(
            f"warning: only {kept} event{'s' if kept != 1 else ''}: averages and p-values from so few cases are fragile; "
            "widen the window or loosen the condition before reading much into them"
        )
    missing = (
        outcomes.filter(pl.col("value").is_null())
        .group_by("measure", "asset", "horizon", maintain_order=True)
        .agg((pl.col("days_remaining") > 0).sum().alias("pending"), pl.len().alias("missing"), pl.col("days_remaining").max())
    )
    for measure, asset, horizon, pending, count, most in missing.rows():
        what = f"{asset} {measure} {horizon}" if horizon != measure else f"{asset} {measure}"
        if pending:
            notes.append(
                f"{what}: {pending} event(s) pending (up to {most} more trading days of data needed), "
                "listed but left out of its statistics"
            )
        if count > pending:
            notes.append(f"{what}: {count - pending} event(s) without a value (not enough history or data), left out")
