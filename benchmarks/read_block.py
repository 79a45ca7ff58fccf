"""Benchmark: reading a universe's blocks from a long Parquet file, the fast way and the general way.

Times :func:`eventstudy.data.read_long_block` on a block of ``--symbols`` symbols (the
first ones, and some in the middle) of a long Parquet file, as a streamed universe reads
it, beside the raw Parquet read of the same rows; and, with ``--study``,
:func:`eventstudy.universe.prepare_study_universe` on that study (its ``panel.timings``
printed). Each is timed with the typed fast path (:func:`eventstudy.data.validate.
typed_parquet_block`) and with the general path only (as before the fast path existed),
the two taking turns so that both see the same load; the minimum of ``--repeat`` block
reads and of ``--runs`` universe runs is shown (the machine is often shared).

``--whole`` also reads the whole file (every symbol) the fast way, beside polars' read and
stable sort on the symbol strings: for a file sorted by date (``benchmarks/universe.py
--order date`` writes one), where :func:`~eventstudy.data.validate.typed_parquet_block`
gathers each symbol's rows by their symbols' ranks.

    python benchmarks/universe.py --synthetic 5000x10000 --keep DIR   # writes DIR/panel.parquet and a study
    python benchmarks/read_block.py DIR/panel.parquet --study DIR/study.yaml
    python benchmarks/read_block.py DIR/panel_by_date.parquet --whole
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import polars as pl

import eventstudy
from eventstudy.data import load, read_long_block
from eventstudy.universe import prepare_study_universe

FAST = load.typed_parquet_block
WAYS: dict[str, Callable] = {"general": lambda file, exact: None, "fast": FAST}


def _timed(run: Callable[[], object]) -> tuple[float, object]:
    clock = time.perf_counter()
    result = run()
    return time.perf_counter() - clock, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("panel", type=Path, help="a long Parquet file (date, symbol, close)")
    parser.add_argument("--symbols", type=int, default=50, help="symbols in a block (default 50)")
    parser.add_argument("--repeat", type=int, default=15, help="block reads each way; the minimum is shown")
    parser.add_argument("--study", type=Path, help="also time prepare_study_universe on this study (data dir: the panel's folder)")
    parser.add_argument("--runs", type=int, default=3, help="universe runs each way; the minimum is shown")
    parser.add_argument("--whole", action="store_true", help="also read the whole file, against polars' read and stable sort on the symbols")
    args = parser.parse_args()

    symbols = pl.scan_parquet(args.panel).select(pl.col("symbol").unique()).collect()["symbol"].sort()
    for at, where in ((0, "first"), (symbols.len() // 2, "middle")):
        block = symbols.slice(at, args.symbols).to_list()
        within = pl.col("symbol").is_between(pl.lit(block[0]), pl.lit(block[-1]))
        times: dict[str, list[float]] = {"raw parquet read": [], **{way: [] for way in WAYS}}
        frames = {}
        for _ in range(args.repeat):
            times["raw parquet read"].append(_timed(partial(lambda keep: pl.scan_parquet(args.panel).filter(keep).collect(), within))[0])
            for way, first_try in WAYS.items():
                load.typed_parquet_block = first_try
                seconds, frames[way] = _timed(partial(read_long_block, args.panel, block))
                times[way].append(seconds)
        load.typed_parquet_block = FAST
        same = frames["general"].equals(frames["fast"])  # type: ignore[attr-defined]
        shown = ", ".join(f"{way} {min(t) * 1e3:.1f} ms" for way, t in times.items())
        print(f"{where} block of {len(block)} symbols: {shown} (min of {args.repeat}); same frame: {same}")
    if args.whole:
        fast_s, fast = _timed(partial(read_long_block, args.panel, None))
        plain_s, plain = _timed(lambda: pl.read_parquet(args.panel, columns=["date", "symbol", "close"]).sort("symbol", maintain_order=True))
        same = fast.select("date", "symbol", "close").equals(plain)  # type: ignore[attr-defined]
        print(f"the whole file, {plain.height:,} rows: read_long_block {fast_s:.2f} s, polars' read and stable sort on the "  # type: ignore[attr-defined]
              f"symbols {plain_s:.2f} s; same frame: {same}")
    if args.study is not None:
        study = eventstudy.load_study(args.study)
        runs: dict[str, list[tuple[float, dict]]] = {way: [] for way in WAYS}
        for _ in range(args.runs):
            for way, first_try in WAYS.items():
                load.typed_parquet_block = first_try
                seconds, panel = _timed(partial(prepare_study_universe, study, data_dir=args.panel.parent))
                runs[way].append((seconds, panel.timings))  # type: ignore[attr-defined]
        load.typed_parquet_block = FAST
        for way, done in runs.items():
            best, timings = min(done, key=lambda r: r[0])
            every = ", ".join(f"{s:.2f}" for s, _ in done)
            print(f"prepare_study_universe, {way}: {best:.2f} s (min of {args.runs}: {every}), timings {timings}")


if __name__ == "__main__":
    main()
