"""Calibration of the classical event-study tests on simulated panels where the truth is known.

Each replication is a panel of ``firms`` stocks following the market model
``R_it = alpha_i + beta_i Rm_t + e_it`` with a GARCH(1,1) market and GARCH(1,1)
idiosyncratic noise, both with standardized Student-t shocks (fat tails, volatility
clustering), one event per firm, abnormal returns from the market model fitted on
``[-250, -30]`` and every test of :data:`~eventstudy.inference.event_tests.EVENT_TESTS` on
the event day ``[0, 0]`` and the window ``[-1, +1]``. Three scenarios:

``null``
    No effect; event days drawn at random over two years, so event windows rarely
    share a day. Every test should reject about ``level`` of the time.
``event_variance``
    As ``null``, but the idiosyncratic variance is doubled on the days ``-1, 0, +1`` of
    each event (event-induced variance, no change in mean). Tests that take the variance
    from the estimation window (Patell) over-reject; BMP, the cross-sectional t and the
    sign test should hold.
``clustered``
    Every event on the same day, and the residuals share a common factor not in the model
    (pairwise correlation ``cross_correlation``). Tests that assume independent events
    (t, Patell, BMP, sign) over-reject; Kolari-Pynnönen's adjustment is meant to fix BMP.
    The calendar-time portfolio test has a single portfolio day on ``[0, 0]`` here, so no
    statistic (its ``tested`` count is 0); on ``[-1, +1]`` it has three days.

With ``effect`` the abnormal return ``effect`` is added on day 0 of every event: the
rejection rate is then the power.

Only numpy and the package's own GARCH-t recursion (:mod:`.simulate`) are used; each batch
of replications is simulated at once, the day loop of the GARCH recursion being the only
Python loop (over days, not events).

References
----------
Brown, S. J. and Warner, J. B. (1985). Using daily stock returns: the case of event
studies. *Journal of Financial Economics* 14, 3-31 (simulation design).
Boehmer, E., Musumeci, J. and Poulsen, A. B. (1991). Event-study methodology under
conditions of event-induced variance. *Journal of Financial Economics* 30, 253-272.
Kolari, J. W. and Pynnönen, S. (2010). Event study testing with cross-sectional
correlation of abnormal returns. *Review of Financial Studies* 23, 3996-4025.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import polars as pl

from eventstudy.inference.abnormal import FloatArray, IntArray, abnormal_returns
from eventstudy.inference.event_tests import EVENT_TESTS, event_tests
from eventstudy.inference.intervals import wilson_interval
from eventstudy.inference.simulate import TRADING_DAYS, _garch_variances, _t_shocks

__all__ = ["SCENARIOS", "Scenario", "SimulatedStudy", "calibrate_event_tests", "simulate_event_studies"]


Scenario = Literal["null", "event_variance", "clustered"]
SCENARIOS: tuple[str, ...] = get_args(Scenario)

WINDOW = (-10, 10)
ESTIMATION = (-250, -30)
EVENT_SPAN = 504  # days over which the events of the unclustered scenarios are spread
_BATCH_VALUES = 1 << 22  # simulated values per batch of replications


@dataclass(frozen=True)
class SimulatedStudy:
    """One replication: ``returns`` (T x N), ``market`` (T), and events ``(firms, days)``."""

    returns: FloatArray
    market: FloatArray
    firms: IntArray
    days: IntArray


def _garch_t(rng: np.random.Generator, shape: tuple[int, ...], annual_vol: float, df: float, alpha: float, beta: float, burn_in: int) -> FloatArray:
    """GARCH(1,1)-t innovations, time on axis 0, with unconditional variance ``annual_vol^2 / 252``."""
    variance = annual_vol**2 / TRADING_DAYS
    omega = variance * (1 - alpha - beta)
    s2 = np.full(shape[1:], variance)
    if burn_in:
        _, s2 = _garch_variances(_t_shocks(rng, (burn_in, *shape[1:]), df), s2, omega, alpha, beta)
    z = _t_shocks(rng, shape, df)
    s2_days, _ = _garch_variances(z, s2, omega, alpha, beta)
    out: FloatArray = np.sqrt(s2_days) * z
    return out


def simulate_event_studies(
    scenario: Scenario | str,
    replications: int,
    *,
    firms: int = 100,
    effect: float = 0.0,
    cross_correlation: float = 0.03,
    df: float = 5.0,
    market_vol: float = 0.15,
    idiosyncratic_vol: float = 0.35,
    garch: tuple[float, float] = (0.08, 0.90),
    seed: int | np.random.Generator | None = None,
) -> Iterator[SimulatedStudy]:
    """Yield ``replications`` simulated studies of one scenario (see the module docstring).

    ``market_vol`` and ``idiosyncratic_vol`` are annualized; ``garch`` is ``(alpha, beta)``
    of both recursions (``(0, 0)`` gives i.i.d. t noise); betas are drawn uniformly in
    ``[0.5, 1.5]`` and every alpha is 2 basis points a day.

    Examples
    --------
    >>> study = next(simulate_event_studies("clustered", 1, firms=5, seed=1))
    >>> study.returns.shape, sorted(set(study.days.tolist()))
    ((261, 5), [250])
    """
    if scenario not in SCENARIOS:
        raise ValueError(f"`scenario` must be one of {SCENARIOS}, got {scenario!r}")
    if not 0 <= cross_correlation < 1:
        raise ValueError(f"`cross_correlation` must be in [0, 1), got {cross_correlation}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    alpha, beta = garch
    first = -ESTIMATION[0]
    span = 1 if scenario == "clustered" else EVENT_SPAN
    n_days = first + span + WINDOW[1]
    batch = max(1, _BATCH_VALUES // (n_days * firms))
    rho = cross_correlation if scenario == "clustered" else 0.0
    burn_in = 250 if alpha + beta > 0 else 0
    done = 0
    while done < replications:
        size = min(batch, replications - done)
        market = _garch_t(rng, (n_days, size), market_vol, df, alpha, beta, burn_in)
        noise = _garch_t(rng, (n_days, size, firms), idiosyncratic_vol, df, alpha, beta, burn_in)
        if rho:
            common = _t_shocks(rng, (n_days, size, 1), df) * (idiosyncratic_vol / math.sqrt(TRADING_DAYS))
            noise = math.sqrt(1 - rho) * noise + math.sqrt(rho) * common
        betas = rng.uniform(0.5, 1.5, (size, firms))
        days = first + (rng.integers(0, span, (size, firms)) if span > 1 else np.zeros((size, firms), dtype=np.int64))
        firm_index = np.arange(firms)
        for k in range(size):
            shocks = noise[:, k, :]
            if scenario == "event_variance":
                for offset in (-1, 0, 1):
                    shocks[days[k] + offset, firm_index] *= math.sqrt(2.0)
            returns = 0.0002 + market[:, k, None] * betas[k] + shocks
            returns[days[k], firm_index] += effect
            yield SimulatedStudy(returns, market[:, k].copy(), firm_index.astype(np.int64), days[k].astype(np.int64))
        done += size


def calibrate_event_tests(
    scenario: Scenario | str,
    *,
    replications: int = 400,
    firms: int = 100,
    effect: float = 0.0,
    level: float = 0.05,
    windows: Sequence[tuple[int, int]] = ((0, 0), (-1, 1)),
    tests: Sequence[str] | None = None,
    seed: int | None = 0,
    cross_correlation: float = 0.03,
    df: float = 5.0,
    garch: tuple[float, float] = (0.08, 0.90),
) -> pl.DataFrame:
    """Rejection rate of every test at ``level`` over simulated studies of one scenario.

    Returns one row per test and window: ``scenario, effect, test, start, end,
    replications, tested, rejections, rate, low, high`` (``low``, ``high``: the Wilson 95%
    interval of the rate). ``tested`` counts the replications where the test had a
    statistic; the others count as not rejecting, and ``replications`` counts them all. The simulation's parameters are
    those of :func:`simulate_event_studies`.

    Examples
    --------
    >>> table = calibrate_event_tests("null", replications=3, firms=10, tests=["bmp"], seed=1)
    >>> table.select("test", "start", "end", "replications").rows()
    [('bmp', 0, 0, 3), ('bmp', -1, 1, 3)]
    """
    names = list(EVENT_TESTS) if tests is None else list(tests)
    rejections = np.zeros((len(names), len(windows)), dtype=np.int64)
    tested = np.zeros((len(names), len(windows)), dtype=np.int64)
    studies = simulate_event_studies(
        scenario, replications, firms=firms, effect=effect, cross_correlation=cross_correlation, df=df, garch=garch, seed=seed
    )
    for study in studies:
        ar = abnormal_returns(
            study.returns, study.firms, study.days, window=WINDOW, estimation=ESTIMATION, model="market", market=study.market
        )
        for row, result in enumerate(event_tests(ar, list(windows), names)):
            rejections[row] += np.nan_to_num(result.pvalue, nan=1.0) < level
            tested[row] += ~np.isnan(result.pvalue)
    records = []
    for row, name in enumerate(names):
        for col, (start, end) in enumerate(windows):
            count = int(rejections[row, col])
            ci = wilson_interval(count, replications)
            records.append(
                (str(scenario), effect, name, start, end, replications, int(tested[row, col]), count, count / replications, ci.low, ci.high)
            )
    return pl.DataFrame(
        records,
        schema={
            "scenario": pl.String, "effect": pl.Float64, "test": pl.String, "start": pl.Int64, "end": pl.Int64,
            "replications": pl.Int64, "tested": pl.Int64, "rejections": pl.Int64, "rate": pl.Float64, "low": pl.Float64, "high": pl.Float64,
        },
        orient="row",
    )
