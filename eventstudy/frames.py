"""Prices already in memory: ``eventstudy.run(study, data={"SPX": frame})``.

A notebook often has the closes in a polars or pandas frame already. Each frame is
checked by the rule every way prices come in applies
(:func:`eventstudy.data.validate.check_prices`: a date and a close column, under the
same accepted names; dates parseable, 1800-2200; closes positive and finite; optional
columns finite and not negative where given; no date twice), with one message naming
the frame, the row, the value and what would be valid (``data['SPX'] row 3: ...``),
then turned into the long ``date, symbol, close, open, high, low, volume`` frame the
pipeline reads. Rows out of date order are sorted (a frame has no line numbers to
point at; a data file's rows out of order are refused).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from eventstudy.data import ACCEPTED_COLUMNS, EXTRAS, pick_column, twin_columns
from eventstudy.data.validate import Origin, check_prices
from eventstudy.errors import DataError

__all__ = ["prices_from_frames"]


def prices_from_frames(data: Mapping[str, object], symbols: Sequence[str], names: Mapping[str, str] | None = None) -> pl.DataFrame:
    """The long prices of ``symbols`` from ``data`` (keyed by symbol, or by the series
    name ``names`` maps to that symbol): ``date, symbol, close, open``, by symbol and date."""
    if not isinstance(data, Mapping):  # a frame's 'in' reads its column names, a list's its items: say what is wanted
        example = ", ".join(f"{s!r}: {s.lower()}_frame" for s in symbols[:2])
        raise DataError(f"data= is a {type(data).__name__}, not a mapping of symbol to frame", hint=f"key each frame by the series' symbol: data={{{example}}}")
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
    """One frame, checked by the rule every door applies (:func:`eventstudy.data.validate.check_prices`),
    as ``date, close`` and the optional columns, by date."""
    where = f"data[{key!r}]"
    frame = _as_polars(value, where)
    twins = twin_columns(frame.columns)
    if twins is not None:
        role, first, second = twins
        raise DataError(f"{where} has two {role} columns, {first!r} and {second!r}: which one holds the {role} is not guessed",
                        hint="drop or rename one of them (column names are read in any letter case)")
    date_col = pick_column(frame.columns, ACCEPTED_COLUMNS["date"])
    close_col = pick_column(frame.columns, ACCEPTED_COLUMNS["close"])
    for role, column in (("date", date_col), ("close", close_col)):
        if column is None:
            accepted = ", ".join(repr(n) for n in ACCEPTED_COLUMNS[role])
            raise DataError(f"{where} has no {role} column (columns: {', '.join(frame.columns) or 'none'})", hint=f"name it one of {accepted} (any letter case)")
    assert date_col is not None and close_col is not None
    if frame.is_empty():
        raise DataError(f"{where} has no rows")
    columns = {"date": date_col, "close": close_col}
    columns.update({name: c for name in EXTRAS if (c := pick_column(frame.columns, (name,))) is not None and c not in (date_col, close_col)})
    canonical = frame.select(pl.col(column).alias(role) for role, column in columns.items())
    checked = check_prices(canonical, Origin(where), order="sort", labels=columns)
    return checked.with_columns(pl.lit(None, dtype=pl.Float64).alias(name) for name in EXTRAS if name not in checked.columns)


def _as_polars(value: object, where: str) -> pl.DataFrame:
    if isinstance(value, pl.LazyFrame):
        return value.collect()
    if isinstance(value, pl.DataFrame):
        return value
    module = type(value).__module__.split(".")[0]
    if module == "pandas" and hasattr(value, "reset_index"):
        frame: Any = value  # a pandas DataFrame (pandas is never imported here)
        levels = getattr(getattr(frame, "columns", None), "nlevels", 1)
        if levels > 1:  # yfinance.download's (Price, Ticker): read as "no date column (columns: ('date', ''), ('Close', '^GSPC'))"
            named = [tuple(column) for column in frame.columns]
            shown = ", ".join(repr(column) for column in named[:3]) + (", ..." if len(named) > 3 else "")
            tickers = list(dict.fromkeys(column[1] for column in named))
            raise DataError(
                f"{where} has columns on {levels} levels ({shown}), as yfinance.download gives them: which one is the close is not guessed",
                hint=f"give one level of columns: frame.xs({tickers[0]!r}, axis=1, level=1) picks one ticker's"
                + (", or frame.droplevel(1, axis=1) drops the only one" if len(tickers) == 1 else ""),
            )
        index = getattr(frame, "index", None)
        name = getattr(index, "name", None)
        date_named = isinstance(name, str) and pick_column([name], ACCEPTED_COLUMNS["date"]) is not None  # its text or dates checked as a column's
        if index is not None and (date_named or str(getattr(index, "dtype", "")).startswith("datetime")):  # a date index becomes a column
            column = pick_column([str(c) for c in frame.columns], ACCEPTED_COLUMNS["date"])
            if column is not None and (name is None or date_named):  # pandas' "cannot insert date, already exists", or two date columns
                raise DataError(
                    f"{where} has a date index and a date column {column!r}: which one holds the dates is not guessed",
                    hint=f"drop one of them: frame.reset_index(drop=True) drops the index, frame.drop(columns={column!r}) the column",
                )
            frame = (frame.rename_axis("date") if name is None else frame).reset_index()
        return pl.from_pandas(frame)
    raise DataError(f"{where} is a {type(value).__name__}, not a polars or pandas DataFrame")
