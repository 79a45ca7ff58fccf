"""Synthetic null histories: shapes, seeds, the exact drift, GARCH features, bootstrap truth.

Every statistical check runs on a fixed seed, so it is deterministic; the tolerances are
a few standard errors (or sensible bands) so that a change of seed would not flake either.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from eventstudy.inference.simulate import (
    _garch_variances,
    bootstrap_forward_mean,
    bootstrap_paths,
    factor_panel,
    garch_t_paths,
    true_forward_mean,
)


def _returns(closes: np.ndarray, axis: int = 1) -> np.ndarray:
    return np.diff(closes, axis=axis) / np.delete(closes, -1, axis=axis)


def _acf1(x: np.ndarray) -> float:
    """Lag-1 autocorrelation along axis 1, pooled over the other axes."""
    d = x - x.mean(axis=1, keepdims=True)
    return float((d[:, 1:] * d[:, :-1]).sum() / (d * d).sum())


def _kurtosis(x: np.ndarray) -> float:
    d = x - x.mean()
    return float((d**4).mean() / (d**2).mean() ** 2)


# ---------------------------------------------------------------- shapes and seeds


def test_shapes_first_close_and_seed() -> None:
    closes = garch_t_paths(300, 3, reps=4, first=50.0, seed=1)
    assert closes.shape == (4, 300, 3) and closes.dtype == np.float64
    assert (closes[:, 0] == 50.0).all() and (closes > 0).all()
    # int, SeedSequence and Generator seeds draw the same stream; another seed differs
    np.testing.assert_array_equal(closes, garch_t_paths(300, 3, reps=4, first=50.0, seed=np.random.SeedSequence(1)))
    np.testing.assert_array_equal(closes, garch_t_paths(300, 3, reps=4, first=50.0, seed=np.random.default_rng(1)))
    assert not np.array_equal(closes, garch_t_paths(300, 3, reps=4, first=50.0, seed=2))
    assert garch_t_paths(1, seed=0).shape == (1, 1, 2)

    panel = factor_panel(7, 40, reps=2, seed=3)
    assert panel.shape == (2, 7, 40) and (panel[..., 0] == 100.0).all()
    np.testing.assert_array_equal(panel, factor_panel(7, 40, reps=2, seed=3))

    real = garch_t_paths(200, 2, seed=4)[0]
    paths = bootstrap_paths(real, reps=5, block_length=10.0, seed=5)
    assert paths.shape == (5, 200, 2) and (paths[:, 0] == real[0]).all()
    np.testing.assert_array_equal(paths, bootstrap_paths(real, reps=5, block_length=10.0, seed=5))
    assert bootstrap_paths(real[:, 0], reps=5, block_length=10.0, seed=5).shape == (5, 200)


def test_chunks_continue_the_recursion() -> None:
    # a path longer than one chunk of shocks is one process: prices and variance carry over
    closes = garch_t_paths(1_000, 1, reps=2, seed=6, burn_in=0, alpha=0.0, beta=0.0, df=np.inf)
    r = _returns(closes)
    assert np.all(np.abs(r) < 0.08)  # i.i.d. normal at 1% daily: no jump at the chunk seams
    assert abs(r.std() - 0.16 / np.sqrt(252)) < 0.0005


# ---------------------------------------------------------------- the GARCH-t model


def test_variance_recursion_matches_its_definition() -> None:
    z = np.random.default_rng(0).standard_t(5, (300, 4, 3))
    s2 = np.full((4, 3), 1e-4)
    out, after = _garch_variances(z, s2, 2e-6, 0.08, 0.9)
    ref, current = np.empty_like(z), s2.copy()
    for t in range(len(z)):
        ref[t] = current
        current = 2e-6 + 0.08 * current * z[t] ** 2 + 0.9 * current
    np.testing.assert_allclose(out, ref, rtol=1e-12)
    np.testing.assert_allclose(after, current, rtol=1e-12)


def test_output_follows_the_stated_model() -> None:
    # Without burn-in the first variance is the unconditional one, so running the
    # docstring's recursion on the output recovers the shocks: unit-variance, fat-tailed,
    # correlated exactly `correlation`.
    mu, alpha, beta, vol = 0.0003, 0.08, 0.90, 0.16
    closes = garch_t_paths(2_000, 2, reps=100, burn_in=0, seed=7)
    e = _returns(closes) - mu
    omega = vol**2 / 252 * (1 - alpha - beta)
    s2 = np.empty_like(e)
    s2[:, 0] = vol**2 / 252
    for t in range(1, e.shape[1]):
        s2[:, t] = omega + alpha * e[:, t - 1] ** 2 + beta * s2[:, t - 1]
    z = e / np.sqrt(s2)
    assert abs(z.mean()) < 0.01
    assert abs(z.std() - 1) < 0.02
    assert np.corrcoef(z[..., 0].ravel(), z[..., 1].ravel())[0, 1] == pytest.approx(0.7, abs=0.01)
    assert _kurtosis(z[..., 0]) > 5  # standardized t(5): 9 (its sample value is noisy)


def test_return_correlation_is_near_the_shock_correlation() -> None:
    # The variance mismatch pulls it below rho (0.65 for 0.7), and a rare huge-variance
    # episode in one series pulls a sample lower still (0.53 at worst over 200 seeds).
    for rho, low, high in [(0.0, -0.03, 0.03), (0.7, 0.5, 0.72)]:
        r = _returns(garch_t_paths(5_000, 2, reps=40, correlation=rho, seed=8))
        assert low < np.corrcoef(r[..., 0].ravel(), r[..., 1].ravel())[0, 1] < high


def test_volatility_clusters_and_tails_are_fat() -> None:
    r = _returns(garch_t_paths(5_000, 1, reps=40, seed=9))[..., 0]
    assert _acf1(r**2) > 0.05
    assert _acf1(r) == pytest.approx(0.0, abs=0.02)
    assert _kurtosis(r) > 3
    iid = _returns(garch_t_paths(5_000, 1, reps=40, alpha=0.0, beta=0.0, seed=9))[..., 0]
    assert abs(_acf1(iid**2)) < 0.02
    assert _kurtosis(iid) > 3  # t(5) shocks alone
    assert iid.std() == pytest.approx(0.16 / np.sqrt(252), rel=0.03)


def test_daily_mean_is_mu() -> None:
    mu = 0.0003
    r = _returns(garch_t_paths(2_000, 2, reps=200, mu=mu, seed=10))
    se = r.std() / np.sqrt(r.size / 2)  # the two series are correlated: count them once
    assert abs(r.mean() - mu) < 4 * se


def test_forward_return_is_exact_at_days_chosen_from_prices() -> None:
    # The first all-time high from day 100 on, and the first 10% drawdown, are stopping
    # times: by the tower property the mean forward return there is (1+mu)^h - 1. One
    # event per history makes the draws independent, so the standard error is plain.
    mu, h = 0.001, 20
    closes = garch_t_paths(400, 1, reps=4_000, mu=mu, seed=11)[..., 0]
    peak = np.maximum.accumulate(closes, axis=1)
    ok = np.arange(closes.shape[1]) < closes.shape[1] - h
    rows = np.arange(len(closes))
    truth = true_forward_mean(mu, h)
    for hit in ((closes == peak) & (np.arange(closes.shape[1]) >= 100), closes <= 0.9 * peak):
        hit &= ok
        found = hit.any(axis=1)
        t = hit.argmax(axis=1)[found]
        forward = closes[rows[found], t + h] / closes[rows[found], t] - 1
        assert found.sum() > 500
        assert abs(forward.mean() - truth) < 4 * forward.std(ddof=1) / np.sqrt(forward.size)
    assert truth == pytest.approx(1.001**20 - 1)


# ---------------------------------------------------------------- the factor panel


def test_factor_panel_correlation_mean_and_drift() -> None:
    mu, share = 0.0003, 0.25
    r = _returns(factor_panel(20, 2_000, reps=40, market_share=share, mu=mu, seed=12), axis=2)
    per_history = [np.corrcoef(x) for x in r]  # (20, 20) each
    off = np.concatenate([c[~np.eye(20, dtype=bool)] for c in per_history])
    assert off.mean() == pytest.approx(share, abs=0.05)
    assert r.std() == pytest.approx(0.30 / np.sqrt(252), rel=0.15)
    # stocks share the market: one standard error per (history, day) market draw
    daily = r.mean(axis=1)
    assert abs(daily.mean() - mu) < 4 * daily.std() / np.sqrt(daily.size)


# ---------------------------------------------------------------- the stationary bootstrap


def test_one_block_is_a_circular_shift() -> None:
    closes = garch_t_paths(120, 2, seed=14)[0]
    log_returns = np.diff(np.log(closes), axis=0)
    paths = bootstrap_paths(closes, reps=6, block_length=np.inf, seed=15)
    shifts = [np.roll(log_returns, -s, axis=0) for s in range(len(log_returns))]
    for path in paths:
        resampled = np.diff(np.log(path), axis=0)
        assert any(np.allclose(resampled, s, rtol=0, atol=1e-12) for s in shifts)
    huge = bootstrap_paths(closes, reps=6, block_length=1e15, seed=15)
    np.testing.assert_array_equal(huge, paths)  # a huge block length: the same single blocks


def test_forward_mean_by_exact_enumeration() -> None:
    # Tiny series: enumerate every index sequence of the Markov chain (uniform start;
    # next index = current + 1 with prob (1 - p) + p/n, any other with prob p/n).
    closes = np.array([[100.0, 10.0], [103.0, 9.0], [99.0, 9.5], [104.0, 9.7], [101.0, 10.1]])
    g = closes[1:] / closes[:-1]
    n = len(g)
    for block_length, h in [(1.0, 3), (2.5, 4), (7.0, 3), (np.inf, 4), (3.0, 6)]:
        p = 1 / block_length
        expected = np.zeros(2)
        for seq in itertools.product(range(n), repeat=h):
            prob = 1 / n
            for a, b in itertools.pairwise(seq):
                prob *= (1 - p) * (b == (a + 1) % n) + p / n
            expected += prob * np.prod(g[list(seq)], axis=0)
        np.testing.assert_allclose(bootstrap_forward_mean(closes, h, block_length), expected - 1, rtol=1e-12, atol=1e-15)
    assert bootstrap_forward_mean(closes[:, 0], 0, 5.0) == 0.0


def test_forward_mean_matches_bootstrap_paths() -> None:
    # A history with strong momentum (alternating 40-day runs of +-2% days), so the block
    # structure matters: the truth is far from the i.i.d. value mean(g)^h - 1.
    rng = np.random.default_rng(16)
    drift = np.where(np.arange(400) // 40 % 2 == 0, 0.02, -0.02)
    closes = 100 * np.cumprod(1 + drift + 0.005 * rng.standard_normal((2, 400)), axis=1).T
    h, block = 15, 20.0
    truth = bootstrap_forward_mean(closes, h, block)
    iid = bootstrap_forward_mean(closes, h, 1.0)
    paths = bootstrap_paths(closes, reps=20_000, block_length=block, seed=17)
    t = 100  # one window per path: independent draws
    forward = paths[:, t + h] / paths[:, t] - 1
    se = forward.std(axis=0, ddof=1) / np.sqrt(len(forward))
    assert np.all(np.abs(forward.mean(axis=0) - truth) < 4 * se)
    assert np.all(np.abs(truth - iid) > 10 * se)


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: garch_t_paths(0), "n_days"),
        (lambda: garch_t_paths(10, 0), "n_series"),
        (lambda: garch_t_paths(10, reps=0), "reps"),
        (lambda: garch_t_paths(10, 3, correlation=-0.6), "correlation"),
        (lambda: garch_t_paths(10, alpha=0.2, beta=0.8), "alpha"),
        (lambda: garch_t_paths(10, beta=-0.1), "beta"),
        (lambda: garch_t_paths(10, omega=0.0), "omega"),
        (lambda: garch_t_paths(10, df=2.0), "df"),
        (lambda: garch_t_paths(10, annual_vol=0.0), "annual_vol"),
        (lambda: garch_t_paths(10, first=-1.0), "first"),
        (lambda: garch_t_paths(10, mu=-1.0), "mu"),
        (lambda: garch_t_paths(10, burn_in=-1), "burn_in"),
        (lambda: factor_panel(10, 10, market_share=1.5), "market_share"),
        (lambda: factor_panel(0, 10), "n_stocks"),
        (lambda: bootstrap_paths(np.ones((1, 2)), reps=1, block_length=5.0), "closes"),
        (lambda: bootstrap_paths(np.array([1.0, -1.0, 2.0]), reps=1, block_length=5.0), "closes"),
        (lambda: bootstrap_paths(np.ones(5), reps=1, block_length=0.5), "block_length"),
        (lambda: bootstrap_forward_mean(np.ones(5), -1, 5.0), "h"),
        (lambda: true_forward_mean(0.001, -2), "h"),
    ],
)
def test_invalid_inputs_name_the_parameter(call, name: str) -> None:
    with pytest.raises(ValueError, match=f"`{name}`"):
        call()
