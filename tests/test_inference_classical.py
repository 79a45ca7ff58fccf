"""Classical companions, Newey-West, effective sample size and intervals against hand values."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from eventstudy.inference.classical import (
    binomial_test,
    hac_event_test,
    hac_lag,
    mann_whitney_test,
    newey_west,
    student_test,
    welch_test,
)
from eventstudy.inference.intervals import bca_interval, wilson_interval
from eventstudy.inference.power import effective_sample_size, minimum_detectable_effect


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
    assert np.isnan(binomial_test(3, 5, 1.0)) and np.isnan(welch_test(np.array([1.0]), y)[1])


def test_effective_sample_size_and_mde() -> None:
    assert effective_sample_size(np.array([0, 100, 200]), 21) == pytest.approx(3.0)
    assert effective_sample_size(np.array([0, 10]), 20) == pytest.approx(4 / 3)  # rho = 1/2
    assert effective_sample_size(np.array([5, 5, 5]), 10) == pytest.approx(1.0)
    assert np.isnan(effective_sample_size(np.array([]), 10))
    # (1.959964 + 0.841621) * 0.1 / 4
    assert minimum_detectable_effect(0.1, 16.0, 0.05) == pytest.approx(0.0700396, rel=1e-5)


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
