"""Placebo p-values, percentiles and multiple-testing adjustments on hand-computed cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from synthetic import write_random_walks

import eventstudy
from eventstudy.inference.multiple import benjamini_hochberg, holm, maxstat_stepdown
from eventstudy.inference.placebo import SELECT_FROM, Ranked, median_of, median_rows, placebo_test


def test_pvalues_count_the_observation_itself() -> None:
    # null 0..9 (B = 10), observed 8: two above-or-equal (8, 9), nine below-or-equal.
    r = placebo_test(np.array([8.0]), np.arange(10.0)[None, :])
    assert r.p_greater[0] == pytest.approx((1 + 2) / 11)
    assert r.p_less[0] == pytest.approx((1 + 9) / 11)
    # centre 4.5: |x - 4.5| >= 3.5 for 0, 1, 8, 9.
    assert r.p_two_sided[0] == pytest.approx((1 + 4) / 11)
    assert r.percentile[0] == pytest.approx(100 * (8 + 0.5) / 10)


def test_extreme_observation_gets_smallest_pvalue() -> None:
    r = placebo_test(np.array([100.0, -100.0]), np.tile(np.arange(5.0), (2, 1)))
    assert r.p_greater[0] == pytest.approx(1 / 6) and r.p_less[1] == pytest.approx(1 / 6)
    assert r.p_two_sided.tolist() == pytest.approx([1 / 6, 1 / 6])
    assert r.percentile.tolist() == [100.0, 0.0]


def test_ties_count_as_extreme_and_nan_stays_nan() -> None:
    r = placebo_test(np.array([0.5, np.nan]), np.array([[0.5, 0.5, 0.5, 0.5], [0.1, 0.2, 0.3, 0.4]]))
    assert r.p_greater[0] == 1.0 and r.p_less[0] == 1.0 and r.p_two_sided[0] == 1.0
    assert r.percentile[0] == 50.0 and r.z[0] == 0.0
    assert np.isnan(r.p_two_sided[1]) and np.isnan(r.percentile[1])


def test_float_noise_does_not_break_ties() -> None:
    x = np.array([0.1, 0.2, 0.3])
    r = placebo_test(np.array([x.mean()]), np.array([[0.6 / 3, 0.0, 1.0]]))
    assert r.p_greater[0] == pytest.approx((1 + 2) / 4)


def test_placebo_rejects_shape_mismatch() -> None:
    with pytest.raises(ValueError, match="`null` must have one row per observed statistic"):
        placebo_test(np.array([1.0, 2.0]), np.zeros((3, 4)))


def test_holm_and_bh_against_hand_values() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.005, np.nan])
    # sorted 0.005, 0.01, 0.03, 0.04 (m = 4): 0.02, 0.03, 0.06, 0.04 -> running max 0.02, 0.03, 0.06, 0.06
    assert holm(p)[:4].tolist() == pytest.approx([0.03, 0.06, 0.06, 0.02])
    # BH: 0.005*4/1=0.02, 0.01*4/2=0.02, 0.03*4/3=0.04, 0.04*4/4=0.04 -> step-up minima
    assert benjamini_hochberg(p)[:4].tolist() == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert np.isnan(holm(p)[4]) and np.isnan(benjamini_hochberg(p)[4])


def test_adjusters_validate_input() -> None:
    with pytest.raises(ValueError, match="`p` must hold probabilities"):
        holm(np.array([0.5, 1.5]))


def test_maxstat_hand_case_and_never_below_raw() -> None:
    null = np.array([[0.1, 0.5, 2.0, 0.3], [1.5, 0.2, 0.4, 0.1]])
    assert maxstat_stepdown(np.array([1.8, 0.3]), null).tolist() == pytest.approx([0.4, 0.6])
    rng = np.random.default_rng(3)
    null = np.abs(rng.standard_normal((8, 999)))
    observed = np.abs(rng.standard_normal(8)) * 2
    raw = (1 + (null >= observed[:, None]).sum(axis=1)) / 1000
    adjusted = maxstat_stepdown(observed, null)
    assert np.all(adjusted >= raw - 1e-12)
    # monotone in the statistic: a larger |t| never gets a larger adjusted p
    order = np.argsort(-observed)
    assert np.all(np.diff(adjusted[order]) >= 0)


def test_maxstat_is_the_step_down_formula() -> None:
    # p_(j) = (1 + #{b: max over cells ranked j and below >= |t_(j)|}) / (B + 1), running max,
    # written plainly per cell, on random nulls with ties and a cell left out
    rng = np.random.default_rng(11)
    for _ in range(50):
        cells, reps = int(rng.integers(1, 12)), int(rng.choice([1, 4, 500]))
        null = np.round(np.abs(rng.standard_t(3, (cells, reps))), 1)
        observed = np.round(np.abs(rng.standard_t(3, cells)) * 2, 1)
        observed[rng.random(cells) < 0.1] = np.nan
        ok = np.flatnonzero(~np.isnan(observed))
        order = ok[np.argsort(-observed[ok], kind="stable")]
        expected = np.full(cells, np.nan)
        running = 0.0
        for j, cell in enumerate(order):
            beyond = null[order[j:]].max(axis=0)
            tol = abs(np.finfo(np.float64).eps * 100 * observed[cell])
            running = max(running, (1 + int(np.sum(beyond >= observed[cell] - tol))) / (reps + 1))
            expected[cell] = running
        np.testing.assert_array_equal(maxstat_stepdown(observed, null), expected)


def test_maxstat_leaves_out_a_statistic_a_null_without_spread_cannot_judge() -> None:
    # one event: every draw's statistic alike, so the studentized one is d / 0; it used to
    # leave every count at 0 (inf - inf tolerance) and an adjusted p of 1 / (B + 1)
    null = np.array([[0.0, 0.0, 0.0, 0.0], [0.4, 1.2, 0.1, 2.0]])
    adjusted = maxstat_stepdown(np.array([np.inf, 1.0]), null)
    assert np.isnan(adjusted[0])
    assert adjusted[1] == pytest.approx(maxstat_stepdown(np.array([1.0]), null[1:])[0])


def test_draws_alike_but_for_rounding_have_no_spread() -> None:
    # every circular shift of events on every day is the same set: the draws are equal, but
    # their mean is not to the bit, so the std was the mean's rounding and z an O(1) noise
    # that put the max-statistic p (0.95) below the cell's own p (1.0)
    null = np.full((1, 1500), 0.0012678)
    r = placebo_test(np.array([0.0012678]), null)
    assert r.null_std[0] == 0.0 and r.z[0] == 0.0 and r.p_two_sided[0] == 1.0
    spread = placebo_test(np.array([0.0]), np.array([[0.0012678, 0.0012679, 0.0012678]]))
    assert spread.null_std[0] > 0.0


def test_circular_null_of_events_on_every_day_is_no_evidence(tmp_path: Path) -> None:
    write_random_walks(tmp_path, ("A",), seed=1)
    (tmp_path / "study.yaml").write_text(
        "name: every day\nseries: {A: A}\nwhen: A close > 0\nwindow: {start: 2015-01-01}\n"
        "evaluate:\n  - forward_returns: {assets: [A], horizons: [1w, 1m]}\n"
    )
    tests = eventstudy.run(tmp_path / "study.yaml", data_dir=tmp_path, null="circular", placebos=200).tests
    assert (tests["p_placebo"] == 1.0).all()
    assert (tests["p_maxstat"] >= tests["p_placebo"]).all()


def _polars_medians(rows: np.ndarray) -> np.ndarray:
    """The reference: polars' median of each row, missing values (NaN) left out."""
    import polars as pl

    series = pl.Series(np.ascontiguousarray(rows).ravel()).fill_nan(None).reshape(rows.shape)
    return series.arr.median().cast(pl.Float64).fill_null(np.nan).to_numpy().copy()


def _values(seed: int, rows: int, width: int, kind: int) -> np.ndarray:
    """Rows of random returns, of small integers (many ties) or of numbers spread over
    many magnitudes; no -0.0: where a row's middle holds both zeros, which one polars'
    selection returns is its own (they are equal: only the sign of a zero median differs)."""
    rng = np.random.default_rng(seed)
    if kind == 0:
        x = rng.normal(0.0, 0.05, (rows, width))
    elif kind == 1:
        x = rng.integers(-3, 4, (rows, width)).astype(np.float64)
    else:
        x = rng.normal(size=(rows, width)) * 10.0 ** rng.integers(-200, 200, (rows, width))
    return x + 0.0


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 40), st.integers(1, 300), st.integers(0, 2))
def test_median_rows_is_polars_median_to_the_bit(seed: int, rows: int, width: int, kind: int) -> None:
    """Short rows are sorted, long ones go through polars: the same bits either way, for
    any number of rows (and within the last bit of numpy's (a + b) / 2)."""
    values = _values(seed, rows, width, kind)
    found = median_rows(values)
    np.testing.assert_array_equal(found.view(np.int64), _polars_medians(values).view(np.int64))
    ranked = np.sort(values, axis=1)
    scale = np.maximum(np.abs(ranked[:, (width - 1) // 2]), np.abs(ranked[:, width // 2]))
    assert np.all(np.abs(found - np.median(values, axis=1)) <= np.finfo(np.float64).eps * scale)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 40), st.integers(1, 300), st.integers(0, 2), st.floats(0.0, 1.0))
def test_row_medians_with_missing_values_is_polars_median(seed: int, rows: int, width: int, kind: int, share: float) -> None:
    """Rows with missing values: the median of their known values, as polars gives it
    (NaN where a row has none); all rows sorted at once, or the full ones apart."""
    from eventstudy.inference.structural import row_medians

    x = _values(seed, rows, width, kind)
    x[np.random.default_rng(seed + 1).random(x.shape) < share] = np.nan
    missing = np.isnan(x)
    expected = _polars_medians(x)
    count = width - missing.sum(axis=1)
    found = row_medians(x, missing, count)
    np.testing.assert_array_equal(np.isnan(found), np.isnan(expected))
    known = ~np.isnan(found)
    np.testing.assert_array_equal(found[known].view(np.int64), expected[known].view(np.int64))
    in_place = row_medians(x.copy(), missing, count, overwrite=True)  # sorting its own rows: the same medians
    np.testing.assert_array_equal(np.nan_to_num(in_place, nan=7.0).view(np.int64), np.nan_to_num(found, nan=7.0).view(np.int64))
    counted = row_medians(x.copy(), overwrite=True)  # the known values counted here (after the sort): the same medians
    np.testing.assert_array_equal(np.nan_to_num(counted, nan=7.0).view(np.int64), np.nan_to_num(found, nan=7.0).view(np.int64))


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 2000), st.integers(1, 40), st.integers(1, 1200), st.integers(0, 2), st.floats(0.0, 1.0))
def test_ranked_medians_are_the_medians_of_the_gathered_values(seed: int, size: int, rows: int, width: int, kind: int, share: float) -> None:
    """Medians of subsets from their sorted ranks: polars' median of the gathered values to
    the bit (as :func:`median_rows` gives it), unknown values (NaN) left
    out, NaN where a row has none; indices with repeats, as a bootstrap draws them; rows
    wider than 512 sorted by radix."""
    rng = np.random.default_rng(seed)
    values = _values(seed, 1, size, kind)[0]
    values[rng.random(size) < share] = np.nan
    index = rng.integers(0, size, (rows, width))
    expected = _polars_medians(values[index])
    found = Ranked.of(values).medians(index)
    np.testing.assert_array_equal(np.nan_to_num(found, nan=7.0).view(np.int64), np.nan_to_num(expected, nan=7.0).view(np.int64))


def test_ranked_medians_of_empty_rows_are_nan() -> None:
    """Rows of no index, and rows of unknown values only, have no median."""
    ranked = Ranked.of(np.array([np.nan, 1.0, np.nan]))
    assert np.isnan(ranked.medians(np.zeros((3, 0), dtype=np.int64))).all()
    assert np.isnan(ranked.medians(np.array([[0, 2, 0], [2, 2, 2]]))).all()
    assert ranked.medians(np.array([[0, 1, 2]])).tolist() == [1.0]


def test_ranked_ranks_beyond_sixteen_bits() -> None:
    """More values than 16-bit ranks hold: wider ranks, the same medians."""
    values = np.random.default_rng(3).normal(size=70_000)
    ranked = Ranked.of(values)
    assert ranked.rank.dtype == np.int64
    index = np.random.default_rng(4).integers(0, values.size, (50, 31))
    np.testing.assert_array_equal(ranked.medians(index), median_rows(values[index]))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 3), st.integers(0, 2), st.sampled_from([np.float64, np.float32]))
def test_median_of_is_numpys_median_to_the_bit(seed: int, extra: int, kind: int, dtype: type) -> None:
    """Large arrays select their two middle values in polars: numpy's median to the bit,
    in float32 too (the two averaged in the array's precision), odd and even counts, ties."""
    rng = np.random.default_rng(seed)
    values = _values(seed, 1, SELECT_FROM + extra + int(rng.integers(0, 3000)), kind if dtype is np.float64 else kind % 2)[0].astype(dtype)
    values[rng.random(values.size) < 0.1] = 0.0  # ties among the middle values
    expected = np.median(values)
    found = median_of(values)
    assert np.float64(found).view(np.int64) == np.float64(expected).view(np.int64)
