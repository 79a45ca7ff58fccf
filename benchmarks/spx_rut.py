"""Benchmark: the SPX/RUT study end to end, against a plain-Python version in the same process.

Prints wall times (best of N runs) for
  * eventstudy: load + features + condition + events + forward returns + baseline summary;
  * plain: the same study written as a notebook would without a framework (csv module,
    loops over days), which also serves as a cross-check: both must give the same events.

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
        if d >= dt.date(1980, 1, 1) and at_ath[d] and drawdown[d] >= 0.10:
            if not kept or d >= kept[-1] + dt.timedelta(days=21):
                kept.append(d)
    means = {}
    for name, (dates, closes) in series.items():
        index = {d: i for i, d in enumerate(dates)}
        for label, h in HORIZONS.items():
            values = [closes[index[d] + h] / closes[index[d]] - 1 for d in kept if index[d] + h < len(closes)]
            means[(name, label)] = sum(values) / len(values)
    return kept, means


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

    t_es, result = best_of(lambda: eventstudy.run(study, data_dir=data, placebos=0), args.repeat)
    t_full, _ = best_of(lambda: eventstudy.run(study, data_dir=data), max(1, args.repeat // 2))
    t_plain, (kept, means) = best_of(lambda: plain_study(data), args.repeat)

    assert result.events["date"].to_list() == kept, "eventstudy and the plain version disagree on the events"
    for row in result.summary.filter(measure="fwd").iter_rows(named=True):
        assert abs(row["mean"] - means[(row["asset"], row["horizon"])]) < 1e-12
    figures = {
        "events": len(kept),
        "eventstudy_s": round(t_es, 4),
        "plain_python_s": round(t_plain, 4),
        "speedup": round(t_plain / t_es, 2),
        "eventstudy_with_tests_s": round(t_full, 4),
        "note": "eventstudy also computes the all-days baseline, which the plain version does not",
    }
    print(f"SPX/RUT study, {len(kept)} events, best of {args.repeat}:")
    print(f"  eventstudy (load, features, condition, events, returns, baseline) {t_es * 1000:8.1f} ms")
    print(f"  plain Python (csv + loops, no baseline)                           {t_plain * 1000:8.1f} ms")
    print(f"  eventstudy with 10,000 placebos and every test (the default run)  {t_full * 1000:8.1f} ms")
    print(f"  ratio plain / eventstudy: {t_plain / t_es:.1f}x; results agree")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
