"""The evaluators stage: what happened after each anchor day, as one long frame.

Every evaluator has the same shape: it is registered under a name, declares a pydantic
model of its YAML parameters, names the assets it needs, and maps a frame of anchor days
(``date``) to a long frame of outcomes::

    date, asset, horizon, horizon_days, value, measure, days_remaining

``measure`` names what ``value`` is (``fwd``: simple forward return, ``excess``, ``mae``,
...); one evaluator may produce several measures. ``value`` is null where the outcome is
not known yet (the horizon runs past the data: ``days_remaining`` > 0 says how many
trading days are still to come) or cannot be computed; such rows are kept and counted as
incomplete, never dropped or zero-filled. The pipeline calls an evaluator once on *all*
days of the study window (the baseline) and takes the events' rows from that, so
statistics and reports need no evaluator-specific code. Two class flags say how a
measure is shown: ``table`` (a column of the instance table) and ``tested`` (part of the
significance tests and their multiple-testing family; an event-time path is not).

Third-party evaluators register with ``@EVALUATORS.register("name")`` in a module exposed
through the ``eventstudy.evaluators`` entry-point group.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, NamedTuple

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from eventstudy._numpy import np
from eventstudy._polars import pl
from eventstudy.data.columns import missing_extra_hint
from eventstudy.errors import ConfigError, DataError, EventStudyError
from eventstudy.measures import STATISTICS, Measure, Measures
from eventstudy.periods import Horizon, parse_horizon, pydantic_parser
from eventstudy.registry import Registry, plugin_failure

__all__ = [
    "EVALUATORS",
    "OUTCOME_SCHEMA",
    "UNIVERSE",
    "EvaluatedOutcomes",
    "EvaluationContext",
    "Evaluator",
    "EvaluatorSpec",
    "Horizons",
    "PanelBlock",
    "PanelCell",
    "Params",
    "SameDays",
    "build_evaluators",
    "duplicate_cell",
    "empty_outcomes",
    "evaluate_outcomes",
    "per_series",
    "refuse_repeated_cells",
    "repeated_cell",
    "run_evaluator",
    "run_panel",
    "to_outcomes",
    "written_percent",
]

UNIVERSE = "@"
"""As an evaluator asset: each symbol of a universe study (the default when ``assets`` is
omitted there). Outcomes pool under the universe's label, one ``symbol`` per row."""

_PIECE = 1 << 15
"""Rows per piece of :meth:`PanelBlock.change_ahead`: its float64 ratios (256 KB) stay in
the core's cache between the division and the result's float32 write."""

if TYPE_CHECKING:
    OUTCOME_SCHEMA: dict[str, pl.DataType]
    """The outcome frame's columns and types (built with polars on first use: see :func:`__getattr__`)."""


@cache
def _outcome_schema() -> dict[str, pl.DataType]:
    return {
        "date": pl.Date(),
        "asset": pl.String(),
        "horizon": pl.String(),
        "horizon_days": pl.Int64(),
        "value": pl.Float64(),
        "measure": pl.String(),
        "days_remaining": pl.Int64(),
        "symbol": pl.String(),
    }


def __getattr__(name: str) -> Any:
    """``OUTCOME_SCHEMA``, built on first use: validating a study imports this module and
    needs no polars (:mod:`eventstudy._polars`)."""
    if name == "OUTCOME_SCHEMA":
        return _outcome_schema()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def _rows_after() -> pl.Expr:
    """Trading days of the asset after each row: how long a pending horizon still needs
    (a window of :func:`per_series`)."""
    return (pl.len() - 1 - pl.int_range(pl.len())).over(SERIES_RUN).cast(pl.Int64).alias("rows_after")


SERIES_RUN = "__es_series_run"
"""The column :func:`per_series` numbers each asset's rows by: windows ``.over(SERIES_RUN)``."""


def per_series(frame: pl.DataFrame, values: Iterable[pl.Expr]) -> pl.DataFrame:
    """``frame`` (sorted by asset, symbol and date, as :meth:`EvaluationContext.asset_prices`
    gives it) with ``values``, windows ``.over(SERIES_RUN)``: each ``(asset, symbol)``'s
    rows are one run of the frame, numbered here, so a window over that number partitions
    the rows as ``.over("asset", "symbol")`` does, in half the time (no strings hashed:
    0.75 ms instead of 1.5 for SPX's and RUT's five horizons)."""
    numbered = frame.with_columns(pl.struct("asset", "symbol").rle_id().alias(SERIES_RUN))
    return numbered.with_columns(*values).drop(SERIES_RUN)


@dataclass(frozen=True)
class EvaluationContext:
    """What an evaluator may look at: all prices of the study's symbols, by series name."""

    prices: pl.DataFrame  # long: date, symbol, close [, open] (full history, sorted by symbol, date)
    series: Mapping[str, str]  # series name -> symbol
    universe: tuple[str, ...] = ()  # a universe study's symbols: the asset UNIVERSE stands for each
    universe_label: str = "universe"
    all_rows: bool = False  # anchors are all rows of these prices: skip matching them

    def asset_prices(self, assets: list[str], columns: tuple[str, ...] = ("close",)) -> pl.DataFrame:
        """``asset, date, <columns>, rows_after`` for each asset on its own trading days.

        ``rows_after`` counts the asset's trading days after each date in the data, so an
        evaluator can say how many days an incomplete horizon still needs.
        """
        missing = [c for c in columns if c not in self.prices.columns]
        if missing:
            raise DataError(
                f"this evaluator needs {', '.join(repr(c) for c in missing)} prices, and the data has only "
                f"{', '.join(repr(c) for c in self.prices.columns if c not in ('date', 'symbol'))}",
                hint="add the column to the data files (e.g. Yahoo exports have Open) or choose entry: close",
            )
        pairs, named = [], []
        for asset in assets:
            if asset == UNIVERSE:
                pairs += [(self.universe_label, symbol) for symbol in self.universe]
            else:
                pairs.append((asset, self.series[asset]))
                named.append((asset, self.series[asset]))
        extras = [c for c in columns if c != "close"] if named else []
        for column in extras:
            # a named series whose file has no such column reads as nulls: refused, not run to empty cells
            # (a universe's stocks may each lack it; the universe as a whole is checked before its blocks run)
            given = self.prices.filter(pl.col("symbol").is_in([symbol for _, symbol in named]) & pl.col(column).is_not_null())
            found = set(given["symbol"].unique().to_list())
            lacking = [asset for asset, symbol in named if symbol not in found]
            if lacking:
                raise DataError(
                    f"this evaluator needs the day's {column}, and the data of {', '.join(repr(a) for a in lacking)} has none",
                    hint=missing_extra_hint(column) + (", or choose entry: close" if column == "open" else ""),
                )
        mapping = pl.DataFrame(pairs, schema={"asset": pl.String, "symbol": pl.String}, orient="row")
        joined = mapping.join(self.prices.select("date", "symbol", *columns), on="symbol", how="inner")
        return per_series(joined.sort("asset", "symbol", "date"), [_rows_after()])

    def with_benchmark(self, prices: pl.DataFrame, benchmark: str) -> pl.DataFrame:
        """``prices`` (from :meth:`asset_prices`) on the days the benchmark also has a close,
        with its close as ``bench``: both counted over "the same days"."""
        bench = self.asset_prices([benchmark]).select("date", pl.col("close").alias("bench"))
        return per_series(prices.join(bench, on="date", how="inner").sort("asset", "symbol", "date"), [_rows_after()])

    def at_anchors(self, anchors: pl.DataFrame, prices: pl.DataFrame) -> pl.DataFrame:
        """Rows of ``prices`` (from :meth:`asset_prices`, plus computed columns) on the anchor
        days: matched by date, and by symbol too for a universe's ``(symbol, date)`` events
        (market series then once per event date)."""
        if self.all_rows:  # the anchors are every row of the prices (a universe's baseline)
            return prices
        if "symbol" in anchors.columns:
            universe = prices.filter(pl.col("asset") == self.universe_label)
            market = prices.filter(pl.col("asset") != self.universe_label)
            by_symbol = anchors.select("date", "symbol").join(universe, on=["date", "symbol"], how="inner")
            by_date = anchors.select("date").unique().join(market, on="date", how="inner")
            return pl.concat([by_symbol, by_date.select(by_symbol.columns)])
        return anchors.select("date").join(prices, on="date", how="inner")


def _rows_change_ahead(close: np.ndarray, width: int, k: int, kind: str) -> np.ndarray:
    """``close`` k rows later over ``close`` now, less one (or its log), for rows of ``width``
    closes (a batch of histories), computed on the 2-D view into one new array (no shifted
    copy, no temporary): half the memory a batch of histories touches per cell."""
    grid = close.reshape(-1, width)
    out = np.empty(grid.shape, dtype=close.dtype if close.dtype.kind == "f" else np.float64)
    known = max(width - k, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        change = np.divide(grid[:, k:], grid[:, :known], out=out[:, :known])
        if kind == "log":
            np.log(change, out=change)
        else:
            change -= 1
    out[:, known:] = np.nan
    return out.reshape(-1)


@dataclass(frozen=True)
class PanelBlock:
    """Rows of many symbols (or resampled histories) as numpy columns, sorted by symbol
    then date, each symbol's full history: what :meth:`Evaluator.panel` computes on.

    In a universe block ``close`` and ``open`` are the stock's and ``series`` the study's
    market series on each row's date (their own trading days may differ from the
    stock's). In a block of resampled histories (``own_days``) every series is resampled
    on the rows' calendar, so ``series[name]`` shifted by k rows is that series k of its
    own trading days later, and named assets can be computed here too.
    """

    close: np.ndarray  # float64
    open: np.ndarray  # float64, NaN where the data has no open
    rows_after: np.ndarray  # int64: the symbol's rows after this one
    label: str  # the universe's asset label
    run: np.ndarray | None = None  # int64: which symbol (0, 1, ... in row order) each row is
    series: Mapping[str, np.ndarray] = field(default_factory=dict)  # study series' closes on each row's date (NaN: none)
    own_days: bool = False  # the rows are the series' own trading days (a block of resampled histories)
    width: int | None = None  # every symbol has exactly this many rows (resampled histories): shifts go by rows of a 2-D view

    def close_of(self, asset: str) -> np.ndarray | None:
        """The closes an asset's returns are counted on here, or None when this block
        cannot count them on the asset's own trading days."""
        if asset == UNIVERSE:
            return self.close
        return self.series.get(asset) if self.own_days else None

    def closes_of(self, assets: Sequence[str]) -> list[tuple[str, np.ndarray]] | None:
        """Each asset's label here (the universe's for its stocks) and the closes its
        returns are counted on, or None when this block cannot count one of them
        (:meth:`close_of`): the evaluator then takes its general path."""
        found = []
        for asset in assets:
            close = self.close_of(asset)
            if close is None:
                return None
            found.append((self.label if asset == UNIVERSE else asset, close))
        return found

    def subset(self, keep: np.ndarray) -> PanelBlock:
        """The rows where ``keep`` holds, as a block of their own (``rows_after`` counted
        over the kept rows only: "the same days" of an asset and a benchmark)."""
        assert self.run is not None
        run = self.run[keep]
        change = np.flatnonzero(np.diff(run)) + 1
        ends = np.append(change, run.size) - 1  # the last kept row of each run
        last = np.repeat(ends, np.diff(np.concatenate([[0], ends + 1])))
        return PanelBlock(
            close=self.close[keep], open=self.open[keep], rows_after=last - np.arange(run.size), label=self.label,
            run=run, series={k: v[keep] for k, v in self.series.items()}, own_days=self.own_days,
        )

    def on_days_of(self, series: str) -> SameDays:
        """The rows on which ``series`` also has a close, as a block of their own (returns
        over "the same days" of a stock and a benchmark, as :meth:`EvaluationContext.with_benchmark`
        joins them), and ``rows_after`` over every row for the pending cells: the kept
        rows' own, a row without the series' close never pending."""
        keep = ~np.isnan(self.series[series])
        same = self.subset(keep)
        rows_after = np.full(self.close.size, np.iinfo(np.int64).max // 2)
        rows_after[keep] = same.rows_after
        return SameDays(keep, same, rows_after)

    def ahead(self, values: np.ndarray, k: int) -> np.ndarray:
        """``values`` k rows later within each symbol; NaN where the symbol has fewer left.

        One shift of the whole column, then NaN where it crossed into the next symbol:
        the same result as a shift per symbol, without splitting into groups.

        >>> block = PanelBlock(np.array([1.0, 2.0, 3.0, 10.0]), np.full(4, np.nan), np.array([2, 1, 0, 0]), "u")
        >>> block.ahead(block.close, 1).tolist()
        [2.0, 3.0, nan, nan]
        """
        return self._shifted(values, k)

    def behind(self, values: np.ndarray, k: int) -> np.ndarray:
        """``values`` k rows earlier within each symbol; NaN where the symbol has fewer
        before (the mirror of :meth:`ahead`).

        >>> block = PanelBlock(np.array([1.0, 2.0, 3.0, 10.0]), np.full(4, np.nan), np.array([2, 1, 0, 0]), "u")
        >>> block.behind(block.close, 1).tolist()
        [nan, 1.0, 2.0, nan]
        """
        return self._shifted(values, -k)

    def _shifted(self, values: np.ndarray, k: int) -> np.ndarray:
        """``values`` ``|k|`` rows later (k > 0) or earlier (k < 0) within each symbol."""
        dtype = values.dtype if values.dtype.kind == "f" else np.float64
        n = abs(k)
        if self.width:  # equal-length symbols: a shift within each row of the 2-D view, nothing to mask
            grid = values.reshape(-1, self.width)
            kept = max(self.width - n, 0)
            shifted = np.empty(grid.shape, dtype=dtype)
            if k >= 0:
                shifted[:, :kept] = grid[:, n:]
                shifted[:, kept:] = np.nan
            else:
                shifted[:, self.width - kept :] = grid[:, :kept]
                shifted[:, : self.width - kept] = np.nan
            return shifted.reshape(-1)
        out = np.empty(values.size, dtype=dtype)
        kept = max(values.size - n, 0)
        if k >= 0:
            out[:kept] = values[n:]
            out[kept:] = np.nan
            out[self.last_rows(n)] = np.nan
        else:
            out[values.size - kept :] = values[:kept]
            out[: values.size - kept] = np.nan
            out[self.first_rows(n)] = np.nan
        return out

    def change_ahead(self, values: np.ndarray, k: int, kind: str = "simple") -> np.ndarray:
        """``values`` k rows later over ``values`` now, less one (``kind='log'``: the
        log of the ratio), as float32; NaN where the symbol has fewer than k rows left.

        Each value is the float64 change rounded once to float32, as a study stores it
        (``change_ahead(v, k)`` equals ``(ahead(v, k) / v - 1).astype(np.float32)``),
        computed in cache-sized pieces straight into the result: no shifted copy and no
        float64 array of the block's size (a 50M-row universe makes five such cells per
        row, ``benchmarks/universe.py``).

        A block of equal-length rows (``width``: a batch of resampled histories) keeps the
        values' own float type, computed on the 2-D view (:func:`_rows_change_ahead`).

        >>> block = PanelBlock(np.array([1.0, 2.0, 3.0, 10.0]), np.full(4, np.nan), np.array([2, 1, 0, 0]), "u")
        >>> block.change_ahead(block.close, 1).tolist()
        [1.0, 0.5, nan, nan]
        """
        if self.width:
            return _rows_change_ahead(values, self.width, k, kind)
        out = np.empty(values.size, dtype=np.float32)
        kept = max(values.size - k, 0)
        ratio = np.empty(min(kept, _PIECE), dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            for lo in range(0, kept, _PIECE):
                hi = min(lo + _PIECE, kept)
                piece = np.divide(values[lo + k : hi + k], values[lo:hi], out=ratio[: hi - lo])
                if kind == "log":
                    np.log(piece, out=out[lo:hi])
                else:
                    np.subtract(piece, 1, out=out[lo:hi])
        out[kept:] = np.nan
        out[self.last_rows(k)] = np.nan
        return out

    def last_rows(self, k: int) -> np.ndarray:
        """The rows with fewer than ``k`` of their symbol's rows after them, ascending:
        each symbol's last ``k`` rows, found from the symbols' last rows (no pass over
        every row once those are known).

        >>> PanelBlock(np.ones(5), np.ones(5), np.array([2, 1, 0, 1, 0]), "u").last_rows(2).tolist()
        [1, 2, 3, 4]
        """
        if k <= 0:
            return np.zeros(0, dtype=np.int64)
        ends = self._ends
        back = np.arange(k - 1, -1, -1)
        rows = ends[:, None] - back[None, :]
        inside = rows >= 0
        inside &= self.rows_after[np.where(inside, rows, 0)] == back[None, :]  # still the same symbol's row
        return rows[inside]

    def first_rows(self, k: int) -> np.ndarray:
        """The rows with fewer than ``k`` of their symbol's rows before them: each
        symbol's first ``k`` rows (the mirror of :meth:`last_rows`).

        >>> PanelBlock(np.ones(5), np.ones(5), np.array([2, 1, 0, 1, 0]), "u").first_rows(2).tolist()
        [0, 1, 3, 4]
        """
        if k <= 0 or not self._ends.size:
            return np.zeros(0, dtype=np.int64)
        starts = np.concatenate([[0], self._ends[:-1] + 1])
        rows = starts[:, None] + np.arange(k)[None, :]
        return rows[rows <= (starts + self.rows_after[starts])[:, None]]  # still the same symbol's row

    @cached_property
    def _ends(self) -> np.ndarray:
        return np.flatnonzero(self.rows_after == 0)


class SameDays(NamedTuple):
    """:meth:`PanelBlock.on_days_of`: which rows, their block, and ``rows_after`` of every row."""

    keep: np.ndarray
    block: PanelBlock
    rows_after: np.ndarray


class PanelCell(NamedTuple):
    """One outcome cell over a :class:`PanelBlock`'s rows (NaN: unknown). ``lag`` as in
    :func:`to_outcomes`: a NaN row with ``horizon_days + lag > rows_after`` is pending
    (``rows_after`` the cell's own when it counts other days than the block's)."""

    measure: str
    asset: str
    horizon: str
    horizon_days: int
    values: np.ndarray
    lag: int = 0
    rows_after: np.ndarray | None = None  # for pending values, if not the block's own


class Evaluator(ABC):
    """Base class: subclasses set ``name``, ``description``, ``label``, ``Params``."""

    name: ClassVar[str]
    description: ClassVar[str]
    Params: ClassVar[type[BaseModel]]
    asset_fields: ClassVar[tuple[str, ...]] = ("assets",)
    table: ClassVar[bool] = True  # outcomes are columns of the instance table
    tested: ClassVar[bool] = True  # outcomes get significance tests
    units: ClassVar[Mapping[str, str]] = {}  # measure -> display unit; default 'fraction' (a return)
    tested_on: ClassVar[Mapping[str, tuple[str, ...]]] = {}  # measure -> the statistics it is tested on; default all three
    fewer_why: ClassVar[Mapping[str, str]] = {}  # measure -> why tested_on leaves statistics out, in words

    def __init__(self, params: BaseModel) -> None:
        self.params = params

    def assets(self) -> list[str]:
        """Series names this evaluator reads (checked against the study's ``series:``)."""
        return self._named_in(self.asset_fields)

    def _named_in(self, fields: Iterable[str]) -> list[str]:
        """The series names the params' ``fields`` give (a name, a list of them, or none)."""
        names: list[str] = []
        for field_name in fields:
            value = getattr(self.params, field_name, None)
            if isinstance(value, str):
                names.append(value)
            elif value:
                names.extend(value)
        return names

    def read_by_every_cell(self) -> list[str]:
        """Series names each of this evaluator's cells reads beside its own asset: those of
        its asset fields other than ``assets`` (a benchmark), whose data end is the cell's
        too. An outcome whose horizon runs past the last close of any series it reads never
        completes ('ended'), though its own asset's data go on: an excess return over a
        benchmark whose data stop early, as one of an asset whose data stop."""
        return [name for name in self._named_in(f for f in self.asset_fields if f != "assets") if name != UNIVERSE]

    def describe(self, measure: str) -> str:
        """A title for a measure this evaluator produces (reports use it as a heading)."""
        return self.description

    def misjudged_by_placebos(self) -> tuple[str, ...]:
        """The measures the placebo nulls cannot test when the condition picks its days by
        the prices: those whose value on a day depends on the past in a way that a null
        keeping real days without re-running the rule does not see (a universe's 'dates'
        null, other stocks on the same days, even with its volatility scaling; a timeline's
        runs null, random runs of real days). On simulated histories such a null rejected
        70-94% ('dates') and 8-39% (runs) of their true nulls at 5%
        (``benchmarks/calibrate_outcomes.py``), so a universe study of them gets the
        histories null by default and a sweep says its grid's p-values only rank. Empty for
        forward and excess returns and hit rates, whose averages those calibrations hold at
        3-11%."""
        return ()

    def price_columns(self) -> tuple[str, ...]:
        """The day's prices beyond the close this evaluator reads ('open' for an entry at
        the next day's open): a study whose data has none of them is refused, not run to
        empty cells."""
        return ()

    def measure_entry(self, measure: str) -> Measure:
        """The catalog entry of ``measure`` (unit, title, shown in the table, tested)."""
        return Measure(
            measure, self.name, unit=self.units.get(measure, "fraction"), title=self.describe(measure), table=self.table, tested=self.tested,
            statistics=self.tested_on.get(measure, STATISTICS), fewer_why=self.fewer_why.get(measure, ""),
        )

    def panel(self, block: PanelBlock) -> list[PanelCell] | None:
        """Optional fast path: this evaluator's cells over every row of a block of symbols
        (a universe) or of resampled histories, as numpy arrays. ``None`` (the default)
        means "not supported here": a universe then runs :meth:`evaluate` on the block
        instead, with the same results, only slower (a property test holds the two paths
        equal); the histories null needs this path for every tested measure."""
        return None

    @abstractmethod
    def evaluate(self, context: EvaluationContext, anchors: pl.DataFrame) -> pl.DataFrame:
        """Outcomes for each anchor ``date``, in :data:`OUTCOME_SCHEMA` order."""


def duplicate_cell(first: str, second: str, measure: str, asset: str, horizon: str) -> ConfigError:
    """The error of two ``evaluate:`` entries that produce the same cell (a timeline's or a
    universe's): 'two 'excursions' entries both produce A recovery'."""
    who = f"two {first!r} entries" if first == second else f"the evaluators {first!r} and {second!r}"
    cell = f"{asset} {measure}" + ("" if horizon == measure else f" {horizon}")  # an excursion's recovery is its own horizon
    return ConfigError(
        f"{who} both produce {cell}",
        hint=f"give each asset and horizon once (e.g. one {second} entry with all its assets and horizons)",
    )


def repeated_cell(cells: Iterable[tuple[str, str, str, int]]) -> tuple[str, str, str, int] | None:
    """The first of ``(measure, asset, horizon, horizon_days)`` cells that repeats an earlier
    one, by its horizon's label or by its length (``1m`` and ``21`` are one cell), else None.

    >>> repeated_cell([("fwd", "A", "1m", 21), ("fwd", "A", "21d", 21)])
    ('fwd', 'A', '21d', 21)
    >>> repeated_cell([("fwd", "A", "1m", 21), ("fwd", "B", "1m", 21)]) is None
    True
    """
    seen: set[tuple[str, str, str | int]] = set()
    for cell in cells:
        measure, asset, horizon, days = cell
        keys = ((measure, asset, horizon), (measure, asset, days))
        if keys[0] in seen or keys[1] in seen:
            return cell
        seen.update(keys)
    return None


def refuse_repeated_cells(cells: Sequence[tuple[str, str, str, int]], owners: Mapping[str, Sequence[str]]) -> None:
    """Refuse the first of ``cells`` that repeats an earlier one (:func:`repeated_cell`),
    naming the first and last of the entries that produce its measure (``owners``: per
    measure, the evaluators' names in order)."""
    twice = repeated_cell(cells)
    if twice is not None:
        measure, asset, horizon, _ = twice
        names = owners[measure]
        raise duplicate_cell(names[0], names[-1], measure, asset, horizon)


class EvaluatedOutcomes(NamedTuple):
    """What :func:`evaluate_outcomes` gives: the outcomes, by name rather than by place."""

    outcomes: pl.DataFrame
    """Every evaluator's outcomes on the anchor days (:data:`OUTCOME_SCHEMA`)."""
    measures: Measures
    """The measures they produce, in the evaluators' order."""
    reads: dict[tuple[str, str], tuple[str, ...]]
    """Per cell ``(measure, asset)`` that reads series beside its own asset (a benchmark),
    their names (:meth:`Evaluator.read_by_every_cell`)."""


def evaluate_outcomes(evaluators: list[Evaluator], context: EvaluationContext, anchors: pl.DataFrame) -> EvaluatedOutcomes:
    """All evaluators' outcomes on the anchor days, the measures they produce, and the
    series each cell reads beside its asset (:class:`EvaluatedOutcomes`)."""
    frames: list[pl.DataFrame] = []
    reads: dict[tuple[str, str], tuple[str, ...]] = {}
    measures, owners = Measures(), dict[str, list[int]]()  # measure -> the entries (indices into frames) that gave it

    def cells(frame: pl.DataFrame, measure: str) -> dict[tuple[str, str | int], tuple[str, str]]:
        """Each cell of ``measure`` under its horizon's label and under its length (``1m``
        and ``21`` are one cell, as :data:`Horizons` refuses them in one entry), to its
        asset and label."""
        rows = frame.filter(pl.col("measure") == measure).select("asset", "horizon", "horizon_days").unique().rows()
        return {key: (asset, horizon) for asset, horizon, days in rows for key in ((asset, horizon), (asset, days))}

    for evaluator in evaluators:
        out = run_evaluator(evaluator, context, anchors)
        for name in out["measure"].rle().struct.field("value").unique(maintain_order=True).to_list():  # runs first: few to hash
            for earlier in owners.get(name, []):  # two entries may share a measure (a hit rate's threshold and benchmark), not a cell
                before, now = cells(frames[earlier], name), cells(out, name)
                clash = sorted(cell for key, cell in now.items() if key in before)
                if clash:
                    raise duplicate_cell(evaluators[earlier].name, evaluator.name, name, *clash[0])
            owners.setdefault(name, []).append(len(frames))
            measures = measures.add(evaluator.measure_entry(name))
        beside = tuple(evaluator.read_by_every_cell())
        if beside:
            reads.update(dict.fromkeys(out.select("measure", "asset").unique(maintain_order=True).rows(), beside))
        frames.append(out)
    return EvaluatedOutcomes(pl.concat(frames) if frames else empty_outcomes(), measures, reads)


def run_evaluator(evaluator: Evaluator, context: EvaluationContext, anchors: pl.DataFrame) -> pl.DataFrame:
    """``evaluator.evaluate(context, anchors)``; a plug-in's (an evaluator defined outside
    eventstudy) is held to the outcome contract, so that its mistake is one message naming
    it instead of a traceback from deep in the statistics or, worse, numbers: an exception
    it raises, a frame that is not a polars DataFrame, a column of :data:`OUTCOME_SCHEMA`
    missing or of another type, a null key, a NaN or infinite value (an outcome that cannot
    be computed is null), a day that is not an anchor, two values for one cell on one day."""
    plugin = type(evaluator).__module__
    if not _is_plugin(evaluator):
        return evaluator.evaluate(context, anchors)
    what = f"the evaluator {evaluator.name!r} (plug-in {plugin!r})"
    hint = (
        f"evaluate() returns a polars DataFrame of {', '.join(_outcome_schema())}, one row per anchor day, asset and "
        "horizon: eventstudy.evaluators.to_outcomes builds it"
    )
    try:
        out = evaluator.evaluate(context, anchors)
    except (EventStudyError, MemoryError, KeyboardInterrupt):
        raise
    except Exception as exc:  # the plug-in's code, whatever it raised
        raise ConfigError(f"{what} failed: {plugin_failure(exc)}", hint="fix the plug-in; " + hint) from None
    return _checked_outcomes(out, anchors, what, hint)


def _is_plugin(evaluator: Evaluator) -> bool:
    """Whether ``evaluator`` is defined outside eventstudy (a plug-in's), whose output is checked."""
    module = type(evaluator).__module__
    return not (module == "eventstudy" or module.startswith("eventstudy."))


def run_panel(evaluator: Evaluator, block: PanelBlock) -> list[PanelCell] | None:
    """``evaluator.panel(block)``; a plug-in's is held to :class:`PanelCell`'s contract as
    :func:`run_evaluator` holds its ``evaluate`` to the outcome schema, so that its mistake
    is one message naming it instead of a numpy traceback deep in a universe's blocks or
    the histories null (or, worse, numbers): an exception it raises, something other than
    None or a list of PanelCell, a label that is not text, a horizon or lag that is not a
    whole number of days, values that are not a 1-D numeric numpy array of one value per
    row of the block, an infinite value (unknown is NaN), ``rows_after`` not one per row."""
    if not _is_plugin(evaluator):
        return evaluator.panel(block)
    what = f"the evaluator {evaluator.name!r} (plug-in {type(evaluator).__module__!r})"
    hint = (
        "panel() returns None (no fast path: evaluate() is used instead) or a list of eventstudy.evaluators.PanelCell, "
        "each with a 1-D float array of one value per row of the block (NaN: unknown)"
    )
    try:
        cells = evaluator.panel(block)
    except (EventStudyError, MemoryError, KeyboardInterrupt):
        raise
    except Exception as exc:  # the plug-in's code, whatever it raised
        raise ConfigError(f"{what} failed in panel(): {plugin_failure(exc)}", hint="fix the plug-in; " + hint) from None
    if cells is None:
        return None
    rows = block.close.size
    what += ": panel()"
    if not isinstance(cells, list):
        raise ConfigError(f"{what} returned {_kind(cells)}, not a list of PanelCell (or None)", hint=hint)
    for cell in cells:
        _check_cell(cell, rows, what, hint)
    return cells


def _kind(value: object) -> str:
    """A value's type as a message names it: 'None', 'list', 'pandas.DataFrame'."""
    if value is None:
        return "None"
    module = type(value).__module__.split(".")[0]
    return type(value).__name__ if module in ("builtins", "eventstudy") else f"{module}.{type(value).__name__}"


def _check_cell(cell: object, rows: int, what: str, hint: str) -> None:
    """One cell of a plug-in's panel() against :class:`PanelCell`'s contract (:func:`run_panel`)."""
    if not isinstance(cell, PanelCell):
        raise ConfigError(f"{what} returned {_kind(cell)} in its list, not a PanelCell", hint=hint)
    for name in ("measure", "asset", "horizon"):
        if not isinstance(getattr(cell, name), str):
            raise ConfigError(f"{what} returned a cell whose {name} is {getattr(cell, name)!r}, not text", hint=hint)
    shown = f"cell {cell.measure!r} {cell.asset} {cell.horizon}"
    for name in ("horizon_days", "lag"):
        days = getattr(cell, name)
        if isinstance(days, bool) or not isinstance(days, (int, np.integer)) or days < 0:
            raise ConfigError(f"{what} returned {shown} with {name} {days!r}, not a whole number of days", hint=hint)
    values = cell.values
    if not isinstance(values, np.ndarray):
        raise ConfigError(f"{what} returned {shown} as {_kind(values)}, not a numpy array", hint=hint)
    if values.ndim != 1:
        raise ConfigError(f"{what} returned {shown} as an array of shape {values.shape}, not one value per row", hint=hint)
    if values.size != rows:
        raise ConfigError(f"{what} returned {shown} with {values.size:,} values for a block of {rows:,} rows", hint=hint)
    if values.dtype.kind not in "biuf":
        raise ConfigError(f"{what} returned {shown} as an array of {values.dtype}, not numbers", hint=hint)
    infinite = int(np.count_nonzero(np.isinf(values))) if values.dtype.kind == "f" else 0
    if infinite:
        raise ConfigError(
            f"{what} returned {shown} with an infinite value on {infinite:,} row{'s' if infinite > 1 else ''}",
            hint="an outcome that cannot be computed is NaN, which the study counts as unknown; infinity would enter its averages and tests",
        )
    after = cell.rows_after
    if after is not None and not (isinstance(after, np.ndarray) and after.shape == (rows,) and after.dtype.kind in "iu"):
        shape = f"of shape {after.shape}" if isinstance(after, np.ndarray) else f"as {_kind(after)}"
        raise ConfigError(f"{what} returned {shown} with rows_after {shape}, not one whole number per row", hint=hint)


def _checked_outcomes(out: object, anchors: pl.DataFrame, what: str, hint: str) -> pl.DataFrame:
    """A plug-in evaluator's output in :data:`OUTCOME_SCHEMA`'s columns and types, else the
    contract it breaks (:func:`run_evaluator`)."""
    if not isinstance(out, pl.DataFrame):
        raise ConfigError(f"{what} returned {_kind(out)}, not a polars DataFrame", hint=hint)
    schema = _outcome_schema()
    missing = [name for name in schema if name not in out.columns]
    if missing:
        raise ConfigError(f"{what} returned no {', '.join(repr(m) for m in missing)} column{'s' if len(missing) > 1 else ''}", hint=hint)
    for name, dtype in schema.items():
        given = out.schema[name]
        numeric = dtype in (pl.Float64(), pl.Int64())
        if not (given == dtype or (numeric and given.is_numeric()) or (dtype == pl.String() and isinstance(given, (pl.Categorical, pl.Enum)))):
            raise ConfigError(f"{what} returned {name!r} as {given}, not {dtype}", hint=hint)
        if numeric and dtype == pl.Int64() and given.is_float():
            raise ConfigError(f"{what} returned {name!r} as {given}, not {dtype}", hint=hint)
    out = out.select(pl.col(name).cast(dtype) for name, dtype in schema.items())
    for name in ("date", "asset", "horizon", "horizon_days", "measure", "symbol"):
        nulls = out[name].null_count()
        if nulls:
            raise ConfigError(f"{what} returned a null {name!r} on {nulls:,} row{'s' if nulls > 1 else ''}", hint=hint)

    def first(rows: pl.DataFrame) -> str:
        row = rows.row(0, named=True)
        return f"{row['date']} {row['asset']} {row['measure']} {row['horizon']}" + (f" (and {rows.height - 1:,} more rows)" if rows.height > 1 else "")

    bad = out.filter(pl.col("value").is_nan() | pl.col("value").is_infinite())
    if bad.height:
        raise ConfigError(
            f"{what} returned a NaN or infinite value, on {first(bad)}",
            hint="an outcome that cannot be computed is null (e.g. .fill_nan(None)), which the study counts and leaves out; "
                 "NaN and infinity would enter its averages and tests",
        )
    off = out.filter(~pl.col("date").is_in(anchors["date"].unique().implode()))
    if off.height:
        raise ConfigError(f"{what} returned an outcome on a day that is not an anchor, on {first(off)}", hint=hint)
    twice = out.filter(pl.struct("date", "symbol", "asset", "horizon", "measure").is_duplicated())
    if twice.height:
        raise ConfigError(f"{what} returned two values for one cell on one day, on {first(twice)}", hint=hint)
    return out


EVALUATORS: Registry[type[Evaluator]] = Registry("evaluator", entry_point_group="eventstudy.evaluators")


@dataclass(frozen=True)
class EvaluatorSpec:
    """One entry of a study's ``evaluate:``: the evaluator's registered name, its validated
    params, and where it is in the study file."""

    name: str
    params: BaseModel
    loc: tuple[str | int, ...]


_horizon = pydantic_parser(parse_horizon, Horizon, "bad_horizon")


def _distinct(value: list[Horizon]) -> list[Horizon]:
    days = [h.days for h in value]
    if len(set(days)) != len(days):
        labels = ", ".join(h.label for h in value)
        raise PydanticCustomError("duplicate_horizon", "two horizons have the same length: {labels}", {"labels": labels})
    return value


MAX_HORIZONS = 100
"""Horizons one evaluator takes at most: every horizon is an outcome array over the whole
calendar, tested on its own (5,000 of them ended in an allocation failure); a path over
many days is the path evaluator's job."""

def written_percent(value: object) -> object:
    """A share written as a percent (``'5%'``) as its fraction (0.05); any other value as it
    is, for the field's own checks (a hit rate's threshold, the statistics' alpha and ci).

    >>> written_percent("5%"), written_percent(" -2.5 % "), written_percent(0.05), written_percent("x%")
    (0.05, -0.025, 0.05, 'x%')
    """
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            return float(value.strip()[:-1].strip()) / 100
        except ValueError:
            return value  # not a number: the field's own message
    return value


Horizons = Annotated[
    list[Annotated[Horizon, BeforeValidator(_horizon)]],
    AfterValidator(_distinct),
    Field(
        min_length=1, max_length=MAX_HORIZONS,
        description="trading-day horizons: 10 / 10d, 1w (5), 1m (21), 3m (63), 6m (126), 1y (252)",
    ),
]
"""A list of horizons in a study file (distinct lengths), for evaluator parameter models."""


class Params(BaseModel):
    """Base of evaluator parameter models: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def to_outcomes(
    frame: pl.DataFrame,
    columns: Mapping[str, tuple[str, int]],
    measure: str,
    *,
    lag: int = 0,
    asset: pl.Expr | None = None,
) -> pl.DataFrame:
    """Long outcomes from a wide frame ``date, asset, symbol, rows_after, <value columns>``.

    ``columns`` maps each value column to its ``(horizon label, horizon days)``; ``lag``
    is how many trading days after the anchor the horizon starts counting (1 for an entry
    at the next day's close), so that ``days_remaining = horizon_days + lag - rows_after``
    for a value that is not known yet. ``asset`` optionally relabels the asset column.
    Rows come out one value column after another (each cell's rows contiguous, in the
    frame's row order).
    """
    index = [pl.col("date"), asset.alias("asset") if asset is not None else pl.col("asset"), pl.col("symbol"), pl.col("rows_after")]
    parts = [
        frame.select(
            *index,
            pl.lit(label).alias("horizon"),
            pl.lit(days, dtype=pl.Int64).alias("horizon_days"),
            pl.col(column).cast(pl.Float64).alias("value"),
        )
        for column, (label, days) in columns.items()
    ]
    long = pl.concat(parts) if parts else frame.select(*index).clear()
    remaining = pl.when(pl.col("horizon_days") >= 0).then(
        (pl.col("horizon_days") + lag - pl.col("rows_after")).clip(lower_bound=0)
    )
    return long.select(
        pl.col("date").cast(pl.Date),
        pl.col("asset").cast(pl.String),
        pl.col("horizon").cast(pl.String),
        "horizon_days",
        "value",
        pl.lit(measure).alias("measure"),
        pl.when(pl.col("value").is_null() & (remaining > 0)).then(remaining).otherwise(None).cast(pl.Int64).alias("days_remaining"),
        pl.col("symbol").cast(pl.String),
    )


def tested_evaluators() -> str:
    """The evaluators whose outcomes are tested, named for a message (plug-ins included):
    what a study that tests nothing could add."""
    names = [name for name, cls in EVALUATORS.items() if cls.tested]
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else "".join(names)


def build_evaluators(specs: list[EvaluatorSpec]) -> list[Evaluator]:
    """Instantiate validated specs."""
    return [EVALUATORS.get(spec.name)(spec.params) for spec in specs]


def empty_outcomes() -> pl.DataFrame:
    return pl.DataFrame(schema=_outcome_schema())


# The built-ins, each imported when its name is first looked up (or all are listed), so
# that validating a study imports the evaluators it names, not every one.
for _name in ("excess_returns", "excursions", "forward_returns", "hit_rate", "path"):
    EVALUATORS.add_lazy(_name, f"eventstudy.evaluators.{_name}")
