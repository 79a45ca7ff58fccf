"""Markdown tables, ready to paste into a research note.

A long table (the instances of a universe study, a long by-year breakdown) is shortened
by :data:`~eventstudy.report.text.DOCUMENT_ROWS`: its first and last rows, a line above
it saying what is shown and which CSV file holds every row, and a row in the gap saying
how many are left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from eventstudy.report.event_study import event_study_heading, event_study_tables
from eventstudy.report.text import (
    DOCUMENT_LAYOUT,
    DOCUMENT_ROWS,
    Layout,
    TextTable,
    baseline_words,
    breakdown_table,
    folded,
    headline_legend,
    instance_table,
    omission_line,
    shown_line,
    split_notes,
    study_lines,
    summary_tables,
    tests_table,
)
from eventstudy.report.verdict import verdict_line
from eventstudy.result import StudyResult, require_study_result

__all__ = ["inert", "markdown_table", "render_markdown"]


_TAG = re.compile(r"<(?=[A-Za-z/!?])")


def inert(text: str) -> str:
    """``text`` (a study's name, a symbol, a note) as Markdown that renders as the same
    words and nothing else: no HTML tag (``<script>``, ``<img onerror=...>``), no link or
    remote image (``![x](http://...)``). ``<0.001`` and ``>= 10%`` are left as they are."""
    return _TAG.sub("&lt;", text).replace("](", "]\\(")


def markdown_table(headers: list[str], rows: list[list[str]], right_from: int = 1) -> str:
    """A GitHub-flavoured Markdown table; columns from ``right_from`` on are right-aligned."""
    def esc(cell: str) -> str:
        return inert(cell).replace("|", "\\|")

    align = ["---" if i < right_from else "---:" for i in range(len(headers))]
    lines = ["| " + " | ".join(esc(h) for h in headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _shortened(table: TextTable, file: str, written: bool, right_from: int) -> list[str]:
    """A table as Markdown; a shortened one under a line saying what it shows, with a row
    in its gap that counts the rows left out."""
    if not table.omitted:
        return [markdown_table(table.headers, table.rows, right_from)]
    first, last = table.halves()
    gap = [omission_line(table, f" (all in {file})" if written else "")] + [""] * (len(table.headers) - 1)
    return [shown_line(table, file, written=written), "", markdown_table(table.headers, [*first, gap, *last], right_from)]


def _breakdown(name: str, table: TextTable, written: bool) -> list[str]:
    """A universe study's figures by year or by symbol (the largest groups first for symbols)."""
    return [f"### {table.title}", "", *_shortened(folded(table, DOCUMENT_ROWS), f"{name}.csv", written, 4), ""]


def render_markdown(
    result: StudyResult,
    charts: Sequence[tuple[str, str]] = (),
    *,
    events_file: str | None = None,
    layout: Layout = DOCUMENT_LAYOUT,
) -> str:
    """The study with its verdict and warnings, then the summary, the instance table, the
    significance details, the breakdowns and the notes as Markdown.

    ``charts``: (title, file name) of chart images written beside the report, linked in a
    Charts section. ``events_file``: where the full instance table is (``events.csv``
    beside report.md), named when a long table is shortened; None when it is not written
    (the report then says how to write it). ``layout``: which parts (default: all, as
    report.md has them; ``eventstudy run --format markdown --show`` picks others).
    """
    require_study_result(result, "render_markdown")
    written = events_file is not None
    parts = [f"## {inert(result.study.name)}", "", f"**{inert(verdict_line(result))}**", ""]
    if result.study.description:
        parts += [inert(result.study.description.strip()), ""]
    parts += [f"- **{label}:** {inert(text) if label != 'Condition' else f'`{text}`'}" for label, text in study_lines(result)]
    parts.append("")
    warnings, notes = split_notes(result.notes)
    warnings, notes = [inert(w) for w in warnings], [inert(n) for n in notes]
    if warnings:
        parts += [f"> **Warning:** {w}" if len(warnings) == 1 else f"> - **Warning:** {w}" for w in warnings]
        parts.append("")
    details = tests_table(result)
    if layout.summary and result.study.evaluate:  # an event study only has no summary: its own tables follow
        label, averages = baseline_words(result)
        parts += [f"### Summary ({label.lower()} = {averages})", ""]
        for table in summary_tables(result):
            parts += [f"**{inert(table.title)}**", "", markdown_table(table.headers, table.rows, right_from=2), ""]
        if details is not None:
            parts += [headline_legend(result), ""]
    if (layout.summary or layout.tests) and result.event_study is not None:  # a classical event study: its tests and CAAR path
        parts += [f"### {inert(event_study_heading(result.event_study))}", ""]
        for table in event_study_tables(result):
            parts += [f"**{inert(table.title)}**", "", markdown_table(table.headers, table.rows, right_from=1), ""]
    events = result.events
    if layout.instances:
        parts += [f"### Instances ({events.height:,})", ""]
        if events.height:
            table = instance_table(result, layout.rows)
            parts += _shortened(table, events_file or "events.csv", written, table.left)
        else:
            parts.append("No events: the condition never held in the window.")
        parts.append("")
    if details is not None and layout.tests:
        shown = folded(details, layout.rows) if layout.rows else details
        nested = result.statistics.baseline if result.statistics is not None else None
        where = [f"Baseline days: the days where `{nested.when}` (the summary's all days are every day of the window).", ""] if nested else []
        parts += ["### Significance", "", *where, *_shortened(shown, "tests.csv", written, 4), ""]
    elif details is not None:
        parts += ["Significance details (null mean, effect, n_eff, adjusted p, MDE): `--show tests`, report.md or tests.csv.", ""]
    if layout.summary:
        for name, frame in result.breakdowns.items():
            breakdown = breakdown_table(name, frame, result.measure_units, written=written)
            if breakdown is not None:
                parts += _breakdown(name, breakdown, written)
    if charts:
        parts += ["### Charts", ""]
        parts += [f"![{title}]({name})" for title, name in charts]
        parts.append("")
    if notes:  # under their own heading, as the HTML page has them (else they read as the charts' list)
        parts += ["### Notes", "", *(f"- {note}" for note in notes)]
    return "\n".join(parts) + "\n"
