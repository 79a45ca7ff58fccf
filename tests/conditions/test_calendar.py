"""The calendar in conditions (issue 14): ``month is December``, ``weekday is Friday``,
the first and last trading day of the month, on the real data and in a universe."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import eventstudy
from eventstudy.conditions import compile_condition, parse, required_features, resolve, to_text
from eventstudy.data import load_prices
from eventstudy.errors import UnknownNameError
from eventstudy.timeline import build_timeline


def events_of(shared_data: Path, text: str) -> pl.DataFrame:
    prices = load_prices(shared_data, ["SPX"]).frame
    node = resolve(parse(text), ["SPX"], source=text)
    timeline = build_timeline(prices, {"SPX": "SPX"}, required_features(node))
    return timeline.filter(compile_condition(node).fill_null(False))


def test_month_and_weekday_names(shared_data: Path) -> None:
    december = events_of(shared_data, "SPX at ATH and month is December")
    assert december.height > 20 and (december["date"].dt.month() == 12).all()
    every = events_of(shared_data, "SPX at ATH")
    assert december.height == every.filter(pl.col("date").dt.month() == 12).height
    fridays = events_of(shared_data, "weekday is Fri and quarter is not 4")
    assert (fridays["date"].dt.weekday() == 5).all() and (fridays["date"].dt.quarter() != 4).all()
    assert to_text(resolve(parse("month is dec"), ["SPX"])) == "month == 12"


def test_first_and_last_trading_day_of_the_month(shared_data: Path) -> None:
    dates = load_prices(shared_data, ["SPX"]).frame.select("date")
    by_month = dates.group_by(pl.col("date").dt.year().alias("y"), pl.col("date").dt.month().alias("m"))
    firsts = by_month.agg(pl.col("date").min())["date"].sort()
    lasts = by_month.agg(pl.col("date").max())["date"].sort()
    assert events_of(shared_data, "trading_day_of_month == 1")["date"].equals(firsts)
    got = events_of(shared_data, "trading_days_left_in_month == 0")["date"]
    assert got.equals(lasts[:-1])  # the data's last month may not be complete: unknown there


def test_a_universe_reads_the_calendar_of_each_stocks_rows(shared_data: Path, tmp_path: Path) -> None:
    config = tmp_path / "u.yaml"
    config.write_text(
        "name: january highs\nseries: {SPX: SPX}\nuniverse: {data_file: panel_sp500_stocks.csv}\n"
        "when: close at 52-week high and month is January and trading_day_of_month <= 5\n"
        "evaluate:\n  - forward_returns: {horizons: [1m]}\nstatistics: {placebos: 100, seed: 1}\n",
        encoding="utf-8",
    )
    result = eventstudy.run(config, data_dir=shared_data)
    dates = result.events["date"]
    assert result.events.height > 50 and (dates.dt.month() == 1).all() and (dates.dt.day() <= 12).all()


def test_a_calendar_value_with_a_feature_or_a_level_says_what_it_is() -> None:
    """'month sma(3)' and 'month at 52-week high' read "unknown series 'month' (did you mean
    'month'?)": the suggestion named the word itself."""
    for text in ("SPX at ATH and month sma(3) > 3", "month at 52-week high"):
        with pytest.raises(UnknownNameError) as found:
            resolve(parse(text), ["SPX"], source=text)
        error = found.value
        assert error.message == "'month' is a calendar value of the event day, not a series: it has no features or levels"
        assert "month == 3" in (error.hint or "") and "did you mean" not in error.render()
        assert error.span is not None and text[error.span[0] : error.span[1]] == "month"


def test_is_zero_reads_as_equal_to_zero(shared_data: Path) -> None:
    """'trading_days_left_in_month is 0' (the month's last trading day) was refused: "a
    calendar value must be at least 1, got 0", though 'X is N' is 'X == N' and the count is
    0 on the last day; 'SPX days_since_ath is 0' likewise. 0 is read; a month of 0 is the
    range check's 'can never hold', as 'month is 13' is."""
    assert to_text(resolve(parse("trading_days_left_in_month is 0"), ["SPX"])) == "trading_days_left_in_month == 0"
    assert to_text(resolve(parse("SPX days_since_ath is not 0"), ["SPX"])) == "SPX days_since_ath != 0"
    last = events_of(shared_data, "trading_days_left_in_month is 0")["date"]
    assert last.equals(events_of(shared_data, "trading_days_left_in_month == 0")["date"]) and last.len() > 500
