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
from eventstudy.features import compute_features, earlier_rows, feature_key
from eventstudy.histories import (
    RUNNING_EXTREMES,
    HistorySource,
    history_features,
    running,
    running_extreme,
)
from eventstudy.inference import power
from eventstudy.inference.histories import CellStatistics, cell_statistics
from eventstudy.inference.power import EventLine, effective_sample_size, effective_sample_sizes

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")  # a history without a known day is NaN, not numpy's empty-slice warning

# float32 closes with many ties (a coarse grid), as resampled histories repeat days
closes_2d = st.tuples(st.integers(1, 5), st.integers(1, 40)).flatmap(
    lambda shape: arrays(np.float32, shape, elements=st.integers(1, 12).map(lambda k: np.float32(k * 0.25)))
)


def _per_history(closes: np.ndarray, name: str, args: tuple[int, ...] = ()) -> pl.Series:
    rows, days = closes.shape
    prices = pl.DataFrame({
        "date": np.tile(np.arange(days).astype("datetime64[D]"), rows),
        "symbol": np.repeat([f"h{i:03d}" for i in range(rows)], days),
        "close": closes.ravel(),
    }).with_columns(pl.col("date").cast(pl.Date))
    return compute_features(prices, [(name, args)])[feature_key(name, args)]


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


@pytest.mark.parametrize("name", RUNNING_EXTREMES)
@settings(max_examples=60, deadline=None)
@given(closes=closes_2d, earlier=arrays(np.float32, st.integers(1, 6), elements=st.integers(1, 12).map(lambda k: np.float32(k * 0.25))))
def test_running_extremes_start_from_the_closes_before_the_histories(name: str, closes: np.ndarray, earlier: np.ndarray) -> None:
    """A series older than the others (SPX beside RUT) has closes before the histories'
    first day: its running high started afresh there (SPX's 1973 high forgotten in 1979),
    so the histories made all-time highs the real data could not. With its highest and
    lowest earlier close given, each history's features are the registry's on the earlier
    closes followed by the history, from its first day on."""
    rows, days = closes.shape
    found = running_extreme(name, closes, np.arange(rows) * days, earlier)
    assert found is not None
    joined = np.concatenate([np.broadcast_to(earlier, (rows, earlier.size)), closes], axis=1)
    expected = _per_history(joined, name).to_numpy().reshape(rows, -1)[:, earlier.size :].ravel()
    assert found.null_count() == 0
    assert found.to_list() == expected.tolist()


WINDOWED = [("high", (3,)), ("low", (5,)), ("at_high", (4,)), ("at_low", (2,)), ("return", (3,)), ("sma", (4,)), ("ema", (3,)), ("rsi", (3,)), ("volatility", (4,)), ("close", ())]


@pytest.mark.parametrize(("name", "args"), [*WINDOWED, *((name, ()) for name in RUNNING_EXTREMES)])
@settings(max_examples=60, deadline=None)
@given(closes=closes_2d, earlier=arrays(np.float32, st.integers(0, 12), elements=st.integers(1, 12).map(lambda k: np.float32(k * 0.25))))
def test_history_features_read_the_closes_before_the_histories(name: str, args: tuple[int, ...], closes: np.ndarray, earlier: np.ndarray) -> None:
    """A series older than the others (SPX beside RUT) has closes before the histories'
    first day, which its features read in the data: its moving averages, N-day highs,
    returns, RSI and volatility started afresh on each history, unknown for their first
    days (``SPX close > SPX sma(200)`` could hold on none of a history's first 200 days),
    and its days since the high counted from the first day. Each history's features are
    the registry's on the earlier closes (as many as there are, none too) followed by the
    history, from its first day on: the same days known, the same values (to the rounding
    a rolling sum carries from rows before its window)."""
    rows, days = closes.shape
    source = HistorySource(
        days=np.arange(days).astype("datetime64[D]"), names=["A"], first=closes[:1, 0].astype(np.float64),
        log_returns=np.zeros((max(days - 1, 0), 1)), block_length=1.0, closes_before={"A": earlier},
    )
    found = history_features(source, closes, [(name, args)], earlier)[(name, args)]
    if name in RUNNING_EXTREMES:  # the batch's own path for them (days_since_ath among them): the same values
        found_row = running_extreme(name, closes, np.arange(rows) * days, earlier)
        assert found_row is not None and found_row.dtype == found.dtype
        assert found_row.is_null().to_list() == found.is_null().to_list()
        np.testing.assert_array_equal(found_row.to_numpy(), found.to_numpy())
    joined = np.concatenate([np.broadcast_to(earlier, (rows, earlier.size)), closes], axis=1)
    history_rows = (np.arange(rows)[:, None] * joined.shape[1] + earlier.size + np.arange(days)).ravel()
    expected = _per_history(joined, name, args).gather(history_rows)
    assert found.dtype == expected.dtype
    assert found.is_null().to_list() == expected.is_null().to_list()
    known, want = found.drop_nulls().cast(pl.Float64).to_numpy(), expected.drop_nulls().cast(pl.Float64).to_numpy()
    np.testing.assert_allclose(known, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("name", "args"), [("ema", (3,)), ("ema", (10,)), ("rsi", (3,)), ("rsi", (6,))])
@settings(max_examples=25, deadline=None)
@given(closes=closes_2d, earlier=arrays(np.float32, st.integers(150, 700), elements=st.floats(1.0, 100.0, width=32)))
def test_recursive_features_of_histories_read_the_earlier_rows_that_weigh_in(name: str, args: tuple[int, ...], closes: np.ndarray, earlier: np.ndarray) -> None:
    """ema and rsi read every earlier close, with weights that shrink by (1 - alpha) a
    day: a history carries the last recursion_rows of them (all of SPX's 12,800 from before
    1979 doubled an rsi study's features), and its values are those of the whole history to
    float64 rounding, on series whose level moves a hundredfold."""
    assert earlier_rows(name, args) < 700  # some draws are cut
    rows, days = closes.shape
    source = HistorySource(
        days=np.arange(days).astype("datetime64[D]"), names=["A"], first=closes[:1, 0].astype(np.float64),
        log_returns=np.zeros((max(days - 1, 0), 1)), block_length=1.0, closes_before={"A": earlier},
    )
    found = history_features(source, closes, [(name, args)], earlier)[(name, args)]
    joined = np.concatenate([np.broadcast_to(earlier, (rows, earlier.size)), closes], axis=1)
    history_rows = (np.arange(rows)[:, None] * joined.shape[1] + earlier.size + np.arange(days)).ravel()
    expected = _per_history(joined, name, args).gather(history_rows)
    assert found.is_null().to_list() == expected.is_null().to_list()
    np.testing.assert_allclose(found.drop_nulls().to_numpy(), expected.drop_nulls().to_numpy(), rtol=1e-12, atol=1e-12)


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


@settings(max_examples=150, deadline=None)
@given(rows=st.integers(1, 30), events=st.integers(0, 400), days=st.integers(400, 20_000), horizon=st.integers(1, 400), seed=st.integers(0, 2**16))
def test_effective_sample_sizes_of_many_histories_are_each_historys_own(rows, events, days, horizon, seed) -> None:
    """The histories' n_eff, all rows in one pass, is :func:`effective_sample_size` of each
    row's event days alone (the same pair terms added in another order: equal to rounding;
    both use integer prefix sums, so a row's overlaps leaking into another's would show)."""
    rng = np.random.default_rng(seed)
    row = np.sort(rng.integers(0, rows, events))
    day = np.concatenate([np.sort(rng.choice(days, size=(row == r).sum(), replace=False)) for r in range(rows)])
    want = np.array([effective_sample_size(day[row == r], horizon) for r in range(rows)])
    np.testing.assert_allclose(effective_sample_sizes(row, day, horizon, rows), want, rtol=1e-12, atol=0)


@settings(max_examples=150, deadline=None)
@given(rows=st.integers(1, 12), events=st.integers(0, 300), days=st.integers(300, 3_000), horizon=st.integers(1, 300),
       share=st.floats(0, 1), shuffled=st.booleans(), seed=st.integers(0, 2**16))
def test_a_subsets_effective_sample_sizes_are_its_own(rows, events, days, horizon, share, shuffled, seed) -> None:
    """A cell's events with a value are a subset of the events: the whole set's overlap sums
    less the left-out events' (few or many, events in order or not) are the subset's own,
    bit for bit, at every horizon up to the longest."""
    rng = np.random.default_rng(seed)
    row = np.sort(rng.integers(0, rows, events))
    day = np.concatenate([np.sort(rng.choice(days, size=(row == r).sum(), replace=False)) for r in range(rows)])
    if shuffled:
        order = rng.permutation(events)
        row, day = row[order], day[order]
    keep = rng.random(events) < share
    for search_below in (0.0, np.inf):  # the events counted on the line, and searched
        power.SEARCH_BELOW, before = search_below, power.SEARCH_BELOW
        try:
            line = EventLine(row, day, rows, horizon + 7)
            for h in (horizon, horizon + 7):
                alone = effective_sample_sizes(row[keep], day[keep], h, rows)
                np.testing.assert_array_equal(line.effective_sample_sizes(h, keep), alone)
                want = np.array([effective_sample_size(day[keep & (row == r)], h) for r in range(rows)])
                np.testing.assert_allclose(alone, want, rtol=1e-12, atol=0)
        finally:
            power.SEARCH_BELOW = before


@settings(max_examples=150, deadline=None)
@given(rows=st.integers(1, 40), days=st.integers(1, 400), fill=st.floats(0, 1), longest=st.integers(1, 500),
       share=st.floats(0, 1), seed=st.integers(0, 2**16))
def test_dense_event_lines_sum_their_pairs_from_each_rows_autocorrelation(rows, days, fill, longest, share, seed) -> None:
    """Where the events fill most days (a regime condition), a line sums every horizon's
    pairs from each row's autocorrelation (an FFT rounded to integers): the same integers
    as its passes over the events, so every horizon's n_eff, and every subset's (the events
    with a value), is bit for bit the passes', and each row's the plain formula's; horizons
    past a row's span included (a period too short for them wraps pairs round)."""
    rng = np.random.default_rng(seed)
    grid = rng.random((rows, days)) < fill
    row, day = np.nonzero(grid)
    keep = rng.random(row.size) < share
    horizons = sorted({1, longest, max(1, longest // 2), min(longest, days), min(longest, max(1, days - 1))})
    before = power.AUTOCORRELATE_ABOVE
    try:
        power.AUTOCORRELATE_ABOVE = 0.0
        dense = EventLine(row, day, rows, longest, len(horizons))
        power.AUTOCORRELATE_ABOVE = np.inf
        passes = EventLine(row, day, rows, longest, len(horizons))
    finally:
        power.AUTOCORRELATE_ABOVE = before
    assert dense._autocorrelate == (row.size > 0) and not passes._autocorrelate
    for h in horizons:
        for subset in (None, keep):
            got = dense.effective_sample_sizes(h, subset)
            np.testing.assert_array_equal(got, passes.effective_sample_sizes(h, subset))
            chosen = np.ones(row.size, dtype=bool) if subset is None else subset
            want = np.array([effective_sample_size(day[chosen & (row == r)], h) for r in range(rows)])
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


def test_an_event_line_autocorrelates_where_its_events_times_the_horizons_fill_its_days() -> None:
    """Dense events asked at several horizons take the autocorrelation, sparse ones or one
    horizon the passes (:data:`~eventstudy.inference.power.AUTOCORRELATE_ABOVE`)."""
    row, day = np.nonzero(np.ones((4, 100), dtype=bool))
    assert EventLine(row, day, 4, 20, asked=5)._autocorrelate
    assert not EventLine(row, day, 4, 20)._autocorrelate
    assert not EventLine(row[::10], day[::10], 4, 20, asked=5)._autocorrelate


@settings(max_examples=60, deadline=None)
@given(rows=st.integers(1, 12), events=st.integers(1, 300), days=st.integers(300, 3_000), horizon=st.integers(1, 300), seed=st.integers(0, 2**16))
def test_an_event_lines_subsets_at_one_horizon_are_each_their_own(rows, events, days, horizon, seed) -> None:
    """Subsets asked in turn at one horizon (the line keeps the last one's sizes, for the
    next cell with the same events: another asset's) get each its own sizes, also from
    one mask array the caller rewrites between them, and the same again when asked twice."""
    rng = np.random.default_rng(seed)
    row = np.sort(rng.integers(0, rows, events))
    day = np.concatenate([np.sort(rng.choice(days, size=(row == r).sum(), replace=False)) for r in range(rows)])
    line = EventLine(row, day, rows, horizon)
    mask = np.empty(events, dtype=bool)
    for share in (0.9, 0.9, 0.3, 1.0, 0.9):
        mask[:] = rng.random(events) < share
        for _ in range(2):
            np.testing.assert_array_equal(line.effective_sample_sizes(horizon, mask), effective_sample_sizes(row[mask], day[mask], horizon, rows))


@settings(max_examples=60, deadline=None)
@given(rows=st.integers(1, 8), days=st.integers(1, 60), share=st.floats(0, 1), seed=st.integers(0, 2**16))
def test_cell_statistics_n_eff_counts_each_cells_complete_events(rows, days, share, seed) -> None:
    """A cell's n_eff is that of its events with a value (a horizon's unknown tail drops
    the last events), at its own horizon; a cell without a horizon in days has none."""
    rng = np.random.default_rng(seed)
    values = [rng.normal(0, 1, (rows, days)).astype(np.float32) for _ in range(3)]
    for c, v in enumerate(values):
        v[:, days - 2 * c :] = np.nan
    flat = np.flatnonzero(rng.random(rows * days) < share)
    s_idx, d_idx = flat // days, flat % days
    found = cell_statistics(values, s_idx, d_idx, np.ones(days, dtype=bool), horizons=[5, 21, -1])
    assert found.n_eff is not None and np.isnan(found.n_eff[:, 2]).all()
    for c, h in ((0, 5), (1, 21)):
        for row in range(rows):
            d = d_idx[s_idx == row]
            d = d[~np.isnan(values[c][row, d])]
            np.testing.assert_allclose(found.n_eff[row, c], effective_sample_size(d, h), rtol=1e-12)


def test_events_in_one_run_are_studentized_by_their_effective_sample_size() -> None:
    """The histories null divides a difference by sd / sqrt(n_eff): 20 events on 20
    consecutive days, whose 1-year windows nearly coincide, are worth about one return, so
    their se is several times the naive sd / sqrt(20); spread a year apart, it is the
    naive one. A cell without a horizon in days (a recovery) keeps the naive se."""
    values = [np.random.default_rng(1).normal(0, 1, (2, 6000))] * 2
    s_idx = np.repeat([0, 1], 20)
    d_idx = np.concatenate([np.arange(1000, 1020), np.arange(0, 20 * 260, 260)])
    found = cell_statistics(values, s_idx, d_idx, np.ones(6000, dtype=bool), horizons=[252, -1])
    naive = found.sd / np.sqrt(found.n)
    se = found.se("mean")
    assert se[0, 0] > 3 * naive[0, 0]
    assert se[1, 0] == naive[1, 0] and np.array_equal(se[:, 1], naive[:, 1])
    np.testing.assert_allclose(found.se("median"), np.sqrt(np.pi / 2) * se)
    stacked = CellStatistics.stack([found, found])
    assert stacked.n_eff is not None and stacked.n_eff.shape == (4, 2)


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
