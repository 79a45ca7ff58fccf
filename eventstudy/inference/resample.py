"""Joint stationary-bootstrap resampling of daily returns, and prices rebuilt from them.

The model-based bootstrap of Brock, Lakonishok & LeBaron (1992) asks how an event rule
fares on histories that *could* have happened: resample the daily returns of the series,
rebuild prices, and run the rule again on each resampled history. Resampling days one
at a time would destroy volatility clustering and, across series, nothing but same-day
co-movement would survive; the stationary bootstrap of Politis & Romano (1994) resamples
blocks of consecutive days of random (geometric) length instead, and the *same* blocks
of days are used for every series, so cross-correlation, lead-lag and volatility
clustering within a block survive.

This module holds the numerics only, all numpy and vectorized over replications:

* :func:`optimal_block_length`: the mean block length of Politis & White (2004) with
  the correction of Patton, Politis & White (2009), as ``arch`` computes it;
* :func:`stationary_indices`: a ``(reps, n_obs)`` bank of stationary-bootstrap day
  indices;
* :func:`volatility_states` and :func:`matched_indices`: the same bootstrap with each
  block started on a day as volatile as the day the block before ended on, so volatility
  regimes outlast a block (what the histories null draws);
* :func:`rebuild_prices`: resampled closes of ``k`` series from their log returns and
  one bank of indices (joint blocks).

References
----------
Brock, W., Lakonishok, J. and LeBaron, B. (1992). Simple technical trading rules and
the stochastic properties of stock returns. *Journal of Finance* 47, 1731-1764.
Politis, D. N. and Romano, J. P. (1994). The stationary bootstrap. *Journal of the
American Statistical Association* 89, 1303-1313.
Carlstein, E., Do, K.-A., Hall, P., Hesterberg, T. and Kunsch, H. R. (1998).
Matched-block bootstrap for dependent data. *Bernoulli* 4, 305-328.
Politis, D. N. and White, H. (2004). Automatic block-length selection for the dependent
bootstrap. *Econometric Reviews* 23, 53-70.
Patton, A., Politis, D. N. and White, H. (2009). Correction to "Automatic block-length
selection for the dependent bootstrap" by D. Politis and H. White. *Econometric
Reviews* 28, 372-375.
"""

from __future__ import annotations

import operator

import numpy as np

__all__ = ["STATE_BINS", "STATE_WINDOW", "block_indices", "blocks_drawn", "matched_blocks", "matched_indices", "optimal_block_length", "rebuild_prices", "state_count", "stationary_indices", "volatility_states"]

_ELEMENTS_PER_CHUNK = 1 << 18
"""Rows are processed in blocks of about this many elements: a block's float64 working
buffer (2 MB) stays in cache and is reused by the allocator, where a block of a million
elements (8 MB) came back from the system as fresh pages on every call (2.3x the time for
166 x 12,011 indices, 1.3x for their prices)."""
_INT32_MAX = int(np.iinfo(np.int32).max)

SeedLike = int | np.random.Generator | np.random.SeedSequence | None  # as in .samplers


def _as_generator(seed: SeedLike) -> np.random.Generator:
    # As .samplers.as_generator; kept local so that this module needs numpy only.
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def _as_int(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool):
        raise ValueError(f"`{name}` must be an integer, got {value!r}")
    try:
        number = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(f"`{name}` must be an integer, got {value!r}") from None
    if number < minimum:
        raise ValueError(f"`{name}` must be >= {minimum}, got {number}")
    return number


def _as_block_length(block_length: object) -> float:
    """A mean block length as a float, ``>= 1`` (``inf`` allowed), or the ValueError."""
    try:
        length = float(block_length)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"`block_length` must be a number, got {block_length!r}") from None
    if not length >= 1:  # also NaN
        raise ValueError(f"`block_length` must be >= 1, got {block_length}")
    return length


def _rows_per_chunk(row_size: int) -> int:
    return max(1, _ELEMENTS_PER_CHUNK // max(1, row_size))


# --------------------------------------------------------------------------------------
# Optimal block length
# --------------------------------------------------------------------------------------


def _block_length_1d(x: np.ndarray) -> float:
    """Politis-White block length of one series, step for step as ``arch`` 8.0 computes it."""
    nobs = x.shape[0]
    kn = max(5, int(np.log10(nobs)))
    m_max = int(np.ceil(np.sqrt(nobs))) + kn
    if nobs < m_max + 2 or not np.any(x != x[0]):
        return 1.0  # too short for the lag window (nobs <= 10), or constant
    eps = x - x.mean(0)
    b_max = np.ceil(min(3 * np.sqrt(nobs), nobs / 3))
    cv = 2 * np.sqrt(np.log10(nobs) / nobs)
    lags = m_max + 1
    acv = np.empty(lags)
    abs_acorr = np.empty(lags)
    # Autocorrelations are normalised as arch normalises them: the two sums of squares
    # leave out one observation more than the cross product does (lag i + 1, not i).
    # The products are summed by numpy (pairwise), not by BLAS: a threaded BLAS dot
    # product can stall for milliseconds per call when the other cores are busy.
    squares = eps * eps
    product = np.empty(nobs)
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in range(lags):
            cross = np.multiply(eps[i:], eps[: nobs - i], out=product[: nobs - i]).sum()
            acv[i] = cross / nobs
            abs_acorr[i] = np.abs(cross) / np.sqrt(squares[i + 1 :].sum() * squares[: nobs - i - 1].sum())
    # m: twice the first lag from which kn consecutive |autocorrelations| lie inside the
    # band +-cv (NaN, from an all-zero tail, counts as outside), at most m_max.
    inside = np.lib.stride_tricks.sliding_window_view(abs_acorr[:m_max] < cv, kn).all(axis=1)
    first = np.flatnonzero(inside)
    m = min(2 * max(int(first[0]), 1), m_max) if first.size else m_max
    k = np.arange(1, m + 1)
    lam = np.where(2 * k <= m, 1.0, 2 * (1 - k / m))  # flat-top kernel
    g = np.sum(2 * lam * k * acv[1 : m + 1])
    lr_acv = acv[0] + np.sum(2 * lam * acv[1 : m + 1])
    with np.errstate(divide="ignore", invalid="ignore"):
        d_sb = 2 * lr_acv**2
        b_sb = ((2 * g**2) / d_sb) ** (1 / 3) * nobs ** (1 / 3)
    if np.isnan(b_sb):
        return 1.0
    return float(max(1.0, min(b_sb, b_max)))


def optimal_block_length(x: np.ndarray) -> float | np.ndarray:
    """Mean block length of the stationary bootstrap, estimated from the data.

    The automatic rule of Politis & White (2004), corrected by Patton, Politis & White
    (2009): ``b = (2 G^2 / D)^(1/3) n^(1/3)`` with ``G`` and ``D`` estimated from the
    autocovariances of ``x`` with a flat-top lag window, whose width ``m`` is twice the
    first lag from which ``max(5, log10 n)`` consecutive autocorrelations lie inside
    ``+-2 sqrt(log10(n) / n)``, capped at ``ceil(sqrt(n)) + max(5, log10 n)``. The result
    is capped at ``ceil(min(3 sqrt(n), n / 3))``.

    It reproduces the ``stationary`` column of ``arch.bootstrap.optimal_block_length``
    (arch 8.0.0; the tests pin its values) with one difference: the result is at least
    1.0. Arch returns values below one for nearly uncorrelated series (a mean block
    below one day means nothing: ``p = 1 / b`` would exceed 1), and fails or returns
    NaN where this function returns 1.0: series of 10 observations or fewer (too
    short for the lag window) and constant series.

    Parameters
    ----------
    x
        Shape ``(T,)``: one series (returns, or squared or absolute returns, whose
        dependence is that of volatility); or ``(T, k)``: ``k`` series, one per column.
        Must be finite.

    Returns
    -------
    float or numpy.ndarray
        The mean block length (a float for 1-D ``x``, an array of shape ``(k,)`` for
        2-D ``x``), in observations, at least 1.0.

    References
    ----------
    Politis, D. N. and White, H. (2004). Automatic block-length selection for the
    dependent bootstrap. *Econometric Reviews* 23, 53-70.
    Patton, A., Politis, D. N. and White, H. (2009). Correction to "Automatic
    block-length selection for the dependent bootstrap" by D. Politis and H. White.
    *Econometric Reviews* 28, 372-375.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> e = rng.standard_normal(2000)
    >>> ar = np.empty(2000)
    >>> ar[0] = e[0]
    >>> for t in range(1, 2000):
    ...     ar[t] = 0.5 * ar[t - 1] + e[t]
    >>> round(optimal_block_length(ar), 2)
    14.25
    >>> optimal_block_length(np.ones(50))  # constant: nothing to estimate
    1.0
    >>> optimal_block_length(np.column_stack([ar, e])).round(2)
    array([14.25,  1.  ])
    """
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim not in (1, 2):
        raise ValueError(f"`x` must be 1-D (T,) or 2-D (T, k), got shape {arr.shape}")
    if arr.shape[0] < 1:
        raise ValueError(f"`x` must hold at least one observation, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError("`x` must be finite (no NaN or infinity)")
    if arr.ndim == 1:
        return _block_length_1d(arr)
    return np.array([_block_length_1d(np.ascontiguousarray(col)) for col in arr.T], dtype=np.float64)


# --------------------------------------------------------------------------------------
# Stationary bootstrap indices
# --------------------------------------------------------------------------------------


def _fill_stationary(u: np.ndarray, p: float, out: np.ndarray) -> None:
    """Indices of the stationary bootstrap from one uniform per element, into ``out``.

    ``u[r, t] < p`` starts a new block at day ``t`` (always at ``t = 0``); conditionally
    on that, ``u[r, t] / p`` is uniform on ``[0, 1)`` and gives the block's first index.
    ``u`` is C-contiguous (it is left as it is); ``out`` is C-contiguous int32 of ``u``'s
    shape, and ``u.size`` fits in int32 unless ``u`` has one row.

    Only the blocks' first days are scaled and floored (about one element in
    ``1 / p``); every element is then its block's first index minus the block's first
    day plus its own day, one repeat and one add, instead of carrying the block's
    start forward along the row.
    """
    rows, n = u.shape
    new = u.reshape(-1) < p
    new[::n] = True
    first = np.flatnonzero(new)  # the blocks' first elements, row-major
    day = first % n
    scaled = u.reshape(-1)[first]
    if p > 0:
        scaled *= np.where(day == 0, float(n), n / p)
    else:  # one block per row, started on day 0
        scaled *= n
    np.minimum(scaled, n - 1, out=scaled)  # guards the rounding of u / p * n up to n (and int32)
    starts = scaled.astype(np.int32)  # floor, as u >= 0
    # index = block's first index + days into the block, modulo n: (first index - the
    # block's first day) + (day - n) = first index + days into the block - n, whose two
    # terms are in [0, n), lies in [-n, n): one conditional add wraps it, and no
    # intermediate leaves int32.
    offset = np.repeat(starts - day.astype(np.int32), np.diff(first, append=rows * n))
    np.add(offset.reshape(rows, n), np.arange(-n, 0, dtype=np.int32), out=out)
    np.add(out, np.int32(n), out=out, where=out < 0)


def stationary_indices(n_obs: int, reps: int, block_length: float, seed: SeedLike = None) -> np.ndarray:
    """Day indices of the stationary bootstrap of Politis & Romano (1994).

    Each row is one resampled history of ``n_obs`` days: it starts at a uniformly random
    day; each next day is the day after the previous one (wrapping from ``n_obs - 1`` to
    0) with probability ``1 - p``, or a fresh uniformly random day with probability
    ``p = 1 / block_length``. Blocks therefore have geometric lengths of mean
    ``block_length`` and the resampled series is stationary. Use the same row for every
    series to resample them jointly (:func:`rebuild_prices`).

    One uniform draw per element decides both whether a block starts and where (a
    draw ``u < p`` starts a block at ``floor(u / p * n_obs)``), in row-major order, so
    the bank depends only on the random stream: drawing ``reps = a`` and then ``reps =
    b`` rows from one Generator gives the same rows as drawing ``a + b`` at once. No
    Python loop runs over rows or days; rows are filled in blocks of about 260,000
    elements, so temporaries stay small.

    Parameters
    ----------
    n_obs
        Days per history (and the range of the indices), ``1 <= n_obs < 2**31``.
    reps
        Number of histories (rows), ``>= 0``.
    block_length
        Mean block length, ``>= 1``: 1 gives i.i.d. uniform days; ``inf`` (or anything
        from ``2**53`` on) gives one block per row (a random circular shift).
    seed
        Seed, SeedSequence or Generator (a Generator is used, and advanced, as is).

    Returns
    -------
    numpy.ndarray
        Shape ``(reps, n_obs)``, dtype int32, values in ``0 .. n_obs - 1``.

    References
    ----------
    Politis, D. N. and Romano, J. P. (1994). The stationary bootstrap. *Journal of the
    American Statistical Association* 89, 1303-1313.

    Examples
    --------
    >>> idx = stationary_indices(10, 3, 4.0, seed=0)
    >>> idx.shape, idx.dtype.name
    ((3, 10), 'int32')
    >>> bool(((idx >= 0) & (idx < 10)).all())
    True
    >>> stationary_indices(6, 2, float("inf"), seed=1)  # one circular block per row
    array([[3, 4, 5, 0, 1, 2],
           [4, 5, 0, 1, 2, 3]], dtype=int32)
    """
    n = _as_int(n_obs, "n_obs", 1)
    if n > _INT32_MAX:
        raise ValueError(f"`n_obs` must be < 2**31 (int32 indices), got {n}")
    rows = _as_int(reps, "reps", 0)
    length = _as_block_length(block_length)
    # Below 2**-53 no uniform but 0 is < p: such block lengths act as inf (and n / p
    # cannot overflow).
    p = 1.0 / length if length < 2.0**53 else 0.0
    rng = _as_generator(seed)
    out = np.empty((rows, n), dtype=np.int32)
    step = _rows_per_chunk(n)
    uniforms = np.empty((min(step, rows), n))  # one buffer for every block of rows
    for lo in range(0, rows, step):
        hi = min(rows, lo + step)
        _fill_stationary(rng.random(out=uniforms[: hi - lo]), p, out[lo:hi])
    return out


# --------------------------------------------------------------------------------------
# Blocks matched on volatility
# --------------------------------------------------------------------------------------

STATE_WINDOW = 21
"""Trading days of the trailing window whose mean squared return is a day's volatility
state (:func:`volatility_states`): about a month."""

STATE_BINS = 10
"""Volatility states: the days cut into this many equal shares by the rank of their
trailing volatility (tenths)."""


def volatility_states(log_returns: np.ndarray, window: int = STATE_WINDOW, bins: int = STATE_BINS) -> np.ndarray:
    """Each day's volatility state, ``0 .. bins - 1``: the share of the days (``bins``
    equal shares, by rank) its trailing ``window``-day mean squared return falls in.
    Fewer than ``window * bins`` days get fewer states, ``n // window`` (one below two
    windows), so that a block matched on a state has at least ``window`` days to start
    from: with a state per day, the matching would leave no choice, and every history
    would be the data itself, shifted.

    ``log_returns`` is ``(n,)`` or ``(n, k)``; with ``k`` series each one's squared
    deviations from its mean are divided by its variance and averaged, so the state is
    the series' joint one (the histories resample their days together). The first days
    average the fewer days they have. A day's state says how volatile the month up to it
    was, against the rest of the sample. Equal trailing means are ranked in day order,
    as far as the running sums keep them equal (flat stretches may differ in a last bit,
    which moves a day at most across the edge of a state: such days are alike).

    >>> volatility_states(np.array([0.01, -0.01, 0.05, -0.04, 0.0, 0.001]), window=2, bins=3).tolist()
    [0, 1, 2, 2, 1, 0]
    >>> volatility_states(np.array([0.01, -0.01, 0.05, -0.04, 0.0, 0.001]), window=3, bins=3).tolist()  # two states of three days
    [0, 0, 1, 1, 1, 0]
    """
    x = np.asarray(log_returns, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] < 1 or not np.isfinite(x).all():
        raise ValueError("`log_returns` must be a non-empty finite (n,) or (n, k) array")
    width, count = _as_int(window, "window", 1), _as_int(bins, "bins", 1)
    n = x.shape[0]
    count = state_count(n, width, count)
    deviations = x - x.mean(axis=0)
    variance = np.square(deviations).mean(axis=0)
    squares = (np.square(deviations) / np.where(variance > 0, variance, 1.0)).mean(axis=1)  # a flat series adds zeros
    running = np.concatenate([[0.0], np.cumsum(squares)])
    end = np.arange(1, n + 1)
    start = np.maximum(end - width, 0)
    trailing = (running[end] - running[start]) / (end - start)
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(trailing, kind="stable")] = np.arange(n)
    return rank * count // n


def state_count(n: int, window: int = STATE_WINDOW, bins: int = STATE_BINS) -> int:
    """How many volatility states :func:`volatility_states` cuts ``n`` daily returns into:
    ``bins``, or ``n // window`` where that is fewer, and at least one (with one state the
    matched blocks are the stationary bootstrap's).

    >>> state_count(12_000), state_count(209), state_count(42), state_count(41)
    (10, 9, 2, 1)
    """
    return max(1, min(bins, n // window))


def matched_indices(states: np.ndarray, reps: int, block_length: float, seed: SeedLike = None) -> np.ndarray:
    """Day indices of the stationary bootstrap with blocks matched on volatility state.

    As :func:`stationary_indices`, each row is a history of ``n`` days made of blocks of
    consecutive days (wrapping from ``n - 1`` to 0) of geometric length with mean
    ``block_length``, and the first block starts on a uniformly random day. But every
    later block starts on a day drawn uniformly among those whose previous day has the
    state (``states``, e.g. :func:`volatility_states`) of the day the block before ended
    on: after a block that ends in a volatile month the history goes on from a day that
    followed a volatile month, so a volatile regime outlasts the block it started in, as
    it does in the data (a matched-block bootstrap in the manner of Carlstein et al.
    1998, matched on a state rather than on the returns). With one state this is the
    stationary bootstrap in distribution, whatever ``block_length``: ``inf`` (or anything
    from ``2**53`` on) gives one block per row (a random circular shift).

    Why: the unmatched bootstrap keeps volatility clustering only within its blocks (a
    few days). A rule that picks big falls picks days that real prices follow with weeks
    of high volatility, and the histories followed them with ordinary days: their events'
    forward returns varied less than the real events' do, and the test rejected 14.5% of
    true nulls at 5% at a year's horizon (docs/statistics.md).

    :func:`matched_blocks` draws the blocks; :func:`block_indices` fills in the days
    (a caller may fill a few rows at a time). Returns ``(reps, n)`` int32 indices in
    ``0 .. n - 1``.

    >>> idx = matched_indices(np.array([0, 0, 1, 1, 0, 1, 1, 0]), 3, 2.0, seed=0)
    >>> idx.shape, idx.dtype.name, bool(((idx >= 0) & (idx < 8)).all())
    ((3, 8), 'int32', True)
    """
    starts, lengths = matched_blocks(states, reps, block_length, seed)
    return block_indices(starts, lengths, np.asarray(states).size)


def matched_blocks(states: np.ndarray, reps: int, block_length: float, seed: SeedLike = None) -> tuple[np.ndarray, np.ndarray]:
    """The blocks of :func:`matched_indices`: ``(reps, K)`` int32 first days and lengths,
    each row's in order (a row's blocks past its ``n`` days are drawn but never used).

    The blocks' lengths and one uniform each for its start are drawn in bulk; each
    block's start then needs the state where the one before ended: one pass over the
    blocks, every row at once (about ``1.25 n / block_length`` short steps, whatever the
    number of rows)."""
    state = np.asarray(states)
    if state.ndim != 1 or state.size < 1 or not np.issubdtype(state.dtype, np.integer) or state.min() < 0:
        raise ValueError("`states` must be a non-empty (n,) array of integers >= 0")
    n = state.size
    if n > _INT32_MAX:
        raise ValueError(f"`states` must have fewer than 2**31 days (int32 indices), got {n}")
    rows = _as_int(reps, "reps", 0)
    length = _as_block_length(block_length)
    rng = _as_generator(seed)
    state = state.astype(np.int64)
    first_start = rng.integers(0, n, size=rows)
    if length >= 2.0**53 or rows == 0:  # one block per row (a random circular shift), as stationary_indices
        return first_start[:, None].astype(np.int32), np.full((rows, 1), n, dtype=np.int32)
    # where a block may start, by the state of the day before it (day 0's: the last day's, as rows wrap)
    before = np.roll(state, 1)
    members = np.argsort(before, kind="stable")
    counts = np.bincount(before)
    firsts = np.cumsum(counts) - counts
    p = 1.0 / length
    per_draw = blocks_drawn(n, length)
    # drawn block by block ((K, rows): the pass below reads one block of every row at a time);
    # a block longer than the row fills the rest of it either way (and its length, up to
    # 2**63 - 1 for a block length near 2**53, no longer overflows the rows' sums)
    lengths = np.minimum(rng.geometric(p, size=(per_draw, rows)), n)
    uniforms = rng.random((per_draw, rows))
    while (lengths.sum(axis=0) < n).any():
        lengths = np.concatenate([lengths, np.minimum(rng.geometric(p, size=(per_draw, rows)), n)])
        uniforms = np.concatenate([uniforms, rng.random((per_draw, rows))])
    starts = np.empty_like(lengths)
    starts[0] = start = first_start
    ended = np.empty(rows, dtype=np.int64)
    for k in range(1, lengths.shape[0]):  # each block after the state where the one before ended
        np.add(start, lengths[k - 1] - 1, out=ended)
        np.remainder(ended, n, out=ended)
        ended = state[ended]
        start = members[firsts[ended] + (uniforms[k] * counts[ended]).astype(np.int64)]
        starts[k] = start
    # int32 (n < 2**31), row by row: half the memory a group's blocks hold while its chunks run
    return starts.T.astype(np.int32, order="C"), lengths.T.astype(np.int32, order="C")


def blocks_drawn(n: int, block_length: float) -> int:
    """The blocks :func:`matched_blocks` draws per row of ``n`` days at a time: 1.25 times
    the rows' mean count, and 16 more, so every row is filled in one draw but for a chance
    of about e^-16 (one block where ``block_length`` acts as inf)."""
    if block_length >= 2.0**53:
        return 1
    return int(n * (1.0 / block_length) * 1.25) + 16  # as (n * p * 1.25): the draws depend on this count


def block_indices(starts: np.ndarray, lengths: np.ndarray, n: int) -> np.ndarray:
    """``(rows, n)`` int32 day indices of rows of blocks (``(rows, K)`` first days and
    lengths, in order; the blocks past a row's ``n`` days are ignored): each day is its
    block's first day plus its days into the block, wrapping at ``n``."""
    rows = starts.shape[0]
    begin = np.cumsum(lengths, axis=1, dtype=np.int64) - lengths  # each block's first day in its row
    if ((lengths.sum(axis=1) < n) | (starts.min(initial=0) < 0) | (starts.max(initial=0) >= n)).any():
        raise ValueError(f"every row's blocks must cover its {n} days, from days in 0 .. {n - 1}")
    inside = begin < n
    days = np.minimum(lengths, n - begin)[inside]  # each block's days within its row, row-major
    # int32 (n < 2**31): a day's index, first day - block's first day in the row + its day in
    # the row, lies in [0, 2 n) (a first day below n, a block of at most n days): one
    # conditional subtraction wraps it, where a modulo of int64 took a third longer
    offset = np.repeat((starts - begin)[inside].astype(np.int32), days).reshape(rows, n)
    offset += np.arange(n, dtype=np.int32)
    np.subtract(offset, np.int32(n), out=offset, where=offset >= n)
    return offset


# --------------------------------------------------------------------------------------
# Prices from resampled returns
# --------------------------------------------------------------------------------------


def rebuild_prices(
    first: np.ndarray,
    log_returns: np.ndarray,
    indices: np.ndarray,
    *,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Closes of ``k`` series rebuilt from their resampled daily log returns.

    Row ``r`` of the result is the history whose day-``t`` log return is
    ``log_returns[indices[r, t - 1]]`` for every series at once (joint blocks):
    ``close[r, 0] = first`` and ``close[r, t] = first * exp(sum(log_returns[indices[r,
    :t]]))``. The sums run day by day (a cumulative sum), in float64.

    Parameters
    ----------
    first
        Shape ``(k,)``: the first close of each series.
    log_returns
        Shape ``(T - 1, k)``: ``log(close[t + 1] / close[t])`` of the ``k`` series on a
        common calendar. Must be finite.
    indices
        Shape ``(reps, T - 1)``, integers in ``0 .. T - 2``: e.g.
        ``stationary_indices(T - 1, reps, block_length, seed)``.
    out
        Optional array of shape ``(reps, T, k)`` and a floating dtype to write into
        (e.g. a reused buffer, or float32 to halve the memory; the arithmetic stays
        float64).

    Returns
    -------
    numpy.ndarray
        Shape ``(reps, T, k)``: the resampled closes (``out`` when given, else float64).

    Examples
    --------
    >>> import numpy as np
    >>> close = np.array([[100.0, 50.0], [110.0, 49.0], [99.0, 51.0]])
    >>> lr = np.log(close[1:] / close[:-1])
    >>> idx = np.array([[0, 1], [1, 0]])
    >>> rebuild_prices(close[0], lr, idx).round(4)
    array([[[100.    ,  50.    ],
            [110.    ,  49.    ],
            [ 99.    ,  51.    ]],
    <BLANKLINE>
           [[100.    ,  50.    ],
            [ 90.    ,  52.0408],
            [ 99.    ,  51.    ]]])
    """
    first = np.asarray(first, dtype=np.float64)
    log_returns = np.asarray(log_returns, dtype=np.float64)
    indices = np.asarray(indices)
    if log_returns.ndim != 2:
        raise ValueError(f"`log_returns` must be 2-D (T - 1, k), got shape {log_returns.shape}")
    days, k = log_returns.shape
    if first.shape != (k,):
        raise ValueError(f"`first` must have shape ({k},), one close per column of `log_returns`, got {first.shape}")
    if indices.ndim != 2 or indices.shape[1] != days:
        raise ValueError(f"`indices` must have shape (reps, {days}), one index per return, got {indices.shape}")
    if not np.issubdtype(indices.dtype, np.integer):
        raise ValueError(f"`indices` must hold integers, got dtype {indices.dtype}")
    if not np.isfinite(first).all():
        raise ValueError("`first` must be finite")
    if not np.isfinite(log_returns).all():
        raise ValueError("`log_returns` must be finite (no NaN or infinity)")
    if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= days):
        raise ValueError(
            f"`indices` must lie in 0..{days - 1}, got values in {int(indices.min())}..{int(indices.max())}"
        )
    if not np.can_cast(indices.dtype, np.intp):  # uint64: np.take would refuse it
        indices = indices.astype(np.intp)
    reps = indices.shape[0]
    shape = (reps, days + 1, k)
    if out is None:
        out = np.empty(shape, dtype=np.float64)
    elif not isinstance(out, np.ndarray) or out.shape != shape or not np.issubdtype(out.dtype, np.floating):
        got = f"shape {out.shape}, dtype {out.dtype}" if isinstance(out, np.ndarray) else type(out).__name__
        raise ValueError(f"`out` must be a floating array of shape {shape}, got {got}")
    out[:, 0, :] = first
    if days == 0 or k == 0:
        return out
    # Two series at a time and rows in chunks: a 1-D gather and a cumulative sum along
    # contiguous memory are several times faster than on (rows, days, k) at once. The two
    # are one complex128 series: complex addition adds the real parts and the imaginary
    # parts, each in float64, so each part's running sum is its own series', bit for bit,
    # and numpy's running sum (one dependent addition after another: most of the time
    # here) carries two series per step.
    for j in range(0, k, 2):
        width = min(2, k - j)
        pair = np.ascontiguousarray(log_returns[:, j : j + width])
        table = pair.view(np.complex128)[:, 0] if width == 2 else pair[:, 0]
        step = _rows_per_chunk(days * width)
        buffer = np.empty((min(step, reps), days), dtype=table.dtype)
        for lo in range(0, reps, step):
            hi = min(reps, lo + step)
            path = buffer[: hi - lo]
            np.take(table, indices[lo:hi].astype(np.intp, copy=False), out=path, mode="clip")  # indices checked above
            np.cumsum(path, axis=1, out=path)
            sums = path.view(np.float64).reshape(hi - lo, days, width)  # each series' running sums
            np.exp(sums, out=sums)
            for i in range(width):  # scaled by the first close straight into the closes (a float64 product, then cast)
                np.multiply(sums[..., i], first[j + i], out=out[lo:hi, 1:, j + i])
    return out
