"""The placebo (randomization) test: where the observed statistic falls among placebo sets.

Given the observed statistic of a cell and its values on ``B`` placebo sets (a null
distribution from :mod:`eventstudy.inference.samplers`), with ``c`` the null's centre (its
mean, or its median with ``centre="median"``) and ``s`` its standard deviation:

* ``p_greater = (1 + #{T_b >= t}) / (B + 1)``, ``p_less = (1 + #{T_b <= t}) / (B + 1)``;
* ``p_two_sided = (1 + #{|T_b - c| >= |t - c|}) / (B + 1)``: as extreme on either side
  of the null's centre;
* ``percentile = 100 * (#{T_b < t} + #{T_b = t} / 2) / B`` (mid-rank);
* ``z = (t - c) / s``, the studentized statistic the max-statistic adjustment compares
  across cells.

Comparisons allow a relative tolerance of 100 machine epsilons, as scipy's
``permutation_test`` does, so a placebo set equal to the events counts as "as extreme".
Counting the observed set itself (the ``+1``) makes the test exact at every ``B``: under
the null, ``P(p <= alpha) <= alpha``.

References
----------
Phipson, B. and Smyth, G. K. (2010). Permutation p-values should never be zero.
*Statistical Applications in Genetics and Molecular Biology* 9(1), 39.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

__all__ = ["STATISTICS", "PlaceboTest", "Ranked", "median_of", "median_rows", "placebo_test", "sorted_middles"]


def _mean(values: np.ndarray) -> np.ndarray:
    return values.mean(axis=-1)


def _median(values: np.ndarray) -> np.ndarray:
    return median_rows(values) if values.ndim == 2 else np.median(values, axis=-1)


SORT_WIDTH = 256
"""Rows of float64 up to this wide get their medians from numpy's sort (a vectorized
sorting network for short rows: 3-4x less CPU than polars at 20-200 values); wider rows,
where a selection beats a sort, go through polars."""


def median_rows(values: np.ndarray) -> np.ndarray:
    """The median of each row of a 2-D array without NaN, to within the last bit of
    ``np.median(axis=-1)``: as polars computes a median (the two middle values ``a <= b``
    give ``a + (b - a) / 2``, numpy's ``(a + b) / 2``), however many rows, so that every
    path to a median (:class:`Ranked`, the sorted rows of
    :func:`~eventstudy.inference.structural.row_medians`) gives the same bits; short rows
    of float64 by a sort (:data:`SORT_WIDTH`), wider ones by polars (one Series reshaped
    to fixed-size rows: about four times faster than numpy's partition on thousands of
    rows)."""
    rows, width = values.shape
    if rows == 0 or width == 0:
        return np.median(values, axis=-1)
    if width <= SORT_WIDTH and values.dtype == np.float64:
        ranked = np.sort(values, axis=1)
        return middle(ranked[:, (width - 1) // 2], ranked[:, width // 2])
    series = pl.Series(np.ascontiguousarray(values).ravel())
    return series.reshape((rows, width)).arr.median().to_numpy().astype(np.float64)


@dataclass(frozen=True)
class Ranked:
    """A 1-D float array ranked once, for the medians of many subsets of it: a subset's
    ranks are gathered and sorted instead of its values (16-bit ranks where the array has
    at most 65,536 values: a quarter of the bytes to sort), and its middle ranks read its
    middle values back: each median has the bits of polars' median of the values (as
    :func:`median_rows` gives it), NaN ranking last and left out.

    Examples
    --------
    >>> values = np.array([0.3, np.nan, -1.0, 2.5, 0.3, 7.0])
    >>> Ranked.of(values).medians(np.array([[0, 2, 3], [1, 3, 5], [1, 1, 1]])).tolist()
    [0.3, 4.75, nan]
    """

    ordered: np.ndarray
    """The values in ascending order, NaN last."""
    rank: np.ndarray
    """Each value's position in ``ordered`` (equal values: by position)."""
    known: int
    """How many values are not NaN."""

    @classmethod
    def of(cls, values: np.ndarray) -> Ranked:
        """Rank ``values`` (one stable sort)."""
        order = np.argsort(values, kind="stable")
        rank = np.empty(values.size, dtype=np.uint16 if values.size <= 1 << 16 else np.int64)
        rank[order] = np.arange(values.size, dtype=rank.dtype)
        return cls(values[order], rank, values.size - int(np.count_nonzero(np.isnan(values))))

    def medians(self, index: np.ndarray) -> np.ndarray:
        """The median of ``values[index]`` along each row of a 2-D ``index``, NaN left out
        (NaN for a row with no known value)."""
        ranks = np.take(self.rank, index)
        width = ranks.shape[1]
        if width == 0:
            return np.full(ranks.shape[0], np.nan)
        ranks.sort(axis=1, kind="stable" if width > 512 and ranks.itemsize == 2 else "quicksort")  # 16-bit: a network to 512, radix beyond
        if self.known == self.ordered.size:  # every value known: the middle columns
            return middle(self.ordered[ranks[:, (width - 1) // 2]], self.ordered[ranks[:, width // 2]])
        # known values per row: the unknown rank last, so only a row ending in one holds any
        # (counting them in every row took as long as the sort)
        count = np.full(ranks.shape[0], width)
        ends = np.flatnonzero(ranks[:, -1] >= self.known)
        count[ends] -= np.count_nonzero(ranks[ends] >= self.known, axis=1)
        lower, upper = sorted_middles(ranks, count)
        return np.where(count > 0, middle(self.ordered[lower], self.ordered[upper]), np.nan)


SELECT_FROM = 50_000
"""Values from which :func:`median_of` selects its two middle values in polars rather than
partitioning with numpy."""


def median_of(values: np.ndarray) -> float:
    """``np.median`` of a 1-D array without NaN, to the bit: the middle value, or the two
    middle values (polars' 'lower' and 'higher' quantiles: two selections without numpy's
    copy and partition) averaged in the array's own precision, as numpy does. (Where -0.0
    and 0.0 tie in the middle, either sign may come out, as from numpy's partition;
    returns computed as ``b / a - 1`` are never -0.0.)"""
    if values.size < SELECT_FROM or values.dtype.kind != "f":
        return float(np.median(values))
    found = pl.Series(values)
    kind = values.dtype.type
    if values.size % 2:
        return float(kind(found.quantile(0.5, "lower")))
    lower, upper = kind(found.quantile(0.5, "lower")), kind(found.quantile(0.5, "higher"))
    return float((lower + upper) / kind(2))


def middle(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """The median from its two middle values, with polars' arithmetic (its linear
    quantile at 0.5: the lower value when they are equal, else ``lower + (upper - lower) / 2``)."""
    return np.where(lower == upper, lower, lower + (upper - lower) / 2)


def sorted_middles(rows: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two middle entries of each sorted row's first ``count`` entries (its known
    values, or ranks: the unknown sort last); equal for an odd count, and the row's first
    for a count of 0 (a row with no median, which the caller marks)."""
    known = np.asarray(count, dtype=np.int64)[:, None]
    lower = np.take_along_axis(rows, np.maximum(known - 1, 0) // 2, axis=1)[:, 0]
    upper = np.take_along_axis(rows, np.minimum(known // 2, rows.shape[1] - 1), axis=1)[:, 0]
    return lower, upper


def _pct_positive(values: np.ndarray) -> np.ndarray:
    return (values > 0).mean(axis=-1)


STATISTICS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "mean": _mean,
    "median": _median,
    "pct_positive": _pct_positive,
}
"""Event statistics, each reducing the last axis (one set of values per row)."""

_EPS = np.finfo(np.float64).eps * 100


@dataclass(frozen=True)
class PlaceboTest:
    """Placebo-test results, one entry per tested statistic (arrays of shape ``(k,)``).

    Attributes
    ----------
    observed
        The statistic on the events.
    null_mean, null_std
        Centre (the mean, or the median with ``centre="median"``) and standard deviation
        (ddof=1) of the placebo distribution.
    p_two_sided, p_greater, p_less
        Monte Carlo p-values ``(1 + count) / (B + 1)`` (module docstring).
    percentile
        The observed value's mid-rank percentile in the placebo distribution, 0-100.
    z
        ``(observed - null_mean) / null_std``; ``+-inf`` when the null is degenerate and
        the observation differs from it, 0 when it does not.
    reps
        ``B``, the number of placebo sets.
    """

    observed: np.ndarray
    null_mean: np.ndarray
    null_std: np.ndarray
    p_two_sided: np.ndarray
    p_greater: np.ndarray
    p_less: np.ndarray
    percentile: np.ndarray
    z: np.ndarray
    reps: int


def placebo_test(observed: np.ndarray, null: np.ndarray, centre: Literal["mean", "median"] = "mean") -> PlaceboTest:
    """Test each observed statistic against its row of the null distribution.

    Parameters
    ----------
    observed
        Shape ``(k,)``: one statistic per cell.
    null
        Shape ``(k, B)``: the same statistic on ``B`` placebo sets.
    centre
        What the two-sided p-value and ``z`` are measured from: the null's mean, or its
        median for a heavy-tailed null (a ratio whose denominator can be near zero), whose
        mean a few far draws can pull onto the observed value.

    Examples
    --------
    >>> import numpy as np
    >>> r = placebo_test(np.array([3.0]), np.array([[0.0, 1.0, 2.0, 3.0]]))
    >>> float(r.p_greater[0]), float(r.p_less[0]), float(r.percentile[0])
    (0.4, 1.0, 87.5)
    """
    observed = np.atleast_1d(np.asarray(observed, dtype=np.float64))
    null = np.atleast_2d(np.asarray(null, dtype=np.float64))
    if null.shape[0] != observed.shape[0]:
        raise ValueError(f"`null` must have one row per observed statistic ({observed.shape[0]}), got shape {null.shape}")
    reps = null.shape[1]
    if reps < 1:
        raise ValueError("`null` must hold at least one placebo value per statistic")
    t = observed[:, None]
    gamma = np.abs(_EPS * t)
    mid = np.median(null, axis=1) if centre == "median" else null.mean(axis=1)
    std = null.std(axis=1, ddof=1) if reps > 1 else np.zeros_like(mid)
    # draws alike but for rounding (every shift of events on every day, summed by FFT) have
    # no spread: their std is the mean's rounding, and a z of rounding over rounding is noise
    std = np.where(np.ptp(null, axis=1) <= np.abs(_EPS * mid), 0.0, std) if reps > 1 else std
    dev_obs = np.abs(t - mid[:, None])
    dev_null = np.abs(null - mid[:, None])
    above = (null >= t - gamma).sum(axis=1)
    below = (null <= t + gamma).sum(axis=1)
    extreme = (dev_null >= dev_obs - gamma - np.abs(_EPS * mid[:, None])).sum(axis=1)
    strictly_below = (null < t - gamma).sum(axis=1)
    ties = reps - strictly_below - (null > t + gamma).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = observed - mid
        degenerate = ~(std > 0)
        z = np.where(degenerate, np.where(np.abs(diff) > np.abs(_EPS * mid), np.sign(diff) * np.inf, 0.0), diff / std)
    nan = np.isnan(observed)

    def masked(x: np.ndarray) -> np.ndarray:
        return np.where(nan, np.nan, x)

    return PlaceboTest(
        observed=observed,
        null_mean=mid,
        null_std=std,
        p_two_sided=masked((1 + extreme) / (reps + 1)),
        p_greater=masked((1 + above) / (reps + 1)),
        p_less=masked((1 + below) / (reps + 1)),
        percentile=masked(100 * (strictly_below + ties / 2) / reps),
        z=masked(z),
        reps=reps,
    )
