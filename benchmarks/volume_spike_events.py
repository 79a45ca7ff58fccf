"""Build the worked event study's events from the data itself: each stock's largest
one-day volume spikes.

For every stock of the long panel (``date, symbol, ..., volume``), the spike ratio of a
day is its volume over the average volume of the 50 trading days before it. A stock's
events are its two largest spikes at least 63 trading days apart (the second is the
largest spike a quarter or more from the first), among days with a ratio of at least 3 and
at least 250 trading days of history before them (so the estimation window has data).
Writes ``symbol, date, ratio`` sorted by date then symbol: the events file of
``configs/sp500_volume_spikes.yaml``. Deterministic: the same panel gives the same file.

    python benchmarks/volume_spike_events.py [--panel ../shared/data/panel_sp500_stocks.csv]
                                              [--out configs/sp500_volume_spikes.csv]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import polars as pl

LOOKBACK = 50
MIN_RATIO = 3.0
MIN_HISTORY = 250
APART = 63


def volume_spikes(panel: pl.DataFrame, per_stock: int = 2) -> pl.DataFrame:
    """Each stock's ``per_stock`` largest volume spikes at least :data:`APART` days apart."""
    days = (
        panel.sort("symbol", "date")
        .with_columns(
            pl.int_range(pl.len()).over("symbol").alias("position"),
            (pl.col("volume") / pl.col("volume").shift(1).rolling_mean(LOOKBACK).over("symbol")).alias("ratio"),
        )
        .filter((pl.col("position") >= MIN_HISTORY) & (pl.col("ratio") >= MIN_RATIO))
    )
    chosen = days.head(0).select("symbol", "date", "ratio", "position")
    remaining = days
    for _ in range(per_stock):
        best = remaining.sort(["ratio", "date"], descending=[True, False]).group_by("symbol", maintain_order=True).first()
        chosen = pl.concat([chosen, best.select(chosen.columns)])
        near = remaining.join(best.select("symbol", pl.col("position").alias("taken")), on="symbol")
        remaining = near.filter((pl.col("position") - pl.col("taken")).abs() >= APART).drop("taken")
    return chosen.select("symbol", "date", pl.col("ratio").round(2)).sort("date", "symbol")


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--panel", default=str(root.parent / "shared" / "data" / "panel_sp500_stocks.csv"))
    parser.add_argument("--out", default=str(root / "configs" / "sp500_volume_spikes.csv"))
    parser.add_argument("--per-stock", type=int, default=2)
    args = parser.parse_args()
    panel = pl.read_csv(args.panel, columns=["date", "symbol", "volume"], try_parse_dates=True)
    events = volume_spikes(panel, args.per_stock)
    events.write_csv(args.out, date_format="%Y-%m-%d")
    print(f"{events.height} events in {events['symbol'].n_unique()} stocks, {events['date'].min()} .. {events['date'].max()} -> {args.out}")


if __name__ == "__main__":
    main()
