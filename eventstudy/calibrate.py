"""Calibration with events chosen from the prices: does a 5% test reject 5% of the time?

(``eventstudy calibrate --null garch|bootstrap``; ``benchmarks/calibrate.py``.)

The study's own pipeline runs on simulated histories in which nothing predicts a forward
return, with conditions made of those prices (all-time highs, drawdowns, RSI, two series
at once), so the selection effects of real conditions are present; a test that holds its
level on random days can fail here (the first round's calibration did). Two nulls:

``garch``
    Two correlated series with GARCH(1,1) variance, Student-t(5) shocks and a constant
    drift (:func:`eventstudy.inference.simulate.garch_t_paths`): the expected forward
    return after any event is exactly ``(1 + mu)^h - 1``.
``bootstrap``
    Joint stationary-bootstrap reshuffles of real closes
    (:func:`eventstudy.inference.simulate.bootstrap_paths`): real volatility and
    cross-correlation, no dependence beyond the reshuffle's blocks; the expected forward
    return of a day the rule did not pick is :func:`bootstrap_forward_mean` (within a
    block the real data's short-range dependence survives, so for price-chosen days
    this "truth" is approximate: coverage under this null is reported with that caveat).

Each replication is one simulated history run as a study: condition, declustering,
forward returns of both series at every horizon, and the histories null with its own
resampled histories (:mod:`eventstudy.inference.histories`), the placebo ``runs`` null
and the classical companions, all from the same code a real run uses. The results are
one row per replication x condition x cell: p-values of every test, the interval and
whether it covers the truth, and what the size-adjusted power needs.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from eventstudy import progress
from eventstudy.config import StatisticsSpec, load_study, parse_study
from eventstudy.data import find_data_dir, load_prices_any
from eventstudy.errors import ConfigError
from eventstudy.events import panel_events, window_mask
from eventstudy.inference.design import panel_design
from eventstudy.inference.histories import HistoryNull, histories_headline, history_null
from eventstudy.inference.intervals import wilson_interval
from eventstudy.inference.placebo import placebo_test
from eventstudy.inference.simulate import (
    bootstrap_forward_mean,
    bootstrap_paths,
    garch_t_paths,
    true_forward_mean,
)
from eventstudy.inference.table import significance_table
from eventstudy.inference.timeseries import placebo_headline
from eventstudy.study import prepare

__all__ = ["CONDITIONS", "HORIZONS", "RuleCalibration", "calibrate_rules", "real_closes", "reshuffled_symbols", "summarize_rules"]

CONDITIONS: tuple[str, ...] = ("A at ATH", "A drawdown >= 15%", "A rsi(14) < 30", "A at ATH and B drawdown >= 10%")
"""Conditions made of the prices they are tested on (ATH, drawdown, RSI, two series)."""

HORIZONS: tuple[str, ...] = ("1w", "1m", "3m", "6m", "1y")

STUDY = """
name: calibration
series: {{A: A, B: B}}
when: {when}
window: {{start: {start}}}
decluster: {{gap: {gap}}}
evaluate:
  - forward_returns: {{assets: [A, B], horizons: [{horizons}]}}
"""


@dataclass(frozen=True)
class RuleCalibration:
    """The settings of one calibration run (recorded beside its results)."""

    null: str
    replications: int
    histories: int
    placebos: int
    n_days: int
    gap: str
    block_length: float | None
    seed: int
    reshuffled: tuple[str, ...] = ()
    """The real symbols a ``bootstrap`` calibration reshuffles as A and B (empty: not known)."""
    lead: int = 0
    """Days A's history starts before B's (the study calendar, ``n_days`` long, is B's days)."""


def _calendar(n_days: int) -> np.ndarray:
    """``n_days`` business days ending 2024-12-31 (the simulated histories' dates)."""
    end = np.datetime64("2024-12-31")
    start = np.busday_offset(end, -(n_days - 1), roll="backward")
    days = np.arange(start, end + 1, dtype="datetime64[D]")
    return days[np.is_busday(days)][-n_days:]


def calibrate_rules(
    null: str = "garch",
    *,
    conditions: Sequence[str] = CONDITIONS,
    horizons: Sequence[str] = HORIZONS,
    replications: int = 400,
    histories: int = 200,
    placebos: int = 1000,
    n_days: int = 12_000,
    gap: str = "21",
    block_length: float | None = None,
    seed: int = 7,
    real_closes: np.ndarray | None = None,
    reshuffle_block: float = 20.0,
    mu: float = 0.0003,
    lead: int = 0,
) -> tuple[pl.DataFrame, RuleCalibration]:
    """One row per replication x condition x cell x statistic: the headline (histories)
    p-value, its plain (not studentized) variant for the mean, the runs null's p, Welch
    and HAC p, the interval, the truth and whether it covers it.

    ``real_closes`` ``(T, 2)`` are reshuffled under ``null='bootstrap'`` (the last
    ``n_days`` are used, ``n_days + lead`` with a lead).

    ``lead``: series A is older than B by this many days, as SPX is than RUT in the
    flagship. Each history is simulated (or reshuffled) ``n_days + lead`` days long; A keeps
    them all, B only the last ``n_days``, so the study calendar is B's days and the run
    reads A's first ``lead`` closes as its closes before the calendar
    (:attr:`eventstudy.panel.Panel.closes_before`), which the histories null reads as it
    does for real data.
    """
    if null not in ("garch", "bootstrap"):
        raise ValueError(f"`null` must be one of {{'garch', 'bootstrap'}}, got {null!r}")
    if replications < 1 or histories < 19 or placebos < 1:
        raise ValueError("`replications` and `placebos` must be >= 1 and `histories` >= 19")
    if not conditions or len(set(conditions)) < len(conditions):
        raise ValueError(f"`conditions` must name at least one condition, each once, got {list(conditions)!r}")
    if isinstance(lead, bool) or not isinstance(lead, (int, np.integer)) or lead < 0:
        raise ValueError(f"`lead` must be an integer >= 0 (days A starts before B), got {lead!r}")
    lead = int(lead)
    if null == "bootstrap":
        if real_closes is None:
            raise ValueError("`real_closes` is needed for null='bootstrap'")
        real_closes = np.asarray(real_closes, dtype=np.float64)[-(n_days + lead) :]
        if real_closes.shape[0] - lead < 2:
            raise ValueError(f"`lead` {lead:,} leaves B under two of the {real_closes.shape[0]:,} days of `real_closes`")
        n_days = real_closes.shape[0] - lead
    every_day = _calendar(n_days + lead)  # A's days; B's (the study calendar) are the last n_days
    days = every_day[lead:]
    start = (days[0] + np.timedelta64(400, "D")).astype(dt.date)  # a year of history before the first event
    statistics = StatisticsSpec(placebos=placebos, histories=histories, seed=seed, block_length=block_length, null="histories")
    studies = [
        parse_study(STUDY.format(when=when, start=start.isoformat(), gap=gap, horizons=", ".join(horizons)))
        for when in conditions
    ]
    spans = [h.days for h in studies[0].evaluators[0].params.horizons]  # type: ignore[attr-defined]
    # the bootstrap scheme's expected forward return: that of the closes reshuffled, the same for every history
    reshuffled = {d: np.asarray(bootstrap_forward_mean(real_closes, d, reshuffle_block)) for d in spans} if null == "bootstrap" and real_closes is not None else {}
    streams = np.random.SeedSequence(seed).spawn(replications)
    rows: list[dict[str, object]] = []
    for rep, stream in enumerate(progress.track(streams, f"calibration ({null})", total=replications)):
        sim_seed, null_seed = stream.spawn(2)
        if null == "garch":
            closes = garch_t_paths(n_days + lead, 2, reps=1, mu=mu, seed=np.random.default_rng(sim_seed))[0]
        else:
            assert real_closes is not None
            closes = bootstrap_paths(real_closes, reps=1, block_length=reshuffle_block, seed=np.random.default_rng(sim_seed))[0]
        prices = _simulated_prices(closes, every_day, lead)
        panel = prepare(studies[0], prices=prices, conditions=[s.when for s in studies], paths=False)
        tested = panel.only(panel.measures.tested)
        truth = {
            (name, h.label): true_forward_mean(mu, h.days) if null == "garch" else float(reshuffled[h.days][k])
            for k, name in enumerate(("A", "B"))
            for h in studies[0].evaluators[0].params.horizons  # type: ignore[attr-defined]
        }
        for study in studies:
            window = window_mask(panel.days, study.window.start, study.window.end)
            kept = panel_events(panel, panel.hits_for(study.when, study.trigger), window, study.decluster).filter("kept")
            kept_days = kept["_d"].to_numpy()
            if kept_days.size < 2:
                continue
            design = panel_design(tested.values, tested.cells, panel.days, window, kept_days, study.decluster)
            settings = statistics.model_copy(update={"seed": int(null_seed.generate_state(1)[0])})
            found = history_null(panel, study, tested, kept_days, window, settings)
            headline = histories_headline(found, settings)
            table, _ = significance_table(design, settings, headline)
            every = histories_headline(found, settings, studentized=("mean", "median", "pct_positive"))
            none = histories_headline(found, settings, studentized=())
            runs = placebo_headline(design, settings.model_copy(update={"null": "runs"}))
            for c, cell in enumerate(design.cells.iter_rows(named=True)):
                for s, name in enumerate(("mean", "median", "pct_positive")):
                    row = table.row(3 * c + s, named=True)
                    has_test = row["p_placebo"] is not None  # a cell the run shows without a test (too few events) counts in no rate
                    rows.append(
                        {
                            "replication": rep,
                            "condition": study.when,
                            "asset": cell["asset"],
                            "horizon": cell["horizon"],
                            "horizon_days": cell["horizon_days"],
                            "statistic": name,
                            "n": row["n"],
                            "observed": row["observed"],
                            "difference": row["difference"],
                            "null_mean": row["null_mean"],
                            "p": row["p_placebo"],
                            "p_plain": _p(none.p[name][c], has_test),
                            "p_studentized": _p(every.p[name][c], has_test),
                            "p_runs": _p(runs.p[name][c], has_test),
                            "p_welch": row["p_welch"],
                            "p_hac": row["p_hac"],
                            "ci_low": row["ci_low"],
                            "ci_high": row["ci_high"],
                            "truth": truth[(cell["asset"], cell["horizon"])] if name == "mean" else None,
                            "t_observed": _t(found, c, True),
                            "t_null": _sorted_null(found, c) if name == "mean" else None,
                            "se": float(found.observed.se("mean")[0, c]),
                        }
                    )
    info = RuleCalibration(null, replications, histories, placebos, n_days, gap, block_length, seed, lead=lead)
    return pl.DataFrame(rows), info


def _simulated_prices(closes: np.ndarray, days: np.ndarray, lead: int = 0) -> pl.DataFrame:
    """A simulated history ``(T, 2)`` on ``days`` as the long ``date, symbol, close`` prices a
    run reads: A on every day, B from day ``lead`` on (A is ``lead`` days older)."""
    return pl.concat(
        [
            pl.DataFrame({"date": pl.Series(days[start:]).cast(pl.Date), "symbol": name, "close": closes[start:, k]})
            for k, (name, start) in enumerate((("A", 0), ("B", lead)))
        ]
    )


def _p(p: float, tested: bool) -> float | None:
    """A variant's p-value, or None (no test) where the run tests no cell or the variant has no statistic (NaN)."""
    return float(p) if tested and np.isfinite(p) else None


def _t(found: HistoryNull, c: int, studentized: bool) -> float:
    d = found.observed.mean[0, c] - found.observed.all_mean[0, c]
    return float(d / found.observed.se("mean")[0, c]) if studentized else float(d)


def _sorted_null(found: HistoryNull, c: int) -> list[float]:
    d = found.histories.mean[:, c] - found.histories.all_mean[:, c]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = d / found.histories.se("mean")[:, c]
    return np.sort(t[np.isfinite(t)]).tolist()


def _wilson(k: int, n: int) -> tuple[float, float]:
    """The Wilson 95% interval of ``k`` rejections in ``n`` tests (NaN without a test)."""
    interval = wilson_interval(k, n)
    return interval.low, interval.high


def summarize_rules(results: pl.DataFrame, alpha: float = 0.05, effects: Sequence[float] = (0.01, 0.02, 0.05), power_horizon: str = "3m") -> dict[str, pl.DataFrame]:
    """Rejection rates (with Wilson 95% intervals) per test, statistic and horizon; the
    mean's interval coverage; size-adjusted power for planted effects at one horizon."""
    tests = {
        "p": "histories (headline)", "p_plain": "histories, plain difference", "p_studentized": "histories, studentized",
        "p_runs": "runs placebo", "p_welch": "Welch (i.i.d.)", "p_hac": "Newey-West t, fixed-b",
    }
    frames = []
    for column, label in tests.items():
        part = results.filter(pl.col(column).cast(pl.Float64).is_not_nan())  # null and NaN: no test
        if column in ("p_welch", "p_hac"):
            part = part.filter(pl.col("statistic") == "mean")
        grouped = part.group_by("statistic", "horizon", "horizon_days").agg(
            (pl.col(column) <= alpha).sum().alias("rejected"), pl.len().alias("tests")
        )
        frames.append(grouped.with_columns(pl.lit(label).alias("test")))
    size = pl.concat(frames).sort("test", "statistic", "horizon_days")
    bounds = [_wilson(k, n) for k, n in size.select("rejected", "tests").rows()]
    size = size.with_columns(
        (pl.col("rejected") / pl.col("tests")).alias("rate"),
        pl.Series("low", [b[0] for b in bounds]),
        pl.Series("high", [b[1] for b in bounds]),
    )
    means = results.filter((pl.col("statistic") == "mean") & pl.col("ci_low").is_not_null())
    cover = means.with_columns(((pl.col("ci_low") <= pl.col("truth")) & (pl.col("truth") <= pl.col("ci_high"))).alias("covered"))
    coverage = cover.group_by("horizon", "horizon_days").agg(
        pl.col("covered").sum().alias("covered"), pl.len().alias("intervals"),
        ((pl.col("ci_high") - pl.col("ci_low")).mean()).alias("mean_width"),
    ).sort("horizon_days")
    cbounds = [_wilson(k, n) for k, n in coverage.select("covered", "intervals").rows()]
    coverage = coverage.with_columns(
        (pl.col("covered") / pl.col("intervals")).alias("rate"), pl.Series("low", [b[0] for b in cbounds]), pl.Series("high", [b[1] for b in cbounds])
    )
    power_rows = []
    at = means.filter(pl.col("horizon") == power_horizon)
    if at.height:
        p0 = np.array([_p_shifted(t, se, 0.0, null) for t, se, null in at.select("t_observed", "se", "t_null").rows()])
        critical = float(np.quantile(p0[np.isfinite(p0)], alpha)) if np.isfinite(p0).any() else math.nan
        for effect in effects:
            pe = np.array([_p_shifted(t, se, effect, null) for t, se, null in at.select("t_observed", "se", "t_null").rows()])
            ok = np.isfinite(pe)
            power_rows.append(
                {"horizon": power_horizon, "effect": effect, "power": float((pe[ok] <= alpha).mean()),
                 "size_adjusted_power": float((pe[ok] <= critical).mean()), "critical_p": critical, "tests": int(ok.sum())}
            )
    by_condition = (
        results.filter((pl.col("statistic") == "mean") & pl.col("p").cast(pl.Float64).is_not_nan())
        .group_by("condition", "horizon", "horizon_days")
        .agg((pl.col("p") <= alpha).sum().alias("rejected"), pl.len().alias("tests"))
        .with_columns((pl.col("rejected") / pl.col("tests")).alias("rate"))
        .sort("condition", "horizon_days")
    )
    return {"size": size, "coverage": coverage, "power": pl.DataFrame(power_rows), "by_condition": by_condition}


def _p_shifted(t_observed: float, se: float, effect: float, null: list[float] | None) -> float:
    """The studentized histories p-value had the events' mean been ``effect`` higher: the
    headline's own test (:func:`~eventstudy.inference.placebo.placebo_test` around the
    studentized null's median, as :func:`histories_headline` takes it), so that with no
    effect it is the headline's p."""
    if null is None or not len(null) or not np.isfinite(t_observed) or not se > 0:
        return math.nan
    t = t_observed + effect / se
    return float(placebo_test(np.array([t]), np.asarray(null, dtype=np.float64)[None, :], centre="median").p_two_sided[0])


def reshuffled_symbols(study_path: str | None) -> list[str]:
    """The symbols the ``bootstrap`` null reshuffles as A and B: a study's first two series
    (SPX and RUT without a study)."""
    return list(dict.fromkeys(load_study(study_path).series.values()))[:2] if study_path else ["SPX", "RUT"]


def real_closes(study_path: str | None, data_dir: str | None) -> np.ndarray:
    """``(T, 2)`` closes of a study's first two series on their common days (SPX and RUT
    without a study), to be reshuffled by the ``bootstrap`` null."""
    symbols = reshuffled_symbols(study_path)
    if study_path:
        study = load_study(study_path)
        directory = find_data_dir(data_dir, study.data.dir, study.path)
    else:
        directory = find_data_dir(data_dir, None, None)
    if len(symbols) < 2:
        raise ConfigError("the bootstrap null reshuffles two series: the study names one", hint="use --simulate garch")
    prices = load_prices_any(symbols, data_dir=directory).frame
    wide = prices.pivot(on="symbol", index="date", values="close").drop_nulls().sort("date")
    return wide.select(symbols).to_numpy()
