"""Downloading daily history: the provider interface, its registry, and the built-ins.

``yahoo`` (Yahoo Finance via the optional ``yfinance``; aliases SPX -> ^GSPC, RUT ->
^RUT, NDX -> ^NDX, DJI -> ^DJI) and ``fred`` (FRED's CSV endpoint) are registered by
name here and their modules imported on first use (validating a study checks
``data.provider`` against the names only); plug-ins register through the
``eventstudy.providers`` entry-point group. Downloads are normally made through
:class:`eventstudy.data.cache.Cache`, which keeps them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventstudy._lazy import lazy_attributes
from eventstudy.data.providers.base import (
    PROVIDERS,
    OfflineError,
    Provider,
    ProviderError,
    get_provider,
    normalize_history,
)

if TYPE_CHECKING:  # pragma: no cover
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

for _name in ("fred", "yahoo"):  # each module registers its provider class when imported
    PROVIDERS.add_lazy(_name, f"eventstudy.data.providers.{_name}")

__getattr__, __dir__ = lazy_attributes(__name__, {"Fred": "eventstudy.data.providers.fred", "Yahoo": "eventstudy.data.providers.yahoo"})
