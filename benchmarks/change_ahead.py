"""Benchmark: a universe block's forward returns, ``PanelBlock.change_ahead`` against the plain way.

A universe block computes, for each horizon, each row's close k rows later over its close,
less one, NaN where the symbol has fewer rows left, stored as float32. The plain way (what
the blocks did before) shifts the whole float64 column (``PanelBlock.ahead``), divides,
subtracts and casts; ``change_ahead`` divides in cache-sized pieces straight into the
float32 result. Blocks of 500k rows (50 symbols of 10,000 days, as in ``benchmarks/universe.py
--synthetic 5000x10000``), the four horizons of that study and the daily return, each block's
closes new (as a block read from the file is); both ways take turns in this process, the
values are checked identical, and the median CPU per block of each is printed.

    python benchmarks/change_ahead.py [--blocks 40] [--rows 500000] [--symbols 50]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

import argparse
import statistics
import time

import numpy as np

import eventstudy
from eventstudy.evaluators import PanelBlock

HORIZONS = (1, 5, 21, 63, 126)  # the daily return, then 1w, 1m, 3m, 6m


def block(rng: np.random.Generator, rows: int, symbols: int) -> PanelBlock:
    lengths = np.full(symbols, rows // symbols)
    lengths[-1] += rows - lengths.sum()
    position = np.arange(rows) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    close = 50 * np.exp(np.cumsum(rng.normal(0.0003, 0.02, rows)))
    return PanelBlock(close, np.full(rows, np.nan), np.repeat(lengths - 1, lengths) - position, "stocks", run=np.repeat(np.arange(symbols), lengths))


def plain(b: PanelBlock) -> list[np.ndarray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        return [(b.ahead(b.close, k) / b.close - 1).astype(np.float32) for k in HORIZONS]


def pieces(b: PanelBlock) -> list[np.ndarray]:
    return [b.change_ahead(b.close, k) for k in HORIZONS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=40)
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--symbols", type=int, default=50)
    args = parser.parse_args()
    eventstudy.keep_freed_memory()
    rng = np.random.default_rng(7)
    seconds: dict[str, list[float]] = {"plain": [], "change_ahead": []}
    for _ in range(args.blocks):
        b = block(rng, args.rows, args.symbols)
        found = {}
        for name, fn in (("plain", plain), ("change_ahead", pieces)) if len(seconds["plain"]) % 2 else (("change_ahead", pieces), ("plain", plain)):
            start = time.process_time()
            found[name] = fn(b)
            seconds[name].append(time.process_time() - start)
        assert all(np.array_equal(a, c, equal_nan=True) for a, c in zip(found["plain"], found["change_ahead"])), "the values differ"
    old, new = statistics.median(seconds["plain"]) * 1000, statistics.median(seconds["change_ahead"]) * 1000
    print(f"{args.blocks} blocks of {args.rows:,} rows ({args.symbols} symbols), horizons {HORIZONS} (CPU ms per block, median; the values identical):")
    print(f"  plain (shifted float64 copy, divide, subtract, cast): {old:6.2f} ms")
    print(f"  change_ahead (pieces straight into float32):          {new:6.2f} ms   {old / new:.1f}x")


if __name__ == "__main__":
    main()
