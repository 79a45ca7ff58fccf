"""Benchmark: the SPX/RUT study end to end, against pandas and plain Python in the same process.

Prints wall times (best of N runs) for
  * eventstudy: load + features + condition + events + forward returns + baseline summary,
    and the default run (the histories null and every test; also with the 10,000-placebo 'matched' null),
    each as the command line runs it (no event-time path: the command computes it only for
    charts), and the first once more with the path that ``eventstudy.run`` computes by default;
  * pandas: the same study as a notebook would write it (read_csv, cummax, shift, a merge,
    a loop to decluster), and its placebo test with B = 10,000: a loop drawing random
    declustered dates per placebo (the 'matched' null), numpy inside;
  * plain Python: csv module and loops over days.
All three must find the same events and the same mean returns.

Usage:  python benchmarks/spx_rut.py [--data-dir ../shared/data] [--repeat 5] [--json FILE]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import time
from pathlib import Path

import eventstudy

ROOT = Path(__file__).resolve().parents[1]
HORIZONS = {"1w": 5, "1m": 21, "3m": 63, "6m": 126, "1y": 252}


def plain_study(data: Path) -> tuple[list[dt.date], dict[tuple[str, str], float]]:
    """The study by hand: events (21 calendar-day gap after the last kept) and mean returns."""
    series = {}
    for name in ("SPX", "RUT"):
        with (data / f"{name}.csv").open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        series[name] = ([dt.date.fromisoformat(r["date"]) for r in rows], [float(r["close"]) for r in rows])
    spx_dates, spx = series["SPX"]
    rut_dates, rut = series["RUT"]
    at_ath, best = {}, None
    for d, c in zip(spx_dates, spx):
        at_ath[d] = best is not None and c >= best
        best = c if best is None else max(best, c)
    drawdown, best = {}, None
    for d, c in zip(rut_dates, rut):
        best = c if best is None else max(best, c)
        drawdown[d] = 1 - c / best
    kept: list[dt.date] = []
    for d in sorted(set(spx_dates) & set(rut_dates)):
        signal = d >= dt.date(1980, 1, 1) and at_ath[d] and drawdown[d] >= 0.10
        if signal and (not kept or d >= kept[-1] + dt.timedelta(days=21)):
            kept.append(d)
    means = {}
    for name, (dates, closes) in series.items():
        index = {d: i for i, d in enumerate(dates)}
        for label, h in HORIZONS.items():
            values = [closes[index[d] + h] / closes[index[d]] - 1 for d in kept if index[d] + h < len(closes)]
            means[(name, label)] = sum(values) / len(values)
    return kept, means


def pandas_study(data: Path, placebos: int = 0, seed: int = 7) -> tuple[list[dt.date], dict, dict]:
    """The study in pandas: events, mean returns, the all-days baseline and, with
    ``placebos``, two-sided placebo p-values of the means from random declustered dates."""
    import numpy as np
    import pandas as pd

    frames = {}
    for name in ("SPX", "RUT"):
        frame = pd.read_csv(data / f"{name}.csv", usecols=["date", "close"], parse_dates=["date"])
        for label, h in HORIZONS.items():  # on each series' own trading days
            frame[f"{name}_{label}"] = frame["close"].shift(-h) / frame["close"] - 1
        frames[name] = frame
    spx, rut = frames["SPX"], frames["RUT"]
    spx["at_ath"] = spx["close"] >= spx["close"].cummax().shift(1)
    rut["drawdown"] = 1 - rut["close"] / rut["close"].cummax()
    both = spx.drop(columns="close").merge(rut.drop(columns="close"), on="date", how="inner")
    window = both[both["date"] >= "1980-01-01"].reset_index(drop=True)
    hits = window.index[window["at_ath"] & (window["drawdown"] >= 0.10)]
    dates = window["date"].to_numpy()

    def declustered(rows: object) -> list[int]:  # 21 calendar days after the last kept
        kept: list[int] = []
        for row in rows:  # type: ignore[attr-defined]
            if not kept or dates[row] >= dates[kept[-1]] + np.timedelta64(21, "D"):
                kept.append(int(row))
        return kept

    kept = declustered(hits)
    columns = [f"{n}_{label}" for n in ("SPX", "RUT") for label in HORIZONS]
    values = window[columns].to_numpy()
    means = {(c.split("_")[0], c.split("_")[1]): float(np.nanmean(values[kept, i])) for i, c in enumerate(columns)}
    baseline = dict(zip(columns, np.nanmean(values, axis=0)))
    p_values = {}
    if placebos:
        rng = np.random.default_rng(seed)
        null = np.empty((placebos, len(columns)))
        n = len(kept)
        for b in range(placebos):  # random days, declustered like the events, n of them
            while True:
                candidates = declustered(np.unique(rng.integers(0, len(window), size=int(1.5 * n) + 8)))
                if len(candidates) >= n:
                    break
            days = np.sort(rng.choice(candidates, size=n, replace=False))
            null[b] = np.nanmean(values[days], axis=0)
        observed = np.array([means[(c.split("_")[0], c.split("_")[1])] for c in columns])
        centre = null.mean(axis=0)
        extreme = (np.abs(null - centre) >= np.abs(observed - centre)).sum(axis=0)
        p_values = dict(zip(columns, (1 + extreme) / (placebos + 1)))
    return [pd.Timestamp(dates[k]).date() for k in kept], means, {"baseline": baseline, "p": p_values}


def best_of(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    data = Path(args.data_dir)
    study = eventstudy.load_study(ROOT / "configs" / "spx_rut.yaml")

    import pandas  # noqa: F401  (imported before timing, as eventstudy is)

    t_es, result = best_of(lambda: eventstudy.run(study, data_dir=data, placebos=0, paths=False), args.repeat)
    t_paths, _ = best_of(lambda: eventstudy.run(study, data_dir=data, placebos=0), args.repeat)
    t_full, _ = best_of(lambda: eventstudy.run(study, data_dir=data, paths=False), max(1, args.repeat // 2))
    t_matched, matched = best_of(lambda: eventstudy.run(study, data_dir=data, null="matched", paths=False), max(1, args.repeat // 2))
    t_plain, (kept, means) = best_of(lambda: plain_study(data), args.repeat)
    t_pandas, (pd_kept, pd_means, _) = best_of(lambda: pandas_study(data), args.repeat)
    t_pandas_full, (_, _, pd_tests) = best_of(lambda: pandas_study(data, placebos=10_000), max(1, args.repeat // 2))

    assert result.events["date"].to_list() == kept == pd_kept, "eventstudy, pandas and plain Python disagree on the events"
    for row in result.summary.filter(measure="fwd").iter_rows(named=True):
        assert abs(row["mean"] - means[(row["asset"], row["horizon"])]) < 1e-12
        assert abs(row["mean"] - pd_means[(row["asset"], row["horizon"])]) < 1e-12
        assert abs(row["baseline_mean"] - pd_tests["baseline"][f"{row['asset']}_{row['horizon']}"]) < 1e-12
    mine = matched.tests.filter((matched.tests["measure"] == "fwd") & (matched.tests["statistic"] == "mean"))
    p_pairs = [(r["p_placebo"], pd_tests["p"][f"{r['asset']}_{r['horizon']}"]) for r in mine.iter_rows(named=True)]
    # two Monte Carlo estimates of one p from 10,000 placebos each: a difference over 0.03 is not noise
    assert all(abs(a - b) < 0.03 for a, b in p_pairs), f"the matched null's p-values disagree: {p_pairs}"
    figures = {
        "events": len(kept),
        "eventstudy_s": round(t_es, 4),
        "eventstudy_with_path_s": round(t_paths, 4),
        "pandas_s": round(t_pandas, 4),
        "plain_python_s": round(t_plain, 4),
        "eventstudy_with_tests_s": round(t_full, 4),
        "eventstudy_matched_null_s": round(t_matched, 4),
        "pandas_with_placebos_s": round(t_pandas_full, 4),
        "note": "eventstudy's runs also compute every test and interval; pandas' placebo loop tests the mean only",
    }
    print(f"SPX/RUT study, {len(kept)} events, best of {args.repeat}:")
    print(f"  eventstudy (load, features, condition, events, returns, baseline) {t_es * 1000:8.1f} ms")
    print(f"  the same and the charts' event-time path (eventstudy.run's default) {t_paths * 1000:6.1f} ms")
    print(f"  pandas (read_csv, cummax, shift, merge, a declustering loop)      {t_pandas * 1000:8.1f} ms")
    print(f"  plain Python (csv + loops, no baseline)                           {t_plain * 1000:8.1f} ms")
    print(f"  eventstudy, the default run (the histories null, every test)        {t_full * 1000:8.1f} ms")
    print(f"  eventstudy, the same with the 'matched' null                      {t_matched * 1000:8.1f} ms")
    print(f"  pandas + a 10,000-placebo loop ('matched' null, means only)       {t_pandas_full * 1000:8.1f} ms")
    print(f"  ratio pandas / eventstudy: {t_pandas / t_es:.1f}x without tests, {t_pandas_full / t_matched:.1f}x with them; "
          f"events, means and baselines agree")
    print("  p (matched null, mean) eventstudy vs pandas, within 0.03: " + ", ".join(f"{a:.3f}/{b:.3f}" for a, b in p_pairs))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
