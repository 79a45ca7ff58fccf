"""Calibration of a universe study's tests on panels where no stock predicts its own future.

(``eventstudy calibrate --simulate universe``; ``benchmarks/calibrate_universe.py``.)

Each replication writes a panel of stocks to a scratch directory and runs the study
``close at 52-week high`` on it through the same code a real run uses: universe,
per-stock declustering, forward returns, the 'dates' placebo null (the headline), the
calendar-time portfolio test, the Driscoll-Kraay t-test and the 'symbols' null. Two
kinds of panel:

* ``factor > 0``: GARCH(1,1) Student-t stocks driven by a common market factor with that
  share of each stock's variance (:func:`eventstudy.inference.simulate.factor_panel`): a
  good day lifts many stocks to new highs at once, and a stock makes a new high after
  large moves, when its volatility is up. Every stock's expected ``h``-day return is
  exactly ``(1 + mu)^h - 1`` whatever happened before, so the interval's coverage is known.
* ``factor == 0``: independent random walks (constant volatility), expected ``h``-day
  return ``exp(h (m + s^2 / 2)) - 1``.

The results are one row per replication and horizon: each test's p-value, the 'dates'
null's percentile (its z-score's spread shows whether the null is as wide as the
statistic) and whether the 95% interval of the event mean covers the truth.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from eventstudy import progress

__all__ = ["HORIZONS", "TESTS", "UniverseCalibration", "calibrate_universe", "simulated_panel", "summarize_universe", "true_mean"]

HORIZONS: tuple[str, ...] = ("1w", "1m", "3m", "6m")

TESTS: dict[str, str] = {
    "dates": "'dates' placebo (headline)",
    "calendar": "calendar-time portfolio",
    "driscoll_kraay": "Driscoll-Kraay t",
    "symbols": "'symbols' null (timing, no test)",
}
"""The p-value columns of :func:`calibrate_universe` and their names in the table."""

STUDY = """\
name: universe calibration
series: {{MKT: MKT}}
universe: {{data_file: panel.parquet}}
when: close at 52-week high
decluster: {{gap: {gap}}}
evaluate:
  - forward_returns: {{horizons: [{horizons}]}}
statistics: {{placebos: {placebos}, seed: {seed}}}
"""

DRIFT = 0.0003
"""Daily drift of every simulated stock (the random walks' log drift)."""

WALK_VOLATILITY = 0.015
"""Daily volatility of the random walks."""


@dataclass(frozen=True)
class UniverseCalibration:
    """What a universe calibration ran: kind of panel, sizes, gap, placebos and seed."""

    factor: float
    replications: int
    symbols: int
    days: int
    gap: int
    placebos: int
    seed: int
    mean_events: float

    @property
    def kind(self) -> str:
        if self.factor > 0:
            return f"GARCH-t stocks with a common factor ({self.factor:.0%} of the variance)"
        return "independent random walks"


GARCH = (0.08, 0.90)
"""The simulated stocks' GARCH(1,1) ``(alpha, beta)``: daily persistence 0.98."""


def simulated_panel(
    folder: Path, n_symbols: int, n_days: int, rng: np.random.Generator, factor: float = 0.0, garch: tuple[float, float] = GARCH
) -> None:
    """Write ``panel.parquet`` (date, symbol, close) and a market series ``MKT.csv`` into
    ``folder``: random walks (``factor == 0``) or common-factor GARCH-t stocks (``garch``:
    their ``(alpha, beta)``)."""
    days = pl.date_range(dt.date(2000, 1, 1), dt.date(2100, 1, 1), "1d", eager=True)
    days = days.filter(days.dt.weekday() <= 5)[:n_days]
    if factor > 0:
        from eventstudy.inference.simulate import factor_panel

        close = factor_panel(n_symbols, n_days, market_share=factor, mu=DRIFT, alpha=garch[0], beta=garch[1], seed=rng)[0]
    else:
        close = 50 * np.exp(np.cumsum(rng.normal(DRIFT, WALK_VOLATILITY, size=(n_symbols, n_days)), axis=1))
    symbols = np.repeat(np.array([f"S{i:04d}" for i in range(n_symbols)]), n_days)
    pl.DataFrame({"date": np.tile(days.to_numpy(), n_symbols), "symbol": symbols, "close": close.reshape(-1)}).write_parquet(folder / "panel.parquet")
    pl.DataFrame({"date": days, "close": 100 * np.exp(np.cumsum(rng.normal(DRIFT, 0.01, n_days)))}).write_csv(folder / "MKT.csv")


def true_mean(horizon_days: int, factor: float) -> float:
    """Every simulated stock's expected simple return over ``horizon_days``, whatever happened before."""
    if factor > 0:
        return (1 + DRIFT) ** horizon_days - 1  # exact for factor_panel (its returns' conditional mean is DRIFT)
    return float(np.exp(horizon_days * (DRIFT + WALK_VOLATILITY**2 / 2)) - 1)


def calibrate_universe(
    *,
    replications: int = 400,
    symbols: int = 200,
    days: int = 2000,
    factor: float = 0.25,
    gap: int = 21,
    placebos: int = 500,
    horizons: tuple[str, ...] = HORIZONS,
    seed: int = 2026,
) -> tuple[pl.DataFrame, UniverseCalibration]:
    """Run the universe study on ``replications`` simulated panels; one row per
    replication and horizon (module docstring)."""
    from eventstudy.config import parse_study
    from eventstudy.study import run

    rng = np.random.default_rng(seed)
    rows = []
    events = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for rep in progress.track(range(replications), "simulated universes"):
            simulated_panel(folder, symbols, days, rng, factor)
            text = STUDY.format(gap=gap, placebos=placebos, seed=rep, horizons=", ".join(horizons))
            result = run(parse_study(text, path=folder / "study.yaml"), data_dir=folder)
            events.append(result.events.height)
            for r in result.tests.filter(pl.col("statistic") == "mean").iter_rows(named=True):
                truth = true_mean(r["horizon_days"], factor)
                rows.append({
                    "replication": rep, "horizon": r["horizon"], "horizon_days": r["horizon_days"], "n": r["n"],
                    "dates": r["p_placebo"], "calendar": r["p_calendar"], "driscoll_kraay": r["p_cluster"], "symbols": r["p_symbols_null"],
                    "percentile": r["percentile"], "ci_low": r["ci_low"], "ci_high": r["ci_high"], "truth": truth,
                    "covers": None if r["ci_low"] is None else bool(r["ci_low"] <= truth <= r["ci_high"]),
                })
    info = UniverseCalibration(factor, replications, symbols, days, gap, placebos, seed, float(np.mean(events)) if events else math.nan)
    return pl.DataFrame(rows), info


def summarize_universe(results: pl.DataFrame, alpha: float = 0.05) -> dict[str, pl.DataFrame]:
    """``size``: each test's rejection rate at ``alpha`` per horizon with its Wilson 95%
    interval; ``coverage``: the 95% interval's coverage per horizon; ``spread``: the sd of
    the 'dates' null's z-score (1 when the null is as wide as the statistic)."""
    from scipy.special import ndtri

    from eventstudy.inference.intervals import wilson_interval

    size, coverage, spread = [], [], []
    for (horizon, horizon_days), part in results.group_by(["horizon", "horizon_days"], maintain_order=True):
        for column, name in TESTS.items():
            p = part[column].drop_nulls().drop_nans().to_numpy()
            if p.size:
                hits = int(np.sum(p <= alpha))
                ci = wilson_interval(hits, p.size)
                size.append({"test": name, "horizon": horizon, "horizon_days": horizon_days, "rate": hits / p.size, "low": ci.low, "high": ci.high, "tests": p.size})
        covers = part["covers"].drop_nulls().to_numpy()
        if covers.size:
            ci = wilson_interval(int(covers.sum()), covers.size)
            coverage.append({"horizon": horizon, "horizon_days": horizon_days, "rate": float(covers.mean()), "low": ci.low, "high": ci.high, "intervals": covers.size})
        pct = np.clip(part["percentile"].drop_nulls().to_numpy() / 100, 1e-4, 1 - 1e-4)
        if pct.size:
            z = ndtri(pct)
            spread.append({"horizon": horizon, "horizon_days": horizon_days, "z_sd": float(np.std(z))})
    return {"size": pl.DataFrame(size), "coverage": pl.DataFrame(coverage), "spread": pl.DataFrame(spread)}
