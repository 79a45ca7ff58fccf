"""Calibration tables: how often each test rejects when nothing is there.

``eventstudy calibrate`` prints one table, a row per test and a column per horizon, each
cell the rejection rate at 5% with its Wilson 95% interval (``*`` when the interval
excludes 5%: the test is off its level). The rest (rates at 1% and 10%, power for planted
effects, per-condition rates, the intervals' coverage) is printed with ``--verbose`` and
is in the ``--output`` file.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import polars as pl

from eventstudy.calibrate import RuleCalibration
from eventstudy.report.terminal import print_tables
from eventstudy.report.text import TextTable
from eventstudy.universe_calibration import UniverseCalibration

__all__ = ["rate_table", "render_placebo_calibration", "render_rule_calibration", "render_universe_calibration"]

LEVEL = 0.05
"""The level whose rejection rate the compact table shows."""


def _percent(x: float) -> str:
    return f"{max(x, 0.0) * 100:.1f}"  # a bound computed as -1e-17 shows as 0.0, not -0.0


def _effect(effect: float) -> str:
    """A planted effect in percent with its sign: '+0.5%', '-1%' (':.0%' wrote 0.005 as '+0%' and -0.01 as '+-1%')."""
    return f"{effect * 100:+.4g}%"


def _rate_cell(rate: float, low: float, high: float) -> str:
    """'6.0 [2.1, 16.2]' (percent); '*' when the interval excludes :data:`LEVEL`."""
    off = "*" if not low <= LEVEL <= high else ""
    return f"{_percent(rate)} [{_percent(low)}, {_percent(high)}]{off}"


def rate_table(size: pl.DataFrame, keys: Sequence[str], title: str) -> TextTable:
    """One row per combination of ``keys`` (e.g. the test), one column per horizon: the
    rejection rate with its interval, from the columns ``rate``, ``low``, ``high``,
    ``horizon`` and ``horizon_days`` of ``size`` (fractions)."""
    horizons = size.select("horizon", "horizon_days").unique().sort("horizon_days")["horizon"].to_list()
    rows: list[list[str]] = []
    tones: list[list[str]] = []
    for names, part in size.group_by(list(keys), maintain_order=True):
        cells = {r["horizon"]: _rate_cell(r["rate"], r["low"], r["high"]) for r in part.iter_rows(named=True)}
        row = [str(n) for n in names] + [cells.get(h, "") for h in horizons]
        rows.append(row)
        tones.append(["" for _ in keys] + ["sig" if c.endswith("*") else "" for c in row[len(keys):]])
    return TextTable(
        title=title,
        headers=[k.replace("_", " ") for k in keys] + [str(h) for h in horizons],
        rows=rows,
        tones=tones,
        keys=len(keys),
        left=len(keys),
    )


def _tables_text(tables: list[TextTable], width: int | None) -> str:
    buffer = io.StringIO()
    print_tables(tables, buffer, color=False, width=width)
    return buffer.getvalue()


LEGEND = ("Cells: % of tests rejecting at 5% [Wilson 95% interval]; a calibrated test is near 5.0; "
          "'*': the interval excludes 5%.")


def render_placebo_calibration(
    table: pl.DataFrame, size: pl.DataFrame, header: str, *, verbose: bool = False, width: int | None = None
) -> str:
    """``eventstudy calibrate STUDY``: ``header``, the table of rejection rates at 5% by
    test and horizon (``size``: rows of ``table`` with no planted effect, with ``rate``,
    ``low`` and ``high``), and with ``verbose`` the rates at 1 / 5 / 10% and the power for
    planted effects, one line per cell as in ``table``."""
    asset = ", ".join(sorted({str(a) for a in size["asset"].unique()}))
    # several measures of the asset at one horizon (the excursions' mae and mfe, say): a row per measure and test
    several = "measure" in size.columns and size["measure"].n_unique() > 1
    lines = [header, LEGEND, ""]
    keys = ["measure", "test"] if several else ["test"]
    text = "\n".join(lines) + "\n" + _tables_text([rate_table(size, keys, f"Rejections at 5% with no effect ({asset})")], width)
    if not verbose:
        return text + "--verbose: the rates at 1% and 10% and the power for planted effects (all in the --output CSV).\n"
    more = ["rejection rate at alpha = 1% / 5% / 10% with no effect (a calibrated test: about 0.01 / 0.05 / 0.10):"]
    label = (lambda row: f"{row['asset']} {row['measure']}") if several else (lambda row: str(row["asset"]))
    for row in table.filter(pl.col("effect") == 0.0).sort("horizon_days", *keys).iter_rows(named=True):
        more.append(f"  {label(row):<8} {row['horizon']:<5} {row['test']:<22} "
                    f"{row['reject_1pct']:.3f} / {row['reject_5pct']:.3f} / {row['reject_10pct']:.3f}")
    power = table.filter(pl.col("effect") != 0.0)
    if power.height:
        more.append("power at alpha = 5% for planted effects (added to the pseudo-events' outcomes):")
        for row in power.sort("horizon_days", *keys, "effect").iter_rows(named=True):
            more.append(f"  {label(row):<8} {row['horizon']:<5} {row['test']:<22} {_effect(row['effect'])}: {row['reject_5pct']:.3f}")
    return text + "\n".join(more) + "\n"


def render_rule_calibration(
    tables: dict[str, pl.DataFrame], info: RuleCalibration, *, verbose: bool = False, width: int | None = None
) -> str:
    """``calibrate --simulate``: rejection rates at 5% with Wilson 95% intervals per test
    and horizon; with ``verbose`` also the rates per condition, the mean's interval
    coverage and the size-adjusted power for planted effects."""
    block = "Politis-White's" if info.block_length is None else f"{info.block_length:g} days"
    series = f" (reshuffles of {' and '.join(info.reshuffled)}, as A and B)" if info.reshuffled else ""
    lead = f" (A starts {info.lead:,} days before B: {info.n_days + info.lead:,} days)" if info.lead else ""
    header = (
        f"Calibration on '{info.null}' histories{series} where nothing predicts returns: {info.replications} replications of "
        f"{info.n_days:,} days{lead}, gap {info.gap}, {info.histories} resampled histories each (mean block {block}), seed {info.seed}"
    )
    text = f"{header}\n{LEGEND}\n\n" + _tables_text([rate_table(tables["size"], ["test", "statistic"], "Rejections at 5% with no effect")], width)
    if not verbose:
        return text + "--verbose: the rates per condition, the intervals' coverage and the power for planted effects.\n"
    size = tables["size"]
    horizons = size.select("horizon", "horizon_days").unique().sort("horizon_days")["horizon"].to_list()
    lines: list[str] = []
    by_condition = tables.get("by_condition")
    if by_condition is not None and by_condition.height:
        lines += ["The headline test of the mean, per condition (rejections at 5%):"]
        lines.append(f"  {'condition':<34}" + "".join(f"{h:>8}" for h in horizons))
        for (condition,), part in by_condition.group_by("condition", maintain_order=True):
            cells = {r["horizon"]: f"{r['rate'] * 100:.1f}%" for r in part.iter_rows(named=True)}
            lines.append(f"  {condition:<34}" + "".join(f"{cells.get(h, ''):>8}" for h in horizons))
    coverage = tables["coverage"]
    if coverage.height:
        lines += ["", "Coverage of the 95% interval of the event mean (the true expected forward return; target 95%):"]
        for r in coverage.iter_rows(named=True):
            interval = f"{_percent(r['rate'])}% [{_percent(r['low'])}, {_percent(r['high'])}]"
            lines.append(f"  {r['horizon']:<4} {interval}   mean width {r['mean_width'] * 100:.2f} pp   ({r['intervals']} intervals)")
    power = tables["power"]
    if power.height:
        lines += ["", "Power of the headline test for a planted effect added to the events' mean (size-adjusted: at the",
                  "critical p that gives exactly 5% on these histories):"]
        for r in power.iter_rows(named=True):
            lines.append(
                f"  {r['horizon']} {_effect(r['effect'])}: {r['power'] * 100:5.1f}% at p <= 5%, {r['size_adjusted_power'] * 100:5.1f}% "
                f"size-adjusted (critical p {r['critical_p']:.3f}; {r['tests']} tests)"
            )
    return text + "\n".join(lines) + "\n"


def render_universe_calibration(tables: dict[str, pl.DataFrame], info: UniverseCalibration, *, width: int | None = None) -> str:
    """``calibrate --simulate universe``: each universe test's rejection rate at 5% per
    horizon, then the 95% interval's coverage and the spread of the headline's z-score."""
    header = (
        f"Calibration on {info.replications} simulated universes of {info.symbols} {info.kind} x {info.days:,} days where "
        f"nothing predicts returns: 'close at 52-week high', gap {info.gap}, {info.mean_events:,.0f} events per universe "
        f"on average, {info.placebos:,} placebos, seed {info.seed}"
    )
    text = f"{header}\n{LEGEND}\n\n" + _tables_text([rate_table(tables["size"], ["test"], "Rejections at 5% with no effect")], width)
    lines = []
    coverage = tables["coverage"]
    if coverage.height:
        cells = [f"{r['horizon']} {_percent(r['rate'])}% [{_percent(r['low'])}, {_percent(r['high'])}]" for r in coverage.iter_rows(named=True)]
        lines.append("Coverage of the 95% interval of the event mean (target 95%): " + ", ".join(cells))
    spread = tables["spread"]
    if spread.height:
        cells = [f"{r['horizon']} {r['z_sd']:.2f}" for r in spread.iter_rows(named=True)]
        lines.append("sd of the 'dates' null's z-score (1: the null is as wide as the statistic): " + ", ".join(cells))
    lines.append("The 'symbols' null keeps each stock's days: no test when the condition uses the stock's own prices (it is shown, not headlined).")
    return text + "\n".join(lines) + "\n"
