"""The command line as a user meets it: outputs, formats, and one clear message per mistake."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

import eventstudy
from eventstudy.cli import main
from eventstudy.errors import ConfigError
from eventstudy.report import files as report_files

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "spx_rut.yaml"

STUDY = """\
name: tiny study
series: {A: AAA, B: BBB}
when: A at ATH and B drawdown >= 10%
window: {start: 2020-01-01}
decluster: {gap: 5, mode: after_kept}
evaluate:
  - forward_returns: {assets: [A, B], horizons: [1d, 5d]}
statistics: {placebos: 200, seed: 3}
"""


def write_series(path: Path, closes: list[float], start: dt.date = dt.date(2020, 1, 1)) -> None:
    days = [start + dt.timedelta(days=i) for i in range(len(closes))]
    path.write_text("date,close\n" + "".join(f"{d.isoformat()},{c}\n" for d, c in zip(days, closes)))


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A study folder with two synthetic series: A trends up, B falls 20% then drifts."""
    data = tmp_path / "data"
    data.mkdir()
    write_series(data / "AAA.csv", [100 + i + (3 if i % 7 == 0 else 0) for i in range(60)])
    write_series(data / "BBB.csv", [100 - min(i, 20) + 0.1 * (i % 3) for i in range(60)])
    (tmp_path / "study.yaml").write_text(STUDY)
    return tmp_path


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_run_prints_instances_summary_and_baseline(tiny: Path, capsys) -> None:
    code, out, err = run_cli(["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data")], capsys)
    assert code == 0, err
    assert "Instances (" in out and "Summary" in out
    assert "from the event day's close: all days" in out  # the baseline, folded into its own table at 80 columns
    assert "pending" in out  # the last events' 5d returns have not elapsed
    assert max(len(line) for line in out.splitlines()) <= 80  # piped: fits an 80-column terminal


def test_run_prints_the_verdict_then_the_summary_then_the_instances(tiny: Path, capsys) -> None:
    code, out, err = run_cli(["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data")], capsys)
    assert code == 0, err
    assert out.startswith("Verdict: ") and " events; " in out.splitlines()[0]
    assert out.index("Summary, ") < out.index("Instances (") < out.index("note: ")
    assert "Significance (" not in out and "--show tests" in out


@pytest.mark.parametrize(
    ("show", "present", "absent"),
    [
        ("summary", ["Summary, "], ["Instances (", "Significance ("]),
        ("instances", ["Instances ("], ["Summary, ", "Significance ("]),
        ("tests", ["Significance ("], ["Summary, ", "Instances ("]),
        ("all", ["Summary, ", "Instances (", "Significance ("], []),
    ],
)
def test_show_prints_only_what_is_asked(tiny: Path, capsys, show: str, present: list[str], absent: list[str]) -> None:
    base = ["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "--show", show]
    code, out, err = run_cli(base, capsys)
    assert code == 0, err
    assert out.startswith("Verdict: ") and "note: " in out
    assert all(part in out for part in present) and not any(part in out for part in absent)
    code, markdown, err = run_cli([*base, "--format", "markdown"], capsys)
    assert code == 0, err
    titles = {"Summary, ": "### Summary", "Instances (": "### Instances (", "Significance (": "### Significance"}
    assert all(titles[part] in markdown for part in present) and not any(titles[part] in markdown for part in absent)


def test_show_refuses_what_it_does_not_know(tiny: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["run", str(tiny / "study.yaml"), "--show", "everything"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "argument --show: invalid choice: 'everything'" in err and "summary" in err and "instances" in err
    from eventstudy.cli import SHOW
    from eventstudy.report.text import SHOW as REPORT_SHOW

    assert SHOW == REPORT_SHOW  # the command line's choices are the report's
    code, out, err = run_cli(["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "--show", "all", "-f", "json"], capsys)
    assert code == 2 and not out
    assert "--show picks parts of the table and markdown formats, not of --format json" in err and "Traceback" not in err


def test_the_executor_choices_are_the_executors() -> None:
    from eventstudy.cli import EXECUTORS
    from eventstudy.executor import EXECUTORS as KNOWN

    assert EXECUTORS == KNOWN


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_null_help_names_every_default_of_a_universe(command: str) -> None:
    """--help said a universe's default null is 'dates', or 'histories' for the market
    model or the excursions under a condition on the stock's own prices; a condition that
    picks days, not stocks (a market series', a breadth, the calendar) gets the histories
    null too (docs/universes.md), and the help did not say so."""
    from eventstudy.cli import build_parser
    from eventstudy.config import parse_study
    from eventstudy.null_choice import universe_null

    market = parse_study("name: u\nseries: {SPX: SPX}\nuniverse: [AAA, BBB]\nwhen: SPX drawdown >= 5%\nevaluate:\n  - forward_returns: {horizons: [1m]}\n")
    assert universe_null(market, market.statistics) == "histories"
    subparsers = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    [null] = [a for a in subparsers.choices[command]._actions if "--null" in a.option_strings]
    assert "picks days, not stocks" in " ".join(str(null.help).split())


def test_executor_options_are_refused_for_a_study_of_named_series(tiny: Path, capsys) -> None:
    """--executor, --workers and --dask-address run a universe study's symbol blocks; a
    study of named series ran in this process with them dropped and no word said."""
    data = ["--data-dir", str(tiny / "data")]
    err = error_of(["run", str(tiny / "study.yaml"), *data, "--executor", "processes", "--workers", "2"], capsys)
    assert err.startswith(f"error: --executor and --workers run a universe study's symbol blocks; {tiny / 'study.yaml'} is a study of named series"), err
    code, _, err = run_cli(["run", str(write_panel(tiny, "csv")), *data, "--executor", "serial", "--workers", "1"], capsys)
    assert code == 0, err  # a universe study's blocks: the options apply


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--placebos", "50"], "error: --placebos 50 would be ignored: the run's headline null is the histories null (this study's default)"),
        (["--null", "runs", "--histories", "50"], "error: --histories would be ignored: the run's headline null is the runs null (asked for)"),
        (["--placebos", "0", "--histories", "50"], "error: --histories would be ignored: --placebos 0 (statistics.placebos) skips every test"),
        (["--placebos", "0", "--null", "matched"], "error: --null matched would be ignored: --placebos 0 (statistics.placebos) skips every test"),
    ],
)
def test_a_count_the_null_does_not_draw_is_refused(tiny: Path, capsys, options: list[str], expected: str) -> None:
    """--placebos under a timeline's histories null, and --histories under a placebo null,
    changed nothing (the same tests byte for byte) and said nothing; the study file's own
    counts (this one's placebos: 200) and a count the null draws still run."""
    data = ["--data-dir", str(tiny / "data")]
    assert error_of(["run", str(tiny / "study.yaml"), *data, *options], capsys).startswith(expected)
    for drawn in (["--null", "runs", "--placebos", "50"], ["--histories", "20"]):
        code, _, err = run_cli(["run", str(tiny / "study.yaml"), *data, *drawn], capsys)
        assert code == 0, err
    with pytest.raises(ConfigError, match="block_length= would be ignored"):
        eventstudy.run(tiny / "study.yaml", data_dir=tiny / "data", null="runs", block_length=5)


@pytest.mark.parametrize(("flags", "keywords", "flag_words", "keyword_words"), [
    (["--null", "runs", "--placebos", "10"], {"null": "runs", "placebos": 10}, "ask for 19 or more (statistics.placebos, --placebos)",
     "ask for 19 or more (statistics.placebos, placebos=)"),
    (["--histories", "19"], {"histories": 19}, "ask for more histories, statistics.histories or --histories)",
     "ask for more histories, statistics.histories or histories=)"),
])
def test_a_note_names_the_flag_on_the_command_line_and_the_keyword_in_python(
    tiny: Path, capsys, flags: list[str], keywords: dict[str, object], flag_words: str, keyword_words: str
) -> None:
    """A run's warnings named the command line's flags in a notebook too ('ask for 19 or
    more (statistics.placebos, --placebos)' after eventstudy.run(placebos=10)): they name
    each option as the run was given it, as its errors do (errors.option)."""
    code, out, err = run_cli(["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), *flags], capsys)
    assert code == 0, err
    assert flag_words in " ".join(out.split())  # the terminal's lines wrapped
    notes = eventstudy.run(tiny / "study.yaml", data_dir=tiny / "data", **keywords).notes  # type: ignore[arg-type]
    assert any(keyword_words in note for note in notes) and not any("--" in note for note in notes)


def test_a_count_is_judged_by_the_null_the_data_leave(tiny: Path, capsys) -> None:
    """A series 'align: ffill' leaves unknown on some days turns a timeline's default null
    to the runs null, whose placebo sets --placebos counts: it is taken, and --histories
    refused (the null is chosen once the data are read)."""
    closes = [100 + (i % 5) for i in range(60)]
    write_series(tiny / "data" / "BBB.csv", closes)
    gappy = (tiny / "data" / "BBB.csv").read_text().splitlines()
    (tiny / "data" / "BBB.csv").write_text("\n".join(gappy[:30] + gappy[42:]) + "\n")  # 12 days without a close
    study = tiny / "ffill.yaml"
    study.write_text(STUDY.replace("decluster:", "data: {align: ffill, max_stale: 3}\ndecluster:"))
    data = ["--data-dir", str(tiny / "data")]
    code, out, err = run_cli(["run", str(study), *data, "--placebos", "60"], capsys)
    assert code == 0, err
    assert "60 runs placebo event sets" in " ".join(out.split())
    err = error_of(["run", str(study), *data, "--histories", "50"], capsys)
    assert err.startswith("error: --histories would be ignored: the run's headline null is the runs null (this study's default)"), err


def test_output_dir_files_have_the_documented_headers(tiny: Path, capsys) -> None:
    out_dir = tiny / "out"
    code, _, err = run_cli(["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "-o", str(out_dir)], capsys)
    assert code == 0, err
    charts = [f"{name}.{ext}" for name in ("distribution", "path", "prices") for ext in ("png", "svg")]
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(
        ["events.csv", "manifest.json", "outcomes.csv", "report.html", "report.md", "result.json", "summary.csv", "tests.csv", *charts]
    )
    with (out_dir / "summary.csv").open() as handle:
        header = next(csv.reader(handle))
    assert header[:14] == [
        "asset", "horizon", "horizon_days", "n", "n_incomplete", "mean", "median", "pct_positive", "min", "max",
        "baseline_n", "baseline_mean", "baseline_median", "baseline_pct_positive",
    ]
    with (out_dir / "outcomes.csv").open() as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:5] == ["date", "asset", "horizon", "horizon_days", "value"]
    assert any(r[4] == "" for r in rows[1:])  # incomplete horizons are empty, not 0
    with (out_dir / "events.csv").open() as handle:
        events_header = next(csv.reader(handle))
    assert events_header == ["date", "A.close", "B.close", "B.drawdown", "A.fwd.1d", "A.fwd.5d", "B.fwd.1d", "B.fwd.5d"]
    assert not list(tiny.glob(".out.*"))  # no staging folder left behind


def test_json_has_the_same_content_as_the_files(tiny: Path, capsys) -> None:
    out_dir = tiny / "out"
    code, out, _ = run_cli(["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "-o", str(out_dir), "-f", "json"], capsys)
    assert code == 0
    doc = json.loads(out)
    with (out_dir / "summary.csv").open() as handle:
        summary = list(csv.DictReader(handle))
    assert len(doc["summary"]) == len(summary)
    for from_json, from_csv in zip(doc["summary"], summary):
        assert from_json["asset"] == from_csv["asset"] and from_json["n"] == int(from_csv["n"])
        if from_json["mean"] is not None:
            assert math.isclose(from_json["mean"], float(from_csv["mean"]), rel_tol=1e-12)
    assert doc["study"]["return_kind"] == "simple"
    assert {e["date"] for e in doc["events"]} == {o["date"] for o in doc["outcomes"]}


def test_result_json_records_the_trigger_as_the_manifest_does(tiny: Path, capsys) -> None:
    """Regression: result.json (and '--format json') recorded the window and the
    declustering but not the trigger, so an edge study's document read like a level one's
    beside other events ('"window": ..., "decluster": ...' and no word of 'edge'); the
    manifest had it."""
    (tiny / "study.yaml").write_text(STUDY + "trigger: edge\n")
    out_dir = tiny / "out"
    code, out, err = run_cli(["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "-o", str(out_dir), "-f", "json", "-q"], capsys)
    assert code == 0, err
    manifest = json.loads((out_dir / "manifest.json").read_text())["study"]
    assert json.loads(out)["study"]["trigger"] == json.loads((out_dir / "result.json").read_text())["study"]["trigger"] == manifest["trigger"] == "edge"


def test_json_on_stdout_names_csv_files_only_where_they_are_written(tiny: Path, capsys) -> None:
    """'run --format json' without --output writes no CSV file, yet its "tables" entry said
    '"file": "outcomes.csv"' for every table, as if one were beside it; with --output each
    one names its file in that folder."""
    code, out, err = run_cli(["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "-f", "json", "-q"], capsys)
    assert code == 0, err
    tables = json.loads(out)["tables"]
    assert {entry["file"] for entry in tables.values()} == {None} and tables["outcomes"]["included"]
    out_dir = tiny / "out"
    code, out, err = run_cli(["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "-o", str(out_dir), "-f", "json", "-q"], capsys)
    assert code == 0, err
    assert all((out_dir / entry["file"]).is_file() for entry in json.loads(out)["tables"].values())


def test_markdown_tables(tiny: Path, capsys) -> None:
    code, out, _ = run_cli(["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "--format", "markdown"], capsys)
    assert code == 0
    assert "| Date | A | B | B drawdown | A 1d |" in out
    assert "| Asset | Horizon | n |" in out


def test_zero_events_is_not_an_error_and_still_shows_the_baseline(tiny: Path, capsys) -> None:
    (tiny / "study.yaml").write_text(STUDY.replace(">= 10%", ">= 90%"))
    code, out, _ = run_cli(["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data")], capsys)
    assert code == 0
    assert "No events" in out
    assert "all days" in out


def test_start_and_end_override_the_window(tiny: Path, capsys) -> None:
    args = ["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "-f", "json"]
    _, out_all, _ = run_cli(args, capsys)
    _, out_cut, _ = run_cli([*args, "--start", "2020-01-15", "--end", "2020-02-10"], capsys)
    dates_all = [e["date"] for e in json.loads(out_all)["events"]]
    dates_cut = [e["date"] for e in json.loads(out_cut)["events"]]
    assert dates_cut and set(dates_cut) <= set(dates_all) | set(dates_cut)
    assert all("2020-01-15" <= d <= "2020-02-10" for d in dates_cut)


def test_validate(tiny: Path, capsys) -> None:
    code, out, _ = run_cli(["validate", str(tiny / "study.yaml")], capsys)
    assert code == 0 and "ok" in out


def test_validate_checks_the_data_when_a_directory_is_named(tiny: Path, tmp_path: Path, capsys) -> None:
    """Without a data directory the data is not checked (and validate says so); with one,
    a series without a file is the error `run` would give (issue 14, bug 6)."""
    code, out, _ = run_cli(["validate", str(tiny / "study.yaml")], capsys)
    assert code == 0 and "data: not checked" in out
    code, out, _ = run_cli(["validate", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data")], capsys)
    assert code == 0 and f"data: A, B read from {tiny / 'data'}" in out
    (tiny / "data" / "BBB.csv").unlink()
    err = error_of(["validate", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data")], capsys)
    assert "symbol 'BBB' not found in data directory" in err and "Traceback" not in err


@pytest.mark.parametrize("command", ["run", "validate"])
def test_validate_refuses_a_nested_baseline_reading_a_field_the_data_lacks(tiny: Path, capsys, command: str) -> None:
    """'statistics: {baseline: {when: A volume > 0}}' on data of closes alone: run refused
    it ('the feature 'volume' needs the day's volume, and the data of 'AAA' has none'), but
    validate --data-dir checked the study's own condition only and printed 'ok'."""
    (tiny / "nested.yaml").write_text(STUDY.replace("statistics: {placebos: 200, seed: 3}", "statistics: {baseline: {when: A volume > 0}}"))
    err = error_of([command, str(tiny / "nested.yaml"), "--data-dir", str(tiny / "data"), *(["--placebos", "20"] if command == "run" else [])], capsys)
    assert err.startswith(f"{tiny / 'nested.yaml'}:8:31: error: the feature 'volume' needs the day's volume, and the data of 'AAA' has none")
    assert "Traceback" not in err


@pytest.mark.parametrize(("window", "expected"), [
    ("{start: 2021-01-01}", ":4:17: error: the window 2021-01-01 .. open has no data: the study's series have common dates 2020-01-01 .. 2020-02-29"),
    ("{end: 2019-06-30}", ":4:15: error: the window open .. 2019-06-30 has no data: the study's series have common dates 2020-01-01 .. 2020-02-29"),
    (None, ":2:9: error: the series A, B have no date in common"),
])
def test_validate_refuses_a_calendar_or_window_without_data_as_run_does(tiny: Path, capsys, window: str | None, expected: str) -> None:
    """A window after (or before) the data, or series with no date in common: run stopped
    at 'the window 2021-01-01 .. open has no data: ...' or 'the series A, B have no date in
    common', but validate --data-dir read the same data and printed 'ok'."""
    if window is None:  # B's closes a year later than A's
        write_series(tiny / "data" / "BBB.csv", [100.0 + i for i in range(60)], start=dt.date(2021, 1, 1))
    (tiny / "late.yaml").write_text(STUDY.replace("{start: 2020-01-01}", window or "{start: 2020-01-01}"))
    args = [str(tiny / "late.yaml"), "--data-dir", str(tiny / "data")]
    err = error_of(["validate", *args], capsys)
    assert err == error_of(["run", *args], capsys)
    assert err.startswith(f"{tiny / 'late.yaml'}{expected}")


@pytest.mark.parametrize("listed", [False, True])
def test_validate_refuses_a_universe_window_without_data_as_run_does(tiny: Path, capsys, listed: bool) -> None:
    """The same of a universe, its long file's or its listed symbols' days: validate
    --data-dir read every row and printed 'ok', run stopped at 'the window 2021-01-01 ..
    open has no data: the universe has days 2020-01-01 .. 2020-02-29'."""
    study = write_panel(tiny, "csv")
    text = study.read_text().replace("when:", "window: {start: 2021-01-01}\nwhen:")
    study.write_text(text.replace("{data_file: panel.csv}", "[BBB]") if listed else text)
    args = [str(study), "--data-dir", str(tiny / "data")]
    err = error_of(["validate", *args], capsys)
    assert err == error_of(["run", *args], capsys)
    assert err.startswith(f"{study}:4:17: error: the window 2021-01-01 .. open has no data: the universe has days 2020-01-01 .. 2020-02-29")


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("listed", [False, True])
def test_a_universe_without_a_market_day_is_refused_by_validate_and_run(tiny: Path, capsys, fmt: str, listed: bool) -> None:
    """Stocks whose rows all fall on days without a market close: run crashed with an
    IndexError traceback ('index 0 is out of bounds', the window's first day of an empty
    calendar) and validate printed 'ok'. Both now refuse it at the market series."""
    study = write_panel(tiny, fmt)
    if listed:
        study.write_text(study.read_text().replace("{data_file: panel.csv}", "[BBB]").replace("{data_file: panel.parquet}", "[BBB]"))
    write_series(tiny / "data" / "AAA.csv", [100.0 + i for i in range(60)], start=dt.date(2021, 1, 1))  # the market a year later
    args = [str(study), "--data-dir", str(tiny / "data")]
    err = error_of(["validate", *args], capsys)
    assert err == error_of(["run", *args], capsys)
    assert err.startswith(f"{study}:2:9: error: the universe's stocks have no date on which A has a close: their rows run 2020-01-01 .. 2020-02-29")
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("universe", "expected"),
    [
        (False, ":8:40: error: a nested baseline (statistics.baseline) is not supported by the histories null yet"),
        (True, "error: the histories null rebuilds the universe from its closes, and the condition reads the day's volume"),
    ],
)
@pytest.mark.parametrize("command", ["run", "validate"])
def test_validate_refuses_the_null_the_run_refuses(tiny: Path, capsys, universe: bool, expected: str, command: str) -> None:
    """'null: histories' beside a nested baseline, or in a universe whose condition reads
    the day's volume: run (and explain) refused the study before reading a price, with no
    data needed to know it, but validate printed 'ok'."""
    if universe:
        text = PANEL_STUDY.format(panel="panel.csv").replace("close at 20-day high", "volume > 2 * volume_sma(5)")
        text = text.replace("seed: 3", "seed: 3, null: histories")
    else:
        text = STUDY.replace("statistics: {placebos: 200, seed: 3}", "statistics: {seed: 3, null: histories, baseline: {when: A at ATH}}")
    (tiny / "null.yaml").write_text(text)
    if command == "run":  # a universe refuses it before reading its data, a timeline once it has its calendar
        err = error_of(["run", str(tiny / "null.yaml"), "--data-dir", str(tiny / "data")], capsys)
    else:
        err = error_of(["validate", str(tiny / "null.yaml")], capsys)
    assert expected in err.splitlines()[0]


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("series: {A: AAA, B: BBX}", "series: {A: AAA, B: BBX}"),  # a series' value
        ("series: [AAA, BBX]", "series: [AAA, BBX]"),  # a list of symbols
        ("universe: [AAA, BBX]", "universe: [AAA, BBX]"),  # a universe's symbol
        ("universe:\n  symbols:\n    - AAA\n    - BBX", "    - BBX"),
    ],
)
@pytest.mark.parametrize("command", ["run", "validate"])
def test_a_missing_symbol_is_shown_where_the_study_names_it(tiny: Path, capsys, text: str, written: str, command: str) -> None:
    """A symbol the data directory lacks is a typo in the study as often as a missing
    file: the error points at the line and column that name it, with a caret under it
    (it pointed at the data directory alone)."""
    first = "" if "universe" in text else ("AAA" if "[" in text else "A")
    when = f"{first} at ATH" if first else "close at 20-day high"
    assets = f"assets: [{first}], " if first else ""
    (tiny / "typo.yaml").write_text(f"name: typo\n{text}\nwhen: {when}\nevaluate:\n  - forward_returns: {{{assets}horizons: [1d]}}\n")
    err = error_of([command, str(tiny / "typo.yaml"), "--data-dir", str(tiny / "data")], capsys)
    line = f"name: typo\n{text}".splitlines().index(written) + 1
    column = written.index("BBX") + 1
    assert err.startswith(f"{tiny / 'typo.yaml'}:{line}:{column}: error: symbol 'BBX' (did you mean 'BBB'?) not found in data directory")
    assert f"    {written}\n    {' ' * (column - 1)}^^^\n" in err and "Traceback" not in err


PANEL_STUDY = """\
name: panel study
series: {{A: AAA}}
universe: {{data_file: {panel}}}
when: close at 20-day high
evaluate:
  - forward_returns: {{horizons: [1d]}}
statistics: {{placebos: 20, seed: 3}}
"""


def write_panel(tiny: Path, fmt: str, bad: str | None = None) -> Path:
    """A long file of three stocks (60 days each) in ``tiny``'s data folder, and a study of
    them as its universe; ``bad``: XB's close on its 31st day. ``parquet by date``: rows
    sorted by date, not by symbol."""
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(60)]
    rows = [(d, s, str(100 + i + k)) for k, s in enumerate(("XA", "XB", "XC")) for i, d in enumerate(days)]
    if bad is not None:
        rows[60 + 30] = (rows[90][0], "XB", bad)
    frame = pl.DataFrame(rows, schema={"date": pl.Date, "symbol": pl.String, "close": pl.String}, orient="row")
    name = "panel.csv" if fmt == "csv" else "panel.parquet"
    if fmt == "csv":
        frame.write_csv(tiny / "data" / name)
    else:
        typed = frame.with_columns(pl.col("close").cast(pl.Float64))
        (typed.sort("date", "symbol") if fmt == "parquet by date" else typed).write_parquet(tiny / "data" / name, row_group_size=50)
    (tiny / "panel.yaml").write_text(PANEL_STUDY.format(panel=name))
    return tiny / "panel.yaml"


@pytest.mark.parametrize("fmt", ["csv", "parquet", "parquet by date"])
def test_validate_reads_a_universe_panel_s_rows_as_run_does(tiny: Path, fmt: str, capsys) -> None:
    """validate found the panel file and its symbols and said ok; run then stopped at a bad
    row. Now validate reads the rows as run does and stops with run's located error."""
    study = write_panel(tiny, fmt)
    code, out, err = run_cli(["validate", str(study), "--data-dir", str(tiny / "data")], capsys)
    assert code == 0, err
    assert f"3 universe symbols and 1 market series found in {tiny / 'data'} (180 rows of panel." in out
    write_panel(tiny, fmt, bad="abc" if fmt == "csv" else "-1")
    err = error_of(["validate", str(study), "--data-dir", str(tiny / "data")], capsys)
    assert err == error_of(["run", str(study), "--data-dir", str(tiny / "data")], capsys)
    where = f"{tiny / 'data' / 'panel.csv'}:92: error: non-numeric close 'abc'" if fmt == "csv" else "(0-based parquet row index): non-positive close '-1.0'"
    assert where in err and "on '2020-01-31' for symbol 'XB'" in err


VALIDATE_LEAVES_OUT = (
    "polars", "numpy", "scipy", "urllib.request", "eventstudy.result",
    "eventstudy.data.load", "eventstudy.data.sources", "eventstudy.data.validate", "eventstudy.data.finder",
    "eventstudy.evaluators.excess_returns", "eventstudy.evaluators.excursions", "eventstudy.evaluators.hit_rate",
    "eventstudy.evaluators.path",  # the study names forward_returns only
    "eventstudy.inference.samplers", "eventstudy.events", "eventstudy.executor",
    "eventstudy.data.providers.fred", "eventstudy.data.providers.yahoo",
)
"""Modules ``validate`` without a data directory does not use (issue 12: it should cost
at most twice ``import polars``, and each of these was once imported on its way; polars
itself loads through :mod:`eventstudy._polars` when there are prices to read)."""


def test_validate_without_data_leaves_the_rest_of_the_pipeline_unimported() -> None:
    code = (
        "import sys\nfrom eventstudy.cli import main\n"
        f"assert main(['validate', {str(CONFIG)!r}]) == 0\n"
        f"print(sorted(m for m in {VALIDATE_LEAVES_OUT!r} if m in sys.modules))"
    )
    env = {k: v for k, v in os.environ.items() if k != "EVENTSTUDY_DATA"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=CONFIG.parents[1])
    assert proc.returncode == 0, proc.stderr
    assert "data: not checked" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def test_no_shipped_study_needs_polars_to_validate() -> None:
    """Every evaluator module takes polars from eventstudy._polars; a study with an
    event_study block imports the tests' names (scipy, and polars with it) by design."""
    studies = [str(c) for c in sorted(CONFIG.parent.glob("*.yaml")) if "\nevent_study:" not in c.read_text()]
    code = (
        "import contextlib, io, sys\nfrom eventstudy.cli import main\n"
        f"for study in {studies!r}:\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        assert main(['validate', study]) == 0, study\n"
        "    print(study, sorted(m for m in ('polars', 'numpy', 'scipy') if m in sys.modules))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "EVENTSTUDY_DATA"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=CONFIG.parents[1])
    assert proc.returncode == 0, proc.stderr
    assert len(studies) >= 4 and proc.stdout.splitlines() == [f"{study} []" for study in studies]


def test_validate_with_data_loads_polars_on_first_use(tiny: Path) -> None:
    """The other side of the lazy import: the modules that use ``eventstudy._polars`` get
    polars itself once prices are read."""
    code = (
        "import sys\nfrom eventstudy.cli import main\nfrom eventstudy._polars import pl\n"
        f"assert main(['validate', {str(tiny / 'study.yaml')!r}, '--data-dir', {str(tiny / 'data')!r}]) == 0\n"
        "import polars\nprint(pl.DataFrame is polars.DataFrame, pl.col is polars.col)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "data: A, B read from" in proc.stdout and proc.stdout.strip().splitlines()[-1] == "True True"


def test_every_shipped_study_validates_from_the_command_line(capsys) -> None:
    """A universe study's bare features belong to each stock (issue 14, bug 1: `validate`
    read them as a study of named series and exited 2)."""
    for config in sorted(CONFIG.parent.glob("*.yaml")):
        code, out, err = run_cli(["validate", str(config)], capsys)
        assert code == 0 and "ok" in out, (config.name, err)
    code, out, _ = run_cli(["validate", str(CONFIG.parent / "sp500_52w_high.yaml")], capsys)
    assert "condition: close at 52-week high and SPX drawdown >= 5%" in out


def test_list_features_and_evaluators(capsys) -> None:
    code, out, _ = run_cli(["list", "features"], capsys)
    assert code == 0 and "drawdown" in out and "sma(n)" in out
    code, out, _ = run_cli(["list", "evaluators"], capsys)
    assert code == 0 and "forward_returns" in out


# --- errors: exit code 2, one message, no traceback -------------------------------------

def error_of(args: list[str], capsys) -> str:
    code, out, err = run_cli(args, capsys)
    assert code == 2, (out, err)
    assert "Traceback" not in err
    assert "error:" in err.splitlines()[0]
    return err


def test_error_missing_study_file(tmp_path: Path, capsys) -> None:
    err = error_of(["run", str(tmp_path / "missing.yaml")], capsys)
    assert "does not exist" in err


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("window: {start: 2020-01-01}", "window: {start: 2020-01-01", ":5:10: error: invalid YAML: expected ',' or '}', but got ':' (while parsing a flow mapping at line 4"),
        ("window:", "windw:", ":4:1: error: unknown key 'windw' in the study (did you mean 'window'?)"),
        ("horizons: [1d, 5d]", "horizons: [1d, 5dd]", "error: bad value '5dd' for 'evaluate.0.forward_returns.horizons.1'"),
        ("gap: 5,", "gap: 5x,", ":5:18: error: bad value '5x' for 'decluster.gap': bad gap '5x'"),
        ("assets: [A, B]", "assets: [A, C]", "error: unknown series 'C' in 'assets'"),
        # a time of day: it said 'bad value datetime.datetime(2020, 1, 1, 10, 0) for 'window.start': datetimes provided to dates should have zero time'
        ("window: {start: 2020-01-01}", "window: {start: 2020-01-01 10:00}",
         ":4:17: error: bad value '2020-01-01 10:00' for 'window.start': it has a time of day, and a window bound is a date"),
        ("window: {start: 2020-01-01}", "window: {start: 2020-01-01T10:00:00}",
         ":4:17: error: bad value '2020-01-01 10:00:00' for 'window.start': it has a time of day, and a window bound is a date"),
        # a section written as a value or a list: it said 'input should be a valid dictionary or instance of DeclusterSpec'
        ("decluster: {gap: 5, mode: after_kept}", "decluster: 5", ":5:12: error: bad value 5 for 'decluster': a mapping of its keys is needed, not a single value"),
        ("window: {start: 2020-01-01}", "window: [2020-01-01]", ":4:9: error: bad value for 'window': a mapping of its keys is needed, not a list"),
        ("forward_returns: {assets: [A, B], horizons: [1d, 5d]}", "forward_returns: [A, B]",
         ":7:22: error: bad value for 'evaluate.0.forward_returns': a mapping of its keys is needed, not a list"),
        # it said 'input should be a valid list', nothing of what plugins are
        ("window: {start: 2020-01-01}", "window: {start: 2020-01-01}\nplugins: my_pkg", ":5:10: error: bad value 'my_pkg' for 'plugins': plugins is a list of installed modules"),
    ],
)
def test_error_in_the_study_file_is_located(tiny: Path, capsys, old: str, new: str, expected: str) -> None:
    assert old in STUDY
    (tiny / "study.yaml").write_text(STUDY.replace(old, new))
    for command in ("run", "validate"):
        err = error_of([command, str(tiny / "study.yaml"), "--data-dir", str(tiny / "data")][: 2 if command == "validate" else 4], capsys)
        assert expected in err.splitlines()[0], err
        assert err.splitlines()[0].startswith(str(tiny / "study.yaml") + ":")
        assert "Spec" not in err and "Params" not in err, err  # no class of the code in the user's message


def test_an_impossible_date_is_underlined_whole(tiny: Path, capsys) -> None:
    """'2020-02-30' had one caret under its first digit, where every other bad value is underlined whole."""
    (tiny / "study.yaml").write_text(STUDY.replace("window: {start: 2020-01-01}", "window: {start: 2020-02-30}"))
    err = error_of(["validate", str(tiny / "study.yaml")], capsys)
    assert err.startswith(f"{tiny / 'study.yaml'}:4:17: error: '2020-02-30' is not a date")
    assert "    window: {start: 2020-02-30}\n                    ^^^^^^^^^^\n" in err


def test_error_unreadable_study_file(tmp_path: Path, capsys) -> None:
    err = error_of(["run", str(tmp_path)], capsys)
    assert "is a directory" in err


def test_error_condition_typo_has_a_caret(tiny: Path, capsys) -> None:
    (tiny / "study.yaml").write_text(STUDY.replace("B drawdown", "B drawdwn"))
    err = error_of(["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data")], capsys)
    assert f"{tiny / 'study.yaml'}:3:22: error: unknown feature 'drawdwn' (did you mean 'drawdown'?)" in err
    assert "^^^^^^^" in err


def test_error_unknown_series_in_condition(tiny: Path, capsys) -> None:
    (tiny / "study.yaml").write_text(STUDY.replace("A at ATH", "C at ATH"))
    err = error_of(["validate", str(tiny / "study.yaml")], capsys)
    assert "unknown series 'C'" in err and ":3:7:" in err


def test_error_data_dir_without_a_needed_symbol(tiny: Path, capsys) -> None:
    (tiny / "data" / "BBB.csv").unlink()
    err = error_of(["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data")], capsys)
    assert "BBB" in err and "BBB.csv" in err and "BBB.parquet" in err


def test_error_malformed_data_file_names_file_and_row(tiny: Path, capsys) -> None:
    path = tiny / "data" / "AAA.csv"
    lines = path.read_text().splitlines()
    lines[4] = "2020-01-04,-3"
    path.write_text("\n".join(lines) + "\n")
    out_dir = tiny / "out"
    err = error_of(["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "-o", str(out_dir)], capsys)
    assert "AAA.csv:5" in err
    assert not out_dir.exists()  # a failed run writes nothing


@pytest.mark.parametrize("unread_column", [False, True])
@pytest.mark.parametrize("command", ["run", "validate", "check"])
def test_a_row_with_a_field_too_many_is_located(tiny: Path, capsys, command: str, unread_column: bool) -> None:
    """polars' message ('found more fields than defined in Schema', and an option the user
    cannot set) named no row; and with a column no command reads (``note``), polars did
    not see the row at all, and its values were taken as they fell."""
    path = tiny / "data" / "AAA.csv"
    lines = path.read_text().splitlines()
    if unread_column:
        lines = [line + (",note" if k == 0 else ",x") for k, line in enumerate(lines)]
    lines[6] = lines[6] + ",7"
    path.write_text("\n".join(lines) + "\n")
    fields = 4 if unread_column else 3
    args = (["data", "check", "AAA", "--data-dir", str(tiny / "data")] if command == "check"
            else [command, str(tiny / "study.yaml"), "--data-dir", str(tiny / "data")])
    code, _, err = run_cli(args, capsys)
    assert code != 0 and "Traceback" not in err
    assert err.splitlines()[0].endswith(f"AAA.csv:7:1: error: {fields} fields where the header has {fields - 1}"), err
    assert "truncate_ragged_lines" not in err


def test_error_window_with_no_data(tiny: Path, capsys) -> None:
    err = error_of(["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "--start", "1990-01-01", "--end", "1990-12-31"], capsys)
    assert "has no data" in err and "2020-01-01" in err


@pytest.mark.parametrize(
    ("window", "options", "where"),
    [
        ("{start: 2021-01-01}", [], ":4:17:"),  # the start, after the data's last day (2020-02-29)
        ("{start: 2019-01-01, end: 2019-06-30}", [], ":4:34:"),  # the end, before its first
        ("{start: 2020-01-04, end: 2020-01-05}", [], ":4:9:"),  # the window, on no day of the data (a weekend gap)
        ("{start: 2018-01-01, end: 2019-06-30}", ["--start", "2019-01-01"], ":4:34:"),  # the file's end; the start is the option's
        ("{start: 2021-01-01}", ["--start", "2021-02-01"], None),  # the option's start: not the file's
    ],
)
def test_a_window_with_no_data_is_shown_where_the_study_sets_it(tiny: Path, capsys, window: str, options: list[str], where: str | None) -> None:
    """Regression: 'window: {start: 2021-01-01}' past the data's end read 'error: the window
    2021-01-01 .. open has no data: ...', no file, line or caret, where every other mistake
    in a study file is shown where it is written."""
    for name in ("AAA", "BBB"):  # a weekend gap: no close on 2020-01-04 and 2020-01-05
        path = tiny / "data" / f"{name}.csv"
        path.write_text("".join(line + "\n" for line in path.read_text().splitlines() if not line.startswith(("2020-01-04", "2020-01-05"))))
    (tiny / "study.yaml").write_text(STUDY.replace("window: {start: 2020-01-01}", f"window: {window}"))
    err = error_of(["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), *options], capsys)
    first = err.splitlines()[0]
    assert "has no data" in first
    if where is None:
        assert first.startswith("error: ")
    else:
        assert first.startswith(f"{tiny / 'study.yaml'}{where} error: "), err
        assert "^" in err


def test_error_no_data_dir_anywhere(tiny: Path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("EVENTSTUDY_DATA", raising=False)
    err = error_of(["run", str(tiny / "study.yaml")], capsys)
    assert "--data-dir" in err and "EVENTSTUDY_DATA" in err


def test_env_var_supplies_the_data_dir(tiny: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("EVENTSTUDY_DATA", str(tiny / "data"))
    code, _, err = run_cli(["run", str(tiny / "study.yaml")], capsys)
    assert code == 0, err


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        (["--pull"], "error: nothing to pull: every series (AAA, BBB) is read from the data directory"),
        (["--cache-dir", "cache"], "error: the download cache 'cache' is not read: every series (AAA, BBB) is read from the data directory"),
    ],
)
def test_pull_and_cache_dir_are_refused_when_the_data_directory_has_every_series(tiny: Path, capsys, option: list[str], expected: str) -> None:
    # the run went on with the directory's files, nothing pulled and no word said
    err = error_of(["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), *option], capsys)
    assert expected in err, err


def test_bad_date_on_the_command_line(tiny: Path, capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["run", str(tiny / "study.yaml"), "--end", "2024-13-01"])
    assert info.value.code == 2
    assert "not a date" in capsys.readouterr().err


@pytest.mark.parametrize(("given", "expected"), [
    ("5", "argument --histories: '5' is fewer than 19"),
    ("200000", "argument --histories: '200000' is more than 100,000"),
])
@pytest.mark.parametrize("command", ["run", "sweep"])
def test_histories_out_of_range_names_the_option(tiny: Path, capsys, command: str, given: str, expected: str) -> None:
    """'--histories 5' said 'error: bad value 5 for 'histories': input should be greater
    than or equal to 19', a study key's words for an option; it is refused as the option
    it is, with the study's bounds (config.StatisticsSpec)."""
    with pytest.raises(SystemExit) as info:
        main([command, str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "--histories", given])
    assert info.value.code == 2
    assert expected in capsys.readouterr().err


def test_a_failed_write_leaves_no_partial_files(tiny: Path, capsys, monkeypatch) -> None:
    out_dir = tiny / "out"
    out_dir.mkdir()
    (out_dir / "summary.csv").write_text("old\n")
    (out_dir / "manifest.json").write_text('{"outputs": {"summary.csv": ""}}\n')  # an earlier run's folder

    def explode(result, path):
        raise OSError("disk full")

    monkeypatch.setitem(report_files.OUTPUT_FILES, "summary.csv", explode)
    with pytest.raises(OSError):
        main(["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "-o", str(out_dir)])
    assert sorted(p.name for p in out_dir.iterdir()) == ["manifest.json", "summary.csv"]
    assert (out_dir / "summary.csv").read_text() == "old\n"
    assert not [p for p in tiny.iterdir() if p.name.startswith(".out.")]


@pytest.mark.slow
def test_an_output_folder_is_replaced_whole_or_not_at_all(tiny: Path, capsys) -> None:
    """Issue 15: files were moved in one by one (a kill left old and new mixed), a folder
    named result.json made the move fail halfway, and a universe run's by_symbol.csv
    stayed beside a later run's files."""
    out_dir = tiny / "out"
    args = ["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "-o", str(out_dir)]
    assert main(args) == 0
    (out_dir / "by_symbol.csv").write_text("from an earlier universe run\n")  # which its manifest lists
    manifest = json.loads((out_dir / "manifest.json").read_text())
    manifest["outputs"]["by_symbol.csv"] = ""
    (out_dir / "manifest.json").write_text(json.dumps(manifest))
    (tiny / ".out.abc123.partial").mkdir()  # what a killed run leaves
    assert main(args) == 0
    names = {p.name for p in out_dir.iterdir()}
    assert "by_symbol.csv" not in names and {"manifest.json", "events.csv", "summary.csv"} <= names
    assert not [p for p in tiny.iterdir() if p.name.startswith(".out.")]
    capsys.readouterr()
    (out_dir / "result.json").unlink()
    (out_dir / "result.json").mkdir()  # a folder where a file goes: refused before anything is written
    before = sorted(p.name for p in out_dir.iterdir())
    assert main(args) == 2
    assert "holds what an eventstudy run did not write (result.json)" in capsys.readouterr().err
    assert sorted(p.name for p in out_dir.iterdir()) == before
    mine = tiny / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("my own file\n")
    assert main(["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "-o", str(mine)]) == 2
    assert (mine / "notes.txt").read_text() == "my own file\n"
    # files named like outputs are no run's unless its manifest lists them: a user's notes
    # beside a run's files, and data beside a result.json printed there, were deleted
    (out_dir / "result.json").rmdir()
    assert main(args) == 0
    (out_dir / "my_notes.md").write_text("mine\n")
    (out_dir / "my_prices.csv").write_text("date,close\n")
    assert main(args) == 2 and "(my_notes.md, my_prices.csv)" in capsys.readouterr().err
    assert (out_dir / "my_notes.md").read_text() == "mine\n"
    data = tiny / "both"
    data.mkdir()
    for name in ("AAA.csv", "BBB.csv"):
        (data / name).write_bytes((tiny / "data" / name).read_bytes())
    (data / "result.json").write_text("{}\n")  # eventstudy run --format json > both/result.json
    assert main(["run", str(tiny / "study.yaml"), "--data-dir", str(data), "-o", str(data)]) == 2
    assert sorted(p.name for p in data.iterdir()) == ["AAA.csv", "BBB.csv", "result.json"]


def test_an_output_folder_that_is_a_symlink_stays_one_and_leaves_no_debris(tiny: Path, capsys) -> None:
    """'--output LINK', LINK a symbolic link to a folder: the link was exchanged for the new
    folder (the folder it led to stayed empty) and left beside it as '.LINK.*.partial'. The
    folder it leads to is written, by the rule of any output folder; so is one reached
    through a linked parent; a link that leads nowhere is refused in one line."""
    args = ["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "--placebos", "0", "--quiet", "-o"]
    (tiny / "target").mkdir()
    link = tiny / "LINK"
    link.symlink_to("target")
    (tiny / "parent").mkdir()
    (tiny / "LINKED").symlink_to("parent")

    def debris() -> list[str]:
        return sorted(p.name for folder in (tiny, tiny / "parent") for p in folder.iterdir() if p.name.startswith("."))

    (tiny / "parent" / "LINK").symlink_to("../target")
    (tiny / ".target.x1.partial").symlink_to("target")  # what the bug left when a link and its folder share a name
    # a new output, an earlier run's replaced through its link, through a link beside a linked parent, and under one
    for out in (link, link, tiny / "LINKED" / "LINK", tiny / "LINKED" / "out"):
        assert main([*args, str(out)]) == 0, capsys.readouterr().err
        assert link.is_symlink() and (tiny / "parent" / "LINK").is_symlink() and (tiny / "LINKED").is_symlink()
        assert {"manifest.json", "events.csv", "summary.csv"} <= {p.name for p in (tiny / "target").iterdir()}
        assert debris() == []
    assert (tiny / "parent" / "out" / "manifest.json").is_file()
    (tiny / "target" / "mine.txt").write_text("my own file\n")
    assert main([*args, str(link)]) == 2
    assert f"the output folder 'LINK' (a link to {str(tiny / 'target')!r}) holds what an eventstudy run did not write (mine.txt)" in (
        capsys.readouterr().err.replace(str(tiny / "LINK"), "LINK"))
    assert (tiny / "target" / "mine.txt").read_text() == "my own file\n" and debris() == []
    (tiny / "nowhere").symlink_to("missing")
    for out, message in ((tiny / "nowhere", "is a symbolic link to 'missing', which does not exist"),
                         (tiny / "nowhere" / "out", f"leads through {str(tiny / 'nowhere')!r}, a symbolic link to 'missing'")):
        assert main([*args, str(out)]) == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err and "hint: create the folder the link leads to" in err
    assert not (tiny / "missing").exists() and debris() == []


def test_console_script_runs_without_traceback(tiny: Path) -> None:
    exe = shutil.which("eventstudy", path=str(Path(sys.executable).parent))
    assert exe, "the eventstudy command is installed with the package"
    (tiny / "study.yaml").write_text(STUDY.replace("B drawdown", "B drawdwn"))
    proc = subprocess.run([exe, "validate", str(tiny / "study.yaml")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "did you mean 'drawdown'" in proc.stderr


def test_the_console_script_ends_after_its_output_and_files_are_complete(tiny: Path, capsys) -> None:
    """The command skips the interpreter's teardown (cli.entry): what it printed and wrote
    must still be whole, exactly what main gives in-process, and a reader that leaves
    early must not cost a traceback."""
    exe = shutil.which("eventstudy", path=str(Path(sys.executable).parent))
    assert exe, "the eventstudy command is installed with the package"
    args = ["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "-q"]
    proc = subprocess.run([exe, *args, "-o", str(tiny / "out")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    code, out, _ = run_cli([*args, "-o", str(tiny / "again")], capsys)
    assert code == 0 and proc.stdout == out and "Summary" in out
    assert json.loads((tiny / "out" / "result.json").read_text()) == json.loads((tiny / "again" / "result.json").read_text())
    piped = subprocess.run(f"'{exe}' {' '.join(args)} | head -1", shell=True, capture_output=True, text=True)
    assert piped.stdout.strip() and "Traceback" not in piped.stderr and "Exception ignored" not in piped.stderr, piped.stderr


@pytest.mark.shared_data
def test_the_readme_command_on_real_data(shared_data: Path, capsys) -> None:
    code, out, err = run_cli(["run", str(CONFIG), "--data-dir", str(shared_data), "--end", "2024-12-31"], capsys)
    assert code == 0, err
    assert "Instances (18)" in out


# --- statistics -----------------------------------------------------------------------

@pytest.mark.slow
def test_same_seed_gives_byte_identical_outputs(tiny: Path, capsys) -> None:
    base = ["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "--histories", "50"]
    for name in ("a", "b"):
        assert run_cli([*base, "--seed", "11", "-o", str(tiny / name)], capsys)[0] == 0
    assert run_cli([*base, "--seed", "12", "-o", str(tiny / "c")], capsys)[0] == 0
    for path in sorted((tiny / "a").iterdir()):
        if path.name == "manifest.json":  # records the command line (its output folder) and timings
            continue
        assert path.read_bytes() == (tiny / "b" / path.name).read_bytes(), path.name
    manifests = [json.loads((tiny / name / "manifest.json").read_text()) for name in ("a", "b")]
    assert manifests[0]["outputs"] == manifests[1]["outputs"]  # every other file, byte for byte
    assert (tiny / "a" / "tests.csv").read_bytes() != (tiny / "c" / "tests.csv").read_bytes()


def test_tests_csv_has_the_documented_columns(tiny: Path, capsys) -> None:
    assert run_cli(["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "-o", str(tiny / "out")], capsys)[0] == 0
    with (tiny / "out" / "tests.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    for column in ("cell", "statistic", "observed", "baseline", "difference", "p_placebo", "p_holm", "p_bh",
                   "p_maxstat", "ci_low", "ci_high", "n", "n_eff", "mde"):
        assert column in rows[0]
    assert {r["statistic"] for r in rows} == {"mean", "median", "pct_positive"}
    assert len(rows) == 2 * 2 * 3  # assets x horizons x statistics
    for r in rows:
        if r["p_placebo"]:
            p = float(r["p_placebo"])
            assert 1 / 201 <= p <= 1  # (1 + count) / (B + 1) with B = 200
            assert float(r["p_maxstat"]) >= p - 1e-12


def test_placebos_zero_skips_the_tests_but_keeps_the_file(tiny: Path, capsys) -> None:
    code, out, _ = run_cli(["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "--placebos", "0", "-o", str(tiny / "out")], capsys)
    assert code == 0 and "significance tests skipped" in out
    with (tiny / "out" / "tests.csv").open() as handle:
        assert list(csv.reader(handle)) == [next(csv.reader((tiny / "out" / "tests.csv").open()))]


def test_nested_baseline_draws_from_the_base_condition(tiny: Path, capsys) -> None:
    (tiny / "study.yaml").write_text(STUDY.replace("statistics: {placebos: 200, seed: 3}", "statistics: {placebos: 200, seed: 3, baseline: {when: A at ATH}}"))
    code, out, err = run_cli(["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "-f", "json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["statistics"]["baseline"] == {"when": "A at ATH"}
    assert any("drawn only from days where 'A at ATH'" in note for note in doc["notes"])
    # the nested baseline is the average over A-at-ATH days only: not the all-days figure
    assert {t["baseline"] for t in doc["tests"] if t["statistic"] == "mean"} != {
        s["baseline_mean"] for s in doc["summary"]
    }


def test_errors_in_the_statistics_block_are_located(tiny: Path, capsys) -> None:
    (tiny / "study.yaml").write_text(STUDY.replace("placebos: 200, seed: 3", "placebos: 200, seed: 3, null: circulr"))
    err = error_of(["validate", str(tiny / "study.yaml")], capsys)
    assert ":8:44: error: unknown null 'circulr' for a study of named series (did you mean 'circular'?)" in err
    (tiny / "study.yaml").write_text(STUDY.replace("placebos: 200, seed: 3", "placebos: 200, baseline: {when: A at AHT}"))
    err = error_of(["validate", str(tiny / "study.yaml")], capsys)
    assert "unknown level 'AHT'" in err or "AHT" in err
    assert "^^^" in err


def test_calibrate_reports_rejection_rates(tiny: Path, capsys) -> None:
    out_csv = tiny / "cal" / "calibration.csv"
    code, out, err = run_cli(
        ["calibrate", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "--studies", "50",
         "--placebos", "99", "--effects", "0,0.05", "-o", str(out_csv)], capsys)
    assert code == 0, err
    table = pl.read_csv(out_csv)
    assert {"test", "effect", "reject_5pct"} <= set(table.columns)
    assert table["reject_5pct"].is_between(0, 1).all()
    # one compact table: a row per test, a column per horizon, the rate at 5% with its Wilson interval
    lines = out.splitlines()
    (header,) = [line for line in lines if line.startswith("test ")]
    assert header.split() == ["test", "1d", "5d"]
    size = table.filter(pl.col("effect") == 0.0)
    assert len([line for line in lines if line.split()[:1] and line.split()[0] in set(size["test"])]) == size["test"].n_unique()
    row = size.filter((pl.col("test") == "placebo_mean") & (pl.col("horizon") == "1d")).row(0, named=True)
    from eventstudy.inference.intervals import wilson_interval

    ci = wilson_interval(round(row["reject_5pct"] * 50), 50)
    cell = f"{row['reject_5pct'] * 100:.1f} [{ci.low * 100:.1f}, {ci.high * 100:.1f}]"
    assert re.search(rf"^placebo_mean +{re.escape(cell)}\*? ", next(line for line in lines if line.startswith("placebo_mean")))
    assert "rejection rate at alpha = 1% / 5% / 10%" not in out and "power at alpha" not in out and "--verbose" in out
    assert len(lines) < 25
    code, verbose, err = run_cli(
        ["calibrate", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "--studies", "50",
         "--placebos", "99", "--effects", "0,0.05", "--verbose"], capsys)
    assert code == 0, err
    assert verbose.startswith(out.split("--verbose")[0])  # the same table, then the details
    assert "rejection rate at alpha = 1% / 5% / 10%" in verbose and "power at alpha = 5% for planted effects" in verbose


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--studies", "0"], "argument --studies: '0' must be 1 or more"),
        (["--horizon", "7y"], "--horizon '7y' is not one of SPX's horizons"),
        (["--asset", "XYZ"], "--asset 'XYZ' is not one of the study's"),
        (["--pseudo", "bogus"], "invalid choice: 'bogus'"),
        (["--effects", "nan,inf"], "bad --effects 'nan,inf'"),
    ],
)
def test_calibrate_refuses_bad_options_with_a_message(shared_data: Path, capsys, extra: list[str], message: str) -> None:
    """Issue 15: each was a ValueError traceback (exit 1), or accepted (nan, inf)."""
    import contextlib

    argparse_error = extra[0] in ("--studies", "--pseudo")  # argparse exits 2 itself
    with pytest.raises(SystemExit) if argparse_error else contextlib.nullcontext():
        code, _, err = run_cli(["calibrate", str(CONFIG), "--data-dir", str(shared_data), *extra], capsys)
        assert code == 2 and message in err and "Traceback" not in err
    if argparse_error:
        assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message", "hint"),
    [
        (["--event-tests", "--replications", "2", "--firms", "10", "--studies", "5"], "--studies is not used by calibrate --event-tests",
         "only calibrate STUDY (placebo studies on its data) reads it"),
        (["--event-tests", "--replications", "2", "--firms", "10", "--simulate", "garch"], "--simulate is not used by calibrate --event-tests", "calibrate --simulate universe"),
        (["--simulate", "universe", "--replications", "1", "--symbols", "5", "--days", "100", "--pseudo", "circular"], "--pseudo is not used by calibrate --simulate universe",
         "only calibrate STUDY"),
        (["--simulate", "universe", "--replications", "1", "--symbols", "5", "--days", "100", "--effects", "0.1"], "--effects is not used by calibrate --simulate universe",
         "calibrate --event-tests read it"),
        ([str(CONFIG), "--simulate", "garch", "--replications", "1", "--days", "300"], "the study file is not used by calibrate --simulate garch",
         "calibrate --simulate bootstrap read it"),
        # placebo studies check every placebo null: '--null histories' checked the runs null without a word,
        # and '--null matched' or '--null circular' (or '--null garbage') changed no byte of the output
        ([str(CONFIG), "--null", "histories"], "--null is not used by calibrate STUDY (placebo studies on its data): it checks the matched, "
         "circular and runs placebo tests on pseudo-events planted in the study's data, side by side",
         "'eventstudy calibrate --simulate garch'"),
        ([str(CONFIG), "--null", "matched", "--studies", "5", "--placebos", "19", "--horizon", "1w"], "--null is not used by calibrate STUDY (placebo studies on its data): it checks the "
         "matched, circular and runs placebo tests on pseudo-events planted in the study's data, side by side", "drop it"),
        (["--simulate", "garch", "--replications", "1", "--days", "300", "--null", "runs"],
         "--null is not used by calibrate --simulate garch: it checks the histories null and the runs placebo, side by side", "drop it"),
        # written with its default value, an option of another mode ran without a word ('--factor 0.25' is no
        # share of anything on garch histories; '--studies 1000' no count of the simulated histories)
        (["--simulate", "garch", "--replications", "1", "--days", "300", "--factor", "0.25"], "--factor is not used by calibrate --simulate garch",
         "only calibrate --simulate universe reads it"),
        (["--simulate", "garch", "--replications", "1", "--days", "300", "--studies", "1000"], "--studies is not used by calibrate --simulate garch",
         "only calibrate STUDY (placebo studies on its data) reads it"),
        ([str(CONFIG), "--replications", "400", "--studies", "5"], "--replications is not used by calibrate STUDY (placebo studies on its data)",
         "calibrate --event-tests read it"),
        (["--event-tests", "--replications", "2", "--firms", "10", "--pseudo", "matched"], "--pseudo is not used by calibrate --event-tests",
         "only calibrate STUDY"),
    ],
)
def test_calibrate_refuses_an_option_its_mode_does_not_read(capsys, extra: list[str], message: str, hint: str) -> None:
    """calibrate's options each belong to some of its modes, and the others dropped them
    without a word: '--simulate garch --studies 50' ran the default 400 histories, and
    '--event-tests --simulate garch' the event tests."""
    code, _, err = run_cli(["calibrate", "-q", *extra], capsys)
    assert code == 2 and "Traceback" not in err
    assert err.splitlines()[0] == f"error: {message}"
    assert hint in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--event-tests", "--effects", "abc"], "bad --effects 'abc'"),
        (["--event-tests", "--seed", "-1"], "bad value -1 for 'seed': input should be greater than or equal to 0"),
        (["--simulate", "garch", "--seed", "-1"], "bad value -1 for 'seed': input should be greater than or equal to 0"),
        (["--simulate", "universe", "--seed", "-1"], "bad value -1 for 'seed': input should be greater than or equal to 0"),
        (["--simulate", "garch", "--histories", "5"], "--histories 5 cannot reject at 5%: its smallest p-value is 1/6"),
        (["--simulate", "garch", "--block-length", "0.5"], "--block-length 0.5 is not a mean block length"),
        (["--simulate", "bootstrap", "--block-length", "nan"], "--block-length nan is not a mean block length"),
        (["--simulate", "garch", "--placebos", "0"], "--placebos 0 leaves the runs placebo test of calibrate --simulate garch without placebo"),
        (["--simulate", "universe", "--placebos", "0"], "--placebos 0 leaves the 'dates' null of calibrate --simulate universe without placebo"),
        ([str(CONFIG), "--placebos", "0"], "--placebos 0 leaves the placebo tests of calibrate STUDY without placebo sets"),
        # a test that cannot reject read as one that never does: 'placebo_mean 0.0 [0.0, 3.7]*' with 100 studies and 10 placebos
        ([str(CONFIG), "--placebos", "10"], "--placebos 10 leaves the placebo tests of calibrate STUDY unable to reject at 5%: "
         "a p-value from 10 placebo sets is at least 1/11"),
        (["--simulate", "garch", "--placebos", "18"], "--placebos 18 leaves the runs placebo test of calibrate --simulate garch unable to reject"),
        (["--simulate", "universe", "--placebos", "5"], "--placebos 5 leaves the 'dates' null of calibrate --simulate universe unable to reject"),
        # refused in the study the calibration writes, as '<study>:8:49: error: bad value for ...' (a universe's after
        # simulating its first panel, in a temporary file since deleted)
        # each history's tests were counted twice, and the Wilson intervals were as narrow as for twice the histories
        (["--simulate", "garch", "--condition", "A at ATH", "--condition", "A at ATH"], "--condition 'A at ATH' is given twice"),
        (["--simulate", "garch", "--horizon", "1m", "--horizon", "21d"], "--horizon '1m' and '21d' are the same horizon (21 trading days)"),
        (["--simulate", "universe", "--horizon", "1m", "--horizon", "1m"], "--horizon '1m' and '1m' are the same horizon (21 trading days)"),
        (["--simulate", "garch", "--days", "100", "--replications", "2", "--histories", "19", "--condition", "A at ATH", "--horizon", "1w"],
         "no cell had the three events a test needs in 2 simulated histories of 100 days"),
        (["--simulate", "garch", "--days", "3000", "--replications", "1", "--histories", "19", "--condition", "A rsi(14) < 20", "--horizon", "1w", "--seed", "3"],
         "no cell had the three events a test needs in 1 simulated histories of 3,000 days"),
    ],
)
def test_calibrate_refuses_a_value_it_cannot_use(capsys, extra: list[str], message: str) -> None:
    """Each ended in a traceback (ValueError, pydantic's ValidationError, numpy's 'expected
    non-negative integer', polars' 'unable to find column "p"' when no history had events),
    or was replaced without a word: '--simulate garch --placebos 0' ran 1,000 placebos, a
    universe's 500."""
    small = {"--event-tests": ["--replications", "2", "--firms", "5"], "garch": ["--replications", "1", "--days", "300"],
             "bootstrap": ["--replications", "1", "--days", "300"], "universe": ["--replications", "1", "--symbols", "5", "--days", "300"]}
    sizes = next((v for k, v in small.items() if k in extra and "--replications" not in extra), [])  # a run, if one starts, is short
    code, _, err = run_cli(["calibrate", "-q", *extra, *sizes], capsys)
    assert code == 2 and "Traceback" not in err
    assert err.splitlines()[0].startswith(f"error: {message}")


def test_calibrate_study_measures_the_size_whatever_the_effects(tiny: Path, capsys) -> None:
    """'--effects 0.05' printed an empty table titled 'Rejections at 5% with no effect ()':
    the table is the rates with no effect, which the effects given did not include."""
    out_csv = tiny / "calibration.csv"
    code, out, err = run_cli(
        ["calibrate", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "--studies", "20",
         "--placebos", "49", "--effects", "0.05", "-o", str(out_csv), "-q"], capsys)
    assert code == 0, err
    assert sorted(pl.read_csv(out_csv)["effect"].unique()) == [0.0, 0.05]
    assert "with no effect (A)" in out and any(line.startswith("placebo_mean ") for line in out.splitlines())


def test_calibrate_names_each_planted_effect_as_given(tiny: Path, capsys) -> None:
    """The power lines wrote an effect with ':.0%' after a '+': 0.005 read '+0%' and -0.01 '+-1%'."""
    code, out, err = run_cli(
        ["calibrate", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "--studies", "5", "--placebos", "19",
         "--effects", "0,0.005,-0.01", "--verbose", "-q"], capsys)
    assert code == 0, err
    power = out.split("power at alpha = 5%")[1]
    assert "+0.5%: " in power and " -1%: " in power and "+0%" not in power and "+-" not in power


def test_calibrate_study_refuses_a_study_it_cannot_plant_pseudo_events_in(tmp_path: Path, capsys) -> None:
    """A universe study, and a study with an event_study: block alone, ended in a traceback
    ('ValueError: every kept event must be a day of the study window'), after reading the data."""
    universe = CONFIG.parent / "sp500_52w_high.yaml"
    code, _, err = run_cli(["calibrate", str(universe), "--studies", "5", "--placebos", "19"], capsys)
    assert code == 2 and "Traceback" not in err
    assert err.splitlines()[0] == f"{universe}:9:1: error: calibrate STUDY plants pseudo-events in a study of named series; this is a universe study"
    assert "calibrate --simulate universe" in err
    alone = tmp_path / "alone.yaml"
    alone.write_text("name: x\nseries: {A: AAA, B: BBB}\nwhen: A at ATH\nevent_study:\n  window: [-5, 5]\n  model: market\n  market: B\n")
    code, _, err = run_cli(["calibrate", str(alone), "--studies", "5", "--placebos", "19"], capsys)
    assert code == 2 and "Traceback" not in err
    assert err.splitlines()[0] == f"{alone}:4:1: error: calibrate STUDY checks the tests of the outcomes under 'evaluate:'; this study has none"
    assert "calibrate --event-tests" in err


def test_calibrate_study_tells_the_measures_of_one_horizon_apart(tiny: Path, capsys) -> None:
    """The excursions give an asset two cells at each horizon (mae and mfe): the table keyed
    its rows by test and horizon alone and showed whichever came last under '5d', and the
    CSV held two rows per test and horizon with nothing to tell them apart."""
    (tiny / "study.yaml").write_text(STUDY.replace("forward_returns: {assets: [A, B], horizons: [1d, 5d]}", "excursions: {assets: [A], horizons: [5d]}"))
    out_csv = tiny / "calibration.csv"
    code, out, err = run_cli(
        ["calibrate", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "--studies", "5", "--placebos", "19",
         "--horizon", "5d", "--effects", "0", "-o", str(out_csv), "-q"], capsys)
    assert code == 0, err
    table = pl.read_csv(out_csv)
    assert sorted(table["measure"].unique()) == ["mae", "mfe"] and table.group_by("measure", "test").len()["len"].max() == 1
    rows = [line.split()[:2] for line in out.splitlines() if line.split()[1:2] == ["placebo_mean"]]
    assert rows == [["mae", "placebo_mean"], ["mfe", "placebo_mean"]]


def test_calibrate_study_chooses_among_the_cells_a_run_tests(tiny: Path, capsys) -> None:
    """An asset of the path alone (which a run does not test) passed the command's check and
    ended in a traceback ("ValueError: `asset` must be one of [...]"), and so did a horizon of
    another asset than the one calibrated ('polars...ColumnNotFoundError: unable to find column
    "effect"'); a study of the path alone was calibrated on the path's cells, which its run
    leaves untested ('no significance tests: none of the study's evaluators is tested')."""
    mixed = STUDY.replace(
        "forward_returns: {assets: [A, B], horizons: [1d, 5d]}",
        "forward_returns: {assets: [A], horizons: [1d]}\n  - excursions: {assets: [A], horizons: [5d]}\n"
        "  - hit_rate: {assets: [A], horizons: [1d]}\n  - path: {assets: [B], before: 1, after: 5}",
    )
    (tiny / "study.yaml").write_text(mixed)
    base = ["calibrate", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "--studies", "5", "--placebos", "19", "-q"]
    for extra, message in [
        (["--asset", "B"], "error: --asset 'B' is not one of the study's tested assets"),
        (["--asset", "A>0", "--horizon", "5d"], "error: --horizon '5d' is not one of A>0's horizons"),  # A's excursions' only
        (["--horizon", "+3d"], "error: --horizon '+3d' is not one of A's horizons"),  # the path's
    ]:
        code, _, err = run_cli([*base, *extra], capsys)
        assert code == 2 and "Traceback" not in err, err
        assert err.splitlines()[0].startswith(message), err
    code, out, err = run_cli([*base, "--asset", "A>0"], capsys)  # the hit rate's cells: tested on their mean
    assert code == 0, err
    assert "with no effect (A>0)" in out
    (tiny / "study.yaml").write_text(STUDY.replace("forward_returns: {assets: [A, B], horizons: [1d, 5d]}", "path: {assets: [A], before: 1, after: 5}"))
    code, _, err = run_cli(base, capsys)
    assert code == 2 and "Traceback" not in err
    assert err.splitlines()[0] == (f"{tiny / 'study.yaml'}:6:1: error: calibrate STUDY checks the tests of the outcomes under 'evaluate:'; "
                                   "none of this study's evaluators is tested (the path in event time only describes)")
    result = eventstudy.run(tiny / "study.yaml", data_dir=tiny / "data", placebos=0)
    from eventstudy.inference import InferenceSettings, calibrate

    with pytest.raises(ValueError, match="no tested measure"):
        calibrate(result, InferenceSettings(), studies=5, placebos=19)


def test_calibrate_study_draws_under_its_nested_baseline(tiny: Path, capsys) -> None:
    """A nested baseline (statistics.baseline) was ignored: pseudo-events and placebo sets
    were drawn from every day, and the classical tests compared with every day, where the
    run draws its placebos and takes its baseline on the base condition's days only (the
    CSV was the same byte for byte with and without it). And a cell's pseudo-events counted
    only the events inside the base, so a baseline that leaves out the events (here
    'not A at ATH', the events being days of A at ATH) ended in 'ValueError: cell A 1d
    has no events: pass `nobs`', where the run draws as many placebos as it has events."""
    from eventstudy.inference import InferenceSettings, calibrate

    base = ["calibrate", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "--studies", "20", "--placebos", "19",
            "--effects", "0", "--horizon", "1d", "-q"]
    code, _, err = run_cli([*base, "-o", str(tiny / "all.csv")], capsys)
    assert code == 0, err
    (tiny / "study.yaml").write_text(STUDY.replace("seed: 3}", "seed: 3, baseline: {when: A at ATH}}"))
    code, out, err = run_cli([*base, "-o", str(tiny / "nested.csv")], capsys)
    assert code == 0, err
    assert "drawn only from days where 'A at ATH' (the nested baseline)" in out.splitlines()[0]
    nested = pl.read_csv(tiny / "nested.csv")
    assert not nested.equals(pl.read_csv(tiny / "all.csv"))
    # the same as calibrate() under the days where A closed at a new high, computed here
    result = eventstudy.run(tiny / "study.yaml", data_dir=tiny / "data", placebos=0)
    closes = pl.read_csv(tiny / "data" / "AAA.csv", try_parse_dates=True)
    highs = closes.with_columns((pl.col("close") >= pl.col("close").cum_max().shift(1)).fill_null(False).alias("ath"))
    dates = result.baseline_outcomes.select(pl.col("date").unique().sort())
    mask = dates.join(highs, on="date", how="left")["ath"].to_numpy()
    assert 0 < mask.sum() < mask.size
    expected = calibrate(result, InferenceSettings(seed=3), studies=20, effects=(0.0,), horizon="1d", placebos=19,
                         base_mask=mask, runs=False, circular=False)
    same = ["test", "nobs", "reject_1pct", "reject_5pct", "reject_10pct"]
    assert nested.filter(pl.col("test").is_in(expected["test"].to_list())).select(same).equals(expected.select(same))
    # a baseline that leaves out every event: as many pseudo-events as the run has events
    (tiny / "study.yaml").write_text(STUDY.replace("seed: 3}", "seed: 3, baseline: {when: not A at ATH}}"))
    code, out, err = run_cli([*base, "-o", str(tiny / "outside.csv")], capsys)
    assert code == 0 and "Traceback" not in err, err
    events = eventstudy.run(tiny / "study.yaml", data_dir=tiny / "data", placebos=0).summary.filter(asset="A", horizon="1d")["n"][0]
    assert set(pl.read_csv(tiny / "outside.csv")["nobs"]) == {events}


def test_calibrate_study_under_a_nested_baseline_leaves_out_a_runs_null_with_no_room(shared_data: Path, tmp_path: Path, capsys) -> None:
    """The runs null cannot place the SPX/RUT events' runs among the scattered days of
    'SPX at ATH' (a run says so and falls back to the circular null): the calibration says
    it has no runs_mean row and checks the other tests, and '--pseudo runs' is refused with
    the pseudo-events that can be placed."""
    study = tmp_path / "nested.yaml"
    study.write_text(CONFIG.read_text().replace("evaluate:", "statistics: {baseline: {when: SPX at ATH}}\nevaluate:"))
    base = ["calibrate", str(study), "--data-dir", str(shared_data), "--studies", "10", "--placebos", "19", "--horizon", "1m", "--effects", "0", "-q"]
    code, out, err = run_cli([*base, "-o", str(tmp_path / "c.csv")], capsys)
    assert code == 0, err
    assert out.splitlines()[1].startswith("no runs_mean row: could not place the events' runs")
    tests = set(pl.read_csv(tmp_path / "c.csv")["test"])
    assert "runs_mean" not in tests and {"placebo_mean", "circular_mean", "welch"} <= tests
    code, _, err = run_cli([*base, "--pseudo", "runs"], capsys)
    assert code == 2 and "Traceback" not in err
    assert err.splitlines()[0].startswith("error: could not place the events' runs") and "hint: --pseudo matched or circular" in err


def test_calibrate_simulate_bootstrap_names_the_series_it_reshuffles(shared_data: Path, capsys) -> None:
    """The header read "Calibration on 'bootstrap' histories where nothing predicts returns"
    whether the closes reshuffled as A and B were SPX and RUT (no study) or a study's first
    two series (NDX and SPX for configs/ndx_rsi.yaml), which the conditions over A and B
    left the user to guess."""
    base = ["calibrate", "--simulate", "bootstrap", "--data-dir", str(shared_data), "--replications", "1", "--days", "2000",
            "--histories", "19", "--placebos", "19", "--condition", "A at ATH", "--horizon", "1m", "-q"]
    code, out, err = run_cli([*base, str(CONFIG.parent / "ndx_rsi.yaml")], capsys)
    assert code == 0, err
    assert out.startswith("Calibration on 'bootstrap' histories (reshuffles of NDX and SPX, as A and B) where nothing predicts returns")
    code, out, err = run_cli(base, capsys)
    assert code == 0, err
    assert out.startswith("Calibration on 'bootstrap' histories (reshuffles of SPX and RUT, as A and B) where")


def test_calibrate_simulate_gives_the_power_without_3m(capsys) -> None:
    """The power was measured at 3m alone: with '--horizon 1w --horizon 1y', --verbose, whose
    help promises the power for planted effects, printed none without a word."""
    code, out, err = run_cli(
        ["calibrate", "--simulate", "garch", "--replications", "3", "--days", "2000", "--histories", "19", "--condition", "A at ATH",
         "--horizon", "1w", "--horizon", "1y", "--verbose", "-q"], capsys)
    assert code == 0, err
    assert "Power of the headline test" in out and "  1w +1%: " in out


def test_calibrate_study_without_events_is_refused_with_a_message(tiny: Path, capsys) -> None:
    """A study whose condition never held ended in a traceback: 'ValueError: cell A 1d has no
    events: pass `nobs`' (an argument of the Python function the command does not have)."""
    (tiny / "study.yaml").write_text(STUDY.replace("when: A at ATH and B drawdown >= 10%", "when: A drawdown >= 90%"))
    code, _, err = run_cli(["calibrate", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "--studies", "5", "--placebos", "19"], capsys)
    assert code == 2 and "Traceback" not in err
    assert err.splitlines()[0] == f"error: no event of {tiny / 'study.yaml'} has a complete A 1d outcome, so its placebo studies would have no events"


def test_calibrate_study_refuses_a_cell_a_run_does_not_test(tiny: Path, capsys) -> None:
    """A cell of one or two complete events is shown by a run without a test ('no cell had
    enough complete events for a test'), but calibrate rated the tests on it: a study of
    one event (SPX return(1) < -15% since 1980) read 'hac 98.0 [89.5, 99.6]*' at 1w, a test
    no run of it performs flagged as rejecting nearly always."""
    (tiny / "study.yaml").write_text(STUDY.replace("when: A at ATH and B drawdown >= 10%", "when: B drawdown >= 10% and B drawdown < 11%"))
    result = eventstudy.run(tiny / "study.yaml", data_dir=tiny / "data", placebos=0)
    n = result.summary.filter(asset="A", horizon="1d")["n"][0]
    assert n == 1  # one day between 10% and 11% below B's high
    code, _, err = run_cli(["calibrate", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "--studies", "5", "--placebos", "19"], capsys)
    assert code == 2 and "Traceback" not in err
    assert err.splitlines()[0] == (f"error: only 1 event of {tiny / 'study.yaml'} has a complete A 1d outcome: a run shows such a cell "
                                   "without a test (fewer than 3 events), so there is no test to calibrate")


def test_calibrate_event_tests_one_scenario_is_the_full_table_s_column(tmp_path: Path, capsys) -> None:
    """Each scenario's seed was its place in the list asked for: '--scenario clustered' ran
    with the seed the full table gives the null scenario, so its rates were not the full
    table's clustered column (nor its power the full table's power)."""
    base = ["calibrate", "--event-tests", "--replications", "3", "--firms", "10", "--effects", "0,0.01", "-q"]
    frames = {}
    for name, extra in {"full": [], "one": ["--scenario", "clustered", "--scenario", "null"]}.items():
        code, _, err = run_cli([*base, *extra, "-o", str(tmp_path / f"{name}.csv")], capsys)
        assert code == 0, err
        frames[name] = pl.read_csv(tmp_path / f"{name}.csv")
    full = frames["full"].filter(pl.col("scenario").is_in(["clustered", "null", "effect 0.01"]))
    assert frames["one"].sort("scenario", "test", "start").equals(full.sort("scenario", "test", "start"))


def test_calibrate_event_tests_writes_its_output_for_a_reader_that_left(tmp_path: Path) -> None:
    """'eventstudy calibrate --event-tests -o sizes.csv | head -2' printed the tables first and
    wrote the file after: the reader gone, the broken pipe ended the command with exit code 0
    and no sizes.csv (every other mode writes its --output before it prints)."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # a reader that left before the first line
    out = tmp_path / "sizes.csv"
    script = ("import sys; sys.argv = ['eventstudy', 'calibrate', '--event-tests', '--replications', '2', '--firms', '10', "
              f"'--scenario', 'null', '-q', '-o', {str(out)!r}]; from eventstudy.cli import entry; entry()")
    try:
        proc = subprocess.run([sys.executable, "-c", script], stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert pl.read_csv(out).height == 16  # 8 tests x 2 windows


@pytest.mark.parametrize(
    ("condition", "message", "caret"),
    [
        ("C at ATH", "unknown series 'C'", "    ^"),
        ("A rsi(14) < 30 and B volume > 0", "the simulated histories have closes only: 'B volume' needs the day's volume",
         "                       ^^^^^^^^"),
        ("A at ATH and not on fomc", "the simulated histories have no events file: 'on fomc' holds on none of their days", "                     ^^^^^^^"),
    ],
)
def test_calibrate_simulate_places_a_condition_s_error_in_its_own_text(capsys, condition: str, message: str, caret: str) -> None:
    """A --condition's error was placed in the study the calibration writes ('<study>:4:7:'
    under 'when: ...', a file the user never wrote), and a day's volume or an own-events
    file was asked of data files and an 'events:' block the simulation does not take."""
    code, _, err = run_cli(["calibrate", "--simulate", "garch", "--replications", "1", "--days", "300", "--condition", condition, "-q"], capsys)
    assert code == 2 and "Traceback" not in err and "<study>" not in err
    lines = err.splitlines()
    assert lines[:3] == [f"error: {message}", f"    {condition}", caret]


def test_calibrate_event_tests_gives_the_power_asked_for_with_a_scenario(tmp_path: Path, capsys) -> None:
    """'--event-tests --scenario null --effects 0.005' printed the size alone: the power for
    the effect given was computed only when every scenario ran, and --effects was dropped
    without a word. Without --effects, a scenario's size stays alone."""
    out_csv = tmp_path / "calibration.csv"
    base = ["calibrate", "--event-tests", "--scenario", "null", "--replications", "3", "--firms", "10", "-q"]
    code, out, err = run_cli([*base, "--effects", "0,0.005", "-o", str(out_csv)], capsys)
    assert code == 0, err
    assert set(pl.read_csv(out_csv)["scenario"]) == {"null", "effect 0.005"} and "effect 0.005" in out
    code, out, err = run_cli([*base, "-o", str(out_csv)], capsys)
    assert code == 0, err
    assert set(pl.read_csv(out_csv)["scenario"]) == {"null"}
    # --effects written with the default's value is given as well: it was dropped without a word
    code, out, err = run_cli([*base, "--effects", "0,0.01,0.02,0.05", "-o", str(out_csv)], capsys)
    assert code == 0, err
    assert set(pl.read_csv(out_csv)["scenario"]) == {"null", "effect 0.01"} and "effect 0.01" in out


def test_schema_into_a_new_folder_and_init_into_a_file(tmp_path: Path, capsys) -> None:
    code, _, _ = run_cli(["schema", "--output", str(tmp_path / "new" / "schema.json")], capsys)
    assert code == 0 and (tmp_path / "new" / "schema.json").is_file()
    code, _, err = run_cli(["schema", "--output", str(tmp_path / "new")], capsys)  # the hint had offered 'calibration.csv'
    assert code == 2 and f"hint: name a file, e.g. {str(tmp_path / 'new' / 'schema.json')!r}" in err
    (tmp_path / "afile").write_text("x")
    code, _, err = run_cli(["init", "x", "--dir", str(tmp_path / "afile")], capsys)
    assert code == 2 and "is a file, not a folder" in err


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs a folder no file can be created in (/proc)")
def test_a_file_that_cannot_be_written_is_named_as_given(tmp_path: Path, capsys) -> None:
    """'schema -o /proc/x.json' named the temporary file beside it ('/proc/.x.json.r2w8nrs7.partial'),
    a name the user never gave (a helper's note); so did a calibration table."""
    code, _, err = run_cli(["schema", "--output", "/proc/x.json"], capsys)
    assert code == 2 and err.startswith("error: /proc/x.json: ") and ".partial" not in err


def test_counts_beyond_reach_are_refused_before_any_work(capsys) -> None:
    """Issue 15: --placebos 10^9 and calibrate --studies 10^9 ended in a MemoryError traceback."""
    for args in (["run", str(CONFIG), "--placebos", "1000000000"], ["calibrate", str(CONFIG), "--studies", "200000"]):
        with pytest.raises(SystemExit) as exit_info:
            main(args)
        assert exit_info.value.code == 2
        assert "is more than" in capsys.readouterr().err


@pytest.mark.parametrize(("given", "expected"), [(None, "1"), ("4", "4")])
def test_the_command_runs_with_one_blas_thread_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch, given: str | None, expected: str) -> None:
    import eventstudy.cli as cli

    if given is None:
        monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    else:
        monkeypatch.setenv("OPENBLAS_NUM_THREADS", given)
    seen: dict[str, str | None] = {}

    def fake_main() -> int:
        seen["threads"] = os.environ.get("OPENBLAS_NUM_THREADS")
        return 3

    def fake_exit(code: int) -> None:
        raise SystemExit(code)

    monkeypatch.setattr(cli, "main", fake_main)
    monkeypatch.setattr(cli.os, "_exit", fake_exit)
    monkeypatch.setattr(cli.signal, "signal", lambda *args: None)  # the command's SIGTERM handler: not this test process's
    with pytest.raises(SystemExit) as ended:
        cli.entry()
    assert ended.value.code == 3 and seen["threads"] == expected


def test_a_folder_that_cannot_be_written_is_an_error_not_a_traceback(tiny: Path, capsys) -> None:
    """/proc takes no new files, even from root (whom a read-only folder does not stop)."""
    if not Path("/proc/self").is_dir():
        pytest.skip("needs Linux's /proc")
    for args in (["init", "starter", "--dir", "/proc"], ["schema", "--output", "/proc/schema.json"],
                 ["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "--output", "/proc/out"]):
        err = error_of(args, capsys)
        assert err.startswith("error: /proc/") and "hint: check that the folder exists and that you may write there" in err


@pytest.mark.parametrize("failing", ["report.md", "prices.png", "events.csv"])
def test_a_full_disk_is_an_error_naming_the_output_not_a_traceback(tiny: Path, capsys, monkeypatch: pytest.MonkeyPatch,
                                                                   failing: str) -> None:
    """A disk that filled while the report was written ended in a traceback, 'OSError: [Errno
    28] No space left on device' (a write names no file; polars' CSV writer says 'No space
    left on device (os error 28)' with no errno), or named the staging folder, gone when the
    message was read ('.out.x1y2.partial/report.md'), with the hint 'check that the folder
    exists and that you may write there'. Now the output's file or folder and what to do;
    the output folder is not created."""
    import errno as errnos

    def full(real: Callable[..., object], polars: bool = False) -> Callable[..., object]:
        def write(self: object, *args: object, **kwargs: object) -> object:
            name = Path(str(args[0] if polars else self)).name
            if name == failing:
                raise OSError("No space left on device (os error 28)") if polars else OSError(errnos.ENOSPC, "No space left on device")
            return real(self, *args, **kwargs)
        return write

    monkeypatch.setattr(Path, "write_text", full(Path.write_text))
    monkeypatch.setattr(Path, "write_bytes", full(Path.write_bytes))
    monkeypatch.setattr(pl.DataFrame, "write_csv", full(pl.DataFrame.write_csv, polars=True))
    out = tiny / "out"
    err = error_of(["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "--output", str(out), "-q"], capsys)
    assert err.startswith(f"error: {out}: No space left on device"), err
    assert err.rstrip().endswith("hint: free some space on that disk, or write to another one"), err
    assert ".partial" not in err and not out.exists() and [p.name for p in tiny.iterdir() if p.name.startswith(".")] == []


def test_a_full_disk_under_a_one_file_output_names_that_file(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """'schema --output s.json' on a full disk ended in a traceback (the write to the
    temporary file beside it names no file)."""
    import errno as errnos

    def full(self: Path, data: bytes) -> int:
        raise OSError(errnos.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full)
    err = error_of(["schema", "--output", str(tmp_path / "s.json")], capsys)
    assert err.startswith(f"error: {tmp_path / 's.json'}: No space left on device\n  hint: free some space"), err
    assert list(tmp_path.iterdir()) == []


def test_a_full_standard_output_is_an_error_not_a_traceback(tiny: Path) -> None:
    """'eventstudy run study.yaml > /dev/full' (a full disk under a redirected output) ended
    in a traceback, 'OSError: [Errno 28] No space left on device'."""
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    script = (f"import sys; sys.argv = ['eventstudy', 'run', {str(tiny / 'study.yaml')!r}, '--data-dir', {str(tiny / 'data')!r}, "
              "'--format', 'json', '-q']; from eventstudy.cli import entry; entry()")
    with open("/dev/full", "w") as full:
        ended = subprocess.run([sys.executable, "-c", script], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert ended.returncode == 2 and ended.stderr == (
        "error: cannot write the standard output: No space left on device\n  hint: free some space on that disk, or write to another one\n"
    )


def test_a_full_standard_output_after_an_output_folder_is_not_called_the_output(tiny: Path, tmp_path: Path) -> None:
    """'eventstudy run study.yaml -o out > /dev/full' wrote its folder, then read 'wrote 14
    files to out: ...' and 'error: cannot write the output: No space left on device': the
    output named was the folder just written, whole, where the standard output was full."""
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    out = tmp_path / "out"
    script = (f"import sys; sys.argv = ['eventstudy', 'run', {str(tiny / 'study.yaml')!r}, '--data-dir', {str(tiny / 'data')!r}, "
              f"'-o', {str(out)!r}]; from eventstudy.cli import entry; entry()")
    with open("/dev/full", "w") as full:
        ended = subprocess.run([sys.executable, "-c", script], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert ended.returncode == 2 and (out / "result.json").is_file()
    assert f"files to {out}" in ended.stderr
    assert ended.stderr.endswith("error: cannot write the standard output: No space left on device\n"
                                 "  hint: free some space on that disk, or write to another one\n"), ended.stderr


@pytest.mark.parametrize("closed", [1, 2], ids=["stdout", "stderr"])
def test_a_closed_output_stream_is_written_to_as_to_dev_null(tiny: Path, closed: int) -> None:
    """'eventstudy run ... -o out --format json 2>&-' printed 'wrote 14 files to out: ...'
    into the JSON on the standard output (print to a closed stderr writes to stdout), then
    ended in a traceback, "AttributeError: 'NoneType' object has no attribute 'flush'",
    with exit code 1 and the JSON lost; '>&-' ended in the same traceback after writing
    the folder. Now what goes to the closed stream goes nowhere, and the run ends with 0."""
    out = tiny / "out"
    script = (f"import sys; sys.argv = ['eventstudy', 'run', {str(tiny / 'study.yaml')!r}, '--data-dir', {str(tiny / 'data')!r}, "
              f"'--format', 'json', '-o', {str(out)!r}]; from eventstudy.cli import entry; entry()")
    ended = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                           preexec_fn=lambda: os.close(closed))
    assert ended.returncode == 0, ended.stderr
    assert (out / "result.json").is_file()
    if closed == 2:
        assert json.loads(ended.stdout)["study"]["name"]
    else:
        assert ended.stderr.startswith("wrote ")


TERM_SCRIPT = """
import sys, time
import eventstudy.report.files as files
from eventstudy.cli import entry

def slow_charts(charts, folder):
    (folder / "report.md").write_text("half")
    time.sleep(60)  # the kill comes while the report is half written

files.write_chart_files = slow_charts
sys.argv = ["eventstudy", "run", sys.argv[1], "--data-dir", sys.argv[2], "-o", sys.argv[3], "-q"]
entry()
"""


def test_a_run_terminated_while_writing_leaves_nothing_and_says_so(tiny: Path) -> None:
    """'kill' (SIGTERM, as 'timeout' and job schedulers send) while a run wrote its report
    ended it silently with the signal's default action: the half-written staging folder
    ('.out.x1y2.partial' with report.md, the CSVs, result.json ...) and '.out.lock' stayed
    beside the output, and exit status -15. Now it ends as Ctrl-C does: the staging folder
    and the lock are removed, 'terminated', exit code 143."""
    import signal
    import time

    script = tiny / "term.py"
    script.write_text(TERM_SCRIPT, encoding="utf-8")
    folder = tiny / "outputs"
    folder.mkdir()
    run = subprocess.Popen([sys.executable, str(script), str(tiny / "study.yaml"), str(tiny / "data"), str(folder / "out")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(folder.glob(".out.*.partial/report.md")) and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.05)
    assert list(folder.glob(".out.*.partial/report.md")), "the run never reached its report"
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=60)
    assert (run.returncode, err) == (128 + signal.SIGTERM, "terminated\n")
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_a_name_the_locale_cannot_show_prints_as_question_marks(tiny: Path, fmt: str) -> None:
    """A study named 'Zürich – …' run where the standard output is ASCII (LC_ALL=C without
    Python's UTF-8 mode) or Latin-1 ended in a traceback, "UnicodeEncodeError: 'ascii' codec
    can't encode character '\\xfc'", after the run's work and with the report lost. Now what
    the locale cannot show prints as '?'."""
    study = tiny / "study.yaml"
    study.write_text(STUDY.replace("name: tiny study", "name: Zürich – tiny"), encoding="utf-8")
    script = (f"import sys; sys.argv = ['eventstudy', 'run', {str(study)!r}, '--data-dir', {str(tiny / 'data')!r}, "
              f"'--format', {fmt!r}]; from eventstudy.cli import entry; entry()")
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""}
    ended = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120, env=env)
    assert ended.returncode == 0, ended.stderr.decode()
    assert b"Z?rich ? tiny" in ended.stdout


def test_an_html_page_on_an_ascii_output_loses_no_character(tiny: Path) -> None:
    """'--format html' where the standard output is ASCII wrote the page's 'Zürich – tiny'
    as 'Z?rich ? tiny' in a page that declares UTF-8: a character reference loses nothing."""
    study = tiny / "study.yaml"
    study.write_text(STUDY.replace("name: tiny study", "name: Zürich – tiny"), encoding="utf-8")
    script = (f"import sys; sys.argv = ['eventstudy', 'run', {str(study)!r}, '--data-dir', {str(tiny / 'data')!r}, "
              "'--format', 'html', '-q']; from eventstudy.cli import entry; entry()")
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""}
    ended = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120, env=env)
    assert ended.returncode == 0, ended.stderr.decode()
    page = ended.stdout.decode("ascii")  # nothing but ASCII, which is UTF-8 too
    assert "Z&#252;rich &#8211; tiny" in page and "Z?rich" not in page


def test_the_current_folder_or_an_empty_path_is_no_output(tiny: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """'-o .' in an empty folder was refused as holding what a run did not write,
    '(..lock)': the lock the run had put there itself; '-o ""' (an unset '$OUT') ran and
    wrote nothing, with exit code 0. Now '.' and '..' are refused as the folders the shell
    is in, and an empty path as empty; nothing is left behind."""
    here = tiny / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    base = ["run", str(tiny / "study.yaml"), "--data-dir", str(tiny / "data"), "-q"]
    err = error_of([*base, "-o", "."], capsys)
    assert err == "error: the output '.' is the current folder, and an output folder is replaced whole\n  hint: name a folder of its own, e.g. -o out\n"
    err = error_of([*base, "-o", ".."], capsys)
    assert err.startswith("error: the output '..' is a folder the current folder is in")
    assert list(here.iterdir()) == [] and sorted(p.name for p in tiny.iterdir()) == ["data", "here", "study.yaml"]
    for command in (base, ["sweep", *base[1:]], ["schema"]):
        with pytest.raises(SystemExit) as ended:
            main([*command, "-o", ""])
        assert ended.value.code == 2
        assert "argument --output/-o: an empty path (an unset variable?): name where the output goes, e.g. -o out" in capsys.readouterr().err


def test_a_reader_that_leaves_early_ends_the_run_with_exit_code_0(tiny: Path) -> None:
    """``eventstudy run ... | head -1``: rich's console exited with 1 on the broken pipe."""
    import subprocess
    import sys

    script = (f"import sys; sys.argv = ['eventstudy', 'run', {str(tiny / 'study.yaml')!r}, '--data-dir', {str(tiny / 'data')!r}, "
              "'--show', 'all']; from eventstudy.cli import entry; entry()")
    reader = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert reader.stdout is not None
    reader.stdout.readline()
    reader.stdout.close()  # the reader leaves after one line
    _, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err
    assert b"Traceback" not in err


def test_markdown_on_the_screen_with_output_names_the_events_file_written(tiny: Path, capsys) -> None:
    """'--format markdown --output DIR' said the events were still to be written ('eventstudy
    run --output DIR writes them all to events.csv') right after writing them."""
    study = tiny / "many.yaml"
    study.write_text(STUDY.replace("A at ATH and B drawdown >= 10%", "A > 0").replace("gap: 5", "gap: 1"))
    out = tiny / "out"
    assert main(["run", str(study), "--data-dir", str(tiny / "data"), "-o", str(out), "--format", "markdown"]) == 0
    printed = capsys.readouterr().out
    assert "Showing the first" in printed and f"all are in {out / 'events.csv'}" in printed and "--output DIR" not in printed
