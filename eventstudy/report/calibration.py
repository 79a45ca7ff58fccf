"""Plain-text tables of a calibration with price-chosen events (:mod:`eventstudy.calibrate`)."""

from __future__ import annotations

import polars as pl

from eventstudy.calibrate import RuleCalibration

__all__ = ["render_rule_calibration"]


def _rate(rate: float, low: float, high: float) -> str:
    return f"{rate * 100:5.1f}% [{low * 100:4.1f}, {high * 100:4.1f}]"


def render_rule_calibration(tables: dict[str, pl.DataFrame], info: RuleCalibration) -> str:
    """Rejection rates at 5% with Wilson 95% intervals per test and horizon, the mean's
    interval coverage, and the size-adjusted power for planted effects."""
    block = "Politis-White's" if info.block_length is None else f"{info.block_length:g} days"
    lines = [
        f"Calibration on '{info.null}' histories where nothing predicts returns: {info.replications} replications of "
        f"{info.n_days:,} days, gap {info.gap}, {info.histories} resampled histories each (mean block {block}), seed {info.seed}",
        "",
        "Rejections at the 5% level, [Wilson 95% interval] (a calibrated test: about 5%):",
    ]
    size = tables["size"]
    horizons = size.select("horizon", "horizon_days").unique().sort("horizon_days")["horizon"].to_list()
    header = f"  {'test':<34} {'statistic':<13}" + "".join(f"{h:>22}" for h in horizons)
    lines.append(header)
    for (test, statistic), part in size.group_by("test", "statistic", maintain_order=True):
        cells = {r["horizon"]: _rate(r["rate"], r["low"], r["high"]) for r in part.iter_rows(named=True)}
        lines.append(f"  {test:<34} {statistic:<13}" + "".join(f"{cells.get(h, ''):>22}" for h in horizons))
    by_condition = tables.get("by_condition")
    if by_condition is not None and by_condition.height:
        lines += ["", "The headline test of the mean, per condition (rejections at 5%):"]
        lines.append(f"  {'condition':<34}" + "".join(f"{h:>8}" for h in horizons))
        for (condition,), part in by_condition.group_by("condition", maintain_order=True):
            cells = {r["horizon"]: f"{r['rate'] * 100:.1f}%" for r in part.iter_rows(named=True)}
            lines.append(f"  {condition:<34}" + "".join(f"{cells.get(h, ''):>8}" for h in horizons))
    coverage = tables["coverage"]
    if coverage.height:
        lines += ["", "Coverage of the 95% interval of the event mean (the true expected forward return; target 95%):"]
        for r in coverage.iter_rows(named=True):
            lines.append(f"  {r['horizon']:<4} {_rate(r['rate'], r['low'], r['high'])}   mean width {r['mean_width'] * 100:.2f} pp   ({r['intervals']} intervals)")
    power = tables["power"]
    if power.height:
        lines += ["", "Power of the headline test for a planted effect added to the events' mean (size-adjusted: at the",
                  "critical p that gives exactly 5% on these histories):"]
        for r in power.iter_rows(named=True):
            lines.append(
                f"  {r['horizon']} +{r['effect']:.0%}: {r['power'] * 100:5.1f}% at p <= 5%, {r['size_adjusted_power'] * 100:5.1f}% "
                f"size-adjusted (critical p {r['critical_p']:.3f}; {r['tests']} tests)"
            )
    return "\n".join(lines) + "\n"
