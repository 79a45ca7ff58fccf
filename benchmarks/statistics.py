"""Benchmark: the significance table of the SPX/RUT study with B = 10,000 placebos.

Prints wall-clock timings of :func:`eventstudy.inference.significance` (matched and
circular nulls; the note's 1980-2024 window, where every cell shares one frame, and the
open window, where each horizon has its own) next to a plain Python loop that draws and
evaluates one placebo set at a time, in the same process, for the ratio.

    python benchmarks/statistics.py [--data-dir ../shared/data] [--placebos 10000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import eventstudy
from eventstudy.events import decluster
from eventstudy.inference import InferenceSettings, event_design, significance
from eventstudy.inference.placebo import STATISTICS

ROOT = Path(__file__).resolve().parents[1]


def per_placebo_loop(result: eventstudy.StudyResult, placebos: int, seed: int) -> np.ndarray:
    """The same matched null, one placebo at a time (the baseline the vectorized code beats)."""
    design = event_design(result)
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
    print(f"SPX/RUT study, {note.outcomes.height // 10} events x 10 cells x 3 statistics, B = {b:,}")
    fast = timed("significance, matched, 1980-2024 (one frame)", lambda: significance(note, InferenceSettings(placebos=b)))
    timed("significance, circular, 1980-2024", lambda: significance(note, InferenceSettings(placebos=b, null="circular")))
    timed("significance, matched, open window (10 frames)", lambda: significance(open_window, InferenceSettings(placebos=b)))
    timed("significance, circular, open window", lambda: significance(open_window, InferenceSettings(placebos=b, null="circular")))
    slow = timed("plain per-placebo Python loop, 1980-2024 (placebos only)", lambda: per_placebo_loop(note, b, 7), repeat=1)
    print(f"ratio loop / vectorized (whole table, matched, 1980-2024): {slow / fast:.0f}x")


if __name__ == "__main__":
    main()
