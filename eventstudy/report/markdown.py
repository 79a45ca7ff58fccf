"""Markdown tables, ready to paste into a research note."""

from __future__ import annotations

from eventstudy.report.text import TEST_HEADERS, column_title, format_cell, study_lines, summary_headers, summary_rows, test_rows
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
        rows = [[format_cell(r[c], result.column_units.get(c, "")) for c in events.columns] for r in events.iter_rows(named=True)]
        parts.append(markdown_table([column_title(c) for c in events.columns], rows))
    else:
        parts.append("No events: the condition never held in the window.")
    parts += ["", "### Summary (simple returns; all days = every day of the window)", ""]
    tests = result.tests.to_dicts() if result.statistics and result.statistics.placebos else None
    ci = result.statistics.ci if result.statistics else 0.95
    parts.append(markdown_table(summary_headers(tests is not None, ci), summary_rows(result.summary.to_dicts(), tests), right_from=2))
    parts.append("")
    if tests is not None:
        parts += [
            "p: two-sided placebo p-value of the figure before it ('*': survives the max-statistic "
            "adjustment across all cells); CI: bootstrap (BCa) interval of the average, '~' when "
            "approximate (fewer than 20 events).",
            "",
            "### Significance",
            "",
            markdown_table(TEST_HEADERS, test_rows(tests), right_from=3),
            "",
        ]
    parts += [f"- {note}" for note in result.notes]
    return "\n".join(parts) + "\n"
