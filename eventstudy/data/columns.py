"""The column vocabulary: what a price file's columns may be called, and what a missing value looks like.

One table for every reader. A data-directory file (read by ``run``, ``validate``,
``data check`` and universes) names its columns with :data:`ACCEPTED_COLUMNS`, matched
ignoring case and surrounding whitespace by :func:`pick_column`; when several candidates
for one role are present, the first in the table's order wins (``Close`` before ``Adj
Close``). A downloaded export (``eventstudy data import``) may use those names and the
export spellings of :data:`EXPORT_ALIASES` (FRED's ``observation_date``, localized
headers), matched by :func:`header_key`, which also drops Stooq's ``<>`` and turns ``_``
into a space.

Missing values: :data:`MISSING_VALUES` are read as a *missing* close everywhere (not a
malformed one); an export's importer also drops rows marked ``-`` / ``--`` or left empty
(:data:`EXPORT_MISSING_VALUES`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from eventstudy._polars import pl

__all__ = [
    "ACCEPTED_COLUMNS",
    "ADJUSTED_CLOSE_COLUMNS",
    "CLOSE_COLUMNS",
    "DATE_COLUMNS",
    "EXPORT_ALIASES",
    "EXPORT_MISSING_VALUES",
    "EXTRAS",
    "MISSING_VALUES",
    "PRICE_SCHEMA",
    "SYMBOL_COLUMNS",
    "export_names",
    "header_key",
    "missing_extra_hint",
    "pick_column",
    "pick_index",
    "shown_columns",
    "twin_columns",
    "yfinance_header",
]

DATE_COLUMNS: tuple[str, ...] = ("date", "datetime", "timestamp", "time", "day")
"""Accepted names of the date column, in order of preference."""

SYMBOL_COLUMNS: tuple[str, ...] = ("symbol", "ticker", "name", "code")
"""Accepted names of the symbol column of a long file, in order of preference."""

ADJUSTED_CLOSE_COLUMNS: tuple[str, ...] = ("adj close", "adj_close", "adjclose", "adjusted_close")
"""Names of a close adjusted for dividends and splits: a data file's fallback close, an
export's second candidate (the importer asks which one is meant)."""

CLOSE_COLUMNS: tuple[str, ...] = ("close", *ADJUSTED_CLOSE_COLUMNS, "price", "value", "last")
"""Accepted names of the close column, in order of preference (``close`` first)."""

ACCEPTED_COLUMNS: dict[str, tuple[str, ...]] = {
    "date": DATE_COLUMNS,
    "symbol": SYMBOL_COLUMNS,
    "close": CLOSE_COLUMNS,
}
"""Header names accepted per role, matched ignoring case and surrounding whitespace;
the first name present in this order is used."""

EXTRAS: tuple[str, ...] = ("open", "high", "low", "volume")
"""Optional columns carried beside the close when a file (or a provider's source) has
them, in this order: the open (entries at the next day's open, gaps) and the day's high,
low and volume (the features ``day_high``, ``day_low``, ``volume``). Data sets often lack
some, so a missing one (empty, a missing-value marker, null, NaN) is null that day, and so
is an open, high or low of 0; a value that is given must be a finite number not below 0,
else the row is refused like a bad close (:mod:`eventstudy.data.validate`)."""



def missing_extra_hint(column: str) -> str:
    """The hint of an error refusing a study that reads the day's ``column`` (one of
    :data:`EXTRAS`) where the data has none: the run's, validate's, a universe's alike."""
    return f"use data files with {'an' if column[0] in 'aeiou' else 'a'} {column} column (eventstudy data import keeps open, high, low and volume)"


if TYPE_CHECKING:
    PRICE_SCHEMA: dict[str, pl.DataType]
    """The long price frame every loader returns (built with polars on first use: see :func:`__getattr__`)."""


@cache
def _price_schema() -> dict[str, pl.DataType]:
    return {"date": pl.Date(), "symbol": pl.String(), "close": pl.Float64(), **{n: pl.Float64() for n in EXTRAS}}


def __getattr__(name: str) -> Any:
    """``PRICE_SCHEMA``, built on first use: validating a study imports this module (for
    the providers' column names) and needs no polars (:mod:`eventstudy._polars`)."""
    if name == "PRICE_SCHEMA":
        return _price_schema()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


MISSING_VALUES: tuple[str, ...] = (".", "nan", "na", "n/a", "null", "none", "#n/a")
"""Texts (any case) read as a *missing* close, not a malformed one; ``.`` is FRED's holiday marker."""

EXPORT_MISSING_VALUES: tuple[str, ...] = ("", *MISSING_VALUES, "-", "--")
"""What an export's importer reads as no value (the row is dropped when it is the close):
:data:`MISSING_VALUES`, an empty field, and the dashes some exports print."""

EXPORT_ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("observation date", "datum", "fecha", "data"),
    "close": ("close/last", "closing price", "schluss", "schlusskurs", "zuletzt", "clôture", "dernier", "cierre",
              "último", "ultimo", "chiusura", "zamkniecie"),
    "adjusted close": ("adjusted close", "adj. close"),
    "open": ("eröffnung", "eröffn", "ouverture", "ouv", "apertura", "otwarcie"),
    "high": ("hoch", "plus haut", "haut", "máximo", "max", "massimo", "najwyzszy"),
    "low": ("tief", "plus bas", "bas", "mínimo", "min", "minimo", "najnizszy"),
    "volume": ("vol", "volumen", "wolumen"),
    "period": ("per", "period"),
    "ignored": ("time", "openint", "change %", "change", "var. %", "+/- %", "% var", "zmiana"),
}
"""Header spellings of downloaded exports beyond :data:`ACCEPTED_COLUMNS`, as
:func:`header_key` normalizes them: FRED's, Nasdaq's and the German, French, Spanish,
Italian and Polish headers of localized exports (Investing, Stooq, brokers). ``period``
is Stooq's ``<PER>`` (must say daily); ``ignored`` columns are known and left out."""

_DATA_FILE_NAMES: dict[str, tuple[str, ...]] = {
    **ACCEPTED_COLUMNS,
    "close": tuple(n for n in CLOSE_COLUMNS if n not in ADJUSTED_CLOSE_COLUMNS),
    "adjusted close": ADJUSTED_CLOSE_COLUMNS,
    **{name: (name,) for name in EXTRAS},
}


def export_names(role: str) -> tuple[str, ...]:
    """The header keys an export may use for ``role``: a data file's names, then the
    export spellings, all as :func:`header_key` normalizes them, in order of preference.

    Examples
    --------
    >>> export_names("date")[:3], export_names("adjusted close")
    (('date', 'datetime', 'timestamp'), ('adj close', 'adjclose', 'adjusted close', 'adj. close'))
    """
    names = (*_DATA_FILE_NAMES.get(role, ()), *EXPORT_ALIASES.get(role, ()))
    return tuple(dict.fromkeys(header_key(n) for n in names))


def pick_column(columns: Sequence[str], accepted: Sequence[str]) -> str | None:
    """The first column, in ``accepted`` order, whose name (ignoring case, surrounding
    whitespace and a byte-order mark) is accepted.

    Examples
    --------
    >>> pick_column(["Date", " Adj Close", "Close "], CLOSE_COLUMNS)
    'Close '
    """
    index = pick_index([name.lstrip("\ufeff").strip().lower() for name in columns], accepted)
    return None if index is None else columns[index]


def twin_columns(columns: Sequence[str]) -> tuple[str, str, str] | None:
    """``(role, a, b)`` for two columns that :func:`pick_column` would read as the same one
    (``'Close'`` beside ``'close'``: their names differ only in letter case or the spaces
    around them), for the date, symbol, close or an optional price: which one holds it is
    not guessed. None when every role has at most one.

    Examples
    --------
    >>> twin_columns(["date", "Close", "close "]), twin_columns(["date", "close", "Adj Close"])
    (('close', 'Close', 'close '), None)
    """
    keys = [name.lstrip("\ufeff").strip().lower() for name in columns]
    roles = {"date": DATE_COLUMNS, "symbol": SYMBOL_COLUMNS, "close": CLOSE_COLUMNS, **{name: (name,) for name in EXTRAS}}
    for role, accepted in roles.items():
        index = pick_index(keys, accepted)
        if index is not None:
            same = [columns[i] for i, key in enumerate(keys) if key == keys[index]]
            if len(same) > 1:
                return role, same[0], same[1]
    return None


def pick_index(keys: Sequence[str], accepted: Sequence[str]) -> int | None:
    """The position of the first of ``keys`` (normalized names) that is accepted, taking
    ``accepted`` in order of preference: the one rule of column picking."""
    for name in accepted:
        if name in keys:
            return list(keys).index(name)
    return None


def yfinance_header(rows: Sequence[Sequence[str]]) -> bool:
    """Whether a CSV file's first three rows (their fields) are the header yfinance's
    ``download(...).to_csv()`` writes on three lines: ``Price,Close,...``,
    ``Ticker,SPY,...`` and ``Date,,,`` (the date's name alone). The importer reads it as one
    header; the data directory's loader names it, with the import that reads it.

    >>> yfinance_header([["Price", "Close"], ["Ticker", "SPY"], ["Date", ""]]), yfinance_header([["date", "close"]])
    (True, False)
    """
    if len(rows) < 3 or not all(rows[:3]):
        return False
    price, ticker, date = rows[:3]
    return (header_key(price[0]), header_key(ticker[0])) == ("price", "ticker") and header_key(date[0]) in export_names("date") and not any(
        f.strip() for f in date[1:]
    )


def header_key(header: str) -> str:
    """An export's header normalized for matching: ``' <Adj_Close> '`` -> ``'adj close'``.

    Examples
    --------
    >>> header_key(' <Adj_Close> '), header_key('Vol.')
    ('adj close', 'vol')
    """
    text = header.strip().lstrip("\ufeff").strip().strip('"').strip().strip("<>").strip()
    return re.sub(r"[\s_]+", " ", text.lower()).rstrip(".").strip()


_HEADER_NAME = re.compile(r"^[\w .%()/&+-]{1,40}$")


def shown_columns(columns: Sequence[str], most: int = 12) -> str:
    """A file's header as an error shows it: names that look like column names, and no
    more. A file that is not a data file (a symlink to /etc/passwd, a binary) is not
    echoed into a message or a log.

    Examples
    --------
    >>> shown_columns(["date", "close"]), shown_columns(["root:x:0:0:root:/root:/bin/bash"])
    ("['date', 'close']", '(1 fields that do not look like column names: not a data file?)')
    """
    names = list(columns)
    if not names or not all(_HEADER_NAME.match(n) for n in names):
        return f"({len(names)} fields that do not look like column names: not a data file?)"
    shown = ", ".join(repr(n) for n in names[:most])
    return f"[{shown}{', ...' if len(names) > most else ''}]"
