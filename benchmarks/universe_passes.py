"""Benchmark: a large universe's thread count for its blocks and chunk size for its baseline, each against the old value.

Two settings decide how well a 50M-row universe study uses two cores, and each is timed
here against the value it replaced, the two taking turns in one process so that both see
the same load (this machine's speed drifts by 10% and more between runs):

* the symbol blocks run on one thread more than the CPUs
  (:data:`eventstudy.universe.BLOCK_THREADS_OVER`), against one thread per CPU: a block
  waits for polars' own thread pool in its reads and selects, and for the GIL in its
  Python glue. Timed as the whole study with its tests (``eventstudy.run``), the
  median of ``--runs`` runs each, with its ``prepare_blocks_s``; the outputs must be
  identical;
* the baseline's moments read :data:`eventstudy.inference.panel.CHUNK_VALUES` values at a
  time, against 256 symbols at a time: four cells on two threads
  (:func:`eventstudy.engine._baseline`), the median of ``--runs`` passes each; the counts
  and the median must be identical and the sums within a last bit.

The study is ``benchmarks/universe.py``'s (52-week highs above the 200-day average in a
falling market, four horizons, 1,000 placebos), on a panel that it writes and keeps:

    python benchmarks/universe.py --synthetic 5000x10000 --skip-pandas --keep DIR
    python benchmarks/universe_passes.py DIR/panel.parquet [--runs 5]
"""

from __future__ import annotations

import os
import sys

if "--library-defaults" not in sys.argv:  # as the eventstudy command runs (eventstudy.cli.entry), set before numpy loads
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from polars.testing import assert_frame_equal

import eventstudy
from eventstudy import engine, universe
from eventstudy.config import Study
from eventstudy.executor import default_workers
from eventstudy.inference import panel as panel_passes

sys.path.insert(0, str(Path(__file__).parent))
import universe as universe_benchmark  # benchmarks/universe.py, for its study


def _study(panel: Path) -> Study:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "study.yaml"
        path.write_text(universe_benchmark.STUDY.format(market="MKT", panel=panel.name, placebos=1000, when=universe_benchmark.WHEN, gap=21))
        return eventstudy.load_study(path)


def _blocks(loaded: Study, data: Path, runs: int) -> None:
    eventstudy.run(loaded, data_dir=data, placebos=0)  # warm: the file's pages and the allocator
    walls: dict[int, list[float]] = {0: [], 1: []}
    blocks: dict[int, list[float]] = {0: [], 1: []}
    results = {}
    for turn in range(runs):
        for over in (0, 1) if turn % 2 == 0 else (1, 0):
            universe.BLOCK_THREADS_OVER = over
            clock = time.perf_counter()
            result = eventstudy.run(loaded, data_dir=data)
            walls[over].append(time.perf_counter() - clock)
            blocks[over].append(result.timings["prepare_blocks_s"])
            results[over] = result
    universe.BLOCK_THREADS_OVER = 1
    for name in ("summary", "tests", "events"):
        assert_frame_equal(getattr(results[0], name), getattr(results[1], name))
    cpus = default_workers()
    print(f"the study with its tests, {results[1].events.height:,} events (medians of {runs} runs each, in turns; the same outputs):")
    for over, label in ((0, f"{cpus} block threads (one per CPU)"), (1, f"{cpus + 1} block threads (this code)")):
        print(f"  {label:<36} {statistics.median(walls[over]):6.2f} s   blocks {statistics.median(blocks[over]):5.2f} s"
              f"   (runs {min(walls[over]):.2f}-{max(walls[over]):.2f} s)")


def _baseline(loaded: Study, data: Path, runs: int) -> None:
    panel = universe.prepare_study_universe(loaded, data_dir=data)
    window = np.ones(panel.days.size, dtype=bool)
    chunk = panel_passes.CHUNK_VALUES
    sizes = {"256 symbols a time": 256 * panel.days.size, f"{chunk:,} values a time (this code)": chunk}
    times: dict[str, list[float]] = {label: [] for label in sizes}
    found = {}
    for turn in range(runs):
        for label in sizes if turn % 2 == 0 else list(sizes)[::-1]:
            panel_passes.CHUNK_VALUES = sizes[label]
            clock = time.perf_counter()
            found[label] = engine._baseline(panel, window)
            times[label].append(time.perf_counter() - clock)
    panel_passes.CHUNK_VALUES = chunk
    old, new = found.values()
    for a, b in zip(old, new):
        assert isinstance(a, panel_passes.CellMoments) and isinstance(b, panel_passes.CellMoments)
        assert a.median == b.median and np.array_equal(a.by_day.n, b.by_day.n) and np.array_equal(a.by_day.positive, b.by_day.positive)
        for x, y in ((a.by_day.total, b.by_day.total), (a.by_day.squares, b.by_day.squares), (a.base.squares, b.base.squares)):
            np.testing.assert_allclose(x, y, rtol=4 * np.finfo(np.float64).eps, atol=0)
    rows = panel.values[0].shape
    print(f"the baseline's moments: {len(panel.values)} cells of {rows[0]:,} x {rows[1]:,} on two threads (medians of {runs} passes, in turns; the same figures):")
    for label, seconds in times.items():
        print(f"  {label:<36} {statistics.median(seconds):6.2f} s   (passes {min(seconds):.2f}-{max(seconds):.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("panel", type=Path, help="a long Parquet panel with a MKT.csv beside it (benchmarks/universe.py --keep DIR writes both)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each setting, taking turns (default 5)")
    parser.add_argument("--library-defaults", action="store_true", help="the allocator's, BLAS's and numpy's defaults, not the command line's settings")
    args = parser.parse_args()
    if not args.library_defaults:
        eventstudy.keep_freed_memory()
    loaded = _study(args.panel)
    _blocks(loaded, args.panel.parent, args.runs)
    _baseline(loaded, args.panel.parent, args.runs)


if __name__ == "__main__":
    main()
