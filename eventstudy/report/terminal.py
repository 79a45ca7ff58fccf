"""Terminal tables (rich): colour when the terminal supports it, plain when piped."""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from eventstudy.report.text import TEST_HEADERS, column_title, instance_cells, study_lines, summary_blocks, test_rows
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
    for cells in instance_cells(result):
        table.add_row(*[Text(c, style=_style(c) if result.column_units.get(col) == "fraction" else "") for c, col in zip(cells, events.columns)])
    if events.height:
        console.print(table)
    else:
        console.print("No events: the condition never held in the window.")
    console.print()

    for title, headers, rows in summary_blocks(result):
        summary = Table(title=f"Summary, {title} (events vs all days of the window)", title_justify="left", header_style="bold")
        for i, header in enumerate(headers):
            summary.add_column(header, justify="left" if i < 2 else "right", no_wrap=True)
        for cells in rows:
            summary.add_row(*[Text(c, style=_style(c)) for c in cells])
        console.print(summary)
        console.print()
    tested = result.statistics is not None and result.statistics.placebos > 0 and not result.tests.is_empty()
    if tested:
        details = Table(title="Significance: placebo test, adjustments, classical companions", title_justify="left", header_style="bold")
        for i, header in enumerate(TEST_HEADERS):
            details.add_column(header, justify="left" if i < 4 else "right", no_wrap=True)
        for cells in test_rows(result.tests.to_dicts(), result.measure_units):
            details.add_row(*[Text(c, style=_style(c) if i in (4, 6) else "") for i, c in enumerate(cells)])
        console.print(details)
    for note in result.notes:
        warning = note.startswith("warning:")
        console.print(Text(note if warning else f"note: {note}", style="yellow" if warning else "dim"))
