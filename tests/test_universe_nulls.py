"""The universe's 'dates' null (stocks relabelled as a whole) and the interval of the event
mean from the daily returns inside the events' windows: what they keep, and that their
spread matches the statistic's when one stock's events overlap their windows."""

from __future__ import annotations

import numpy as np
from scipy import stats

from eventstudy.inference.panel import Draws, Relabel, window_interval


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
