"""The data stage: daily prices from a directory of CSV or Parquet files, or a download cache.

One module, one job:

* :mod:`~eventstudy.data.columns`: the column vocabulary (names and aliases of date,
  close, open, high, low, volume and symbol columns; missing-value markers);
* :mod:`~eventstudy.data.directory`: choosing the data directory (``--data-dir``, the
  study, ``$EVENTSTUDY_DATA``);
* :mod:`~eventstudy.data.finder`: the one rule that finds a symbol's data in a directory
  (its own ``SYMBOL.csv`` first, else a long file), used by ``run``, ``validate``,
  ``data check``, universes and ``data import``;
* :mod:`~eventstudy.data.dates`: what a date may be (the years 1800-2200) and how a column
  of dates is read, for prices and events files alike;
* :mod:`~eventstudy.data.validate`: row validation, the first bad row at ``file:line``;
* :mod:`~eventstudy.data.load`: loading symbols, and a universe's long file by blocks;
* :mod:`~eventstudy.data.sources`: the directory first, then the download cache;
* :mod:`~eventstudy.data.cache` and :mod:`~eventstudy.data.providers`: downloads, kept
  and verified;
* :mod:`~eventstudy.data.quality` (``data check``) and :mod:`~eventstudy.data.importer`
  (``data import``).

The names below load their module on first use, so importing a part of the package (the
provider registry, for a study's validation) does not import the rest.

>>> from eventstudy.data import load_prices
>>> prices = load_prices("data", ["SPX", "RUT"])  # doctest: +SKIP
>>> prices.frame.columns  # doctest: +SKIP
['date', 'symbol', 'close', 'open', 'high', 'low', 'volume']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventstudy._lazy import lazy_attributes

_LAZY = {
    "ACCEPTED_COLUMNS": "eventstudy.data.columns",
    "CLOSE_COLUMNS": "eventstudy.data.columns",
    "DATE_COLUMNS": "eventstudy.data.columns",
    "EXTRAS": "eventstudy.data.columns",
    "MISSING_VALUES": "eventstudy.data.columns",
    "PRICE_SCHEMA": "eventstudy.data.columns",
    "SYMBOL_COLUMNS": "eventstudy.data.columns",
    "pick_column": "eventstudy.data.columns",
    "shown_columns": "eventstudy.data.columns",
    "twin_columns": "eventstudy.data.columns",
    "DATA_DIR_ENV": "eventstudy.data.directory",
    "find_data_dir": "eventstudy.data.directory",
    "resolve_data_dir": "eventstudy.data.directory",
    "as_dates": "eventstudy.data.dates",
    "usable_extra": "eventstudy.data.validate",
    "PriceData": "eventstudy.data.load",
    "load_prices": "eventstudy.data.load",
    "read_long_block": "eventstudy.data.load",
    "read_long_dates": "eventstudy.data.load",
    "source_ranges": "eventstudy.data.load",
    "MissingDataError": "eventstudy.data.sources",
    "load_prices_any": "eventstudy.data.sources",
}

__all__ = [
    "ACCEPTED_COLUMNS",
    "CLOSE_COLUMNS",
    "DATA_DIR_ENV",
    "DATE_COLUMNS",
    "EXTRAS",
    "MISSING_VALUES",
    "PRICE_SCHEMA",
    "SYMBOL_COLUMNS",
    "MissingDataError",
    "PriceData",
    "as_dates",
    "find_data_dir",
    "load_prices",
    "load_prices_any",
    "pick_column",
    "read_long_block",
    "read_long_dates",
    "resolve_data_dir",
    "shown_columns",
    "source_ranges",
    "twin_columns",
    "usable_extra",
]

if TYPE_CHECKING:  # pragma: no cover
    from eventstudy.data.columns import (
        ACCEPTED_COLUMNS,
        CLOSE_COLUMNS,
        DATE_COLUMNS,
        EXTRAS,
        MISSING_VALUES,
        PRICE_SCHEMA,
        SYMBOL_COLUMNS,
        pick_column,
        shown_columns,
        twin_columns,
    )
    from eventstudy.data.dates import as_dates
    from eventstudy.data.directory import DATA_DIR_ENV, find_data_dir, resolve_data_dir
    from eventstudy.data.load import (
        PriceData,
        load_prices,
        read_long_block,
        read_long_dates,
        source_ranges,
    )
    from eventstudy.data.sources import MissingDataError, load_prices_any
    from eventstudy.data.validate import usable_extra


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
"""Package attributes that import their module on first use."""
