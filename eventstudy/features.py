"""Named indicators as polars expressions: the one place where features are defined.

A feature is a build function ``build(close, *args) -> pl.Expr`` registered under a name.
The expression it returns is valid on ONE symbol's contiguous, date-ascending block of
closes; the caller partitions (``.over("symbol")``), so the builders stay free of
``.over`` and a later optimization can evaluate them on pre-split blocks. Adding an
indicator is one decorated function::

    @feature("sma", params=("n",), description="simple moving average of the last n closes")
    def _sma(close: pl.Expr, n: int) -> pl.Expr:
        return close.rolling_mean(n)

Every feature is null until its window is full (see DESIGN.md, "Features as values").
Value features are Float64; flag features (``at_ath``, ``at_high(n)``, ...) are Boolean and
back the ``SERIES at LEVEL`` tests of the condition language.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NamedTuple

from eventstudy._numpy import np
from eventstudy._polars import pl
from eventstudy.errors import ConditionSyntaxError, UnknownNameError
from eventstudy.registry import Registry

if TYPE_CHECKING:
    from eventstudy.conditions.ast import Value

__all__ = [
    "FEATURES",
    "Feature",
    "FeatureRequest",
    "check_feature",
    "column_name",
    "compute_features",
    "earlier_rows",
    "feature",
    "feature_key",
    "lookup_feature",
    "recursion_rows",
    "rolling_extreme",
]

FeatureKind = Literal["value", "flag"]
FeatureUnit = Literal["price", "fraction", "share", "number", "count", "volume", "flag"]


@dataclass(frozen=True)
class Feature:
    """A registered indicator.

    Attributes
    ----------
    name
        The registry name (lower-case), as written in conditions.
    params
        Names of the integer parameters, e.g. ``("n",)``.
    description
        One line for help texts.
    kind
        ``"value"`` (a Float64 number) or ``"flag"`` (a Boolean test).
    build
        ``build(close, *args) -> pl.Expr`` over one symbol's date-ascending closes.
    minimum
        Smallest valid value of every parameter (``volatility`` needs 2 returns).
    unit
        How values are shown: ``"price"`` (a level in the series' units), ``"fraction"``
        (a signed fraction such as a return), ``"share"`` (an unsigned fraction such as a
        drawdown), ``"number"``, ``"count"``, ``"volume"`` (shares traded, shown whole
        with separators) or ``"flag"``.
    lookback
        ``lookback(*args)``: how many earlier rows a value reads, for a feature that is
        null until they exist and whose value depends on those rows only. Such a feature
        can be computed over many symbols' rows at once with the rows nearer a symbol's
        start nulled, instead of per symbol (:func:`compute_features`), with identical
        values. None always runs per symbol: cumulative or recursive features (``ath``,
        ``ema``, ``rsi``), and rolling sums (``sma``, ``volatility``), whose running
        totals carry rounding from earlier rows, so the last bits would depend on which
        symbols share a block.
    needs
        Columns of the data besides the close that the feature reads (``volume``,
        ``high``, ...); a series whose data lacks them cannot have it.
    bounds
        The smallest and largest value the feature can take (None: unbounded), so a
        comparison that can never hold (``drawdown >= 10`` without ``%``, ``rsi(14) >
        100``) is a warning, not a silent "no events" (:mod:`eventstudy.conditions.ranges`).
    column
        Optional, with a ``lookback``: ``column(closes, *args) -> np.ndarray``, the values
        ``build`` gives, computed in numpy over a whole column of closes without nulls or
        NaN (rows without a whole window may hold anything: they are nulled), for a
        faster path than polars' (highs and lows: :func:`rolling_extreme`).
    grouped
        Optional, without a ``lookback``: ``grouped(frame, *args) -> pl.Series``, the
        values ``build(...).over("symbol")`` gives on a frame sorted by symbol with each
        row's position in its symbol in column ``__es_position`` (:func:`compute_features`
        with ``position``), with only the recursive part run per symbol: ``.over`` runs
        the whole expression symbol by symbol (``rsi``: :func:`_rsi_grouped`).
    window
        Optional, without a ``lookback``: ``window(*args)``, how many earlier rows a value
        reads, for a rolling sum (``sma``, ``volatility``) that runs per symbol for its
        rounding only, or, for a recursion (``ema``, ``rsi``: :func:`recursion_rows`), how
        many still weigh in it at float64 precision (:func:`earlier_rows`: how many
        earlier closes a series' resampled histories carry for it).
    recursive
        A recursion over the closes (``ema``, ``rsi``) rather than a window: after an
        unknown close (an expression's, ``(SPX / RUT) ema(20)`` where RUT was stale) it
        starts afresh, seeded from the next known close and null until its window is full
        again, as at a series' start: :func:`compute_features` runs it over each run of
        known closes as over a series of its own, so an unknown day breaks its window as
        it does a rolling one's. Leading unknown closes are no gap: it starts at the first
        known one.
    """

    name: str
    params: tuple[str, ...]
    description: str
    kind: FeatureKind
    build: Callable[..., pl.Expr]
    minimum: int = 1
    unit: FeatureUnit = "price"
    lookback: Callable[..., int] | None = None
    bounds: tuple[float | None, float | None] = (None, None)
    needs: tuple[str, ...] = ()
    column: Callable[..., np.ndarray] | None = None
    grouped: Callable[..., pl.Series] | None = None
    window: Callable[..., int] | None = None
    recursive: bool = False

    @property
    def signature(self) -> str:
        """How the feature is written, e.g. ``'sma(n)'`` or ``'drawdown'``."""
        return f"{self.name}({', '.join(self.params)})" if self.params else self.name


class FeatureRequest(NamedTuple):
    """One feature of one series that a condition needs: ``RUT sma(200)``.

    ``of``: for a feature of an expression (``(SPX / RUT) sma(50)``), the expression's
    tree (:class:`~eventstudy.conditions.ast.FeatureRef`); ``series`` is then its name,
    ``'(SPX / RUT)'``, and the expression is computed on the study's dates
    (:mod:`eventstudy.derived`).
    """

    series: str
    name: str
    args: tuple[int, ...] = ()
    of: Value | None = None

    def __repr__(self) -> str:
        return f"FeatureRequest(series={self.series!r}, name={self.name!r}, args={self.args!r})"


FEATURES: Registry[Feature] = Registry("feature", entry_point_group="eventstudy.features")


def feature(
    name: str,
    *,
    params: tuple[str, ...] = (),
    description: str,
    kind: FeatureKind = "value",
    minimum: int = 1,
    unit: FeatureUnit | None = None,
    lookback: Callable[..., int] | None = None,
    bounds: tuple[float | None, float | None] = (None, None),
    needs: tuple[str, ...] = (),
    column: Callable[..., np.ndarray] | None = None,
    grouped: Callable[..., pl.Series] | None = None,
    window: Callable[..., int] | None = None,
    recursive: bool = False,
) -> Callable[[Callable[..., pl.Expr]], Callable[..., pl.Expr]]:
    """Register a build function as feature ``name`` (a name already taken is refused).

    Examples
    --------
    >>> @feature("double_close", description="twice the close")  # doctest: +SKIP
    ... def _double(close: pl.Expr) -> pl.Expr:
    ...     return close * 2
    """

    def decorate(build: Callable[..., pl.Expr]) -> Callable[..., pl.Expr]:
        if not _builtin_module(getattr(build, "__module__", None)):  # a plug-in's: the built-ins' names are checked by their tests
            from eventstudy.conditions.tokens import KEYWORDS

            if name.lower() in KEYWORDS:  # 'SPX above > 1' does not parse: the word is the language's
                raise ValueError(
                    f"feature {name!r} is a word of the condition language, which a condition cannot use as a feature "
                    f"name (the words: {', '.join(sorted(KEYWORDS))})"
                )
        shown = unit or ("flag" if kind == "flag" else "price")
        FEATURES.add(name, Feature(name.lower(), tuple(params), description, kind, build, minimum, shown, lookback, bounds, tuple(needs), column, grouped, window, recursive))
        return build

    return decorate


def earlier_rows(name: str, args: tuple[int, ...] = ()) -> int | None:
    """How many rows before a day feature ``name`` reads for its value that day: its
    ``lookback`` or ``window`` (for ``ema`` and ``rsi``, the rows that still weigh in it:
    :func:`recursion_rows`); None for a cumulative one (``ath``) or a plug-in's without
    either, which reads all of them.

    >>> earlier_rows("sma", (200,)), earlier_rows("return", (21,)), earlier_rows("ath")
    (199, 21, None)
    """
    feat = check_feature(name, args)
    reads = feat.lookback or feat.window
    return None if reads is None else reads(*args)


def recursion_rows(alpha: float, seed: int) -> int:
    """The earlier rows an exponential recursion (``avg = (1 - alpha) * prev + alpha * x``)
    still reads at float64 precision: those whose weight in today's value, ``(1 -
    alpha)^k``, is at least 2^-64 (a value rounds to what the whole history gives: about 44 n
    rows for ``rsi(n)``, 22 (n + 1) for ``ema(n)``), and at least ``seed`` (the rows its
    first value needs). A series' resampled histories carry as many of its closes from
    before their first day (``eventstudy.histories.history_features``): all of SPX's
    12,800 from before 1979 doubled an ``rsi`` study's features for nothing.

    >>> recursion_rows(1 / 14, 14), recursion_rows(2 / 21, 20), recursion_rows(1.0, 1)
    (599, 444, 1)
    """
    if alpha >= 1.0:
        return seed
    return max(seed, math.ceil(64 * math.log(2) / -math.log1p(-alpha)))


def feature_key(name: str, args: tuple[int, ...] = ()) -> str:
    """Canonical text of a feature with its arguments: ``'drawdown'``, ``'sma(200)'``.

    >>> feature_key("SMA", (200,))
    'sma(200)'
    """
    key = name.lower()
    return f"{key}({','.join(str(a) for a in args)})" if args else key


def column_name(series: str, name: str, args: tuple[int, ...] = ()) -> str:
    """Timeline column of a series' feature: ``'RUT.drawdown'``, ``'SPX.sma(200)'``.

    >>> column_name("SPX", "sma", (200,))
    'SPX.sma(200)'
    """
    return f"{series}.{feature_key(name, args)}"


def check_feature(
    name: str,
    args: tuple[int, ...] = (),
    *,
    span: tuple[int, int] | None = None,
    source: str | None = None,
) -> Feature:
    """The feature ``name`` after checking its arguments, else a user-facing error.

    Raises :class:`~eventstudy.errors.UnknownNameError` for an unknown name (with a
    suggestion) and :class:`~eventstudy.errors.ConditionSyntaxError` for a wrong number
    of arguments or an argument that is not an integer >= the feature's minimum.

    >>> check_feature("SMA", (200,)).signature
    'sma(n)'
    """
    feat = lookup_feature(name, span=span, source=source)
    if len(args) != len(feat.params):
        want = len(feat.params)
        noun = "argument" if want == 1 else "arguments"
        raise ConditionSyntaxError(
            f"feature {feat.name!r} takes {want} {noun}, got {len(args)}",
            hint=f"write it as {feat.signature!r}",
            span=span,
            source=source,
        )
    for param, arg in zip(feat.params, args):
        if isinstance(arg, bool) or not isinstance(arg, int) or arg < feat.minimum:
            need = "a positive integer" if feat.minimum == 1 else f"an integer >= {feat.minimum}"
            raise ConditionSyntaxError(
                f"{feat.name}: {param!r} must be {need}, got {arg!r}",
                hint=f"write it as {feat.signature!r}",
                span=span,
                source=source,
            )
    return feat


def lookup_feature(name: str, *, span: tuple[int, int] | None = None, source: str | None = None) -> Feature:
    """The feature called ``name``; an unknown name lists the value features as written."""
    try:
        return FEATURES.get(name, span=span, source=source)
    except UnknownNameError as exc:
        values = [f.signature for _, f in FEATURES.items() if f.kind == "value"]
        exc.hint = (
            f"valid features: {', '.join(values)}; "
            "tests are written 'SERIES at ATH | ATL | N-day high | N-day low'"
        )
        raise


def compute_features(
    prices: pl.DataFrame,
    requests: Iterable[tuple[str, tuple[int, ...]]],
    position: np.ndarray | None = None,
    groups: pl.Series | None = None,
) -> pl.DataFrame:
    """Compute features per symbol over each symbol's full history.

    Parameters
    ----------
    prices
        Long frame ``date`` (Date), ``symbol`` (String), ``close`` (Float64), sorted by
        symbol then date (it is sorted here if it is not).
    requests
        ``(name, args)`` pairs, e.g. ``[("drawdown", ()), ("sma", (200,))]``.
    position
        Optional, for ``prices`` already sorted: each row's index within its symbol. With
        it, a feature with a finite ``lookback`` runs once over the whole column and is
        nulled where its window would reach into the previous symbol (2.7x faster than
        ``.over("symbol")`` for a 252-day high on 50M rows: ``benchmarks/features.py``),
        and one with a :attr:`Feature.grouped` path (``rsi``) runs only its recursive part
        per symbol; the values are the same. A feature that still runs per symbol
        (``sma``) is partitioned by each row's symbol number (:data:`_GROUP`, counted
        where ``position`` is 0) rather than by the symbol strings: the same groups.
    groups
        Optional, with ``position``: each row's symbol as a number, flagged sorted, when the
        caller has them (a universe block's runs), used as :data:`_GROUP` instead of
        counting them again from ``position`` (the same groups, so the same values).

    A recursive feature (:attr:`Feature.recursive`: ``ema``, ``rsi``) over closes with
    unknown ones (an expression's) runs over each run of known closes instead, on every
    path, so it restarts after an unknown close.

    Returns
    -------
    ``date, symbol`` plus one column per distinct request, named by :func:`feature_key`.

    Examples
    --------
    >>> import datetime as dt
    >>> prices = pl.DataFrame({"date": [dt.date(2024, 1, d) for d in (2, 3, 4)],
    ...                        "symbol": "SPX", "close": [1.0, 2.0, 1.5]})
    >>> compute_features(prices, [("drawdown", ())])["drawdown"].to_list()
    [0.0, 0.0, 0.25]
    """
    requests = [(name, tuple(args)) for name, args in requests]
    wanted = {column for name, _ in requests for column in (FEATURES.get(name).needs if name in FEATURES else ())}
    extras = [  # the day's open, high, low, volume for the features that read them; null where the data has none
        pl.col(c).cast(pl.Float64) if c in prices.columns else pl.lit(None, dtype=pl.Float64).alias(c) for c in sorted(wanted)
    ]
    frame = prices.select("date", "symbol", pl.col("close").cast(pl.Float64), *extras)
    if position is not None:  # sorted by symbol: polars partitions sorted keys without hashing
        numbers = _group_numbers(position) if groups is None else groups.alias(_GROUP)
        frame = frame.with_columns(pl.Series(_POSITION, position), pl.col("symbol").set_sorted(), numbers)
    elif not frame.is_empty() and not _sorted_by_symbol_date(frame):
        frame = frame.sort("symbol", "date")
    columns: dict[str, pl.Expr] = {}
    computed: list[np.ndarray | pl.Series] = []  # features computed apart (Feature.column, Feature.grouped)
    closes = _plain_closes(frame) if position is not None and any(_has_column(name) for name, _ in requests) else None
    for name, args in requests:
        args = tuple(args)
        feat = check_feature(name, args)
        key = feature_key(feat.name, args)
        if key in columns:
            continue
        value = feat.build(pl.col("close"), *args) if _builtin(feat) else _plugin_values(feat, args, frame, computed)
        if position is not None and feat.lookback is not None:
            if closes is not None and feat.column is not None:  # the same values, in fewer passes
                computed.append(feat.column(closes, *args))
                value = pl.col(f"_x{len(computed)}")
            columns[key] = pl.when(pl.col(_POSITION) >= feat.lookback(*args)).then(value).alias(key)
        elif position is not None and feat.grouped is not None:
            computed.append(feat.grouped(frame, *args))
            columns[key] = pl.col(f"_x{len(computed)}").alias(key)
        else:
            columns[key] = value.over(_over(frame, feat)).alias(key)
    if computed:
        frame = frame.with_columns(
            values.alias(f"_x{k}") if isinstance(values, pl.Series) else pl.Series(f"_x{k}", values) for k, values in enumerate(computed, start=1)
        )
    return frame.select("date", "symbol", *columns.values())


def _builtin(feat: Feature) -> bool:
    return _builtin_module(getattr(feat.build, "__module__", None))


def _builtin_module(module: str | None) -> bool:
    return module is not None and (module == "eventstudy" or module.startswith("eventstudy."))


def _plugin_values(feat: Feature, args: tuple[int, ...], frame: pl.DataFrame, computed: list[np.ndarray | pl.Series]) -> pl.Expr:
    """A plug-in feature's values over ``frame`` (each symbol apart), appended to
    ``computed``, and the column that reads them; what breaks the feature contract (an
    exception, a build that returns no expression, values that are not one number, or one
    flag for a flag feature, per row) is one message naming the feature and its plug-in,
    not a traceback from polars."""
    from eventstudy.errors import ConfigError
    from eventstudy.registry import plugin_failure

    module = getattr(feat.build, "__module__", None) or "?"
    what = f"the feature {feat.signature!r} (plug-in {module!r})"
    want = "Boolean (a flag feature)" if feat.kind == "flag" else "numbers"
    hint = f"build({', '.join(('close', *feat.params))}) returns a polars expression of {want}, one per row of a symbol's closes"
    try:
        expr = feat.build(pl.col("close"), *args)
        if not isinstance(expr, pl.Expr):
            kind = "None" if expr is None else type(expr).__name__
            raise ConfigError(f"{what} returned {kind}, not a polars expression", hint=hint)
        values = frame.select(expr.over(_over(frame, feat)).alias("value")).to_series()
    except ConfigError:
        raise
    except Exception as exc:  # the plug-in's code or the polars expression it built, whatever it raised
        raise ConfigError(f"{what} failed: {plugin_failure(exc)}", hint=hint) from None
    ok = values.dtype == pl.Boolean if feat.kind == "flag" else (values.dtype.is_numeric() or values.dtype == pl.Boolean)
    if not ok or values.len() != frame.height:
        got = f"{values.len():,} values for {frame.height:,} rows" if ok else f"{values.dtype} values"
        raise ConfigError(f"{what} gave {got}, not {want}", hint=hint)
    computed.append(values if feat.kind == "flag" else values.cast(pl.Float64))
    return pl.col(f"_x{len(computed)}")


def _has_column(name: str) -> bool:
    """Whether the feature called ``name`` has a numpy path (:attr:`Feature.column`)."""
    return name in FEATURES and FEATURES.get(name).column is not None


def _plain_closes(frame: pl.DataFrame) -> np.ndarray | None:
    """The closes as a numpy column, if none is null or NaN (else None: polars' path)."""
    close = frame["close"]
    return None if close.null_count() or close.is_nan().any() else close.to_numpy()


def rolling_extreme(close: np.ndarray, largest: bool, test: bool, n: int, chunk: int = 1 << 16) -> np.ndarray:
    """What ``high(n)``/``low(n)`` (``rolling_max(n)``/``rolling_min(n)``, NaN for the first
    ``n - 1`` rows) or ``at_high(n)``/``at_low(n)`` give over one column of closes without
    NaN, by doubling: the extreme of every 2, 4, 8, ... rows ending at each row, each from
    the one before (one pass per doubling), then a window of ``n`` as the extreme of the two
    power-of-two windows that cover it; ``chunk`` rows at a time (with the ``n - 1``
    before them), so the passes stay in cache (polars' rolling maximum rescans the window
    whenever its extreme leaves it: a 252-day high over 10M closes in 500k-row blocks takes
    0.06 against 0.28 s, ``benchmarks/features.py``). Max and min are exact, so the values
    are the same. Rows without a whole window (NaN, or False for the flags) are nulled by
    the caller, with those nearer a symbol's start than the window."""
    extreme = np.maximum if largest else np.minimum
    size = close.size
    window = np.empty(size)
    window[: n - 1] = np.nan  # rows without a whole window; every later row is written below
    buffers = (np.empty(min(size, chunk + n - 1)), np.empty(min(size, chunk + n - 1)))
    for start in range(n - 1, size, chunk):  # the windows ending at rows start .. stop - 1
        stop = min(start + chunk, size)
        ending = close[start - n + 1 : stop]  # ending[i]: the extreme of the `span` rows up to row i
        rows, span, spare = ending.size, 1, 0
        while span * 2 <= n:
            into = buffers[spare][:rows]
            into[:span] = ending[:span]  # rows with less than a whole window: never read below
            extreme(ending[span:], ending[:-span], out=into[span:])
            ending, spare, span = into, 1 - spare, span * 2
        rest = n - span  # the window ending at row i: rows i - span + 1 .. i and i - n + 1 .. i - rest
        extreme(ending[n - 1 :], ending[n - 1 - rest : rows - rest], out=window[start:stop])
    if not test:
        return window
    # against the previous n rows' extreme (the window ending the row before): False on the
    # first row, which has none, and where that window is NaN (not whole), as a NaN compares
    flags = np.zeros(size, dtype=bool)
    with np.errstate(invalid="ignore"):
        (np.greater_equal if largest else np.less_equal)(close[1:], window[:-1], out=flags[1:])
    return flags


_POSITION = "__es_position"

_GROUP = "__es_group"
"""With ``position``: each row's symbol as a number, 1, 2, 3, ... in the frame's order
(sorted, flagged so), that windows run ``.over``: a symbol's rows are contiguous and its
first row is the one at position 0, so these are the symbols' own groups, and polars
partitions sorted integers without comparing strings (``sma(200)`` over a 500k-row block:
5.7 against 6.6 ms of CPU over its names in one chunk, 13-15 in their row groups' chunks,
``benchmarks/features.py``)."""


def _group_numbers(position: np.ndarray) -> pl.Series:
    """The :data:`_GROUP` column: the count of symbol starts (rows at position 0) so far, as
    uint32 (half the memory of numpy's int64 sum; polars partitions either as fast)."""
    return pl.Series(_GROUP, np.cumsum(position == 0, dtype=np.uint32)).set_sorted()


def _partition(frame: pl.DataFrame) -> str:
    """What a per-symbol window runs ``.over``: :data:`_GROUP` when ``frame`` has it, else the symbol."""
    return _GROUP if _GROUP in frame.columns else "symbol"


def _over(frame: pl.DataFrame, feat: Feature) -> str | pl.Expr:
    """What ``feat`` runs ``.over``: each symbol (:func:`_partition`), or for a recursive
    feature over closes with unknown ones, each run of known closes (:func:`_known_runs`)."""
    return _known_runs(frame) if feat.recursive and frame["close"].null_count() else _partition(frame)


def _known_runs(frame: pl.DataFrame) -> pl.Expr:
    """Each row's run of known closes, numbered in the frame's order: a new run at each
    symbol's first row and at each unknown close, which leads the known closes after it
    (a recursion over the run starts at its first known close, as over leading unknown
    days: :attr:`Feature.recursive`). Sorted, so polars partitions it without hashing."""
    symbol = pl.col(_partition(frame))
    return (pl.col("close").is_null() | symbol.ne_missing(symbol.shift(1))).cum_sum().set_sorted()


def _sorted_by_symbol_date(frame: pl.DataFrame) -> bool:
    """Whether rows are ordered by symbol, then date (cheap check, no sort)."""
    sym, date = pl.col("symbol"), pl.col("date")
    bad = (sym < sym.shift(1)) | ((sym == sym.shift(1)) & (date < date.shift(1)))
    return not frame.select(bad.fill_null(False).any()).item()


# --- helpers over one symbol's block -----------------------------------------------

def _index() -> pl.Expr:
    """Row number within the block (0 on the first day)."""
    return pl.int_range(pl.len(), dtype=pl.Int64)


def _wilder(x: pl.Expr, n: int) -> pl.Expr:
    """Wilder's smoothing of ``x`` (null on row 0): seed = mean of rows 1..n, then
    avg = (prev * (n - 1) + x) / n. Null before row n. Where ``x`` starts later (an
    expression's leading unknown days: ``(SPX - SPX sma(200)) rsi(14)``), the seed is the
    mean of its first n known values in a row, and the average null before it: not a
    recursion started from one value. An unknown value later restarts it the same way: the
    caller runs it over each run of known closes (:attr:`Feature.recursive`)."""
    mean = x.rolling_mean(n)
    full = mean.is_not_null().cum_sum()  # 0 before the first whole window of n values, 1 from it
    return _wilder_average(pl.when(full == 0).then(None).when((full == 1) & mean.is_not_null()).then(mean).otherwise(x), n)


def _wilder_average(seeded: pl.Expr, n: int) -> pl.Expr:
    """Wilder's recursion from its seed: ``avg = (prev * (n - 1) + x) / n``."""
    return seeded.ewm_mean(alpha=1.0 / n, adjust=False)


# --- features as values ------------------------------------------------------------

@feature("close", description="closing price", lookback=lambda: 0, bounds=(0.0, None))
def _close(close: pl.Expr) -> pl.Expr:
    return close


@feature("ath", description="all-time high: the running max of closes, today included", bounds=(0.0, None))
def _ath(close: pl.Expr) -> pl.Expr:
    return close.cum_max()


@feature("drawdown", description="fraction below the all-time high: 1 - close / ath", unit="share", bounds=(0.0, 1.0))
def _drawdown(close: pl.Expr) -> pl.Expr:
    high = close.cum_max()  # a price's is > 0; an expression's (a spread) may not be: no fraction of it, unknown
    return pl.when(high > 0).then(1.0 - close / high)


@feature(
    "high", params=("n",), description="highest close of the last n days, today included", lookback=lambda n: n - 1, bounds=(0.0, None),
    column=lambda close, n: rolling_extreme(close, True, False, n),
)
def _high(close: pl.Expr, n: int) -> pl.Expr:
    return close.rolling_max(n)


@feature(
    "low", params=("n",), description="lowest close of the last n days, today included", lookback=lambda n: n - 1, bounds=(0.0, None),
    column=lambda close, n: rolling_extreme(close, False, False, n),
)
def _low(close: pl.Expr, n: int) -> pl.Expr:
    return close.rolling_min(n)


@feature("return", params=("n",), description="simple return over n trading days", unit="fraction", lookback=lambda n: n, bounds=(-1.0, None))
def _return(close: pl.Expr, n: int) -> pl.Expr:
    before = close.shift(n)  # a price is never 0; an expression (a spread) may be: unknown, not an infinity
    return pl.when(before != 0).then(close / before - 1.0)


@feature("sma", params=("n",), description="simple moving average of the last n closes", bounds=(0.0, None), window=lambda n: n - 1)
def _sma(close: pl.Expr, n: int) -> pl.Expr:
    return close.rolling_mean(n)


@feature("ema", params=("n",), description="exponential moving average, alpha = 2 / (n + 1)", bounds=(0.0, None), window=lambda n: recursion_rows(2.0 / (n + 1), n - 1), recursive=True)
def _ema(close: pl.Expr, n: int) -> pl.Expr:
    # Seeded by the first close (adjust=False); null until n closes are available. After an
    # unknown close it restarts: the caller runs it over each run of known closes (Feature.recursive).
    return close.ewm_mean(alpha=2.0 / (n + 1), adjust=False, min_samples=n)


def _rsi_grouped(frame: pl.DataFrame, n: int) -> pl.Series:
    """``rsi(n)`` of every symbol of ``frame`` (sorted by symbol, with each row's
    position in its symbol): the values of ``_rsi(close, n).over("symbol")``, in a
    third of the time (2M rows: 0.06 against 0.19 s, ``benchmarks/features.py``). Only what
    depends on a symbol's own start runs per symbol: Wilder's seeds, from each symbol's
    first ``n + 1`` rows alone (the same expression on the same rows), and the
    recursive averages (one ``ewm_mean`` over the symbols each). The daily changes are
    one pass over the whole column, unknown at each symbol's first row."""
    if frame["close"].null_count():  # an expression's unknown days: each run of known closes apart (Feature.recursive)
        return frame.select(_rsi(pl.col("close"), n).over(_known_runs(frame)).alias("rsi"))["rsi"]
    position, close = pl.col(_POSITION), pl.col("close")
    at = np.flatnonzero(frame[_POSITION].to_numpy() == n)
    first = frame.filter(position <= n)
    averages: list[pl.Series] = []
    for change in _gains(close.diff()):  # one at a time: a 144-history chunk's columns are 14 MB each
        seeds = first.select(position, change.rolling_mean(n).over(_partition(first)).alias("seed")).filter(position == n)["seed"]
        # each symbol's changes after its seed (its first row's change, which reads the symbol before, is not among them)
        seeded = frame.select(pl.col(_partition(frame)).set_sorted(), pl.when(position > n).then(change).alias("x"))
        seeded = seeded.with_columns(seeded["x"].scatter(at, seeds))
        averages.append(seeded.select(_wilder_average(pl.col("x"), n).over(_partition(frame)))["x"].alias(f"x{len(averages)}"))
        del seeded
    return pl.DataFrame(averages).select(_strength(pl.col("x0"), pl.col("x1")).alias("rsi"))["rsi"]


def _gains(change: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """A change's gain and loss: its size when up (or down), else 0."""
    return change.clip(lower_bound=0.0), (-change).clip(lower_bound=0.0)


def _strength(gain: pl.Expr, loss: pl.Expr) -> pl.Expr:
    """The RSI of Wilder's average gain and loss: 100 when nothing was lost."""
    return pl.when(loss == 0).then(100.0).otherwise(100.0 - 100.0 / (1.0 + gain / loss))


@feature(
    "rsi",
    params=("n",),
    description="relative strength index with Wilder's smoothing",
    unit="number",
    bounds=(0.0, 100.0),
    grouped=_rsi_grouped,
    window=lambda n: recursion_rows(1.0 / n, n),
    recursive=True,
)
def _rsi(close: pl.Expr, n: int) -> pl.Expr:
    up, down = _gains(close.diff())
    return _strength(_wilder(up, n), _wilder(down, n))


@feature(
    "volatility",
    params=("n",),
    description="annualized sample stdev of the last n daily log returns",
    minimum=2,
    unit="share",
    bounds=(0.0, None),
    window=lambda n: n,
)
def _volatility(close: pl.Expr, n: int) -> pl.Expr:
    before = close.shift(1)  # a log return needs two prices > 0; an expression (a spread) through 0 has none: unknown, not NaN
    return pl.when((close > 0) & (before > 0)).then((close / before).log()).rolling_std(n, ddof=1) * math.sqrt(252)


@feature("days_since_ath", description="trading days since the last close at the all-time high", unit="count", bounds=(0.0, None))
def _days_since_ath(close: pl.Expr) -> pl.Expr:
    # A day is an ATH day when its close equals the running max (ties count). The first
    # day of a series is one (close[0] == ath(0)), so a series' is never null; an
    # expression's is unknown where the expression is (a division by zero), as its ath is.
    idx = _index()
    return pl.when(close.is_not_null()).then(idx - pl.when(close == close.cum_max()).then(idx).forward_fill())


# --- the day's open, high, low and volume, where the data has them -----------------

@feature("open", description="the day's opening price (where the data has opens)", lookback=lambda: 0, bounds=(0.0, None), needs=("open",))
def _open(close: pl.Expr) -> pl.Expr:
    return pl.col("open")


@feature(
    "day_high", description="the day's highest price, intraday (not high(n), the highest close of n days)",
    lookback=lambda: 0, bounds=(0.0, None), needs=("high",),
)
def _day_high(close: pl.Expr) -> pl.Expr:
    return pl.col("high")


@feature(
    "day_low", description="the day's lowest price, intraday (not low(n), the lowest close of n days)",
    lookback=lambda: 0, bounds=(0.0, None), needs=("low",),
)
def _day_low(close: pl.Expr) -> pl.Expr:
    return pl.col("low")


@feature("volume", description="the day's traded volume (where the data has it)", unit="volume", lookback=lambda: 0, bounds=(0.0, None), needs=("volume",))
def _volume(close: pl.Expr) -> pl.Expr:
    return pl.col("volume")


@feature("volume_sma", params=("n",), description="average volume of the last n days", unit="volume", bounds=(0.0, None), needs=("volume",), window=lambda n: n - 1)
def _volume_sma(close: pl.Expr, n: int) -> pl.Expr:
    return pl.col("volume").rolling_mean(n)


# --- flags: the levels of `SERIES at LEVEL` ----------------------------------------

@feature("at_ath", description="a new closing high: close >= every earlier close", kind="flag")
def _at_ath(close: pl.Expr) -> pl.Expr:
    # Null on the first day: there is no history yet, so it is not an ATH. The earlier
    # closes' max is of the known ones: after an expression's unknown day (cum_max is null
    # there) it is carried on, so the first new high after the gap is one.
    return close >= close.shift(1).cum_max().forward_fill()


@feature("at_atl", description="a new closing low: close <= every earlier close", kind="flag")
def _at_atl(close: pl.Expr) -> pl.Expr:
    return close <= close.shift(1).cum_min().forward_fill()


@feature(
    "at_high",
    lookback=lambda n: n,
    params=("n",),
    description="close >= the highest close of the n previous days",
    kind="flag",
    column=lambda close, n: rolling_extreme(close, True, True, n),
)
def _at_high(close: pl.Expr, n: int) -> pl.Expr:
    return close >= close.shift(1).rolling_max(n)


@feature(
    "at_low",
    lookback=lambda n: n,
    params=("n",),
    description="close <= the lowest close of the n previous days",
    kind="flag",
    column=lambda close, n: rolling_extreme(close, False, True, n),
)
def _at_low(close: pl.Expr, n: int) -> pl.Expr:
    return close <= close.shift(1).rolling_min(n)
