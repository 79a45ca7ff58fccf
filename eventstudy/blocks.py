"""One block of a universe's symbols, from prices to compact outcome arrays.

A universe study is split into blocks of symbols: features, the condition, events and
outcomes are all per symbol, so blocks are independent and can run in any order, in
another process or on another machine (:mod:`eventstudy.executor`). A block returns only
what the whole study needs, as flat numpy arrays over the block's rows:

* where each row sits in the study's ``(symbol, day)`` grid (``flat = symbol * days + day``);
* the rows where the condition held, with each one's position among its symbol's rows
  on the study calendar (for declustering) and the condition's values (for the instance table),
  for each of the conditions asked (a sweep's grid cells share one pass over the data);
* one float32 array per outcome cell (measure x asset x horizon), NaN where unknown, and
  the sparse ``days_remaining`` of the pending ones;
* each row's simple return to the symbol's next trading day (the calendar-time
  portfolio test's daily returns).

Rows are the symbol's trading days that are also days of the study calendar (the market
series' dates): the same inner alignment as a single-timeline study. Features and
forward outcomes are computed on the symbol's *full* history first, so a market holiday
does not shorten a 252-day window.

Evaluators with a :meth:`~eventstudy.evaluators.Evaluator.panel` method compute their
cells directly on the block's symbol-contiguous numpy columns (a shift over the whole
column, then NaN where it crosses into the next symbol): no per-symbol groups, no long
frame. Others (a plug-in without one) run their ordinary ``evaluate`` on the block.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import polars as pl

from eventstudy.conditions import (
    SELF,
    Breadth,
    Node,
    compile_condition,
    parse,
    required_features,
    resolve,
    walk,
)
from eventstudy.conditions.compiler import GROUP_ROW, reads_each_symbol, reads_group_rows
from eventstudy.conditions.printer import breadth_name
from eventstudy.config import Study
from eventstudy.data import PRICE_SCHEMA, read_long_block
from eventstudy.data.finder import DataFile
from eventstudy.derived import add_derived
from eventstudy.evaluators import (
    EvaluationContext,
    Evaluator,
    PanelBlock,
    build_evaluators,
    run_evaluator,
    run_panel,
)
from eventstudy.features import FEATURES, FeatureRequest, column_name, compute_features, feature_key
from eventstudy.own_events import with_event_columns
from eventstudy.panel import calendar_index

PRICE_COLUMNS = list(PRICE_SCHEMA)
"""The long price columns a block reads: date, symbol, close and the optional extras."""

SYMBOL_NUMBER = "__es_symbol_number"
"""A block's column of each row's symbol as a number (its run: 0, 1, 2, ... in the block's
order, sorted), that conditions and a stock's own expressions partition by."""

__all__ = ["BlockResult", "BlockShared", "CellKey", "Hits", "block_rows", "run_block", "series_closes"]

CellKey = tuple[str, str, str, int]
"""``(measure, asset, horizon, horizon_days)``: one outcome cell."""


@dataclass(frozen=True)
class BlockShared:
    """What every block needs, shipped once per task (small: no per-symbol data).

    ``days`` is the study calendar as int32 days since 1970-01-01; ``market`` the market
    series' feature columns on that calendar (``date`` plus ``SERIES.feature``);
    ``market_prices`` the market series' closes (for evaluators that compare with them),
    ``series_closes`` the same per series name as arrays (:func:`series_closes`);
    ``conditions`` the ``(when, trigger)`` pairs whose hits each block finds (the study's
    own, or a sweep's cells'); ``source`` a Parquet file to read blocks from, inspected once (None: blocks
    come with their prices); ``keep_closes``: return each row's close too (for the
    histories null, which rebuilds the universe from them).
    """

    study: Study
    days: np.ndarray
    symbol_offset: dict[str, int]
    market: pl.DataFrame | None
    market_prices: pl.DataFrame
    series_closes: dict[str, tuple[np.ndarray, np.ndarray]]
    conditions: tuple[tuple[str, str], ...]
    source: DataFile | None = None
    keep_closes: bool = False
    breadth: bool = False  # a first pass: count, per day, the stocks for which each condition holds
    before: dt.date | None = None  # rows from this day on are left unread (a sweep's search before its held-out period)


@dataclass
class Hits:
    """Where one condition held in a block (trigger applied): row indices, each row's
    position among its symbol's rows on the study calendar (the clock of a trading-day
    gap), and the condition's values there (one column per value, no date or symbol:
    a condition that holds on most days has a row per stock-day)."""

    rows: np.ndarray
    position: np.ndarray
    values: pl.DataFrame


@dataclass
class BlockResult:
    """A block's contribution to the study's grids (see the module docstring)."""

    flat: np.ndarray  # int64, per row: symbol * days + day (strictly increasing)
    hits: list[Hits]  # per condition (BlockShared.conditions)
    span: tuple[int, int] = (0, 0)  # the block's rows of the study's grid: symbols [first, end)
    daily: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))  # per row: simple return to the next own day
    close: np.ndarray | None = None  # per row, float64, with BlockShared.keep_closes
    cells: list[CellKey] = field(default_factory=list)
    owners: list[int] = field(default_factory=list)  # per cell: the index of the evaluator that gave it
    values: list[np.ndarray] = field(default_factory=list)  # float32 per row (or per `cell_flat`)
    cell_flat: list[np.ndarray | None] = field(default_factory=list)  # None: the block's `flat`
    pending: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # (flat, days_remaining)
    counts: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # breadth pass: (holds, known) per day, per condition


def block_rows(prices: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(run id, position, rows_after)`` of each row of a frame sorted by symbol, date:
    which symbol run it belongs to, its index among the symbol's rows, and how many of
    the symbol's rows follow it."""
    return _rows_of_runs(_runs(prices)[1])


def _runs(prices: pl.DataFrame, symbols: list[str] | None = None) -> tuple[list[str], np.ndarray]:
    """The symbol runs of a frame sorted by symbol: each run's symbol and length.
    ``symbols``: the frame's symbols, sorted (a block's), some perhaps without rows: their
    runs end where a binary search puts each one, not found by comparing every row with
    the one before (``benchmarks/read_block.py`` times both on a 500k-row block)."""
    if prices.height == 0:
        return [], np.zeros(0, dtype=np.int64)
    if symbols is not None:
        ends = prices["symbol"].search_sorted(pl.Series(symbols, dtype=pl.String), side="right").to_numpy().astype(np.int64)
        if ends[-1] == prices.height:  # every row is one of them (else: the runs themselves)
            lengths = np.diff(ends, prepend=0)
            present = np.flatnonzero(lengths)
            return [symbols[i] for i in present], lengths[present]
    runs = prices["symbol"].rle()
    return runs.struct.field("value").to_list(), runs.struct.field("len").to_numpy().astype(np.int64)


def _rows_of_runs(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`block_rows` from the runs' lengths (repeats, no per-row lookups; the
    subtractions in place: each new array of a block's rows is 4 MB of fresh pages)."""
    run = np.repeat(np.arange(lengths.size, dtype=np.int64), lengths)
    starts = np.cumsum(lengths) - lengths
    position = np.arange(run.size, dtype=np.int64)
    position -= np.repeat(starts, lengths)
    rows_after = np.repeat(lengths - 1, lengths)
    rows_after -= position
    return run, position, rows_after


def run_block(shared: BlockShared, symbols: list[str], prices: pl.DataFrame | None = None) -> BlockResult:
    """Features, condition, hits and outcome cells of one block of symbols."""
    study = shared.study
    assert study.universe is not None, "a block is part of a universe study"
    if prices is None:
        assert shared.source is not None
        prices = read_long_block(shared.source, symbols)
        if shared.before is not None:
            prices = prices.filter(pl.col("date") < shared.before)
    # one contiguous chunk per numeric column: a Parquet block comes in one chunk per row group, and every
    # window below would otherwise work across chunks (compute_features 24 -> 17 ms per 500k rows); the
    # symbol strings stay in their chunks, read only by binary searches, gathers and filters (copying
    # them into one chunk was 0.8 of the 1.2 ms of the block's rechunk, benchmarks/read_block.py)
    prices = prices.select([c for c in PRICE_COLUMNS if c in prices.columns])
    prices = prices.with_columns(prices.select(pl.exclude("symbol")).rechunk())
    has_open = "open" in prices.columns
    if not has_open:  # a panel of closes only: evaluators that enter at the open get none
        prices = prices.with_columns(pl.lit(None, dtype=pl.Float64).alias("open"))
    compiled = _compiled(tuple((when, trigger) for when, trigger in shared.conditions), tuple(study.series), FEATURES.version)
    conditions, requests, tests = compiled.conditions, compiled.requests, compiled.tests
    self_requests = [(r.name, tuple(r.args)) for r in requests if r.series == SELF]

    run_symbols, lengths = _runs(prices, symbols)
    run, position, rows_after = _rows_of_runs(lengths)
    day_index = calendar_index(prices["date"], shared.days)
    aligned = day_index >= 0

    # features on each symbol's full history, then the rows on the study calendar
    numbers = pl.Series(SYMBOL_NUMBER, run).set_sorted()  # each row's run: what the windows below partition by
    features = compute_features(prices, [("close", ()), *[r for r in self_requests if r[0] != "close"]], position=position, groups=numbers)
    features = features.rename({c: f"{SELF}.{c}" for c in features.columns if c not in ("date", "symbol")})
    everywhere = bool(aligned.all())  # the usual case: no copies needed
    frame = features if everywhere else features.filter(pl.Series(aligned))
    day = day_index if everywhere else day_index[aligned]
    if shared.market is not None:
        market_columns = [c for c in shared.market.columns if c != "date" and (compiled.reads is None or c in compiled.reads)]
        if market_columns:  # a condition on the stocks alone reads none
            frame = frame.with_columns(shared.market.select(market_columns)[day])
    frame = with_event_columns(frame, study.event_sets, group="symbol")  # each stock's own event days
    # the windows and groups of each stock's rows below run over its run's number, not its name (the
    # same groups; the names stay in their row groups' chunks, where a window over them takes twice as long)
    frame = frame.with_columns(numbers if everywhere else pl.Series(SYMBOL_NUMBER, run[aligned]).set_sorted())
    own, by_position = compiled.own, compiled.by_position
    # each row's index among its symbol's rows on the calendar: the clock of lags and of trading-day gaps
    within = position if everywhere else _rows_of_runs(np.bincount(run[aligned], minlength=lengths.size))[1]
    if own or by_position:
        if own:  # '(close / SPX) sma(50)': each stock's expression, over its rows on the calendar
            frame = add_derived(frame, own, dates=frame["date"], groups=frame[SYMBOL_NUMBER], position=within)
        if by_position:
            frame = frame.with_columns(pl.Series(GROUP_ROW, within))
    n_days = shared.days.size
    if shared.breadth:  # the first pass of 'breadth(...)': per day, how many stocks hold each condition
        verdicts = frame.select(test.alias(f"_b{k}") for k, test in enumerate(tests))
        counts = []
        for k in range(len(conditions)):
            verdict = verdicts[f"_b{k}"]
            holds = np.bincount(day, weights=verdict.fill_null(False).cast(pl.Float64).to_numpy(), minlength=n_days)
            known = np.bincount(day, weights=verdict.is_not_null().cast(pl.Float64).to_numpy(), minlength=n_days)
            counts.append((holds, known))
        return BlockResult(flat=np.zeros(0, dtype=np.int64), hits=[], counts=counts)
    # each row's place in the study's grid, symbol * days + day, made in one array (the rows off the calendar, day -1, are never read)
    place = np.repeat(np.array([shared.symbol_offset[s] for s in run_symbols], dtype=np.int64) * n_days, lengths)
    place += day_index
    flat = place if everywhere else place[aligned]
    first_row = None  # each symbol's first calendar row, for edge triggers only
    masks = frame.select(test.fill_null(False).alias(f"_hit{k}") for k, test in enumerate(tests))
    hits = []
    for k, (_, trigger) in enumerate(conditions):
        hit_mask = masks[f"_hit{k}"].to_numpy()
        if trigger == "edge" and hit_mask.size:  # true today, and not on the symbol's previous calendar row
            previous = np.concatenate([[False], hit_mask[:-1]])
            if first_row is None:
                first_row = np.concatenate([[True], flat[1:] // n_days != flat[:-1] // n_days])
            previous[first_row] = False
            hit_mask = hit_mask & ~previous
        hit_rows = np.flatnonzero(hit_mask)
        value_columns = [c for c in compiled.shown[k] if c in frame.columns]
        hits.append(
            Hits(
                rows=hit_rows,
                position=within[hit_rows],
                values=frame.select(value_columns).gather(hit_rows),  # select first: gather only these (date and symbol are the hits' flat indices')
            )
        )
    result = BlockResult(flat=flat, hits=hits, span=(shared.symbol_offset[symbols[0]], shared.symbol_offset[symbols[-1]] + 1))

    block = PanelBlock(
        close=prices["close"].to_numpy(),
        open=prices["open"].fill_null(np.nan).to_numpy() if has_open else np.broadcast_to(np.float64(np.nan), prices.height),  # read only
        rows_after=rows_after,
        label=study.universe.label,
        run=run,
        series=_SeriesOnRows(shared.series_closes, prices["date"]),
    )
    # the calendar-time portfolio test's daily returns: from each calendar row to the stock's next one (a stock
    # that trades on a market holiday has its move from there to the next calendar day counted, not dropped)
    result.daily = block.change_ahead(block.close, 1) if everywhere else block.subset(aligned).change_ahead(block.close[aligned], 1)
    if shared.keep_closes:
        result.close = (block.close if everywhere else block.close[aligned]).astype(np.float64)
    evaluators = build_evaluators(study.evaluators)
    for index, evaluator in enumerate(evaluators):
        cells = run_panel(evaluator, block)
        if cells is None:
            _evaluate_long(evaluator, index, shared, symbols, prices, result)
            continue
        for cell in cells:
            _add_cell(result, index, (cell.measure, cell.asset, cell.horizon, cell.horizon_days), cell.values if everywhere else cell.values[aligned], None)
            # pending: unknown, and the horizon runs past the symbol's last row (its tail)
            after = rows_after if cell.rows_after is None else cell.rows_after
            tail = block.last_rows(cell.horizon_days + cell.lag) if cell.rows_after is None else np.flatnonzero(after < cell.horizon_days + cell.lag)
            tail = tail[np.isnan(cell.values[tail]) & aligned[tail]]
            remaining = (cell.horizon_days + cell.lag - after[tail]).astype(np.int16)
            result.pending[-1] = (place[tail], remaining)
    return result


@dataclass(frozen=True)
class _Compiled:
    """A block's conditions, ready to run: each ``(resolved tree, trigger)``, the features they
    request (in order, once each), each one's expression over a block's frame, and the
    instance table's columns each one shows (those the frame has are kept)."""

    conditions: tuple[tuple[Node, str], ...]
    requests: tuple[FeatureRequest, ...]
    tests: tuple[pl.Expr, ...]
    shown: tuple[tuple[str, ...], ...]
    own: tuple[FeatureRequest, ...]  # a stock's own expressions ('(close / SPX) sma(50)'), computed in each block
    by_position: bool  # a test reads GROUP_ROW (lags, trading-day counts: over the whole column)
    reads: frozenset[str] | None  # the columns the tests and the instance table read (None: any, for a stock's own expressions)


@lru_cache(maxsize=16)
def _compiled(conditions: tuple[tuple[str, str], ...], series: tuple[str, ...], features: int) -> _Compiled:
    """The conditions parsed, resolved and compiled once per universe, not once per block (a
    hundred blocks parsed and compiled them a hundred times: 0.1 s of a 50M-row study). The
    result depends on the condition texts, the series names and the registered features only
    (``features``: the registry's :attr:`~eventstudy.registry.Registry.version`, read only as
    part of the key, so a feature registered later is seen), and is never changed (polars
    expressions are immutable), so every block, on any thread, can share it; an error is not
    cached, so each block raises it as before."""
    nodes = tuple((resolve(parse(when), list(series), universe=True), trigger) for when, trigger in conditions)
    shown = tuple(
        tuple(dict.fromkeys([*_value_columns(list(dict.fromkeys(required_features(node)))), *(breadth_name(n) for n in walk(node) if isinstance(n, Breadth))]))
        for node, _ in nodes
    )
    requests = tuple(dict.fromkeys(r for node, _ in nodes for r in required_features(node)))
    tests = tuple(compile_condition(node, over=SYMBOL_NUMBER, position=GROUP_ROW) for node, _ in nodes)
    own = tuple(r for r in requests if r.of is not None and reads_each_symbol(r.of))
    # a block gathers the market's columns onto its rows (2 ms for two columns of 500k rows): only these
    reads = None if own else frozenset(c for test in tests for c in test.meta.root_names()) | {c for columns in shown for c in columns}
    return _Compiled(conditions=nodes, requests=requests, tests=tests, shown=shown, own=own, by_position=reads_group_rows(tests), reads=reads)


def _add_cell(result: BlockResult, owner: int, key: CellKey, values: np.ndarray, flat: np.ndarray | None) -> None:
    result.cells.append(key)
    result.owners.append(owner)
    result.values.append(values.astype(np.float32, copy=False))
    result.cell_flat.append(flat)
    result.pending.append((np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int16)))


def _evaluate_long(
    evaluator: Evaluator, index: int, shared: BlockShared, symbols: list[str], prices: pl.DataFrame,
    result: BlockResult,
) -> None:
    """The general path: the evaluator's long frame over every row of the block."""
    study = shared.study
    assert study.universe is not None, "a block is part of a universe study"
    context = EvaluationContext(
        prices=pl.concat([prices, shared.market_prices.select(PRICE_COLUMNS)], how="diagonal_relaxed"),
        series=study.series, universe=tuple(symbols), universe_label=study.universe.label, all_rows=True,
    )
    out = run_evaluator(evaluator, context, prices.select("date", "symbol"))
    out = out.filter(pl.col("symbol").is_in(symbols))
    n_days = shared.days.size
    offsets = {s: shared.symbol_offset[s] for s in symbols if s in shared.symbol_offset}
    for key, part in _cell_runs(out):
        s = part["symbol"].replace_strict(offsets, default=-1, return_dtype=pl.Int64).to_numpy()
        d = calendar_index(part["date"], shared.days)
        ok = (s >= 0) & (d >= 0)
        flat = s[ok] * n_days + d[ok]
        _add_cell(result, index, key, part["value"].fill_null(np.nan).to_numpy()[ok], flat)
        remaining = part["days_remaining"].fill_null(0).to_numpy()[ok]
        result.pending[-1] = (flat[remaining > 0], remaining[remaining > 0].astype(np.int16))


def _cell_runs(out: pl.DataFrame) -> list[tuple[CellKey, pl.DataFrame]]:
    """The cells of an evaluator's long output, in order of appearance."""
    if out.is_empty():
        return []
    keys = ["measure", "asset", "horizon", "horizon_days"]
    parts = out.with_row_index("_r").group_by(keys, maintain_order=True).agg(pl.col("_r"))
    return [
        (tuple(row[:4]), out[np.asarray(row[4], dtype=np.int64)])
        for row in parts.iter_rows()
    ]


class _SeriesOnRows(Mapping[str, np.ndarray]):
    """Each study series' close on each row's date (NaN where the series has none),
    looked up when an evaluator first asks for it (most never do)."""

    def __init__(self, closes: dict[str, tuple[np.ndarray, np.ndarray]], dates: pl.Series) -> None:
        self._closes, self._dates = closes, dates
        self._found: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._found:
            days, closes = self._closes[name]
            at = calendar_index(self._dates, days)
            self._found[name] = np.where(at >= 0, closes[np.maximum(at, 0)], np.nan) if closes.size else np.full(at.size, np.nan)
        return self._found[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._closes)

    def __len__(self) -> int:
        return len(self._closes)


def series_closes(market_prices: pl.DataFrame, series: dict[str, str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per study series: its dates (int32 days since 1970, ascending) and closes, split
    once for every block to look up."""
    out = {}
    for name, symbol in series.items():
        own = market_prices.filter(pl.col("symbol") == symbol).sort("date")
        out[name] = (own["date"].cast(pl.Int32).to_numpy(), own["close"].to_numpy())
    return out


def _value_columns(requests: list[FeatureRequest]) -> list[str]:
    """The instance table's feature columns: the symbol's close, then each value feature."""
    columns = [f"{SELF}.close"]
    for r in requests:
        if (r.name == "close" and r.series == SELF) or r.name.startswith("at_"):  # a market series' close is shown when read
            continue
        columns.append(column_name(r.series, r.name, tuple(r.args)) if r.series != SELF else f"{SELF}.{feature_key(r.name, tuple(r.args))}")
    return list(dict.fromkeys(columns))
