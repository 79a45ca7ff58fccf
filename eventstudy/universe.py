"""Universe studies: the same condition per symbol over many stocks.

A study with ``universe:`` evaluates its condition for every symbol of the universe:
bare features refer to the current symbol (``close at 52-week high``), named series to
the market (``SPX drawdown >= 5%``). Events are ``(symbol, date)`` pairs.

The work is split into blocks of symbols (:mod:`eventstudy.blocks`: features, condition,
events and outcomes are per symbol, so blocks are independent and run on threads, a
process pool or a cluster). A universe in a long Parquet file is streamed: each block
reads its own symbols. Each block's outcomes land in dense ``(symbol, day)`` arrays, one
per cell (measure x asset x horizon), float32 with NaN where not known. From those come

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

from eventstudy import progress
from eventstudy.conditions import SELF, parse, required_features, resolve
from eventstudy.config import Study
from eventstudy.errors import ConfigError, DataError
from eventstudy.evaluators import Evaluator, build_evaluators
from eventstudy.events import decluster, gap_thresholds, in_window
from eventstudy.timeline import build_timeline

__all__ = ["ConditionHits", "UniverseData", "UniverseInput", "load_universe", "prepare_universe", "run_universe", "universe_symbols"]


def universe_symbols(study: Study, directory: Path | None, present: Sequence[str] | None = None) -> list[str]:
    """The universe's symbols: listed, read from a file, or every symbol of a long data
    file (``present``: that file's symbols, when the caller has read it already)."""
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
    elif present is not None:
        symbols = sorted(present)
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
class ConditionHits:
    """Where one condition held (trigger applied; before window and declustering): flat
    indices ``symbol * days + day`` in row-major order, each one's position among its
    symbol's own trading days, and the condition's feature values there (date, symbol,
    values: for the instance table)."""

    flat: np.ndarray
    position: np.ndarray
    values: pl.DataFrame


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
    pending
        Per cell, the pending values as ``(flat index, days_remaining)``, sorted by flat
        index (``symbol * days + day``); every other value is complete or missing.
    hits
        Per condition prepared (the study's own, or a sweep's cells'), where it held
        (:class:`ConditionHits`); ``hit_flat``, ``hit_position`` and ``values_frame`` are
        the first one's, and :meth:`for_condition` picks another.
    present
        ``(symbols, days)`` bool: the symbol has a close that day (and the market too).
    daily
        ``(symbols, days)`` float32: the simple return from that day's close to the
        symbol's next close (NaN: none), for the calendar-time portfolio test.
    """

    days: np.ndarray
    symbols: list[str]
    cells: pl.DataFrame
    values: list[np.ndarray]
    pending: list[tuple[np.ndarray, np.ndarray]]
    hits: list[ConditionHits]
    present: np.ndarray
    daily: np.ndarray
    market: pl.DataFrame | None
    measures: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds: calendar, blocks

    @property
    def hit_flat(self) -> np.ndarray:
        return self.hits[0].flat

    @property
    def hit_position(self) -> np.ndarray:
        return self.hits[0].position

    @property
    def values_frame(self) -> pl.DataFrame:
        return self.hits[0].values

    def for_condition(self, k: int) -> UniverseData:
        """The same data seen through condition ``k`` (the arrays are shared, not copied)."""
        from dataclasses import replace

        return replace(self, hits=[self.hits[k]], notes=list(self.notes))

    def days_remaining(self, cell: int, flat: np.ndarray) -> np.ndarray:
        """``days_remaining`` of cell ``cell`` at flat indices ``flat`` (0: not pending)."""
        where, remaining = self.pending[cell]
        out = np.zeros(flat.size, dtype=np.int64)
        if where.size:
            at = np.clip(np.searchsorted(where, flat), 0, where.size - 1)
            found = where[at] == flat
            out[found] = remaining[at[found]]
        return out


BLOCK_ROWS = 1_000_000
"""Rows per block of symbols (about): small enough that a block's working frames stay
in the low hundreds of MB, large enough that per-block overhead is noise."""

POOL_ROWS = 5_000_000
"""Below this many rows a local process pool is not started for a universe (it costs
about a second; the blocks run on this process's threads instead). Dask is always used
when asked for: the point there is the cluster."""


def prepare_universe(
    study: Study,
    prices: pl.DataFrame,
    symbols: Sequence[str],
    *,
    stocks: pl.DataFrame | None = None,
    panel_file: Path | None = None,
    block_rows: int = BLOCK_ROWS,
    executor: Any = None,
    conditions: Sequence[tuple[str, str]] = (),
) -> UniverseData:
    """Features, condition days and outcome arrays for every symbol, block by block.

    ``prices`` holds the market series and, unless ``stocks`` or ``panel_file`` is
    given, the universe's symbols. ``stocks`` are the universe's rows, sorted by symbol
    then date (as :func:`eventstudy.data.read_long_block` returns them). With
    ``panel_file`` (a long Parquet file) each block is read from the file when it is
    processed, so the panel is never in memory as a frame: memory is the outcome arrays
    (4 bytes per symbol-day per cell) plus a few blocks in flight. ``executor``
    (:mod:`eventstudy.executor`) runs the blocks; None runs them here. ``conditions``
    (``(when, trigger)`` pairs; default: the study's) are all found in the same pass, for
    a sweep's grid: one read, one set of features and outcomes, the hits of each.
    """
    import time

    from eventstudy.blocks import BlockShared, run_block, series_closes
    from eventstudy.data import read_long_dates

    clock = time.perf_counter()
    timings: dict[str, float] = {}
    series = list(study.series)
    conditions = list(conditions) or [(study.when, study.trigger)]
    nodes = [resolve(parse(when), series, universe=True) for when, _ in conditions]
    market_requests = [r for r in dict.fromkeys(r for node in nodes for r in required_features(node)) if r.series != SELF]
    market_symbols = list(dict.fromkeys(study.series.values()))
    market_prices = prices.filter(pl.col("symbol").is_in(market_symbols))
    market = None
    if study.series:
        market = build_timeline(market_prices, study.series, market_requests, align=study.data.align, max_stale=study.data.max_stale)

    if stocks is None and panel_file is None:
        stocks = prices.filter(pl.col("symbol").is_in(list(symbols))).sort("symbol", "date")
    if stocks is not None:
        found = set(stocks["symbol"].unique().to_list())
        if not found <= set(symbols):
            stocks = stocks.filter(pl.col("symbol").is_in(list(symbols)))
            found &= set(symbols)
        dates = stocks["date"].unique()
        rows = stocks.height
    else:
        assert panel_file is not None
        stocks = None
        found = set(symbols)
        dates, rows = read_long_dates(panel_file)
    symbols = sorted(s for s in symbols if s in found)  # sorted: each block is one slice
    days_series = dates.sort()
    if market is not None:
        days_series = days_series.filter(days_series.is_in(market["date"].implode()))
        market = market.filter(pl.col("date").is_in(days_series.implode())).sort("date")
    days = days_series.to_numpy().astype("datetime64[D]")
    shape = (len(symbols), len(days))
    shared = BlockShared(
        study=study,
        days=days.astype(np.int64).astype(np.int32),
        symbol_offset={s: i for i, s in enumerate(symbols)},
        market=market,
        market_prices=market_prices.select("date", "symbol", "close", "open"),
        series_closes=series_closes(market_prices, study.series),
        source=panel_file,
        conditions=tuple(conditions),
    )
    if executor is not None and executor.name == "processes" and rows < POOL_ROWS:
        executor = None
    per_block = max(1, int(block_rows // max(1, rows // max(1, len(symbols)))))
    if executor is not None and executor.workers > 1:  # at least one block per worker
        per_block = min(per_block, -(-len(symbols) // executor.workers))
    blocks = [symbols[i : i + per_block] for i in range(0, len(symbols), per_block)]
    timings["calendar_s"] = time.perf_counter() - clock

    present = np.zeros(shape, dtype=bool)
    daily = np.full(shape, np.nan, dtype=np.float32)
    values: dict[tuple, np.ndarray] = {}
    pending: dict[tuple, list[tuple[np.ndarray, np.ndarray]]] = {}
    cell_order: list[tuple] = []
    found_hits: list[list[tuple[np.ndarray, np.ndarray, pl.DataFrame]]] = [[] for _ in conditions]
    evaluators = build_evaluators(study.evaluators)
    measures: dict[str, Any] = {"table": [], "tested": [], "units": {}, "titles": {}, "order": [], "hidden": []}

    def tasks():
        for block in blocks:
            if stocks is None:
                yield (block, None)
            else:  # symbols are sorted and contiguous in `stocks`: a block is one slice
                lo = int(stocks["symbol"].search_sorted(block[0], side="left"))
                hi = int(stocks["symbol"].search_sorted(block[-1], side="right"))
                yield (block, stocks.slice(lo, hi - lo))

    if executor is None:
        results = _threaded(lambda task: run_block(shared, task[0], task[1]), tasks())
    else:
        results = executor.imap(_block_task, list(tasks()), shared=shared)
    clock = time.perf_counter()
    for result in progress.track(results, "symbol blocks", total=len(blocks)):
        present.ravel()[result.flat] = True
        daily.ravel()[result.flat] = result.daily
        for mine, hits in zip(found_hits, result.hits):
            mine.append((result.flat[hits.rows], hits.position, hits.values))
        for index, measure in result.measures:
            _describe(evaluators[index], measure, measures)
        for key, vals, flat, pend in zip(result.cells, result.values, result.cell_flat, result.pending):
            if key not in values:
                values[key] = np.full(shape, np.nan, dtype=np.float32)
                pending[key] = []
                cell_order.append(key)
            values[key].ravel()[result.flat if flat is None else flat] = vals
            if pend[0].size:
                pending[key].append(pend)
    timings["blocks_s"] = time.perf_counter() - clock
    cells = pl.DataFrame(cell_order, schema={"measure": pl.String, "asset": pl.String, "horizon": pl.String, "horizon_days": pl.Int64}, orient="row")
    data = UniverseData(
        days=days,
        symbols=list(symbols),
        cells=cells,
        values=[values[k] for k in cell_order],
        pending=[_merge_pending(pending[k]) for k in cell_order],
        hits=[_merge_hits(parts) for parts in found_hits],
        present=present,
        daily=daily,
        market=market,
        measures=measures,
    )
    data.timings.update({k: round(v, 4) for k, v in timings.items()})
    return data


def _threaded(fn: Any, items: Any) -> Any:
    """``fn`` over ``items`` on this process's threads (polars and numpy release the GIL)."""
    from eventstudy.executor import ThreadExecutor

    with ThreadExecutor() as executor:
        yield from executor.imap(fn, list(items))


def _block_task(shared: Any, task: tuple[list[str], pl.DataFrame | None]) -> Any:
    """One block, as an executor task (module level, so it pickles by reference)."""
    from eventstudy.blocks import run_block

    return run_block(shared, task[0], task[1])


def _merge_hits(parts: list[tuple[np.ndarray, np.ndarray, pl.DataFrame]]) -> ConditionHits:
    """One condition's hits from every block, in flat-index order."""
    if not parts:
        return ConditionHits(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), pl.DataFrame())
    flats = np.concatenate([p[0] for p in parts])
    order = np.argsort(flats, kind="stable")
    positions = np.concatenate([p[1] for p in parts])
    return ConditionHits(flats[order], positions[order], pl.concat([p[2] for p in parts], how="vertical_relaxed"))


def _merge_pending(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int16)
    flat = np.concatenate([p[0] for p in parts])
    remaining = np.concatenate([p[1] for p in parts])
    order = np.argsort(flat, kind="stable")
    return flat[order], remaining[order]


def _describe(evaluator: Evaluator, measure: str, measures: dict[str, Any]) -> None:
    if measure in measures["units"]:
        return
    measures["order"].append(measure)
    measures["units"][measure] = evaluator.units.get(measure, "fraction")
    measures["titles"][measure] = evaluator.describe(measure)
    if evaluator.table:
        measures["table"].append(measure)
    if evaluator.tested:
        measures["tested"].append(measure)


def universe_events(data: UniverseData, study: Study, window: np.ndarray) -> pl.DataFrame:
    """Raw events ``(symbol, date, position, kept)``: condition days in the window (a mask
    of ``data.days``), declustered per symbol on its own trading days (or calendar gap)."""
    n_days = len(data.days)
    s_idx, d_idx = data.hit_flat // n_days, data.hit_flat % n_days
    inside = window[d_idx]
    s_idx, d_idx, positions = s_idx[inside], d_idx[inside], data.hit_position[inside].astype(np.int64)
    dates = pl.Series("date", data.days[d_idx]).cast(pl.Date)
    spec = study.decluster
    if spec is None or s_idx.size == 0:
        kept = np.ones(s_idx.size, dtype=bool)
    else:
        keys, thresholds = gap_thresholds(dates, positions, spec.gap)
        kept = decluster(keys, thresholds, spec.mode, groups=s_idx)
    return pl.DataFrame(
        {
            "symbol": pl.Series(data.symbols, dtype=pl.String)[s_idx] if s_idx.size else pl.Series([], dtype=pl.String),
            "date": dates,
            "position": positions,
            "kept": kept,
            "_s": s_idx.astype(np.int32),
            "_d": d_idx.astype(np.int32),
        }
    )


@dataclass
class UniverseInput:
    """A universe study's data, read once (a sweep's grid cells share it).

    ``prices`` holds the market series, and the universe's symbols when they come from
    per-symbol files; ``stocks`` the universe's rows read from a long CSV (sorted by
    symbol, date); ``panel_file`` a long file streamed block by block instead.
    """

    directory: Path | None
    symbols: list[str]
    prices: pl.DataFrame
    stocks: pl.DataFrame | None
    panel_file: Path | None
    sources: dict[str, Path]
    notes: tuple[str, ...]


def load_universe(
    study: Study, *, data_dir: str | Path | None = None, cache_dir: str | Path | None = None, pull: bool = False, streamed: bool = False
) -> UniverseInput:
    """Find and read a universe study's data; ``streamed`` leaves a long CSV to be read
    block by block too (as a Parquet file always is), for workers that read their own."""
    from eventstudy.data import find_data_dir, load_prices_any, read_long_block

    directory = find_data_dir(str(data_dir) if data_dir is not None else None, study.data.dir, study.path)
    long_file = _long_file(study, directory)
    stocks, panel_file = None, None
    if long_file is not None and (long_file.suffix.lower() == ".parquet" or streamed):
        panel_file = long_file
        symbols = universe_symbols(study, directory)
    elif long_file is not None:  # a CSV is read once, and the universe is its symbols
        stocks = read_long_block(long_file, None)
        symbols = universe_symbols(study, directory, present=stocks["symbol"].unique().to_list())
    else:
        symbols = universe_symbols(study, directory)
    market_symbols = list(dict.fromkeys(study.series.values()))
    wanted = market_symbols if long_file is not None else [*market_symbols, *symbols]
    loaded = load_prices_any(wanted, data_dir=directory, cache_dir=cache_dir, provider=study.data.provider, pull=pull)
    sources = dict(loaded.sources)
    if long_file is not None:
        sources.update(dict.fromkeys(symbols, long_file))
    return UniverseInput(directory, symbols, loaded.frame, stocks, panel_file, sources, tuple(loaded.notes))


def run_universe(
    study: Study,
    *,
    data_dir: str | Path | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    statistics: Any = None,
    cache_dir: str | Path | None = None,
    pull: bool = False,
    block_rows: int = BLOCK_ROWS,
    executor: Any = None,
) -> Any:
    """Run a universe study end to end; returns a :class:`~eventstudy.study.StudyResult`.

    A universe read from a long Parquet file (``universe: {data_file: x.parquet}``) is
    streamed: each block of symbols is read from the file when it is processed.
    ``executor`` (:func:`eventstudy.executor.get_executor`) runs the blocks elsewhere.
    """
    import time
    from dataclasses import replace

    from eventstudy.study import source_ranges

    started = time.perf_counter()
    given = load_universe(study, data_dir=data_dir, cache_dir=cache_dir, pull=pull, streamed=executor is not None)
    data = prepare_universe(
        study, given.prices, given.symbols, stocks=given.stocks, panel_file=given.panel_file, block_rows=block_rows, executor=executor
    )
    data.notes.extend(given.notes)
    prepared_s = time.perf_counter() - started
    result = evaluate_universe(data, study, given.directory, start=start, end=end, statistics=statistics or study.statistics)
    result.timings["prepare_s"] = round(prepared_s, 4)
    result.timings.update({f"prepare_{k}": v for k, v in data.timings.items()})
    in_universe = set(data.symbols)
    sources = {s: path for s, path in given.sources.items() if s in in_universe or s not in given.symbols}
    ranges = source_ranges(given.prices)
    if given.stocks is not None:
        ranges.update((s, r) for s, r in source_ranges(given.stocks).items() if s in in_universe)
    return replace(result, sources=sources, source_ranges=ranges)


def _long_file(study: Study, directory: Path | None) -> Path | None:
    """The universe's long data file (``universe: {data_file: ...}``), if it has one."""
    spec = study.universe
    if spec is None or spec.data_file is None or directory is None:
        return None
    path = directory / str(spec.data_file)
    return path if path.is_file() else None


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
    window = window_mask(data.days, start, end)
    raw = universe_events(data, study, window)
    kept = raw.filter("kept")
    if not window.any():
        raise DataError(f"the window {start or 'open'} .. {end or 'open'} has no data: the universe has days {data.days[0]} .. {data.days[-1]}")
    s_idx, d_idx = kept["_s"].to_numpy(), kept["_d"].to_numpy()
    flat = s_idx.astype(np.int64) * len(data.days) + d_idx

    from eventstudy.inference.panel import CellMoments

    frames = []
    base_rows = []
    # the baseline's moments, cell by cell on two threads (numpy releases the GIL)
    moments = list(_threaded(lambda vals: CellMoments.of(vals, window), data.values))
    for c, cell in enumerate(data.cells.iter_rows(named=True)):
        vals = data.values[c]
        frames.append(
            kept.select("date", "symbol").with_columns(
                pl.lit(cell["asset"]).alias("asset"),
                pl.lit(cell["horizon"]).alias("horizon"),
                pl.lit(cell["horizon_days"], dtype=pl.Int64).alias("horizon_days"),
                pl.Series("value", vals[s_idx, d_idx].astype(np.float64)).fill_nan(None),
                pl.lit(cell["measure"]).alias("measure"),
                pl.Series("days_remaining", data.days_remaining(c, flat)).replace(0, None),
            )
        )
        base, n = moments[c].base, int(moments[c].base.n)
        base_rows.append(
            {
                **cell,
                "baseline_n": n,
                "baseline_mean": float(base.mean("mean")) if n else None,
                "baseline_median": moments[c].median if n else None,
                "baseline_pct_positive": float(base.mean("pct_positive")) if n else None,
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
    pending = outcomes.filter(pl.col("days_remaining") > 0).select(
        "date", "symbol", _column_name().alias("column"), "days_remaining"
    )
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
        pending=pending,
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
    parts: dict[str, float] = {}
    tests = panel_significance(data, kept, window, statistics, moments, timings=parts)
    reps = placebo_count(statistics.placebos, kept.height)
    if reps:
        notes.append(
            f"p-values: {reps:,} placebo sets that keep the events' dates and redraw their symbols among "
            f"those with a value that day ('dates' null: is it the stock, not the day?), and that keep each symbol's "
            f"event count at random days of its own ('symbols' null); t-tests cluster by date and by stock (seed {statistics.seed})"
        )
    else:
        notes.append(
            f"p-values: with {kept.height:,} events, {statistics.placebos:,} placebo sets would be "
            f"{statistics.placebos * kept.height / 1e6:,.0f}M draws per cell; the 'dates' and 'symbols' nulls of the mean "
            "and % positive come instead from their exact moments (a sum of that many independent draws is normal), "
            "the max-statistic adjustment from their joint normal, and the median is not tested; "
            f"t-tests cluster by date and by stock (seed {statistics.seed})"
        )
    notes.append(CALENDAR_NOTE)
    notes.extend(_calibration_warnings(study, data))
    low = tests.filter((pl.col("statistic") == "mean") & (pl.col("n") > 0) & (pl.col("n_eff") < 10))
    if low.height:
        shown = ", ".join(f"{m} {a} {h} ({n:.1f})" for m, a, h, n in low.select("measure", "asset", "horizon", "n_eff").rows())
        notes.append(
            f"warning: effective sample size below 10 at {shown}: the events bunch on few dates whose forward "
            "windows overlap; read the clustered t-test and the 'dates' null, not the event count"
        )
    timings = {**result.timings, "significance_s": round(time.perf_counter() - started, 4), **{f"significance_{k}": v for k, v in parts.items()}}
    return replace(result, tests=tests, timings=timings)


CALENDAR_NOTE = (
    "'Classical p' and 'HAC t' (p_calendar, t_calendar) are the calendar-time portfolio test of the average: each "
    "day, the stocks with an event in the last h trading days (equally weighted) against all stocks, the mean "
    "daily excess tested with Newey-West errors; days, not events, are its observations"
)


def _calibration_warnings(study: Study, data: UniverseData) -> list[str]:
    """What the calibration (benchmarks/calibrate_universe.py: random walks, nothing to
    find) showed the panel tests get wrong, when it applies to this study: the 'symbols'
    null under a condition on the stock's own prices, and horizons over three times the
    declustering gap."""
    warnings = []
    node = resolve(parse(study.when), list(study.series), universe=True)
    if any(r.series == SELF for r in required_features(node)):
        warnings.append(
            "warning: the 'symbols' null (p_symbols_null) is not a valid test here: the condition picks each "
            "stock's days by its own prices, which the null's random days of the same stock are not (on random "
            "walks with 'close at 52-week high' it rejected in 47% of cases at 1m at the 5% level); read it as a "
            "description, and the 'dates' null as the test"
        )
    spec = study.decluster
    gap_days = spec.gap.amount * {"td": 1.0, "cd": 5 / 7, "mo": 21.0}[spec.gap.unit] if spec else 0.0
    longer = [
        h for h in data.cells.filter(pl.col("measure").is_in(data.measures["tested"]))["horizon"].unique(maintain_order=True).to_list()
        if data.cells.filter(pl.col("horizon") == h)["horizon_days"].max() > 3 * gap_days
    ]
    if longer:
        warnings.append(
            f"warning: at {', '.join(longer)} (over three times the {spec.gap.label if spec else 'missing'} gap) a stock's "
            "events overlap their forward windows, which the 'dates' null takes as independent: it rejects too "
            "often there (11.5% at the 5% level for 6m with a 21-day gap, on random walks; 5.5% at 3m); the "
            "calendar-time portfolio test ('Classical p', p_calendar) holds its level there (4.5%), the t-test "
            "clustered by date and by stock is conservative (1%), and a gap as long as the horizon makes the "
            "null conservative instead"
        )
    return warnings


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


def window_mask(days: np.ndarray, start: dt.date | None, end: dt.date | None) -> np.ndarray:
    """Which calendar days fall in the window (the one window predicate, on numpy days)."""
    frame = pl.DataFrame({"date": pl.Series(days).cast(pl.Date)})
    return frame.with_columns(in_window(pl.col("date"), start, end).alias("inside"))["inside"].to_numpy()


def _instance_table(kept: pl.DataFrame, data: UniverseData, outcomes: pl.DataFrame) -> pl.DataFrame:
    """One row per kept event: date, symbol, the condition's values, outcomes wide."""
    table = kept.select("date", "symbol").join(data.values_frame, on=["date", "symbol"], how="left", maintain_order="left")
    table = table.rename({c: c.replace(f"{SELF}.", "") for c in table.columns if c.startswith(f"{SELF}.")})
    if outcomes.height:
        wide = outcomes.with_columns(_column_name().alias("column")).pivot(
            on="column", index=["date", "symbol"], values="value"
        )
        table = table.join(wide, on=["date", "symbol"], how="left", maintain_order="left")
    return table.sort("date", "symbol")


def _column_name() -> pl.Expr:
    """An outcome's instance-table column: ``asset.measure.horizon``."""
    return pl.col("asset") + "." + pl.col("measure") + "." + pl.col("horizon")


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
