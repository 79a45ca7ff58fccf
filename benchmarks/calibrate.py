"""Calibration of every test: on histories with price-chosen events, and on real SPX history.

``--prices garch|bootstrap`` (the calibration that matters for rules on prices): studies
whose conditions are made of the prices they are tested on (ATH, drawdown, RSI, a
two-series conjunction) run on simulated histories where nothing predicts returns, with
every test from the real pipeline (:func:`eventstudy.calibrate.calibrate_rules`):
GARCH(1,1)-t series with a known drift, or joint stationary-bootstrap reshuffles of real
SPX and RUT. Prints rejection rates at 5% with Wilson intervals per test, statistic and
horizon, the coverage of the event mean's interval, and size-adjusted power for planted
effects at 3m; ``--csv`` keeps every replication's p-values.

    python benchmarks/calibrate.py --prices garch [--replications 400] [--histories 200] [--block-length L]

Without ``--prices``: the first round's calibration with pseudo-events that do not
depend on prices:

Runs :func:`eventstudy.inference.calibrate` on the SPX/RUT study (1980-2024, asset SPX,
every horizon) in two settings:

* ``random``: pseudo-studies of n random days under the study's 21-calendar-day
  declustering (``pseudo='matched'``);
* ``runs``: pseudo-studies that come in the real events' runs: the real event calendar
  shifted by a random offset (``pseudo='circular'``: the real runs at the real distances
  between runs); with ``--runs-placed`` also the real runs placed at random dates
  (``pseudo='runs'``).

Then the same on a Gaussian random walk with the real calendar (pseudo-events copy the
real study's events), where no test has a reason to fail but overlap.

One price path gives 1,000 pseudo-studies but not 1,000 independent ones: shifted
calendars overlap, and every study is measured against the same path, so a null whose
width is off *on this path* by 10% moves all of them together (at 1y the 45 years hold
fewer than 50 disjoint years). ``--paths P`` therefore repeats both settings over ``P``
independent paths (``studies / P`` pseudo-studies each, rates averaged): fresh random
walks, and SPX-like paths resampled from SPX's 1980-2024 daily returns by a stationary
bootstrap (mean block 252 days: fat tails and volatility clustering kept).

``--exact-paths P`` measures the shifted setting exactly instead: every valid shift of
the real calendar is a pseudo-study, on SPX and on ``P`` walks and ``P`` bootstrap
paths, with one null bank per null (neither null depends on the path or the shift).

Prints, for the three placebo nulls side by side (``matched`` = placebo_mean,
``circular``, ``runs``) and every other test, the rejection rates at 1/5/10% and the
power for planted effects at 3m, and the run time. ``--sensitivity`` adds the runs null
at other run thresholds.

    python benchmarks/calibrate.py [--studies 1000] [--placebos 2000] [--data-dir ../shared/data]
                                   [--paths 200] [--exact-paths 300] [--csv FILE] [--runs-placed] [--sensitivity]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

import eventstudy
from eventstudy.inference import InferenceSettings, calibrate, event_design
from eventstudy.inference.samplers import CircularSampler, MatchedSampler, RunsSampler

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "spx_rut.yaml"
NULLS = {"placebo_mean": "matched", "circular_mean": "circular", "runs_mean": "runs"}
HORIZONS = ["1w", "1m", "3m", "6m", "1y"]


def walk_close(n: int, rng: np.random.Generator, vol: float = 0.011) -> np.ndarray:
    """A geometric Gaussian random walk of ``n`` closes (drift 0.03% a day)."""
    steps = rng.normal(0.0003, vol, n)
    steps[0] = 0.0
    return 100 * np.exp(np.cumsum(steps))


def bootstrap_close(log_close: np.ndarray, years: np.ndarray, rng: np.random.Generator, block: float = 252.0) -> np.ndarray:
    """Closes from a stationary bootstrap (mean block ``block`` days) of the 1980-2024 daily log returns."""
    source = np.diff(log_close)[(years[1:] >= 1980) & (years[1:] <= 2024)]
    n = log_close.size - 1
    new_block = rng.random(n) < 1 / block
    new_block[0] = True
    first = np.flatnonzero(new_block)
    block_id = np.cumsum(new_block) - 1
    start = rng.integers(0, source.size, first.size)
    index = (start[block_id] + np.arange(n) - first[block_id]) % source.size  # circular within the source
    return 100 * np.exp(np.concatenate(([0.0], np.cumsum(source[index]))))


def random_walk(data_dir: Path, out: Path, seed: int = 11) -> None:
    """SPX and RUT as independent geometric random walks on the real calendars (no memory)."""
    rng = np.random.default_rng(seed)
    for symbol, vol in (("SPX", 0.011), ("RUT", 0.013)):
        dates = pl.read_csv(data_dir / f"{symbol}.csv", try_parse_dates=True).get_column("date")
        pl.DataFrame({"date": dates, "close": walk_close(dates.len(), rng, vol)}).write_csv(out / f"{symbol}.csv")


def spx_bootstrap(data_dir: Path, out: Path, seed: int) -> None:
    """SPX resampled from its own 1980-2024 daily returns (stationary bootstrap); RUT kept as is."""
    spx = pl.read_csv(data_dir / "SPX.csv", try_parse_dates=True)
    close = bootstrap_close(np.log(spx.get_column("close").to_numpy()), spx.get_column("date").dt.year().to_numpy(), np.random.default_rng(seed))
    pl.DataFrame({"date": spx.get_column("date"), "close": close}).write_csv(out / "SPX.csv")
    (out / "RUT.csv").write_bytes((data_dir / "RUT.csv").read_bytes())


def shifted_exact(real: eventstudy.StudyResult, data_dir: Path, paths: int, reps: int, seed: int) -> pl.DataFrame:
    """Every valid circular shift of the real calendar as a pseudo-study, on SPX and on many paths.

    The exact version of the ``runs (real calendar shifted)`` setting: the matched and
    runs nulls of a shifted calendar depend on neither the path nor the shift (the runs
    are the same; the ~5% of shifts whose wrap splits a run are treated as unsplit), so
    one bank of ``reps`` sets per null serves every shift of every path. Per path, the
    rejection rate over all shifts is exact; averaged over paths it is the level of the
    test, and its spread across paths shows how far one path (SPX's) can sit from it.
    Forward returns are computed from SPX closes on SPX's own trading days (DESIGN.md).
    """
    design = event_design(real)
    events, frame = design.events, design.frame(0)
    longest = int(design.cells.get_column("horizon_days").max())
    spx = pl.read_csv(data_dir / "SPX.csv", try_parse_dates=True)
    spx_dates = spx.get_column("date").to_numpy().astype("datetime64[D]")
    pos = np.searchsorted(spx_dates, design.calendar.dates)
    circular = CircularSampler(design.calendar, frame, events.size, mode=design.mode, events=events)
    valid = circular.valid_offsets()
    ranks = np.searchsorted(circular.frame_days, events)
    shifted = circular.frame_days[(ranks[None, :] + valid[:, None]) % circular.frame_days.size]
    rng = np.random.default_rng(seed)
    banks = {
        "matched": MatchedSampler(design.calendar, frame, events.size, mode=design.mode, seed=rng).draw(reps),
        "runs": RunsSampler(design.calendar, frame, events.size, mode=design.mode, events=events, horizon=longest, seed=rng).draw(reps),
    }
    log_close = np.log(spx.get_column("close").to_numpy())
    years = spx.get_column("date").dt.year().to_numpy()
    sources = {
        "SPX (the one real path)": [np.exp(log_close)],
        f"random walk ({paths} paths)": (walk_close(log_close.size, rng) for _ in range(paths)),
        f"SPX bootstrap ({paths} paths)": (bootstrap_close(log_close, years, rng) for _ in range(paths)),
    }
    horizons = design.cells.filter(asset="SPX").select("horizon", "horizon_days").rows()
    rows = []
    for data, closes in sources.items():
        rates = {(null, h): [] for null in banks for h, _ in horizons}
        width = {(null, h): [] for null in banks for h, _ in horizons}
        for close in closes:
            for label, h in horizons:
                values = close[np.minimum(pos + h, close.size - 1)] / close[pos] - 1
                observed = values[shifted].mean(axis=1)
                for null, bank in banks.items():
                    means = values[bank].mean(axis=1)
                    p = _two_sided_p(observed, means)
                    rates[null, label].append([np.mean(p <= a) for a in (0.01, 0.05, 0.10)])
                    width[null, label].append(means.std() / observed.std())
        for (null, label), r in rates.items():
            r = np.array(r)
            rows.append(
                {
                    "data": data, "null": null, "horizon": label, "shifts": valid.size, "paths": r.shape[0],
                    "reject_1pct": r[:, 0].mean(), "reject_5pct": r[:, 1].mean(), "reject_10pct": r[:, 2].mean(),
                    "se_5pct": r[:, 1].std(ddof=1) / np.sqrt(r.shape[0]) if r.shape[0] > 1 else None,
                    "path_sd_5pct": r[:, 1].std(ddof=1) if r.shape[0] > 1 else None,
                    "width_ratio": float(np.mean(width[null, label])),
                }
            )
    return pl.DataFrame(rows)


def _two_sided_p(observed: np.ndarray, null: np.ndarray) -> np.ndarray:
    """Two-sided Monte Carlo p of many observed values against one null sample (as the placebo test)."""
    centre = null.mean()
    dev = np.sort(np.abs(null - centre))
    count = dev.size - np.searchsorted(dev, np.abs(observed - centre) * (1 - 1e-12), side="left")
    return (1 + count) / (dev.size + 1)


def many_paths(make_path, data_dir: Path, paths: int, settings_run, real_events: pl.Series, args) -> pl.DataFrame:
    """Both settings over ``paths`` independent price paths, rejection rates averaged."""
    per_path = max(1, args.studies // paths)
    tables = []
    for p in range(paths):
        with tempfile.TemporaryDirectory() as tmp:
            make_path(data_dir, Path(tmp), seed=10_000 + p)
            result = eventstudy.run(CONFIG, data_dir=tmp, end="2024-12-31")
            for setting, pseudo in settings_run:
                table = calibrate(
                    result, InferenceSettings(seed=p), studies=per_path, placebos=args.placebos, horizon=None, asset="SPX",
                    run_gap=args.run_gap, nobs=real_events.len(), pseudo=pseudo, events=real_events,
                )
                tables.append(table.with_columns(setting=pl.lit(setting)))
    keys = ["asset", "horizon", "horizon_days", "nobs", "pseudo", "effect", "test", "setting", "placebos"]
    return (
        pl.concat(tables)
        .group_by(keys, maintain_order=True)
        .agg(pl.col("reject_1pct", "reject_5pct", "reject_10pct").mean(), pl.col("studies").sum())
    )


def show(title: str, table: pl.DataFrame) -> None:
    print(f"\n## {title}")
    size = table.filter(pl.col("effect") == 0.0)
    print("rejection rate at alpha = 5% (no effect), by horizon:")
    print(size.pivot(on="horizon", index="test", values="reject_5pct"))
    print("rejection rate at alpha = 1% and 10% (no effect), by horizon:")
    print(size.pivot(on="horizon", index="test", values=["reject_1pct", "reject_10pct"]))
    if table.get_column("effect").n_unique() > 1:
        print("power at alpha = 5% for planted effects (3m):")
        print(table.filter(pl.col("horizon") == "3m").pivot(on="effect", index="test", values="reject_5pct"))


def headline(tables: pl.DataFrame) -> None:
    """The three placebo nulls side by side: every data set, setting and horizon."""
    nulls = tables.filter(pl.col("test").is_in(list(NULLS)), pl.col("effect") == 0.0).with_columns(
        null=pl.col("test").replace_strict(NULLS)
    )
    print("\n## The three placebo nulls side by side: rejection rate at 1% / 5% / 10% (no effect)")
    cells = nulls.with_columns(
        rate=pl.format(
            "{} / {} / {}",
            *(pl.col(f"reject_{a}pct").mul(100).round(1).cast(pl.String) for a in (1, 5, 10)),
        )
    )
    print(cells.pivot(on="horizon", index=["data", "setting", "null"], values="rate").sort("data", "setting", "null"))
    print("\n## Power at alpha = 5%, 3m, planted effects")
    power = tables.filter(pl.col("test").is_in(list(NULLS)), pl.col("horizon") == "3m").with_columns(
        null=pl.col("test").replace_strict(NULLS)
    )
    print(power.pivot(on="effect", index=["data", "setting", "null"], values="reject_5pct").sort("data", "setting", "null"))


def prices_calibration(args: argparse.Namespace) -> None:
    """The calibration with price-chosen events (module docstring)."""
    from eventstudy.calibrate import calibrate_rules, real_closes, summarize_rules
    from eventstudy.report.calibration import render_rule_calibration

    closes = real_closes(None, args.data_dir) if args.prices == "bootstrap" else None
    start = time.perf_counter()
    results, info = calibrate_rules(
        args.prices, replications=args.replications, histories=args.histories, n_days=args.days,
        block_length=args.block_length, seed=args.seed, real_closes=closes,
    )
    print(render_rule_calibration(summarize_rules(results), info, verbose=True))
    print(f"{time.perf_counter() - start:.0f} s")
    if args.csv:
        results.drop("t_null").write_csv(args.csv)
        results.write_parquet(Path(args.csv).with_suffix(".parquet"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--studies", type=int, default=1000)
    parser.add_argument("--placebos", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--run-gap", type=int, default=None, help="run threshold of the runs null (default: the sampler's)")
    parser.add_argument("--runs-placed", action="store_true", help="also pseudo-events = the real runs placed at random")
    parser.add_argument("--sensitivity", action="store_true", help="also the runs null at run_gap 21, 30, 63, 126, 252")
    parser.add_argument("--paths", type=int, default=0, help="also over this many independent paths (walks, SPX bootstrap)")
    parser.add_argument("--exact-paths", type=int, default=0, help="also every shift of the real calendar on this many paths")
    parser.add_argument("--csv", help="write every rejection rate (with --prices: every p-value) to this CSV file")
    parser.add_argument("--prices", choices=["garch", "bootstrap"], help="calibrate on histories with price-chosen events")
    parser.add_argument("--replications", type=int, default=400, help="--prices: simulated histories")
    parser.add_argument("--histories", type=int, default=200, help="--prices: resampled histories per test")
    parser.add_argument("--block-length", type=float, default=None, help="--prices: the histories null's block length")
    parser.add_argument("--days", type=int, default=12_000, help="--prices: days per simulated history")
    args = parser.parse_args()
    if args.prices:
        prices_calibration(args)
        return
    pl.Config.set_tbl_rows(200)
    pl.Config.set_tbl_cols(20)
    pl.Config.set_tbl_width_chars(250)
    pl.Config.set_fmt_str_lengths(40)
    settings = InferenceSettings(seed=args.seed)
    common = dict(studies=args.studies, placebos=args.placebos, horizon=None, asset="SPX", run_gap=args.run_gap)
    settings_run = [("random", "matched"), ("runs (real calendar shifted)", "circular")]
    if args.runs_placed:
        settings_run.append(("runs (real runs placed at random)", "runs"))
    tables: list[pl.DataFrame] = []

    real = eventstudy.run(CONFIG, data_dir=args.data_dir, end="2024-12-31")
    real_events = real.raw_events.filter(pl.col("kept")).get_column("date")
    n = real_events.len()
    with tempfile.TemporaryDirectory() as tmp:
        random_walk(Path(args.data_dir), Path(tmp))
        walk = eventstudy.run(CONFIG, data_dir=tmp, end="2024-12-31")
        for data, result in (("SPX", real), ("random walk", walk)):
            for setting, pseudo in settings_run:
                start = time.perf_counter()
                table = calibrate(result, settings, nobs=n, pseudo=pseudo, events=real_events, **common)  # type: ignore[arg-type]
                elapsed = time.perf_counter() - start
                show(f"{data}, pseudo-events: {setting}; {args.studies} studies x B={args.placebos}: {elapsed:.1f} s", table)
                tables.append(table.with_columns(data=pl.lit(data), setting=pl.lit(setting), run_gap=pl.lit(args.run_gap)))
    for data, make_path in (("random walk, many paths", random_walk), ("SPX bootstrap, many paths", spx_bootstrap)):
        if args.paths < 1:
            break
        start = time.perf_counter()
        table = many_paths(make_path, Path(args.data_dir), args.paths, settings_run, real_events, args)
        for setting, _ in settings_run:
            show(f"{data} ({args.paths}), pseudo-events: {setting}: {time.perf_counter() - start:.1f} s", table.filter(setting=setting))
        tables.append(table.with_columns(data=pl.lit(f"{data} ({args.paths})"), run_gap=pl.lit(args.run_gap)))
    everything = pl.concat(tables, how="diagonal_relaxed")
    headline(everything)

    if args.sensitivity:
        print("\n## Sensitivity of the runs null to its run threshold (SPX, rejection at 5%, no effect)")
        rows = []
        for gap in (21, 30, 63, 126, 252):
            for setting, pseudo in settings_run[:2]:
                table = calibrate(
                    real, settings, effects=(0.0,), nobs=n, pseudo=pseudo, events=real_events, circular=False,
                    **{**common, "run_gap": gap},  # type: ignore[arg-type]
                )
                rows.append(table.filter(test="runs_mean").with_columns(setting=pl.lit(setting), run_gap=pl.lit(gap)))
        sens = pl.concat(rows)
        print(sens.pivot(on="horizon", index=["setting", "run_gap"], values="reject_5pct").sort("setting", "run_gap"))
        everything = pl.concat([everything, sens.with_columns(data=pl.lit("SPX"))], how="diagonal_relaxed")
    if args.exact_paths > 0:
        start = time.perf_counter()
        exact = shifted_exact(real, Path(args.data_dir), args.exact_paths, reps=20_000, seed=args.seed)
        print(
            f"\n## Every shift of the real calendar, exact per path (B = 20,000 per null): {time.perf_counter() - start:.1f} s"
            "\n(width_ratio: sd of the null's mean / sd of the mean over all shifts; path_sd_5pct: spread of one path's rate)"
        )
        shown = exact.with_columns(
            rate=pl.format(
                "{} / {} / {} (±{})",
                *(pl.col(f"reject_{a}pct").mul(100).round(1).cast(pl.String) for a in (1, 5, 10)),
                pl.col("se_5pct").mul(100).round(1).cast(pl.String).fill_null("-"),
            )
        )
        for values in ("rate", "width_ratio", "path_sd_5pct"):
            print(f"{values}:")
            print(shown.pivot(on="horizon", index=["data", "null"], values=values).sort("data", "null"))
        if args.csv:
            exact.write_csv(Path(args.csv).with_suffix(".exact.csv"))
    if args.csv:
        everything.write_csv(args.csv)


if __name__ == "__main__":
    main()
