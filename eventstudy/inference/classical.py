"""Classical companions to the placebo test: shown beside it, never headlined.

All compare the events with the (all-days or nested) baseline of the same cell:

* :func:`welch_test`: Welch's unequal-variance t-test of the event mean against the
  baseline days' mean; assumes independent observations.
* :func:`student_test`: the pooled-variance (Student) t-test, the same as OLS of the
  all-days series on an event dummy with i.i.d. errors: the *naive* test, used in
  calibration as a negative control because overlapping returns are not independent.
* :func:`mann_whitney_test`: Mann-Whitney U of event values against baseline values.
* :func:`binomial_test`: the count of positive event outcomes against the baseline's rate
  of positive outcomes (not 50%).
* :func:`hac_event_test`: OLS of the baseline series ``y_t`` on ``[1, D_t]`` (``D_t = 1``
  on event days) with Newey-West (Bartlett kernel) standard errors; the slope is the
  event mean minus the non-event mean, its t-statistic robust to the autocorrelation that
  overlapping h-day returns carry (lag :func:`hac_lag`, at least ``h - 1``).

The HAC test is computed without forming the ``T x T`` kernel: with ``Q(a, b) =
sum_{t,s} w(|t-s|) a_t b_s``, every term of the slope's variance reduces to the kernel
convolution of ``y`` and of ones (once per series) plus ``n x n`` sums over event pairs,
so many event sets on one series cost ``O(T L + S n^2)``. :func:`newey_west` is the plain
textbook estimator, kept as the reference it is tested against.

References
----------
Newey, W. K. and West, K. D. (1987). A simple, positive semi-definite, heteroskedasticity
and autocorrelation consistent covariance matrix. *Econometrica* 55, 703-708.
Welch, B. L. (1947). The generalization of "Student's" problem when several different
population variances are involved. *Biometrika* 34, 28-35.
Mann, H. B. and Whitney, D. R. (1947). On a test of whether one of two random variables
is stochastically larger than the other. *Ann. Math. Statist.* 18, 50-60.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = [
    "HacResult",
    "binomial_pvalues",
    "binomial_test",
    "hac_event_test",
    "hac_lag",
    "mann_whitney_test",
    "newey_west",
    "student_test",
    "welch_test",
]


def _two_sided_t(t: np.ndarray, df: np.ndarray | float) -> np.ndarray:
    return 2 * stats.t.sf(np.abs(t), df)


def welch_test(events: np.ndarray, baseline: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Welch t and two-sided p of the event mean vs the baseline mean (last axis = obs).

    ``events`` may be ``(..., n)`` (many event sets) against one ``baseline`` ``(T,)``.
    Fewer than two events gives NaN.

    Examples
    --------
    >>> t, p = welch_test(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5, 1.5]))
    >>> round(float(t), 4), round(float(p), 4)
    (1.8898, 0.1485)
    """
    x = np.asarray(events, dtype=np.float64)
    y = np.asarray(baseline, dtype=np.float64)
    n, m = x.shape[-1], y.size
    if n < 2 or m < 2:
        shape = x.shape[:-1]
        return np.full(shape, np.nan)[()], np.full(shape, np.nan)[()]
    vx, vy = x.var(axis=-1, ddof=1) / n, y.var(ddof=1) / m
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (x.mean(axis=-1) - y.mean()) / np.sqrt(vx + vy)
        df = (vx + vy) ** 2 / (vx**2 / (n - 1) + vy**2 / (m - 1))
    return t, _two_sided_t(t, df)


def student_test(events: np.ndarray, baseline: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pooled-variance t and two-sided p, event values vs the baseline values (naive i.i.d.)."""
    x = np.asarray(events, dtype=np.float64)
    y = np.asarray(baseline, dtype=np.float64)
    n, m = x.shape[-1], y.size
    if n < 1 or m < 1 or n + m < 3:
        shape = x.shape[:-1]
        return np.full(shape, np.nan)[()], np.full(shape, np.nan)[()]
    ssx = ((x - x.mean(axis=-1, keepdims=True)) ** 2).sum(axis=-1)
    pooled = (ssx + ((y - y.mean()) ** 2).sum()) / (n + m - 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (x.mean(axis=-1) - y.mean()) / np.sqrt(pooled * (1 / n + 1 / m))
    return t, _two_sided_t(t, n + m - 2)


def mann_whitney_test(events: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """Two-sided Mann-Whitney U p-value (normal approximation with tie correction)."""
    x = np.asarray(events, dtype=np.float64)
    if x.shape[-1] < 1:
        return np.full(x.shape[:-1], np.nan)[()]
    y = np.broadcast_to(np.asarray(baseline, dtype=np.float64), (*x.shape[:-1], np.size(baseline)))
    return stats.mannwhitneyu(x, y, axis=-1, method="asymptotic").pvalue


def binomial_test(positives: int, nobs: int, rate: float) -> float:
    """Two-sided exact binomial p-value of ``positives`` out of ``nobs`` at ``rate``.

    Examples
    --------
    >>> round(binomial_test(18, 18, 0.78), 4)
    0.0197
    """
    if nobs < 1 or not 0 < rate < 1:
        return float("nan")
    return float(stats.binomtest(int(positives), int(nobs), rate).pvalue)


def binomial_pvalues(nobs: int, rate: float) -> np.ndarray:
    """:func:`binomial_test` for every count ``0..nobs`` (a lookup table)."""
    return np.array([binomial_test(k, nobs, rate) for k in range(nobs + 1)])


def hac_lag(horizon_days: int) -> int:
    """Newey-West truncation lag for ``h``-day overlapping returns: ``2 (h - 1)``, at least 1.

    Overlapping h-day returns are autocorrelated up to lag ``h - 1``; the Bartlett kernel
    down-weights lag ``l`` by ``1 - l / (L + 1)``, so a lag of exactly ``h - 1`` would
    shrink the overlap it is there to count (by a third for a triangular autocorrelation);
    ``2 (h - 1)`` keeps at least half of every overlapping pair's weight.
    """
    return max(1, 2 * (int(horizon_days) - 1))


def _kernel(lag: int) -> np.ndarray:
    lags = np.arange(-lag, lag + 1)
    return 1 - np.abs(lags) / (lag + 1)


def newey_west(regressors: np.ndarray, resid: np.ndarray, lag: int) -> np.ndarray:
    """Newey-West covariance of OLS coefficients: ``(X'X)^-1 S (X'X)^-1``.

    ``S = G_0 + sum_{l=1..L} (1 - l/(L+1)) (G_l + G_l')`` with ``G_l = sum_t g_t g_{t-l}'``,
    ``g_t = x_t u_t``; no small-sample correction.
    """
    x = np.asarray(regressors, dtype=np.float64)
    g = x * np.asarray(resid, dtype=np.float64)[:, None]
    s = g.T @ g
    for l in range(1, min(lag, x.shape[0] - 1) + 1):
        gamma = g[l:].T @ g[:-l]
        s += (1 - l / (lag + 1)) * (gamma + gamma.T)
    bread = np.linalg.inv(x.T @ x)
    return bread @ s @ bread


@dataclass(frozen=True)
class HacResult:
    """OLS of the series on an event dummy with Newey-West errors, per event set.

    Attributes
    ----------
    coef
        Slope: event mean minus non-event mean.
    se
        Its Newey-West standard error.
    t, p
        ``coef / se`` and the two-sided normal p-value.
    """

    coef: np.ndarray
    se: np.ndarray
    t: np.ndarray
    p: np.ndarray


def hac_event_test(values: np.ndarray, events: np.ndarray, lag: int, *, chunk: int = 256) -> HacResult:
    """HAC t-test of an event dummy for one or many event sets on one series.

    Parameters
    ----------
    values
        The series ``y`` in time order, ``(T,)``, no NaN.
    events
        ``(n,)`` or ``(S, n)`` distinct indices into ``values``: the event days.
    lag
        Newey-West truncation lag ``L``.
    """
    y = np.asarray(values, dtype=np.float64)
    y = y - y.mean()
    idx = np.atleast_2d(np.asarray(events, dtype=np.int64))
    total, n = y.size, idx.shape[1]
    if n < 1 or n >= total:
        nan = np.full(idx.shape[0], np.nan)
        return HacResult(nan, nan, nan, nan)
    lag = max(0, min(int(lag), total - 1))
    kernel = _kernel(lag)
    wy = np.convolve(y, kernel)[lag : lag + total]
    w1 = np.convolve(np.ones(total), kernel)[lag : lag + total]
    qyy, qy1, q11 = y @ wy, wy.sum(), w1.sum()
    coef = np.empty(idx.shape[0])
    var = np.empty(idx.shape[0])
    for lo in range(0, idx.shape[0], chunk):
        e = idx[lo : lo + chunk]
        ye = y[e]
        mean_event = ye.mean(axis=1)
        a = -ye.sum(axis=1) / (total - n)  # non-event mean (y is centred)
        b = mean_event - a
        dist = np.abs(e[:, :, None] - e[:, None, :])
        pair_w = np.where(dist <= lag, 1 - dist / (lag + 1), 0.0)
        q_dd = pair_w.sum(axis=(1, 2))
        conv_e = wy[e] - a[:, None] * w1[e]  # (w * (y - a)) at the events
        q_yd = conv_e.sum(axis=1)
        q_uu = qyy - 2 * a * qy1 + a**2 * q11 - 2 * b * q_yd + b**2 * q_dd
        u_e = ye - mean_event[:, None]
        wu_e = conv_e - b[:, None] * pair_w.sum(axis=2)
        q_udu = (u_e * wu_e).sum(axis=1)
        q_dudu = np.einsum("si,sij,sj->s", u_e, pair_w, u_e)
        alpha, beta = -1 / (total - n), total / (n * (total - n))
        coef[lo : lo + chunk] = b
        var[lo : lo + chunk] = alpha**2 * q_uu + 2 * alpha * beta * q_udu + beta**2 * q_dudu
    se = np.sqrt(np.maximum(var, 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = coef / se
    return HacResult(coef=coef, se=se, t=t, p=2 * stats.norm.sf(np.abs(t)))
