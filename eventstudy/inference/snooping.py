"""Data-snooping control for a parameter sweep: was the best cell better than luck?

A sweep tries many variants (thresholds, gaps, horizons) and reports the best. Each cell
``k`` has an observed studentized statistic ``z_k = (t_k - c_k) / s_k`` (its placebo
null's mean ``c_k`` and stdev ``s_k``) and placebo draws ``z*_{k,b}`` from the same
placebo machinery, drawn with one seed for every cell. The question is one-sided: is the
*largest* ``z`` larger than the largest a grid of pure chance produces?

* :func:`reality_check`: White's (2000) Reality Check p-value,
  ``(1 + #{b: max_k z*_{k,b} >= max_k z_k}) / (B + 1)``.
* :func:`spa_test`: Hansen's (2005) Superior Predictive Ability test (consistent
  version): cells whose ``z_k`` is below ``-sqrt(2 log log n_k)`` are clearly poor, and
  their null draws are shifted down by ``z_k`` so they cannot dominate the maximum; the
  statistic is ``max(0, max_k z_k)`` in the data and in every draw, so a grid whose best
  cell is not above its null (every ``z_k <= 0``) gets p = 1. Otherwise never above the
  Reality Check p-value, and less conservative when the grid holds many poor cells.
* Per-cell step-down p-values (Romano and Wolf, 2005) are
  :func:`eventstudy.inference.multiple.maxstat_stepdown` on the same draws.

References
----------
White, H. (2000). A reality check for data snooping. *Econometrica* 68(5), 1097-1126.
Hansen, P. R. (2005). A test for superior predictive ability. *Journal of Business &
Economic Statistics* 23(4), 365-380.
Romano, J. P. and Wolf, M. (2005). Stepwise multiple testing as formalized data snooping.
*Econometrica* 73(4), 1237-1282.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["reality_check", "spa_test"]


def _iv(observed: np.ndarray, null: np.ndarray, n: np.ndarray | int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cells tested: their ``z``, draws and ``n``. A cell whose ``z`` or a draw is NaN is
    left out, and so is one whose ``z`` is infinite (a null without spread, ``d / 0``, which
    says nothing), as :func:`~eventstudy.inference.multiple.maxstat_stepdown` leaves it."""
    z = np.asarray(observed, dtype=np.float64)
    draws = np.atleast_2d(np.asarray(null, dtype=np.float64))
    if draws.shape[0] != z.shape[0]:
        raise ValueError(f"`null` must have one row per cell ({z.shape[0]}), got shape {draws.shape}")
    ok = np.isfinite(z) & ~np.isnan(draws).any(axis=1)
    counts = np.asarray(np.nan if n is None else n, dtype=np.float64)
    counts = np.full(z.shape, counts) if counts.ndim == 0 else counts
    if counts.shape != z.shape:
        raise ValueError(f"`n` must be one number or one per cell ({z.shape[0]}), got shape {counts.shape}")
    if n is not None and np.any(~(counts[ok] >= 3)):
        raise ValueError(f"`n` must be 3 or more for every cell tested (log log n is not positive below e), got {counts[ok].min():g}")
    return z[ok], draws[ok], counts[ok]


def reality_check(observed: np.ndarray, null: np.ndarray) -> float:
    """White's Reality Check p-value for the best of ``observed`` (shape ``(k,)``).

    ``null`` has shape ``(k, B)``: each cell's studentized placebo draws, row-aligned.

    Examples
    --------
    >>> null = np.array([[0.1, 0.5, 2.0, -0.3], [1.5, -0.2, 0.4, 0.1]])
    >>> reality_check(np.array([1.8, -0.3]), null)
    0.4
    """
    z, draws, _ = _iv(observed, null)
    if z.size == 0:
        return math.nan
    best = z.max()
    count = int((draws.max(axis=0) >= best - 1e-12 * abs(best)).sum())
    return (1 + count) / (draws.shape[1] + 1)


def spa_test(observed: np.ndarray, null: np.ndarray, n: np.ndarray | int) -> float:
    """Hansen's SPA p-value (consistent recentring) for the best of ``observed``.

    ``n`` is each cell's sample size (shape ``(k,)``, or one number for every cell): the
    number of observations its statistic is computed from, which in a sweep is the cell's
    events (the ledger's ``n``: ``z_k`` studentizes the mean of its ``n_k`` events). A cell
    is clearly poor when ``z_k < -sqrt(2 log log n_k)``, Hansen's threshold on the
    studentized scale (arch's ``SPA``: ``-sqrt(omega^2 / t * 2 log log t)`` on the mean's,
    ``t`` the observations), which the law of the iterated logarithm bounds a cell at its
    null by; the number of placebo draws plays no part in it. A cell that is tested needs
    ``n_k >= 3`` (``log log n`` is not positive below ``e``); a cell left out (its ``z``
    NaN or infinite, or a draw NaN) needs none.

    Examples
    --------
    >>> null = np.array([[0.1, 0.5, 2.0, -0.3], [1.5, -0.2, 0.4, 0.1], [0.2, 3.0, 0.1, 0.0]])
    >>> spa_test(np.array([1.8, -0.3, -9.0]), null, n=40) <= reality_check(np.array([1.8, -0.3, -9.0]), null)
    True
    >>> spa_test(np.array([-2.5, -5.3, -9.0]), null, n=40)  # no cell above its null: nothing to find
    1.0
    """
    z, draws, counts = _iv(observed, null, n)
    if z.size == 0:
        return math.nan
    reps = draws.shape[1]
    threshold = -np.sqrt(2 * np.log(np.log(counts)))
    shift = np.where(z < threshold, z, 0.0)  # clearly poor cells: recentred at their (negative) value
    best = max(z.max(), 0.0)
    null_best = np.maximum((draws + shift[:, None]).max(axis=0), 0.0)  # Hansen's T = max(0, max_k z_k), in every draw too
    count = int((null_best >= best - 1e-12 * abs(best)).sum())
    return (1 + count) / (reps + 1)
