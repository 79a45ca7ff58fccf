"""`run --output DIR`: report.md, report.html, charts as files, and a manifest to audit the run."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from report_helpers import STUDY, make_study, tiny_result

import eventstudy
from eventstudy import __version__
from eventstudy.cli import main


def tiny_universe(folder: Path, symbols: list[str], name_line: str, universe_extra: str, placebos: int) -> tuple[Path, Path]:
    """A two-stock universe study over 300 days (a market series MKT beside it): the study
    file and its data folder."""
    import datetime as dt
    import math

    import polars as pl

    data = folder / "data"
    data.mkdir()
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(300)]
    rows = [(d, s, 100 * (1 + 0.3 * math.sin(i / 9 + k))) for k, s in enumerate(symbols) for i, d in enumerate(days)]
    pl.DataFrame(rows, schema=["date", "symbol", "close"], orient="row").write_csv(data / "panel.csv")
    pl.DataFrame({"date": days, "close": [100.0 + i for i in range(300)]}).write_csv(data / "MKT.csv")
    study = folder / "u.yaml"
    study.write_text(
        f"{name_line}series: {{MKT: MKT}}\nuniverse: {{data_file: panel.csv{universe_extra}}}\nwhen: close at 20-day high\n"
        f"evaluate:\n  - forward_returns: {{horizons: [1w]}}\nstatistics: {{placebos: {placebos}}}\n",
        encoding="utf-8",
    )
    return study, data


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("files")
    study = make_study(folder)
    args = ["run", str(study), "--data-dir", str(folder / "data"), "--output", str(folder / "out"), "--seed", "5", "--quiet"]
    assert main(args) == 0
    return folder


def test_manifest_records_inputs_settings_and_outputs(run_dir: Path, capsys) -> None:
    out = run_dir / "out"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["eventstudy_version"] == __version__
    assert manifest["command"][:2] == ["eventstudy", "run"] and "--seed" in manifest["command"]
    study = manifest["study"]
    assert study["file"]["sha256"] == sha(run_dir / "study.yaml")
    assert study["condition"] == "A at ATH and B drawdown >= 10%"
    assert study["decluster"] == {"gap": "5td", "meaning": "5 trading days", "mode": "after_kept"}
    files = {f["symbol"]: f for f in manifest["data"]["files"]}
    assert set(files) == {"AAA", "BBB"}
    for symbol, entry in files.items():
        assert entry["sha256"] == sha(run_dir / "data" / f"{symbol}.csv")
        assert entry["dates_used"] == {"first": "2020-01-01", "last": "2020-03-20", "rows": 80}
    assert manifest["data"]["align"] == "inner"
    assert manifest["seed"] == 5 and manifest["statistics"]["placebos"] == 200
    assert {"prepare_s", "evaluate_s", "significance_s", "render_s"} <= set(manifest["timings_s"])
    written = {p.name for p in out.iterdir()} - {"manifest.json"}
    assert set(manifest["outputs"]) == written
    for name, digest in manifest["outputs"].items():
        assert sha(out / name) == digest, name


def while_writing(monkeypatch: pytest.MonkeyPatch, change: Callable[[], object]) -> None:
    """``change`` done while the run writes its report: its inputs read, its manifest not
    written yet (a nightly download, an edit, between the two)."""
    import eventstudy.report.files as report_files

    real = report_files.write_chart_files

    def changed_meanwhile(charts: object, folder: Path) -> None:
        change()
        real(charts, folder)

    monkeypatch.setattr(report_files, "write_chart_files", changed_meanwhile)


def appended(path: Path, line: str) -> None:
    with path.open("a") as handle:
        handle.write(line)


def test_the_manifest_hashes_the_study_file_the_run_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A study file edited while its run computed (the threshold 10% changed to 20%, to try
    next) was hashed when the manifest was written: the manifest named the condition the run
    used, 'B drawdown >= 10%', beside the SHA-256 of the file that says 20%. The hash is now
    of the bytes the run read (a CRLF file's included)."""
    study = make_study(tmp_path)
    study.write_bytes(study.read_bytes().replace(b"\n", b"\r\n"))
    read = sha(study)
    while_writing(monkeypatch, lambda: study.write_text(study.read_text().replace(">= 10%", ">= 20%")))
    args = ["run", str(study), "--data-dir", str(tmp_path / "data"), "-o", str(tmp_path / "out"), "--end", "2020-03-31", "-q"]
    assert main(args) == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["study"]["condition"] == "A at ATH and B drawdown >= 10%"
    assert manifest["study"]["file"]["sha256"] == read != sha(study)


def test_the_manifest_hashes_the_data_files_the_run_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A data file rewritten while the run computed (a nightly download adding a day) was
    hashed when the manifest was written: manifest.json gave BBB.csv's SHA-256 and size of
    the new file beside the dates and rows the run read from the old one. A loader stamps
    each file as it reads it (size, modification time), and the manifest hashes a file
    still so stamped, and says of one rewritten since that it changed (no hash of bytes the
    run did not read)."""
    study = make_study(tmp_path)
    data = tmp_path / "data"
    read = {name: (sha(data / name), (data / name).stat().st_size) for name in ("AAA.csv", "BBB.csv")}
    while_writing(monkeypatch, lambda: appended(data / "BBB.csv", "2020-03-21,80.0\n"))
    args = ["run", str(study), "--data-dir", str(data), "-o", str(tmp_path / "out"), "-q"]
    assert main(args) == 0
    files = json.loads((tmp_path / "out" / "manifest.json").read_text())["data"]["files"]
    by_name = {Path(f["path"]).name: f for f in files}
    assert by_name["BBB.csv"]["loaded"]["rows"] == 80
    assert (by_name["AAA.csv"]["sha256"], by_name["AAA.csv"]["bytes"]) == read["AAA.csv"] and "changed" not in by_name["AAA.csv"]
    assert (by_name["BBB.csv"]["sha256"], by_name["BBB.csv"]["bytes"], by_name["BBB.csv"]["changed"]) == (None, read["BBB.csv"][1], True)


def test_the_manifest_hashes_a_universe_s_files_as_read_and_lists_its_symbols_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A universe's long file and its file of symbols: the panel rewritten while the run
    computed was hashed as it was when the manifest was written, and the symbols file
    (``universe: {file: ...}``), an input that decides which stocks are in, was not in
    the manifest at all. Both are now recorded as read (``universe_file``): rewritten,
    with no hash and ``changed``."""
    study, data = tiny_universe(tmp_path, ["AA", "BB", "CC"], "name: u\n", "", 0)
    read = sha(data / "panel.csv")
    while_writing(monkeypatch, lambda: appended(data / "panel.csv", "2021-01-01,AA,1.0\n"))
    assert main(["run", str(study), "--data-dir", str(data), "-o", str(tmp_path / "out"), "-q"]) == 0
    [panel] = [f for f in json.loads((tmp_path / "out" / "manifest.json").read_text())["data"]["files"] if "symbols" in f]
    assert panel["symbols"] == ["AA", "BB", "CC"] and (panel["sha256"], panel["changed"]) == (None, True)
    assert read != sha(data / "panel.csv")

    listed = tmp_path / "listed"
    listed.mkdir()
    for name in ("AA", "BB", "MKT"):
        (listed / f"{name}.csv").write_text((data / "MKT.csv").read_text())
    (tmp_path / "symbols.txt").write_text("AA\nBB\n")
    study.write_text(study.read_text().replace("{data_file: panel.csv}", "{file: symbols.txt}"))
    symbols_read = sha(tmp_path / "symbols.txt")

    while_writing(monkeypatch, lambda: (tmp_path / "symbols.txt").write_text("AA\nBB\nCC\n"))
    assert main(["run", str(study), "--data-dir", str(listed), "-o", str(tmp_path / "out2"), "-q"]) == 0
    universe_file = json.loads((tmp_path / "out2" / "manifest.json").read_text())["data"]["universe_file"]
    assert Path(universe_file["path"]) == tmp_path / "symbols.txt"
    assert (universe_file["sha256"], universe_file["bytes"], universe_file["changed"]) == (None, 6, True)
    assert symbols_read != sha(tmp_path / "symbols.txt")


def test_the_manifest_says_what_its_relative_paths_are_relative_to(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """'eventstudy run study.yaml --data-dir data -o out' wrote a manifest whose study file
    is 'study.yaml' and whose data files are 'data/AAA.csv', relative to a folder it did
    not name: read elsewhere (an archive, a colleague's machine), neither the command nor
    the files could be found. It now records the folder the run was started in."""
    make_study(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["run", "study.yaml", "--data-dir", "data", "-o", "out", "-q"]) == 0
    monkeypatch.chdir("/")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    here = Path(manifest["working_dir"])
    assert here == tmp_path and manifest["data"]["files"][0]["path"] == str(Path("data") / "AAA.csv")
    assert sha(here / manifest["study"]["file"]["path"]) == manifest["study"]["file"]["sha256"]
    for entry in manifest["data"]["files"]:
        assert sha(here / entry["path"]) == entry["sha256"]


def test_the_manifest_names_the_plug_ins_and_their_versions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An installed plug-in (an entry point of eventstudy.features: its 'momentum' can
    replace a study's numbers when upgraded) and a module under 'plugins:' were not in the
    manifest: its environment listed polars, numpy, scipy, pydantic, pyyaml, rich and
    matplotlib only. They are now listed by distribution, with the version installed."""
    import types

    import eventstudy.config as config
    from eventstudy import registry

    class Installed:
        def select(self, *, group: str) -> list[object]:
            point = types.SimpleNamespace(group=group, name="demo", value="es_demo.features", load=lambda: None,
                                          dist=types.SimpleNamespace(name="es-demo-indicators"))
            return [point] if group == "eventstudy.features" else []

    monkeypatch.setattr(registry, "_installed_entry_points", lambda: Installed())
    monkeypatch.setitem(config._LOADED_PLUGINS, "yaml", None)  # as a study's 'plugins: [yaml]' leaves it
    study = make_study(tmp_path)
    assert main(["run", str(study), "--data-dir", str(tmp_path / "data"), "-o", str(tmp_path / "out"), "-q"]) == 0
    plugins = json.loads((tmp_path / "out" / "manifest.json").read_text())["environment"]["plugins"]
    from importlib.metadata import version

    assert plugins == {"PyYAML": version("PyYAML"), "es-demo-indicators": None}


def test_result_json_and_the_manifest_agree_on_the_alignment(run_dir: Path) -> None:
    """Regression: with the default inner alignment result.json gave "max_stale": 3 (the
    setting's default, which only ffill uses) beside the manifest's null, as if values
    had been carried forward up to 3 days."""
    out = run_dir / "out"
    manifest = json.loads((out / "manifest.json").read_text())["data"]
    document = json.loads((out / "result.json").read_text())["data"]
    assert document["align"] == manifest["align"] == "inner"
    assert document["max_stale"] is None and manifest["max_stale"] is None


@pytest.mark.parametrize(
    ("evaluate", "kind"),
    [
        ("  - forward_returns: {assets: [A], horizons: [5d], kind: log}\n", "log"),
        ("  - excess_returns: {assets: [A], benchmark: B, horizons: [5d], kind: log}\n", "log"),
        ("  - forward_returns: {assets: [A], horizons: [5d]}\n", "simple"),
        ("  - forward_returns: {assets: [A], horizons: [5d]}\n  - forward_returns: {assets: [A], horizons: [5d], kind: log}\n", "mixed"),
    ],
)
def test_result_json_names_the_kind_of_returns_the_study_measured(tmp_path: Path, evaluate: str, kind: str) -> None:
    """Regression: result.json said "return_kind": "simple" whatever the study asked for,
    so a document of 'forward_returns: {kind: log}' (measure fwd_log, every value a log
    return) told a reader its returns were simple ones."""
    from eventstudy.report import result_to_json

    text = STUDY.split("evaluate:")[0] + "evaluate:\n" + evaluate + "statistics: {placebos: 0}\n"
    document = json.loads(result_to_json(tiny_result(tmp_path, text)))
    assert document["study"]["return_kind"] == kind


@pytest.mark.parametrize("under", ["notes.txt", "notes.txt/2025"])
def test_an_output_inside_a_file_is_refused_as_one(tmp_path: Path, capsys, under: str) -> None:
    """Regression: '--output notes.txt/out' (a file where a folder was meant) stopped at
    'error: notes.txt: File exists' with the hint 'check that the folder exists', and
    'notes.txt/2025/out' at 'notes.txt/2025: Not a directory' (the OS's words for mkdir).
    The message now says which path is a file; the file is left as it was. ``schema
    --output`` (a single file) says the same."""
    study = make_study(tmp_path)
    (tmp_path / "notes.txt").write_text("mine\n")
    out = tmp_path / under / "out"
    assert main(["run", str(study), "--data-dir", str(tmp_path / "data"), "--output", str(out), "--placebos", "0", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"the output {str(out)!r} is inside {str(tmp_path / 'notes.txt')!r}, which is a file, not a folder" in err, err
    assert main(["schema", "--output", str(tmp_path / under / "schema.json")]) == 2
    assert f"is inside {str(tmp_path / 'notes.txt')!r}, which is a file, not a folder" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine\n"


def test_charts_are_written_for_slides(run_dir: Path) -> None:
    out = run_dir / "out"
    for name in ("prices", "path", "distribution"):
        assert (out / f"{name}.png").read_bytes().startswith(b"\x89PNG")
        assert (out / f"{name}.svg").read_text().startswith("<svg")
    report = (out / "report.md").read_text()
    assert "![Price history and events](prices.png)" in report  # the note links the charts beside it
    assert "> " in report and "Warning:" in report  # warnings stand out at the top
    assert report.index("Warning:") < report.index("### Instances")
    # the notes under their own heading after the charts (they had read as the charts' list), as in the HTML page
    assert report.index("### Charts") < report.index("### Notes") < report.index("- returns are simple returns")


def test_format_html_prints_the_page(tmp_path: Path, capsys) -> None:
    study = make_study(tmp_path)
    assert main(["run", str(study), "--data-dir", str(tmp_path / "data"), "--format", "html", "--placebos", "0"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("<!DOCTYPE html>") and out.rstrip().endswith("</html>")
    assert out.count('<figure class="chart"') == 3
    assert not err


def test_quiet_silences_stderr_but_not_errors(tmp_path: Path, capsys) -> None:
    study = make_study(tmp_path)
    args = ["run", str(study), "--data-dir", str(tmp_path / "data"), "--output", str(tmp_path / "o"), "--placebos", "0"]
    assert main(args) == 0
    assert "wrote " in capsys.readouterr().err
    assert main([*args, "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    assert main([*args[:3], str(tmp_path / "missing"), "--quiet"]) == 2
    assert "error:" in capsys.readouterr().err


def test_write_report_api(tmp_path: Path) -> None:
    import eventstudy
    from eventstudy.report import write_report

    study = make_study(tmp_path)
    result = eventstudy.run(study, data_dir=tmp_path / "data", placebos=0)
    written = {p.name for p in write_report(result, tmp_path / "r")}
    assert {"report.html", "report.md", "manifest.json", "events.csv", "prices.svg", "prices.png"} <= written
    assert json.loads((tmp_path / "r" / "manifest.json").read_text())["command"] is None


def test_a_symbol_a_spreadsheet_would_run_is_written_as_text(tmp_path: Path, capsys) -> None:
    """Issue 15: symbols such as '=HYPERLINK(...)' went verbatim into the CSV outputs."""

    import polars as pl

    from eventstudy.report.files import csv_safe

    frame = pl.DataFrame({"symbol": ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "@SUM(A1)", "AAPL"], "value": [-1.0, 2.0, 3.0, 4.0]})
    safe = csv_safe(frame)
    assert safe["symbol"].to_list() == ['\'=HYPERLINK("http://x")', "'+cmd|' /C calc'!A0", "'@SUM(A1)", "AAPL"]
    assert safe["value"].to_list() == [-1.0, 2.0, 3.0, 4.0]  # numbers untouched

    study, data = tiny_universe(tmp_path, ["=EVIL()", "GOOD"], "name: u\n", "", placebos=0)
    out = tmp_path / "out"
    assert main(["run", str(study), "--data-dir", str(data), "--output", str(out)]) == 0
    capsys.readouterr()
    for name in ("events.csv", "outcomes.csv", "by_symbol.csv"):
        text = (out / name).read_text(encoding="utf-8")
        assert "'=EVIL()" in text and ",=EVIL()" not in text and not text.startswith("=")


def test_markdown_renders_a_hostile_name_as_words(tmp_path: Path) -> None:
    """Issue 15: report.md carried raw <script>, <img onerror> and remote images from the
    study's name and description."""
    from report_helpers import tiny_result

    from eventstudy.report.markdown import render_markdown

    hostile = "<script>alert(1)</script> ![x](http://evil.example/t.png) <img src=x onerror=alert(2)>"
    result = tiny_result(tmp_path, placebos=0)
    study = result.study.model_copy(update={"name": hostile, "description": hostile})
    from dataclasses import replace

    page = render_markdown(replace(result, study=study))
    assert "<script>" not in page and "<img" not in page and "](http://evil" not in page
    assert "&lt;script>alert(1)&lt;/script>" in page  # the words are still there to read


def test_a_dollar_in_a_label_is_text_in_the_charts(tmp_path: Path, capsys) -> None:
    """Issue 15: a universe label with TeX specials ('$x^$') failed in matplotlib after the
    whole computation."""


    study, data = tiny_universe(tmp_path, ["AAA", "BBB"], 'name: "costs $5 ^_ {"\n', ', label: "$x^_{\\\\frac$"', placebos=100)
    assert main(["run", str(study), "--data-dir", str(data), "--output", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    assert (tmp_path / "out" / "distribution.svg").is_file()


def test_a_universe_counts_the_symbol_days_the_condition_held(tmp_path: Path, capsys) -> None:
    """A universe's 'Events:' line read '238 kept of 759 days the condition held' on the
    terminal, in report.md and report.html (and the price chart's caption, print(result)):
    759 were symbol-days, as its own note said, not days."""
    study, data = tiny_universe(tmp_path, ["AAA", "BBB"], "name: u\n", "", placebos=0)
    out = tmp_path / "out"
    assert main(["run", str(study), "--data-dir", str(data), "--output", str(out)]) == 0
    terminal = capsys.readouterr().out
    result = eventstudy.run(study, data_dir=data)
    raw, kept = result.raw_events.height, result.events.height
    assert raw > len({d for d in result.raw_events["date"]})  # the two stocks share days
    line = f"{kept:,} kept of {raw:,} symbol-days the condition held"
    assert line in terminal and line in (out / "report.md").read_text() and line in (out / "report.html").read_text()
    assert f"{kept:,} events kept of {raw:,} symbol-days the condition held" in (out / "report.html").read_text()
    assert f"(kept of {raw:,} symbol-days the condition held)" in repr(result)


KILL_SCRIPT = """
import os, sys
from pathlib import Path
import eventstudy.report.files as files

out, k, exchange = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
calls = {"n": 0}

def step(name, real):
    def wrapped(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == k:
            os._exit(9)  # killed at this file operation
        return real(*args, **kwargs)
    return wrapped

os.rename = step("rename", os.rename)
os.chmod = step("chmod", os.chmod)
real_exchange = files._exchange
files._exchange = step("exchange", real_exchange if exchange else (lambda a, b: False))

def fill(staging):
    for name in ("manifest.json", "summary.csv", "events.csv"):
        step("write", (staging / name).write_text)("new\\n")

files._publish(out, fill)
"""


@pytest.mark.slow
@pytest.mark.parametrize("exchange", [True, False], ids=["atomic exchange", "two renames"])
def test_publication_killed_at_every_step_leaves_old_or_new(tmp_path: Path, exchange: bool) -> None:
    """Issue 15: kill -9 while files were moved into place left old and new mixed. Killed
    at each file operation in turn, the output is the old complete folder or the new one
    (with two renames, after the next run's recovery)."""
    import subprocess
    import sys

    from eventstudy.report import files

    script = tmp_path / "kill.py"
    script.write_text(KILL_SCRIPT, encoding="utf-8")
    old = {"manifest.json": '{"outputs": {"summary.csv": "old"}}\n', "summary.csv": "old\n"}  # a run's folder: its manifest lists it
    new = {"manifest.json": "new\n", "summary.csv": "new\n", "events.csv": "new\n"}
    seen = set()
    for k in range(1, 12):
        out = tmp_path / f"run{k}" / "out"
        out.mkdir(parents=True)
        for name, text in old.items():
            (out / name).write_text(text)
        code = subprocess.run([sys.executable, str(script), str(out), str(k), "1" if exchange else "0"], capture_output=True).returncode
        files._recover(out)  # what the next run does first
        state = {p.name: p.read_text() for p in out.iterdir()}
        assert state in (old, new), (k, state)
        seen.add("new" if state == new else "old")
        if code == 0:
            break
    assert seen == {"old", "new"}  # killed before the swap, and finished


@pytest.mark.parametrize("name", ["r" * 250, "é" * 125], ids=["250 ascii bytes", "250 bytes of two-byte letters"])
def test_an_output_named_near_the_file_name_limit_is_written_and_replaced(tmp_path: Path, name: str) -> None:
    """A valid output name of 250 bytes failed: the lock beside it ('.NAME.lock') and its
    staging folder ('.NAME.XXXXXXXX.partial') passed the 255-byte limit ('File name too
    long', with a hint to check that the folder exists). They are named by its start and a
    hash now; a second run replaces the first's folder, and a kept folder is put back."""
    from eventstudy.files import atomic_write
    from eventstudy.report import files

    out = tmp_path / name

    def fill(staging: Path, text: str) -> None:  # a run's folder: its manifest lists what it wrote
        (staging / "summary.csv").write_text(text)
        (staging / "manifest.json").write_text('{"outputs": {"summary.csv": "x"}}\n')

    for text in ("first\n", "second\n"):
        files._publish(out, lambda staging, text=text: fill(staging, text))
        assert (out / "summary.csv").read_text() == text
    assert {p.name for p in tmp_path.iterdir()} <= {name, f".{files._hidden_stem(out)}.lock"}
    aside = tmp_path / f".{files._hidden_stem(out)}.abcd1234.old"  # what a run killed between two renames leaves
    out.rename(aside)
    files._recover(out)
    assert (out / "summary.csv").read_text() == "second\n" and not aside.exists()
    assert atomic_write(tmp_path / f"{name[:-5]}.json", "{}\n").read_text() == "{}\n"  # a single file: its temporary name too


@pytest.mark.parametrize("name", ["out", "r" * 250], ids=["short name", "250 bytes"])
def test_a_second_writer_is_told_which_output_is_busy(tmp_path: Path, name: str) -> None:
    """Regression: a run writing to an output another run was writing was told 'another
    run is writing to .../rrr...r~3f2a9c1b0d4e right now' when the output's name was long
    (the lock's hashed stem, a folder the user never named); it names the output now."""
    import fcntl

    from eventstudy.errors import DataError
    from eventstudy.report import files

    out = tmp_path / name
    with open(tmp_path / f".{files._hidden_stem(out)}.lock", "a") as held:  # the other run's lock
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(DataError, match="another run is writing") as caught:
            files._publish(out, lambda staging: None)
    assert f"another run is writing to {str(out)!r} right now" in str(caught.value)
    assert not out.exists()


def test_a_universe_names_its_baseline_the_symbol_days_it_pools(tmp_path: Path, capsys) -> None:
    """A universe's summary called its baseline 'all days' ('the same statistic over every
    day of the window') in every format, and the significance table 'All days' beside the
    'dates' null's 'same days, other stocks': its figures pool every symbol-day (one stock
    on one day, each once), not the days. Every format now says so by one label."""
    import polars as pl

    symbols = ["AA", "BB", "CC", "DD", "EE", "FF", "GG", "HH"]
    study, data = tiny_universe(tmp_path, symbols, "name: u\n", "", placebos=100)
    out = tmp_path / "out"
    assert main(["run", str(study), "--data-dir", str(data), "--output", str(out), "--show", "all"]) == 0
    terminal = capsys.readouterr().out
    result = eventstudy.run(study, data_dir=data)
    panel = pl.read_csv(data / "panel.csv")
    assert result.summary["baseline_n"][0] == panel.height - len(symbols) * 5  # every stock's days but its last five: symbol-days
    words = " ".join(terminal.split())  # a long title wraps
    assert "close: all symbol-days Asset" in words and "All days" not in words and ": all days" not in words
    markdown, page = (out / "report.md").read_text(), (out / "report.html").read_text()
    for text in (markdown, page):
        assert "pooled over every symbol-day of the window" in text and "every day of the window" not in text
    assert "| All symbol-days n | All symbol-days avg |" in markdown and "| All days" not in markdown
    assert "| Events | All symbol-days | Difference |" in markdown
    assert ">All symbol-days (the baseline)</th>" in page and "All days" not in page
