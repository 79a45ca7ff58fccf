"""The universe's passes over the daily returns that serve several cells at once
(:func:`eventstudy.inference.panel.window_intervals`) give each cell what a plain loop over
its events and days gives, what the one-cell function gives and what one thread gives; so
does the calendar-time test's pass (:func:`~eventstudy.inference.panel.calendar_time`,
every horizon at once), also from day totals taken once for it and the volatility
forecasts; the moment-based null's deviations, computed in place, are the ones
``nan_to_num`` gave."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from eventstudy.executor import ThreadExecutor
from eventstudy.inference import panel as panel_module
from eventstudy.inference.classical import newey_west
from eventstudy.inference.panel import (
    EventWindows,
    _deviations,
    calendar_time,
    window_interval,
    window_intervals,
)
from eventstudy.inference.volatility import DECAY, LONG, day_totals, window_variances


def plain_interval(daily: np.ndarray, cell: EventWindows, level: float) -> tuple[float, float]:
    """The interval one event and one day at a time: count each stock's windows holding
    each day, then ``P_t = sum_s V (r - market - mu)`` over the known returns (the product
    ``V r`` in float32, as the panel stores returns)."""
    n = cell.x.size
    if n < 2:
        return math.nan, math.nan
    n_days = daily.shape[1]
    held: dict[tuple[int, int], int] = {}
    for stock, day in zip(cell.s_idx.tolist(), cell.d_idx.tolist()):
        for t in range(day + cell.lag, min(day + cell.lag + cell.horizon, n_days)):
            held[(stock, t)] = held.get((stock, t), 0) + 1
    mu = float(np.mean(cell.x)) / max(cell.horizon, 1)
    flow = [0.0] * n_days
    for (stock, t), v in held.items():
        r = daily[stock, t]
        if np.isnan(r):
            continue
        market = 0.0 if cell.market is None or np.isnan(cell.market[t]) else float(cell.market[t])
        flow[t] += float(np.float32(v) * r) - v * (market + mu)
    half = float(stats.norm.ppf(0.5 + level / 2)) * math.sqrt(sum(f * f for f in flow)) / n
    centre = float(np.mean(cell.x))
    return centre - half, centre + half


@st.composite
def panels(draw: st.DrawFn) -> tuple[np.ndarray, list[EventWindows], int]:
    """A small panel with missing returns, and cells of events (some shared, some not, a few
    repeated) with their own horizons, lags and markets; and a block size small enough
    for several blocks, some of them with gaps between their event stocks."""
    n_symbols = draw(st.integers(1, 12))
    n_days = draw(st.integers(3, 40))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    daily = rng.normal(0.0005, 0.02, (n_symbols, n_days)).astype(np.float32)
    daily[rng.random(daily.shape) < draw(st.sampled_from([0.0, 0.1, 0.4]))] = np.nan
    pool = draw(st.lists(st.tuples(st.integers(0, n_symbols - 1), st.integers(0, n_days - 1)), min_size=0, max_size=30))
    cells = []
    for _ in range(draw(st.integers(1, 4))):
        mine = [e for e in pool if draw(st.booleans())] + draw(st.lists(st.sampled_from(pool), max_size=3) if pool else st.just([]))
        s = np.array([e[0] for e in mine], dtype=np.int64)
        d = np.array([e[1] for e in mine], dtype=np.int64)
        market = None
        if draw(st.booleans()):
            market = rng.normal(0, 0.01, n_days)
            market[-1] = np.nan  # no next-day return on the last day
        cells.append(EventWindows(s, d, rng.normal(0.01, 0.05, s.size), draw(st.integers(1, 12)), draw(st.integers(0, 2)), market))
    return daily, cells, draw(st.integers(1, 5))


@settings(max_examples=300, deadline=None)
@given(panels(), st.sampled_from([0.5, 0.9, 0.95]))
def test_batched_intervals_match_a_plain_loop_over_events_and_days(panel: tuple[np.ndarray, list[EventWindows], int], level: float) -> None:
    daily, cells, rows = panel
    found = window_intervals(daily, cells, level, rows_per_chunk=rows)
    assert len(found) == len(cells)
    for cell, (low, high) in zip(cells, found):
        want_low, want_high = plain_interval(daily, cell, level)
        if cell.x.size < 2:
            assert math.isnan(low) and math.isnan(high)
            continue
        assert math.isclose(low, want_low, rel_tol=1e-9, abs_tol=1e-15), (low, want_low)
        assert math.isclose(high, want_high, rel_tol=1e-9, abs_tol=1e-15), (high, want_high)


@settings(max_examples=200, deadline=None)
@given(panels())
def test_a_cells_interval_does_not_depend_on_the_cells_beside_it(panel: tuple[np.ndarray, list[EventWindows], int]) -> None:
    """Bit for bit: each block's sums run over its stocks in order, and a stock without the
    cell's events adds exact zeros, so the one-cell function and any batch agree exactly."""
    daily, cells, rows = panel
    together = window_intervals(daily, cells, 0.9, rows_per_chunk=rows)
    for cell, pair in zip(cells, together):
        alone = window_interval(daily, cell.s_idx, cell.d_idx, cell.x, cell.horizon, 0.9, lag=cell.lag, market=cell.market, rows_per_chunk=rows)
        assert np.array_equal(np.array(alone), np.array(pair), equal_nan=True)


@pytest.mark.parametrize("seed", range(5))
def test_intervals_on_threads_are_the_one_thread_intervals(seed: int) -> None:
    """Bit for bit: the blocks run on several threads, and their sums are added in block
    order, as one thread adds them (returns of very different sizes in 40 blocks of one
    stock, so that another order of the additions would show in the last bits)."""
    rng = np.random.default_rng(seed)
    daily = (rng.normal(0, 1, (40, 60)) * 10.0 ** rng.integers(-6, 6, (40, 60))).astype(np.float32)
    daily[rng.random(daily.shape) < 0.1] = np.nan
    s, d = rng.integers(0, 40, 300), rng.integers(0, 60, 300)
    cells = [EventWindows(s, d, rng.normal(0, 1, 300), h) for h in (1, 5, 21)]
    with patch.object(panel_module, "ThreadExecutor", lambda: ThreadExecutor(workers=1)):
        alone = window_intervals(daily, cells, 0.9, rows_per_chunk=1)
    with patch.object(panel_module, "ThreadExecutor", lambda: ThreadExecutor(workers=4)):
        threaded = window_intervals(daily, cells, 0.9, rows_per_chunk=1)
    assert np.array_equal(np.array(alone), np.array(threaded))


def test_windows_past_the_end_lags_and_repeated_events() -> None:
    """Fixed cases the plain loop pins: a window running past the last day, an entry lag
    that pushes the window off the panel, an event listed twice (its window counts twice),
    a NaN return inside a window and the market's missing last return."""
    daily = np.array([[0.01, -0.02, 0.03, np.nan, 0.01, 0.02], [0.0, 0.01, -0.01, 0.02, -0.03, 0.01]], dtype=np.float32)
    market = np.array([0.001, -0.002, 0.0, 0.003, 0.001, np.nan])
    cells = [
        EventWindows(np.array([0, 0, 1]), np.array([1, 1, 4]), np.array([0.02, 0.01, -0.01]), 3, 0, None),
        EventWindows(np.array([0, 1, 1]), np.array([2, 0, 5]), np.array([0.05, 0.0, 0.01]), 4, 1, market),
        EventWindows(np.array([1]), np.array([0]), np.array([0.1]), 2),  # one event: no interval
    ]
    found = window_intervals(daily, cells, 0.9, rows_per_chunk=1)
    for cell, (low, high) in zip(cells[:2], found[:2]):
        want = plain_interval(daily, cell, 0.9)
        assert math.isclose(low, want[0], rel_tol=1e-12) and math.isclose(high, want[1], rel_tol=1e-12)
    assert all(math.isnan(v) for v in found[2])


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1), st.booleans())
def test_relabel_deviations_are_nan_to_num_of_the_plain_difference(seed: int, positive: bool) -> None:
    """Bit for bit, with unknown values, days without a centre and infinite values: the
    in-place deviations of the relabel covariance equal what it computed before."""
    rng = np.random.default_rng(seed)
    sample = rng.normal(0, 0.02, (7, 11)).astype(np.float32)
    sample[rng.random(sample.shape) < 0.2] = np.nan
    sample[rng.random(sample.shape) < 0.05] = np.inf
    sample[rng.random(sample.shape) < 0.05] = -np.inf
    centre = rng.normal(0, 0.01, 11) if not positive else rng.random(11)
    centre[rng.random(11) < 0.2] = np.nan  # a day with no value in the window
    if positive:
        indicator = np.where(np.isnan(sample), np.nan, (sample > 0).astype(np.float32))
        want = np.nan_to_num(indicator - centre[None, :].astype(np.float32)).astype(np.float64)
    else:
        with np.errstate(invalid="ignore"):
            want = np.nan_to_num(sample - centre[None, :].astype(np.float32)).astype(np.float64)
    got = np.empty(sample.shape)
    _deviations(sample, np.isnan(sample), centre, positive, got)
    assert np.array_equal(got, want)


def plain_calendar(daily: np.ndarray, s: np.ndarray, d: np.ndarray, horizon: int) -> tuple[float, float, int]:
    """The calendar-time test one day and one stock at a time: the held stocks' mean return
    minus all stocks', tested with Newey-West errors."""
    n_symbols, n_days = daily.shape
    excess = []
    for t in range(n_days):
        held = {int(stock) for stock, day in zip(s, d) if day <= t < day + horizon}
        mine = [float(daily[k, t]) for k in sorted(held) if not np.isnan(daily[k, t])]
        every = [float(daily[k, t]) for k in range(n_symbols) if not np.isnan(daily[k, t])]
        if mine and every:
            excess.append(sum(mine) / len(mine) - sum(every) / len(every))
    if len(excess) < 3:
        return math.nan, math.nan, len(excess)
    x = np.array(excess)
    lag = int(4 * (x.size / 100) ** (2 / 9))
    variance = float(newey_west(np.ones((x.size, 1)), x - x.mean(), lag)[0, 0])
    if not variance > 0:
        return math.nan, math.nan, x.size
    t_stat = float(x.mean()) / math.sqrt(variance)
    return t_stat, float(2 * stats.t.sf(abs(t_stat), x.size - 1)), x.size


@settings(max_examples=150, deadline=None)
@given(panels(), st.lists(st.integers(1, 15), min_size=1, max_size=4))
def test_calendar_time_matches_a_plain_loop_over_days_and_stocks(panel: tuple[np.ndarray, list[EventWindows], int], horizons: list[int]) -> None:
    """Events in any order, some listed twice, windows of one stock overlapping or
    touching, returns missing, several blocks of symbols: every horizon of the one pass
    is the plain loop's test."""
    daily, cells, rows = panel
    s, d = np.concatenate([c.s_idx for c in cells]), np.concatenate([c.d_idx for c in cells])
    found = calendar_time(daily, s, d, horizons, rows_per_chunk=rows)
    assert sorted(found) == sorted(set(horizons))
    for h in set(horizons):
        got, want = found[h], plain_calendar(daily, s, d, h)
        assert got[2] == want[2]
        for a, b in zip(got[:2], want[:2]):
            assert (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), (got, want)


@settings(max_examples=40, deadline=None)
@given(symbols=st.integers(1, 12), days=st.integers(1, 30), points=st.integers(0, 50), strided=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_values_at_is_two_index_fancy_indexing(symbols: int, days: int, points: int, strided: bool, seed: int) -> None:
    """The grid's values at (symbol, day) points by one flat take equal ``values[s, d]``,
    on a contiguous grid and on a strided view (which takes the plain way)."""
    from eventstudy.panel import values_at

    rng = np.random.default_rng(seed)
    grid = rng.random((symbols, 2 * days if strided else days)).astype(np.float32)
    values = grid[:, ::2] if strided else grid
    s, d = rng.integers(0, symbols, points), rng.integers(0, days, points)
    np.testing.assert_array_equal(values_at(values, s, d), values[s, d])


@pytest.mark.parametrize("seed", range(3))
def test_day_totals_taken_once_serve_the_calendar_test_and_the_forecasts(seed: int) -> None:
    """Bit for bit: the calendar-time test and the volatility forecasts given the day totals
    (taken once, on two threads, as a universe's tests take them) are what each gives
    computing its own."""
    rng = np.random.default_rng(seed)
    daily = rng.normal(0, 0.02, (23, 300)).astype(np.float32)
    daily[rng.random(daily.shape) < 0.1] = np.nan
    s, d = rng.integers(0, 23, 40), rng.integers(0, 300, 40)
    with ThreadPoolExecutor(max_workers=2) as pool:
        totals = day_totals(daily, 4, pool)
    assert calendar_time(daily, s, d, [1, 5, 21], rows_per_chunk=4, totals=totals) == calendar_time(daily, s, d, [1, 5, 21], rows_per_chunk=4)
    given = window_variances(daily, s, d, [LONG], decay=DECAY, rows_per_chunk=4, totals=totals)
    for key, (own, day) in window_variances(daily, s, d, [LONG], decay=DECAY, rows_per_chunk=4).items():
        assert np.array_equal(own, given[key][0], equal_nan=True) and np.array_equal(day, given[key][1], equal_nan=True)
