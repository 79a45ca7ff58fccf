"""Terminal tables (rich) that fit the terminal: colour when it supports it, plain when piped.

A run reads top down, most important first: a one-line verdict, the study and its
warnings, the summary, the instance table, then the notes; ``eventstudy run --show``
picks parts (:func:`~eventstudy.report.text.screen_layout`).

Every table is drawn at its natural width; one wider than the terminal (80 columns when
piped) is folded into narrower tables rather than squeezed to '…': the instance table
into one table per asset, the summary's all-days columns into a table of their own, and
any remaining overflow into consecutive parts that repeat the row keys. An instance table
longer than :data:`FOLD_ROWS` shows its first and last :data:`SHOWN_ROWS` rows and says
how many are left out and where they all are (the rule and its limits are
:data:`~eventstudy.report.text.TERMINAL_ROWS`, shared with the other renderers; only the
rows shown are formatted, so a million events print as fast as a hundred). Warnings come
right after the study, in yellow.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from eventstudy.report.event_study import event_study_heading, event_study_tables
from eventstudy.report.text import (
    TERMINAL_ROWS,
    Layout,
    TextTable,
    instance_table,
    omission_line,
    split_notes,
    study_lines,
    summary_tables,
    tests_table,
)
from eventstudy.report.verdict import verdict_line
from eventstudy.result import StudyResult, require_study_result

__all__ = ["FOLD_ROWS", "SHOWN_ROWS", "fold_table", "print_tables", "render_terminal"]

FOLD_ROWS = TERMINAL_ROWS.limit
"""Instance tables longer than this show their first and last :data:`SHOWN_ROWS` rows."""
SHOWN_ROWS = TERMINAL_ROWS.shown

TONES = {"pos": "green", "neg": "red", "pending": "dim italic", "sig": "bold", "survives": "bold yellow"}


def _rich_table(table: TextTable, widths: list[int] | None = None, *, header: bool = True) -> Table:
    out = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
        show_header=header,
        header_style="bold",
    )
    for i, title in enumerate(table.headers):
        width = widths[i] if widths else None
        out.add_column(title, justify="left" if i < table.left else "right", no_wrap=True, min_width=width, max_width=width)
    for cells, tones in zip(table.rows, table.tones):
        out.add_row(*[Text(c, style=TONES.get(t, "")) for c, t in zip(cells, tones)])
    return out


def table_width(table: TextTable) -> int:
    """Columns a table needs: the widest cell of each column plus two spaces between."""
    widths = [max([len(h), *(len(r[i]) for r in table.rows)]) for i, h in enumerate(table.headers)]
    return sum(widths) + 2 * (len(widths) - 1)


def fold_table(table: TextTable, width: int) -> list[tuple[str, TextTable]]:
    """Split a table wider than ``width`` into (title, table) parts that fit.

    Columns are split first by ``table.parts`` (e.g. one instance table per asset, with
    the short column titles), then, if a part is still too wide, greedily by column group;
    every part repeats the key columns.
    """
    if table_width(table) <= width:
        return [(table.title, table)]
    n_keys = table.keys
    by_part: dict[str, list[int]] = {}
    for offset, part in enumerate(table.parts):
        by_part.setdefault(part, []).append(n_keys + offset)
    named = any(by_part)
    # neighbouring parts that fit together share a table (with their full column titles)
    packed: list[list[str]] = []
    for part in by_part:
        if packed and table_width(table.columns([i for p in packed[-1] + [part] for i in by_part[p]])) <= width:
            packed[-1].append(part)
        else:
            packed.append([part])
    out: list[tuple[str, TextTable]] = []
    for parts in packed:
        if len(parts) > 1:
            out.append((table.title, table.columns([i for p in parts for i in by_part[p]])))
            continue
        part, indices = parts[0], by_part[parts[0]]
        title = f"{table.title}: {part}" if part else table.title
        whole = table.columns(indices, short=named)
        if table_width(whole) <= width:
            out.append((title, whole))
            continue
        chunks: list[list[int]] = []
        closed = False  # the last chunk holds part of a group split apart: nothing joins it
        for group in dict.fromkeys(table.groups[i - n_keys] for i in indices):
            members = [i for i in indices if table.groups[i - n_keys] == group]
            if chunks and not closed and table_width(table.columns(chunks[-1] + members, short=named)) <= width:
                chunks[-1] += members
            elif table_width(table.columns(members, short=named)) <= width:
                chunks.append(members)
                closed = False
            else:  # a group wider than the terminal on its own: its columns apart rather than squeezed to '…',
                # a p-value beside the figure it belongs to (an interval on its own)
                first, *rest = members
                ordered = [first, *(i for i in rest if table.headers[i] == "p"), *(i for i in rest if table.headers[i] != "p")]
                for k, i in enumerate(ordered):
                    joins = chunks and (k > 0 or not closed)
                    if joins and table_width(table.columns([*chunks[-1], i], short=named)) <= width:
                        chunks[-1].append(i)
                    else:
                        chunks.append([i])
                closed = True
        for k, chunk in enumerate(chunks, 1):
            suffix = f" ({k}/{len(chunks)})" if len(chunks) > 1 else ""
            out.append((title + suffix, table.columns(chunk, short=named)))
    return out


def _print_table(console: Console, title: str, table: TextTable, *, fold_note: str = "") -> None:
    """Print a table under its title; a shortened one (see :class:`~eventstudy.report.text.RowLimit`)
    with a line in its gap, both halves at the same column widths."""
    console.print(Text(title, style="bold"))
    if not table.omitted:
        _print_whole(console, _rich_table(table), table_width(table))
        console.print()
        return
    widths = [max([len(h), *(len(r[i]) for r in table.rows)]) for i, h in enumerate(table.headers)]
    first, last = table.halves()
    head = TextTable(table.title, table.headers, first, table.tones[: len(first)], table.keys, table.groups, table.left)
    tail = TextTable(table.title, table.headers, last, table.tones[len(first) :], table.keys, table.groups, table.left)
    _print_whole(console, _rich_table(head, widths), table_width(table))
    console.print(Text(omission_line(table, fold_note), style="dim"))
    _print_whole(console, _rich_table(tail, widths, header=False), table_width(table))
    console.print()


def _print_whole(console: Console, table: Table, width: int) -> None:
    """Print a table at its natural width even where the terminal is narrower (its keys
    and one column wider than the terminal): the lines wrap, where rich would squeeze
    the cells to '…' and lose the figures."""
    narrow = console.width
    if width <= narrow:
        console.print(table)
        return
    console.width = width
    try:
        console.print(table)
    finally:
        console.width = narrow


class _PipedConsole(Console):
    """rich's console, but a reader that left (``eventstudy run ... | head``) ends the
    command as the rest of it does, exit 0 (rich's own exits with 1)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # nothing more reaches the pipe, at exit either
        raise BrokenPipeError


def _console(file: TextIO, color: bool | None, width: int | None) -> Console:
    is_tty = hasattr(file, "isatty") and file.isatty()
    # NO_COLOR (https://no-color.org), set and not empty, turns colour off as --no-color does: rich reads it only when
    # no_color is left unset, and it is always set here
    use_color = (is_tty and not os.environ.get("NO_COLOR")) if color is None else color
    console = _PipedConsole(
        file=file,
        no_color=not use_color,
        force_terminal=True if use_color else None,
        width=width,
        highlight=False,
        emoji=False,
    )
    if console.width < 1:  # COLUMNS=0 (a width unknown, as some CI runners set it): rich printed no line at all
        console.width = 80
    return console


def print_tables(
    tables: list[TextTable], file: TextIO | None = None, *, color: bool | None = None, width: int | None = None
) -> None:
    """Print tables under their titles, each folded to the terminal's width (as a run's)."""
    console = _console(file or sys.stdout, color, width)
    for table in tables:
        for title, part in fold_table(table, console.width):
            _print_table(console, title, part)


def render_terminal(
    result: StudyResult,
    file: TextIO | None = None,
    *,
    color: bool | None = None,
    width: int | None = None,
    events_file: str | None = None,
    layout: Layout | None = None,
) -> None:
    """Print the verdict, the study and its warnings, then what ``layout`` shows (by
    default the summary and the instance table, shortened when long), then the notes.

    ``color``: None = colour only on a terminal; ``width``: None = the terminal's width
    (80 when piped, or ``$COLUMNS``); ``events_file``: where the full instance table was
    written, named when a long table is folded; ``layout``: see
    :func:`~eventstudy.report.text.screen_layout` (``eventstudy run --show``).
    """
    require_study_result(result, "render_terminal")
    layout = layout or Layout()
    console = _console(file or sys.stdout, color, width)
    width = console.width
    console.print(Text(verdict_line(result), style="bold"))
    console.print()
    console.print(Text(result.study.name, style="bold"))
    for label, text in study_lines(result):
        console.print(Text(f"  {label}: {text}"))
    warnings, notes = split_notes(result.notes)
    for warning in warnings:
        console.print(Text.assemble(("warning: ", "bold yellow"), (warning, "yellow")))
    console.print()

    if layout.summary:
        for summary in summary_tables(result):
            for title, part in fold_table(summary, width):
                _print_table(console, f"Summary, {title}", part)
    if (layout.summary or layout.tests) and result.event_study is not None:  # a classical event study: its tests and CAAR path
        console.print(Text(event_study_heading(result.event_study), style="bold"))
        console.print()
        for table in event_study_tables(result):
            for title, part in fold_table(table, width):
                _print_table(console, title, part)
    if layout.instances:
        if result.events.height:
            where = f"see {events_file}" if events_file else "--output DIR writes them all to events.csv"
            note = f" (--show instances lists them all; {where})"
            for title, part in fold_table(instance_table(result, layout.rows), width):
                _print_table(console, title, part, fold_note=note)
        else:
            console.print("No events: the condition never held in the window.")
            console.print()
    details = tests_table(result, compact=True)
    if details is not None and layout.tests:
        for title, part in fold_table(details, width):
            _print_table(console, title, part)
    elif details is not None:
        console.print(Text("Significance details (null mean, effect, n_eff, adjusted p, MDE): --show tests "
                           "(all columns: report.md, tests.csv with --output DIR)", style="dim"))
        console.print()
    for note in notes:
        console.print(Text(f"note: {note}", style="dim"))
