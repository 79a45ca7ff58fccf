"""Universe studies: the same condition per symbol over many stocks.

A study with ``universe:`` evaluates its condition for every symbol of the universe:
bare features refer to the current symbol (``close at 52-week high``), named series to
the market (``SPX drawdown >= 5%``). Events are ``(symbol, date)`` pairs.

The work is split into blocks of symbols (features, condition, events and outcomes are
per symbol, so blocks are independent: a process pool or a cluster can run them). Each
block writes its outcomes into dense ``(symbol, day)`` arrays, one per cell (measure x
asset x horizon), float32 with NaN where not known. From those arrays come

* the events' outcomes (gathered at their indices),
* the baseline over every (symbol, day) of the window, exactly (median included),
* the placebo nulls, which keep the study's cross-sectional structure
  (:mod:`eventstudy.inference.panel`),

without ever materializing a long frame of all symbol-days x horizons.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from eventstudy.conditions import SELF, compile_condition, parse, required_features, resolve
from eventstudy.config import Study
from eventstudy.errors import ConfigError, DataError
from eventstudy.evaluators import UNIVERSE, EvaluationContext, Evaluator, build_evaluators
from eventstudy.events import decluster, gap_thresholds
from eventstudy.features import FeatureRequest, column_name, compute_features
from eventstudy.timeline import build_timeline

__all__ = ["UniverseData", "prepare_universe", "universe_symbols"]


def universe_symbols(study: Study, directory: Path | None) -> list[str]:
    """The universe's symbols: listed, read from a file, or every symbol of a long data file."""
    spec = study.universe
    assert spec is not None
    if spec.symbols is not None:
        symbols = list(spec.symbols)
    elif spec.file is not None:
        base = study.path.parent if study.path else Path.cwd()
        path = (base / spec.file) if not Path(spec.file).is_absolute() else Path(spec.file)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"cannot read the universe file {str(path)!r}: {exc.strerror or exc}") from None
        symbols = [ln.split("#", 1)[0].strip() for ln in lines]
        symbols = [s for s in symbols if s]
    else:
        if directory is None:
            raise DataError("'universe: {data_file: ...}' needs a data directory", hint="pass --data-dir")
        path = directory / str(spec.data_file)
        if not path.is_file():
            raise DataError(f"the universe's data file {str(path)!r} does not exist")
        scan = pl.scan_parquet(path) if path.suffix == ".parquet" else pl.scan_csv(path, infer_schema=False)
        names = {c.lower().strip(): c for c in scan.collect_schema().names()}
        column = next((names[c] for c in ("symbol", "ticker", "name", "code") if c in names), None)
        if column is None:
            raise DataError(f"{path.name}: no symbol column (symbol, ticker, name, code)", hint="universe data files are long: date, symbol, close")
        symbols = scan.select(pl.col(column).cast(pl.String).unique()).collect().to_series().sort().to_list()
    excluded = set(spec.exclude)
    out = list(dict.fromkeys(s for s in symbols if s not in excluded))
    if not out:
        raise ConfigError("the universe is empty")
    clash = sorted(set(out) & set(study.series.values()))
    if clash:
        raise ConfigError(f"{', '.join(clash)} are both market series and universe symbols", hint="list them in one place only")
    return out


@dataclass
class UniverseData:
    """A prepared universe: calendar, symbols, per-cell outcome arrays, the condition's days.

    Attributes
    ----------
    days
        The calendar (sorted dates of any universe symbol, within the market's dates).
    symbols
        The universe's symbols (rows of every array).
    cells
        ``measure, asset, horizon, horizon_days`` of each outcome cell, in order.
    values
        One ``(symbols, days)`` float32 array per cell; NaN = no value (pending, no data).
    remaining
        Per cell, ``(symbols, days)`` int16 trading days still needed (0 = not pending).
    hits
        ``(symbols, days)`` bool: the condition held (before window and declustering).
    present
        ``(symbols, days)`` bool: the symbol has a close that day (and the market too).
    values_frame
        The condition's feature values on the hit days (for the instance table).
    """

    days: np.ndarray
    symbols: list[str]
    cells: pl.DataFrame
    values: list[np.ndarray]
    remaining: list[np.ndarray]
    hits: np.ndarray
    present: np.ndarray
    values_frame: pl.DataFrame
    market: pl.DataFrame | None
    measures: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def _block_panel(prices: pl.DataFrame, market: pl.DataFrame | None, self_requests: list[FeatureRequest]) -> pl.DataFrame:
    """Per-symbol features of one block of symbols, joined with the market by date."""
    requests = [("close", ())] + [(r.name, tuple(r.args)) for r in self_requests if r.name != "close"]
    feats = compute_features(prices, requests)
    feats = feats.rename({c: column_name(SELF, *_split_key(c)) for c in feats.columns if c not in ("date", "symbol")})
    if market is not None:
        feats = feats.join(market, on="date", how="inner")
    return feats.sort("symbol", "date")


def _indices(frame: pl.DataFrame, sym_code: dict[str, int], days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(symbol index, day index) of each row: a dictionary lookup and a binary search."""
    s_idx = frame["symbol"].replace_strict(sym_code, return_dtype=pl.Int32).to_numpy()
    d_idx = np.searchsorted(days, frame["date"].to_numpy())
    return s_idx, d_idx


def _runs(out: pl.DataFrame) -> list[tuple[tuple, pl.DataFrame]]:
    """The contiguous runs of one cell each in an evaluator's output (cells are emitted one
    after another), without a hash group-by over every row."""
    if out.is_empty():
        return []
    change = (
        (pl.col("measure") != pl.col("measure").shift(1))
        | (pl.col("asset") != pl.col("asset").shift(1))
        | (pl.col("horizon_days") != pl.col("horizon_days").shift(1))
    ).fill_null(True)
    starts = np.flatnonzero(out.select(change).to_series().to_numpy())
    ends = np.append(starts[1:], out.height)
    runs: dict[tuple, list[pl.DataFrame]] = {}
    for a, b in zip(starts, ends):
        part = out.slice(int(a), int(b - a))
        key = tuple(part.row(0, named=True)[k] for k in ("measure", "asset", "horizon", "horizon_days"))
        runs.setdefault(key, []).append(part)
    return [(k, v[0] if len(v) == 1 else pl.concat(v)) for k, v in runs.items()]


def _split_key(key: str) -> tuple[str, tuple[int, ...]]:
    if "(" not in key:
        return key, ()
    name, args = key[:-1].split("(", 1)
    return name, tuple(int(a) for a in args.split(","))


def prepare_universe(
    study: Study,
    prices: pl.DataFrame,
    symbols: Sequence[str],
    conditions: Sequence[str] = (),
    block_size: int = 250,
) -> UniverseData:
    """Features, condition days and outcome arrays for every symbol, block by block."""
    series = list(study.series)
    nodes = [resolve(parse(text), series, universe=True) for text in (study.when, *conditions)]
    requests: list[FeatureRequest] = list(dict.fromkeys(r for n in nodes for r in required_features(n)))
    self_requests = [r for r in requests if r.series == SELF]
    market_requests = [r for r in requests if r.series != SELF]
    market_symbols = set(study.series.values())
    market = None
    if study.series:
        market = build_timeline(
            prices.filter(pl.col("symbol").is_in(list(market_symbols))), study.series, market_requests,
            align=study.data.align, max_stale=study.data.max_stale,
        )
    stocks = prices.filter(pl.col("symbol").is_in(list(symbols)))
    found = set(stocks["symbol"].unique().to_list())
    symbols = sorted(s for s in symbols if s in found)  # sorted: each block is one slice
    days_series = stocks["date"].unique().sort()
    if market is not None:
        days_series = days_series.filter(days_series.is_in(market["date"].implode()))
    days = days_series.to_numpy()
    day_index = pl.DataFrame({"date": days_series, "_d": np.arange(len(days), dtype=np.int32)})
    sym_index = pl.DataFrame({"symbol": symbols, "_s": np.arange(len(symbols), dtype=np.int32)})

    condition = compile_condition(nodes[0], over="symbol")
    evaluators = build_evaluators(study.evaluators)
    shape = (len(symbols), len(days))
    hits = np.zeros(shape, dtype=bool)
    present = np.zeros(shape, dtype=bool)
    values: dict[tuple, np.ndarray] = {}
    remaining: dict[tuple, np.ndarray] = {}
    cell_order: list[tuple] = []
    measures: dict[str, Any] = {"table": [], "tested": [], "units": {}, "titles": {}, "order": [], "hidden": []}
    value_cols = [column_name(SELF, "close", ())] + [
        column_name(r.series, r.name, tuple(r.args)) for r in requests if r.name not in ("close",) and not r.name.startswith("at_")
    ]
    kept_values = []
    stocks = stocks.sort("symbol", "date")
    runs = stocks.group_by("symbol", maintain_order=True).len()
    starts = np.concatenate([[0], np.cumsum(runs["len"].to_numpy())[:-1]]).astype(np.int64)
    offsets = dict(zip(runs["symbol"].to_list(), (int(x) for x in starts)))
    lengths = dict(zip(runs["symbol"].to_list(), runs["len"].to_list()))
    sym_code = {sym: i for i, sym in enumerate(symbols)}
    market_prices = prices.filter(pl.col("symbol").is_in(list(market_symbols)))
    for start in range(0, len(symbols), block_size):
        block = symbols[start : start + block_size]
        first, last = block[0], block[-1]
        # symbols are sorted and contiguous in `stocks`: a block is one zero-copy slice
        block_prices = stocks.slice(offsets[first], offsets[last] + lengths[last] - offsets[first])
        panel = _block_panel(block_prices, market, self_requests)
        panel = panel.with_columns(condition.fill_null(False).alias("_hit"))
        s_idx, d_idx = _indices(panel, sym_code, days)
        present[s_idx, d_idx] = True
        hit = panel["_hit"].to_numpy()
        hits[s_idx[hit], d_idx[hit]] = True
        kept_values.append(panel.filter("_hit").select("date", "symbol", *[c for c in value_cols if c in panel.columns]))
        anchors = panel.select("date", "symbol")
        context = EvaluationContext(
            prices=pl.concat([block_prices.select("date", "symbol", "close", "open"), market_prices.select("date", "symbol", "close", "open")]),
            series=study.series, universe=tuple(block), universe_label=study.universe.label, all_rows=True,
        )
        for evaluator in evaluators:
            out = evaluator.evaluate(context, anchors)
            out = out.filter(pl.col("symbol").is_in(block) & pl.col("date").is_in(days_series.implode()))
            _describe(evaluator, out, measures)
            seen: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
            for key, part in _runs(out):
                if key not in values:
                    values[key] = np.full(shape, np.nan, dtype=np.float32)
                    remaining[key] = np.zeros(shape, dtype=np.int16)
                    cell_order.append(key)
                # the cells of one evaluator call share their rows: index them once
                signature = (part.height, part.row(0)[7], part.row(0)[0], part.row(-1)[7], part.row(-1)[0])
                if signature not in seen:
                    seen[signature] = _indices(part, sym_code, days)
                ps, pd_ = seen[signature]
                values[key][ps, pd_] = part["value"].fill_null(np.nan).to_numpy().astype(np.float32)
                remaining[key][ps, pd_] = part["days_remaining"].fill_null(0).to_numpy().astype(np.int16)
    cells = pl.DataFrame(cell_order, schema={"measure": pl.String, "asset": pl.String, "horizon": pl.String, "horizon_days": pl.Int64}, orient="row")
    return UniverseData(
        days=days,
        symbols=list(symbols),
        cells=cells,
        values=[values[k] for k in cell_order],
        remaining=[remaining[k] for k in cell_order],
        hits=hits,
        present=present,
        values_frame=pl.concat(kept_values) if kept_values else pl.DataFrame(),
        market=market,
        measures=measures,
    )


def _describe(evaluator: Evaluator, out: pl.DataFrame, measures: dict[str, Any]) -> None:
    for measure in out["measure"].unique(maintain_order=True).to_list():
        if measure in measures["units"]:
            continue
        measures["order"].append(measure)
        measures["units"][measure] = evaluator.units.get(measure, "fraction")
        measures["titles"][measure] = evaluator.describe(measure)
        if evaluator.table:
            measures["table"].append(measure)
        if evaluator.tested:
            measures["tested"].append(measure)


def universe_events(data: UniverseData, study: Study, start: dt.date | None, end: dt.date | None) -> pl.DataFrame:
    """Raw events ``(symbol, date, position, kept)``: condition days in the window,
    declustered per symbol on the symbol's own trading days (or calendar gap)."""
    in_window = np.ones(len(data.days), dtype=bool)
    days64 = data.days.astype("datetime64[D]")
    if start is not None:
        in_window &= days64 >= np.datetime64(start)
    if end is not None:
        in_window &= days64 <= np.datetime64(end)
    s_idx, d_idx = np.nonzero(data.hits & in_window[None, :])  # row-major: by symbol, then day
    # each symbol's own trading-day positions: cumulative count of days it has a close
    own_position = np.cumsum(data.present, axis=1) - 1
    positions = own_position[s_idx, d_idx].astype(np.int64)
    dates = pl.Series("date", data.days[d_idx]).cast(pl.Date)
    spec = study.decluster
    if spec is None or s_idx.size == 0:
        kept = np.ones(s_idx.size, dtype=bool)
    else:
        keys, thresholds = gap_thresholds(dates, positions, spec.gap)
        kept = decluster(keys, thresholds, spec.mode, groups=s_idx)
    return pl.DataFrame(
        {
            "symbol": [data.symbols[i] for i in s_idx],
            "date": dates,
            "position": positions,
            "kept": kept,
            "_s": s_idx.astype(np.int32),
            "_d": d_idx.astype(np.int32),
        }
    )


def run_universe(
    study: Study,
    *,
    data_dir: str | Path | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    statistics: Any = None,
    cache_dir: str | Path | None = None,
    pull: bool = False,
    block_size: int = 250,
) -> Any:
    """Run a universe study end to end; returns a :class:`~eventstudy.study.StudyResult`."""
    import time

    from eventstudy.data import find_data_dir, load_prices_any

    started = time.perf_counter()
    directory = find_data_dir(str(data_dir) if data_dir is not None else None, study.data.dir, study.path)
    symbols = universe_symbols(study, directory)
    wanted = [*dict.fromkeys(study.series.values()), *symbols]
    loaded = load_prices_any(wanted, data_dir=directory, cache_dir=cache_dir, provider=study.data.provider, pull=pull)
    data = prepare_universe(study, loaded.frame, symbols, block_size=block_size)
    data.notes.extend(loaded.notes)
    prepared_s = time.perf_counter() - started
    result = evaluate_universe(data, study, directory, start=start, end=end, statistics=statistics or study.statistics)
    result.timings["prepare_s"] = round(prepared_s, 4)
    from dataclasses import replace

    from eventstudy.study import source_ranges

    return replace(result, sources=dict(loaded.sources), source_ranges=source_ranges(loaded.frame))


def evaluate_universe(
    data: UniverseData, study: Study, directory: Path | None, *, start: Any = None, end: Any = None, statistics: Any
) -> Any:
    """Events, pooled summary with baseline, breakdowns and panel tests of a universe study."""
    import time
    from dataclasses import replace

    from eventstudy.statistics import SUMMARY_COLUMNS, mean_band, summarize
    from eventstudy.study import StudyResult

    started = time.perf_counter()
    from eventstudy.study import as_date

    start = as_date(start) if start is not None else study.window.start
    end = as_date(end) if end is not None else study.window.end
    notes = list(data.notes)
    raw = universe_events(data, study, start, end)
    kept = raw.filter("kept")
    window = _window_mask(data.days, start, end)
    if not window.any():
        raise DataError(f"the window {start or 'open'} .. {end or 'open'} has no data: the universe has days {data.days[0]} .. {data.days[-1]}")
    s_idx, d_idx = kept["_s"].to_numpy(), kept["_d"].to_numpy()

    frames = []
    base_rows = []
    for c, cell in enumerate(data.cells.iter_rows(named=True)):
        vals = data.values[c]
        frames.append(
            kept.select("date", "symbol").with_columns(
                pl.lit(cell["asset"]).alias("asset"),
                pl.lit(cell["horizon"]).alias("horizon"),
                pl.lit(cell["horizon_days"], dtype=pl.Int64).alias("horizon_days"),
                pl.Series("value", vals[s_idx, d_idx].astype(np.float64)).fill_nan(None),
                pl.lit(cell["measure"]).alias("measure"),
                pl.Series("days_remaining", data.remaining[c][s_idx, d_idx].astype(np.int64)).replace(0, None),
            )
        )
        window_values = vals[:, window]
        finite = window_values[~np.isnan(window_values)].astype(np.float64)
        base_rows.append(
            {
                **cell,
                "baseline_n": int(finite.size),
                "baseline_mean": float(finite.mean()) if finite.size else None,
                "baseline_median": float(np.median(finite)) if finite.size else None,
                "baseline_pct_positive": float((finite > 0).mean()) if finite.size else None,
            }
        )
    columns = ["date", "asset", "horizon", "horizon_days", "value", "measure", "days_remaining", "symbol"]
    outcomes = pl.concat(frames).select(columns) if frames else pl.DataFrame()
    base = pl.DataFrame(base_rows)
    cell_cols = ["measure", "asset", "horizon", "horizon_days"]
    summary = base.join(summarize(outcomes), on=cell_cols, how="left", maintain_order="left")
    summary = summary.join(mean_band(outcomes, statistics.ci, seed=statistics.seed), on=cell_cols, how="left", maintain_order="left")
    summary = summary.with_columns(pl.col("n").fill_null(0), pl.col("n_incomplete").fill_null(0)).select(SUMMARY_COLUMNS)

    events = _instance_table(kept, data, outcomes)
    breakdowns = _breakdowns(outcomes)
    spec = study.decluster
    rule = f"per symbol, gap {spec.gap.label} ({spec.gap.describe()}), {spec.mode}" if spec else "no declustering"
    notes.append(
        f"universe of {len(data.symbols)} symbols: {kept.height} events kept of {raw.height} symbol-days the condition held "
        f"({rule}); the baseline is every symbol-day of the window ({int(data.present[:, window].sum()):,})"
    )
    notes.append(
        "a universe's survivorship matters: if its symbols were chosen at the end of the period, "
        "the baseline and the events both carry that bias"
    )
    result = StudyResult(
        study=study,
        condition=_canonical(study),
        data_dir=directory,
        start=start,
        end=end,
        events=events,
        raw_events=raw.select("date", "symbol", "position", "kept"),
        outcomes=outcomes,
        baseline_outcomes=pl.DataFrame(schema=dict.fromkeys(columns, pl.String)).clear(),
        summary=summary,
        timeline=data.market if data.market is not None else pl.DataFrame({"date": data.days}),
        statistics=statistics,
        column_units=_units(events.columns, data.measures["units"]),
        measure_units=data.measures["units"],
        measure_titles=data.measures["titles"],
        tested_measures=data.measures["tested"],
        timings={"evaluate_s": round(time.perf_counter() - started, 4)},
        notes=notes,
    )
    result.breakdowns.update(breakdowns)
    if statistics.placebos == 0:
        return result
    from eventstudy.inference.panel import panel_significance, placebo_count

    started = time.perf_counter()
    tests = panel_significance(data, kept, window, statistics)
    reps = placebo_count(statistics.placebos, kept.height)
    if reps < statistics.placebos:
        notes.append(f"placebos reduced from {statistics.placebos:,} to {reps:,} to bound the work ({kept.height:,} events)")
    notes.append(
        f"p-values: {reps:,} placebo sets that keep the events' dates and redraw their symbols among "
        f"those with a value that day ('dates' null: is it the stock, not the day?), and that keep each symbol's "
        f"event count at random days of its own ('symbols' null); t-tests cluster by date (seed {statistics.seed})"
    )
    low = tests.filter((pl.col("statistic") == "mean") & (pl.col("n") > 0) & (pl.col("n_eff") < 10))
    if low.height:
        shown = ", ".join(f"{m} {a} {h} ({n:.1f})" for m, a, h, n in low.select("measure", "asset", "horizon", "n_eff").rows())
        notes.append(
            f"warning: effective sample size below 10 at {shown}: the events bunch on few dates whose forward "
            "windows overlap; read the clustered t-test and the 'dates' null, not the event count"
        )
    timings = {**result.timings, "significance_s": round(time.perf_counter() - started, 4)}
    return replace(result, tests=tests, timings=timings)


def _units(columns: list[str], measure_units: dict[str, str]) -> dict[str, str]:
    """Display unit of each instance-table column: features by their declared unit,
    outcomes ('stocks.fwd.1m') by their measure's."""
    from eventstudy.features import FEATURES

    units = {}
    for column in columns:
        if column in ("date", "symbol"):
            units[column] = "date" if column == "date" else "text"
            continue
        parts = column.split(".")
        if len(parts) >= 3:
            units[column] = measure_units.get(parts[-2], "fraction")
            continue
        name = parts[-1].split("(", 1)[0]
        units[column] = FEATURES.get(name).unit if name in FEATURES else "price"
    return units


def _canonical(study: Study) -> str:
    from eventstudy.conditions import to_text

    return to_text(resolve(parse(study.when), list(study.series), universe=True))


def _window_mask(days: np.ndarray, start: dt.date | None, end: dt.date | None) -> np.ndarray:
    days64 = days.astype("datetime64[D]")
    mask = np.ones(days.size, dtype=bool)
    if start is not None:
        mask &= days64 >= np.datetime64(start)
    if end is not None:
        mask &= days64 <= np.datetime64(end)
    return mask


def _instance_table(kept: pl.DataFrame, data: UniverseData, outcomes: pl.DataFrame) -> pl.DataFrame:
    """One row per kept event: date, symbol, the condition's values, outcomes wide."""
    table = kept.select("date", "symbol").join(data.values_frame, on=["date", "symbol"], how="left", maintain_order="left")
    table = table.rename({c: c.replace(f"{SELF}.", "") for c in table.columns if c.startswith(f"{SELF}.")})
    if outcomes.height:
        wide = outcomes.with_columns((pl.col("asset") + "." + pl.col("measure") + "." + pl.col("horizon")).alias("column")).pivot(
            on="column", index=["date", "symbol"], values="value"
        )
        table = table.join(wide, on=["date", "symbol"], how="left", maintain_order="left")
    return table.sort("date", "symbol")


def _breakdowns(outcomes: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Pooled figures by year and by symbol (events only)."""
    if outcomes.is_empty():
        return {}
    value = pl.col("value")
    stats = [
        value.count().alias("n"),
        value.mean().alias("mean"),
        value.median().alias("median"),
        (value > 0).mean().alias("pct_positive"),
    ]
    cell = ["measure", "asset", "horizon", "horizon_days"]
    by_year = outcomes.with_columns(pl.col("date").dt.year().alias("year")).group_by([*cell, "year"]).agg(stats).sort([*cell, "year"])
    by_symbol = outcomes.group_by([*cell, "symbol"]).agg(stats).sort([*cell, "n", "symbol"], descending=[False] * 4 + [True, False])
    return {"by_year": by_year, "by_symbol": by_symbol}
