"""Benchmark: conditions that hold on most days, under every null and several gaps.

The SPX/RUT study with forward returns of both at 1w-1y and the condition
``SPX close / SPX sma(50) - 1 < 10%`` (true on nearly every day since 1980), declustered
by a gap of 1, 5 or 21 trading days or 3 or 10 calendar days: from about 11,700 events at
gap 1 to a few hundred, most of them as dense as the rule allows. Each (null, gap) runs
in a fresh process (so its peak RSS is its own) and prints CPU seconds after import
(every thread's; the tests' modules, loaded on first use, imported by a warm-up run under
the circular null), wall seconds and peak RSS, with 10,000
placebos for the runs, circular and matched nulls and 1,000 histories for the histories
null. Every placebo set of the matched null that is listed is checked against the rule,
the checks' time left out (under a gap of one day, sets drawn by keys are listed for the
median only: any distinct days obey that rule).

As a yardstick (not the same null: it ignores the gap, which random dates cannot keep at
these densities by drawing and rejecting), the same process times pandas' means-only loop
of 10,000 draws of as many random days over the same 10 cells' forward returns. Before this round the matched null failed on
most of these studies (rejection rounds that could not fill a set, 40-130 s then an
error) and the runs null took 2.5 GB where the pool had holes.

    python benchmarks/dense.py [--data-dir ../shared/data] [--gaps 1,5,21,3cd,10cd] [--json FILE]
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the eventstudy command runs
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

import argparse
import json
import resource
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NULLS = ("runs", "circular", "matched", "histories")
STUDY = """
name: dense
series: {{SPX: SPX, RUT: RUT}}
when: SPX close / SPX sma(50) - 1 < 10%
window: {{start: 1980-01-01}}
decluster: {{gap: {gap}}}
evaluate:
  - forward_returns: {{assets: [SPX, RUT], horizons: [1w, 1m, 3m, 6m, 1y]}}
"""


def point(null: str, gap: str, data: Path) -> dict[str, object]:
    """One study under one null, in this process."""
    import numpy as np

    import eventstudy
    from eventstudy.config import parse_study
    from eventstudy.inference import structural
    from eventstudy.inference.samplers import obeys_rule

    eventstudy.keep_freed_memory()
    study = parse_study(STUDY.format(gap=gap), path=ROOT / "configs" / "dense.yaml")
    eventstudy.run(study, data_dir=data, placebos=0, paths=False)  # warm: files and caches read once
    eventstudy.run(study, data_dir=data, paths=False, null="circular")  # and the tests' modules imported, as the command has them
    checked: list[bool] = []
    checking = [0.0]  # CPU seconds of the checks themselves, left out of the run's
    if null == "matched":  # every set the matched null draws obeys the rule of its study's calendar
        matched, gathered, listed, calendars = structural._matched, structural._gathered, structural._statistics_from_sets, []

        def keeping_calendar(design, *args):  # type: ignore[no-untyped-def]
            calendars.append(design.calendar)
            return matched(design, *args)

        def check(sets):  # type: ignore[no-untyped-def]
            start = time.process_time()
            checked.append(bool(obeys_rule(calendars[-1], np.sort(sets, axis=1)).all()))
            checking[0] += time.process_time() - start
            return sets

        def drawn_and_checked(values, n, reps, rows, sets, *args):  # type: ignore[no-untyped-def]
            return gathered(values, n, reps, rows, lambda size: check(sets(size)), *args)

        def listed_and_checked(values, sets, **kw):  # type: ignore[no-untyped-def]  # the sets drawn by keys are listed for the median only
            return listed(values, check(sets), **kw)

        structural._matched, structural._gathered, structural._statistics_from_sets = keeping_calendar, drawn_and_checked, listed_and_checked
    cpu, wall = time.process_time(), time.perf_counter()
    result = eventstudy.run(study, data_dir=data, paths=False, null=null)
    cpu, wall = time.process_time() - cpu - checking[0], time.perf_counter() - wall - checking[0]
    figures: dict[str, object] = {
        "cpu_s": round(cpu, 3),
        "wall_s": round(wall, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "events": result.events.height,
        "checked": all(checked) if checked else None,
    }
    if null == "runs":  # the yardstick, once per gap: pandas' means-only loop of random days
        import pandas as pd

        start = time.process_time()
        columns = []
        for name in ("SPX", "RUT"):  # the 10 cells' forward returns, as benchmarks/curve.py's pandas script builds them
            close = pd.read_csv(data / f"{name}.csv", usecols=["close"])["close"]
            columns += [close.shift(-h) / close - 1 for h in (5, 21, 63, 126, 252)]
        values = pd.concat(columns, axis=1).to_numpy()
        rng = np.random.default_rng(7)
        means = [np.nanmean(values[rng.choice(len(values), size=result.events.height, replace=False)], axis=0) for _ in range(10_000)]
        figures["pandas_cpu_s"] = round(time.process_time() - start, 3)
        _ = means
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--gaps", default="1,5,21,3cd,10cd")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--point", nargs=2, help=argparse.SUPPRESS)  # a child process: null, gap
    args = parser.parse_args()
    if args.point:
        print(json.dumps(point(args.point[0], args.point[1], Path(args.data_dir))))
        return
    rows = []
    print("SPX close / SPX sma(50) - 1 < 10% since 1980, forward returns at 5 horizons x 2 assets; CPU s after import (all threads) / peak RSS:")
    print(f"  {'gap':>5} {'events':>7} " + " ".join(f"{null:>17}" for null in NULLS) + f" {'yardstick (pandas)':>19}")
    for gap in args.gaps.split(","):
        found: dict[str, dict] = {}
        for null in NULLS:
            started = time.perf_counter()
            out = subprocess.run([sys.executable, __file__, "--point", null, gap, "--data-dir", args.data_dir], capture_output=True, text=True)
            if out.returncode:  # said in its cell: a null that cannot run this study (the process's wall time)
                found[null] = {"error": (out.stderr.strip().splitlines() or ["?"])[-1], "wall_s": round(time.perf_counter() - started, 1)}
                continue
            found[null] = json.loads(out.stdout.strip().splitlines()[-1])
            assert found[null]["checked"] in (None, True), "a matched placebo set breaks the rule"
        rows.append({"gap": gap, **{f"{null}_{k}": v for null, f in found.items() for k, v in f.items()}})
        cells = " ".join(
            f"{f['cpu_s']:>7.2f} s {f['peak_rss_mb']:>4} MB" if "error" not in f else f"{'failed, ' + str(f['wall_s']) + ' s':>17}"
            for f in (found[null] for null in NULLS)
        )
        events = next((f["events"] for f in found.values() if "events" in f), 0)
        yardstick = found["runs"].get("pandas_cpu_s")
        print(f"  {gap:>5} {events:>7,} {cells} " + (f"{yardstick:>17.2f} s" if yardstick is not None else f"{'-':>19}"))
        for null, f in found.items():
            if "error" in f:
                print(f"        {null}: {f['error'][:150]}")
    print("  runs, circular, matched: 10,000 placebos (matched: up to 10 million set-days a cell); histories: 1,000;")
    print("  every matched set checked against the rule. Yardstick: 10,000 draws of as many random days, means only,")
    print("  the gap ignored (random dates cannot keep it at these densities by rejection)")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
