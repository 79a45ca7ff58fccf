"""Benchmark: the significance table of the SPX/RUT study with B = 10,000 placebos.

Prints wall-clock timings of :func:`eventstudy.inference.timeseries.significance` (matched, circular
and runs nulls; the note's 1980-2024 window, where every cell shares one frame, and the
open window, where each horizon has its own) next to a plain Python loop that draws and
evaluates one placebo set at a time, in the same process, for the ratio.

    python benchmarks/significance.py [--data-dir ../shared/data] [--placebos 10000]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np
import polars as pl

import eventstudy
from eventstudy.events import decluster
from eventstudy.inference import InferenceSettings, event_design, significance
from eventstudy.inference.placebo import STATISTICS
from eventstudy.inference.samplers import CircularSampler, MatchedSampler, RunsSampler

ROOT = Path(__file__).resolve().parents[1]


def tested(result: eventstudy.StudyResult) -> eventstudy.StudyResult:
    """The result restricted to the measures that get significance tests, as :func:`significance` does."""
    if not result.tested_measures:
        return result
    keep = pl.col("measure").is_in(result.tested_measures)
    return dataclasses.replace(
        result, outcomes=result.outcomes.filter(keep), baseline_outcomes=result.baseline_outcomes.filter(keep)
    )


def per_placebo_loop(result: eventstudy.StudyResult, placebos: int, seed: int) -> np.ndarray:
    """The same matched null, one placebo at a time (the baseline the vectorized code beats)."""
    design = event_design(tested(result))
    rng = np.random.default_rng(seed)
    k = design.values.shape[0]
    out = np.empty((k, len(STATISTICS), placebos))
    frames = [np.flatnonzero(design.frame(c)) for c in range(k)]
    nobs = [design.cell_events(c).size for c in range(k)]
    keys, thresholds = design.calendar.keys, design.calendar.thresholds
    for c in range(k):
        frame, n = frames[c], nobs[c]
        for b in range(placebos):
            while True:
                cand = np.unique(rng.choice(frame, size=int(1.5 * n) + 8))
                kept = cand[decluster(keys[cand], thresholds[cand], design.mode)]
                if kept.size >= n:
                    break
            days = np.sort(rng.choice(kept, size=n, replace=False))
            vals = design.values[c, days]
            for s, stat in enumerate(STATISTICS.values()):
                out[c, s, b] = stat(vals)
    return out


def timed(label: str, fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    print(f"{label:<58} {best:8.3f} s")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--placebos", type=int, default=10_000)
    args = parser.parse_args()
    config = ROOT / "configs" / "spx_rut.yaml"
    note = eventstudy.run(config, data_dir=args.data_dir, end="2024-12-31")
    open_window = eventstudy.run(config, data_dir=args.data_dir)
    b = args.placebos
    design = event_design(tested(note))
    print(f"SPX/RUT study, {design.events.size} events x {design.values.shape[0]} cells x 3 statistics, B = {b:,}")
    fast = timed("significance, matched, 1980-2024 (one frame)", lambda: significance(note, InferenceSettings(placebos=b)))
    for null in ("circular", "runs"):
        timed(f"significance, {null}, 1980-2024", lambda null=null: significance(note, InferenceSettings(placebos=b, null=null)))
    timed("significance, matched, open window (10 frames)", lambda: significance(open_window, InferenceSettings(placebos=b)))
    for null in ("circular", "runs"):
        timed(f"significance, {null}, open window", lambda null=null: significance(open_window, InferenceSettings(placebos=b, null=null)))
    frame, events = design.frame(0), design.cell_events(0)
    for name, cls in (("matched", MatchedSampler), ("circular", CircularSampler), ("runs", RunsSampler)):
        timed(
            f"placebo bank only, {name}, 1980-2024 (one cell)",
            lambda cls=cls: cls(design.calendar, frame, events.size, mode=design.mode, events=events, seed=7).draw(b),
        )
    slow = timed("plain per-placebo Python loop, 1980-2024 (placebos only)", lambda: per_placebo_loop(note, b, 7), repeat=1)
    print(f"ratio loop / vectorized (whole table, matched, 1980-2024): {slow / fast:.0f}x")


if __name__ == "__main__":
    main()
