"""FRED (Federal Reserve Economic Data) through its public CSV endpoint, standard library only.

``https://fred.stlouisfed.org/graph/fredgraph.csv?id=SERIES`` answers with two columns,
``observation_date,SERIES`` (older answers: ``DATE,SERIES``), missing days written ``.``
or left empty. Symbols are FRED series ids (``SP500``, ``NASDAQCOM``, ``DJIA``,
``DGS10``, ``DCOILWTICO``, ...); FRED's S&P 500 and Dow series cover only the last ten
years (licensing), while many rates and commodity series go back decades.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import IO, TYPE_CHECKING
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode

import polars as pl

from eventstudy.data.columns import EXPORT_MISSING_VALUES
from eventstudy.data.providers.base import (
    IMPORT_INSTEAD,
    PROVIDERS,
    OfflineError,
    Provider,
    ProviderError,
)

if TYPE_CHECKING:
    from urllib.request import Request

__all__ = ["FRED_URL", "Fred", "parse_fred_csv"]

FRED_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
"""The CSV endpoint; ``id`` names the series, ``cosd`` / ``coed`` bound the dates."""

_TIMEOUT = 60.0


def urlopen(request: Request, timeout: float) -> IO[bytes]:
    """:func:`urllib.request.urlopen`, imported at the first download: urllib.request
    (http.client, ssl, email) costs 10 ms, and every ``validate`` imports this module."""
    from urllib.request import urlopen as open_url

    return open_url(request, timeout=timeout)


@PROVIDERS.register("fred")
class Fred(Provider):
    """FRED series by id, e.g. ``SP500`` (10 years), ``NASDAQCOM`` (from 1971), ``DGS10``."""

    name = "fred"
    description = "FRED series by id (fredgraph.csv); daily values, '.' days dropped"

    def remote_symbol(self, symbol: str) -> str:
        """FRED ids are upper case; no aliases."""
        return symbol.strip().upper()

    def fetch(self, remote: str, start: dt.date | None, end: dt.date | None) -> pl.DataFrame:
        from http.client import HTTPException
        from urllib.request import Request

        params = {"id": remote}
        if start is not None:
            params["cosd"] = start.isoformat()
        if end is not None:
            params["coed"] = end.isoformat()
        url = f"{FRED_URL}?{urlencode(params)}"
        request = Request(url, headers={"User-Agent": "eventstudy (https://pypi.org/project/eventstudy)"})
        try:
            with urlopen(request, timeout=_TIMEOUT) as response:
                body = response.read()
        except HTTPError as exc:
            if exc.code in (400, 404):
                raise ProviderError(
                    f"fred has no series {remote!r} (HTTP {exc.code})",
                    hint="FRED ids are listed at fred.stlouisfed.org, e.g. 'SP500', 'NASDAQCOM', 'DGS10'",
                ) from None
            if exc.code == 429:
                raise OfflineError(
                    f"fred refused to answer for {remote!r}: too many requests (HTTP 429)",
                    hint=f"FRED limits how often it answers: wait a minute and pull again; meanwhile, {IMPORT_INSTEAD}",
                ) from None
            if exc.code >= 500:
                raise OfflineError(
                    f"fred answered HTTP {exc.code} for {remote!r}: {exc.reason} (a failure on FRED's side)",
                    hint=f"try again later; meanwhile, {IMPORT_INSTEAD}",
                ) from None
            raise ProviderError(f"fred answered HTTP {exc.code} for {remote!r}: {exc.reason}") from None
        except (URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise OfflineError(f"cannot reach fred.stlouisfed.org for {remote!r}: {reason}") from None
        except HTTPException as exc:  # the connection dropped mid-answer (IncompleteRead): a part is no history
            raise OfflineError(
                f"fred.stlouisfed.org's answer for {remote!r} was cut off ({type(exc).__name__}): nothing was kept",
                hint=f"pull again; without network, {IMPORT_INSTEAD}",
            ) from None
        return parse_fred_csv(body, remote)


def parse_fred_csv(body: bytes, remote: str) -> pl.DataFrame:
    """``date, close`` from a fredgraph.csv answer; ``.``, empty and other missing markers
    (:data:`~eventstudy.data.columns.EXPORT_MISSING_VALUES`) become null.

    Examples
    --------
    >>> parse_fred_csv(b"observation_date,SP500\\n2024-01-02,4742.83\\n2024-01-15,.\\n", "SP500").rows()
    [(datetime.date(2024, 1, 2), 4742.83), (datetime.date(2024, 1, 15), None)]
    """
    text = body.decode("utf-8-sig", errors="replace")
    if text.lstrip().startswith("<"):
        raise ProviderError(
            f"fred answered with a web page, not CSV, for {remote!r}",
            hint="the series id may not exist; FRED ids look like 'SP500', 'NASDAQCOM', 'DGS10'",
        )
    try:
        raw = pl.read_csv(io.StringIO(text), infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise ProviderError(f"cannot read fred's answer for {remote!r} as CSV: {exc}") from None
    columns = raw.columns
    if len(columns) < 2 or columns[0].strip().lower() not in ("date", "observation_date"):
        raise ProviderError(f"unexpected columns {columns!r} in fred's answer for {remote!r}")
    value = next((c for c in columns[1:] if c.strip().upper() == remote.upper()), columns[1])
    text_value = pl.col(value).str.strip_chars()
    return raw.select(
        pl.col(columns[0]).str.strip_chars().str.to_date("%Y-%m-%d", strict=False).alias("date"),
        pl.when(text_value.str.to_lowercase().is_in(list(EXPORT_MISSING_VALUES)))
        .then(None)
        .otherwise(text_value)
        .cast(pl.Float64, strict=False)
        .alias("close"),
    )
