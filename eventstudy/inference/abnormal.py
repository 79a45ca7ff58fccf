"""Abnormal returns of classical event studies: windows, normal-return models, CAR, BHAR.

The data are a panel of daily simple returns ``returns`` (``T`` days x ``N`` firms, NaN
where missing), a market return ``market`` (``T``), optionally factor returns ``factors``
(``T`` x ``K``, e.g. Fama-French 3 or 5 or Carhart, as fractions) and a risk-free rate, and
events given as ``(firm, day)`` index pairs into the panel. For each event,

* the **event window** ``[start, end]`` (trading days relative to the event day 0, e.g.
  ``[-10, +20]``) holds the days whose abnormal returns are studied, pre-event drift
  included;
* the **estimation window** (e.g. ``[-250, -30]``) is where the normal-return model is
  fitted; it ends before the event window starts (checked when the windows are built:
  the two never share a day), and an event with fewer than ``min_days`` valid estimation
  days is *excluded* and listed with its reason, never silently dropped.

Every model is ordinary least squares of ``y_it`` on regressors ``x_t`` over the event's
valid estimation days (``L_i`` of them, ``p`` parameters), fitted for all events at once
by a batched QR decomposition (missing days are zero rows, which change no estimate):

=================  ===========================  =============================  ====
model              ``y_it``                     ``x_t``                        p
=================  ===========================  =============================  ====
``mean``           ``R_it``                     ``1``                          1
``market_adjusted``  ``R_it - Rm_t``            (none: the AR is ``y`` itself)  0
``market``         ``R_it``                     ``1, Rm_t``                    2
``factor``         ``R_it - rf_t``              ``1, F_t1 .. F_tK``            K+1
=================  ===========================  =============================  ====

The abnormal return is ``AR_it = y_it - x_t' b_i`` and the residual variance
``s_i^2 = sum(e^2) / (L_i - p)`` (``market_adjusted``: the sample variance of the
estimation-window ARs, ``L_i - 1`` degrees of freedom). An event-window AR is a forecast
error, whose variance is ``s_i^2 C_it`` with the prediction-error factor
``C_it = 1 + x_t' (X_i'X_i)^-1 x_t``; for the market model this is Patell's (1976)
``1 + 1/L_i + (Rm_t - mean Rm)^2 / sum (Rm_tau - mean Rm)^2``, for the mean model
``1 + 1/L_i``, and ``1`` for the market-adjusted model (nothing estimated). A CAR over
``[a, b]`` (``W`` days) has variance ``s_i^2 (W + g' (X_i'X_i)^-1 g)`` with
``g = sum_{t=a..b} x_t`` (the forecast errors of one event share the estimated
parameters: Campbell, Lo and MacKinlay 1997, sec. 4.4; Mikkelson and Partch 1988).

Missing returns, and days of the event window beyond the panel's ends, give NaN abnormal
returns; a CAR or BHAR over a sub-window is NaN unless every one of its days is present
(the event is then left out of that sub-window's statistics, like an incomplete horizon).

References
----------
Brown, S. J. and Warner, J. B. (1985). Using daily stock returns: the case of event
studies. *Journal of Financial Economics* 14, 3-31.
Campbell, J. Y., Lo, A. W. and MacKinlay, A. C. (1997). *The Econometrics of Financial
Markets*, ch. 4. Princeton University Press.
Fama, E. F. and French, K. R. (1993). Common risk factors in the returns on stocks and
bonds. *Journal of Financial Economics* 33, 3-56.
Carhart, M. M. (1997). On persistence in mutual fund performance. *Journal of Finance* 52,
57-82.
Patell, J. M. (1976). Corporate forecasts of earnings per share and stock price behavior:
empirical tests. *Journal of Accounting Research* 14, 246-276.
Mikkelson, W. H. and Partch, M. M. (1988). Withdrawn security offerings. *Journal of
Financial and Quantitative Analysis* 23, 119-133.
Barber, B. M. and Lyon, J. D. (1997). Detecting long-run abnormal stock returns.
*Journal of Financial Economics* 43, 341-372 (BHAR).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt
import polars as pl

from eventstudy.errors import ConfigError, did_you_mean
from eventstudy.estimation import fewest_estimation_days

__all__ = [
    "EXCLUSION_REASONS",
    "MODELS",
    "AbnormalReturns",
    "BoolArray",
    "EstimationWindow",
    "EventWindow",
    "Excluded",
    "FloatArray",
    "IntArray",
    "ModelName",
    "abnormal_returns",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

ModelName = Literal["mean", "market_adjusted", "market", "factor"]
MODELS: tuple[str, ...] = get_args(ModelName)

TOO_FEW_DAYS = "too few estimation days"
SINGULAR = "singular estimation design"
NO_VARIANCE = "no residual variance in the estimation window"
NO_EVENT_RETURNS = "no returns in the event window"
EXCLUSION_REASONS: tuple[str, ...] = (TOO_FEW_DAYS, SINGULAR, NO_VARIANCE, NO_EVENT_RETURNS)
"""Why an event can be excluded, in the order they are checked."""

_NO_VARIANCE_TOL = 1e-20
"""A residual variance at most this times the estimation returns' mean square is none: the
model fits every estimation day to within rounding (a stock whose price did not move), so
each standardized abnormal return would be ``x / 0`` (Patell's statistic infinite, BMP's
and Kolari-Pynnönen's spread undefined)."""

_CHUNK_VALUES = 1 << 22  # estimation-window values (events x days x regressors) per batch
_RANK_TOL = 1e-10  # |R_jj| at most this times max |R_jj| marks a singular design


@dataclass(frozen=True)
class _DayRange:
    """Days ``[start, end]`` relative to an event day (trading days, both included)."""

    start: int
    end: int

    @property
    def length(self) -> int:
        """Number of days in the window."""
        return self.end - self.start + 1

    @property
    def offsets(self) -> IntArray:
        """The relative days ``start, ..., end``."""
        return np.arange(self.start, self.end + 1, dtype=np.int64)


@dataclass(frozen=True)
class EventWindow(_DayRange):
    """Days ``[start, end]`` relative to the event day 0 (trading days, both included).

    Examples
    --------
    >>> EventWindow(-10, 20).length
    31
    """

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise ConfigError(f"the event window's `{name}` must be an integer, got {value!r}")
        if self.start > self.end:
            raise ConfigError(
                f"the event window [{self.start}, {self.end}] is empty",
                hint="write it as [first day, last day], e.g. [-10, 20]",
            )



@dataclass(frozen=True)
class EstimationWindow(_DayRange):
    """Days ``[start, end]`` relative to the event where the model is fitted.

    ``min_days`` is the fewest valid days (return and regressors present, inside the
    panel) an event needs; by default half the window's length. Each model also needs at
    least ``max(p, 1) + 3`` days (``p`` parameters), so that the variance of its
    standardized residuals, ``d / (d - 2)`` with ``d`` degrees of freedom, exists.

    Examples
    --------
    >>> EstimationWindow(-250, -30).min_days
    110
    """

    min_days: int = -1

    def __post_init__(self) -> None:
        for name in ("start", "end", "min_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise ConfigError(f"the estimation window's `{name}` must be an integer, got {value!r}")
        if self.start > self.end:
            raise ConfigError(
                f"the estimation window [{self.start}, {self.end}] is empty",
                hint="write it as [first day, last day], e.g. [-250, -30]",
            )
        length = self.end - self.start + 1
        if self.min_days == -1:
            object.__setattr__(self, "min_days", max(1, length // 2))
        elif not 1 <= self.min_days <= length:
            raise ConfigError(
                f"the estimation window's `min_days` must be between 1 and its {length} days, got {self.min_days}"
            )



def check_windows(window: EventWindow, estimation: EstimationWindow) -> None:
    """Refuse an estimation window that is not entirely before the event window.

    Examples
    --------
    >>> check_windows(EventWindow(-10, 20), EstimationWindow(-250, -11))
    >>> check_windows(EventWindow(-10, 20), EstimationWindow(-250, -10))
    Traceback (most recent call last):
    ...
    eventstudy.errors.ConfigError: error: the estimation window [-250, -10] overlaps the event window [-10, 20]
      hint: end the estimation window before day -10, e.g. [-250, -30]
    """
    if estimation.end >= window.start:
        where = "comes after" if estimation.start > window.end else "overlaps"
        raise ConfigError(
            f"the estimation window [{estimation.start}, {estimation.end}] {where} the event window "
            f"[{window.start}, {window.end}]",
            hint=f"end the estimation window before day {window.start}, e.g. [-250, -30]",
        )


@dataclass(frozen=True)
class Excluded:
    """Events left out of the study, each with the reason (one of :data:`EXCLUSION_REASONS`).

    ``event`` is the row of the event in the input; ``estimation_days`` the valid days
    its estimation window had.
    """

    event: IntArray
    firm: IntArray
    day: IntArray
    reason: npt.NDArray[np.str_]
    estimation_days: IntArray

    def __len__(self) -> int:
        return int(self.event.size)

    def to_frame(self) -> pl.DataFrame:
        """One row per excluded event: ``event, firm, day, reason, estimation_days``."""
        return pl.DataFrame(
            {
                "event": self.event,
                "firm": self.firm,
                "day": self.day,
                "reason": self.reason.astype(str).tolist(),
                "estimation_days": self.estimation_days,
            },
            schema={"event": pl.Int64, "firm": pl.Int64, "day": pl.Int64, "reason": pl.String, "estimation_days": pl.Int64},
        )


@dataclass(frozen=True)
class AbnormalReturns:
    """Abnormal returns of the included events, and what the tests need from the fit.

    Rows are the included events (``n``), in input order; columns of the ``(n, W)``
    arrays are the event window's days (:attr:`offsets`), of the ``(n, Le)`` arrays the
    estimation window's days (:attr:`estimation_offsets`).

    Attributes
    ----------
    model, window, estimation
        The model and the two windows.
    event, firm, day
        ``(n,)``: the event's row in the input, its firm (column) and day (row) index.
    returns
        ``(n, W)`` the simple returns on the event window's days (NaN where missing).
    abnormal
        ``(n, W)`` abnormal returns ``AR_it`` (NaN where the return or a regressor is
        missing, or the day is outside the panel).
    estimation_abnormal
        ``(n, Le)`` the estimation window's residuals (ARs for ``market_adjusted``),
        NaN on its invalid days.
    variance
        ``(n,)`` residual variance ``s_i^2`` of the estimation window.
    nobs, dof
        ``(n,)`` valid estimation days ``L_i`` and degrees of freedom ``L_i - p``.
    correction
        ``(n, W)`` the prediction-error factor ``C_it = 1 + x_t'(X'X)^-1 x_t``.
    design
        ``(n, W, p)`` the regressors ``x_t`` on the event window's days.
    xtx_inv
        ``(n, p, p)`` ``(X_i'X_i)^-1`` of the estimation window.
    params
        ``(n, p)`` the OLS coefficients (intercept first).
    excluded
        The events left out, with reasons.
    """

    model: str
    window: EventWindow
    estimation: EstimationWindow
    event: IntArray
    firm: IntArray
    day: IntArray
    returns: FloatArray
    abnormal: FloatArray
    estimation_abnormal: FloatArray
    variance: FloatArray
    nobs: IntArray
    dof: IntArray
    correction: FloatArray
    design: FloatArray
    xtx_inv: FloatArray
    params: FloatArray
    excluded: Excluded

    def __len__(self) -> int:
        return int(self.event.size)

    @property
    def offsets(self) -> IntArray:
        """The event window's relative days (columns of :attr:`abnormal`)."""
        return self.window.offsets

    @property
    def estimation_offsets(self) -> IntArray:
        """The estimation window's relative days (columns of :attr:`estimation_abnormal`)."""
        return self.estimation.offsets

    @property
    def expected(self) -> FloatArray:
        """``(n, W)`` the normal (expected) simple returns ``R_it - AR_it``."""
        out: FloatArray = self.returns - self.abnormal
        return out

    def _columns(self, start: int, end: int) -> slice:
        if not self.window.start <= start <= end <= self.window.end:
            raise ConfigError(
                f"the window [{start}, {end}] is not inside the event window [{self.window.start}, {self.window.end}]"
            )
        return slice(start - self.window.start, end - self.window.start + 1)

    def car(self, start: int, end: int) -> FloatArray:
        """``(n,)`` cumulative abnormal return ``sum_{t=start..end} AR_it`` (NaN if a day is missing).

        Examples
        --------
        >>> returns = np.full((40, 1), 0.01)
        >>> returns[:28:2] = 0.012  # some spread before the event (none would exclude it)
        >>> ar = abnormal_returns(returns, [0], [30], window=(-1, 1),
        ...                       estimation=(-30, -2), model="market_adjusted", market=np.zeros(40))
        >>> ar.car(-1, 1).round(6).tolist()
        [0.03]
        """
        out: FloatArray = self.abnormal[:, self._columns(start, end)].sum(axis=1)
        return out

    def bhar(self, start: int, end: int) -> FloatArray:
        """``(n,)`` buy-and-hold abnormal return ``prod(1 + R_it) - prod(1 + E[R_it])`` over the window.

        Examples
        --------
        >>> returns = np.full((40, 1), 0.01)
        >>> returns[:28:2] = 0.012  # some spread before the event (none would exclude it)
        >>> ar = abnormal_returns(returns, [0], [30], window=(0, 1),
        ...                       estimation=(-30, -1), model="market_adjusted", market=np.zeros(40))
        >>> ar.bhar(0, 1).round(6).tolist()
        [0.0201]
        """
        cols = self._columns(start, end)
        held = np.prod(1.0 + self.returns[:, cols], axis=1)
        normal = np.prod(1.0 + self.expected[:, cols], axis=1)
        out: FloatArray = held - normal
        return np.where(np.isnan(self.abnormal[:, cols]).any(axis=1), np.nan, out)

    def car_variance(self, start: int, end: int) -> FloatArray:
        """``(n,)`` forecast-error variance of the CAR over ``[start, end]``: ``s^2 (W + g'(X'X)^-1 g)``."""
        cols = self._columns(start, end)
        width = cols.stop - cols.start
        g = self.design[:, cols, :].sum(axis=1)
        quad = np.einsum("np,npq,nq->n", g, self.xtx_inv, g)
        out: FloatArray = self.variance * (width + quad)
        return out

    def standardized(self, start: int, end: int) -> FloatArray:
        """``(n,)`` standardized CAR ``CAR_i / sqrt(car_variance)`` (the SAR when ``start == end``)."""
        out: FloatArray = self.car(start, end) / np.sqrt(self.car_variance(start, end))
        return out

    def aar(self) -> FloatArray:
        """``(W,)`` average abnormal return per day of the event window, over the events present."""
        valid = ~np.isnan(self.abnormal)
        count = valid.sum(axis=0)
        total = np.where(valid, self.abnormal, 0.0).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            out: FloatArray = np.where(count > 0, total / np.maximum(count, 1), np.nan)
        return out

    def caar(self) -> FloatArray:
        """``(W,)`` cumulative average abnormal return ``CAAR_t = sum_{s=start..t} AAR_s``."""
        out: FloatArray = np.cumsum(self.aar())
        return out

    def to_frame(self) -> pl.DataFrame:
        """Long frame of the included events' abnormal returns: ``event, firm, day, offset, ar, car``.

        ``car`` is the CAR from the window's first day through ``offset``.
        """
        n, width = self.abnormal.shape
        return pl.DataFrame(
            {
                "event": np.repeat(self.event, width),
                "firm": np.repeat(self.firm, width),
                "day": np.repeat(self.day, width),
                "offset": np.tile(self.offsets, n),
                "ar": self.abnormal.ravel(),
                "car": np.cumsum(self.abnormal, axis=1).ravel(),
            },
            schema={"event": pl.Int64, "firm": pl.Int64, "day": pl.Int64, "offset": pl.Int64, "ar": pl.Float64, "car": pl.Float64},
        ).with_columns(pl.col("ar", "car").fill_nan(None))


def _as_window(value: EventWindow | tuple[int, int] | Sequence[int]) -> EventWindow:
    if isinstance(value, EventWindow):
        return value
    start, end = _pair("event window", value)
    return EventWindow(start, end)


def _as_estimation(value: EstimationWindow | tuple[int, int] | Sequence[int], min_days: int | None) -> EstimationWindow:
    if isinstance(value, EstimationWindow):
        if min_days is not None and min_days != value.min_days:
            return EstimationWindow(value.start, value.end, min_days)
        return value
    start, end = _pair("estimation window", value)
    return EstimationWindow(start, end, -1 if min_days is None else min_days)


def _pair(name: str, value: object) -> tuple[int, int]:
    if not isinstance(value, Sequence) or isinstance(value, str) or len(value) != 2:
        raise ConfigError(f"the {name} must be two days [start, end], got {value!r}")
    return value[0], value[1]


def _float_array(name: str, value: object, ndim: int, rows: int | None) -> FloatArray:
    array = np.asarray(value, dtype=np.float64)
    if array.ndim != ndim:
        raise ValueError(f"`{name}` must have {ndim} dimension(s), got shape {array.shape}")
    if rows is not None and array.shape[0] != rows:
        raise ValueError(f"`{name}` must have {rows} rows (one per day of `returns`), got {array.shape[0]}")
    return array


def _index_array(name: str, value: object, bound: int) -> IntArray:
    array = np.asarray(value)
    if array.ndim != 1 or not (array.size == 0 or np.issubdtype(array.dtype, np.integer)):
        raise ValueError(f"`{name}` must be a 1-D array of integer indices, got {array.dtype} of shape {array.shape}")
    array = array.astype(np.int64)
    if array.size and (array.min() < 0 or array.max() >= bound):
        raise ValueError(f"`{name}` must be indices in [0, {bound}), got values from {array.min()} to {array.max()}")
    return array


def _regressors(
    model: str, market: FloatArray | None, factors: FloatArray | None, riskfree: FloatArray | None, days: int
) -> tuple[FloatArray, FloatArray]:
    """``(x, shift)``: the regressors per day ``(T, p)`` and what is subtracted from ``R`` to get ``y``."""
    zeros = np.zeros(days)
    if model == "mean":
        return np.ones((days, 1)), zeros
    if model in ("market", "market_adjusted"):
        if market is None:
            raise ValueError(f"the {model!r} model needs `market` returns")
        if model == "market":
            return np.column_stack([np.ones(days), market]), zeros
        return np.empty((days, 0)), market
    if factors is None or factors.shape[1] == 0:
        raise ValueError("the 'factor' model needs `factors` (T x K, K >= 1)")
    return np.column_stack([np.ones(days), factors]), zeros if riskfree is None else riskfree


def _gather(values: FloatArray, rows: IntArray, inside: BoolArray, cols: IntArray | None = None) -> FloatArray:
    """``values[rows]`` (or ``values[rows, cols]``) with NaN where ``rows`` is outside the panel."""
    safe = np.clip(rows, 0, values.shape[0] - 1)
    picked = values[safe] if cols is None else values[safe, cols]
    mask = inside if picked.ndim == inside.ndim else inside[..., None]
    out: FloatArray = np.where(mask, picked, np.nan)
    return out


def _fit(
    y: FloatArray, x: FloatArray, valid: BoolArray
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Batched OLS of ``y`` (n, L) on ``x`` (n, L, p) over ``valid`` days: ``(params, xtx_inv, singular)``.

    Invalid days become zero rows, which leave ``X'X`` and ``X'y`` unchanged; the QR
    factor ``R`` gives ``b = R^-1 Q'y`` and ``(X'X)^-1 = R^-1 R^-T``.
    """
    n, _, p = x.shape
    xw = np.where(valid[..., None], x, 0.0)
    yw = np.where(valid, y, 0.0)
    q, r = np.linalg.qr(xw)
    diag = np.abs(np.diagonal(r, axis1=1, axis2=2))
    singular = (diag <= _RANK_TOL * diag.max(axis=1, keepdims=True)).any(axis=1)
    eye = np.eye(p)
    r_safe = np.where(singular[:, None, None], eye, r)
    r_inv = np.linalg.solve(r_safe, np.broadcast_to(eye, (n, p, p)))
    qty = np.einsum("nlp,nl->np", q, yw)
    params = np.einsum("npq,nq->np", r_inv, qty)
    xtx_inv = np.einsum("npk,nqk->npq", r_inv, r_inv)
    return params, xtx_inv, singular


def abnormal_returns(
    returns: npt.ArrayLike,
    firms: npt.ArrayLike,
    days: npt.ArrayLike,
    *,
    window: EventWindow | tuple[int, int] = (-10, 20),
    estimation: EstimationWindow | tuple[int, int] = (-250, -30),
    min_days: int | None = None,
    model: ModelName | str = "market",
    market: npt.ArrayLike | None = None,
    factors: npt.ArrayLike | None = None,
    riskfree: npt.ArrayLike | None = None,
) -> AbnormalReturns:
    """Fit the normal-return model of every event and compute its abnormal returns.

    Parameters
    ----------
    returns
        ``(T, N)`` daily simple returns, NaN where missing.
    firms, days
        ``(n,)`` the events: column (firm) and row (event day 0) indices into ``returns``.
    window
        The event window ``[start, end]`` relative to day 0.
    estimation
        The estimation window; must end before the event window starts.
    min_days
        Fewest valid estimation days (default: the window's own, half its length).
    model
        ``mean``, ``market_adjusted``, ``market`` or ``factor`` (see the module docstring).
    market
        ``(T,)`` market returns (``market`` and ``market_adjusted`` models).
    factors
        ``(T, K)`` factor returns for the ``factor`` model (e.g. Mkt-RF, SMB, HML[, RMW,
        CMA][, MOM] as fractions).
    riskfree
        ``(T,)`` risk-free rate: the ``factor`` model regresses excess returns ``R - rf``.

    Returns
    -------
    AbnormalReturns
        The included events' ARs and fit, with the excluded events and their reasons.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> market = rng.normal(0, 0.01, 400)
    >>> returns = 0.0002 + 1.2 * market[:, None] + rng.normal(0, 0.02, (400, 3))
    >>> ar = abnormal_returns(returns, [0, 1, 2], [300, 350, 100], market=market)
    >>> ar.abnormal.shape, ar.excluded.reason.tolist()
    ((2, 31), ['too few estimation days'])
    >>> bool(np.allclose(ar.params[:, 1], 1.2, atol=0.3))
    True
    """
    if model not in MODELS:
        raise ConfigError(
            f"unknown abnormal-return model {model!r}{did_you_mean(str(model), MODELS)}",
            hint=f"one of {', '.join(MODELS)}",
        )
    event_window = _as_window(window)
    estimation_window = _as_estimation(estimation, min_days)
    check_windows(event_window, estimation_window)

    panel = _float_array("returns", returns, 2, None)
    n_days, n_firms = panel.shape
    market_arr = None if market is None else _float_array("market", market, 1, n_days)
    factors_arr = None if factors is None else _float_array("factors", factors, 2, n_days)
    riskfree_arr = None if riskfree is None else _float_array("riskfree", riskfree, 1, n_days)
    firm = _index_array("firms", firms, n_firms)
    day = _index_array("days", days, n_days)
    if firm.size != day.size:
        raise ValueError(f"`firms` and `days` must have the same length, got {firm.size} and {day.size}")

    x_all, shift = _regressors(str(model), market_arr, factors_arr, riskfree_arr, n_days)
    p = x_all.shape[1]
    y_all = panel - shift[:, None]
    x_ok: BoolArray = np.asarray(np.isfinite(x_all).all(axis=1), dtype=bool)

    est_off = estimation_window.offsets
    evt_off = event_window.offsets
    n_events, length, width = firm.size, est_off.size, evt_off.size
    need = max(estimation_window.min_days, fewest_estimation_days(p))  # Patell's (L - p) / (L - p - 2) exists
    assert est_off[-1] < evt_off[0], "estimation and event windows overlap"  # check_windows refused it

    params = np.full((n_events, p), np.nan)
    xtx_inv = np.full((n_events, p, p), np.nan)
    variance = np.full(n_events, np.nan)
    nobs = np.zeros(n_events, dtype=np.int64)
    est_ar = np.full((n_events, length), np.nan)
    evt_ar = np.full((n_events, width), np.nan)
    evt_ret = np.full((n_events, width), np.nan)
    evt_x = np.full((n_events, width, p), np.nan)
    singular = np.zeros(n_events, dtype=bool)
    scale = np.full(n_events, np.nan)  # each event's mean square estimation return (the variance's yardstick)

    chunk = max(1, _CHUNK_VALUES // max(1, length * max(p, 1)))
    for lo in range(0, n_events, chunk):
        sl = slice(lo, min(n_events, lo + chunk))
        f, d = firm[sl], day[sl]
        rows = d[:, None] + est_off
        inside = (rows >= 0) & (rows < n_days)
        y = _gather(y_all, rows, inside, f[:, None])
        x = _gather(x_all, rows, inside)
        valid = inside & np.isfinite(y) & x_ok[np.clip(rows, 0, n_days - 1)]
        count = valid.sum(axis=1)
        nobs[sl] = count
        square_sum = (np.where(valid, y, 0.0) ** 2).sum(axis=1)
        scale[sl] = np.where(count > 0, square_sum / np.maximum(count, 1), np.nan)  # no valid day: too few days anyway

        erows = d[:, None] + evt_off
        einside = (erows >= 0) & (erows < n_days)
        ey = _gather(y_all, erows, einside, f[:, None])
        ex = _gather(x_all, erows, einside)
        evt_ret[sl] = _gather(panel, erows, einside, f[:, None])
        evt_x[sl] = ex

        if p == 0:
            resid = np.where(valid, y, np.nan)
            dof = count - 1
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = np.nansum(resid, axis=1) / np.maximum(count, 1)
                var = np.nansum((resid - mean[:, None]) ** 2, axis=1) / np.maximum(dof, 1)
            est_ar[sl] = resid
            evt_ar[sl] = ey
            variance[sl] = var
            xtx_inv[sl] = np.zeros((sl.stop - sl.start, 0, 0))
            params[sl] = np.zeros((sl.stop - sl.start, 0))
            continue

        b, inv, sing = _fit(y, np.nan_to_num(x), valid)
        singular[sl] = sing
        fitted = np.einsum("nlp,np->nl", np.nan_to_num(x), b)
        resid = np.where(valid, y - fitted, np.nan)
        dof = count - p
        with np.errstate(invalid="ignore", divide="ignore"):
            var = np.nansum(resid**2, axis=1) / np.maximum(dof, 1)
        est_ar[sl] = resid
        evt_ar[sl] = ey - np.einsum("nwp,np->nw", ex, b)
        variance[sl] = var
        params[sl] = b
        xtx_inv[sl] = inv

    correction = 1.0 + np.einsum("nwp,npq,nwq->nw", evt_x, xtx_inv, evt_x)
    reasons = np.full(n_events, "", dtype=object)
    no_event = np.isnan(evt_ar).all(axis=1)
    reasons[no_event] = NO_EVENT_RETURNS
    reasons[variance <= _NO_VARIANCE_TOL * scale] = NO_VARIANCE
    reasons[singular & (nobs >= need)] = SINGULAR
    reasons[nobs < need] = TOO_FEW_DAYS
    keep = reasons == ""
    drop = ~keep
    excluded = Excluded(
        event=np.flatnonzero(drop).astype(np.int64),
        firm=firm[drop],
        day=day[drop],
        reason=reasons[drop].astype(str),
        estimation_days=nobs[drop],
    )
    return AbnormalReturns(
        model=str(model),
        window=event_window,
        estimation=estimation_window,
        event=np.flatnonzero(keep).astype(np.int64),
        firm=firm[keep],
        day=day[keep],
        returns=evt_ret[keep],
        abnormal=evt_ar[keep],
        estimation_abnormal=est_ar[keep],
        variance=variance[keep],
        nobs=nobs[keep],
        dof=nobs[keep] - (p if p else 1),
        correction=correction[keep],
        design=evt_x[keep],
        xtx_inv=xtx_inv[keep],
        params=params[keep],
        excluded=excluded,
    )
