"""Resampled histories of a study's series, prepared as a panel: one row per history.

The null for rules on prices (:mod:`eventstudy.inference.histories`) re-runs a study on
histories that could have happened but in which nothing predicts returns: the daily log
returns of all the study's series are resampled jointly with the stationary bootstrap
(the same blocks of days for every series, :mod:`eventstudy.inference.resample`),
prices rebuilt from the first common close, and then, exactly as for the real data,
features on each history, the condition, the trigger and every tested outcome.

A batch of B histories is a :class:`~eventstudy.panel.Panel` of B rows on the study's
calendar, so the engine's own events stage (window, per-row declustering) runs on it
unchanged. Everything is vectorized over histories: features and the condition are one
polars pass over the batch's rows (cumulative features grouped by history, windowed
ones over the whole column with the rows nearer a history's start nulled), outcomes come
from the evaluators' panel path (:meth:`~eventstudy.evaluators.Evaluator.panel` on a
block with ``own_days``).

What a resampled history cannot have: its own past before the study's calendar, and open
prices (an entry at the next open is not supported). A series older than the others keeps
its real closes before the first common date (``HistorySource.closes_before``), and every
history's features read them as the real series' do there: its all-time high and low, and
the day of that high, start each history's ``ath``, ``drawdown``, ``at ATH``, ``at ATL`` and
``days_since_ath``; its windowed features (moving averages, N-day highs, returns, RSI,
volatility) are computed on the earlier closes they read followed by the history, so a
history's first day is as known as the data's.

A universe's histories (:class:`UniverseHistorySource`) resample whole days the same
way: day ``t`` of a history takes, for every stock and every market series, the return
of the same real day, so the cross-section of a day stays together (a market-wide day
lifts many stocks at once, as in the data). Each stock keeps its own trading days
(listing, delisting, gaps). A history is a universe of its own, prepared by the same
blocks as the real one (:func:`eventstudy.universe.prepare_universe`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import polars as pl

from eventstudy.conditions import compile_condition, parse, required_features, resolve
from eventstudy.conditions.compiler import GROUP_ROW, reads_group_rows
from eventstudy.config import Study
from eventstudy.data import EXTRAS
from eventstudy.derived import add_derived, is_derived
from eventstudy.errors import DataError
from eventstudy.evaluators import Evaluator, PanelBlock, build_evaluators, run_panel
from eventstudy.features import (
    check_feature,
    column_name,
    compute_features,
    earlier_rows,
    feature_key,
)
from eventstudy.inference.resample import optimal_block_length, rebuild_prices, volatility_states
from eventstudy.measures import Measures
from eventstudy.own_events import with_event_columns
from eventstudy.panel import ConditionHits, Panel, empty_cells

__all__ = ["RUNNING_EXTREMES", "HistorySource", "UniverseHistorySource", "calendar_gaps", "calendar_mismatch", "history_features", "history_panel", "running", "running_extreme", "unsupported_measures"]


class _Grid(NamedTuple):
    """A batch's rows (history-major): each row's position in its history, its history
    (and as the ``symbol`` column), its date, the history as int64 (``run``), the rows
    after it in its history, and each history's first row."""

    position: np.ndarray
    history: np.ndarray
    dates: pl.Series
    symbol: pl.Series
    run: np.ndarray
    rows_after: np.ndarray
    firsts: np.ndarray


@dataclass(frozen=True)
class HistorySource:
    """What every batch of histories is built from: the study's series on its calendar.

    Attributes
    ----------
    days
        The study calendar (``datetime64[D]``).
    names
        The study's series names (columns of ``log_returns``).
    first
        ``(k,)`` each series' close on the first day.
    log_returns
        ``(T - 1, k)`` daily log returns on the calendar (a day a series was carried
        forward counts as a zero return).
    block_length
        The mean block length of the stationary bootstrap (trading days).
    closes_before
        Per series name, its closes before the first day, in date order (a series whose
        data start there has none): what the histories' features read before their first
        day (:func:`running_extreme`, :func:`history_features`).
    states
        Each daily return's volatility state (:func:`~eventstudy.inference.resample.volatility_states`
        of ``log_returns``): what the histories' blocks are matched on.
    """

    days: np.ndarray
    names: list[str]
    first: np.ndarray
    log_returns: np.ndarray
    block_length: float
    closes_before: Mapping[str, np.ndarray] = field(default_factory=dict)
    _grids: dict[tuple[int, int], _Grid] = field(default_factory=dict, compare=False, repr=False)

    @property
    def states(self) -> np.ndarray:
        return volatility_states(self.log_returns)

    def grid(self, n_hist: int, lead: int = 0) -> _Grid:
        """The row layout of a batch of ``n_hist`` histories (made once per batch size:
        every chunk but the last shares it), each after ``lead`` earlier rows (dated the
        first day: :func:`history_features`)."""
        if (n_hist, lead) not in self._grids:
            day_numbers = self.days.astype("datetime64[D]").astype(np.int64).astype(np.int32)  # a Date's storage
            day_numbers = np.concatenate([np.repeat(day_numbers[:1], lead), day_numbers])
            n_days = day_numbers.size
            position = np.tile(np.arange(n_days, dtype=np.int64), n_hist)
            history = np.repeat(np.arange(n_hist, dtype=np.int32), n_days)
            self._grids[(n_hist, lead)] = _Grid(
                position=position,
                history=history,
                dates=pl.Series("date", np.tile(day_numbers, n_hist)).cast(pl.Date),
                symbol=pl.Series("symbol", history),
                run=history.astype(np.int64),
                rows_after=n_days - 1 - position,
                firsts=np.arange(n_hist, dtype=np.int64) * n_days,
            )
        return self._grids[(n_hist, lead)]

    @classmethod
    def of(
        cls, timeline: pl.DataFrame, days: np.ndarray, names: list[str], block_length: float | None = None,
        closes_before: Mapping[str, np.ndarray] | None = None,
    ) -> HistorySource:
        """The source of a study's timeline (``{name}.close`` columns on ``days``);
        ``block_length`` None: the largest Politis-White length over the series' daily
        returns. (Over absolute returns it is ~200 days: the histories then keep most of
        the real path, rule and returns together, and the test rejects 1% of true nulls at
        5%; benchmarks/calibrate.py measured it.) ``closes_before``: per series, its closes
        before ``days`` (:attr:`eventstudy.panel.Panel.closes_before`)."""
        closes = timeline.select(pl.col(f"{name}.close").cast(pl.Float64) for name in names).to_numpy()
        if closes.shape[0] < MIN_DAYS:
            shown = ", ".join(names)
            raise DataError(
                f"the resampled histories need at least three days of the study's series, and {shown} "
                f"{'has' if len(names) == 1 else 'have'} {closes.shape[0]} on the study calendar",
                hint="use data with more days (the histories resample the series' daily returns)",
            )
        if calendar_gaps(timeline, names):
            raise DataError("the histories null needs positive closes on every day of the study calendar")
        log_returns = np.diff(np.log(closes), axis=0)
        if block_length is None:
            block_length = float(np.max(np.atleast_1d(optimal_block_length(log_returns))))
        return cls(
            days=days, names=list(names), first=closes[0], log_returns=log_returns, block_length=max(1.0, block_length),
            closes_before=dict(closes_before or {}),
        )


MIN_DAYS = 3
"""The fewest days of the study calendar resampled histories are built from (two daily
returns): a default null with fewer is the runs null (:func:`eventstudy.null_choice.choose_null`)."""


def calendar_gaps(timeline: pl.DataFrame, names: Sequence[str]) -> dict[str, int]:
    """Per series with any, the days of the study calendar without a positive close:
    ``data: {align: ffill}`` leaves a series unknown before its first close and past
    ``max_stale`` days without one. The histories null rebuilds every series on every
    day from its returns, so it can use none of them.

    >>> calendar_gaps(pl.DataFrame({"A.close": [1.0, None, float("nan"), float("inf"), -1.0], "B.close": [1.0] * 5}), ["A", "B"])
    {'A': 4}
    """
    close = {name: pl.col(f"{name}.close").cast(pl.Float64) for name in names}
    counts = timeline.select(  # polars orders NaN above every number: finite is asked apart
        (~((c > 0) & c.is_finite()).fill_null(False)).sum().alias(name) for name, c in close.items()
    ).row(0, named=True)
    return {name: int(n) for name, n in counts.items() if n}


def calendar_mismatch(days: int, own_days: Mapping[str, int]) -> dict[str, int]:
    """Per series whose own trading days over the study calendar's span are more than
    twice the calendar's days, or fewer than half: a monthly series beside daily prices,
    whichever the alignment (``inner`` keeps the monthly dates, ``ffill`` the daily
    ones). The histories null rebuilds every series on the calendar and counts features
    and horizons in its days, so there a 21-day horizon or a ``return(1)`` would span
    another length of time than in the data. Its value: the series' own days.

    >>> calendar_mismatch(281, {"SPX": 9212, "UNRATE": 439})
    {'SPX': 9212}
    """
    return {name: n for name, n in own_days.items() if n > 2 * days or 2 * n < days}


RUNNING_EXTREMES = ("ath", "drawdown", "at_ath", "at_atl", "days_since_ath")
"""Features computed row by row in numpy on a batch's ``(B, T)`` closes
(:func:`running_extreme`): the cumulative ones of the condition language's commonest
tests, which polars can only compute per history (``.over``, about 5x slower here)."""


RUNNING_BLOCK = 16
"""Days per block of :func:`running` (16 float32 closes: one cache line)."""


def running(extreme: np.ufunc, values: np.ndarray) -> np.ndarray:
    """``extreme.accumulate(values, axis=1)`` for ``np.maximum`` or ``np.minimum`` on a 2-D
    array, computed in blocks of :data:`RUNNING_BLOCK` days: the running extreme within
    every block at once (one strided pass per day of a block), then each block's carry
    from the blocks before it. The same values (a max or min is exact in any order), in
    about half the time of numpy's accumulate, which takes one dependent step per element.
    """
    rows, days = values.shape
    if days < 2 * RUNNING_BLOCK:
        return extreme.accumulate(values, axis=1)
    width = -(-days // RUNNING_BLOCK) * RUNNING_BLOCK
    out = np.empty((rows, width), dtype=values.dtype)
    out[:, :days] = values
    out[:, days:] = values[:, -1:]  # padding after the last day changes no earlier value
    blocks = out.reshape(rows, width // RUNNING_BLOCK, RUNNING_BLOCK)
    for day in range(1, RUNNING_BLOCK):  # a loop over the days of a block, each a pass over every block
        extreme(blocks[:, :, day], blocks[:, :, day - 1], out=blocks[:, :, day])
    carry = extreme.accumulate(blocks[:, :, -1], axis=1)
    extreme(blocks[:, 1:, :], carry[:, :-1, None], out=blocks[:, 1:, :])
    return out[:, :days]


def running_extreme(name: str, closes: np.ndarray, firsts: np.ndarray, before: np.ndarray | None = None) -> pl.Series | None:
    """Feature ``name`` (one of :data:`RUNNING_EXTREMES`, else None) of each row of
    ``closes`` (``(B, T)`` float32, finite), flattened row-major, with the values the
    registry's polars definitions give on each history: the float64 closes' running max
    (``ath``), ``1 - close / ath`` (``drawdown``), ``close >= max`` (``at_ath``) or
    ``<= min`` (``at_atl``) of the earlier closes, unknown (null) on each history's first
    day (``firsts``: those rows), and the days since the last close at the running max
    (``days_since_ath``). ``before``: the series' closes before the histories' first day
    (None or none: its data start there), as float32 like the histories': its highest and
    lowest start the running max and min, the first day is then known too, and the day of
    that high counts the days since it until a history reaches it."""
    if name not in RUNNING_EXTREMES or not np.isfinite(closes).all():
        return None
    earlier = np.asarray(before if before is not None else (), dtype=np.float32)
    known = earlier.size > 0  # the first day is known too
    if name in ("ath", "drawdown", "days_since_ath"):
        ath = running(np.maximum, closes)  # float32 maxima are the float64 ones
        if known:
            np.maximum(ath, earlier.max(), out=ath)
        if name == "ath":
            return pl.Series(ath.astype(np.float64).ravel())
        if name == "days_since_ath":  # a close at the running max is a high's day; before the first, the earlier high's
            day = np.arange(closes.shape[1], dtype=np.int64)
            since = earlier.size - int(np.flatnonzero(earlier == earlier.max())[-1]) if known else 0
            return pl.Series((day - running(np.maximum, np.where(closes >= ath, day, -since))).ravel())
        share = np.divide(closes, ath, dtype=np.float64)  # the float64 quotient of the exact float64 closes, in one pass
        return pl.Series(np.subtract(1.0, share, out=share).ravel())
    extreme, compare = (np.maximum, np.greater_equal) if name == "at_ath" else (np.minimum, np.less_equal)
    before_value = (earlier.max() if name == "at_ath" else earlier.min()) if known else np.float32(np.nan)
    flag = np.empty(closes.shape, dtype=bool)
    flag[:, 0] = compare(closes[:, 0], before_value) if known else False
    so_far = running(extreme, closes[:, :-1])
    if known:
        extreme(so_far, before_value, out=so_far)
    compare(closes[:, 1:], so_far, out=flag[:, 1:])
    found = pl.Series(flag.ravel())
    return found if known else found.scatter(firsts, None)


def history_features(
    source: HistorySource, closes: np.ndarray, requests: Sequence[tuple[str, tuple[int, ...]]], before: np.ndarray | None = None
) -> dict[tuple[str, tuple[int, ...]], pl.Series]:
    """The registry's features ``requests`` (``(name, args)`` pairs) of each row of
    ``closes`` (``(B, T)`` float32: one series' histories on ``source``'s calendar),
    flattened row-major, computed on the series' closes before the first day (``before``,
    as float32 like the histories') followed by each history, then without those earlier
    rows: as many of them as the longest of the features reads
    (:func:`~eventstudy.features.earlier_rows`: for ``ema`` and ``rsi`` those that still
    weigh in them at float64 precision; all of them for a cumulative one without its own
    path here, a plug-in's), so a history's first day is as known as the data's."""
    n_hist = closes.shape[0]
    earlier = np.asarray(before if before is not None else (), dtype=np.float32)
    reads = [earlier_rows(feat, args) for feat, args in requests]
    lead = min(earlier.size, max((earlier.size if r is None else r for r in reads), default=0))
    grid = source.grid(n_hist, lead)
    rows = np.concatenate([np.broadcast_to(earlier[earlier.size - lead :], (n_hist, lead)), closes], axis=1) if lead else closes
    prices = pl.DataFrame({"date": grid.dates, "symbol": grid.history, "close": rows.ravel()})
    found = compute_features(prices, requests, position=grid.position)
    if lead:
        found = found.filter(pl.Series(grid.position >= lead))
    return {(feat, args): found[feature_key(feat, args)] for feat, args in requests}


def history_panel(
    source: HistorySource,
    study: Study,
    indices: np.ndarray,
    evaluators: list[Evaluator] | None = None,
    conditions: Sequence[tuple[str, str]] | None = None,
) -> Panel:
    """B resampled histories (``indices``: ``(B, T - 1)`` stationary-bootstrap day indices
    into the log returns) as a panel of B rows: the hits (trigger applied) of the study's
    condition, or of each of ``conditions`` (``(when, trigger)`` pairs on the study's
    series: a sweep's grid cells, whose features are computed once), and one ``(B, T)``
    float32 array per tested outcome cell."""
    n_hist, n_days = indices.shape[0], source.days.size
    # float32 closes: the null's returns need 7 digits, and half the memory and time; each
    # series' (B, T) block contiguous, so its rows are one flat column without a copy
    closes = np.empty((len(source.names), n_hist, n_days), dtype=np.float32)
    rebuild_prices(source.first, source.log_returns, indices, out=closes.transpose(1, 2, 0))
    series = list(study.series)
    wanted_hits = list(dict.fromkeys(conditions if conditions is not None else [(study.when, study.trigger)]))
    nodes = {when: resolve(parse(when), series) for when, _ in wanted_hits}
    requests = list(dict.fromkeys(r for node in nodes.values() for r in required_features(node)))
    grid = source.grid(n_hist)
    position, dates = grid.position, grid.dates
    columns: dict[str, pl.Series] = {}
    for k, name in enumerate(source.names):
        wanted = [(r.name, tuple(r.args)) for r in requests if r.series == name]
        before = source.closes_before.get(name)
        rest = []
        for feat, args in wanted:
            found_row = running_extreme(check_feature(feat, args).name, closes[k], grid.firsts, before) if not args else None
            if found_row is None:
                rest.append((feat, args))
            else:
                columns[column_name(name, feat, args)] = found_row
        for (feat, args), found_values in (history_features(source, closes[k], rest, before) if rest else {}).items():
            columns[column_name(name, feat, args)] = found_values
    # the histories keep the real calendar: calendar terms (month, weekday, ...) read its dates
    frame = pl.DataFrame([grid.symbol, dates, *(s.alias(k) for k, s in columns.items())])
    frame = with_event_columns(frame, study.event_sets, group="symbol")  # your own events: on the same real dates
    if any(is_derived(r) for r in requests):
        frame = add_derived(frame, requests, dates=dates, groups=frame["symbol"], position=position)
    tests = {when: compile_condition(node, over="symbol", position=GROUP_ROW) for when, node in nodes.items()}
    if reads_group_rows(tests.values()):  # lags or trading-day counts: over the whole column
        frame = frame.with_columns(pl.Series(GROUP_ROW, position))
    masks = frame.select(test.fill_null(False).alias(when) for when, test in tests.items())
    hits: dict[tuple[str, str], ConditionHits] = {}
    for when, trigger in wanted_hits:
        hit = masks[when].to_numpy()
        if trigger == "edge":  # true today, and not the history's previous day
            previous = np.concatenate([[False], hit[:-1]])
            previous[grid.firsts] = False
            hit = hit & ~previous
        flat = np.flatnonzero(hit).astype(np.int64)
        hits[(when, trigger)] = ConditionHits(flat, position[flat], pl.DataFrame())

    unknown = np.broadcast_to(np.float32(np.nan), (n_hist * n_days,))  # a history has its named series' closes only
    block = PanelBlock(
        close=unknown,
        open=unknown,
        rows_after=grid.rows_after,
        label="history",
        run=grid.run,
        series={name: closes[k].ravel() for k, name in enumerate(source.names)},
        own_days=True,
        width=n_days,
    )
    evaluators = evaluators if evaluators is not None else build_evaluators(study.evaluators)
    cells, values, measures = [], [], Measures()
    for evaluator in evaluators:
        if not evaluator.tested:
            continue
        found_cells = run_panel(evaluator, block)
        if found_cells is None:
            raise DataError(f"the evaluator {evaluator.name!r} cannot be computed on resampled histories")
        for cell in found_cells:
            measures = measures.add(evaluator.measure_entry(cell.measure))
            cells.append((cell.measure, cell.asset, cell.horizon, cell.horizon_days))
            values.append(cell.values.astype(np.float32, copy=False).reshape(n_hist, n_days))
    frame_cells = pl.DataFrame(cells, schema=dict(empty_cells().schema), orient="row") if cells else empty_cells()
    return Panel(
        kind="histories",
        days=source.days,
        symbols=[f"history {i}" for i in range(n_hist)],
        cells=frame_cells,
        values=values,
        pending=[(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)) for _ in values],
        hits=hits,
        present=np.broadcast_to(np.True_, (n_hist, n_days)),
        measures=measures,
    )


@dataclass(frozen=True)
class UniverseHistorySource:
    """What a universe's resampled histories are built from: every stock's daily log
    returns on the universe calendar, and the market series' (see the module docstring).

    Attributes
    ----------
    days
        The universe calendar (``datetime64[D]``, ``T`` days).
    symbols
        The stocks, sorted (the rows of ``log_returns``).
    log_returns
        ``(S, T - 1)``: each stock's log return into day ``t + 1`` from its previous
        trading day (a gap's whole move lands on the day it trades again); NaN where it
        does not trade that day, or has not traded before.
    rows
        Flat indices ``stock * T + day`` of the stocks' trading days, in symbol order.
    first_day, first
        Each stock's first trading day (index) and its close then.
    market
        The market series on the calendar (None: the study names none).
    market_symbols
        The market series' symbols, per series name.
    block_length
        The mean block length of the stationary bootstrap (trading days).
    """

    days: np.ndarray
    symbols: list[str]
    log_returns: np.ndarray
    rows: np.ndarray
    first_day: np.ndarray
    first: np.ndarray
    market: HistorySource | None
    market_symbols: dict[str, str]
    block_length: float
    row_dates: pl.Series
    row_symbols: pl.Series

    @classmethod
    def of(cls, panel: Panel, study: Study, block_length: float | None = None, longest_horizon: int = 1) -> UniverseHistorySource:
        """The source of a universe ``panel`` prepared with ``keep_closes``; ``block_length``
        None: the largest of the Politis-White lengths over the market series' daily
        returns, the stocks' average daily return (the common part, whose dependence
        matters most) and its square (the common volatility), and ``longest_horizon``
        (trading days). Returns alone show almost no dependence and give blocks of 1-3
        days, which scatter the calm and turbulent stretches that decide when many stocks
        make highs together, and cut every long forward window into unrelated pieces. On
        GARCH factor panels (benchmarks/calibrate_universe.py --factor 0.25 --histories 49,
        horizons 1w-6m, 100 panels) blocks of 1-3 days rejected 10/10/12/20% at 5%
        (1w/1m/3m/6m), the volatility's length (30-70 days) 1/2/4/10%, 63 days 0/2/2/6%,
        and 126 days, the longest horizon, 0/1/3/3%."""
        if panel.closes is None:
            raise ValueError("the panel was prepared without its closes (prepare_universe(..., keep_closes=True))")
        closes = panel.closes
        n_days = panel.days.size
        if n_days < 3:
            raise DataError("a history needs at least three days of the universe's calendar")
        present = panel.present & np.isfinite(closes) & (closes > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_close = np.where(present, np.log(np.where(present, closes, 1.0)), np.nan)
        last_seen = np.maximum.accumulate(np.where(present, np.arange(n_days), -1), axis=1)
        carried = np.take_along_axis(log_close, np.maximum(last_seen, 0), axis=1)
        carried[last_seen < 0] = np.nan
        log_returns = carried[:, 1:] - carried[:, :-1]
        log_returns[~present[:, 1:]] = np.nan
        has_day = present.any(axis=1)
        first_day = np.where(has_day, present.argmax(axis=1), 0)
        first = np.where(has_day, closes[np.arange(closes.shape[0]), first_day], 1.0)
        names = list(dict.fromkeys(study.series))
        market = HistorySource.of(panel.frame, panel.days, names, block_length) if names and panel.frame is not None else None
        if block_length is None:
            known = ~np.isnan(log_returns)
            average = np.where(known, log_returns, 0.0).sum(axis=0) / np.maximum(known.sum(axis=0), 1)
            lengths = [float(length) for length in np.atleast_1d(optimal_block_length(np.column_stack([average, average**2])))]
            if market is not None:
                lengths.append(market.block_length)
            block_length = max(*lengths, float(longest_horizon))
        rows = np.flatnonzero(present.ravel())
        symbols = pl.Series("symbol", list(panel.symbols), dtype=pl.String)
        return cls(
            days=panel.days, symbols=list(panel.symbols), log_returns=log_returns, rows=rows,
            first_day=first_day, first=first, market=market, market_symbols={n: study.series[n] for n in names},
            block_length=max(1.0, float(block_length)),
            row_dates=pl.Series("date", panel.days[rows % n_days]).cast(pl.Date),
            row_symbols=symbols.gather(rows // n_days),
        )

    def history(self, indices: np.ndarray) -> tuple[pl.DataFrame, pl.DataFrame, float]:
        """One resampled history (``indices``: ``(T - 1,)`` day indices): the market
        series' closes and the stocks' (long frames ``date, symbol, close, open``, the
        stocks sorted by symbol and date), and the share of stock-days that drew a day
        the stock did not trade (a flat day)."""
        n_stocks, n_days = len(self.symbols), self.days.size
        drawn = self.log_returns[:, indices]
        on_own_days = np.zeros((n_stocks, n_days), dtype=bool)
        on_own_days.ravel()[self.rows] = True
        after_first = np.arange(1, n_days)[None, :] > self.first_day[:, None]
        missing = np.isnan(drawn) & on_own_days[:, 1:] & after_first
        flat_share = float(missing.sum()) / max(1, self.rows.size)
        level = np.zeros((n_stocks, n_days))
        np.cumsum(np.nan_to_num(drawn, nan=0.0), axis=1, out=level[:, 1:])
        level -= level[np.arange(n_stocks), self.first_day][:, None]
        closes = (self.first[:, None] * np.exp(level)).ravel()[self.rows]
        stocks = pl.DataFrame({"date": self.row_dates, "symbol": self.row_symbols, "close": closes}).with_columns(
            pl.lit(None, pl.Float64).alias(name) for name in EXTRAS  # resampled closes only
        )
        market = []
        if self.market is not None:
            rebuilt = rebuild_prices(self.market.first, self.market.log_returns, indices[None, :])[0]
            seen: set[str] = set()
            for k, name in enumerate(self.market.names):
                symbol = self.market_symbols[name]
                if symbol in seen:
                    continue
                seen.add(symbol)
                market.append(pl.DataFrame({"date": pl.Series(self.days).cast(pl.Date), "symbol": symbol, "close": rebuilt[:, k]}))
        prices = (pl.concat(market) if market else stocks.clear().drop(*EXTRAS)).with_columns(pl.lit(None, pl.Float64).alias(name) for name in EXTRAS)
        return prices, stocks, flat_share


def unsupported_measures(study: Study) -> list[str]:
    """The tested evaluators of ``study`` that cannot run on resampled histories (no panel
    path for the study's named series, or opens a history does not have)."""
    tiny = HistorySource(
        days=np.arange(4).astype("datetime64[D]"), names=list(study.series), first=np.ones(len(study.series)),
        log_returns=np.zeros((3, len(study.series))), block_length=1.0,
    )
    block = PanelBlock(
        close=np.full(4, np.nan), open=np.full(4, np.nan), rows_after=np.arange(3, -1, -1), label="history",
        run=np.zeros(4, dtype=np.int64), series={name: np.ones(4) for name in tiny.names}, own_days=True,
    )
    return list(dict.fromkeys(ev.name for ev in build_evaluators(study.evaluators) if ev.tested and run_panel(ev, block) is None))  # each named once
