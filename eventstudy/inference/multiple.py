"""Multiple testing across the cells of a study: Holm, Benjamini-Hochberg and max-T.

All three take a family of p-values (or statistics) and return adjusted p-values in the
same order; NaN entries (untestable cells) are left out of the family and stay NaN.

* :func:`holm`: step-down Bonferroni; controls the family-wise error rate (FWER) under any
  dependence.
* :func:`benjamini_hochberg`: the BH step-up; controls the false discovery rate for
  independent or positively dependent tests (``scipy.stats.false_discovery_control``).
* :func:`maxstat_stepdown`: the step-down max-T adjustment of Westfall and Young, in the
  form Romano and Wolf prove controls the FWER, computed from the *same* placebo draws for
  every cell, so the dependence between cells (shared days, correlated assets, nested
  horizons) is used rather than bounded. Each cell's statistic is studentized by its own
  placebo standard deviation so cells on different scales compare.

References
----------
Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scandinavian
Journal of Statistics* 6, 65-70.
Benjamini, Y. and Hochberg, Y. (1995). Controlling the false discovery rate. *JRSS B* 57,
289-300.
Westfall, P. H. and Young, S. S. (1993). *Resampling-Based Multiple Testing*. Wiley
(Algorithm 2.8, step-down max-T).
Romano, J. P. and Wolf, M. (2005). Exact and approximate stepdown methods for multiple
hypothesis testing. *JASA* 100, 94-108.
"""

from __future__ import annotations

import numpy as np

from eventstudy.inference.distributions import bh_adjust

__all__ = ["benjamini_hochberg", "holm", "maxstat_stepdown"]

_EPS = np.finfo(np.float64).eps * 100


def _pvalues_iv(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(p, dtype=np.float64)
    if p.ndim != 1:
        raise ValueError(f"`p` must be one-dimensional, got shape {p.shape}")
    ok = ~np.isnan(p)
    if np.any((p[ok] < 0) | (p[ok] > 1)):
        raise ValueError("`p` must hold probabilities in [0, 1] (or NaN)")
    return p, ok


def holm(p: np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values: ``max_{j<=i} min(1, (m - j + 1) p_(j))`` in sorted order.

    Examples
    --------
    >>> holm(np.array([0.01, 0.04, 0.03])).tolist()
    [0.03, 0.06, 0.06]
    """
    p, ok = _pvalues_iv(p)
    out = np.full_like(p, np.nan)
    q = p[ok]
    m = q.size
    if m == 0:
        return out
    order = np.argsort(q, kind="stable")
    scaled = np.minimum(1.0, (m - np.arange(m)) * q[order])
    adjusted = np.empty(m)
    adjusted[order] = np.maximum.accumulate(scaled)
    out[ok] = adjusted
    return out


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (``scipy.stats.false_discovery_control``).

    Examples
    --------
    >>> benjamini_hochberg(np.array([0.01, 0.04, 0.03])).round(6).tolist()
    [0.03, 0.04, 0.04]
    """
    p, ok = _pvalues_iv(p)
    out = np.full_like(p, np.nan)
    if ok.any():
        out[ok] = bh_adjust(p[ok])
    return out


def maxstat_stepdown(observed: np.ndarray, null: np.ndarray) -> np.ndarray:
    """Step-down max-T adjusted p-values from a joint null distribution.

    Parameters
    ----------
    observed
        Shape ``(k,)``: each cell's studentized statistic ``|t_i|``.
    null
        Shape ``(k, B)``: the same statistic on placebo draw ``b``, for every cell; the
        draws must be joint (row-aligned across cells).

    Returns
    -------
    Adjusted p-values: with cells sorted by ``|t|`` descending,
    ``p_(j) = (1 + #{b: max_{i>=j} |T_(i),b| >= |t_(j)|}) / (B + 1)``, made monotone by
    a running maximum. Never below the cell's own Monte Carlo p-value. A cell whose
    statistic is NaN, or infinite (a null without spread: ``|t| / 0``, which no draw can
    reach and which says nothing), is left out: NaN.

    Examples
    --------
    >>> null = np.array([[0.1, 0.5, 2.0, 0.3], [1.5, 0.2, 0.4, 0.1]])
    >>> maxstat_stepdown(np.array([1.8, 0.3]), null).tolist()
    [0.4, 0.6]
    """
    t = np.abs(np.asarray(observed, dtype=np.float64))
    t[np.isinf(t)] = np.nan  # one event, say: every history's statistic alike, so |t| = d / 0
    null = np.abs(np.atleast_2d(np.asarray(null, dtype=np.float64)))
    if null.shape[0] != t.shape[0]:
        raise ValueError(f"`null` must have one row per observed statistic ({t.shape[0]}), got shape {null.shape}")
    out = np.full(t.shape, np.nan)
    ok = ~np.isnan(t) & ~np.isnan(null).any(axis=1)
    if not ok.any():
        return out
    idx = np.flatnonzero(ok)
    order = idx[np.argsort(-t[idx], kind="stable")]
    reps = null.shape[1]
    # max over cells ranked j and below: a running maximum from the last row up, one row at a
    # time (the same maxima as np.maximum.accumulate over the reversed rows, whose loop along
    # the short axis of cells took 1.6 ms at 10 cells x 10,000 draws)
    tail_max = null[order]
    for j in range(tail_max.shape[0] - 2, -1, -1):
        np.maximum(tail_max[j + 1], tail_max[j], out=tail_max[j])
    tol = np.abs(_EPS * t[order])[:, None]
    counts = (tail_max >= t[order][:, None] - tol).sum(axis=1)
    out[order] = np.maximum.accumulate((1 + counts) / (reps + 1))
    return out
