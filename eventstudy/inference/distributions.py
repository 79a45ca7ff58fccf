"""The few distribution functions a study's tests need, on ``scipy.special`` and numpy.

``import scipy.stats`` costs 0.45-0.75 s, more than half of a timeline ``run``'s work, for a
handful of formulas. These are the same formulas, evaluated by the same special functions
``scipy.stats`` calls (``ndtr``, ``ndtri``, ``stdtr``, ``stdtrit`` and the Boost binomial
ufuncs behind ``scipy.stats.binom``) in the same order, so the results agree to the last
bit. ``tests/inference/test_distributions.py`` checks each one against ``scipy.stats``.

* :func:`t_sf`, :func:`norm_sf`, :func:`norm_cdf`, :func:`norm_ppf`, :func:`norm_isf`:
  ``scipy.stats.t`` / ``scipy.stats.norm`` with ``loc = 0`` and ``scale = 1``.
* :func:`mannwhitney_pvalue`: ``mannwhitneyu(x, y, axis=-1, method="asymptotic").pvalue``
  (two-sided, average ranks, tie and continuity corrections).
* :func:`binomtest_pvalue`: ``binomtest(k, n, p).pvalue`` (two-sided, scipy's rule).
* :func:`bh_adjust`: ``false_discovery_control(p, method="bh")`` for one-dimensional ``p``.
* :func:`rank_rows`: ``rankdata(values, axis=1, nan_policy="omit")`` (average ranks).

References
----------
Mann, H. B. and Whitney, D. R. (1947). On a test of whether one of two random variables
is stochastically larger than the other. *Ann. Math. Statist.* 18, 50-60.
Benjamini, Y. and Hochberg, Y. (1995). Controlling the false discovery rate. *JRSS B* 57,
289-300.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy import special
from scipy.special import _ufuncs  # the Boost binomial ufuncs scipy.stats.binom evaluates

__all__ = ["bh_adjust", "binomtest_pvalue", "mannwhitney_pvalue", "norm_cdf", "norm_isf", "norm_ppf", "norm_sf", "rank_rows", "t_sf"]

_RERR = 1 + 1e-7
"""scipy.stats.binomtest's relative tolerance: outcomes this close to ``pmf(k)`` count as
at least as extreme."""


def t_sf(x: np.ndarray | float, df: np.ndarray | float) -> np.ndarray:
    """Student t survival function; NaN where ``df <= 0`` or either input is NaN.

    Examples
    --------
    >>> round(float(t_sf(1.5, 3.0)), 6)
    0.115292
    """
    return special.stdtr(df, -np.asarray(x, dtype=np.float64))


def t_ppf(q: np.ndarray | float, df: np.ndarray | float) -> np.ndarray:
    """Student t quantile; NaN where ``df <= 0``.

    Examples
    --------
    >>> round(float(t_ppf(0.975, 2.0)), 6)
    4.302653
    """
    return special.stdtrit(df, np.asarray(q, dtype=np.float64))


def norm_sf(x: np.ndarray | float) -> np.ndarray:
    """Standard normal survival function ``P(Z > x)``."""
    return special.ndtr(-np.asarray(x, dtype=np.float64))


def norm_cdf(x: np.ndarray | float) -> np.ndarray:
    """Standard normal distribution function ``P(Z <= x)``."""
    return special.ndtr(np.asarray(x, dtype=np.float64))


def norm_ppf(q: np.ndarray | float) -> np.ndarray:
    """Standard normal quantile; NaN outside ``[0, 1]``, -inf / inf at 0 / 1."""
    return special.ndtri(np.asarray(q, dtype=np.float64))


def norm_isf(q: np.ndarray | float) -> np.ndarray:
    """Standard normal upper quantile ``-ndtri(q)``."""
    return -special.ndtri(np.asarray(q, dtype=np.float64))


def mannwhitney_pvalue(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Two-sided asymptotic Mann-Whitney U p-values of ``x`` vs ``y`` along the last axis.

    ``x`` is ``(..., n1)`` and ``y`` broadcasts against it except along the last axis.
    Average ranks; the normal approximation with the tie correction and a continuity
    correction of 1/2; ``2 * sf`` clipped to ``[0, 1]``. A slice with a NaN, or an empty
    sample, gives NaN (scipy's ``nan_policy="propagate"``).

    Examples
    --------
    >>> round(float(mannwhitney_pvalue(np.array([1.0, 2.0]), np.array([1.0, 3.0, 4.0]))), 6)
    0.553617
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n1, n2 = x.shape[-1], y.shape[-1]
    shape = np.broadcast_shapes(x.shape[:-1], y.shape[:-1])
    if n1 == 0 or n2 == 0:
        return np.full(shape, np.nan)[()]
    n = n1 + n2
    if x.ndim == 1 and y.ndim == 1 and not (np.isnan(x).any() or np.isnan(y).any()):
        r1, tie_term = _rank_sums_1d(x, y)
        nan = False
    else:
        xy = np.concatenate([np.broadcast_to(x, (*shape, n1)), np.broadcast_to(y, (*shape, n2))], axis=-1)
        order = np.argsort(xy, axis=-1, kind="stable")
        ordered = np.take_along_axis(xy, order, axis=-1)
        starts = np.ones(ordered.shape, dtype=bool)  # the first of each run of equal values; a row starts one
        starts[..., 1:] = ordered[..., :-1] != ordered[..., 1:]
        first = np.flatnonzero(starts)  # flat positions of the runs' first values
        size = np.diff(first, append=starts.size)  # run lengths (a run never crosses a row)
        ranks = np.repeat(first % n + 1 + (size - 1) / 2, size).reshape(ordered.shape)  # average ranks, in sorted order
        r1 = np.where(order < n1, ranks, 0.0).sum(axis=-1)  # half-integers: exact in any order
        t = np.zeros(ordered.shape)  # scipy's tie counts: each run's length at its first value
        t.reshape(-1)[first] = size
        tie_term = np.sum(t**3 - t, axis=-1)
        nan = np.isnan(xy).any(axis=-1)
    u1 = r1 - n1 * (n1 + 1) / 2
    u = np.maximum(u1, n1 * n2 - u1)
    s = np.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (u - n1 * n2 / 2 - 0.5) / s
    p = np.clip(special.ndtr(-z) * 2, 0.0, 1.0)
    p = np.where(nan, np.nan, p)
    return p[()]


def _rank_sums_1d(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The rank sum of ``x`` in ``x`` and ``y`` together and the tie term ``sum (t^3 - t)``
    over the runs of equal values, for one sample against one baseline without NaN: from
    sorted copies and binary searches instead of a stable argsort of both (a few events
    against 12,000 days: 0.2 instead of 1.1 ms). Ranks are half-integers and run lengths
    integers, so both sums are exact: the same numbers as the general path."""
    xs, ys = np.sort(x), np.sort(y)
    below = np.searchsorted(ys, xs, side="left") + np.searchsorted(xs, xs, side="left")
    through_y = np.searchsorted(ys, xs, side="right")
    ties = through_y + np.searchsorted(xs, xs, side="right") - below  # each x value's run in both samples
    r1 = float(np.sum(below + 1 + (ties - 1) / 2))
    # the baseline's runs, then each distinct x value's run with its own copies added
    y_runs = np.diff(np.flatnonzero(np.concatenate([[True], ys[1:] != ys[:-1], [True]]))).astype(np.float64)
    distinct = np.concatenate([[True], xs[1:] != xs[:-1]])
    t_x = (ties[distinct]).astype(np.float64)
    t_y = (through_y - np.searchsorted(ys, xs, side="left"))[distinct].astype(np.float64)
    tie_term = float(np.sum(y_runs**3 - y_runs) + np.sum(t_x**3 - t_x) - np.sum(t_y**3 - t_y))
    return r1, tie_term


def _binom_pmf(k: float, n: int, p: float) -> float:
    return float(np.clip(_ufuncs._binom_pmf(k, n, p), 0, 1)) if 0 <= k <= n else 0.0


def _binom_cdf(k: float, n: int, p: float) -> float:
    k = math.floor(k)
    if k < 0:
        return 0.0
    return 1.0 if k >= n else float(np.clip(_ufuncs._binom_cdf(k, n, p), 0, 1))


def _binom_sf(k: float, n: int, p: float) -> float:
    k = math.floor(k)
    if k < 0:
        return 1.0
    return 0.0 if k >= n else float(np.clip(_ufuncs._binom_sf(k, n, p), 0, 1))


def _search(a: Callable[[float], float], d: float, lo: float, hi: float) -> float:
    """scipy's ``_binary_search_for_binom_tst``: ``i`` in ``[lo, hi]`` with ``a(i) <= d < a(i + 1)``."""
    while lo < hi:
        mid = lo + (hi - lo) // 2
        value = a(mid)
        if value < d:
            lo = mid + 1
        elif value > d:
            hi = mid - 1
        else:
            return mid
    return lo if a(lo) <= d else lo - 1


def binomtest_pvalue(k: int, n: int, p: float) -> float:
    """Two-sided exact binomial p-value of ``k`` successes in ``n`` trials at rate ``p``.

    The outcomes no more likely than ``k`` (within a relative 1e-7) on the far side of the
    mode are added to ``k``'s own tail, as ``scipy.stats.binomtest`` does. ``0 <= k <= n``,
    ``n >= 1``, ``0 < p < 1``.

    Examples
    --------
    >>> round(binomtest_pvalue(18, 18, 0.78), 4)
    0.0197
    """
    if not (n >= 1 and 0 <= k <= n and 0 < p < 1):
        raise ValueError(f"binomtest_pvalue needs n >= 1, 0 <= k <= n and 0 < p < 1, got k={k!r}, n={n!r}, p={p!r}")
    d = _binom_pmf(k, n, p)
    if k == p * n:
        return 1.0
    if k < p * n:
        ix = _search(lambda x: -_binom_pmf(x, n, p), -d * _RERR, np.ceil(p * n), n)
        y = n - ix + int(d * _RERR == _binom_pmf(ix, n, p))
        pval = _binom_cdf(k, n, p) + _binom_sf(n - y, n, p)
    else:
        ix = _search(lambda x: _binom_pmf(x, n, p), d * _RERR, 0, np.floor(p * n))
        pval = _binom_cdf(ix, n, p) + _binom_sf(k - 1, n, p)
    return min(1.0, pval)


def bh_adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values of a one-dimensional family without NaNs.

    Examples
    --------
    >>> bh_adjust(np.array([0.01, 0.04, 0.03])).round(6).tolist()
    [0.03, 0.04, 0.04]
    """
    p = np.asarray(p, dtype=np.float64)
    m = p.size
    if m <= 1:
        return p.copy()
    order = np.argsort(p)
    scaled = p[order] * (m / np.arange(1, m + 1, dtype=np.float64))
    np.minimum.accumulate(scaled[::-1], out=scaled[::-1])
    out = np.empty(m)
    out[order] = scaled
    return np.clip(out, 0.0, 1.0)


def rank_rows(values: np.ndarray) -> np.ndarray:
    """The rank of each value within its row of a 2-D array (1 for the smallest; tied
    values share the average of their ranks), NaN left NaN and out of the ranking.

    Examples
    --------
    >>> rank_rows(np.array([[3.0, 1.0, 3.0, np.nan, 2.0]]))
    array([[3.5, 1. , 3.5, nan, 2. ]])
    """
    x = np.asarray(values, dtype=np.float64)
    rows, width = x.shape
    out = np.full((rows, width), np.nan)
    if not x.size:
        return out
    order = np.argsort(x, axis=1, kind="stable")  # NaN sorts last: the others rank as if it were absent
    ranked = np.take_along_axis(x, order, axis=1)
    column = np.broadcast_to(np.arange(width), (rows, width))
    starts = np.ones((rows, width), dtype=bool)
    starts[:, 1:] = ranked[:, 1:] != ranked[:, :-1]  # a run of equal values begins
    ends = np.ones((rows, width), dtype=bool)
    ends[:, :-1] = starts[:, 1:]
    first = np.maximum.accumulate(np.where(starts, column, 0), axis=1)  # each value's run, by its first and last place
    last = np.minimum.accumulate(np.where(ends, column, width - 1)[:, ::-1], axis=1)[:, ::-1]
    np.put_along_axis(out, order, (first + last) / 2 + 1, axis=1)  # a half-integer: exact, as scipy's
    out[np.isnan(x)] = np.nan
    return out
