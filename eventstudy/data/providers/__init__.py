"""Downloading daily history: the provider interface, its registry, and the built-ins.

``yahoo`` (Yahoo Finance via the optional ``yfinance``; aliases SPX -> ^GSPC, RUT ->
^RUT, NDX -> ^NDX, DJI -> ^DJI) and ``fred`` (FRED's CSV endpoint) are registered on
import; plug-ins register through the ``eventstudy.providers`` entry-point group.
Downloads are normally made through :class:`eventstudy.data.cache.Cache`, which keeps them.
"""

from __future__ import annotations

from eventstudy.data.providers.base import (
    PROVIDERS,
    OfflineError,
    Provider,
    ProviderError,
    get_provider,
    normalize_history,
)
from eventstudy.data.providers.fred import Fred
from eventstudy.data.providers.yahoo import Yahoo

__all__ = [
    "DEFAULT_PROVIDER",
    "PROVIDERS",
    "Fred",
    "OfflineError",
    "Provider",
    "ProviderError",
    "Yahoo",
    "get_provider",
    "normalize_history",
]

DEFAULT_PROVIDER = "yahoo"
"""The provider used when neither the study nor the command line names one."""
