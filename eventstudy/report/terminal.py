"""Terminal tables (rich): colour when the terminal supports it, plain when piped."""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from eventstudy.report.text import TEST_HEADERS, column_title, format_cell, study_lines, summary_headers, summary_rows, test_rows
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

    tests = result.tests.to_dicts() if result.statistics and result.statistics.placebos else None
    ci = result.statistics.ci if result.statistics else 0.95
    summary = Table(title="Summary: events vs all days of the window (simple returns)", title_justify="left", header_style="bold")
    for i, header in enumerate(summary_headers(tests is not None, ci)):
        summary.add_column(header, justify="left" if i < 2 else "right", no_wrap=True)
    for cells in summary_rows(result.summary.to_dicts(), tests):
        summary.add_row(*[Text(c, style=_style(c)) for c in cells])
    console.print(summary)
    if tests is not None:
        console.print()
        details = Table(title="Significance: placebo test, adjustments, classical companions", title_justify="left", header_style="bold")
        for i, header in enumerate(TEST_HEADERS):
            details.add_column(header, justify="left" if i < 3 else "right", no_wrap=True)
        for cells in test_rows(tests):
            details.add_row(*[Text(c, style=_style(c) if i in (3, 5) else "") for i, c in enumerate(cells)])
        console.print(details)
    for note in result.notes:
        warning = note.startswith("warning:")
        console.print(Text(note if warning else f"note: {note}", style="yellow" if warning else "dim"))
