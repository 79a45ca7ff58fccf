"""Calibration of every test on real SPX history and on a simulated random walk.

Runs :func:`eventstudy.inference.calibrate` on the SPX/RUT study (1980-2024, asset SPX,
every horizon): pseudo-studies of n random days under the study's 21-calendar-day
declustering (``pseudo=matched``), and pseudo-studies that are the real events shifted
circularly (``pseudo=circular``: clustered like the real events). Then the same on a
Gaussian random walk with the real calendar, where no test has a reason to fail. Prints
rejection rates at 1/5/10% and the power for planted effects, and the run time.

    python benchmarks/calibrate.py [--studies 1000] [--placebos 2000] [--data-dir ../shared/data]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

import eventstudy
from eventstudy.inference import InferenceSettings, calibrate

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "spx_rut.yaml"


def random_walk(data_dir: Path, out: Path, seed: int = 11) -> None:
    """SPX and RUT as correlated geometric random walks on the real calendars (no memory)."""
    rng = np.random.default_rng(seed)
    for symbol, vol in (("SPX", 0.011), ("RUT", 0.013)):
        dates = pl.read_csv(data_dir / f"{symbol}.csv", try_parse_dates=True).get_column("date")
        steps = rng.normal(0.0003, vol, dates.len())
        steps[0] = 0.0
        close = 100 * np.exp(np.cumsum(steps))
        pl.DataFrame({"date": dates, "close": close}).write_csv(out / f"{symbol}.csv")


def show(title: str, table: pl.DataFrame) -> None:
    print(f"\n## {title}")
    size = table.filter(pl.col("effect") == 0.0).pivot(on="horizon", index="test", values="reject_5pct")
    print("rejection rate at alpha = 5% (no effect), by horizon:")
    print(size)
    print("rejection rate at alpha = 1% / 5% / 10% (no effect):")
    print(
        table.filter(pl.col("effect") == 0.0)
        .select("horizon", "test", "reject_1pct", "reject_5pct", "reject_10pct")
        .pivot(on="horizon", index="test", values=["reject_1pct", "reject_10pct"])
    )
    if table.get_column("effect").n_unique() > 1:
        print("power at alpha = 5% for planted effects (3m):")
        print(table.filter(pl.col("horizon") == "3m").pivot(on="effect", index="test", values="reject_5pct"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--studies", type=int, default=1000)
    parser.add_argument("--placebos", type=int, default=2000)
    args = parser.parse_args()
    pl.Config.set_tbl_rows(100)
    pl.Config.set_tbl_cols(20)
    pl.Config.set_tbl_width_chars(200)
    settings = InferenceSettings(seed=7)
    common = dict(studies=args.studies, placebos=args.placebos, horizon=None, asset="SPX")

    real = eventstudy.run(CONFIG, data_dir=args.data_dir, end="2024-12-31")
    start = time.perf_counter()
    table = calibrate(real, settings, **common)
    elapsed = time.perf_counter() - start
    show(f"SPX (SPX/RUT study 1980-2024), matched pseudo-events, {args.studies} studies x B={args.placebos}: {elapsed:.1f} s", table)

    start = time.perf_counter()
    table = calibrate(real, settings, effects=(0.0,), pseudo="circular", **common)
    show(f"SPX, pseudo-events = the real events circularly shifted (clustered): {time.perf_counter() - start:.1f} s", table)

    with tempfile.TemporaryDirectory() as tmp:
        random_walk(Path(args.data_dir), Path(tmp))
        walk = eventstudy.run(CONFIG, data_dir=tmp, end="2024-12-31")
        start = time.perf_counter()
        table = calibrate(walk, settings, nobs=real.outcomes.height // 10, **common)
        show(f"Random walk (same calendar), matched pseudo-events: {time.perf_counter() - start:.1f} s", table)


if __name__ == "__main__":
    main()
