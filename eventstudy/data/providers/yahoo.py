"""Yahoo Finance through ``yfinance`` (an optional extra: ``pip install 'eventstudy[yahoo]'``).

``yfinance`` is imported only when a download is asked for, so the rest of eventstudy
works without it. The provider asks for unadjusted daily bars (``auto_adjust=False``)
and keeps Yahoo's ``Close`` (for indices, the published level). Yahoo stores index
levels as 32-bit floats (``6173.06982421875``), so each level of a ``^`` symbol is read
back as the shortest decimal that 32-bit float stands for, the published value:
``6173.07``, and ``4.237`` for the 10-year yield ``^TNX`` (``4.236999988555908``), whose
quotes have three decimals.

Yahoo's ``Close`` of a stock is adjusted for splits (not dividends): after a split the
whole history changes, which the cache notices on its next pull and re-downloads.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any, ClassVar

import polars as pl

from eventstudy.data.providers.base import (
    IMPORT_INSTEAD,
    PROVIDERS,
    MissingPackageError,
    OfflineError,
    Provider,
    ProviderError,
)

__all__ = ["Yahoo", "frame_from_history", "published_levels"]

_COLUMNS = {"Open": "open", "High": "high", "Low": "low", "Close": "close", "Volume": "volume"}


@PROVIDERS.register("yahoo")
class Yahoo(Provider):
    """Yahoo Finance daily history via yfinance; ``SPX`` -> ``^GSPC`` and other index aliases."""

    name = "yahoo"
    description = "Yahoo Finance via yfinance (optional extra eventstudy[yahoo]); index aliases SPX, RUT, NDX, DJI"
    ALIASES: ClassVar[dict[str, str]] = {"SPX": "^GSPC", "RUT": "^RUT", "NDX": "^NDX", "DJI": "^DJI"}

    def fetch(self, remote: str, start: dt.date | None, end: dt.date | None) -> pl.DataFrame:
        yf = _yfinance()
        options: dict[str, Any] = {
            "interval": "1d", "auto_adjust": False, "actions": False, "raise_errors": True, "timeout": 30,
        }
        if start is None and end is None:
            options["period"] = "max"
        else:
            if start is not None:
                options["start"] = start.isoformat()
            if end is not None:
                options["end"] = (end + dt.timedelta(days=1)).isoformat()  # yfinance's end is exclusive
        try:
            with _quiet():
                history = yf.Ticker(remote).history(**options)
        except OSError as exc:  # requests' and curl_cffi's connection errors are OSErrors
            raise OfflineError(f"cannot reach yahoo finance for {remote!r}: {_first_line(exc)}") from None
        except Exception as exc:
            if _rate_limited(exc):
                raise OfflineError(
                    f"yahoo finance refused to answer for {remote!r}: too many requests ({_first_line(exc)})",
                    hint=f"Yahoo limits how often it answers: wait a few minutes and pull again; meanwhile, {IMPORT_INSTEAD}",
                ) from None
            raise ProviderError(
                f"yahoo finance has no daily prices for {remote!r}: {_first_line(exc)}",
                hint="check the symbol as Yahoo spells it, e.g. '^GSPC', 'AAPL', 'BTC-USD'",
            ) from None
        frame = frame_from_history(history, remote)
        if remote.startswith("^"):
            prices = [c for c in ("open", "high", "low", "close") if c in frame.columns]
            frame = frame.with_columns(published_levels(pl.col(prices)))
        return frame


def published_levels(levels: pl.Expr) -> pl.Expr:
    """Levels Yahoo keeps as 32-bit floats, as the shortest decimals those floats stand
    for: the published quotes, whatever their decimals (rounding to 2 read ``^TNX``'s
    4.237 as 4.24, and ``^IRX``'s 0.003 as 0.0).

    Examples
    --------
    >>> pl.DataFrame({"close": [6173.06982421875, 4.236999988555908, 0.003000000026077032]}).select(
    ...     published_levels(pl.col("close"))
    ... )["close"].to_list()
    [6173.07, 4.237, 0.003]
    """
    return levels.cast(pl.Float32).cast(pl.String).cast(pl.Float64)


def frame_from_history(history: Any, remote: str) -> pl.DataFrame:
    """A polars frame from yfinance's pandas history (index = dates, ``Open .. Volume``).

    Only the frame's ``index``, ``columns``, ``empty`` and ``frame[col].tolist()`` are
    used, so neither pandas nor pyarrow is needed here.
    """
    if history is None or getattr(history, "empty", True):
        raise ProviderError(
            f"yahoo finance returned no prices for {remote!r}",
            hint="check the symbol as Yahoo spells it, e.g. '^GSPC', 'AAPL', 'BTC-USD'",
        )
    dates = [_as_date(stamp) for stamp in history.index]
    data: dict[str, list[Any]] = {"date": dates}
    for source, target in _COLUMNS.items():
        if source in list(history.columns):
            data[target] = [None if v is None else float(v) for v in history[source].tolist()]
    if "close" not in data:
        raise ProviderError(f"yahoo finance returned no 'Close' column for {remote!r} (got {list(history.columns)!r})")
    return pl.DataFrame(data, schema={"date": pl.Date, **{k: pl.Float64 for k in data if k != "date"}})


def _rate_limited(exc: BaseException) -> bool:
    """Whether yfinance's error is Yahoo's rate limit (its ``YFRateLimitError``, 'Too Many
    Requests. Rate limited. Try after a while.'), which is no word on the symbol."""
    text = str(exc).lower()
    return any(cls.__name__ == "YFRateLimitError" for cls in type(exc).__mro__) or "too many requests" in text or "rate limited" in text


def _as_date(stamp: Any) -> dt.date:
    """A calendar date from a pandas Timestamp / datetime (exchange-local) or a date."""
    if isinstance(stamp, dt.datetime):
        return stamp.date()
    if isinstance(stamp, dt.date):
        return stamp
    return stamp.date()


def _yfinance() -> ModuleType:
    """The yfinance module, or a clear error saying how to install it."""
    try:
        return importlib.import_module("yfinance")
    except ImportError:
        raise MissingPackageError(
            "the 'yahoo' provider needs the optional package 'yfinance', which is not installed",
            hint="pip install 'eventstudy[yahoo]' (or pip install yfinance); or use --data-dir / 'eventstudy data import' with a CSV",
        ) from None


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence yfinance's own error logging during a call (its errors are raised to us)."""
    logger = logging.getLogger("yfinance")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


def _first_line(exc: BaseException) -> str:
    """The gist of an exception: its first line, without curl's boilerplate."""
    text = str(exc).strip()
    if not text:
        return type(exc).__name__
    text = text.splitlines()[0]
    text = re.sub(r"^Failed to perform, curl: \(\d+\) ", "", text)
    return re.sub(r"\.? See https?://\S+.*$", "", text)
