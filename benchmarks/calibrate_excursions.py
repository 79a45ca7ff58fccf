"""Calibration of the excursions' tests (worst and best close ahead, days to recover) on price-chosen events.

GARCH(1,1)-t histories of two series where nothing predicts the path ahead
(:func:`eventstudy.inference.simulate.garch_t_paths`, as ``eventstudy calibrate
--simulate garch``), 8,000 days each; on each, three studies whose conditions are made of
the prices they are tested on (``A at ATH``, ``A drawdown >= 15%``, ``A rsi(14) < 30``;
gap 21) with ``excursions: {assets: [A], horizons: [1m, 3m], max_days: 126}``, run as a
user runs them (``eventstudy.run``), under the null given: ``histories`` (the default of
such a study, 199 resampled histories) or ``runs`` (the placebo days it fell back to before
excursions could run on resampled histories). Prints the rejections at 5% per measure and
statistic with Wilson intervals, and per condition.

    python benchmarks/calibrate_excursions.py [--replications 100] [--null histories|runs] [--csv FILE]
"""

from __future__ import annotations

import os
import sys

if "--library-defaults" not in sys.argv:  # as the eventstudy command runs (eventstudy.cli.entry), set before numpy loads
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

import argparse
import math
import time
from pathlib import Path

import numpy as np
import polars as pl

import eventstudy
from eventstudy.calibrate import _calendar
from eventstudy.config import parse_study
from eventstudy.inference.simulate import garch_t_paths

CONDITIONS = ("A at ATH", "A drawdown >= 15%", "A rsi(14) < 30")
STUDY = """
name: excursions calibration
series: {{A: A, B: B}}
when: {when}
window: {{start: {start}}}
decluster: {{gap: 21}}
evaluate:
  - excursions: {{assets: [A], horizons: [1m, 3m], max_days: 126}}
statistics: {{placebos: 1000, histories: 199, null: {null}}}
"""


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return math.nan, math.nan
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--null", choices=["histories", "runs"], default="histories")
    parser.add_argument("--days", type=int, default=8000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--csv", type=Path)
    parser.add_argument("--library-defaults", action="store_true", help="the allocator's, OpenBLAS's and numpy's own defaults")
    args = parser.parse_args()
    eventstudy.keep_freed_memory()
    days = _calendar(args.days)
    start = (days[0] + np.timedelta64(400, "D")).astype(object).isoformat()  # a year of history before the first event
    studies = [parse_study(STUDY.format(when=when, start=start, null=args.null), path=Path("calibrate_excursions.yaml")) for when in CONDITIONS]
    rows, clock = [], time.perf_counter()
    for rep, stream in enumerate(np.random.SeedSequence(args.seed).spawn(args.replications)):
        closes = garch_t_paths(args.days, 2, reps=1, seed=np.random.default_rng(stream))[0]
        frames = {name: pl.DataFrame({"date": pl.Series(days).cast(pl.Date), "close": closes[:, k]}) for k, name in enumerate("AB")}
        for when, study in zip(CONDITIONS, studies):
            tests = eventstudy.run(study, data=frames, paths=False, seed=rep).tests
            rows += [{"replication": rep, "condition": when, **t} for t in tests.select("measure", "horizon", "statistic", "n", "p_placebo").iter_rows(named=True)]
    found = pl.DataFrame(rows).filter(pl.col("p_placebo").is_not_null())
    if args.csv:
        found.write_csv(args.csv)
    print(f"{args.replications} GARCH-t histories x {len(CONDITIONS)} conditions, the {args.null} null, {time.perf_counter() - clock:.0f} s")
    print("rejections at 5% [Wilson 95% interval]")
    for keys in (["measure", "statistic"], ["condition"]):
        table = found.group_by(keys).agg((pl.col("p_placebo") < 0.05).sum().alias("k"), pl.len().alias("n")).sort(keys)
        for row in table.iter_rows(named=True):
            low, high = wilson(row["k"], row["n"])
            label = " ".join(str(row[k]) for k in keys)
            print(f"  {label:<26} {100 * row['k'] / row['n']:5.1f}% [{100 * low:.1f}, {100 * high:.1f}]  of {row['n']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
