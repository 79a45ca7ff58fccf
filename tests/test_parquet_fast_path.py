"""The fast read of a long Parquet file's block (:func:`eventstudy.data.validate.typed_parquet_block`)
against the general path (``read_long_block(..., fast=False)``): the same frame on every
file the general path accepts, and on every other file no frame (the fast path gives up)
and the general path's error, message for message."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from eventstudy.data import read_long_block
from eventstudy.data.finder import inspect
from eventstudy.data.validate import typed_parquet_block
from eventstudy.errors import DataError

SYMBOLS = ["AA", "BB", "CC", "DD", "EE"]
DATE_KINDS = ["date", "datetime", "datetime with time", "datetime UTC", "datetime Tokyo", "text"]
CLOSE_KINDS = [pl.Float64, pl.Float32, pl.Int64]

# a problem, where it goes, and the words of the general path's message (so the file is bad as meant)
PROBLEMS: dict[str, str] = {
    "null date": "missing date",
    "date before 1800": "unparseable date",
    "date after 2200": "unparseable date",
    "null close": "missing close",
    "NaN close": "missing close 'nan'",
    "inf close": "non-finite close",
    "-inf close": "non-finite close",
    "zero close": "non-positive close",
    "negative close": "non-positive close",
    "duplicate date": "duplicate date",
    "same day, another time": "duplicate date",
    "unsorted dates": "dates out of order",
    "null symbol": "missing symbol",
    "blank symbol": "missing symbol",
    "inf open": "non-finite open",
    "negative open": "negative open",
    "-inf volume": "non-finite volume",
    "negative volume": "negative volume",
    "huge open": "out-of-range open",
    "subnormal open": "out-of-range open",
    "huge volume": "out-of-range volume",
}


@st.composite
def panels(draw: st.DrawFn) -> dict[str, Any]:
    """A good long panel as columns (each symbol's dates strictly ascending), with how to
    store it: the date and close types, optional open / volume columns (given, missing as
    null or NaN, or 0: all usable), header spellings and the order of the rows."""
    symbols = draw(st.lists(st.sampled_from(SYMBOLS), min_size=1, max_size=5, unique=True))
    with_open, with_volume = draw(st.booleans()), draw(st.booleans())
    optional = st.one_of(st.none(), st.just(float("nan")), st.just(0.0), st.floats(1e-12, 1e6, allow_nan=False))  # a price in range
    rows: list[dict[str, Any]] = []
    for symbol in sorted(symbols):
        days = draw(st.lists(st.integers(0, 3000), min_size=1, max_size=12, unique=True))
        for day in sorted(days):
            seconds = draw(st.integers(0, 86399))
            rows.append({
                "symbol": symbol,
                "date": dt.datetime(2000, 1, 3) + dt.timedelta(days=day, seconds=seconds),
                "close": draw(st.floats(0.01, 1e6, allow_nan=False)),
                **({"open": draw(optional)} if with_open else {}),
                **({"volume": draw(optional)} if with_volume else {}),
            })
    order = draw(st.sampled_from(["by symbol", "symbols reversed", "interleaved"]))
    if order == "symbols reversed":
        rows.sort(key=lambda r: r["symbol"], reverse=True)  # stable: each symbol's dates still ascend
    elif order == "interleaved":  # rows of the symbols mixed, each symbol's own order kept
        keys = draw(st.lists(st.floats(0, 1), min_size=len(rows), max_size=len(rows)))
        by_symbol: dict[str, list[float]] = {}
        for row, key in zip(rows, keys):
            by_symbol.setdefault(row["symbol"], []).append(key)
        ordered = {s: iter(sorted(k)) for s, k in by_symbol.items()}
        rows.sort(key=lambda r: next(ordered[r["symbol"]]))
    return {
        "rows": rows,
        "date kind": draw(st.sampled_from(DATE_KINDS)),
        "close type": draw(st.sampled_from(CLOSE_KINDS)),
        "volume type": draw(st.sampled_from([pl.Float64, pl.Int64])),
        "header": draw(st.sampled_from([("date", "symbol", "close"), ("Date", "Ticker", "Adj Close")])),
        "row group": draw(st.integers(1, 8)),
    }


def spoil(panel: dict[str, Any], problem: str, at: int, where: str = "any row") -> dict[str, Any]:
    """``panel`` with ``problem`` at its row ``at`` (modulo the number of rows, or of the
    symbols' first or last rows as ``where`` says; for a problem between two rows, a pair
    of a symbol's consecutive rows if there is one)."""
    rows = [dict(r) for r in panel["rows"]]
    symbols = [r["symbol"] for r in rows]
    candidates = {
        "any row": list(range(len(rows))),
        "a symbol's first row": [k for k, s in enumerate(symbols) if s not in symbols[:k]],
        "a symbol's last row": [k for k, s in enumerate(symbols) if s not in symbols[k + 1 :]],
    }[where]
    i = candidates[at % len(candidates)]
    if problem in ("duplicate date", "same day, another time", "unsorted dates"):
        index: dict[str, list[int]] = {}
        for k, r in enumerate(rows):
            index.setdefault(r["symbol"], []).append(k)
        pairs = [(a, b) for k in index.values() for a, b in pairwise(k)]
        if not pairs:  # every symbol has one row: give the row's symbol a second one, a day later
            rows.insert(i + 1, {**rows[i], "date": rows[i]["date"] + dt.timedelta(days=1)})
            pairs = [(i, i + 1)]
        a, b = pairs[at % len(pairs)]
        first, second = rows[a]["date"], rows[b]["date"]
        if problem == "duplicate date":
            rows[b]["date"] = first
        elif problem == "same day, another time":
            rows[b]["date"] = first.replace(hour=23, minute=59) if first.hour < 23 else first.replace(hour=0)
        else:
            rows[a]["date"], rows[b]["date"] = second, first
    else:
        column, value = {
            "null date": ("date", None),
            "date before 1800": ("date", dt.datetime(1799, 12, 31)),
            "date after 2200": ("date", dt.datetime(2201, 1, 1)),
            "null close": ("close", None),
            "NaN close": ("close", float("nan")),
            "inf close": ("close", float("inf")),
            "-inf close": ("close", float("-inf")),
            "zero close": ("close", 0.0),
            "negative close": ("close", -1.5),
            "null symbol": ("symbol", None),
            "blank symbol": ("symbol", " "),
            "inf open": ("open", float("inf")),
            "negative open": ("open", -0.5),
            "-inf volume": ("volume", float("-inf")),
            "negative volume": ("volume", -3.0),
            "huge open": ("open", 1e300),
            "subnormal open": ("open", 1e-320),
            "huge volume": ("volume", 1e19),
        }[problem]
        for r in rows:
            r.setdefault(column, None)
        rows[i][column] = value
    spoiled = {**panel, "rows": rows}
    if problem == "same day, another time" and panel["date kind"] in ("date", "text"):
        spoiled["date kind"] = "datetime with time"  # a Date has no time of day
    if problem.endswith("close") and panel["close type"] == pl.Int64:
        spoiled["close type"] = pl.Float64
    if problem.endswith("volume"):
        spoiled["volume type"] = pl.Float64
    return spoiled


def write_panel(folder: Path, panel: dict[str, Any]) -> Path:
    """The panel as a long Parquet file with the panel's types, header and row groups."""
    rows = panel["rows"]
    columns = {name: [r.get(name) for r in rows] for name in ("date", "symbol", "close", "open", "volume") if any(name in r for r in rows)}
    types = {"date": pl.Datetime("us"), "symbol": pl.String, "close": pl.Float64, "open": pl.Float64, "volume": pl.Float64}
    frame = pl.DataFrame(columns, schema={name: types[name] for name in columns})
    for name, kind in (("close", panel["close type"]), ("volume", panel["volume type"])):
        if name in frame.columns and kind.is_integer():  # whole numbers: a close stays above 0, a NaN volume is null
            frame = frame.with_columns(pl.col(name).ceil().fill_nan(None).cast(kind))
        elif name in frame.columns:
            frame = frame.with_columns(pl.col(name).cast(kind))
    kind = panel["date kind"]
    if kind in ("date", "text", "datetime", "datetime UTC"):
        frame = frame.with_columns(pl.col("date").dt.truncate("1d"))
    date = {
        "date": pl.col("date").dt.date(),
        "text": pl.col("date").dt.date().cast(pl.String),
        "datetime": pl.col("date").cast(pl.Datetime("ns")),
        "datetime with time": pl.col("date").cast(pl.Datetime("ms")),
        "datetime UTC": pl.col("date").dt.replace_time_zone("UTC"),
        "datetime Tokyo": pl.col("date").dt.replace_time_zone("Asia/Tokyo"),
    }[kind]
    names = dict(zip(("date", "symbol", "close"), panel["header"]))
    frame = frame.with_columns(date).rename(names)
    path = folder / "panel.parquet"
    frame.write_parquet(path, row_group_size=panel["row group"])
    return path


def outcome(read: Any) -> tuple[str, Any]:
    """A read's frame, or the rendered DataError it raised."""
    try:
        return "frame", read()
    except DataError as error:
        return "error", error.render()


def assert_same(path: Path, symbols: list[str] | None) -> tuple[str, Any]:
    """The fast and the general read of ``symbols`` agree: the same frame, or the same
    error with no frame from the fast path. Returns the general path's outcome."""
    slow = outcome(lambda: read_long_block(path, symbols, fast=False))
    fast = outcome(lambda: read_long_block(path, symbols))
    typed = typed_parquet_block(inspect(path), symbols)
    if slow[0] == "error":
        assert typed is None and fast == slow
    else:
        assert fast[0] == "frame", fast
        assert_frame_equal(fast[1], slow[1])
        if typed is not None:
            assert_frame_equal(typed, slow[1])
    return slow


@settings(max_examples=120, deadline=None)
@given(panel=panels(), asked=st.lists(st.sampled_from([*SYMBOLS, "ZZ"]), min_size=1, max_size=4, unique=True))
def test_a_good_panel_reads_the_same_either_way(tmp_path_factory: pytest.TempPathFactory, panel: dict[str, Any], asked: list[str]) -> None:
    """Every good typed panel takes the fast path and gives the general path's frame, for
    every symbol and for a block (some symbols asked for may be missing, or not next to
    each other in the file, which then has other symbols' rows in the block's range)."""
    path = write_panel(tmp_path_factory.mktemp("good"), panel)
    for symbols in (None, asked):
        kind, frame = assert_same(path, symbols)
        assert kind == "frame"
        typed = typed_parquet_block(inspect(path), symbols)
        if panel["date kind"] != "text" and frame.height:  # typed and not empty: the fast path answers
            assert typed is not None


@pytest.mark.slow
@settings(max_examples=30, deadline=None)
@given(
    panel=panels(),
    at=st.integers(0, 10_000),
    where=st.sampled_from(["any row", "a symbol's first row", "a symbol's last row"]),
    asked=st.lists(st.sampled_from(SYMBOLS), max_size=3, unique=True),
)
def test_a_bad_panel_raises_the_same_error_either_way(
    tmp_path_factory: pytest.TempPathFactory, panel: dict[str, Any], at: int, where: str, asked: list[str]
) -> None:
    """A panel with one problem, each kind in turn (at a symbol's first or last row too,
    where no order check sees it): reading every symbol, the fast path gives up and the
    read raises the general path's error, which names that problem; a block raises it
    too when the bad row is in the block, and else gives the same frame."""
    for problem, words in PROBLEMS.items():
        spoiled = spoil(panel, problem, at, where)
        path = write_panel(tmp_path_factory.mktemp("bad"), spoiled)
        kind, message = assert_same(path, None)
        assert kind == "error" and words in message, (problem, message)
        assert_same(path, asked or [spoiled["rows"][at % len(spoiled["rows"])]["symbol"] or "AA"])


@pytest.mark.parametrize("at", [0, 3, 4, 5])
@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_each_problem_is_refused_by_the_fast_path(tmp_path: Path, problem: str, at: int) -> None:
    """Each kind of problem on a fixed panel (two symbols of three rows, typed columns,
    open and volume), on a symbol's first, middle and last row: no fast frame, and the
    general path's message."""
    rows = [
        {"symbol": s, "date": dt.datetime(2020, 1, d), "close": 10.0 + d, "open": 10.0, "volume": 100.0}
        for s in ("AA", "BB") for d in (2, 3, 6)
    ]
    panel = {"rows": rows, "date kind": "datetime", "close type": pl.Float64, "volume type": pl.Int64, "header": ("date", "symbol", "close"), "row group": 2}
    path = write_panel(tmp_path, spoil(panel, problem, at))
    assert typed_parquet_block(inspect(path), None) is None
    kind, message = assert_same(path, None)
    assert kind == "error" and PROBLEMS[problem] in message


@pytest.mark.parametrize(("close", "good"), [(1e300, False), (1e-320, False), (1.5e18, False), (9e-19, False), (1e18, True), (1e-18, True)])
@pytest.mark.parametrize("at", [0, 4, 5])
def test_a_close_out_of_range_is_refused_by_the_fast_path(tmp_path: Path, close: float, good: bool, at: int) -> None:
    """A float64 close outside MIN_CLOSE .. MAX_CLOSE (finite and above 0, so the other
    checks pass it) on a symbol's first, middle or last row: no fast frame, and the
    general path's located error; a close on either bound reads the same either way."""
    rows = [
        {"symbol": s, "date": dt.datetime(2020, 1, d), "close": 10.0 + d} for s in ("AA", "BB") for d in (2, 3, 6)
    ]
    rows[at]["close"] = close
    panel = {"rows": rows, "date kind": "date", "close type": pl.Float64, "volume type": pl.Int64, "header": ("date", "symbol", "close"), "row group": 2}
    path = write_panel(tmp_path, panel)
    kind, message = assert_same(path, None)
    assert (typed_parquet_block(inspect(path), None) is not None) == good
    assert kind == ("frame" if good else "error")
    if not good:
        assert "out-of-range close" in message
    assert_same(path, [rows[at]["symbol"]])


def test_usable_optional_values_come_out_as_the_general_path_makes_them(tmp_path: Path) -> None:
    """A 0 or NaN open and a NaN volume read as null, a 0 volume as 0, as the rule says;
    closes of an integer column as floats; a datetime as its day; sorted by symbol."""
    frame = pl.DataFrame({
        "Date": [dt.datetime(2020, 1, 3, 16), dt.datetime(2020, 1, 2, 16), dt.datetime(2020, 1, 3, 16)],
        "Ticker": ["BB", "AA", "AA"],
        "Close": [7, 5, 6],
        "Open": [0.0, float("nan"), 5.5],
        "Volume": [float("nan"), 0.0, 12.0],
    })
    frame.write_parquet(tmp_path / "panel.parquet")
    typed = typed_parquet_block(inspect(tmp_path / "panel.parquet"), None)
    assert typed is not None
    assert typed.rows() == [
        (dt.date(2020, 1, 2), "AA", 5.0, None, 0.0),
        (dt.date(2020, 1, 3), "AA", 6.0, 5.5, 12.0),
        (dt.date(2020, 1, 3), "BB", 7.0, None, None),
    ]
    assert typed.columns == ["date", "symbol", "close", "open", "volume"]
    assert_frame_equal(typed, read_long_block(tmp_path / "panel.parquet", None, fast=False))


def test_the_fast_path_is_taken_on_a_clean_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A clean block is read once, the fast way: the general path is not asked."""
    pl.DataFrame({"date": [dt.date(2020, 1, 2), dt.date(2020, 1, 3)], "symbol": ["AA", "AA"], "close": [1.0, 2.0]}).write_parquet(tmp_path / "p.parquet")
    from eventstudy.data import load as load_module

    monkeypatch.setattr(load_module, "validated", lambda *args, **kwargs: pytest.fail("the general path was taken"))
    assert read_long_block(tmp_path / "p.parquet", ["AA"])["close"].to_list() == [1.0, 2.0]
