"""How volatile each event's stock is expected to be over its window, relative to that day's stocks.

The 'dates' null of a universe study (:mod:`eventstudy.inference.panel`) compares the
events' stocks with other stocks on the same days. Rules on prices pick stocks after
large moves, and volatility clusters: under GARCH the event stocks are a few percent more
volatile than the day's average stock over the next days, so placebo stocks drawn at
random spread too little and the test rejects too often (7% at 5% on common-factor
GARCH-t panels at 1w and 1m, 9-10% with a 126-day gap: ``benchmarks/calibrate_universe.py``).

The remedy scales each placebo value's deviation from its day's mean by the event's
ratio ``r = sqrt(f[s, d] / fbar[d])``: ``f[s, d]`` forecasts the variance of stock ``s``'s
idiosyncratic daily returns (its next-day return minus that day's mean over the stocks)
over the ``h`` days of the event's window, from returns known at the event's close, and
``fbar[d]`` is the same forecast averaged over the day's stocks. The forecast is a
GARCH(1,1)'s with typical parameters (Bollerslev 1986; persistence ``alpha + beta =
0.98``, ``beta = 0.90``) and the stock's own levels: tomorrow's variance is the last
year's variance ``L`` plus ``alpha / (1 - beta) = 0.8`` of the gap to an exponentially
weighted mean ``E`` of its squared returns (decay 0.90: the last day weighs 0.1, a
GARCH's ``alpha`` on the newest shock), and the excess decays as ``0.98^t`` over the
horizon (its mean share over ``h`` days: 0.96 at 1w, 0.57 at 3m, 0.37 at 6m). Measured on
the calibration panels: a trailing window as long as the horizon left 7.0% rejections at
3m with a 126-day gap; a blend of the last month's and year's flat variances left the
factor panels' 1w z-score spread at 1.07-1.10 (a new high often comes with a large last
move, which a flat month weighs at 1/21); the event's own window (realized variance) was
conservative at 6m (2%), its large moves widening its own null. The null's variance is
linear in ``r^2``, so estimation noise in the forecasts does not bias its spread (a ratio
of two noisy estimates would: ``E[1 / v] > 1 / E[v]``).

Reference: Bollerslev, T. (1986). Generalized autoregressive conditional
heteroskedasticity. *Journal of Econometrics* 31, 307-327.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor, ThreadPoolExecutor

import numpy as np

from eventstudy.inference.abnormal import FloatArray, IntArray

__all__ = ["DAY_SYMBOLS", "DECAY", "EWMA", "EWMA_DAYS", "LONG", "DayTotals", "day_totals", "forecast_ratio", "recent_weight", "window_variances"]

DAY_SYMBOLS = 512
"""Symbols (a fixed random subset) over which a day's mean variance is taken: its
relative error is the variances' dispersion over ``sqrt(512)``, about 4% a day, and it
averages out over the events' days."""


Span = tuple[int, int]
"""Days ``d + start .. d + stop - 1`` of next-day returns around an event on day ``d``:
``(-k, 0)`` the ``k`` returns known at its close, ``(lag, lag + h)`` those of its window."""

PERSISTENCE = 0.98
"""Daily persistence of variance (``alpha + beta`` of a GARCH(1,1)); fitted values for
stocks are typically 0.95-0.99 (the calibration panels use 0.98, and 0.95 as a check)."""

DECAY = 0.90
"""A GARCH(1,1)'s ``beta``: its variance is an exponentially weighted mean of past squared
returns with this decay (half-life 6.6 days), plus a constant."""

SHOCK_SHARE = (PERSISTENCE - DECAY) / (1 - DECAY)
"""``alpha / (1 - beta)``: the weighted mean's share in tomorrow's variance (0.8)."""

LONG = (-252, 0)
"""The span behind the long-run level: the last year's returns."""


def recent_weight(horizon_days: int) -> float:
    """The share of tomorrow's excess variance left on average over the next
    ``horizon_days`` days: ``(1 - rho^h) / (h (1 - rho))``, the GARCH(1,1) term structure
    (a shock to today's variance decays as ``rho^t``; the rest is the long-run level)."""
    h = max(int(horizon_days), 1)
    return (1 - PERSISTENCE**h) / (h * (1 - PERSISTENCE))


def forecast_ratio(variances: dict[Span | str, tuple[FloatArray, FloatArray]], horizon_days: int) -> FloatArray:
    """Each event's ratio for an ``horizon_days`` return: its stock's GARCH(1,1) forecast
    of the mean variance over the horizon, ``L + w (S - L)`` with ``L`` the last year's
    variance, ``S`` tomorrow's (``(1 - SHOCK_SHARE) L + SHOCK_SHARE E``, ``E`` the
    exponentially weighted mean of squares: :data:`EWMA`) and ``w``
    :func:`recent_weight`, over the same forecast for its day's stocks; ``E`` alone where
    the year is short, 1 where neither is known."""
    w = recent_weight(horizon_days) * SHOCK_SHARE
    (own_recent, day_recent), (own_long, day_long) = variances[EWMA], variances[LONG]
    long_known = ~np.isnan(own_long) & ~np.isnan(day_long)
    own = np.where(long_known, w * own_recent + (1 - w) * own_long, own_recent)
    day = np.where(long_known, w * day_recent + (1 - w) * day_long, day_recent)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.sqrt(own / day)
    return np.where(np.isfinite(ratio), ratio, 1.0)


def window_variances(
    daily: np.ndarray,
    s_idx: IntArray,
    d_idx: IntArray,
    spans: Sequence[Span],
    *,
    decay: float | None = None,
    rows_per_chunk: int = 256,
    events_per_chunk: int = 2048,
    workers: int = 1,
    totals: DayTotals | None = None,
) -> dict[Span | str, tuple[FloatArray, FloatArray]]:
    """Per span, each event's ``v[s, d]`` and its day's ``vbar[d]`` (NaN: no estimate): the
    sample variance of the stock's idiosyncratic returns in the span, and its mean over
    the day's stocks.

    ``daily`` is ``(symbols, days)`` next-day simple returns (``daily[s, t]`` is known at the
    close of ``t + 1``; NaN: none); ``s_idx``, ``d_idx`` the events' symbol and day indices.
    An estimate needs at least half the span's returns (and 2). ``vbar[d]`` is taken over a
    fixed random subset of :data:`DAY_SYMBOLS` symbols (all of a smaller universe). With
    ``decay`` the result also holds, under :data:`EWMA`, the exponentially weighted mean of
    the squared idiosyncratic returns of the last :data:`EWMA_DAYS` known at the event's
    close (weights ``(1 - decay) decay^k`` on the return ``k`` days before the last,
    normalized over the known ones; at least 10 of them).

    The work is linear in the events and the subset, not in the panel: each event's
    returns are gathered over its spans (a few hundred per event, ``events_per_chunk``
    events at a time: 2,048 events' year of float64 returns, 4 MB, stays in the cache;
    OpenBLAS multiplies chunks of about 1,000 events or fewer with another kernel, whose
    last bits differ), and the subset's rows
    get running sums along the days, read on the event days. One pass over ``daily``
    takes the days' means (``totals``: its :func:`day_totals`, if already taken). ``workers``
    threads share the events' chunks and the subset (numpy releases the GIL); the results
    do not depend on them.
    """
    n_symbols, n_days = daily.shape
    spans = sorted({(int(a), int(b)) for a, b in spans})
    keys = _keys(spans, decay)
    if not s_idx.size or not keys or not n_days:
        return {key: (np.full(s_idx.size, np.nan), np.full(s_idx.size, np.nan)) for key in keys}
    on_day = np.bincount(d_idx, minlength=n_days) > 0  # np.unique(d_idx, return_inverse=True) by counting: the days are indices
    event_days, slot = np.flatnonzero(on_day), (np.cumsum(on_day) - 1)[d_idx]
    sampled = np.zeros(n_symbols, dtype=bool)
    sampled[np.random.default_rng(0).choice(n_symbols, size=min(n_symbols, DAY_SYMBOLS), replace=False)] = True
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            day_mean = _day_mean(totals if totals is not None else day_totals(daily, rows_per_chunk, pool))
            in_subset = pool.submit(_subset_means, daily, np.flatnonzero(sampled), day_mean, event_days, spans, decay, rows_per_chunk)
            own = _at_events(daily, day_mean, s_idx, d_idx, spans, decay, events_per_chunk, pool)
            day = in_subset.result()
    else:
        day_mean = _day_mean(totals if totals is not None else day_totals(daily, rows_per_chunk))
        own = _at_events(daily, day_mean, s_idx, d_idx, spans, decay, events_per_chunk)
        day = _subset_means(daily, np.flatnonzero(sampled), day_mean, event_days, spans, decay, rows_per_chunk)
    return {key: (own[key], day[key][slot.ravel()]) for key in keys}


EWMA = "ewma"
"""The key of the exponentially weighted variance in :func:`window_variances`' result."""

EWMA_DAYS = -LONG[0]
"""Returns behind the exponentially weighted mean: the year behind ``L``. Older weights
would sum to ``0.90^252``, 3e-12 of the total; the cut keeps the work per event bounded."""

MIN_WEIGHTED = 10
"""Known returns the exponentially weighted mean needs among its :data:`EWMA_DAYS`."""


def _keys(spans: list[Span], decay: float | None) -> list[Span | str]:
    """The estimates asked: each span's variance, and the weighted mean with ``decay``."""
    return [*spans, *([EWMA] if decay is not None else [])]


DayTotals = tuple[FloatArray, FloatArray]
"""Each day's sum of the next-day returns known that day, over every stock, and their
count (:func:`day_totals`)."""


def day_totals(daily: np.ndarray, rows_per_chunk: int = 256, pool: Executor | None = None) -> DayTotals:
    """:data:`DayTotals` of ``(symbols, days)`` returns (NaN: none), ``rows_per_chunk``
    stocks at a time: each block's float32 values summed in float64, the blocks added in
    order (on ``pool``'s threads, if given: the one-thread sums). The volatility forecasts'
    day means and the calendar-time test's all-stocks returns are both these sums, taken
    once."""
    n_symbols, n_days = daily.shape

    def block(lo: int) -> tuple[np.ndarray, np.ndarray]:
        part = daily[lo : lo + rows_per_chunk]
        known = ~np.isnan(part)
        return np.where(known, part, np.float32(0)).sum(axis=0, dtype=np.float64), known.sum(axis=0)

    day_sum, day_n = np.zeros(n_days), np.zeros(n_days)
    starts = range(0, n_symbols, rows_per_chunk)
    for sums, counts in map(block, starts) if pool is None else pool.map(block, starts):
        day_sum += sums
        day_n += counts
    return day_sum, day_n


def _day_mean(totals: DayTotals) -> np.ndarray:
    """Each day's mean next-day return over the stocks with one (float32; NaN: none)."""
    day_sum, day_n = totals
    with np.errstate(invalid="ignore", divide="ignore"):
        return (day_sum / day_n).astype(np.float32)


def _min_count(span: Span) -> int:
    """Known returns a span's variance needs: half of them, and 2."""
    return max(2, (span[1] - span[0] + 1) // 2)


def _ewma_weights(decay: float) -> FloatArray:
    """The weights of the :data:`EWMA_DAYS` returns before an event's close, oldest first."""
    return (1 - decay) * decay ** np.arange(EWMA_DAYS - 1, -1, -1, dtype=np.float64)


def _at_events(
    daily: np.ndarray, day_mean: np.ndarray, s_idx: IntArray, d_idx: IntArray, spans: list[Span], decay: float | None, per_chunk: int,
    pool: Executor | None = None,
) -> dict[Span | str, FloatArray]:
    """Each event's estimates from its own returns, gathered over the union of its spans
    (and the weighted mean's year) as ``(events, width)`` rows, ``per_chunk`` events at a
    time (on ``pool``'s threads, if given): each estimate's sums and sums of squares are
    one matrix product of the rows with a column per estimate (ones over a span, the
    weights over the year), and its count (weight) the column's, less that of the
    missing returns of the few windows that have some."""
    n_days = daily.shape[1]
    first = min([a for a, _ in spans] + ([-EWMA_DAYS] if decay is not None else []))
    width = max([b for _, b in spans] + ([0] if decay is not None else [])) - first
    keys = _keys(spans, decay)
    columns = np.zeros((width, len(keys) + 1))  # which returns each estimate sums, with what weight
    for j, key in enumerate(keys):
        if isinstance(key, tuple):
            columns[key[0] - first : key[1] - first, j] = 1.0
        else:
            assert decay is not None
            columns[-EWMA_DAYS - first : -first, j] = _ewma_weights(decay)
            columns[-EWMA_DAYS - first : -first, -1] = 1.0  # the weighted mean's known returns
    flat = daily.reshape(-1)
    rows = np.lib.stride_tricks.sliding_window_view(flat, width) if flat.size >= width else None
    padded = np.concatenate([np.full(width, np.nan, np.float32), day_mean, np.full(width, np.nan, np.float32)])
    means = np.lib.stride_tricks.sliding_window_view(padded, width)
    offsets = np.arange(first, first + width)
    count, total, square = (np.empty((s_idx.size, columns.shape[1])) for _ in range(3))
    every = columns.sum(axis=0)  # each estimate's count (weight) when every return is known

    def fill(lo: int) -> None:
        """One chunk of events, into its own rows of the sums (chunks can run on threads)."""
        s, d = s_idx[lo : lo + per_chunk], d_idx[lo : lo + per_chunk]
        start = s * n_days + d + first
        part = np.flatnonzero((d + first < 0) | (d + first + width > n_days))  # windows that reach past the stock's first or last day
        if rows is not None:  # every window row by row (those few gathered again below: in a chunk of a stock's events from its first days, all of them were)
            x = rows[np.clip(start, 0, flat.size - width)]
        else:
            x, part = np.empty((s.size, width), flat.dtype), np.arange(s.size)
        if part.size:  # one index at a time, masked
            days = d[part, None] + offsets
            edge = flat[np.clip(s[part, None] * n_days + days, 0, flat.size - 1)]
            edge[(days < 0) | (days >= n_days)] = np.nan
            x[part] = edge
        np.subtract(x, means[np.clip(d + first + width, 0, n_days + width)], out=x)  # x is a gathered copy; past either end: the NaN padding
        missing = np.isnan(x)
        gaps = np.flatnonzero(missing.any(axis=1))  # the few windows with a missing return
        x[missing] = 0.0
        x64 = x.astype(np.float64)
        total[lo : lo + per_chunk] = x64 @ columns
        square[lo : lo + per_chunk] = np.square(x64, out=x64) @ columns
        mine = count[lo : lo + per_chunk]
        mine[:] = every
        mine[gaps] -= missing[gaps] @ columns

    starts = range(0, s_idx.size, per_chunk)
    if pool is None:
        for lo in starts:
            fill(lo)
    else:
        list(pool.map(fill, starts))
    out: dict[Span | str, FloatArray] = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for j, key in enumerate(keys):
            if isinstance(key, tuple):
                n, s1, s2 = count[:, j], total[:, j], square[:, j]
                v = (s2 - s1 * s1 / n) / (n - 1)
                v[n < _min_count(key)] = np.nan
            else:
                v = square[:, j] / count[:, j]
                v[count[:, -1] < MIN_WEIGHTED] = np.nan
            out[key] = v
    return out


def _subset_means(
    daily: np.ndarray, rows: IntArray, day_mean: np.ndarray, event_days: IntArray, spans: list[Span], decay: float | None, rows_per_chunk: int
) -> dict[Span | str, FloatArray]:
    """Per event day, the mean over ``rows`` of each estimate (NaN: none known): running
    sums along the days, :data:`SUBSET_ROWS` rows at a time, read on the event days and
    summed ``rows_per_chunk`` rows at a time."""
    keys = _keys(spans, decay)
    totals = {key: np.zeros(event_days.size) for key in keys}
    counts = {key: np.zeros(event_days.size) for key in keys}
    for lo in range(0, rows.size, rows_per_chunk):
        chunk = rows[lo : lo + rows_per_chunk]
        found = {key: np.empty((chunk.size, event_days.size)) for key in keys}
        for part in range(0, chunk.size, SUBSET_ROWS):  # a few MB per array: reused memory, in the cache
            for key, v in _estimates(daily, chunk[part : part + SUBSET_ROWS], day_mean, event_days, spans, decay).items():
                found[key][part : part + SUBSET_ROWS] = v
        for key, v in found.items():
            ok = ~np.isnan(v)
            totals[key] += np.where(ok, v, 0.0).sum(axis=0)
            counts[key] += ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {key: totals[key] / counts[key] for key in keys}


SUBSET_ROWS = 64
"""Rows of the subset whose running sums are taken at once (:func:`_subset_means`): 5 MB
per float64 array over 10,000 days, which the allocator reuses and the cache holds. At
256 rows each was 20 MB, and glibc served every such array of a worker thread from a new
heap that it deleted on free, so each one page-faulted in again (``docs/performance.md``).
The estimates do not depend on it."""


def _estimates(
    daily: np.ndarray, rows: IntArray, day_mean: np.ndarray, event_days: IntArray, spans: list[Span], decay: float | None
) -> dict[Span | str, np.ndarray]:
    """``(rows, event days)``: each estimate of each of ``rows`` on each event day. The
    counts and weights of known returns depend on a row's known days only: they are taken
    once per distinct pattern of them (:func:`_known_patterns`; a universe's stocks with a
    full history share one) and copied to its rows, the same values as row by row."""
    n_days = daily.shape[1]
    idio = daily[rows] - day_mean[None, :]
    known = ~np.isnan(idio)
    idio[~known] = 0.0
    squares = np.square(idio, dtype=np.float64)
    patterns, pattern_of = _known_patterns(known)
    running = []
    for x in (patterns, idio, squares):  # counts (per pattern), sums, sums of squares
        c = np.zeros((x.shape[0], n_days + 1))
        np.cumsum(x, axis=1, out=c[:, 1:])  # prefix sums along the days
        running.append(c)
    found: dict[Span | str, np.ndarray] = {}
    for span in spans:
        first, last = np.clip(event_days + span[0], 0, n_days), np.clip(event_days + span[1], 0, n_days)
        n, s1, s2 = (c.take(last, axis=1) - c.take(first, axis=1) for c in running)  # np.take: the same columns as c[:, last], in half the time
        n = n[pattern_of]
        with np.errstate(invalid="ignore", divide="ignore"):
            v = (s2 - s1 * s1 / n) / (n - 1)
        v[n < _min_count(span)] = np.nan
        found[span] = v
    if decay is not None:
        found[EWMA] = _weighted_at_close(squares, patterns, pattern_of, running[0], event_days, decay)
    return found


def _known_patterns(known: np.ndarray) -> tuple[np.ndarray, IntArray]:
    """The distinct rows of ``known`` and each row's index among them (rows compared by
    their packed bits: ``np.unique(known, axis=0)`` sorts the bools a thousand times slower)."""
    packed = np.packbits(known, axis=1)  # equal rows, equal bytes (the last byte padded with zeros alike)
    _, first, pattern_of = np.unique(packed.view(np.dtype((np.void, packed.shape[1]))).ravel(), return_index=True, return_inverse=True)
    return known[first], pattern_of.ravel()


def _weighted_at_close(
    squares: np.ndarray, patterns: np.ndarray, pattern_of: IntArray, seen: np.ndarray, event_days: IntArray, decay: float
) -> np.ndarray:
    """``(rows, event days)``: the exponentially weighted mean of the squares of the
    :data:`EWMA_DAYS` returns before each day's close (NaN: fewer than
    :data:`MIN_WEIGHTED` known). The full weighted means ``y`` cut to a year by
    ``y[t] - decay^K y[t - K]``; the weights and ``seen``, the running counts of known
    returns, per pattern of known days (``patterns``, row ``i``'s ``pattern_of[i]``)."""
    n_days = squares.shape[1]
    last = event_days - 1  # the newest return known at the close of an event day
    older = last - EWMA_DAYS
    cut = decay**EWMA_DAYS
    parts = []
    for x in (squares, patterns):
        y = _weighted_mean(x, decay)
        at = np.where(last[None, :] >= 0, y.take(np.maximum(last, 0), axis=1), 0.0)
        parts.append(at - cut * np.where(older[None, :] >= 0, y.take(np.maximum(older, 0), axis=1), 0.0))
    top, weight = parts[0], parts[1][pattern_of]
    n = (seen.take(np.clip(last + 1, 0, n_days), axis=1) - seen.take(np.clip(older + 1, 0, n_days), axis=1))[pattern_of]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = top / weight
    mean[n < MIN_WEIGHTED] = np.nan
    return mean


EWM_BLOCK = 64
"""Days per block of :func:`_weighted_mean` (``decay^-63`` stays small: 767 at 0.90)."""


def _weighted_mean(x: np.ndarray, decay: float) -> np.ndarray:
    """``y[:, t] = (1 - decay) sum_{u <= t} decay^(t - u) x[:, u]`` in float64 (what
    ``scipy.signal.lfilter([1 - decay], [1, -decay], x, axis=1)`` gives, without importing
    scipy.signal, half a second): within blocks of :data:`EWM_BLOCK` days a cumulative sum
    of ``x decay^-j`` times ``decay^j``, then each block's carry from the one before.

    Every block's sum is taken in one call, over the days padded to whole blocks (a
    cumulative sum reads no later day), and only the carries, one per row and block, are
    chained block by block: the same operations on each value as block after block over
    every row (157 calls per step on 64-day slices, 0.1 s of CPU per forecast at 10,000
    days), so the same bits."""
    rows, days = x.shape
    blocks = -(-days // EWM_BLOCK)
    powers = decay ** np.arange(EWM_BLOCK, dtype=np.float64)
    out = np.zeros((rows, blocks * EWM_BLOCK))
    np.divide(x, np.tile(powers, blocks)[:days], out=out[:, :days])
    y = out.reshape(rows, blocks, EWM_BLOCK)
    np.cumsum(y, axis=2, out=y)
    y *= (1 - decay) * powers
    step = decay * powers
    carry = np.zeros((rows, blocks))  # into each block: the one before's last day, its own carry added
    for b in range(1, blocks):  # a loop over blocks of days, each on one value per row
        carry[:, b] = y[:, b - 1, -1] + carry[:, b - 1] * step[-1]
    y += carry[:, :, None] * step
    return out[:, :days]
