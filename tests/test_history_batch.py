"""A batch of resampled histories computes what the engine computes per history, faster.

The running-extreme features of a batch (``ath``, ``drawdown``, ``at_ath``, ``at_atl``)
are numpy passes over its ``(B, T)`` closes; they must give exactly the registry's polars
definitions computed per history. The all-days figures of :func:`cell_statistics` take a
no-copy path for an outcome's unknown tail; they must equal plain numpy per row. Forward
returns on a batch's equal-length rows skip the shifted copy; they must equal the change
to the shifted closes.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from eventstudy.evaluators import PanelBlock
from eventstudy.evaluators.forward_returns import forward_change_array
from eventstudy.features import compute_features
from eventstudy.histories import RUNNING_EXTREMES, running, running_extreme
from eventstudy.inference.histories import cell_statistics

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")  # a history without a known day is NaN, not numpy's empty-slice warning

# float32 closes with many ties (a coarse grid), as resampled histories repeat days
closes_2d = st.tuples(st.integers(1, 5), st.integers(1, 40)).flatmap(
    lambda shape: arrays(np.float32, shape, elements=st.integers(1, 12).map(lambda k: np.float32(k * 0.25)))
)


def _per_history(closes: np.ndarray, name: str) -> pl.Series:
    rows, days = closes.shape
    prices = pl.DataFrame({
        "date": np.tile(np.arange(days).astype("datetime64[D]"), rows),
        "symbol": np.repeat([f"h{i:03d}" for i in range(rows)], days),
        "close": closes.ravel(),
    }).with_columns(pl.col("date").cast(pl.Date))
    return compute_features(prices, [(name, ())])[name]


@pytest.mark.parametrize("name", RUNNING_EXTREMES)
@settings(max_examples=60, deadline=None)
@given(closes=closes_2d)
def test_running_extremes_are_the_registry_features_per_history(name: str, closes: np.ndarray) -> None:
    rows, days = closes.shape
    found = running_extreme(name, closes, np.arange(rows) * days)
    assert found is not None
    expected = _per_history(closes, name)
    assert found.dtype == expected.dtype
    assert found.is_null().to_list() == expected.is_null().to_list()
    assert found.fill_null(False if name.startswith("at_") else np.nan).to_list() == expected.fill_null(
        False if name.startswith("at_") else np.nan
    ).to_list()


def test_running_extremes_leave_other_features_and_unknown_closes_to_polars() -> None:
    closes = np.ones((2, 5), dtype=np.float32)
    assert running_extreme("sma", closes, np.array([0, 5])) is None
    closes[1, 2] = np.nan
    assert running_extreme("ath", closes, np.array([0, 5])) is None


def _reference_all_days(values: np.ndarray, window: np.ndarray) -> dict[str, np.ndarray]:
    out: dict[str, list[float]] = {"n_all": [], "all_mean": [], "all_median": [], "all_pct_positive": []}
    for row in values[:, window].astype(np.float64):
        known = row[~np.isnan(row)]
        out["n_all"].append(known.size)
        out["all_mean"].append(known.mean() if known.size else np.nan)
        out["all_median"].append(float(np.median(known)) if known.size else np.nan)
        out["all_pct_positive"].append((known > 0).mean() if known.size else np.nan)
    return {k: np.array(v) for k, v in out.items()}


@settings(max_examples=80, deadline=None)
@given(
    rows=st.integers(1, 12), days=st.integers(1, 30), tail=st.integers(0, 8), head=st.integers(0, 3),
    hole=st.booleans(), window_from=st.integers(0, 5), seed=st.integers(0, 2**16),
)
def test_all_days_figures_match_plain_numpy_per_row(rows, days, tail, head, hole, window_from, seed) -> None:
    rng = np.random.default_rng(seed)
    values = rng.normal(0, 1, (rows, days)).astype(np.float32)
    values[:, max(days - tail, 0):] = np.nan  # an outcome's unknown last days
    values[:, :head] = np.nan
    if hole:  # a day unknown in one row only: the masked path
        values[rng.integers(rows), rng.integers(days)] = np.nan
    window = np.arange(days) >= window_from
    found = cell_statistics([values], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), window)
    expected = _reference_all_days(values, window)
    for name, want in expected.items():
        np.testing.assert_allclose(getattr(found, name)[:, 0], want, rtol=1e-6, atol=1e-7, err_msg=name)


@settings(max_examples=80, deadline=None)
@given(rows=st.integers(1, 10), days=st.integers(1, 25), cells=st.integers(1, 3), share=st.floats(0, 1), seed=st.integers(0, 2**16))
def test_event_figures_match_plain_numpy_per_row_and_cell(rows, days, cells, share, seed) -> None:
    rng = np.random.default_rng(seed)
    values = [rng.normal(0, 1, (rows, days)).astype(np.float32) for _ in range(cells)]
    for c, v in enumerate(values):
        v[:, days - c :] = np.nan  # each cell its own unknown tail, as horizons have
    flat = np.flatnonzero(rng.random(rows * days) < share)
    s_idx, d_idx = flat // days, flat % days
    found = cell_statistics(values, s_idx, d_idx, np.ones(days, dtype=bool))
    for c, v in enumerate(values):
        for row in range(rows):
            x = v[row, d_idx[s_idx == row]].astype(np.float64)
            x = x[~np.isnan(x)]
            assert found.n[row, c] == x.size
            want = [x.mean(), np.median(x), (x > 0).mean(), x.std(ddof=1) if x.size > 1 else np.nan] if x.size else [np.nan] * 4
            got = [found.mean[row, c], found.median[row, c], found.pct_positive[row, c], found.sd[row, c]]
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


@settings(max_examples=80, deadline=None)
@given(
    shape=st.tuples(st.integers(0, 4), st.integers(1, 100)),
    seed=st.integers(0, 2**16),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_blocked_running_extremes_are_numpys_accumulate(shape, seed, dtype) -> None:
    values = np.random.default_rng(seed).integers(0, 20, shape).astype(dtype)  # ties
    for extreme in (np.maximum, np.minimum):
        np.testing.assert_array_equal(running(extreme, values), extreme.accumulate(values, axis=1))


@settings(max_examples=80, deadline=None)
@given(
    rows=st.integers(1, 4), width=st.integers(1, 30), k=st.integers(1, 35), kind=st.sampled_from(["simple", "log"]),
    seed=st.integers(0, 2**16),
)
def test_forward_change_on_equal_rows_is_the_shifted_change(rows, width, k, kind, seed) -> None:
    close = np.exp(np.random.default_rng(seed).normal(0, 0.1, rows * width)).astype(np.float32)
    block = PanelBlock(close, np.full(close.size, np.nan), np.zeros(close.size, dtype=np.int64), "h", width=width)
    expected = forward_change_array(close, block.ahead(close, k), kind)
    found = block.change_ahead(close, k, kind)  # a block of equal rows: the 2-D view
    assert found.dtype == expected.dtype
    np.testing.assert_array_equal(found, expected)
