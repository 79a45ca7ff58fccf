"""Effective sample size of overlapping event windows, and the minimum detectable effect.

Forward returns over ``h`` days from two events ``d`` trading days apart share
``max(0, h - d)`` of their daily returns. For i.i.d. daily returns their correlation is
``rho(d) = max(0, 1 - d / h)`` (the autocorrelation of an ``h``-day moving sum), so the
variance of the mean of ``n`` event returns is ``sigma^2 / n^2 * sum_ij rho_ij`` and the
number of independent returns it is worth is Kish's effective sample size

    n_eff = n^2 / sum_{i,j} rho(|t_i - t_j|)        (diagonal included, rho = 1)

with ``t`` the events' positions on the study calendar. ``n_eff = n`` when no windows
overlap and ``1`` when all events fall on one day. The minimum detectable effect of the
mean at power ``1 - beta`` and two-sided level ``alpha`` is

    mde = (z_{1 - alpha/2} + z_{1 - beta}) * sd / sqrt(n_eff)

with ``sd`` the baseline's standard deviation (normal approximation); for % positive
``sd = sqrt(p0 (1 - p0))`` with ``p0`` the baseline rate, and for the median
``sd * sqrt(pi / 2)`` (its asymptotic efficiency under normality).

References
----------
Kish, L. (1965). *Survey Sampling*. Wiley (design effect, effective sample size).
Hansen, L. P. and Hodrick, R. J. (1980). Forward exchange rates as optimal predictors of
future spot rates. *Journal of Political Economy* 88, 829-853 (overlapping observations).
Cohen, J. (1988). *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed.
"""

from __future__ import annotations

import math

import numpy as np

from eventstudy.inference.distributions import norm_ppf

__all__ = ["NEFF_WARNING", "effective_sample_size", "minimum_detectable_effect"]

NEFF_WARNING = 10.0
"""Below this effective sample size the row carries a warning."""


def effective_sample_size(positions: np.ndarray, horizon_days: int) -> float:
    """``n^2 / sum_ij max(0, 1 - |t_i - t_j| / h)``; NaN without events.

    Examples
    --------
    >>> effective_sample_size(np.array([0, 100, 200]), 21)
    3.0
    >>> effective_sample_size(np.array([0, 10]), 20)  # half-overlapping pair
    1.3333333333333333
    """
    t = np.asarray(positions, dtype=np.float64)
    if t.size == 0:
        return float("nan")
    if horizon_days < 1:
        raise ValueError(f"`horizon_days` must be >= 1, got {horizon_days}")
    # sum over pairs i < j of the overlap (1 - (t_j - t_i) / h), by prefix sums: O(n log n)
    t = np.sort(t)
    n = t.size
    prefix = np.concatenate([[0.0], np.cumsum(t)])
    hi = np.searchsorted(t, t + horizon_days, side="left")  # first j with t_j >= t_i + h
    lo = np.arange(1, n + 1)
    count = np.maximum(hi - lo, 0)
    spread = prefix[np.maximum(hi, lo)] - prefix[lo] - count * t
    pairs = float((count - spread / horizon_days).sum())
    return float(n**2 / (n + 2 * pairs))


def minimum_detectable_effect(sd: float, n_eff: float, alpha: float = 0.05, power: float = 0.80) -> float:
    """``(z_{1-alpha/2} + z_{power}) * sd / sqrt(n_eff)``; NaN when undefined, a zero
    spread included (a constant series, or every day positive for the share positive:
    the formula's 0 would read as any effect being detectable).

    Examples
    --------
    >>> round(minimum_detectable_effect(0.1, 16.0), 5)
    0.07004
    >>> minimum_detectable_effect(0.0, 16.0)
    nan
    """
    if not (n_eff > 0 and math.isfinite(sd) and sd > 0):
        return float("nan")
    z = norm_ppf(1 - alpha / 2) + norm_ppf(power)
    return float(z * sd / math.sqrt(n_eff))
