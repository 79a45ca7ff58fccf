"""Benchmark: a sweep of named series, its held-out confirmation, and where its cells run.

The docs' SPX/RUT sweep (``RUT drawdown threshold`` x ``gap``, ranked before 2015 and the
best rows confirmed from 2015 with the default tests, the histories null) prints:

* the confirmation as ``run_sweep`` runs it (each chosen grid cell once, and the chosen
  cells' histories nulls in one pass over the same resampled histories), against the
  plain way, one full evaluation per chosen row, in the same process; the two must give
  the same confirmation table;
* the whole command (``eventstudy sweep``) in a fresh process, wall seconds, with its
  cells on ``--executor serial``, ``threads`` (the default) and ``processes`` (a local
  pool), at 12, 60 and 300 grid cells (no confirmation), and the docs' universe sweep
  (the 505-stock 52-week-high study, 3 thresholds x 2 gaps).

    python benchmarks/sweep.py [--data-dir ../shared/data] [--skip-executors] [--json FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from eventstudy.config import load_study
from eventstudy.engine import evaluate
from eventstudy.grid import _cell_study
from eventstudy.sweep import _prepare, parse_axis, run_sweep

ROOT = Path(__file__).resolve().parents[1]
AXES = ("RUT drawdown threshold=5%,10%,15%,20%", "gap=10,21cd,42")
CONFIRM_FROM = dt.date(2015, 1, 1)
GRIDS = {
    12: AXES,
    60: ("RUT drawdown threshold=3%,5%,7%,10%,12%,15%,17%,20%,25%,30%", "gap=5,10,21cd,42,63,126"),
    300: ("RUT drawdown threshold=" + ",".join(f"{x}%" for x in range(2, 32)), "gap=5,10,15,21cd,30,42,63,90,126,200"),
}


def timed(fn):
    cpu, wall = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def plain_confirmation(result, study, axes, data: Path) -> pl.DataFrame:
    """One full evaluation per chosen row of the ledger, as a loop over the rows would."""
    best = result.ledger.filter(pl.col("z").is_not_null()).sort("z", descending=True, nulls_last=True).head(10)
    names = [a.name for a in axes]
    rows = best.select(*names, "measure", "asset", "horizon").rows()
    cells = {tuple(r[: len(names)]): _cell_study(study, axes, tuple(r[: len(names)])) for r in rows}
    panel = _prepare(study, list(cells.values()), data)
    frames = []
    for row in rows:
        combo, (measure, asset, horizon) = tuple(row[: len(names)]), row[len(names) :]
        cell = cells[combo]
        tests = evaluate(panel, cell, start=CONFIRM_FROM, end=cell.window.end, statistics=study.statistics).tests
        tests = tests.filter((pl.col("measure") == measure) & (pl.col("asset") == asset) & (pl.col("horizon") == horizon) & (pl.col("statistic") == "mean"))
        frames.append(tests.select(*[pl.lit(v).alias(n) for n, v in zip(names, combo)], "measure", "asset", "horizon", "statistic", "n",
                                   "observed", "baseline", "difference", "null", "p_placebo"))
    return pl.concat(frames, how="vertical_relaxed")


UNIVERSE_GRID = ("SPX drawdown threshold=3%,5%,10%", "gap=21,63")


def command(grid: tuple[str, ...], executor: str, data: Path, config: str = "spx_rut.yaml") -> float:
    """Wall seconds of ``eventstudy sweep`` in a fresh process."""
    args = [sys.executable, "-m", "eventstudy.cli", "sweep", str(ROOT / "configs" / config), "--data-dir", str(data), "-q",
            "--executor", executor, *[x for axis in grid for x in ("--grid", axis)]]
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--skip-executors", action="store_true", help="only the confirmation, not the commands")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    data = Path(args.data_dir)
    study = load_study(ROOT / "configs" / "spx_rut.yaml")
    axes = [parse_axis(a) for a in AXES]
    run_sweep(study, axes, data_dir=data)  # warm: files read once
    _, ranked_wall, ranked_cpu = timed(lambda: run_sweep(study, axes, data_dir=data, confirm_from=CONFIRM_FROM, top=0))  # no row confirmed
    result, sweep_wall, sweep_cpu = timed(lambda: run_sweep(study, axes, data_dir=data, confirm_from=CONFIRM_FROM, top=10))
    plain, plain_wall, plain_cpu = timed(lambda: plain_confirmation(result, study, axes, data))
    assert_frame_equal(result.confirmation, plain)  # the same held-out tests, value for value
    chosen = result.confirmation.select(*[a.name for a in axes]).n_unique()
    figures: dict[str, object] = {
        "rows": result.confirmation.height, "cells": chosen,
        "confirmation_wall_s": round(sweep_wall - ranked_wall, 2), "confirmation_cpu_s": round(sweep_cpu - ranked_cpu, 2),
        "plain_wall_s": round(plain_wall, 2), "plain_cpu_s": round(plain_cpu, 2),
    }
    print(f"SPX/RUT sweep, 12 grid cells ranked before {CONFIRM_FROM}, the best {result.confirmation.height} rows "
          f"({chosen} cells) confirmed from it with the histories null (1,000 histories), serial, wall seconds:")
    print(f"  the sweep's confirmation (each cell once, one pass of histories): {sweep_wall - ranked_wall:.2f} s "
          f"(the whole sweep {sweep_wall:.2f} s)")
    print(f"  one evaluation per chosen row (plain loop): {plain_wall:.2f} s ({plain_wall / max(sweep_wall - ranked_wall, 1e-9):.1f}x); "
          "the confirmation tables are equal")
    if not args.skip_executors:
        print("eventstudy sweep (no confirmation), fresh process, wall seconds by --executor:")
        print(f"  {'cells':>6} {'serial':>8} {'threads':>8} {'processes':>10}")
        for cells, grid in GRIDS.items():
            command(grid, "serial", data) if cells == 12 else None  # warm the file cache once
            walls = {ex: command(grid, ex, data) for ex in ("serial", "threads", "processes")}
            figures[f"command_{cells}"] = {k: round(v, 2) for k, v in walls.items()}
            print(f"  {cells:>6} {walls['serial']:>7.2f}s {walls['threads']:>7.2f}s {walls['processes']:>9.2f}s")
        if (data / "panel_sp500_stocks.csv").is_file():
            walls = {ex: command(UNIVERSE_GRID, ex, data, "sp500_52w_high.yaml") for ex in ("serial", "threads", "processes")}
            figures["command_universe_6"] = {k: round(v, 2) for k, v in walls.items()}
            print(f"  the universe sweep (505 stocks, 6 cells): serial {walls['serial']:.2f} s, threads {walls['threads']:.2f} s, "
                  f"processes {walls['processes']:.2f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
