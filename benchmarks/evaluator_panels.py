"""Benchmark: each evaluator's numpy panel path against its long frame, in a universe and on resampled histories.

A universe's blocks (and the histories null's batches) compute an evaluator's cells with
its ``panel`` method when it has one: a shift over the block's whole column, NaN where it
crosses into the next symbol. Without it, the evaluator's own frame runs symbol by symbol
(``blocks._evaluate_long``), the plain implementation this is timed against. For each of
``excursions`` (the worst and best closes ahead and the days to recover), ``hit_rate``
(against the market over the same days), ``path`` (10 days before to 40 after) and the
market model's abnormal return (``excess_returns`` with ``model: market``), alone beside
``forward_returns``:

* the S&P 500 panel (505 stocks, 2013-2018), the study's preparation (read, features,
  condition, every block's cells) with the panel path and with the long frame, taking
  turns in one process, the median of ``--runs``; the cells must be identical (the market
  model's to float32's last digit: its rolling sums start at another row, and the values
  that differ are counted);
* the same studies under the universe's histories null (``--histories`` resampled
  universes, 19 by default, the fewest the null takes: it re-runs the whole preparation
  for each), the seconds per history with the panel path and with the long frame;
* ``recovery_days`` over the closes of 1,000 simulated histories of 12,000 days (the
  histories null's batch of a timeline study), the seconds of CPU it takes;
* a study of named series with ``excursions`` (the SPX/RUT events, RUT's worst and best
  close at 3m and 6m and its days to recover), and with the market model (RUT on SPX):
  its default null, the histories null it gets now that the evaluator runs on resampled
  histories, against the runs null it fell back to before, wall seconds after import
  (median of ``--runs``), and for the market model the 3m average's null mean and p under
  each;
* the universe study of ``docs/universes.md`` with the market model (52-week highs while
  SPX is 5%+ off its high, each stock's abnormal return on SPX at 1m and 3m): its default
  null now (the histories null, 200 resampled universes) against the 'dates' null it had,
  wall seconds after import and the tests that survive the max-statistic adjustment.

    python benchmarks/evaluator_panels.py [--data-dir ../shared/data] [--runs 3] [--histories 10]
"""

from __future__ import annotations

import os
import sys

if "--library-defaults" not in sys.argv:  # as the eventstudy command runs (eventstudy.cli.entry), set before numpy loads
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import polars as pl

import eventstudy
from eventstudy.config import parse_study
from eventstudy.evaluators.excess_returns import ExcessReturns
from eventstudy.evaluators.excursions import Excursions, recovery_days
from eventstudy.evaluators.hit_rate import HitRate
from eventstudy.evaluators.path import Path as PathEvaluator
from eventstudy.universe import prepare_study_universe

ROOT = Path(__file__).resolve().parents[1]
STUDY = """
name: evaluator panels
series: {{SPX: SPX}}
universe: {{data_file: panel_sp500_stocks.csv, label: stocks}}
when: close crosses above sma(50) and SPX drawdown >= 3%
decluster: {{gap: 21}}
evaluate:
  - forward_returns: {{horizons: [1w, 1m]}}
  - {evaluator}
"""
TIMELINE = """
name: an evaluator on a timeline
series: {{SPX: SPX, RUT: RUT}}
when: SPX at ATH and RUT drawdown >= 10%
window: {{start: 1980-01-01}}
decluster: {{gap: 21cd, mode: after_kept}}
evaluate:
  - {evaluator}
statistics: {{seed: 7}}
"""
UNIVERSE_MARKET_MODEL = """
name: market model in a universe
series: {SPX: SPX}
universe: {data_file: panel_sp500_stocks.csv, label: stocks}
when: close at 52-week high and SPX drawdown >= 5%
decluster: {gap: 21}
evaluate:
  - excess_returns: {benchmark: SPX, horizons: [1m, 3m], model: market}
statistics: {seed: 7}
"""
TIMELINE_CASES = {
    "excursions": "excursions: {assets: [RUT], horizons: [3m, 6m]}",
    "market model": "excess_returns: {assets: [RUT], benchmark: SPX, horizons: [3m, 6m], model: market}",
}
CASES = {
    "excursions": (Excursions, "excursions: {horizons: [1m, 3m]}"),
    "hit_rate": (HitRate, "hit_rate: {horizons: [1m], benchmark: SPX}"),
    "path": (PathEvaluator, "path: {before: 10, after: 40, step: 5}"),
    "market_model": (ExcessReturns, "excess_returns: {benchmark: SPX, horizons: [1m, 3m], model: market}"),
}


def _prepared(study: eventstudy.Study, data: Path, long_frame: type | None) -> tuple[float, object]:
    original = long_frame.panel if long_frame is not None else None
    if long_frame is not None:
        long_frame.panel = lambda self, block: None  # type: ignore[method-assign]
    try:
        start = time.perf_counter()
        panel = prepare_study_universe(study, data_dir=data)
        return time.perf_counter() - start, panel
    finally:
        if long_frame is not None:
            long_frame.panel = original  # type: ignore[method-assign]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--histories", type=int, default=19, help="resampled universes for the histories null's timing (19 at least)")
    parser.add_argument("--library-defaults", action="store_true", help="the allocator's, OpenBLAS's and numpy's own defaults")
    args = parser.parse_args()
    eventstudy.keep_freed_memory()
    print(f"universe preparation, {args.data_dir / 'panel_sp500_stocks.csv'} (median of {args.runs}, wall seconds, in turns)")
    print(f"{'evaluator':<12} {'panel path':>11} {'long frame':>11} {'ratio':>7}")
    for name, (evaluator, line) in CASES.items():
        study = parse_study(STUDY.format(evaluator=line), path=ROOT / "configs" / "evaluator_panels.yaml")
        _prepared(study, args.data_dir, None)  # warm: the file's read and the imports
        fast, slow, differ = [], [], 0
        for _ in range(args.runs):
            seconds, panel = _prepared(study, args.data_dir, None)
            fast.append(seconds)
            seconds, plain = _prepared(study, args.data_dir, evaluator)
            slow.append(seconds)
            assert panel.cells.equals(plain.cells), name  # type: ignore[attr-defined]
            differ, known = 0, 0
            for measure, a, b in zip(panel.cells["measure"], panel.values, plain.values):  # type: ignore[attr-defined]
                np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
                if measure == "car":  # rolling sums started at another row: float32's last digit
                    np.testing.assert_allclose(a, b, rtol=2e-7, atol=1e-9)
                    differ, known = differ + int((a[~np.isnan(a)] != b[~np.isnan(b)]).sum()), known + int((~np.isnan(a)).sum())
                else:
                    np.testing.assert_array_equal(a, b)
        a, b = statistics.median(fast), statistics.median(slow)
        print(f"{name:<12} {a:>10.2f}s {b:>10.2f}s {b / a:>6.1f}x" + (f"  ({differ:,} of {known:,} abnormal returns differ in float32's last digit)" if known else ""))

    print(f"\nthe universe's histories null, {args.histories} resampled universes (wall seconds per history)")
    print(f"{'evaluator':<12} {'panel path':>11} {'long frame':>11} {'ratio':>7}")
    for name in ("excursions", "hit_rate", "market_model"):
        evaluator, line = CASES[name]
        study = parse_study(STUDY.format(evaluator=line), path=ROOT / "configs" / "evaluator_panels.yaml")
        per_history = []
        for long_frame in (None, evaluator):
            original = evaluator.panel
            if long_frame is not None:
                evaluator.panel = lambda self, block: None  # type: ignore[method-assign]
            try:
                start = time.perf_counter()
                eventstudy.run(study, data_dir=args.data_dir, null="histories", histories=args.histories, paths=False)
                per_history.append((time.perf_counter() - start) / args.histories)
            finally:
                evaluator.panel = original  # type: ignore[method-assign]
        print(f"{name:<12} {per_history[0]:>10.2f}s {per_history[1]:>10.2f}s {per_history[1] / per_history[0]:>6.1f}x")

    rng = np.random.default_rng(1)
    histories, days = 1000, 12_000
    closes = np.exp(np.cumsum(rng.normal(0.0003, 0.012, (histories, days)), axis=1)).astype(np.float32).ravel()
    rows_after = np.tile(np.arange(days - 1, -1, -1), histories)
    cpu = []
    for _ in range(args.runs):
        start = time.process_time()
        recovery_days(closes, rows_after, 504)
        cpu.append(time.process_time() - start)
    print(f"\nrecovery_days, {histories:,} histories x {days:,} days, max_days 504: {statistics.median(cpu):.2f} s of CPU (median of {args.runs})")

    for name, line in TIMELINE_CASES.items():
        timeline = parse_study(TIMELINE.format(evaluator=line), path=ROOT / "configs" / "evaluator_panels.yaml")
        eventstudy.run(timeline, data_dir=args.data_dir, placebos=0)  # warm
        for null in ("histories", "runs"):
            walls = []
            for _ in range(args.runs):
                start = time.perf_counter()
                result = eventstudy.run(timeline, data_dir=args.data_dir, null=null, paths=False)
                walls.append(time.perf_counter() - start)
            line = f"SPX/RUT events with the {name}, the {null} null: {statistics.median(walls):.2f} s ({result.tests.height} tests)"
            if name == "market model":
                (row,) = result.tests.filter((pl.col("horizon") == "3m") & (pl.col("statistic") == "mean")).iter_rows(named=True)
                line += f"; 3m average {row['observed']:+.2%}, null mean {row['null_mean']:+.2%}, p {row['p_placebo']:.3f}"
            print(line)

    universe = parse_study(UNIVERSE_MARKET_MODEL, path=ROOT / "configs" / "evaluator_panels.yaml")
    for null in (None, "dates"):
        start = time.perf_counter()
        result = eventstudy.run(universe, data_dir=args.data_dir, paths=False, **({"null": null} if null else {}))
        seconds = time.perf_counter() - start
        survive = result.tests.filter(pl.col("survives")).height
        adjusted = result.tests.filter(pl.col("p_maxstat").is_not_null()).height
        print(
            f"universe market model, the {null or 'default (' + result.tests['null'][0] + ')'} null: {seconds:.1f} s, "
            f"{survive} of {adjusted} tests survive the max-statistic adjustment"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
