"""Cell formatting and column titles, shared by the terminal and Markdown renderers."""

from __future__ import annotations

import datetime as dt

__all__ = [
    "PENDING",
    "TEST_HEADERS",
    "column_title",
    "format_cell",
    "format_interval",
    "format_p",
    "study_lines",
    "instance_cells",
    "summary_blocks",
    "summary_headers",
    "summary_rows",
    "test_rows",
]

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
    return " ".join(p for p in parts)


def format_p(p: object, survives: object = None) -> str:
    """A p-value with 3 decimals ('<0.001' below), '*' when it survives adjustment."""
    if p is None:
        return ""
    text = "<0.001" if p < 0.001 else f"{p:.3f}"
    return text + ("*" if survives else "")


def format_interval(low: object, high: object, unit: str, approximate: object = None) -> str:
    """'[+1.23%, +4.56%]', with '~' in front when the interval is approximate (few events)."""
    if low is None or high is None:
        return ""
    return f"{'~' if approximate else ''}[{format_cell(low, unit)}, {format_cell(high, unit)}]"


def _tests_by_cell(tests: list[dict[str, object]]) -> dict[tuple[object, ...], dict[str, dict[str, object]]]:
    cells: dict[tuple[object, ...], dict[str, dict[str, object]]] = {}
    for row in tests:
        key = (row["measure"], row["asset"], row["horizon"])
        cells.setdefault(key, {})[str(row["statistic"])] = row
    return cells


def summary_headers(with_tests: bool, ci: float = 0.95) -> list[str]:
    """Column titles of the summary table (with p-values and the interval when tested)."""
    if not with_tests:
        return ["Asset", "Horizon", "n", "Average", "Median", "% > 0", "High", "Low",
                "All days n", "All days avg", "All days median", "All days % > 0"]
    return ["Asset", "Horizon", "n", "Average", f"{ci:.0%} CI", "p", "Median", "p", "% > 0", "p",
            "High", "Low", "All days avg", "All days median", "All days % > 0"]


def _value(value: object, unit: str) -> str:
    """A statistic of a measure in the measure's unit (a count's average keeps a decimal)."""
    if value is None:
        return ""
    return format_cell(value, "number" if unit == "count" else unit)


def summary_rows(
    summary: list[dict[str, object]], tests: list[dict[str, object]] | None = None, unit: str = "fraction"
) -> list[list[str]]:
    """The summary table's cells, one list per asset x horizon, in the measure's ``unit``.

    With ``tests``, each figure is followed by its placebo p-value ('*': survives the
    max-statistic adjustment) and the average by its interval.
    """
    by_cell = _tests_by_cell(tests or [])
    rows = []
    for r in summary:
        has = bool(r["n"])
        n_text = str(r["n"]) + (f" (+{r['n_incomplete']} pending)" if r["n_incomplete"] else "")
        figures = {
            "mean": _value(r["mean"], unit) if has else "",
            "median": _value(r["median"], unit) if has else "",
            "pct_positive": format_cell(r["pct_positive"], "share") if has else "",
        }
        plain = r["horizon"] == r["measure"] or r["horizon"] in (f"{r['horizon_days']}d", f"{r['horizon_days']:+d}d")
        horizon = str(r["horizon"]) if plain else f"{r['horizon']} ({r['horizon_days']}d)"
        head = [str(r["asset"]), horizon, n_text]
        tail = [_value(r["max"], unit) if has else "", _value(r["min"], unit) if has else ""]
        base = [
            _value(r["baseline_mean"], unit),
            _value(r["baseline_median"], unit),
            format_cell(r["baseline_pct_positive"], "share"),
        ]
        if tests is None:
            rows.append(head + list(figures.values()) + tail + [str(r["baseline_n"])] + base)
            continue
        cell = by_cell.get((r["measure"], r["asset"], r["horizon"]), {})
        mean = cell.get("mean", {})
        middle = [
            figures["mean"],
            format_interval(mean.get("ci_low"), mean.get("ci_high"), "number" if unit == "count" else unit, mean.get("ci_approximate")),
        ]
        for stat in ("mean", "median", "pct_positive"):
            t = cell.get(stat, {})
            if stat != "mean":
                middle.append(figures[stat])
            middle.append(format_p(t.get("p_placebo"), t.get("survives")))
        rows.append(head + middle + tail + base)
    return rows


def summary_blocks(result: object) -> list[tuple[str, list[str], list[list[str]]]]:
    """One (title, headers, rows) block per measure, in the order the evaluators gave them."""
    from eventstudy.study import StudyResult

    assert isinstance(result, StudyResult)
    tested = result.statistics is not None and result.statistics.placebos > 0
    tests = result.tests.to_dicts() if tested else []
    ci = result.statistics.ci if result.statistics else 0.95
    blocks = []
    for measure in result.summary["measure"].unique(maintain_order=True).to_list():
        if measure in result.hidden_measures:
            continue
        rows = result.summary.filter(measure=measure).to_dicts()
        has_tests = tested and measure in result.tested_measures
        title = f"{measure}: {result.measure_titles.get(measure, measure)}"
        unit = result.measure_units.get(measure, "fraction")
        blocks.append((title, summary_headers(has_tests, ci), summary_rows(rows, tests if has_tests else None, unit)))
    return blocks


def _difference(value: object, unit: str, *, signed: bool = True) -> str:
    """A difference in the measure's unit; of shares (% > 0) in percentage points."""
    if value is None:
        return ""
    if unit == "share":
        return f"{value * 100:{'+' if signed else ''}.1f} pp"
    if unit == "count":
        return f"{value:{'+' if signed else ''}.1f}"
    return format_cell(value, "fraction") if signed else f"{value * 100:.2f}%"


TEST_HEADERS = ["Measure", "Asset", "Horizon", "Statistic", "Events", "All days", "Difference", "n_eff", "p placebo",
                "p >", "p <", "Pctile", "p max-stat", "p Holm", "p BH", "Classical p", "HAC t", "MDE"]


def test_rows(tests: list[dict[str, object]], units: dict[str, str] | None = None) -> list[list[str]]:
    """The significance details, one row per cell x statistic."""
    rows = []
    names = {"mean": "average", "median": "median", "pct_positive": "% > 0"}
    for t in tests:
        stat = str(t["statistic"])
        measure_unit = (units or {}).get(str(t["measure"]), "fraction")
        unit = "share" if stat == "pct_positive" else measure_unit
        classical = t.get("p_welch") if stat == "mean" else t.get("p_mannwhitney") if stat == "median" else t.get("p_binomial")
        rows.append([
            str(t["measure"]), str(t["asset"]), str(t["horizon"]), names.get(stat, stat),
            _value(t["observed"], unit),
            _value(t["baseline"], unit),
            _difference(t["difference"], unit),
            f"{t['n_eff']:.1f}" if t["n_eff"] is not None else "",
            format_p(t["p_placebo"], t["survives"]),
            format_p(t["p_greater"]), format_p(t["p_less"]),
            f"{t['percentile']:.0f}" if t["percentile"] is not None else "",
            format_p(t["p_maxstat"]), format_p(t["p_holm"]), format_p(t["p_bh"]),
            format_p(classical),
            f"{t['t_hac']:+.2f}" if t.get("t_hac") is not None else "",
            _difference(t["mde"], unit, signed=False),
        ])
    return rows


def pending_lookup(result: object) -> dict[tuple[object, str], int]:
    """(date, instance-table column) -> trading days still to come, for pending cells."""
    pending = getattr(result, "pending")
    if pending.is_empty():
        return {}
    return {(d, c): int(n) for d, c, n in pending.select("date", "column", "days_remaining").rows()}


def instance_cells(result: object) -> list[list[str]]:
    """The instance table's cells; a pending outcome reads 'pending (N d)'."""
    events = getattr(result, "events")
    units = getattr(result, "column_units")
    waiting = pending_lookup(result)
    rows = []
    for row in events.iter_rows(named=True):
        cells = []
        for column in events.columns:
            value = row[column]
            if value is None and (row["date"], column) in waiting:
                cells.append(f"{PENDING} ({waiting[(row['date'], column)]}d)")
            else:
                cells.append(format_cell(value, units.get(column, "")))
        rows.append(cells)
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
        where = result.data_dir if result.data_dir is not None else "download cache"
        lines.append(("Data", f"{where} ({result.timeline['date'].min()} .. {result.timeline['date'].max()})"))
    return lines
