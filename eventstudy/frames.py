"""Prices already in memory: ``eventstudy.run(study, data={"SPX": frame})``.

A notebook often has the closes in a polars or pandas frame already. Each frame is
checked as a data file would be (a date and a close column, under the same accepted
names; dates parseable; closes positive and finite; no date twice), with one message
naming the frame, the row and what would be valid, then turned into the long
``date, symbol, close, open`` frame the pipeline reads. Rows out of date order are
sorted (a frame has no line numbers to point at).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from eventstudy.data import ACCEPTED_COLUMNS, EXTRAS, as_dates, pick_column, usable_extra
from eventstudy.errors import DataError

__all__ = ["prices_from_frames"]


def prices_from_frames(data: Mapping[str, object], symbols: Sequence[str], names: Mapping[str, str] | None = None) -> pl.DataFrame:
    """The long prices of ``symbols`` from ``data`` (keyed by symbol, or by the series
    name ``names`` maps to that symbol): ``date, symbol, close, open``, by symbol and date."""
    by_name = {symbol: name for name, symbol in (names or {}).items()}
    parts = []
    for symbol in symbols:
        key = symbol if symbol in data else by_name.get(symbol)
        if key is None or key not in data:
            given = ", ".join(repr(k) for k in data) or "nothing"
            raise DataError(f"no frame for {symbol!r} in data= (it holds {given})", hint="key each frame by the series' symbol")
        parts.append(_frame(data[key], key).with_columns(pl.lit(symbol, pl.String).alias("symbol")))
    return pl.concat(parts).select("date", "symbol", "close", *EXTRAS).sort("symbol", "date")


def _frame(value: object, key: str) -> pl.DataFrame:
    """One frame, validated, as ``date, close, open``."""
    where = f"data[{key!r}]"
    frame = _as_polars(value, where)
    date_col = pick_column(frame.columns, ACCEPTED_COLUMNS["date"])
    close_col = pick_column(frame.columns, ACCEPTED_COLUMNS["close"])
    for role, column in (("date", date_col), ("close", close_col)):
        if column is None:
            accepted = ", ".join(repr(n) for n in ACCEPTED_COLUMNS[role])
            raise DataError(f"{where} has no {role} column (columns: {', '.join(frame.columns) or 'none'})", hint=f"name it one of {accepted} (any letter case)")
    assert date_col is not None and close_col is not None
    if frame.is_empty():
        raise DataError(f"{where} has no rows")
    dates = _dates(frame[date_col], where)
    closes = frame[close_col].cast(pl.Float64, strict=False) if frame[close_col].dtype != pl.String else frame[close_col].str.strip_chars().cast(pl.Float64, strict=False)
    bad = (closes.is_null() | closes.is_nan() | closes.is_infinite() | (closes <= 0)).fill_null(True)
    if bad.any():
        row = int(bad.arg_max())
        raise DataError(
            f"{where}: row {row} has close {frame[close_col][row]!r}",
            hint="closes must be positive finite numbers; drop missing days instead of leaving them empty",
        )
    columns = {name: pick_column(frame.columns, (name,)) for name in EXTRAS}
    extras = frame.with_columns(  # optional: a number that is not a usable price (or volume) is null that day
        usable_extra(pl.col(c).cast(pl.Float64, strict=False), name) if c is not None else pl.lit(None, dtype=pl.Float64).alias(name)
        for name, c in columns.items()
    ).select(EXTRAS)
    out = pl.DataFrame({"date": dates, "close": closes}).hstack(extras).sort("date")
    repeated = out["date"].is_duplicated()
    if repeated.any():
        raise DataError(f"{where}: the date {out['date'].filter(repeated)[0]} appears more than once", hint="one close per date")
    return out


def _as_polars(value: object, where: str) -> pl.DataFrame:
    if isinstance(value, pl.LazyFrame):
        return value.collect()
    if isinstance(value, pl.DataFrame):
        return value
    module = type(value).__module__.split(".")[0]
    if module == "pandas" and hasattr(value, "reset_index"):
        frame: Any = value  # a pandas DataFrame (pandas is never imported here)
        index = getattr(frame, "index", None)
        if index is not None and str(getattr(index, "dtype", "")).startswith("datetime"):  # a date index becomes a column
            frame = (frame.rename_axis("date") if index.name is None else frame).reset_index()
        return pl.from_pandas(frame)
    raise DataError(f"{where} is a {type(value).__name__}, not a polars or pandas DataFrame")


def _dates(column: pl.Series, where: str) -> pl.Series:
    """``column`` as dates, as the data files' are read (:func:`eventstudy.data.as_dates`)."""
    dates = as_dates(column)
    if dates is None:
        raise DataError(f"{where}: the date column {column.name!r} holds {column.dtype}, not dates", hint="dates, datetimes or 'YYYY-MM-DD' text")
    if dates.null_count():
        row = int(dates.is_null().arg_max())  # type: ignore[arg-type]
        raise DataError(f"{where}: row {row} has date {column[row]!r}", hint="dates, datetimes or 'YYYY-MM-DD' text, years 1800-2200")
    return dates.alias("date")
