"""Validation: the one rule for prices, whichever way they come in.

A row's date must be ``YYYY-MM-DD`` text (a time part after it is allowed), a date or a
datetime, in the years 1800-2200; its close a finite number from 1e-18 to 1e18
(:data:`MIN_CLOSE` .. :data:`MAX_CLOSE`: above zero, and no ratio of two closes
overflows; a :data:`~eventstudy.data.columns.MISSING_VALUES` marker, a null or a NaN is
reported as missing, not malformed); each symbol's dates strictly ascending (one row per date); a
long file's symbol non-empty. The optional columns (:data:`~eventstudy.data.columns.EXTRAS`)
may be missing (empty, a marker, null, NaN: null that day), but a value that is given
must be a finite number not below zero; an open, high or low of 0 (some sources' way of
saying "none") is null that day (:func:`usable_extra`).

The rules are polars expressions (:func:`_flag`) that every door runs: data-directory
files (:func:`validated`, eager or streaming, own files and long files of a universe),
frames in memory, the download cache and ``data import`` (:func:`check_prices`), and
factor files, which hold returns, not prices (:func:`check_returns`: the date rules and
finiteness). The first bad row is one :class:`~eventstudy.errors.DataError` that names
where it is (:class:`Origin`: a CSV's ``file:line`` as an editor shows it, header = line 1;
a Parquet file's 0-based row; ``data['SPX'] row 3`` for a frame), the value and what
would be valid.

:func:`validated` reads a file (or some symbols of a long file) once and flags each
row's first problem; :func:`raise_first_problem` turns the flags into the error and
:func:`clean_rows` the rest into ``date, symbol, close[, extras]``. A block of a long
Parquet file (a streamed universe's) is first read by :func:`typed_parquet_block`, which
checks typed columns with whole-column aggregates and leaves any problem to them.
"""

from __future__ import annotations

import csv
import datetime as dt
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

import polars as pl

from eventstudy._numpy import np
from eventstudy.data.columns import (
    ACCEPTED_COLUMNS,
    EXTRAS,
    MISSING_VALUES,
    pick_column,
    shown_columns,
)
from eventstudy.data.dates import FIRST_DATE, LAST_DATE, plausible
from eventstudy.data.finder import DataFile, csv_text, scan, unreadable, whole_lines
from eventstudy.errors import DataError, Location

__all__ = [
    "CLOSE_RANGE",
    "MAX_CLOSE",
    "MIN_CLOSE",
    "Origin",
    "check_prices",
    "check_returns",
    "clean_rows",
    "date_values",
    "distinct_dates",
    "number_values",
    "out_of_range",
    "raise_first_problem",
    "row_symbols",
    "rows_of",
    "typed_parquet_block",
    "usable_extra",
    "validated",
]

_ISO_DATE = (
    r"^\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*(?:Z|UTC|[+-]\d{2}:?\d{2}))?)?$"
)

# Internal column names, chosen not to collide with a user's header.
_ROW = "__es_row"
_SYM = "__es_symbol"
_DRAW = "__es_date_raw"
_CRAW = "__es_close_raw"
_DATE = "__es_date"
_CLOSE = "__es_close"
_PREV_DATE = "__es_prev_date"
_PREV_ROW = "__es_prev_row"
_PROBLEM = "__es_problem"
_DATE_BLANK = "__es_date_blank"
_EXTRA = {name: f"__es_{name}" for name in EXTRAS}  # the usable value (null where missing or 0)
_XRAW = {name: f"__es_{name}_raw" for name in EXTRAS}  # as read
_XVAL = {name: f"__es_{name}_value" for name in EXTRAS}  # as a number (null where missing or unreadable)
_SHOWN = {role: f"__es_{role}_shown" for role in ("close", *EXTRAS)}  # the text a message shows, when not the raw value

# Problem codes, in the order a row is checked.
(
    _SYMBOL_EMPTY,
    _DATE_EMPTY,
    _DATE_BAD,
    _CLOSE_EMPTY,
    _CLOSE_MISSING,
    _CLOSE_NON_NUMERIC,
    _CLOSE_NON_FINITE,
    _CLOSE_NON_POSITIVE,
    _DATE_DUPLICATE,
    _DATE_UNSORTED,
    _DATE_RANGE,
    _CLOSE_OUT_OF_RANGE,
) = range(1, 13)
_EXTRA_KINDS = ("non-numeric", "non-finite", "negative", "out-of-range")
_EXTRA_CODES = {(name, kind): 20 + len(_EXTRA_KINDS) * i + k for i, name in enumerate(EXTRAS) for k, kind in enumerate(_EXTRA_KINDS)}
_EXTRA_OF = {code: key for key, code in _EXTRA_CODES.items()}

MIN_CLOSE, MAX_CLOSE = 1e-18, 1e18
"""The closes a price file may hold. Far beyond any real price, and narrow enough that
every ratio of two closes (a return, and its inverse) is a normal float32 number, as a
study keeps returns and the histories null its closes: a close of 1e300, or a subnormal
1e-320 (whose inverse overflows), would pass "finite and above 0" and turn into
overflow, infinities and NaN deep inside a run."""
CLOSE_RANGE = "from 1e-18 to 1e18"
""":data:`MIN_CLOSE` and :data:`MAX_CLOSE` as every message writes them."""
CLOSE_RULE = f"closes must be finite numbers {CLOSE_RANGE} (above 0, and far beyond any real price)"
EXTRA_RULE = (
    "open, high, low and volume may be missing (empty), else finite numbers >= 0 (a 0 price reads as missing): "
    f"a price {CLOSE_RANGE}, as a close, and a volume up to 1e18"
)
DATE_RULE = "dates are YYYY-MM-DD (or dates / datetimes), years 1800-2200, one row per date"
RETURNS_RULE = "returns are finite decimal numbers (0.0123 for 1.23%), an empty field where missing"
RETURNS_DATE_RULE = "dates are YYYY-MM-DD, years 1800-2200, one row per date"

@dataclass(frozen=True)
class Origin:
    """Where rows come from, as an error names them.

    ``name`` is how a message calls the source (``data['SPX']``, ``'SPX.csv'``);
    ``rows`` says what a row number is: ``csv`` (a data file's 0-based row, shown as the
    editor's line), ``parquet`` (a file's 0-based row index), ``lines`` (the row number
    is already the file's line) or ``index`` (a frame's 0-based row).
    """

    name: str
    path: Path | None = None
    rows: Literal["csv", "parquet", "lines", "index"] = "index"


def _require_columns(file: DataFile) -> tuple[str, str]:
    """The date and close column names, or a DataError listing what was found and accepted."""
    for role, name in (("date", file.date), ("close", file.close)):
        if name is None:
            accepted = ", ".join(repr(n) for n in ACCEPTED_COLUMNS[role])
            raise DataError(
                f"no {role} column in {file.path.name!r}; found columns {shown_columns(file.columns)}",
                location=Location(path=str(file.path), line=1 if file.fmt == "csv" else None),
                hint=f"name the {role} column one of {accepted} (any letter case)",
            )
    assert file.date is not None and file.close is not None
    return file.date, file.close


def _scan(file: DataFile) -> pl.LazyFrame:
    """A lazy scan of ``file`` with a row index; CSV fields stay text so nothing is lost."""
    return scan(file.path, file.fmt, _ROW)


def usable_extra(value: pl.Expr, name: str) -> pl.Expr:
    """An optional column's value (:data:`EXTRAS`) where it is usable (a price finite and
    above 0, a volume finite and not negative), else null, under its own name."""
    return _usable(value, name).alias(name)


def out_of_range(value: pl.Expr, name: str = "close") -> pl.Expr:
    """A finite value above 0 outside what a close may be, :data:`MIN_CLOSE` ..
    :data:`MAX_CLOSE` (a ratio with it would overflow), for a close or an optional price;
    a volume only above :data:`MAX_CLOSE` (0 stays "none" for a price, and is a volume).
    ``data check`` counts the closes it flags."""
    if name == "volume":
        return value.is_finite() & (value > MAX_CLOSE)
    return value.is_finite() & (value > 0) & ~value.is_between(MIN_CLOSE, MAX_CLOSE)


def _usable(value: pl.Expr, name: str) -> pl.Expr:
    ok = value.is_finite() & ((value >= 0) if name == "volume" else (value > 0))
    return pl.when(ok).then(value).otherwise(None).alias(_EXTRA[name])


# --------------------------------------------------------------------------- the rules


def date_values(raw: pl.Expr, dtype: pl.DataType, column: str, where: str, path: Path | None) -> tuple[pl.Expr, pl.Expr]:
    """``(is_empty, parsed)`` for a raw date column (``raw``, of type ``dtype``), by the
    one rule: parsed is null where unparseable or outside the years 1800-2200; a column
    that is neither text nor dates raises the DataError every door raises."""
    if dtype == pl.String:
        empty, parsed = _text_date(raw)
        return empty, plausible(parsed)
    if dtype == pl.Date:
        return raw.is_null(), plausible(raw)
    if isinstance(dtype, pl.Datetime):
        return raw.is_null(), plausible(raw.dt.date())
    raise DataError(
        f"date column {column!r} has type {dtype} in {where}, not dates",
        location=Location(path=str(path)) if path is not None else None,
        hint="store dates as a date or datetime column, or as 'YYYY-MM-DD' text",
    )


def _text_date(raw: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """``(is_empty, date)`` of a text date column: ``YYYY-MM-DD`` (a time part after it is
    allowed), null where unparseable; any year (:func:`plausible` bounds them)."""
    text = raw.str.strip_chars()
    return raw.is_null() | (text == ""), pl.when(text.str.contains(_ISO_DATE)).then(text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False))


def number_values(raw: pl.Expr, dtype: pl.DataType, column: str, where: str, path: Path | None) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """``(is_empty, is_missing_marker, value)`` for a raw number column: text (a
    :data:`MISSING_VALUES` marker is missing) or numbers (NaN is missing); a column of
    another type raises the DataError every door raises."""
    if dtype == pl.String:
        text = raw.str.strip_chars()
        missing = text.str.to_lowercase().is_in(list(MISSING_VALUES))
        return raw.is_null() | (text == ""), missing, text.cast(pl.Float64, strict=False)
    if dtype.is_numeric() or dtype == pl.Null:
        value = raw.cast(pl.Float64)
        return raw.is_null(), value.is_nan(), value
    raise DataError(
        f"column {column!r} has type {dtype} in {where}, not numbers",
        location=Location(path=str(path)) if path is not None else None,
        hint="store prices as numbers",
    )


def _first_of(checks: Sequence[tuple[pl.Expr, int]], dtype: type[pl.DataType] = pl.Int8) -> pl.Expr:
    """The code of the first check that holds (a null check does not), else null."""
    chain: Any = pl.when(checks[0][0]).then(checks[0][1])
    for condition, code in checks[1:]:
        chain = chain.when(condition).then(code)
    return cast(pl.Expr, chain.otherwise(None)).cast(dtype)


def _flag(
    lf: pl.LazyFrame,
    schema: Mapping[str, pl.DataType],
    labels: Mapping[str, str],
    origin: Origin,
    *,
    contiguous: bool,
    symbols: bool = False,
    order: Literal["refuse", "sort"] = "refuse",
) -> pl.LazyFrame:
    """The one rule for prices, as polars expressions on ``_ROW, _SYM, _DRAW, _CRAW`` and
    the raw optional columns ``_XRAW`` (any of them): adds ``_DATE, _CLOSE``, the usable
    optional values ``_EXTRA``, ``_PREV_DATE, _PREV_ROW`` and each row's first problem
    ``_PROBLEM`` (null: a good row). ``symbols``: an empty symbol is a problem (a long
    file); ``order="sort"`` sorts each symbol's rows by date first (a door that repairs
    order), else rows out of order are a problem. ``contiguous``: each symbol's rows are
    together (one shift finds the previous row)."""
    where = origin.name
    date_empty, date = date_values(pl.col(_DRAW), schema[_DRAW], labels["date"], where, origin.path)
    close_empty, close_missing, close = number_values(pl.col(_CRAW), schema[_CRAW], labels["close"], where, origin.path)
    present = [name for name in EXTRAS if _XRAW[name] in schema]
    extras = {name: number_values(pl.col(_XRAW[name]), schema[_XRAW[name]], labels.get(name, name), where, origin.path) for name in present}
    lf = lf.with_columns(date.alias(_DATE), close.alias(_CLOSE), *(value.alias(_XVAL[n]) for n, (_, _, value) in extras.items()))
    if order == "sort":
        lf = lf.sort(_SYM, _DATE, _ROW, nulls_last=False)
        contiguous = True
    previous = _previous_in_symbol(contiguous)
    lf = lf.with_columns(previous(_DATE).alias(_PREV_DATE), previous(_ROW).alias(_PREV_ROW))
    d, c = pl.col(_DATE), pl.col(_CLOSE)
    checks: list[tuple[pl.Expr, int]] = []
    if symbols:
        checks.append((pl.col(_SYM).is_null() | (pl.col(_SYM).str.strip_chars() == ""), _SYMBOL_EMPTY))
    checks += [
        (date_empty, _DATE_EMPTY),
        (d.is_null(), _DATE_BAD),
        (close_empty, _CLOSE_EMPTY),
        (close_missing, _CLOSE_MISSING),
        (c.is_null(), _CLOSE_NON_NUMERIC),
        (~c.is_finite(), _CLOSE_NON_FINITE),  # NaN > 0 is true in polars: a NaN stops here
        (c <= 0, _CLOSE_NON_POSITIVE),
        (~c.is_between(MIN_CLOSE, MAX_CLOSE), _CLOSE_OUT_OF_RANGE),
    ]
    for name, (empty, missing, _) in extras.items():
        value, given = pl.col(_XVAL[name]), ~(empty | missing)
        checks += [
            (given & value.is_null(), _EXTRA_CODES[name, "non-numeric"]),
            (given & ~value.is_finite(), _EXTRA_CODES[name, "non-finite"]),
            (value < 0, _EXTRA_CODES[name, "negative"]),
            (given & out_of_range(value, name), _EXTRA_CODES[name, "out-of-range"]),
        ]
    checks += [(d == pl.col(_PREV_DATE), _DATE_DUPLICATE), (d < pl.col(_PREV_DATE), _DATE_UNSORTED)]
    return lf.with_columns(_first_of(checks).alias(_PROBLEM), *(_usable(pl.col(_XVAL[n]), n) for n in present))


# --------------------------------------------------------------------------- data-directory files


def validated(
    file: DataFile,
    wanted_upper: Sequence[str] | None,
    exact: Sequence[str] | None = None,
    *,
    every: bool = False,
    fast: bool = True,
) -> pl.DataFrame:
    """Read ``file`` once and flag each row's first problem (vectorized, :func:`_flag`).

    Returns the columns ``_ROW, _SYM, _DRAW, _CRAW, _DATE, _CLOSE, _PREV_ROW,
    _PREV_DATE, _PROBLEM`` and the optional columns' values. For a long file only the
    rows whose symbol matches ``wanted_upper`` (ignoring case) are read and checks run
    per symbol; ``exact`` instead matches the symbol column's values as they are (no
    case or space folding), which a Parquet scan can push down to skip row groups: the
    fast path for reading a universe block by block. ``every`` reads every symbol's
    rows of a long file (a row without a symbol is then a problem).

    A CSV is first read the fast way (:func:`_typed_csv`); only a file with some
    unusual or bad field is read again as text, which finds and locates the problem.
    ``fast=False`` skips the first try (the tests compare the two).
    """
    date_col, close_col = _require_columns(file)
    keep, symbol, long = _selection(file, wanted_upper, exact, every)
    if fast and file.fmt == "csv":
        typed = _typed_csv(file, date_col, close_col, keep, symbol, long and every, long)
        if typed is not None:
            return typed
    lf = _scan(file)
    extras = {name: column for name in EXTRAS if (column := _extra_column(file, name)) is not None}
    try:
        if keep is not None:
            lf = lf.filter(keep)
        lf = lf.select(
            _ROW, symbol.alias(_SYM), pl.col(date_col).alias(_DRAW), pl.col(close_col).alias(_CRAW),
            *(pl.col(column).alias(_XRAW[name]) for name, column in extras.items()),
        )
        if file.fmt == "csv":
            lf = lf.filter(_not_blank(long))
        contiguous = False
        if (long and keep is None) or exact is not None:
            read = lf.collect()
            if exact is not None and file.fmt == "parquet":  # the scan skipped the row groups outside the block's range
                read = read.filter(pl.col(_SYM).is_in(sorted(exact)))  # (eager: 5x cheaper than inside the scan)
            lf = read.lazy()
            contiguous = lf.select(pl.col(_SYM).is_sorted()).collect().item()
        schema = lf.collect_schema()
        origin = Origin(repr(file.path.name), file.path, "csv" if file.fmt == "csv" else "parquet")
        labels = {"date": date_col, "close": close_col, **extras}
        return _flag(lf, schema, labels, origin, contiguous=contiguous, symbols=long and every).collect()
    except pl.exceptions.NoDataError as exc:
        raise DataError(f"empty file {file.path.name!r}", location=Location(path=str(file.path))) from exc
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise unreadable(file.path, file.fmt, exc) from exc


def _extra_column(file: DataFile, name: str) -> str | None:
    return pick_column(file.columns, (name,))


def _selection(
    file: DataFile, wanted_upper: Sequence[str] | None, exact: Sequence[str] | None, every: bool
) -> tuple[pl.Expr | None, pl.Expr, bool]:
    """For :func:`validated`: the row filter (None: every row), the symbol expression,
    and whether the file is read as a long file (else it is one symbol's own file, whose
    symbol column, if any, is ignored)."""
    if exact is None and wanted_upper is None and not every:
        return None, pl.lit("", pl.String), False
    assert file.symbol is not None
    symbol = pl.col(file.symbol).cast(pl.String)
    if exact is not None:
        block = sorted(exact)
        within = symbol.is_between(pl.lit(block[0]), pl.lit(block[-1]))
        if file.fmt == "parquet":  # the range (pushed down to the row groups) here; each row's symbol in validated()
            return within, symbol, True
        return within & symbol.is_in(block), symbol, True
    if wanted_upper is not None:
        symbol = symbol.str.strip_chars()
        return symbol.str.to_uppercase().is_in(list(wanted_upper)), symbol, True
    return None, symbol, True


def _not_blank(long: bool) -> pl.Expr:
    """Not a blank line (a CSV's blank lines come through as all-null rows)."""
    filled = pl.col(_DRAW).is_not_null() | pl.col(_CRAW).is_not_null()
    return filled | pl.col(_SYM).is_not_null() if long else filled


_PLAIN_DATE = r"^\d{4}-\d{2}-\d{2}$"


def _typed_csv(
    file: DataFile, date_col: str, close_col: str, keep: pl.Expr | None, symbol: pl.Expr, check_symbols: bool = False, long: bool = True
) -> pl.DataFrame | None:
    """The common case of :func:`validated` for a CSV, two to three times faster:
    closes and the optional columns parsed by the CSV reader, a long file's dates
    (``long``) checked once per distinct text.

    It accepts only what the text path accepts and gives the same values: every distinct
    date is plain ``YYYY-MM-DD`` (the reader's own date parsing is laxer than the text
    path, so dates stay text here), every close a finite number in :data:`MIN_CLOSE` ..
    :data:`MAX_CLOSE` the reader parsed (it parses numbers as the text path's cast
    does), every optional value empty or a finite number >= 0, every symbol's dates strictly ascending (and, reading every
    symbol, every symbol given). Anything else, including a field the reader cannot
    parse, gives None: the caller reads the file as text, which reports the first bad row.
    """
    overrides = {date_col: pl.String, close_col: pl.Float64}
    extras: dict[str, str] = {}
    for name in EXTRAS:
        column = _extra_column(file, name)
        if column is None or column in overrides:
            continue
        overrides[column] = pl.Float64
        extras[name] = column
    lf = whole_lines(pl.scan_csv(file.path, infer_schema=False, schema_overrides=overrides, row_index_name=_ROW))
    if keep is not None:
        lf = lf.filter(keep)
    lf = lf.select(
        _ROW, symbol.alias(_SYM), pl.col(date_col).alias(_DRAW), pl.col(close_col).alias(_CRAW),
        *(pl.col(column).alias(_XVAL[name]) for name, column in extras.items()),
        *(_usable(pl.col(column), name) for name, column in extras.items()),
    )
    try:
        rows = lf.collect()
    except (pl.exceptions.PolarsError, OSError):
        return None  # a field the reader cannot parse (or no rows at all): the text path says which
    close = rows[_CRAW]
    if close.null_count() or not close.is_finite().all() or not close.is_between(MIN_CLOSE, MAX_CLOSE).all():
        return None
    if extras:  # a NaN may be a missing-value marker ('nan') or not ('-nan'): the text path tells
        odd = pl.any_horizontal(
            (~pl.col(_XVAL[n]).is_finite() | (pl.col(_XVAL[n]) < 0) | out_of_range(pl.col(_XVAL[n]), n)).any() for n in extras
        )
        if rows.select(odd).item():
            return None
        rows = rows.drop(_XVAL[n] for n in extras)
    if check_symbols:  # each run of one symbol checked once (a long file's rows come by symbol)
        values = rows[_SYM].rle().struct.field("value")
        if values.null_count() or (values.str.strip_chars() == "").any():
            return None
    # a null is a blank line or an empty date: the text path tells which. Every row's date or each distinct one
    # checked, the answer is the same: a long file's dates repeat (once per symbol), so the distinct ones are far
    # fewer; one symbol's own file has each date once (else it goes to the text path below), a pass for nothing
    distinct = rows[_DRAW].unique() if long else rows[_DRAW]
    if distinct.null_count() or not distinct.str.contains(_PLAIN_DATE).all():
        return None
    previous = _previous_in_symbol(rows[_SYM].is_sorted())
    rows = (  # one query: the previous row's date is computed before its dates are checked, unused if they fail
        rows.lazy()
        .with_columns(plausible(pl.col(_DRAW).str.to_date("%Y-%m-%d", strict=False, cache=False)).alias(_DATE), pl.col(_CRAW).alias(_CLOSE))
        .with_columns(previous(_DATE).alias(_PREV_DATE), previous(_ROW).alias(_PREV_ROW), pl.lit(None, dtype=pl.Int8).alias(_PROBLEM))
        .collect()
    )
    if rows[_DATE].null_count() or (rows[_DATE] <= rows[_PREV_DATE]).any():
        return None
    return rows


def typed_parquet_block(file: DataFile, exact: Sequence[str] | None) -> pl.DataFrame | None:
    """The common case of reading a long Parquet file's block (``exact`` symbols as
    written; None: every symbol) in about half the time of :func:`validated` and its
    follow-ups: the rows read once and checked with a few whole-column aggregates instead
    of each row's problem code (``benchmarks/read_block.py``).

    It accepts only typed data the one rule (:func:`_flag`) finds nothing in: a Date or
    Datetime date column, every date (a datetime's day, as the rule takes it) given and
    in :data:`~eventstudy.data.dates.FIRST_DATE` ..
    :data:`~eventstudy.data.dates.LAST_DATE`; a numeric close, every value given,
    finite and in :data:`MIN_CLOSE` .. :data:`MAX_CLOSE`; numeric (or all-null) optional columns, none infinite or
    negative (null and NaN are missing, as in the rule); each symbol's dates strictly
    ascending in the file's order; reading every symbol, every symbol given and not
    blank. It then returns what :func:`~eventstudy.data.load.read_long_block` returns,
    ``date, symbol, close[, extras]`` sorted by symbol (stably: each symbol's dates
    ascend already), with the rule's own conversions (the datetime's day, the Float64
    cast, :func:`usable_extra`; an in-range date is its own
    :func:`~eventstudy.data.dates.plausible` value), so the values are the same. Anything else (text columns, a bad or misplaced row, no
    rows, a file it cannot read) gives None: the caller takes the general path, which
    reports the first bad row.
    """
    if file.fmt != "parquet" or file.date is None or file.close is None or file.symbol is None:
        return None
    keep, symbol, _ = _selection(file, None, exact, exact is None)
    extras = {name: column for name in EXTRAS if (column := _extra_column(file, name)) is not None}
    lf = pl.scan_parquet(file.path)
    if keep is not None:
        lf = lf.filter(keep)
    lf = lf.select(
        pl.col(file.date).alias("date"), symbol.alias("symbol"), pl.col(file.close).alias("close"),
        *(pl.col(column).alias(name) for name, column in extras.items()),
    )
    try:
        rows = lf.collect()
    except (pl.exceptions.PolarsError, OSError):
        return None
    schema = rows.schema
    if not (schema["date"] == pl.Date or isinstance(schema["date"], pl.Datetime)) or not schema["close"].is_numeric():
        return None
    if not all(schema[name].is_numeric() or schema[name] == pl.Null for name in extras):
        return None
    if not _looks_sorted(rows["symbol"]):  # a file sorted by date, say: each symbol's rows gathered first
        gathered = _stable_by_symbol(rows, exact)
        if gathered is None:
            return None
        rows = gathered
    runs = rows["symbol"].rle().struct.unnest()
    if exact is not None and not set(runs["value"].to_list()) <= set(exact):  # symbols inside the range but not asked for
        rows = rows.filter(pl.col("symbol").is_in(sorted(exact)))
        runs = rows["symbol"].rle().struct.unnest()
    if rows.is_empty() or (exact is None and (runs["value"].null_count() or (runs["value"].str.strip_chars() == "").any())):
        return None
    if not runs["value"].is_sorted():  # a few symbols' rows apart: gather them (a stable sort keeps each one's order)
        gathered = _stable_by_symbol(rows, None)
        assert gathered is not None, "no null symbol here: checked above"
        rows, runs = gathered, gathered["symbol"].rle().struct.unnest()
    rows = rows.with_columns(
        *([] if schema["date"] == pl.Date else [pl.col("date").dt.date()]),
        *(pl.col(name).cast(pl.Float64) for name in ("close", *extras)),
    )
    date, close = pl.col("date"), pl.col("close")
    falls = date.to_physical().diff() <= 0  # not after the previous row's date: only allowed where a symbol starts
    starts = (runs["len"].cum_sum() - runs["len"]).cast(pl.Int64)
    checks = rows.select(
        (date.null_count() == 0).alias("dates given"),
        (date.min() >= FIRST_DATE).alias("first date"),
        (date.max() <= LAST_DATE).alias("last date"),
        (close.null_count() == 0).alias("closes given"),
        close.sum().is_finite().alias("finite"),  # not with a NaN or an infinity (an overflow: the slow way, to be sure)
        ((close.min() >= MIN_CLOSE) & (close.max() <= MAX_CLOSE)).alias("in range"),
        *(~(pl.col(name).is_infinite() | (pl.col(name) < 0) | out_of_range(pl.col(name), name)).any().alias(name) for name in extras),
        (falls.sum() == falls.gather(starts).sum()).alias("ascending"),
    )
    if not all(ok is True for ok in checks.row(0)):
        return None
    return rows.with_columns(usable_extra(pl.col(name), name) for name in extras)


_SORT_PROBE = 1000
"""Rows of a block (at fixed random positions, in order) whose symbols say whether the
block comes sorted by symbol."""


def _looks_sorted(symbol: pl.Series) -> bool:
    """Whether ``symbol`` seems sorted, from :data:`_SORT_PROBE` rows at fixed random
    positions in order: rows sorted by date show at once (their first rows may well be
    sorted: the first day's symbols), rows sorted by symbol always pass, and what slips
    through is gathered after its runs are found."""
    if symbol.len() <= _SORT_PROBE:
        return symbol.is_sorted()
    at = np.sort(np.random.default_rng(0).integers(0, symbol.len(), _SORT_PROBE))
    return symbol.gather(at).is_sorted()


def _stable_by_symbol(rows: pl.DataFrame, exact: Sequence[str] | None) -> pl.DataFrame | None:
    """``rows`` sorted by symbol, each symbol's rows in their order, and only the
    ``exact`` symbols if given (None: a row has no symbol, for the general path to
    report). Each row's symbol becomes its rank among the distinct ones (one hash lookup),
    the other columns are gathered by a stable sort of the ranks, and the symbols are
    written back from the ranks: a whole file of 50M rows sorted by date reads in 8.4 s,
    against 13.9 s for polars' read and stable sort on the strings (5M rows: 0.48 against
    0.93 s; ``benchmarks/read_block.py --whole``)."""
    names = pl.Series("symbol", sorted(exact), dtype=pl.String) if exact is not None else rows["symbol"].unique().drop_nulls().sort()
    rank = rows["symbol"].replace_strict(names, pl.int_range(names.len(), dtype=pl.UInt32, eager=True), default=None, return_dtype=pl.UInt32)
    if rank.null_count():  # a symbol not asked for, or none at all
        if exact is None:
            return None
        keep = rank.is_not_null()
        rows, rank = rows.filter(keep), rank.filter(keep)
    ranks = rank.to_numpy()
    order = np.argsort(ranks, kind="stable")
    others = [c for c in rows.columns if c != "symbol"]
    return rows.select(others)[order].with_columns(names.gather(ranks[order])).select(rows.columns)


def _previous_in_symbol(contiguous: bool) -> Callable[[str], pl.Expr]:
    """A column's value on the previous row of the same symbol (null on its first row).

    When each symbol's rows are contiguous (the symbol column sorted), one shift of the
    whole column is that wherever the symbol did not change; else a shift per symbol.
    """
    if contiguous:
        same = pl.col(_SYM) == pl.col(_SYM).shift(1)
        return lambda c: pl.when(same).then(pl.col(c).shift(1))
    return lambda c: pl.col(c).shift(1).over(_SYM)


def raise_first_problem(file: DataFile, rows: pl.DataFrame, *, long: bool) -> None:
    """Raise a DataError at the first flagged row of ``rows`` (one file's rows, from
    :func:`validated`); ``long``: the file is a long file, so the message names the
    row's symbol."""
    origin = Origin(repr(file.path.name), file.path, "csv" if file.fmt == "csv" else "parquet")
    labels = {"date": file.date or "date", "close": file.close or "close", "symbol": file.symbol or "symbol"}
    labels.update({name: column for name in EXTRAS if (column := _extra_column(file, name)) is not None})
    _raise_first(rows, origin, labels, long=long)


def _raise_first(rows: pl.DataFrame, origin: Origin, labels: Mapping[str, str], *, long: bool) -> None:
    """The error for the first (lowest row) flagged row of ``rows``, located as ``origin`` says."""
    if rows[_PROBLEM].null_count() == rows.height:  # the usual case, without filtering every row
        return
    bad = rows.filter(pl.col(_PROBLEM).is_not_null())
    first = bad.row(int(bad[_ROW].arg_min() or 0), named=True)
    row, prev_row = int(first[_ROW]), first[_PREV_ROW]
    if origin.rows == "csv" and origin.path is not None:
        lines = _csv_lines(origin.path, [row] + ([int(prev_row)] if prev_row is not None else []))
    else:
        lines = {}

    def at(r: int) -> str:
        return f"line {lines.get(r, r)}" if origin.rows in ("csv", "lines") else f"row {r}"

    code = first[_PROBLEM]
    message, hint = _describe(first, code, labels, at, first[_SYM] if long and code != _SYMBOL_EMPTY else None)
    path = str(origin.path) if origin.path is not None else None
    if origin.rows in ("csv", "lines"):
        raise DataError(message, location=Location(path=path, line=lines.get(row, row)), hint=hint)
    if origin.rows == "parquet":
        raise DataError(f"row {row} (0-based parquet row index): {message}", location=Location(path=path), hint=hint)
    raise DataError(f"{origin.name} row {row}: {message}", location=Location(path=path) if path else None, hint=hint)


def _describe(first: Mapping[str, object], code: int, labels: Mapping[str, str], at: Callable[[int], str], symbol: object) -> tuple[str, str | None]:
    """The message and hint for a flagged row (one wording for every door)."""
    for_symbol = f" for symbol {symbol!r}" if symbol is not None else ""

    def shown(role: str, raw: str) -> str:
        value = first.get(_SHOWN.get(role, ""), first.get(raw))
        return str(value).strip() if value is not None else ""

    date_text = shown("date", _DRAW)
    close_text = shown("close", _CRAW)
    on = f" on {date_text!r}{for_symbol}"
    if code == _SYMBOL_EMPTY:
        return f"missing symbol: the {labels.get('symbol', 'symbol')!r} field is empty", "every row of a long file names its symbol"
    if code == _DATE_EMPTY:
        return f"missing date{for_symbol}: the {labels['date']!r} field is empty", DATE_RULE
    if code == _DATE_BAD:
        return f"unparseable date {date_text!r}{for_symbol} (expected YYYY-MM-DD, years 1800-2200)", DATE_RULE
    if code == _CLOSE_EMPTY:
        return f"missing close{on}: the {labels['close']!r} field is empty", "drop the row or fill the close"
    if code == _CLOSE_MISSING:
        fred = " ('.' is how FRED marks holidays)" if close_text == "." else ""
        return f"missing close {close_text!r}{on}{fred}", "drop the row or fill the close"
    if code == _CLOSE_NON_NUMERIC:
        return f"non-numeric close {close_text!r}{on} (column {labels['close']!r})", CLOSE_RULE
    if code == _CLOSE_NON_FINITE:
        return f"non-finite close {close_text!r}{on}", CLOSE_RULE
    if code == _CLOSE_NON_POSITIVE:
        return f"non-positive close {close_text!r}{on} (closes must be > 0)", CLOSE_RULE
    if code == _CLOSE_OUT_OF_RANGE:
        return f"out-of-range close {close_text!r}{on} (closes must be {CLOSE_RANGE})", CLOSE_RULE
    if code in _EXTRA_OF:
        name, kind = _EXTRA_OF[code]
        return f"{kind} {name} {shown(name, _XRAW[name])!r}{on} (column {labels.get(name, name)!r})", EXTRA_RULE
    prev_row = first[_PREV_ROW]
    assert isinstance(prev_row, int)
    if code == _DATE_DUPLICATE:
        return f"duplicate date {str(first[_DATE])!r}{for_symbol}: also on {at(prev_row)}", "keep one row per date"
    return (
        f"dates out of order{for_symbol}: {str(first[_DATE])!r} comes after {str(first[_PREV_DATE])!r} on {at(prev_row)}",
        "sort the rows by date, oldest first",
    )


# --------------------------------------------------------------------------- frames: memory, cache, import


def check_prices(
    frame: pl.DataFrame,
    origin: Origin,
    *,
    order: Literal["refuse", "sort"] = "refuse",
    labels: Mapping[str, str] | None = None,
    shown: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """``frame``'s prices checked by the one rule, as ``date, close`` and the optional
    columns it has (null where missing; by date when ``order="sort"``); or the
    DataError at its first bad row, named as ``origin`` says.

    ``frame`` has ``date`` (Date, Datetime or ``YYYY-MM-DD`` text) and ``close``
    (numbers or text), optionally ``open, high, low, volume`` and, for
    ``Origin(rows="lines")``, each row's ``line`` in its file. ``labels`` maps a role to
    the column name the user knows it by; ``shown`` to a text column a message shows
    instead of the value (an export's own spelling: ``1e400`` rather than ``inf``).

    Examples
    --------
    >>> good = pl.DataFrame({"date": ["2020-01-03", "2020-01-02"], "close": [11.0, 10.0]})
    >>> check_prices(good, Origin("data['X']"), order="sort")["close"].to_list()
    [10.0, 11.0]
    >>> try:
    ...     check_prices(good.with_columns(close=pl.lit(float("nan"))), Origin("data['X']"))
    ... except DataError as error:
    ...     print(error.message)
    data['X'] row 0: missing close 'nan' on '2020-01-03'
    """
    labels = {"date": "date", "close": "close", **(labels or {})}
    present = [name for name in EXTRAS if name in frame.columns]
    row = pl.col("line").cast(pl.Int64) if origin.rows == "lines" else pl.int_range(pl.len(), dtype=pl.Int64)
    lf = frame.lazy().select(
        row.alias(_ROW), pl.lit("", pl.String).alias(_SYM), pl.col("date").alias(_DRAW), pl.col("close").alias(_CRAW),
        *(pl.col(name).alias(_XRAW[name]) for name in present),
        *(pl.col(column).alias(_SHOWN[role]) for role, column in (shown or {}).items()),
    )
    flagged = _flag(lf, lf.collect_schema(), labels, origin, contiguous=True, order=order).collect()
    _raise_first(flagged, origin, labels, long=False)
    return flagged.select(
        pl.col(_DATE).alias("date"), pl.col(_CLOSE).alias("close"), *(pl.col(_EXTRA[name]).alias(name) for name in present),
    )


def check_returns(frame: pl.DataFrame, origin: Origin, columns: Sequence[str]) -> pl.DataFrame:
    """A table of returns (factor files): the date rules of prices (a date given, readable,
    in range, one row per date; sorted here) and every value of ``columns`` a finite
    number where given (returns may be negative; null, or an empty field, is missing);
    the frame by date with ``date`` as Date and ``columns`` as Float64, or the DataError
    at its first bad row (lowest row; its first bad field), named as ``origin`` says.

    ``frame`` has a ``date`` column (Date, or ``YYYY-MM-DD`` text as a CSV is read), the
    ``columns`` (numbers, or text), and ``line`` for ``Origin(rows="lines")``; for
    ``Origin(rows="csv")`` its rows are the file's data rows in order, blank lines
    included as polars reads them (all null: they are dropped), so an error names the
    line an editor shows.

    Examples
    --------
    >>> text = pl.DataFrame({"date": ["2020-01-02", "2020-01-03"], "mkt_rf": ["0.01", "abc"]})
    >>> try:
    ...     check_returns(text, Origin("factors"), ["mkt_rf"])
    ... except DataError as error:
    ...     print(error.message)
    factors row 1: non-numeric mkt_rf 'abc' on '2020-01-03'
    """
    non_finite, non_numeric = 100, 100 + len(columns)  # + the column's index
    row = pl.col("line").cast(pl.Int64) if origin.rows == "lines" else pl.int_range(pl.len(), dtype=pl.Int64)
    unbounded: pl.Expr
    if frame.schema["date"] == pl.String:
        date_empty, unbounded = _text_date(pl.col("date"))
    else:
        date_empty, unbounded = pl.col("date").is_null(), pl.col("date")
    raw = {c: f"__es_raw_{i}" for i, c in enumerate(columns)}
    values = [number_values(pl.col(c), frame.schema[c], c, origin.name, origin.path)[2].alias(c) for c in columns]
    typed = frame.with_columns(
        row.alias(_ROW), pl.col("date").cast(pl.String).alias(_DRAW), date_empty.alias(_DATE_BLANK),
        *(pl.col(c).cast(pl.String).alias(raw[c]) for c in columns),
    ).with_columns(unbounded.alias("date"), *values)
    if origin.rows == "csv":
        typed = typed.filter(~pl.all_horizontal(pl.col(_DRAW, *raw.values()).is_null()))
    typed = typed.with_columns(plausible(pl.col("date")).alias(_DATE))
    date = pl.col(_DATE)
    checks: list[tuple[pl.Expr, int]] = [
        (pl.col(_DATE_BLANK), _DATE_EMPTY),
        (pl.col("date").is_null(), _DATE_BAD),
        (date.is_null(), _DATE_RANGE),
    ]
    for i, c in enumerate(columns):
        given = pl.col(raw[c]).is_not_null() & (pl.col(raw[c]).str.strip_chars() != "")
        checks += [(given & pl.col(c).is_null(), non_numeric + i), (~pl.col(c).is_finite(), non_finite + i)]
    checks.append((date == pl.col(_PREV_DATE), _DATE_DUPLICATE))
    flagged = (
        typed.sort(_DATE, _ROW, nulls_last=False)
        .with_columns(date.shift(1).alias(_PREV_DATE), pl.col(_ROW).shift(1).alias(_PREV_ROW))
        .with_columns(_first_of(checks, pl.Int32).alias(_PROBLEM))
    )
    bad = flagged.filter(pl.col(_PROBLEM).is_not_null())
    if bad.is_empty():
        internal = [_ROW, _DRAW, _DATE_BLANK, _DATE, _PREV_DATE, _PREV_ROW, _PROBLEM, *raw.values()]
        return flagged.drop(*internal, *(["line"] if "line" in frame.columns else []))
    first = bad.row(int(bad[_ROW].arg_min() or 0), named=True)
    code, at_row, prev_row = first[_PROBLEM], int(first[_ROW]), first[_PREV_ROW]
    lines: dict[int, int] = {}
    if origin.rows == "csv" and origin.path is not None:
        lines = _csv_lines(origin.path, [at_row] + ([int(prev_row)] if prev_row is not None else []))

    def at(r: int) -> str:
        return f"line {lines.get(r, r)}" if origin.rows in ("csv", "lines") else f"row {r}"

    date_text = str(first[_DRAW]).strip() if first[_DRAW] is not None else ""
    if code == _DATE_EMPTY:
        message, hint = "missing date: the 'date' field is empty", RETURNS_DATE_RULE
    elif code == _DATE_BAD:
        message, hint = f"unparseable date {date_text!r} (expected YYYY-MM-DD)", RETURNS_DATE_RULE
    elif code == _DATE_RANGE:
        message, hint = f"date {date_text!r} is outside the years 1800-2200", RETURNS_DATE_RULE
    elif code == _DATE_DUPLICATE:
        assert prev_row is not None
        message, hint = f"duplicate date {date_text!r}: also on {at(int(prev_row))}", "keep one row per date"
    else:
        column = columns[code - (non_numeric if code >= non_numeric else non_finite)]
        shown = str(first[raw[column]]).strip()
        kind = "non-numeric" if code >= non_numeric else "non-finite"
        message, hint = f"{kind} {column} {shown!r} on {date_text!r}", RETURNS_RULE
    path = str(origin.path) if origin.path is not None else None
    if origin.rows in ("csv", "lines"):
        raise DataError(message, location=Location(path=path, line=lines.get(at_row, at_row)), hint=hint)
    raise DataError(f"{origin.name} {at(at_row)}: {message}", location=Location(path=path) if path else None, hint=hint)


def _csv_lines(path: Path, rows: Sequence[int]) -> dict[int, int]:
    """Map 0-based data-row indexes (as polars counts them) to 1-based editor line numbers.

    Only called on the error path; a quoted field spanning lines shifts the count, so the
    file is re-read with :mod:`csv` rather than assuming ``row + 2``.
    """
    wanted, found = set(rows), {}
    try:
        with csv_text(path) as handle:
            reader = csv.reader(handle)
            while next(reader, None) == []:  # polars skips the empty lines above the header
                pass
            start = reader.line_num + 1
            for index, _ in enumerate(reader):
                if index in wanted:
                    found[index] = start
                    if len(found) == len(wanted):
                        break
                start = reader.line_num + 1
    except (OSError, EOFError, zlib.error, csv.Error, UnicodeError):  # a truncated or damaged gzip stream too
        pass
    return {r: found.get(r, r + 2) for r in wanted}


def clean_rows(rows: pl.DataFrame, symbol: str | None = None) -> pl.DataFrame:
    """The validated rows as ``date, symbol, close`` and those of the :data:`EXTRAS` the file
    has (symbol the file's value, or ``symbol`` on every row: one symbol's own file)."""
    return rows.select(
        pl.col(_DATE).alias("date"),
        pl.col(_SYM).alias("symbol") if symbol is None else pl.lit(symbol, pl.String).alias("symbol"),
        pl.col(_CLOSE).alias("close"),
        *(pl.col(_EXTRA[name]).cast(pl.Float64).alias(name) for name in EXTRAS if _EXTRA[name] in rows.columns),
    )


def row_symbols(rows: pl.DataFrame) -> set[str]:
    """The symbol values (as read) of validated rows of a long file."""
    return set(rows[_SYM].unique().to_list())


def rows_of(rows: pl.DataFrame, values: Sequence[str]) -> pl.DataFrame:
    """The validated rows of a long file whose symbol is one of ``values``."""
    return rows.filter(pl.col(_SYM).is_in(list(values)))


def distinct_dates(file: DataFile) -> tuple[pl.Series, int]:
    """The distinct dates of a file (parsed as :func:`validated` parses them; unparseable
    ones are left out) and its number of rows. Typed dates are counted batch by batch into
    a table of days (:data:`DATE_BATCH`); a text column (a CSV's) is grouped by its text
    first and each distinct text parsed once: the S&P panel's 619,040 rows hold 1,259 of
    them, and parsing every row took 0.13 s against 0.06 s."""
    date_col, _ = _require_columns(file)
    lf = scan(file.path, file.fmt)  # no row index: it would number every row
    try:
        schema = lf.collect_schema()
        _, parsed = date_values(pl.col(_DRAW), schema[date_col], date_col, repr(file.path.name), file.path)
        if schema[date_col] == pl.String:  # text (a CSV's): each distinct text parsed once, not every row's
            texts = lf.select(pl.col(date_col).alias(_DRAW)).group_by(_DRAW).agg(pl.len().alias("_n")).collect()
            found = texts.select(parsed.alias("date")).to_series().drop_nulls().unique().sort()
            return found, int(texts["_n"].sum())
        days = lf.select(pl.col(date_col).alias(_DRAW)).select(parsed.to_physical())  # plausible (1800-2200), else null
        counts = np.zeros(_LAST_DAY - _FIRST_DAY + 1, dtype=np.int64)  # rows per plausible day
        rows = 0  # counted from the same pass: a CSV's second scan for its length parsed the whole file again
        for batch in days.collect_batches(chunk_size=DATE_BATCH):
            day = batch.to_series()
            rows += day.len()
            counts += np.bincount(day.drop_nulls().to_numpy() - _FIRST_DAY, minlength=counts.size)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise unreadable(file.path, file.fmt, exc) from exc
    return pl.Series("date", np.flatnonzero(counts) + _FIRST_DAY, dtype=pl.Int32).cast(pl.Date), int(rows)


DATE_BATCH = 2_000_000
"""Rows of dates :func:`distinct_dates` reads at a time: each batch is counted into a table
of every plausible day (146,462 of them; numpy's bincount) instead of hashed for its
distinct dates (``benchmarks/read_block.py --calendar`` times both)."""

_FIRST_DAY, _LAST_DAY = ((day - dt.date(1970, 1, 1)).days for day in (FIRST_DATE, LAST_DATE))
