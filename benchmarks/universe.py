"""Benchmark: a universe study (505 S&P 500 stocks, or a synthetic panel) against pandas.

The pandas version is what a user would write in a notebook: groupby + rolling + shift for
the features, a merge with the market series, a loop per symbol for declustering, and
groupby + shift for the forward returns. Both run in this process on the same data; the
script checks that they find the same events and the same returns, then prints times and
peak memory (RSS).

    python benchmarks/universe.py [--data-dir ../shared/data]            # the real panel
    python benchmarks/universe.py --synthetic 500x10000                  # symbols x days
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

import eventstudy

ROOT = Path(__file__).resolve().parents[1]
HORIZONS = {"1w": 5, "1m": 21, "3m": 63}

STUDY = """\
name: benchmark universe
series: {{MKT: {market}}}
universe: {{data_file: {panel}}}
when: close at 52-week high and MKT drawdown >= 5%
decluster: {{gap: 21}}
evaluate:
  - forward_returns: {{horizons: [1w, 1m, 3m]}}
statistics: {{placebos: {placebos}, seed: 7}}
"""


def pandas_study(panel_path: Path, market_path: Path) -> tuple[set[tuple[str, dt.date]], dict[tuple[str, dt.date, int], float]]:
    """The same study in pandas, written the usual way."""
    import pandas as pd

    if panel_path.suffix == ".parquet":  # read with polars: pandas would need pyarrow just for this
        frame = pl.read_parquet(panel_path)
        panel = pd.DataFrame({c: frame[c].to_numpy() for c in ("date", "symbol", "close")})
    else:
        panel = pd.read_csv(panel_path, usecols=["date", "symbol", "close"])
    panel["date"] = pd.to_datetime(panel["date"])
    market = pd.read_csv(market_path, parse_dates=["date"])
    market["mkt_dd"] = 1 - market["close"] / market["close"].cummax()
    panel = panel.sort_values(["symbol", "date"])
    grouped = panel.groupby("symbol")["close"]
    panel["prior_high"] = grouped.transform(lambda c: c.shift(1).rolling(252).max())
    for label, h in HORIZONS.items():
        panel[f"fwd_{h}"] = grouped.shift(-h) / panel["close"] - 1
    merged = panel.merge(market[["date", "mkt_dd"]], on="date", how="inner").sort_values(["symbol", "date"])
    merged["pos"] = merged.groupby("symbol").cumcount()
    hits = merged[(merged["close"] >= merged["prior_high"]) & (merged["mkt_dd"] >= 0.05)]
    events, returns = set(), {}
    for symbol, rows in hits.groupby("symbol"):
        last = None
        for row in rows.itertuples():
            if last is None or row.pos - last >= 21:
                last = row.pos
                day = row.date.date()
                events.add((symbol, day))
                for h in HORIZONS.values():
                    value = getattr(row, f"fwd_{h}")
                    if value == value:  # not NaN
                        returns[(symbol, day, h)] = value
    return events, returns


def synthetic(spec: str, folder: Path, seed: int = 0) -> tuple[Path, Path]:
    n_symbols, n_days = (int(x) for x in spec.lower().split("x"))
    rng = np.random.default_rng(seed)
    days = pl.date_range(dt.date(1980, 1, 1), dt.date(2080, 1, 1), "1d", eager=True)
    days = days.filter(days.dt.weekday() <= 5)[:n_days]
    steps = rng.normal(0.0003, 0.015, size=(n_symbols, n_days)).astype(np.float32)
    close = (50 * np.exp(np.cumsum(steps, axis=1))).reshape(-1)
    symbols = np.repeat(np.array([f"S{i:05d}" for i in range(n_symbols)]), n_days)
    pl.DataFrame({"date": np.tile(days.to_numpy(), n_symbols), "symbol": symbols, "close": close.astype(np.float64)}).write_parquet(folder / "panel.parquet")
    market = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.01, n_days)))
    pl.DataFrame({"date": days, "close": market}).write_csv(folder / "MKT.csv")
    return folder / "panel.parquet", folder / "MKT.csv"


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--synthetic", metavar="SYMBOLSxDAYS", help="e.g. 500x10000 (5M rows)")
    parser.add_argument("--placebos", type=int, default=1000)
    parser.add_argument("--skip-pandas", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.synthetic:
            panel, market = synthetic(args.synthetic, folder)
            data_dir, market_symbol = folder, "MKT"
        else:
            data_dir = Path(args.data_dir)
            panel, market, market_symbol = data_dir / "panel_sp500_stocks.csv", data_dir / "SPX.csv", "SPX"
        (folder / "study.yaml").write_text(STUDY.format(market=market_symbol, panel=panel.name, placebos=args.placebos))
        study = eventstudy.load_study(folder / "study.yaml")
        rows = pl.scan_parquet(panel).select(pl.len()).collect().item() if panel.suffix == ".parquet" else None

        start = time.perf_counter()
        result = eventstudy.run(study, data_dir=data_dir, placebos=0)
        t_core = time.perf_counter() - start
        start = time.perf_counter()
        tested = eventstudy.run(study, data_dir=data_dir)
        t_full = time.perf_counter() - start
        rss_es = peak_rss_gb()
        print(f"universe study on {panel.name}{f' ({rows:,} rows)' if rows else ''}: {result.events.height} events")
        print(f"  eventstudy, events + returns + baseline:        {t_core:7.2f} s  {result.timings}")
        print(f"  eventstudy, plus {args.placebos:,} panel placebos + tests:   {t_full:7.2f} s  {tested.timings}")
        print(f"  peak RSS so far: {rss_es:.2f} GB")
        if args.skip_pandas:
            return
        start = time.perf_counter()
        events, returns = pandas_study(panel, market)
        t_pandas = time.perf_counter() - start
        got = {(r["symbol"], r["date"]) for r in result.events.iter_rows(named=True)}
        assert got == events, f"events differ: {len(got ^ events)} of {len(got | events)}"
        fwd = result.outcomes.filter((pl.col("measure") == "fwd") & pl.col("value").is_not_null())
        for r in fwd.iter_rows(named=True):
            assert abs(r["value"] - returns[(r["symbol"], r["date"], r["horizon_days"])]) < 1e-5
        print(f"  pandas (groupby/rolling/shift + a loop per symbol): {t_pandas:7.2f} s, no baseline, no tests")
        print(f"  ratio pandas / eventstudy (events + returns + baseline): {t_pandas / t_core:.1f}x; events and returns agree")
        print(f"  peak RSS of the process: {peak_rss_gb():.2f} GB")


if __name__ == "__main__":
    sys.exit(main())
