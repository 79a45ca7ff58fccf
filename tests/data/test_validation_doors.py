"""One standard of checking for every way prices come in (issue 15).

The same bad values go through each door: a data-directory CSV, a long panel file (by
name, and as a universe reads it), a cached series written the way the cache writes it,
``data import`` of an export, and ``eventstudy.run(..., data=...)`` with a polars and a
pandas frame. Each gives the project's DataError (exit code 2 at the command line) naming
where the row is and the bad value. Where a door legitimately differs, the table says so
and why (:data:`DIFFERENT`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

import eventstudy
import eventstudy.data.cache as cache_module
from eventstudy.cli import main
from eventstudy.config import parse_study
from eventstudy.data import load_prices, load_prices_any, read_long_block
from eventstudy.data.cache import Cache
from eventstudy.data.importer import read_export
from eventstudy.data.validate import Origin, check_prices
from eventstudy.errors import DataError

DAYS = ["2020-01-02", "2020-01-03", "2020-01-06", "2020-01-07", "2020-01-08"]
BAD_ROW = 3  # 0-based data row: line 5 of a CSV with its header

# case -> (date text, close text, volume text) of the bad row, and the words every door's message holds
CASES: dict[str, tuple[tuple[str, str, str], str]] = {
    "NaN close": (("2020-01-07", "nan", "100"), "missing close"),
    "inf close": (("2020-01-07", "inf", "100"), "non-finite close 'inf'"),
    "-inf close": (("2020-01-07", "-inf", "100"), "non-finite close '-inf'"),
    "zero close": (("2020-01-07", "0", "100"), "non-positive close '0"),
    "negative close": (("2020-01-07", "-2.5", "100"), "non-positive close '-2.5'"),
    # finite and above 0, and then overflow (1e300) or an infinite inverse (a subnormal) inside a run
    "huge close": (("2020-01-07", "1e+300", "100"), "out-of-range close '1e+300' on '2020-01-07"),
    "subnormal close": (("2020-01-07", "1e-320", "100"), "out-of-range close '1e-320' on '2020-01-07"),
    "repeated date": (("2020-01-06", "13", "100"), "duplicate date '2020-01-06': also on"),
    "date before 1800": (("1799-12-31", "13", "100"), "unparseable date '1799-12-31"),  # (pandas: '1799-12-31 00:00:00', the value as given)
    "date after 2200": (("2201-01-01", "13", "100"), "unparseable date '2201-01-01"),
    "unparseable date": (("2020-13-45", "13", "100"), "unparseable date '2020-13-45'"),
    "negative volume": (("2020-01-07", "13", "-5"), "negative volume '-5"),
    "inf volume": (("2020-01-07", "13", "inf"), "non-finite volume 'inf'"),
    "huge volume": (("2020-01-07", "13", "1e+19"), "out-of-range volume '1e+19' on '2020-01-07"),
}

# (case, door) -> (what the door says instead, or None: the door cannot hold that value) and why
DIFFERENT: dict[tuple[str, str], tuple[str | None, str]] = {
    ("NaN close", "import"): (None, "an export's 'nan' is a missing-value marker: the row is dropped and the report says so"),
    ("repeated date", "import"): (
        "date '2020-01-06' appears with different values on lines 4, 5",
        "an export repeating a row exactly is repaired (dropped, counted); a conflicting repeat is refused with both lines",
    ),
    ("unparseable date", "cache"): (None, "the cache stores typed dates: text cannot be in its date column"),
    ("unparseable date", "polars"): (None, "a frame's Date column cannot hold it; the 'text date' case covers text columns"),
    ("unparseable date", "pandas"): (None, "as for polars"),
    ("repeated date", "polars"): ("duplicate date '2020-01-06': also on row 2", "a frame is sorted first (no lines to point at)"),
    ("repeated date", "pandas"): ("duplicate date '2020-01-06': also on row 2", "as for polars"),
}

DOORS = ["file", "panel by name", "universe panel", "cache", "import", "polars", "pandas"]

STUDY = """\
name: doors
series: {X: X}
when: X at ATH
evaluate:
  - forward_returns: {horizons: [1d], assets: [X]}
statistics: {placebos: 0}
"""
PARSED = parse_study(STUDY, path="doors.yaml")


def rows(case: str) -> list[tuple[str, str, str]]:
    """The series' rows with the case's bad row at :data:`BAD_ROW` (a repeated date repeats row 2's)."""
    good = [(d, f"{10 + i}", f"{100 * (i + 1)}") for i, d in enumerate(DAYS)]
    good[BAD_ROW] = CASES[case][0]
    return good


def csv_text(case: str, symbol: str | None = None) -> str:
    head = "date,symbol,close,volume" if symbol is not None else "date,close,volume"
    return head + "\n" + "".join(f"{d},{symbol + ',' if symbol is not None else ''}{c},{v}\n" for d, c, v in rows(case))


def typed(case: str) -> pl.DataFrame:
    """The rows as a typed frame (Date, Float64), as a notebook or the cache holds them."""
    table = rows(case)
    return pl.DataFrame(
        {"date": [dt.date.fromisoformat(d) for d, _, _ in table], "close": [float(c) for _, c, _ in table], "volume": [float(v) for _, _, v in table]}
    )


def refusal(door: str, case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Callable[[], object], str]:
    """What to call for ``door`` and the words naming where the bad row is."""
    data = tmp_path / "data"
    data.mkdir()
    if door == "file":
        (data / "X.csv").write_text(csv_text(case))
        return lambda: load_prices(data, ["X"]), f"{data / 'X.csv'}:5: error: "
    if door in ("panel by name", "universe panel"):
        other = "".join(f"{d},Y,{20 + i},1\n" for i, d in enumerate(DAYS))
        (data / "panel.csv").write_text(csv_text(case, "X") + other)
        if door == "panel by name":
            return lambda: load_prices(data, ["X"]), f"{data / 'panel.csv'}:5: error: "
        return lambda: read_long_block(data / "panel.csv", None), f"{data / 'panel.csv'}:5: error: "
    if door == "cache":
        cache = Cache(tmp_path / "cache")
        with monkeypatch.context() as patch:  # the cache writes what its reader checks: bypass its own check to plant the row
            patch.setattr(cache_module, "check_prices", lambda *args, **kwargs: None)
            cache.write("yahoo", "X", "X", typed(case), None)
        return lambda: load_prices_any(["X"], cache_dir=cache.root), "X.parquet' is corrupt (row 3 (0-based parquet row index): "
    if door == "import":
        export = tmp_path / "X_export.csv"
        export.write_text("Date,Close,Volume\n" + "".join(f"{d},{c},{v}\n" for d, c, v in rows(case)))
        return lambda: read_export(export, symbol="X"), f"{export}:5: error: "
    frame = typed(case)
    value: object = frame.to_pandas() if door == "pandas" else frame
    return lambda: eventstudy.run(PARSED, data={"X": value}), "data['X'] row 3: "


TABLE = [(case, door) for case in CASES for door in DOORS]


@pytest.mark.parametrize(("case", "door"), TABLE, ids=[f"{c}-{d}" for c, d in TABLE])
def test_every_door_refuses_a_bad_row_alike(case: str, door: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    words = CASES[case][1]
    if (case, door) in DIFFERENT:
        instead, why = DIFFERENT[case, door]
        if instead is None:
            if door == "import":  # the one door that repairs: it must say what it did
                report = refusal(door, case, tmp_path, monkeypatch)[0]()
                assert any("close missing ('nan')" in reason for reason in report.dropped), why  # type: ignore[attr-defined]
            return
        words = instead
    call, where = refusal(door, case, tmp_path, monkeypatch)
    with pytest.raises(DataError) as info:
        call()
    text = info.value.render()
    if door in ("panel by name", "universe panel"):  # a long file's message names the symbol too
        text = text.replace(" for symbol 'X'", "")
    assert where in text and words in text, text
    if case in ("date before 1800", "date after 2200", "unparseable date"):
        assert "years 1800-2200" in text, text  # what would be valid
    if case in ("huge close", "subnormal close"):
        assert "(closes must be from 1e-18 to 1e18)" in text, text


def test_a_text_date_in_a_frame_is_refused_like_a_file(tmp_path: Path) -> None:
    """The 'unparseable date' case for frames, whose date column is text."""
    frame = pl.DataFrame({"date": ["2020-01-02", "2020-13-45"], "close": [1.0, 2.0]})
    for value in (frame, frame.to_pandas()):
        with pytest.raises(DataError, match=r"data\['X'\] row 1: unparseable date '2020-13-45' \(expected YYYY-MM-DD, years 1800-2200\)"):
            eventstudy.run(PARSED, data={"X": value})


def test_a_row_without_a_symbol_is_refused_where_every_symbol_is_read(tmp_path: Path) -> None:
    """An empty symbol belongs to no series: a universe (every symbol) refuses it at its
    line; a load by name reads only the rows of the names asked for (checks are per
    symbol), and an own file, a frame, the cache and an export name their one series
    otherwise (file name, key, file name, --symbol or ticker column)."""
    panel = tmp_path / "panel.csv"
    panel.write_text("date,symbol,close\n2020-01-02,X,1\n2020-01-02,,2\n2020-01-03,X,3\n")
    with pytest.raises(DataError) as info:
        read_long_block(panel, None)
    assert f"{panel}:3: error: missing symbol: the 'symbol' field is empty" in info.value.render()
    assert load_prices(tmp_path, ["X"]).frame["close"].to_list() == [1.0, 3.0]


def test_unsorted_rows_are_refused_by_files_and_the_cache_and_sorted_by_frames_and_import(tmp_path: Path) -> None:
    """The one door difference in ordering: a file (and the cache, which writes sorted) has
    lines to point at and is refused; a frame has none and an export is a download to
    repair, so both are sorted (an import says so in its report)."""
    text = "date,close\n2020-01-03,2\n2020-01-02,1\n"
    (tmp_path / "X.csv").write_text(text)
    with pytest.raises(DataError, match="dates out of order"):
        load_prices(tmp_path, ["X"])
    with pytest.raises(DataError, match=r"'X.parquet': row 1 .*dates out of order|dates out of order"):
        check_prices(pl.DataFrame({"date": [dt.date(2020, 1, 3), dt.date(2020, 1, 2)], "close": [2.0, 1.0]}), Origin("'X.parquet'", rows="parquet"))
    frame = pl.DataFrame({"date": [dt.date(2020, 1, 3), dt.date(2020, 1, 2)], "close": [2.0, 1.0]})
    from eventstudy.frames import prices_from_frames

    assert prices_from_frames({"X": frame}, ["X"])["close"].to_list() == [1.0, 2.0]
    export = tmp_path / "export.csv"
    export.write_text(text)
    report = read_export(export, symbol="X")
    assert report.frame["close"].to_list() == [1.0, 2.0] and "rows were newest first: written oldest first" in report.notes


def test_a_zero_open_is_missing_at_every_door(tmp_path: Path) -> None:
    """Some sources write 0 for 'no open': it is null that day wherever it comes in, not a refusal."""
    (tmp_path / "X.csv").write_text("date,close,open\n2020-01-02,10,0\n2020-01-03,11,10.5\n")
    assert load_prices(tmp_path, ["X"]).frame["open"].to_list() == [None, 10.5]
    frame = pl.DataFrame({"date": [dt.date(2020, 1, 2), dt.date(2020, 1, 3)], "close": [10.0, 11.0], "open": [0.0, 10.5]})
    from eventstudy.frames import prices_from_frames

    assert prices_from_frames({"X": frame}, ["X"])["open"].to_list() == [None, 10.5]
    assert read_export(tmp_path / "X.csv", symbol="X").frame["open"].to_list() == [None, 10.5]
    cache = Cache(tmp_path / "cache")
    cache.write("yahoo", "X", "X", frame, None)
    assert load_prices_any(["X"], cache_dir=cache.root).frame["open"].to_list() == [None, 10.5]


@pytest.mark.parametrize("door", ["run", "universe", "import", "cache"])
def test_the_command_line_exits_2_with_the_located_message(door: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    study = tmp_path / "s.yaml"
    study.write_text(STUDY)
    if door == "run":
        (data / "X.csv").write_text(csv_text("inf close"))
        argv = ["run", str(study), "--data-dir", str(data)]
    elif door == "universe":
        (data / "X.csv").write_text(csv_text("zero close").replace(",0,", ",13,"))
        other = "".join(f"{d},Y,{20 + i},1\n" for i, d in enumerate(DAYS))
        (data / "panel.csv").write_text(csv_text("inf close", "Z") + other)
        study.write_text(STUDY.replace("series: {X: X}", "series: {X: X}\nuniverse: {data_file: panel.csv}").replace(", assets: [X]", ""))
        argv = ["run", str(study), "--data-dir", str(data)]
    elif door == "import":
        export = tmp_path / "X_export.csv"
        export.write_text("Date,Close,Volume\n" + "".join(f"{d},{c},{v}\n" for d, c, v in rows("inf close")))
        argv = ["data", "import", str(export), "--data-dir", str(data), "--symbol", "X"]
    else:
        cache = Cache(tmp_path / "cache")
        with monkeypatch.context() as patch:
            patch.setattr(cache_module, "check_prices", lambda *args, **kwargs: None)
            cache.write("yahoo", "X", "X", typed("inf close"), None)
        argv = ["run", str(study), "--cache-dir", str(cache.root)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "non-finite close 'inf' on '2020-01-07'" in err and "Traceback" not in err, err


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("2020-01-03,inf,0.0001", ":4: error: non-finite mkt_rf 'inf' on '2020-01-03'"),
        ("2201-01-02,0.01,0.0001", ":4: error: date '2201-01-02' is outside the years 1800-2200"),
        ("2020-01-02,0.02,0.0001", ":4: error: duplicate date '2020-01-02': also on line 2"),
        # a bad value or date was polars' message (with its advice) and no line
        ("2020-01-03,abc,0.0001", ":4: error: non-numeric mkt_rf 'abc' on '2020-01-03'"),
        ("2020/01/03,0.01,0.0001", ":4: error: unparseable date '2020/01/03' (expected YYYY-MM-DD)"),
        (",0.01,0.0001", ":4: error: missing date: the 'date' field is empty"),
    ],
)
def test_a_factors_file_read_by_the_event_study_follows_the_return_rules(row: str, expected: str, tmp_path: Path) -> None:
    """factors.csv (written by data import --french, or by hand) is checked by the same
    rules as the French reader: dates in range and once each, values finite (negative is
    fine: they are returns), each bad row named by its line as an editor shows it (a
    blank line counts) with the value, as a prices file's is."""
    from eventstudy.data.french import read_factors

    path = tmp_path / "factors.csv"
    path.write_text(f"date,mkt_rf,rf\n2020-01-02,-0.01,0.0001\n\n{row}\n2020-01-06,0.01,\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_factors(path)
    assert info.value.render().startswith(f"{path}{expected}\n  hint: "), info.value.render()


def test_a_good_factors_file_reads_with_blank_lines_and_missing_values(tmp_path: Path) -> None:
    from eventstudy.data.french import read_factors

    path = tmp_path / "factors.csv"
    path.write_text("date,mkt_rf,rf\n2020-01-03, 0.02 ,0.0001\n\n2020-01-02,-0.01,\n", encoding="utf-8")
    frame = read_factors(path)
    assert frame.schema == {"date": pl.Date, "mkt_rf": pl.Float64, "rf": pl.Float64}
    assert frame.rows() == [(dt.date(2020, 1, 2), -0.01, None), (dt.date(2020, 1, 3), 0.02, 0.0001)]
