"""Benchmark: universe studies against pandas, and at scale.

The study: stocks closing at a 52-week high, above their 200-day average, while the
market is 5% or more below its high (three features), 21-day declustering per stock,
forward returns at four horizons (1w, 1m, 3m, 6m), the summary with its all-days baseline,
and placebo tests (1,000 placebos asked).

The pandas version is what a user would write in a notebook: groupby + rolling + shift
for the features, a merge with the market, a loop over each stock's hits for the
declustering, groupby + shift for the returns, and a placebo 'dates' null for the mean
(for each placebo, one random permutation of the stocks relabels every event's stock, a
random stock of the day standing in where the relabelled one has no value). Both run
in this process on the same data; the script checks that they find the same events and
the same returns, then prints times, the ratio, and peak memory (RSS).

    python benchmarks/universe.py                              # the real 505-stock panel
    python benchmarks/universe.py --synthetic 5000x10000       # 50M rows, against pandas
    python benchmarks/universe.py --synthetic 5000x10000 --scaling     # 0.5x, 1x, 2x
    python benchmarks/universe.py --synthetic 5000x10000 --skip-pandas --command  # and the whole command
    python benchmarks/universe.py --synthetic 20000x10000 --skip-pandas  # 200M rows, streamed
    python benchmarks/universe.py --synthetic 5000x10000 --skip-pandas --when "close > sma(200)"  # a condition of most stock-days

Synthetic panels are written as one Parquet file sorted by symbol (generated in parts,
merged by a streaming sink, so generating 200M rows needs little memory), and the study
streams it block by block. ``--order date`` runs on a copy sorted by date instead (every
row group holds every symbol: eventstudy reads such a file once, as it reads a CSV,
rather than decode all of it for each block). ``--keep DIR`` keeps generated files
between runs. Each ``--scaling`` size runs in a fresh process so that its peak RSS is its
own.

The process runs as the ``eventstudy`` command does: freed memory kept for reuse
(:func:`eventstudy.keep_freed_memory`), one BLAS thread and ordinary pages
(:data:`eventstudy.cli.COMMAND_ENVIRONMENT`); ``--library-defaults`` measures with the
allocator's, OpenBLAS's and numpy's own defaults instead (pandas runs in the same process, under
the same settings).
"""

from __future__ import annotations

import os
import sys

if "--library-defaults" not in sys.argv:  # as the eventstudy command runs (eventstudy.cli.entry), set before numpy loads
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

import argparse
import contextlib
import datetime as dt
import json
import resource
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

import eventstudy

ROOT = Path(__file__).resolve().parents[1]
HORIZONS = {"1w": 5, "1m": 21, "3m": 63, "6m": 126}

WHEN = "close at 52-week high and close > sma(200) and MKT drawdown >= 5%"
"""The study's condition; ``--when`` gives another (``close > sma(200)``: most stock-days), timed without pandas."""

STUDY = """\
name: benchmark universe
series: {{MKT: {market}}}
universe: {{data_file: {panel}}}
when: {when}
decluster: {{gap: {gap}}}
evaluate:
  - forward_returns: {{horizons: [1w, 1m, 3m, 6m]}}
statistics: {{placebos: {placebos}, seed: 7}}
"""


def pandas_study(panel_path: Path, market_path: Path, placebos: int) -> tuple[set, dict, dict]:
    """The same study in pandas, written the usual way: events, returns, baseline, placebo p."""
    import pandas as pd

    started = time.perf_counter()
    if panel_path.suffix == ".parquet":  # read with polars: pandas would need pyarrow just for this
        frame = pl.read_parquet(panel_path, columns=["date", "symbol", "close"])
        panel = pd.DataFrame({c: frame[c].to_numpy() for c in ("date", "symbol", "close")})
        del frame
    else:
        panel = pd.read_csv(panel_path, usecols=["date", "symbol", "close"])
    panel["date"] = pd.to_datetime(panel["date"])
    market = pd.read_csv(market_path, parse_dates=["date"])
    market["mkt_dd"] = 1 - market["close"] / market["close"].cummax()
    panel = panel.sort_values(["symbol", "date"], ignore_index=True)
    grouped = panel.groupby("symbol", sort=False)
    panel["prev"] = grouped["close"].shift(1)
    panel["prior_high"] = panel.groupby("symbol", sort=False)["prev"].rolling(252).max().reset_index(level=0, drop=True)
    panel["sma200"] = grouped["close"].rolling(200).mean().reset_index(level=0, drop=True)
    for h in HORIZONS.values():
        panel[f"fwd_{h}"] = grouped["close"].shift(-h) / panel["close"] - 1
    panel["pos"] = grouped.cumcount()
    merged = panel.merge(market[["date", "mkt_dd"]], on="date", how="inner")
    hit = (merged["close"] >= merged["prior_high"]) & (merged["close"] > merged["sma200"]) & (merged["mkt_dd"] >= 0.05)
    hits = merged[hit].sort_values(["symbol", "date"])
    kept_rows = []
    for _symbol, rows in hits.groupby("symbol", sort=False):  # declustering: 21 own trading days
        last = None
        for row in rows.itertuples():
            if last is None or row.pos - last >= 21:
                last = row.pos
                kept_rows.append(row.Index)
    events = merged.loc[kept_rows]
    out = {"baseline": {}, "mean": {}, "p": {}}
    returns = {}
    for h in HORIZONS.values():
        column = f"fwd_{h}"
        out["baseline"][h] = merged[column].mean()
        complete = events[events[column].notna()]
        out["mean"][h] = complete[column].mean()
        for symbol, day, value in zip(complete["symbol"], complete["date"], complete[column]):
            returns[(symbol, day.date(), h)] = value
    out["core_s"] = time.perf_counter() - started
    rng = np.random.default_rng(7)
    for h in HORIZONS.values():
        column = f"fwd_{h}"
        complete = events[events[column].notna()]
        # placebo 'dates' null: same days, whole stocks relabelled (one permutation of the
        # symbols per placebo, so a stock's events move together); a relabelled stock without
        # a value that day is replaced by a random stock with one
        wide = merged.pivot(index="date", columns="symbol", values=column)
        grid = wide.to_numpy()
        day_at = wide.index.get_indexer(complete["date"])
        symbol_at = wide.columns.get_indexer(complete["symbol"])
        pool = merged.loc[merged[column].notna(), ["date", column]].sort_values("date")
        days, starts, counts = np.unique(pool["date"].to_numpy(), return_index=True, return_counts=True)
        values = pool[column].to_numpy()
        at = np.searchsorted(days, complete["date"].to_numpy())
        null = np.empty(placebos)
        for b in range(placebos):
            drawn = grid[day_at, rng.permutation(grid.shape[1])[symbol_at]]
            gaps = np.isnan(drawn)
            drawn[gaps] = values[starts[at[gaps]] + (rng.random(int(gaps.sum())) * counts[at[gaps]]).astype(np.int64)]
            null[b] = drawn.mean()
        centre = null.mean()
        out["p"][h] = (1 + np.sum(np.abs(null - centre) >= abs(out["mean"][h] - centre))) / (placebos + 1)
    event_set = {(s, d.date()) for s, d in zip(events["symbol"], events["date"])}
    return event_set, returns, out


def synthetic(spec: str, folder: Path, seed: int = 0) -> tuple[Path, Path]:
    """A random-walk panel ``SYMBOLSxDAYS`` as one Parquet file sorted by symbol, and MKT.csv."""
    n_symbols, n_days = (int(x) for x in spec.lower().split("x"))
    panel, market_path = folder / "panel.parquet", folder / "MKT.csv"
    if panel.is_file() and market_path.is_file():
        return panel, market_path
    rng = np.random.default_rng(seed)
    days = pl.date_range(dt.date(1980, 1, 1), dt.date(2200, 1, 1), "1d", eager=True)
    days = days.filter(days.dt.weekday() <= 5)[:n_days]
    parts = folder / "parts"
    parts.mkdir(parents=True, exist_ok=True)
    step = 500
    for first in range(0, n_symbols, step):
        count = min(step, n_symbols - first)
        steps = rng.normal(0.0003, 0.015, size=(count, n_days)).astype(np.float32)
        close = (50 * np.exp(np.cumsum(steps, axis=1))).reshape(-1).astype(np.float64)
        symbols = np.repeat(np.array([f"S{i:06d}" for i in range(first, first + count)]), n_days)
        pl.DataFrame({"date": np.tile(days.to_numpy(), count), "symbol": symbols, "close": close}).write_parquet(parts / f"{first:08d}.parquet")
    pl.scan_parquet(parts / "*.parquet").sink_parquet(panel, row_group_size=200_000)
    for part in parts.iterdir():
        part.unlink()
    parts.rmdir()
    market = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.01, n_days)))
    pl.DataFrame({"date": days, "close": market}).write_csv(market_path)
    return panel, market_path


def by_date(panel: Path) -> Path:
    """A copy of ``panel`` sorted by date, then symbol (kept beside it, reused if present)."""
    copy = panel.with_name("panel_by_date.parquet")
    if not copy.is_file():
        pl.scan_parquet(panel).sort("date", "symbol").sink_parquet(copy, row_group_size=200_000)
    return copy


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def timed(fn: object, repeat: int) -> tuple[object, float]:
    """``fn()``'s result and its median wall time over ``repeat`` runs, after one untimed
    warm-up run: lazy imports, first calls and a cold page cache are not the study's."""
    fn()  # type: ignore[operator]
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return result, float(np.median(times))


def run_eventstudy(
    folder: Path, panel: Path, market_symbol: str, placebos: int, executor: str | None, repeat: int = 1, when: str = WHEN, gap: str = "21"
) -> dict:
    """The study through eventstudy: core (placebos=0) and full, with timings and RSS."""
    from eventstudy.executor import get_executor

    (folder / "study.yaml").write_text(STUDY.format(market=market_symbol, panel=panel.name, placebos=placebos, when=when, gap=gap))
    study = eventstudy.load_study(folder / "study.yaml")
    with get_executor(executor) if executor else contextlib.nullcontext() as pool:
        core, t_core = timed(lambda: eventstudy.run(study, data_dir=panel.parent, placebos=0, executor=pool), repeat)
        rss_core = peak_rss_gb()
        if placebos == 0:
            return {"core": core, "full": core, "t_core": t_core, "t_full": t_core, "rss_core": rss_core, "rss": rss_core}
        full, t_full = timed(lambda: eventstudy.run(study, data_dir=panel.parent, executor=pool), repeat)
    return {"core": core, "full": full, "t_core": t_core, "t_full": t_full, "rss_core": rss_core, "rss": peak_rss_gb()}


def rows_of(panel: Path) -> int:
    return pl.scan_parquet(panel).select(pl.len()).collect().item() if panel.suffix == ".parquet" else pl.scan_csv(panel).select(pl.len()).collect().item()


def report(label: str, got: dict, rows: int, repeat: int) -> None:
    full = got["full"]
    timing = f"median of {repeat} runs after a warm-up, each side" if repeat > 1 else "one run each, eventstudy's after a warm-up run"
    print(f"{label}: {rows:,} rows, {full.events.height:,} events ({timing})")
    print(f"  eventstudy, events + returns + baseline:     {got['t_core']:7.2f} s   {got['core'].timings}")
    print(f"  eventstudy, plus panel placebo tests:        {got['t_full']:7.2f} s   {full.timings}")
    print(f"  peak RSS of this process, after the runs without tests / with them: {got['rss_core']:.2f} / {got['rss']:.2f} GB")
    print("  (this process ran the warm-up and every repeat: a run's own peak, each in a fresh process, is --scaling's)")
    significance = full.tests.filter(pl.col("statistic") == "mean").select("horizon", "observed", "baseline", "p_placebo", "p_symbols_null")
    print("  " + str(significance).replace("\n", "\n  "))


def compare(got: dict, panel: Path, market: Path, placebos: int, repeat: int = 1) -> None:
    import pandas  # noqa: F401  (imported before timing: eventstudy's imports are not timed either)

    runs = []
    # one warm-up run when repeating, as for eventstudy; a single run reads a data file the
    # eventstudy runs have just read (warm page cache), and costs a minute or two at 50M rows
    for _ in range(repeat + (repeat > 1)):
        start = time.perf_counter()
        events, returns, figures = pandas_study(panel, market, placebos)
        runs.append((time.perf_counter() - start, figures["core_s"]))
    runs = runs[1:] if repeat > 1 else runs
    t_pandas, t_core = float(np.median([r[0] for r in runs])), float(np.median([r[1] for r in runs]))
    full = got["full"]
    mine = {(r["symbol"], r["date"]) for r in full.events.select("symbol", "date").iter_rows(named=True)}
    assert mine == events, f"events differ: {len(mine ^ events)} of {len(mine | events)}"
    fwd = full.outcomes.filter((pl.col("measure") == "fwd") & pl.col("value").is_not_null())
    values = np.array([returns[k] for k in zip(fwd["symbol"], fwd["date"], fwd["horizon_days"])])
    assert values.size == len(returns) and np.allclose(fwd["value"].to_numpy(), values, rtol=1e-5, atol=1e-6)
    for h in HORIZONS.values():
        row = full.summary.filter((pl.col("measure") == "fwd") & (pl.col("horizon_days") == h)).row(0, named=True)
        assert abs(row["baseline_mean"] - figures["baseline"][h]) < 1e-6 and abs(row["mean"] - figures["mean"][h]) < 1e-6
    p_es = full.tests.filter((pl.col("measure") == "fwd") & (pl.col("statistic") == "mean")).sort("horizon_days")["p_placebo"].to_list()
    p_pd = [figures["p"][h] for h in HORIZONS.values()]
    print(f"  pandas, events + returns + baseline (groupby/rolling/shift, a loop per stock): {t_core:7.2f} s")
    print(f"  pandas, plus {placebos:,} placebo draws for the mean ('dates' null):           {t_pandas:7.2f} s")
    print(f"  events, returns, baseline and event means agree; p (dates null, mean) eventstudy {_fmt(p_es)} vs pandas {_fmt(p_pd)}")
    print(f"  ratio pandas / eventstudy: {t_core / got['t_core']:.1f}x without tests, {t_pandas / got['t_full']:.1f}x with them")
    print(f"  peak RSS of the process after pandas: {peak_rss_gb():.2f} GB")


def write_files(result: object, folder: Path) -> None:
    """Time ``--output``'s files for the study just run, and print their sizes."""
    from eventstudy.report import write_report

    start = time.perf_counter()
    written = write_report(result, folder)
    elapsed = time.perf_counter() - start
    sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.2f} MB" for p in sorted(written) if p.suffix in (".html", ".json", ".md", ".svg", ".csv"))
    print(f"  report files written in {elapsed:.2f} s: {sizes}")


_COMMAND_PEAK = """
import os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(time.perf_counter() - start, os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""
"""Starts the command and reports its wall seconds, exit code and peak RSS (KB). It runs
in a small process of its own: a child's peak RSS starts from its parent's at the fork,
and this benchmark's process holds gigabytes by then."""


def command_runs(study: Path, data: Path) -> None:
    """The whole ``eventstudy run`` command in a fresh process (imports and reading the
    file's symbols and calendar included), its blocks on threads (the default) and on a
    local process pool: wall seconds and the command's own peak RSS (not its workers')."""
    print("  the whole command, fresh process (eventstudy run STUDY --executor X):")
    for executor in ("threads", "processes"):
        command = [sys.executable, "-m", "eventstudy.cli", "run", str(study), "--data-dir", str(data), "-q", "--executor", executor]
        out = subprocess.run([sys.executable, "-c", _COMMAND_PEAK, *command], check=True, capture_output=True, text=True, cwd=ROOT).stdout
        wall, code, peak_kb = out.split()
        assert code == "0", f"{' '.join(command)} failed"
        print(f"    {executor:<10} {float(wall):6.2f} s, peak RSS {int(peak_kb) / 1024**2:.2f} GB")


def _fmt(values: list) -> str:
    return "[" + ", ".join("-" if v is None else f"{v:.3f}" for v in values) + "]"


def scaling(spec: str, keep: Path | None, placebos: int, executor: str | None, library_defaults: bool = False, when: str = WHEN, gap: str = "21") -> None:
    """0.5x, 1x and 2x the symbols of ``spec``: each size and each run (without tests,
    with them) in a fresh process, so that every peak RSS is that run's own."""
    n_symbols, n_days = (int(x) for x in spec.lower().split("x"))
    rows = []
    for factor in (0.5, 1.0, 2.0):
        size = f"{int(n_symbols * factor)}x{n_days}"
        runs = []
        for count in (0, placebos):
            command = [sys.executable, __file__, "--synthetic", size, "--skip-pandas", "--json", "--placebos", str(count), "--when", when, "--gap", gap]
            if keep:
                command += ["--keep", str(keep / size)]
            if executor:
                command += ["--executor", executor]
            if library_defaults:
                command += ["--library-defaults"]
            out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            runs.append(json.loads(out.strip().splitlines()[-1]))
        rows.append({**runs[1], "t_core": runs[0]["t_core"], "rss_core": runs[0]["rss"]})
    base = rows[1]
    print(f"scaling ({n_days:,} days; symbols x 0.5 / 1 / 2; each run in its own process):")
    print(f"  {'rows':>12} {'events':>9} {'core s':>7} {'full s':>7} {'s/10M rows':>10} {'core GB':>8} {'full GB':>8} {'vs 1x':>6}")
    for r in rows:
        print(
            f"  {r['rows']:>12,} {r['events']:>9,} {r['t_core']:>7.2f} {r['t_full']:>7.2f} {r['t_full'] / r['rows'] * 1e7:>10.2f}"
            f" {r['rss_core']:>8.2f} {r['rss']:>8.2f} {r['t_full'] / base['t_full']:>5.2f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--synthetic", metavar="SYMBOLSxDAYS", help="e.g. 5000x10000 (50M rows)")
    parser.add_argument("--placebos", type=int, default=1000)
    parser.add_argument("--when", default=WHEN, help="the condition (another than the study's needs --skip-pandas: the pandas script is the study's)")
    parser.add_argument("--gap", default="21", help="the declustering gap (as in a study: 21, 5, 10cd, ...; another than 21 needs --skip-pandas)")
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--scaling", action="store_true", help="also run 0.5x and 2x the symbols, each in its own process")
    parser.add_argument("--order", choices=("symbol", "date"), default="symbol", help="the synthetic panel's rows sorted by symbol (streamed) or by date")
    parser.add_argument("--keep", type=Path, help="folder for generated panels (reused if present)")
    parser.add_argument("--executor", help="serial, processes or dask (default: threads in this process)")
    parser.add_argument("--output", type=Path, help="also write the full report there; print its time and file sizes")
    parser.add_argument("--command", action="store_true", help="also time the whole eventstudy run command, on threads and on a process pool")
    parser.add_argument("--repeat", type=int, help="timed runs per side, median reported (default: 5 for the real panel, 1 for synthetic ones)")
    parser.add_argument("--library-defaults", action="store_true", help="the allocator's, BLAS's and numpy's defaults, not the command line's settings")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.order == "date" and (args.scaling or not args.synthetic):
        parser.error("--order date applies to one synthetic panel (--synthetic, without --scaling)")
    if (args.when, args.gap) != (WHEN, "21") and not (args.skip_pandas or args.scaling):
        parser.error("--when and --gap change the study, and the pandas script is the study's: add --skip-pandas")
    kept = not args.library_defaults and eventstudy.keep_freed_memory()
    if not args.json:
        print(f"({'as the eventstudy command runs: freed memory kept, one BLAS thread, ordinary pages' if kept else 'the allocator, BLAS and numpy defaults'})")
    repeat = args.repeat or (1 if args.synthetic else 5)
    if args.scaling:
        scaling(args.synthetic or "5000x10000", args.keep, args.placebos, args.executor, args.library_defaults, args.when, args.gap)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.synthetic:
            data = args.keep or folder
            data.mkdir(parents=True, exist_ok=True)
            start = time.perf_counter()
            panel, market = synthetic(args.synthetic, data)
            if args.order == "date":
                panel = by_date(panel)
            if not args.json:
                print(f"(synthetic panel ready in {time.perf_counter() - start:.1f} s; not counted)")
            market_symbol = "MKT"
        else:
            data = Path(args.data_dir)
            panel, market, market_symbol = data / "panel_sp500_stocks.csv", data / "SPX.csv", "SPX"
        if args.json:  # one run (the placebos asked), its own time and peak RSS
            study = folder / "study.yaml"
            study.write_text(STUDY.format(market=market_symbol, panel=panel.name, placebos=args.placebos, when=args.when, gap=args.gap))
            start = time.perf_counter()
            result = eventstudy.run(study, data_dir=panel.parent)
            elapsed = time.perf_counter() - start
            print(json.dumps({"rows": rows_of(panel), "events": result.events.height, "t_core": elapsed, "t_full": elapsed, "rss": peak_rss_gb()}))
            return
        got = run_eventstudy(folder, panel, market_symbol, args.placebos, args.executor, repeat, args.when, args.gap)
        rows = rows_of(panel)
        report(f"universe study on {panel.name}", got, rows, repeat)
        if args.output:
            write_files(got["full"], args.output)
        if args.command:
            command_runs(folder / "study.yaml", panel.parent)
        if not args.skip_pandas:
            compare(got, panel, market, args.placebos, repeat)


if __name__ == "__main__":
    sys.exit(main())
