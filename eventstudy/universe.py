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
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import polars as pl

from eventstudy import progress
from eventstudy.blocks import BlockResult, BlockShared, CellKey, run_block, series_closes
from eventstudy.conditions import (
    SELF,
    Breadth,
    Node,
    day_price_reads,
    parse,
    required_features,
    resolve,
    to_text,
    walk,
)
from eventstudy.conditions.compiler import reads_each_symbol
from eventstudy.conditions.printer import breadth_name
from eventstudy.config import Study
from eventstudy.data import (
    PRICE_SCHEMA,
    find_data_dir,
    load_prices_any,
    read_long_block,
    read_long_dates,
    source_ranges,
)
from eventstudy.data.columns import missing_extra_hint, pick_column
from eventstudy.data.finder import inspect, long_file_symbols, sorted_by_symbol
from eventstudy.data.load import symbols_per_block
from eventstudy.derived import add_derived
from eventstudy.errors import ConfigError, DataError, did_you_mean, option
from eventstudy.evaluators import (
    UNIVERSE,
    PanelBlock,
    build_evaluators,
    refuse_repeated_cells,
    run_panel,
)
from eventstudy.executor import Executor, ThreadExecutor, default_workers
from eventstudy.files import file_stamp
from eventstudy.measures import Measures
from eventstudy.panel import ConditionHits, Panel
from eventstudy.timeline import build_timeline, no_universe_dates, require_study_day_prices

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["BLOCK_ROWS", "UniverseInput", "load_universe", "prepare_study_universe", "prepare_universe", "universe_file", "universe_symbols", "with_sources"]


def universe_file(study: Study) -> Path | None:
    """The universe's file of symbols (``universe: {file: ...}``, relative to the study
    file), if it has one."""
    spec = study.universe
    if spec is None or spec.file is None:
        return None
    base = study.path.parent if study.path else Path.cwd()
    return (base / spec.file) if not Path(spec.file).is_absolute() else Path(spec.file)


def universe_symbols(study: Study, directory: Path | None, present: Sequence[str] | None = None, grouped: bool = False) -> list[str]:
    """The universe's symbols: listed, read from a file, or every symbol of a long data
    file (``present``: that file's symbols, when the caller has read it already;
    ``grouped``: its rows come grouped by symbol, :func:`~eventstudy.data.finder.long_file_symbols`)."""
    spec = study.universe
    assert spec is not None
    if spec.symbols is not None:
        symbols = list(spec.symbols)
    elif (path := universe_file(study)) is not None:
        try:
            lines = path.read_text(encoding="utf-8-sig").splitlines()  # a BOM (Notepad, Excel) is no part of line 1
        except OSError as exc:
            raise ConfigError(
                f"cannot read the universe file {str(path)!r}: {exc.strerror or exc}",
                hint="name a text file of symbols, one per line, relative to the study file (or absolute)",
                location=study.source.location(("universe", "file")),
            ) from None
        except UnicodeDecodeError as exc:  # a UTF-16 'Unicode' save of Notepad, a Latin-1 export
            raise ConfigError(
                f"the universe file {path.name!r} is not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start})",
                hint="save it as UTF-8 text, one symbol per line",
                location=study.source.location(("universe", "file")),
            ) from None
        symbols = [ln.split("#", 1)[0].strip() for ln in lines]
        for number, symbol in enumerate(symbols, start=1):
            if symbol and not _SYMBOL.match(symbol):  # never echoed: the file may be anything
                raise ConfigError(
                    f"line {number} of the universe file {path.name!r} is not a symbol",
                    hint="one symbol per line (letters, digits and . - ^ = _ /), '#' starts a comment",
                    location=study.source.location(("universe", "file")),
                )
        symbols = [s for s in symbols if s]
    elif present is not None:
        symbols = sorted(present)
    else:
        if directory is None:
            raise DataError("'universe: {data_file: ...}' needs a data directory", hint=f"pass {option('data_dir')}")
        path = data_file_path(directory, study)
        if not path.is_file():
            near = sorted(f.name for f in directory.iterdir() if f.is_file()) if directory.is_dir() and path.parent == directory else []
            raise DataError(
                f"the universe's data file {str(path)!r} does not exist{did_you_mean(path.name, near)}",
                hint=f"name a long file (date, symbol, close rows) of the data directory, or pass {option('data_dir')}",
                location=study.source.location(("universe", "data_file")),
            )
        symbols = long_file_symbols(path, grouped)  # every row names its symbol, in printable text
    # a symbol's data are found in any letter case, so an exclusion matches in any letter case too
    excluded, named = {s.upper() for s in spec.exclude}, {s.upper() for s in symbols}
    for i, symbol in enumerate(spec.exclude):
        if symbol.upper() not in named:  # a typo would leave the stock in without a word
            raise ConfigError(
                f"the universe's exclude lists {symbol!r}, which is not one of its symbols{did_you_mean(symbol, symbols)}",
                hint="list only symbols of the universe to leave out", location=study.source.location(("universe", "exclude", i)),
            )
    out = list(dict.fromkeys(s for s in symbols if s.upper() not in excluded))
    if not out:
        excluded_all = bool(spec.exclude and symbols)
        if not symbols and spec.symbols is None and spec.file is None:  # a long file with a header and no rows: nothing was listed
            raise ConfigError(
                f"the universe is empty: its data file {Path(str(spec.data_file)).name!r} has no rows",
                hint="a universe's data file is long: date, symbol, close rows, one per stock and day",
                location=study.source.location(("universe", "data_file")),
            )
        if not symbols and (path := universe_file(study)) is not None:  # every line blank or a comment
            raise ConfigError(
                f"the universe is empty: the universe file {path.name!r} lists no symbol",
                hint="one symbol per line ('#' starts a comment)", location=study.source.location(("universe", "file")),
            )
        raise ConfigError(
            "the universe is empty" + (": 'exclude' leaves out every one of its symbols" if excluded_all else ""),
            hint="leave out fewer of its symbols" if excluded_all else "list at least one symbol", location=study.source.location(("universe",)),
        )
    if spec.data_file is None:  # a listed symbol finds its data in any letter case: two spellings would be one stock twice
        spelled: dict[str, str] = {}
        for symbol in out:
            first = spelled.setdefault(symbol.upper(), symbol)
            if first != symbol:
                raise ConfigError(
                    f"{'the universe' if spec.file is None else f'the universe file {Path(spec.file).name!r}'} lists {first!r} and {symbol!r}: one stock, since a symbol's data are found in any letter case, "
                    "so its events would be counted twice",
                    hint=f"list {first!r} once", location=study.where_named(symbol),
                )
    market = {symbol.upper() for symbol in study.series.values()}  # in any letter case, as their data are found
    clash = sorted(s for s in out if s.upper() in market)
    if clash:
        raise ConfigError(
            f"{', '.join(clash)} {'is both a market series and a universe symbol' if len(clash) == 1 else 'are both market series and universe symbols'}",
            # a universe that is a file's symbols cannot drop one from a list: 'exclude' leaves it out
            hint="list them in one place only" if spec.symbols is not None else f"leave {'it' if len(clash) == 1 else 'them'} out of the universe: exclude: [{', '.join(clash)}]",
            location=study.where_named(clash[0]),
        )
    return out


BLOCK_ROWS = 500_000
"""Rows per block of symbols (about): small enough that a block's temporaries (a few MB
each) are reused by the allocator instead of being mapped afresh (at 1M rows a block
took 20,000 page faults, a third of the blocks' time in the kernel at 50M rows), large
enough that per-block overhead is noise (at 150k rows it shows)."""


def prepare_universe(
    study: Study,
    prices: pl.DataFrame,
    symbols: Sequence[str],
    *,
    stocks: pl.DataFrame | None = None,
    panel_file: Path | None = None,
    block_rows: int = BLOCK_ROWS,
    executor: Executor | None = None,
    conditions: Sequence[tuple[str, str]] = (),
    keep_closes: bool = False,
    known_dates: tuple[pl.Series, int] | None = None,
    before: dt.date | None = None,
) -> Panel:
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
    ``keep_closes`` keeps every stock's closes on the calendar (``Panel.closes``, 8 bytes
    per symbol-day) for the histories null. ``known_dates``: the universe's distinct dates
    and number of rows, when the caller has them (``panel_file``'s, read beside its
    symbols, :attr:`UniverseInput.file_dates`; a resampled universe's, which keeps the real
    one's calendar and symbols): every one of ``symbols`` is then taken to have rows, and
    nothing is found again from every row. ``before``: the data is taken to end the day
    before it, the market series' and every stock's (a sweep's search before its held-out
    period): an outcome that would read a later close is pending, as at the end of the data.
    """
    clock = time.perf_counter()
    if before is not None:
        prices = prices.filter(pl.col("date") < before)
        stocks = stocks.filter(pl.col("date") < before) if stocks is not None else None
        if known_dates is not None:
            known_dates = (known_dates[0].filter(known_dates[0] < before), known_dates[1])
    timings: dict[str, float] = {}
    series = list(study.series)
    conditions = list(conditions) or [(study.when, study.trigger)]
    nodes = [resolve(parse(when), series, universe=True) for when, _ in conditions]
    market_requests = [
        r for r in dict.fromkeys(r for node in nodes for r in required_features(node))
        if r.series != SELF and not (r.of is not None and reads_each_symbol(r.of))  # a stock's own expression: in its block
    ]
    # '(breadth(close > sma(50))) sma(10)': a market expression too, but its breadth is known only after the first pass
    of_breadth = [r for r in market_requests if r.of is not None and any(isinstance(n, Breadth) for n in walk(r.of))]
    market_requests = [r for r in market_requests if r not in of_breadth]
    market_symbols = list(dict.fromkeys(study.series.values()))
    market_prices = prices.filter(pl.col("symbol").is_in(market_symbols))
    written = [(when, node) for (when, _), node in zip(conditions, nodes)]
    require_study_day_prices(study, market_prices, written)  # the market series' features
    market = None
    if study.series:
        market = build_timeline(market_prices, study.series, market_requests, align=study.data.align, max_stale=study.data.max_stale)

    if stocks is None and panel_file is None:
        stocks = prices.filter(pl.col("symbol").is_in(list(symbols))).sort("symbol", "date")
    if known_dates is not None:
        found = set(symbols)
        dates, rows = known_dates
    elif stocks is not None:
        found = set(stocks["symbol"].unique().to_list())
        if not found <= set(symbols):
            stocks = stocks.filter(pl.col("symbol").is_in(list(symbols)))
            found &= set(symbols)
        dates = stocks["date"].unique()
        rows = stocks.height
    else:
        assert panel_file is not None
        found = set(symbols)
        dates, rows = read_long_dates(panel_file)
    symbols = sorted(s for s in symbols if s in found)  # sorted: each block is one slice
    if panel_file is not None:
        require_day_prices(study, written, None, panel_file)
    else:  # the universe's rows in memory: a long file's, or the symbols' own files' among the prices
        require_day_prices(study, written, stocks if stocks is not None else prices.filter(pl.col("symbol").is_in(symbols)), None)
    days_series = dates.sort()
    notes: list[str] = []
    own_days: dict[str, int] = {}
    if market is not None:
        off = days_series.filter(~days_series.is_in(market["date"].implode()))
        every_date, days_series = days_series, days_series.filter(days_series.is_in(market["date"].implode()))
        if every_date.len() and not days_series.len():
            raise no_universe_dates(study, every_date[0], every_date[-1])
        if days_series.len():  # the universe's dates over the calendar's span: the days its stocks' features and horizons count
            own_days[UNIVERSE_DAYS] = every_date.filter(every_date.is_between(days_series[0], days_series[-1])).len()
        market = market.filter(pl.col("date").is_in(days_series.implode())).sort("date")
        if off.len():
            notes.append(market_calendar_warning(study, off, off.len() + days_series.len()))
    days = days_series.to_numpy().astype("datetime64[D]")
    shape = (len(symbols), len(days))
    shared = BlockShared(
        study=study,
        days=days.astype(np.int64).astype(np.int32),
        symbol_offset={s: i for i, s in enumerate(symbols)},
        market=market,
        market_prices=market_prices.select(list(PRICE_SCHEMA)),
        series_closes=series_closes(market_prices, study.series),
        source=inspect(panel_file) if panel_file is not None else None,
        conditions=tuple(conditions),
        keep_closes=keep_closes,
        before=before,
    )
    per_block = symbols_per_block(rows, len(symbols), block_rows)
    if executor is not None and executor.workers > 1:  # at least one block per worker
        per_block = min(per_block, -(-len(symbols) // executor.workers))
    blocks = [symbols[i : i + per_block] for i in range(0, len(symbols), per_block)]
    timings["calendar_s"] = time.perf_counter() - clock

    def tasks():
        for block in blocks:
            if stocks is None:
                yield (block, None)
            else:  # symbols are sorted and contiguous in `stocks`: a block is one slice
                lo = int(stocks["symbol"].search_sorted(block[0], side="left"))
                hi = int(stocks["symbol"].search_sorted(block[-1], side="right"))
                yield (block, stocks.slice(lo, hi - lo))

    def run_all(on: BlockShared, then: Callable[[BlockResult], BlockResult] | None = None) -> Iterator[BlockResult]:
        """Every block's result, in order; ``then`` applied to each on the thread that
        computed it (here, for blocks computed in other processes or machines)."""
        if executor is None or (isinstance(executor, ThreadExecutor) and not executor.chosen):
            def one(task: tuple[list[str], pl.DataFrame | None]) -> BlockResult:
                result = run_block(on, task[0], task[1])
                return result if then is None else then(result)

            return _threaded(one, tasks())
        found = executor.imap(_block_task, list(tasks()), shared=on)
        return found if then is None else map(then, found)

    breadths = list(dict.fromkeys(n for node in nodes for n in walk(node) if isinstance(n, Breadth)))
    if breadths:  # a first pass over the universe: each breadth(...) becomes a market column
        clock = time.perf_counter()
        first = replace(shared, conditions=tuple((to_text(b.test), "level") for b in breadths), breadth=True, keep_closes=False)
        holds = np.zeros((len(breadths), len(days)))
        known = np.zeros((len(breadths), len(days)))
        for result in progress.track(run_all(first), "breadth: symbol blocks", total=len(blocks)):
            for k, (h, n) in enumerate(result.counts):
                holds[k] += h
                known[k] += n
        with np.errstate(invalid="ignore", divide="ignore"):
            shares = np.where(known > 0, holds / known, np.nan)
        base = shared.market if shared.market is not None else pl.DataFrame({"date": days_series})
        base = base.with_columns(pl.Series(breadth_name(b), shares[k]).fill_nan(None) for k, b in enumerate(breadths))
        if of_breadth:  # over the study calendar's rows, as '(SPX / RUT) sma(50)': one value a day for every stock
            base = add_derived(base, of_breadth, dates=base["date"])
        shared = replace(shared, market=base)
        timings["breadth_s"] = time.perf_counter() - clock

    grid = _Grid(shape, keep_closes)
    pending: dict[tuple, list[tuple[np.ndarray, np.ndarray]]] = {}
    cell_order: list[tuple] = []
    reads: dict[tuple[str, str], tuple[str, ...]] = {}  # per cell reading a market series beside its stock's: their symbols
    found_hits: list[list[tuple[np.ndarray, np.ndarray, pl.DataFrame]]] = [[] for _ in conditions]
    evaluators = build_evaluators(study.evaluators)
    measures = Measures()

    results = run_all(shared, grid.write)  # each block's rows written by the thread that computed it
    clock = time.perf_counter()
    for result in progress.track(results, "symbol blocks", total=len(blocks)):
        for mine, hits in zip(found_hits, result.hits):
            mine.append((result.flat[hits.rows], hits.position, hits.values))
        owners: dict[str, list[str]] = {}  # measure -> the entries that gave its cells, in order
        for index, (measure, *_) in zip(result.owners, result.cells, strict=True):
            measures = measures.add(evaluators[index].measure_entry(measure))
            owners.setdefault(measure, []).append(evaluators[index].name)
        refuse_repeated_cells(result.cells, owners)  # two entries may share a measure, not a cell (as a timeline's)
        for key, owner, pend in zip(result.cells, result.owners, result.pending, strict=True):
            if key not in pending:
                pending[key] = []
                cell_order.append(key)
                if beside := evaluators[owner].read_by_every_cell():
                    reads[key[:2]] = tuple(study.series[name] for name in beside)
            if pend[0].size:
                pending[key].append(pend)
    grid.finish()
    timings["blocks_s"] = time.perf_counter() - clock
    cells = pl.DataFrame(cell_order, schema={"measure": pl.String, "asset": pl.String, "horizon": pl.String, "horizon_days": pl.Int64}, orient="row")
    panel = Panel(
        kind="universe",
        days=days,
        symbols=list(symbols),
        cells=cells,
        values=[grid.cells[k] for k in cell_order],
        pending=[_merge_pending(pending[k]) for k in cell_order],
        hits={key: _merge_hits(parts) for key, parts in zip(conditions, found_hits)},
        present=grid.present,
        measures=measures,
        frame=market,
        daily=grid.daily,
        closes=grid.closes,
        own_days=own_days,
        reads=reads,
        max_stale=study.data.max_stale if study.data.align == "ffill" else 0,
        timings={k: round(v, 4) for k, v in timings.items()},
        notes=notes,
    )
    if before is not None and known_dates is not None:  # the file's symbols were taken on trust: those whose rows all come later have none
        panel = _with_rows(panel, np.asarray(panel.present.any(axis=1)))
    return panel


def _with_rows(panel: Panel, keep: np.ndarray) -> Panel:
    """``panel`` with only the rows (symbols) ``keep`` says, every flat index renumbered:
    a universe read up to a day, without the stocks whose data begins later (as a file
    ending then would not list them)."""
    if keep.all():
        return panel
    days = panel.days.size
    row = np.cumsum(keep) - 1

    def renumber(flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mine = keep[flat // days]
        return mine, (row[flat[mine] // days] * days + flat[mine] % days).astype(flat.dtype)

    def hits(found: ConditionHits) -> ConditionHits:
        mine, flat = renumber(found.flat)
        values = found.values.filter(pl.Series(mine)) if found.values.height == mine.size else found.values
        return ConditionHits(flat, found.position[mine], values)

    pending = []
    for where, remaining in panel.pending:
        mine, flat = renumber(where)
        pending.append((flat, remaining[mine]))
    return replace(
        panel,
        symbols=[s for s, k in zip(panel.symbols, keep.tolist()) if k],
        values=[v[keep] for v in panel.values],
        pending=pending,
        hits={key: hits(found) for key, found in panel.hits.items()},
        present=panel.present[keep],
        daily=panel.daily[keep] if panel.daily is not None else None,
        closes=panel.closes[keep] if panel.closes is not None else None,
    )


UNIVERSE_DAYS = "the universe"
"""The key of ``Panel.own_days`` under which a universe panel counts its dates over the
study calendar's span (the calendar keeps those the market series have a close on)."""


def market_calendar_warning(study: Study, off: pl.Series, n_dates: int) -> str:
    """The warning for the universe's dates ``off`` (sorted) on which the market series
    (the study's ``series:``, aligned as ``data.align`` says) have no close: they are not
    on the study calendar, so the stocks' rows then are neither events nor baseline days;
    ``n_dates``: the universe's dates."""
    names = ", ".join(study.series)
    which = f"the market series {names} {'has' if len(study.series) == 1 else 'have'}"
    if study.data.align == "ffill" and len(study.series) > 1:
        # its first day is the first on which every series has begun: the first series' earlier dates are off it too
        which = f"the market calendar ({next(iter(study.series))}'s dates once every market series has begun, align: ffill) has"
    span = f"{off[0]}" if off.len() == 1 else f"{off[0]} .. {off[-1]}"
    return (
        f"warning: {which} no close on {off.len():,} of the universe's {n_dates:,} dates ({span}): those dates are not on "
        f"the study calendar, so no stock's day then is an event{' or a baseline day' if study.evaluate else ''} (the stocks' features and horizons still "
        "count all their own trading days)"
    )


def require_day_prices(
    study: Study, conditions: Sequence[tuple[str, Node]], stocks: pl.DataFrame | None, panel_file: Path | None
) -> None:
    """Refuse a universe study that reads each stock's open, high, low or volume (in its
    condition, or an evaluator's entry at the next open) when the universe's data has
    none: its blocks would read nulls and the study would end with no events, or no
    values, and no error. ``conditions``: each condition's text and resolved node (a
    caret goes under the place that reads the column). ``stocks``: the universe's rows in
    memory; else ``panel_file``, whose header says which columns it has (a column given
    for some stocks and not others is their missing data, not an error)."""
    readers: dict[str, tuple[str, str]] = {}  # column -> what reads it, and what else the hint offers
    places: dict[str, tuple[tuple[int, int], str]] = {}  # column -> where a condition reads it (span, text)
    for text, node in conditions:
        for request, column, span in day_price_reads(node):
            if request.series == SELF:
                readers.setdefault(column, (f"the condition {to_text(node)!r}", ""))
                places.setdefault(column, (span, text))
    for evaluator in build_evaluators(study.evaluators):
        if UNIVERSE in evaluator.assets():
            entry = getattr(evaluator.params, "entry", None)  # forward returns' entry at the next open
            for column in evaluator.price_columns():
                readers.setdefault(column, (f"{evaluator.name}" + (f" (entry: {entry})" if entry else ""), ", or an entry at the close" if entry else ""))
    for column, (reader, instead) in readers.items():
        if panel_file is not None:
            lacking = pick_column(inspect(panel_file).columns, (column,)) is None
            source = panel_file.name
        else:
            assert stocks is not None
            lacking = column not in stocks.columns or stocks[column].null_count() == stocks.height
            named = study.universe.data_file if study.universe is not None else None
            source = Path(str(named)).name if named is not None else "the universe's files"
        if lacking:
            have = "have" if source == "the universe's files" else "has"
            error = DataError(f"{reader} reads each stock's {column}, and {source} {have} none", hint=missing_extra_hint(column) + instead)
            if column in places:  # a condition reads it (else an evaluator's entry): a caret under the first place
                error.span, error.source = places[column]
                raise study.anchor_in_condition(error, error.source)
            raise error


def require_distinct_cells(study: Study) -> None:
    """Refuse two ``evaluate:`` entries that give the universe's stocks one cell (two
    ``forward_returns: {horizons: [1m]}``), as the run refuses it once its first block is
    computed: here from four rows of made-up closes, so ``validate`` says it before a row
    is read. Entries without a panel path (a plug-in's) are left to the run."""
    assert study.universe is not None
    evaluators = build_evaluators(study.evaluators)
    rows = 4
    block = PanelBlock(
        close=np.ones(rows), open=np.full(rows, np.nan), rows_after=np.arange(rows - 1, -1, -1), label=study.universe.label,
        run=np.zeros(rows, dtype=np.int64), series={name: np.ones(rows) for name in study.series},
    )
    cells: list[tuple[str, str, str, int]] = []
    owners: dict[str, list[str]] = {}
    for evaluator in evaluators:
        for cell in run_panel(evaluator, block) or []:
            cells.append((cell.measure, cell.asset, cell.horizon, cell.horizon_days))
            owners.setdefault(cell.measure, []).append(evaluator.name)
    refuse_repeated_cells(cells, owners)


def prepare_study_universe(
    study: Study,
    *,
    data_dir: str | Path | None = None,
    cache_dir: str | Path | None = None,
    pull: bool = False,
    block_rows: int = BLOCK_ROWS,
    executor: Executor | None = None,
    keep_closes: bool = False,
) -> Panel:
    """Read a universe study's data and prepare its panel (see :func:`prepare_universe`).

    A universe read from a long Parquet file (``universe: {data_file: x.parquet}``) is
    streamed: each block of symbols is read from the file when it is processed.
    ``executor`` (:func:`eventstudy.executor.get_executor`) runs the blocks elsewhere.
    """
    given = load_universe(study, data_dir=data_dir, cache_dir=cache_dir, pull=pull, streamed=executor is not None)
    panel = prepare_universe(
        study, given.prices, given.symbols, stocks=given.stocks, panel_file=given.panel_file, block_rows=block_rows, executor=executor,
        keep_closes=keep_closes, known_dates=given.file_dates,
    )
    return with_sources(panel, given)


def with_sources(panel: Panel, given: UniverseInput) -> Panel:
    """``panel`` with where its data came from: directory, files, ranges, loading notes."""
    in_universe = set(panel.symbols)
    sources = {s: path for s, path in given.sources.items() if s in in_universe or s not in given.symbols}
    ranges = source_ranges(given.prices)
    if given.stocks is not None:
        ranges.update((s, r) for s, r in source_ranges(given.stocks).items() if s in in_universe)
    return replace(
        panel, directory=given.directory, sources=sources, source_ranges=ranges, input_hashes=dict(given.hashes), notes=[*panel.notes, *given.notes]
    )


class _Grid:
    """The study's ``(symbols, days)`` arrays, filled block by block without a first pass
    of fill values: a block owns the rows of its symbols (``BlockResult.span``), and a
    block with a value on every day of its rows (the usual case) is one contiguous copy.
    Rows no block wrote (a cell some blocks do not have) get the fill value at the end.

    Blocks on threads write their own rows (:meth:`write`, from the thread that computed
    the block): the first write to each page of these arrays (1 GB at 50M symbol-days) is
    a page fault, and the block threads take theirs side by side, where one thread
    writing every block's rows took them one after another. Blocks own disjoint rows, so
    writes never overlap; a cell's array is made once, under the lock."""

    def __init__(self, shape: tuple[int, int], keep_closes: bool = False) -> None:
        self.shape = shape
        self._lock = threading.Lock()
        self._filled: dict[int, tuple[np.ndarray, object, np.ndarray]] = {}  # id(array) -> (array, fill, rows written)
        self.present = self.array(bool, False)
        self.daily = self.array(np.float32, np.nan)
        self.closes = self.array(np.float64, np.nan) if keep_closes else None
        self.cells: dict[CellKey, np.ndarray] = {}  # per cell, made when a block first has it

    def array(self, dtype: npt.DTypeLike, fill: object) -> np.ndarray:
        out = np.empty(self.shape, dtype=dtype)
        self._filled[id(out)] = (out, fill, np.zeros(self.shape[0], dtype=bool))
        return out

    def cell(self, key: CellKey) -> np.ndarray:
        with self._lock:
            if key not in self.cells:
                self.cells[key] = self.array(np.float32, np.nan)
            return self.cells[key]

    def write(self, result: BlockResult) -> BlockResult:
        """A block's rows into every array: days present, daily returns, closes, cells."""
        self.put(self.present, result, result.flat, True)
        self.put(self.daily, result, result.flat, result.daily)
        if self.closes is not None and result.close is not None:
            self.put(self.closes, result, result.flat, result.close)
        for key, vals, flat in zip(result.cells, result.values, result.cell_flat):
            self.put(self.cell(key), result, result.flat if flat is None else flat, vals)
        return result

    def put(self, target: np.ndarray, result: BlockResult, flat: np.ndarray, vals: npt.ArrayLike) -> None:
        """``vals`` at the flat indices ``flat`` (ascending, within the block's rows)."""
        lo, hi = result.span
        _, fill, written = self._filled[id(target)]
        region = target[lo:hi].reshape(-1)  # a view: the rows are contiguous
        if flat.size == region.size:  # strictly increasing and as many as the region: every cell of it
            region[:] = vals
        else:
            region.fill(fill)
            region[flat - lo * self.shape[1]] = vals
        written[lo:hi] = True

    def finish(self) -> None:
        for array, fill, written in self._filled.values():
            if not written.all():
                array[~written] = fill


BLOCK_THREADS_OVER = 1
"""Threads beyond the CPUs that run the symbol blocks, unless the caller chose a number:
a block waits for polars' own thread pool in its reads and selects, and for the GIL in
its Python glue, and the extra thread keeps the cores busy meanwhile
(``benchmarks/universe_passes.py`` times both counts in turns). More threads than one
over gained nothing more."""


Item = TypeVar("Item")
Out = TypeVar("Out")


def _threaded(fn: Callable[[Item], Out], items: Iterable[Item]) -> Iterator[Out]:
    """``fn`` over ``items`` on this process's threads (polars and numpy release the GIL)."""
    with ThreadExecutor(default_workers() + BLOCK_THREADS_OVER) as executor:
        yield from executor.imap(fn, list(items))


def _block_task(shared: BlockShared, task: tuple[list[str], pl.DataFrame | None]) -> BlockResult:
    """One block, as an executor task (module level, so it pickles by reference)."""
    return run_block(shared, task[0], task[1])


def _merge_hits(parts: list[tuple[np.ndarray, np.ndarray, pl.DataFrame]]) -> ConditionHits:
    """One condition's hits from every block, in flat-index order: the blocks put in the
    order of their first hits where each block's hits ascend and the blocks do not
    overlap (blocks are runs of symbols, each in date order), else sorted hit by hit."""
    if not parts:
        return ConditionHits.empty()
    parts = sorted((p for p in parts if p[0].size), key=lambda p: int(p[0][0])) or parts[:1]  # (all empty: one, for its columns)
    ordered = all(bool((p[0][1:] > p[0][:-1]).all()) for p in parts) and all(int(a[0][-1]) < int(b[0][0]) for a, b in pairwise(parts))
    flats = np.concatenate([p[0] for p in parts])
    positions = np.concatenate([p[1] for p in parts])
    values = pl.concat([p[2] for p in parts], how="vertical_relaxed") if parts[0][2].width else pl.DataFrame()  # a condition without values to show
    if ordered:
        return ConditionHits(flats, positions, values)
    order = np.argsort(flats, kind="stable")
    if values.height == order.size:  # the values follow their flats
        values = values[order]
    return ConditionHits(flats[order], positions[order], values)


def _merge_pending(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int16)
    flat = np.concatenate([p[0] for p in parts])
    remaining = np.concatenate([p[1] for p in parts])
    order = np.argsort(flat, kind="stable")
    return flat[order], remaining[order]


@dataclass
class UniverseInput:
    """A universe study's data, read once (a sweep's grid cells share it).

    ``prices`` holds the market series, and the universe's symbols when they come from
    per-symbol files; ``stocks`` the universe's rows read from a long CSV (sorted by
    symbol, date); ``panel_file`` a long file streamed block by block instead, and
    ``file_dates`` its distinct dates and number of rows (:func:`read_long_dates`);
    ``hashes`` each file read (the prices', the long file, the symbols file) -> its
    stamp when it was read (:func:`~eventstudy.files.file_stamp`), for the manifest.
    """

    directory: Path | None
    symbols: list[str]
    prices: pl.DataFrame
    stocks: pl.DataFrame | None
    panel_file: Path | None
    sources: dict[str, Path]
    notes: tuple[str, ...]
    file_dates: tuple[pl.Series, int] | None = None
    hashes: dict[Path, dict[str, object]] = field(default_factory=dict)


def load_universe(
    study: Study, *, data_dir: str | Path | None = None, cache_dir: str | Path | None = None, pull: bool = False, streamed: bool = False,
    rows: bool = True,
) -> UniverseInput:
    """Find and read a universe study's data; ``streamed`` leaves a long CSV to be read
    block by block too (as a Parquet file sorted by symbol always is), for workers that
    read their own. A Parquet file that is not sorted by symbol is read once, as a CSV is
    (streamed, each block would decode all of it), and a note says so. ``rows=False``
    finds the universe's symbols and reads the market series only: a long file's rows
    and calendar are left unread (``validate``)."""
    directory = find_data_dir(str(data_dir) if data_dir is not None else None, study.data.dir, study.path)
    long_file = _long_file(study, directory)
    stocks, panel_file, file_dates, notes = None, None, None, []
    parquet = long_file is not None and long_file.suffix.lower() == ".parquet"
    if long_file is None or not rows:
        symbols = universe_symbols(study, directory)
    elif parquet and not sorted_by_symbol(long_file):  # each streamed block would decode the whole file
        symbols = universe_symbols(study, directory)
        stocks = read_long_block(long_file, symbols)  # once, sorted by symbol
        notes.append(
            f"{long_file.name} is not sorted by symbol (its first rows are not): it was read whole and sorted in memory, "
            "not streamed block by block, where every block would have decoded the whole file; a copy sorted by "
            "symbol, then date, streams (pl.scan_parquet(old).sort('symbol', 'date').sink_parquet(new))"
        )
    elif parquet or streamed:
        panel_file = long_file
        with ThreadPoolExecutor(max_workers=1) as background:  # the file's calendar beside its symbols: two columns, two passes at once
            calendar = background.submit(read_long_dates, panel_file)
            symbols = universe_symbols(study, directory, grouped=parquet)  # a Parquet file here is sorted by symbol
            file_dates = calendar.result()
    else:  # a CSV is read once, and the universe is its symbols
        stocks = read_long_block(long_file, None)
        present = stocks["symbol"].unique()
        if (present != present.str.strip_chars()).any():  # a padded name: refused where it is, as the streamed read refuses it
            long_file_symbols(long_file)
        symbols = universe_symbols(study, directory, present=present.to_list())
    market_symbols = list(dict.fromkeys(study.series.values()))
    wanted = market_symbols if long_file is not None else [*market_symbols, *symbols]
    with study.naming_missing_symbols():
        loaded = load_prices_any(wanted, data_dir=directory, cache_dir=cache_dir, provider=study.data.provider, pull=pull)
    sources = dict(loaded.sources)
    hashes: dict[Path, dict[str, object]] = dict(loaded.hashes)
    if long_file is not None:
        sources.update(dict.fromkeys(symbols, long_file))
        hashes[long_file] = file_stamp(long_file)  # a streamed file's blocks are read later: as it is when the run starts
    listed = universe_file(study)
    if listed is not None:
        hashes[listed] = file_stamp(listed)
    return UniverseInput(directory, symbols, loaded.frame, stocks, panel_file, sources, (*notes, *loaded.notes), file_dates, hashes)


def _long_file(study: Study, directory: Path | None) -> Path | None:
    """The universe's long data file (``universe: {data_file: ...}``), if it has one."""
    spec = study.universe
    if spec is None or spec.data_file is None or directory is None:
        return None
    path = data_file_path(directory, study)
    return path if path.is_file() else None


_SYMBOL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-^=_/]{0,31}$|^\^[A-Za-z0-9.\-=_]{1,31}$")


def data_file_path(directory: Path, study: Study) -> Path:
    """The study's ``universe: {data_file: NAME}`` in ``directory``; a path outside it must
    be written absolute (``../../etc/passwd`` is refused, not opened, where it is written)."""
    assert study.universe is not None and study.universe.data_file is not None
    name = str(study.universe.data_file)
    given = Path(name).expanduser()
    if given.is_absolute():
        return given
    if ".." in given.parts:
        raise ConfigError(
            f"the universe's data_file {name!r} leaves the data directory",
            hint="name a file in the data directory, or write the absolute path of a file elsewhere",
            location=study.source.location(("universe", "data_file")),
        )
    return directory / given


