"""Calibration of a universe study's tests: how often they reject when nothing is there.

Each replication generates a panel where no stock predicts its own future (every null
hypothesis is true): independent random walks, or with ``--factor SHARE`` GARCH-t stocks
driven by a common market factor (daily pairwise correlation about SHARE;
:func:`eventstudy.inference.simulate.factor_panel`), the case where a good day lifts
many stocks at once. It runs a universe study on it through eventstudy and records the
p-values of the mean: the 'dates' placebo, the 'symbols' placebo, the t-test with
Driscoll-Kraay errors, and the calendar-time portfolio test; with ``--histories N`` also
the histories null (the rule re-run on N resampled universes), and how often its
interval of the event mean covers the truth (every stock's expected h-day return is
known: ``(1 + mu) ** h - 1`` for the factor panels, ``exp(h (m + s^2 / 2)) - 1`` for the
random walks). A calibrated test rejects at
the 5% level in about 5% of replications (with 200 replications, 2-8% is within sampling
noise).

    python benchmarks/calibrate_universe.py [--reps 200] [--gap 21] [--symbols 200] [--days 2000] [--factor 0.25] [--histories 99]
    python benchmarks/calibrate_universe.py --sweep [--factor 0.25]   # a grid of gaps, snooping control

(`eventstudy calibrate --simulate universe` runs the same panels without the histories
null and the sweep: :mod:`eventstudy.universe_calibration`.)

Prints, per horizon, the rejection rates at 5% (with Wilson 95% intervals) and 10%, the
standard deviation of the 'dates' null's z-score (1 if the null's spread matches the
statistic's), and how often the headline interval of the event mean covers the truth. With
``--sweep`` each replication is instead a sweep over the gap (21, 42, 63 days; 1w and 1m):
the rates at which White's Reality Check and Hansen's SPA reject at 5%, beside the rate
at which the best cell's raw p-value is below 5% (what picking the best would report).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

import eventstudy
from eventstudy.config import parse_study
from eventstudy.inference.intervals import wilson_interval
from eventstudy.universe_calibration import STUDY, simulated_panel
from eventstudy.universe_calibration import true_mean as universe_true_mean


def panel(folder: Path, args: argparse.Namespace, rng: np.random.Generator) -> None:
    simulated_panel(folder, args.symbols, args.days, rng, args.factor or 0.0, garch(args))


def garch(args: argparse.Namespace) -> tuple[float, float]:
    alpha, beta = (float(x) for x in args.garch.split(","))
    return alpha, beta


def kind(args: argparse.Namespace) -> str:
    if not args.factor:
        return "independent random walks"
    alpha, beta = garch(args)
    return f"GARCH({alpha:g}, {beta:g})-t stocks with a common factor ({args.factor:.0%} of the variance)"


def true_mean(horizon_days: int, factor: float | None) -> float:
    """Every stock's expected simple return over ``horizon_days`` (whatever happened before)."""
    return universe_true_mean(horizon_days, factor or 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--gap", default="21")
    parser.add_argument("--symbols", type=int, default=200)
    parser.add_argument("--days", type=int, default=2000)
    parser.add_argument("--placebos", type=int, default=500)
    parser.add_argument("--sweep", action="store_true", help="calibrate a sweep's snooping control instead")
    parser.add_argument("--factor", type=float, help="a common market factor with this share of each stock's variance")
    parser.add_argument("--histories", type=int, help="also the histories null, with this many resampled universes")
    parser.add_argument("--block-length", type=float, help="the histories' mean block length (default: the null's own choice)")
    parser.add_argument("--garch", default="0.08,0.90", help="the factor panels' GARCH(1,1) alpha,beta (default 0.08,0.90)")
    args = parser.parse_args()
    if args.sweep:
        sweep_calibration(args)
        return
    rng = np.random.default_rng(2026)
    rows = []
    started = time.perf_counter()
    events = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for rep in range(args.reps):
            panel(folder, args, rng)
            text = STUDY.format(gap=args.gap, placebos=args.placebos, seed=rep, horizons="1w, 1m, 3m, 6m")
            study = parse_study(text, path=folder / "study.yaml")
            result = eventstudy.run(study, data_dir=folder)
            events.append(result.events.height)
            tests = result.tests.filter(pl.col("statistic") == "mean")
            histories = {}
            if args.histories:
                found = eventstudy.run(study, data_dir=folder, null="histories", histories=args.histories, block_length=args.block_length)
                histories = {r["horizon_days"]: r for r in found.tests.filter(pl.col("statistic") == "mean").iter_rows(named=True)}
            for r in tests.iter_rows(named=True):
                z = (r["percentile"] or 50.0)
                h = histories.get(r["horizon_days"], {})
                truth = true_mean(r["horizon_days"], args.factor)
                rows.append({
                    "horizon_days": r["horizon_days"], "horizon": r["horizon"], "dates": r["p_placebo"], "symbols": r["p_symbols_null"],
                    "cluster_t": r["p_cluster"], "calendar": r["p_calendar"], "percentile": z,
                    "histories": h.get("p_placebo"),
                    "headline_covers": None if r["ci_low"] is None else bool(r["ci_low"] <= truth <= r["ci_high"]),
                    "covered": None if h.get("ci_low") is None else bool(h["ci_low"] <= truth <= h["ci_high"]),
                })
    frame = pl.DataFrame(rows)
    print(
        f"{args.reps} panels of {args.symbols} {kind(args)} x {args.days} days, 'close at 52-week high', "
        f"gap {args.gap}, {np.mean(events):,.0f} events per panel on average, {args.placebos} placebos "
        f"({time.perf_counter() - started:.0f} s)"
    )
    extra = f" {'histories 5%':>16} {'its interval covers':>20}" if args.histories else ""
    print(
        f"{'horizon':>8} {'dates 5%':>16} {'dates 10%':>10} {'symbols 5%':>11} {'D-K t 5%':>9} {'calendar 5%':>16} "
        f"{'sd of dates z':>14} {'interval covers':>16}{extra}"
    )
    from scipy import stats

    for (_, label), part in frame.group_by(["horizon_days", "horizon"], maintain_order=True):
        p = {k: part[k].drop_nulls().to_numpy() for k in ("dates", "symbols", "cluster_t", "calendar")}
        pct = np.clip(part["percentile"].to_numpy() / 100, 1e-4, 1 - 1e-4)
        z_sd = float(np.std(stats.norm.ppf(pct)))
        covers = part["headline_covers"].drop_nulls().to_numpy()
        more = ""
        if args.histories:
            hp = part["histories"].drop_nulls().to_numpy()
            covered = part["covered"].drop_nulls().to_numpy()
            more = f" {_rate(hp <= 0.05):>16} {_rate(covered):>20}"
        print(
            f"{label:>8} {_rate(p['dates'] <= 0.05):>16} {np.mean(p['dates'] <= 0.10):>10.3f} "
            f"{np.mean(p['symbols'] <= 0.05):>11.3f} {np.mean(p['cluster_t'] <= 0.05):>9.3f} {_rate(p['calendar'] <= 0.05):>16} "
            f"{z_sd:>14.2f} {_rate(covers):>16}{more}"
        )


def _rate(hits: np.ndarray) -> str:
    """A share with its Wilson 95% interval, in percent: ``5.5 (3.4-8.7)``."""
    if hits.size == 0:
        return "-"
    ci = wilson_interval(int(np.sum(hits)), hits.size)
    return f"{100 * np.mean(hits):.1f} ({100 * ci.low:.1f}-{100 * ci.high:.1f})"


def sweep_calibration(args: argparse.Namespace) -> None:
    """Sweeps on null panels (random walks, or with ``--factor`` the common-factor GARCH-t
    panels): how often the snooping tests reject (they should at about 5%), and how often
    the best cell alone looks significant."""
    from eventstudy.sweep import parse_axis, run_sweep

    rng = np.random.default_rng(2027)
    found = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for rep in range(args.reps):
            panel(folder, args, rng)
            text = STUDY.format(gap=21, placebos=args.placebos, seed=rep, horizons="1w, 1m")
            study = parse_study(text, path=folder / "study.yaml")
            result = run_sweep(study, [parse_axis("gap=21,42,63")], data_dir=folder)
            v = result.verdict
            found.append((v["reality_check_p"], v["spa_p"], float(result.ledger["p_placebo"].min())))
    print(
        f"{args.reps} sweeps (gap 21, 42, 63 x 1w, 1m = 6 tests) on panels of {args.symbols} {kind(args)} x "
        f"{args.days} days, 'close at 52-week high', {args.placebos} placebos ({time.perf_counter() - started:.0f} s)"
    )

    def rate(p: np.ndarray) -> str:
        hits = int(np.sum(p <= 0.05))
        ci = wilson_interval(hits, p.size)
        return f"{hits / p.size:.1%} [{ci.low:.1%}, {ci.high:.1%}]"

    rc, spa, best = (np.array(x) for x in zip(*found))
    print(f"  rejecting at 5% (Wilson 95%): Reality Check {rate(rc)}, SPA {rate(spa)}; best cell's raw p <= 0.05: {rate(best)}")

if __name__ == "__main__":
    sys.exit(main())
