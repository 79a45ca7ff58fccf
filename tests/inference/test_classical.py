"""Classical companions, Newey-West, effective sample size and intervals against hand values."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from eventstudy.inference.classical import (
    FIXED_B_GRID,
    FIXED_B_PVALUES,
    FIXED_B_QUANTILES,
    _bartlett_filter,
    _hac_event_test,
    binomial_test,
    fast_length,
    fixed_b_pvalue,
    hac_event_test,
    hac_lag,
    mann_whitney_test,
    newey_west,
    student_test,
    welch_test,
)
from eventstudy.inference.intervals import (
    LARGE_SAMPLE,
    bca_interval,
    bca_intervals,
    wilson_interval,
)
from eventstudy.inference.power import (
    effective_sample_size,
    minimum_detectable_effect,
    share_minimum_detectable_effect,
)


def test_newey_west_against_hand_computation() -> None:
    # Intercept-only regression on y = [1, 2, 3, 6]: mean 3, residuals u = [-2, -1, 0, 3].
    # S = sum u^2 + 2 * (1 - 1/2) * sum u_t u_{t-1} = 14 + (2 + 0 + 0) = 16; Var = S / T^2 = 1.
    x = np.ones((4, 1))
    u = np.array([-2.0, -1.0, 0.0, 3.0])
    assert newey_west(x, u, lag=1)[0, 0] == pytest.approx(1.0)
    # lag 0 is White's estimator: 14 / 16
    assert newey_west(x, u, lag=0)[0, 0] == pytest.approx(14 / 16)


def test_fast_hac_equals_textbook_regression() -> None:
    rng = np.random.default_rng(0)
    y = np.convolve(rng.standard_normal(600), np.ones(10))[:600] / 10  # overlapping sums
    events = np.sort(rng.choice(600, size=(5, 12), replace=False), axis=1)
    lag = hac_lag(10)
    fast = hac_event_test(y, events, lag)
    for s in range(5):
        d = np.zeros(600)
        d[events[s]] = 1
        x = np.column_stack([np.ones(600), d])
        beta = np.linalg.lstsq(x, y, rcond=None)[0]
        cov = newey_west(x, y - x @ beta, lag)
        assert fast.coef[s] == pytest.approx(beta[1])
        assert fast.se[s] == pytest.approx(np.sqrt(cov[1, 1]))
    assert hac_lag(1) == 1 and hac_lag(63) == 124


def test_fast_length_is_scipys_next_fast_len_for_real_transforms() -> None:
    """The Bartlett filter's FFT length must be scipy's, or its bits would move."""
    from scipy import fft

    targets = [*range(1, 5000), *np.random.default_rng(3).integers(5000, 2_000_000, 2000).tolist()]
    assert [fast_length(n) for n in targets] == [fft.next_fast_len(n, real=True) for n in targets]


def test_bartlett_filter_by_fft_equals_the_direct_sum() -> None:
    rng = np.random.default_rng(11)
    for total, lag in ((3000, 600), (4000, 252), (257, 200)):
        x = rng.standard_normal(total)
        weights = np.clip(1 - np.abs(np.arange(total)[:, None] - np.arange(total)[None, :]) / (lag + 1), 0, None)
        np.testing.assert_allclose(_bartlett_filter(x, lag), weights @ x, rtol=1e-9, atol=1e-9)


def _textbook_hac(y: np.ndarray, events: np.ndarray, lag: int) -> tuple[float, float]:
    """Slope and Newey-West s.e. of OLS of ``y`` on ``[1, D]``, the ``T x 2`` way."""
    d = np.zeros(y.size)
    d[events] = 1
    x = np.column_stack([np.ones(y.size), d])
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    return float(beta[1]), float(np.sqrt(newey_west(x, y - x @ beta, lag)[1, 1]))


def test_hac_many_events_equals_textbook_regression() -> None:
    # n large relative to T: the prefix-sum path, no n x n object
    rng = np.random.default_rng(5)
    y = np.convolve(rng.standard_normal(3100), np.ones(63))[100:3100] / 63 + 0.3
    events = rng.choice(3000, size=(2, 1500), replace=False)
    for lag in (hac_lag(63), 1, 2999):
        fast = hac_event_test(y, events, lag)
        for s in range(2):
            coef, se = _textbook_hac(y, events[s], lag)
            assert fast.coef[s] == pytest.approx(coef, rel=1e-10)
            assert fast.se[s] == pytest.approx(se, rel=1e-9)
    one = hac_event_test(y, events[0], 124)  # a single (n,) set
    assert one.se.shape == (1,) and one.se[0] == pytest.approx(hac_event_test(y, events, 124).se[0], rel=1e-14)


@pytest.mark.parametrize(
    ("total", "n", "lag", "sets"),
    [(600, 12, 18, 7), (600, 40, 0, 3), (500, 40, 499, 3), (3000, 1500, 124, 2), (2000, 300, 1, 4), (1000, 2, 5, 3)],
)
def test_hac_pair_and_prefix_sum_methods_agree(total: int, n: int, lag: int, sets: int) -> None:
    rng = np.random.default_rng(total + n + lag)
    y = np.cumsum(rng.standard_normal(total)) + 10.0  # persistent and off-centre
    events = rng.choice(total, size=(sets, n), replace=False)
    events[0] = np.arange(n) * min(3, (total - 1) // n)  # a tight cluster: every window crowded
    pairs = _hac_event_test(y, events, lag, method="pairs", chunk=2)
    prefix = _hac_event_test(y, events, lag, method="sorted")
    auto = hac_event_test(y, events, lag)
    for field in ("coef", "se", "t", "p", "p_fixed_b"):
        np.testing.assert_allclose(getattr(prefix, field), getattr(pairs, field), rtol=1e-10, atol=0)
        np.testing.assert_allclose(getattr(auto, field), getattr(pairs, field), rtol=1e-10, atol=0)
    # the order of the events within a set does not matter
    shuffled = rng.permuted(events, axis=1)
    np.testing.assert_allclose(hac_event_test(y, shuffled, lag).se, auto.se, rtol=1e-12)


def test_hac_rejects_bad_events() -> None:
    y = np.arange(50.0)
    with pytest.raises(ValueError, match="events"):
        hac_event_test(y, np.array([3, 50]), 2)
    with pytest.raises(ValueError, match="events"):
        hac_event_test(y, np.array([-1, 4]), 2)
    with pytest.raises(ValueError, match="events"):
        hac_event_test(y, np.array([[3, 7], [4, 4]]), 2)
    with pytest.raises(ValueError, match="values"):
        hac_event_test(y.reshape(5, 10), np.array([1]), 2)
    with pytest.raises(ValueError, match="method"):
        _hac_event_test(y, np.array([1]), 2, method="fft")
    empty = hac_event_test(y, np.zeros((2, 0), dtype=int), 2)
    assert np.isnan(empty.se).all() and np.isnan(empty.p_fixed_b).all() and empty.se.shape == (2,)


def test_fixed_b_pvalue_limits_and_monotonicity() -> None:
    assert fixed_b_pvalue(1.96, 0.0) == pytest.approx(0.05, abs=1e-4)
    ts = np.linspace(0, 12, 241)
    # b = 0 is exactly the normal p, also far in the tail
    np.testing.assert_allclose(fixed_b_pvalue(ts, 0.0), 2 * stats.norm.sf(ts), rtol=1e-12, atol=1e-300)
    bs = np.linspace(0, 1, 137)  # off the table's grid
    p = fixed_b_pvalue(ts[:, None], bs[None, :])
    assert p.shape == (241, 137) and np.all((p >= 0) & (p <= 1))
    assert np.all(np.diff(p, axis=0) <= 0) and np.all(np.diff(p, axis=1) >= 0)  # down in |t|, up in b
    assert np.all(np.diff(p[1:], axis=0) < 0)  # strictly, once |t| > 0
    assert fixed_b_pvalue(-2.5, 0.3) == fixed_b_pvalue(2.5, 0.3)
    assert fixed_b_pvalue(0.0, 0.7) == pytest.approx(1.0)
    # a table quantile gives back its own level, on and between grid rows
    assert fixed_b_pvalue(FIXED_B_QUANTILES[5, 11], FIXED_B_GRID[5]) == pytest.approx(FIXED_B_PVALUES[11], rel=1e-9)
    mid = (FIXED_B_QUANTILES[5] + FIXED_B_QUANTILES[6]) / 2
    np.testing.assert_allclose(fixed_b_pvalue(mid, (FIXED_B_GRID[5] + FIXED_B_GRID[6]) / 2), FIXED_B_PVALUES, rtol=1e-9)
    assert np.isnan(fixed_b_pvalue(np.nan, 0.2)) and np.isnan(fixed_b_pvalue(2.0, np.nan))
    assert fixed_b_pvalue(np.inf, 0.2) == 0.0
    with pytest.raises(ValueError, match="b"):
        fixed_b_pvalue(2.0, 1.2)
    with pytest.raises(ValueError, match="b"):
        fixed_b_pvalue(2.0, -0.01)


def test_fixed_b_table_against_exact_values_and_kiefer_vogelsang_cubic() -> None:
    """The simulated 97.5% quantiles of t (two-sided 5%) at b = 0.1, 0.2, 0.5, 1.

    Table (Monte Carlo s.e. <= 0.0031): 2.2351, 2.5377, 3.4755, 4.7754. Exact (eigenvalues of
    the centred Bartlett kernel on 1,000 points and Imhof's inversion, in
    benchmarks/fixed_b_table.py; the same to 4 decimals on 2,000 and 4,000): 2.2343, 2.5366,
    3.4739, 4.7711. The Kiefer-Vogelsang (2005) cubic 1.96 + 2.9694 b + 0.4160 b^2 - 0.5324 b^3,
    as secondary sources quote it: 2.2606, 2.5663, 3.4822, 4.8130, 0.007-0.042 above both,
    the size of a cubic's fit error over [0, 1] (its slope at 0, 2.97, exceeds the 2.56 of the
    small-b expansion, which the table follows).
    """
    j = list(FIXED_B_PVALUES).index(0.05)
    exact = {0.1: 2.2343, 0.2: 2.5366, 0.5: 3.4739, 1.0: 4.7711}
    for b, q in exact.items():
        table = FIXED_B_QUANTILES[round(b / 0.02), j]
        cubic = 1.96 + 2.9694 * b + 0.4160 * b**2 - 0.5324 * b**3
        assert table == pytest.approx(q, abs=0.01)  # ~3 Monte Carlo s.e.
        assert table == pytest.approx(cubic, abs=0.045)
        assert fixed_b_pvalue(cubic, b) == pytest.approx(0.05, abs=0.003)
    # first-order small-b expansion of the 5% critical value: 1.96 + 2.56 b
    assert FIXED_B_QUANTILES[1, j] == pytest.approx(1.96 + 2.56 * 0.02, abs=0.005)


def test_fixed_b_p_is_closer_to_uniform_for_overlapping_returns() -> None:
    """HAC event test on 63-day forward sums of i.i.d. normal returns, no effect.

    T = 2000 days, 30 random event days, lag 124 (b = 0.0625), 400 independent paths, seed 0:
    rejection at 5% is 7.25% with the normal p and 5.0% with the fixed-b p (at 10%: 12.75%
    and 11.75%; at 1%: 1.25% and 0.75%). Deterministic (fixed seed); the bounds leave room
    for numpy's generator streams only.
    """
    rng = np.random.default_rng(0)
    total, h, n = 2000, 63, 30
    p_normal, p_fixed = [], []
    for _ in range(400):
        y = np.convolve(rng.standard_normal(total + h - 1), np.ones(h), mode="valid")
        res = hac_event_test(y, rng.choice(total, n, replace=False), hac_lag(h))
        p_normal.append(res.p[0])
        p_fixed.append(res.p_fixed_b[0])
    normal, fixed = np.mean(np.array(p_normal) < 0.05), np.mean(np.array(p_fixed) < 0.05)
    assert np.all(np.array(p_fixed) >= np.array(p_normal))
    assert abs(fixed - 0.05) < abs(normal - 0.05)
    assert fixed <= 0.09 and 0.4 <= np.mean(np.array(p_fixed) < 0.5) <= 0.6


def test_welch_student_mann_whitney_binomial_match_scipy() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.normal(0.01, 0.05, 18), rng.normal(0.0, 0.04, 500)
    t, p = welch_test(x, y)
    ref = stats.ttest_ind(x, y, equal_var=False)
    assert (t, p) == pytest.approx((ref.statistic, ref.pvalue))
    t, p = student_test(x, y)
    ref = stats.ttest_ind(x, y, equal_var=True)
    assert (t, p) == pytest.approx((ref.statistic, ref.pvalue))
    assert mann_whitney_test(x, y) == pytest.approx(stats.mannwhitneyu(x, y, method="asymptotic").pvalue)
    # vectorized over many event sets
    many = rng.normal(0, 0.05, (3, 18))
    assert welch_test(many, y)[1] == pytest.approx([stats.ttest_ind(m, y, equal_var=False).pvalue for m in many])
    assert binomial_test(18, 18, 0.78) == pytest.approx(stats.binomtest(18, 18, 0.78).pvalue)
    assert np.isnan(welch_test(np.array([1.0]), y)[1])
    # a baseline never or always positive (a flat series): decided outright, as scipy does, not NaN
    for k, n, rate in [(0, 5, 0.0), (3, 5, 0.0), (5, 5, 1.0), (3, 5, 1.0)]:
        assert binomial_test(k, n, rate) == stats.binomtest(k, n, rate).pvalue


def test_effective_sample_size_and_mde() -> None:
    assert effective_sample_size(np.array([0, 100, 200]), 21) == pytest.approx(3.0)
    assert effective_sample_size(np.array([0, 10]), 20) == pytest.approx(4 / 3)  # rho = 1/2
    assert effective_sample_size(np.array([5, 5, 5]), 10) == pytest.approx(1.0)
    assert np.isnan(effective_sample_size(np.array([]), 10))
    # (1.959964 + 0.841621) * 0.1 / 4
    assert minimum_detectable_effect(0.1, 16.0, 0.05) == pytest.approx(0.0700396, rel=1e-5)


def test_a_share_mde_beyond_what_a_share_can_move_is_none() -> None:
    """The share positive's MDE at n_eff 2 read 99.0 pp against a 50% baseline (the
    universe study's excess 3m: 79.3 pp against 50.8%): no share can move that far from
    its baseline, so no effect was detectable at all. It is now inf ('none detectable')
    when it passes max(p0, 1 - p0); within reach it is the normal formula."""
    z = 1.959964 + 0.841621
    assert share_minimum_detectable_effect(0.5, 2.0) == np.inf  # 0.990 > 0.5 either way
    assert share_minimum_detectable_effect(0.5, 16.0) == pytest.approx(z * 0.5 / 4, rel=1e-5)
    # 0.56 down from 80% is reachable (to 24%), though not up: the formula stands
    assert share_minimum_detectable_effect(0.8, 4.0) == pytest.approx(z * 0.4 / 2, rel=1e-5)
    assert share_minimum_detectable_effect(0.2, 4.0) == pytest.approx(z * 0.4 / 2, rel=1e-5)
    # at the edge: 0.792 from 80% is reachable (down to 0.8%), 0.813 is not
    assert share_minimum_detectable_effect(0.8, 2.0) == pytest.approx(z * 0.4 / 2**0.5, rel=1e-5)
    assert share_minimum_detectable_effect(0.8, 1.9) == np.inf
    assert np.isnan(share_minimum_detectable_effect(1.0, 4.0))  # every day positive: no spread, undefined as before


def test_bca_covers_and_flags_small_samples() -> None:
    rng = np.random.default_rng(2)
    covered = 0
    for _ in range(40):
        x = rng.normal(1.0, 1.0, 40)
        ci = bca_interval(x, lambda v: v.mean(axis=-1), n_resamples=999, seed=rng)
        covered += ci.low <= 1.0 <= ci.high
        assert not ci.approximate
    assert covered >= 34  # 95% nominal; binomial(40, .95) is >= 35 with prob ~0.95
    small = bca_interval(rng.normal(size=10), lambda v: np.median(v, axis=-1), n_resamples=999, seed=1)
    assert small.approximate and small.low < small.high
    assert np.isnan(bca_interval(np.array([1.0]), lambda v: v.mean(axis=-1)).low)
    ci = wilson_interval(9, 18)
    assert (ci.low, ci.high) == pytest.approx((0.2903, 0.7097), abs=1e-4)


@pytest.mark.parametrize("n", [1, 2, 7, 20, 200, 2_001, LARGE_SAMPLE - 1, LARGE_SAMPLE])
def test_bca_intervals_are_each_statistics_own_interval(n: int) -> None:
    """One set of resamples for several statistics gives each the interval it gets alone
    with the same seed: below and above the analytic size, across the resamples' chunks
    (2,001 values: 499 resamples in chunks of 124), with a statistic known only as a callable."""
    x = np.random.default_rng(n).standard_t(3, n)
    trimmed = lambda v: np.sort(v, axis=-1)[..., 1:-1].mean(axis=-1) if v.shape[-1] > 2 else v.mean(axis=-1)  # noqa: E731
    statistics = ["mean", "median", trimmed, lambda v: v.mean(axis=-1)]
    together = bca_intervals(x, statistics, n_resamples=3_000, seed=np.random.default_rng(11))
    alone = [bca_interval(x, s, n_resamples=3_000, seed=np.random.default_rng(11)) for s in statistics]
    np.testing.assert_array_equal([[c.low, c.high, c.approximate] for c in together], [[c.low, c.high, c.approximate] for c in alone])


def test_bca_intervals_of_equal_values_have_none() -> None:
    assert all(np.isnan(c.low) for c in bca_intervals(np.full(30, 0.01), ["mean", "median"], seed=1))
