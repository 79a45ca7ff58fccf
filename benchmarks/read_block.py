"""Benchmark: reading a universe's blocks from a long Parquet file, the fast way and the general way.

Times :func:`eventstudy.data.read_long_block` on a block of ``--symbols`` symbols (the
first ones, and some in the middle) of a long Parquet file, as a streamed universe reads
it, beside the raw Parquet read of the same rows; and, with ``--study``,
:func:`eventstudy.universe.prepare_study_universe` on that study (its ``panel.timings``
printed). Each is timed with the typed fast path (:func:`eventstudy.data.validate.
typed_parquet_block`) and with the general path only (as before the fast path existed),
the two taking turns so that both see the same load; the minimum of ``--repeat`` block
reads and of ``--runs`` universe runs is shown (the machine is often shared).

Each block's symbol runs are also found both ways (:func:`eventstudy.blocks._runs`: a binary
search of the block's sorted symbols, and polars' ``rle`` over its rows). ``--calendar``
times what a streamed universe reads before its blocks, each against the plain way: the
file's distinct dates (:func:`eventstudy.data.read_long_dates`: typed dates counted batch
by batch, a text column's distinct texts parsed once each; against polars' ``unique`` of
every row's parsed date) and its symbols (:func:`eventstudy.data.finder.long_file_symbols`
by runs, against hashing every row). A CSV panel is timed with ``--calendar`` alone (its
blocks are read whole, not by row group).

``--whole`` also reads the whole file (every symbol) the fast way, beside polars' read and
stable sort on the symbol strings: for a file sorted by date (``benchmarks/universe.py
--order date`` writes one), where :func:`~eventstudy.data.validate.typed_parquet_block`
gathers each symbol's rows by their symbols' ranks.

    python benchmarks/universe.py --synthetic 5000x10000 --keep DIR   # writes DIR/panel.parquet and DIR/MKT.csv
    # DIR/study.yaml: write benchmarks/universe.py's STUDY there (market MKT, panel panel.parquet)
    python benchmarks/read_block.py DIR/panel.parquet --study DIR/study.yaml
    python benchmarks/read_block.py DIR/panel.parquet --calendar
    python benchmarks/read_block.py ../shared/data/panel_sp500_stocks.csv --calendar
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
from eventstudy.blocks import _runs
from eventstudy.data import load, read_long_block, read_long_dates
from eventstudy.data.finder import DataFile, inspect, long_file_symbols, scan
from eventstudy.universe import prepare_study_universe

FAST = load.typed_parquet_block
WAYS: dict[str, Callable] = {"general": lambda file, exact: None, "fast": FAST}


def _timed(run: Callable[[], object]) -> tuple[float, object]:
    clock = time.perf_counter()
    result = run()
    return time.perf_counter() - clock, result


def _in_turns(ways: dict[str, Callable[[], object]], repeat: int) -> list[tuple[float, object]]:
    """Each way's minimum time over ``repeat`` rounds, the ways taking turns, and its result."""
    best: dict[str, tuple[float, object]] = {}
    for _ in range(repeat):
        for way, run in ways.items():
            seconds, result = _timed(run)
            best[way] = (min(seconds, best[way][0]), result) if way in best else (seconds, result)
    return [best[way] for way in ways]


def _plain_dates(file: DataFile) -> pl.Series:
    """The file's distinct dates as polars' ``unique`` finds them, every row's date parsed
    (as the loaders parse them)."""
    from eventstudy.data.validate import _DRAW, date_values

    lf = scan(file.path, file.fmt)
    column = file.date
    assert column is not None, "a long file has a date column"
    _, parsed = date_values(pl.col(_DRAW), lf.collect_schema()[column], column, "", None)
    return lf.select(pl.col(column).alias(_DRAW)).select(parsed.alias("date")).unique().drop_nulls().collect().to_series().sort()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("panel", type=Path, help="a long Parquet file (date, symbol, close); a CSV with --calendar alone")
    parser.add_argument("--symbols", type=int, default=50, help="symbols in a block (default 50)")
    parser.add_argument("--repeat", type=int, default=15, help="block reads each way; the minimum is shown")
    parser.add_argument("--study", type=Path, help="also time prepare_study_universe on this study (data dir: the panel's folder)")
    parser.add_argument("--runs", type=int, default=3, help="universe runs each way; the minimum is shown")
    parser.add_argument("--calendar", action="store_true", help="also time the file's distinct dates and symbols, against polars' unique")
    parser.add_argument("--whole", action="store_true", help="also read the whole file, against polars' read and stable sort on the symbols")
    args = parser.parse_args()
    if inspect(args.panel).fmt != "parquet" and (not args.calendar or args.whole or args.study is not None):
        parser.error("a CSV panel is timed with --calendar alone")

    parquet = inspect(args.panel).fmt == "parquet"
    symbols = pl.scan_parquet(args.panel).select(pl.col("symbol").unique()).collect()["symbol"].sort() if parquet else pl.Series([], dtype=pl.String)
    for at, where in ((0, "first"), (symbols.len() // 2, "middle")) if parquet else ():
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
        searched, scanned = _in_turns({"search": partial(_runs, frames["fast"], block), "rle": partial(_runs, frames["fast"])}, args.repeat)
        agree = searched[1][0] == scanned[1][0] and searched[1][1].tolist() == scanned[1][1].tolist()
        print(f"  its symbol runs: binary search {searched[0] * 1e3:.2f} ms, rle {scanned[0] * 1e3:.2f} ms (min of {args.repeat}); same runs: {agree}")
    if args.calendar:
        counted, hashed = _in_turns({"counted": partial(read_long_dates, args.panel), "unique": partial(_plain_dates, inspect(args.panel))}, args.runs)
        how = "counted in batches" if parquet else "each distinct text parsed once"
        print(f"the file's dates: {how} {counted[0]:.3f} s, every row parsed and polars' unique {hashed[0]:.3f} s (min of {args.runs}); "
              f"same dates: {counted[1][0].equals(hashed[1])}")
        runs, rows = _in_turns({"runs": partial(long_file_symbols, args.panel, True), "rows": partial(long_file_symbols, args.panel)}, args.runs)
        print(f"the file's symbols: by runs {runs[0]:.3f} s, hashing every row {rows[0]:.3f} s (min of {args.runs}); same symbols: {runs[1] == rows[1]}")
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
