"""Data quality: what is in each series, and what looks wrong, before a study trusts it.

:func:`check_data` reads series leniently (a file the loader would refuse is still
described) and reports per series: date range, rows, unparseable, repeated and unsorted
dates, missing and non-positive closes, gaps against a reference calendar (the dates of a
named series, SPX by default), stale runs (the same close :data:`STALE_DAYS` days or
more in a row), outlier daily moves (|log return| above :data:`OUTLIER_SD` robust
standard deviations, or a move above :data:`MAX_MOVE`), the longest calendar gap, and the
dates each series shares with the others. :func:`quick_check` is the fast subset that
``eventstudy run`` prints as warnings.

Problems the loader refuses (bad, repeated or unsorted dates, missing, non-positive or
out-of-range closes: :data:`~eventstudy.data.validate.MIN_CLOSE` ..
:data:`~eventstudy.data.validate.MAX_CLOSE`; an open, high, low or volume that is no
number, infinite, negative or out of range) are *errors*; the rest are *warnings*: a crash day is a real outlier.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import polars as pl

from eventstudy._numpy import np
from eventstudy.data.cache import Cache
from eventstudy.data.columns import EXTRAS, pick_column, shown_columns
from eventstudy.data.finder import (
    DataDirectory,
    DataFile,
    first_row_line,
    inspect,
    scan,
    symbol_values,
    unreadable,
)
from eventstudy.data.validate import CLOSE_RANGE, MAX_CLOSE, MIN_CLOSE, date_values, number_values
from eventstudy.data.validate import out_of_range as close_out_of_range
from eventstudy.errors import ConfigError, DataError, Location, did_you_mean

__all__ = [
    "MAX_MOVE",
    "OUTLIER_SD",
    "STALE_DAYS",
    "LongFileCheck",
    "QualityReport",
    "SeriesQuality",
    "check_data",
    "check_series",
    "quick_check",
]

STALE_DAYS = 5
"""A run of this many rows (or more) with the same close is reported as stale."""

OUTLIER_SD = 8.0
"""A daily |log return| above this many robust standard deviations is an outlier."""

MAX_MOVE = 0.25
"""A daily move (simple return) above this size is an outlier whatever the volatility."""

MAX_GAP_DAYS = 14
""":func:`quick_check` warns about a calendar gap longer than this many days."""

_EXAMPLES = 5
SHARED_LIMIT = 12
"""Up to this many series, each one's dates in common with every other are counted (a
pairwise table: past a dozen series it is neither cheap nor readable)."""
DETAIL_LIMIT = 20
"""Past this many series, the text report details only the series with findings."""
_MAD_TO_SD = 1.4826  # MAD * 1.4826 estimates the standard deviation of a normal sample


@dataclass(frozen=True)
class SeriesQuality:
    """The checks of one series. Lists of examples hold at most a few entries.

    ``gaps`` are reference-calendar dates inside the series' range on which it has no
    close; ``extra`` the series' dates the reference lacks (weekends of a crypto series).
    ``stale_runs`` are ``(first, last, rows, close)``, ``outliers`` ``(date, simple
    return)`` largest first, ``shared`` other symbol -> dates in common.
    ``bad_extras`` counts the rows whose open, high, low or volume the loader refuses
    (no number, infinite, negative, out of range), ``bad_extra_values`` ``(date, column,
    value as written)``.
    """

    symbol: str
    source: str
    rows: int
    first: dt.date | None
    last: dt.date | None
    bad_dates: int = 0
    bad_date_lines: list[int] = field(default_factory=list)
    duplicates: int = 0
    duplicate_dates: list[dt.date] = field(default_factory=list)
    unsorted: int = 0
    unsorted_dates: list[dt.date] = field(default_factory=list)
    missing: int = 0
    missing_dates: list[dt.date] = field(default_factory=list)
    non_numeric: int = 0
    non_numeric_closes: list[tuple[dt.date, str]] = field(default_factory=list)
    non_positive: int = 0
    non_positive_dates: list[dt.date] = field(default_factory=list)
    out_of_range: int = 0
    out_of_range_closes: list[tuple[dt.date, float]] = field(default_factory=list)
    bad_extras: int = 0
    bad_extra_values: list[tuple[dt.date, str, str]] = field(default_factory=list)
    reference: str | None = None
    gaps: int | None = None
    gap_dates: list[dt.date] = field(default_factory=list)
    extra: int | None = None
    extra_dates: list[dt.date] = field(default_factory=list)
    longest_gap_days: int = 0
    longest_gap_before: dt.date | None = None
    stale_runs: list[tuple[dt.date, dt.date, int, float]] = field(default_factory=list)
    stale_count: int = 0
    robust_sd: float | None = None
    outliers: list[tuple[dt.date, float]] = field(default_factory=list)
    outlier_count: int = 0
    shared: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        """Rows the loader would refuse (bad, repeated or unsorted dates, missing, infinite,
        non-positive or out-of-range closes, a bad open, high, low or volume); a file
        without a data row counts as one."""
        return (self.bad_dates + self.duplicates + self.unsorted + self.missing + self.non_numeric + self.non_positive + self.out_of_range
                + self.bad_extras + (self.rows == 0))

    @property
    def warnings(self) -> int:
        """Findings worth a look: reference gaps, stale runs, outlier moves."""
        return (self.gaps or 0) + self.stale_count + self.outlier_count

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO text)."""
        return _jsonable({**asdict(self), "errors": self.errors, "warnings": self.warnings})


@dataclass(frozen=True)
class UnreadableFile:
    """A file of the data directory whose header cannot be read: the error a run reading
    it stops at (``data check`` of every series reports it and goes on to the others)."""

    file: str
    error: str
    hint: str | None = None

    def describe(self) -> str:
        """The file and why it cannot be read, with the hint on its own line."""
        return f"{self.file}: error: {self.error}" + (f"\n  hint: {self.hint}" if self.hint else "")


@dataclass(frozen=True)
class LongFileCheck:
    """A file named like a series that holds many (a symbol column with several symbols):
    it is checked per symbol, each symbol a series of the report. ``no_symbol`` rows
    (the symbol field empty; at most a few of their lines are kept) belong to none, and
    the loader refuses them."""

    name: str
    file: str
    symbols: int
    rows: int
    no_symbol: int = 0
    no_symbol_lines: list[int] = field(default_factory=list)

    def describe(self) -> str:
        """One line: the file, its symbols and rows, and the rows without a symbol."""
        text = f"{self.file}: a long file (date, symbol, close), checked per symbol: {self.symbols:,} symbols, {self.rows:,} rows"
        if self.no_symbol:
            where = "line" if self.file.lower().endswith(".csv") else "row"
            text += (
                f"\n  error: {self.no_symbol:,} row(s) without a symbol, on {where}(s) "
                f"{_dates(self.no_symbol_lines, self.no_symbol)}: the loader refuses them"
            )
        return text


@dataclass(frozen=True)
class QualityReport:
    """Every series checked, the reference used and the thresholds; ``long_files``: the
    long files named like a series, each checked per symbol."""

    series: list[SeriesQuality]
    reference: str | None
    reference_rows: int
    stale_days: int = STALE_DAYS
    outlier_sd: float = OUTLIER_SD
    max_move: float = MAX_MOVE
    notes: list[str] = field(default_factory=list)
    long_files: list[LongFileCheck] = field(default_factory=list)
    unreadable: list[UnreadableFile] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        """Whether any series (or a long file's row without a symbol) has rows the loader
        would refuse, or a file cannot be read at all."""
        return any(s.errors for s in self.series) or any(f.no_symbol for f in self.long_files) or bool(self.unreadable)

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON-ready dict."""
        return {
            "reference": self.reference,
            "reference_rows": self.reference_rows,
            "settings": {"stale_days": self.stale_days, "outlier_sd": self.outlier_sd, "max_move": self.max_move},
            "long_files": [asdict(f) for f in self.long_files],
            "unreadable": [asdict(f) for f in self.unreadable],
            "series": [s.to_json() for s in self.series],
            "notes": list(self.notes),
        }

    def render_json(self) -> str:
        """The report as indented JSON text."""
        return json.dumps(self.to_json(), indent=2) + "\n"

    def render_text(self) -> str:
        """A plain-text table, then the details of each series."""
        ref = (
            f"reference calendar {self.reference} ({self.reference_rows:,} dates)"
            if self.reference else "no reference calendar"
        )
        lines = [f"data check: {len(self.series)} series, {ref}", *(f.describe() for f in self.long_files), ""]
        head = ("symbol", "first", "last", "rows", "bad date", "repeated", "unsorted", "missing", "<= 0",
                "huge/tiny", "gaps", "extra", "stale", "outliers")
        body = [
            (
                s.symbol, str(s.first or "-"), str(s.last or "-"), f"{s.rows:,}", _n(s.bad_dates), _n(s.duplicates),
                _n(s.unsorted), _n(s.missing + s.non_numeric), _n(s.non_positive), _n(s.out_of_range), _n(s.gaps), _n(s.extra),
                _n(s.stale_count), _n(s.outlier_count),
            )
            for s in self.series
        ]
        widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
        for row in [head, *body]:
            cells = [c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
            lines.append("  ".join(cells).rstrip())
        errors = sum(1 for s in self.series if s.errors)
        warned = sum(1 for s in self.series if s.warnings)
        lines += ["", f"{errors} series with errors (the loader refuses them), {warned} with warnings"]
        if self.unreadable:
            lines += ["", f"{len(self.unreadable)} unreadable {'file' if len(self.unreadable) == 1 else 'files'} (a run reading one stops there):"]
            lines += [f"  {f.describe()}".replace("\n", "\n  ") for f in self.unreadable]
        detailed = self.series if len(self.series) <= DETAIL_LIMIT else [s for s in self.series if s.errors or s.warnings]
        for s in detailed:
            lines += ["", f"{s.symbol} ({s.source})"]
            lines += [f"  {d}" for d in _details(s, self)]
        if len(detailed) < len(self.series):
            lines += ["", f"({len(self.series) - len(detailed):,} series without findings are not detailed; --format json has every one)"]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- checks


def check_series(
    frames: Mapping[str, pl.DataFrame],
    *,
    reference: str | None = None,
    sources: Mapping[str, str] | None = None,
    stale_days: int = STALE_DAYS,
    outlier_sd: float = OUTLIER_SD,
    max_move: float = MAX_MOVE,
) -> QualityReport:
    """Check raw series: ``symbol -> frame`` with ``date`` (Date, null where unparseable),
    ``close`` (Float64, null where missing) and optionally ``line``, in file order.

    Examples
    --------
    >>> import datetime as dt
    >>> frame = pl.DataFrame({"date": [dt.date(2024, 1, d) for d in (2, 3, 3)], "close": [1.0, 2.0, 2.0]})
    >>> check_series({"A": frame}).series[0].duplicates
    1
    """
    cleaned = {symbol: _clean(frame) for symbol, frame in frames.items()}
    calendar = cleaned[reference]["date"] if reference is not None else None
    pairwise = len(frames) <= SHARED_LIMIT
    report = []
    for symbol, frame in frames.items():
        own = symbol == reference  # the reference has no gaps against itself
        report.append(
            _check_one(
                symbol, frame, cleaned if pairwise else {symbol: cleaned[symbol]}, (sources or {}).get(symbol, ""),
                None if own else reference, None if own else calendar, stale_days, outlier_sd, max_move,
            )
        )
    notes = [] if pairwise else [f"dates shared between series are counted for up to {SHARED_LIMIT} series ({len(frames):,} here)"]
    return QualityReport(
        series=report, reference=reference, reference_rows=len(calendar) if calendar is not None else 0,
        stale_days=stale_days, outlier_sd=outlier_sd, max_move=max_move, notes=notes,
    )


def _clean(frame: pl.DataFrame) -> pl.DataFrame:
    """Usable rows: a date and a close the loader takes, first row per date, ascending."""
    return (
        frame.select("date", "close")
        .filter(pl.col("date").is_not_null() & pl.col("close").is_between(MIN_CLOSE, MAX_CLOSE))
        .unique("date", keep="first", maintain_order=True)
        .sort("date")
    )


def _check_one(
    symbol: str,
    raw: pl.DataFrame,
    cleaned: Mapping[str, pl.DataFrame],
    source: str,
    reference: str | None,
    calendar: pl.Series | None,
    stale_days: int,
    outlier_sd: float,
    max_move: float,
) -> SeriesQuality:
    if "line" not in raw.columns:
        raw = raw.with_row_index("line", offset=2)
    clean = cleaned[symbol]
    dated = raw.filter(pl.col("date").is_not_null())
    bad_dates = raw.filter(pl.col("date").is_null())["line"].to_list()
    repeated = dated.filter(~pl.col("date").is_first_distinct())["date"]
    unsorted = dated.filter(pl.col("date") < pl.col("date").shift(1).cum_max())["date"]
    if "close_text" not in dated.columns:  # a source read as numbers (the cache, a frame): no text to be none
        dated = dated.with_columns(pl.lit(None, pl.String).alias("close_text"))
    written = pl.col("close_text").is_not_null()  # text that is no number
    non_numeric = dated.filter(written).select("date", "close_text")
    missing = dated.filter((pl.col("close").is_null() | ~pl.col("close").is_finite()) & ~written)["date"]  # NaN and inf too: the loader refuses both
    non_positive = dated.filter(pl.col("close") <= 0)["date"]
    out_of_range = dated.filter(close_out_of_range(pl.col("close")))
    bad_extras = (
        dated.filter(pl.col("extra_bad").is_not_null()).select("date", pl.col("extra_bad").struct.unnest())
        if "extra_bad" in dated.columns else pl.DataFrame(schema={"date": pl.Date, "column": pl.String, "text": pl.String})
    )
    first = cast(dt.date, clean["date"].min()) if clean.height else None
    last = cast(dt.date, clean["date"].max()) if clean.height else None

    gaps = extra = None
    gap_dates: list[dt.date] = []
    extra_dates: list[dt.date] = []
    if calendar is not None and clean.height:
        in_range = calendar.filter((calendar >= first) & (calendar <= last))
        lacking = in_range.filter(~in_range.is_in(clean["date"].implode()))
        gaps, gap_dates = lacking.len(), lacking.head(_EXAMPLES).to_list()
        ref_first, ref_last = calendar.min(), calendar.max()
        own = clean["date"].filter((clean["date"] >= ref_first) & (clean["date"] <= ref_last))
        beyond = own.filter(~own.is_in(calendar.implode()))
        extra, extra_dates = beyond.len(), beyond.head(_EXAMPLES).to_list()

    longest_days, longest_before = 0, None
    if clean.height > 1:
        spans = clean.select(pl.col("date"), _calendar_gap().alias("gap"))
        index = spans["gap"].arg_max()
        if index is not None:
            longest_days, longest_before = int(spans["gap"][index]), spans["date"][index]

    runs = _stale_runs(clean, stale_days)
    sd, moves = _outliers(clean, outlier_sd, max_move)
    shared = {
        other: int(clean["date"].is_in(frame["date"].implode()).sum())
        for other, frame in cleaned.items()
        if other != symbol
    }
    return SeriesQuality(
        symbol=symbol,
        source=source,
        rows=raw.height,
        first=first,
        last=last,
        bad_dates=len(bad_dates),
        bad_date_lines=bad_dates[:_EXAMPLES],
        duplicates=repeated.len(),
        duplicate_dates=repeated.head(_EXAMPLES).to_list(),
        unsorted=unsorted.len(),
        unsorted_dates=unsorted.head(_EXAMPLES).to_list(),
        missing=missing.len(),
        missing_dates=missing.head(_EXAMPLES).to_list(),
        non_numeric=non_numeric.height,
        non_numeric_closes=list(non_numeric.head(_EXAMPLES).iter_rows()),
        non_positive=non_positive.len(),
        non_positive_dates=non_positive.head(_EXAMPLES).to_list(),
        out_of_range=out_of_range.height,
        out_of_range_closes=list(out_of_range.select("date", "close").head(_EXAMPLES).iter_rows()),
        bad_extras=bad_extras.height,
        bad_extra_values=list(bad_extras.head(_EXAMPLES).iter_rows()),
        reference=reference,
        gaps=gaps,
        gap_dates=gap_dates,
        extra=extra,
        extra_dates=extra_dates,
        longest_gap_days=longest_days,
        longest_gap_before=longest_before,
        stale_runs=runs[:_EXAMPLES],
        stale_count=len(runs),
        robust_sd=sd,
        outliers=moves[:_EXAMPLES],
        outlier_count=len(moves),
        shared=shared,
    )


def _stale_run() -> pl.Expr:
    """Each row's run of one close (a number that grows where the close changes): one series'
    rows, in date order."""
    return (pl.col("close") != pl.col("close").shift(1)).fill_null(True).cum_sum()


def _daily_move() -> pl.Expr:
    """Each row's simple change from the row before (null on the first)."""
    return pl.col("close") / pl.col("close").shift(1) - 1


def _calendar_gap() -> pl.Expr:
    """Each row's calendar days since the row before (null on the first)."""
    return (pl.col("date") - pl.col("date").shift(1)).dt.total_days()


def _stale_runs(clean: pl.DataFrame, stale_days: int) -> list[tuple[dt.date, dt.date, int, float]]:
    """Runs of at least ``stale_days`` rows with one close, longest first."""
    if clean.height < stale_days:
        return []
    runs = (
        clean.with_columns(_stale_run().alias("run"))
        .group_by("run")
        .agg(pl.col("date").first().alias("first"), pl.col("date").last().alias("last"), pl.len().alias("rows"),
             pl.col("close").first().alias("close"))
        .filter(pl.col("rows") >= stale_days)
        .sort(["rows", "first"], descending=[True, False])
    )
    return [(a, b, int(n), float(c)) for _, a, b, n, c in runs.iter_rows()]


def _outliers(clean: pl.DataFrame, outlier_sd: float, max_move: float) -> tuple[float | None, list[tuple[dt.date, float]]]:
    """The robust sd of daily log returns and the outlier moves ``(date, simple return)``, largest first."""
    if clean.height < 3:
        return None, []
    moves = clean.select("date", (pl.col("close") / pl.col("close").shift(1)).log().alias("r")).drop_nulls()
    r = moves["r"]
    median = r.median()
    sd = _MAD_TO_SD * float(cast(float, (r - median).abs().median()))
    limit = outlier_sd * sd if sd > 0 else math.inf
    flagged = moves.filter((pl.col("r").abs() > limit) | ((pl.col("r").exp() - 1).abs() > max_move))
    flagged = flagged.sort(pl.col("r").abs(), descending=True)
    return sd, [(d, math.expm1(v)) for d, v in flagged.iter_rows()]


def quick_check(
    prices: pl.DataFrame,
    *,
    stale_days: int = STALE_DAYS,
    max_move: float = MAX_MOVE,
    max_gap_days: int = MAX_GAP_DAYS,
    align: str = "inner",
    reference: str | None = None,
) -> list[str]:
    """Fast warnings on loaded prices (``date, symbol, close``, validated): what ``run`` prints.

    Stale runs, moves above ``max_move`` in a day, calendar gaps longer than
    ``max_gap_days``, and, with several symbols, dates inside their common range on which
    one lacks a close that another has (``align`` says what the study does with them: an
    inner join drops them; under ``ffill`` the series' last close stands in). Under
    ``ffill`` with the ``reference`` symbol given (the first series, whose calendar the
    study takes), the dates the reference lacks are not on the study calendar, and another
    series is checked against the reference's dates only. Clean index data gives no
    warning; volatility outliers are left to ``eventstudy data check``.

    Examples
    --------
    >>> import datetime as dt
    >>> days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(6)]
    >>> quick_check(pl.DataFrame({"date": days, "symbol": "A", "close": [1.9, 2, 2, 2, 2, 2]}))
    ['warning: A: the close stays at 2.0 for 5 rows from 2024-01-02 to 2024-01-06 (stale data?)']
    """
    warnings: list[str] = []
    frame = prices.select("date", "symbol", pl.col("close").cast(pl.Float64)).sort("symbol", "date")
    found = _quick_flags(frame, stale_days, max_move, max_gap_days)
    symbols = found["symbol"].to_list()
    for symbol, flagged in zip(symbols, found["flagged"], strict=True):
        if not flagged:  # none of the three checks below would warn: their queries are skipped
            continue
        clean = frame.filter(pl.col("symbol") == symbol).select("date", "close")
        runs = _stale_runs(clean, stale_days)
        if runs:
            a, b, n, c = runs[0]
            more = f" ({len(runs)} such runs)" if len(runs) > 1 else ""
            warnings.append(f"warning: {symbol}: the close stays at {c} for {n} rows from {a} to {b}{more} (stale data?)")
        moves = clean.select("date", _daily_move().alias("r")).filter(
            pl.col("r").abs() > max_move
        ).sort(pl.col("r").abs(), descending=True)
        if moves.height:
            d, r = moves.row(0)
            warnings.append(
                f"warning: {symbol}: {moves.height} daily move(s) above {max_move:.0%} (largest {r:+.1%} on {d}): "
                "a bad print or an unadjusted split?"
            )
        spans = clean.select("date", _calendar_gap().alias("gap")).filter(
            pl.col("gap") > max_gap_days
        ).sort("gap", descending=True)
        if spans.height:
            d, g = spans.row(0)
            warnings.append(f"warning: {symbol}: no data for {g} calendar days before {d} ({spans.height} gap(s) over {max_gap_days} days)")
    if len(symbols) > 1:
        start, end = cast("dt.date | None", found["first"].max()), cast("dt.date | None", found["last"].min())
        if start is not None and end is not None and start <= end:
            common = frame.filter(pl.col("date").is_between(start, end))
            if _same_dates(common, len(symbols)):  # nothing lacks a date below: no warning
                return warnings
            union = common["date"].unique().sort()
            ffill_on = reference if align == "ffill" and reference in symbols else None
            calendar = common.filter(pl.col("symbol") == ffill_on)["date"] if ffill_on is not None else union
            for symbol in symbols:
                own = common.filter(pl.col("symbol") == symbol)["date"]
                dates = union if symbol == ffill_on else calendar
                lacking = dates.filter(~dates.is_in(own.implode()))
                if not lacking.len():
                    continue
                where = "the study's series trade" if dates is union else f"{ffill_on} trades"
                if align == "inner":
                    what = "with align: inner those dates are dropped"
                elif symbol == ffill_on:
                    what = f"with align: {align} the study calendar is {symbol}'s, so those dates are not on it: no event and no baseline day falls there"
                else:
                    what = (f"with align: {align} its last close stands in for the condition there (within data.max_stale), "
                            "and its outcomes from those dates are unknown")
                warnings.append(
                    f"warning: {symbol} has no close on {lacking.len():,} of the {dates.len():,} dates {where} "
                    f"between {start} and {end} (first {lacking[0]}): {what}"
                )
    return warnings


def _quick_flags(frame: pl.DataFrame, stale_days: int, max_move: float, max_gap_days: int) -> pl.DataFrame:
    """For :func:`quick_check`, in one query: each symbol of ``frame`` (sorted by symbol,
    date) in order, its first and last date, and whether any of its checks would warn
    (a run of ``stale_days`` rows with one close, as :func:`_stale_runs` counts runs; a
    move above ``max_move``; a calendar gap above ``max_gap_days``), so that clean series
    skip the queries that find and describe what is wrong: a query costs about as much
    at a series' 10,000 rows as at 10."""
    stale = _stale_run().rle().struct.field("len").max() >= stale_days  # run ids ascend: each run's rows are one rle run
    moves = (_daily_move().abs() > max_move).any()
    gaps = (_calendar_gap() > max_gap_days).any()
    return frame.group_by("symbol", maintain_order=True).agg(
        pl.col("date").min().alias("first"), pl.col("date").max().alias("last"), (stale.fill_null(False) | moves | gaps).alias("flagged")
    )


def _same_dates(common: pl.DataFrame, symbols: int) -> bool:
    """Whether each of the ``symbols`` symbols of ``common`` (their rows within the common
    range, sorted by symbol and date) has the same dates, ascending, so none lacks a
    date another has. False also where that is not so plain (a date repeated, a null):
    the caller then finds what each one lacks."""
    runs = common["symbol"].rle().struct.field("len").to_numpy()  # each symbol's rows, together
    if runs.size != symbols:
        return False
    first, *others = np.split(common["date"].to_physical().to_numpy(), np.cumsum(runs)[:-1])  # days (NaN: null)
    return bool(np.all(np.diff(first) > 0)) and all(np.array_equal(first, dates) for dates in others)


# --------------------------------------------------------------------------- reading


def _check_thresholds(stale_days: object, outlier_sd: object, max_move: object) -> None:
    """check_data's thresholds, as ``--stale-days`` is checked (stale_days=-1 reported every
    row of SPX as stale: '24470 run(s) of -1+ rows with the same close')."""
    if isinstance(stale_days, bool) or not isinstance(stale_days, int) or stale_days < 2:
        raise ConfigError(f"stale_days is {stale_days!r}: a stale run is a whole number of rows with one close, 2 or more",
                          hint=f"e.g. stale_days={STALE_DAYS} (the default)")
    for name, value, default, what in (("outlier_sd", outlier_sd, OUTLIER_SD, "robust standard deviations"),
                                       ("max_move", max_move, MAX_MOVE, "a share of the close (0.25 is 25%)")):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            raise ConfigError(f"{name} is {value!r}: a daily move beyond it is an outlier, so it is a positive number of {what}",
                              hint=f"e.g. {name}={default:g} (the default)")


def check_data(
    symbols: Sequence[str] = (),
    *,
    data_dir: str | Path | None = None,
    cache_dir: str | Path | None = None,
    reference: str | None = None,
    stale_days: int = STALE_DAYS,
    outlier_sd: float = OUTLIER_SD,
    max_move: float = MAX_MOVE,
) -> QualityReport:
    """Read series from a data directory (or the cache when none is given) and check them.

    ``symbols`` empty means every series found. ``reference`` names the calendar series;
    by default ``SPX`` when it can be found, else none. A symbol is found by the rule
    ``eventstudy run`` follows (:mod:`eventstudy.data.finder`; in the cache,
    :meth:`~eventstudy.data.cache.Cache.locate`), so both read the same rows.

    Raises
    ------
    DataError
        A named symbol or reference cannot be found (or is ambiguous), or nothing is there to check.

    Examples
    --------
    >>> print(check_data(["SPX", "RUT"], data_dir="data").render_text())  # doctest: +SKIP
    """
    if isinstance(symbols, (str, Path)):  # a text is a sequence of its letters: 'SPX' was checked as 'S', 'P', 'X'
        text = str(symbols)
        instead = f"a data directory is data_dir={text!r}" if Path(text).is_dir() else f"give a list of symbols, e.g. check_data([{text!r}])"
        raise TypeError(f"symbols is the text {text!r}: {instead}")
    _check_thresholds(stale_days, outlier_sd, max_move)
    if data_dir is not None and cache_dir is not None:  # one is checked: the other would be passed over without a word
        raise ConfigError(
            f"--data-dir and --cache-dir (data_dir=, cache_dir=) name two places to check: the data directory {str(data_dir)!r} "
            f"and the download cache {str(cache_dir)!r}",
            hint="give one of them; check the other in a second run",
        )
    series: _Series = _CacheSeries(cache_dir) if data_dir is None else _DirectorySeries(Path(data_dir))
    where = f"data directory {str(data_dir)!r}" if data_dir is not None else "the cache"
    if series.empty():
        raise DataError(f"no series to check in {where}", hint="pass --data-dir DIR, or pull series with 'eventstudy data pull SYMBOL'")
    wanted = list(dict.fromkeys(symbols)) or series.names()
    # every series: a file whose header cannot be read is reported, and the others checked (a named one is the error itself)
    unreadable = series.unreadable() if not symbols else []
    unread_names = {Path(f.file).stem for f in unreadable}
    wanted = [name for name in wanted if name not in unread_names]
    chosen, missing = series.find(wanted)
    notes: list[str] = []
    priceless = series.priceless() if not symbols else []
    unpriced = f"{', '.join(repr(name) for name in priceless)} (no close column: not price files)"
    if not wanted and not unreadable:
        raise DataError(f"no series to check in {where}" + (f": {unpriced}" if priceless else ""), hint="pass --data-dir DIR, the folder of the price files")
    if priceless:  # factors.csv beside the prices, a file of events: no series, and not a reason to stop
        notes.append(f"not checked: {unpriced}")
    if missing and not symbols:  # a long file's symbol whose file is also another symbol's own file
        shown = ", ".join(repr(s) for s in missing[:5]) + (", ..." if len(missing) > 5 else "")
        notes.append(f"not checked: {shown}: found only in a file that is another symbol's own file (SYMBOL.csv wins, as in a run)")
        missing = []
    if missing:
        names = series.names()
        raise DataError(
            f"symbol {missing[0]!r} not found in {where}{did_you_mean(missing[0], names)}",
            hint=f"found: {', '.join(sorted(names)[:20])}{', ...' if len(names) > 20 else ''}",
        )
    ref_name = reference or "SPX"
    ref_symbol = next((s for s in chosen if s == ref_name), None)
    unread_spx = reference is None and ref_name in unread_names  # reported above, not a calendar
    if ref_symbol is None and not unread_spx:
        ref, _ = series.find([ref_name])
        ref_symbol = next((s for s, f in chosen.items() if ref_name in ref and f.same(ref[ref_name])), None)
        if ref_symbol is None and ref_name in ref:
            chosen = {ref_name: ref[ref_name], **chosen}
            ref_symbol = ref_name
    if ref_symbol is None:
        if reference is not None:
            raise DataError(f"reference series {reference!r} not found in {where}{did_you_mean(reference, series.names())}")
        notes.append(f"no reference calendar (SPX {'unreadable' if unread_spx else 'not found'}): pass --reference SYMBOL to count gaps")
    chosen, long_files = _per_symbol(chosen, ref_symbol)
    frames = _read_found(chosen)
    sources = {symbol: found.source for symbol, found in chosen.items()}
    report = check_series(frames, reference=ref_symbol, sources=sources, stale_days=stale_days, outlier_sd=outlier_sd, max_move=max_move)
    return replace(report, notes=[*report.notes, *notes], long_files=long_files, unreadable=unreadable)


def _per_symbol(chosen: dict[str, _Found], reference: str | None) -> tuple[dict[str, _Found], list[LongFileCheck]]:
    """``chosen`` with each named file that is a long file (a symbol column holding
    several symbols) replaced by its symbols' rows, one series each (named as the
    file writes them; ``FILE:SYMBOL`` where that name is taken), and a summary of each.
    Read as one series, such a file's symbols would interleave: every date repeated,
    and out of order. A file named for one of its own symbols (``AAA.csv`` holding AAA
    and BBB rows) is that symbol's own file, which a run reads whole: so is it checked."""
    out: dict[str, _Found] = {}
    summaries: list[LongFileCheck] = []
    for name, found in chosen.items():
        if found.value is not None or found.file.symbol is None:
            out[name] = found
            continue
        values = sorted(symbol_values(found.file))
        if len(values) < 2 or name.upper() in {v.upper() for v in values}:
            # one symbol, or the named one among them: the file is that series' own, read whole by a run
            # (AAA.csv with AAA and BBB rows is AAA's, its dates repeated), whatever its symbol column says
            out[name] = found
            continue
        if name == reference:
            raise DataError(
                f"the reference {name!r} is a long file of {len(values):,} symbols ({found.file.path.name}): a calendar is one series",
                hint="pass --reference SYMBOL, one series (SPX, or one of the file's symbols)",
            )
        taken = set(chosen) | set(out)
        for value in values:
            out[value if value not in taken else f"{found.file.path.name}:{value}"] = _Found(found.source, found.file, value)
        summaries.append(_long_file_check(name, found.file, len(values)))
    return out, summaries


def _long_file_check(name: str, file: DataFile, symbols: int) -> LongFileCheck:
    """The summary of a long file: its symbols, rows with a symbol, and rows without one
    (not a blank line: the date or the close is there)."""
    assert file.symbol is not None
    lf = scan(file.path, file.fmt).with_row_index("line", offset=first_row_line(file.path, file.fmt))
    blank_line = pl.all_horizontal(pl.col(file.date or file.symbol, file.close or file.symbol).is_null())
    nameless = pl.col(file.symbol).cast(pl.String).str.strip_chars().fill_null("").eq("") & ~blank_line
    try:
        rows, count = lf.select((~blank_line & ~nameless).sum(), nameless.sum()).collect().row(0)
        lines = lf.filter(nameless).select("line").head(_EXAMPLES).collect()["line"].to_list() if count else []
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise unreadable(file.path, file.fmt, exc) from None
    return LongFileCheck(name=name, file=file.path.name, symbols=symbols, rows=int(rows), no_symbol=int(count), no_symbol_lines=lines)


@dataclass(frozen=True)
class _Found:
    """A series that can be read: a whole file (its own, or a cached one), or the rows of
    a long file whose symbol column reads ``value``."""

    source: str
    file: DataFile
    value: str | None = None

    def same(self, other: _Found) -> bool:
        """Whether both are the same rows."""
        return (self.file.path, self.value) == (other.file.path, other.value)

    def read(self) -> pl.DataFrame:
        return _read_raw(self.file, self.value)


class _Series:
    """Where ``data check`` finds series: every name, and the rows behind given names."""

    def empty(self) -> bool:
        raise NotImplementedError

    def names(self) -> list[str]:
        raise NotImplementedError

    def priceless(self) -> list[str]:
        """The files left out of :meth:`names` as holding no prices (none in the cache)."""
        return []

    def unreadable(self) -> list[UnreadableFile]:
        """The files whose header cannot be read (none in the cache: it verifies what it reads)."""
        return []

    def find(self, symbols: Sequence[str]) -> tuple[dict[str, _Found], list[str]]:
        """The series of ``symbols`` (in their order) and the names not found."""
        raise NotImplementedError


class _DirectorySeries(_Series):
    """A data directory, read by the rule ``run`` reads it by."""

    def __init__(self, path: Path) -> None:
        self.directory = DataDirectory(path)

    def empty(self) -> bool:
        return not self.directory.files

    def names(self) -> list[str]:
        return self.directory.catalog()

    def priceless(self) -> list[str]:
        return [path.name for path in self.directory.priceless()]

    def unreadable(self) -> list[UnreadableFile]:
        return [UnreadableFile(path.name, exc.message, exc.hint) for path, exc in self.directory.unreadable()]

    def find(self, symbols: Sequence[str]) -> tuple[dict[str, _Found], list[str]]:
        located = self.directory.locate(symbols)
        found = {s: _Found(f.file.path.name, f.file, f.value) for s, f in located.found.items()}
        return {s: found[s] for s in symbols if s in found}, located.missing


class _CacheSeries(_Series):
    """The download cache (verified: a corrupt file is an error, not a report)."""

    def __init__(self, cache_dir: str | Path | None) -> None:
        self.cache = Cache(cache_dir)

    def empty(self) -> bool:
        return not self.cache.symbols()

    def names(self) -> list[str]:
        return list(dict.fromkeys(symbol for _, symbol in self.cache.symbols()))

    def find(self, symbols: Sequence[str]) -> tuple[dict[str, _Found], list[str]]:
        found: dict[str, _Found] = {}
        missing: list[str] = []
        for symbol in dict.fromkeys(symbols):
            located = self.cache.locate(symbol)
            if located is None:
                missing.append(symbol)
                continue
            source, path = located
            self.cache.read(symbol, source)  # verifies
            found[symbol] = _Found(f"cache {source}", inspect(path))
        return found, missing


def _read_found(where: Mapping[str, _Found]) -> dict[str, pl.DataFrame]:
    """Each symbol's raw rows, a long file read once for all its symbols (in ``where``'s order)."""
    long_files: dict[Path, list[str]] = {}
    for symbol, found in where.items():
        if found.value is not None:
            long_files.setdefault(found.file.path, []).append(symbol)
    parts: dict[str, pl.DataFrame] = {}
    for symbols in long_files.values():
        names = {where[s].value: s for s in symbols}
        frame = _read_raw(where[symbols[0]].file, None, keep_symbol=True).filter(pl.col("symbol").is_in(list(names)))
        for (name,), part in frame.partition_by("symbol", as_dict=True, maintain_order=True).items():
            parts[names[name]] = part.drop("symbol")
    empty = pl.DataFrame(schema={"line": pl.Int64, "date": pl.Date, "close": pl.Float64})
    return {s: parts.get(s, empty) if f.value is not None else f.read() for s, f in where.items()}


def _read_raw(file: DataFile, value: str | None, keep_symbol: bool = False) -> pl.DataFrame:
    """``line, date, close`` in file order: a whole file, the rows of a long file whose
    symbol reads ``value``, or (``keep_symbol``) every row of a long file with a ``symbol``
    column; unparseable dates and missing closes are null."""
    path, date_col, close_col = file.path, file.date, file.close
    if date_col is None or close_col is None:
        raise DataError(
            f"{path.name!r} has no {'date' if date_col is None else 'close'} column; found {shown_columns(file.columns)}",
            location=Location(path=str(path), line=1),
        )
    lf = scan(path, file.fmt).with_row_index("line", offset=first_row_line(path, file.fmt))
    symbol = pl.col(file.symbol).cast(pl.String).str.strip_chars() if file.symbol is not None else None
    if symbol is not None and value is not None:
        lf = lf.filter(symbol == value)
    try:
        schema = lf.collect_schema()
        # the loader's own parsing (types, date text, years): a row it refuses is counted
        _, date = date_values(pl.col(date_col), schema[date_col], date_col, repr(path.name), path)
        empty, marker, close = number_values(pl.col(close_col), schema[close_col], close_col, repr(path.name), path)
        kept = [symbol.alias("symbol")] if keep_symbol and symbol is not None else []
        text = pl.col(close_col).cast(pl.String).str.strip_chars()
        unread = pl.when(~empty & ~marker & close.is_null()).then(text).otherwise(None).alias("close_text")  # no number, as the loader says
        kept += _bad_extra(file, schema, repr(path.name))
        out = lf.select(pl.col("line").cast(pl.Int64), date.cast(pl.Date).alias("date"), close.alias("close"), unread, *kept)
        return out.filter(pl.col("date").is_not_null() | pl.col("close").is_not_null()).collect()
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise unreadable(path, file.fmt, exc) from None  # a ragged row at its line, as the loader says it


def _bad_extra(file: DataFile, schema: Mapping[str, pl.DataType], where: str) -> list[pl.Expr]:
    """``extra_bad``: the first open, high, low or volume of a row that the loader refuses
    (given, and no number, infinite, negative or out of range: the rule of
    :func:`~eventstudy.data.validate.validated`), as ``{column, text}``; none without such
    columns."""
    found: list[tuple[str, pl.Expr]] = []
    for name in EXTRAS:
        column = pick_column(file.columns, (name,))
        if column is None:
            continue
        empty, marker, value = number_values(pl.col(column), schema[column], column, where, file.path)
        given = ~(empty | marker)
        bad = (given & (value.is_null() | ~value.is_finite() | close_out_of_range(value, name))) | (value < 0)
        found.append((column, bad))
    if not found:
        return []
    chain: Any = pl.when(found[0][1]).then(pl.struct(pl.lit(found[0][0]).alias("column"), pl.col(found[0][0]).cast(pl.String).alias("text")))
    for column, bad in found[1:]:
        chain = chain.when(bad).then(pl.struct(pl.lit(column).alias("column"), pl.col(column).cast(pl.String).alias("text")))
    return [cast(pl.Expr, chain.otherwise(None)).alias("extra_bad")]


# --------------------------------------------------------------------------- text


def _n(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _dates(values: Sequence[Any], total: int) -> str:
    shown = ", ".join(str(v) for v in values)
    return shown + (", ..." if total > len(values) else "")


def _details(s: SeriesQuality, report: QualityReport) -> list[str]:
    """What to look at in one series, one finding a line."""
    out: list[str] = []
    if not s.rows:
        out.append("error: no data rows (a header alone): the loader refuses the file")
    if s.bad_dates:  # a CSV's lines, as an editor shows them; a Parquet file's rows, as the loader names them
        where = "line(s) {}" if s.source.lower().endswith(".csv") else "row(s) {} (0-based parquet row index)"
        out.append(f"error: {s.bad_dates} unparseable date(s) (expected YYYY-MM-DD) on {where.format(_dates(s.bad_date_lines, s.bad_dates))}")
    if s.duplicates:
        out.append(f"error: {s.duplicates} repeated date(s): {_dates(s.duplicate_dates, s.duplicates)}")
    if s.unsorted:
        out.append(f"error: {s.unsorted} date(s) out of order: {_dates(s.unsorted_dates, s.unsorted)}")
    if s.missing:
        out.append(f"error: {s.missing} missing or infinite close(s): {_dates(s.missing_dates, s.missing)}")
    if s.non_numeric:  # as the loader says it: text that is no number ('1,010.5', '$10')
        shown = ", ".join(f"{d} ({text!r})" for d, text in s.non_numeric_closes)
        out.append(f"error: {s.non_numeric} non-numeric close(s): {shown}{', ...' if s.non_numeric > len(s.non_numeric_closes) else ''}")
    if s.non_positive:
        out.append(f"error: {s.non_positive} close(s) <= 0: {_dates(s.non_positive_dates, s.non_positive)}")
    if s.out_of_range:
        closes = [f"{d} ({c!r})" for d, c in s.out_of_range_closes]
        out.append(f"error: {s.out_of_range} out-of-range close(s) (closes must be {CLOSE_RANGE}): {_dates(closes, s.out_of_range)}")
    if s.bad_extras:
        values = [f"{d} {column} {text!r}" for d, column, text in s.bad_extra_values]
        out.append(f"error: {s.bad_extras} row(s) with an open, high, low or volume that is no number, infinite, negative or out of range: {_dates(values, s.bad_extras)}")
    if s.gaps:
        out.append(f"gaps: no close on {s.gaps:,} of {s.reference}'s dates in {s.first} .. {s.last}: {_dates(s.gap_dates, s.gaps)}")
    if s.extra:
        out.append(f"extra: {s.extra:,} date(s) that {s.reference} lacks: {_dates(s.extra_dates, s.extra)}")
    if s.stale_count:
        runs = ", ".join(f"{a} .. {b} ({n} rows at {c})" for a, b, n, c in s.stale_runs)
        out.append(f"stale: {s.stale_count} run(s) of {report.stale_days}+ rows with the same close: {runs}{', ...' if s.stale_count > len(s.stale_runs) else ''}")
    if s.outlier_count:
        moves = ", ".join(f"{d} {r:+.1%}" for d, r in s.outliers)
        sd = f"{s.robust_sd:.4f}" if s.robust_sd is not None else "-"
        out.append(
            f"outliers: {s.outlier_count:,} daily move(s) beyond {report.outlier_sd:g} robust sd (sd {sd}) "
            f"or {report.max_move:.0%}, largest: {moves}{', ...' if s.outlier_count > len(s.outliers) else ''}"
        )
    if s.longest_gap_before is not None:
        out.append(f"longest calendar gap: {s.longest_gap_days} day{'s' if s.longest_gap_days != 1 else ''}, before {s.longest_gap_before}")
    if s.shared:
        out.append("shared dates: " + ", ".join(f"{k} {v:,}" for k, v in s.shared.items()))
    return out or [f"no findings ({s.rows:,} row{'s' if s.rows != 1 else ''}: no move or gap to measure)" if s.rows < 2 else "no findings"]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
