"""Terminal tables (rich): colour when the terminal supports it, plain when piped."""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from eventstudy.report.text import SUMMARY_HEADERS, column_title, format_cell, study_lines, summary_rows
from eventstudy.study import StudyResult

__all__ = ["render_terminal"]


def _style(text: str) -> str:
    if text.startswith("+"):
        return "green"
    if text.startswith("-"):
        return "red"
    if text == "pending":
        return "dim italic"
    return ""


def render_terminal(result: StudyResult, file: TextIO | None = None, *, color: bool | None = None) -> None:
    """Print the instance table, the summary with its baseline, and the notes."""
    file = file or sys.stdout
    is_tty = hasattr(file, "isatty") and file.isatty()
    console = Console(
        file=file,
        no_color=not (is_tty if color is None else color),
        force_terminal=bool(color),
        width=None if is_tty else 200,
        highlight=False,
    )
    console.print(Text(result.study.name, style="bold"))
    for label, text in study_lines(result):
        console.print(f"  {label}: {text}")
    console.print()

    events = result.events
    table = Table(title=f"Instances ({events.height})", title_justify="left", header_style="bold")
    for column in events.columns:
        table.add_column(column_title(column), justify="left" if column == "date" else "right", no_wrap=True)
    for row in events.iter_rows(named=True):
        cells = [format_cell(row[c], result.column_units.get(c, "")) for c in events.columns]
        table.add_row(*[Text(c, style=_style(c) if result.column_units.get(col) == "fraction" else "") for c, col in zip(cells, events.columns)])
    if events.height:
        console.print(table)
    else:
        console.print("No events: the condition never held in the window.")
    console.print()

    summary = Table(title="Summary: events vs all days of the window (simple returns)", title_justify="left", header_style="bold")
    for i, header in enumerate(SUMMARY_HEADERS):
        summary.add_column(header, justify="left" if i < 2 else "right", no_wrap=True)
    for cells in summary_rows(result.summary.to_dicts()):
        summary.add_row(*[Text(c, style=_style(c) if 3 <= i <= 7 or i in (9, 10) else "") for i, c in enumerate(cells)])
    console.print(summary)
    for note in result.notes:
        console.print(Text(f"note: {note}" if not note.startswith("warning:") else note, style="yellow" if note.startswith("warning:") else "dim"))
