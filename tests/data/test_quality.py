"""The data-quality report and the fast checks `eventstudy run` prints."""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from synthetic import business_days

from eventstudy.cli_data import EXIT_PROBLEMS, add_data_commands, run_data
from eventstudy.data.cache import Cache
from eventstudy.data.quality import _quick_flags, check_data, check_series, quick_check
from eventstudy.errors import ConfigError, DataError

D = dt.date



def calm(n: int, seed: float = 0.0) -> list[float]:
    """A gently wandering series: moves of a fraction of a percent, no two closes equal."""
    closes, level = [], 100.0
    for i in range(n):
        level *= 1 + 0.004 * ((i * 7 + int(seed)) % 5 - 2) / 2 + 0.0001
        closes.append(round(level, 4))
    return closes


def write(path: Path, rows: list[tuple[str, str]]) -> None:
    path.write_text("date,close\n" + "".join(f"{d},{c}\n" for d, c in rows))


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    days = business_days(60)
    write(folder / "SPX.csv", [(d.isoformat(), str(c)) for d, c in zip(days, calm(60))])
    return folder


def parse() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    add_data_commands(parser.add_subparsers(dest="command"))
    return parser


def test_clean_series_against_itself(data: Path) -> None:
    report = check_data(data_dir=data)
    spx = report.series[0]
    assert report.reference == "SPX" and report.reference_rows == 60
    assert (spx.rows, spx.first, spx.last, spx.errors, spx.warnings) == (60, D(2024, 1, 1), D(2024, 3, 22), 0, 0)
    assert spx.gaps is None  # the reference has no gaps against itself
    assert not report.has_errors


def test_loader_refusals_are_counted_not_raised(data: Path) -> None:
    days = business_days(10)
    rows = [(d.isoformat(), str(100 + i)) for i, d in enumerate(days)]
    rows[3] = (days[2].isoformat(), "103")  # repeated date
    rows[5] = (rows[5][0], ".")  # missing close
    rows[6] = (rows[6][0], "-4")  # non-positive close
    rows[8], rows[9] = rows[9], rows[8]  # out of order
    rows.append(("not a date", "1"))
    write(data / "BAD.csv", rows)
    bad = check_data(["BAD"], data_dir=data).series[1]
    assert (bad.duplicates, bad.missing, bad.non_positive, bad.unsorted, bad.bad_dates) == (1, 1, 1, 1, 1)
    assert bad.duplicate_dates == [days[2]] and bad.missing_dates == [days[5]] and bad.unsorted_dates == [days[8]]
    assert bad.bad_date_lines == [12]
    text = check_data(["BAD"], data_dir=data).render_text()
    assert "error: 1 repeated date(s): 2024-01-03" in text and "error: 1 missing or infinite close(s): 2024-01-08" in text


def test_what_the_loader_refuses_the_check_counts_as_errors_too(data: Path) -> None:
    """An infinite close and a file with a header alone: the check passed both (exit 0)
    while `run` refused them."""
    days = business_days(10)
    rows = [(d.isoformat(), str(100 + i)) for i, d in enumerate(days)]
    rows[4] = (rows[4][0], "inf")
    write(data / "INF.csv", rows)
    write(data / "HEAD.csv", [])
    report = check_data(["INF", "HEAD"], data_dir=data)
    infinite, alone = report.series[1], report.series[2]
    assert (infinite.missing, infinite.missing_dates, alone.rows) == (1, [days[4]], 0)
    assert infinite.errors == 1 and alone.errors == 1 and report.has_errors
    text = report.render_text()
    assert "error: 1 missing or infinite close(s): 2024-01-05" in text and "error: no data rows (a header alone)" in text


def test_a_close_that_is_no_number_is_named_as_one(data: Path) -> None:
    """'1,010.5' and '$10' read 'missing or infinite' in the check, while run says
    "non-numeric close '1,010.5'" (a helper's bug hunt): the check shows the text now."""
    days = business_days(10)
    rows = [(d.isoformat(), str(100 + i)) for i, d in enumerate(days)]
    rows[2], rows[3], rows[5] = (rows[2][0], '"1,010.5"'), (rows[3][0], "$10"), (rows[5][0], "")
    write(data / "TXT.csv", rows)
    report = check_data(["TXT"], data_dir=data)
    found = report.series[1]
    assert (found.missing, found.missing_dates, found.non_numeric) == (1, [days[5]], 2)
    assert found.non_numeric_closes == [(days[2], "1,010.5"), (days[3], "$10")] and found.errors == 3
    text = report.render_text()
    assert f"error: 2 non-numeric close(s): {days[2]} ('1,010.5'), {days[3]} ('$10')" in text
    assert f"error: 1 missing or infinite close(s): {days[5]}" in text


@pytest.mark.parametrize("bad", ["2024-01-05junk", "2024-1-5", "1700-01-05"])
def test_a_date_the_loader_refuses_is_a_bad_date_for_the_check_too(data: Path, bad: str) -> None:
    """The check read the first ten characters of a date ('2024-01-05junk' as 2024-01-05),
    took unpadded dates and any year, and passed the file (exit 0) that `run` refuses."""
    from eventstudy.data import load_prices

    days = business_days(10)
    rows = [(d.isoformat(), str(100 + i)) for i, d in enumerate(days)]
    rows[0 if bad.startswith("1700") else 4] = (bad, "104")
    write(data / "ODD.csv", rows)
    with pytest.raises(DataError, match="unparseable date"):
        load_prices(data, ["ODD"])
    checked = check_data(["ODD"], data_dir=data).series[1]
    assert checked.bad_dates == 1 and checked.errors == 1 and checked.first == days[1 if bad.startswith("1700") else 0]


def test_lines_are_counted_as_the_loader_counts_them_after_blank_lines_above_the_header(tmp_path: Path) -> None:
    """Polars skips the empty lines above a CSV's header: the check counted its rows from
    line 2 all the same, and named a bad date two lines early (4, where the run says 6);
    so were the rows of a long file without a symbol."""
    from eventstudy.data import load_prices

    (tmp_path / "ODD.csv").write_text("\n\ndate,close\n2024-01-02,1\n2024-01-03,2\nsoon,3\n")
    with pytest.raises(DataError) as by_run:
        load_prices(tmp_path, ["ODD"])
    assert by_run.value.location is not None and by_run.value.location.line == 6
    assert check_data(["ODD"], data_dir=tmp_path).series[0].bad_date_lines == [6]
    (tmp_path / "panel.csv").write_text("\n\ndate,symbol,close\n2024-01-02,A,1\n2024-01-02,B,2\n2024-01-03,,3\n")
    assert check_data(["panel"], data_dir=tmp_path).long_files[0].no_symbol_lines == [6]


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pl.DataFrame({"date": [20240102, 20240103], "close": [1.0, 2.0]}), "date column 'date' has type Int64 in 'ODD.parquet', not dates"),
        (pl.DataFrame({"date": [D(2024, 1, 2), D(2024, 1, 3)], "close": [True, True]}), "column 'close' has type Boolean in 'ODD.parquet', not numbers"),
    ],
)
def test_a_parquet_column_of_the_wrong_type_is_the_loaders_error(data: Path, frame: pl.DataFrame, message: str) -> None:
    """Integer dates were read as days since 1970 (a traceback, 'year 57385 is out of
    range', for 20240102) and boolean closes as 1.0: the check passed what `run` refuses."""
    from eventstudy.data import load_prices

    frame.write_parquet(data / "ODD.parquet")
    with pytest.raises(DataError) as by_run:
        load_prices(data, ["ODD"])
    with pytest.raises(DataError) as by_check:
        check_data(["ODD"], data_dir=data)
    assert by_check.value.message == by_run.value.message == message


def test_a_huge_or_subnormal_close_is_an_error_as_the_loader_says(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Closes of 1e300 and 1e-320 are finite and above 0: the check passed them (exit 0)
    and a run took them, to overflow inside. The loader now refuses them at their line,
    and the check counts them with the loader's words."""
    from eventstudy.data import load_prices

    days = business_days(10)
    for name, value in (("HUGE", "1e300"), ("TINY", "1e-320")):
        rows = [(d.isoformat(), str(100 + i)) for i, d in enumerate(days)]
        rows[4] = (rows[4][0], value)
        write(data / f"{name}.csv", rows)
        with pytest.raises(DataError) as info:
            load_prices(data, [name])
        assert info.value.render().startswith(
            f"{data / name}.csv:6: error: out-of-range close {value!r} on '2024-01-05' (closes must be from 1e-18 to 1e18)\n"
            "  hint: closes must be finite numbers from 1e-18 to 1e18"
        )
    report = check_data(["HUGE", "TINY"], data_dir=data)
    huge, tiny = report.series[1], report.series[2]
    assert (huge.out_of_range, huge.out_of_range_closes, huge.errors) == (1, [(days[4], 1e300)], 1)
    assert (tiny.out_of_range, tiny.out_of_range_closes, tiny.errors) == (1, [(days[4], 1e-320)], 1)
    assert huge.rows == 10 and max(abs(r) for _, r in huge.outliers) < 1  # not a move of +1e298: it is not a close
    assert run_data(parse().parse_args(["data", "check", "HUGE", "TINY", "--data-dir", str(data)])) == EXIT_PROBLEMS
    text = capsys.readouterr().out
    assert "error: 1 out-of-range close(s) (closes must be from 1e-18 to 1e18): 2024-01-05 (1e+300)" in text
    assert "error: 1 out-of-range close(s) (closes must be from 1e-18 to 1e18): 2024-01-05 (1e-320)" in text
    assert "2 series with errors" in text


def test_gaps_and_extra_dates_against_the_reference(data: Path) -> None:
    days = business_days(60)
    own = [d for i, d in enumerate(days) if i not in (10, 11, 12)] + [D(2024, 1, 6)]  # 3 holes, a Saturday
    write(data / "RUT.csv", [(d.isoformat(), str(c)) for d, c in zip(sorted(own), calm(58, 3))])
    rut = check_data(["RUT"], data_dir=data).series[1]
    assert rut.reference == "SPX" and rut.gaps == 3 and rut.gap_dates == days[10:13]
    assert rut.extra == 1 and rut.extra_dates == [D(2024, 1, 6)]
    assert rut.shared == {"SPX": 57}
    assert rut.longest_gap_days == 6  # Friday 2024-01-12 to Thursday 2024-01-18


def test_reference_by_name_and_missing_reference(data: Path, tmp_path: Path) -> None:
    write(data / "BTC.csv", [(d.isoformat(), str(c)) for d, c in zip([D(2024, 1, 1) + dt.timedelta(days=i) for i in range(30)], calm(30, 1))])
    report = check_data(["SPX"], data_dir=data, reference="BTC")
    assert [s.symbol for s in report.series] == ["BTC", "SPX"] and report.series[1].gaps == 8  # 4 weekends in range
    with pytest.raises(DataError, match="reference series 'NOPE' not found"):
        check_data(data_dir=data, reference="NOPE")
    other = tmp_path / "other"
    other.mkdir()
    write(other / "AAA.csv", [("2024-01-02", "1"), ("2024-01-03", "2")])
    assert "no reference calendar (SPX not found)" in check_data(data_dir=other).render_text()
    with pytest.raises(DataError, match=r"symbol 'SPY' not found in data directory .*did you mean 'SPX'"):
        check_data(["SPY"], data_dir=data)


def test_stale_runs(data: Path) -> None:
    days = business_days(20)
    closes = calm(20)
    closes[5:10] = [50.0] * 5  # five equal closes: stale
    closes[12:16] = [60.0] * 4  # four: not (N >= 5)
    write(data / "ST.csv", [(d.isoformat(), str(c)) for d, c in zip(days, closes)])
    st = check_data(["ST"], data_dir=data).series[1]
    assert st.stale_count == 1 and st.stale_runs == [(days[5], days[9], 5, 50.0)]
    assert check_data(["ST"], data_dir=data, stale_days=4).series[1].stale_count == 2


def test_outliers_by_robust_sd_and_by_size(data: Path) -> None:
    days = business_days(60)
    closes = calm(60)
    closes[30:] = [c * 1.06 for c in closes[30:]]  # one +6% day in a series moving ~0.2%: many robust sds
    write(data / "OUT.csv", [(d.isoformat(), str(c)) for d, c in zip(days, closes)])
    out = check_data(["OUT"], data_dir=data).series[1]
    assert out.outlier_count == 1 and out.outliers[0][0] == days[30]
    assert out.outliers[0][1] == pytest.approx(closes[30] / closes[29] - 1)
    report = check_series({"X": pl.DataFrame({"date": business_days(3), "close": [100.0, 130.0, 131.0]})})
    assert report.series[0].outlier_count == 1  # too short for a robust sd, but above 25%


def test_json_format_and_exit_code(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_data(parse().parse_args(["data", "check", "--data-dir", str(data), "--format", "json"])) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["reference"] == "SPX" and payload["series"][0]["symbol"] == "SPX"
    assert payload["series"][0]["first"] == "2024-01-01" and payload["settings"]["stale_days"] == 5
    write(data / "BAD.csv", [("2024-01-02", "1"), ("2024-01-02", "2")])
    assert run_data(parse().parse_args(["data", "check", "--data-dir", str(data)])) == EXIT_PROBLEMS
    assert "1 series with errors" in capsys.readouterr().out


def test_long_files_are_checked_per_symbol(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "panel.csv").write_text("date,symbol,close\n2024-01-02,AAA,1\n2024-01-03,AAA,2\n2024-01-02,BBB,3\n2024-01-02,BBB,3\n")
    report = check_data(data_dir=folder)
    assert [(s.symbol, s.rows, s.duplicates) for s in report.series] == [("AAA", 2, 0), ("BBB", 2, 1)]


def test_a_panel_of_many_symbols_is_read_once_and_reported_briefly(tmp_path: Path) -> None:
    """A long file of many symbols: read once (not once per symbol), the same rows and
    line numbers as one symbol read alone, no pairwise shared-dates table, and details
    only for the series with findings (issue 14, bug 5: 140 s and 2,908 lines)."""
    from eventstudy.data.finder import inspect
    from eventstudy.data.quality import DETAIL_LIMIT, SHARED_LIMIT, _read_raw

    folder = tmp_path / "data"
    folder.mkdir()
    days = business_days(40)
    rows = ["date,symbol,close"]
    for k in range(30):
        closes = calm(40, seed=k)
        if k == 7:
            closes[20] = closes[19] * 1.6  # one outlier: the only finding
        rows += [f"{d.isoformat()},S{k:02d},{c}" for d, c in zip(days, closes)]
    (folder / "panel.csv").write_text("\n".join(rows) + "\n")
    report = check_data(data_dir=folder)
    assert len(report.series) == 30 > max(SHARED_LIMIT, DETAIL_LIMIT)
    alone = _read_raw(inspect(folder / "panel.csv"), "S07")
    s07 = next(s for s in report.series if s.symbol == "S07")
    assert s07.rows == alone.height == 40 and s07.outlier_count == 2 and not s07.shared
    text = report.render_text()
    assert "S07 (panel.csv)" in text and "S08 (panel.csv)" not in text
    assert "29 series without findings are not detailed" in text and "shared dates" not in text


def test_the_cache_is_checked_when_no_directory_is_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVENTSTUDY_DATA", raising=False)
    cache = Cache(tmp_path / "cache")
    cache.write("yahoo", "SPX", "^GSPC", pl.DataFrame({"date": business_days(10), "close": calm(10)}), None)
    report = check_data(cache_dir=cache.root)
    assert [s.symbol for s in report.series] == ["SPX"] and report.series[0].source == "cache yahoo"


def test_cache_dir_is_checked_or_refused_never_passed_over(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """'data check --cache-dir C' with $EVENTSTUDY_DATA set checked the data directory and
    said nothing of C (a data directory came first, the cache folder unread); with
    --data-dir beside it as well. Now the cache asked for is checked, and the two asked
    for together are refused."""
    cache = Cache(tmp_path / "cache")
    cache.write("yahoo", "QQQ", "QQQ", pl.DataFrame({"date": business_days(10), "close": calm(10)}), None)
    monkeypatch.setenv("EVENTSTUDY_DATA", str(data))
    assert run_data(parse().parse_args(["data", "check", "--cache-dir", str(cache.root)])) == 0
    assert capsys.readouterr().out.splitlines()[3].startswith("QQQ ")
    with pytest.raises(ConfigError, match="--data-dir and --cache-dir"):
        run_data(parse().parse_args(["data", "check", "--cache-dir", str(cache.root), "--data-dir", str(data)]))


def test_a_parquet_files_bad_dates_are_named_by_row_as_the_loader_names_them(data: Path) -> None:
    """A Parquet file's unparseable date was 'on line(s) 1' in data check, where the
    loader says 'row 1 (0-based parquet row index)': a Parquet file has no lines."""
    pl.DataFrame({"date": ["2024-01-02", "2024/01/03", "2024-01-04"], "close": [1.0, 2.0, 3.0]}).write_parquet(data / "ODD.parquet")
    text = check_data(["ODD"], data_dir=data).render_text()
    assert "error: 1 unparseable date(s) (expected YYYY-MM-DD) on row(s) 1 (0-based parquet row index)" in text


# --------------------------------------------------------------------------- quick_check


def long_frame(series: dict[str, tuple[list[dt.date], list[float]]]) -> pl.DataFrame:
    rows = [(d, s, c) for s, (days, closes) in series.items() for d, c in zip(days, closes)]
    return pl.DataFrame(rows, schema={"date": pl.Date, "symbol": pl.String, "close": pl.Float64}, orient="row")


def test_quick_check_is_quiet_on_clean_data() -> None:
    days = business_days(100)
    assert quick_check(long_frame({"A": (days, calm(100)), "B": (days, calm(100, 2))})) == []


def test_quick_check_warnings() -> None:
    days = business_days(100)
    a = calm(100)
    a[40:46] = [a[40]] * 6
    a[80] = a[79] * 1.4
    b_days = days[:20] + days[23:]  # B lacks three of A's dates
    b_days = [d for d in b_days if d < D(2024, 3, 1) or d > D(2024, 3, 20)]  # and a long gap
    warnings = quick_check(long_frame({"A": (days, a), "B": (b_days, calm(len(b_days), 1))}))
    text = "\n".join(warnings)
    assert f"warning: A: the close stays at {a[40]} for 6 rows" in text
    assert "warning: A: 2 daily move(s) above 25% (largest +40.0%" in text
    assert "warning: B: no data for 21 calendar days before 2024-03-21" in text
    assert "warning: B has no close on 17 of the" in text and "with align: inner those dates are dropped" in text
    # under ffill they are not dropped (it said they were): B's last close stands in, its outcomes there are unknown
    ffill = "\n".join(quick_check(long_frame({"A": (days, a), "B": (b_days, calm(len(b_days), 1))}), align="ffill"))
    assert "dropped" not in ffill and "with align: ffill its last close stands in for the condition there" in ffill


def test_quick_check_passes_over_a_series_only_when_no_check_would_warn() -> None:
    # _quick_flags lets quick_check skip a clean series' queries: each flag against the plain computation
    rng = np.random.default_rng(12)
    for case in range(60):
        n = int(rng.integers(1, 40))
        steps = rng.choice([1, 1, 1, 3, 16], size=n) if case % 3 == 0 else np.ones(n, dtype=int)
        days = [D(2024, 1, 1) + dt.timedelta(days=int(k)) for k in np.cumsum(steps)]
        close = np.round(100 * np.exp(np.cumsum(rng.normal(0, 0.12 if case % 4 == 0 else 0.01, n))), 1 if case % 2 else 3)
        if case % 5 == 1 and n > 6:  # a run of 4 or 5 equal closes: just under or at the stale length
            start = int(rng.integers(0, n - 5))
            close[start : start + 4 + case % 2] = close[start]
        frame = long_frame({"A": (days, close.tolist())})
        stale = max(len(list(run)) for _, run in itertools.groupby(close)) >= 5
        moves = bool(np.any(np.abs(close[1:] / close[:-1] - 1) > 0.25))
        gaps = bool(np.any(np.diff(np.array(days, dtype="datetime64[D]")).astype(int) > 14))
        assert _quick_flags(frame, 5, 0.25, 14)["flagged"].to_list() == [stale or moves or gaps], case
        assert (quick_check(frame) != []) == (stale or moves or gaps), case


# --------------------------------------------------------------------------- one finding rule

RULE_STUDY = """\
name: which file
series: {S: SPX}
when: S at ATH
evaluate:
  - forward_returns: {assets: [S], horizons: [1d]}
statistics: {placebos: 20, seed: 1}
"""


@pytest.mark.parametrize(
    ("own_name", "own_header", "long_value"),
    [
        ("SPX.csv", "date,close", "SPX"),  # the panel sorts first: data check used to take its SPX rows
        ("spx.csv", "date,close", "SPX"),  # exact symbol value against a file named in another case
        ("SPX.csv", "date,symbol,close", "SPX"),  # the own file has a symbol column of its own
    ],
)
def test_data_check_and_run_read_the_same_file(tmp_path: Path, own_name: str, own_header: str, long_value: str) -> None:
    """Regression (issue 16): ``data check`` listed every file with a symbol column as a
    long file and took the first file in name order, where ``run`` lets ``SPX.csv`` win by
    its name; on this folder the two read different rows for SPX."""
    from eventstudy.data import load_prices
    from eventstudy.study import run

    folder = tmp_path / "data"
    folder.mkdir()
    days = business_days(40)
    symbol = ",^GSPC" if "symbol" in own_header else ""
    (folder / own_name).write_text(own_header + "\n" + "".join(f"{d},{symbol[1:] + ',' if symbol else ''}{c}\n" for d, c in zip(days, calm(40))))
    panel = "".join(f"{d},{long_value},{c}\n" for d, c in zip(days[:25], calm(25, 2)))
    (folder / "AAA_panel.csv").write_text("date,symbol,close\n" + panel)
    (tmp_path / "study.yaml").write_text(RULE_STUDY)

    result = run(tmp_path / "study.yaml", data_dir=folder)
    checked = check_data(["SPX"], data_dir=folder).series[0]
    assert result.sources["SPX"] == folder / own_name == load_prices(folder, ["SPX"]).sources["SPX"]
    assert (checked.symbol, checked.source, checked.rows) == ("SPX", own_name, 40)
    assert result.source_ranges["SPX"]["rows"] == checked.rows
    assert (checked.first, checked.last) == (result.source_ranges["SPX"]["first"], result.source_ranges["SPX"]["last"])
    report = check_data(data_dir=folder)  # every series: the same rule
    every = {s.symbol: s for s in report.series}
    assert every["SPX"].source == own_name and every["SPX"].rows == 40
    if "symbol" in own_header:  # SPX.csv is SPX's own file, so its '^GSPC' rows are not a series of their own
        assert "^GSPC" not in every and "not checked: '^GSPC'" in report.render_text()


def test_data_check_finds_what_run_finds_and_refuses_what_run_refuses(tmp_path: Path) -> None:
    """A symbol only in a long file (in another letter case) is found by both; one in two
    long files is ambiguous for both, with the same message."""
    from eventstudy.data import load_prices

    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "one.csv").write_text("date,symbol,close\n2024-01-02,aaa,1\n2024-01-03,aaa,2\n2024-01-02,BBB,5\n")
    (folder / "two.csv").write_text("date,ticker,close\n2024-01-02,BBB,7\n")
    checked = check_data(["AAA"], data_dir=folder, reference="aaa").series[0]
    assert (checked.symbol, checked.source, checked.rows) == ("AAA", "one.csv", 2)
    assert load_prices(folder, ["AAA"]).sources["AAA"] == folder / "one.csv"
    with pytest.raises(DataError) as by_run:
        load_prices(folder, ["BBB"])
    with pytest.raises(DataError) as by_check:
        check_data(["BBB"], data_dir=folder)
    assert "is ambiguous" in by_run.value.message and by_check.value.message == by_run.value.message


def test_a_long_file_named_like_a_series_is_checked_per_symbol(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`data check panel` read a long file as one series: every date of its symbols
    'repeated' and 'out of order', nothing about the symbol whose dates really repeat.
    Now each symbol is a series, its own problems its own, with a line for the file."""
    days = [d.isoformat() for d in business_days(30)]
    rows = [f"{d},AAA,{c}" for d, c in zip(days, calm(30))]
    rows += [f"{d},BBB,{c}" for d, c in zip(days, calm(30, 3))]
    rows[40] = rows[39]  # BBB: a date twice
    rows.insert(45, f"{days[3]},,5")  # a row without a symbol: line 47
    (data / "panel.csv").write_text("date,symbol,close\n" + "\n".join(rows) + "\n\n")
    report = check_data(["panel"], data_dir=data)
    every = {s.symbol: s for s in report.series}
    assert list(every) == ["SPX", "AAA", "BBB"] and every["AAA"].source == "panel.csv"
    assert (every["AAA"].rows, every["AAA"].errors) == (30, 0)
    assert (every["BBB"].rows, every["BBB"].duplicates, every["BBB"].unsorted, every["BBB"].duplicate_dates) == (30, 1, 0, [D.fromisoformat(days[9])])
    [long] = report.long_files
    assert (long.file, long.symbols, long.rows, long.no_symbol, long.no_symbol_lines) == ("panel.csv", 2, 60, 1, [47])
    assert report.has_errors and run_data(parse().parse_args(["data", "check", "panel", "--data-dir", str(data)])) == EXIT_PROBLEMS
    text = capsys.readouterr().out
    assert text.splitlines()[1:3] == [
        "panel.csv: a long file (date, symbol, close), checked per symbol: 2 symbols, 60 rows",
        "  error: 1 row(s) without a symbol, on line(s) 47: the loader refuses them",
    ]
    assert f"error: 1 repeated date(s): {days[9]}" in text and "panel" not in [s.symbol for s in report.series]
    assert json.loads(report.render_json())["long_files"][0]["symbols"] == 2
    with pytest.raises(DataError, match="the reference 'panel' is a long file of 2 symbols"):
        check_data(["panel"], data_dir=data, reference="panel")


def test_a_symbols_own_file_holding_other_symbols_is_checked_as_the_run_reads_it(tmp_path: Path) -> None:
    """AAA.csv with a symbol column of AAA and BBB rows is AAA's own file to a run, read
    whole: its dates repeat, and the run refuses it. data check split it per symbol, as
    a long file named like a series, and said '0 series with errors' (exit 0), with the
    note 'not checked: BBB' above a row for BBB. Now it reads the file as the run does."""
    from eventstudy.data import load_prices

    (tmp_path / "AAA.csv").write_text("date,symbol,close\n2024-01-02,AAA,10\n2024-01-02,BBB,20\n2024-01-03,AAA,11\n2024-01-03,BBB,21\n")
    with pytest.raises(DataError, match="duplicate date '2024-01-02'"):
        load_prices(tmp_path, ["AAA"])
    for asked in (["AAA"], []):
        report = check_data(asked, data_dir=tmp_path)
        [aaa] = report.series
        assert (aaa.symbol, aaa.rows, aaa.duplicates, report.has_errors, report.long_files) == ("AAA", 4, 2, True, [])
    assert "not checked: 'BBB'" in report.render_text()


def test_checking_every_series_passes_over_files_that_hold_no_prices(data: Path) -> None:
    """'data import --french' writes factors.csv into the data directory, and an own-events
    file (symbol,date) may sit there too: 'data check' of every series stopped at
    "'factors.csv' has no close column" (or at the events file, for a symbol it names that
    no price file has), and checked nothing. Such files are no series: left out, and said so."""
    (data / "factors.csv").write_text("date,mkt_rf,smb,hml,rf\n2024-01-02,0.01,0.0,0.0,0.0001\n")
    (data / "events.csv").write_text("symbol,date\nZZZ,2024-01-03\n")
    report = check_data(data_dir=data)
    assert [s.symbol for s in report.series] == ["SPX"] and not report.has_errors
    assert "not checked: 'events.csv', 'factors.csv' (no close column: not price files)" in report.notes
    with pytest.raises(DataError, match=r"'factors\.csv' has no close column"):  # asked for by name: still refused
        check_data(["factors"], data_dir=data)
    (data / "SPX.csv").unlink()
    with pytest.raises(DataError, match=r"no series to check in data directory .*: 'events.csv', 'factors.csv' \(no close column"):
        check_data(data_dir=data)


def test_checking_every_series_reports_an_unreadable_file_and_checks_the_others(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A binary BBB.csv among the price files: 'data check' of every series stopped at
    "'BBB.csv' is not a CSV file" and checked nothing else. It now checks the others, lists
    the file as unreadable with the run's own message and hint, and exits with the errors'
    code; named (``check_data(['BBB'])``), it is still the one error."""
    write(data / "AAA.csv", [("2024-01-02", "10"), ("2024-01-03", "11")])
    (data / "BBB.csv").write_bytes(b"\x00\x01\x02binary")
    report = check_data(data_dir=data)
    assert [s.symbol for s in report.series] == ["AAA", "SPX"] and not any(s.errors for s in report.series)
    assert report.has_errors and [(f.file, f.error) for f in report.unreadable] == [("BBB.csv", "'BBB.csv' is not a CSV file: it is binary, not text")]
    assert "1 unreadable file (a run reading one stops there):\n  BBB.csv: error: 'BBB.csv' is not a CSV file" in report.render_text()
    assert report.to_json()["unreadable"][0]["file"] == "BBB.csv"
    args = parse().parse_args(["data", "check", "--data-dir", str(data)])
    assert run_data(args) == EXIT_PROBLEMS and "BBB.csv: error:" in capsys.readouterr().out
    with pytest.raises(DataError, match=r"'BBB\.csv' is not a CSV file"):
        check_data(["BBB"], data_dir=data)
    (data / "SPX.csv").rename(data / "ZZZ.csv")
    (data / "SPX.csv").write_bytes(b"\x00\x01")  # the default reference unreadable: reported, no calendar
    report = check_data(data_dir=data)
    assert [f.file for f in report.unreadable] == ["BBB.csv", "SPX.csv"] and report.reference is None
    assert "no reference calendar (SPX unreadable): pass --reference SYMBOL to count gaps" in report.notes


def test_quick_check_under_ffill_says_the_reference_calendar_leaves_out_the_dates_it_lacks() -> None:
    """Under 'align: ffill' the study calendar is the first series': a date it lacks is
    not on it at all. The warning said of the reference (SPX beside a series trading on
    weekends) that 'its last close stands in for the condition there', as of any other
    series; and another series was counted against dates the calendar does not have."""
    days = [D(2024, 1, 1) + dt.timedelta(days=i) for i in range(68)]  # Mon 2024-01-01 .. Fri 2024-03-08
    weekdays = [d for d in days if d.weekday() < 5]
    b_days = [d for i, d in enumerate(weekdays) if i not in (10, 11)]  # B lacks two of A's dates
    frame = long_frame({"A": (weekdays, calm(len(weekdays))), "B": (b_days, calm(len(b_days), 1)), "W": (days, calm(len(days), 2))})
    warnings = quick_check(frame, align="ffill", reference="A")
    on_a = next(w for w in warnings if w.startswith("warning: A has no close"))
    assert "its last close stands in" not in on_a
    assert f"on {len(days) - len(weekdays)} of the {len(days)} dates" in on_a and "the study calendar is A's, so those dates are not on it" in on_a
    on_b = next(w for w in warnings if w.startswith("warning: B has no close"))
    assert f"on 2 of the {len(weekdays)} dates A trades" in on_b and "its last close stands in" in on_b
    assert not any(w.startswith("warning: W has no close") for w in warnings)


def test_one_symbol_or_a_folder_given_as_text_is_refused_with_the_call_to_write(data: Path) -> None:
    """A text is a sequence of its letters: check_data("SPX", data_dir=...) read "symbol 'S'
    not found in data directory ... (did you mean 'SPX'?)", and check_data(folder) "no series
    to check in the cache"."""
    with pytest.raises(TypeError, match=r"symbols is the text 'SPX': give a list of symbols, e.g. check_data\(\['SPX'\]\)$"):
        check_data("SPX", data_dir=data)
    with pytest.raises(TypeError, match=f"^symbols is the text '{data}': a data directory is data_dir='{data}'$"):
        check_data(data)  # type: ignore[arg-type]
    assert [s.symbol for s in check_data(["SPX"], data_dir=data).series] == ["SPX"]


@pytest.mark.parametrize(("options", "message"), [
    ({"stale_days": -1}, "stale_days is -1: a stale run is a whole number of rows with one close, 2 or more"),
    ({"stale_days": 1}, "stale_days is 1: a stale run"),  # every row alone is a 'run'
    ({"stale_days": 2.5}, "stale_days is 2.5: a stale run"),
    ({"outlier_sd": -2}, "outlier_sd is -2: a daily move beyond it is an outlier, so it is a positive number of robust standard deviations"),
    ({"max_move": 0}, r"max_move is 0: a daily move beyond it is an outlier, so it is a positive number of a share of the close \(0.25 is 25%\)"),
    ({"max_move": float("nan")}, "max_move is nan"),
])
def test_a_threshold_no_check_can_use_is_refused(data: Path, options: dict[str, object], message: str) -> None:
    """check_data(..., stale_days=-1) reported every row of SPX stale ('24470 run(s) of -1+
    rows with the same close'), outlier_sd=-2 and max_move=0 every move an outlier (24,782
    of 24,783); --stale-days refused below 2, the Python keywords took anything."""
    with pytest.raises(ConfigError, match=f"^error: {message}") as info:
        check_data(["SPX"], data_dir=data, **options)  # type: ignore[arg-type]
    assert "(the default)" in (info.value.hint or "")


@pytest.mark.parametrize("fmt", ["csv", "parquet", "long"])
def test_an_open_high_low_or_volume_the_loader_refuses_is_an_error_of_the_check(data: Path, fmt: str) -> None:
    """A negative open, an open 'abc' and a volume of -3: `run` refused the file at its
    line, while the check said '0 series with errors' and exited 0 (it read the close alone)."""
    from eventstudy.data import load_prices

    days = business_days(10)
    frame = pl.DataFrame(
        {
            "date": [d.isoformat() for d in days],
            "close": [str(100.0 + i) for i in range(10)],
            "open": ["99", "-5", "abc", *["99"] * 7],
            "high": [""] * 10,
            "volume": ["10", "10", "10", "-3", *["0"] * 6],
        }
    )
    if fmt == "csv":
        frame.write_csv(data / "OHLC.csv")
    elif fmt == "parquet":
        frame.with_columns(pl.col("open").cast(pl.Float64, strict=False), pl.col("volume").cast(pl.Float64)).write_parquet(
            data / "OHLC.parquet"
        )
    else:
        frame.with_columns(symbol=pl.lit("OHLC")).vstack(
            frame.with_columns(symbol=pl.lit("OK"), open=pl.lit("99"), volume=pl.lit("1"))
        ).write_csv(data / "panel.csv")
    with pytest.raises(DataError, match="open"):
        load_prices(data, ["OHLC"])
    load_prices(data, ["SPX"])
    report = check_data(["OHLC"], data_dir=data)
    found = report.series[1]
    expected = 2 if fmt == "parquet" else 3  # 'abc' is no number of a typed column: missing
    assert (found.bad_extras, found.errors) == (expected, expected) and report.has_errors
    assert found.bad_extra_values[0][:2] == (days[1], "open")
    text = report.render_text()
    assert f"error: {expected} row(s) with an open, high, low or volume that is no number, infinite, negative or out of range: {days[1]} open '-5" in text
    assert "1 series with errors" in text


def test_a_series_of_one_row_is_not_said_to_have_no_rows(tmp_path: Path) -> None:
    """A file of one good row: the table said 'rows 1' and the details 'no rows'."""
    write(tmp_path / "ONE.csv", [("2024-01-02", "100")])
    report = check_data(["ONE"], data_dir=tmp_path)
    one = report.series[0]
    assert (one.rows, one.errors, one.warnings) == (1, 0, 0)
    text = report.render_text()
    assert "ONE (ONE.csv)\n  no findings (1 row: no move or gap to measure)\n" in text and "no rows" not in text
