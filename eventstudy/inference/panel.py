"""Significance for universe studies, where events on the same date are not independent.

Events of a universe study are ``(symbol, date)`` pairs; many stocks make a 52-week high
on the same good day, so pooling them as if independent overstates the evidence. The
nulls here keep the study's cross-sectional structure:

``dates`` (the headline placebo): every event keeps its date and the stocks are relabelled:
    placebo ``b`` draws one random permutation of the symbols and moves all of stock
    ``s``'s events to stock ``pi_b(s)`` (where that stock has no value on an event's day,
    a stock with one that day is drawn at random instead). The events' dates, and so their
    market backdrop, are held fixed: the test asks whether *these stocks* did better than
    other stocks on the same days. Moving a stock's events together keeps what a long
    horizon makes of them: one stock's events 21 days apart share most of their 6-month
    windows, and so do the placebo stock's; redrawing each event's symbol on its own (the
    first version) made the placebo mean's spread too narrow (sd of its z-score 1.17 at 6m,
    10% rejections at 5% on factor panels: benchmarks/calibrate_universe.py). A rule on
    prices picks stocks after large moves, when their volatility is up, so each drawn
    return's deviation from its day's mean is scaled to the event stock's forecast
    volatility over the horizon relative to the day's stocks
    (:mod:`eventstudy.inference.volatility`; returns of the stocks only): unscaled, the
    null was a little too narrow on GARCH panels (7% at 1w and 1m, 9-10% with a 126-day
    gap).
``symbols`` (reported beside it): every event keeps its symbol; its date is redrawn among
    that symbol's days in the window. Asks whether the *timing* mattered for these stocks.
    (The declustering rule is not re-applied to these draws.)

All cells use the same uniform draws, so placebo ``b`` is the same event set in every cell
and the max-statistic adjustment across cells is valid. The companions are the
calendar-time portfolio test (:func:`calendar_time`) and a t-test of the mean against the
baseline with Driscoll-Kraay errors (:func:`driscoll_kraay_t`: events summed by day, the
daily sums' long-run variance over the horizon, a fixed-b p-value); the two-way clustered
t (:func:`clustered_t`, by date and by stock) is kept as a function but no longer shown:
under a common market factor it rejected 10-43% of true nulls at 5%. The interval of the
mean of forward (and excess) returns comes from the daily returns inside the events'
windows (:func:`window_interval`); other measures keep a cluster (by date) bootstrap,
marked approximate (it sees neither a common factor across nearby dates nor one stock's
overlapping windows: it covered 26-80% on factor panels).

References
----------
Cameron, A. C. and Miller, D. L. (2015). A practitioner's guide to cluster-robust
inference. *Journal of Human Resources* 50(2), 317-372.
Kothari, S. P. and Warner, J. B. (2007). Econometrics of event studies. In *Handbook of
Corporate Finance*, vol. 1, 3-36 (event clustering in calendar time).
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from eventstudy import progress
from eventstudy.config import StatisticsSpec, Study
from eventstudy.errors import option
from eventstudy.executor import ThreadExecutor
from eventstudy.inference.classical import fixed_b_pvalue, newey_west
from eventstudy.inference.distributions import norm_cdf, norm_ppf, norm_sf, t_sf
from eventstudy.inference.multiple import benjamini_hochberg, holm, maxstat_stepdown
from eventstudy.inference.placebo import median_of, placebo_test
from eventstudy.inference.power import (
    NEFF_WARNING,
    effective_sample_size,
    statistic_mde,
)
from eventstudy.inference.table import (
    MIN_TESTED,
    SIGNIFICANCE_SCHEMA,
    not_tested_on,
    too_few_warning,
)
from eventstudy.inference.volatility import (
    DECAY,
    LONG,
    DayTotals,
    day_totals,
    forecast_ratio,
    window_variances,
)
from eventstudy.measures import measures_named
from eventstudy.null_choice import picks_by_own_prices
from eventstudy.panel import Panel, values_at

__all__ = [
    "CALENDAR_EVALUATORS",
    "CALENDAR_NOTE",
    "MAX_DRAWS",
    "PANEL_SCHEMA",
    "UNSCALED",
    "CellMoments",
    "Draws",
    "EventWindows",
    "Moments",
    "calendar_time",
    "calibration_warnings",
    "clustered_t",
    "count_true",
    "dates_untested",
    "driscoll_kraay_t",
    "entry_lag",
    "keyed_uniform",
    "panel_significance",
    "placebo_chunks",
    "placebo_count",
    "run_dates_nulls",
    "symbol_keys",
    "volatility_scales",
    "window_interval",
    "window_intervals",
]

PANEL_SCHEMA = {
    **SIGNIFICANCE_SCHEMA,
    "p_symbols_null": pl.Float64(),
    "t_cluster": pl.Float64(),
    "p_cluster": pl.Float64(),
    "t_calendar": pl.Float64(),
    "p_calendar": pl.Float64(),
}
"""The significance table's columns, plus the 'symbols' null, the t-test clustered by date
and stock, and the calendar-time portfolio test (:func:`calendar_time`)."""

_STATS: dict[str, Callable[[np.ndarray], Any]] = {  # an array over the leading axes; a numpy scalar for 1-D
    "mean": lambda v: np.mean(v, axis=-1, dtype=np.float64),
    "median": lambda v: np.median(v, axis=-1),
    "pct_positive": lambda v: np.mean(v > 0, axis=-1),
}
"""Statistics over the last axis; the arrays they get hold no NaN (complete events only)."""

UNSCALED = frozenset({"pct_positive"})
"""Statistics whose 'dates' null keeps unscaled draws (:class:`Relabel`): the share positive,
whose exact moments (:func:`_moment_nulls`) cannot carry each event's ratio, so both ways
of testing it agree."""

MAX_DRAWS = 10_000_000
"""Placebo values drawn per cell and null at most (placebos x events). Up to it the nulls
are Monte Carlo draws; beyond it (hundreds of thousands of events) the mean and the
share positive use the nulls' exact moments with a normal shape instead, and the median
is not tested (the run says so)."""

NORMAL_REPS = 10_000
"""Joint normal draws behind the max-statistic adjustment of the moment-based nulls."""


def placebo_count(placebos: int, n_events: int) -> int:
    """The Monte Carlo placebos a universe study draws: as asked if ``placebos x events``
    fits :data:`MAX_DRAWS`, else 0 (the moment-based nulls are used)."""
    if n_events == 0 or placebos * n_events <= MAX_DRAWS:
        return placebos
    return 0


def calendar_time(
    daily: np.ndarray, s_idx: np.ndarray, d_idx: np.ndarray, horizons: Sequence[int], rows_per_chunk: int = 256,
    totals: DayTotals | None = None, lag: int = 0,
) -> dict[int, tuple[float, float, int]]:
    """The calendar-time portfolio test of a universe's events, per horizon: ``(t, p, days)``.

    Each calendar day, the portfolio holds (equally weighted) the stocks that had an event
    in the last ``h`` days, counting the event day itself: the days whose next-day return
    is part of the event's ``h``-day forward return (``lag``: days from the event to the
    entry, 1 for an entry at the next close; the stock is then held on days
    ``d + lag .. d + lag + h - 1``, not on the event day, whose next-day return that
    entry leaves out). Its daily return minus that of all
    stocks with a return that day is the day's excess; the test is a t-test of the mean
    daily excess over the days the portfolio holds any stock, with Newey-West errors (lag
    ``floor(4 (T/100)^(2/9))``, Bartlett kernel), p from Student's t.

    Why it holds its level where the pooled mean's tests do not: a stock is in the
    portfolio on day t because of events before t only, so its return that day is not
    selected, and a stock whose events overlap is held once, not counted once per event;
    days, not events, are the observations, so the cross-section needs no clustering.
    ``daily`` is ``(symbols, days)`` of next-day simple returns (NaN: none); ``s_idx``,
    ``d_idx`` the events' symbol and day indices. One pass over ``daily`` serves every
    horizon; ``totals``: the all-stocks sums and counts per day
    (:func:`~eventstudy.inference.volatility.day_totals`), if already taken.

    References
    ----------
    Jaffe, J. F. (1974). Special information and insider trading. *Journal of Business*
    47(3), 410-428. Fama, E. F. (1998). Market efficiency, long-term returns, and
    behavioral finance. *Journal of Financial Economics* 49(3), 283-306.
    """
    n_symbols, n_days = daily.shape
    horizons = list(dict.fromkeys(int(h) for h in horizons))
    if s_idx.size == 0 or n_days == 0:
        return {h: (math.nan, math.nan, 0) for h in horizons}
    width = n_days + 1
    events = _counted(np.asarray(s_idx, dtype=np.int64) * width + np.asarray(d_idx, dtype=np.int64))[0]
    stock, day = np.divmod(events, width)
    day = np.minimum(day + lag, n_days)  # the first day held (past the end: never held)
    # per horizon, each stock's held stretches: its windows [d + lag, d + lag + h) merged where
    # they overlap or touch, so a stretch's first and past-the-end days are the edges of "held"
    stretches, held_n = {}, {}
    for h in horizons:
        end = np.minimum(day + h, n_days)
        first = np.flatnonzero(np.concatenate([[True], (stock[1:] != stock[:-1]) | (day[1:] > end[:-1])]))
        last = np.append(first[1:], events.size) - 1
        stretches[h] = (stock[first] * width + day[first], stock[last] * width + end[last])
        # stocks held per day, every stock; those without a return that day come off per block
        held_n[h] = np.cumsum(np.bincount(day[first], minlength=width) - np.bincount(end[last], minlength=width))[:n_days].astype(np.float64)

    def chunk(lo: int) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """One block of symbols: each horizon's held stocks' sums per day and those held on
        days without a return."""
        part = daily[lo : lo + rows_per_chunk]
        rows = part.shape[0]
        unknown = np.divmod(np.flatnonzero(np.isnan(part)), n_days)  # few: (rows, days) of the NaNs
        filled = part.copy()
        filled[unknown] = 0
        held_by_h = {}
        for h in horizons:  # +1 where a stretch starts, -1 past its end; the running sum (0 or 1) is "held"
            opens, closes = (keys[slice(*np.searchsorted(keys, [lo * width, (lo + rows) * width]))] - lo * width for keys in stretches[h])
            if opens.size == 0:
                continue
            steps = np.concatenate([np.ones(opens.size, dtype=np.int64), np.full(closes.size, -1, dtype=np.int64)])
            held = running_sum(_unpadded(np.concatenate([opens, closes]), width), steps, rows * n_days, np.bool_).reshape(rows, n_days)
            off = np.bincount(unknown[1], weights=held[unknown], minlength=n_days) if unknown[0].size else np.zeros(n_days)
            held_by_h[h] = (np.einsum("ij,ij->j", held, filled, dtype=np.float64), off)
        return held_by_h

    all_sum, all_n = totals if totals is not None else day_totals(daily, rows_per_chunk)
    held_sum = {h: np.zeros(n_days) for h in horizons}
    with ThreadExecutor() as pool:  # numpy releases the GIL; results come in order, so the sums are reproducible
        for held_by_h in pool.imap(chunk, list(range(0, n_symbols, rows_per_chunk))):
            for h, (hs, off) in held_by_h.items():
                held_sum[h] += hs
                held_n[h] -= off
    return {h: _mean_daily_excess(held_sum[h], held_n[h], all_sum, all_n) for h in horizons}


def _mean_daily_excess(held_sum: np.ndarray, held_n: np.ndarray, all_sum: np.ndarray, all_n: np.ndarray) -> tuple[float, float, int]:
    """Newey-West t-test of the portfolio's mean daily excess (see :func:`calendar_time`)."""
    days = (held_n > 0) & (all_n > 0)
    excess = held_sum[days] / held_n[days] - all_sum[days] / all_n[days]
    t_days = int(excess.size)
    if t_days < 3:
        return math.nan, math.nan, t_days
    lag = int(4 * (t_days / 100) ** (2 / 9))
    mean = float(excess.mean())
    variance = float(newey_west(np.ones((t_days, 1)), excess - mean, lag)[0, 0])
    if not variance > 0:
        return math.nan, math.nan, t_days
    t = mean / math.sqrt(variance)
    return t, float(2 * t_sf(abs(t), t_days - 1)), t_days


def _cluster_variance(resid: np.ndarray, codes: np.ndarray) -> float:
    """Cluster-robust variance of a mean (with the small-sample factor G / (G - 1)) for
    cluster codes 0 .. G-1."""
    sums = np.bincount(codes, weights=resid)
    groups = sums.size
    return float(sums @ sums) / resid.size**2 * groups / max(groups - 1, 1)


def clustered_t(x: np.ndarray, clusters: np.ndarray, mu0: float, second: np.ndarray | None = None) -> tuple[float, float]:
    """t and two-sided p of ``mean(x) = mu0`` with standard errors clustered by ``clusters``,
    or two-way by ``clusters`` and ``second`` (Cameron, Gelbach and Miller 2011:
    ``V = V_1 + V_2 - V_12``, never below ``V_1``; degrees of freedom from the smaller
    number of clusters).

    A universe's events are clustered by date (a good day lifts many stocks) and by
    stock (one stock's events overlap their forward windows when the horizon is longer
    than the declustering gap); clustering by date alone rejected 10.5% of true nulls at
    the 5% level for 6m returns with a 21-day gap (benchmarks/calibrate_universe.py).

    Examples
    --------
    >>> t, p = clustered_t(np.array([0.1, 0.2, -0.1, 0.3]), np.array([0, 0, 1, 2]), 0.0)
    >>> round(t, 3), round(p, 3)
    (1.411, 0.294)
    """
    n = x.size
    if n < 2:
        return math.nan, math.nan
    resid = x - x.mean()
    first = np.unique(clusters, return_inverse=True)[1].ravel()
    var, groups = _cluster_variance(resid, first), int(first.max()) + 1
    if second is not None:
        other = np.unique(second, return_inverse=True)[1].ravel()
        both = np.unique(first * (int(other.max()) + 1) + other, return_inverse=True)[1].ravel()
        var_2, var_12 = _cluster_variance(resid, other), _cluster_variance(resid, both)
        var, groups = max(var + var_2 - var_12, var), min(groups, int(other.max()) + 1)
    if groups < 2 or var <= 0:
        return math.nan, math.nan
    t = (x.mean() - mu0) / math.sqrt(var)
    return float(t), float(2 * t_sf(abs(t), groups - 1))


def driscoll_kraay_t(x: np.ndarray, days: np.ndarray, n_days: int, mu0: float, lag: int) -> tuple[float, float]:
    """t and two-sided fixed-b p of ``mean(x) = mu0`` with Driscoll-Kraay errors.

    The events' deviations are summed per calendar day (``days``: each event's day index
    among ``n_days``), so events on the same day, whatever their stock, move together; the
    daily sums then get a Newey-West (Bartlett) long-run variance with lag ``lag``, so
    events up to ``lag`` days apart (overlapping forward windows, of one stock or of
    many under a common factor) move together too:
    ``Var(mean) = (sum_d S_d^2 + 2 sum_{l<=L} (1 - l/(L+1)) sum_d S_d S_{d+l}) / n^2``.
    The p-value is the fixed-b one (Kiefer & Vogelsang 2005) with ``b = (L + 1) / T``,
    ``T`` the days from the first to the last event day: a long lag over a short span is
    not read as a normal t. Events on one day only give NaN: that day's sum is the whole
    deviation, so its variance is the deviation squared and ``t`` is +-1 whatever the data.

    References
    ----------
    Driscoll, J. C. and Kraay, A. C. (1998). Consistent covariance matrix estimation with
    spatially dependent panel data. *Review of Economics and Statistics* 80(4), 549-560.

    Examples
    --------
    >>> t, p = driscoll_kraay_t(np.array([0.1, 0.2, -0.1, 0.3]), np.array([0, 0, 5, 9]), 10, 0.0, 1)
    >>> round(t, 3)
    1.147
    """
    n = x.size
    if n < 2 or np.all(days == days[0]):
        return math.nan, math.nan
    sums = np.bincount(days, weights=x - mu0, minlength=n_days).astype(np.float64)
    first, last = int(days.min()), int(days.max())
    series = sums[first : last + 1]
    span = series.size
    lag = max(0, min(int(lag), span - 1))
    weights = 1 - np.arange(1, lag + 1) / (lag + 1)
    if lag and span > 1:
        size = 1 << math.ceil(math.log2(2 * span))
        spectrum = np.fft.rfft(series, size)
        autocov = np.fft.irfft(spectrum * np.conj(spectrum), size)[1 : lag + 1]
    else:
        autocov = np.zeros(0)
    variance = (float(series @ series) + 2 * float(weights @ autocov)) / n**2
    if not variance > 0:
        return math.nan, math.nan
    t = (float(x.mean()) - mu0) / math.sqrt(variance)
    return t, float(fixed_b_pvalue(t, min(1.0, (lag + 1) / span)))


def _cluster_interval(x: np.ndarray, clusters: np.ndarray, level: float, reps: int, rng: np.random.Generator) -> tuple[float, float]:
    _, inverse = np.unique(clusters, return_inverse=True)
    groups = inverse.max() + 1 if x.size else 0
    if groups < 2:
        return math.nan, math.nan
    sums = np.bincount(inverse, weights=x)
    sizes = np.bincount(inverse).astype(np.float64)
    draws = rng.integers(0, groups, size=(reps, groups), dtype=np.int32)  # the same numbers and stream as int64, half the memory
    means = sums[draws].sum(axis=1) / sizes[draws].sum(axis=1)
    tail = (1 - level) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return float(low), float(high)


def window_interval(
    daily: np.ndarray,
    s_idx: np.ndarray,
    d_idx: np.ndarray,
    x: np.ndarray,
    horizon: int,
    level: float,
    *,
    lag: int = 0,
    market: np.ndarray | None = None,
    days: tuple[np.ndarray, np.ndarray] | None = None,
    rows_per_chunk: int = 256,
) -> tuple[float, float]:
    """Interval of the mean of the events' ``horizon``-day returns ``x``, from the daily
    returns inside their windows (``days``: each window's first and past-the-end calendar
    day, when the stocks' own rows skip days: :func:`own_row_windows`).

    Up to compounding, an event's return is the sum of its stock's next-day returns over
    the ``horizon`` days from its entry (``lag`` days after the event), so the events'
    summed deviations from the expected return are a sum over calendar days of
    ``P_t = sum_s V[s, t] (r[s, t] - mu)``, ``V[s, t]`` the number of stock ``s``'s events
    whose window holds day ``t`` (``market``: the benchmark's next-day returns, subtracted
    for excess returns). ``V`` is known before day ``t``, so when returns are unpredictable
    the ``P_t`` are martingale differences and ``Var(sum) = sum E[P_t^2]``, estimated by
    ``sum P_t^2`` over the thousands of days the windows hold: a common factor on nearby
    dates (many stocks held the same day) and one stock's overlapping windows (``V > 1``)
    both enter ``P_t``, which a bootstrap of event dates misses (it covered 26% at 6m on
    factor panels). ``mu`` is the events' mean per day of window. The interval is
    ``mean +- z * sqrt(sum P_t^2) / n`` (normal quantile: a sum over thousands of days).
    ``daily`` is ``(symbols, days)`` next-day simple returns (NaN: none). Several cells
    over the same ``daily`` share one pass: :func:`window_intervals`.
    """
    cell = EventWindows(s_idx, d_idx, x, horizon, lag, market, days)
    return window_intervals(daily, [cell], level, rows_per_chunk=rows_per_chunk)[0]


@dataclass(frozen=True)
class EventWindows:
    """One cell's events for :func:`window_intervals`: their symbol and day indices, their
    ``horizon``-day returns ``x``, the entry ``lag`` (days after the event) and the
    ``market``'s next-day returns (excess returns; None: the stocks' own)."""

    s_idx: np.ndarray
    d_idx: np.ndarray
    x: np.ndarray
    horizon: int
    lag: int = 0
    market: np.ndarray | None = None
    days: tuple[np.ndarray, np.ndarray] | None = None
    """Each window's first and past-the-end day on the calendar, when a stock's own rows
    skip calendar days (:func:`own_row_windows`); None: ``d + lag`` and ``h`` days later."""


def skipping_rows(present: np.ndarray) -> np.ndarray:
    """Per row of ``present``, whether it lacks a calendar day between its first and its
    last (a stock's halt, a holiday of its own, missing rows): a few passes over the bits.
    The counts are taken from the bits' bytes (:func:`count_true`), and the last day is
    searched from the end only in the rows without the calendar's last day: a search of
    every row, reversed, read the grid backwards (0.02 of 0.04 s of CPU at 50M symbol-days)."""
    n_days = present.shape[1]
    count = count_true(present, axis=1)
    first = np.argmax(present, axis=1)
    last = np.full(present.shape[0], n_days - 1)
    early = np.flatnonzero(~present[:, -1])  # rows that end before the calendar (or hold no day)
    last[early] = n_days - 1 - np.argmax(present[early, ::-1], axis=1)
    return (count > 0) & (count != last - first + 1)


def own_row_windows(
    present: np.ndarray, skipping: np.ndarray, s_idx: np.ndarray, d_idx: np.ndarray, lag: int, horizon: int, rows_per_chunk: int = 256
) -> tuple[np.ndarray, np.ndarray] | None:
    """The calendar days each event's window holds its stock, counted in the stock's own
    rows, as its ``horizon``-row return runs: from its ``lag``-th row after the event to
    the row ``horizon`` rows later (past its last: ``n_days``). None when no event's stock
    skips a day (``skipping``: :func:`skipping_rows`); then those days are ``d + lag`` and
    ``h`` calendar days later, as they are here for a stock that skips none. A stock that
    skips days had its window end early: the interval summed fewer daily returns than the
    event's return spans, and covered 84-86% at 95% on panels with 15% of stock-days
    missing."""
    n_days = present.shape[1]
    gapped = skipping[s_idx]
    if not gapped.any():
        return None
    start = np.minimum(d_idx.astype(np.int64) + lag, n_days)
    stop = np.minimum(start + horizon, n_days)
    events = np.flatnonzero(gapped)
    stocks = np.unique(s_idx[events])
    for k in range(0, stocks.size, rows_per_chunk):  # a block of stocks at a time: their rows' days, flat
        chunk = stocks[k : k + rows_per_chunk]
        block = present[chunk]
        days = np.flatnonzero(block)  # (row in block) * n_days + day, ascending
        ends = np.cumsum(block.sum(axis=1))  # past each row's last entry in ``days``
        mine = events[np.isin(s_idx[events], chunk)]
        row = np.searchsorted(chunk, s_idx[mine])
        at = np.searchsorted(days, row * n_days + d_idx[mine])  # the event day's place among its stock's rows
        for target, out in ((at + lag, start), (at + lag + horizon, stop)):
            inside = target < ends[row]
            out[mine] = np.where(inside, days[np.minimum(target, days.size - 1)] - row * n_days, n_days)
    return start, stop


def window_intervals(daily: np.ndarray, cells: Sequence[EventWindows], level: float, *, rows_per_chunk: int = 256) -> list[tuple[float, float]]:
    """:func:`window_interval` of several cells over the same ``daily`` in one pass.

    ``daily`` is read a block of ``rows_per_chunk`` symbols at a time (a view when the
    block's event stocks are contiguous), its unknown days found once per block; each
    cell then counts its held windows ``V`` there (+1 where a window opens, -1 where it
    closes, a running sum along the days) and adds ``V r`` per day, the float32 products
    summed in float64 over the block's stocks in order, block after block: a cell's sums
    do not depend on which other cells share the pass. The blocks run on threads (numpy
    releases the GIL) and their sums are added in block order, as one thread adds them
    (at 50M symbol-days the pass then has both cores once the nulls beside it end). The
    held windows per day (the weights of ``mu`` and the market) come from the events' days
    alone, less those held on unknown days. Cells with fewer than two events get NaN.
    """
    n_days = daily.shape[1]
    width = n_days + 1  # a window closing at the last day closes in the extra column
    out = [(math.nan, math.nan)] * len(cells)
    z = float(norm_ppf(0.5 + level / 2))
    active = [i for i, cell in enumerate(cells) if cell.x.size >= 2]
    opens, closes, flows, weights = [], [], [], []
    for i in active:
        cell = cells[i]
        s = np.asarray(cell.s_idx, dtype=np.int64)
        if cell.days is not None:  # counted in the stock's own rows
            start, stop = cell.days
        else:
            start = np.minimum(np.asarray(cell.d_idx, dtype=np.int64) + cell.lag, n_days)
            stop = np.minimum(start + cell.horizon, n_days)
        opens.append(_counted(s * width + start))  # sorted (symbol, day) keys and their counts
        closes.append(_counted(s * width + stop))
        per_day = np.cumsum(np.bincount(start, minlength=width) - np.bincount(stop, minlength=width))[:n_days]
        weights.append(per_day.astype(np.float64))  # windows held per day; those on unknown days come off below
        flows.append(np.zeros(n_days))
    if active:
        # the event stocks, by counting (np.unique hashed and sorted the keys of every cell)
        stocks = np.flatnonzero(np.bincount(np.concatenate([keys // width for keys, _ in opens]), minlength=daily.shape[0]))

        def chunk(lo: int) -> list[tuple[np.ndarray, np.ndarray | None] | None]:
            """One block of symbols: each active cell's summed ``V r`` per day and the
            windows it holds on days without a return there (None: no event in the block)."""
            rows = stocks[np.searchsorted(stocks, lo) : np.searchsorted(stocks, lo + rows_per_chunk)]
            if rows.size == 0:
                return [None] * len(active)
            dense = int(rows[-1]) - int(rows[0]) + 1 == rows.size
            part = daily[rows[0] : rows[-1] + 1] if dense else daily[rows]
            unknown = np.divmod(np.flatnonzero(np.isnan(part)), n_days)  # few: (rows, days) of the NaNs
            count = rows.size
            found_by_cell: list[tuple[np.ndarray, np.ndarray | None] | None] = []
            for j in range(len(active)):
                found = [_block(keys, counts, lo, rows_per_chunk, width, rows, dense) for keys, counts in (opens[j], closes[j])]
                if found[0][0].size == 0:
                    found_by_cell.append(None)
                    continue
                at = _unpadded(np.concatenate([found[0][0], found[1][0]]), width)
                steps = np.concatenate([found[0][1], -found[1][1]]).astype(np.int64)
                product = running_sum(at, steps, count * n_days, np.float32).reshape(count, n_days)  # V, exact: small counts
                off = None
                if unknown[0].size:
                    off = np.bincount(unknown[1], weights=product[unknown], minlength=n_days)
                np.multiply(product, part, out=product)  # the float32 products, as V r always was
                if off is not None:
                    product[unknown] = 0
                found_by_cell.append((product.sum(axis=0, dtype=np.float64), off))
            return found_by_cell

        first = int(stocks[0]) // rows_per_chunk * rows_per_chunk
        with ThreadExecutor() as pool:  # numpy releases the GIL; blocks come back in order, so every sum is the one-thread sum
            for found_by_cell in pool.imap(chunk, list(range(first, int(stocks[-1]) + 1, rows_per_chunk))):
                for j, found in enumerate(found_by_cell):
                    if found is None:
                        continue
                    flow, off = found
                    if off is not None:
                        weights[j] -= off
                    flows[j] += flow
    for j, i in enumerate(active):
        cell = cells[i]
        centre = float(cell.x.mean())
        mu = centre / max(cell.horizon, 1)
        bench = np.zeros(n_days) if cell.market is None else np.nan_to_num(cell.market.astype(np.float64))
        flow = flows[j] - (bench + mu) * weights[j]
        variance = float(flow @ flow)
        # a return over a stock's skipped days shares their moves with the stocks held on
        # them, a day or more apart in P_t: their covariances, Bartlett-weighted, up to the
        # most days a window skips (none when no stock skips a day: the sum of squares alone)
        reach = int(np.max(cell.days[1] - cell.days[0] - cell.horizon, initial=0)) if cell.days is not None else 0
        for gap in range(1, min(reach, n_days - 1) + 1):
            variance += 2 * (1 - gap / (reach + 1)) * float(flow[:-gap] @ flow[gap:])
        se = math.sqrt(max(variance, 0.0)) / cell.x.size
        out[i] = (centre - z * se, centre + z * se)
    return out


def running_sum(at: np.ndarray, steps: np.ndarray, size: int, dtype: type) -> np.ndarray:
    """``np.cumsum`` of ``size`` zeros with each of ``steps`` added at its place in ``at``
    (places may repeat, and ``size`` is a step past the end), as ``dtype``: built from the
    steps alone, each level repeated up to the next step (:func:`numpy.repeat`). The sum
    changes only at the steps (a few per stock among 10,000 days), and a cumsum along a
    row adds its values one after another: the passes' cumsums over every (stock, day)
    took 0.2 s of CPU at 50M symbol-days, the repeats a third of it. Integers: exact."""
    order = np.argsort(at, kind="stable")
    at = at[order]
    levels = np.concatenate([[0], np.cumsum(steps[order])])
    return np.repeat(levels.astype(dtype), np.diff(at, prepend=0, append=size))


def _unpadded(keys: np.ndarray, width: int) -> np.ndarray:
    """Flat places ``row * width + day`` in a grid of ``width - 1`` days a row: a step in
    the extra column (a window closing at the last day) falls on the next row's first
    day, or past the end, where the running sum of a row that closes all it opens is 0."""
    return keys - keys // width


def _counted(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys, sorted, and how often each occurs (a stable sort: linear on the
    kept events, which come sorted by symbol and day)."""
    keys = np.sort(keys, kind="stable")
    if keys.size == 0:
        return keys, np.zeros(0, dtype=np.int32)
    first = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    return keys[first], np.diff(np.append(first, keys.size)).astype(np.int32)


def _block(
    keys: np.ndarray, counts: np.ndarray, lo: int, size: int, width: int, rows: np.ndarray, dense: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The keys ``symbol * width + day`` of symbols ``lo .. lo + size - 1``, as flat
    positions in the block of ``rows``, and their counts."""
    a, b = np.searchsorted(keys, [lo * width, (lo + size) * width])
    mine = keys[a:b]
    if dense:
        return mine - int(rows[0]) * width, counts[a:b]
    return np.searchsorted(rows, mine // width) * width + mine % width, counts[a:b]


@dataclass
class Moments:
    """Count, sum, sum of squares and count of positives, per group (or in total)."""

    n: np.ndarray
    total: np.ndarray
    squares: np.ndarray
    positive: np.ndarray

    def mean(self, g: str) -> np.ndarray:
        """Mean of the value (``g='mean'``) or share positive (``'pct_positive'``) per group."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return (self.positive if g == "pct_positive" else self.total) / self.n

    def variance(self, g: str) -> np.ndarray:
        """Population variance of the value (or of the 'positive' indicator) per group."""
        m = self.mean(g)
        with np.errstate(divide="ignore", invalid="ignore"):
            second = m if g == "pct_positive" else self.squares / self.n
            return np.maximum(second - m * m, 0.0)


@dataclass
class CellMoments:
    """One outcome cell's known values on the window's days, summarized: per calendar day
    (the 'dates' null draws within a day), per symbol (the 'symbols' null draws within a
    symbol), in total (the baseline), and the baseline median."""

    by_day: Moments
    by_symbol: Moments
    base: Moments
    median: float

    @classmethod
    def of(cls, values: np.ndarray, window: np.ndarray, rows_per_chunk: int | None = None, sample_every: int | None = None) -> CellMoments:
        """One pass over a ``(symbols, days)`` float32 array (NaN: no value), a few
        symbols at a time (default: :data:`CHUNK_VALUES` values) so the temporaries stay
        in cache; nothing is pooled.

        The exact median comes from the same pass: a systematic sample (every
        ``sample_every``-th value; default about 500k of them) brackets it, the pass counts
        the values below the bracket and keeps those inside it, and the middle ones are
        sorted. Should the bracket miss (the counts say so) or hold more than
        :data:`MEDIAN_BUDGET` values, a second pass finds it from a histogram of the
        values' bits instead (:func:`_histogram_median`). Where the
        chunk's unknown values are few (the usual case), the counts are the chunk's size
        less them, and no count is summed."""
        n_symbols, n_days = values.shape
        rows_per_chunk = rows_per_chunk or max(1, CHUNK_VALUES // max(n_days, 1))
        by_day = Moments(*(np.zeros(n_days, dtype=t) for t in (np.int64, np.float64, np.float64, np.int64)))
        by_symbol = Moments(*(np.zeros(n_symbols, dtype=t) for t in (np.int64, np.float64, np.float64, np.int64)))
        everywhere = bool(window.all())
        bracket = _median_bracket(values, window, sample_every or max(1, values.size >> 19))
        below, equal, gathered, middle = 0, 0, 0, []
        for lo in range(0, n_symbols, rows_per_chunk):
            part = values[lo : lo + rows_per_chunk]
            rows = part.shape[0]
            missing = np.isnan(part)
            if not everywhere:
                missing |= ~window[None, :]
            gaps = np.flatnonzero(missing)
            if gaps.size <= part.size // 8:  # few unknown values: zero them in a copy, and count them
                filled = part.copy()
                filled.reshape(-1)[gaps] = 0
                gap_row, gap_day = np.divmod(gaps, n_days)
                by_day.n += rows - np.bincount(gap_day, minlength=n_days)
                by_symbol.n[lo : lo + rows] += n_days - np.bincount(gap_row, minlength=rows)
            else:
                filled = np.where(missing, np.float32(0), part)
                by_day.n += count_true(~missing, axis=0)
                by_symbol.n[lo : lo + rows] += count_true(~missing, axis=1)
            squares = np.square(filled)
            positive = filled > 0
            for moments, axis, at in ((by_day, 0, slice(None)), (by_symbol, 1, slice(lo, lo + rows))):
                moments.total[at] += filled.sum(axis=axis, dtype=np.float64)
                moments.squares[at] += squares.sum(axis=axis, dtype=np.float64)
                moments.positive[at] += count_true(positive, axis=axis)
            if bracket is not None:  # NaN compares False: only known values are counted and kept
                low, high = bracket
                # low <= high, so the values under the bracket are among those up to its top:
                # those inside are the others (one comparison fewer than >= low and <= high)
                under = part < low
                inside = part <= high
                inside ^= under
                if not everywhere:
                    under &= window[None, :]
                    inside &= window[None, :]
                below += int(np.count_nonzero(under))
                if low == high:  # a tie (many equal values, zero returns say): counted, never gathered
                    equal += int(np.count_nonzero(inside))
                elif gathered <= MEDIAN_BUDGET:
                    middle.append(part[inside])
                    gathered += middle[-1].size
        base = Moments(by_day.n.sum(), by_day.total.sum(), by_day.squares.sum(), by_day.positive.sum())
        n = int(base.n)
        ranks = ((n - 1) // 2, n // 2)
        inside_count = equal if bracket is not None and bracket[0] == bracket[1] else gathered
        if n == 0:
            median = math.nan
        elif gathered > MEDIAN_BUDGET or not (below <= ranks[0] and ranks[1] < below + inside_count):  # missed, or too many inside
            median = _histogram_median(values, window, rows_per_chunk)
        elif middle:  # the bracket holds both middle ranks
            picked = np.partition(np.concatenate(middle), (ranks[0] - below, ranks[1] - below))
            median = (float(picked[ranks[0] - below]) + float(picked[ranks[1] - below])) / 2
        else:  # both middle values are the tied one
            assert bracket is not None
            median = float(bracket[0])
        return cls(by_day, by_symbol, base, median)


CHUNK_VALUES = 1 << 19
"""Values :meth:`CellMoments.of` reads at a time (2 MB of float32: 52 symbols of 10,000
days): its temporaries stay in the cache while two cells run side by side, where 256
symbols at a time (10 MB and more of temporaries per thread) waited on memory
(``benchmarks/universe_passes.py`` times both in turns). The float64 sums add the
chunks' sums in another grouping than 256 symbols would: equal, or a last bit apart."""


def count_true(mask: np.ndarray, axis: int) -> np.ndarray:
    """``mask.sum(axis)``, exactly: counted from the mask's bytes in 8-bit lanes where the
    axis is shorter than 256 (a baseline chunk's 52 rows: the bytes added as they are, no
    cast at all, a quarter of the 16-bit count's time) and in 16-bit lanes where it is
    shorter than 65,536, without numpy's cast of each bool to int64."""
    if mask.shape[axis] < 1 << 8:
        return mask.view(np.uint8).sum(axis=axis, dtype=np.uint8)
    if mask.shape[axis] < 1 << 16:
        return mask.view(np.uint8).sum(axis=axis, dtype=np.uint16)
    return mask.sum(axis=axis, dtype=np.int64)


MEDIAN_BUDGET = 1 << 22
"""Values the baseline median's bracket may gather (16 MB; about 0.7% of the values are
expected inside it): past it (a tie spread over one end of the bracket) the histogram
finds the median instead."""


def _median_bracket(values: np.ndarray, window: np.ndarray, every: int) -> tuple[np.float32, np.float32] | None:
    """Two values between which the median of the known window values lies, almost
    surely: order statistics of a systematic sample (every ``every``-th value) five
    standard errors of its median's rank either side of it. None: the sample is empty."""
    n_days = values.shape[1]
    flat = values.reshape(-1)
    sample = flat[::every]
    if not window.all():
        sample = sample[window[np.arange(0, flat.size, every) % n_days]]
    sample = sample[~np.isnan(sample)]
    if sample.size == 0:
        return None
    half = 2.5 * math.sqrt(sample.size) + 2  # five standard errors (sqrt(m) / 2 each), in ranks
    ranks = (max(0, math.floor(sample.size / 2 - half)), min(sample.size - 1, math.ceil(sample.size / 2 + half)))
    found = np.partition(sample, ranks)
    return found[ranks[0]], found[ranks[1]]


def _histogram_median(values: np.ndarray, window: np.ndarray, rows_per_chunk: int) -> float:
    """The exact median of the known window values in two passes, whatever their
    distribution: a histogram of their order keys' top 16 bits, then :func:`_median`."""
    histogram = np.zeros(1 << 16, dtype=np.int64)  # by the values' top 16 bits as stored (see _in_order)
    everywhere = bool(window.all())
    for lo in range(0, values.shape[0], rows_per_chunk):
        part = values[lo : lo + rows_per_chunk]
        known = ~np.isnan(part)
        if not everywhere:
            known &= window[None, :]
        top = part.view(np.uint16)[..., 1 if sys.byteorder == "little" else 0 :: 2]  # each float's top 16 bits, no shift
        histogram += np.bincount(top[known], minlength=1 << 16)
    return _median(values, window, _in_order(histogram), rows_per_chunk)


_HALF = 1 << 15


def _in_order(histogram: np.ndarray) -> np.ndarray:
    """A histogram by float32 top-16-bit patterns, reordered by value: the negatives
    (sign bit set) from the most negative pattern up, then the positives. Bucket ``b`` of
    the result holds the values whose order key has top bits ``b`` (the key: the bits
    with the sign bit set for a positive, every bit flipped for a negative, which orders
    as the floats do)."""
    return np.concatenate([histogram[_HALF:][::-1], histogram[:_HALF]])


def _median(values: np.ndarray, window: np.ndarray, histogram: np.ndarray, rows_per_chunk: int) -> float:
    """The exact median of the known window values, as ``np.median`` gives it, from a
    histogram of their order keys' top 16 bits (:func:`_in_order`): only the buckets holding the
    middle values are gathered (a second pass, testing the stored bits: no key is
    computed), and sorted."""
    n = int(histogram.sum())
    if n == 0:
        return math.nan
    cumulative = np.cumsum(histogram)
    ranks = ((n - 1) // 2, n // 2)
    first, last = (int(np.searchsorted(cumulative, r, side="right")) for r in ranks)
    below = int(cumulative[first - 1]) if first else 0
    # the ordered buckets first..last as ranges of stored top bits: negatives reversed, positives shifted
    ranges = []
    if first < _HALF:
        ranges.append(((1 << 16) - 1 - min(last, _HALF - 1), (1 << 16) - 1 - first))
    if last >= _HALF:
        ranges.append((max(first, _HALF) - _HALF, last - _HALF))
    everywhere = bool(window.all())
    middle = []
    for lo in range(0, values.shape[0], rows_per_chunk):
        part = values[lo : lo + rows_per_chunk]
        bits = part.view(np.uint32) >> 16
        pick = np.zeros(part.shape, dtype=bool)
        for low, high in ranges:
            pick |= (bits == low) if low == high else ((bits >= low) & (bits <= high))
        if not everywhere:
            pick &= window[None, :]
        found = part[pick]
        middle.append(found[~np.isnan(found)])  # a NaN's bits can share the infinities' bucket
    chosen = np.sort(np.concatenate(middle))
    return (float(chosen[ranks[0] - below]) + float(chosen[ranks[1] - below])) / 2


@dataclass
class _Cell:
    """One tested cell: its events' values and its moments."""

    key: dict[str, Any]
    x: np.ndarray  # complete events' values
    ev: np.ndarray  # indices (into the kept events) of those events
    moments: CellMoments
    scale: np.ndarray | None = None  # per kept event: the 'dates' null's volatility ratio (None: unscaled)


def panel_significance(
    data: Panel, kept: pl.DataFrame, window: np.ndarray, settings: StatisticsSpec, moments: list[CellMoments],
    timings: dict[str, float] | None = None, untested: Collection[str] = (), tested_on: Mapping[str, Collection[str]] | None = None,
) -> pl.DataFrame:
    """The significance table of a universe study (see the module docstring).

    ``data`` is a universe's :class:`~eventstudy.panel.Panel`, ``kept`` the kept events
    (``_s``, ``_d``: symbol and day indices), ``window`` the mask of the window's days;
    ``moments`` each cell's :class:`CellMoments` (computed once, for the baseline too);
    ``untested`` statistics the 'dates' null does not test here (shown, without a p-value,
    its null's centre or a place in the multiple-testing family: :func:`dates_untested`);
    ``tested_on`` the statistics each measure is tested on (a measure not named: all): a
    statistic its measure is not tested on has no row, and no place in the family
    (:func:`~eventstudy.inference.table.not_tested_on`, as a study's).
    """
    rng = np.random.default_rng(settings.seed)
    s_idx, d_idx = kept["_s"].to_numpy().astype(np.int64), kept["_d"].to_numpy().astype(np.int64)
    reps = placebo_count(int(settings.placebos), s_idx.size)
    table = data.cells.with_row_index("_c").filter(pl.col("measure").is_in(data.measures.tested))
    cells: list[_Cell] = []
    for spec in progress.track(table.rows(named=True), "panel moments"):
        values = data.values[spec["_c"]]
        cell_moments = moments[spec["_c"]]
        x = values_at(values, s_idx, d_idx).astype(np.float64)
        ev = np.flatnonzero(~np.isnan(x) & (cell_moments.by_day.n[d_idx] > 0) & (cell_moments.by_symbol.n[s_idx] > 0))
        cell_key = {k: spec[k] for k in ("measure", "asset", "horizon", "horizon_days")} | {"_c": spec["_c"]}
        cells.append(_Cell(cell_key, x[ev], ev, cell_moments))

    assert data.daily is not None, "a universe's panel keeps its daily returns"
    daily = data.daily
    # what the calendar-time test tests: returns over close-to-close windows (an entry at the
    # next open holds from that open, which a portfolio of daily closes cannot)
    lag_of = {m.name: lag for m in data.measures if m.evaluator in CALENDAR_EVALUATORS and (lag := entry_lag(m.name)) is not None}
    def timed_calendar() -> tuple[dict[tuple[int, int], tuple[float, float, int]], float]:
        clock = time.perf_counter()
        by_lag: dict[int, list[int]] = {}
        for c in cells:  # one pass per entry lag (an entry at the next close holds from the day after)
            if c.key["measure"] in lag_of:
                by_lag.setdefault(lag_of[c.key["measure"]], []).append(int(c.key["horizon_days"]))
        found = {
            (h, lag): test for lag, horizons in by_lag.items() for h, test in calendar_time(daily, s_idx, d_idx, horizons, totals=totals, lag=lag).items()
        }  # per horizon and lag
        return found, time.perf_counter() - clock

    ci_rng = np.random.default_rng([settings.seed, 2])  # the intervals' own stream: they run beside the nulls

    def intervals() -> list[tuple[float, float, bool]]:
        return _intervals(data, cells, s_idx, d_idx, settings.ci, min(max(reps, 1000), 5000), ci_rng)

    # the volatility forecasts first, on both threads: the nulls wait for them (beside the
    # calendar test, as before, they took 1.6-2.0 s of a 50M universe's wall time, 0.8 s alone)
    clock = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:  # every stock's returns summed per day once, for both
        totals = day_totals(daily, pool=pool)
    scales = volatility_scales(data, s_idx, d_idx, workers=2, totals=totals)
    scale_seconds = time.perf_counter() - clock
    for cell in cells:
        cell.scale = scales[cell.key["_c"]]
    # then the calendar-time test's and the intervals' passes over the days inside the windows, beside the nulls
    with ThreadPoolExecutor(max_workers=1) as background:
        in_calendar = background.submit(timed_calendar)
        in_intervals = background.submit(intervals)
        if reps:
            tests = _monte_carlo(data, cells, s_idx, d_idx, window, reps, settings.seed, untested)
        else:
            tests = _moment_nulls(data, cells, s_idx, d_idx, window, rng)
        calendar, seconds = in_calendar.result()
        interval_of = in_intervals.result()
    if timings is not None:
        timings["calendar_s"] = round(seconds, 4)  # its own time, beside the nulls
        timings["volatility_s"] = round(scale_seconds, 4)  # before the nulls, on two threads
    rows: list[dict[str, Any]] = []
    days_in_window = np.flatnonzero(window)
    for cell, (ci_low, ci_high, approximate) in zip(cells, interval_of):
        xs, clusters = cell.x, d_idx[cell.ev]
        base_mean = float(cell.moments.base.mean("mean")) if cell.moments.base.n else math.nan
        event_days = np.flatnonzero(np.bincount(clusters, minlength=window.size))  # np.unique(clusters), by counting
        positions = np.searchsorted(days_in_window, event_days)
        n_eff = effective_sample_size(positions, max(int(cell.key["horizon_days"]), 1)) if xs.size else math.nan
        # Driscoll-Kraay: by day, and across days up to the horizon (overlapping windows)
        t_cl, p_cl = driscoll_kraay_t(xs, clusters, window.size, base_mean, max(1, int(cell.key["horizon_days"])))
        t_cal, p_cal = math.nan, math.nan
        if cell.key["measure"] in lag_of:
            t_cal, p_cal, _ = calendar[(int(cell.key["horizon_days"]), lag_of[cell.key["measure"]])]
        sd = math.sqrt(float(cell.moments.base.variance("mean")) * cell.moments.base.n / (cell.moments.base.n - 1)) if cell.moments.base.n > 1 else math.nan
        for name in _STATS:
            found = tests[(cell.key["_c"], name)]
            if name in untested:
                found = {"observed": found["observed"], "p_symbols_null": found.get("p_symbols_null")}
            if name == "median":
                baseline = cell.moments.median
            else:
                baseline = float(cell.moments.base.mean(name)) if cell.moments.base.n else math.nan
            share = data.measures.units.get(str(cell.key["measure"])) == "share"  # a hit rate's 0s and 1s
            mde = statistic_mde(name, sd, baseline, n_eff, settings.alpha, share=share) if xs.size else math.nan
            rows.append(
                {
                    **{k: cell.key[k] for k in ("measure", "asset", "horizon", "horizon_days")},
                    "statistic": name,
                    "observed": found["observed"],
                    "baseline": baseline,
                    "difference": found["observed"] - baseline,
                    "null": "dates",
                    "null_mean": found.get("centre", math.nan) - baseline,
                    "effect": found["observed"] - found.get("centre", math.nan),
                    "n": int(xs.size),
                    "n_eff": n_eff,
                    **{k: found.get(k) for k in ("p_placebo", "p_greater", "p_less", "percentile", "p_symbols_null")},
                    "ci_low": ci_low if name == "mean" else math.nan,
                    "ci_high": ci_high if name == "mean" else math.nan,
                    "ci_approximate": (approximate or bool(event_days.size < 20)) if name == "mean" and xs.size else None,
                    "mde": mde,
                    "warning": _warning(xs.size, n_eff),
                    "t_cluster": t_cl if name == "mean" else math.nan,
                    "p_cluster": p_cl if name == "mean" else math.nan,
                    "t_calendar": t_cal if name == "mean" else math.nan,
                    "p_calendar": p_cal if name == "mean" else math.nan,
                }
            )
    # multiple testing per statistic across cells, from the joint null
    for name in _STATS:
        mine = [r for r in rows if r["statistic"] == name]
        z_obs, z_null = tests.get(("z", name), (None, None))
        if not mine or z_obs is None or name in untested:
            continue
        # a cell of fewer than MIN_TESTED events is shown, not tested: not in the family either
        few = np.array([r["n"] < MIN_TESTED for r in mine], dtype=bool) | not_tested_on([r["measure"] for r in mine], name, tested_on)
        p = np.where(few, np.nan, np.array([r["p_placebo"] if r["p_placebo"] is not None else np.nan for r in mine], dtype=np.float64))
        adjusted = {"p_holm": holm(p), "p_bh": benjamini_hochberg(p), "p_maxstat": maxstat_stepdown(np.where(few, np.nan, np.abs(z_obs)), np.abs(z_null))}
        for i, row in enumerate(mine):
            for key, arr in adjusted.items():
                row[key] = float(arr[i])
            row["survives"] = None if math.isnan(row["p_maxstat"]) else row["p_maxstat"] <= settings.alpha
    rows = [row for row in rows if not not_tested_on([row["measure"]], row["statistic"], tested_on)[0]]  # no row: not tested on it
    for row in rows:
        for key in PANEL_SCHEMA:
            row.setdefault(key, None)
    frame = pl.DataFrame(rows, schema=PANEL_SCHEMA) if rows else pl.DataFrame(schema=PANEL_SCHEMA)
    floats = [k for k, t in PANEL_SCHEMA.items() if t == pl.Float64()]
    return frame.with_columns(pl.col(floats).fill_nan(None))


CALENDAR_EVALUATORS = frozenset({"forward_returns", "excess_returns"})
"""The evaluators whose measures are the stocks' returns over the event's window (forward,
excess, abnormal): the average the calendar-time portfolio test (:func:`calendar_time`)
tests. The worst and best close ahead, the days to recover and the hit rate are not
returns over the window; their rows get no calendar-time test."""


def entry_lag(measure: str) -> int | None:
    """Days from the event to a cell's entry: 1 for a forward return entered at the next
    close (``fwd_next_close``, ``fwd_log_next_close``), 0 at the event's close; None at the
    next open (``fwd_next_open``), which no close-to-close day holds: such a cell gets no
    calendar-time test (held from the event day, a jump at the next open that its return
    leaves out read as its own, as the next close's had).

    >>> entry_lag("fwd_next_close"), entry_lag("fwd"), entry_lag("excess"), entry_lag("fwd_next_open")
    (1, 0, 0, None)
    """
    if measure.endswith("next_open"):
        return None
    return 1 if measure.endswith("next_close") else 0


def _stock_returns(data: Panel, spec: dict[str, Any]) -> tuple[int, np.ndarray | None] | None:
    """``(lag, market)`` when a cell holds simple forward returns of the universe's stocks
    (entry at the close, ``lag`` 0, or the next close, 1), or their excess over a market
    series (``market``: its next-day returns); None for any other measure."""
    measure, asset = spec["measure"], str(spec["asset"])
    columns = data.frame.columns if data.frame is not None else []
    lag = entry_lag(measure) if measure in ("fwd", "fwd_next_close", "excess") else None  # simple returns over the window
    market = None
    if measure == "excess" and "-" in asset:
        own, bench = asset.rsplit("-", 1)
        if f"{bench}.close" not in columns or f"{own}.close" in columns or data.frame is None or data.frame.height != data.days.size:
            return None
        close = data.frame[f"{bench}.close"].to_numpy().astype(np.float64)
        market = np.full(close.size, np.nan)
        market[:-1] = close[1:] / close[:-1] - 1
    elif f"{asset}.close" in columns:
        return None  # a market series' own return: one path, not the stocks'
    return None if lag is None or data.daily is None else (lag, market)


def volatility_scales(data: Panel, s_idx: np.ndarray, d_idx: np.ndarray, workers: int = 1, totals: DayTotals | None = None) -> list[np.ndarray | None]:
    """Per cell of ``data``, each event's volatility ratio for the 'dates' null
    (:func:`~eventstudy.inference.volatility.forecast_ratio` for the cell's horizon), or
    None where the cell's values are not the stocks' returns (their placebo values are
    not scaled); ``workers`` threads share the forecasts; ``totals``: the daily returns'
    :func:`~eventstudy.inference.volatility.day_totals`, if already taken."""
    specs = data.cells.rows(named=True)
    scaled = [_stock_returns(data, spec) is not None for spec in specs]
    if not any(scaled) or data.daily is None:
        return [None] * len(specs)
    variances = window_variances(data.daily, s_idx, d_idx, [LONG], decay=DECAY, workers=workers, totals=totals)
    return [forecast_ratio(variances, int(spec["horizon_days"])) if ok else None for ok, spec in zip(scaled, specs, strict=True)]


def _intervals(
    data: Panel, cells: list[_Cell], s_idx: np.ndarray, d_idx: np.ndarray, level: float, reps: int, rng: np.random.Generator
) -> list[tuple[float, float, bool]]:
    """Each cell's interval of its mean and whether it is approximate: :func:`window_intervals`
    (one pass over the daily returns for all of them) for simple forward returns of the
    universe's stocks (entry at the close or the next close) and their excess over a
    market series; else the bootstrap over event dates, cell after cell from ``rng``."""
    out: list[tuple[float, float, bool]] = []
    windows: dict[int, EventWindows] = {}
    skipping = skipping_rows(data.present) if data.daily is not None else None
    for i, cell in enumerate(cells):
        found = _stock_returns(data, cell.key)
        if found is None or data.daily is None:
            out.append((*_cluster_interval(cell.x, d_idx[cell.ev], level, reps, rng), True))
            continue
        lag, market = found
        s, d, h = s_idx[cell.ev], d_idx[cell.ev], int(cell.key["horizon_days"])
        assert skipping is not None
        windows[i] = EventWindows(s, d, cell.x, h, lag, market, own_row_windows(data.present, skipping, s, d, lag, h))
        out.append((math.nan, math.nan, False))
    if windows:
        assert data.daily is not None
        for i, (low, high) in zip(windows, window_intervals(data.daily, list(windows.values()), level)):
            out[i] = (low, high, False)
    return out


def _monte_carlo(
    data: Panel, cells: list[_Cell], s_idx: np.ndarray, d_idx: np.ndarray, window: np.ndarray, reps: int, seed: int,
    untested: Collection[str] = (),
) -> dict[Any, Any]:
    """Both nulls by Monte Carlo: placebo b redraws every event's symbol (within its day)
    or day (within its symbol) from the same uniform numbers in every cell; the
    ``untested`` statistics get their observed value only (no null is drawn for them)."""
    n_events = s_idx.size
    out: dict[Any, Any] = {}
    nulls: dict[str, list[np.ndarray]] = {name: [] for name in _STATS}
    observed: dict[str, list[float]] = {name: [] for name in _STATS}
    drawn: dict[tuple[int, str], np.ndarray] = {}
    n_symbols = data.values[0].shape[0] if data.values else 0
    relabels: list[tuple[np.ndarray, Draws | Relabel]] = []
    for null, group, axis, stream in (("dates", d_idx, 0, 0), ("symbols", s_idx, 1, 1)):
        samplers: list[tuple[np.ndarray, Draws | Relabel]]
        if axis == 0:
            samplers = relabels = list(_dates_samplers([data.values[c.key["_c"]] for c in cells], [c.ev for c in cells],
                                                       [c.scale for c in cells], s_idx, d_idx, window))
        else:  # events sorted by their symbol once; every cell takes its events in that order
            order = np.argsort(group, kind="stable")
            samplers = []
            for cell in cells:
                mine = np.flatnonzero(np.isin(order, cell.ev, assume_unique=True))
                samplers.append((mine, Draws(data.values[cell.key["_c"]], group[order[mine]], window, axis)))
        for cell, (mine, _) in zip(cells, samplers):
            drawn[(cell.key["_c"], null)] = np.empty((reps, mine.size), dtype=np.float32)
        for b, size, permutation, uniform in placebo_chunks(seed, stream, reps, n_events, n_symbols if axis == 0 else 0, f"placebo draws ({null} null)"):
            for cell, (mine, sampler) in zip(cells, samplers):
                if mine.size:
                    u = uniform if mine.size == n_events else uniform[:, mine]
                    if isinstance(sampler, Relabel):
                        assert permutation is not None
                        drawn[(cell.key["_c"], null)][b : b + size] = sampler.draw(u, permutation, scaled=False)
                    else:
                        drawn[(cell.key["_c"], null)][b : b + size] = sampler.draw(u)
    for cell, (_, relabel) in zip(cells, relabels, strict=True):
        raw_dates, null_symbols = drawn[(cell.key["_c"], "dates")], drawn[(cell.key["_c"], "symbols")]
        scaled_dates = relabel.rescale(raw_dates) if isinstance(relabel, Relabel) else raw_dates
        for name, stat in _STATS.items():
            obs = float(stat(cell.x)) if cell.x.size else math.nan
            if name in untested:
                out[(cell.key["_c"], name)] = {"observed": obs}
                continue
            null_dates = raw_dates if name in UNSCALED else scaled_dates
            null_d = stat(null_dates) if cell.ev.size else np.full(reps, np.nan)
            # the 'symbols' null is reported for the mean and % positive (a median per draw costs most)
            null_s = stat(null_symbols) if cell.ev.size and name != "median" else np.full(reps, np.nan)
            test_d = placebo_test(np.array([obs]), null_d[None, :].astype(np.float64))
            test_s = placebo_test(np.array([obs]), null_s[None, :].astype(np.float64))
            observed[name].append(obs)
            nulls[name].append(null_d.astype(np.float64))
            out[(cell.key["_c"], name)] = {
                "observed": obs,
                "centre": float(test_d.null_mean[0]),
                "p_placebo": float(test_d.p_two_sided[0]),
                "p_greater": float(test_d.p_greater[0]),
                "p_less": float(test_d.p_less[0]),
                "percentile": float(test_d.percentile[0]),
                "p_symbols_null": float(test_s.p_two_sided[0]),
            }
    for name in _STATS:
        if observed[name]:
            draws = np.vstack(nulls[name])
            test = placebo_test(np.array(observed[name]), draws)
            with np.errstate(divide="ignore", invalid="ignore"):
                z_null = np.where(test.null_std[:, None] > 0, (draws - test.null_mean[:, None]) / test.null_std[:, None], 0.0)
            out[("z", name)] = (test.z, z_null)
    return out


def run_dates_nulls(
    values: Sequence[np.ndarray], s_idx: np.ndarray, d_idx: np.ndarray, window: np.ndarray, scales: Sequence[np.ndarray | None],
    reps: int, seed: int, statistic: str,
) -> list[np.ndarray]:
    """Per cell of ``values``, ``statistic`` on the 'dates' placebo sets that a run of these
    kept events draws (:func:`_monte_carlo`: the same stream, events in the same order, the
    same volatility ``scales``, float32 draws), so that a sweep's cell reports its own run's
    raw p-value and null centre; the grid's joint null is keyed instead
    (:func:`keyed_uniform`), so that cells sharing events share their draws."""
    n_symbols = values[0].shape[0] if values else 0
    stat = _STATS[statistic]
    evs = [np.flatnonzero(~np.isnan(values_at(cell_values, s_idx, d_idx))) for cell_values in values]
    ratios = [None if statistic in UNSCALED else scale for scale in scales]
    samplers = list(_dates_samplers(values, evs, ratios, s_idx, d_idx, window))
    out = [np.full(reps, np.nan) for _ in values]
    for b, size, permutation, uniform in placebo_chunks(seed, 0, reps, s_idx.size, n_symbols):
        assert permutation is not None
        for null, (mine, sampler) in zip(out, samplers):
            if mine.size:
                drawn = sampler.draw(uniform if mine.size == s_idx.size else uniform[:, mine], permutation, scaled=False)
                null[b : b + size] = stat(sampler.rescale(drawn) if sampler.scale is not None else drawn)
    return out


def _dates_samplers(
    values: Sequence[np.ndarray], evs: Sequence[np.ndarray], scales: Sequence[np.ndarray | None],
    s_idx: np.ndarray, d_idx: np.ndarray, window: np.ndarray,
) -> Iterator[tuple[np.ndarray, Relabel]]:
    """Per cell (its ``values``, its events ``evs`` among the kept ones, its volatility
    ``scales`` of every kept event or None), the 'dates' null's sampler: the cell's events
    in the order the null draws them (by day, stably: the columns ``mine`` of the
    uniforms), relabelled among the symbols of their day (:class:`Relabel`)."""
    order = np.argsort(d_idx, kind="stable")
    for cell_values, ev, scale in zip(values, evs, scales, strict=True):
        mine = np.flatnonzero(np.isin(order, ev, assume_unique=True))
        picked = order[mine]
        yield mine, Relabel(cell_values, s_idx[picked], d_idx[picked], window, None if scale is None else scale[picked])


def placebo_chunks(
    seed: int, stream: int, reps: int, n_events: int, n_symbols: int = 0, description: str | None = None
) -> Iterator[tuple[int, int, np.ndarray | None, np.ndarray]]:
    """The random numbers of a universe run's placebo null (``stream`` 0: 'dates', 1:
    'symbols'), chunk by chunk: (first placebo, placebos, permutation, uniforms). With
    ``n_symbols`` (the 'dates' null) each placebo first draws one permutation of the
    symbols (argsort of uniforms), shared by every cell; ``uniforms`` is
    ``(placebos, n_events)``, one column per kept event in the events' order. A sweep's
    cell takes its own run's draws from here too (:func:`eventstudy.sweep.cell_tests`)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[stream])
    chunk = max(1, 4_000_000 // max(n_events + n_symbols, 1))
    starts = range(0, reps, chunk)
    for b in (starts if description is None else progress.track(starts, description)):
        size = min(chunk, reps - b)
        permutation = np.argsort(rng.random((size, n_symbols), dtype=np.float32), axis=1).astype(np.int32) if n_symbols else None
        yield b, size, permutation, rng.random((size, n_events), dtype=np.float32)


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finalizer (Steele, Lea and Flood 2014): a bijection of uint64 whose
    outputs pass BigCrush for consecutive inputs (wrapping arithmetic)."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def keyed_uniform(seed: int, placebos: int, day: np.ndarray, symbol: np.ndarray, first: int = 0) -> np.ndarray:
    """Uniforms in [0, 1), shape ``(placebos, events)``: a pure function of ``(seed,
    placebo, day, symbol)`` (counter-based, not a stream).

    An event ``(symbol, day)`` gets the same draw in placebo ``b`` of every study that
    asks, whatever else it holds: the cells of a sweep share random numbers wherever
    they share events, so their placebo statistics are jointly distributed as the
    observed ones are (what a data-snooping test needs). ``day`` and ``symbol`` are
    integer keys per event (epoch days, a hash of the symbol's name); ``first`` is the
    index of the first placebo (for chunks). float32, 24 random bits.
    """
    with np.errstate(over="ignore"):
        key = (np.asarray(day).astype(np.uint64) << np.uint64(32)) ^ np.asarray(symbol).astype(np.uint64)
        base = _mix(key ^ _mix(np.array([seed], dtype=np.uint64) * _GOLDEN))
        counter = (np.arange(first, first + placebos, dtype=np.uint64) + np.uint64(1)) * _GOLDEN
        bits = _mix(base[None, :] + counter[:, None]) >> np.uint64(40)
    return bits.astype(np.float32) * np.float32(2.0**-24)


def symbol_keys(symbols: list[str]) -> np.ndarray:
    """A stable integer key per symbol name (CRC-32), for :func:`keyed_uniform`."""
    import zlib

    return np.array([zlib.crc32(s.encode()) for s in symbols], dtype=np.uint64)


class Draws:
    """Uniform draws among the known values of each event's day (``axis=0``: redraw the
    symbol) or of each event's symbol (``axis=1``: redraw the day, within the window).

    ``group`` is each event's day (or symbol), sorted. The candidates of each group are
    packed contiguously into one pool (only the event days' columns, or the event
    symbols' rows, are read), so that consecutive draws gather from a few cache lines."""

    def __init__(self, values: np.ndarray, group: np.ndarray, window: np.ndarray, axis: int) -> None:
        groups, slot = np.unique(group, return_inverse=True)
        if axis == 0:
            block = np.ascontiguousarray(values[:, groups].T)  # (event days, symbols)
            ok = ~np.isnan(block)
        else:
            block = values[groups]  # (event symbols, days)
            ok = ~np.isnan(block) & window[None, :]
        self.pool = block[ok]  # row-major: each group's candidates contiguous
        counts = ok.sum(axis=1)
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
        index = np.int32 if self.pool.size < 2**31 else np.int64
        self.counts = counts[slot].astype(np.float32)
        self.last = (counts[slot] - 1).astype(index)
        self.offsets = offsets[slot].astype(index)

    def draw(self, uniform: np.ndarray) -> np.ndarray:
        """The drawn values for uniforms of shape ``(placebos, events)``."""
        pick = (uniform * self.counts).astype(self.offsets.dtype)
        np.minimum(pick, self.last, out=pick)  # float rounding can give u * count == count
        pick += self.offsets
        return np.take(self.pool, pick)

    def draw_at(self, uniform: np.ndarray, events: np.ndarray) -> np.ndarray:
        """The drawn values for 1-D uniforms, each for the event at the same place in ``events``."""
        pick = (uniform * self.counts[events]).astype(self.offsets.dtype)
        np.minimum(pick, self.last[events], out=pick)
        pick += self.offsets[events]
        return np.take(self.pool, pick)


class Relabel:
    """The 'dates' null's draws: placebo ``b`` moves every event ``(s, d)`` to ``(pi_b(s), d)``,
    ``pi_b`` a random permutation of the symbols (one per placebo, the same for every
    event and cell), so the events of one stock stay together on another stock and keep
    their overlapping windows. Where ``pi_b(s)`` has no value on day ``d``, a uniform draw
    among the day's known values (:class:`Draws`) stands in.

    ``s`` and ``d`` are the events' symbol and day indices, best sorted by day (the
    gathers then read a few rows of the day-major copy). With ``scale`` (one ratio per
    event, :func:`~eventstudy.inference.volatility.forecast_ratio`) a drawn value's
    deviation from its day's mean is multiplied by the event's ratio: the placebo stock
    then spreads as the event's stock was expected to, and the day's mean is unchanged.
    The share positive is tested on unscaled draws (:data:`UNSCALED`), as its exact
    moments are."""

    def __init__(self, values: np.ndarray, s: np.ndarray, d: np.ndarray, window: np.ndarray, scale: np.ndarray | None = None) -> None:
        days, slot = np.unique(d, return_inverse=True)
        slot = slot.ravel()
        self.block = np.ascontiguousarray(values[:, days].T)  # (event days, symbols)
        self.base = slot.astype(np.int64) * values.shape[0]
        self.s = s
        self.fallback = Draws(values, d, window, axis=0) if np.isnan(self.block).any() else None
        self.scale: np.ndarray | None = None
        if scale is not None and not np.all(scale == 1):
            centre = np.asarray(np.nanmean(self.block, axis=1, dtype=np.float64))  # every event day holds its event's value
            self.centre = centre[slot].astype(np.float32)
            self.scale = scale.astype(np.float32)

    def draw(self, uniform: np.ndarray, permutation: np.ndarray, *, scaled: bool = True) -> np.ndarray:
        """The drawn values (``scaled``: with the events' ratios applied): ``permutation``
        is ``(placebos, symbols)`` (row ``b``: ``pi_b``), ``uniform`` ``(placebos, events)``
        for the stand-in draws."""
        out = np.take(self.block, permutation[:, self.s] + self.base)
        if self.fallback is not None:
            rows, cols = np.nonzero(np.isnan(out))
            if rows.size:
                out[rows, cols] = self.fallback.draw_at(uniform[rows, cols], cols)
        return self.rescale(out, copy=False) if scaled else out

    def rescale(self, drawn: np.ndarray, *, copy: bool = True) -> np.ndarray:
        """Unscaled draws with the events' ratios applied (the same array without any)."""
        if self.scale is None:
            return drawn
        out = drawn - self.centre if copy else np.subtract(drawn, self.centre, out=drawn)
        out *= self.scale
        out += self.centre
        return out


def _moment_nulls(
    data: Panel, cells: list[_Cell], s_idx: np.ndarray, d_idx: np.ndarray, window: np.ndarray, rng: np.random.Generator
) -> dict[Any, Any]:
    """The nulls from their exact moments, for many events.

    Under the 'dates' null the placebo mean is a sum of independent draws: ``k_d`` from
    the ``n_d`` values of day ``d``. Its mean is ``sum_d k_d mu_d / n`` and its variance
    ``sum_d k_d sigma_d^2 / n^2`` (population variance within the day), exactly; with
    hundreds of thousands of draws its shape is normal (Lindeberg). The same holds for the
    share positive (an indicator's mean) and, within symbols, for the 'symbols' null. The
    'dates' null relabels whole stocks (:class:`Relabel`), which adds the covariance of
    one stock's events (and takes off that of different stocks'): :func:`_relabel_covariance`,
    which also gives the covariances between cells, so the max-statistic adjustment draws
    from the joint normal. The median has no such form: not tested here.
    """
    out: dict[Any, Any] = {}
    relabel = _relabel_covariance(data, cells, s_idx, d_idx, [name for name in _STATS if name != "median"])
    for name in _STATS:
        z_obs, sds, centres = [], [], []
        for cell in cells:
            n = cell.x.size
            if name == "median" or n == 0:
                obs = median_of(cell.x) if name == "median" and n else (float(_STATS[name](cell.x)) if n else math.nan)
                out[(cell.key["_c"], name)] = dict.fromkeys(("p_placebo", "p_greater", "p_less", "percentile", "p_symbols_null"), math.nan) | {"observed": obs}
                z_obs.append(math.nan)
                sds.append(math.nan)
                centres.append(math.nan)
                continue
            obs = float(_STATS[name](cell.x))
            days, symbols = d_idx[cell.ev], s_idx[cell.ev]
            weights = cell.scale[cell.ev] if name == "mean" and cell.scale is not None else None
            centre, sd_independent = _null_moments(cell.moments.by_day, days, name, n, weights)
            sd = math.sqrt(max(sd_independent**2 + relabel[name][1][len(sds)], 0.0))
            centre_s, sd_s = _null_moments(cell.moments.by_symbol, symbols, name, n)
            z = (obs - centre) / sd if sd > 0 else (0.0 if obs == centre else math.copysign(math.inf, obs - centre))
            z_s = (obs - centre_s) / sd_s if sd_s > 0 else (0.0 if obs == centre_s else math.copysign(math.inf, obs - centre_s))
            out[(cell.key["_c"], name)] = {
                "observed": obs,
                "centre": centre,
                "p_placebo": float(2 * norm_sf(abs(z))),
                "p_greater": float(norm_sf(z)),
                "p_less": float(norm_cdf(z)),
                "percentile": float(100 * norm_cdf(z)),
                "p_symbols_null": float(2 * norm_sf(abs(z_s))),
            }
            z_obs.append(z)
            sds.append(sd)
            centres.append(centre)
        if name == "median" or not cells:
            continue
        cov = relabel[name][0]
        with np.errstate(divide="ignore", invalid="ignore"):
            corr = np.nan_to_num(np.clip(cov / np.outer(sds, sds), -1.0, 1.0))
        np.fill_diagonal(corr, 1.0)
        z_null = rng.multivariate_normal(np.zeros(len(cells)), corr, size=NORMAL_REPS, method="eigh").T
        out[("z", name)] = (np.array(z_obs), z_null)
    return out


RELABEL_BUDGET = 4_000_000
"""Values gathered per cell for the same-stock part of :func:`_relabel_covariance`
(:data:`RELABEL_SYMBOLS` x events): past it, the event stocks are subsampled."""

RELABEL_SYMBOLS = 512
"""Sampled symbols behind the same-stock part of :func:`_relabel_covariance` (at most
:data:`CORRELATION_SYMBOLS`)."""


def _relabel_covariance(
    data: Panel, cells: list[_Cell], s_idx: np.ndarray, d_idx: np.ndarray, names: Sequence[str]
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The 'dates' null's covariance of the cells' placebo means (:class:`Relabel`), and
    what the relabelling adds to each cell's variance beyond independent draws, per
    statistic in ``names`` (the mean, the share positive).

    With ``pi`` a random permutation of the ``N`` symbols, two events of one stock land on
    the same random stock (covariance ``C(d, d')``, the cross-sectional covariance of the
    values on their days) and two of different stocks on different ones
    (``-C(d, d') / (N - 1)``): ``Cov(S_a, S_b) = W_ab - (T_ab - W_ab) / (N - 1)`` for the
    placebo sums, ``W`` over pairs of one stock (the same event included), ``T`` over
    all pairs. ``C`` is estimated on the fixed random subset of
    :data:`CORRELATION_SYMBOLS` symbols (exact when the universe is no larger), with
    unknown values at the day's mean. ``T`` and the diagonal need only the events per
    day; ``W`` needs each event stock's sums, so it is taken on the first
    :data:`RELABEL_SYMBOLS` sampled symbols and, past :data:`RELABEL_BUDGET` values, on a
    fixed random subset of the event stocks, then scaled by the diagonal's ratio (all
    events and sampled symbols to the subset's). For the mean, each event's value is its
    cell's volatility ratio times the drawn deviation (``cell.scale``, as :class:`Relabel`
    draws it). Returns, per statistic, the ``(cells, cells)`` covariance of the means and,
    per cell, the variance of its mean minus that of independent draws (the same subset's
    diagonal). The statistics share each cell's sampled rows and event order; the float64
    deviations and their squares go to buffers reused from cell to cell."""
    k = len(cells)
    n_symbols, n_days = data.values[0].shape if data.values else (0, 0)
    rows = np.sort(np.random.default_rng(0).choice(n_symbols, size=min(n_symbols, CORRELATION_SYMBOLS), replace=False))
    stock_of = s_idx
    # the event stocks whose pairs are summed: all, or a fixed random subset within the budget
    shuffled = np.random.default_rng(1).permutation(n_symbols)
    per_stock = np.bincount(stock_of, minlength=n_symbols)[shuffled]
    few = min(rows.size, RELABEL_SYMBOLS)  # the first sampled symbols (a random subset too)
    keep = max(1, int(np.searchsorted(np.cumsum(per_stock), RELABEL_BUDGET // max(few, 1), side="right")))
    chosen = np.zeros(n_symbols, dtype=bool)
    chosen[shuffled[:keep]] = True
    column = np.cumsum(chosen) - 1  # a chosen stock's column in the sums
    sums: dict[str, list[np.ndarray]] = {name: [] for name in names}
    totals: dict[str, list[np.ndarray]] = {name: [] for name in names}
    diagonal, ratio = {name: np.zeros(k) for name in names}, {name: np.ones(k) for name in names}
    dev = np.empty((rows.size, n_days))
    mine_of = [cell.ev[chosen[stock_of[cell.ev]]] for cell in cells]
    # the gathered events' deviations, stock by stock and event by event: one buffer each for
    # every cell (at the budget, 32 MB: a fresh array per cell came from the system, page by page)
    largest = few * max((m.size for m in mine_of), default=0)
    gathered, by_event_buffer = np.empty(largest), np.empty(largest)
    for i, cell in enumerate(cells):
        if not cell.ev.size:
            for name in names:
                sums[name].append(np.zeros((few, keep)))
                totals[name].append(np.zeros(rows.size))
            continue
        sample = data.values[cell.key["_c"]][rows]
        unknown = np.isnan(sample)
        mine = mine_of[i]
        order = mine[np.argsort(stock_of[mine], kind="stable")]
        owner = stock_of[order]
        starts = np.flatnonzero(np.concatenate([[True], owner[1:] != owner[:-1]]))
        days, order_days = d_idx[cell.ev], d_idx[order]
        # the events per day: an unscaled statistic's weights (ones, and their squares) summed, the same floats
        per_day_count: np.ndarray = np.bincount(days, minlength=n_days).astype(np.float64)
        for name in names:
            _deviations(sample, unknown, cell.moments.by_day.mean(name), name == "pct_positive", dev)
            r = cell.scale if name == "mean" and cell.scale is not None else None
            if r is None:
                per_day = per_day_squared = per_day_count
            else:
                weights = r[cell.ev]
                per_day = np.bincount(days, weights=weights, minlength=n_days)
                per_day_squared = np.bincount(days, weights=np.square(weights), minlength=n_days)
            totals[name].append(dev @ per_day)  # each sampled symbol's sum over every event's day
            diagonal[name][i] = float(_squares_by_day(dev) @ per_day_squared)
            a = np.zeros((few, keep))
            if order.size:
                part = gathered[: few * order.size].reshape(few, order.size)
                # row by row: each stock's events contiguous ('clip': the days are all in range, and
                # numpy copies through a temporary for mode 'raise' when given out=)
                np.take(dev[:few], order_days, axis=1, out=part, mode="clip")
                if r is not None:  # times 1 changes nothing
                    part *= r[order][None, :]
                a[:, column[owner[starts]]] = np.add.reduceat(part, starts, axis=1)
                by_event = by_event_buffer[: part.size].reshape(order.size, few)  # the sum below runs event by event, as it always has
                subset = float(np.square(part.T, out=by_event).sum())
                # scaled to all events and to every sampled symbol by the diagonal's ratio
                ratio[name][i] = diagonal[name][i] / rows.size * few / subset if subset > 0 else 1.0
            sums[name].append(a)
    out = {}
    scale = max(n_symbols - 1, 1)
    for name in names:
        cov, extra = np.zeros((k, k)), np.zeros(k)
        for i in range(k):
            for j in range(i, k):
                n_i, n_j = cells[i].x.size, cells[j].x.size
                if not (n_i and n_j):
                    continue
                same = float(np.einsum("js,js->", sums[name][i], sums[name][j])) / few * math.sqrt(ratio[name][i] * ratio[name][j])
                every = float(totals[name][i] @ totals[name][j]) / rows.size
                cov[i, j] = cov[j, i] = (same - (every - same) / scale) / (n_i * n_j)
            if cells[i].x.size:
                extra[i] = cov[i, i] - diagonal[name][i] / rows.size / cells[i].x.size ** 2
        out[name] = (cov, extra)
    return out


SQUARES_ROWS = 32
"""Rows of deviations :func:`_squares_by_day` squares at a time (2.5 MB of float64 at
10,000 days: they stay in the cache)."""


def _squares_by_day(dev: np.ndarray) -> np.ndarray:
    """``np.square(dev).sum(axis=0)``, bit for bit, without the squares of every row: over
    two days or more, a sum over the first axis of a C-ordered array adds the rows one
    after another (row 0, then 1, ...), so summing each chunk's squares below the running
    total, put in as the chunk's first row, adds in the same order (over one day numpy
    sums the column pairwise instead: summed so here too)."""
    rows = dev.shape[0]
    if dev.shape[1] < 2:
        return np.square(dev).sum(axis=0)
    chunk = np.empty((min(rows, SQUARES_ROWS) + 1, dev.shape[1]))
    total = None
    for lo in range(0, rows, SQUARES_ROWS):
        part = dev[lo : lo + SQUARES_ROWS]
        if total is None:
            np.square(part, out=chunk[: part.shape[0]])
            total = chunk[: part.shape[0]].sum(axis=0)
        else:
            chunk[0] = total
            np.square(part, out=chunk[1 : part.shape[0] + 1])
            total = chunk[: part.shape[0] + 1].sum(axis=0)
    return total if total is not None else np.zeros(dev.shape[1])


def _deviations(sample: np.ndarray, unknown: np.ndarray, centre: np.ndarray, positive: bool, out: np.ndarray) -> None:
    """Into ``out`` (float64): each float32 value (``positive``: the indicator value > 0)
    minus its day's float32 ``centre``, 0 where the value or the centre is unknown, an
    infinity at float32's largest finite value (what ``nan_to_num`` gives, in place on the
    float32 difference: NaN in one pass, its infinity tests only where there is one; then
    one widening copy)."""
    deviation = np.subtract(sample > 0 if positive else sample, centre.astype(np.float32)[None, :], dtype=np.float32)
    if positive:
        np.copyto(deviation, np.float32(0), where=unknown)
    np.copyto(deviation, np.float32(0), where=np.isnan(deviation))
    if np.isinf(deviation).any():  # a float32 overflow: never from returns, but kept as it was
        np.nan_to_num(deviation, copy=False)
    np.copyto(out, deviation)


def _null_moments(moments: Moments, group: np.ndarray, name: str, n: int, scale: np.ndarray | None = None) -> tuple[float, float]:
    """Mean and standard deviation of the placebo statistic: events keep their group.
    ``scale``: each event's ratio multiplying its draw's deviation from the group's mean
    (:class:`Relabel`), which multiplies that draw's variance by its square."""
    k = np.bincount(group, minlength=moments.n.size).astype(np.float64)
    used = k > 0
    centre = float((k[used] * moments.mean(name)[used]).sum() / n)
    k2 = k if scale is None else np.bincount(group, weights=np.square(scale), minlength=moments.n.size)
    var = float((k2[used] * moments.variance(name)[used]).sum() / n**2)
    return centre, math.sqrt(var)


CORRELATION_SYMBOLS = 512
"""Symbols (a fixed random subset) from which the moment-based 'dates' null estimates the
cross-sectional covariances of the values (:func:`_relabel_covariance`)."""


def _warning(n: int, n_eff: float) -> str | None:
    if n < MIN_TESTED:
        return too_few_warning(n)
    if not math.isnan(n_eff) and n_eff < NEFF_WARNING:
        return f"effective sample size {n_eff:.1f} < {NEFF_WARNING:.0f}: the events bunch on few dates with overlapping windows"
    return None


CALENDAR_NOTE = (
    "t_calendar and p_calendar (tests.csv; 'NW t' and 'NW p' in report.md and report.html) are the calendar-time "
    "portfolio test of the average: each day, the stocks with an event in the last h trading days (equally weighted) "
    "against all stocks, the mean daily excess tested with Newey-West errors; days, not events, are its observations"
)


def dates_untested(study: Study, null: str) -> list[str]:
    """The statistics a universe study's 'dates' null does not test: the median, when the
    condition reads the stock's own prices (benchmarks/calibrate_outcomes.py --universe
    --evaluator forward_returns: 15.2% of true nulls rejected at 5%, the average 3.2%)."""
    return ["median"] if null == "dates" and picks_by_own_prices(study) else []


def calibration_warnings(
    study: Study, null: str, misjudged: list[str], dates_tested: Collection[tuple[str, str]] = (), units: Mapping[str, str] | None = None,
    refusal: str | None = None, *, symbols_tested: bool = True,
) -> list[str]:
    """What the calibrations showed the panel tests get wrong, when it applies to this
    study (``null``: its headline), all under a condition on the stock's own prices: the
    'symbols' null (benchmarks/calibrate_universe.py: random walks, nothing to find); and
    under the 'dates' null, the ``misjudged`` measures (the null is the headline all the
    same: asked for, or the histories cannot be built), the median it leaves untested
    (:func:`dates_untested`), and the shares among the ``(measure, statistic)`` it did
    test (``dates_tested``): the share positive, and the average of a measure whose unit
    (``units``) is a share, the hit rate (benchmarks/calibrate_outcomes.py --universe for
    these). ``refusal``: why the histories null cannot run for this study, if it cannot
    (the warnings then say so instead of pointing to it). ``symbols_tested``: whether
    any cell has a 'symbols' null p-value (none without a complete outcome: no warning
    of it then). (Horizons over three times the declustering gap were another warning, while
    the 'dates' null redrew each event's stock on its own: 10-13% rejections at 6m with a
    21-day gap; relabelling whole stocks holds 5.5-6%.)"""
    warnings = []
    if symbols_tested and picks_by_own_prices(study):
        warnings.append(
            "warning: the 'symbols' null (p_symbols_null) is not a valid test here: the condition picks each "
            "stock's days by its own prices, which the null's random days of the same stock are not (on random "
            "walks with 'close at 52-week high' it rejected in 47% of cases at 1m at the 5% level); read it as a "
            "description, and the headline p-value (the 'dates' or histories null) as the test"
        )
    if null == "dates" and misjudged:
        warnings.append(
            f"warning: the 'dates' null is not a valid test of {measures_named(misjudged)} here: the condition picks each "
            "stock's days by its own prices, and with them the estimates (alpha, beta) or the volatility these "
            "measures depend on, which the other stocks on the same days do not share (on simulated universes where "
            "nothing predicts returns it rejected 94% of true nulls of the market model's average abnormal return "
            "at the 5% level, and 70-80% of the worst and best close ahead); "
            + (f"the histories null, which would test them, cannot run here ({refusal})" if refusal else f"{option('null', 'histories')} re-runs the rule on resampled universes")
        )
    if dates_tested and "median" in dates_untested(study, null):
        warnings.append(
            "the 'dates' null does not test the median here: a condition on the stock's own prices picks "
            "volatile stocks, whose median return is below their average (compounding), which the other stocks on the "
            "same days are not (on simulated universes where nothing predicts returns its test of the median rejected "
            "15.2% of true nulls at the 5% level, the average's 3.2%); the median is shown without a p-value "
            + ("(the histories null, which tests it, cannot run here)" if refusal else f"({option('null', 'histories')} tests it)")
        )
    shares = list(dict.fromkeys(
        "the share positive" if statistic == "pct_positive" else f"the average of '{measure}'"
        for measure, statistic in dates_tested
        if statistic == "pct_positive" or (statistic == "mean" and (units or {}).get(measure) == "share")
    ))
    if shares and picks_by_own_prices(study):
        warnings.append(
            f"warning: the 'dates' null's tests of {' and '.join(shares)} over-reject a little here, for the same reason "
            "as the median's (on those universes 7.7% of true nulls at the 5% level, for the forward return's share "
            "positive and the hit rate alike; the average return's 3.2%): read the average return's p-value (with the "
            "Driscoll-Kraay and calendar-time tests) as the test" + ("" if refusal else f", or {option('null', 'histories')}")
        )
    return warnings
