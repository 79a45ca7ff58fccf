"""Benchmark: cost as a curve in the number of events, against pandas in the same process.

The SPX/RUT study with forward returns of both at 1w, 1m, 3m, 6m and 1y, gap 1, and the
condition ``RUT drawdown >= X`` with X chosen to give about 20, 200, 1,000, 5,000, 9,000
and 10,000 events since 1980 (and 1,500, 2,000, 3,000 on request). Each point runs in a
fresh process (so its peak RSS is its own) and prints CPU seconds after import (every
thread's), the tests' modules (loaded on first use) imported by a warm-up run under the
circular null, for

* eventstudy with the runs null and 10,000 placebos (every test, interval and companion),
  marked ``!`` where its events' runs fill the window (about 9,000 events and up: one run,
  a free day or two), so that its placebo sets are the events themselves and the run says
  its p-values are no test;
* eventstudy with the matched null (random days obeying the rule, Monte Carlo: up to
  10,000 sets, at most 10 million set-days per cell), the same tests;
* eventstudy's default run: the histories null with 1,000 resampled histories;
* pandas: the same study as a notebook would write it (cummax, shift, merge, the
  events, mean returns and the all-days baseline) and its placebo test, a loop of
  10,000 draws of n random days (no declustering is needed at gap 1) and the means of
  all ten cells on each (numpy inside the loop); the ratio is taken against it;
* the same pandas script testing the three statistics eventstudy tests (the mean, the
  median and the share positive of each cell on each draw, and their baselines),
  printed beside it as a second reference (``--no-every-statistic`` leaves it out);

and the process's peak RSS after the runs null's run, the matched null's and the histories'. A
second table says where each side's CPU goes at each point (median of 3): eventstudy's
``prepare`` (data read and validated, features, condition, outcomes), ``evaluate`` without
tests (events, declustering, summary, baseline) and the runs null's tests (the null,
every interval and companion, the table), and of the tests the headline alone (the null's
draws and the events' bootstrap intervals: the work itself), against pandas' set-up (read,
features, events, baseline), its placebo loop and the 5x target's budget (pandas / 5), so
a ratio's fixed costs are seen apart from what grows with the events. Every point checks that eventstudy and pandas
find the same events and mean returns. Each process runs as the ``eventstudy`` command
does, freed memory kept for reuse, one BLAS thread and ordinary pages, for both sides
(``--library-defaults``: the allocator's, OpenBLAS's and numpy's own defaults).

    python benchmarks/curve.py [--data-dir ../shared/data] [--points 20,200,1000,5000,9000,10000] [--json FILE]
    python benchmarks/curve.py --points 1500,2000,3000    # where the ratio crosses 5x
"""

from __future__ import annotations

import os
import sys

if "--library-defaults" not in sys.argv:  # as the eventstudy command runs (eventstudy.cli.entry), set before numpy loads
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

import argparse
import json
import resource
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from eventstudy.config import Study

Result = TypeVar("Result")

ROOT = Path(__file__).resolve().parents[1]
THRESHOLDS = {20: "51.9%", 200: "40.44%", 1000: "27.24%", 1500: "23.32%", 2000: "20.49%", 3000: "16.77%", 5000: "10.01%", 9000: "2.06%", 10000: "0.87%"}
"""``RUT drawdown >= X`` for about that many events since 1980 (``--points`` picks among them)."""
HORIZONS = {"1w": 5, "1m": 21, "3m": 63, "6m": 126, "1y": 252}
STUDY = """
name: curve
series: {{SPX: SPX, RUT: RUT}}
when: RUT drawdown >= {threshold}
window: {{start: 1980-01-01}}
decluster: {{gap: 1}}
evaluate:
  - forward_returns: {{assets: [SPX, RUT], horizons: [1w, 1m, 3m, 6m, 1y]}}
"""


def pandas_study(data: Path, threshold: float, placebos: int, seed: int = 7, every_statistic: bool = False) -> tuple[list, dict, float, float]:
    """The study in pandas with a placebo loop; returns event dates, the events' figures
    (``(statistic, cell)`` -> value), CPU seconds, and the CPU seconds of its set-up alone
    (everything before the placebo loop). ``every_statistic``: the loop (and the baseline)
    also take each cell's median and share positive, as eventstudy tests them, not the
    mean alone."""
    import numpy as np
    import pandas as pd

    start = time.process_time()
    frames = {}
    for name in ("SPX", "RUT"):
        frame = pd.read_csv(data / f"{name}.csv", usecols=["date", "close"], parse_dates=["date"])
        for label, h in HORIZONS.items():
            frame[f"{name}_{label}"] = frame["close"].shift(-h) / frame["close"] - 1
        frames[name] = frame
    rut = frames["RUT"]
    rut["drawdown"] = 1 - rut["close"] / rut["close"].cummax()
    both = frames["SPX"].drop(columns="close").merge(rut.drop(columns="close"), on="date", how="inner")
    window = both[both["date"] >= "1980-01-01"].reset_index(drop=True)
    events = np.flatnonzero((window["drawdown"] >= threshold).to_numpy())
    columns = [f"{n}_{label}" for n in ("SPX", "RUT") for label in HORIZONS]
    values = window[columns].to_numpy()

    def figures(x: np.ndarray) -> np.ndarray:
        if not every_statistic:
            return np.nanmean(x, axis=0)
        known = ~np.isnan(x)
        return np.concatenate([np.nanmean(x, axis=0), np.nanmedian(x, axis=0), (x > 0).sum(axis=0) / known.sum(axis=0)])

    baseline = figures(values)
    setup = time.process_time() - start
    rng = np.random.default_rng(seed)
    null = np.empty((placebos, baseline.size))
    for b in range(placebos):
        days = rng.choice(len(window), size=events.size, replace=False)
        null[b] = figures(values[days])
    observed = figures(values[events])
    centre = null.mean(axis=0)
    p = (1 + (np.abs(null - centre) >= np.abs(observed - centre)).sum(axis=0)) / (placebos + 1)
    _ = (baseline, p)
    names = [(statistic, column) for statistic in (("mean", "median", "pct_positive") if every_statistic else ("mean",)) for column in columns]
    return [pd.Timestamp(d).date() for d in window["date"].to_numpy()[events]], dict(zip(names, observed)), time.process_time() - start, setup


def cpu_seconds(fn: Callable[..., Result], *args: object, **kwargs: object) -> tuple[Result, float]:
    """``fn(*args, **kwargs)`` and the CPU seconds it took (every thread's)."""
    start = time.process_time()
    out = fn(*args, **kwargs)
    return out, time.process_time() - start


def stages(study: Study, data: Path, repeat: int = 3) -> dict[str, float]:
    """Median CPU seconds of each stage of the runs null's run: ``prepare``, ``evaluate``
    without tests, and the tests (``evaluate`` with them, less ``evaluate`` without); and,
    of the tests, the headline alone (``placebo_headline``: the runs null's draws of every
    cell and statistic, and the events' bootstrap intervals), the work no faster
    orchestration removes."""
    from eventstudy.engine import evaluate
    from eventstudy.inference.design import event_design
    from eventstudy.inference.timeseries import placebo_headline
    from eventstudy.study import prepare, statistics_with

    untested, tested = statistics_with(study, {"placebos": 0}), statistics_with(study, {"null": "runs"})
    found: dict[str, list[float]] = {"prepare": [], "evaluate": [], "tests": [], "headline": []}
    for _ in range(repeat):
        panel, prepared = cpu_seconds(prepare, study, data_dir=data, paths=False)
        result, plain = cpu_seconds(evaluate, panel, study, statistics=untested)
        _, full = cpu_seconds(evaluate, panel, study, statistics=tested)
        design = event_design(result)  # forward returns alone: every cell is tested
        _, headline = cpu_seconds(placebo_headline, design, tested)
        found["prepare"].append(prepared)
        found["evaluate"].append(plain)
        found["tests"].append(full - plain)
        found["headline"].append(headline)
    return {f"stage_{name}_cpu_s": round(statistics.median(values), 3) for name, values in found.items()}


def point(events: int, data: Path, library_defaults: bool = False, every_statistic: bool = True) -> dict[str, object]:
    """One point of the curve, in this process."""
    import eventstudy
    from eventstudy.config import parse_study

    if not library_defaults:
        eventstudy.keep_freed_memory()

    study = parse_study(STUDY.format(threshold=THRESHOLDS[events]), path=ROOT / "configs" / "curve.yaml")
    eventstudy.run(study, data_dir=data, placebos=0, paths=False)  # warm: files and caches read once
    eventstudy.run(study, data_dir=data, paths=False, null="circular")  # and the tests' modules imported, as a command has them
    figures: dict[str, object] = {}
    for label, options in (("runs", {"null": "runs"}), ("matched", {"null": "matched"}), ("histories", {})):
        start, wall = time.process_time(), time.perf_counter()
        result = eventstudy.run(study, data_dir=data, paths=False, **options)
        figures[f"{label}_cpu_s"] = round(time.process_time() - start, 3)
        figures[f"{label}_wall_s"] = round(time.perf_counter() - wall, 3)
        figures[f"{label}_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # so far
        if label == "runs":  # its events' runs may fill the window: the null is then no test, and says so
            figures["runs_little_room"] = any(n.startswith("warning: the runs null had little room") for n in result.notes)
    figures["events"] = result.events.height
    figures |= stages(study, data)
    import pandas  # noqa: F401  (imported before timing, as eventstudy is)

    threshold = float(THRESHOLDS[events].rstrip("%")) / 100
    summary = list(result.summary.filter(measure="fwd").iter_rows(named=True))
    for key, every in (("pandas_cpu_s", False), *((("pandas_every_cpu_s", True),) if every_statistic else ())):
        dates, found, cpu, setup = pandas_study(data, threshold, 10_000, every_statistic=every)
        assert result.events["date"].to_list() == dates, "eventstudy and pandas disagree on the events"
        for row in summary:  # the figures each side tests agree
            for statistic in ("mean", "median", "pct_positive") if every else ("mean",):
                assert abs(row[statistic] - found[(statistic, f"{row['asset']}_{row['horizon']}")]) < 1e-12, statistic
        figures[key] = round(cpu, 3)
        if not every:
            figures["pandas_setup_cpu_s"] = round(setup, 3)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--points", default="20,200,1000,5000,9000,10000")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--library-defaults", action="store_true", help="the allocator's, BLAS's and numpy's defaults, not the command line's settings")
    parser.add_argument("--no-every-statistic", dest="every_statistic", action="store_false",
                        help="leave out the pandas loop that tests the median and the share positive too")
    parser.add_argument("--point", type=int, help=argparse.SUPPRESS)  # a child process: one point
    args = parser.parse_args()
    if args.point:
        print(json.dumps(point(args.point, Path(args.data_dir), args.library_defaults, args.every_statistic)))
        return
    rows = []
    every = args.every_statistic
    print("SPX/RUT forward returns at 5 horizons x 2 assets, gap 1; CPU seconds after import (all threads):")
    print(f"  {'events':>7} {'runs null, B=10,000':>21} {'matched':>9} {'histories, B=1,000':>20} {'pandas + 10,000 loop':>21} {'ratio':>7} "
          + (f"{'+ median, % positive':>21} {'ratio':>7} " if every else "") + f"{'peak RSS (runs / +matched / +histories)':>41}")
    for events in (int(x) for x in args.points.split(",")):
        out = subprocess.run(
            [sys.executable, __file__, "--point", str(events), "--data-dir", args.data_dir,
             *(["--library-defaults"] if args.library_defaults else []), *([] if every else ["--no-every-statistic"])],
            capture_output=True, text=True, check=True,
        )
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(
            f"  {row['events']:>7,} {'!' if row['runs_little_room'] else ' '}{row['runs_cpu_s']:>18.2f} s {row['matched_cpu_s']:>7.2f} s {row['histories_cpu_s']:>18.2f} s {row['pandas_cpu_s']:>19.2f} s "
            f"{row['pandas_cpu_s'] / row['runs_cpu_s']:>6.1f}x "
            + (f"{row['pandas_every_cpu_s']:>19.2f} s {row['pandas_every_cpu_s'] / row['runs_cpu_s']:>6.1f}x " if every else "")
            + f"{row['runs_peak_rss_mb']:>16} / {row['matched_peak_rss_mb']:>6} / {row['histories_peak_rss_mb']:>6} MB"
        )
    if any(row["runs_little_room"] for row in rows):
        print("  !: the runs null had little room (the events' runs fill the window: its placebo sets are the events shifted")
        print("  by a few days, and its p-values are no test; the run says so); the matched null's column is the fair one there")
    print("  ratio: pandas with its placebo loop / eventstudy with the runs null (both 10,000 placebos; eventstudy also")
    print("  computes the median's and % positive's nulls, every interval and companion); events and means agree"
          + ("; so do the medians and shares positive" if every else ""))
    if every:
        print("  + median, % positive: the same pandas loop testing the three statistics eventstudy tests (a second")
        print("  reference, not the target's: eventstudy still computes every interval and companion besides)")
    print("where the CPU goes (median of 3 runs of each stage; the runs null for eventstudy, the means-only loop for pandas):")
    print(f"  {'events':>7} {'prepare':>9} {'evaluate':>9} {'tests':>9} {'headline':>9} {'pandas set-up':>14} {'pandas loop':>12} {'5x budget':>10}")
    for row in rows:
        print(f"  {row['events']:>7,} {row['stage_prepare_cpu_s']:>7.3f} s {row['stage_evaluate_cpu_s']:>7.3f} s {row['stage_tests_cpu_s']:>7.3f} s "
              f"{row['stage_headline_cpu_s']:>7.3f} s {row['pandas_setup_cpu_s']:>12.3f} s {row['pandas_cpu_s'] - row['pandas_setup_cpu_s']:>10.3f} s "
              f"{row['pandas_cpu_s'] / 5:>8.3f} s")
    print("  prepare: data read and validated, features, condition, outcomes; evaluate: events, declustering, summary,")
    print("  baseline; tests: the runs null (10,000 placebos, three statistics), every interval and companion, the table;")
    print("  headline: of the tests, the runs null's draws of every cell and statistic and the events' bootstrap intervals")
    print("  alone; 5x budget: pandas with its loop / 5, what a whole run may cost to be 5x faster")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
