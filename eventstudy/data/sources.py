"""Where a study's prices come from: the data directory, then the download cache.

:func:`load_prices_any` loads what the data directory has (:mod:`eventstudy.data.load`)
and takes the rest from the download cache (:mod:`eventstudy.data.cache`): a symbol not
in the data directory (or every symbol, when no directory is named) is read from the
cache, pulled into it first when asked to; what is still missing is one
:class:`MissingDataError` naming the two ways to provide it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from eventstudy.data.columns import EXTRAS
from eventstudy.data.directory import DATA_DIR_ENV
from eventstudy.data.load import PriceData, load_found, price_data
from eventstudy.data.providers import DEFAULT_PROVIDER, OfflineError
from eventstudy.data.validate import usable_extra
from eventstudy.errors import ConfigError, DataError, Location, MissingDataError

__all__ = ["MissingDataError", "load_prices_any"]


def _refuse_unread_cache(symbols: Sequence[str], directory: Path, *, pull: bool, cache_dir: Path | str | None) -> None:
    """A pull, or a cache folder, asked for where every series is read from the data
    directory (which comes before the cache): refused, not silently dropped. The run went
    on with the directory's files and nothing pulled (``run --pull --data-dir DIR``)."""
    names = ", ".join(symbols)
    if pull:
        raise ConfigError(
            f"nothing to pull: every series ({names}) is read from the data directory '{directory}', which comes before the download cache",
            hint="drop --pull (pull=); to read the cache, name no data directory (--data-dir, the study's data.dir, $EVENTSTUDY_DATA); "
            f"'eventstudy data pull {' '.join(symbols)}' updates the cache alone",
        )
    raise ConfigError(
        f"the download cache '{cache_dir}' is not read: every series ({names}) is read from the data directory '{directory}', which comes before it",
        hint="drop --cache-dir (cache_dir=), or name no data directory (--data-dir, the study's data.dir, $EVENTSTUDY_DATA) to read the cache",
    )


def load_prices_any(
    symbols: Sequence[str],
    *,
    data_dir: Path | str | None = None,
    cache_dir: Path | str | None = None,
    provider: str | None = None,
    pull: bool = False,
) -> PriceData:
    """Load ``symbols`` from ``data_dir`` and, for what it lacks, from the download cache.

    Parameters
    ----------
    data_dir
        A data directory, or ``None`` to take everything from the cache.
    cache_dir
        The cache folder (default: ``$EVENTSTUDY_CACHE``, else the user cache directory).
    provider
        Only this provider's cache (and pull from it); ``None``: any provider's cache,
        pulling each cached series from the provider it came from, and a series not
        cached from the default provider (yahoo).
    pull
        Download what is missing (and refresh what is cached) before loading.

    Raises
    ------
    MissingDataError
        Symbols neither in the directory nor in the cache (or a pull that could not reach
        the network): the message names them, the hint the two ways to provide them.
    CorruptCacheError
        A cached file fails verification (without ``pull``, which replaces it).

    Examples
    --------
    >>> prices = load_prices_any(["SPX", "RUT"])  # doctest: +SKIP
    >>> prices.notes  # doctest: +SKIP
    ("SPX: from the cache, yahoo '^GSPC' 1927-12-30 .. 2026-08-31, ...",)
    """

    if isinstance(symbols, str):
        raise TypeError(f"symbols must be a sequence of names, not the string {symbols!r}")
    wanted = list(dict.fromkeys(symbols))
    frames: list[pl.DataFrame] = []
    sources: dict[str, Path] = {}
    missing = wanted
    not_found: Callable[[], DataError] | None = None
    if data_dir is not None:
        frames, sources, missing, not_found = load_found(Path(data_dir), wanted)
    if not missing:
        if pull or cache_dir is not None:  # the cache is never read: the pull or the cache folder asked for would do nothing
            _refuse_unread_cache(wanted, Path(str(data_dir)), pull=pull, cache_dir=cache_dir)
        return price_data(frames, sources, wanted)

    # the cache only when the directory lacks something
    from eventstudy.data.cache import Cache, ShrunkHistoryError

    cache = Cache(cache_dir)
    source = provider or DEFAULT_PROVIDER
    notes: list[str] = []
    hashes: dict[Path, dict[str, Any]] = {}  # the cache's files, as read and verified
    still: list[str] = []
    offline: dict[str, str] = {}  # per provider, why it could not be reached: it is not asked again this run
    for symbol in missing:
        origin = source
        if pull and provider is None:  # a series cached from FRED is updated from FRED, beside one from Yahoo
            found = cache.locate(symbol)
            origin = found[0] if found is not None else source
        why = f"{origin} not asked again: {offline[origin]}" if pull and origin in offline else None
        if pull and origin not in offline:
            try:
                result = cache.pull(symbol, origin)
            except OfflineError as exc:
                offline[origin] = why = exc.message  # no network: use what is cached, report what is not
            except ShrunkHistoryError as exc:  # the cached file was kept: the run reads it, and says so
                notes.append(exc.message)
            else:
                notes.append(f"{symbol}: pulled ({result.mode}), {result.meta.describe()}")
                if result.reason:
                    notes.append(f"{symbol}: {result.reason}")
        cached = cache.read(symbol, origin if pull else provider)
        if cached is None:
            still.append(symbol)
            continue
        extras = [
            usable_extra(pl.col(name).cast(pl.Float64), name) if name in cached.frame.columns else pl.lit(None, dtype=pl.Float64).alias(name)
            for name in EXTRAS
        ]
        frames.append(cached.frame.select("date", pl.lit(symbol, pl.String).alias("symbol"), pl.col("close").cast(pl.Float64), *extras))
        sources[symbol] = cached.path
        hashes[cached.path] = {"sha256": cached.meta.sha256, "bytes": cached.size}
        if why is not None:
            notes.append(f"warning: {symbol}: not updated ({why}); using the cache, {cached.meta.describe()}")
        elif not pull:
            notes.append(f"{symbol}: from the cache, {cached.meta.describe()}")
    if still:
        raise _missing_error(still, data_dir, not_found, cache.root, source, "".join(f"{why}; " for why in offline.values()))
    return price_data(frames, sources, wanted, notes, hashes)


def _missing_error(
    missing: Sequence[str],
    data_dir: Path | str | None,
    not_found: Callable[[], DataError] | None,
    cache_root: Path,
    provider: str,
    prefix: str,
) -> MissingDataError:
    """What is missing, where it was looked for, and the two ways to provide it."""
    names = ", ".join(repr(s) for s in missing)
    if data_dir is not None and not_found is not None:
        where = not_found().message + f", nor in the download cache {str(cache_root)!r}"
    else:
        noun = "symbol" if len(missing) == 1 else "symbols"
        where = f"no data for {noun} {names}: no data directory given, and not in the download cache {str(cache_root)!r}"
    files = ", ".join(f"{s}.csv" for s in missing)
    pull = " ".join(missing)
    flag = f" --provider {provider}" if provider != "yahoo" else ""
    return MissingDataError(
        prefix + where,
        symbols=missing,
        provider=provider,
        location=Location(path=str(data_dir)) if data_dir is not None else None,
        hint=(
            f"with network: 'eventstudy data pull {pull}{flag}' (or run with --pull); "
            f"without: pass --data-dir DIR (or set data: {{dir: DIR}} in the study, or ${DATA_DIR_ENV}) "
            f"with {files} in it ('eventstudy data import FILE' converts a downloaded CSV)"
        ),
    )
