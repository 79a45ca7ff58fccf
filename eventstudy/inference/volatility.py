"""How volatile each event's stock was just before its event, relative to that day's stocks.

The 'dates' null of a universe study (:mod:`eventstudy.inference.panel`) compares the
events' stocks with other stocks on the same days. Rules on prices pick stocks after
large moves, and volatility clusters: under GARCH the event stocks are a few percent more
volatile than the day's average stock over the next days, so placebo stocks drawn at
random spread too little and the test rejects too often (7% at 5% on common-factor
GARCH-t panels at 1w and 1m, 9-10% with a 126-day gap: ``benchmarks/calibrate_universe.py``).

The remedy scales each placebo value's deviation from its day's mean by the event's
ratio ``r = sqrt(v[s, d] / vbar[d])``: ``v[s, d]`` is the sample variance of stock ``s``'s
idiosyncratic daily returns (its next-day return minus that day's mean over the stocks)
over the ``k`` days before the event (returns known at the event's close), ``vbar[d]`` the
mean of ``v`` over the stocks with an estimate that day. ``k`` is the horizon, at least
:data:`MIN_WINDOW` days (a 1-week return's volatility is forecast from the last month, a
6-month return's from the last six months). The sample variance is unbiased whatever the
tails, and the null's variance is linear in ``r^2``, so estimation noise in ``v`` does not
bias the null's spread (a ratio of two noisy estimates would: ``E[1 / v] > 1 / E[v]``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from eventstudy.inference.abnormal import FloatArray, IntArray

__all__ = ["DAY_SYMBOLS", "MIN_WINDOW", "forecast_window", "relative_volatility"]

MIN_WINDOW = 21
"""The shortest window (trading days) of returns behind a volatility estimate: a month."""

DAY_SYMBOLS = 512
"""Symbols (a fixed random subset) over which a day's mean variance is taken: its
relative error is the variances' dispersion over ``sqrt(512)``, about 4% a day, and it
averages out over the events' days."""


def forecast_window(horizon_days: int) -> int:
    """Trading days of returns behind the volatility forecast for an ``horizon_days`` return."""
    return max(MIN_WINDOW, int(horizon_days))


def relative_volatility(
    daily: np.ndarray, s_idx: IntArray, d_idx: IntArray, windows: Sequence[int], *, rows_per_chunk: int = 256
) -> dict[int, FloatArray]:
    """Per window ``k``, each event's ratio ``sqrt(v[s, d] / vbar[d])`` (module docstring).

    ``daily`` is ``(symbols, days)`` next-day simple returns (``daily[s, t]`` is known at the
    close of ``t + 1``; NaN: none); ``s_idx``, ``d_idx`` the events' symbol and day indices.
    An estimate needs at least half the window's returns (and 5); an event without one, or
    on a day without any, gets ratio 1 (the null as it was). ``vbar[d]`` is taken over a
    fixed random subset of :data:`DAY_SYMBOLS` symbols (all of a smaller universe). One
    pass over ``daily``, a few hundred symbols at a time, with running sums along the days
    read only at the events (and at the subset's rows on the event days).
    """
    n_symbols, n_days = daily.shape
    windows = sorted({int(k) for k in windows})
    out = {k: np.ones(s_idx.size) for k in windows}
    if not s_idx.size or not windows or not n_days:
        return out
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
    totals = {k: np.zeros(event_days.size) for k in windows}
    counts = {k: np.zeros(event_days.size) for k in windows}
    own = {k: np.full(s_idx.size, np.nan) for k in windows}
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
        width = n_days + 1
        at = (s_idx[mine] - lo) * width + d_idx[mine]
        grid = (rows[:, None] * width + event_days[None, :]).reshape(-1)
        for k in windows:
            for where, back in ((at, np.minimum(d_idx[mine], k)), (grid, np.tile(np.minimum(event_days, k), rows.size))):
                sums = [c[where] - c[where - back] for c in running]  # returns of days d - k .. d - 1
                n, s1, s2 = ([back.astype(np.float64)] if dense else []) + sums
                with np.errstate(invalid="ignore", divide="ignore"):
                    v = (s2 - s1 * s1 / n) / (n - 1)
                v[n < max(5, k // 2)] = np.nan
                if where is at:
                    own[k][mine] = v
                else:
                    v = v.reshape(rows.size, event_days.size)
                    ok = ~np.isnan(v)
                    totals[k] += np.where(ok, v, 0.0).sum(axis=0)
                    counts[k] += ok.sum(axis=0)
    for k in windows:
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.sqrt(own[k] / (totals[k] / counts[k])[slot])
        out[k] = np.where(np.isfinite(ratio), ratio, 1.0)
    return out
