"""The local cache of downloaded history: one Parquet file per symbol, verified on every read.

Layout: ``CACHE_DIR/PROVIDER/SYMBOL.parquet`` plus ``SYMBOL.meta.json`` beside it. The
JSON holds the metadata (source, symbol, the source's own symbol, date range, rows,
columns, the history asked for, when it was pulled) and the SHA-256 of the Parquet file;
the same metadata (less the hash) is also in the Parquet file's key-value metadata, so a
file copied out of the cache still says where it came from.

A file whose hash, metadata or content does not check out raises
:class:`CorruptCacheError`: it is never used, and the next pull replaces it. Writes go to
a temporary file in the same folder, then ``os.replace`` (atomic), Parquet first: a crash
between the two replaces leaves a hash mismatch, which is detected.

A second pull asks the provider only for the days from the last few cached ones on
(:data:`OVERLAP_ROWS` rows of overlap), checks that the overlap agrees with the cache,
and appends; if the source has revised its history (a split, a correction) the whole
history is pulled again and the reason is reported. A history pulled in full that lacks
cached days (the source now starts later or ends earlier) replaces the file only when the
user asked for ``full``; else the file is kept and :class:`ShrunkHistoryError` says which
days would have gone.

The cache folder is ``--cache-dir`` if given, else ``$EVENTSTUDY_CACHE``, else the
platform's user cache directory (:func:`default_cache_dir`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import sys
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, cast

import polars as pl

from eventstudy.data.columns import EXTRAS
from eventstudy.data.providers import DEFAULT_PROVIDER, Provider, get_provider
from eventstudy.data.validate import Origin, check_prices
from eventstudy.errors import DataError, Location
from eventstudy.files import atomic_path, sha256_file

__all__ = [
    "CACHE_ENV",
    "OVERLAP_ROWS",
    "Cache",
    "CacheMeta",
    "CachedSeries",
    "CorruptCacheError",
    "PullResult",
    "ShrunkHistoryError",
    "default_cache_dir",
    "resolve_cache_dir",
]

CACHE_ENV = "EVENTSTUDY_CACHE"
"""Environment variable naming the cache folder (``--cache-dir`` wins over it)."""

OVERLAP_ROWS = 5
"""Cached rows fetched again on an incremental pull, to check the source still agrees."""

_TOLERANCE = 1e-6
_VERSION = 1
_SAFE_NAME = re.compile(r'^[^/\\:*?"<>|\s.][^/\\:*?"<>|\s]*$')


class ShrunkHistoryError(DataError):
    """A pull in full would replace the cached file with a history that lacks some of its
    days (the source now starts later, or ends earlier): the file is kept as it was."""

    def __init__(self, symbol: str, source: str, cached: CachedSeries, fresh: pl.DataFrame, dropped: str, reason: str | None) -> None:
        why = reason[0].upper() + reason[1:] if reason else "Pulled again in full"
        first, last = _span(fresh["date"])
        super().__init__(
            f"{symbol}: the cache was kept as it was. {why}: {source}'s history is "
            f"{first} .. {last} ({fresh.height:,} rows), the cache's "
            f"{cached.meta.first} .. {cached.meta.last} ({cached.meta.rows:,} rows), and {dropped}",
            location=Location(path=str(cached.path)),
            hint=(
                f"to replace it with the shorter history anyway: eventstudy data pull {symbol} --provider {source} --full "
                "(copy the cached file elsewhere first to keep the older days)"
            ),
        )
        self.symbol = symbol


class CorruptCacheError(DataError):
    """A cached file failed verification (hash, metadata or content); it is not used.

    ``path`` is the file, ``reason`` what failed.
    """

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"cached file {str(path)!r} is corrupt ({reason}); it was not used",
            location=Location(path=str(path)),
            hint=(
                f"pull it again: eventstudy data pull {path.stem} --provider {path.parent.name} "
                "(needs network); the file is replaced"
            ),
        )
        self.path = path
        self.reason = reason


def default_cache_dir(platform: str | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The platform's user cache directory for eventstudy.

    Linux and other Unix: ``$XDG_CACHE_HOME/eventstudy`` (``~/.cache/eventstudy`` when
    unset or relative, as the XDG spec says); macOS: ``~/Library/Caches/eventstudy``;
    Windows: ``%LOCALAPPDATA%\\eventstudy\\Cache``. These are the rules of
    ``platformdirs.user_cache_dir``, written out rather than taken as a dependency.

    Examples
    --------
    >>> default_cache_dir("linux", {"XDG_CACHE_HOME": "/tmp/xdg"}).as_posix()
    '/tmp/xdg/eventstudy'
    """
    platform = sys.platform if platform is None else platform
    environ = os.environ if environ is None else environ
    if platform.startswith("win"):
        base = environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "eventstudy" / "Cache"
    if platform == "darwin":
        return Path.home() / "Library" / "Caches" / "eventstudy"
    xdg = environ.get("XDG_CACHE_HOME", "")
    root = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return root / "eventstudy"


def resolve_cache_dir(override: str | Path | None = None) -> Path:
    """``--cache-dir`` > ``$EVENTSTUDY_CACHE`` > :func:`default_cache_dir` (not created here)."""
    try:
        if override is not None and str(override).strip():
            return Path(override).expanduser()
        env = os.environ.get(CACHE_ENV, "")
        if env.strip():
            return Path(env).expanduser()
        return default_cache_dir()
    except RuntimeError:  # Path.home(): no $HOME, and no home in the user database (a container's arbitrary user id)
        raise DataError(
            "the download cache has no folder: $HOME is not set, and this user has no home directory",
            hint=f"name one with --cache-dir DIR or ${CACHE_ENV} (or set $HOME)",
        ) from None


@dataclass(frozen=True)
class CacheMeta:
    """What a cached file holds and where it came from.

    Attributes
    ----------
    source
        The provider's name (``yahoo``, ``fred``).
    symbol
        The name the series was asked for and is filed under (``SPX``).
    remote
        The source's own symbol (``^GSPC``).
    first, last, rows
        The date range and row count of the file.
    columns
        The file's columns (``date, close`` and any of ``open, high, low, volume``).
    since
        The first date asked for, ``None`` for all the history the source has.
    pulled_at
        When the file was last pulled (UTC, ISO 8601).
    sha256
        Hash of the Parquet file's bytes.
    """

    source: str
    symbol: str
    remote: str
    first: dt.date
    last: dt.date
    rows: int
    columns: tuple[str, ...]
    since: dt.date | None
    pulled_at: str
    sha256: str = ""
    version: int = _VERSION

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO text)."""
        out = asdict(self)
        for key in ("first", "last", "since"):
            out[key] = out[key].isoformat() if out[key] is not None else None
        out["columns"] = list(self.columns)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CacheMeta:
        """The inverse of :meth:`to_json`; raises ``KeyError`` / ``ValueError`` / ``TypeError`` on bad input."""
        return cls(
            source=str(data["source"]),
            symbol=str(data["symbol"]),
            remote=str(data["remote"]),
            first=dt.date.fromisoformat(data["first"]),
            last=dt.date.fromisoformat(data["last"]),
            rows=int(data["rows"]),
            columns=tuple(str(c) for c in data["columns"]),
            since=dt.date.fromisoformat(data["since"]) if data.get("since") else None,
            pulled_at=str(data["pulled_at"]),
            sha256=str(data["sha256"]),
            version=int(data.get("version", _VERSION)),
        )

    def describe(self) -> str:
        """One line: ``yahoo '^GSPC' 1927-12-30 .. 2026-08-31, 24,783 rows, pulled ...``."""
        return f"{self.source} {self.remote!r} {self.first} .. {self.last}, {self.rows:,} rows, pulled {self.pulled_at}"


@dataclass(frozen=True)
class CachedSeries:
    """A verified cached file: its metadata, its rows (``date, close[, ...]``) and its
    path; ``size``, the bytes read (hashed to ``meta.sha256``)."""

    meta: CacheMeta
    frame: pl.DataFrame
    path: Path
    size: int | None = None


@dataclass(frozen=True)
class PullResult:
    """What one pull did.

    Attributes
    ----------
    mode
        ``new`` (nothing cached), ``update`` (only the days after the cache's last few
        were asked for) or ``refresh`` (the whole history again; ``reason`` says why).
    requested_start
        The first date asked of the provider (``None``: all its history).
    added
        Rows the file gained.
    """

    symbol: str
    source: str
    remote: str
    path: Path
    mode: Literal["new", "update", "refresh"]
    requested_start: dt.date | None
    added: int
    meta: CacheMeta
    reason: str | None = None

    def describe(self) -> str:
        """One line for the terminal."""
        asked = f"from {self.requested_start}" if self.requested_start else "all history"
        what = {"new": "new", "update": f"+{self.added:,} rows", "refresh": "pulled again in full"}[self.mode]
        line = (
            f"{self.symbol}: {self.source} {self.remote!r} {self.meta.first} .. {self.meta.last}, "
            f"{self.meta.rows:,} rows ({what}; asked {asked}) -> {self.path}"
        )
        return line + (f"\n  note: {self.reason}" if self.reason else "")


class Cache:
    """The cache folder: read, write and pull series.

    Examples
    --------
    >>> cache = Cache("/tmp/es-cache")  # doctest: +SKIP
    >>> cache.pull("SPX").describe()  # doctest: +SKIP
    "SPX: yahoo '^GSPC' 1927-12-30 .. 2026-08-31, 24,783 rows (new; asked all history) -> ..."
    >>> cache.read("SPX").frame.columns  # doctest: +SKIP
    ['date', 'close', 'open', 'high', 'low', 'volume']
    """

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = resolve_cache_dir(root)

    # ------------------------------------------------------------------ paths

    def path(self, source: str, symbol: str) -> Path:
        """``ROOT/source/SYMBOL.parquet``; names that are not safe file names are refused."""
        for what, name in (("provider", source), ("symbol", symbol)):
            if not _SAFE_NAME.match(name):
                raise DataError(
                    f"{what} {name!r} cannot be used as a file name in the cache",
                    hint='names may not contain spaces, path separators or any of :*?"<>| nor start with \'.\'',
                )
        return self.root / source / f"{symbol}.parquet"

    @staticmethod
    def meta_path(path: Path) -> Path:
        """The metadata file beside a cached Parquet file."""
        return path.with_name(path.name[: -len(".parquet")] + ".meta.json")

    def locate(self, symbol: str, source: str | None = None) -> tuple[str, Path] | None:
        """``(source, path)`` of the cached file for ``symbol`` (exact name first, then any case).

        Raises
        ------
        DataError
            ``source`` is not given and several providers have the symbol cached.
        """
        try:
            self.path(source or DEFAULT_PROVIDER, symbol)  # validates the names
        except DataError:  # 'BRK B': no cached file has such a name, so it is not cached (the caller says where it looked)
            return None
        if source is not None:
            sources = [source]
        elif self.root.is_dir():
            sources = sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))
        else:
            sources = []
        hits: list[tuple[str, Path]] = []
        for name in sources:
            folder = self.root / name
            if not folder.is_dir():
                continue
            exact = folder / f"{symbol}.parquet"
            if exact.is_file():
                hits.append((name, exact))
                continue
            loose = sorted(p for p in folder.glob("*.parquet") if p.stem.lower() == symbol.lower())
            if loose:
                hits.append((name, loose[0]))
        if len(hits) > 1:
            found = ", ".join(f"{s} ({str(p)!r})" for s, p in hits)
            raise DataError(
                f"symbol {symbol!r} is cached from several providers: {found}",
                hint="name one: 'data: {provider: NAME}' in the study, or --provider NAME",
            )
        return hits[0] if hits else None

    def symbols(self) -> list[tuple[str, str]]:
        """Every cached ``(source, symbol)``, sorted; a file under a name the cache never
        writes (``SPX copy.parquet``, left by a file manager) is no series."""
        if not self.root.is_dir():
            return []
        return sorted(
            (folder.name, p.stem)
            for folder in self.root.iterdir()
            if folder.is_dir() and _SAFE_NAME.match(folder.name)
            for p in folder.glob("*.parquet")
            if _SAFE_NAME.match(p.stem)
        )

    # ------------------------------------------------------------------ read / write

    def read(self, symbol: str, source: str | None = None) -> CachedSeries | None:
        """The verified cached series, or ``None`` when nothing is cached for it.

        Raises
        ------
        CorruptCacheError
            The file exists but its metadata, hash or content does not check out.
        """
        found = self.locate(symbol, source)
        if found is None:
            return None
        return self._verified(found[1])

    def write(
        self, source: str, symbol: str, remote: str, frame: pl.DataFrame, since: dt.date | None
    ) -> CachedSeries:
        """Store ``frame`` (``date, close[, ...]``, ascending) atomically; returns it as read back.

        Raises
        ------
        DataError
            A row breaks the price rules (:func:`~eventstudy.data.validate.check_prices`):
            nothing is written.
        """
        path = self.path(source, symbol)
        # what the reader would call corrupt is never written (a source's NaN, inf or negative value)
        check_prices(frame.select("date", "close", *(c for c in EXTRAS if c in frame.columns)), Origin(f"{source} {remote!r} for {symbol!r}"))
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = CacheMeta(
            source=source,
            symbol=symbol,
            remote=remote,
            first=frame["date"].min(),  # type: ignore[arg-type]
            last=frame["date"].max(),  # type: ignore[arg-type]
            rows=frame.height,
            columns=tuple(frame.columns),
            since=since,
            pulled_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        )
        embedded = {k: v for k, v in meta.to_json().items() if k != "sha256"}
        # the data file is replaced first, then its metadata (the inner block ends first)
        with atomic_path(self.meta_path(path)) as tmp_meta, atomic_path(path) as tmp_parquet:
            frame.write_parquet(tmp_parquet, metadata={"eventstudy": json.dumps(embedded)})
            meta = CacheMeta.from_json({**meta.to_json(), "sha256": sha256_file(tmp_parquet)})
            tmp_meta.write_text(json.dumps(meta.to_json(), indent=2) + "\n", encoding="utf-8")
        return CachedSeries(meta=meta, frame=frame, path=path)

    def _verified(self, path: Path) -> CachedSeries:
        """Read ``path`` and check it against its metadata; a mismatch that persists is a
        CorruptCacheError. A writer replaces the data file, then its metadata: a reader
        between the two sees a mismatch for a moment, so it looks again before it says so."""
        for attempt in range(RETRIES):
            try:
                return self._verified_once(path)
            except CorruptCacheError:
                if attempt == RETRIES - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def _verified_once(self, path: Path) -> CachedSeries:

        def corrupt(why: str) -> CorruptCacheError:
            return CorruptCacheError(path, why)

        meta_path = self.meta_path(path)
        try:
            meta = CacheMeta.from_json(json.loads(meta_path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise corrupt(f"its metadata file {meta_path.name!r} is missing") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise corrupt(f"its metadata file {meta_path.name!r} is unreadable: {exc}") from None
        try:  # one snapshot of the bytes: hashed and parsed alike, whatever a writer does meanwhile
            data = path.read_bytes()
        except OSError as exc:
            raise corrupt(f"cannot read it: {exc}") from None
        if hashlib.sha256(data).hexdigest() != meta.sha256:
            raise corrupt("its content hash differs from the one recorded when it was written: truncated or changed")
        try:
            frame = pl.read_parquet(io.BytesIO(data))
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise corrupt(f"unreadable as Parquet: {exc}") from None
        problems = _content_problems(frame, meta, path)
        if problems:
            raise corrupt(problems)
        return CachedSeries(meta=meta, frame=frame, path=path, size=len(data))

    # ------------------------------------------------------------------ pull

    def pull(
        self,
        symbol: str,
        provider: str | Provider | None = None,
        *,
        since: dt.date | None = None,
        full: bool = False,
    ) -> PullResult:
        """Download ``symbol`` into the cache: all of it the first time, then only new days.

        Parameters
        ----------
        provider
            A provider or its name (default :data:`~eventstudy.data.providers.DEFAULT_PROVIDER`).
        since
            First date wanted (``None``: all the history the source has). Asking for
            earlier history than the cache was pulled with pulls everything again.
        full
            Ignore the cached file and pull the whole history.

        Raises
        ------
        ProviderError, OfflineError
            The source refused, or could not be reached; the cache is left as it was.
        """
        source = provider if isinstance(provider, Provider) else get_provider(provider or DEFAULT_PROVIDER)
        remote = source.remote_symbol(symbol)
        self.path(source.name, symbol)  # validates the name before any download
        # a series is filed once whatever the letter case it is asked by: a pull of 'SPX'
        # updates a cached 'spx' (which every read of 'SPX' finds), never files a second copy
        located = self.locate(symbol, source.name)
        filed = located[1].stem if located is not None else symbol
        reason: str | None = None
        cached: CachedSeries | None = None
        try:
            cached = self.read(filed, source.name)
        except CorruptCacheError as exc:
            reason = f"the cached file was corrupt ({exc.reason}): pulled again in full"
        previous = cached  # what a pull in full would replace
        if cached is not None and full:
            cached, reason = None, "--full: pulled again in full"
        elif cached is not None and cached.meta.since is not None and (since is None or since < cached.meta.since):
            asked = since.isoformat() if since else "all history"
            reason = f"asked for {asked}, the cache starts at {cached.meta.since}: pulled again"
            cached = None
        if cached is None:
            return self._full(source, symbol, filed, remote, since, "refresh" if reason else "new", reason, previous, asked_full=full)

        dates = cached.frame["date"]
        start = dates[max(0, len(dates) - OVERLAP_ROWS)]
        fresh = source.download(symbol, start)
        problem = _overlap_problem(cached.frame, fresh, start, source.name)
        if problem:
            return self._full(source, symbol, filed, remote, cached.meta.since, "refresh", f"{problem}: pulled again in full", cached)
        kept = cached.frame.filter(pl.col("date") < start)
        merged = pl.concat([kept, fresh], how="diagonal_relaxed").sort("date")
        merged = merged.select([c for c in ("date", "close", *EXTRAS) if c in merged.columns])
        stored = self.write(source.name, filed, remote, merged, cached.meta.since)
        return PullResult(
            symbol=symbol, source=source.name, remote=remote, path=stored.path, mode="update",
            requested_start=start, added=stored.meta.rows - cached.meta.rows, meta=stored.meta,
        )

    def _full(
        self, source: Provider, symbol: str, filed: str, remote: str, since: dt.date | None,
        mode: Literal["new", "refresh"], reason: str | None, previous: CachedSeries | None = None, *, asked_full: bool = False,
    ) -> PullResult:
        """The whole history (from ``since``) in place of ``previous``, the cached file.
        A history that lacks cached days (the source now starts later, or ends earlier)
        replaces the file only when the user asked for ``full``; else the file is kept
        and :class:`ShrunkHistoryError` says what would have been lost."""
        frame = source.download(symbol, since)
        dropped = _dropped_days(previous.frame, frame, since) if previous is not None else None
        if dropped is not None and previous is not None:
            if not asked_full:
                raise ShrunkHistoryError(symbol, source.name, previous, frame, dropped, reason)
            reason = f"{reason}; {dropped}"
        stored = self.write(source.name, filed, remote, frame, since)
        return PullResult(
            symbol=symbol, source=source.name, remote=remote, path=stored.path, mode=mode,
            requested_start=since, added=stored.meta.rows, meta=stored.meta, reason=reason,
        )


def _dropped_days(cached: pl.DataFrame, fresh: pl.DataFrame, since: dt.date | None = None) -> str | None:
    """Which cached days ``fresh`` (a whole history from ``since``) no longer covers, in
    words, or ``None`` when it covers them all: days before its first date (the source's
    loss, or left out by a later ``since``) or after its last."""
    first, last = _span(fresh["date"])
    dates = cached["date"]
    parts = []
    for lost, where in ((dates.filter(dates < first), "before"), (dates.filter(dates > last), "after")):
        if lost.len():
            edge = first if where == "before" else last
            asked = where == "before" and since is not None and cast(dt.date, lost.max()) < since
            why = f"come before --since {since}" if asked else "are not in the source's history any more"
            parts.append(f"{lost.len():,} cached days {where} {edge} ({' .. '.join(map(str, _span(lost)))}) {why}")
    return " and ".join(parts) if parts else None


def _span(dates: pl.Series) -> tuple[dt.date, dt.date]:
    """The first and last of a date column with at least one date."""
    return cast(dt.date, dates.min()), cast(dt.date, dates.max())


def _overlap_problem(cached: pl.DataFrame, fresh: pl.DataFrame, start: dt.date, source: str) -> str | None:
    """Why the re-fetched overlap disagrees with the cache, or ``None`` when it agrees.

    The last cached day is exempt: it may have been pulled before that day's close.
    """
    last = cached["date"].max()
    old = cached.filter((pl.col("date") >= start) & (pl.col("date") < last)).select("date", "close")
    new = fresh.filter((pl.col("date") >= start) & (pl.col("date") < last)).select("date", pl.col("close").alias("new"))
    joined = old.join(new, on="date", how="full", coalesce=True).sort("date")
    for date, close, value in joined.iter_rows():
        if value is None:
            return f"{source} no longer has {date}, which the cache holds (close {close})"
        if close is None:
            return f"{source} now has {date}, which the cache lacks"
        if abs(value / close - 1) > _TOLERANCE:
            return f"the cached close on {date} was {close}, {source} now says {value} (history revised, e.g. a split)"
    return None


RETRIES = 4
"""Reads of a cached series before a mismatch with its metadata is called corruption."""


def _content_problems(frame: pl.DataFrame, meta: CacheMeta, path: Path) -> str | None:
    """What in a cached frame contradicts its metadata or the price rules
    (:func:`~eventstudy.data.validate.check_prices`), if anything."""
    if "date" not in frame.columns or "close" not in frame.columns:
        return f"columns {frame.columns!r} lack 'date' or 'close'"
    if frame.schema["date"] != pl.Date:
        return f"'date' has type {frame.schema['date']}"
    if frame.height != meta.rows:
        return f"{frame.height} rows, the metadata says {meta.rows}"
    if frame.is_empty():
        return "no rows"
    first, last = cast(dt.date, frame["date"].min()), cast(dt.date, frame["date"].max())
    if first != meta.first or last != meta.last:
        return f"range {first} .. {last}, the metadata says {meta.first} .. {meta.last}"
    try:  # the rule every door applies; a cached file was written sorted, so rows out of order are corruption
        check_prices(frame.select("date", "close", *(c for c in EXTRAS if c in frame.columns)), Origin(repr(path.name), path, "parquet"))
    except DataError as exc:
        return exc.message
    return None
