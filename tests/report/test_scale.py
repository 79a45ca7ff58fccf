"""Reports of studies with thousands of events: small files that say what they leave out.

A universe study on a generated panel yields a few thousand events in well under a
second. Its report must stay small and readable: long instance tables are shortened
(first and last rows, a line saying how many are left out and where they all are), the
charts aggregate (events per period, histograms), result.json points at the CSV files
instead of repeating them, and the CSV files hold every row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from matplotlib.collections import PathCollection
from test_html import chromium, chromium_binary, page_requests, parse

import eventstudy
from eventstudy.report import manifest as manifest_module
from eventstudy.report import render_markdown, render_terminal, result_to_json, write_report
from eventstudy.report.charts import DOT_LIMIT, MARKER_LIMIT, distribution_chart, price_chart
from eventstudy.report.files import JSON_ROWS, visible_outcomes
from eventstudy.report.html import CSP
from eventstudy.report.text import DOCUMENT_ROWS, TERMINAL_ROWS, RowLimit, instance_table
from eventstudy.study import StudyResult

N_SYMBOLS, N_DAYS = 40, 300

STUDY = """\
name: many events in a universe
series: {MKT: MKT}
universe: {data_file: panel.parquet, label: stocks}
when: close > sma(3)
decluster: {gap: 3}
evaluate:
  - forward_returns: {horizons: [1d, 5d]}
statistics: {placebos: 50, seed: 3}
"""

LIMITS = {"report.html": 1_000_000, "report.md": 60_000, "result.json": 200_000, "prices.svg": 1_000_000,
          "distribution.svg": 1_000_000, "manifest.json": 50_000}


def write_panel(folder: Path, seed: int = 1) -> None:
    """A market series and a panel of random walks (as in test_universe_scale.py, full calendars)."""
    rng = np.random.default_rng(seed)
    days = [dt.date(2021, 1, 1) + dt.timedelta(days=i) for i in range(N_DAYS)]
    market = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, N_DAYS)))
    pl.DataFrame({"date": days, "close": market}).write_csv(folder / "MKT.csv")
    close = 20 * np.exp(np.cumsum(rng.normal(0.001, 0.02, (N_SYMBOLS, N_DAYS)), axis=1))
    pl.DataFrame({
        "date": days * N_SYMBOLS,
        "symbol": [f"S{k:03d}" for k in range(N_SYMBOLS) for _ in days],
        "close": close.ravel(),
    }).write_parquet(folder / "panel.parquet")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scale")
    write_panel(folder)
    (folder / "study.yaml").write_text(STUDY)
    return folder


@pytest.fixture(scope="module")
def result(folder: Path) -> StudyResult:
    result = eventstudy.run(folder / "study.yaml", data_dir=folder)
    # the study is big enough for every limit to bite
    assert result.events.height > max(DOCUMENT_ROWS.limit, JSON_ROWS)
    assert result.raw_events.height > MARKER_LIMIT
    return result


@pytest.fixture(scope="module")
def out(result: StudyResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "out"
    write_report(result, out)
    return out


def test_a_row_limit_keeps_short_tables_whole() -> None:
    limit = RowLimit(limit=200, shown=50)
    assert limit.fold(0) == (0, 0) and limit.fold(200) == (200, 0)
    assert limit.fold(201) == (50, 101) and limit.fold(335_183) == (50, 335_083)


def test_report_files_stay_small(out: Path) -> None:
    sizes = {name: (out / name).stat().st_size for name in LIMITS}
    assert all(sizes[name] <= limit for name, limit in LIMITS.items()), sizes


def test_the_csv_files_hold_every_event_and_outcome(result: StudyResult, out: Path) -> None:
    events = pl.read_csv(out / "events.csv", try_parse_dates=True)
    assert events.height == result.events.height
    assert events.select("date", "symbol").equals(result.events.select("date", "symbol"))
    outcomes = pl.read_csv(out / "outcomes.csv", try_parse_dates=True)
    assert outcomes.height == visible_outcomes(result).height == result.events.height * 2  # two horizons
    assert outcomes.columns[:3] == ["date", "symbol", "asset"]  # a universe's outcome says whose it is
    pairs = outcomes.select("date", "symbol").unique()
    assert pairs.sort(pl.all()).equals(events.select("date", "symbol").unique().sort(pl.all()))


def omitted_count(result: StudyResult, limit: RowLimit) -> int:
    return result.events.height - 2 * limit.shown


def test_report_md_shows_head_and_tail_and_says_what_it_leaves_out(result: StudyResult, out: Path) -> None:
    text = (out / "report.md").read_text()
    n = result.events.height
    assert f"### Instances ({n:,})" in text
    assert f"Showing the first 50 and last 50 of {n:,} events; all are in events.csv." in text
    assert f"| … {omitted_count(result, DOCUMENT_ROWS):,} more events (all in events.csv) |" in text
    rows = [line for line in text.splitlines() if re.match(r"\| \d{4}-\d\d-\d\d \| S\d{3} \|", line)]
    assert len(rows) == 2 * DOCUMENT_ROWS.shown
    first, last = result.events.row(0, named=True), result.events.row(-1, named=True)
    assert rows[0].startswith(f"| {first['date']} | {first['symbol']} |")
    assert rows[-1].startswith(f"| {last['date']} | {last['symbol']} |")


def test_markdown_without_an_output_folder_says_how_to_get_every_event(result: StudyResult) -> None:
    text = render_markdown(result)
    assert f"of {result.events.height:,} events; `eventstudy run --output DIR` writes them all to events.csv." in text


def test_html_without_an_output_folder_shows_the_command_as_code(result: StudyResult) -> None:
    """The sentence is written once for Markdown and HTML: the page showed its Markdown
    backticks ('`eventstudy run --output DIR` writes them all to events.csv')."""
    from eventstudy.report.html import render_html

    page = render_html(result)
    assert "<code>eventstudy run --output DIR</code> writes them all to events.csv." in page and "`" not in page


def test_report_html_is_small_self_contained_and_says_what_it_leaves_out(result: StudyResult, out: Path) -> None:
    page = (out / "report.html").read_text()
    tags = parse(page)
    assert not tags.open, "every element is closed"
    metas = [a for t, a in tags.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert metas and metas[0]["content"] == CSP
    assert not {t for t, _ in tags.tags} & {"script", "link", "iframe", "object", "embed", "img", "base", "form"}
    for tag, attrs in tags.tags:
        for key in ("src", "href", "xlink:href", "action", "srcset", "poster"):
            assert attrs.get(key) is None or attrs[key].startswith("#"), (tag, key)
    n = result.events.height
    assert f"Showing the first 50 and last 50 of {n:,} events; all are in events.csv." in page
    gap = f"… {omitted_count(result, DOCUMENT_ROWS):,} more events (all in events.csv)"
    assert page.count(f'<tr class="omitted"><td colspan="{result.events.width}">{gap}</td></tr>') == 1
    instances = page[page.index('<section id="instances">'):page.index("</section>", page.index('<section id="instances">'))]
    assert instances.count("<tr>") == 2 * DOCUMENT_ROWS.shown + 2  # rows shown, and the two header rows
    assert '<section id="breakdowns">' in page and "By symbol (the 20 largest of" in page


def test_result_json_points_at_the_csv_files_for_long_tables(result: StudyResult, out: Path) -> None:
    doc = json.loads((out / "result.json").read_text())
    assert "events" not in doc and "outcomes" not in doc  # no partial list to mistake for the whole
    assert doc["tables"]["events"] == {"rows": result.events.height, "file": "events.csv", "included": False}
    assert doc["tables"]["outcomes"] == {"rows": visible_outcomes(result).height, "file": "outcomes.csv", "included": False}
    assert doc["tables"]["summary"]["included"] and len(doc["summary"]) == result.summary.height
    assert doc["tables"]["tests"]["included"] and len(doc["tests"]) == result.tests.height
    assert doc["notes"] == result.notes and doc["study"]["name"] == "many events in a universe"
    assert list(doc["data"]["sources"]) == ["MKT"]  # the panel is named once, not once per symbol
    assert [(Path(p["path"]).name, p["symbols"]) for p in doc["data"]["panels"]] == [("panel.parquet", N_SYMBOLS)]
    by_year = result.breakdowns["by_year"]
    assert doc["breakdowns"]["by_year"] == json.loads(by_year.write_json())
    for name in ("events", "outcomes", "summary", "tests", "by_year", "by_symbol"):
        with (out / doc["tables"][name]["file"]).open() as handle:
            assert sum(1 for _ in csv.reader(handle)) - 1 == doc["tables"][name]["rows"]


def test_json_without_a_limit_has_every_row_as_python_would_write_it(result: StudyResult) -> None:
    doc = json.loads(result_to_json(result))
    assert all(doc["tables"][name]["included"] for name in doc["tables"])
    assert doc["tables"]["outcomes"]["file"] == "outcomes.csv"
    alone = json.loads(result_to_json(result, files=False))  # `run --format json` without --output: no CSV file to name
    assert {entry["file"] for entry in alone["tables"].values()} == {None} and alone["tables"]["outcomes"]["included"]
    assert len(doc["events"]) == result.events.height
    expected = json.loads(json.dumps(result.events.head(300).to_dicts(), default=str))
    assert doc["events"][:300] == expected  # polars' serialization: the same dates and floats
    assert len(doc["outcomes"]) == visible_outcomes(result).height


def test_the_terminal_shows_a_screenful(result: StudyResult) -> None:
    buffer = io.StringIO()
    render_terminal(result, buffer, width=100, events_file="out/events.csv")
    text = buffer.getvalue()
    assert f"… {omitted_count(result, TERMINAL_ROWS):,} more events (--show instances lists them all; see out/events.csv)" in text
    assert len(text.splitlines()) < 100  # the instances folded, the significance details one option away
    assert text.startswith("Verdict: ") and text.index("Summary, ") < text.index("Instances (")
    assert max(len(line) for line in text.splitlines()) <= 100


def test_only_the_rows_shown_are_formatted(result: StudyResult) -> None:
    table = instance_table(result, DOCUMENT_ROWS)
    assert len(table.rows) == 2 * DOCUMENT_ROWS.shown and table.total == result.events.height
    first, last = table.halves()
    assert first[0][:2] == [str(result.events["date"][0]), result.events["symbol"][0]]
    assert last[-1][:2] == [str(result.events["date"][-1]), result.events["symbol"][-1]]
    assert len(instance_table(result).rows) == result.events.height  # without a limit: every row


def test_the_price_chart_counts_events_per_period_instead_of_marking_each(result: StudyResult) -> None:
    fig = price_chart(result)
    prices, strip = fig.get_axes()
    assert not [c for c in prices.collections if isinstance(c, PathCollection)]  # no marker per event
    assert strip.get_ylabel() == "events per week"  # 300 days: weeks
    heights = sum(patch.get_height() for patch in strip.patches)
    assert heights == result.raw_events.height  # kept and dropped, stacked: every event counted once
    labels = [t.get_text() for t in strip.get_legend().get_texts()]
    kept = int(result.raw_events["kept"].sum())
    assert f"kept events ({kept:,})" in labels
    assert f"dropped by declustering ({result.raw_events.height - kept:,} symbol-days)" in labels


def test_the_distribution_chart_draws_histograms_instead_of_dots(result: StudyResult) -> None:
    fig = distribution_chart(result, "fwd")
    (ax,) = [a for a in fig.get_axes() if a.get_title(loc="left")]
    assert ax.get_title(loc="left") == "stocks: the events' fwd (histogram)"  # a universe's result keeps no null draws
    assert not [c for c in ax.collections if isinstance(c, PathCollection) and len(c.get_offsets()) > DOT_LIMIT]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "events' fwd: histogram of the middle 99%" in legend and "each event" not in legend


def test_each_input_file_is_hashed_once(result: StudyResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hashed: list[Path] = []
    original = manifest_module.sha256_file

    def counting(path: str | Path) -> str:
        hashed.append(Path(path))
        return original(path)

    monkeypatch.setattr(manifest_module, "sha256_file", counting)
    manifest = manifest_module.build_manifest(result)
    panels = [f for f in manifest["data"]["files"] if "symbols" in f]
    assert len(panels) == 1 and len(panels[0]["symbols"]) == N_SYMBOLS and panels[0]["path"].endswith("panel.parquet")
    assert [f["symbol"] for f in manifest["data"]["files"] if "symbol" in f] == ["MKT"]
    assert len(hashed) == len(set(hashed))  # the panel once, not once per symbol


def test_the_big_report_makes_no_network_request_in_chromium(out: Path, tmp_path: Path) -> None:
    binary = chromium_binary()
    dom, requests = chromium(binary, tmp_path, (out / "report.html").as_uri(), "--dump-dom")
    assert dom.count('<figure class="chart"') == len(list(out.glob("*.svg"))) == 2  # prices, distribution
    assert 'class="omitted"' in dom
    leaked = [u for u in page_requests(requests) if not u.startswith(("file:", "data:"))]
    assert not leaked, f"the report made network requests: {leaked}"


def test_breakdowns_show_each_measure_in_its_unit() -> None:
    """The days to recover are days, a hit rate a share, a return a signed percent (the
    breakdowns showed every average as a return: 5.08 days as +508.33%)."""
    from eventstudy.report.text import breakdown_table

    frame = pl.DataFrame({
        "measure": ["fwd", "recovery", "hit"], "asset": ["stocks"] * 3, "horizon": ["1m", "recovery", "1m"],
        "year": [2014] * 3, "n": [24, 24, 24], "mean": [0.0123, 5.0833, 0.625], "median": [0.01, 3.5, 1.0],
        "pct_positive": [0.6, 1.0, 0.625],
    })
    table = breakdown_table("by_year", frame, {"fwd": "fraction", "recovery": "count", "hit": "share"})
    assert table is not None
    assert [row[5:7] for row in table.rows] == [["+1.23%", "+1.00%"], ["5.08", "3.50"], ["62.5%", "100.0%"]]
