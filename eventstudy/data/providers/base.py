"""The provider interface: where daily history is downloaded from, and its registry.

A provider turns a symbol into a polars frame ``date, close`` (plus ``open, high, low,
volume`` when the source has them), one row per trading day, ascending. Built-in
providers are ``yahoo`` (through the optional ``yfinance`` package) and ``fred`` (FRED's
CSV endpoint, standard library only); installed packages add their own through the
``eventstudy.providers`` entry-point group::

    from eventstudy.data.providers import PROVIDERS, Provider

    @PROVIDERS.register("mysource")
    class MySource(Provider):
        name = "mysource"
        def fetch(self, remote, start, end): ...

Network failures raise :class:`OfflineError`, anything else the source refuses
:class:`ProviderError`; both are :class:`~eventstudy.errors.DataError`, so the CLI prints
one message and exits with code 2.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from eventstudy._polars import pl
from eventstudy.data.columns import EXTRAS
from eventstudy.errors import DataError
from eventstudy.registry import Registry

__all__ = [
    "IMPORT_INSTEAD",
    "PROVIDERS",
    "MissingPackageError",
    "OfflineError",
    "Provider",
    "ProviderError",
    "get_provider",
    "normalize_history",
]

PROVIDERS: Registry[type[Provider]] = Registry("provider", "eventstudy.providers")
"""Provider classes by name; ``eventstudy.providers`` entry points add more."""


class ProviderError(DataError):
    """A source refused or could not serve a symbol (unknown symbol, bad response, missing package)."""


class MissingPackageError(ProviderError):
    """The provider needs an optional package that is not installed: nothing can be
    pulled, so a command stops with the user-error exit code, as ``run --pull`` does."""


IMPORT_INSTEAD = "download a CSV elsewhere, 'eventstudy data import FILE --data-dir DIR', and run with --data-dir DIR"
"""What serves in place of a download that failed (the end of its hint)."""


class OfflineError(ProviderError):
    """The source could not be reached, or would not serve now (no network, DNS failure,
    timeout; a rate limit, a failure on its side): a later try may succeed, so a run that
    pulls reads what is cached, and ``data pull`` asks for no further symbol."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault(
            "hint",
            f"check the network connection and try again; without network, {IMPORT_INSTEAD}",
        )
        super().__init__(message, **kwargs)


class Provider:
    """A source of daily history. Subclasses set ``name`` and implement :meth:`fetch`.

    ``ALIASES`` maps common names (upper case) to the source's own symbols, e.g.
    ``{"SPX": "^GSPC"}``; the cache files a series under the name the user asked for.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    ALIASES: ClassVar[dict[str, str]] = {}

    def remote_symbol(self, symbol: str) -> str:
        """The source's symbol for ``symbol`` (an alias, any letter case, or the name itself)."""
        return self.ALIASES.get(symbol.strip().upper(), symbol.strip())

    def fetch(self, remote: str, start: dt.date | None, end: dt.date | None) -> pl.DataFrame:
        """Download ``remote`` between ``start`` and ``end`` (inclusive; ``None`` = open).

        Returns a frame with ``date`` and ``close`` and any of :data:`~eventstudy.data.columns.EXTRAS`;
        :meth:`download` cleans it up.
        """
        raise NotImplementedError

    def download(self, symbol: str, start: dt.date | None = None, end: dt.date | None = None) -> pl.DataFrame:
        """Daily history of ``symbol`` (alias resolved), cleaned by :func:`normalize_history`.

        Examples
        --------
        >>> frame = get_provider("fred").download("SP500", dt.date(2024, 1, 1))  # doctest: +SKIP
        >>> frame.columns  # doctest: +SKIP
        ['date', 'close']
        """
        remote = self.remote_symbol(symbol)
        frame = self.fetch(remote, start, end)
        return normalize_history(frame, f"{self.name} {remote!r}", start, end)


def get_provider(name: str) -> Provider:
    """An instance of the provider registered as ``name`` (unknown names get a suggestion).

    Examples
    --------
    >>> get_provider("yahoo").remote_symbol("SPX")
    '^GSPC'
    """
    return PROVIDERS.get(name)()


def normalize_history(
    frame: pl.DataFrame, what: str, start: dt.date | None = None, end: dt.date | None = None
) -> pl.DataFrame:
    """``date, close[, open, high, low, volume]``: typed, in range, ascending, one row per date.

    Dates are read as every door reads them: a datetime as its own day in its time zone,
    ``YYYY-MM-DD`` text (a time part allowed), years 1800-2200. Rows without a close
    (null, NaN, infinite) are dropped: sources mark holidays that way (FRED's ``.``). A
    close at or below 0 is a value, not a missing day (a spread or a rate that crosses
    0): it is refused, as every other door refuses it, rather than dropped.
    A repeated date keeps its last row (the source's correction).

    Raises
    ------
    ProviderError
        No ``date``/``close`` column, a date that is not one, a close at or below 0, or
        no usable row in the range.
    """
    for column in ("date", "close"):
        if column not in frame.columns:
            raise ProviderError(f"{what} returned no {column!r} column (got {frame.columns!r})")
    extra = [c for c in EXTRAS if c in frame.columns and frame[c].null_count() < frame.height]
    date = _dates(frame, what)
    out = frame.select(
        date.alias("date"),
        *(pl.col(c).cast(pl.Float64).fill_nan(None).alias(c) for c in ("close", *extra)),
    ).filter(pl.col("date").is_not_null() & pl.col("close").is_finite())
    if start is not None:
        out = out.filter(pl.col("date") >= start)
    if end is not None:
        out = out.filter(pl.col("date") <= end)
    _refuse_non_positive(out, what)
    out = out.unique("date", keep="last").sort("date")
    if out.is_empty():
        when = ""
        if start is not None or end is not None:
            when = f" between {start.isoformat() if start else 'the start'} and {end.isoformat() if end else 'today'}"
        raise ProviderError(f"{what} returned no prices{when}", hint="check the symbol (and the provider)")
    return out


def _refuse_non_positive(frame: pl.DataFrame, what: str) -> None:
    """A close at or below 0 stops the download, as it stops a data file and an import:
    dropping those rows filed a spread without the days it crossed 0 (FRED's T10Y2Y lost
    its whole inversion, and 'T10Y2Y < 0' never held)."""
    bad = frame.filter(pl.col("close") <= 0).sort("date")
    if bad.is_empty():
        return
    date, close = bad.row(0)[:2]
    more = f" (and {bad.height - 1:,} more, the last on {bad['date'][-1]})" if bad.height > 1 else ""
    raise ProviderError(
        f"{what} returned a close at or below 0: {close:g} on {date}{more}; closes must be above 0",
        hint=(
            "every series is read as prices (returns, drawdowns and highs divide by them), so a spread or a rate that "
            "crosses 0 cannot be one: pull its legs and compare them in the condition, e.g. 'DGS10 - DGS2 < 0' "
            "in place of T10Y2Y"
        ),
    )


def _dates(frame: pl.DataFrame, what: str) -> pl.Expr:
    """The ``date`` column as dates by the rule of every other door
    (:func:`~eventstudy.data.validate.date_values`): a datetime's own day in its time zone
    (a cast to Date took the UTC day: Tokyo's 2024-01-02 00:00 read as 2024-01-01),
    ``YYYY-MM-DD`` text, years 1800-2200; a value that is none of these is an error, not a
    dropped row."""
    from eventstudy.data.validate import date_values  # validate is not needed to list providers

    hint = "a provider returns dates as a date or datetime column, or as 'YYYY-MM-DD' text, years 1800-2200"

    try:
        _, parsed = date_values(pl.col("date"), frame.schema["date"], "date", what, None)
    except DataError as exc:
        raise ProviderError(exc.message, hint=hint) from None
    bad = frame.select(pl.col("date"), parsed.alias("parsed")).filter(pl.col("date").is_not_null() & pl.col("parsed").is_null())
    if bad.height:
        more = f" (and {bad.height - 1:,} more)" if bad.height > 1 else ""
        raise ProviderError(f"{what} returned an unreadable date {str(bad['date'][0])!r}{more}", hint=hint)
    return parsed
