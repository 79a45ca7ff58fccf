"""Stationary-bootstrap resampling: block lengths as arch computes them, index banks, prices."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventstudy.inference import resample
from eventstudy.inference.resample import (
    block_indices,
    matched_blocks,
    matched_indices,
    optimal_block_length,
    rebuild_prices,
    stationary_indices,
    volatility_states,
)

# --------------------------------------------------------------------------------------
# optimal_block_length
# --------------------------------------------------------------------------------------


def ar1(n: int, phi: float, seed: int) -> np.ndarray:
    e = np.random.default_rng(seed).standard_normal(n)
    x = np.empty(n)
    x[0] = e[0]
    for t in range(1, n):
        x[t] = phi * x[t - 1] + e[t]
    return x


def garch_abs(n: int, seed: int) -> np.ndarray:
    """|r| of a GARCH(1, 1) path: h = 0.05 + 0.10 r^2 + 0.85 h, r = sqrt(h) e."""
    e = np.random.default_rng(seed).standard_normal(n)
    r = np.empty(n)
    h = 1.0
    for t in range(n):
        r[t] = np.sqrt(h) * e[t]
        h = 0.05 + 0.10 * r[t] ** 2 + 0.85 * h
    return np.abs(r)


SERIES = {
    "ar1": lambda: ar1(2000, 0.5, 0),
    "ar1_negative": lambda: ar1(1500, -0.6, 3),
    "white_noise": lambda: np.random.default_rng(1).standard_normal(2000),
    "garch_abs": lambda: garch_abs(3000, 2),
    "random_walk": lambda: np.cumsum(np.random.default_rng(4).standard_normal(500)),
    "shortest": lambda: np.random.default_rng(11).standard_normal(11),  # m_max + 2 = 11
    "capped": lambda: np.random.default_rng(25).standard_normal(25),  # at ceil(min(3 sqrt n, n / 3))
}

# Reference values: arch 8.0.0, `arch.bootstrap.optimal_block_length(x)["stationary"].iloc[0]`
# on each series above (numpy 2.4.6, Python 3.11). arch returns values below 1 for nearly
# uncorrelated series; optimal_block_length floors them at 1.0.
ARCH_8_0_0 = {
    "ar1": 14.25022641691708,
    "ar1_negative": 15.67626265404225,
    "white_noise": 0.11820259145160546,
    "garch_abs": 85.1778022623507,
    "random_walk": 38.243889029964876,
    "shortest": 3.5490803393080954,
    "capped": 9.0,
}

# arch 8.0.0: `optimal_block_length(np.column_stack([ar1(2000, 0.5, 0), white_noise,
# garch_abs(3000, 2)[:2000]]))["stationary"].tolist()`
ARCH_8_0_0_COLUMNS = [14.25022641691708, 0.11820259145160546, 40.85428513122127]


@pytest.mark.parametrize("name", sorted(SERIES))
def test_block_length_matches_arch(name: str) -> None:
    value = optimal_block_length(SERIES[name]())
    assert isinstance(value, float)
    assert value == pytest.approx(max(1.0, ARCH_8_0_0[name]), rel=1e-10)


def test_block_length_per_column() -> None:
    x = np.column_stack([SERIES["ar1"](), SERIES["white_noise"](), SERIES["garch_abs"]()[:2000]])
    values = optimal_block_length(x)
    assert values.shape == (3,)
    np.testing.assert_allclose(values, np.maximum(1.0, ARCH_8_0_0_COLUMNS), rtol=1e-10)
    np.testing.assert_array_equal(values, [optimal_block_length(col) for col in x.T])


def test_block_length_degenerate_series_give_one() -> None:
    assert optimal_block_length(np.full(500, 0.1)) == 1.0  # constant (arch: NaN)
    assert optimal_block_length(np.zeros(3)) == 1.0
    for n in range(1, 11):  # shorter than the lag window (arch: division by zero or error)
        assert optimal_block_length(np.random.default_rng(n).standard_normal(n)) == 1.0
    np.testing.assert_array_equal(optimal_block_length(np.ones((40, 2))), [1.0, 1.0])


def test_block_length_is_capped_and_floored() -> None:
    rng = np.random.default_rng(7)
    walk = np.cumsum(rng.standard_normal(400))  # strongly persistent: hits the cap
    assert optimal_block_length(walk) <= math.ceil(min(3 * math.sqrt(400), 400 / 3))
    assert optimal_block_length(rng.standard_normal(400)) >= 1.0


def test_block_length_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="`x` must be 1-D"):
        optimal_block_length(np.zeros((3, 3, 3)))
    with pytest.raises(ValueError, match="`x` must be 1-D"):
        optimal_block_length(np.float64(1.0))
    with pytest.raises(ValueError, match="`x` must hold at least one"):
        optimal_block_length(np.array([]))
    with pytest.raises(ValueError, match="`x` must be finite"):
        optimal_block_length(np.array([1.0, np.nan, 2.0] * 10))


# --------------------------------------------------------------------------------------
# stationary_indices
# --------------------------------------------------------------------------------------


def reference_indices(n: int, reps: int, block_length: float, seed: int) -> np.ndarray:
    """The definition, one day at a time, from the same uniforms and the same arithmetic."""
    u = np.random.default_rng(seed).random((reps, n))
    p = 1.0 / block_length
    out = np.empty((reps, n), dtype=np.int64)
    for r in range(reps):
        for t in range(n):
            if t == 0:
                out[r, t] = min(int(u[r, t] * n), n - 1)
            elif u[r, t] < p:  # a new block, starting at a fresh uniform day
                out[r, t] = min(int(u[r, t] * (n / p)), n - 1)
            else:  # the next day, circularly
                out[r, t] = (out[r, t - 1] + 1) % n
    return out


def breaks(idx: np.ndarray) -> np.ndarray:
    """Days that do not follow the previous day circularly (a wrap is not a break)."""
    n = idx.shape[1]
    return idx[:, 1:] != (idx[:, :-1] + 1) % n


def test_indices_shape_dtype_range_and_seed() -> None:
    idx = stationary_indices(300, 40, 7.5, 123)
    assert idx.shape == (40, 300)
    assert idx.dtype == np.int32
    assert idx.min() >= 0 and idx.max() < 300
    np.testing.assert_array_equal(idx, stationary_indices(300, 40, 7.5, 123))
    np.testing.assert_array_equal(idx, stationary_indices(300, 40, 7.5, np.random.SeedSequence(123)))
    assert not np.array_equal(idx, stationary_indices(300, 40, 7.5, 124))
    assert stationary_indices(300, 0, 7.5, 1).shape == (0, 300)
    np.testing.assert_array_equal(stationary_indices(1, 3, 2.0, 1), np.zeros((3, 1)))


def test_indices_follow_the_definition() -> None:
    for n, reps, b in [(50, 6, 4.0), (7, 20, 1.5), (200, 3, 30.0), (1, 2, 5.0)]:
        np.testing.assert_array_equal(stationary_indices(n, reps, b, 9), reference_indices(n, reps, b, 9))


def test_mean_block_length() -> None:
    n, reps, b = 2_000, 400, 20.0
    idx = stationary_indices(n, reps, b, 2024)
    # Each day after the first breaks the run with probability q = p (1 - 1/n) given the
    # past (a fresh day lands on the next one with chance 1/n): the count is binomial.
    trials = reps * (n - 1)
    q = (1 / b) * (1 - 1 / n)
    count = int(breaks(idx).sum())
    assert abs(count - trials * q) < 6 * math.sqrt(trials * q * (1 - q))
    blocks = reps + count / (1 - 1 / n)  # every row starts a block; undo the hidden breaks
    assert reps * n / blocks == pytest.approx(b, rel=6 * math.sqrt((1 - q) / (trials * q)) + 1e-3)


def test_block_length_one_is_iid_uniform() -> None:
    n, reps = 50, 2_000
    idx = stationary_indices(n, reps, 1.0, 5)
    # Every day is a fresh uniform draw: floor(u * n) of its own uniform.
    u = np.random.default_rng(5).random((reps, n))
    np.testing.assert_array_equal(idx, np.minimum(np.floor(u * n), n - 1))
    counts = np.bincount(idx.ravel(), minlength=n)
    expected = idx.size / n
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < (n - 1) + 6 * math.sqrt(2 * (n - 1))  # 6 sigma above the chi2(49) mean
    # Runs are broken as often as chance alone would continue them: P(next day) = 1/n.
    trials = reps * (n - 1)
    follows = trials - int(breaks(idx).sum())
    assert abs(follows - trials / n) < 6 * math.sqrt(trials / n)


@pytest.mark.parametrize("block_length", [1e12, 2.0**53, 1e300, math.inf])
def test_huge_block_length_gives_circular_runs(block_length: float) -> None:
    n = 1_000
    idx = stationary_indices(n, 50, block_length, 11)
    expected = (idx[:, :1] + np.arange(n)) % n
    np.testing.assert_array_equal(idx, expected)
    assert len(np.unique(idx[:, 0])) > 30  # the starts themselves are random


def test_chunks_give_the_same_bank(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = stationary_indices(123, 30, 6.0, 77)
    rng = np.random.default_rng(77)
    parts = [stationary_indices(123, r, 6.0, rng) for r in (7, 0, 1, 22)]
    np.testing.assert_array_equal(np.vstack(parts), whole)
    monkeypatch.setattr(resample, "_ELEMENTS_PER_CHUNK", 300)  # 2 rows per internal chunk
    np.testing.assert_array_equal(stationary_indices(123, 30, 6.0, 77), whole)
    monkeypatch.setattr(resample, "_ELEMENTS_PER_CHUNK", 1)  # 1 row per internal chunk
    np.testing.assert_array_equal(stationary_indices(123, 30, 6.0, 77), whole)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 120),
    reps=st.integers(0, 12),
    block_length=st.one_of(st.floats(1.0, 1e6), st.just(math.inf), st.sampled_from([1.0, 2.0])),
    seed=st.integers(0, 2**32 - 1),
)
def test_indices_property(n: int, reps: int, block_length: float, seed: int) -> None:
    idx = stationary_indices(n, reps, block_length, seed)
    assert idx.shape == (reps, n)
    assert idx.dtype == np.int32
    if reps:
        assert idx.min() >= 0 and idx.max() < n
    np.testing.assert_array_equal(idx, reference_indices(n, reps, block_length, seed))


def test_indices_reject_bad_input() -> None:
    with pytest.raises(ValueError, match=r"`block_length` must be >= 1, got 0.5"):
        stationary_indices(10, 2, 0.5, 0)
    with pytest.raises(ValueError, match="`block_length` must be >= 1"):
        stationary_indices(10, 2, math.nan, 0)
    with pytest.raises(ValueError, match="`block_length` must be a number"):
        stationary_indices(10, 2, "long", 0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`n_obs` must be >= 1, got 0"):
        stationary_indices(0, 2, 2.0, 0)
    with pytest.raises(ValueError, match="`n_obs` must be an integer"):
        stationary_indices(10.0, 2, 2.0, 0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`n_obs` must be < 2\\*\\*31"):
        stationary_indices(2**31, 0, 2.0, 0)
    with pytest.raises(ValueError, match="`reps` must be >= 0, got -1"):
        stationary_indices(10, -1, 2.0, 0)
    with pytest.raises(ValueError, match="`reps` must be an integer"):
        stationary_indices(10, True, 2.0, 0)


# --------------------------------------------------------------------------------------
# volatility_states, matched_indices
# --------------------------------------------------------------------------------------


def reference_states(log_returns: np.ndarray, window: int, bins: int) -> np.ndarray:
    """Day by day: the trailing window's mean of the series' standardized squares, ranked."""
    x = np.asarray(log_returns, dtype=np.float64)
    x = x[:, None] if x.ndim == 1 else x
    dev = x - x.mean(axis=0)
    var = (dev**2).mean(axis=0)
    squares = [sum(dev[t, j] ** 2 / (var[j] if var[j] > 0 else 1.0) for j in range(x.shape[1])) / x.shape[1] for t in range(x.shape[0])]
    trailing = [sum(squares[max(0, t - window + 1) : t + 1]) / (t + 1 - max(0, t - window + 1)) for t in range(len(squares))]
    bins = max(1, min(bins, len(trailing) // window))
    order = sorted(range(len(trailing)), key=lambda t: (trailing[t], t))
    states = np.empty(len(trailing), dtype=np.int64)
    for rank, t in enumerate(order):
        states[t] = rank * bins // len(trailing)
    return states


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 80), k=st.integers(1, 3), window=st.integers(1, 30), bins=st.integers(1, 12), seed=st.integers(0, 2**32 - 1))
def test_volatility_states_rank_the_trailing_volatility(n: int, k: int, window: int, bins: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, k)) * rng.choice([0.001, 0.01, 0.05], size=(n, 1))  # calm and wild stretches
    found = volatility_states(x, window=window, bins=bins)
    reference = reference_states(x, window, bins)
    assert found.shape == (n,) and found.dtype == np.int64
    # each state holds its share of the days; a running sum may order two trailing means
    # equal but for their last bits the other way round, which moves a day by one state at most
    assert np.bincount(found, minlength=bins).tolist() == np.bincount(reference, minlength=bins).tolist()
    assert (np.abs(found - reference) <= 1).all()


def test_volatility_states_of_two_regimes() -> None:
    rng = np.random.default_rng(3)
    calm, wild = rng.standard_normal(1000) * 0.005, rng.standard_normal(300) * 0.03
    states = volatility_states(np.concatenate([calm, wild, calm]), window=21, bins=10)
    # the wildest tenth (230 days) is all in the wild stretch, and a month into it every day is in the top fifth
    assert (states[1021:1300] >= 8).all()
    assert (states[:1000] < 9).all() and (states[1321:] < 9).all()


def test_short_calendars_get_fewer_states_each_of_a_window_of_days() -> None:
    """With a state per day (10 returns or fewer) the matching left no choice: every
    history was the data shifted (1,000 'histories', n distinct ones)."""
    returns = np.random.default_rng(4).standard_normal(300)
    for n, states in ((10, 1), (41, 1), (42, 2), (100, 4), (209, 9), (210, 10), (300, 10)):
        found = volatility_states(returns[:n])
        assert found.max() + 1 == states
        assert np.bincount(found).min() >= min(n, 21)  # every state a window of days to start a block from
    idx = matched_indices(volatility_states(returns[:10]), 200, 1.0, 3)
    assert len({tuple(row) for row in idx.tolist()}) > 100  # histories, not the 10 shifts of the data


def test_volatility_states_reject_bad_input() -> None:
    with pytest.raises(ValueError, match="non-empty finite"):
        volatility_states(np.array([0.1, np.nan]))
    with pytest.raises(ValueError, match="`window` must be >= 1"):
        volatility_states(np.zeros(5), window=0)


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 60), reps=st.integers(0, 8), bins=st.integers(1, 5), block_length=st.floats(1.0, 80.0), seed=st.integers(0, 2**32 - 1))
def test_matched_blocks_follow_the_definition(n: int, reps: int, bins: int, block_length: float, seed: int) -> None:
    states = np.random.default_rng(seed).integers(0, bins, size=n)
    starts, lengths = matched_blocks(states, reps, block_length, seed)
    idx = matched_indices(states, reps, block_length, seed)
    assert idx.shape == (reps, n) and idx.dtype == np.int32
    for r in range(reps):
        row: list[int] = []
        end = None
        for start, length in zip(starts[r].tolist(), lengths[r].tolist()):
            if len(row) >= n:
                break
            assert 0 <= start < n and length >= 1
            if end is not None:  # a block starts after a day of the state the block before ended on
                assert states[(start - 1) % n] == states[end]
            row += [(start + i) % n for i in range(length)]
            end = (start + length - 1) % n
        assert idx[r].tolist() == row[:n]


def test_matched_indices_reproducible_and_seeded() -> None:
    states = volatility_states(np.random.default_rng(0).standard_normal(400))
    idx = matched_indices(states, 30, 6.0, 7)
    np.testing.assert_array_equal(idx, matched_indices(states, 30, 6.0, 7))
    np.testing.assert_array_equal(idx, matched_indices(states, 30, 6.0, np.random.SeedSequence(7)))
    assert not np.array_equal(idx, matched_indices(states, 30, 6.0, 8))
    assert matched_indices(states, 0, 6.0, 1).shape == (0, 400)
    circular = matched_indices(states, 5, math.inf, 2)  # one block per row
    np.testing.assert_array_equal(circular, (circular[:, :1] + np.arange(400)) % 400)


def test_one_state_is_the_stationary_bootstrap_in_distribution() -> None:
    n, reps, b = 2_000, 400, 20.0
    idx = matched_indices(np.zeros(n, dtype=np.int64), reps, b, 2024)
    # as test_mean_block_length: a fresh day breaks the run unless it is the next one
    trials = reps * (n - 1)
    q = (1 / b) * (1 - 1 / n)
    count = int(breaks(idx).sum())
    assert abs(count - trials * q) < 6 * math.sqrt(trials * q * (1 - q))
    counts = np.bincount(idx.ravel(), minlength=n)  # every day as likely: a block's days come together, ~b times a multinomial's variance
    expected = idx.size / n
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < 2 * b * (n - 1)


@pytest.mark.parametrize("block_length", [50.0, 400.0])
def test_a_block_as_long_as_the_row_is_still_geometric(block_length: float) -> None:
    """A mean block length of n days or more (a study's block_length set past its
    calendar) gives a geometric first block, which ends within the row in 1 - (1 - 1 /
    b)^(n - 1) of the rows (63% for b = n), as the stationary bootstrap's does: the
    histories were all circular shifts of the data, whatever b from n on."""
    n, reps = 50, 3_000
    whole = {}
    for name, idx in (("matched", matched_indices(np.zeros(n, dtype=np.int64), reps, block_length, 5)), ("plain", stationary_indices(n, reps, block_length, 5))):
        whole[name] = float(np.mean((idx == (idx[:, :1] + np.arange(n)) % n).all(axis=1)))
    expected = (1 - 1 / block_length) ** (n - 1)
    se = math.sqrt(expected * (1 - expected) / reps)
    assert abs(whole["matched"] - expected) < 5 * se and abs(whole["plain"] - expected) < 5 * se, (whole, expected)
    huge = matched_indices(np.zeros(n, dtype=np.int64), 20, 2.0**60, 1)  # past 2**53: one block, and no overflow
    np.testing.assert_array_equal(huge, (huge[:, :1] + np.arange(n)) % n)


def test_matched_blocks_keep_volatile_regimes_and_every_day_as_likely() -> None:
    """Days of a volatile month follow one another across blocks, where the unmatched
    bootstrap mixes them with calm ones; and every day is still drawn as often (the
    uniform distribution over days is the chain's stationary one, so a history's mean
    return is the data's)."""
    rng = np.random.default_rng(11)
    returns = np.concatenate([rng.standard_normal(900) * 0.005, rng.standard_normal(300) * 0.03, rng.standard_normal(800) * 0.005])
    states = volatility_states(returns, bins=10)
    wild = states >= 9
    n, reps, b = returns.size, 300, 5.0
    matched = matched_indices(states, reps, b, 1)
    plain = stationary_indices(n, reps, b, 1)
    # after a wild day, the share of wild days 20 days later
    later = {name: wild[idx[:, 20:]][wild[idx[:, :-20]]].mean() for name, idx in (("matched", matched), ("plain", plain))}
    assert later["matched"] > 0.45 and later["plain"] < 0.2, later
    counts = np.bincount(matched.ravel(), minlength=n)
    expected = matched.size / n
    assert counts.min() > 0.5 * expected and counts.max() < 1.5 * expected


def test_block_indices_reject_blocks_that_do_not_cover_the_row() -> None:
    with pytest.raises(ValueError, match="cover its 5 days"):
        block_indices(np.array([[0, 1]]), np.array([[2, 2]]), 5)
    with pytest.raises(ValueError, match=r"from days in 0 \.\. 4"):
        block_indices(np.array([[5]]), np.array([[5]]), 5)


def test_matched_indices_reject_bad_input() -> None:
    with pytest.raises(ValueError, match="integers >= 0"):
        matched_indices(np.array([0.5, 1.0]), 2, 2.0)
    with pytest.raises(ValueError, match="integers >= 0"):
        matched_indices(np.array([], dtype=np.int64), 2, 2.0)
    with pytest.raises(ValueError, match=r"`block_length` must be >= 1, got 0.5"):
        matched_indices(np.zeros(4, dtype=np.int64), 2, 0.5)


# --------------------------------------------------------------------------------------
# rebuild_prices
# --------------------------------------------------------------------------------------


def reference_prices(first: np.ndarray, log_returns: np.ndarray, indices: np.ndarray) -> np.ndarray:
    reps, days = indices.shape
    k = first.shape[0]
    out = np.empty((reps, days + 1, k))
    for r in range(reps):
        for j in range(k):
            total = 0.0
            out[r, 0, j] = first[j]
            for t in range(1, days + 1):
                total += log_returns[indices[r, t - 1], j]
                out[r, t, j] = first[j] * math.exp(total)
    return out


@settings(max_examples=40, deadline=None)
@given(days=st.integers(0, 25), k=st.integers(1, 3), reps=st.integers(0, 5), seed=st.integers(0, 2**32 - 1))
def test_prices_match_a_loop(days: int, k: int, reps: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    first = rng.uniform(1.0, 500.0, k)
    log_returns = rng.normal(0.0, 0.02, (days, k))
    indices = rng.integers(0, max(days, 1), (reps, days))
    closes = rebuild_prices(first, log_returns, indices)
    assert closes.shape == (reps, days + 1, k)
    assert closes.dtype == np.float64
    np.testing.assert_allclose(closes, reference_prices(first, log_returns, indices), rtol=1e-13)
    np.testing.assert_array_equal(closes[:, 0, :], np.broadcast_to(first, (reps, k)))
    for dtype in (np.int32, np.uint16, np.uint64):
        np.testing.assert_array_equal(rebuild_prices(first, log_returns, indices.astype(dtype)), closes)


@settings(max_examples=40, deadline=None)
@given(days=st.integers(0, 300), k=st.integers(1, 5), reps=st.integers(0, 6), seed=st.integers(0, 2**32 - 1))
def test_each_series_closes_are_its_own_running_sum(days: int, k: int, reps: int, seed: int) -> None:
    """Two series are summed at once (as the real and imaginary parts of one complex
    series): each series' closes are still its own float64 running sum of its resampled
    returns, exponentiated and scaled by its first close, bit for bit (and then rounded
    once to float32 where the closes are float32), an odd series out included."""
    rng = np.random.default_rng(seed)
    first = rng.uniform(1.0, 500.0, k)
    log_returns = rng.normal(0.0, 0.02, (days, k))
    indices = rng.integers(0, max(days, 1), (reps, days))
    closes = rebuild_prices(first, log_returns, indices)
    single = rebuild_prices(first, log_returns, indices, out=np.empty((k, reps, days + 1), dtype=np.float32).transpose(1, 2, 0))
    for j in range(k):
        own = np.exp(np.cumsum(log_returns[indices, j], axis=1)) * first[j]
        np.testing.assert_array_equal(closes[:, 1:, j], own)
        np.testing.assert_array_equal(single[:, 1:, j], own.astype(np.float32))


def test_identity_indices_give_back_the_prices() -> None:
    rng = np.random.default_rng(3)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, (300, 2)), axis=0))
    log_returns = np.log(close[1:] / close[:-1])
    identity = np.arange(299)[None, :]
    closes = rebuild_prices(close[0], log_returns, identity)
    np.testing.assert_array_equal(closes[0], np.vstack([close[:1], close[0] * np.exp(np.cumsum(log_returns, axis=0))]))
    np.testing.assert_allclose(closes[0], close, rtol=1e-12)


def test_prices_use_joint_blocks_and_stationary_banks() -> None:
    rng = np.random.default_rng(4)
    log_returns = rng.normal(0, 0.01, (400, 3))
    indices = stationary_indices(400, 20, 10.0, 4)
    closes = rebuild_prices(np.array([10.0, 20.0, 30.0]), log_returns, indices)
    # Day t's return is that of day indices[:, t - 1] in every series.
    realized = np.log(closes[:, 1:] / closes[:, :-1])
    np.testing.assert_allclose(realized, log_returns[indices], atol=1e-12)


def test_prices_into_out(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    first, log_returns = np.array([50.0, 60.0]), rng.normal(0, 0.01, (40, 2))
    indices = stationary_indices(40, 9, 5.0, 5)
    expected = rebuild_prices(first, log_returns, indices)
    buffer = np.full((9, 41, 2), np.nan)
    assert rebuild_prices(first, log_returns, indices, out=buffer) is buffer
    np.testing.assert_array_equal(buffer, expected)
    single = rebuild_prices(first, log_returns, indices, out=np.empty((9, 41, 2), dtype=np.float32))
    np.testing.assert_allclose(single, expected, rtol=1e-6)
    monkeypatch.setattr(resample, "_ELEMENTS_PER_CHUNK", 90)  # 2 rows per chunk, one short
    np.testing.assert_array_equal(rebuild_prices(first, log_returns, indices), expected)


def test_prices_reject_bad_input() -> None:
    first, log_returns, indices = np.ones(2), np.zeros((5, 2)), np.zeros((3, 5), dtype=np.int32)
    with pytest.raises(ValueError, match="`log_returns` must be 2-D"):
        rebuild_prices(first, np.zeros(5), indices)
    with pytest.raises(ValueError, match=r"`first` must have shape \(2,\)"):
        rebuild_prices(np.ones(3), log_returns, indices)
    with pytest.raises(ValueError, match=r"`indices` must have shape \(reps, 5\)"):
        rebuild_prices(first, log_returns, np.zeros((3, 6), dtype=np.int32))
    with pytest.raises(ValueError, match="`indices` must hold integers"):
        rebuild_prices(first, log_returns, np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"`indices` must lie in 0..4"):
        rebuild_prices(first, log_returns, np.full((3, 5), 5))
    with pytest.raises(ValueError, match=r"`indices` must lie in 0..4"):
        rebuild_prices(first, log_returns, np.full((3, 5), -1))
    with pytest.raises(ValueError, match="`log_returns` must be finite"):
        rebuild_prices(first, np.full((5, 2), np.nan), indices)
    with pytest.raises(ValueError, match="`first` must be finite"):
        rebuild_prices(np.array([1.0, np.inf]), log_returns, indices)
    with pytest.raises(ValueError, match="`out` must be a floating array of shape"):
        rebuild_prices(first, log_returns, indices, out=np.empty((3, 6, 2), dtype=np.int64))
    with pytest.raises(ValueError, match="`out` must be a floating array of shape"):
        rebuild_prices(first, log_returns, indices, out=np.empty((3, 5, 2)))


def test_docstring_examples() -> None:
    result = doctest.testmod(resample, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
