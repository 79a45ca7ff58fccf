"""The ``eventstudy data`` commands: ``pull``, ``import``, ``check`` and ``list``.

``cli.py`` hooks them in with :func:`add_data_commands` (building the parser) and
:func:`run_data` (running the chosen action); an :class:`~eventstudy.errors.EventStudyError`
raised here is printed by ``cli.main`` with exit code 2. :func:`offer_pull` is the
question ``eventstudy run`` asks on a terminal when a study's data is missing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from typing import Any, TextIO

from eventstudy.errors import DataError

__all__ = ["add_data_commands", "offer_pull", "run_data"]

EXIT_PROBLEMS = 1
"""Exit code of ``data check`` when a series has rows the loader refuses (``data pull``: a symbol failed)."""


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (expected YYYY-MM-DD)") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 2:
        raise argparse.ArgumentTypeError(f"{text!r} must be 2 or more")
    return value


def add_data_commands(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``data pull | import | check | list`` to the CLI's subparsers; returns the ``data`` parser."""
    data = subparsers.add_parser(
        "data", help="get data in: download into the cache, import CSV exports, check quality",
        description="Download daily history into a local cache, import CSV exports into a data directory, check series.",
    )
    actions = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")

    pull = actions.add_parser(
        "pull", help="download daily history into the cache (a second pull fetches only new days)",
        description=(
            "Download daily history into the cache (--cache-dir, else $EVENTSTUDY_CACHE, else the user cache "
            "directory). Yahoo aliases: SPX -> ^GSPC, RUT -> ^RUT, NDX -> ^NDX, DJI -> ^DJI."
        ),
    )
    pull.add_argument("symbols", nargs="+", metavar="SYMBOL", help="names to pull, e.g. SPX RUT (or ^GSPC, AAPL, DGS10 with --provider fred)")
    pull.add_argument("--since", type=_iso_date, help="first date wanted, YYYY-MM-DD (default: all the history the source has)")
    pull.add_argument(
        "--provider",
        help="yahoo (default for a series not cached yet; needs pip install 'eventstudy[yahoo]') or fred, or a plug-in; "
        "a cached series is updated from the provider it came from",
    )
    pull.add_argument("--cache-dir", help="cache folder (overrides $EVENTSTUDY_CACHE)")
    pull.add_argument("--full", action="store_true", help="pull the whole history again instead of only new days")

    importer = actions.add_parser(
        "import", help="normalize CSV exports (Yahoo, Stooq, FRED, Investing, ...) into DATA_DIR/SYMBOL.csv",
        description=(
            "Read CSV exports (any of comma, semicolon, tab; day- or month-first dates; thousands separators; "
            "'.' or empty for missing) and write DATA_DIR/SYMBOL.csv as date,close[,open,high,low,volume], "
            "ISO dates, oldest first. Ambiguities are asked, never guessed."
        ),
    )
    importer.add_argument("files", nargs="+", metavar="FILE", help="exported CSV files")
    importer.add_argument("--symbol", help="the series' name (default: the file's ticker, FRED series or file name); one file only")
    importer.add_argument("--data-dir", help="where to write (default: $EVENTSTUDY_DATA); created if needed")
    importer.add_argument("--column", help="the header of the close column, when several could be (e.g. 'Close' or 'Adj Close')")
    importer.add_argument("--date-format", help="dmy (day first), mdy (month first), ymd, or a pattern such as '%%d/%%m/%%Y'")
    importer.add_argument("--decimal", choices=("point", "comma"),
                          help="the prices' decimal mark, when no value shows it and some read both ways (4.700: 4.7 or 4700)")
    importer.add_argument("--force", action="store_true", help="replace an existing file with different content")
    importer.add_argument("--dry-run", action="store_true", help="report what would be written, write nothing")
    importer.add_argument("--french", action="store_true",
                          help="the files are Kenneth French's daily factor CSVs: merge them into DATA_DIR/factors.csv (decimal returns)")

    check = actions.add_parser(
        "check", help="report per series: range, gaps, repeated/unsorted dates, missing values, stale runs, outliers",
        description=(
            "Check series in a data directory (--data-dir, else $EVENTSTUDY_DATA, else the cache). "
            "Exit code 1 when a series has rows the loader refuses."
        ),
    )
    check.add_argument("symbols", nargs="*", metavar="SYMBOL", help="series to check (default: all)")
    check.add_argument("--data-dir", help="data directory (default: $EVENTSTUDY_DATA, else the cache)")
    check.add_argument("--cache-dir", help="check this cache folder (then $EVENTSTUDY_DATA is not read; not with --data-dir)")
    check.add_argument("--reference", help="series whose dates are the trading calendar (default: SPX when present)")
    check.add_argument("--format", "-f", choices=["text", "json"], default="text", help="plain-text table (default) or JSON")
    check.add_argument("--stale-days", type=_positive, default=None, help="rows with the same close that count as stale (default 5)")

    listing = actions.add_parser("list", help="list the cached series with their source, range and pull time")
    listing.add_argument("--cache-dir", help="cache folder (overrides $EVENTSTUDY_CACHE)")
    return data


def run_data(args: argparse.Namespace) -> int:
    """Run the ``data`` action chosen on the command line; returns the exit code."""
    handlers = {"pull": _pull, "import": _import, "check": _check, "list": _list}
    return handlers[args.data_command](args)


def offer_pull(error: Any, *, stdin: TextIO | None = None, stderr: TextIO | None = None) -> bool:
    """On a terminal, show a :class:`~eventstudy.data.MissingDataError` and ask whether to pull now.

    Returns ``False`` at once when input is not a terminal (scripts, CI), so the error
    stands as it is.
    """
    stdin = stdin or sys.stdin
    stderr = stderr or sys.stderr
    if not stdin.isatty():
        return False
    print(error.render(), file=stderr)
    print(f"pull {' '.join(error.symbols)} from {error.provider} now? [y/N] ", end="", file=stderr, flush=True)
    answer = stdin.readline().strip().lower()
    return answer in ("y", "yes")


def _pull(args: argparse.Namespace) -> int:
    from eventstudy.data.cache import Cache
    from eventstudy.data.providers import DEFAULT_PROVIDER, get_provider
    from eventstudy.data.providers.base import MissingPackageError, OfflineError

    provider = get_provider(args.provider or DEFAULT_PROVIDER)
    cache = Cache(args.cache_dir)
    failed = 0
    for symbol in dict.fromkeys(args.symbols):
        try:
            found = cache.locate(symbol) if args.provider is None else None  # updated from where it came from
            result = cache.pull(symbol, found[0] if found is not None else provider, since=args.since, full=args.full)
        except (OfflineError, MissingPackageError):  # nothing else could be pulled either
            raise
        except DataError as exc:  # this symbol only (refused by its source, or its history by the cache): the others may be pulled
            print(exc.render(), file=sys.stderr)
            failed += 1
            continue
        print(result.describe())
    return EXIT_PROBLEMS if failed else 0


def _import(args: argparse.Namespace) -> int:
    from eventstudy.data import DATA_DIR_ENV
    from eventstudy.data.importer import import_files

    target = args.data_dir or os.environ.get(DATA_DIR_ENV, "")
    if not target.strip():
        raise DataError(
            "where should the imported files go? no data directory given",
            hint=f"pass --data-dir DIR (created if needed) or set {DATA_DIR_ENV}",
        )
    if args.french:  # factor files for event_study: {model: factor}
        from eventstudy.data.french import FACTORS_FILE, write_factors

        given = [flag for flag, value in (("--symbol", args.symbol), ("--column", args.column), ("--date-format", args.date_format),
                                          ("--decimal", args.decimal), ("--force", args.force)) if value]
        if given:  # a French file is read as published and merged into factors.csv: nothing for them to decide
            raise DataError(
                f"{given[0]} does not apply to --french: a French factor file is read as published and merged into "
                f"{os.path.join(target, FACTORS_FILE)!r} (its columns replaced, the others kept)",
                hint=f"drop {' and '.join(given)}",
            )

        print("\n".join(write_factors(file, target, dry_run=args.dry_run).describe() for file in args.files))
        return 0
    reports = import_files(
        args.files, target, symbol=args.symbol, column=args.column, date_format=args.date_format, decimal=args.decimal,
        force=args.force, dry_run=args.dry_run,
    )
    print("\n".join(report.describe() for report in reports))
    return 0


def _check(args: argparse.Namespace) -> int:
    from eventstudy.data import DATA_DIR_ENV
    from eventstudy.data.quality import STALE_DAYS, check_data

    data_dir = args.data_dir or (None if args.cache_dir else os.environ.get(DATA_DIR_ENV)) or None  # --cache-dir: the cache asked for
    report = check_data(
        args.symbols, data_dir=data_dir, cache_dir=args.cache_dir, reference=args.reference,
        stale_days=args.stale_days or STALE_DAYS,
    )
    sys.stdout.write(report.render_json() if args.format == "json" else report.render_text())
    return EXIT_PROBLEMS if report.has_errors else 0


def _list(args: argparse.Namespace) -> int:
    from eventstudy.data.cache import Cache, CorruptCacheError

    cache = Cache(args.cache_dir)
    entries = cache.symbols()
    print(f"cache {str(cache.root)!r}: {len(entries)} series")
    for source, symbol in entries:
        try:
            cached = cache.read(symbol, source)
        except CorruptCacheError as exc:
            print(f"  {symbol:<12} {source}: corrupt ({exc.reason}); pull it again")
            continue
        if cached is not None:
            print(f"  {symbol:<12} {cached.meta.describe()}")
    return 0
