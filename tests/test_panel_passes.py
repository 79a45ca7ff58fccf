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
    _squares_by_day,
    calendar_time,
    running_sum,
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
    for e, (stock, day) in enumerate(zip(cell.s_idx.tolist(), cell.d_idx.tolist())):
        first, end = (int(cell.days[0][e]), int(cell.days[1][e])) if cell.days is not None else (day + cell.lag, day + cell.lag + cell.horizon)
        for t in range(first, min(end, n_days)):
            held[(stock, t)] = held.get((stock, t), 0) + 1
    mu = float(np.mean(cell.x)) / max(cell.horizon, 1)
    flow = [0.0] * n_days
    for (stock, t), v in held.items():
        r = daily[stock, t]
        if np.isnan(r):
            continue
        market = 0.0 if cell.market is None or np.isnan(cell.market[t]) else float(cell.market[t])
        flow[t] += float(np.float32(v) * r) - v * (market + mu)
    variance = sum(f * f for f in flow)
    if cell.days is not None:  # a window that skips days: the covariances of P_t that many days apart, Bartlett-weighted
        reach = max(0, *(int(b - a) - cell.horizon for a, b in zip(*cell.days)))
        for gap in range(1, min(reach, n_days - 1) + 1):
            variance += 2 * (1 - gap / (reach + 1)) * sum(flow[t] * flow[t + gap] for t in range(n_days - gap))
    half = float(stats.norm.ppf(0.5 + level / 2)) * math.sqrt(max(variance, 0.0)) / n
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
        horizon, lag = draw(st.integers(1, 12)), draw(st.integers(0, 2))
        days = None
        if draw(st.booleans()):  # windows in the stocks' own rows: later and longer than on the calendar
            start = np.minimum(d + lag + rng.integers(0, 3, s.size), n_days)
            days = (start, np.minimum(start + horizon + rng.integers(0, 4, s.size), n_days))
        cells.append(EventWindows(s, d, rng.normal(0.01, 0.05, s.size), horizon, lag, market, days))
    return daily, cells, draw(st.integers(1, 5))


def plain_own_rows(present: np.ndarray, s: np.ndarray, d: np.ndarray, lag: int, horizon: int) -> tuple[list[int], list[int]]:
    """Each event's first and past-the-end calendar day, walking its stock's own rows."""
    n_days = present.shape[1]
    starts, stops = [], []
    for stock, day in zip(s.tolist(), d.tolist()):
        rows = [t for t in range(n_days) if present[stock, t]]
        at = sum(1 for t in rows if t < day)  # the event day's place among the stock's rows
        starts.append(rows[at + lag] if at + lag < len(rows) else n_days)
        stops.append(rows[at + lag + horizon] if at + lag + horizon < len(rows) else n_days)
    return starts, stops


@settings(max_examples=300, deadline=None)
@given(
    n_symbols=st.integers(1, 9), n_days=st.integers(2, 30), seed=st.integers(0, 2**32 - 1), missing=st.sampled_from([0.0, 0.1, 0.5]),
    lag=st.integers(0, 2), horizon=st.integers(1, 12), rows=st.integers(1, 4),
)
def test_windows_in_a_stocks_own_rows_match_a_walk_along_them(n_symbols, n_days, seed, missing, lag, horizon, rows) -> None:
    """A stock that skips calendar days holds an event's window for as many of its own rows
    as the event's return spans (the windows had counted calendar days, so the 95% interval
    covered 84-86% with 15% of stock-days missing); without a skipped day nothing changes."""
    rng = np.random.default_rng(seed)
    present = rng.random((n_symbols, n_days)) >= missing
    present[rng.random(n_symbols) < 0.3] = True  # some stocks skip nothing
    s, d = np.nonzero(present)
    pick = rng.random(s.size) < 0.5
    s, d = s[pick], d[pick]
    skipping = panel_module.skipping_rows(present)
    found = panel_module.own_row_windows(present, skipping, s, d, lag, horizon, rows_per_chunk=rows)
    starts, stops = plain_own_rows(present, s, d, lag, horizon)
    if found is None:  # no event's stock skips a day: the calendar's days are its rows' (for a return that completes)
        assert not skipping[s].any()
        complete = [e for e, stop in enumerate(stops) if stop < n_days]
        assert [starts[e] for e in complete] == [d[e] + lag for e in complete]
        assert [stops[e] for e in complete] == [d[e] + lag + horizon for e in complete]
        return
    # every event of a stock that skips days; of the others, those whose return completes (the rest are not in a cell)
    kept = [e for e in range(s.size) if skipping[s[e]] or stops[e] < n_days]
    assert [found[0][e] for e in kept] == [starts[e] for e in kept] and [found[1][e] for e in kept] == [stops[e] for e in kept]


@settings(max_examples=300, deadline=None)
@given(n_symbols=st.integers(1, 9), n_days=st.integers(1, 30), seed=st.integers(0, 2**32 - 1), missing=st.sampled_from([0.0, 0.1, 0.5, 1.0]))
def test_skipping_rows_are_the_rows_with_a_gap_between_their_first_and_last_day(n_symbols, n_days, seed, missing) -> None:
    """A row skips days iff it has data and lacks a day between its first and its last,
    whether or not it holds the calendar's last day (searched from the end only if not)."""
    rng = np.random.default_rng(seed)
    present = rng.random((n_symbols, n_days)) >= missing
    present[rng.random(n_symbols) < 0.2] = True  # full rows
    present[rng.random(n_symbols) < 0.2, -1] = False  # rows that end early
    expected = []
    for row in present:
        days = np.flatnonzero(row)
        expected.append(bool(days.size) and days[-1] - days[0] + 1 != days.size)
    assert panel_module.skipping_rows(present).tolist() == expected


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
        alone = window_interval(daily, cell.s_idx, cell.d_idx, cell.x, cell.horizon, 0.9, lag=cell.lag, market=cell.market, days=cell.days, rows_per_chunk=rows)
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


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 70), st.integers(1, 40))
def test_relabel_squares_by_day_are_the_squares_summed_over_rows(seed: int, rows: int, days: int) -> None:
    """Bit for bit: the relabel covariance's day sums of squares, a few rows at a time,
    are ``np.square(dev).sum(axis=0)`` (deviations over many magnitudes, so that another
    order of the additions would show in the last bits)."""
    rng = np.random.default_rng(seed)
    dev = rng.normal(0, 1, (rows, days)) * np.exp(rng.uniform(-30, 5, (rows, days)))
    dev[rng.random(dev.shape) < 0.1] = 0.0
    assert np.array_equal(_squares_by_day(dev), np.square(dev).sum(axis=0))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 200), st.integers(0, 60), st.sampled_from([np.int32, np.float32, np.bool_]))
def test_running_sum_is_the_cumsum_of_the_steps_in_place(seed: int, size: int, count: int, dtype: type) -> None:
    """The passes' running counts from their steps alone are ``np.cumsum`` over every
    place: steps on the same place, at the first and at ``size`` (past the end), in any
    order; as a bool, whether the count is above 0 (steps that never leave it negative)."""
    rng = np.random.default_rng(seed)
    at = rng.integers(0, size + 1, count)
    steps = rng.integers(1, 4, count) * np.where(rng.random(count) < 0.5, 1, -1)
    if dtype is np.bool_:  # a held mask: each +1 has its -1 at or after it
        at = np.concatenate([at, np.minimum(at + rng.integers(0, 5, count), size)])
        steps = np.concatenate([np.ones(count, dtype=np.int64), -np.ones(count, dtype=np.int64)])
    every = np.zeros(size + 1, dtype=np.int64)
    np.add.at(every, at, steps)
    want = np.cumsum(every)[:size]
    found = running_sum(at, steps, size, dtype)
    assert found.dtype == dtype and found.shape == (size,)
    assert np.array_equal(found, want > 0 if dtype is np.bool_ else want.astype(dtype))


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
