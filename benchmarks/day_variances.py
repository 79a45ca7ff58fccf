"""Benchmark: the volatility forecasts' day means, 64 subset rows at a time against 256.

A universe's 'dates' null scales each placebo draw by its event stock's forecast
volatility over that day's mean forecast, taken over a fixed subset of 512 symbols
(``eventstudy.inference.volatility``): running sums along the days of the subset's
rows, read on the event days. The rows went through 256 at a time (about 250 MB of
float64 temporaries, in arrays of 20 MB); they now go 64 at a time
(``volatility.SUBSET_ROWS``), summed 256 at a time as before. On a synthetic panel of
5,000 symbols x 10,000 days (``benchmarks/universe.py --synthetic 5000x10000``'s size)
with an event on every day past the first year, both ways take turns in this process,
their values are checked identical, and the median seconds of each are printed, with the
page faults of each call: on a fresh heap, a worker thread's 20 MB array costs its pages
again every time (see ``docs/performance.md``).

    python benchmarks/day_variances.py [--symbols 5000] [--days 10000] [--repeat 5]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

import argparse
import resource
import statistics
import time

import numpy as np

import eventstudy
from eventstudy.inference import volatility


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=5000)
    parser.add_argument("--days", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    eventstudy.keep_freed_memory()
    rng = np.random.default_rng(1)
    daily = rng.normal(0, 0.02, (args.symbols, args.days)).astype(np.float32)
    daily[:, -1] = np.nan
    daily[rng.random(daily.shape) < 0.01] = np.nan
    day_mean = volatility._day_mean(volatility.day_totals(daily))
    event_days = np.arange(min(250, args.days - 1), args.days)
    rows = np.sort(rng.choice(args.symbols, size=min(args.symbols, volatility.DAY_SYMBOLS), replace=False))
    spans = [volatility.LONG]
    ways = {"256 rows at a time": 256, f"{volatility.SUBSET_ROWS} rows at a time (SUBSET_ROWS)": volatility.SUBSET_ROWS}
    seconds: dict[str, list[float]] = {name: [] for name in ways}
    faults: dict[str, list[int]] = {name: [] for name in ways}
    found: dict[str, dict] = {}
    chosen = volatility.SUBSET_ROWS
    try:
        for turn in range(args.repeat):
            for name in ways if turn % 2 == 0 else reversed(list(ways)):
                volatility.SUBSET_ROWS = ways[name]
                before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
                start = time.perf_counter()
                found[name] = volatility._subset_means(daily, rows, day_mean, event_days, spans, volatility.DECAY, 256)
                seconds[name].append(time.perf_counter() - start)
                faults[name].append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    finally:
        volatility.SUBSET_ROWS = chosen
    first, second = (found[name] for name in ways)
    assert all(np.array_equal(first[k], second[k], equal_nan=True) for k in first), "the values differ"
    print(f"{rows.size} subset rows x {args.days:,} days, {event_days.size:,} event days (median of {args.repeat}, in turns; the values identical):")
    base = statistics.median(seconds["256 rows at a time"])
    for name in ways:
        median = statistics.median(seconds[name])
        print(f"  {name:<34} {median:6.3f} s   {base / median:.2f}x   page faults per call {statistics.median(faults[name]):,.0f}")


if __name__ == "__main__":
    main()
