"""Benchmark: batches of resampled histories through the engine, and the flagship's default run.

Prints CPU seconds after import (every thread's) and wall seconds for

* the batch: 1,000 resampled SPX/RUT histories (12,000 days each: the null's blocks
  matched on volatility and their days, prices rebuilt, features, the condition,
  declustering, forward returns at 5 horizons x 2 assets, and every history's event and
  all-days figures), and of it the blocks' draw alone;
* the same 1,000 histories as a plain loop: each rebuilt history run as its own study
  through ``prepare`` and ``evaluate`` (what "run the study on every history" costs
  without the batch), timed on 20 histories and scaled;
* the SPX/RUT study with its default tests (the histories null, 1,000 histories), and a
  5,000-event study (``RUT drawdown >= 10%``, gap 1) with the same;
* ``configs/ndx_rsi.yaml`` and two studies of the flagship's series whose conditions the
  batch computes per history (a lagged rsi condition, a trading-day count), with the
  same default tests;
* the S&P 500 universe study (``configs/sp500_52w_high.yaml``, 505 stocks) with
  ``--null histories``: each of 200 resampled universes prepared as a universe of its own
  (``--skip-universe`` leaves it out).

The batch and the loop must agree on every history's events and figures (checked on the
20 histories the loop runs). The process runs as the ``eventstudy`` command does: freed
memory kept for reuse, one BLAS thread and ordinary pages (``--library-defaults``: the
allocator's, OpenBLAS's and numpy's own defaults).

    python benchmarks/histories.py [--data-dir ../shared/data] [--histories 1000] [--json FILE]
"""

from __future__ import annotations

import os
import sys

if "--library-defaults" not in sys.argv:  # as the eventstudy command runs (eventstudy.cli.entry), set before numpy loads
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

import argparse
import json
import time
from pathlib import Path

import numpy as np
import polars as pl

import eventstudy
from eventstudy.config import UNIVERSE_HISTORIES, load_study, parse_study
from eventstudy.engine import evaluate
from eventstudy.evaluators import build_evaluators
from eventstudy.events import panel_events, window_mask
from eventstudy.histories import HistorySource, history_panel
from eventstudy.inference.histories import ROWS_PER_CHUNK, cell_statistics
from eventstudy.inference.resample import block_indices, matched_blocks
from eventstudy.study import prepare

ROOT = Path(__file__).resolve().parents[1]


def timed(fn):
    cpu, wall = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.process_time() - cpu, time.perf_counter() - wall


def blocks(source, reps):
    """The null's blocks of ``reps`` histories (one draw, as up to 1,000 histories are drawn)."""
    return matched_blocks(source.states, reps, source.block_length, np.random.default_rng(7))


def batch(study, panel, source, reps):
    """The histories in chunks, as the null runs them (here on one thread): their blocks
    drawn, then each chunk's days filled in and the chunk run; and the draw's CPU seconds."""
    window = window_mask(panel.days, study.window.start, study.window.end)
    evaluators = build_evaluators(study.evaluators)
    per_chunk = max(1, ROWS_PER_CHUNK // source.days.size)
    (starts, lengths), draw_cpu, _ = timed(lambda: blocks(source, reps))
    parts = []
    for lo in range(0, reps, per_chunk):
        indices = block_indices(starts[lo : lo + per_chunk], lengths[lo : lo + per_chunk], source.days.size - 1)
        chunk = history_panel(source, study, indices, evaluators)
        kept = panel_events(chunk, chunk.hits_for(study.when, study.trigger), window, study.decluster).filter("kept")
        parts.append(cell_statistics(chunk.values, kept["_s"].to_numpy().astype(np.int64), kept["_d"].to_numpy().astype(np.int64), window))
    return parts, draw_cpu


def loop(study, panel, source, indices):
    """Each history as its own study (the plain way)."""
    out = []
    days = pl.Series("date", source.days).cast(pl.Date)
    for row in indices:
        closes = source.first * np.exp(np.concatenate([np.zeros((1, len(source.names))), np.cumsum(source.log_returns[row], axis=0)]))
        prices = pl.concat([pl.DataFrame({"date": days, "symbol": study.series[name], "close": closes[:, k]}) for k, name in enumerate(source.names)])
        out.append(evaluate(prepare(study, prices=prices, paths=False), study, statistics=study.statistics.model_copy(update={"placebos": 0})))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--histories", type=int, default=1000)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--library-defaults", action="store_true", help="the allocator's, OpenBLAS's and numpy's own defaults")
    parser.add_argument("--skip-universe", action="store_true", help="leave out the universe study's histories null")
    args = parser.parse_args()
    if not args.library_defaults:
        eventstudy.keep_freed_memory()
    data = Path(args.data_dir)
    study = load_study(ROOT / "configs" / "spx_rut.yaml")
    panel = prepare(study, data_dir=data, paths=False)
    source = HistorySource.of(panel.frame, panel.days, list(study.series))
    batch(study, panel, source, args.histories)  # warm: the chunks' arrays allocated once (50 histories left the 166-history chunks cold)
    (parts, draw_cpu), batch_cpu, batch_wall = timed(lambda: batch(study, panel, source, args.histories))
    sample = 20
    starts, lengths = blocks(source, args.histories)  # the batch's first histories, for the loop
    indices = block_indices(starts[:sample], lengths[:sample], source.days.size - 1)
    own, loop_cpu, _loop_wall = timed(lambda: loop(study, panel, source, indices))
    first = parts[0]
    for b, result in enumerate(own):  # the batch's figures are each history's own study
        summary = result.summary.filter(pl.col("measure") == "fwd")
        np.testing.assert_array_equal(first.n[b], summary["n"].to_numpy())
        np.testing.assert_allclose(first.mean[b], summary["mean"].fill_null(np.nan).to_numpy(), rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(first.all_median[b], summary["baseline_median"].to_numpy(), rtol=1e-5, atol=1e-7)
    eventstudy.run(study, data_dir=data, placebos=0, paths=False)  # warm
    _, default_cpu, default_wall = timed(lambda: eventstudy.run(study, data_dir=data, paths=False))
    big = parse_study(
        (ROOT / "configs" / "spx_rut.yaml").read_text().replace("SPX at ATH and RUT drawdown >= 10%", "RUT drawdown >= 10%").replace(
            "decluster: {gap: 21cd, mode: after_kept}", "decluster: {gap: 1}"
        ),
        path=ROOT / "configs" / "big.yaml",
    )
    result, big_cpu, big_wall = timed(lambda: eventstudy.run(big, data_dir=data, paths=False))
    scale = args.histories / sample
    figures = {
        "histories": args.histories, "days": int(source.days.size), "block_length": round(source.block_length, 1),
        "batch_cpu_s": round(batch_cpu, 3), "batch_wall_s": round(batch_wall, 3), "blocks_cpu_s": round(draw_cpu, 3),
        "loop_cpu_s_scaled": round(loop_cpu * scale, 1), "default_run_cpu_s": round(default_cpu, 3), "default_run_wall_s": round(default_wall, 3),
        "big_events": result.events.height, "big_run_cpu_s": round(big_cpu, 3), "big_run_wall_s": round(big_wall, 3),
    }
    print(f"{args.histories:,} resampled SPX/RUT histories of {source.days.size:,} days (mean block {source.block_length:.1f} days):")
    print(f"  the batch, one thread (indices, prices, features, condition, declustering, 10 outcome cells, figures): "
          f"{batch_cpu:.2f} s CPU, {batch_wall:.2f} s wall, of which drawing the blocks matched on volatility {draw_cpu:.3f} s CPU")
    print(f"  each history as its own study (timed on {sample}, scaled): {loop_cpu * scale:.1f} s CPU "
          f"({loop_cpu * scale / batch_cpu:.0f}x the batch); the figures agree")
    print(f"  the SPX/RUT study, default tests (histories null, {study.statistics.histories:,} histories): "
          f"{default_cpu:.2f} s CPU, {default_wall:.2f} s wall (after import)")
    print(f"  a {result.events.height:,}-event study (RUT drawdown >= 10%, gap 1), default tests: {big_cpu:.2f} s CPU, {big_wall:.2f} s wall")
    flagship = (ROOT / "configs" / "spx_rut.yaml").read_text()
    per_history = {
        "configs/ndx_rsi.yaml": load_study(ROOT / "configs" / "ndx_rsi.yaml"),
        **{when: parse_study(flagship.replace("SPX at ATH and RUT drawdown >= 10%", when), path=ROOT / "configs" / "when.yaml") for when in (
            "SPX rsi(14) crosses above 30 and (SPX rsi(14) < 30 for 5 days) 1 day ago",
            "trading_days_left_in_month == 0 and SPX return(1) > 0",
        )},
    }
    for label, other in per_history.items():
        eventstudy.run(other, data_dir=data, placebos=0, paths=False)  # warm
        _, cpu, wall = timed(lambda other=other: eventstudy.run(other, data_dir=data, paths=False))
        figures[f"default_run_wall_s[{label}]"] = round(wall, 3)
        print(f"  {label}, default tests: {cpu:.2f} s CPU, {wall:.2f} s wall (after import)")
    if not args.skip_universe:
        universe = load_study(ROOT / "configs" / "sp500_52w_high.yaml")
        eventstudy.run(universe, data_dir=data, placebos=0)  # warm: the panel read once
        found, u_cpu, u_wall = timed(lambda: eventstudy.run(universe, data_dir=data, null="histories"))
        figures |= {"universe_histories": UNIVERSE_HISTORIES, "universe_cpu_s": round(u_cpu, 3), "universe_wall_s": round(u_wall, 3)}
        print(f"  the S&P 500 universe study ({found.events.height:,} events), histories null ({UNIVERSE_HISTORIES} resampled universes): "
              f"{u_cpu:.2f} s CPU, {u_wall:.2f} s wall, {u_wall / UNIVERSE_HISTORIES * 1e3:.0f} ms a universe")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
