"""A self-contained HTML report: one file that opens offline.

Everything is inline: the style sheet, and the charts as SVG drawn by matplotlib (text
as paths, so no font is fetched). There is no script, no link, no remote image, and a
Content-Security-Policy meta tag (``default-src 'none'``) makes the browser refuse any
request the page might still try, so opening the report never touches the network.

The page stays small whatever the event count: a long table is shortened by
:data:`~eventstudy.report.text.DOCUMENT_ROWS` (its first and last rows, a sentence saying
what is shown and which CSV file holds every row, a row in the gap counting the rest), and
the charts aggregate many events (see :mod:`.charts`).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

from eventstudy.report.event_study import event_study_heading, event_study_tables
from eventstudy.report.text import (
    DOCUMENT_ROWS,
    TextTable,
    baseline_words,
    breakdown_table,
    folded,
    headline_legend,
    headline_null,
    instance_table,
    omission_line,
    shown_line,
    split_notes,
    study_lines,
    summary_tables,
    tests_table,
    tone_of,
)
from eventstudy.report.verdict import verdict_line

if TYPE_CHECKING:
    from eventstudy.report.charts import Chart
    from eventstudy.result import StudyResult
    from eventstudy.sweep import SweepResult

__all__ = ["CSP", "html_table", "render_html", "render_sweep_html"]

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
"""The report's Content-Security-Policy: no script, no request except inline data."""

STYLE = """
:root { --ink: #1d2430; --muted: #5b6573; --rule: #dde2e8; --pos: #17803d; --neg: #b42318; --accent: #1f4e9c; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f7f9; color: var(--ink);
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 28px 32px 48px; background: #fff; min-height: 100vh; }
h1 { font-size: 1.6em; margin: 0 0 6px; line-height: 1.25; }
h2 { font-size: 1.2em; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--rule); }
h3 { font-size: 1.0em; margin: 20px 0 8px; }
p.description { margin: 4px 0 14px; color: var(--muted); }
dl.study { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 12px 0 18px; }
dl.study dt { color: var(--muted); }
dl.study dd { margin: 0; }
code { font: 0.92em/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #eef1f5;
       padding: 1px 5px; border-radius: 4px; }
.callout { border-left: 5px solid #d4a106; background: #fff8e1; padding: 10px 16px; margin: 16px 0;
           border-radius: 4px; }
.callout strong { display: block; margin-bottom: 4px; color: #7a5b00; }
.callout ul { margin: 0; padding-left: 20px; }
figure.chart { margin: 18px 0 26px; }
figure.chart svg { width: 100%; height: auto; display: block; }
figure.chart figcaption { color: var(--muted); font-size: 0.88em; margin-top: 4px; }
figure.chart figcaption b { color: var(--ink); }
.scroll { overflow: auto; max-width: 100%; }
.scroll.tall { max-height: 640px; }
table { border-collapse: collapse; font-size: 0.84em; font-variant-numeric: tabular-nums; margin: 4px 0 12px; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--rule); white-space: nowrap; }
th { background: #f0f2f5; text-align: right; vertical-align: bottom; }
th.group { text-align: center; border-bottom: 2px solid #c9d0d9; border-left: 6px solid #fff; }
th.l, td.l { text-align: left; }
td { text-align: right; }
td.pos { color: var(--pos); } td.neg { color: var(--neg); }
td.pending { color: var(--muted); font-style: italic; }
td.sig { font-weight: 700; } td.survives { font-weight: 700; background: #fff3c4; }
tr:hover td { background: #f7f9fc; }
tr.omitted td { text-align: left; color: var(--muted); font-style: italic; background: #f6f7f9; }
ul.notes { color: var(--muted); font-size: 0.9em; }
details > summary { cursor: pointer; font-weight: 600; margin: 8px 0; }
footer { margin-top: 36px; color: var(--muted); font-size: 0.82em; border-top: 1px solid var(--rule); padding-top: 8px; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


PART_LABELS = {"events": "Events", "all days": "All days (the baseline)", "all symbol-days": "All symbol-days (the baseline)"}


def html_table(table: TextTable, *, caption: str | None = None, gap_note: str = "") -> str:
    """A table as HTML: numbers right-aligned, each cell's tone as its class. A table in
    parts (the instance table by asset, the summary's events and all days) gets a
    two-row header, each part's columns together under its name (a column of no part,
    like a universe's own close, with its title across both rows). A shortened table gets
    a row in its gap: '… 30,229 more events' and ``gap_note``."""
    grouped = any(table.parts)
    spans: list[tuple[str, int]] = []
    if grouped:
        table, spans = table.by_part()
    out = ["<table>"]
    if caption:
        out.append(f"<caption>{_e(caption)}</caption>")
    out.append("<thead>")
    if grouped:
        keys = "".join(f'<th class="l" scope="col" rowspan="2">{_e(h)}</th>' for h in table.headers[: table.keys])
        groups, subs, start = [], [], table.keys
        for part, n in spans:
            if part:
                groups.append(f'<th class="group" scope="colgroup" colspan="{n}">{_e(PART_LABELS.get(part, part))}</th>')
                subs += [f'<th scope="col">{_e(h)}</th>' for h in table.short_headers[start : start + n]]
            else:  # columns of no part (a universe's own close beside SPX drawdown): their title spans both rows
                groups += [f'<th scope="col" rowspan="2">{_e(h)}</th>' for h in table.headers[start : start + n]]
            start += n
        out.append(f"<tr>{keys}{''.join(groups)}</tr><tr>{''.join(subs)}</tr>")
    else:
        heads = "".join(f'<th class="l" scope="col">{_e(h)}</th>' if i < table.left else f'<th scope="col">{_e(h)}</th>'
                        for i, h in enumerate(table.headers))
        out.append(f"<tr>{heads}</tr>")
    out.append("</thead><tbody>")
    for k, (cells, tones) in enumerate(zip(table.rows, table.tones)):
        if table.omitted and k == table.fold_at:
            out.append(f'<tr class="omitted"><td colspan="{len(table.headers)}">{_e(omission_line(table, gap_note))}</td></tr>')
        tds = []
        for i, (cell, tone) in enumerate(zip(cells, tones)):
            classes = " ".join(c for c in ("l" if i < table.left else "", tone) if c)
            tds.append(f'<td class="{classes}">{_e(cell)}</td>' if classes else f"<td>{_e(cell)}</td>")
        out.append("<tr>" + "".join(tds) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _plain_table(headers: list[str], rows: list[list[str]], left: int) -> TextTable:
    tones = [[tone_of(c) if i >= left else "" for i, c in enumerate(row)] for row in rows]
    return TextTable(title="", headers=headers, rows=rows, tones=tones, keys=left, left=left)


def _figure(chart: Chart) -> str:
    svg = chart.svg()
    caption = f"<b>{_e(chart.title)}.</b> {_e(chart.caption)}" if chart.caption else f"<b>{_e(chart.title)}</b>"
    return (
        f'<figure class="chart" id="chart-{_e(chart.name)}" data-chart="{_e(chart.name)}">'
        f'<div role="img" aria-label="{_e(chart.title)}">{svg}</div><figcaption>{caption}</figcaption></figure>'
    )


def _page(title: str, body: list[str], footer: str) -> str:
    from eventstudy import __version__

    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f'<meta name="generator" content="eventstudy {_e(__version__)}">',
            f"<title>{_e(title)}</title>",
            f"<style>{STYLE}</style>",
            "</head>",
            "<body><main>",
            *body,
            f"<footer>{footer}</footer>",
            "</main></body>",
            "</html>",
            "",
        ]
    )


def _warnings(warnings: Sequence[str]) -> str:
    if not warnings:
        return ""
    items = "".join(f"<li>{_e(w)}</li>" for w in warnings)
    noun = "Warning" if len(warnings) == 1 else "Warnings"
    return f'<aside class="callout warning" role="note"><strong>{noun}</strong><ul>{items}</ul></aside>'


def _shortened(table: TextTable, file: str, written: bool, *, tall: bool = False) -> str:
    """A table in its scrolling box; a shortened one under a sentence saying what it shows."""
    box = f'<div class="scroll{" tall" if tall else ""}">'
    if not table.omitted:
        return f"{box}{html_table(table)}</div>"
    gap = f" (all in {file})" if written else ""
    return (f'<p class="description omission">{_inline_code(shown_line(table, file, written=written))}</p>'
            f"{box}{html_table(table, gap_note=gap)}</div>")


def _inline_code(text: str) -> str:
    """``text`` escaped, its Markdown spans (```eventstudy run --output DIR```) as <code>: the
    sentence is written once for Markdown and HTML alike."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: as it is
        return _e(text)
    return "".join(f"<code>{_e(part)}</code>" if i % 2 else _e(part) for i, part in enumerate(parts))


def render_html(result: StudyResult, charts: Sequence[Chart] = (), *, events_file: str | None = None) -> str:
    """The study as one self-contained HTML page: the verdict, description, condition, warnings,
    charts, the instance table, the summary with its baseline and significance, a
    universe's breakdowns, notes.

    ``events_file``: where the full instance table is (``events.csv`` beside report.html),
    named when a long table is shortened; None when it is not written.
    """
    from eventstudy import __version__

    written = events_file is not None
    study = result.study
    body = [f"<header><h1>{_e(study.name)}</h1>", f'<p class="verdict"><strong>{_e(verdict_line(result))}</strong></p>']
    if study.description:
        body.append(f'<p class="description">{_e(study.description.strip())}</p>')
    items = []
    for label, text in study_lines(result):
        value = f"<code>{_e(text)}</code>" if label == "Condition" else _e(text)
        items.append(f"<dt>{_e(label)}</dt><dd>{value}</dd>")
    body.append(f'<dl class="study">{"".join(items)}</dl></header>')
    warnings, notes = split_notes(result.notes)
    body.append(_warnings(warnings))

    if charts:
        body.append('<section id="charts"><h2>Charts</h2>')
        body += [_figure(chart) for chart in charts]
        body.append("</section>")

    tested = tests_table(result)
    if study.evaluate:  # an event study only has no summary: its own section follows
        body.append('<section id="summary"><h2>Summary</h2>')
        label, averages = baseline_words(result)
        body.append(f'<p class="description">Events beside <em>{_e(label.lower())}</em>: {_e(averages)} (the baseline).</p>')
        for summary in summary_tables(result):
            body.append(f'<div class="scroll">{html_table(summary, caption=summary.title)}</div>')
        if tested is not None:
            body.append(f'<p class="description">{_e(headline_legend(result))} Bold: below alpha.</p>')
        body.append("</section>")

    if result.event_study is not None:  # a classical event study: its tests and CAAR path (the chart is above)
        body.append(f'<section id="event-study"><h2>{_e(event_study_heading(result.event_study))}</h2>')
        for table in event_study_tables(result):
            body.append(f'<div class="scroll">{html_table(table, caption=table.title)}</div>')
        body.append("</section>")

    instances = instance_table(result, DOCUMENT_ROWS)
    body.append(f'<section id="instances"><h2>{_e(instances.title)}</h2>')
    if result.events.height:
        body.append(_shortened(instances, events_file or "events.csv", written, tall=len(instances.rows) > 40))
    else:
        body.append("<p>No events: the condition never held in the window.</p>")
    body.append("</section>")

    if tested is not None:
        body.append('<section id="significance"><h2>Significance</h2><details><summary>'
                    f"{_e(tested.title)} ({len(tested.rows)} rows)</summary>")
        body.append(f"{_shortened(folded(tested, DOCUMENT_ROWS), 'tests.csv', written)}</details></section>")

    breakdowns = [(name, breakdown_table(name, frame, result.measure_units, written=written))
                  for name, frame in result.breakdowns.items()]
    if any(breakdown is not None for _, breakdown in breakdowns):
        body.append('<section id="breakdowns"><h2>Breakdowns</h2>')
        for name, breakdown in breakdowns:
            if breakdown is not None:
                shown = folded(breakdown, DOCUMENT_ROWS)
                body.append(f"<h3>{_inline_code(breakdown.title)}</h3>{_shortened(shown, f'{name}.csv', written, tall=len(shown.rows) > 40)}")
        body.append("</section>")

    body.append('<section id="notes"><h2>Notes</h2><ul class="notes">')
    body += [f"<li>{_e(note)}</li>" for note in notes]
    body.append("</ul></section>")
    stats = result.statistics
    null = headline_null(result)
    if stats is None:
        draws = ""
    else:
        draws = f"{stats.histories:,} resampled histories" if null == "histories" else f"{stats.placebos:,} {null} placebos"
    seed = f" · seed {stats.seed}, {draws}" if stats and null else ""
    where = f" · study file <code>{_e(study.path)}</code>" if study.path else ""
    footer = f"eventstudy {_e(__version__)}{where}{seed}"
    return _page(study.name, body, footer)


def render_sweep_html(result: SweepResult, charts: Sequence[Chart] = (), *, name: str = "Sweep", top: int = 10) -> str:
    """A sweep as one self-contained HTML page: the verdict, the heat map and the tables."""
    from eventstudy import __version__
    from eventstudy.report.sweep import sweep_blocks, verdict_lines

    body = [f"<header><h1>{_e(name)}</h1>", '<ul class="verdict">']
    body += [f"<li>{_e(line)}</li>" for line in verdict_lines(result)]
    body.append("</ul></header>")
    if charts:
        body.append('<section id="charts"><h2>Charts</h2>')
        body += [_figure(chart) for chart in charts]
        body.append("</section>")
    for title, headers, rows, keys in sweep_blocks(result, top):
        body.append(f"<section><h2>{_e(title)}</h2>")
        body.append(f'<div class="scroll">{html_table(_plain_table(headers, rows, keys))}</div></section>')
    return _page(name, body, f"eventstudy {_e(__version__)} · sweep")
