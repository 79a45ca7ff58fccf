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
``sd * sqrt(pi / 2)`` (its asymptotic efficiency under normality). A share can move at
most ``max(p0, 1 - p0)`` from ``p0`` (to 0 or to 1): a share's MDE beyond that is no
effect at all, and is ``inf`` ("none detectable").

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

from eventstudy.inference.classical import fast_length
from eventstudy.inference.distributions import norm_ppf

__all__ = [
    "NEFF_WARNING",
    "EventLine",
    "effective_sample_size",
    "effective_sample_sizes",
    "minimum_detectable_effect",
    "share_minimum_detectable_effect",
    "statistic_mde",
    "within_reach",
]

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


def effective_sample_sizes(
    rows: np.ndarray, positions: np.ndarray, horizon_days: int, n_rows: int, keep: np.ndarray | None = None
) -> np.ndarray:
    """:func:`effective_sample_size` of each row's events at once (row ``r``'s events are
    the ``positions`` where ``rows == r``, and ``keep`` where given; each day at most once
    per row; positions >= 0): ``(n_rows,)``, NaN for a row without events. For the
    resampled histories' many event sets, without a loop (:class:`EventLine`).

    Examples
    --------
    >>> effective_sample_sizes(np.array([0, 0, 0, 1, 1]), np.array([0, 100, 200, 0, 10]), 20, 3)
    array([3.        , 1.33333333,        nan])
    """
    return EventLine(rows, positions, n_rows, horizon_days).effective_sample_sizes(horizon_days, keep)


SEARCH_BELOW = 1 / 16
"""An :class:`EventLine` counts its events on the line when they fill more than this share
of its places, and searches them otherwise (the same counts: a matter of speed only)."""

AUTOCORRELATE_ABOVE = 1.0
"""An :class:`EventLine` sums its pairs from each row's autocorrelation (one FFT of every
row's days for all horizons) when its events times the horizons it is asked fill more
than this many times its rows' days, and by one pass over the events per horizon
otherwise (the same integers: a matter of speed only). On the histories of
benchmarks/curve.py (166 histories of 12,012 days, five horizons) the two cost the same
near 1: at 0.49 the passes took 13 ms against the FFT's 24, at 1.04 45 ms against 39, at
3.2 (1.58M events) 103 ms against 43."""

AUTOCORRELATION_ROWS = 16
"""Rows transformed at once by :meth:`EventLine._lag_counts`: a few MB, whatever the rows."""


class EventLine:
    """Many rows' events on one line, for their effective sample sizes at any horizon up
    to ``longest`` and for any subset of them (a cell's events with a value).

    Each row's positions are moved past the previous row's by a stride longer than every
    position plus ``longest``, so no two rows' events are within a horizon of each other,
    and the events are counted on that line of ``n_rows * stride`` places (as many as the
    caller's ``(rows, days)`` grids hold): a running count there gives every event the
    events within ``h`` days of it, without a search (few events are searched instead:
    :data:`SEARCH_BELOW`). Sums are of ``h`` times the
    overlap, ``h - |t_i - t_j|``: integers, added exactly, where
    :func:`effective_sample_size` adds each event's float share (the two may differ in
    the last bit), and so a subset's sums are the whole set's less the pairs of the events
    left out, bit for bit the sums taken over the subset alone. The last subset asked at
    each horizon is kept with its sizes: the next cell with the same events (another
    asset's, at the same horizon) gets them without the sums.

    Where the events are dense (a condition true on most days; :data:`AUTOCORRELATE_ABOVE`
    with ``asked``, the number of horizons the caller will ask), the whole set's sums at
    every horizon come from each row's counts of event pairs at each lag ``d`` up to
    ``longest`` (its event indicator's autocorrelation, by FFT, rounded to the integers it
    is): ``sum_{i<j, t_j - t_i < h} (h - (t_j - t_i)) = sum_{d=1}^{h-1} (h - d) pairs(d)``,
    the same integers as the passes over the events.
    """

    def __init__(self, rows: np.ndarray, positions: np.ndarray, n_rows: int, longest: int, asked: int = 1) -> None:
        if longest < 1:
            raise ValueError(f"`horizon_days` must be >= 1, got {longest}")
        r = np.asarray(rows, dtype=np.int64)
        t = np.asarray(positions, dtype=np.int64)
        self.n_rows, self.longest, self.size = n_rows, longest, t.size
        stride = (int(t.max()) if t.size else 0) + longest + 1
        key = r * stride + t + longest  # from ``longest`` on: a look ``h`` days back stays on the line
        self.order: np.ndarray | None = None
        if key.size > 1 and not (key[1:] > key[:-1]).all():  # panel_events gives them in order: sort only when not
            self.order = np.argsort(key, kind="stable")
            key, t = key[self.order], t[self.order]
            r = (key - longest) // stride
        self.key, self.t, self.r = key, t, r
        places = n_rows * stride + 2 * longest
        # the events at or before each place on the line, where they fill a good part of it (a
        # history's every other day); a search of the few events otherwise costs less than the line
        self._line = np.cumsum(np.bincount(key, minlength=places)) if SEARCH_BELOW * places < key.size else None
        self.cumulative = np.concatenate([[0], np.cumsum(t)])  # int64: exact, far below 2^63
        self.span = stride - 1  # a row's days on the line: every position, and a horizon past the last
        self._lags: np.ndarray | None = None
        self._autocorrelate = asked * t.size > AUTOCORRELATE_ABOVE * n_rows * self.span
        self._pairs: dict[int, np.ndarray] = {}
        self._counts: np.ndarray | None = None
        self._subsets: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # per horizon, the last subset asked and its sizes

    def effective_sample_sizes(self, h: int, keep: np.ndarray | None = None) -> np.ndarray:
        """Each row's ``n^2 / sum_ij max(0, 1 - |t_i - t_j| / h)`` over its events (those
        where ``keep``, in the order given): ``(n_rows,)``, NaN for a row without events."""
        if not 1 <= h <= self.longest:
            raise ValueError(f"`horizon_days` must be in [1, {self.longest}], got {h}")
        if keep is None or keep.all():
            return self._sizes(h, None)
        last = self._subsets.get(h)
        if last is None or not np.array_equal(last[0], keep):  # another cell's events at this horizon (another asset's): the same sizes
            last = self._subsets[h] = (keep.copy(), self._sizes(h, keep))
        return last[1].copy()

    def _sizes(self, h: int, keep: np.ndarray | None) -> np.ndarray:
        """:meth:`effective_sample_sizes` of the events where ``keep`` (None: all)."""
        if h not in self._pairs:
            if self._autocorrelate:  # every horizon's from one autocorrelation of each row
                lags = self._lag_counts()[:, : h - 1]
                self._pairs[h] = lags @ np.arange(h - 1, 0, -1, dtype=np.int64)
            else:
                self._pairs[h] = self._row_sums(self._scaled_pairs(h), self.r)
        if self._counts is None:  # the same for every horizon
            self._counts = np.bincount(self.r, minlength=self.n_rows)
        pairs, n = self._pairs[h], self._counts
        if keep is not None:
            left_out = np.flatnonzero(~(keep if self.order is None else keep[self.order]))  # in line order
            if 2 * left_out.size > self.size:  # most events left out: the subset's own line is shorter
                subset = EventLine(self._original(self.r)[keep], self._original(self.t)[keep], self.n_rows, self.longest)
                return subset.effective_sample_sizes(h)
            # the set's pairs less each left-out event's pairs with every other, plus the
            # left-out events' pairs among themselves (subtracted twice)
            rows_out, key_out = self.r[left_out], self.key[left_out]  # in order: a search, not a line, for these few
            among = _scaled_pairs(np.searchsorted(key_out, key_out + (h - 1), side="right"), self.t[left_out], h)
            pairs = pairs - self._row_sums(self._scaled_weights(h, left_out) - among, rows_out)
            n = n - np.bincount(rows_out, minlength=self.n_rows)
        n = n.astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(n > 0, n**2 / (n + 2 * pairs / h), np.nan)

    def _lag_counts(self) -> np.ndarray:
        """``(n_rows, longest - 1)`` int64: each row's pairs of events ``d`` days apart, at
        ``d = 1 .. longest - 1``. The circular autocorrelation of a row's 0/1 days, on a
        period of at least :attr:`span` days (every position, and ``longest`` past the
        last: no pair wraps round to a lag below ``longest``); the FFT's rounding error
        (about 1e-16 times the events times the period's log) is far below the 0.5 that
        ``rint`` takes off."""
        if self._lags is None:
            period = fast_length(self.span)
            lags = np.empty((self.n_rows, self.longest - 1), dtype=np.int64)
            for first in range(0, self.n_rows, AUTOCORRELATION_ROWS):  # a few rows at a time: a few MB
                last = min(first + AUTOCORRELATION_ROWS, self.n_rows)
                lo, hi = np.searchsorted(self.r, [first, last])
                days = np.zeros((last - first, period))
                days[self.r[lo:hi] - first, self.t[lo:hi]] = 1.0
                spectrum = np.fft.rfft(days, axis=1)
                lags[first:last] = np.rint(np.fft.irfft(spectrum.real**2 + spectrum.imag**2, n=period, axis=1)[:, 1 : self.longest])
            self._lags = lags
        return self._lags

    def _through(self, places: np.ndarray) -> np.ndarray:
        """The number of events at or before each of ``places`` on the line."""
        return self._line[places] if self._line is not None else np.searchsorted(self.key, places, side="right")

    def _original(self, x: np.ndarray) -> np.ndarray:
        """``x`` (in line order) back in the order the events were given."""
        if self.order is None:
            return x
        out = np.empty_like(x)
        out[self.order] = x
        return out

    def _scaled_pairs(self, h: int) -> np.ndarray:
        """Per event i, the sum of ``h - (t_j - t_i)`` over the later events j of its row within ``h`` days."""
        return _scaled_pairs(self._through(self.key + (h - 1)), self.t, h, self.cumulative)

    def _scaled_weights(self, h: int, at: np.ndarray) -> np.ndarray:
        """Per event ``at`` (line order), the sum of ``h - |t_j - t_i|`` over every other event j of its row within ``h`` days."""
        t, key = self.t[at], self.key[at]
        behind = self._through(key - h)  # events behind .. at - 1 overlap event at from its left
        ahead = self._through(key + (h - 1))
        left = (at - behind) * (h - t) + (self.cumulative[at] - self.cumulative[behind])
        right = (ahead - at - 1) * (h + t) - (self.cumulative[ahead] - self.cumulative[at + 1])
        return left + right

    def _row_sums(self, x: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """The int64 ``x`` summed per row (``rows`` in order), exactly: one pass of
        np.add.reduceat from each row's first event (integers: any order of the additions
        gives the same sums), where a running sum took two and a copy."""
        starts = np.searchsorted(rows, np.arange(self.n_rows + 1))
        filled = np.flatnonzero(starts[1:] > starts[:-1])  # reduceat gives an empty row the next value, not 0
        out = np.zeros(self.n_rows, dtype=np.int64)
        if filled.size:
            out[filled] = np.add.reduceat(x, starts[filled])  # each up to the next filled row's start: its own end
        return out


def _scaled_pairs(ahead: np.ndarray, t: np.ndarray, h: int, cumulative: np.ndarray | None = None) -> np.ndarray:
    """Per event i of ``t`` (in line order), the sum of ``h - (t_j - t_i)`` over the events
    i + 1 .. ahead[i] - 1 (the later ones of its row within ``h`` days); ``cumulative``:
    the running sums of ``t`` from 0, when known."""
    if cumulative is None:
        cumulative = np.concatenate([[0], np.cumsum(t)])
    count = ahead - np.arange(1, t.size + 1)
    out = np.add(t, h)  # the same integers as count * (h + t) - (cumulative[ahead] - cumulative[1:]), in place: three arrays fewer
    out *= count
    reach = np.take(cumulative, ahead, out=count)  # count is used up
    reach -= cumulative[1:]
    out -= reach
    return out


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


def share_minimum_detectable_effect(p0: float, n_eff: float, alpha: float = 0.05, power: float = 0.80) -> float:
    """The minimum detectable effect of a share (the share positive) against the baseline
    rate ``p0``: :func:`minimum_detectable_effect` at ``sd = sqrt(p0 (1 - p0))``, or
    ``inf`` when that passes ``max(p0, 1 - p0)``, the farthest a share can move from
    ``p0``: no share between 0 and 1 is detected with that power, in either direction.
    NaN when undefined (``p0`` of 0 or 1: no spread).

    Examples
    --------
    >>> round(share_minimum_detectable_effect(0.5, 16.0), 5)
    0.3502
    >>> share_minimum_detectable_effect(0.5, 2.0)  # the formula's 0.99 from 50%: beyond 0 and 1
    inf
    """
    mde = minimum_detectable_effect(math.sqrt(p0 * (1 - p0)), n_eff, alpha, power) if 0 <= p0 <= 1 else math.nan
    return within_reach(mde, p0)


def statistic_mde(statistic: str, sd: float, baseline: float, n_eff: float, alpha: float = 0.05, *, share: bool = False) -> float:
    """The minimum detectable effect of a tested ``statistic`` ('mean', 'median',
    'pct_positive') against its all-days ``baseline``, the one rule of every significance
    table: the share positive's from its baseline rate
    (:func:`share_minimum_detectable_effect`); the mean's from the all-days ``sd``, the
    median's from ``sd * sqrt(pi / 2)``, its efficiency; and where the measure's values are
    shares (``share``: a hit rate's 0s and 1s), none past what a share can move
    (:func:`within_reach`).

    >>> round(statistic_mde("median", 0.1, 0.0, 16.0), 5), statistic_mde("mean", 0.5, 0.469, 4.6, share=True)
    (0.08778, inf)
    """
    if statistic == "pct_positive":
        return share_minimum_detectable_effect(baseline, n_eff, alpha)
    mde = minimum_detectable_effect(sd * (math.sqrt(math.pi / 2) if statistic == "median" else 1.0), n_eff, alpha)
    return within_reach(mde, baseline) if share else mde


def within_reach(mde: float, baseline: float, low: float = 0.0, high: float = 1.0) -> float:
    """``mde``, or ``inf`` where it passes ``max(baseline - low, high - baseline)``, the
    farthest a statistic bounded to ``low .. high`` can move from ``baseline``: a share, or
    the mean of a measure whose values are shares (a hit rate's 0s and 1s), is detected at
    no effect at all ("none detectable"). NaN stays NaN.

    >>> within_reach(0.65, 0.469), within_reach(0.35, 0.469)
    (inf, 0.35)
    """
    return math.inf if mde > max(baseline - low, high - baseline) else mde
