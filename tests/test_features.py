"""Features on small hand-made series, with hand-computed values (DESIGN "Features as values")."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventstudy.errors import ConditionSyntaxError, UnknownNameError
from eventstudy.features import (
    FEATURES,
    Feature,
    check_feature,
    column_name,
    compute_features,
    feature,
    feature_key,
)

CLOSES = [10.0, 12.0, 11.0, 12.0, 9.0, 13.0]


def prices(*series: tuple[str, list[float]]) -> pl.DataFrame:
    """Long frame with consecutive dates from 2024-01-01 for each symbol."""
    rows = [
        (dt.date(2024, 1, 1) + dt.timedelta(days=i), symbol, close)
        for symbol, closes in series
        for i, close in enumerate(closes)
    ]
    return pl.DataFrame(rows, schema={"date": pl.Date, "symbol": pl.String, "close": pl.Float64}, orient="row")


def one(name: str, args: tuple[int, ...] = (), closes: list[float] = CLOSES) -> list:
    out = compute_features(prices(("X", closes)), [(name, args)])
    return out[feature_key(name, args)].to_list()


def approx(values: list) -> list:
    return [None if v is None else pytest.approx(v, rel=1e-12, abs=1e-12) for v in values]


def test_close_and_ath() -> None:
    assert one("close") == CLOSES
    assert one("ath") == [10.0, 12.0, 12.0, 12.0, 12.0, 13.0]


def test_drawdown_is_fraction_below_running_high() -> None:
    assert one("drawdown") == approx([0.0, 0.0, 1 / 12, 0.0, 0.25, 0.0])


def test_high_low_include_today_and_are_null_until_full() -> None:
    assert one("high", (3,)) == [None, None, 12.0, 12.0, 12.0, 13.0]
    assert one("low", (3,)) == [None, None, 10.0, 11.0, 9.0, 9.0]
    assert one("high", (1,)) == CLOSES


def test_return_is_simple_over_n_days() -> None:
    assert one("return", (2,)) == approx([None, None, 0.1, 0.0, 9 / 11 - 1, 13 / 12 - 1])


def test_sma() -> None:
    assert one("sma", (2,)) == approx([None, 11.0, 11.5, 11.5, 10.5, 11.0])


def test_ema_seeded_by_first_close_null_until_n() -> None:
    # alpha = 2 / (3 + 1) = 0.5: 10, 11, 11, 11.5, 10.25, 11.625
    assert one("ema", (3,)) == approx([None, None, 11.0, 11.5, 10.25, 11.625])


def test_rsi_wilder() -> None:
    # changes: +2, -1, +1, -3, +4. n = 2: first averages over (+2, -1): gain 1, loss 0.5.
    # t=3: gain (1*1 + 1)/2 = 1, loss (0.5 + 0)/2 = 0.25 -> RS 4 -> 80.
    # t=4: gain 0.5, loss (0.25 + 3)/2 = 1.625. t=5: gain 2.25, loss 0.8125.
    rsi = [None, None, 100 - 100 / 3, 80.0, 100 - 100 / (1 + 0.5 / 1.625), 100 - 100 / (1 + 2.25 / 0.8125)]
    assert one("rsi", (2,)) == approx(rsi)


def test_rsi_is_100_without_losses() -> None:
    assert one("rsi", (2,), [1.0, 2.0, 3.0, 3.0]) == [None, None, 100.0, 100.0]


def test_rsi_of_a_series_that_starts_later_is_seeded_by_its_own_first_n_changes() -> None:
    """An expression's leading unknown days (``(SPX - SPX sma(200)) rsi(14)``, a stock's
    ``(close - sma(50)) rsi(14)``) do not start Wilder's averages from one change: the
    values are those of the known closes alone, null until n changes exist, on both paths
    (per symbol, and with ``position`` as a universe's blocks compute it)."""
    import numpy as np

    lead = [None] * 4
    frame = prices(("X", [*lead, *CLOSES]), ("Y", [*lead, *CLOSES[::-1]]))
    alone = prices(("X", CLOSES), ("Y", CLOSES[::-1]))
    expected = compute_features(alone, [("rsi", (2,))])["rsi(2)"].to_list()
    expected = [*lead, *expected[:6], *lead, *expected[6:]]
    position = np.tile(np.arange(len(lead) + len(CLOSES)), 2)
    for path in (None, position):
        got = compute_features(frame, [("rsi", (2,))], position=path)["rsi(2)"].to_list()
        assert got == approx(expected)


def test_volatility_is_annualized_sample_stdev_of_log_returns() -> None:
    logs = [math.log(b / a) for a, b in itertools.pairwise(CLOSES)]
    expected: list = [None, None]
    for t in range(2, len(CLOSES)):
        a, b = logs[t - 2], logs[t - 1]
        mean = (a + b) / 2
        expected.append(math.sqrt(((a - mean) ** 2 + (b - mean) ** 2) / 1) * math.sqrt(252))
    assert one("volatility", (2,)) == approx(expected)


def test_days_since_ath_counts_day_zero_and_ties() -> None:
    # Day 0 is an ATH day (close == running max); the tie on day 3 resets the count.
    assert one("days_since_ath") == [0, 0, 1, 0, 1, 0]


def test_at_ath_ties_count_first_day_is_not_an_ath() -> None:
    assert one("at_ath") == [None, True, False, True, False, True]


def test_at_atl() -> None:
    assert one("at_atl", (), [5.0, 6.0, 5.0, 4.0, 4.0]) == [None, False, True, True, True]


def test_at_high_and_low_need_n_prior_days() -> None:
    assert one("at_high", (2,)) == [None, None, False, True, False, True]
    assert one("at_low", (2,)) == [None, None, False, False, True, False]


def test_features_do_not_leak_across_symbols() -> None:
    frame = prices(("A", [1.0, 5.0, 2.0]), ("B", [3.0, 2.0, 1.0]))
    out = compute_features(frame, [("ath", ()), ("sma", (2,)), ("at_ath", ()), ("return", (1,))])
    b = out.filter(pl.col("symbol") == "B")
    assert b["ath"].to_list() == [3.0, 3.0, 3.0]
    assert b["sma(2)"].to_list() == [None, 2.5, 1.5]
    assert b["at_ath"].to_list() == [None, False, False]
    assert b["return(1)"][0] is None


def test_unsorted_input_is_sorted_per_symbol_and_date() -> None:
    frame = prices(("A", [1.0, 5.0, 2.0]), ("B", [3.0, 2.0, 1.0])).reverse()
    out = compute_features(frame, [("ath", ())])
    assert out["symbol"].to_list() == ["A"] * 3 + ["B"] * 3
    assert out["ath"].to_list() == [1.0, 5.0, 5.0, 3.0, 3.0, 3.0]


def test_output_columns_are_feature_keys_deduplicated() -> None:
    out = compute_features(prices(("A", CLOSES)), [("SMA", (2,)), ("sma", (2,)), ("close", ())])
    assert out.columns == ["date", "symbol", "sma(2)", "close"]


def test_keys_and_column_names() -> None:
    assert feature_key("drawdown", ()) == "drawdown"
    assert feature_key("sma", (200,)) == "sma(200)"
    assert column_name("RUT", "drawdown", ()) == "RUT.drawdown"
    assert column_name("SPX", "at_high", (252,)) == "SPX.at_high(252)"


def test_registry_holds_every_design_feature() -> None:
    names = {"close", "ath", "drawdown", "high", "low", "return", "sma", "ema", "rsi", "volatility",
             "days_since_ath", "at_ath", "at_atl", "at_high", "at_low"}
    assert names <= set(FEATURES)
    assert FEATURES.get("SMA").params == ("n",)
    assert FEATURES.get("at_high").kind == "flag"


def test_unknown_feature_suggests_closest() -> None:
    with pytest.raises(UnknownNameError, match=r"unknown feature 'drawdwn' \(did you mean 'drawdown'\?\)"):
        compute_features(prices(("A", CLOSES)), [("drawdwn", ())])


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("sma", (), "feature 'sma' takes 1 argument, got 0"),
        ("drawdown", (3,), "feature 'drawdown' takes 0 arguments, got 1"),
        ("sma", (0,), "sma: 'n' must be a positive integer, got 0"),
        ("high", (-2,), "high: 'n' must be a positive integer, got -2"),
        ("ema", (2.5,), "ema: 'n' must be a positive integer, got 2.5"),
        ("volatility", (1,), "volatility: 'n' must be an integer >= 2, got 1"),
    ],
)
def test_bad_arguments_are_refused(name: str, args: tuple, message: str) -> None:
    with pytest.raises(ConditionSyntaxError) as info:
        check_feature(name, args)
    assert info.value.message == message


def test_registering_a_taken_name_is_refused() -> None:
    with pytest.raises(ValueError, match="already registered"):
        feature("sma", params=("n",), description="again")(lambda close, n: close)


def test_a_new_feature_is_one_decorated_function() -> None:
    name = "test_only_double"

    @feature(name, description="twice the close")
    def _double(close: pl.Expr) -> pl.Expr:
        return close * 2

    try:
        assert isinstance(FEATURES.get(name), Feature)
        assert one(name) == [2 * c for c in CLOSES]
    finally:
        FEATURES._entries.pop(name)  # keep the registry (and error hints) as shipped


def test_a_recursive_plugin_feature_restarts_after_an_unknown_close() -> None:
    """A plug-in declared ``recursive`` (as ``ema`` and ``rsi`` are) is run over each run
    of known closes: its running count starts again after an unknown close; one that is
    not runs over the symbol's whole block."""
    def known_so_far(close: pl.Expr) -> pl.Expr:
        return pl.when(close.is_not_null()).then(close.cum_count())

    closes = [1.0, 2.0, None, 4.0, 5.0]
    try:
        for name, recursive, expected in (("test_only_runs", True, [1, 2, None, 1, 2]), ("test_only_count", False, [1, 2, None, 3, 4])):
            feature(name, description="known closes so far", recursive=recursive)(known_so_far)
            assert one(name, (), closes) == expected
    finally:
        FEATURES._entries.pop("test_only_runs", None)
        FEATURES._entries.pop("test_only_count", None)


@settings(max_examples=60, deadline=None)
@given(
    lengths=st.lists(st.integers(0, 80), min_size=1, max_size=5),
    n=st.integers(2, 40),
    seed=st.integers(0, 2**32 - 1),
)
def test_whole_column_windows_equal_per_symbol_ones(lengths: list[int], n: int, seed: int) -> None:
    """With ``position``, finite-window features run over all symbols' rows at once and
    null the rows whose window reaches into the previous symbol: the values must be
    exactly those of ``.over("symbol")``, for every feature (the others keep ``.over``)."""
    import numpy as np

    from eventstudy.features import FEATURES

    rng = np.random.default_rng(seed)
    rows = [
        (dt.date(2020, 1, 1) + dt.timedelta(days=i), f"S{k}", float(20 * np.exp(rng.normal(0, 0.05))))
        for k, length in enumerate(lengths)
        for i in range(length)
    ]
    prices = pl.DataFrame(rows, schema={"date": pl.Date, "symbol": pl.String, "close": pl.Float64}, orient="row")
    requests = [(name, tuple(n for _ in feat.params)) for name, feat in FEATURES.items()]
    position = np.concatenate([np.arange(length) for length in lengths]).astype(np.int64)
    per_symbol = compute_features(prices, requests)
    whole = compute_features(prices, requests, position=position)
    assert whole.equals(per_symbol, null_equal=True)
    assert any(feat.lookback is not None for _, feat in FEATURES.items())
    # a universe block's own symbol numbers (its runs, from 0) as the groups: the same values
    numbers = pl.Series(np.repeat(np.arange(len(lengths)), lengths)).set_sorted()
    assert compute_features(prices, requests, position=position, groups=numbers).equals(per_symbol, null_equal=True)


@settings(max_examples=80, deadline=None)
@given(
    lengths=st.lists(st.integers(0, 30), min_size=1, max_size=6),
    n=st.integers(1, 8),
    ties=st.booleans(),
    holes=st.floats(0.0, 0.3),
    seed=st.integers(0, 2**32 - 1),
)
def test_rsi_on_many_symbols_equals_rsi_per_symbol(lengths: list[int], n: int, ties: bool, holes: float, seed: int) -> None:
    """``rsi(n)`` with ``position`` (the seeds from each symbol's first n + 1 rows, one
    average per symbol over the whole column's changes) is exactly ``.over("symbol")``:
    with flat stretches (no loss, a change equal to the average), unknown closes (a
    derived series' gaps), and symbols shorter than the seed."""
    import numpy as np

    rng = np.random.default_rng(seed)
    total = sum(lengths)
    close = 20 * np.exp(np.cumsum(rng.normal(0, 0.05, total)))
    close = np.round(close) if ties else close
    known = rng.random(total) >= holes
    prices = pl.DataFrame({
        "date": [dt.date(2020, 1, 1) + dt.timedelta(days=i) for length in lengths for i in range(length)],
        "symbol": [f"S{k}" for k, length in enumerate(lengths) for _ in range(length)],
        "close": [float(c) if ok else None for c, ok in zip(close, known)],
    }, schema={"date": pl.Date, "symbol": pl.String, "close": pl.Float64})
    position = np.concatenate([np.arange(length) for length in lengths]).astype(np.int64)
    per_symbol = compute_features(prices, [("rsi", (n,))])
    whole = compute_features(prices, [("rsi", (n,))], position=position)
    assert whole.equals(per_symbol, null_equal=True)
    numbers = pl.Series(np.repeat(np.arange(len(lengths)), lengths)).set_sorted()
    assert compute_features(prices, [("rsi", (n,))], position=position, groups=numbers).equals(per_symbol, null_equal=True)


@settings(max_examples=80, deadline=None)
@given(
    size=st.integers(0, 700), n=st.integers(1, 300), ties=st.booleans(), chunk=st.sampled_from([1, 7, 64, 1 << 16]), seed=st.integers(0, 2**32 - 1)
)
def testrolling_extremes_by_doubling_equal_polars(size: int, n: int, ties: bool, chunk: int, seed: int) -> None:
    """The numpy highs and lows (windows of 2, 4, 8, ... rows, then two of them per
    window, ``chunk`` rows at a time) equal polars' rolling max and min, and the
    at-high/at-low flags its comparison with the previous n rows, on every row with a
    whole window."""
    import numpy as np

    from eventstudy.features import rolling_extreme

    rng = np.random.default_rng(seed)
    close = 20 * np.exp(np.cumsum(rng.normal(0, 0.02, size)))
    if ties:
        close = np.round(close)
    series = pl.Series(close)
    for largest in (True, False):
        expected = (series.rolling_max(n) if largest else series.rolling_min(n)).to_numpy()
        np.testing.assert_array_equal(rolling_extreme(close, largest, False, n, chunk)[n - 1 :], expected[n - 1 :])
        previous = (series.shift(1).rolling_max(n) if largest else series.shift(1).rolling_min(n)).to_numpy()
        flags = close[n:] >= previous[n:] if largest else close[n:] <= previous[n:]
        np.testing.assert_array_equal(rolling_extreme(close, largest, True, n, chunk)[n:], flags)


def _recursion_by_hand(closes: list[float | None], name: str, n: int) -> list[float | None]:
    """``ema(n)`` or ``rsi(n)`` of one symbol's closes, a day at a time: each run of known
    closes (after an unknown one, or at the start) is a series of its own, seeded from its
    first close (ema) or the mean of its first n changes (rsi, Wilder's), null until n
    closes (ema) or n changes (rsi) of the run exist."""
    out: list[float | None] = []
    count = 0  # known closes in the current run
    ema = gain = loss = 0.0
    previous: float | None = None
    for close in closes:
        if close is None:  # an unknown day breaks the window: the next known close starts afresh
            out.append(None)
            count, previous = 0, None
            continue
        count += 1
        if name == "ema":
            ema = close if count == 1 else ema + 2.0 / (n + 1) * (close - ema)
            out.append(ema if count >= n else None)
        else:
            if count > 1:
                assert previous is not None
                up, down = max(close - previous, 0.0), max(previous - close, 0.0)
                if count <= n + 1:  # the seed: the mean of the first n changes
                    gain, loss = gain + up / n, loss + down / n
                else:
                    gain, loss = (gain * (n - 1) + up) / n, (loss * (n - 1) + down) / n
            else:
                gain = loss = 0.0
            out.append((100.0 if loss == 0 else 100.0 - 100.0 / (1.0 + gain / loss)) if count > n else None)
        previous = close
    return out


@settings(max_examples=80, deadline=None)
@given(
    lengths=st.lists(st.integers(0, 40), min_size=1, max_size=5),
    n=st.integers(1, 6),
    holes=st.floats(0.0, 0.4),
    ties=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_ema_and_rsi_restart_after_an_unknown_close(lengths: list[int], n: int, holes: float, ties: bool, seed: int) -> None:
    """An expression's unknown day inside its history (a stale or zero input: ``(SPX /
    RUT) ema(20)``) breaks an ``ema(n)`` or ``rsi(n)`` as it does an ``sma(n)``: the
    recursion restarts from the next known close and is null until its window is full
    again (before, polars' ``ewm_mean`` carried on across the gap). Checked against a
    day-by-day reference on a timeline (per symbol) and on a universe's or a batch of
    histories' path (``position`` and the symbols' numbers)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    total = sum(lengths)
    close = 20 * np.exp(np.cumsum(rng.normal(0, 0.05, total)))
    close = np.round(close) if ties else close
    known = rng.random(total) >= holes
    closes = [float(c) if ok else None for c, ok in zip(close, known)]
    prices = pl.DataFrame({
        "date": [dt.date(2020, 1, 1) + dt.timedelta(days=i) for length in lengths for i in range(length)],
        "symbol": [f"S{k}" for k, length in enumerate(lengths) for _ in range(length)],
        "close": closes,
    }, schema={"date": pl.Date, "symbol": pl.String, "close": pl.Float64})
    position = np.concatenate([np.arange(length) for length in lengths]).astype(np.int64)
    numbers = pl.Series(np.repeat(np.arange(len(lengths)), lengths)).set_sorted()
    starts = np.concatenate([[0], np.cumsum(lengths)])
    for name in ("ema", "rsi"):
        expected = [v for a, b in itertools.pairwise(starts) for v in _recursion_by_hand(closes[a:b], name, n)]
        key = feature_key(name, (n,))
        for got in (
            compute_features(prices, [(name, (n,))]),  # a timeline's: each symbol apart
            compute_features(prices, [(name, (n,))], position=position),
            compute_features(prices, [(name, (n,))], position=position, groups=numbers),  # a universe block's
        ):
            assert got[key].to_list() == [None if v is None else pytest.approx(v, rel=1e-9, abs=1e-9) for v in expected]
