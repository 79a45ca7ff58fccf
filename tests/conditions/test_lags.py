"""Yesterday, N days ago and the first time in N days (issue 14): ``SPX close 1 day ago``,
``(SPX < SPX sma(200)) 5 days ago``, ``first (SPX at ATH) in 252 days``, checked against
numpy on the real data, within resampled histories, and from the command line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from eventstudy.cli import main
from eventstudy.conditions import compile_condition, parse, required_features, resolve
from eventstudy.data import load_prices
from eventstudy.derived import add_derived
from eventstudy.timeline import build_timeline


def spx(shared_data: Path) -> tuple[pl.DataFrame, np.ndarray, np.ndarray]:
    prices = load_prices(shared_data, ["SPX"]).frame
    return prices, prices["date"].to_numpy(), prices["close"].to_numpy()


def events_of(prices: pl.DataFrame, text: str) -> np.ndarray:
    node = resolve(parse(text), ["SPX"], source=text)
    timeline = build_timeline(prices, {"SPX": "SPX"}, required_features(node))
    return timeline.filter(compile_condition(node).fill_null(False))["date"].to_numpy()


def test_a_value_days_ago_is_the_close_that_many_rows_earlier(shared_data: Path) -> None:
    prices, dates, close = spx(shared_data)
    expected = dates[1:][close[1:] > 1.02 * close[:-1]]
    np.testing.assert_array_equal(events_of(prices, "SPX > SPX close 1 day ago * 1.02"), expected)
    five = dates[5:][close[5:] < 0.9 * close[:-5]]
    np.testing.assert_array_equal(events_of(prices, "SPX < 0.9 * SPX 5 days ago"), five)


def test_zero_days_ago_is_today(shared_data: Path) -> None:
    """DESIGN's contract 'X 0 days ago is X' was refused ('the number of days must be at least 1')."""
    prices, _, _ = spx(shared_data)
    np.testing.assert_array_equal(events_of(prices, "SPX close 0 days ago > 4000"), events_of(prices, "SPX close > 4000"))
    np.testing.assert_array_equal(events_of(prices, "(SPX at ATH) 0 days ago"), events_of(prices, "SPX at ATH"))


def test_a_test_days_ago_is_its_verdict_that_many_rows_earlier(shared_data: Path) -> None:
    prices, dates, close = spx(shared_data)
    sma = np.full(close.size, np.nan)
    sma[199:] = np.convolve(close, np.ones(200) / 200, mode="valid")
    below = close < sma  # NaN compares False: unknown days are not events
    known = ~np.isnan(sma)
    t = np.arange(close.size)
    ok = (t >= 5) & known[np.maximum(t - 5, 0)] & known
    expected = dates[ok & below[np.maximum(t - 5, 0)] & (close > sma)]
    got = events_of(prices, "(SPX < SPX sma(200)) 5 days ago and SPX > SPX sma(200)")
    np.testing.assert_allclose(got.astype("int64"), expected.astype("int64"))
    assert got.size > 50


def test_the_first_time_in_n_days(shared_data: Path) -> None:
    prices, dates, close = spx(shared_data)
    running = np.maximum.accumulate(close)
    at_ath = np.zeros(close.size, dtype=bool)
    at_ath[1:] = close[1:] >= running[:-1]  # row 0 is unknown (no earlier close)
    n, expected = 252, []
    for t in range(n + 1, close.size):  # the n rows before t must all be known: t - n >= 1
        if at_ath[t] and not at_ath[t - n : t].any():
            expected.append(dates[t])
    got = events_of(prices, "first (SPX at ATH) in 252 days")
    np.testing.assert_array_equal(got, np.array(expected, dtype=got.dtype))
    assert 5 < got.size < 40  # the first new high after a year or more without one
    # the obvious-looking alternative never holds: at a new high days_since_ath is 0
    assert events_of(prices, "SPX at ATH and SPX days_since_ath > 252").size == 0


def test_a_lag_inside_an_expression_stays_within_each_history() -> None:
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(4)]
    frame = pl.DataFrame({"A.close": [1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 30.0, 40.0]})
    node = resolve(parse("(A 1 day ago) close > 0"), ["A"])
    requests = required_features(node)
    out = add_derived(
        frame, requests, dates=pl.Series(days * 2), groups=pl.Series([0] * 4 + [1] * 4), position=np.tile(np.arange(4), 2)
    )
    assert out["(A 1 day ago).close"].to_list() == [None, 1.0, 2.0, 3.0, None, 10.0, 20.0, 30.0]


@pytest.mark.slow
def test_the_command_line_runs_a_gap_study(shared_data: Path, tmp_path: Path, capsys) -> None:
    config = tmp_path / "gap.yaml"
    config.write_text(
        "name: gap up\nseries: {SPX: SPX}\nwhen: SPX > SPX 1 day ago * 1.04 and (SPX < SPX sma(200)) 1 day ago\n"
        "decluster: {gap: 5}\nevaluate:\n  - forward_returns: {horizons: [1w, 1m], assets: [SPX]}\n"
        "statistics: {placebos: 200, seed: 1}\n",
        encoding="utf-8",
    )
    assert main(["run", str(config), "--data-dir", str(shared_data)]) == 0
    out = capsys.readouterr().out
    assert "Condition: SPX > SPX 1 day ago * 1.04 and (SPX < SPX sma(200)) 1 day ago" in out
