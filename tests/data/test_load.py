"""Tests for eventstudy.data: loading, header spellings, validation messages, data-dir resolution,
and the one rule that finds a symbol's file."""

from __future__ import annotations

import datetime as dt
import gzip
import re
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventstudy import data
from eventstudy.data import (
    CLOSE_COLUMNS,
    DATA_DIR_ENV,
    DATE_COLUMNS,
    SYMBOL_COLUMNS,
    PriceData,
    load_prices,
    read_long_block,
    resolve_data_dir,
)
from eventstudy.data import load as load_module
from eventstudy.data import validate as validate_module
from eventstudy.data.finder import DataFile, inspect, require_symbol_column
from eventstudy.data.quality import check_data
from eventstudy.errors import DataError


def write(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` exactly (no newline translation) and return the path."""
    path.write_bytes(text.encode())
    return path


def load_error(data_dir: Path, symbols: list[str]) -> str:
    """The rendered DataError that loading ``symbols`` raises."""
    with pytest.raises(DataError) as info:
        load_prices(data_dir, symbols)
    return info.value.render()


SIMPLE = "date,close\n2020-01-02,10.5\n2020-01-03,11\n2020-01-06,12.25\n"


# --------------------------------------------------------------------------- loading


def test_per_symbol_csv_loads_long_frame_sorted_with_sources(tmp_path: Path) -> None:
    write(tmp_path / "SPX.csv", SIMPLE)
    write(tmp_path / "RUT.csv", "date,close\n2020-01-02,1\n2020-01-03,2\n")
    prices = load_prices(tmp_path, ["SPX", "RUT"])
    assert isinstance(prices, PriceData)
    assert prices.frame.schema == pl.Schema({"date": pl.Date, "symbol": pl.String, "close": pl.Float64, **dict.fromkeys(("open", "high", "low", "volume"), pl.Float64)})
    assert prices.frame["symbol"].to_list() == ["RUT", "RUT", "SPX", "SPX", "SPX"]
    spx = prices.frame.filter(pl.col("symbol") == "SPX")
    assert spx["date"].to_list() == [dt.date(2020, 1, 2), dt.date(2020, 1, 3), dt.date(2020, 1, 6)]
    assert spx["close"].to_list() == [10.5, 11.0, 12.25]
    assert prices.sources == {"SPX": tmp_path / "SPX.csv", "RUT": tmp_path / "RUT.csv"}
    assert list(prices.sources) == ["SPX", "RUT"]


def test_accepts_str_directory_and_drops_duplicate_requests(tmp_path: Path) -> None:
    write(tmp_path / "SPX.csv", SIMPLE)
    prices = load_prices(str(tmp_path), ["SPX", "SPX"])
    assert prices.frame.height == 3


def test_no_symbols_gives_empty_frame_and_a_string_is_refused(tmp_path: Path) -> None:
    prices = load_prices(tmp_path, [])
    assert prices.frame.is_empty() and prices.frame.columns == ["date", "symbol", "close", "open", "high", "low", "volume"]
    with pytest.raises(TypeError, match="not the string"):
        load_prices(tmp_path, "SPX")


@pytest.mark.parametrize(
    ("header", "row", "expected"),
    [
        ("Date,Open,High,Low,Close,Adj Close,Volume", "2020-01-02,1,2,0.5,1.5,1.4,100", 1.5),
        ("date,adj close,close", "2020-01-02,1.4,1.5", 1.5),  # close wins whatever its position
        (" Timestamp , Adj Close ,Volume", "2020-01-02,1.4,100", 1.4),
        ("DATETIME,adj_close", "2020-01-02,2.5", 2.5),
        ("Day,AdjClose", "2020-01-02,3.5", 3.5),
        ("time,adjusted_close", "2020-01-02,4.5", 4.5),
        ("date,PRICE", "2020-01-02,5.5", 5.5),
        ("date,Value", "2020-01-02,6.5", 6.5),
        ("date,last", "2020-01-02,7.5", 7.5),
        ("\ufeffdate,close", "2020-01-02,8.5", 8.5),  # a byte-order mark from Excel
    ],
)
def test_header_spellings(tmp_path: Path, header: str, row: str, expected: float) -> None:
    write(tmp_path / "X.csv", f"{header}\n{row}\n")
    assert load_prices(tmp_path, ["X"]).frame["close"].to_list() == [expected]


def test_accepted_names_are_constants_in_preference_order() -> None:
    assert DATE_COLUMNS[0] == "date" and "timestamp" in DATE_COLUMNS
    assert SYMBOL_COLUMNS == ("symbol", "ticker", "name", "code")
    assert CLOSE_COLUMNS.index("close") < CLOSE_COLUMNS.index("adj close")
    assert data.ACCEPTED_COLUMNS["close"] is CLOSE_COLUMNS


def test_datetime_text_takes_the_date_part(tmp_path: Path) -> None:
    write(
        tmp_path / "X.csv",
        "date,close\n2020-01-02 00:00:00,1\n2020-01-03T16:00:00-05:00,2\n 2020-01-06 ,3\n",
    )
    dates = load_prices(tmp_path, ["X"]).frame["date"].to_list()
    assert dates == [dt.date(2020, 1, 2), dt.date(2020, 1, 3), dt.date(2020, 1, 6)]


def test_blank_lines_are_skipped(tmp_path: Path) -> None:
    write(tmp_path / "X.csv", "date,close\n2020-01-02,1\n\n2020-01-03,2\n\n\n")
    assert load_prices(tmp_path, ["X"]).frame.height == 2


def test_parquet_per_symbol_native_types(tmp_path: Path) -> None:
    pl.DataFrame(
        {"Date": [dt.date(2020, 1, 2), dt.date(2020, 1, 3)], "Close": [1, 2], "Volume": [None, 5]}
    ).write_parquet(tmp_path / "A.parquet")
    pl.DataFrame(
        {"timestamp": [dt.datetime(2020, 1, 2, 21), dt.datetime(2020, 1, 3, 21)], "price": [1.5, 2.5]}
    ).with_columns(pl.col("timestamp").dt.replace_time_zone("America/New_York")).write_parquet(
        tmp_path / "B.parquet"
    )
    pl.DataFrame({"date": ["2020-01-02", "2020-01-03"], "close": ["3", "4"]}).write_parquet(
        tmp_path / "C.parquet"
    )
    frame = load_prices(tmp_path, ["A", "B", "C"]).frame
    assert frame.schema["date"] == pl.Date and frame.schema["close"] == pl.Float64
    assert frame["close"].to_list() == [1.0, 2.0, 1.5, 2.5, 3.0, 4.0]
    assert frame.filter(pl.col("symbol") == "B")["date"].to_list() == [dt.date(2020, 1, 2), dt.date(2020, 1, 3)]


def test_stem_matches_exactly_first_then_ignoring_case(tmp_path: Path) -> None:
    write(tmp_path / "spx.csv", SIMPLE)
    prices = load_prices(tmp_path, ["SPX"])
    assert prices.sources == {"SPX": tmp_path / "spx.csv"}
    assert prices.frame["symbol"].unique().to_list() == ["SPX"]  # named as requested
    write(tmp_path / "SPX.csv", "date,close\n2020-01-02,99\n")
    assert load_prices(tmp_path, ["SPX"]).sources == {"SPX": tmp_path / "SPX.csv"}


def test_csv_and_parquet_for_one_symbol_is_ambiguous(tmp_path: Path) -> None:
    write(tmp_path / "SPX.csv", SIMPLE)
    pl.DataFrame({"date": [dt.date(2020, 1, 2)], "close": [1.0]}).write_parquet(tmp_path / "SPX.parquet")
    message = load_error(tmp_path, ["SPX"])
    assert "ambiguous" in message and "'SPX.csv'" in message and "'SPX.parquet'" in message


PANEL = (
    "date,symbol,close,open,high,low,volume\n"
    "2020-01-02,AAA,10,10,11,9,100\n"
    "2020-01-03,AAA,11,,,,100\n"  # empty open/high/low, as in the real panel
    "2020-01-02,BBB,20,,21,19,0\n"
    "2020-01-03,BBB,21,20,22,20,5\n"
    "2020-01-02,CCC,30,30,30,30,5\n"
)


def test_long_csv_file_serves_symbols_without_their_own_file(tmp_path: Path) -> None:
    write(tmp_path / "panel.csv", PANEL)
    write(tmp_path / "SPX.csv", SIMPLE)
    prices = load_prices(tmp_path, ["BBB", "SPX", "AAA"])
    counts = dict(prices.frame.group_by("symbol").len().iter_rows())
    assert counts == {"AAA": 2, "BBB": 2, "SPX": 3}
    assert prices.frame.filter(pl.col("symbol") == "AAA")["close"].to_list() == [10.0, 11.0]
    assert prices.sources == {"BBB": tmp_path / "panel.csv", "SPX": tmp_path / "SPX.csv", "AAA": tmp_path / "panel.csv"}


def test_long_file_symbol_column_spellings_and_case(tmp_path: Path) -> None:
    write(tmp_path / "panel.csv", "Date,Ticker,Adj Close\n2020-01-02,aaa,1\n2020-01-02,BBB,2\n")
    prices = load_prices(tmp_path, ["AAA", "BBB"])
    assert prices.frame.sort("symbol")["close"].to_list() == [1.0, 2.0]


def test_long_parquet_file(tmp_path: Path) -> None:
    pl.DataFrame(
        {
            "date": [dt.date(2020, 1, 2), dt.date(2020, 1, 2), dt.date(2020, 1, 3)],
            "code": ["X", "Y", "X"],
            "close": [1.0, 2.0, 3.0],
        }
    ).write_parquet(tmp_path / "long.parquet")
    prices = load_prices(tmp_path, ["X"])
    assert prices.frame["close"].to_list() == [1.0, 3.0]
    assert prices.sources == {"X": tmp_path / "long.parquet"}


def test_own_file_wins_over_long_file(tmp_path: Path) -> None:
    write(tmp_path / "panel.csv", PANEL)
    write(tmp_path / "AAA.csv", "date,close\n2020-01-02,77\n")
    prices = load_prices(tmp_path, ["AAA"])
    assert prices.frame["close"].to_list() == [77.0]
    assert prices.sources["AAA"] == tmp_path / "AAA.csv"


def test_symbol_in_two_long_files_is_ambiguous(tmp_path: Path) -> None:
    write(tmp_path / "one.csv", PANEL)
    write(tmp_path / "two.csv", "date,symbol,close\n2020-01-02,AAA,5\n")
    message = load_error(tmp_path, ["AAA"])
    assert "ambiguous" in message and "'one.csv'" in message and "'two.csv'" in message


def test_each_long_file_is_read_once_per_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "panel.csv", PANEL)
    write(tmp_path / "other.csv", "date,ticker,close\n2020-01-02,ZZZ,1\n")
    reads: list[Path] = []
    original = load_module.validated

    def spy(file: DataFile, wanted: object) -> pl.DataFrame:
        reads.append(file.path)
        return original(file, wanted)  # type: ignore[arg-type]

    monkeypatch.setattr(load_module, "validated", spy)
    load_prices(tmp_path, ["AAA", "BBB", "CCC", "ZZZ"])
    assert sorted(reads) == [tmp_path / "other.csv", tmp_path / "panel.csv"]


def test_unrelated_unreadable_file_does_not_break_loading(tmp_path: Path) -> None:
    write(tmp_path / "panel.csv", PANEL)
    write(tmp_path / "junk.parquet", "not a parquet file")
    write(tmp_path / "notes.csv", "")
    assert load_prices(tmp_path, ["AAA"]).frame.height == 2


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("date,close\n2020-01-02,1\n2020-01-03,2\n2020-01-06,3\n2020-13-45,4\n", 5,
         "unparseable date '2020-13-45' (expected YYYY-MM-DD, years 1800-2200)"),
        ("date,close\n2020-01-02,1\n01/03/2020,2\n", 3, "unparseable date '01/03/2020'"),
        ("date,close\n2020-01-02,1\n2020-1-3,2\n", 3, "unparseable date '2020-1-3'"),
        ("date,close\n2020-01-02,1\n,2\n", 3, "missing date"),
        ("date,close\n2020-01-02,1\n2020-01-03,\n", 3, "missing close on '2020-01-03'"),
        ("date,close\n2020-01-02,1\n2020-01-03\n", 3, "missing close on '2020-01-03'"),
        ("date,close\n2020-01-02,1\n2020-01-03,.\n", 3, "missing close '.' on '2020-01-03' ('.' is how FRED marks holidays)"),
        ("date,close\n2020-01-02,NaN\n", 2, "missing close 'NaN'"),
        ("date,close\n2020-01-02,1\n2020-01-03,abc\n", 3, "non-numeric close 'abc' on '2020-01-03' (column 'close')"),
        ("date,close\n2020-01-02,inf\n", 2, "non-finite close 'inf'"),
        ("date,close\n2020-01-02,1\n2020-01-03,0\n", 3, "non-positive close '0' on '2020-01-03'"),
        ("date,close\n2020-01-02,1\n2020-01-03,-2.5\n", 3, "non-positive close '-2.5'"),
        ("date,close\n2020-01-02,1\n2020-01-03,2\n2020-01-03,3\n", 4, "duplicate date '2020-01-03': also on line 3"),
        ("date,close\n2020-01-02,1\n2020-01-06,2\n2020-01-03,3\n2020-01-07,4\n", 4,
         "dates out of order: '2020-01-03' comes after '2020-01-06' on line 3"),
    ],
)
def test_bad_rows_are_reported_at_file_and_line(tmp_path: Path, text: str, line: int, expected: str) -> None:
    write(tmp_path / "SPX.csv", text)
    message = load_error(tmp_path, ["SPX"])
    assert message.startswith(f"{tmp_path / 'SPX.csv'}:{line}: error: ")
    assert expected in message


def test_first_bad_row_wins_across_kinds_of_problem(tmp_path: Path) -> None:
    write(tmp_path / "X.csv", "date,close\n2020-01-02,1\n2020-01-02,2\n2020-01-03,abc\n")
    assert ":3: error: duplicate date" in load_error(tmp_path, ["X"])


def test_line_numbers_count_blank_lines_and_quoted_newlines(tmp_path: Path) -> None:
    write(tmp_path / "X.csv", 'date,close,note\n2020-01-02,1,"two\nlines"\n\n2020-01-03,x,\n')
    assert f"{tmp_path / 'X.csv'}:5: error: non-numeric close 'x'" in load_error(tmp_path, ["X"])


def test_line_numbers_count_blank_lines_before_the_header(tmp_path: Path) -> None:
    """Polars skips empty lines above the header; the error's line was counted from the
    first line as if it were the header: one line early per blank line ('duplicate date
    ... :4, also on line 3' for lines 5 and 4), and a row with a field too many was 'the
    header line, 2 fields where the header has 0'."""
    write(tmp_path / "X.csv", "\n\r\ndate,close\n2020-01-02,1\n2020-01-03,2\n2020-01-03,3\n")
    assert load_error(tmp_path, ["X"]).startswith(f"{tmp_path / 'X.csv'}:6: error: duplicate date '2020-01-03': also on line 5")
    write(tmp_path / "X.csv", "\ufeff\ndate,close\n2020-01-02,1\n2020-01-03,2,5\n")
    assert load_error(tmp_path, ["X"]).startswith(f"{tmp_path / 'X.csv'}:4:1: error: 3 fields where the header has 2")


def test_an_own_file_holding_other_symbols_says_so_at_its_repeated_date(tmp_path: Path) -> None:
    """AAA.csv with a symbol column of AAA and BBB rows is AAA's own file, read whole: the
    run said only "duplicate date '2024-01-02': also on line 2" (hint 'keep one row per
    date') of two rows of different symbols. The hint now says what the file holds."""
    write(tmp_path / "AAA.csv", "date,symbol,close\n2024-01-02,AAA,10\n2024-01-02,BBB,20\n2024-01-03,AAA,11\n")
    message = load_error(tmp_path, ["AAA"])
    assert message.startswith(f"{tmp_path / 'AAA.csv'}:3: error: duplicate date '2024-01-02': also on line 2\n")
    assert message.endswith(
        "hint: 'AAA.csv' is AAA's own file, read whole (its 'symbol' column is not read), and it holds 2 symbols ('AAA', 'BBB'): "
        "keep AAA's rows alone in it, or give the file a name none of its symbols has (a long file serves each of them)"
    )
    write(tmp_path / "AAA.csv", "date,symbol,close\n2024-01-02,AAA,10\n2024-01-02,AAA,20\n")  # one symbol: as before
    assert load_error(tmp_path, ["AAA"]).endswith("hint: keep one row per date")


def test_crlf_line_endings(tmp_path: Path) -> None:
    write(tmp_path / "X.csv", "date,close\r\n2020-01-02,1\r\n2020-01-03,\r\n")
    assert f"{tmp_path / 'X.csv'}:3: error: missing close" in load_error(tmp_path, ["X"])


def test_errors_in_a_long_file_name_the_symbol_and_line(tmp_path: Path) -> None:
    write(
        tmp_path / "panel.csv",
        "date,symbol,close\n2020-01-02,AAA,1\n2020-01-02,BBB,2\n2020-01-03,AAA,3\n2020-01-02,AAA,4\n",
    )
    message = load_error(tmp_path, ["BBB", "AAA"])
    assert message.startswith(f"{tmp_path / 'panel.csv'}:5: error: dates out of order for symbol 'AAA'")
    assert "on line 4" in message
    assert load_prices(tmp_path, ["BBB"]).frame.height == 1  # checks apply per symbol


def test_duplicate_dates_of_different_symbols_are_fine_in_a_long_file(tmp_path: Path) -> None:
    write(tmp_path / "panel.csv", "date,symbol,close\n2020-01-02,AAA,1\n2020-01-02,BBB,2\n2020-01-03,AAA,1\n")
    assert load_prices(tmp_path, ["AAA", "BBB"]).frame.height == 3


def test_parquet_errors_give_the_zero_based_row(tmp_path: Path) -> None:
    pl.DataFrame(
        {"date": [dt.date(2020, 1, 2), dt.date(2020, 1, 3), dt.date(2020, 1, 6)], "close": [1.0, -1.0, 2.0]}
    ).write_parquet(tmp_path / "X.parquet")
    message = load_error(tmp_path, ["X"])
    assert message.startswith(f"{tmp_path / 'X.parquet'}: error: row 1 (0-based parquet row index): ")
    assert "non-positive close '-1.0'" in message


def test_parquet_nan_and_null_closes_are_missing(tmp_path: Path) -> None:
    pl.DataFrame({"date": [dt.date(2020, 1, 2), dt.date(2020, 1, 3)], "close": [1.0, float("nan")]}).write_parquet(
        tmp_path / "X.parquet"
    )
    assert "row 1 (0-based parquet row index): missing close 'nan'" in load_error(tmp_path, ["X"])


def test_parquet_date_column_of_wrong_type(tmp_path: Path) -> None:
    pl.DataFrame({"date": [20200102], "close": [1.0]}).write_parquet(tmp_path / "X.parquet")
    message = load_error(tmp_path, ["X"])
    assert "X.parquet" in message and "date column 'date' has type Int64" in message


@pytest.mark.parametrize(("header", "role"), [("when,close", "date"), ("Date,Open,High,Volume", "close")])
def test_missing_column_lists_found_and_accepted_names(tmp_path: Path, header: str, role: str) -> None:
    write(tmp_path / "X.csv", f"{header}\n2020-01-02,1,2,3\n")
    message = load_error(tmp_path, ["X"])
    assert message.startswith(f"{tmp_path / 'X.csv'}:1: error: no {role} column in 'X.csv'")
    assert f"found columns {header.split(',')!r}" in message
    assert f"'{data.ACCEPTED_COLUMNS[role][1]}'" in message  # the hint lists the accepted names


@pytest.mark.parametrize(("text", "expected"), [("", "empty file 'X.csv'"), ("date,close\n", "no data rows")])
def test_empty_file(tmp_path: Path, text: str, expected: str) -> None:
    write(tmp_path / "X.csv", text)
    message = load_error(tmp_path, ["X"])
    assert str(tmp_path / "X.csv") in message and expected in message


def test_unreadable_files(tmp_path: Path) -> None:
    write(tmp_path / "X.parquet", "this is not parquet")
    message = load_error(tmp_path, ["X"])
    assert message.startswith(f"{tmp_path / 'X.parquet'}: error: cannot read 'X.parquet' as PARQUET")
    (tmp_path / "Y.csv").write_bytes(b"date,close\n2020-01-02,\xff\xfe\n")
    assert load_error(tmp_path, ["Y"]).startswith(f"{tmp_path / 'Y.csv'}:2:12: error: 'Y.csv' is not UTF-8 text: line 2 has the byte 0xff")
    write(tmp_path / "Z.csv", "date,close\n2020-01-02,1,7\n")
    assert load_error(tmp_path, ["Z"]).startswith(f"{tmp_path / 'Z.csv'}:2:1: error: 3 fields where the header has 2")  # at its row


_ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"xl/worksheets/sheet1.xml<row>1,2,3</row>\n" * 3


@pytest.mark.parametrize(("content", "said"), [
    (_ZIP, "it is a zip archive (an Excel .xlsx workbook is one)"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "it is a PNG image"),
    (bytes((i * 167 + 13) % 256 for i in range(3000)), "it is binary, not text"),
    ("date,close\n2020-01-02,10\n".encode("utf-16"), "it is UTF-16 text"),
], ids=["xlsx", "png", "random", "utf-16"])
def test_a_data_file_that_is_not_text_is_named_as_what_it_is(tmp_path: Path, content: bytes, said: str) -> None:
    """A workbook, an image or random bytes saved as X.csv: the loader said "no date column
    in 'X.csv'" and to name the date column; 'data check' showed the bytes as its columns
    (['PK\\x03\\x04...']), a universe's data file said it has no symbol column."""
    (tmp_path / "X.csv").write_bytes(content)
    message = load_error(tmp_path, ["X"])
    assert message.splitlines()[0] == f"{tmp_path / 'X.csv'}: error: 'X.csv' is not a CSV file: {said}", message
    assert "hint: " in message and len(message.splitlines()) == 2
    with pytest.raises(DataError) as checked:  # data check
        check_data(["X"], data_dir=tmp_path)
    assert checked.value.render().splitlines()[0] == message.splitlines()[0]
    with pytest.raises(DataError, match=re.escape(f"'X.csv' is not a CSV file: {said}")):  # a universe's data file:
        require_symbol_column(inspect(tmp_path / "X.csv"))  # its header is read by the one door every reader uses


def test_a_gzip_compressed_csv_is_still_read(tmp_path: Path) -> None:
    """polars reads a gzip-compressed CSV: the check for a file that is not text leaves it be."""
    (tmp_path / "X.csv").write_bytes(gzip.compress(SIMPLE.encode()))
    assert load_prices(tmp_path, ["X"]).frame["close"].to_list() == [10.5, 11.0, 12.25]


def test_a_gzip_compressed_csv_names_its_bad_lines(tmp_path: Path) -> None:
    """A line with a field too many in a gzip-compressed CSV was "cannot read 'X.csv' as
    CSV: found more fields than defined in 'Schema'", with no line: the search for it
    read the compressed bytes as text. It reads the text now, as polars does, and so
    does the count of lines for any other error (a quoted field over two lines)."""
    (tmp_path / "X.csv").write_bytes(gzip.compress(b"date,close\n2020-01-02,10\n2020-01-03,11,5\n"))
    assert load_error(tmp_path, ["X"]).startswith(f"{tmp_path / 'X.csv'}:3:1: error: 3 fields where the header has 2")
    (tmp_path / "X.csv").write_bytes(gzip.compress(b'date,close,note\n2020-01-02,10,"a\nb"\n2020-01-03,x,\n'))
    assert load_error(tmp_path, ["X"]).startswith(f"{tmp_path / 'X.csv'}:4: error: non-numeric close 'x'")


@pytest.mark.parametrize("long_file", [False, True])
def test_a_field_too_many_is_found_whichever_columns_are_read(tmp_path: Path, long_file: bool) -> None:
    """polars counts a line's fields only when a query reads every column: a file with a
    column the loader does not read (``note``) let a line with a stray comma through, its
    values taken as they fell. A shorter line before it is valid (its missing trailing
    fields are empty, as spreadsheets export them), so the error names the longer one."""
    symbol = "Z," if long_file else ""
    lines = [f"date,{'symbol,' if long_file else ''}close,volume,note"]
    lines += [f"2020-01-{d:02d},{symbol}{10 + d},100,x" for d in range(2, 9)]
    lines[3] = f"2020-01-04,{symbol}12"  # short: volume and note empty
    lines[5] = f"2020-01-06,{symbol}1,234.5,100,x"  # a thousands separator: a field too many
    write(tmp_path / "Z.csv", "\n".join(lines) + "\n")
    if long_file:
        with pytest.raises(DataError) as info:
            read_long_block(tmp_path / "Z.csv", ["Z"])
        message = info.value.render()
    else:
        message = load_error(tmp_path, ["Z"])
    fields = 6 if long_file else 5
    assert message.startswith(f"{tmp_path / 'Z.csv'}:6:1: error: {fields} fields where the header has {fields - 1}"), message
    lines[5] = f"2020-01-06,{symbol}15,100,x"
    write(tmp_path / "Z.csv", "\n".join(lines) + "\n")
    frame = read_long_block(tmp_path / "Z.csv", ["Z"]) if long_file else load_prices(tmp_path, ["Z"]).frame
    assert frame.height == 7 and frame.filter(pl.col("date") == dt.date(2020, 1, 4))["close"].item() == 12.0


@pytest.mark.parametrize(
    ("header", "role", "first", "second"),
    [("date,Close,close", "close", "Close", "close"), ("Date,date ,close", "date", "Date", "date "), ("date,close,Volume,volume", "volume", "Volume", "volume")],
)
def test_two_columns_of_one_role_are_refused_not_guessed(tmp_path: Path, header: str, role: str, first: str, second: str) -> None:
    """'Close' beside 'close' (names that differ in letter case or spaces alone): the first
    was taken without a word, whichever held the real prices (a helper's bug hunt)."""
    values = ",".join(["1"] * (header.count(",")))
    (tmp_path / "AAA.csv").write_text(f"{header}\n2024-01-02,{values}\n2024-01-03,{values}\n")
    with pytest.raises(DataError) as caught:
        load_prices(tmp_path, ["AAA"])
    assert caught.value.render().startswith(
        f"{tmp_path / 'AAA.csv'}:1: error: 'AAA.csv' has two {role} columns, {first!r} and {second!r}: which one holds the {role} is not guessed"
    )
    frame = pl.read_csv(tmp_path / "AAA.csv", infer_schema=False).with_columns(pl.col(pl.String).exclude(header.split(",")[0]).cast(pl.Float64))
    from eventstudy.frames import prices_from_frames

    with pytest.raises(DataError, match=f"data\\['AAA'\\] has two {role} columns"):  # the same frame given in memory
        prices_from_frames({"AAA": frame}, ["AAA"])


# --------------------------------------------------------------------------- not found


def test_missing_symbol_names_everything_looked_for(tmp_path: Path) -> None:
    write(tmp_path / "SPX.csv", SIMPLE)
    write(tmp_path / "panel.csv", PANEL)
    message = load_error(tmp_path, ["SPXX", "AAB"])
    assert message.startswith(f"{tmp_path}: error: symbols 'SPXX' (did you mean 'SPX'?), 'AAB'")
    assert f"data directory {str(tmp_path)!r}" in message
    assert "'SPXX.csv', 'SPXX.parquet'" in message and "'AAB.csv', 'AAB.parquet'" in message
    assert "long files 'panel.csv'" in message
    assert "did you mean 'AAA'?" in message or "did you mean 'BBB'?" in message


def test_missing_symbol_without_long_files(tmp_path: Path) -> None:
    write(tmp_path / "SPX.csv", SIMPLE)
    write(tmp_path / "broken.csv", "")
    message = load_error(tmp_path, ["NDX"])
    assert "symbol 'NDX' not found" in message and "'NDX.csv', 'NDX.parquet'" in message
    assert "no long files" in message and "skipped unreadable 'broken.csv'" in message


def test_missing_directory(tmp_path: Path) -> None:
    message = load_error(tmp_path / "nope", ["SPX"])
    assert f"data directory {str(tmp_path / 'nope')!r} does not exist" in message
    write(tmp_path / "file.csv", SIMPLE)
    assert "is not a directory" in load_error(tmp_path / "file.csv", ["SPX"])


# --------------------------------------------------------------------------- resolve_data_dir


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with cli/, study/data/ and env/ folders; no EVENTSTUDY_DATA set."""
    for name in ("cli", "study/data", "env"):
        (tmp_path / name).mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    return tmp_path


def test_resolve_precedence_cli_then_study_then_env(dirs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    study = dirs / "study" / "spx.yaml"
    monkeypatch.setenv(DATA_DIR_ENV, "env")
    assert resolve_data_dir("cli", "data", study) == Path("cli")
    assert resolve_data_dir(None, "data", study) == dirs / "study" / "data"  # relative to the study file
    assert resolve_data_dir(None, None, study) == Path("env")
    assert resolve_data_dir("", "", study) == Path("env")  # empty counts as not given


def test_resolve_cli_is_relative_to_the_current_directory(dirs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(dirs / "study")
    assert resolve_data_dir("data", None, None).resolve() == (dirs / "study" / "data").resolve()


def test_resolve_none_given_explains_the_three_ways(dirs: Path) -> None:
    with pytest.raises(DataError) as info:
        resolve_data_dir(None, None, None)
    message = info.value.render()
    assert "no data directory given" in message
    assert "--data-dir" in message and "data: {dir: DIR}" in message and DATA_DIR_ENV in message


@pytest.mark.parametrize(
    ("cli", "study_value", "env", "named_by"),
    [
        ("missing", None, None, "named by --data-dir 'missing'"),
        (None, "missing", None, "named by data.dir 'missing' in the study file"),
        (None, None, "missing", f"named by the {DATA_DIR_ENV} environment variable ('missing')"),
    ],
)
def test_resolve_nonexistent_directory_says_which_source(
    dirs: Path, monkeypatch: pytest.MonkeyPatch, cli: str | None, study_value: str | None, env: str | None, named_by: str
) -> None:
    if env is not None:
        monkeypatch.setenv(DATA_DIR_ENV, env)
    with pytest.raises(DataError) as info:
        resolve_data_dir(cli, study_value, dirs / "study" / "spx.yaml")
    message = info.value.render()
    assert "does not exist" in message and named_by in message


def test_an_absolute_directory_that_does_not_exist_is_not_said_to_be_relative(dirs: Path) -> None:
    """'--data-dir /nonexistent' read "(relative to the current directory '/work')", of a
    path that is relative to nothing; a relative one still says where it was looked for."""
    for cli, study_value in (("/nonexistent/data", None), (None, "/nonexistent/data")):
        with pytest.raises(DataError) as info:
            resolve_data_dir(cli, study_value, dirs / "study" / "spx.yaml")
        assert "does not exist" in info.value.render() and "relative to" not in info.value.render()
    with pytest.raises(DataError, match=r"named by --data-dir 'missing' \(relative to the current directory"):
        resolve_data_dir("missing", None, dirs / "study" / "spx.yaml")


# --------------------------------------------------------------------------- real data


@pytest.mark.shared_data
def test_real_indices_and_panel_load(shared_data: Path) -> None:
    prices = load_prices(shared_data, ["SPX", "RUT"])
    counts = dict(prices.frame.group_by("symbol").len().iter_rows())
    assert counts == {"SPX": 24_783, "RUT": 12_012}
    spx = prices.frame.filter(pl.col("symbol") == "SPX")
    assert spx["date"].min() == dt.date(1927, 12, 30) and spx["date"].max() == dt.date(2026, 8, 31)

    panel = load_prices(shared_data, ["AAPL", "MSFT", "APTV"])
    counts = dict(panel.frame.group_by("symbol").len().iter_rows())
    assert counts == {"AAPL": 1_259, "MSFT": 1_259, "APTV": 44}
    assert set(panel.sources.values()) == {shared_data / "panel_sp500_stocks.csv"}


def test_open_prices_are_kept_when_present_and_null_otherwise(tmp_path: Path) -> None:
    (tmp_path / "Y.csv").write_text("Date,Open,High,Low,Close,Adj Close,Volume\n2020-01-02,10,11,9,10.5,10.4,100\n2020-01-03,,11,9,10.7,10.6,100\n")
    (tmp_path / "C.csv").write_text("date,close\n2020-01-02,5\n")
    frame = load_prices(tmp_path, ["Y", "C"]).frame
    assert frame.filter(pl.col("symbol") == "Y")["open"].to_list() == [10.0, None]
    assert frame.filter(pl.col("symbol") == "C")["open"].to_list() == [None]


# --------------------------------------------------------------------------- fast CSV path

_ODD_DATES = ["", " ", "2013-2-8", " 2013-02-08", "2013-02-08 ", "2013-02-08T00:00:00", "2013-02-08 09:30",
              "2013-02-30", "13-02-08", "2013/02/08", "+2013-02-08", "08/02/2013", "20130208", "x"]
_ODD_NUMBERS = ["", " ", "nan", "NaN", "inf", "-inf", ".", "NA", "n/a", " 1.5", "1.5 ", "-1", "0", "1e3", "abc",
                "+1.5", "1.", ".5", "1.5e+02", '"2.5"', "0x10"]


@st.composite
def csv_panels(draw: st.DrawFn) -> str:
    """A long CSV (date, symbol, close, open), mostly clean, with odd fields, blank lines,
    reordered rows and repeated dates sprinkled in."""
    lines = ["date,symbol,close,open"]
    for symbol in draw(st.lists(st.sampled_from(["AA", "BB", "cc", " DD"]), min_size=1, max_size=3, unique=True)):
        n = draw(st.integers(1, 6))
        days = sorted(draw(st.lists(st.integers(0, 40), min_size=n, max_size=n)))
        for day in days:
            date = (dt.date(2013, 2, 1) + dt.timedelta(days=day)).isoformat()
            close = repr(draw(st.floats(0.01, 1e6, allow_nan=False)))
            opened = draw(st.one_of(st.just(""), st.floats(-5, 1e6, allow_nan=False).map(repr)))
            if draw(st.integers(0, 9)) == 0:
                date = draw(st.sampled_from(_ODD_DATES))
            if draw(st.integers(0, 9)) == 0:
                close = draw(st.sampled_from(_ODD_NUMBERS))
            if draw(st.integers(0, 9)) == 0:
                opened = draw(st.sampled_from(_ODD_NUMBERS))
            lines.append(f"{date},{symbol},{close},{opened}")
            if draw(st.integers(0, 19)) == 0:
                lines.append("")
    if draw(st.booleans()):
        lines[1:] = draw(st.permutations(lines[1:]))
    return "\n".join(lines) + "\n"


def _outcome(load: Callable[[], pl.DataFrame]) -> tuple[str, object]:
    try:
        return "ok", load().to_dicts()
    except DataError as exc:
        return "error", exc.render()


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(text=csv_panels())
def test_fast_csv_read_equals_the_text_path(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    """The typed first read of a CSV accepts exactly what the text path accepts, with the
    same values, and leaves every error to the text path (same message, same line)."""
    folder = tmp_path_factory.mktemp("fast")
    panel = write(folder / "panel.csv", text)
    single = write(folder / "ONE.csv", "\n".join(ln.split(",", 1)[0] + "," + ",".join(ln.split(",")[2:3]) for ln in text.splitlines()) + "\n")
    loads = {
        "every symbol": lambda: data.read_long_block(panel, None),
        "exact symbols": lambda: data.read_long_block(panel, ["AA", "cc"]),
        "by name, any case": lambda: load_prices(folder, ["aa", "BB", "DD"]).frame,
        "own file": lambda: load_prices(folder, ["ONE"]).frame,
    }
    for label, load in loads.items():
        fast = _outcome(load)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(validate_module, "_typed_csv", lambda *args: None)
            slow = _outcome(load)
        assert fast == slow, (label, single.read_text())


def test_fast_csv_read_is_taken_on_clean_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A clean file is read once, the typed way (the text path is the exception)."""
    write(tmp_path / "panel.csv", "date,symbol,close,open\n2020-01-02,AA,1.5,1.4\n2020-01-03,AA,1.6,\n2020-01-02,BB,7,7\n")
    calls = []
    original = validate_module._typed_csv
    monkeypatch.setattr(validate_module, "_typed_csv", lambda *args: calls.append(original(*args)) or calls[-1])
    frame = data.read_long_block(tmp_path / "panel.csv", None)
    assert len(calls) == 1 and calls[0] is not None
    assert frame.select("date", "symbol", "close", "open").rows() == [
        (dt.date(2020, 1, 2), "AA", 1.5, 1.4), (dt.date(2020, 1, 3), "AA", 1.6, None), (dt.date(2020, 1, 2), "BB", 7.0, 7.0)
    ]


def test_a_date_outside_1800_2200_is_a_located_error(tmp_path: Path) -> None:
    """Issue 15: 0000-01-01 parsed as a date and broke the run with a traceback."""
    from eventstudy.data import load_prices
    from eventstudy.errors import DataError

    (tmp_path / "ZZZ.csv").write_text("date,close\n0000-01-01,10\n2020-01-03,11\n", encoding="utf-8")
    with pytest.raises(DataError) as error:
        load_prices(tmp_path, ["ZZZ"])
    assert "ZZZ.csv:2" in error.value.render() and "years 1800-2200" in error.value.render()


# --------------------------------------------------------------------------- a long file's calendar

_DAYS = st.one_of(
    st.none(),
    st.dates(dt.date(1990, 1, 1), dt.date(1990, 3, 1)),  # many repeats
    st.dates(dt.date(1600, 1, 1), dt.date(2400, 12, 31)),  # outside 1800-2200 too
    st.sampled_from([dt.date(1800, 1, 1), dt.date(2200, 12, 31), dt.date(1799, 12, 31), dt.date(2201, 1, 1)]),
)


@settings(max_examples=60, deadline=None)
@given(days=st.lists(_DAYS, min_size=1, max_size=60), kind=st.sampled_from(["date", "datetime", "text"]), batch=st.integers(1, 7))
def test_read_long_dates_are_the_distinct_plausible_dates(
    tmp_path_factory: pytest.TempPathFactory, days: list[dt.date | None], kind: str, batch: int
) -> None:
    """A long file's calendar (counted batch by batch into a table of days; a text column's
    distinct texts parsed once each) is its distinct dates, read as the loaders read them:
    null, unparseable and outside 1800-2200 left out."""
    column = pl.Series("date", days, dtype=pl.Date)
    if kind == "datetime":
        column = column.cast(pl.Datetime("us")) + dt.timedelta(hours=13)
    frame = pl.DataFrame({"date": column, "symbol": "A", "close": 1.0})
    folder = tmp_path_factory.mktemp("dates")
    if kind == "text":
        path = folder / "panel.csv"
        texts = [("not a date" if d is None else [f"{d}", f" {d} ", f"{d}T09:30:00"][i % 3]) for i, d in enumerate(days)]
        frame.with_columns(pl.Series("date", texts)).write_csv(path)  # one day written three ways: parsed to one date
    else:
        path = folder / "panel.parquet"
        frame.write_parquet(path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(validate_module, "DATE_BATCH", batch)  # several batches, and a last short one
        found, rows = data.read_long_dates(path)
    expected = sorted({d for d in days if d is not None and dt.date(1800, 1, 1) <= d <= dt.date(2200, 12, 31)})
    assert found.dtype == pl.Date
    assert found.to_list() == expected
    assert rows == len(days)


@settings(max_examples=40, deadline=None)
@given(
    symbols=st.lists(st.sampled_from(["AAA", " AAA", "BB ", "C", "D.X", "", None]), min_size=1, max_size=40),
    grouped_rows=st.booleans(),
)
def test_long_file_symbols_by_runs_are_the_distinct_symbols(
    tmp_path_factory: pytest.TempPathFactory, symbols: list[str | None], grouped_rows: bool
) -> None:
    """Reading a long file's symbols by runs (its rows grouped by symbol) gives what hashing
    every row gives, in any order of the rows, blank and missing symbols refused alike."""
    from eventstudy.data.finder import long_file_symbols

    rows = sorted(symbols, key=lambda s: (s is None, s or "")) if grouped_rows else symbols
    path = tmp_path_factory.mktemp("symbols") / "panel.parquet"
    pl.DataFrame({"date": dt.date(2020, 1, 2), "symbol": pl.Series(rows, dtype=pl.String), "close": 1.0}).write_parquet(path)
    outcomes = []
    for grouped in (False, True):
        try:
            outcomes.append(long_file_symbols(path, grouped))
        except DataError as exc:
            outcomes.append(exc.render())
    assert outcomes[0] == outcomes[1]
    if all(s is not None and s.strip() for s in symbols):
        assert outcomes[0] == sorted({s.strip() for s in symbols if s is not None})


def test_validate_reads_a_good_parquet_panel_the_fast_way_block_by_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """check_long_rows (validate's read of a universe's long file) reads a Parquet file
    sorted by symbol in the run's blocks, each checked by whole-column aggregates: a good
    file never takes the row-by-row path, and memory is one block's."""
    days = pl.date_range(dt.date(2020, 1, 1), dt.date(2020, 3, 31), eager=True)
    symbols = [f"S{k:02d}" for k in range(12)]
    frame = pl.DataFrame({"date": days}).join(pl.DataFrame({"symbol": symbols}), how="cross").sort("symbol", "date")
    frame = frame.with_columns(close=pl.int_range(pl.len()).cast(pl.Float64) + 1.0)
    path = tmp_path / "panel.parquet"
    frame.write_parquet(path, row_group_size=100)
    blocks: list[int] = []
    read = load_module.read_long_block

    def block(path: Path, wanted: list[str] | None, **kwargs: object) -> pl.DataFrame:
        assert wanted is not None
        blocks.append(len(wanted))
        return read(path, wanted)

    def slow(*args: object, **kwargs: object) -> pl.DataFrame:
        raise AssertionError("a good typed block takes the fast path")

    monkeypatch.setattr(load_module, "read_long_block", block)
    monkeypatch.setattr(load_module, "validated", slow)
    rows, dates = load_module.check_long_rows(path, symbols, block_rows=4 * days.len())
    assert rows == frame.height and dates.equals(load_module.read_long_dates(path)[0])
    assert blocks == [4, 4, 4]


def test_validate_takes_a_csv_panels_dates_from_the_rows_it_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """check_long_rows reads a CSV whole, every row checked: the file's distinct dates, which
    validate's calendar needs, come from those rows (a second pass over the text, parsing
    each date again, took longer than the read), and they are read_long_dates' dates: the
    same days, with a time part or spaces around them, of every symbol."""
    lines = ["date,symbol,close"]
    for k, symbol in enumerate(("AAA", "BBB", "CCC")):
        for day in range(1 + 3 * k, 20 + 5 * k):
            written = f"2021-03-{day:02d}" if day % 3 else f" 2021-03-{day:02d}T16:00:00 "
            lines.append(f"{written},{symbol},{10 + day + k}")
    path = tmp_path / "panel.csv"
    path.write_text("\n".join(lines) + "\n")
    expected = load_module.read_long_dates(path)

    def no_second_pass(path: Path) -> tuple[pl.Series, int]:
        raise AssertionError("a CSV's dates come from the rows read")

    monkeypatch.setattr(load_module, "read_long_dates", no_second_pass)
    rows, dates = load_module.check_long_rows(path, ["AAA", "BBB", "CCC"], block_rows=10)
    assert rows == len(lines) - 1 == expected[1]
    assert dates.equals(expected[0]) and dates.len() == 29  # 2021-03-01 .. 29


def refused_by_run_and_check(folder: Path, symbol: str) -> str:
    """The message a run and ``data check`` both give for ``symbol``'s file (the same one)."""
    with pytest.raises(DataError) as by_run:
        load_prices(folder, [symbol])
    with pytest.raises(DataError) as by_check:
        check_data([symbol], data_dir=folder)
    assert by_run.value.render() == by_check.value.render()
    return by_run.value.render()


@pytest.mark.parametrize(("separator", "name"), [(";", "semicolon"), ("\t", "tab"), ("|", "bar")])
def test_a_file_separated_by_another_mark_is_named_as_such(tmp_path: Path, separator: str, name: str) -> None:
    """'date;close' (a spreadsheet's CSV in a decimal-comma locale) read as one column
    named 'date;close': run and data check said "no date column ... found (1 fields that
    do not look like column names: not a data file?)" and hinted to name the date column
    'date', which it was."""
    write(tmp_path / "AAA.csv", f"\ufeffDate{separator}Close\n2024-01-02{separator}100,5\n")
    assert refused_by_run_and_check(tmp_path, "AAA").startswith(
        f"{tmp_path / 'AAA.csv'}:1: error: 'AAA.csv' is {name}-separated ({f'Date{separator}Close'!r}): "
        "a data file's fields are separated by commas\n"
        "  hint: convert it with 'eventstudy data import AAA.csv --symbol AAA --data-dir DIR'"
    )
    write(tmp_path / "one.csv", "date\n2024-01-02\n")  # one column that no other mark splits: as before
    assert inspect(tmp_path / "one.csv").date == "date"


def test_a_file_with_old_mac_line_endings_is_named_as_such(tmp_path: Path) -> None:
    """Lines ended by a carriage return alone (Excel for Mac's 'CSV (Macintosh)') are one
    line to polars: run and data check said "no close column ... found (4 fields that do
    not look like column names: not a data file?)" and hinted to name the close column
    'close', which it was."""
    write(tmp_path / "AAA.csv", "date,close\r2024-01-02,100.5\r2024-01-03,101\r")
    assert refused_by_run_and_check(tmp_path, "AAA").startswith(
        f"{tmp_path / 'AAA.csv'}:1: error: 'AAA.csv' ends its lines with a carriage return alone (old Mac line endings): "
        "a data file's lines end with a newline\n"
        "  hint: convert it with 'eventstudy data import AAA.csv --symbol AAA --data-dir DIR'"
    )
    write(tmp_path / "AAA.csv", "date,close\r\n2024-01-02,100.5\r\n")  # Windows line endings: read as before
    assert load_prices(tmp_path, ["AAA"]).frame["close"].to_list() == [100.5]


def test_yfinances_three_header_lines_are_named_with_the_import_that_reads_them(tmp_path: Path) -> None:
    """yfinance's download(...).to_csv() in the data directory: run and data check said
    "'SPY.csv' has no date column; found ['Price', 'Close', ...]" with no way out."""
    write(tmp_path / "SPY.csv", "Price,Close,High\r\nTicker,SPY,SPY\r\nDate,,\r\n2024-01-02,472.65,475.0\r\n")
    assert refused_by_run_and_check(tmp_path, "SPY").startswith(
        f"{tmp_path / 'SPY.csv'}:1: error: 'SPY.csv' has the three header lines of yfinance's to_csv (Price, Ticker, Date): "
        "a data file has one header line\n"
        "  hint: convert it with 'eventstudy data import SPY.csv --symbol SPY --data-dir DIR'"
    )
    write(tmp_path / "SPY.csv", "Date,Price\n2024-01-02,472.65\n")  # a close named Price: read as before
    assert load_prices(tmp_path, ["SPY"]).frame["close"].to_list() == [472.65]


def test_a_file_that_is_not_utf8_is_named_at_its_line(tmp_path: Path) -> None:
    """A Windows-1252 'café' in a note column: run and data check said "cannot read
    'AAA.csv' as CSV: invalid utf-8 sequence", with no line and no way out."""
    (tmp_path / "AAA.csv").write_bytes(b"date,close,note\n2024-01-02,100,ok\n2024-01-03,101,caf\xe9\n")
    assert refused_by_run_and_check(tmp_path, "AAA").startswith(
        f"{tmp_path / 'AAA.csv'}:3:19: error: 'AAA.csv' is not UTF-8 text: line 3 has the byte 0xe9 ('é' in Windows-1252)\n"
        "    2024-01-03,101,café\n"
        "                      ^\n"
        "  hint: save it as UTF-8 text (Excel: 'CSV UTF-8'), or convert it with 'eventstudy data import AAA.csv --symbol AAA --data-dir DIR'"
    )
