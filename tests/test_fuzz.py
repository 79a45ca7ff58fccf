"""Hostile and random inputs (issue 15): the condition parser, study files and price files
either succeed or raise the project's own user errors (exit 2 from the command line),
never anything else: no traceback for any text a user can write."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventstudy.conditions import compile_condition, parse, resolve
from eventstudy.config import parse_study
from eventstudy.data import load_prices
from eventstudy.errors import EventStudyError

PIECES = [
    "SPX", "RUT", "at", "ATH", "ATL", "and", "or", "not", "(", ")", ">", ">=", "<", "==", "!=", "crosses", "above",
    "below", "for", "within", "days", "day", "ago", "first", "in", "is", "on", "fomc", "month", "December", "sma",
    "rsi", "drawdown", "return", "(14)", "(0)", "(99999999999)", "14", "1.5", "10%", "%", "-", "+", "*", "/",
    "52-week", "high", "low", "20-day", ",", "close", "Friday", "trading_day_of_month", "1e999", "\u2265", "\x00",
    "\x1b[31m", "'", '"', "#", "$", "€",
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=14).map(" ".join) | st.text(max_size=60))
def test_any_condition_text_parses_or_is_a_user_error(text: str) -> None:
    try:
        node = resolve(parse(text), ["SPX", "RUT"], source=text)
        compile_condition(node)
    except EventStudyError as error:
        assert error.render()  # a message that renders, with its caret


STUDY_PIECES = [
    "name: x\n", "series: {SPX: SPX}\n", "series: [SPX, RUT]\n", "when: SPX at ATH\n", "when: [1, 2]\n", "when: \n",
    "evaluate:\n  - forward_returns: {horizons: [1m], assets: [SPX]}\n", "evaluate: []\n", "evaluate: 3\n",
    "decluster: {gap: 21cd}\n", "decluster: {gap: -1}\n", "decluster: 5\n", "window: {start: 1980-02-30}\n",
    "window: {start: 2020-01-01, end: 2019-01-01}\n", "statistics: {seed: -1}\n", "statistics: {placebos: x}\n",
    "statistics: {null: bogus}\n", "universe: {data_file: ../x.csv}\n", "universe: [AAPL]\n", "events: {fomc: none.csv}\n",
    "plugins: [os.path]\n", "plugins: ['../x']\n", "trigger: sometimes\n", "a: &a [*a]\n", "- a\n", "{\n", "name: x\n",
    "\t", "\x07", "when: SPX at ATH and month is Octember\n", "sweep: [{gap: [1, 2]}]\n",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(STUDY_PIECES), max_size=8).map("".join) | st.text(max_size=80))
def test_any_study_file_loads_or_is_a_user_error(text: str) -> None:
    try:
        parse_study(text, path="fuzz.yaml")
    except EventStudyError as error:
        assert error.render()


CSV_PIECES = [
    "date,close\n", "Date;Close\n", "2020-01-02,100\n", "2020-01-03,101.5\n", "2020-01-03,99\n", "2019-12-31,98\n",
    "2020-02-30,1\n", "0000-01-01,5\n", "2020-01-06,-3\n", "2020-01-07,0\n", "2020-01-08,nan\n", "2020-01-09,inf\n",
    "2020-01-10,1e400\n", "2020-01-13,\n", ",100\n", "2020-01-14,1,2,3\n", "\n", "\x00\n", "2020-01-15,\"1,000\"\n",
    "garbage\n", "2020-01-16T10:00:00Z,7\n",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(CSV_PIECES), max_size=8).map("".join) | st.binary(max_size=80).map(lambda b: b.decode("latin-1")))
def test_any_price_file_loads_or_is_a_user_error(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    folder: Path = tmp_path_factory.mktemp("csv")
    (folder / "SPX.csv").write_text(text, encoding="utf-8", errors="surrogateescape")
    try:
        prices = load_prices(folder, ["SPX"]).frame
    except EventStudyError as error:
        assert error.render()
        return
    closes = prices["close"]
    assert closes.is_finite().all() and (closes > 0).all() and prices["date"].is_sorted() and not prices["date"].is_duplicated().any()
