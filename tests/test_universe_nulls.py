"""The universe's 'dates' null (stocks relabelled as a whole) and the interval of the event
mean from the daily returns inside the events' windows: what they keep, and that their
spread matches the statistic's when one stock's events overlap their windows."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from eventstudy.inference.panel import Draws, Relabel, window_interval
from eventstudy.inference.volatility import DECAY, LONG, forecast_ratio, window_variances


def forward(close: np.ndarray, h: int) -> np.ndarray:
    """``(symbols, days)`` h-day simple returns (NaN where the window runs past the end)."""
    out = np.full(close.shape, np.nan, dtype=np.float32)
    out[:, :-h] = close[:, h:] / close[:, :-h] - 1
    return out


def overlapping_events(n_stocks: int, n_days: int, h: int, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Every other stock has an event every ``step`` days (windows of ``h`` overlap), sorted by day."""
    s, d = np.meshgrid(np.arange(0, n_stocks, 2), np.arange(0, n_days - h, step), indexing="ij")
    order = np.argsort(d.ravel(), kind="stable")
    return s.ravel()[order], d.ravel()[order]


def test_relabel_moves_each_stocks_events_together_to_one_random_stock() -> None:
    n_stocks, n_days = 12, 40
    values = np.tile(np.arange(n_stocks, dtype=np.float32)[:, None], (1, n_days))  # a value names its stock
    values[5, 30:] = np.nan  # stock 5 has no value late: events mapped there are drawn among that day's stocks
    s, d = overlapping_events(n_stocks, n_days, 4, 2)
    rng = np.random.default_rng(3)
    reps = 2000
    permutation = np.argsort(rng.random((reps, n_stocks)), axis=1).astype(np.int32)
    drawn = Relabel(values, s, d, np.ones(n_days, dtype=bool)).draw(rng.random((reps, s.size), dtype=np.float32), permutation)
    assert not np.isnan(drawn).any()
    early = d < 30
    for stock in np.unique(s):
        mine = drawn[:, (s == stock) & early]
        assert (mine == mine[:, :1]).all()  # one stock for all of its events in a placebo
        assert np.array_equal(mine[:, 0], permutation[:, stock])
    images = drawn[:, np.flatnonzero(early)[np.unique(s[early], return_index=True)[1]]]  # each stock's first event
    for row in images[:50]:
        assert np.unique(row).size == row.size  # different stocks go to different stocks
    late = drawn[:, ~early]
    assert not (late == 5).any()  # the stand-in draws only stocks with a value that day
    # each stock's image is uniform over the stocks (a chi-square test that cannot flake at this level)
    counts = np.bincount(drawn[:, 0].astype(int), minlength=n_stocks)
    assert stats.chisquare(counts).pvalue > 1e-6


def test_the_relabel_nulls_spread_matches_the_mean_when_windows_overlap() -> None:
    """Events fixed in advance (every other stock, every 5 days, 40-day windows) on
    independent random walks: the 'dates' statistic's z-score against the relabel null has
    sd about 1 over many panels; independent draws per event (the first version) give
    about 2 (each stock's 8 overlapping windows make its events' variance 8 times that of
    independent ones; half of that comes back because the events' stocks are half the
    day's stocks)."""
    n_stocks, n_days, h = 30, 320, 40
    s, d = overlapping_events(n_stocks, n_days, h, 5)
    rng = np.random.default_rng(11)
    window = np.ones(n_days, dtype=bool)
    z_relabel, z_independent = [], []
    for _ in range(150):
        close = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, (n_stocks, n_days)), axis=1))
        values = forward(close, h)
        observed = float(values[s, d].mean())
        permutation = np.argsort(rng.random((300, n_stocks)), axis=1).astype(np.int32)
        uniform = rng.random((300, s.size), dtype=np.float32)
        relabel = Relabel(values, s, d, window).draw(uniform, permutation).mean(axis=1, dtype=np.float64)
        independent = Draws(values, d, window, axis=0).draw(uniform).mean(axis=1, dtype=np.float64)
        z_relabel.append((observed - relabel.mean()) / relabel.std())
        z_independent.append((observed - independent.mean()) / independent.std())
    assert 0.8 < np.std(z_relabel) < 1.25, np.std(z_relabel)  # sd's own noise over 150 panels: about 0.06
    assert np.std(z_independent) > 1.6, np.std(z_independent)


def test_window_interval_is_the_sum_over_days_of_the_held_returns() -> None:
    """Against a plain loop: each day's deviations of the held stocks' returns, weighted by
    how many of their events hold that day."""
    rng = np.random.default_rng(5)
    daily = rng.normal(0.001, 0.02, (6, 50)).astype(np.float32)
    daily[2, 10] = np.nan
    market = rng.normal(0, 0.01, 50)
    s = np.array([0, 0, 1, 3, 3, 3, 5])
    d = np.array([2, 6, 6, 0, 4, 40, 45])
    x = rng.normal(0.01, 0.05, s.size)
    h, lag = 8, 1
    low, high = window_interval(daily, s, d, x, h, 0.9, lag=lag, market=market)
    mu = x.mean() / h
    flow = np.zeros(50)
    for stock, day in zip(s, d):
        for t in range(day + lag, min(day + lag + h, 50)):
            r = float(daily[stock, t])
            flow[t] += 0.0 if np.isnan(r) else r - market[t] - mu
    half = stats.norm.ppf(0.95) * np.sqrt(flow @ flow) / x.size
    assert np.isclose(low, x.mean() - half) and np.isclose(high, x.mean() + half)


def test_window_interval_covers_under_a_common_factor_and_overlap() -> None:
    """Stocks with a common factor (half the variance), events fixed in advance with
    overlapping windows on nearby days: the 90% interval covers the true mean in about
    90% of panels (a bootstrap of event dates covered about half as often)."""
    n_stocks, n_days, h = 30, 400, 40
    s, d = overlapping_events(n_stocks, n_days, h, 5)
    rng = np.random.default_rng(12)
    covered = []
    for _ in range(300):
        market = rng.normal(0, 0.01, n_days)
        daily = 0.0005 + market[None, :] + rng.normal(0, 0.01, (n_stocks, n_days))
        close = np.concatenate([np.ones((n_stocks, 1)), np.cumprod(1 + daily[:, :-1], axis=1)], axis=1)
        x = (close[s, d + h] / close[s, d] - 1).astype(np.float64)
        low, high = window_interval(daily.astype(np.float32), s, d, x, h, 0.9)
        covered.append(low <= 1.0005**h - 1 <= high)
    assert 0.82 < np.mean(covered) < 0.96, np.mean(covered)  # 300 panels: sd of the rate about 0.017


def plain_window_variances(daily: np.ndarray, s: np.ndarray, d: np.ndarray, span: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """What :func:`window_variances` gives for ``span``, one event and one stock at a time:
    each event's variance and its day's mean over the stocks (NaN: no estimate)."""
    idio = daily - np.nanmean(daily, axis=0)[None, :]
    start, stop = span

    def variance(stock: int, day: int) -> float:
        returns = idio[stock, max(day + start, 0) : max(day + stop, 0)]
        returns = returns[~np.isnan(returns)]
        return float(np.var(returns, ddof=1)) if returns.size >= max(2, (stop - start + 1) // 2) else np.nan

    own, mean = np.full(s.size, np.nan), np.full(s.size, np.nan)
    for i, (stock, day) in enumerate(zip(s, d)):
        known = [v for v in (variance(j, day) for j in range(daily.shape[0])) if not np.isnan(v)]
        own[i] = variance(stock, day)
        mean[i] = np.mean(known) if known else np.nan
    return own, mean


def test_window_variances_match_a_plain_loop() -> None:
    rng = np.random.default_rng(21)
    daily = (rng.normal(0, 0.01, (7, 90)) * rng.uniform(0.5, 3, (7, 1))).astype(np.float32)
    daily[2, 30:45] = np.nan  # a gap: fewer returns in some windows
    daily[4, :60] = np.nan  # a late listing: no estimate early on
    s = np.array([0, 2, 2, 4, 4, 6, 1, 3])
    d = np.array([3, 40, 50, 61, 89, 25, 89, 10])
    spans = [(-10, 0), (-21, 0), (0, 5), (1, 22)]
    found = window_variances(daily, s, d, spans, rows_per_chunk=3)
    for span in spans:
        for got, expected in zip(found[span], plain_window_variances(daily, s, d, span), strict=True):
            assert np.allclose(got, expected, rtol=1e-5, equal_nan=True), span
    assert np.isnan(found[(-10, 0)][0][0])  # three returns before day 3: no estimate
    assert np.isnan(found[(0, 5)][0][4])  # the last day: no returns after it


def test_a_scaled_relabel_multiplies_each_deviation_from_the_days_mean() -> None:
    rng = np.random.default_rng(4)
    values = rng.normal(0.01, 0.05, (10, 20)).astype(np.float32)
    s, d = np.array([1, 1, 6]), np.array([3, 8, 8])
    scale = np.array([2.0, 2.0, 0.5])
    permutation = np.argsort(rng.random((50, 10)), axis=1).astype(np.int32)
    uniform = rng.random((50, 3), dtype=np.float32)
    window = np.ones(20, dtype=bool)
    plain = Relabel(values, s, d, window).draw(uniform, permutation)
    scaled = Relabel(values, s, d, window, scale).draw(uniform, permutation)
    centre = values[:, d].mean(axis=0)
    assert np.allclose(scaled, centre + scale * (plain - centre), atol=1e-6)
    assert np.array_equal(Relabel(values, s, d, window, np.ones(3)).draw(uniform, permutation), plain)


def test_the_scaled_relabel_null_spreads_as_the_volatile_event_stocks_do() -> None:
    """Stocks switch between calm (1% a day) and stormy (3%) spells of 60 days, and the
    events are days after a stormy month (chosen from the prices, as a rule on prices
    does), a month or more into a spell, so the event stocks' next week is stormy too. Placebo stocks drawn from the whole
    day are calmer, so the unscaled null is too narrow (z-score sd about 1.7); scaled to
    the event stocks' forecast volatility (as a run scales it) it matches (about 1.03). Only every fourth stock may
    have events: when the events are a large share of the day's stocks, their own
    deviations make up much of the day's mean and the scaled null is wider than the
    statistic (z-score sd 0.86 when all stocks may have events)."""
    n_stocks, n_days, h = 80, 300, 5
    rng = np.random.default_rng(13)
    window = np.ones(n_days, dtype=bool)
    z_plain, z_scaled = [], []
    for _ in range(150):
        stormy = rng.random((n_stocks, n_days // 60 + 1)) < 0.25
        sigma = np.where(np.repeat(stormy, 60, axis=1)[:, :n_days], 0.03, 0.01)
        daily = rng.normal(0, 1, (n_stocks, n_days)) * sigma
        close = np.concatenate([np.ones((n_stocks, 1)), np.cumprod(1 + daily[:, :-1], axis=1)], axis=1)
        values = forward(close, h)
        past = np.full((n_stocks, n_days), np.nan)
        for day in range(21, n_days - h):
            past[:, day] = daily[:, day - 21 : day].std(axis=1)
        inside = (np.arange(n_days) % 60 >= 25) & (np.arange(n_days) % 60 <= 50) & (np.arange(n_days) % 5 == 0)  # a month into a spell
        s, d = np.nonzero((past > 0.02) & inside[None, :] & (np.arange(n_stocks) % 4 == 0)[:, None])  # a few of the day's stocks
        order = np.argsort(d, kind="stable")
        s, d = s[order], d[order]
        observed = float(values[s, d].mean())
        permutation = np.argsort(rng.random((300, n_stocks)), axis=1).astype(np.int32)
        uniform = rng.random((300, s.size), dtype=np.float32)
        scale = forecast_ratio(window_variances(daily.astype(np.float32), s, d, [LONG], decay=DECAY), h)  # what a run uses
        for z, sampler in ((z_plain, Relabel(values, s, d, window)), (z_scaled, Relabel(values, s, d, window, scale))):
            null = sampler.draw(uniform, permutation).mean(axis=1, dtype=np.float64)
            z.append((observed - null.mean()) / null.std())
    assert 0.8 < np.std(z_scaled) < 1.25, np.std(z_scaled)  # sd's own noise over 150 panels: about 0.06
    assert np.std(z_plain) > 1.35, np.std(z_plain)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_symbols=st.integers(1, 9),
    n_days=st.integers(1, 60),
    missing=st.sampled_from([0.0, 0.1, 0.5]),
    start=st.integers(-30, 5),
    length=st.integers(1, 30),
    chunk=st.integers(1, 4),
)
def test_window_variances_match_a_plain_loop_on_random_panels(
    seed: int, n_symbols: int, n_days: int, missing: float, start: int, length: int, chunk: int
) -> None:
    span = (start, start + length)
    rng = np.random.default_rng(seed)
    daily = (rng.normal(0, 0.01, (n_symbols, n_days)) * rng.uniform(0.5, 3, (n_symbols, 1))).astype(np.float32)
    daily[rng.random(daily.shape) < missing] = np.nan
    s, d = rng.integers(0, n_symbols, 12), rng.integers(0, n_days, 12)
    found = window_variances(daily, s, d, [span], rows_per_chunk=chunk, events_per_chunk=chunk)[span]
    threaded = window_variances(daily, s, d, [span], rows_per_chunk=chunk, events_per_chunk=chunk, workers=2)[span]
    for one, two in zip(found, threaded, strict=True):
        assert np.array_equal(one, two, equal_nan=True)  # chunks on threads: the same bits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # nanmean of a day without returns
        expected = plain_window_variances(daily, s, d, span)
    for got, want in zip(found, expected, strict=True):
        assert np.allclose(got, want, rtol=1e-4, equal_nan=True), (got, want)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_symbols=st.integers(1, 12), rows=st.sampled_from([1, 3, 5, 64]), chunk=st.integers(1, 8))
def test_the_days_mean_estimates_do_not_depend_on_how_many_rows_are_taken_at_once(seed: int, n_symbols: int, rows: int, chunk: int) -> None:
    """The subset's running sums are taken a few rows at a time (``SUBSET_ROWS``), its
    estimates summed per ``rows_per_chunk``: the same bits however the rows are cut."""
    from eventstudy.inference import volatility

    rng = np.random.default_rng(seed)
    daily = (rng.normal(0, 0.01, (n_symbols, 300)) * rng.uniform(0.5, 3, (n_symbols, 1))).astype(np.float32)
    daily[rng.random(daily.shape) < 0.1] = np.nan
    s, d = rng.integers(0, n_symbols, 20), rng.integers(0, 300, 20)
    whole = window_variances(daily, s, d, [LONG, (-21, 0)], decay=DECAY, rows_per_chunk=chunk)
    before = volatility.SUBSET_ROWS
    try:
        volatility.SUBSET_ROWS = rows
        cut = window_variances(daily, s, d, [LONG, (-21, 0)], decay=DECAY, rows_per_chunk=chunk)
    finally:
        volatility.SUBSET_ROWS = before
    for key, (own, day) in whole.items():
        assert np.array_equal(own, cut[key][0], equal_nan=True)
        assert np.array_equal(day, cut[key][1], equal_nan=True), key


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_symbols=st.integers(1, 40), n_patterns=st.integers(1, 4))
def test_rows_sharing_their_known_days_get_the_estimates_each_row_gets_alone(seed: int, n_symbols: int, n_patterns: int) -> None:
    """The day subset's counts and weights are taken once per pattern of known days
    (``_known_patterns``) and copied to its rows: the same bits as each row taken alone
    (``SUBSET_ROWS`` 1), with full rows, rows sharing gaps and a late start."""
    from eventstudy.inference import volatility

    rng = np.random.default_rng(seed)
    n_days = 400
    daily = (rng.normal(0, 0.01, (n_symbols, n_days)) * rng.uniform(0.5, 3, (n_symbols, 1))).astype(np.float32)
    gaps = rng.random((n_patterns, n_days)) < rng.uniform(0, 0.3, (n_patterns, 1))
    gaps[0] = False  # a full history
    gaps[-1, : rng.integers(0, n_days)] = True  # listed late
    daily[gaps[rng.integers(0, n_patterns, n_symbols)]] = np.nan
    s, d = rng.integers(0, n_symbols, 30), rng.integers(0, n_days, 30)
    together = window_variances(daily, s, d, [LONG, (-21, 0)], decay=DECAY)
    before = volatility.SUBSET_ROWS
    try:
        volatility.SUBSET_ROWS = 1
        alone = window_variances(daily, s, d, [LONG, (-21, 0)], decay=DECAY)
    finally:
        volatility.SUBSET_ROWS = before
    for key, (own, day) in together.items():
        assert np.array_equal(own, alone[key][0], equal_nan=True)
        assert np.array_equal(day, alone[key][1], equal_nan=True), key


def test_a_days_mean_variance_from_a_subset_of_a_large_universe_is_close() -> None:
    """Past :data:`DAY_SYMBOLS` symbols the day's mean variance comes from a fixed subset:
    within a few percent of the whole universe's (about 1% here)."""
    from eventstudy.inference.volatility import DAY_SYMBOLS

    n_symbols = DAY_SYMBOLS + 200
    rng = np.random.default_rng(8)
    daily = (rng.normal(0, 0.01, (n_symbols, 40)) * rng.uniform(0.5, 3, (n_symbols, 1))).astype(np.float32)
    s, d = rng.integers(0, n_symbols, 15), rng.integers(25, 40, 15)
    own, day = window_variances(daily, s, d, [(-21, 0)])[(-21, 0)]
    plain_own, plain_day = plain_window_variances(daily, s, d, (-21, 0))
    assert np.allclose(own, plain_own, rtol=1e-5)  # each event's own variance: exact
    assert np.allclose(day, plain_day, rtol=0.05)
    assert not np.allclose(day, plain_day, rtol=1e-6)  # the subset, not the whole universe


def test_the_forecast_is_the_garch_term_structure_from_the_weighted_and_yearly_variances() -> None:
    from eventstudy.inference.volatility import (
        EWMA,
        LONG,
        SHOCK_SHARE,
        forecast_ratio,
        recent_weight,
    )

    assert recent_weight(1) == 1.0
    weights = [recent_weight(h) for h in (5, 21, 63, 126)]
    assert weights == sorted(weights, reverse=True)
    assert np.allclose(weights, [0.96, 0.82, 0.57, 0.37], atol=0.005)
    assert pytest.approx(0.8) == SHOCK_SHARE
    nan = np.nan
    variances = {  # four events: both known; no year yet; nothing; a day without a year
        EWMA: (np.array([4.0, 4.0, nan, 4.0]), np.array([1.0, 1.0, 1.0, 1.0])),
        LONG: (np.array([1.0, nan, nan, 1.0]), np.array([1.0, 1.0, 1.0, nan])),
    }
    w = recent_weight(21) * SHOCK_SHARE
    assert np.allclose(forecast_ratio(variances, 21), [np.sqrt(w * 4 + 1 - w), 2.0, 1.0, 2.0])


@pytest.mark.parametrize(
    ("days", "gaps", "events"),
    [
        (80, [(1, 20, 30)], [(0, 40), (1, 25), (1, 79), (3, 12), (5, 5), (2, 60)]),
        # past a year: only the last 252 returns count, and 10 of them must be known
        (400, [(1, 100, 396), (4, 130, 150)], [(0, 399), (1, 399), (1, 99), (4, 390), (2, 252), (3, 253), (5, 300)]),
    ],
)
def test_the_weighted_variance_matches_a_plain_loop(days: int, gaps: list[tuple[int, int, int]], events: list[tuple[int, int]]) -> None:
    from eventstudy.inference.volatility import EWMA, EWMA_DAYS, LONG, window_variances

    rng = np.random.default_rng(31)
    daily = (rng.normal(0, 0.01, (6, days)) * rng.uniform(0.5, 3, (6, 1))).astype(np.float32)
    for row, first, stop in gaps:
        daily[row, first:stop] = np.nan
    s, d = (np.array(column) for column in zip(*events, strict=True))
    decay = 0.9
    found = window_variances(daily, s, d, [LONG], decay=decay, rows_per_chunk=4)[EWMA]
    idio = daily - np.nanmean(daily, axis=0)[None, :]

    def weighted(stock: int, day: int) -> float:
        past = idio[stock, max(day - EWMA_DAYS, 0) : day].astype(np.float64)
        w = (1 - decay) * decay ** np.arange(past.size - 1, -1, -1.0)
        known = ~np.isnan(past)
        return float((w[known] * past[known] ** 2).sum() / w[known].sum()) if known.sum() >= 10 else np.nan

    own = np.array([weighted(a, b) for a, b in zip(s, d)])
    assert np.allclose(found[0], own, rtol=1e-7, equal_nan=True)
    day = np.array([np.nanmean([weighted(j, b) for j in range(6)]) if any(not np.isnan(weighted(j, b)) for j in range(6)) else np.nan for b in d])
    assert np.allclose(found[1], day, rtol=1e-7, equal_nan=True)
    if days == 80:
        assert np.isnan(found[0][4])  # five returns before day 5
    else:
        assert np.isnan(found[0][1]) and not np.isnan(weighted(1, 99))  # three known in the last year, 99 long before


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(1, 4), days=st.integers(1, 200), decay=st.sampled_from([0.5, 0.9, 0.97]))
def test_the_blocked_weighted_mean_is_the_recursion(seed: int, rows: int, days: int, decay: float) -> None:
    from eventstudy.inference.volatility import _weighted_mean

    x = np.random.default_rng(seed).random((rows, days)).astype(np.float32)
    expected = np.empty((rows, days))
    y = np.zeros(rows)
    for t in range(days):  # y[t] = decay y[t-1] + (1 - decay) x[t]
        y = decay * y + (1 - decay) * x[:, t].astype(np.float64)
        expected[:, t] = y
    assert np.allclose(_weighted_mean(x, decay), expected, rtol=1e-12, atol=1e-15)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(1, 5), days=st.integers(1, 300), decay=st.sampled_from([0.5, 0.9, 0.97]), known=st.booleans())
def test_the_weighted_mean_in_one_call_for_all_blocks_is_block_after_block_bit_for_bit(seed: int, rows: int, days: int, decay: float, known: bool) -> None:
    """Every block's cumulative sum taken at once, the carries chained after, gives the
    bits of the blocks taken one after another over every row (the squares of the returns,
    or a pattern of known days)."""
    from eventstudy.inference.volatility import EWM_BLOCK, _weighted_mean

    rng = np.random.default_rng(seed)
    x = rng.random((rows, days)) < 0.8 if known else np.square(rng.normal(0, 0.02, (rows, days)))
    expected = np.empty((rows, days))
    powers = decay ** np.arange(EWM_BLOCK, dtype=np.float64)
    carry = np.zeros(rows)
    for start in range(0, days, EWM_BLOCK):
        y = expected[:, start : start + EWM_BLOCK]
        k = y.shape[1]
        np.cumsum(x[:, start : start + k] / powers[:k], axis=1, out=y)
        y *= (1 - decay) * powers[:k]
        y += carry[:, None] * (decay * powers[:k])
        carry = y[:, -1]
    assert np.array_equal(_weighted_mean(x, decay), expected)
