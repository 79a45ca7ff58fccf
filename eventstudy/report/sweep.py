"""Rendering a sweep: the verdict, the best cells, and a text heat map over two axes."""

from __future__ import annotations

from typing import Any

import polars as pl

from eventstudy.report.markdown import markdown_table
from eventstudy.report.text import baseline_label, format_p, format_statistic, n_with_incomplete
from eventstudy.result import counted_noun
from eventstudy.sweep import SweepResult

__all__ = ["cell_words", "heat_slice", "render_sweep", "shown_value", "sweep_blocks", "unit_of", "verdict_lines"]


def unit_of(result: SweepResult, row: dict) -> str:
    """The unit of a row's ranked statistic: the share positive a share, else the
    measure's unit (a return's fraction, the days to recover a count)."""
    return "share" if result.verdict["statistic"] == "pct_positive" else result.units.get(str(row["measure"]), "fraction")


def shown_value(result: SweepResult, row: dict, key: str = "observed") -> str:
    """``row[key]`` (a value of the ranked statistic) as text in its unit."""
    return format_statistic(row.get(key), unit_of(result, row))


def _measures(result: SweepResult) -> bool:
    """Whether the grid tests more than one measure (then every row names its own)."""
    return "measure" in result.ledger.columns and result.ledger["measure"].n_unique() > 1


def _cell(result: SweepResult, row: dict) -> list[str]:
    """The row's measure (when the grid has several), asset and horizon."""
    return [*([str(row["measure"])] if _measures(result) else []), str(row["asset"]), str(row["horizon"])]


def cell_words(result: SweepResult, row: dict) -> str:
    """The row's cell in words: 'RUT 3m', 'mae RUT 3m', 'recovery RUT' (a horizon that is
    the measure's name is said once)."""
    words = _cell(result, row)
    return " ".join(words[:-1] if words[-1] == str(row.get("measure")) and _measures(result) else words)


def _verdict_lines(result: SweepResult) -> list[str]:
    v = result.verdict
    best, alpha = v.get("best"), v.get("alpha", 0.05)
    tested = v.get("tested", v["tests"])
    family = "" if tested == v["tests"] else (
        f", {tested:,} of them tested (the family of the snooping control; the others, of fewer than three events "
        "or a null without room, are shown untested)"
    )
    kinds = "measures, assets and horizons" if _measures(result) else "assets and horizons"
    lines = [
        f"{counted_noun(v['cells'], 'grid cell')} x their {kinds} = {v['tests']:,} tests of the {v['statistic']}{family} "
        f"({v['placebos']:,} placebos per cell, {v['null']} null, seed {v['seed']}), period {v['period']}",
    ]
    if v.get("confirm_from"):  # the search reads no close of the held-out period, as if the data ended the day before
        held = v["confirm_from"]
        lines.append(
            f"search: data before {held}; returns that would reach {held} or later are left out as incomplete "
            "(n counts the complete ones, '+k incomplete' the others), at the events, on "
            f"{baseline_label(result.universe).lower()} and on the placebo days alike"
        )
    if v.get("baseline"):  # a nested baseline: the tests' baseline and placebo days, not every day
        lines.append(f"baseline days: where {v['baseline']!r} (each cell's baseline and placebo days, as in a run)")
    if best:
        params = ", ".join(f"{a.name}={best[a.name]}" for a in result.axes)
        lines.append(
            f"best cell: {params}: {cell_words(result, best)} {v['statistic']} "
            f"{shown_value(result, best, 'observed')} vs {_baseline_word(result).lower()} {shown_value(result, best, 'baseline')} "
            f"(n={n_with_incomplete(best)}, raw placebo p={format_p(best['p_placebo'], alpha=alpha)}, "
            f"Romano-Wolf p={format_p(best['p_romano_wolf'], alpha=alpha)})"
        )
    rc, spa = v["reality_check_p"], v["spa_p"]
    if rc is None or spa is None:  # every cell had fewer than three events, or a null with little room: nothing to judge
        room = " and room for its placebo null (see the warning)" if v.get("little_room") else ""
        lines.append(f"data snooping: nothing is tested: no grid cell had three or more events with a complete outcome{room}")
    else:
        verdict = "the best cell is no better than the best of a grid of chance" if min(rc, spa) > alpha else (
            f"the best cell beats what the grid would produce by chance at {alpha * 100:g}%"
        )
        lines.append(f"data snooping: White's Reality Check p={format_p(rc, alpha=alpha)}, Hansen's SPA p={format_p(spa, alpha=alpha)}: {verdict}")
    # the best cells and the tests above look upward; a Romano-Wolf p is two-sided, and the tests below are not shown
    below = result.ledger.filter((pl.col("z") < 0) & (pl.col("p_romano_wolf") <= alpha))
    if below.height:
        low = below.sort("z", maintain_order=True).row(0, named=True)
        params = ", ".join(f"{a.name}={low[a.name]}" for a in result.axes)
        lines.append(
            f"below the placebos: {below.height:,} of the tests survive the Romano-Wolf adjustment at {alpha * 100:g}% with the events "
            f"under their placebos, which the best cells (ranked upward) leave out; the lowest: {params}: {cell_words(result, low)} "
            f"{v['statistic']} {shown_value(result, low, 'observed')} vs placebos {shown_value(result, low, 'placebo_mean')} "
            f"(n={n_with_incomplete(low)}, z={low['z']:+.2f}, Romano-Wolf p={format_p(low['p_romano_wolf'], alpha=alpha)}); the ledger lists them all"
        )
    if v.get("not_tested"):
        lines.append(v["not_tested"])
    if v.get("warning"):
        lines.append(f"warning: {v['warning']}")
    return lines


def _baseline_word(result: SweepResult) -> str:
    """What the rows' baseline is: 'All days' (a universe's 'All symbol-days', as its run
    names it), or 'Baseline days' with a nested baseline."""
    return "Baseline days" if result.verdict.get("baseline") else baseline_label(result.universe)


def _best_rows(result: SweepResult, top: int) -> tuple[list[str], list[list[str]]]:
    names = [a.name for a in result.axes]
    alpha = result.verdict.get("alpha", 0.05)
    ranked = result.ledger.filter(pl.col("z").is_not_null()).sort("z", descending=True, maintain_order=True).head(top)  # ties in the grid's order, as the best cell
    headers = [*names, *(["Measure"] if _measures(result) else []), "Asset", "Horizon", "n", "Events", _baseline_word(result), "Placebos", "z", "p raw", "p Romano-Wolf"]
    rows = [
        [*[str(r[n]) for n in names], *_cell(result, r), n_with_incomplete(r),
         shown_value(result, r, "observed"), shown_value(result, r, "baseline"), shown_value(result, r, "placebo_mean"),
         f"{r['z']:+.2f}", format_p(r["p_placebo"], alpha=alpha), format_p(r["p_romano_wolf"], alpha=alpha)]
        for r in ranked.iter_rows(named=True)
    ]
    return headers, rows


def heat_slice(result: SweepResult, best: dict[str, Any]) -> tuple[pl.DataFrame, str]:
    """The ledger rows of the best cell's measure, asset and horizon on the heat map's plane:
    the first two axes vary, every later axis stays at the best cell's value (else the
    later axes' cells would overwrite one another in each square); and those values in
    words, for the title ('' with two axes or fewer)."""
    cut = result.ledger.filter((pl.col("asset") == best["asset"]) & (pl.col("horizon") == best["horizon"]) & (pl.col("measure") == best["measure"]))
    fixed = result.axes[2:]
    for axis in fixed:
        cut = cut.filter(pl.col(axis.name) == best[axis.name])
    return cut, (", at " + ", ".join(f"{axis.name} {best[axis.name]}" for axis in fixed) if fixed else "")


def _heat_square(result: SweepResult, row: dict[str, Any] | None) -> str:
    """A heat map square as the chart and the tables count it: the statistic and n, with the
    events whose horizon runs past the data; 'pending' where every event's does; 'no events'."""
    if row is None or (row["observed"] is None and not row.get("n_incomplete")):
        return "no events"
    pending = row.get("n_incomplete") or 0
    value = shown_value(result, row, "observed") if row["observed"] is not None else "pending"
    return f"{value} (n={row['n']}{f', +{pending} incomplete' if pending else ''})"


def _heat_rows(result: SweepResult) -> tuple[str, list[str], list[list[str]]] | None:
    """The statistic of the best cell's asset and horizon over the first two axes (the
    later ones at the best cell's values)."""
    best = result.verdict.get("best")
    if not best or len(result.axes) < 2:
        return None
    first, second = result.axes[0], result.axes[1]
    cut, at = heat_slice(result, best)
    lookup = {(r[first.name], r[second.name]): r for r in cut.iter_rows(named=True)}
    rows = []
    for a in first.values:
        row = [a]
        for b in second.values:
            row.append(_heat_square(result, lookup.get((a, b))))
        rows.append(row)
    title = f"{cell_words(result, best)} {result.verdict['statistic']} by {first.name} (rows) and {second.name} (columns){at}"
    return title, [first.name, *second.values], rows


def sweep_blocks(result: SweepResult, top: int = 10) -> list[tuple[str, list[str], list[list[str]], int]]:
    """The sweep's tables as (title, headers, rows, key columns): best cells (none when no
    cell was tested, as the verdict says), heat map, confirmation."""
    keys = len(result.axes)
    headers, best = _best_rows(result, top)
    blocks = [("Best cells (by studentized z)", headers, best, keys)] if best else []
    heat = _heat_rows(result)
    if heat:
        blocks.append((*heat, 1))
    if not result.confirmation.is_empty():
        c = result.confirmation
        headers = [*[a.name for a in result.axes], *(["Measure"] if _measures(result) else []), "Asset", "Horizon", "n", "Events", _baseline_word(result), "p"]
        rows = [
            [*[str(r[a.name]) for a in result.axes], *_cell(result, r), n_with_incomplete(r),
             "no events" if not r["n"] and not r.get("n_incomplete") else shown_value(result, r, "observed"), shown_value(result, r, "baseline"),
             format_p(r["p_placebo"], alpha=result.verdict.get("alpha", 0.05))]
            for r in c.iter_rows(named=True)
        ]
        nulls = [n for n in c["null"].unique(maintain_order=True).to_list() if n] if "null" in c.columns else []
        test = f" (p: the {', '.join(nulls)} test on the held-out period)" if nulls else ""
        blocks.append((f"Held-out confirmation of the best cells{test}", headers, rows, keys))
    return blocks


def verdict_lines(result: SweepResult) -> list[str]:
    """The sweep's verdict in sentences: size, best cell, data-snooping p-values."""
    return _verdict_lines(result)


def render_sweep(result: SweepResult, *, markdown: bool = False, top: int = 10) -> str:
    """The sweep as text (aligned columns) or Markdown."""
    parts = ["## Sweep" if markdown else "Sweep", ""]
    parts += [f"- {line}" if markdown else line for line in _verdict_lines(result)]
    parts.append("")
    for title, headers, rows, keys in sweep_blocks(result, top):
        parts += [f"### {title}" if markdown else title, ""]
        parts.append(markdown_table(headers, rows, right_from=keys) if markdown else _plain(headers, rows, keys))
        parts.append("")
    return "\n".join(parts)


def _plain(headers: list[str], rows: list[list[str]], keys: int = 1) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) if i < keys else h.rjust(w) for i, (h, w) in enumerate(zip(headers, widths))).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.rjust(w) if i >= keys else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip() for r in rows]
    return "\n".join(lines)
