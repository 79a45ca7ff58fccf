"""Cell formatting and column titles, shared by the terminal and Markdown renderers."""

from __future__ import annotations

import datetime as dt

__all__ = ["PENDING", "column_title", "format_cell", "summary_rows", "SUMMARY_HEADERS"]

PENDING = "pending"
"""What an incomplete horizon shows instead of a number (never 0)."""


def format_cell(value: object, unit: str) -> str:
    """One value as text: fractions as signed percents, prices with 2 decimals."""
    if value is None:
        return PENDING if unit == "fraction" else ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if unit == "fraction":
        return f"{value * 100:+.2f}%"
    if unit == "share":  # an unsigned fraction (drawdown, % positive) shown without sign
        return f"{value * 100:.1f}%"
    if unit == "count":
        return f"{int(value):d}"
    if unit == "number":
        return f"{value:.2f}"
    if unit == "price":
        return f"{value:,.2f}"
    return str(value)


def column_title(column: str) -> str:
    """'SPX.close' -> 'SPX', 'RUT.drawdown' -> 'RUT drawdown', 'SPX.fwd.1m' -> 'SPX 1m'."""
    if column == "date":
        return "Date"
    parts = column.split(".")
    if len(parts) == 2:
        series, feature = parts
        return series if feature == "close" else f"{series} {feature}"
    if len(parts) == 3 and parts[1] == "fwd":
        return f"{parts[0]} {parts[2]}"
    return " ".join(parts)


SUMMARY_HEADERS = [
    "Asset", "Horizon", "n", "Average", "Median", "% > 0", "High", "Low",
    "All days n", "All days avg", "All days median", "All days % > 0",
]


def summary_rows(summary: list[dict[str, object]]) -> list[list[str]]:
    """The summary table's cells, one list per asset x horizon."""
    rows = []
    for r in summary:
        n_text = str(r["n"]) + (f" (+{r['n_incomplete']} pending)" if r["n_incomplete"] else "")
        rows.append([
            str(r["asset"]),
            f"{r['horizon']} ({r['horizon_days']}d)",
            n_text,
            format_cell(r["mean"], "fraction") if r["n"] else "",
            format_cell(r["median"], "fraction") if r["n"] else "",
            format_cell(r["pct_positive"], "share") if r["n"] else "",
            format_cell(r["max"], "fraction") if r["n"] else "",
            format_cell(r["min"], "fraction") if r["n"] else "",
            str(r["baseline_n"]),
            format_cell(r["baseline_mean"], "fraction"),
            format_cell(r["baseline_median"], "fraction"),
            format_cell(r["baseline_pct_positive"], "share"),
        ])
    return rows


def study_lines(result: object) -> list[tuple[str, str]]:
    """(label, text) pairs describing the study as run: condition, window, clusters."""
    from eventstudy.study import StudyResult

    assert isinstance(result, StudyResult)
    study = result.study
    window = f"{result.start or 'start of data'} .. {result.end or 'end of data'}"
    lines = [("Condition", result.condition), ("Window", window)]
    if study.decluster is not None:
        lines.append(("Declustering", f"gap {study.decluster.gap.label} ({study.decluster.gap.describe()}), {study.decluster.mode}"))
    raw = result.raw_events
    lines.append(("Events", f"{int(raw['kept'].sum())} kept of {raw.height} days the condition held"))
    if not result.timeline.is_empty():
        lines.append(("Data", f"{result.data_dir} ({result.timeline['date'].min()} .. {result.timeline['date'].max()})"))
    return lines
