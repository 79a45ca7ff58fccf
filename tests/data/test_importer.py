"""Importing CSV exports: one small file per format, written here; questions instead of guesses."""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
from pathlib import Path

import polars as pl
import pytest

from eventstudy.cli_data import add_data_commands, run_data
from eventstudy.data import load_prices
from eventstudy.data.columns import (
    ADJUSTED_CLOSE_COLUMNS,
    CLOSE_COLUMNS,
    DATE_COLUMNS,
    MISSING_VALUES,
)
from eventstudy.data.importer import ImportQuestion, import_file, import_files, read_export
from eventstudy.errors import DataError

D = dt.date


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


YAHOO = """\
Date,Open,High,Low,Close,Adj Close,Volume
2024-01-02,4745.200195,4754.330078,4722.669922,4742.830078,4742.830078,3743050000
2024-01-03,4725.069824,4729.290039,4699.709961,4704.810059,4704.810059,3950760000
2024-01-04,null,null,null,null,null,null
2024-01-05,4690.569824,4721.490234,4682.109863,4697.240234,4697.240234,3844370000
"""


def test_yahoo_close_and_adj_close_is_a_question(tmp_path: Path) -> None:
    path = write(tmp_path, "^GSPC.csv", YAHOO)
    with pytest.raises(ImportQuestion) as info:
        read_export(path)
    text = info.value.render()
    assert "'^GSPC.csv' has 'Close' and 'Adj Close': which one is the close?" in text
    assert "--column 'Close' or --column 'Adj Close'" in text


def test_yahoo_with_column_chosen(tmp_path: Path) -> None:
    path = write(tmp_path, "^GSPC.csv", YAHOO)
    report = read_export(path, column="Close", symbol="SPX")
    assert report.frame.columns == ["date", "close", "open", "high", "low", "volume"]
    assert report.frame["date"].to_list() == [D(2024, 1, 2), D(2024, 1, 3), D(2024, 1, 5)]
    assert report.frame["close"][0] == pytest.approx(4742.830078)
    assert report.frame.schema["volume"] == pl.Int64
    assert report.dropped == {"close missing ('null')": [4]}
    assert report.columns["close"] == "Close" and "Adj Close" in report.ignored
    assert report.date_format == "YYYY-MM-DD" and report.delimiter == ","
    adjusted = read_export(path, column="adj close")  # any letter case
    assert adjusted.columns["close"] == "Adj Close" and adjusted.symbol == "^GSPC"


def test_an_adjusted_close_gets_its_open_high_and_low_in_its_units(tmp_path: Path) -> None:
    """With --column 'Adj Close', the traded Open, High and Low were written beside the
    adjusted close: a stock whose dividends put Adj Close 30% under Close read a next-open
    entry (close[t+h] / open[t+1] - 1) as a 30% loss and a high below the close. They are
    now scaled by Adj Close / Close on their row; a row without a traded close keeps its
    close and loses them."""
    path = write(
        tmp_path, "AAA.csv",
        "Date,Open,High,Low,Close,Adj Close,Volume\n"
        "2024-01-02,100,102,99,101,70.7,1000\n"
        "2024-01-03,101,103,100,102,71.4,1200\n"
        "2024-01-04,101,103,100,null,72.1,1300\n",
    )
    report = read_export(path, column="Adj Close")
    rows = report.frame.rows()
    assert rows[0][:5] == pytest.approx((D(2024, 1, 2), 70.7, 100 * 0.7, 102 * 0.7, 99 * 0.7))
    assert rows[1][:5] == pytest.approx((D(2024, 1, 3), 71.4, 101 * 0.7, 103 * 0.7, 100 * 0.7))
    assert rows[2] == (D(2024, 1, 4), 72.1, None, None, None, 1300)  # no traded close: no ratio
    assert [r[5] for r in rows] == [1000, 1200, 1300]  # volumes as they are
    assert "'Open', 'High' and 'Low' scaled by 'Adj Close' / 'Close' on each row, to the adjusted close's units" in report.notes
    traded = read_export(path, column="Close")  # the traded close: the prices as they are
    assert traded.frame.rows()[0][:5] == (D(2024, 1, 2), 101.0, 100.0, 102.0, 99.0) and not traded.notes


def test_a_column_with_no_value_is_not_said_to_be_read(tmp_path: Path) -> None:
    """An index's Investing export with 'Vol.' empty on every row: the import said
    "columns: ..., volume <- 'Vol.'" and wrote no volume column."""
    path = write(
        tmp_path, "inv.csv",
        '"Date","Price","Open","Vol.","Change %"\n"Jan 03, 2024","4,704.81","4,725.07","","-0.80%"\n'
        '"Jan 02, 2024","4,742.83","4,745.20","-","-0.57%"\n',
    )
    report = read_export(path)
    assert report.frame.columns == ["date", "close", "open"]
    assert report.columns == {"date": "Date", "close": "Price", "open": "Open"}
    assert report.ignored == ("Vol.", "Change %")
    assert "'Vol.' has no value on any row: not written" in report.notes
    assert "columns: date <- 'Date', close <- 'Price', open <- 'Open'; ignored 'Vol.', 'Change %'" in report.describe()


def test_stooq_plain(tmp_path: Path) -> None:
    path = write(tmp_path, "spx_d.csv", "Date,Open,High,Low,Close,Volume\n2024-01-02,4745.2,4754.33,4722.67,4742.83,2278925824\n2024-01-03,4725.07,4729.29,4699.71,4704.81,2310183424\n")
    report = read_export(path)
    assert report.symbol == "spx_d" and report.symbol_from == "the file name"
    assert report.frame.rows()[1] == (D(2024, 1, 3), 4704.81, 4725.07, 4729.29, 4699.71, 2310183424)


def test_stooq_bracketed_header(tmp_path: Path) -> None:
    text = (
        "<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>\n"
        "^SPX,D,20240103,000000,4725.07,4729.29,4699.71,4704.81,2310183424,0\n"
        "^SPX,D,20240102,000000,4745.2,4754.33,4722.67,4742.83,2278925824,0\n"
    )
    report = read_export(write(tmp_path, "spx.txt", text))
    assert report.symbol == "^SPX" and report.symbol_from == "the '<TICKER>' column"
    assert report.date_format == "YYYYMMDD"
    assert report.frame["date"].to_list() == [D(2024, 1, 2), D(2024, 1, 3)]
    assert "rows were newest first: written oldest first" in report.notes
    assert set(report.ignored) == {"<TICKER>", "<PER>", "<TIME>", "<OPENINT>"}
    weekly = write(tmp_path, "w.txt", text.replace(",D,", ",W,"))
    with pytest.raises(DataError, match="is not daily data"):
        read_export(weekly)


def test_fred_date_series_with_dots(tmp_path: Path) -> None:
    path = write(tmp_path, "fredgraph.csv", "DATE,SP500\n2024-01-01,.\n2024-01-02,4742.83\n2024-01-03,4704.81\n2024-01-15,.\n")
    report = read_export(path)
    assert report.symbol == "SP500" and report.symbol_from == "FRED's series column"
    assert report.frame.rows() == [(D(2024, 1, 2), 4742.83), (D(2024, 1, 3), 4704.81)]
    assert report.dropped == {"close missing ('.')": [2, 5]}
    assert "dropped 2 rows: close missing ('.') (lines 2, 5)" in report.describe()


def test_fred_observation_date_with_empty_values(tmp_path: Path) -> None:
    path = write(tmp_path, "DGS10.csv", "observation_date,DGS10\n2024-01-01,\n2024-01-02,3.95\n2024-01-03,3.91\n")
    report = read_export(path)
    assert report.columns == {"date": "observation_date", "close": "DGS10"}
    assert report.dropped == {"close missing (empty)": [2]}


INVESTING = """\
"Date","Price","Open","High","Low","Vol.","Change %"
"Jan 03, 2024","4,704.81","4,725.07","4,729.29","4,699.71","2.31B","-0.80%"
"Jan 02, 2024","4,742.83","4,745.20","4,754.33","4,722.67","450.5K","-0.57%"
"Dec 29, 2023","4,769.83","4,782.88","4,788.43","4,751.99","-","-0.28%"
"""


def test_investing_text_months_and_thousands(tmp_path: Path) -> None:
    report = read_export(write(tmp_path, "S&P 500 Historical Data.csv", INVESTING), symbol="SPX")
    assert report.date_format == "Mon DD, YYYY" and report.decimal == "."
    assert report.columns == {"date": "Date", "close": "Price", "open": "Open", "high": "High", "low": "Low", "volume": "Vol."}
    assert report.ignored == ("Change %",)
    assert report.frame.rows() == [
        (D(2023, 12, 29), 4769.83, 4782.88, 4788.43, 4751.99, None),
        (D(2024, 1, 2), 4742.83, 4745.2, 4754.33, 4722.67, 450500),
        (D(2024, 1, 3), 4704.81, 4725.07, 4729.29, 4699.71, 2310000000),
    ]


def test_investing_file_name_is_not_a_symbol(tmp_path: Path) -> None:
    with pytest.raises(ImportQuestion, match=r"what is the symbol of 'S&P 500 Historical Data.csv'"):
        read_export(write(tmp_path, "S&P 500 Historical Data.csv", INVESTING))


def test_investing_month_first_numeric_dates(tmp_path: Path) -> None:
    text = '"Date","Price","Open","High","Low","Vol.","Change %"\n"01/16/2024","4,765.98","4,772.35","4,782.34","4,747.12","","-0.37%"\n"01/02/2024","4,742.83","4,745.20","4,754.33","4,722.67","","-0.57%"\n'
    report = read_export(write(tmp_path, "SPX.csv", text))
    assert report.date_format == "MM/DD/YYYY"
    assert report.frame["date"].to_list() == [D(2024, 1, 2), D(2024, 1, 16)]
    assert any("month first" in n for n in report.notes)
    assert "volume" not in report.frame.columns  # all empty


def test_semicolon_decimal_comma_day_first_dots(tmp_path: Path) -> None:
    text = "Datum;Eröffnung;Hoch;Tief;Schluss;Volumen\n02.01.2024;4.745,20;4.754,33;4.722,67;4.742,83;1.234\n13.01.2024;4.725,07;4.729,29;4.699,71;4.704,81;\n"
    report = read_export(write(tmp_path, "SPX.csv", text, encoding="cp1252"))
    assert report.delimiter == ";" and report.decimal == "," and report.encoding == "windows-1252"
    assert report.date_format == "DD.MM.YYYY"
    assert report.frame.rows() == [
        (D(2024, 1, 2), 4742.83, 4745.2, 4754.33, 4722.67, 1234),
        (D(2024, 1, 13), 4704.81, 4725.07, 4729.29, 4699.71, None),
    ]


@pytest.mark.parametrize(("text", "asked", "point", "comma"), [
    ("Datum;Schluss\n02.01.2024;4.700\n03.01.2024;4.710\n15.01.2024;4.720\n", "'4.700' in 'X.csv' 4.7 or 4700", 4.7, 4700.0),
    ("date,close\n2024-01-02,\"1,234\"\n2024-01-03,\"1,240\"\n", "'1,234' in 'X.csv' 1234 or 1.234", 1234.0, 1.234),
])
def test_a_decimal_mark_no_value_shows_is_asked_not_guessed(tmp_path: Path, text: str, asked: str, point: float, comma: float) -> None:
    """Whole prices grouped by a point ('4.700', a German export) were read as 4.7, a
    thousand times too small, with 'assumed' as the only word: the docs say it asks."""
    path = write(tmp_path, "X.csv", text)
    with pytest.raises(ImportQuestion, match=f"is {asked}\\? No value in the file shows its decimal mark") as found:
        read_export(path)
    assert "--decimal point" in (found.value.hint or "") and "--decimal comma" in (found.value.hint or "")
    assert read_export(path, decimal="point").frame["close"][0] == point
    assert read_export(path, decimal="comma").frame["close"][0] == comma
    assert read_export(write(tmp_path, "Y.csv", "date,close\n2024-01-02,4700\n2024-01-03,4710\n")).frame["close"][0] == 4700  # no mark at all: nothing to ask


@pytest.mark.parametrize(("text", "decimal", "closes"), [
    ('date,close\n2024-01-02,"1,234,567"\n2024-01-03,"1,234,568"\n', ".", [1234567.0, 1234568.0]),
    ("Datum;Schluss\n02.01.2024;1.234.567\n03.01.2024;1.234.568\n15.01.2024;1.234.569\n", ",", [1234567.0, 1234568.0, 1234569.0]),
    ('date,close\n2024-01-02,"1,234"\n2024-01-03,"1,234,568"\n', ".", [1234.0, 1234568.0]),
])
def test_two_thousands_groups_show_the_decimal_mark(tmp_path: Path, text: str, decimal: str, closes: list[float]) -> None:
    """Whole prices with two groups of thousands ('1,234,567': a price in won or rupiah)
    stopped the import with a TypeError (the question tried to read '1,234,567' with a
    decimal comma); a mark written twice in one number groups thousands, so the other
    one is the decimal mark, and nothing is left to ask."""
    report = read_export(write(tmp_path, "X.csv", text))
    assert (report.decimal, report.decimal_evidence) == (decimal, True)
    assert report.frame["close"].to_list() == closes


def test_tab_separated(tmp_path: Path) -> None:
    report = read_export(write(tmp_path, "NDX.tsv", "date\tclose\n2024-01-02\t16543.94\n2024-01-03\t16368.49\n"))
    assert report.delimiter == "\t" and report.frame["close"].to_list() == [16543.94, 16368.49]
    assert "tab-separated" in report.describe()


def test_old_mac_line_endings_import(tmp_path: Path) -> None:
    """Lines ended by a carriage return alone (Excel for Mac's 'CSV (Macintosh)') were
    'not a table of prices the importer can read (new-line character seen in unquoted
    field ...)': the csv module was given the text without its newline handling."""
    path = write(tmp_path, "X.csv", "Date,Close\r2024-01-02,10.5\r2024-01-03,x\r")
    with pytest.raises(DataError, match="non-numeric close 'x'") as found:
        read_export(path)
    assert found.value.location is not None and found.value.location.line == 3
    report = read_export(write(tmp_path, "Y.csv", "Date,Close\r2024-01-02,10.5\r2024-01-03,11\r"))
    assert report.frame["close"].to_list() == [10.5, 11.0] and report.rows_read == 2


def test_day_first_slashes_settled_by_a_day_above_12(tmp_path: Path) -> None:
    report = read_export(write(tmp_path, "X.csv", "Date,Close\n02/01/2024,10\n15/01/2024,11\n"))
    assert report.date_format == "DD/MM/YYYY"
    assert report.frame["date"].to_list() == [D(2024, 1, 2), D(2024, 1, 15)]


def test_ambiguous_dates_are_a_question(tmp_path: Path) -> None:
    path = write(tmp_path, "X.csv", "Date,Close\n02/01/2024,10\n03/01/2024,11\n")
    with pytest.raises(ImportQuestion) as info:
        read_export(path)
    text = info.value.render()
    assert "day first or month first? '02/01/2024' reads as 02 January 2024 (DD/MM/YYYY) or 01 February 2024 (MM/DD/YYYY)" in text
    assert "--date-format dmy" in text and "--date-format mdy" in text
    assert read_export(path, date_format="dmy").frame["date"].to_list() == [D(2024, 1, 2), D(2024, 1, 3)]
    assert read_export(path, date_format="mdy").frame["date"].to_list() == [D(2024, 2, 1), D(2024, 3, 1)]
    assert read_export(path, date_format="%d/%m/%Y").frame["date"][0] == D(2024, 1, 2)
    with pytest.raises(DataError, match="--date-format 'dd' is not understood"):
        read_export(path, date_format="dd")


def test_iso_datetimes_keep_the_date(tmp_path: Path) -> None:
    report = read_export(write(tmp_path, "X.csv", "Date,Close\n2024-01-02 00:00:00-05:00,10\n2024-01-03 00:00:00-05:00,11\n"))
    assert report.frame["date"].to_list() == [D(2024, 1, 2), D(2024, 1, 3)]


YFINANCE = """\
Price,Close,High,Low,Open,Volume
Ticker,^GSPC,^GSPC,^GSPC,^GSPC,^GSPC
Date,,,,,
2024-01-02,4742.830078,4754.33,4722.67,4745.2,3743050000
2024-01-03,4704.81,4729.29,4699.71,4725.07,3950760000
"""


def test_yfinance_three_line_header_imports(tmp_path: Path) -> None:
    """yfinance's download(...).to_csv() writes 'Price,...', 'Ticker,...' and 'Date,,,' above
    the rows: it was refused with "no date column; the columns are 'Price', 'Close', ..." and
    a hint to rename a column. It is read as one header, the ticker naming the series."""
    report = read_export(write(tmp_path, "spx.csv", YFINANCE))
    assert report.symbol == "^GSPC" and report.symbol_from == "the 'Ticker' column"
    assert report.frame.columns == ["date", "close", "open", "high", "low", "volume"]
    assert report.frame["date"].to_list() == [D(2024, 1, 2), D(2024, 1, 3)] and report.frame["close"][1] == pytest.approx(4704.81)
    several = YFINANCE.replace("Ticker,^GSPC,^GSPC,^GSPC,^GSPC,^GSPC", "Ticker,SPY,QQQ,SPY,QQQ,SPY")
    with pytest.raises(DataError, match=r"holds several tickers \('SPY', 'QQQ'\) in its 'Ticker' line") as info:
        read_export(write(tmp_path, "two.csv", several))
    assert "two.csv:2:" in info.value.render()


def test_two_columns_of_one_name_are_refused_not_offered_to_column(tmp_path: Path) -> None:
    """'Date,Close,Close': asked "which one is the close?" with the hint "--column 'Close' or
    --column 'Close'", which cannot choose (and --column 'Close' took the first in silence)."""
    path = write(tmp_path, "X.csv", "Date,Close,Close\n2024-01-02,10,11\n")
    for column in (None, "Close"):
        with pytest.raises(DataError) as info:
            read_export(path, column=column)
        assert "columns 2 and 3 of 'X.csv' are both named 'Close': which one is the close?" in info.value.render()
        assert "rename them in the header line" in info.value.render()


def test_two_close_candidates_without_adjustment_is_a_question(tmp_path: Path) -> None:
    with pytest.raises(ImportQuestion, match="has 'Close' and 'Price': which one is the close"):
        read_export(write(tmp_path, "X.csv", "Date,Close,Price\n2024-01-02,1,2\n"))


def test_no_close_candidate_is_a_question(tmp_path: Path) -> None:
    with pytest.raises(ImportQuestion, match=r"which column of 'X.csv' is the close"):
        read_export(write(tmp_path, "X.csv", "Date,Foo,Bar\n2024-01-02,1,2\n"))


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("Date,Close\n2024-01-02,10\nnot a date,11\n", 3, "unparseable date 'not a date'"),
        ("Date,Close\n2024-01-02,10\n,11\n2024-01-04,12\n", 3, "missing date in 'X.csv': the date field is empty"),  # not "unparseable date ''"
        ("Date,Close\n2024-01-02,10\n  ,11\n", 3, "missing date in 'X.csv': the date field is empty"),
        ("Date,Close\n2024-01-02,10\n2024-01-03,abc\n", 3, "non-numeric close 'abc'"),
        ("Date,Close\n2024-01-02,10\n2024-01-03,-1\n", 3, "non-positive close '-1'"),
        ("Date,Close\n2024-01-02,10\n2024-01-02,11\n", 3, "date '2024-01-02' appears with different values on lines 2, 3"),
        ("Date,Close\n2024-01-02,10\n2024-01-03,11,12,13\n", 3, "line 3 of 'X.csv' has 4 fields, the header has 2"),
    ],
)
def test_malformed_rows_stop_the_import_at_their_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    with pytest.raises(DataError) as info:
        read_export(write(tmp_path, "X.csv", text))
    assert f"X.csv:{line}:" in info.value.render()
    assert message in info.value.render()


def test_exact_repeats_are_dropped_and_reported(tmp_path: Path) -> None:
    report = read_export(write(tmp_path, "X.csv", "Date,Close\n2024-01-02,10\n2024-01-02,10\n2024-01-03,11\n"))
    assert report.frame.height == 2
    assert report.dropped == {"repeated row (same date and values)": [3]}


# --------------------------------------------------------------------------- writing


def test_import_writes_the_canonical_file_that_the_loader_reads(tmp_path: Path) -> None:
    path = write(tmp_path, "inv.csv", INVESTING)
    data = tmp_path / "data"
    report = import_file(path, data, symbol="SPX")
    assert report.action == "written" and report.target == data / "SPX.csv"
    assert (data / "SPX.csv").read_text().splitlines() == [
        "date,close,open,high,low,volume",
        "2023-12-29,4769.83,4782.88,4788.43,4751.99,",
        "2024-01-02,4742.83,4745.2,4754.33,4722.67,450500",
        "2024-01-03,4704.81,4725.07,4729.29,4699.71,2310000000",
    ]
    assert load_prices(data, ["SPX"]).frame["close"].to_list() == [4769.83, 4742.83, 4704.81]
    assert [p.name for p in data.iterdir()] == ["SPX.csv"]  # no temp file left


def test_overwrite_needs_force_unless_identical(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = write(tmp_path, "a.csv", "Date,Close\n2024-01-02,10\n")
    second = write(tmp_path, "b.csv", "Date,Close\n2024-01-02,12\n")
    import_file(first, data, symbol="X")
    assert import_file(first, data, symbol="X").action == "unchanged"
    with pytest.raises(DataError, match="already exists with different content") as info:
        import_file(second, data, symbol="X")
    assert "--force" in info.value.render()
    assert (data / "X.csv").read_text() == "date,close\n2024-01-02,10.0\n"
    assert import_file(second, data, symbol="X", force=True).action == "replaced"
    assert (data / "X.csv").read_text() == "date,close\n2024-01-02,12.0\n"
    assert import_file(first, data, symbol="X", force=True, dry_run=True).action == "dry run"
    assert (data / "X.csv").read_text() == "date,close\n2024-01-02,12.0\n"


def test_refuses_a_second_file_for_the_same_symbol(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "spx.parquet").write_bytes(b"")
    with pytest.raises(DataError, match="already holds 'SPX'"):
        import_file(write(tmp_path, "a.csv", "Date,Close\n2024-01-02,10\n"), data, symbol="SPX")


def test_a_symbol_filed_in_another_letter_case_says_how_to_replace_it(tmp_path: Path) -> None:
    """Re-importing a fresher export as 'spx' beside 'SPX.csv' was refused even with
    --force, with the hint 'remove or rename that file, or import under another name':
    the way to update it (--symbol SPX --force) went unsaid."""
    data = tmp_path / "data"
    export = write(tmp_path, "a.csv", "Date,Close\n2024-01-02,10\n")
    import_file(export, data, symbol="SPX")
    fresher = write(tmp_path, "b.csv", "Date,Close\n2024-01-02,10\n2024-01-03,11\n")
    with pytest.raises(DataError) as info:
        import_file(fresher, data, symbol="spx", force=True)
    assert info.value.hint == (
        "to replace it, import as --symbol SPX --force; else remove or rename that file, or import under another name with --symbol"
    )
    assert import_file(fresher, data, symbol="SPX", force=True).action == "replaced"


def test_several_files_are_all_checked_before_any_is_written(tmp_path: Path) -> None:
    data = tmp_path / "data"
    good = write(tmp_path, "A.csv", "Date,Close\n2024-01-02,10\n")
    bad = write(tmp_path, "B.csv", "Date,Close\n2024-01-02,x\n")
    with pytest.raises(DataError, match="non-numeric close"):
        import_files([good, bad], data)
    assert not data.exists()
    with pytest.raises(DataError, match="--symbol names one series"):
        import_files([good, bad], data, symbol="X")
    same = write(tmp_path, "sub_a.csv", "Date,Close\n2024-01-02,10\n")
    (tmp_path / "sub").mkdir()
    other = write(tmp_path / "sub", "A.csv", "Date,Close\n2024-01-02,10\n")
    with pytest.raises(DataError, match=r"would both become 'A.csv'"):
        import_files([good, other, same], data)


def test_cli_import_reports_what_it_detected(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    parser = argparse.ArgumentParser()
    add_data_commands(parser.add_subparsers(dest="command"))
    path = write(tmp_path, "^GSPC.csv", YAHOO)
    data = tmp_path / "data"
    with pytest.raises(ImportQuestion):
        run_data(parser.parse_args(["data", "import", str(path), "--data-dir", str(data)]))
    code = run_data(parser.parse_args(["data", "import", str(path), "--data-dir", str(data), "--symbol", "SPX", "--column", "Close"]))
    out = capsys.readouterr().out
    assert code == 0
    assert "(written)" in out and "detected: comma-separated, utf-8, dates YYYY-MM-DD, decimal point" in out
    assert "close <- 'Close'" in out and "rows: 4 read, 3 kept, 2024-01-02 .. 2024-01-05" in out
    assert "dropped 1 row: close missing ('null') (line 4)" in out
    monkeypatch.delenv("EVENTSTUDY_DATA", raising=False)
    with pytest.raises(DataError, match="where should the imported files go"):
        run_data(parser.parse_args(["data", "import", str(path)]))


@pytest.mark.parametrize("value", ["1e400", "inf", "-1e999"])  # ("nan" is a missing-value marker: dropped, and said)
def test_a_number_beyond_floats_is_refused_not_written_as_inf(tmp_path: Path, value: str) -> None:
    """Issue 15: 1e400 was written as inf and called kept."""
    path = write(tmp_path, "x.csv", f"date,close\n2020-01-02,100\n2020-01-03,{value}\n2020-01-06,101\n")
    with pytest.raises(DataError) as info:
        read_export(path)
    rendered = info.value.render()
    assert "x.csv:3" in rendered and f"close {value!r}" in rendered


def test_a_field_beyond_the_csv_limit_is_a_message(tmp_path: Path) -> None:
    path = write(tmp_path, "big.csv", "date,close\n2020-01-02," + "1" * 140_000 + "\n")
    with pytest.raises(DataError, match="is not a table of prices the importer can read"):
        read_export(path)


# --------------------------------------------------------------------------- one vocabulary


@pytest.mark.parametrize("date", DATE_COLUMNS)
@pytest.mark.parametrize("close", [c for c in CLOSE_COLUMNS if c not in ADJUSTED_CLOSE_COLUMNS])
def test_every_header_a_data_file_may_use_imports(tmp_path: Path, date: str, close: str) -> None:
    """One vocabulary: a file the data directory reads as it is, ``data import`` reads
    too, with the same columns in the same roles (and any letter case)."""
    path = write(tmp_path, "X.csv", f"{date.upper()},{close.title()}\n2024-01-02,10\n2024-01-03,11\n")
    report = read_export(path)
    assert report.columns == {"date": date.upper(), "close": close.title()}
    assert load_prices(tmp_path, ["X"]).frame["close"].to_list() == report.frame["close"].to_list() == [10.0, 11.0]


def test_missing_markers_of_the_loader_are_dropped_rows_on_import(tmp_path: Path) -> None:
    rows = "".join(f"2024-01-{i + 2:02d},{marker}\n" for i, marker in enumerate(MISSING_VALUES))
    report = read_export(write(tmp_path, "X.csv", "date,close\n" + rows + "2024-02-01,5\n"))
    assert report.rows == 1 and sum(len(lines) for lines in report.dropped.values()) == len(MISSING_VALUES)


def test_imported_files_get_the_usual_permissions(tmp_path: Path) -> None:
    """The importer writes through the shared atomic writer: not the private 0600 of a temporary file."""
    import os

    mask = os.umask(0o022)
    os.umask(mask)
    target = import_file(write(tmp_path, "a.csv", "Date,Close\n2024-01-02,10\n"), tmp_path / "data", symbol="X").target
    assert target is not None and target.stat().st_mode & 0o777 == 0o666 & ~mask


# --------------------------------------------------------------------------- not a CSV at all

_ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"xl/worksheets/sheet1.xml<row>1,2,3</row>\n" * 3
_NOT_TEXT = [
    (gzip.compress(b"date,close\n2020-01-02,10\n"), "it is gzip-compressed", "decompress it first"),
    (_ZIP, "it is a zip archive (an Excel .xlsx workbook is one)", "save the sheet as CSV"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "it is a PNG image", "export the prices as CSV text"),
    (bytes((i * 167 + 13) % 256 for i in range(3000)), "it is binary, not text", "export the prices as CSV text"),
]


@pytest.mark.parametrize(("content", "said", "hint"), _NOT_TEXT, ids=["gzip", "xlsx", "png", "random"])
def test_a_file_that_is_not_text_is_named_as_what_it_is_not_echoed(tmp_path: Path, content: bytes, said: str, hint: str) -> None:
    """A gzip, an Excel workbook, an image or random bytes saved as .csv: the error showed
    the file's first bytes as its header ("no date column in 'x.csv'; the columns are
    'PK\\x03\\x04\\x14...'", or under a caret) instead of saying it is no CSV text."""
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(DataError) as info:
        read_export(path)
    rendered = info.value.render()
    assert rendered.splitlines()[0] == f"{path}: error: 'x.csv' is not a CSV file: {said}", rendered
    assert f"hint: {hint}" in rendered and len(rendered.splitlines()) == 2  # the file's name, no line of its bytes


def test_excels_unicode_text_utf16_export_imports(tmp_path: Path) -> None:
    """Excel's 'Unicode text' is UTF-16 with its byte-order mark: text, read as such (its
    bytes were decoded as Windows-1252, and the header came out as 'ÿþD\\x00a\\x00...')."""
    path = write(tmp_path, "SPX.csv", "Date\tClose\n2024-01-02\t4742.83\n2024-01-03\t4704.81\n", encoding="utf-16")
    report = read_export(path)
    assert report.encoding == "utf-16" and report.frame["close"].to_list() == [4742.83, 4704.81]


@pytest.mark.parametrize("text", ["", "\n\n", "  \r\n"])
def test_an_empty_export_is_called_empty(tmp_path: Path, text: str) -> None:
    """An empty file (or one of blank lines) read "cannot tell how the fields of 'EMPTY.csv'
    are separated (tried comma, semicolon, tab, bar)" with the hint 'a header line and one
    row per day', as if its separator were the problem."""
    path = write(tmp_path, "EMPTY.csv", text)
    with pytest.raises(DataError) as caught:
        read_export(path)
    assert caught.value.message == "'EMPTY.csv' is empty"


@pytest.mark.parametrize("given", ["text", "path"])
def test_one_file_given_to_import_files_as_text_is_refused_with_the_call_to_write(tmp_path: Path, given: str) -> None:
    """A text is a sequence of its letters: import_files('/tmp/exports/GSPC.csv', 'data') read
    "error: cannot read '/': Is a directory" (its first letter), 'GSPC.csv' "file 'G' does not
    exist"; a Path ended in "'PosixPath' object is not iterable"."""
    export = tmp_path / "GSPC.csv"
    export.write_text("Date,Close\n2024-01-02,100\n2024-01-03,101\n")
    paths = str(export) if given == "text" else export
    with pytest.raises(TypeError, match=rf"^paths is the text '{export}': give a list of files, e.g. import_files\(\['{export}'\]\), or import_file\('{export}'\)$"):
        import_files(paths, tmp_path / "data")  # type: ignore[arg-type]
    assert not (tmp_path / "data").exists()
    assert [r.symbol for r in import_files([paths], tmp_path / "data")] == ["GSPC"]
