"""Row validation: every row of a price file checked, vectorized, the first bad one reported.

A row's date must be ``YYYY-MM-DD`` text (a time part after it is allowed), a date or a
datetime, in the years 1800-2200; its close a finite number above zero (a
:data:`~eventstudy.data.columns.MISSING_VALUES` marker is reported as missing, not
malformed); each symbol's dates strictly ascending. The first bad row is a
:class:`~eventstudy.errors.DataError` at ``file:line`` (CSV: the line as an editor shows
it, header = line 1; Parquet: the 0-based row index, said so in the message). The
optional columns (:data:`~eventstudy.data.columns.EXTRAS`) are not refused: an unusable
value is null that day (:func:`usable_extra`).

:func:`validated` reads a file (or some symbols of a long file) once and flags each
row's first problem; :func:`raise_first_problem` turns the flags into the error and
:func:`clean_rows` the rest into ``date, symbol, close[, extras]``.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl

from eventstudy.data.columns import (
    ACCEPTED_COLUMNS,
    EXTRAS,
    MISSING_VALUES,
    pick_column,
    shown_columns,
)
from eventstudy.data.finder import DataFile, scan, unreadable
from eventstudy.errors import DataError, Location

__all__ = [
    "FIRST_DATE",
    "LAST_DATE",
    "as_dates",
    "clean_rows",
    "distinct_dates",
    "raise_first_problem",
    "row_symbols",
    "rows_of",
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

# Problem codes, in the order a row is checked.
(
    _DATE_EMPTY,
    _DATE_BAD,
    _CLOSE_EMPTY,
    _CLOSE_MISSING,
    _CLOSE_NON_NUMERIC,
    _CLOSE_NON_FINITE,
    _CLOSE_NON_POSITIVE,
    _DATE_DUPLICATE,
    _DATE_UNSORTED,
) = range(1, 10)


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


FIRST_DATE, LAST_DATE = dt.date(1800, 1, 1), dt.date(2200, 12, 31)
"""Dates a price file may hold: 0000-01-01 parses, and then breaks everything downstream."""


def _plausible(date: pl.Expr) -> pl.Expr:
    """``date``, or null (an unparseable date) outside :data:`FIRST_DATE` .. :data:`LAST_DATE`."""
    return pl.when(date.is_between(FIRST_DATE, LAST_DATE)).then(date)


def as_dates(column: pl.Series) -> pl.Series | None:
    """A column of dates as the loaders read them (Date; a Datetime's day; ``YYYY-MM-DD``
    text), null where a value is unparseable or outside 1800-2200; None for a column of
    another type. For inputs that are not data files: frames in memory, events files."""
    if column.dtype == pl.Date:
        dates = column
    elif isinstance(column.dtype, pl.Datetime):
        dates = column.dt.date()
    elif column.dtype == pl.String:
        dates = column.str.strip_chars().str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    else:
        return None
    return pl.select(_plausible(pl.lit(dates)).alias(column.name)).to_series()


def usable_extra(value: pl.Expr, name: str) -> pl.Expr:
    """An optional column's value (:data:`EXTRAS`) where it is usable, else null, under
    its own name: the one rule for files, the cache and frames in memory."""
    return _usable(value, name).alias(name)


def _date_exprs(file: DataFile, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    """``(is_empty, parsed)`` for the raw date column; parsed is null where unparseable
    or outside the years 1800-2200."""
    raw = pl.col(_DRAW)
    if dtype == pl.String:
        text = raw.str.strip_chars()
        parsed = (
            pl.when(text.str.contains(_ISO_DATE))
            .then(text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False))
            .otherwise(None)
        )
        return raw.is_null() | (text == ""), _plausible(parsed)
    if dtype == pl.Date:
        return raw.is_null(), _plausible(raw)
    if isinstance(dtype, pl.Datetime):
        return raw.is_null(), _plausible(raw.dt.date())
    raise DataError(
        f"date column {file.date!r} has type {dtype} in {file.path.name!r}",
        location=Location(path=str(file.path)),
        hint="store dates as a date or datetime column, or as 'YYYY-MM-DD' text",
    )


def _close_exprs(file: DataFile, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """``(is_empty, is_missing_marker, value)`` for the raw close column."""
    raw = pl.col(_CRAW)
    if dtype == pl.String:
        text = raw.str.strip_chars()
        missing = text.str.to_lowercase().is_in(list(MISSING_VALUES))
        return raw.is_null() | (text == ""), missing, text.cast(pl.Float64, strict=False)
    if dtype.is_numeric():
        value = raw.cast(pl.Float64)
        return raw.is_null(), value.is_nan(), value
    raise DataError(
        f"close column {file.close!r} has type {dtype} in {file.path.name!r}",
        location=Location(path=str(file.path)),
        hint="store closes as numbers",
    )


_EXTRA = {name: f"__es_{name}" for name in EXTRAS}


def _extra_exprs(file: DataFile, schema: pl.Schema) -> list[pl.Expr]:
    """The optional columns (:data:`EXTRAS`) as numbers or null, one expression each."""
    exprs = []
    for name in EXTRAS:
        column = _extra_column(file, name)
        if column is None:  # absent columns stay absent: a 50M-row panel of closes reads no null columns
            continue
        raw = pl.col(column)
        value = raw.cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False) if schema[column] == pl.String else raw.cast(pl.Float64)
        exprs.append(_usable(value, name))
    return exprs


def _extra_column(file: DataFile, name: str) -> str | None:
    return pick_column(file.columns, (name,))


def _usable(value: pl.Expr, name: str) -> pl.Expr:
    """A price is used when it is a finite number above zero, a volume when finite and not
    negative; anything else is null."""
    ok = value.is_finite() & ((value >= 0) if name == "volume" else (value > 0))
    return pl.when(ok).then(value).otherwise(None).alias(_EXTRA[name])


def validated(
    file: DataFile,
    wanted_upper: Sequence[str] | None,
    exact: Sequence[str] | None = None,
    *,
    every: bool = False,
    fast: bool = True,
) -> pl.DataFrame:
    """Read ``file`` once and flag each row's first problem (vectorized).

    Returns the columns ``_ROW, _SYM, _DRAW, _CRAW, _DATE, _CLOSE, _PREV_ROW,
    _PREV_DATE, _PROBLEM``. For a long file only the rows whose symbol matches
    ``wanted_upper`` (ignoring case) are read and checks run per symbol; ``exact``
    instead matches the symbol column's values as they are (no case or space folding),
    which a Parquet scan can push down to skip row groups: the fast path for reading a
    universe block by block. ``every`` reads every symbol's rows of a long file.

    A CSV is first read the fast way (:func:`_typed_csv`); only a file with some
    unusual or bad field is read again as text, which finds and locates the problem.
    ``fast=False`` skips the first try (the tests compare the two).
    """
    date_col, close_col = _require_columns(file)
    keep, symbol, long = _selection(file, wanted_upper, exact, every)
    if fast and file.fmt == "csv":
        typed = _typed_csv(file, date_col, close_col, keep, symbol)
        if typed is not None:
            return typed
    lf = _scan(file)
    try:
        schema = lf.collect_schema()
        if keep is not None:
            lf = lf.filter(keep)
        lf = lf.select(_ROW, symbol.alias(_SYM), pl.col(date_col).alias(_DRAW), pl.col(close_col).alias(_CRAW), *_extra_exprs(file, schema))
        if file.fmt == "csv":
            lf = lf.filter(_not_blank(long))
        date_empty, date = _date_exprs(file, schema[date_col])
        close_empty, close_missing, close = _close_exprs(file, schema[close_col])
        contiguous = False
        if (long and keep is None) or exact is not None:
            read = lf.collect()
            if exact is not None and file.fmt == "parquet":  # the scan skipped the row groups outside the block's range
                read = read.filter(pl.col(_SYM).is_in(sorted(exact)))  # (eager: 5x cheaper than inside the scan)
            lf = read.lazy()
            contiguous = lf.select(pl.col(_SYM).is_sorted()).collect().item()
        previous = _previous_in_symbol(contiguous)
        lf = lf.with_columns(date.alias(_DATE), close.alias(_CLOSE)).with_columns(
            previous(_DATE).alias(_PREV_DATE),
            previous(_ROW).alias(_PREV_ROW),
        )
        problem = (
            pl.when(date_empty).then(_DATE_EMPTY)
            .when(pl.col(_DATE).is_null()).then(_DATE_BAD)
            .when(close_empty).then(_CLOSE_EMPTY)
            .when(close_missing).then(_CLOSE_MISSING)
            .when(pl.col(_CLOSE).is_null()).then(_CLOSE_NON_NUMERIC)
            .when(pl.col(_CLOSE).is_infinite()).then(_CLOSE_NON_FINITE)
            .when(pl.col(_CLOSE) <= 0).then(_CLOSE_NON_POSITIVE)
            .when(pl.col(_DATE) == pl.col(_PREV_DATE)).then(_DATE_DUPLICATE)
            .when(pl.col(_DATE) < pl.col(_PREV_DATE)).then(_DATE_UNSORTED)
            .otherwise(None)
            .cast(pl.Int8)
        )
        return lf.with_columns(problem.alias(_PROBLEM)).collect()
    except pl.exceptions.NoDataError as exc:
        raise DataError(f"empty file {file.path.name!r}", location=Location(path=str(file.path))) from exc
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise unreadable(file.path, file.fmt, exc) from exc


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


def _typed_csv(file: DataFile, date_col: str, close_col: str, keep: pl.Expr | None, symbol: pl.Expr) -> pl.DataFrame | None:
    """The common case of :func:`validated` for a CSV, two to three times faster:
    closes and opens parsed by the CSV reader, dates checked once per distinct text.

    It accepts only what the text path accepts and gives the same values: every distinct
    date is plain ``YYYY-MM-DD`` (the reader's own date parsing is laxer than the text
    path, so dates stay text here), every close a finite positive number the reader
    parsed (it parses numbers as the text path's cast does), every symbol's dates
    strictly ascending. Anything else, including a field the reader cannot parse, gives
    None: the caller reads the file as text, which reports the first bad row.
    """
    overrides = {date_col: pl.String, close_col: pl.Float64}
    extras = []
    for name in EXTRAS:
        column = _extra_column(file, name)
        if column is None or column in overrides:
            continue
        else:
            overrides[column] = pl.Float64
            extras.append(_usable(pl.col(column), name))
    lf = pl.scan_csv(file.path, infer_schema=False, schema_overrides=overrides, row_index_name=_ROW)
    if keep is not None:
        lf = lf.filter(keep)
    lf = lf.select(_ROW, symbol.alias(_SYM), pl.col(date_col).alias(_DRAW), pl.col(close_col).alias(_CRAW), *extras)
    try:
        rows = lf.collect()
    except (pl.exceptions.PolarsError, OSError):
        return None  # a field the reader cannot parse (or no rows at all): the text path says which
    close = rows[_CRAW]
    if close.null_count() or not close.is_finite().all() or not (close > 0).all():
        return None
    distinct = rows[_DRAW].unique()  # a null is a blank line or an empty date: the text path tells which
    if distinct.null_count() or not distinct.str.contains(_PLAIN_DATE).all():
        return None
    rows = rows.with_columns(_plausible(pl.col(_DRAW).str.to_date("%Y-%m-%d", strict=False, cache=False)).alias(_DATE), close.alias(_CLOSE))
    if rows[_DATE].null_count():
        return None
    previous = _previous_in_symbol(rows[_SYM].is_sorted())
    rows = rows.with_columns(previous(_DATE).alias(_PREV_DATE), previous(_ROW).alias(_PREV_ROW))
    if (rows[_DATE] <= rows[_PREV_DATE]).any():
        return None
    return rows.with_columns(pl.lit(None, dtype=pl.Int8).alias(_PROBLEM))


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
    if rows[_PROBLEM].null_count() == rows.height:  # the usual case, without filtering every row
        return
    bad = rows.filter(pl.col(_PROBLEM).is_not_null())
    first = bad.row(int(bad[_ROW].arg_min() or 0), named=True)
    symbol = first[_SYM] if long else None
    row, prev_row = int(first[_ROW]), first[_PREV_ROW]
    lines = _csv_lines(file.path, [row] + ([int(prev_row)] if prev_row is not None else []))

    def at(r: int) -> str:
        return f"line {lines[r]}" if file.fmt == "csv" else f"row {r}"

    for_symbol = f" for symbol {symbol!r}" if symbol is not None else ""
    draw, craw = first[_DRAW], first[_CRAW]
    date_text = str(draw).strip() if draw is not None else ""
    close_text = str(craw).strip() if craw is not None else ""
    code, hint = first[_PROBLEM], None
    if code == _DATE_EMPTY:
        message = f"missing date{for_symbol}: the {file.date!r} field is empty"
    elif code == _DATE_BAD:
        message = f"unparseable date {date_text!r}{for_symbol} (expected YYYY-MM-DD, years 1800-2200)"
    elif code == _CLOSE_EMPTY:
        message = f"missing close on {date_text!r}{for_symbol}: the {file.close!r} field is empty"
        hint = "drop the row or fill the close"
    elif code == _CLOSE_MISSING:
        message = f"missing close {close_text!r} on {date_text!r}{for_symbol}"
        if close_text == ".":
            message += " ('.' is how FRED marks holidays)"
        hint = "drop the row or fill the close"
    elif code == _CLOSE_NON_NUMERIC:
        message = f"non-numeric close {close_text!r} on {date_text!r}{for_symbol} (column {file.close!r})"
    elif code == _CLOSE_NON_FINITE:
        message = f"non-finite close {close_text!r} on {date_text!r}{for_symbol}"
    elif code == _CLOSE_NON_POSITIVE:
        message = f"non-positive close {close_text!r} on {date_text!r}{for_symbol} (closes must be > 0)"
    elif code == _DATE_DUPLICATE:
        message = f"duplicate date {str(first[_DATE])!r}{for_symbol}: also on {at(int(prev_row))}"
        hint = "keep one row per date"
    else:
        message = (
            f"dates out of order{for_symbol}: {str(first[_DATE])!r} comes after "
            f"{str(first[_PREV_DATE])!r} on {at(int(prev_row))}"
        )
        hint = "sort the rows by date, oldest first"
    if file.fmt == "csv":
        location = Location(path=str(file.path), line=lines[row])
    else:
        message = f"row {row} (0-based parquet row index): {message}"
        location = Location(path=str(file.path))
    raise DataError(message, location=location, hint=hint)


def _csv_lines(path: Path, rows: Sequence[int]) -> dict[int, int]:
    """Map 0-based data-row indexes (as polars counts them) to 1-based editor line numbers.

    Only called on the error path; a quoted field spanning lines shifts the count, so the
    file is re-read with :mod:`csv` rather than assuming ``row + 2``.
    """
    wanted, found = set(rows), {}
    try:
        with path.open(newline="", encoding="utf-8", errors="replace") as handle:
            reader = csv.reader(handle)
            next(reader, None)
            start = reader.line_num + 1
            for index, _ in enumerate(reader):
                if index in wanted:
                    found[index] = start
                    if len(found) == len(wanted):
                        break
                start = reader.line_num + 1
    except (OSError, csv.Error, UnicodeError):
        pass
    return {r: found.get(r, r + 2) for r in wanted}


def clean_rows(rows: pl.DataFrame) -> pl.DataFrame:
    """The validated rows as ``date, symbol, close`` and those of the :data:`EXTRAS` the file
    has (symbol still the file's value)."""
    return rows.select(
        pl.col(_DATE).alias("date"), pl.col(_SYM).alias("symbol"), pl.col(_CLOSE).alias("close"),
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
    ones are left out) and its number of rows."""
    date_col, _ = _require_columns(file)
    lf = _scan(file)
    try:
        schema = lf.collect_schema()
        _, parsed = _date_exprs(file, schema[date_col])
        dates = lf.select(pl.col(date_col).alias(_DRAW)).select(parsed.alias("date")).unique().drop_nulls().collect()
        rows = lf.select(pl.len()).collect().item()
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise unreadable(file.path, file.fmt, exc) from exc
    return dates.to_series().cast(pl.Date), int(rows)
