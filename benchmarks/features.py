"""Benchmark: per-symbol windows in polars, `.over("symbol")` against one pass over the
whole symbol-sorted column with the rows whose window crosses a symbol boundary nulled.

Why a universe computes windows over the whole column (features with a finite
``lookback``: highs, lows, returns; forward returns): this prints both ways for a rolling
max (the 52-week high) and for four forward shifts, and checks each pair is equal; and
the 52-week high by doubling in numpy (what a universe's blocks use for highs and lows,
``eventstudy.features.rolling_extreme``) against polars' rolling max on the same column.
And ``sma(200)``, which runs per symbol, partitioned by the symbols' names (in their
row groups' chunks, as a block reads them, or copied into one) against their numbers
(what a universe's blocks partition by). And ``rsi(14)``, a recursive feature that must run per symbol: ``compute_features``
without positions (the whole expression ``.over("symbol")``) against with them (only
Wilder's seeds and averages per symbol, ``eventstudy.features._rsi_grouped``), on the
first 200 symbols (what a chunk of resampled histories or a few blocks hold). And on
the same rows, conditions with lags (``crosses``, ``ago``, ``for``) or trading-day
counts (``trading_day_of_month``) compiled ``.over("symbol")`` (every shift evaluates
what is below it symbol by symbol; the counts group by symbol and month) against with
each row's position (shifts over the whole column, each symbol's first rows nulled; the
counts from where each symbol's months start and end).

    python benchmarks/features.py [--shape 5000x10000]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import polars as pl

from eventstudy.conditions import compile_condition, parse, required_features, resolve
from eventstudy.conditions.compiler import GROUP_ROW
from eventstudy.features import column_name, compute_features, feature_key, rolling_extreme
from eventstudy.memory import keep_freed_memory


def timed(label: str, build: object, cpu: bool = False) -> pl.DataFrame:
    """``build()``, printing its wall seconds (``cpu``: and the process's CPU seconds, every thread's)."""
    start, clock = time.perf_counter(), time.process_time()
    out = build()  # type: ignore[operator]
    used = f", {time.process_time() - clock:6.2f} s of CPU" if cpu else ""
    print(f"  {label:<52} {time.perf_counter() - start:6.2f} s{used}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", default="5000x10000", help="symbols x days")
    args = parser.parse_args()
    n_symbols, n_days = (int(x) for x in args.shape.split("x"))
    rng = np.random.default_rng(0)
    close = (50 * np.exp(np.cumsum(rng.normal(0.0003, 0.015, size=(n_symbols, n_days)).astype(np.float32), axis=1))).reshape(-1)
    symbol = np.repeat(np.arange(n_symbols, dtype=np.int32), n_days)
    position = np.tile(np.arange(n_days, dtype=np.int32), n_symbols)  # row within its symbol
    frame = pl.DataFrame({"s": symbol, "close": close.astype(np.float64), "pos": position})
    c, pos = pl.col("close"), pl.col("pos")
    print(f"{n_symbols:,} symbols x {n_days:,} days = {frame.height:,} rows, sorted by symbol")

    over = timed("at 252-day high, .over('symbol')", lambda: frame.select((c >= c.shift(1).rolling_max(252)).over("s")))
    whole = timed("at 252-day high, whole column, boundary rows nulled", lambda: frame.select(pl.when(pos >= 252).then(c >= c.shift(1).rolling_max(252))))
    assert over.to_series().equals(whole.to_series()), "the two ways differ"
    # as a universe's blocks compute it: 500k rows at a time (freed memory kept, as the command runs)
    keep_freed_memory()
    closes, block = frame["close"].to_numpy(), 500_000
    ranges = [(lo, min(lo + block, closes.size)) for lo in range(0, closes.size, block)]
    by_polars = timed(
        "at 252-day high, 500k-row blocks, polars", lambda: [pl.Series(closes[a:b]).shift(1).rolling_max(252).to_numpy() for a, b in ranges]
    )
    by_doubling = timed("at 252-day high, 500k-row blocks, numpy doubling", lambda: [rolling_extreme(closes[a:b], True, False, 252) for a, b in ranges])
    for p, d in zip(by_polars, by_doubling, strict=True):
        assert np.array_equal(p[252:], np.concatenate([[np.nan], d[:-1]])[252:]), "the two ways differ"

    # sma(200), which runs per symbol, as a universe's blocks compute it: partitioned by the symbols'
    # names, in one chunk per 200k-row row group as a block reads them or copied into one chunk, or by
    # each row's symbol number (eventstudy.features._GROUP); the same groups, so the same values
    names = pl.Series(symbol).cast(pl.String).str.zfill(6)
    as_read = [pl.concat([names[k : min(k + 200_000, b)] for k in range(a, b, 200_000)], rechunk=False) for a, b in ranges]
    parts = [  # with_columns keeps the names' chunks (a frame built from them would copy them into one)
        pl.DataFrame({"s": symbol[a:b], "close": closes[a:b]}).with_columns(n.alias("symbol").set_sorted(), pl.col("s").set_sorted())
        for n, (a, b) in zip(as_read, ranges)
    ]
    assert parts[0]["symbol"].n_chunks() > 1, "the names as read: in chunks"
    sma = c.rolling_mean(200)
    by_chunks = timed("sma(200), 500k-row blocks, .over(names as read)", lambda: [p.select(sma.over("symbol")) for p in parts], cpu=True)
    by_name = timed("sma(200), 500k-row blocks, .over(names in one chunk)", lambda: [p.with_columns(p["symbol"].rechunk()).select(sma.over("symbol")) for p in parts], cpu=True)
    by_number = timed("sma(200), 500k-row blocks, .over(symbol numbers)", lambda: [p.select(sma.over("s")) for p in parts], cpu=True)
    assert all(x.equals(y) and x.equals(z) for x, y, z in zip(by_chunks, by_name, by_number, strict=True)), "the ways differ"

    horizons = (5, 21, 63, 126)
    over = timed("4 forward returns, .over('symbol')", lambda: frame.select([(c.shift(-h) / c - 1).over("s").alias(f"h{h}") for h in horizons]))
    whole = timed(
        "4 forward returns, whole column, boundary rows nulled",
        lambda: frame.select([pl.when(pos < n_days - h).then(c.shift(-h) / c - 1).alias(f"h{h}") for h in horizons]),
    )
    assert over.equals(whole), "the two ways differ"

    few = min(n_symbols, 200) * n_days
    prices = pl.DataFrame({"date": pl.Series(position[:few]).cast(pl.Date), "symbol": symbol[:few], "close": closes[:few]})
    print(f"rsi(14) on the first {few:,} rows")
    over = timed("rsi(14), .over('symbol')", lambda: compute_features(prices, [("rsi", (14,))]))
    grouped = timed("rsi(14), seeds and averages per symbol", lambda: compute_features(prices, [("rsi", (14,))], position=position[:few]))
    assert over.equals(grouped), "the two ways differ"

    conditions = [
        "A sma(50) crosses above A sma(200)",
        "A return(1) > 0 and (A return(1) < 0 for 5 days) 1 day ago",
        "A rsi(14) crosses above 30 and (A rsi(14) < 30 for 5 days) 1 day ago",
        "trading_day_of_month <= 3",
        "trading_days_left_in_month == 0 and A return(1) > 0",
    ]
    nodes = [resolve(parse(text), ["A"]) for text in conditions]
    wanted = list(dict.fromkeys((r.name, tuple(r.args)) for node in nodes for r in required_features(node)))
    found = compute_features(prices, wanted, position=position[:few])
    rows = pl.DataFrame([found["symbol"], found["date"], *(found[feature_key(*w)].alias(column_name("A", *w)) for w in wanted)]).with_columns(
        pl.Series(GROUP_ROW, position[:few])
    )
    for text, node in zip(conditions, nodes, strict=True):
        print(text)
        over = timed("  .over('symbol')", lambda node=node: rows.select(compile_condition(node, over="symbol")))
        whole = timed("  with each row's position", lambda node=node: rows.select(compile_condition(node, over="symbol", position=GROUP_ROW)))
        assert over.equals(whole), "the two ways differ"
    print("  both ways agree")


if __name__ == "__main__":
    sys.exit(main())
