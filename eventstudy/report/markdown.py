"""Markdown tables, ready to paste into a research note."""

from __future__ import annotations

from eventstudy.report.text import TEST_HEADERS, column_title, instance_cells, study_lines, summary_blocks, test_rows
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


def render_markdown(result: StudyResult) -> str:
    """The study header, the instance table and the summary as Markdown."""
    parts = [f"## {result.study.name}", ""]
    if result.study.description:
        parts += [result.study.description.strip(), ""]
    parts += [f"- **{label}:** {text if label != 'Condition' else f'`{text}`'}" for label, text in study_lines(result)]
    parts.append("")
    events = result.events
    parts.append(f"### Instances ({events.height})")
    parts.append("")
    if events.height:
        parts.append(markdown_table([column_title(c) for c in events.columns], instance_cells(result)))
    else:
        parts.append("No events: the condition never held in the window.")
    parts += ["", "### Summary (all days = the same statistic over every day of the window)", ""]
    for title, headers, rows in summary_blocks(result):
        parts += [f"**{title}**", "", markdown_table(headers, rows, right_from=2), ""]
    tested = result.statistics is not None and result.statistics.placebos > 0 and not result.tests.is_empty()
    if tested:
        parts += [
            "p: two-sided placebo p-value of the figure before it ('*': survives the max-statistic "
            "adjustment across all cells); CI: bootstrap (BCa) interval of the average, '~' when "
            "approximate (fewer than 20 events).",
            "",
            "### Significance",
            "",
            markdown_table(TEST_HEADERS, test_rows(result.tests.to_dicts(), result.measure_units), right_from=4),
            "",
        ]
    parts += [f"- {note}" for note in result.notes]
    return "\n".join(parts) + "\n"
