"""Calibration of the tests of outcomes beyond the forward return, on price-chosen events:
the excursions (worst and best close ahead, days to recover) and the market model's
abnormal return.

GARCH(1,1)-t histories of two correlated series where nothing predicts the path ahead
(:func:`eventstudy.inference.simulate.garch_t_paths`, as ``eventstudy calibrate
--simulate garch``), 8,000 days each; on each, three studies whose conditions are made of
the prices they are tested on (``A at ATH``, ``A drawdown >= 15%``, ``A rsi(14) < 30``;
gap 21) with the evaluator given, run as a user runs them (``eventstudy.run``), under the
null given: ``histories`` (the default of such a study, 199 resampled histories) or
``runs`` (the placebo days such a study fell back to before the evaluator could run on
resampled histories). Prints the rejections at 5% per measure and statistic with Wilson
intervals, and per condition.

``--universe``: universes of 200 common-factor GARCH-t stocks with a known drift, 2,000
days each (:func:`eventstudy.universe_calibration.simulated_panel`, as ``eventstudy
calibrate --simulate universe``; the market series is an independent walk), and the
conditions on each stock's own prices (``close at 52-week high``, ``drawdown >= 15%``,
``rsi(14) < 30``; gap 21), under the universe's ``dates`` null (its default) or its
``histories`` null (99 resampled universes).

    --evaluator excursions       excursions: {assets: [A], horizons: [1m, 3m], max_days: 126}
    --evaluator market_model     excess_returns: {assets: [A], benchmark: B, horizons: [1m, 3m], model: market}
                                 (in a universe: each stock on MKT)
    --evaluator forward_returns, excess_returns (the difference), hit_rate: the same for
                                 comparison, at 1m and 3m

    python benchmarks/calibrate_outcomes.py [--evaluator excursions] [--replications 100] [--null histories|runs] [--csv FILE]
    python benchmarks/calibrate_outcomes.py --universe --evaluator market_model --null dates [--replications 40]
    python benchmarks/calibrate_outcomes.py --universe --evaluator excursions --days 1260 --max-days 504   # blocks of 504 days
    python benchmarks/calibrate_outcomes.py --evaluator forward_returns --null runs --condition 'weekday == 1'

``--condition`` replaces the three conditions (repeatable); ``--max-days`` the excursions'
recovery horizon, which a universe's histories also take as their mean block length.
"""

from __future__ import annotations

import os
import sys

if "--library-defaults" not in sys.argv:  # as the eventstudy command runs (eventstudy.cli.entry), set before numpy loads
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

import argparse
import math
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

import eventstudy
from eventstudy.calibrate import _calendar
from eventstudy.config import parse_study
from eventstudy.inference.simulate import garch_t_paths
from eventstudy.universe_calibration import simulated_panel

CONDITIONS = ("A at ATH", "A drawdown >= 15%", "A rsi(14) < 30")
EVALUATORS = {
    "excursions": "excursions: {assets: [A], horizons: [1m, 3m], max_days: 126}",
    "market_model": "excess_returns: {assets: [A], benchmark: B, horizons: [1m, 3m], model: market}",
    "forward_returns": "forward_returns: {assets: [A], horizons: [1m, 3m]}",  # for comparison
    "excess_returns": "excess_returns: {assets: [A], benchmark: B, horizons: [1m, 3m]}",
    "hit_rate": "hit_rate: {assets: [A], horizons: [1m, 3m]}",
}
STUDY = """
name: outcome calibration
series: {{A: A, B: B}}
when: {when}
window: {{start: {start}}}
decluster: {{gap: 21}}
evaluate:
  - {evaluator}
statistics: {{placebos: 1000, histories: 199, null: {null}}}
"""
UNIVERSE_CONDITIONS = ("close at 52-week high", "drawdown >= 15%", "rsi(14) < 30")
UNIVERSE_EVALUATORS = {
    "excursions": "excursions: {horizons: [1m, 3m], max_days: 126}",
    "market_model": "excess_returns: {benchmark: MKT, horizons: [1m, 3m], model: market}",
    "forward_returns": "forward_returns: {horizons: [1m, 3m]}",
    "excess_returns": "excess_returns: {benchmark: MKT, horizons: [1m, 3m]}",
    "hit_rate": "hit_rate: {horizons: [1m, 3m]}",
}
UNIVERSE_STUDY = """
name: outcome calibration, universe
series: {{MKT: MKT}}
universe: {{data_file: panel.parquet}}
when: {when}
decluster: {{gap: 21}}
evaluate:
  - {evaluator}
statistics: {{placebos: 500, histories: 99, null: {null}}}
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
    parser.add_argument("--evaluator", choices=list(EVALUATORS), default="excursions")
    parser.add_argument("--universe", action="store_true", help="universes of stocks instead (--null dates or histories)")
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--null", choices=["histories", "runs", "matched", "circular", "dates"], default="histories")
    parser.add_argument("--condition", action="append", metavar="TEXT",
                        help="a condition over A and B (repeatable; default: the three price conditions; a universe's: over each stock)")
    parser.add_argument("--days", type=int, help="days per history (default 8,000; a universe: 2,000)")
    parser.add_argument("--symbols", type=int, default=200, help="--universe: stocks per universe")
    parser.add_argument("--max-days", type=int, default=126, help="--evaluator excursions: the days a recovery is looked for (and the histories' block)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--csv", type=Path)
    parser.add_argument("--library-defaults", action="store_true", help="the allocator's, OpenBLAS's and numpy's own defaults")
    args = parser.parse_args()
    if (args.null == "dates") != args.universe and not (args.universe and args.null == "histories"):
        parser.error("a universe's nulls are dates and histories; a study of named series' histories, runs, matched and circular")
    eventstudy.keep_freed_memory()
    conditions = tuple(args.condition or (UNIVERSE_CONDITIONS if args.universe else CONDITIONS))
    rows, clock = [], time.perf_counter()
    for rep, stream in enumerate(np.random.SeedSequence(args.seed).spawn(args.replications)):
        rng = np.random.default_rng(stream)
        for when, tests in zip(conditions, _universe_run(args, rng, conditions) if args.universe else _timeline_run(args, rng, rep, conditions)):
            rows += [{"replication": rep, "condition": when, **t} for t in tests.select("measure", "horizon", "statistic", "n", "p_placebo").iter_rows(named=True)]
    found = pl.DataFrame(rows).filter(pl.col("p_placebo").is_not_null())
    if args.csv:
        found.write_csv(args.csv)
    what = f"universes of {args.symbols} GARCH-t stocks" if args.universe else "GARCH-t histories"
    print(f"{args.evaluator}: {args.replications} {what} x {len(conditions)} conditions, the {args.null} null, {time.perf_counter() - clock:.0f} s")
    print("rejections at 5% [Wilson 95% interval]")
    for keys in (["measure", "statistic"], ["condition"]):
        table = found.group_by(keys).agg((pl.col("p_placebo") < 0.05).sum().alias("k"), pl.len().alias("n")).sort(keys)
        for row in table.iter_rows(named=True):
            low, high = wilson(row["k"], row["n"])
            label = " ".join(str(row[k]) for k in keys)
            print(f"  {label:<26} {100 * row['k'] / row['n']:5.1f}% [{100 * low:.1f}, {100 * high:.1f}]  of {row['n']}")
    return 0


def _timeline_run(args: argparse.Namespace, rng: np.random.Generator, rep: int, conditions: tuple[str, ...]) -> list[pl.DataFrame]:
    """The tests of each condition's study on one simulated history of two series."""
    days = _calendar(args.days or 8000)
    start = (days[0] + np.timedelta64(400, "D")).astype(object).isoformat()  # a year of history before the first event (the market model's 250 days)
    closes = garch_t_paths(days.size, 2, reps=1, seed=rng)[0]
    frames = {name: pl.DataFrame({"date": pl.Series(days).cast(pl.Date), "close": closes[:, k]}) for k, name in enumerate("AB")}
    texts = [STUDY.format(when=when, start=start, evaluator=EVALUATORS[args.evaluator].replace("max_days: 126", f"max_days: {args.max_days}"), null=args.null) for when in conditions]
    return [eventstudy.run(parse_study(text, path=Path("calibrate_outcomes.yaml")), data=frames, paths=False, seed=rep).tests for text in texts]


def _universe_run(args: argparse.Namespace, rng: np.random.Generator, conditions: tuple[str, ...]) -> list[pl.DataFrame]:
    """The tests of each condition's study on one simulated universe: common-factor
    GARCH-t stocks with a known drift and an independent market series
    (:func:`eventstudy.universe_calibration.simulated_panel`, as ``eventstudy calibrate
    --simulate universe``)."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        simulated_panel(folder, args.symbols, args.days or 2000, rng, factor=0.25)
        seed = int(rng.integers(2**31))
        found = []
        for when in conditions:
            evaluator = UNIVERSE_EVALUATORS[args.evaluator].replace("max_days: 126", f"max_days: {args.max_days}")
            text = UNIVERSE_STUDY.format(when=when, evaluator=evaluator, null=args.null)
            found.append(eventstudy.run(parse_study(text, path=folder / "study.yaml"), data_dir=folder, paths=False, seed=seed).tests)
        return found


if __name__ == "__main__":
    sys.exit(main())
