"""Alignment (DESIGN "Alignment"): inner join on date, features on each full history first."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from eventstudy.errors import DataError, UnknownNameError
from eventstudy.features import FeatureRequest
from eventstudy.timeline import build_timeline


def day(i: int) -> dt.date:
    return dt.date(2024, 1, 1) + dt.timedelta(days=i)


def frame(rows: dict[str, dict[int, float]]) -> pl.DataFrame:
    data = [(day(i), symbol, close) for symbol, closes in rows.items() for i, close in closes.items()]
    schema = {"date": pl.Date, "symbol": pl.String, "close": pl.Float64}
    return pl.DataFrame(data, schema=schema, orient="row").sort("symbol", "date")


# A trades on days 0..5; B only from day 2, and not on day 4.
PRICES = frame(
    {
        "A": {0: 10.0, 1: 20.0, 2: 15.0, 3: 16.0, 4: 25.0, 5: 18.0},
        "B": {2: 5.0, 3: 6.0, 5: 7.0, 6: 8.0},
    }
)


def test_inner_join_on_dates_where_every_series_has_a_close() -> None:
    out = build_timeline(PRICES, {"A": "A", "B": "B"}, [])
    assert out.columns == ["date", "A.close", "B.close"]
    assert out["date"].to_list() == [day(2), day(3), day(5)]
    assert out["A.close"].to_list() == [15.0, 16.0, 18.0]


def test_features_use_full_history_before_the_join() -> None:
    requests = [FeatureRequest("A", "ath", ()), FeatureRequest("A", "at_ath", ()),
                FeatureRequest("A", "return", (1,)), FeatureRequest("B", "sma", (2,))]
    out = build_timeline(PRICES, {"A": "A", "B": "B"}, requests)
    # The ATH of 20 was set on day 1, before B starts; day 4 (25) is dropped by the join
    # but still counts for day 5.
    assert out["A.ath"].to_list() == [20.0, 20.0, 25.0]
    assert out["A.at_ath"].to_list() == [False, False, False]
    # return(1) counts A's own trading days: day 5 vs day 4, not vs day 3.
    assert out["A.return(1)"].to_list() == pytest.approx([15 / 20 - 1, 16 / 15 - 1, 18 / 25 - 1])
    # B's sma(2) on day 5 averages B's days 3 and 5.
    assert out["B.sma(2)"].to_list() == [None, 5.5, 6.5]


def test_unreferenced_series_still_shape_the_calendar() -> None:
    out = build_timeline(PRICES, {"A": "A", "B": "B"}, [FeatureRequest("A", "drawdown", ())])
    assert out.columns == ["date", "A.close", "A.drawdown", "B.close"]
    assert out.height == 3


def test_two_names_for_one_symbol() -> None:
    out = build_timeline(PRICES, {"A": "A", "Same": "A"}, [FeatureRequest("Same", "sma", (2,))])
    assert out.columns == ["date", "A.close", "Same.close", "Same.sma(2)"]
    assert out["A.close"].to_list() == out["Same.close"].to_list()
    assert out.height == 6


def test_output_is_sorted_by_date() -> None:
    out = build_timeline(PRICES.reverse(), {"B": "B", "A": "A"}, [])
    assert out["date"].is_sorted()


def test_unknown_series_in_a_request() -> None:
    with pytest.raises(UnknownNameError, match=r"unknown series 'a' \(did you mean 'A'\?\)"):
        build_timeline(PRICES, {"A": "A"}, [FeatureRequest("a", "close", ())])


def test_symbol_missing_from_data() -> None:
    with pytest.raises(DataError, match="no prices for symbol 'C'"):
        build_timeline(PRICES, {"A": "A", "C": "C"}, [])
