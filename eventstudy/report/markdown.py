"""Markdown tables, ready to paste into a research note."""

from __future__ import annotations

import polars as pl

from collections.abc import Sequence

from eventstudy.report.text import format_cell, instance_table, split_notes, study_lines, summary_tables, tests_table
from eventstudy.study import StudyResult

__all__ = ["markdown_table", "render_markdown"]


def markdown_table(headers: list[str], rows: list[list[str]], right_from: int = 1) -> str:
    """A GitHub-flavoured Markdown table; columns from ``right_from`` on are right-aligned."""
    def esc(cell: str) -> str:
        return cell.replace("|", "\\|")

    align = ["---" if i < right_from else "---:" for i in range(len(headers))]
    lines = ["| " + " | ".join(esc(h) for h in headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _breakdown(name: str, frame: pl.DataFrame, limit: int = 20) -> list[str]:
    """A universe study's figures by year or by symbol (the largest groups first for symbols)."""
    if frame.is_empty():
        return []
    key = "year" if name == "by_year" else "symbol"
    shown = frame if key == "year" else frame.sort("n", descending=True).head(limit)
    rows = [
        [str(r["measure"]), str(r["asset"]), str(r["horizon"]), str(r[key]), str(r["n"]),
         format_cell(r["mean"], "fraction"), format_cell(r["median"], "fraction"), format_cell(r["pct_positive"], "share")]
        for r in shown.iter_rows(named=True)
    ]
    title = "By year" if key == "year" else f"By symbol (the {min(limit, frame.height)} largest of {frame.height} groups; all in {name}.csv)"
    headers = ["Measure", "Asset", "Horizon", key.capitalize(), "n", "Average", "Median", "% > 0"]
    return [f"### {title}", "", markdown_table(headers, rows, right_from=4), ""]


def render_markdown(result: StudyResult, charts: Sequence[tuple[str, str]] = ()) -> str:
    """The study header, warnings, the instance table, the summary and the notes as Markdown.

    ``charts``: (title, file name) of chart images written beside the report, linked in a
    Charts section.
    """
    parts = [f"## {result.study.name}", ""]
    if result.study.description:
        parts += [result.study.description.strip(), ""]
    parts += [f"- **{label}:** {text if label != 'Condition' else f'`{text}`'}" for label, text in study_lines(result)]
    parts.append("")
    warnings, notes = split_notes(result.notes)
    if warnings:
        parts += [f"> **Warning:** {w}" if len(warnings) == 1 else f"> - **Warning:** {w}" for w in warnings]
        parts.append("")
    events = result.events
    parts.append(f"### Instances ({events.height})")
    parts.append("")
    if events.height:
        table = instance_table(result)
        parts.append(markdown_table(table.headers, table.rows))
    else:
        parts.append("No events: the condition never held in the window.")
    parts += ["", "### Summary (all days = the same statistic over every day of the window)", ""]
    for table in summary_tables(result):
        parts += [f"**{table.title}**", "", markdown_table(table.headers, table.rows, right_from=2), ""]
    details = tests_table(result)
    if details is not None:
        parts += [
            "p: two-sided placebo p-value of the figure before it ('*': survives the max-statistic "
            "adjustment across all cells); CI: bootstrap (BCa) interval of the average, '~' when "
            "approximate (fewer than 20 events).",
            "",
            "### Significance",
            "",
            markdown_table(details.headers, details.rows, right_from=4),
            "",
        ]
    for name, frame in result.breakdowns.items():
        parts += _breakdown(name, frame)
    if charts:
        parts += ["### Charts", ""]
        parts += [f"![{title}]({name})" for title, name in charts]
        parts.append("")
    parts += [f"- {note}" for note in notes]
    return "\n".join(parts) + "\n"
