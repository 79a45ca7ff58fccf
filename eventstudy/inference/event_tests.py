"""The standard tests of classical event studies, per day and per window.

Each test takes the :class:`~eventstudy.inference.abnormal.AbnormalReturns` of a study and
a list of windows ``[a, b]`` inside the event window (by default every single day
``[t, t]``) and tests, per window, that the events' average abnormal return over it is
zero. A window's statistic uses the events whose abnormal returns are present on every
day of it (``nobs``); p-values are two-sided.

With ``CAR_i = sum_{t=a..b} AR_it`` over ``W = b - a + 1`` days, its forecast-error
variance ``V_i = s_i^2 (W + g_i'(X_i'X_i)^-1 g_i)`` (:meth:`AbnormalReturns.car_variance`;
``s_i^2 C_it`` on one day) and the standardized ``SCAR_i = CAR_i / sqrt(V_i)``:

==========================  ===================================================================  ==========
name                        statistic                                                            null
==========================  ===================================================================  ==========
``t``                       ``mean(CAR) / (sd(CAR) / sqrt(n))``                                  t(n - 1)
``patell``                  ``sum SCAR_i / sqrt(sum d_i / (d_i - 2))``                           N(0, 1)
``bmp``                     ``mean(SCAR) / (sd(SCAR) / sqrt(n))``                                t(n - 1)
``kolari_pynnonen``         ``bmp * sqrt((1 - r) / (1 + (n - 1) r))``                            t(n - 1)
``corrado``                 ``mean_i(sum_t D_it) / (sqrt(W) S_D)``                               N(0, 1)
``corrado_zivney``          ``n^-1/2 sum_i sum_t (U_it - 1/2) / (sqrt(W) S_U)``                  N(0, 1)
``generalized_sign``        ``(w - n p) / sqrt(n p (1 - p))``                                    N(0, 1)
``calendar_time``           ``mean_d(AR_pd) / (sd(AR_p) / sqrt(D))``                             t(D - 1)
==========================  ===================================================================  ==========

(``sd`` with ``n - 1``; ``d_i = L_i - p`` the residual degrees of freedom; ``r`` the
average cross-correlation of the residuals; ``D``, ``U`` ranks; ``w`` the events with a
positive CAR and ``p`` the fraction of positive estimation-window residuals; ``AR_pd`` the
equal-weight portfolio abnormal return on calendar day ``d`` of the ``D`` days it holds
an event: see each function.) ``t`` and ``generalized_sign`` use only signs or raw CARs; ``patell`` assumes
the estimation-window variance holds in the event window; ``bmp`` does not (it is robust to
event-induced variance); ``kolari_pynnonen`` further corrects ``bmp`` for cross-correlation
of clustered events; the rank tests estimate their variance from the time series of
average ranks; ``calendar_time`` takes each calendar day as one observation, so
cross-correlation of events on the same day is in its variance (but with every event on
one day it has one observation and no statistic).

References
----------
Patell, J. M. (1976). Corporate forecasts of earnings per share and stock price behavior:
empirical tests. *Journal of Accounting Research* 14, 246-276.
Brown, S. J. and Warner, J. B. (1985). Using daily stock returns: the case of event
studies. *Journal of Financial Economics* 14, 3-31.
Boehmer, E., Musumeci, J. and Poulsen, A. B. (1991). Event-study methodology under
conditions of event-induced variance. *Journal of Financial Economics* 30, 253-272.
Kolari, J. W. and Pynnönen, S. (2010). Event study testing with cross-sectional
correlation of abnormal returns. *Review of Financial Studies* 23, 3996-4025.
Corrado, C. J. (1989). A nonparametric test for abnormal security-price performance in
event studies. *Journal of Financial Economics* 23, 385-395.
Corrado, C. J. and Zivney, T. L. (1992). The specification and power of the sign test in
event study hypothesis tests using daily stock returns. *JFQA* 27, 465-478.
Campbell, C. J. and Wasley, C. E. (1993). Measuring security price performance using
daily NASDAQ returns. *Journal of Financial Economics* 33, 73-92 (the multi-day rank test).
Cowan, A. R. (1992). Nonparametric event study tests. *Review of Quantitative Finance and
Accounting* 2, 343-358.
Jaffe, J. F. (1974). Special information and insider trading. *Journal of Business* 47,
410-428.
Mandelker, G. (1974). Risk and return: the case of merging firms. *Journal of Financial
Economics* 1, 303-335.
Fama, E. F. (1998). Market efficiency, long-term returns, and behavioral finance.
*Journal of Financial Economics* 49, 283-306.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import polars as pl

from eventstudy.errors import ConfigError, UnknownNameError, did_you_mean
from eventstudy.inference.abnormal import AbnormalReturns, BoolArray, FloatArray, IntArray
from eventstudy.inference.distributions import norm_sf, rank_rows, t_sf

__all__ = [
    "EVENT_TESTS",
    "MIN_COMMON_DAYS",
    "EventTest",
    "bmp_test",
    "calendar_time_test",
    "corrado_test",
    "corrado_zivney_test",
    "cross_sectional_t",
    "event_tests",
    "event_tests_frame",
    "generalized_sign_test",
    "kolari_pynnonen_test",
    "patell_test",
    "residual_cross_correlation",
]

Windows = Sequence[tuple[int, int]] | None

MIN_COMMON_DAYS = 20
"""Two events whose estimation windows share fewer valid days count as uncorrelated."""

_PAIR_VALUES = 1 << 22  # residual values per batch of event pairs


@dataclass(frozen=True)
class EventTest:
    """One test over several windows: arrays with one entry per window ``[start, end]``.

    ``detail`` holds what a report may show besides the statistic (``rbar`` for
    Kolari-Pynnönen, ``positive`` and ``expected_fraction`` for the sign test).
    """

    test: str
    start: IntArray
    end: IntArray
    statistic: FloatArray
    pvalue: FloatArray
    nobs: IntArray
    detail: dict[str, FloatArray] = field(default_factory=dict)

    def to_frame(self) -> pl.DataFrame:
        """One row per window: ``test, start, end, statistic, pvalue, n`` (NaN as null)."""
        return pl.DataFrame(
            {
                "test": [self.test] * self.start.size,
                "start": self.start,
                "end": self.end,
                "statistic": self.statistic,
                "pvalue": self.pvalue,
                "n": self.nobs,
            },
            schema={"test": pl.String, "start": pl.Int64, "end": pl.Int64, "statistic": pl.Float64, "pvalue": pl.Float64, "n": pl.Int64},
        ).with_columns(pl.col("statistic", "pvalue").fill_nan(None))


def _windows(ar: AbnormalReturns, windows: Windows) -> tuple[IntArray, IntArray]:
    if windows is None:
        return ar.offsets, ar.offsets.copy()
    pairs = list(windows)
    starts = np.array([int(w[0]) for w in pairs], dtype=np.int64)
    ends = np.array([int(w[1]) for w in pairs], dtype=np.int64)
    for a, b in zip(starts, ends):
        if not ar.window.start <= a <= b <= ar.window.end:
            raise ConfigError(
                f"the test window [{a}, {b}] is not inside the event window [{ar.window.start}, {ar.window.end}]",
                hint="a test window is [first day, last day] with both days in the event window",
            )
    return starts, ends


def _window_sums(values: FloatArray, ar: AbnormalReturns, starts: IntArray, ends: IntArray) -> FloatArray:
    """``(n, m)`` sums of ``values`` (n, W) over each window; NaN if a day of it is missing."""
    n = values.shape[0]
    missing = np.isnan(values)
    total = np.concatenate([np.zeros((n, 1)), np.cumsum(np.where(missing, 0.0, values), axis=1)], axis=1)
    holes = np.concatenate([np.zeros((n, 1), dtype=np.int64), np.cumsum(missing, axis=1)], axis=1)
    a = starts - ar.window.start
    b = ends - ar.window.start + 1
    out: FloatArray = np.where(holes[:, b] - holes[:, a] > 0, np.nan, total[:, b] - total[:, a])
    return out


def _cars(ar: AbnormalReturns, starts: IntArray, ends: IntArray) -> FloatArray:
    return _window_sums(ar.abnormal, ar, starts, ends)


def _scars(ar: AbnormalReturns, starts: IntArray, ends: IntArray) -> FloatArray:
    """``(n, m)`` standardized CARs: ``CAR / (s sqrt(W + g'(X'X)^-1 g))``."""
    n, _, p = ar.design.shape
    design = np.nan_to_num(ar.design)
    prefix = np.concatenate([np.zeros((n, 1, p)), np.cumsum(design, axis=1)], axis=1)
    a = starts - ar.window.start
    b = ends - ar.window.start + 1
    g = prefix[:, b, :] - prefix[:, a, :]
    quad = np.einsum("nmp,npq,nmq->nm", g, ar.xtx_inv, g)
    variance = ar.variance[:, None] * ((b - a)[None, :] + quad)
    out: FloatArray = _cars(ar, starts, ends) / np.sqrt(variance)
    return out


def _column_t(x: FloatArray) -> tuple[FloatArray, IntArray]:
    """Per column, over the non-NaN rows: ``mean / (sd / sqrt(n))`` and ``n``."""
    valid = ~np.isnan(x)
    n = valid.sum(axis=0).astype(np.int64)
    filled = np.where(valid, x, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = filled.sum(axis=0) / n
        ss = np.where(valid, (x - mean) ** 2, 0.0).sum(axis=0)
        sd = np.sqrt(ss / (n - 1))
        t = mean / (sd / np.sqrt(n))
    spread = sd > 1e-12 * np.abs(filled).max(axis=0, initial=0.0)  # beyond rounding noise
    t = np.where((n >= 2) & spread, t, np.nan)  # identical values (one event listed twice) test nothing
    return t, n


def _t_pvalue(t: FloatArray, n: IntArray) -> FloatArray:
    with np.errstate(invalid="ignore"):
        out: FloatArray = np.asarray(2 * t_sf(np.abs(t), np.maximum(n - 1, 1)), dtype=np.float64)
    return np.where(np.isnan(t), np.nan, out)


def _normal_pvalue(z: FloatArray) -> FloatArray:
    out: FloatArray = np.asarray(2 * norm_sf(np.abs(z)), dtype=np.float64)
    return out


def _result(name: str, starts: IntArray, ends: IntArray, statistic: FloatArray, pvalue: FloatArray, n: IntArray, **detail: FloatArray) -> EventTest:
    return EventTest(name, starts, ends, statistic.astype(np.float64), pvalue.astype(np.float64), n.astype(np.int64), dict(detail))


def cross_sectional_t(ar: AbnormalReturns, windows: Windows = None) -> EventTest:
    """Cross-sectional t-test of the CAAR (Brown and Warner 1985; BMP 1991's "ordinary" test).

    ``t = mean_i(CAR_i) / (sd(CAR) / sqrt(n))``, sd with ``n - 1``; p from Student's t with
    ``n - 1`` degrees of freedom. Assumes independent events; the cross-sectional variance
    makes it robust to event-induced variance.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> from eventstudy.inference.abnormal import abnormal_returns
    >>> ar = abnormal_returns(rng.normal(0, 0.02, (300, 20)), range(20), [280] * 20,
    ...                       window=(-2, 2), model="mean")
    >>> result = cross_sectional_t(ar, [(0, 0), (-2, 2)])
    >>> result.nobs.tolist()
    [20, 20]
    """
    starts, ends = _windows(ar, windows)
    t, n = _column_t(_cars(ar, starts, ends))
    return _result("t", starts, ends, t, _t_pvalue(t, n), n)


def patell_test(ar: AbnormalReturns, windows: Windows = None) -> EventTest:
    """Patell's (1976) standardized residual test.

    Each event's CAR is standardized by its forecast-error standard deviation from the
    estimation window, ``SCAR_i = CAR_i / (s_i sqrt(W + g_i'(X_i'X_i)^-1 g_i))`` (on one
    day ``SAR_it = AR_it / (s_i sqrt(C_it))`` with Patell's
    ``C_it = 1 + 1/L_i + (Rm_t - mean Rm)^2 / sum (Rm - mean Rm)^2`` for the market model).
    Under the null ``SCAR_i`` is Student-t with ``d_i = L_i - p`` degrees of freedom,
    variance ``d_i / (d_i - 2)``, so

    ``Z = sum_i SCAR_i / sqrt(sum_i d_i / (d_i - 2))``, p from N(0, 1).

    Over-rejects when the event raises the variance of returns (the estimation-window
    variance is then too small).
    """
    starts, ends = _windows(ar, windows)
    scar = _scars(ar, starts, ends)
    valid = ~np.isnan(scar)
    dof = ar.dof.astype(np.float64)
    scale = np.where(valid, (dof / (dof - 2))[:, None], 0.0).sum(axis=0)
    n = valid.sum(axis=0).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(n > 0, np.where(valid, scar, 0.0).sum(axis=0) / np.sqrt(scale), np.nan)
    return _result("patell", starts, ends, z, _normal_pvalue(z), n)


def bmp_test(ar: AbnormalReturns, windows: Windows = None) -> EventTest:
    """Boehmer, Musumeci and Poulsen's (1991) standardized cross-sectional test.

    The cross-sectional t-test of the standardized CARs of :func:`patell_test`:
    ``t = mean(SCAR) / (sd(SCAR) / sqrt(n))``, sd with ``n - 1``; p from Student's t with
    ``n - 1`` degrees of freedom. Estimating the variance across events makes it robust to
    event-induced variance; it still assumes the events independent.
    """
    starts, ends = _windows(ar, windows)
    t, n = _column_t(_scars(ar, starts, ends))
    return _result("bmp", starts, ends, t, _t_pvalue(t, n), n)


def _pearson(x: FloatArray, y: FloatArray) -> FloatArray:
    """Row-wise Pearson correlation over the days where both rows are present (0 if too few)."""
    both = ~(np.isnan(x) | np.isnan(y))
    count = both.sum(axis=1)
    xs = np.where(both, x, 0.0)
    ys = np.where(both, y, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        dx = np.where(both, x - (xs.sum(axis=1) / count)[:, None], 0.0)
        dy = np.where(both, y - (ys.sum(axis=1) / count)[:, None], 0.0)
        rho = (dx * dy).sum(axis=1) / np.sqrt((dx * dx).sum(axis=1) * (dy * dy).sum(axis=1))
    out: FloatArray = np.where((count >= MIN_COMMON_DAYS) & np.isfinite(rho), rho, 0.0)
    return out


def residual_cross_correlation(ar: AbnormalReturns, starts: IntArray, ends: IntArray, valid: BoolArray) -> FloatArray:
    """Average cross-correlation ``r`` of the events' abnormal CARs, per window ``[a, b]``.

    For two events ``i, j`` whose event days are ``lag = |day_i - day_j|`` panel days
    apart, the CARs over ``[a, b]`` (``W`` days) share ``max(0, W - lag)`` calendar days;
    with serially uncorrelated abnormal returns whose contemporaneous correlation is
    ``rho_ij``, ``corr(CAR_i, CAR_j) = rho_ij max(0, W - lag) / W``. ``rho_ij`` is the
    Pearson correlation of the two events' estimation-window residuals over the calendar
    days both have (0 with fewer than :data:`MIN_COMMON_DAYS`), as Kolari and Pynnönen
    (2010) estimate it. Then

    ``r = sum_{i != j} rho_ij max(0, W - lag_ij) / W / (n (n - 1))``

    over the ``n`` events with ``valid`` CARs. With every event on the same day (the
    clustering Kolari and Pynnönen study) this is the plain average of the pairwise
    residual correlations; events whose windows never share a day add nothing.

    ``valid`` is ``(n_events, m)``; returns ``(m,)``. Work is linear in the number of event
    pairs less than a window apart, batched over pairs.
    """
    widths = ends - starts + 1
    n_windows = widths.size
    total = np.zeros(n_windows)
    order = np.argsort(ar.day, kind="stable")
    sorted_days = ar.day[order]
    residuals = ar.estimation_abnormal
    length = residuals.shape[1]
    positions = np.arange(order.size)
    max_lag = int(min(widths.max(initial=0), length))
    for lag in range(max_lag):
        lo = np.searchsorted(sorted_days, sorted_days + lag, side="left")
        hi = np.searchsorted(sorted_days, sorted_days + lag, side="right")
        if lag == 0:
            lo = np.maximum(lo, positions + 1)
        counts = np.maximum(hi - lo, 0)
        if not counts.any():
            continue
        weights = np.maximum(widths - lag, 0) / widths
        cum = np.concatenate([[0], np.cumsum(counts)])
        per_batch = max(1, _PAIR_VALUES // max(1, length - lag))
        cuts = np.unique(np.concatenate([np.searchsorted(cum, np.arange(0, cum[-1], per_batch), side="right") - 1, [order.size]]))
        for a0, a1 in pairwise(cuts.tolist()):
            reps = counts[a0:a1]
            first_pos = np.repeat(positions[a0:a1], reps)
            within = np.arange(int(reps.sum())) - np.repeat(cum[a0:a1] - cum[a0], reps)
            second_pos = np.repeat(lo[a0:a1], reps) + within
            first, second = order[first_pos], order[second_pos]
            rho = _pearson(residuals[first, lag:], residuals[second, : length - lag])
            both = valid[first] & valid[second]
            total += weights * (rho @ both)
    n = valid.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = np.where(n >= 2, 2 * total / (n * (n - 1)), np.nan)
    return out


def kolari_pynnonen_test(ar: AbnormalReturns, windows: Windows = None) -> EventTest:
    """Kolari and Pynnönen's (2010) adjustment of the BMP test for cross-correlation.

    Clustered events (many on the same day) have correlated abnormal returns, which the
    BMP test's cross-sectional variance does not see. With ``r`` the average
    cross-correlation of the events' abnormal returns over the window
    (:func:`residual_cross_correlation`, estimated from the estimation-window residuals),

    ``t_KP = t_BMP sqrt((1 - r) / (1 + (n - 1) r))``, p from Student's t with ``n - 1``
    degrees of freedom. ``r = 0`` (no window shares a day with another) gives BMP's test.
    ``detail['rbar']`` is ``r`` per window.
    """
    starts, ends = _windows(ar, windows)
    scar = _scars(ar, starts, ends)
    t, n = _column_t(scar)
    rbar = residual_cross_correlation(ar, starts, ends, ~np.isnan(scar))
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = (1 - rbar) / (1 + (n - 1) * rbar)
        adjusted = np.where(factor > 0, t * np.sqrt(np.maximum(factor, 0.0)), np.nan)
    return _result("kolari_pynnonen", starts, ends, adjusted, _t_pvalue(adjusted, n), n, rbar=rbar)


def _ranks(ar: AbnormalReturns) -> tuple[FloatArray, FloatArray]:
    """Ranks of each event's ARs over its estimation and event windows combined, and their count."""
    combined = np.concatenate([ar.estimation_abnormal, ar.abnormal], axis=1)
    ranks: FloatArray = rank_rows(combined)
    count = (~np.isnan(combined)).sum(axis=1).astype(np.float64)
    return ranks, count


def _rank_test(name: str, ar: AbnormalReturns, windows: Windows, uniform: bool) -> EventTest:
    starts, ends = _windows(ar, windows)
    ranks, count = _ranks(ar)
    length = ar.estimation_abnormal.shape[1]
    if uniform:
        deviation = ranks / (count + 1)[:, None] - 0.5
    else:
        deviation = ranks - ((count + 1) / 2)[:, None]
    present = ~np.isnan(deviation)
    per_day = present.sum(axis=0)
    filled = np.where(present, deviation, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        daily = filled / (np.sqrt(per_day) if uniform else per_day)
    used = per_day > 0
    scale = np.sqrt(np.mean(daily[used] ** 2)) if used.any() else np.nan
    sums = _window_sums(deviation[:, length:], ar, starts, ends)
    valid = ~np.isnan(sums)
    n = valid.sum(axis=0).astype(np.int64)
    width = (ends - starts + 1).astype(np.float64)
    total = np.where(valid, sums, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        average = total / (np.sqrt(n) if uniform else n)
        z = np.where(n > 0, average / (np.sqrt(width) * scale), np.nan)
    return _result(name, starts, ends, z, _normal_pvalue(z), n)


def corrado_test(ar: AbnormalReturns, windows: Windows = None) -> EventTest:
    """Corrado's (1989) rank test, cumulated over multi-day windows as Campbell and Wasley (1993).

    Each event's abnormal returns over its estimation and event windows together (``M_i``
    present days) are ranked, ``K_it`` (ties averaged), and centred,
    ``D_it = K_it - (M_i + 1) / 2``. With ``Dbar_t`` the mean of ``D_it`` over the events
    present on relative day ``t`` and ``S_D = sqrt(mean_t Dbar_t^2)`` over every day of the
    two windows (event days included, as Corrado does),

    ``Z = mean_i(sum_{t=a..b} D_it) / (sqrt(W) S_D)``, p from N(0, 1),

    the mean taken over the events present on every day of ``[a, b]`` (on one day:
    ``Dbar_0 / S_D``, Corrado's statistic).
    """
    return _rank_test("corrado", ar, windows, uniform=False)


def corrado_zivney_test(ar: AbnormalReturns, windows: Windows = None) -> EventTest:
    """Corrado and Zivney's (1992) rank test with standardized ranks (for missing returns).

    Ranks as in :func:`corrado_test`, divided by the number of present days plus one,
    ``U_it = K_it / (M_i + 1)`` (uniform on (0, 1) whatever ``M_i``), and each day's sum
    scaled by the events present that day: ``Ubar_t = N_t^-1/2 sum_i (U_it - 1/2)``,
    ``S_U = sqrt(mean_t Ubar_t^2)`` over every day of the two windows;

    ``Z = n^-1/2 sum_i sum_{t=a..b} (U_it - 1/2) / (sqrt(W) S_U)``, p from N(0, 1),

    over the ``n`` events present on every day of ``[a, b]``. Equal to :func:`corrado_test`
    when no return is missing.
    """
    return _rank_test("corrado_zivney", ar, windows, uniform=True)


def generalized_sign_test(ar: AbnormalReturns, windows: Windows = None) -> EventTest:
    """Cowan's (1992) generalized sign test.

    The fraction of positive abnormal returns expected without an event is estimated from
    the estimation window, ``p = (1/n) sum_i (1/L_i) sum_t 1[AR_it > 0]``, instead of
    assuming 1/2; with ``w`` the events whose CAR over ``[a, b]`` is positive,

    ``Z = (w - n p) / sqrt(n p (1 - p))``, p-value from N(0, 1).

    ``detail['positive']`` is ``w`` and ``detail['expected_fraction']`` is ``p``, per window.
    """
    starts, ends = _windows(ar, windows)
    cars = _cars(ar, starts, ends)
    valid = ~np.isnan(cars)
    n = valid.sum(axis=0).astype(np.int64)
    residuals = ar.estimation_abnormal
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = (residuals > 0).sum(axis=1) / (~np.isnan(residuals)).sum(axis=1)
        expected = np.where(valid, fraction[:, None], 0.0).sum(axis=0) / n
        positive = (valid & (np.nan_to_num(cars) > 0)).sum(axis=0).astype(np.float64)
        z = (positive - n * expected) / np.sqrt(n * expected * (1 - expected))
    z = np.where((n > 0) & np.isfinite(z), z, np.nan)
    return _result("generalized_sign", starts, ends, z, _normal_pvalue(z), n, positive=positive, expected_fraction=expected)


def calendar_time_test(ar: AbnormalReturns, windows: Windows = None) -> EventTest:
    """The calendar-time portfolio test (Jaffe 1974; Mandelker 1974; Fama 1998).

    On each calendar day ``d`` of the panel, the portfolio holds, equally weighted, the
    events whose window ``[a, b]`` covers ``d`` (event ``i`` with ``day_i + a <= d <=
    day_i + b``); its abnormal return is the mean of their abnormal returns that day,
    ``AR_pd = mean_{i held on d} AR_i,(d - day_i)``, from the study's model. Over the ``D``
    days the portfolio holds at least one event,

    ``t = mean_d(AR_pd) / (sd_d(AR_p) / sqrt(D))``, sd with ``D - 1``; p from Student's t
    with ``D - 1`` degrees of freedom.

    Each day is one observation, so events on the same day (clustered, cross-correlated)
    enter its variance through the portfolio's time series instead of being counted as
    independent; days with many events and days with one weigh the same, and the
    portfolio's changing composition is ignored (heteroskedastic across days). The events
    are those with every abnormal return of ``[a, b]`` present (``nobs``); an event held
    twice on a day (two events of one firm) counts twice. With fewer than two days (every
    event on one day, a one-day window) there is no statistic. ``detail['days']`` is ``D``.

    Examples
    --------
    >>> from eventstudy.inference.abnormal import abnormal_returns
    >>> rng = np.random.default_rng(3)
    >>> ar = abnormal_returns(rng.normal(0, 0.02, (300, 4)), range(4), [270, 270, 275, 290],
    ...                       window=(-1, 1), model="mean")
    >>> result = calendar_time_test(ar, [(0, 0), (-1, 1)])
    >>> result.detail["days"].tolist(), result.nobs.tolist()
    ([3.0, 9.0], [4, 4])
    """
    starts, ends = _windows(ar, windows)
    cars = _cars(ar, starts, ends)
    valid = ~np.isnan(cars)
    n = valid.sum(axis=0).astype(np.int64)
    statistic = np.full(starts.size, np.nan)
    pvalue = np.full(starts.size, np.nan)
    days = np.zeros(starts.size)
    for k, (a, b) in enumerate(zip(starts.tolist(), ends.tolist())):  # a few windows; events vectorized
        rows = np.flatnonzero(valid[:, k])
        offsets = np.arange(a, b + 1)
        calendar = (ar.day[rows, None] + offsets).ravel()
        values = ar.abnormal[rows][:, offsets - ar.window.start].ravel()
        held, index = np.unique(calendar, return_inverse=True)
        portfolio = np.bincount(index, weights=values, minlength=held.size) / np.bincount(index, minlength=held.size)
        t, count = _column_t(portfolio[:, None])
        days[k] = held.size
        statistic[k] = t[0]
        pvalue[k] = _t_pvalue(t, count)[0]
    return _result("calendar_time", starts, ends, statistic, pvalue, n, days=days)


EVENT_TESTS: dict[str, Callable[[AbnormalReturns, Windows], EventTest]] = {
    "t": cross_sectional_t,
    "patell": patell_test,
    "bmp": bmp_test,
    "kolari_pynnonen": kolari_pynnonen_test,
    "corrado": corrado_test,
    "corrado_zivney": corrado_zivney_test,
    "generalized_sign": generalized_sign_test,
    "calendar_time": calendar_time_test,
}
"""The tests by name, in the order reports list them."""


def event_tests(ar: AbnormalReturns, windows: Windows = None, tests: Sequence[str] | None = None) -> list[EventTest]:
    """Run the named tests (default: all of :data:`EVENT_TESTS`) over the same windows.

    Examples
    --------
    >>> from eventstudy.inference.abnormal import abnormal_returns
    >>> rng = np.random.default_rng(2)
    >>> market = rng.normal(0, 0.01, 300)
    >>> returns = market[:, None] + rng.normal(0, 0.02, (300, 30))
    >>> ar = abnormal_returns(returns, range(30), rng.integers(260, 290, 30), market=market)
    >>> frame = event_tests_frame(event_tests(ar, [(0, 0), (-1, 1)], ["t", "bmp"]))
    >>> frame.select("test", "start", "end", "n").rows()
    [('t', 0, 0, 30), ('t', -1, 1, 30), ('bmp', 0, 0, 30), ('bmp', -1, 1, 30)]
    >>> event_tests(ar, tests=["bmpp"])
    Traceback (most recent call last):
    ...
    eventstudy.errors.UnknownNameError: error: unknown event-study test 'bmpp' (did you mean 'bmp'?)
      hint: one of t, patell, bmp, kolari_pynnonen, corrado, corrado_zivney, generalized_sign, calendar_time
    """
    names = list(EVENT_TESTS) if tests is None else list(tests)
    for name in names:
        if name not in EVENT_TESTS:
            raise UnknownNameError(
                f"unknown event-study test {name!r}{did_you_mean(name, EVENT_TESTS)}",
                hint=f"one of {', '.join(EVENT_TESTS)}",
            )
    return [EVENT_TESTS[name](ar, windows) for name in names]


def event_tests_frame(results: Sequence[EventTest]) -> pl.DataFrame:
    """All results in one frame: ``test, start, end, statistic, pvalue, n``."""
    frames = [r.to_frame() for r in results]
    if not frames:
        return EventTest("", np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0, np.int64)).to_frame()
    return pl.concat(frames)
