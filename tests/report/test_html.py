"""The HTML report: one self-contained file, checked as text and opened in headless Chromium.

The browser test runs the README's command on the real data, opens report.html in Debian's
Chromium, counts the charts in the rendered DOM, and reads Chromium's net log to check
that the page made no network request (with a positive control: a page that does leak is
caught, and the same page under the report's Content-Security-Policy is not). A screenshot
is kept under the pytest tmp dir and as test-artifacts/report.png at the repository root.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest
from report_helpers import STUDY, tiny_result

from eventstudy.cli import main
from eventstudy.report import html_report, render_markdown
from eventstudy.report.charts import sweep_charts
from eventstudy.report.html import CSP, render_html, render_sweep_html
from eventstudy.report.markdown import inert
from eventstudy.report.verdict import verdict_line
from eventstudy.sweep import Axis, SweepResult

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "configs" / "spx_rut.yaml"
ARTIFACT = REPO / "test-artifacts" / "report.png"
CHARTS = ["prices", "path", "distribution"]


class Tags(HTMLParser):
    """Start tags with their attributes, and whether every element closed."""

    VOID = frozenset({"meta", "br", "img", "hr", "input", "link", "path", "use", "rect", "circle", "stop"})

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1] if self.open else None}>"
        self.open.pop()


def parse(page: str) -> Tags:
    tags = Tags()
    tags.feed(page)
    tags.close()
    return tags


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    return html_report(tiny_result(tmp_path_factory.mktemp("html")))


def test_the_page_is_self_contained(page: str) -> None:
    tags = parse(page)
    assert not tags.open, "every element is closed"
    metas = [a for t, a in tags.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert metas and metas[0]["content"] == CSP and "default-src 'none'" in CSP
    names = {t for t, _ in tags.tags}
    assert not names & {"script", "link", "iframe", "object", "embed", "img", "video", "audio", "base", "form"}
    for tag, attrs in tags.tags:
        for key in ("src", "href", "xlink:href", "action", "srcset", "poster"):
            value = attrs.get(key)
            assert value is None or value.startswith("#"), (tag, key, value)  # only links inside the page
    assert "@import" not in page and not re.search(r"url\(\s*['\"]?(?!#)", page)


def test_the_page_has_every_part(page: str) -> None:
    tags = parse(page)
    figures = [a for t, a in tags.tags if t == "figure"]
    assert [a["data-chart"] for a in figures] == CHARTS
    assert page.count("<svg") == len(CHARTS)
    assert "tiny report study" in page and "A trends up with a weekly wobble" in page  # name and description
    assert "<code>A at ATH and B drawdown &gt;= 10%</code>" in page  # the condition
    assert 'class="callout warning"' in page and "less than a year before the window" in page  # warnings
    for section in ("summary", "instances", "significance", "notes"):
        assert f'<section id="{section}">' in page
    assert "All days (the baseline)" in page  # the summary's baseline, grouped under its own header
    assert 'class="pos"' in page and 'class="neg"' in page and 'class="pending"' in page
    assert "survives" in page  # significance marks


def test_the_page_states_the_verdict_the_terminal_and_markdown_lead_with(tmp_path: Path) -> None:
    """report.html had no verdict: a run whose terminal and report.md open with 'nothing
    is tested' or 'no cell had enough complete events' showed its p-values without it."""
    for k, text in enumerate([None, "when: A at ATH and B drawdown >= 10% and day_of_month == 3"]):
        folder = tmp_path / str(k)
        folder.mkdir()
        result = tiny_result(folder) if text is None else tiny_result(folder, STUDY.replace("when: A at ATH and B drawdown >= 10%", text))
        verdict = verdict_line(result)
        assert verdict.startswith("Verdict: ") and f"**{inert(verdict)}**" in render_markdown(result)
        page = render_html(result)
        assert f'<p class="verdict"><strong>{html.escape(verdict, quote=True)}</strong></p>' in page
        assert page.index('class="verdict"') < page.index('class="study"')  # first, as on the terminal
        assert not parse(page).open
    assert "no cell had enough complete events for a test" in verdict


def test_a_universe_instance_table_has_no_empty_group_header(tmp_path: Path) -> None:
    """A universe's instance table: each stock's own close (a column of no series) stood
    under an empty group header beside 'MKT' and 'stocks'; its title now spans both rows."""
    import datetime as dt
    import math

    import eventstudy

    data = tmp_path / "data"
    data.mkdir()
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(120)]
    rows = [(d, s, 100 * (1 + 0.3 * math.sin(i / 9 + k))) for k, s in enumerate(["AAA", "BBB"]) for i, d in enumerate(days)]
    pl.DataFrame(rows, schema=["date", "symbol", "close"], orient="row").write_csv(data / "panel.csv")
    pl.DataFrame({"date": days, "close": [100.0 + math.sin(i) for i in range(120)]}).write_csv(data / "MKT.csv")
    study = tmp_path / "u.yaml"
    study.write_text("name: u\nseries: {MKT: MKT}\nuniverse: {data_file: panel.csv, label: stocks}\n"
                     "when: close at 20-day high and MKT drawdown >= 0%\nevaluate:\n  - forward_returns: {horizons: [1w]}\n"
                     "statistics: {placebos: 0}\n")
    result = eventstudy.run(study, data_dir=data)
    assert result.events.columns[:3] == ["date", "symbol", "close"]
    page = html_report(result)
    table = page[page.index('<section id="instances">'):]
    table = table[table.index("<thead>"):table.index("</tbody>")]
    first, second = re.findall(r"<tr>(.*?)</tr>", table[: table.index("</thead>")])
    assert '<th scope="col" rowspan="2">close</th>' in first
    assert not re.search(r'<th class="group"[^>]*></th>', first)  # no group without a name
    groups = re.findall(r'<th class="group" scope="colgroup" colspan="(\d+)">([^<]+)</th>', first)
    assert [name for _, name in groups] == ["MKT", "stocks"]
    spanning = len(re.findall(r'rowspan="2"', first))
    assert sum(int(n) for n, _ in groups) == second.count("<th ")  # the second row: the named groups' columns
    body = re.search(r"<tbody><tr>(.*?)</tr>", table)
    assert body and body.group(1).count("<td") == spanning + second.count("<th ") == len(result.events.columns)


def test_sweep_page() -> None:
    rows = [{"gap": g, "mode": m, "measure": "fwd", "asset": "A", "horizon": "1m", "observed": o, "baseline": 0.01, "n": 5,
             "z": z, "p_placebo": 0.2, "p_romano_wolf": 0.5}
            for (g, m, o, z) in [("5", "a", 0.02, 1.0), ("5", "b", 0.03, 1.5), ("10", "a", 0.0, -0.2), ("10", "b", 0.01, 0.1)]]
    ledger = pl.DataFrame(rows)
    verdict = {"cells": 4, "tests": 4, "statistic": "mean", "null": "matched", "placebos": 100, "seed": 1, "period": "x",
               "reality_check_p": 0.4, "spa_p": 0.4, "best": rows[1]}
    sweep = SweepResult(ledger=ledger, verdict=verdict, axes=(Axis("gap", ("5", "10")), Axis("mode", ("a", "b"))))
    html = render_sweep_html(sweep, sweep_charts(sweep), name="Sweep: test")
    tags = parse(html)
    assert [a["data-chart"] for t, a in tags.tags if t == "figure"] == ["heatmap"]
    assert "Reality Check p=0.400" in html and "Best cells (by studentized z)" in html
    assert "A 1m mean by gap (rows) and mode (columns)" in html


# --- in a real browser -------------------------------------------------------------------

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-sync", "--disable-default-apps", "--disable-extensions", "--no-pings",
    "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate", "--hide-scrollbars",
]


def chromium_binary() -> str:
    found = next((shutil.which(name) for name in ("chromium", "chromium-browser") if shutil.which(name)), None)
    if found:
        return found
    reason = "no chromium binary (Debian: apt-get install chromium); .ci/run installs it"
    if os.environ.get("EVENTSTUDY_BROWSER_TEST") == "required":
        pytest.fail(f"the browser test is required here, but: {reason}")
    pytest.skip(reason)


def chromium(binary: str, tmp: Path, url: str, *args: str) -> tuple[str, list[dict]]:
    """Open ``url``; return stdout and the net log's requests (url, initiator, isolation key)."""
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    netlog = profile.with_suffix(".netlog.json")
    proc = subprocess.run(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--log-net-log={netlog}", *args, url],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    log = json.loads(netlog.read_text())
    kinds = {value: name for name, value in log["constants"]["logEventTypes"].items()}
    requests = [e["params"] for e in log["events"] if kinds[e["type"]] == "URL_REQUEST_START_JOB" and "url" in e.get("params", {})]
    return proc.stdout, requests


def page_requests(requests: list[dict]) -> list[str]:
    """URLs the page asked for: requests with a document as initiator (file pages have the
    opaque origin 'null' and a file:// isolation key); Chromium's own background requests
    have no initiator."""
    return [
        r["url"] for r in requests
        if r.get("initiator") != "not an origin" or "file://" in str(r.get("network_isolation_key", ""))
    ]


@pytest.mark.slow
@pytest.mark.shared_data
def test_report_html_renders_offline_in_chromium(shared_data: Path, tmp_path: Path, capsys) -> None:
    binary = chromium_binary()
    out = tmp_path / "out"
    assert main(["run", str(CONFIG), "--data-dir", str(shared_data), "--output", str(out), "--quiet"]) == 0
    capsys.readouterr()
    report = out / "report.html"
    assert report.is_file()

    dom, requests = chromium(binary, tmp_path, report.as_uri(), "--dump-dom")
    assert dom.count('<figure class="chart"') == len(CHARTS)
    assert re.findall(r'data-chart="([a-z_]+)"', dom) == CHARTS
    for name in CHARTS:  # each chart rendered as an inline SVG inside its figure
        figure = dom[dom.index(f'id="chart-{name}"'):]
        assert figure.index("<svg") < figure.index("</figure>")
    assert "Instances (19)" in dom and "All days (the baseline)" in dom
    leaked = [u for u in page_requests(requests) if not u.startswith(("file:", "data:"))]
    assert not leaked, f"the report made network requests: {leaked}"

    screenshot = tmp_path / "report.png"
    chromium(binary, tmp_path, report.as_uri(), f"--screenshot={screenshot}", "--window-size=1280,2200")
    assert screenshot.stat().st_size > 50_000  # a rendered page, not a blank one
    ARTIFACT.parent.mkdir(exist_ok=True)
    shutil.copyfile(screenshot, ARTIFACT)

    # positive control: the net-log check catches a page that does request something,
    # and the report's Content-Security-Policy stops that same request
    leak = tmp_path / "leak.html"
    body = '<img src="http://127.0.0.1:9/leak.png"><p>leak</p></body></html>'
    leak.write_text(f"<!DOCTYPE html><html><head></head><body>{body}")
    _, requests = chromium(binary, tmp_path, leak.as_uri(), "--dump-dom")
    assert "http://127.0.0.1:9/leak.png" in page_requests(requests)
    leak.write_text(f'<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="{CSP}"></head><body>{body}')
    _, requests = chromium(binary, tmp_path, leak.as_uri(), "--dump-dom")
    assert not [u for u in page_requests(requests) if u.startswith("http")]
