"""The scipy.special replacements of scipy.stats against scipy.stats itself, on random inputs.

The timeline ``run`` path evaluates these instead of importing scipy.stats (0.45-0.75 s);
they must give scipy.stats' numbers to the last bit (asserted as rtol 1e-12, equal in
practice), ties, NaNs and edge cases included.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from eventstudy.inference.distributions import (
    bh_adjust,
    binomtest_pvalue,
    mannwhitney_pvalue,
    norm_cdf,
    norm_isf,
    norm_ppf,
    norm_sf,
    rank_rows,
    t_sf,
)
from eventstudy.inference.multiple import benjamini_hochberg

RTOL = 1e-12

reals = st.floats(min_value=-40, max_value=40, allow_nan=False) | st.sampled_from([np.inf, -np.inf, np.nan, 0.0, -0.0])
probabilities = st.floats(min_value=0, max_value=1) | st.sampled_from([1e-300, 1 - 1e-16, 0.5, np.nan, -0.1, 1.1])


def _close(a: object, b: object) -> None:
    np.testing.assert_allclose(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64), rtol=RTOL, atol=0, equal_nan=True)


@settings(deadline=None)
@given(x=reals, df=st.floats(min_value=-2, max_value=1e6) | st.sampled_from([np.inf, np.nan, 0.0, 0.5, 1.0]))
def test_t_sf_matches_scipy(x: float, df: float) -> None:
    _close(t_sf(x, df), stats.t.sf(x, df))


def test_t_sf_broadcasts_arrays_like_scipy() -> None:
    x = np.array([[0.3, -1.2, np.inf], [2.5, np.nan, -np.inf]])
    df = np.array([3.0, np.nan, 0.0])
    _close(t_sf(x, df), stats.t.sf(x, df))
    assert np.ndim(t_sf(np.float64(1.0), 4)) == 0


@settings(deadline=None)
@given(x=reals)
def test_norm_sf_and_cdf_match_scipy(x: float) -> None:
    _close(norm_sf(x), stats.norm.sf(x))
    _close(norm_cdf(x), stats.norm.cdf(x))


@settings(deadline=None)
@given(q=probabilities)
def test_norm_quantiles_match_scipy(q: float) -> None:
    _close(norm_ppf(q), stats.norm.ppf(q))
    _close(norm_isf(q), stats.norm.isf(q))


def _samples(draw: st.DrawFn, size: int, ties: bool) -> np.ndarray:
    if ties:  # few distinct values: many ties, sometimes all values equal
        values = st.integers(min_value=-3, max_value=3).map(float)
    else:
        values = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, width=32).map(float)
    return np.array(draw(st.lists(values, min_size=size, max_size=size)))


@st.composite
def mwu_batches(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    rows = draw(st.integers(min_value=1, max_value=4))
    n1 = draw(st.integers(min_value=1, max_value=12))
    n2 = draw(st.integers(min_value=1, max_value=30))
    ties = draw(st.booleans())
    x = np.stack([_samples(draw, n1, ties) for _ in range(rows)])
    y = _samples(draw, n2, ties)
    if draw(st.booleans()):  # a NaN in some slices, in the events or in the baseline
        x[draw(st.integers(0, rows - 1)), draw(st.integers(0, n1 - 1))] = np.nan
    if draw(st.integers(0, 5)) == 0:
        y[draw(st.integers(0, n2 - 1))] = np.nan
    return x, y


def _scipy_mwu(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yb = np.broadcast_to(y, (*x.shape[:-1], y.shape[-1]))
        return stats.mannwhitneyu(x, yb, axis=-1, method="asymptotic").pvalue  # type: ignore[no-any-return]


@settings(max_examples=300, deadline=None)
@given(data=mwu_batches())
def test_mann_whitney_batches_match_scipy(data: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = data
    _close(mannwhitney_pvalue(x, y), _scipy_mwu(x, y))
    _close(mannwhitney_pvalue(x[0], y), _scipy_mwu(x[0], y))  # one event set: a scalar
    assert np.ndim(mannwhitney_pvalue(x[0], y)) == 0


@settings(max_examples=300, deadline=None)
@given(data=mwu_batches())
def test_mann_whitney_one_sample_is_the_batch_value_to_the_bit(data: tuple[np.ndarray, np.ndarray]) -> None:
    """One event set against a baseline (sorted copies and binary searches) gives the bits
    the batch path (a stable argsort of both) gives: ranks and run lengths are exact."""
    x, y = data
    for row in x:
        one, batch = np.float64(mannwhitney_pvalue(row, y)), np.float64(mannwhitney_pvalue(row[None, :], y)[0])
        assert (np.isnan(one) and np.isnan(batch)) or one.view(np.int64) == batch.view(np.int64)


def test_mann_whitney_edge_cases_match_scipy() -> None:
    rng = np.random.default_rng(12)
    x, y = rng.normal(size=(3, 40)), rng.normal(size=2_000)  # large baseline, continuous values
    _close(mannwhitney_pvalue(x, y), _scipy_mwu(x, y))
    same = np.ones((2, 3))  # every value tied: zero variance, p = 1
    _close(mannwhitney_pvalue(same, np.ones(4)), _scipy_mwu(same, np.ones(4)))
    assert np.isnan(mannwhitney_pvalue(np.array([1.0, 2.0]), np.array([])))
    assert mannwhitney_pvalue(np.zeros((0, 3)), np.ones(4)).shape == (0,)


@st.composite
def binomial_cases(draw: st.DrawFn) -> tuple[int, int, float]:
    n = draw(st.integers(min_value=1, max_value=400))
    kind = draw(st.sampled_from(["any", "edge", "mode"]))
    p = draw(st.floats(min_value=1e-6, max_value=1 - 1e-6) | st.sampled_from([1e-12, 1 - 1e-12, 0.5, 0.78, 1 / 3]))
    if kind == "edge":
        k = draw(st.sampled_from([0, n]))
    elif kind == "mode":  # k = n p exactly where possible, else next to it
        p = draw(st.integers(min_value=1, max_value=n - 1)) / n if n > 1 else 0.5
        k = min(n, max(0, round(n * p) + draw(st.integers(-1, 1))))
    else:
        k = draw(st.integers(min_value=0, max_value=n))
    return k, n, p


@settings(max_examples=400, deadline=None)
@given(case=binomial_cases())
def test_binomtest_matches_scipy(case: tuple[int, int, float]) -> None:
    k, n, p = case
    _close(binomtest_pvalue(k, n, p), stats.binomtest(k, n, p).pvalue)


def test_binomtest_every_count_matches_scipy() -> None:
    for n, p in [(18, 0.78), (25, 0.5), (60, 0.1), (7, 1 / 3), (200, 0.999)]:
        for k in range(n + 1):
            _close(binomtest_pvalue(k, n, p), stats.binomtest(k, n, p).pvalue)


def test_binomtest_refuses_what_scipy_refuses_or_the_caller_filters() -> None:
    for k, n, p in [(3, 2, 0.5), (-1, 4, 0.5), (1, 0, 0.5), (1, 4, 0.0), (1, 4, 1.0), (1, 4, float("nan"))]:
        with pytest.raises(ValueError, match="binomtest_pvalue needs"):
            binomtest_pvalue(k, n, p)


pvalue_lists = st.lists(
    st.floats(min_value=0, max_value=1) | st.sampled_from([0.0, 1.0, 0.05, np.nan]), min_size=0, max_size=40
)


@settings(max_examples=300, deadline=None)
@given(p=pvalue_lists)
def test_benjamini_hochberg_matches_scipy_with_nans_left_out(p: list[float]) -> None:
    values = np.array(p, dtype=np.float64)
    ok = ~np.isnan(values)
    expected = np.full(values.shape, np.nan)
    if ok.any():
        expected[ok] = stats.false_discovery_control(values[ok], method="bh")
    _close(benjamini_hochberg(values), expected)
    _close(bh_adjust(values[ok]), stats.false_discovery_control(values[ok], method="bh") if ok.any() else values[ok])


@settings(deadline=None, max_examples=200)
@given(
    values=st.tuples(st.integers(1, 5), st.integers(0, 25)).flatmap(
        lambda shape: arrays(np.float64, shape, elements=st.sampled_from([np.nan, -np.inf, np.inf, -1.5, -0.0, 0.0, 0.5, 2.0, 3.0]))
    )
)
def test_rank_rows_is_scipys_rankdata_with_nans_omitted(values: np.ndarray) -> None:
    expected = stats.rankdata(values, axis=1, nan_policy="omit") if values.size else np.zeros(values.shape)
    np.testing.assert_array_equal(rank_rows(values), expected)  # half-integers: equal to the bit
