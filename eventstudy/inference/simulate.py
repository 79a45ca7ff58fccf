"""Synthetic price histories on which nothing predicts future returns.

They calibrate the significance tests: on histories where nothing predicts returns, a 5%
test must reject about 5% of the time and a 95% interval must cover the true forward
return about 95% of the time. The events of a study are chosen from the prices
themselves (all-time highs, drawdowns, RSI), so the histories need the features that make
such events special in real data (volatility clustering, fat tails, correlation across
series) while keeping the expected forward return known exactly:

* :func:`garch_t_paths`: a few correlated series, each with GARCH(1,1) variance and
  Student-t shocks, and a constant conditional mean: ``E[close[t+h] / close[t] | the
  past up to t] = (1 + mu) ** h`` (:func:`true_forward_mean`), whatever the event rule.
* :func:`factor_panel`: a universe of stocks driven by a common market factor plus
  idiosyncratic noise, both with GARCH variance and t shocks; same exact conditional mean.
* :func:`bootstrap_paths`: joint stationary-bootstrap reshuffles of real closes, with
  the expected forward return of the scheme from :func:`bootstrap_forward_mean`.

Only numpy (and the package's stationary bootstrap) is imported. Time runs through a Python loop of one step per day over arrays of
shape ``(reps, series)`` (the GARCH recursion), in chunks of :data:`CHUNK_DAYS` days whose
shocks are drawn at once; everything else is vectorized.

References
----------
Bollerslev, T. (1986). Generalized autoregressive conditional heteroskedasticity.
*Journal of Econometrics* 31, 307-327.
Bollerslev, T. (1987). A conditionally heteroskedastic time series model for speculative
prices and rates of return. *Review of Economics and Statistics* 69, 542-547 (t shocks).
Politis, D. N. and Romano, J. P. (1994). The stationary bootstrap. *JASA* 89, 1303-1313.
"""

from __future__ import annotations

import math

import numpy as np

from eventstudy.inference.resample import stationary_indices

__all__ = [
    "CHUNK_DAYS",
    "RETURN_FLOOR",
    "TRADING_DAYS",
    "bootstrap_forward_mean",
    "bootstrap_paths",
    "factor_panel",
    "garch_t_paths",
    "true_forward_mean",
]

SeedLike = int | np.random.Generator | np.random.SeedSequence | None

TRADING_DAYS = 252
"""Trading days per year: the daily variance is ``annual_vol ** 2 / TRADING_DAYS``."""

RETURN_FLOOR = -0.9
"""Simulated simple daily returns are clipped below at this value (prices stay positive)."""

CHUNK_DAYS = 256
"""Days of shocks drawn per chunk: bounds the temporaries to ``CHUNK_DAYS * reps * series``."""

_INDEX_CHUNK = 1 << 22  # bootstrap indices generated per chunk of repetitions


def _generator(seed: SeedLike) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def _check_count(name: str, value: int, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _garch_omega(omega: float | None, alpha: float, beta: float, annual_vol: float) -> tuple[float, float]:
    """``(omega, unconditional daily variance)`` after validating the GARCH parameters."""
    if not (math.isfinite(alpha) and alpha >= 0):
        raise ValueError(f"`alpha` must be >= 0, got {alpha}")
    if not (math.isfinite(beta) and beta >= 0):
        raise ValueError(f"`beta` must be >= 0, got {beta}")
    if not alpha + beta < 1:
        raise ValueError(f"`alpha` + `beta` must be < 1 (a stationary variance), got {alpha} + {beta}")
    if omega is None:
        if not (math.isfinite(annual_vol) and annual_vol > 0):
            raise ValueError(f"`annual_vol` must be > 0, got {annual_vol}")
        variance = annual_vol**2 / TRADING_DAYS
        return variance * (1 - alpha - beta), variance
    if not (math.isfinite(omega) and omega > 0):
        raise ValueError(f"`omega` must be > 0, got {omega}")
    return float(omega), omega / (1 - alpha - beta)


def _check_common(mu: float, df: float, first: float, burn_in: int) -> None:
    if not (math.isfinite(mu) and mu > RETURN_FLOOR):
        raise ValueError(f"`mu` must be finite and > {RETURN_FLOOR}, got {mu}")
    if not df > 2:  # also rejects NaN; inf means normal shocks
        raise ValueError(f"`df` must be > 2 (finite variance) or inf, got {df}")
    if not (math.isfinite(first) and first > 0):
        raise ValueError(f"`first` must be > 0, got {first}")
    _check_count("burn_in", burn_in, 0)


def _t_shocks(rng: np.random.Generator, shape: tuple[int, ...], df: float) -> np.ndarray:
    """Independent Student-t(df) draws scaled to unit variance (normal when df is inf)."""
    if math.isinf(df):
        return rng.standard_normal(shape)
    z = rng.standard_t(df, shape)
    z *= math.sqrt((df - 2) / df)
    return z


def _garch_variances(z: np.ndarray, s2: np.ndarray, omega: float, alpha: float, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """Conditional variances of the days of ``z`` (time on axis 0) and of the day after.

    ``s2`` is the first day's variance; with ``e[t] = sqrt(s2[t]) z[t]``, the recursion
    ``s2[t+1] = omega + alpha e[t]^2 + beta s2[t]`` is ``omega + (alpha z[t]^2 + beta) s2[t]``,
    one multiply-add per day over the arrays of shape ``z.shape[1:]``.
    """
    growth = z * z
    growth *= alpha
    growth += beta
    out = np.empty_like(z)
    current = np.array(s2, dtype=np.float64, copy=True)
    for t in range(z.shape[0]):
        out[t] = current
        np.multiply(growth[t], current, out=current)
        current += omega
    return out, current


def _equicorrelated(n: np.ndarray, correlation: float) -> np.ndarray:
    """Mix independent unit normals along the last axis to pairwise correlation ``correlation``.

    The symmetric square root of the equicorrelation matrix ``(1 - c) I + c 11'``:
    ``sqrt(1 - c) I + b 11'`` with ``b = (sqrt(1 + (k - 1) c) - sqrt(1 - c)) / k``.
    """
    k = n.shape[-1]
    if k == 1:
        return n
    s = math.sqrt(1 - correlation)
    b = (math.sqrt(1 + (k - 1) * correlation) - s) / k
    return s * n + b * n.sum(axis=-1, keepdims=True)


def true_forward_mean(mu: float, h: int) -> float:
    """The exact expected simple ``h``-day forward return of the simulated paths, ``(1+mu)^h - 1``.

    It holds conditionally on anything known at the start of the window (see
    :func:`garch_t_paths` and :func:`factor_panel`), so it is the truth for any event rule
    that looks only at past prices.

    Parameters
    ----------
    mu
        The constant conditional mean of the simple daily return.
    h
        Horizon in trading days (>= 0).

    Examples
    --------
    >>> round(true_forward_mean(0.0003, 21), 6)
    0.006319
    >>> true_forward_mean(0.01, 0)
    0.0
    """
    _check_count("h", h, 0)
    if not (math.isfinite(mu) and mu > -1):
        raise ValueError(f"`mu` must be finite and > -1, got {mu}")
    return (1.0 + mu) ** h - 1.0


def garch_t_paths(
    n_days: int,
    n_series: int = 2,
    *,
    reps: int = 1,
    mu: float = 0.0003,
    correlation: float = 0.7,
    omega: float | None = None,
    alpha: float = 0.08,
    beta: float = 0.90,
    df: float = 5.0,
    annual_vol: float = 0.16,
    first: float = 100.0,
    burn_in: int = 500,
    seed: SeedLike = None,
) -> np.ndarray:
    """Closes of ``n_series`` correlated GARCH(1,1)-t series with a known constant drift.

    Each series ``i`` has its own conditional variance
    ``s2[t] = omega + alpha * e[t-1]^2 + beta * s2[t-1]`` with ``e[t] = sqrt(s2[t]) z[t]``,
    and simple return ``r[t] = mu + e[t]``; ``close[0] = first`` and
    ``close[t] = close[t-1] * (1 + r[t])``. The shocks ``z[t]`` are i.i.d. over days: a
    multivariate Student-t, ``z = sqrt((df - 2) / W) * n`` with ``n`` normal with pairwise
    correlation ``correlation`` and ONE chi-square ``W ~ chi2(df)`` per day shared by all
    series, so each ``z_i`` is a standardized t(df) (mean 0, variance 1) and
    ``corr(z_i, z_j) = correlation`` exactly. The shared ``W`` also makes calm and wild
    days common to all series (tail dependence: even at ``correlation=0`` the series are
    uncorrelated but not independent). The correlation of the *returns* is
    ``correlation * E[sqrt(s2_i s2_j)] / E[s2]``, a little lower because the two variance
    processes are not identical: 0.65 for ``correlation=0.7`` at the other defaults
    (``E[sqrt(s2_i s2_j)] / E[s2] = 0.93``), 0.26 for 0.3, 0.87 for 0.9 (measured on
    4 million simulated days).

    **The drift is exact.** ``s2[t]`` is a function of the past alone and ``z[t]`` is
    independent of the past with mean 0, so ``E[r[t] | past] = mu`` and, by the tower
    property over the ``h`` days of the window,
    ``E[close[t+h] / close[t] | anything known up to t] = (1 + mu) ** h``
    (:func:`true_forward_mean`). It holds on event days chosen from past prices (all-time
    highs, drawdowns, RSI), the property the calibration relies on.

    **Clipping.** A return below :data:`RETURN_FLOOR` (-90%) would need a shock of ~90
    daily standard deviations at a typical variance; it is clipped to -0.9 so prices stay
    positive. That raises the daily conditional mean by the expected clipped mass
    ``E[(-0.9 - r)^+]``. At the defaults it is about 1e-8 per day (the t(5) partial
    expectation integrated against the stationary variance: 0.7e-8 over 1e8 simulated
    days, 1.2e-8 extrapolating the variance's power-law tail, index 1.88, beyond 8 times
    its typical level, where most of the mass lies), i.e. about 4e-5 of ``mu``: a 21-day
    forward mean off by ~2e-7 out of 0.0063. Negligible for calibration.

    The variance starts at its unconditional value ``omega / (1 - alpha - beta)`` and runs
    ``burn_in`` days (discarded) before the first close, so the recorded variance is close
    to stationary. The unconditional variance is finite (``alpha + beta < 1``), but the
    fourth moment of the returns is not when ``beta^2 + 2 alpha beta + k alpha^2 >= 1`` with
    ``k = 3 (df - 2) / (df - 4)`` the kurtosis of the shocks (1.012 at the defaults), so
    the sample kurtosis keeps growing with the sample, as in real index returns.

    Parameters
    ----------
    n_days
        Number of closes per path (``n_days - 1`` returns).
    n_series
        Number of jointly simulated series.
    reps
        Number of independent histories.
    mu
        Conditional mean of the simple daily return.
    correlation
        Pairwise correlation of the shocks, in ``[-1 / (n_series - 1), 1]``.
    omega, alpha, beta
        GARCH(1,1) parameters (``alpha + beta < 1``). By default ``omega`` is set so that
        the unconditional daily variance is ``annual_vol ** 2 / 252``; a given ``omega``
        overrides ``annual_vol``.
    df
        Degrees of freedom of the t shocks (> 2; ``inf`` gives normal shocks).
    annual_vol
        Unconditional annualized volatility.
    first
        The first close of every path.
    burn_in
        Days simulated before the first close and discarded.
    seed
        An int, a ``numpy.random.Generator``, a ``SeedSequence`` or None.

    Returns
    -------
    np.ndarray
        Closes, float64, shape ``(reps, n_days, n_series)``.

    Examples
    --------
    >>> closes = garch_t_paths(1_000, 2, reps=3, seed=0)
    >>> closes.shape, closes.dtype
    ((3, 1000, 2), dtype('float64'))
    >>> bool((closes[:, 0] == 100.0).all() and (closes > 0).all())
    True
    """
    n_days = _check_count("n_days", n_days, 1)
    n_series = _check_count("n_series", n_series, 1)
    reps = _check_count("reps", reps, 1)
    _check_common(mu, df, first, burn_in)
    lowest = -1.0 if n_series == 1 else -1.0 / (n_series - 1)
    if not lowest <= correlation <= 1:
        raise ValueError(f"`correlation` must be in [{lowest:g}, 1] for {n_series} series, got {correlation}")
    omega, variance = _garch_omega(omega, alpha, beta, annual_vol)
    rng = _generator(seed)

    def shocks(days: int) -> np.ndarray:
        z = _equicorrelated(rng.standard_normal((days, reps, n_series)), correlation)
        if not math.isinf(df):
            z *= np.sqrt((df - 2) / rng.chisquare(df, (days, reps)))[..., None]
        return z

    s2 = np.full((reps, n_series), variance)
    for start in range(0, burn_in, CHUNK_DAYS):
        _, s2 = _garch_variances(shocks(min(CHUNK_DAYS, burn_in - start)), s2, omega, alpha, beta)

    out = np.empty((reps, n_days, n_series))
    out[:, 0] = first
    price = out[:, 0].copy()
    for start in range(1, n_days, CHUNK_DAYS):
        days = min(CHUNK_DAYS, n_days - start)
        z = shocks(days)
        s2_days, s2 = _garch_variances(z, s2, omega, alpha, beta)
        gross = np.sqrt(s2_days, out=s2_days)
        gross *= z
        gross += mu
        np.maximum(gross, RETURN_FLOOR, out=gross)
        gross += 1.0
        np.cumprod(gross, axis=0, out=gross)
        gross *= price
        out[:, start : start + days] = gross.transpose(1, 0, 2)
        price = gross[-1]
    return out


def factor_panel(
    n_stocks: int,
    n_days: int,
    *,
    reps: int = 1,
    market_share: float = 0.25,
    mu: float = 0.0003,
    df: float = 5.0,
    annual_vol: float = 0.30,
    alpha: float = 0.08,
    beta: float = 0.90,
    first: float = 100.0,
    burn_in: int = 500,
    seed: SeedLike = None,
) -> np.ndarray:
    """Closes of a universe of stocks driven by one market factor, with a known drift.

    Stock ``i``'s simple return is
    ``r_i[t] = mu + sqrt(market_share * s2_m[t]) z_m[t] + sqrt((1 - market_share) * s2_i[t]) z_i[t]``,
    where ``s2_m`` (one per history) and ``s2_i`` (one per stock) are GARCH(1,1)
    variances driven by their own shocks (``s2[t] = omega + alpha e[t-1]^2 + beta s2[t-1]``
    with ``e = sqrt(s2) z``), each with unconditional daily variance
    ``annual_vol ** 2 / 252``; ``z_m`` and the ``z_i`` are independent standardized
    Student-t(df) shocks. Every stock then has unconditional variance
    ``annual_vol ** 2 / 252`` and any two stocks have correlation exactly ``market_share``
    (their covariance is ``market_share * E[s2_m]``); daily correlations of 0.2-0.3 are
    typical of US stocks.

    **The drift is exact**, for the same reason as in :func:`garch_t_paths`: both variances
    at ``t`` are functions of the past and both shocks at ``t`` are independent of the past
    with mean 0, so ``E[r_i[t] | past] = mu`` and
    ``E[close[t+h] / close[t] | anything known up to t] = (1 + mu) ** h``
    (:func:`true_forward_mean`), for every stock and any event rule on past prices of any
    stocks. Returns are clipped below at :data:`RETURN_FLOOR`, which raises the daily mean
    by the clipped mass, of order 1e-7 per day at 30% volatility (about 5e-4 of ``mu``):
    negligible, as in :func:`garch_t_paths`.

    **Memory.** The result takes ``8 * reps * n_stocks * n_days`` bytes (500 stocks over
    5,000 days: 20 MB per history); temporaries add ``CHUNK_DAYS * reps * n_stocks``
    floats per array.

    Parameters
    ----------
    n_stocks, n_days
        Universe size and number of closes per stock.
    reps
        Number of independent histories.
    market_share
        Share of each stock's variance from the market factor, in ``[0, 1]``.
    mu
        Conditional mean of every stock's simple daily return.
    df
        Degrees of freedom of the t shocks (> 2; ``inf`` gives normal shocks).
    annual_vol
        Unconditional annualized volatility of every stock.
    alpha, beta
        GARCH(1,1) parameters shared by the market and the stocks (``alpha + beta < 1``).
    first
        The first close of every stock.
    burn_in
        Days simulated before the first close and discarded.
    seed
        An int, a ``numpy.random.Generator``, a ``SeedSequence`` or None.

    Returns
    -------
    np.ndarray
        Closes, float64, shape ``(reps, n_stocks, n_days)``.

    Examples
    --------
    >>> closes = factor_panel(50, 500, reps=2, seed=1)
    >>> closes.shape
    (2, 50, 500)
    >>> bool((closes[..., 0] == 100.0).all())
    True
    """
    n_stocks = _check_count("n_stocks", n_stocks, 1)
    n_days = _check_count("n_days", n_days, 1)
    reps = _check_count("reps", reps, 1)
    _check_common(mu, df, first, burn_in)
    if not 0 <= market_share <= 1:
        raise ValueError(f"`market_share` must be in [0, 1], got {market_share}")
    omega, variance = _garch_omega(None, alpha, beta, annual_vol)
    rng = _generator(seed)

    def shocks(days: int) -> tuple[np.ndarray, np.ndarray]:
        return _t_shocks(rng, (days, reps), df), _t_shocks(rng, (days, reps, n_stocks), df)

    s2_m = np.full(reps, variance)
    s2_i = np.full((reps, n_stocks), variance)
    for start in range(0, burn_in, CHUNK_DAYS):
        z_m, z_i = shocks(min(CHUNK_DAYS, burn_in - start))
        _, s2_m = _garch_variances(z_m, s2_m, omega, alpha, beta)
        _, s2_i = _garch_variances(z_i, s2_i, omega, alpha, beta)

    out = np.empty((reps, n_stocks, n_days))
    out[..., 0] = first
    price = out[..., 0].copy()
    for start in range(1, n_days, CHUNK_DAYS):
        days = min(CHUNK_DAYS, n_days - start)
        z_m, z_i = shocks(days)
        var_m, s2_m = _garch_variances(z_m, s2_m, omega, alpha, beta)
        var_i, s2_i = _garch_variances(z_i, s2_i, omega, alpha, beta)
        market = np.sqrt(market_share * var_m) * z_m
        gross = np.sqrt((1 - market_share) * var_i, out=var_i)
        gross *= z_i
        gross += market[..., None]
        gross += mu
        np.maximum(gross, RETURN_FLOOR, out=gross)
        gross += 1.0
        np.cumprod(gross, axis=0, out=gross)
        gross *= price
        out[..., start : start + days] = gross.transpose(1, 2, 0)
        price = gross[-1]
    return out


def _check_block_length(block_length: float) -> float:
    if not (block_length >= 1):  # also rejects NaN; inf is one circular block
        raise ValueError(f"`block_length` must be >= 1 (or inf), got {block_length}")
    return float(block_length)


def _check_closes(closes: np.ndarray) -> np.ndarray:
    c = np.asarray(closes, dtype=np.float64)
    if c.ndim == 1:
        c = c[:, None]
    if c.ndim != 2 or c.shape[0] < 2 or c.shape[1] < 1:
        raise ValueError(f"`closes` must have shape (T, k) with T >= 2, got {np.shape(closes)}")
    if not (np.isfinite(c).all() and (c > 0).all()):
        raise ValueError("`closes` must be finite and positive")
    return c


def bootstrap_paths(closes: np.ndarray, *, reps: int, block_length: float, seed: SeedLike = None) -> np.ndarray:
    """Joint stationary-bootstrap reshuffles of real closes.

    The ``T - 1`` daily log returns of ``closes`` are resampled with the stationary
    bootstrap of Politis & Romano (1994): blocks of consecutive days (circularly: the last
    return is followed by the first) with geometric lengths of mean ``block_length``,
    each starting at a uniform random day. The SAME resampled days are used for every
    series, so their cross-correlation is kept, and within blocks their serial dependence
    (volatility clustering, and any predictability the data has). Each path is rebuilt
    from the first close: ``path[0] = closes[0]``,
    ``path[t] = closes[0] * exp(sum of the first t resampled log returns)``.

    Unlike :func:`garch_t_paths`, these histories are not unpredictable by construction:
    given the recent past, the current block probably continues, so whatever the data's
    dependence predicts carries over. :func:`bootstrap_forward_mean` gives the forward
    return expected at a day picked independently of the path.

    Parameters
    ----------
    closes
        Shape ``(T, k)`` (or ``(T,)``): positive closes, oldest first, ``T >= 2``.
    reps
        Number of resampled histories.
    block_length
        Mean block length in days (>= 1); 1 is the i.i.d. bootstrap, ``inf`` a single
        block (a circular shift of the returns).
    seed
        An int, a ``numpy.random.Generator``, a ``SeedSequence`` or None.

    Returns
    -------
    np.ndarray
        Shape ``(reps, T, k)`` (``(reps, T)`` for one-dimensional ``closes``).

    Examples
    --------
    >>> closes = np.array([[100.0, 50.0], [101.0, 50.5], [99.0, 50.0], [102.0, 51.0]])
    >>> paths = bootstrap_paths(closes, reps=5, block_length=2.0, seed=0)
    >>> paths.shape, bool((paths[:, 0] == closes[0]).all())
    ((5, 4, 2), True)
    """
    flat = np.ndim(closes) == 1
    c = _check_closes(closes)
    reps = _check_count("reps", reps, 1)
    block_length = _check_block_length(block_length)
    rng = _generator(seed)
    log_returns = np.diff(np.log(c), axis=0)
    n, k = log_returns.shape
    out = np.empty((reps, n + 1, k))
    out[:, 0] = c[0]
    step = max(1, _INDEX_CHUNK // n)
    for r0 in range(0, reps, step):
        r1 = min(reps, r0 + step)
        paths = log_returns[stationary_indices(n, r1 - r0, min(block_length, 2.0**53), rng)]
        np.cumsum(paths, axis=1, out=paths)
        np.exp(paths, out=paths)
        paths *= c[0]
        out[r0:r1, 1:] = paths
    return out[..., 0] if flat else out


def bootstrap_forward_mean(closes: np.ndarray, h: int, block_length: float) -> float | np.ndarray:
    """The expected simple ``h``-day forward return under :func:`bootstrap_paths`' scheme.

    Exact (up to float rounding), by a recursion over the block structure of the window.
    With ``g`` the ``n = T - 1`` daily gross returns and ``p = 1 / block_length``:

    * the window's ``h`` days split into runs of consecutive original days: each of the
      ``h - 1`` steps inside the window starts a new block with probability ``p``,
      independently; each block starts at an independent uniform day (the first one too,
      since the resampled sequence is stationary with a uniform index on every day);
    * so, given the split, the blocks' products are independent and a block of ``l``
      days contributes ``C(l)``, the mean over the ``n`` circular start days of the
      product of ``l`` consecutive gross returns;
    * with ``G(m)`` the expected product of ``m`` days starting at a block start,
      ``G(0) = 1`` and
      ``G(m) = (1-p)^(m-1) C(m) + sum_{l<m} (1-p)^(l-1) p C(l) G(m-l)``
      (the first block either fills the remaining ``m`` days or ends after ``l``).

    The result is ``G(h) - 1``, in ``O(n h k + h^2 k)`` operations. It is the truth for a
    forward-return average over days chosen independently of the resampled path (any day
    ``t`` with ``t + h <= T - 1``); for days selected from the path's own prices it is
    the truth only insofar as the original data has no predictability that blocks carry.

    Parameters
    ----------
    closes
        Shape ``(T, k)`` (or ``(T,)``): the closes given to :func:`bootstrap_paths`.
    h
        Horizon in trading days (>= 0).
    block_length
        Mean block length (>= 1, or inf).

    Returns
    -------
    float or np.ndarray
        One value per series, shape ``(k,)`` (a float for one-dimensional ``closes``).

    Examples
    --------
    >>> closes = np.array([100.0, 110.0, 99.0, 108.9])  # gross returns 1.1, 0.9, 1.1
    >>> round(bootstrap_forward_mean(closes, 2, 1.0), 6)  # i.i.d. days: mean(g) ** 2 - 1
    0.067778
    >>> round(bootstrap_forward_mean(closes, 2, np.inf), 6)  # one block: circular pairs
    0.063333
    """
    flat = np.ndim(closes) == 1
    c = _check_closes(closes)
    h = _check_count("h", h, 0)
    p = 1.0 / _check_block_length(block_length)
    gross = c[1:] / c[:-1]
    n, k = gross.shape
    chained = np.zeros((h + 1, k))  # C(l): mean circular l-day product
    chained[0] = 1.0
    product = np.ones((n, k))
    days = np.arange(n)
    for step in range(1, h + 1):
        product *= gross[(days + step - 1) % n]
        chained[step] = product.mean(axis=0)
    q = 1.0 - p
    ends = p * q ** np.arange(h)  # P(a block ends after exactly l days), l = 1..h
    expected = np.ones((h + 1, k))
    for m in range(1, h + 1):
        split = (ends[: m - 1, None] * chained[1:m] * expected[m - 1 : 0 : -1]).sum(axis=0)
        expected[m] = q ** (m - 1) * chained[m] + split
    result = expected[h] - 1.0
    return float(result[0]) if flat else result
