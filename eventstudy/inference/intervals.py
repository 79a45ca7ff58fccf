"""Confidence intervals for the event statistics of one cell, at bounded cost.

* mean and median: the bias-corrected and accelerated (BCa) bootstrap, resampling the
  events as independent draws, with at most :data:`WORK_BUDGET` resampled values (so at
  most ``WORK_BUDGET // n`` resamples) and the jackknife in closed form for the mean and
  the median (``O(n)``, not the generic ``O(n^2)``); flagged *approximate* below
  :data:`SMALL_SAMPLE` events, where BCa's coverage is known to fall short of nominal.
  Past :data:`LARGE_SAMPLE` events, where the bootstrap distribution is normal to
  within its own Monte Carlo error, the mean gets the normal-theory interval and the
  median the distribution-free order-statistic interval (binomial ranks), in
  ``O(n log n)``.
* % positive: the Wilson score interval of the binomial proportion.

These resample events as if independent: with overlapping forward windows the effective
sample is smaller (``n_eff``), which the intervals of the histories null account for and
these do not. Fewer than two events, or all values equal, give no interval (NaN).

References
----------
Efron, B. (1987). Better bootstrap confidence intervals. *JASA* 82, 171-185.
Efron, B. and Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*, ch. 14
(BCa; the jackknife estimate of the acceleration).
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
inference. *JASA* 22, 209-212.
David, H. A. and Nagaraja, H. N. (2003). *Order Statistics*, 3rd ed., sec. 7.1
(distribution-free confidence intervals for quantiles).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from eventstudy.inference.placebo import Ranked, median_rows
from eventstudy.inference.samplers import SeedLike, as_generator

__all__ = ["LARGE_SAMPLE", "SMALL_SAMPLE", "WORK_BUDGET", "ConfInt", "bca_interval", "bca_intervals", "wilson_interval"]

SMALL_SAMPLE = 20
"""Intervals from fewer events than this are flagged approximate."""

LARGE_SAMPLE = 500
"""From this many events on, the mean's and the median's intervals are analytic."""

WORK_BUDGET = 1_000_000
"""Resampled values per bootstrap interval at most (resamples x events)."""

_NORMAL = NormalDist()


@dataclass(frozen=True)
class ConfInt:
    """A confidence interval: ``low``, ``high`` (NaN if none) and whether it is approximate."""

    low: float
    high: float
    approximate: bool


Statistic = Callable[[np.ndarray], np.ndarray]


def _kind(statistic: Statistic | str) -> str | None:
    """'mean' or 'median' when the statistic is one of those (by name, or by its value on a probe)."""
    if isinstance(statistic, str):
        if statistic not in ("mean", "median"):
            raise ValueError(f"`statistic` must be 'mean', 'median' or a callable, got {statistic!r}")
        return statistic
    probe = np.array([[0.0, 1.0, 10.0, 100.0]])
    value = float(np.asarray(statistic(probe)).ravel()[0])
    return "mean" if value == 27.75 else "median" if value == 5.5 else None


def _apply(statistic: Statistic | str, x: np.ndarray) -> np.ndarray:
    if statistic == "mean":
        return x.mean(axis=-1)
    if statistic == "median":
        return median_rows(x) if x.ndim == 2 else np.median(x, axis=-1)
    return np.asarray(statistic(x))  # type: ignore[operator]


def _jackknife(x: np.ndarray, kind: str | None, statistic: Statistic | str) -> np.ndarray:
    """Leave-one-out values of the statistic: closed form for the mean and the median."""
    n = x.size
    if kind == "mean":
        return (x.sum() - x) / (n - 1)
    if kind == "median":
        order = np.argsort(x, kind="stable")
        ranked = x[order]
        j = np.arange(n)  # the rank removed
        a, b = (n - 2) // 2, (n - 1) // 2  # middle positions of the n - 1 remaining values

        def at(p: int) -> np.ndarray:
            return np.where(p < j, ranked[p], ranked[min(p + 1, n - 1)])

        out = np.empty(n)
        out[order] = (at(a) + at(b)) / 2
        return out
    loo = np.array([np.delete(x, i) for i in range(n)])
    return np.asarray(_apply(statistic, loo), dtype=np.float64)


def bca_interval(
    values: np.ndarray,
    statistic: Statistic | str,
    *,
    confidence_level: float = 0.95,
    n_resamples: int = 9999,
    seed: SeedLike = None,
) -> ConfInt:
    """BCa bootstrap interval of ``statistic`` ('mean', 'median', or a callable reducing
    the last axis), with at most :data:`WORK_BUDGET` resampled values.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(1.0, 1.0, 200)
    >>> ci = bca_interval(x, "mean", seed=1)
    >>> ci.low < 1.0 < ci.high, ci.approximate
    (True, False)
    """
    return bca_intervals(values, [statistic], confidence_level=confidence_level, n_resamples=n_resamples, seed=seed)[0]


def bca_intervals(
    values: np.ndarray,
    statistics: Sequence[Statistic | str],
    *,
    confidence_level: float = 0.95,
    n_resamples: int = 9999,
    seed: SeedLike = None,
) -> list[ConfInt]:
    """:func:`bca_interval` of each of ``statistics`` from one set of resamples: each
    interval is the one :func:`bca_interval` gives with the same ``seed`` (the resamples
    depend on the values' count only), for one draw and one gather instead of one per
    statistic (a cell's mean and median).

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(1.0, 1.0, 50)
    >>> both = bca_intervals(x, ["mean", "median"], seed=1)
    >>> both == [bca_interval(x, "mean", seed=1), bca_interval(x, "median", seed=1)]
    True
    """
    x = np.asarray(values, dtype=np.float64)
    if not 0 < confidence_level < 1:
        raise ValueError(f"`confidence_level` must be in (0, 1), got {confidence_level}")
    if x.size < 2 or np.all(x == x[0]):
        return [ConfInt(math.nan, math.nan, True) for _ in statistics]
    kinds = [_kind(statistic) for statistic in statistics]
    tail = (1 - confidence_level) / 2
    out: list[ConfInt | None] = [
        _analytic(x, kind, tail) if kind is not None and x.size >= LARGE_SAMPLE else None for kind in kinds
    ]
    resampled = [i for i, found in enumerate(out) if found is None]
    if resampled:
        rng = as_generator(seed)
        reps = max(1, min(int(n_resamples), WORK_BUDGET // x.size))
        stats = [kinds[i] or statistics[i] for i in resampled]
        boots = [np.empty(reps) for _ in resampled]
        ranked = Ranked.of(x) if "median" in stats else None  # each resample's median from its sorted ranks
        rows = max(1, WORK_BUDGET // (4 * x.size))
        for lo in range(0, reps, rows):
            size = min(rows, reps - lo)
            picked = rng.integers(0, x.size, size=(size, x.size))
            drawn = x[picked] if ranked is None or any(stat != "median" for stat in stats) else None
            for boot, stat in zip(boots, stats):
                if ranked is not None and stat == "median":
                    boot[lo : lo + size] = ranked.medians(picked)
                else:
                    assert drawn is not None, "values are gathered for every statistic but a ranked median"
                    boot[lo : lo + size] = _apply(stat, drawn)
        for i, boot, stat in zip(resampled, boots, stats):
            out[i] = _bca(x, boot, stat, kinds[i], tail)
    return [found for found in out if found is not None]


def _bca(x: np.ndarray, boot: np.ndarray, stat: Statistic | str, kind: str | None, tail: float) -> ConfInt:
    """The BCa interval of ``stat`` from its bootstrap values ``boot``."""
    reps = boot.size
    theta = float(_apply(stat, x[None, :])[0])
    below = np.count_nonzero(boot < theta) + np.count_nonzero(boot == theta) / 2
    if below <= 0 or below >= reps:
        return ConfInt(math.nan, math.nan, True)
    z0 = _NORMAL.inv_cdf(below / reps)
    loo = _jackknife(x, kind, stat)
    spread = loo.mean() - loo
    denominator = 6 * float((spread**2).sum()) ** 1.5
    accel = float((spread**3).sum()) / denominator if denominator > 0 else 0.0
    levels = []
    for q in (tail, 1 - tail):
        zq = _NORMAL.inv_cdf(q)
        shift = z0 + zq
        levels.append(_NORMAL.cdf(z0 + shift / (1 - accel * shift)) if 1 - accel * shift > 0 else (0.0 if q < 0.5 else 1.0))
    low, high = np.quantile(boot, levels)
    return ConfInt(float(low), float(high), x.size < SMALL_SAMPLE)


def _analytic(x: np.ndarray, kind: str, tail: float) -> ConfInt:
    """Large samples: Student's t for the mean, binomial order statistics for the median."""
    n = x.size
    z = _NORMAL.inv_cdf(1 - tail)
    if kind == "mean":
        half = z * float(x.std(ddof=1)) / math.sqrt(n)  # Student's t and the normal agree to 0.2% at n >= 500
        centre = float(x.mean())
        return ConfInt(centre - half, centre + half, False)
    ranked = np.sort(x)
    lo = max(0, math.floor(n / 2 - z * math.sqrt(n) / 2) - 1)
    hi = min(n - 1, math.ceil(n / 2 + z * math.sqrt(n) / 2))
    return ConfInt(float(ranked[lo]), float(ranked[hi]), False)


def wilson_interval(positives: int, nobs: int, *, confidence_level: float = 0.95) -> ConfInt:
    """Wilson score interval of ``positives / nobs``.

    Examples
    --------
    >>> ci = wilson_interval(9, 18)
    >>> round(ci.low, 4), round(ci.high, 4)
    (0.2903, 0.7097)
    >>> wilson_interval(0, 10).low, wilson_interval(13, 13).high  # not 2.8e-17 and 0.9999999999999999
    (0.0, 1.0)
    """
    if nobs < 1:
        return ConfInt(math.nan, math.nan, True)
    z = _NORMAL.inv_cdf(1 - (1 - confidence_level) / 2)
    p = positives / nobs
    centre = (p + z * z / (2 * nobs)) / (1 + z * z / nobs)
    half = z * math.sqrt(p * (1 - p) / nobs + z * z / (4 * nobs * nobs)) / (1 + z * z / nobs)
    # at none or all of them the bound is exactly 0 or 1 (centre - half rounded to 2.8e-17 at 0 of 10)
    low = 0.0 if positives == 0 else max(0.0, centre - half)
    high = 1.0 if positives == nobs else min(1.0, centre + half)
    return ConfInt(low, high, False)
