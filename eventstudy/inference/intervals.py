"""Confidence intervals for the event statistics of one cell.

* mean and median: the bias-corrected and accelerated (BCa) bootstrap,
  ``scipy.stats.bootstrap(method='BCa')``, resampling the events as independent draws;
  flagged *approximate* below :data:`SMALL_SAMPLE` events, where BCa's coverage is
  known to fall short of nominal (and with overlapping windows the effective sample is
  smaller still: see ``n_eff``).
* % positive: the Wilson score interval of the binomial proportion.

Fewer than two events, or a degenerate bootstrap distribution (all values equal), give
no interval (NaN).

References
----------
Efron, B. (1987). Better bootstrap confidence intervals. *JASA* 82, 171-185.
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
inference. *JASA* 22, 209-212.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats

from eventstudy.inference.samplers import SeedLike, as_generator

__all__ = ["SMALL_SAMPLE", "ConfInt", "bca_interval", "wilson_interval"]

SMALL_SAMPLE = 20
"""Intervals from fewer events than this are flagged approximate."""


@dataclass(frozen=True)
class ConfInt:
    """A confidence interval: ``low``, ``high`` (NaN if none) and whether it is approximate."""

    low: float
    high: float
    approximate: bool


def bca_interval(
    values: np.ndarray,
    statistic: Callable[[np.ndarray], np.ndarray],
    *,
    confidence_level: float = 0.95,
    n_resamples: int = 9999,
    seed: SeedLike = None,
) -> ConfInt:
    """BCa bootstrap interval of ``statistic`` (vectorized over the last axis).

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(1.0, 1.0, 200)
    >>> ci = bca_interval(x, lambda v: v.mean(axis=-1), seed=1)
    >>> ci.low < 1.0 < ci.high, ci.approximate
    (True, False)
    """
    x = np.asarray(values, dtype=np.float64)
    if not 0 < confidence_level < 1:
        raise ValueError(f"`confidence_level` must be in (0, 1), got {confidence_level}")
    if x.size < 2 or np.all(x == x[0]):
        return ConfInt(float("nan"), float("nan"), True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # degenerate resamples: NaN below
        res = stats.bootstrap(
            (x,),
            lambda v, axis=-1: statistic(np.moveaxis(v, axis, -1)),
            vectorized=True,
            n_resamples=n_resamples,
            confidence_level=confidence_level,
            method="BCa",
            rng=as_generator(seed),
        )
    return ConfInt(float(res.confidence_interval.low), float(res.confidence_interval.high), x.size < SMALL_SAMPLE)


def wilson_interval(positives: int, nobs: int, *, confidence_level: float = 0.95) -> ConfInt:
    """Wilson score interval of ``positives / nobs``.

    Examples
    --------
    >>> ci = wilson_interval(9, 18)
    >>> round(ci.low, 4), round(ci.high, 4)
    (0.2903, 0.7097)
    """
    if nobs < 1:
        return ConfInt(float("nan"), float("nan"), True)
    ci = stats.binomtest(int(positives), int(nobs)).proportion_ci(confidence_level, method="wilson")
    return ConfInt(float(ci.low), float(ci.high), False)
