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

import numpy as np

from eventstudy.inference.abnormal import FloatArray, IntArray

__all__ = ["DAY_SYMBOLS", "DECAY", "EWMA", "LONG", "forecast_ratio", "recent_weight", "window_variances"]

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
    daily: np.ndarray, s_idx: IntArray, d_idx: IntArray, spans: Sequence[Span], *, decay: float | None = None, rows_per_chunk: int = 256
) -> dict[Span | str, tuple[FloatArray, FloatArray]]:
    """Per span, each event's ``v[s, d]`` and its day's ``vbar[d]`` (NaN: no estimate): the
    sample variance of the stock's idiosyncratic returns in the span, and its mean over
    the day's stocks.

    ``daily`` is ``(symbols, days)`` next-day simple returns (``daily[s, t]`` is known at the
    close of ``t + 1``; NaN: none); ``s_idx``, ``d_idx`` the events' symbol and day indices.
    An estimate needs at least half the span's returns (and 2). ``vbar[d]`` is taken over a
    fixed random subset of :data:`DAY_SYMBOLS` symbols (all of a smaller universe). One
    pass over ``daily``, a few hundred symbols at a time, with running sums along the days
    read only at the events (and at the subset's rows on the event days). With ``decay``
    the result also holds, under :data:`EWMA`, the exponentially weighted mean of the
    squared idiosyncratic returns known at the event's close (weights ``(1 - decay)
    decay^k`` on the return ``k`` days before the last, normalized over the known ones; at
    least 10 of them).
    """
    n_symbols, n_days = daily.shape
    spans = sorted({(int(a), int(b)) for a, b in spans})
    keys: list[Span | str] = [*spans, *([EWMA] if decay is not None else [])]
    if not s_idx.size or not keys or not n_days:
        return {key: (np.full(s_idx.size, np.nan), np.full(s_idx.size, np.nan)) for key in keys}
    day_sum, day_n = np.zeros(n_days), np.zeros(n_days)
    for lo in range(0, n_symbols, rows_per_chunk):
        part = daily[lo : lo + rows_per_chunk]
        known = ~np.isnan(part)
        day_sum += np.where(known, part, 0).sum(axis=0, dtype=np.float64)
        day_n += known.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        day_mean = (day_sum / day_n).astype(np.float32)
    event_days, slot = np.unique(d_idx, return_inverse=True)
    slot = slot.ravel()
    sampled = np.zeros(n_symbols, dtype=bool)
    sampled[np.random.default_rng(0).choice(n_symbols, size=min(n_symbols, DAY_SYMBOLS), replace=False)] = True
    totals: dict[Span | str, FloatArray] = {key: np.zeros(event_days.size) for key in keys}
    counts: dict[Span | str, FloatArray] = {key: np.zeros(event_days.size) for key in keys}
    own: dict[Span | str, FloatArray] = {key: np.full(s_idx.size, np.nan) for key in keys}
    order = np.argsort(s_idx, kind="stable")
    s_sorted = s_idx[order]
    for lo in range(0, n_symbols, rows_per_chunk):
        part = daily[lo : lo + rows_per_chunk]
        a, b = np.searchsorted(s_sorted, [lo, lo + part.shape[0]])
        mine = order[a:b]
        rows = np.flatnonzero(sampled[lo : lo + part.shape[0]])
        if not mine.size and not rows.size:
            continue
        idio = part - day_mean[None, :]
        known = ~np.isnan(idio)
        dense = bool(known.all())
        if not dense:
            idio[~known] = 0.0
        running = []
        for x in (idio, np.square(idio)) if dense else (known, idio, np.square(idio)):  # (counts,) sums, sums of squares
            c = np.zeros((part.shape[0], n_days + 1))
            np.cumsum(x, axis=1, out=c[:, 1:])  # prefix sums along the days
            running.append(c.reshape(-1))
        weighted = None
        if decay is not None:
            seen = None if dense else running[0].reshape(part.shape[0], n_days + 1)[:, 1:]  # known returns so far
            weighted = _ewma(np.square(idio), known, seen, decay)
        grid = np.repeat(rows, event_days.size), np.tile(event_days, rows.size)  # the subset's rows on every event day
        for key in keys:
            for at_events, (row, day) in ((True, (s_idx[mine] - lo, d_idx[mine])), (False, grid)):
                if isinstance(key, tuple):
                    v = _variance(running, dense, n_days, row, day, key)
                else:
                    assert weighted is not None
                    v = _at_close(weighted, row, day)
                if at_events:
                    own[key][mine] = v
                elif rows.size:
                    v = v.reshape(rows.size, event_days.size)
                    ok = ~np.isnan(v)
                    totals[key] += np.where(ok, v, 0.0).sum(axis=0)
                    counts[key] += ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {key: (own[key], (totals[key] / counts[key])[slot]) for key in keys}


EWMA = "ewma"
"""The key of the exponentially weighted variance in :func:`window_variances`' result."""


def _ewma(squares: np.ndarray, known: np.ndarray, seen: np.ndarray | None, decay: float) -> np.ndarray:
    """``(rows, days)``: per day, the exponentially weighted mean of ``squares`` up to and
    including it (NaN before 10 known values; ``seen``: the known values so far, None when
    every value is known)."""
    top = _weighted_mean(squares, decay)
    if seen is None:
        weight = (1 - decay ** np.arange(1, squares.shape[1] + 1))[None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = top / weight
        mean[:, :9] = np.nan
        return mean
    weight = _weighted_mean(known, decay)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = top / weight
    mean[seen < 10] = np.nan
    return mean


EWM_BLOCK = 64
"""Days per block of :func:`_weighted_mean` (``decay^-63`` stays small: 767 at 0.90)."""


def _weighted_mean(x: np.ndarray, decay: float) -> np.ndarray:
    """``y[:, t] = (1 - decay) sum_{u <= t} decay^(t - u) x[:, u]`` in float64 (what
    ``scipy.signal.lfilter([1 - decay], [1, -decay], x, axis=1)`` gives, without importing
    scipy.signal, half a second): within blocks of :data:`EWM_BLOCK` days a cumulative sum
    of ``x decay^-j`` times ``decay^j``, then each block's carry from the one before."""
    rows, days = x.shape
    out = np.empty((rows, days))
    powers = decay ** np.arange(EWM_BLOCK, dtype=np.float64)
    carry = np.zeros(rows)
    for start in range(0, days, EWM_BLOCK):  # a loop over blocks of days, each a pass over every row
        part = x[:, start : start + EWM_BLOCK]
        k = part.shape[1]
        y = out[:, start : start + k]
        np.cumsum(part / powers[:k], axis=1, out=y)
        y *= (1 - decay) * powers[:k]
        y += carry[:, None] * (decay * powers[:k])
        carry = y[:, -1]
    return out


def _at_close(weighted: np.ndarray, row: IntArray, day: IntArray) -> FloatArray:
    """The weighted mean of the returns known at the close of ``day`` (those of days up to
    ``day - 1``: ``daily[s, t]`` is known at the close of ``t + 1``); NaN on the first day."""
    before = day - 1
    out = np.full(row.size, np.nan)
    ok = before >= 0
    out[ok] = weighted[row[ok], before[ok]]
    return out


def _variance(running: list[np.ndarray], dense: bool, n_days: int, row: IntArray, day: IntArray, span: Span) -> FloatArray:
    """Sample variance of the returns in ``span`` around each ``(row, day)``, from the flat
    prefix sums ``running`` (counts unless ``dense``, sums, sums of squares; rows of
    ``n_days + 1``); NaN with fewer than half the span's returns (or 2)."""
    start, stop = span
    width = n_days + 1
    first, last = np.clip(day + start, 0, n_days), np.clip(day + stop, 0, n_days)
    sums = [c[row * width + last] - c[row * width + first] for c in running]
    n, s1, s2 = ([(last - first).astype(np.float64)] if dense else []) + sums
    with np.errstate(invalid="ignore", divide="ignore"):
        v = (s2 - s1 * s1 / n) / (n - 1)
    v[n < max(2, (stop - start + 1) // 2)] = np.nan
    return v
