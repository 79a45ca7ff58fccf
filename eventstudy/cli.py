"""The command line: ``eventstudy run | sweep | init | validate | explain | schema | list | data``.

User mistakes (an :class:`EventStudyError`) print one message, ``file:line:col: error:``
with a caret where it helps, and exit with code 2. Anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

import argparse
import codecs
import errno
import io
import math
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from eventstudy import __version__
from eventstudy.cli_data import _iso_date, add_data_commands, offer_pull, run_data
from eventstudy.errors import ConfigError, DataError, EventStudyError, did_you_mean, options_named

__all__ = ["main"]

EXIT_USER_ERROR = 2

SHOW = ("summary", "instances", "tests", "all")
"""``run --show`` choices: :data:`eventstudy.report.text.SHOW` (written out so that the
command line starts without importing the report stage)."""

EXECUTORS = ("serial", "threads", "processes", "dask")
"""``--executor`` choices: :data:`eventstudy.executor.EXECUTORS` (written out: building the
parser, for ``--help`` and ``validate`` too, does not import the executors)."""


EFFECTS = "0,0.01,0.02,0.05"
"""``calibrate --effects``' default."""


def build_parser(*, calibrate_defaults: dict[str, object] | None = None) -> argparse.ArgumentParser:
    """The command line's parser; ``calibrate_defaults`` replaces defaults of ``calibrate``'s
    options (:func:`_written_calibrate_options` tells the options written from the others)."""
    parser = argparse.ArgumentParser(
        prog="eventstudy",
        description="Event studies on market data: when a condition held, what did prices do next?",
    )
    parser.add_argument("--version", action="version", version=f"eventstudy {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run a study and print (or write) its results")
    run.add_argument("study", help="the study file (YAML)")
    run.add_argument("--data-dir", help="data directory (overrides the study's data.dir and $EVENTSTUDY_DATA)")
    run.add_argument("--start", type=_iso_date, help="first event date (overrides window.start), YYYY-MM-DD")
    run.add_argument("--end", type=_iso_date, help="last event date (overrides window.end), YYYY-MM-DD")
    run.add_argument("--output", "-o", metavar="DIR", type=_output,
                     help="write events.csv, outcomes.csv, summary.csv, tests.csv, result.json, report.md, report.html, "
                          "the charts (.svg, .png) and manifest.json")
    run.add_argument("--format", "-f", choices=["table", "markdown", "json", "html"], default="table",
                     help="what to print (default: table; html: the self-contained report)")
    run.add_argument("--show", choices=SHOW, metavar="{" + ",".join(SHOW) + "}",
                     help="table and markdown formats: print only the summary, every instance, the significance "
                          "details, or all of them (default: the verdict, the summary and the instances, shortened "
                          "when long; the files of --output always hold every row)")
    run.add_argument("--no-color", action="store_true", help="no colours even on a terminal, as $NO_COLOR set does (bold headings stay: no-color.org is about colour)")
    run.add_argument("--quiet", "-q", action="store_true", help="no progress bars or messages on stderr (errors and warnings still print)")
    run.add_argument("--pull", action="store_true", help="download (or update) the study's series into the cache first")
    run.add_argument("--cache-dir", help="download cache (overrides $EVENTSTUDY_CACHE)")
    _statistics_options(run)
    _executor_options(run, "a universe study's symbol blocks")

    sweep = commands.add_parser("sweep", help="run every combination of a parameter grid, with data-snooping control")
    sweep.add_argument("study", help="the study file (YAML)")
    sweep.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2,...",
                       help="a grid axis: gap, mode, 'X threshold', when#N or a study key path (repeatable; adds to the study's sweep:, "
                            "or replaces its axis of the same name)")
    sweep.add_argument("--data-dir", help="data directory (overrides the study's data.dir and $EVENTSTUDY_DATA)")
    sweep.add_argument("--statistic", default="mean", choices=["mean", "median", "pct_positive"], help="what to rank and test (default: mean)")
    sweep.add_argument("--confirm-from", type=_iso_date, metavar="DATE", help="choose on the period before DATE, confirm on DATE onwards")
    sweep.add_argument("--top", type=int, default=10, help="best cells to show (default 10)")
    sweep.add_argument("--output", "-o", metavar="DIR", type=_output,
                       help="write sweep_ledger.csv, sweep.json, sweep.md, sweep.html, heatmap.svg/.png (and sweep_confirmation.csv)")
    sweep.add_argument("--format", "-f", choices=["table", "markdown", "json", "html"], default="table")
    sweep.add_argument("--quiet", "-q", action="store_true", help="no progress bars or messages on stderr")
    _statistics_options(sweep)
    _executor_options(sweep, "the grid cells")

    calibrate = commands.add_parser(
        "calibrate", help="how often each test rejects when nothing is there",
        description="With --simulate: run studies whose conditions are made of the prices (ATH, drawdown, RSI, two "
                    "series) on simulated histories where nothing predicts returns, and report every test's rejection "
                    "rate at 5% with binomial intervals, the interval coverage and the power for planted effects. "
                    "Without: run many placebo studies on the study's own data (n random event days under its "
                    "declustering) and report each test's rejection rate at 1/5/10%. With --event-tests: the classical "
                    "event-study tests on simulated panels. An option of another mode than the one chosen is refused.",
    )
    calibrate.add_argument("study", nargs="?", help="the study file (YAML); optional with --simulate")
    calibrate.add_argument("--simulate", choices=["garch", "bootstrap", "universe"],
                           help="histories with GARCH-t volatility and a known drift, joint stationary-bootstrap "
                                "reshuffles of real closes (the study's first two series, else SPX and RUT), or universes "
                                "of stocks (a universe study's tests; --factor, --symbols, --days, --gap)")
    calibrate.add_argument("--replications", type=_at_most(100_000), default=400, help="--simulate: simulated histories (default 400)")
    calibrate.add_argument("--block-length", type=float, help="--simulate: the histories null's mean block length (default: its own)")
    calibrate.add_argument("--condition", action="append", metavar="TEXT",
                           help="--simulate: a condition over series A and B (repeatable; default: ATH, drawdown, RSI, ATH and drawdown)")
    calibrate.add_argument("--days", type=_at_most(100_000), help="--simulate: days per history (default 12,000; a universe: 2,000)")
    calibrate.add_argument("--lead", type=_at_most(100_000, least=0), metavar="DAYS",
                           help="--simulate garch|bootstrap: series A starts DAYS days before B, as SPX before RUT (A's history is "
                                "DAYS longer; the study calendar is B's --days days, and A's earlier closes are read as a run reads "
                                "an older series'; default 0)")
    calibrate.add_argument("--factor", type=float, default=0.25,
                           help="--simulate universe: the common market factor's share of each stock's variance "
                                "(GARCH-t stocks; default 0.25); 0: independent random walks")
    calibrate.add_argument("--symbols", type=_at_most(100_000), default=200, help="--simulate universe: stocks per universe (default 200)")
    calibrate.add_argument("--gap", type=_at_most(100_000), default=21, help="--simulate universe: the declustering gap in trading days (default 21)")
    calibrate.add_argument("--data-dir", help="data directory (overrides the study's data.dir and $EVENTSTUDY_DATA)")
    calibrate.add_argument("--studies", type=_at_most(100_000), default=1000, help="placebo studies per cell (default 1000)")
    calibrate.add_argument("--horizon", action="append", metavar="H", help="horizon(s) to calibrate (default: all of the study's)")
    calibrate.add_argument("--asset", help="the asset (default: the study's first)")
    calibrate.add_argument("--effects", default=EFFECTS, help=f"planted effects, fractions (default {EFFECTS})")
    calibrate.add_argument("--pseudo", default="matched", choices=["matched", "circular", "runs"], help="where pseudo-events come from: matched (random days under the rule), "
                           "circular (the real events shifted), or runs (the real events' runs placed at random)")
    calibrate.add_argument("--end", type=_iso_date, help="last event date (overrides window.end)")
    calibrate.add_argument("--event-tests", action="store_true",
                           help="calibrate the classical event-study tests (t, Patell, BMP, ...) on simulated panels instead")
    calibrate.add_argument("--scenario", action="append", choices=["null", "event_variance", "clustered"],
                           help="--event-tests: the scenario(s) (default: all three); --effects' first non-zero value adds the power "
                                "(on the null scenario; with --scenario when --effects is given)")
    calibrate.add_argument("--firms", type=_at_most(100_000), default=100, help="--event-tests: firms per simulated study (default 100)")
    calibrate.add_argument("--output", "-o", metavar="FILE", type=_output, help="also write the table as CSV")
    calibrate.add_argument("--quiet", "-q", action="store_true", help="no progress bars on stderr")
    calibrate.add_argument("--verbose", "-v", action="store_true",
                           help="also print the rates at 1%% and 10%%, the power for planted effects, and with --simulate the "
                                "rates per condition and the intervals' coverage (all are in the --output file)")
    _statistics_options(calibrate, histories=_positive)  # its simulations' own bounds, checked by each mode
    calibrate.set_defaults(placebos_default=2000, **(calibrate_defaults or {}))

    init = commands.add_parser("init", help="write a commented starter study that runs as written",
                               description="Write NAME.yaml (into configs/ when the current folder has one): a commented "
                                           "starter study. An existing file is never overwritten.")
    init.add_argument("name", metavar="NAME", help="the study's name (file stem), or a path ending in .yaml")
    init.add_argument("--dir", help="folder to write into (default: configs/ if present, else the current folder)")

    schema = commands.add_parser("schema", help="print the JSON Schema of study files (for editors)",
                                 description="Print the JSON Schema (Draft 2020-12) of study files, with every registered "
                                             "evaluator's parameters; point your editor's YAML extension at it.")
    schema.add_argument("--plugin", action="append", default=[], metavar="MODULE",
                        help="import an installed plug-in module first, so its evaluators are in the schema (repeatable)")
    schema.add_argument("--output", "-o", metavar="FILE", type=_output, help="write the schema to FILE instead of printing it")

    add_data_commands(commands)

    validate = commands.add_parser("validate", help="check a study (schema, series, condition, and its data when a "
                                                     "data directory is named) without running it")
    validate.add_argument("study", help="the study file (YAML)")
    validate.add_argument("--data-dir", help="also check that every series (and a universe's data) is there and readable, "
                                             "a universe's data file row by row as a run reads it "
                                             "(default: the study's data.dir or $EVENTSTUDY_DATA, if named)")

    explain = commands.add_parser("explain", help="show how a study's condition is parsed and compiled, for audit")
    explain.add_argument("study", help="the study file (YAML)")
    explain.add_argument("--raw", action="store_true", help="also print the polars expression the condition compiles to, as polars prints it")

    listing = commands.add_parser("list", help="list what is installed")
    listing.add_argument("what", choices=["features", "evaluators"])
    listing.add_argument("--plugin", action="append", default=[], metavar="MODULE",
                         help="import an installed plug-in module first, so its features or evaluators are listed too (repeatable)")
    return parser


def _statistics_options(parser: argparse.ArgumentParser, histories: Callable[[str], int] | None = None) -> None:
    group = parser.add_argument_group("statistics (override the study's statistics: block)")
    group.add_argument("--seed", type=int, help="seed of every random draw (same seed, identical outputs)")
    group.add_argument("--placebos", type=_non_negative,
                       help="placebo event sets per cell of the runs, matched, circular and dates nulls (the histories "
                            "null's count is --histories); 0 skips every test")
    group.add_argument("--null", help="the headline test: histories (the default wherever the histories can be built: the rule "
                                      "re-run on resampled histories), runs, matched or circular (placebo dates); "
                                      "a universe study: dates (the default) or histories (the default for the market model or the "
                                      "excursions under a condition on the stock's own prices, and for a condition that picks days, "
                                      "not stocks: a market series', a breadth, the calendar, a file of dates)")
    group.add_argument("--histories", type=histories or _histories, help="resampled histories of the histories null "
                                                           "(default 1,000; a universe's: 200)")


def _executor_options(parser: argparse.ArgumentParser, what: str) -> None:
    group = parser.add_argument_group(f"where {what} run")
    group.add_argument("--executor", choices=EXECUTORS,
                       help="serial (this process), threads (this process's threads: nothing is pickled; the "
                            "default), processes (a local process pool) or dask (a Dask cluster; needs pip install "
                            "'eventstudy[dask]'); default: $EVENTSTUDY_EXECUTOR, else threads")
    group.add_argument("--dask-address", metavar="ADDR",
                       help="a running Dask scheduler, e.g. tcp://host:8786 (default: $EVENTSTUDY_DASK_ADDRESS; "
                            "without one, --executor dask starts a local cluster)")
    group.add_argument("--workers", type=_positive, metavar="N", help="worker processes or threads (default: this machine's CPUs; a universe's blocks on threads: one more)")


def _executor(args: argparse.Namespace):  # -> Executor; the import stays lazy
    from eventstudy.executor import get_executor

    return get_executor(args.executor, address=args.dask_address, workers=args.workers)


def _write_page(page: str) -> None:
    """An HTML page on the standard output, nothing lost where its encoding is not UTF-8 (a
    locale's ASCII): what it cannot show is written as character references ('&#252;'),
    which a browser reads as the page's UTF-8 would be, where the terminal's '?' lost them."""
    if isinstance(sys.stdout, io.TextIOWrapper) and not codecs.lookup(sys.stdout.encoding).name.startswith("utf"):
        sys.stdout.flush()
        sys.stdout.reconfigure(errors="xmlcharrefreplace")
    sys.stdout.write(page)


def _output(text: str) -> str:
    """An argparse type: an output path, not empty ('-o "$OUT"' with $OUT unset wrote nothing, without a word)."""
    if not text:
        raise argparse.ArgumentTypeError("an empty path (an unset variable?): name where the output goes, e.g. -o out")
    return text


def _at_most(maximum: int, least: int = 1) -> Callable[[str], int]:
    """An argparse type: a whole number from ``least`` (1 or 0) to ``maximum``."""

    def count(text: str) -> int:
        value = _positive(text) if least else _non_negative(text)
        if value > maximum:
            raise argparse.ArgumentTypeError(f"{text!r} is more than {maximum:,}")
        return value

    return count


def _positive(text: str) -> int:
    value = _non_negative(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value


def _histories(text: str) -> int:
    """An argparse type: ``--histories``, in the bounds a study's ``statistics.histories`` takes."""
    from eventstudy.config import HISTORIES_RANGE

    value, (fewest, most) = _non_negative(text), HISTORIES_RANGE
    if value < fewest:
        raise argparse.ArgumentTypeError(f"{text!r} is fewer than {fewest}: the smallest p-value would be 1 / ({value} + 1), above 0.05")
    if value > most:
        raise argparse.ArgumentTypeError(f"{text!r} is more than {most:,}")
    return value


MAX_COUNT = 10_000_000
"""The largest count a command-line option takes (placebos, studies, replications, days):
beyond it the work or memory is out of reach on any machine this runs on."""


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    if value > MAX_COUNT:
        raise argparse.ArgumentTypeError(f"{text!r} is more than {MAX_COUNT:,}: the work would not finish")
    return value


def _run(args: argparse.Namespace) -> int:
    from eventstudy import progress
    from eventstudy.data import MissingDataError
    from eventstudy.report import render_markdown, render_terminal, result_to_json
    from eventstudy.report.text import screen_layout
    from eventstudy.study import run

    if args.show is not None and args.format in ("json", "html"):
        raise ConfigError(f"--show picks parts of the table and markdown formats, not of --format {args.format}",
                          hint="--format json and html always hold every part; drop --show, or use --format table or markdown")
    options = dict(
        data_dir=args.data_dir, start=args.start, end=args.end, cache_dir=args.cache_dir,
        seed=args.seed, placebos=args.placebos, null=args.null, histories=args.histories,
        paths=bool(args.output) or args.format == "html",  # the event-time path is drawn, never printed
    )
    from eventstudy.config import load_study

    study = load_study(args.study)
    given = [option for option, value in (("--executor", args.executor), ("--workers", args.workers), ("--dask-address", args.dask_address))
             if value is not None]
    if given and study.universe is None:  # they were dropped without a word: a study of named series runs in this process
        raise ConfigError(
            f"{' and '.join(given)} {'runs' if len(given) == 1 else 'run'} a universe study's symbol blocks; {args.study} is a "
            "study of named series, which runs in this process",
            hint=f"drop {' and '.join(given)} ('eventstudy sweep' runs its grid cells on an executor)",
        )
    with _executor(args) as executor:
        try:
            with progress.task(f"running {args.study}") as _:
                result = run(study, pull=args.pull, executor=executor, **options)
        except MissingDataError as exc:
            if args.pull or not offer_pull(exc):  # a question on the terminal: no progress bar around it
                raise
            with progress.task(f"running {args.study}") as _:
                result = run(study, pull=True, executor=executor, **options)
    page = None
    if args.output:
        from eventstudy.report import write_report
        from eventstudy.report.manifest import command_line

        with progress.task(f"writing the report to {args.output}") as _:
            written = write_report(result, args.output, command=command_line(args.argv))
        if not args.quiet:
            print(f"wrote {len(written)} files to {args.output}: {', '.join(p.name for p in written)}", file=sys.stderr)
        if args.format == "html":
            page = (Path(args.output) / "report.html").read_text(encoding="utf-8")
    elif args.format == "html":
        from eventstudy.report import html_report

        with progress.task("drawing charts") as _:
            page = html_report(result)
    if args.format == "json":
        sys.stdout.write(result_to_json(result, files=args.output is not None))  # without --output no CSV file is written
    elif args.format == "markdown":  # with --output, the long tables are in its folder: say where
        sys.stdout.write(render_markdown(result, events_file=str(Path(args.output) / "events.csv") if args.output else None,
                                         layout=screen_layout(args.show)))
    elif args.format == "html":
        _write_page(page or "")
    else:
        events_file = str(Path(args.output) / "events.csv") if args.output else None
        render_terminal(result, sys.stdout, color=False if args.no_color else None, events_file=events_file,
                        layout=screen_layout(args.show))
    return 0


def _sweep(args: argparse.Namespace) -> int:
    import json

    from eventstudy.config import load_study
    from eventstudy.grid import Axis, parse_axis
    from eventstudy.report.files import write_files
    from eventstudy.report.sweep import render_sweep
    from eventstudy.sweep import run_sweep

    study = load_study(args.study)
    given: dict[str, Axis] = {}
    for text in args.grid:
        axis = parse_axis(text)
        if axis.name in given:  # the later one would replace the first without a word
            raise ConfigError(f"grid axis {axis.name!r} is given twice (--grid)", hint=f"give its values once: --grid '{axis.name}=V1,V2,...'")
        given[axis.name] = axis
    with _executor(args) as executor:  # run_sweep adds them to the study's own sweep: list, replacing its axis of a name
        result = run_sweep(
            study, list(given.values()), data_dir=args.data_dir, statistic=args.statistic, confirm_from=args.confirm_from,
            top=args.top, seed=args.seed, placebos=args.placebos, null=args.null, histories=args.histories, executor=executor,
        )
    document = json.dumps({"verdict": result.verdict, "ledger": result.ledger.to_dicts(),
                           "confirmation": result.confirmation.to_dicts()}, default=str, indent=2) + "\n"
    page = None
    if args.output or args.format == "html":
        from eventstudy.report.charts import sweep_charts
        from eventstudy.report.html import render_sweep_html

        charts = sweep_charts(result)
        page = render_sweep_html(result, charts, name=f"Sweep: {study.name}", top=args.top)
    if args.output:
        from eventstudy.report.files import csv_safe, write_chart_files

        files = {"sweep_ledger.csv": csv_safe(result.ledger).write_csv(), "sweep.json": document}
        if not result.confirmation.is_empty():
            files["sweep_confirmation.csv"] = csv_safe(result.confirmation).write_csv()
        files["sweep.md"] = render_sweep(result, markdown=True, top=args.top)
        files["sweep.html"] = page or ""
        written = write_files(args.output, files, also=lambda folder: write_chart_files(charts, folder))
        if not args.quiet:
            print(f"wrote {len(written)} files to {args.output}: {', '.join(p.name for p in written)}", file=sys.stderr)
    if args.format == "json":
        sys.stdout.write(document)
    elif args.format == "html":
        _write_page(page or "")
    else:
        sys.stdout.write(render_sweep(result, markdown=args.format == "markdown", top=args.top))
    return 0


def _init(args: argparse.Namespace) -> int:
    from eventstudy.scaffold import write_study

    path = write_study(args.name, directory=args.dir)
    print(f"wrote {path}: a starter study; run it with\n  eventstudy run {path} --data-dir DATA_DIR")
    return 0


def _schema(args: argparse.Namespace) -> int:
    from eventstudy.schema import schema_json

    text = schema_json(args.plugin)
    if args.output:
        from eventstudy.report.files import write_file

        write_file(args.output, text, example="schema.json")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _explain(args: argparse.Namespace) -> int:
    from eventstudy.config import load_study
    from eventstudy.explain import explain, render_explanation

    study = load_study(args.study)
    sys.stdout.write(render_explanation(study, explain(study), raw=args.raw))
    return 0


def _validate(args: argparse.Namespace) -> int:
    from eventstudy.conditions import parse, resolve, to_text
    from eventstudy.config import load_study
    from eventstudy.data.directory import find_data_dir

    study = load_study(args.study)
    node = resolve(parse(study.when), list(study.series), universe=study.universe is not None)
    condition = to_text(node)
    evaluators = ", ".join([spec.name for spec in study.evaluators] + (["event_study"] if study.event_study is not None else []))
    sweep = ""
    if study.sweep:  # what 'eventstudy sweep' would refuse before reading any data
        from eventstudy.grid import decided_values, grid_cells, study_axes

        axes = study_axes(study)
        combos, cells = grid_cells(study, axes)
        sweep = f"\n  sweep: {len(study.sweep)} {'axis' if len(study.sweep) == 1 else 'axes'}, {len(combos):,} cells ({', '.join(spec.name for spec in study.sweep)})"
        sweep += "".join(f"\n  warning: {warning}" for warning in decided_values(axes, combos, cells, universe=study.universe is not None))
    statistics = study.statistics
    if statistics.null == "histories" and statistics.placebos > 0 and study.evaluate:  # what the run refuses of it, whatever the data
        from eventstudy.null_choice import choose_null, universe_null

        if study.universe is not None:
            universe_null(study, statistics)
        else:
            choose_null(study, statistics, [])
    directory = find_data_dir(args.data_dir, study.data.dir, study.path)
    if directory is None:
        data = "not checked (name a data directory with --data-dir, the study's data.dir or $EVENTSTUDY_DATA)"
    elif study.universe is not None:
        import polars as pl

        from eventstudy.timeline import (
            no_universe_dates,
            require_study_day_prices,
            require_window_days,
            study_calendar,
        )
        from eventstudy.universe import (
            BLOCK_ROWS,
            data_file_path,
            load_universe,
            require_day_prices,
            require_distinct_cells,
        )

        require_distinct_cells(study)  # two entries of one cell, as the run refuses them at its first block
        given = load_universe(study, data_dir=directory, rows=False)
        data = f"{len(given.symbols):,} universe symbols and {len(study.series)} market series found in {directory}"
        require_study_day_prices(study, given.prices.filter(pl.col("symbol").is_in(list(study.series.values()))), [(study.when, node)])
        if study.universe.data_file is not None:  # its rows, as the run reads them: a bad row is the run's error
            from eventstudy.data.load import check_long_rows

            panel = data_file_path(directory, study)
            require_day_prices(study, [(study.when, node)], None, panel)  # what the run would refuse before reading a row
            rows, days = check_long_rows(panel, given.symbols, block_rows=BLOCK_ROWS)
            data += f" ({rows:,} rows of {panel.name} checked)"
        else:
            require_day_prices(study, [(study.when, node)], given.prices.filter(pl.col("symbol").is_in(given.symbols)), None)
            days = given.prices.filter(pl.col("symbol").is_in(given.symbols))["date"].unique()
        if study.series:  # the run's calendar: the universe's dates on which the market series have a close
            every_date, days = days, days.filter(days.is_in(study_calendar(given.prices, study).implode()))
            if every_date.len() and not days.len():
                raise no_universe_dates(study, every_date.min(), every_date.max())  # type: ignore[arg-type]
        if days.len():
            require_window_days(days, study, universe=True)  # a window without one of them, as the run refuses it
    else:
        # the loaders only when there is data to check
        from eventstudy.data.sources import load_prices_any
        from eventstudy.evaluators import EvaluationContext, build_evaluators, evaluate_outcomes
        from eventstudy.timeline import (
            require_study_day_prices,
            require_window_days,
            study_calendar,
        )

        with study.naming_missing_symbols():
            loaded = load_prices_any(list(dict.fromkeys(study.series.values())), data_dir=directory, provider=study.data.provider)
        # what the run would refuse: a feature or an evaluator reading a day's price the data has none of,
        # in the condition or in the nested baseline's (the run computes both)
        baseline = study.statistics.baseline
        nested = [(baseline.when, resolve(parse(baseline.when), list(study.series)))] if baseline is not None else []
        require_study_day_prices(study, loaded.frame, [(study.when, node), *nested])
        calendar = study_calendar(loaded.frame, study)
        require_window_days(calendar, study)  # a calendar without a day, or a window without one, as the run refuses them
        # and the evaluators on a few days of the study's calendar, on which its series have data (an entry at the open
        # needs opens; two entries may not produce one cell)
        anchors = calendar.head(3).to_frame("date")
        evaluate_outcomes(build_evaluators(study.evaluators), EvaluationContext(prices=loaded.frame, series=study.series), anchors)
        data = f"{', '.join(study.series)} read from {directory}" + (f" ({'; '.join(loaded.notes)})" if loaded.notes else "")
    event_study = study.event_study
    if directory is not None and event_study is not None and event_study.model == "factor" and not isinstance(event_study.factors, list):
        from eventstudy.event_study import read_factors_file

        read_factors_file(event_study, directory)  # 'factors: ff3' reads the data directory's factors file, as the run does
        data += f"; {event_study.factors_file} read"
    print(f"{args.study}: ok: {study.name!r}\n  condition: {condition}\n  evaluators: {evaluators}\n  data: {data}{sweep}")
    from eventstudy.conditions.ranges import range_warnings

    for warning in range_warnings(node):
        print(f"  {warning}")
    return 0


def _calibrate_event_tests(args: argparse.Namespace) -> int:
    """``calibrate --event-tests``: size (and power) of the event-study tests on simulated panels."""
    import polars as pl

    from eventstudy.inference.event_calibration import SCENARIOS, calibrate_event_tests
    from eventstudy.report.event_study import event_calibration_table
    from eventstudy.report.files import write_file
    from eventstudy.report.terminal import print_tables

    scenarios = list(dict.fromkeys(args.scenario or SCENARIOS))
    seed = _simulation_seed(args, 0)
    effects = _effects(args)
    size = pl.concat([calibrate_event_tests(s, replications=args.replications, firms=args.firms, seed=seed + SCENARIOS.index(s))
                     for s in scenarios])  # a scenario's seed is its own: '--scenario clustered' gives the full table's column
    tables = [event_calibration_table(size)]
    # the power: by default only with every scenario; with --scenario when --effects is given
    effect = next((x for x in effects if x != 0), None) if args.scenario is None or "effects" in _written_calibrate_options(args.argv) else None
    rows = [size]
    if effect is not None:
        power = calibrate_event_tests("null", replications=args.replications, firms=args.firms, effect=effect, seed=seed + len(SCENARIOS))
        power = power.with_columns(pl.lit(f"effect {effect:g}").alias("scenario"))
        tables.append(event_calibration_table(power, size=False))
        rows.append(power)
    # written before anything is printed, as the other modes do: a reader that leaves early ('| head') ends the printing
    written = write_file(args.output, pl.concat(rows).write_csv(), example="calibration.csv") if args.output else None
    print_tables(tables)
    if written is not None:
        print(f"wrote {written}")
    return 0


CALIBRATE_READS: dict[str, tuple[str, ...]] = {
    "study": ("placebo", "bootstrap"), "data_dir": ("placebo", "bootstrap"), "simulate": ("garch", "bootstrap", "universe"),
    "replications": ("garch", "bootstrap", "universe", "event-tests"), "block_length": ("garch", "bootstrap"),
    "condition": ("garch", "bootstrap"), "days": ("garch", "bootstrap", "universe"), "lead": ("garch", "bootstrap"), "factor": ("universe",),
    "symbols": ("universe",), "gap": ("universe",), "studies": ("placebo",), "horizon": ("placebo", "garch", "bootstrap", "universe"),
    "asset": ("placebo",), "effects": ("placebo", "event-tests"), "pseudo": ("placebo",), "end": ("placebo",),
    "scenario": ("event-tests",), "firms": ("event-tests",), "verbose": ("placebo", "garch", "bootstrap"),
    "placebos": ("placebo", "garch", "bootstrap", "universe"), "null": (), "histories": ("garch", "bootstrap"),
}
"""Which ``calibrate`` modes read each option (placebo: placebo studies on a study's data;
garch, bootstrap, universe: ``--simulate``; event-tests: ``--event-tests``). An option
given to a mode that does not read it is refused, not silently dropped."""

_CALIBRATE_NULLS = {"placebo": "the matched, circular and runs placebo tests on pseudo-events planted in the study's data",
                    "garch": "the histories null and the runs placebo", "bootstrap": "the histories null and the runs placebo",
                    "universe": "the 'dates' null, the calendar-time test, Driscoll-Kraay's and the 'symbols' null",
                    "event-tests": "the classical event-study tests"}
"""What each ``calibrate`` mode checks, side by side: ``--null`` chooses none of them."""

_CALIBRATE_MODES = {"placebo": "calibrate STUDY (placebo studies on its data)", "garch": "calibrate --simulate garch",
                    "bootstrap": "calibrate --simulate bootstrap", "universe": "calibrate --simulate universe",
                    "event-tests": "calibrate --event-tests"}


class _Unwritten(list[str]):  # a list: an 'append' option (--condition, --horizon) extends its default
    """The default of an option not written on the command line (:func:`_written_calibrate_options`)."""


def _written_calibrate_options(argv: Sequence[str]) -> set[str]:
    """The ``calibrate`` options written in ``argv``, whatever their value: one written with
    its default value ('--factor 0.25', '--studies 1000') is written too."""
    unwritten = _Unwritten()
    parser = build_parser(calibrate_defaults=dict.fromkeys(CALIBRATE_READS, unwritten))
    given = vars(parser.parse_args(list(argv)))
    return {dest for dest in CALIBRATE_READS if given[dest] is not unwritten}


def _refuse_unread_calibrate_options(args: argparse.Namespace) -> None:
    mode = "event-tests" if args.event_tests else (args.simulate or "placebo")
    written = _written_calibrate_options(args.argv)
    for dest, modes in CALIBRATE_READS.items():
        if mode in modes or dest not in written:
            continue
        option = "the study file" if dest == "study" else "--" + dest.replace("_", "-")
        if not modes:  # --null: every mode checks each of its tests
            raise ConfigError(
                f"{option} is not used by {_CALIBRATE_MODES[mode]}: it checks {_CALIBRATE_NULLS[mode]}, side by side",
                hint="drop it" + ("; the histories null is calibrated by 'eventstudy calibrate --simulate garch' (or bootstrap)"
                                  if mode == "placebo" else ""),
            )
        readers = [_CALIBRATE_MODES[m] for m in modes]
        readers = readers if len(readers) == 1 else [", ".join(readers[:-1]) + " and " + readers[-1]]
        raise ConfigError(f"{option} is not used by {_CALIBRATE_MODES[mode]}", hint=f"only {readers[0]} read{'s' if len(modes) == 1 else ''} it; drop it")


def _effects(args: argparse.Namespace) -> tuple[float, ...]:
    """``--effects`` as fractions, refused in one message when one is no fraction."""
    try:
        effects = tuple(float(x) for x in args.effects.split(",") if x.strip())
    except ValueError:
        effects = (math.nan,)
    if not effects or not all(math.isfinite(e) and -1 < e < 10 for e in effects):
        raise ConfigError(f"bad --effects {args.effects!r}", hint="finite fractions above -1 separated by commas, e.g. 0,0.01,0.02")
    return effects


def _simulation_seed(args: argparse.Namespace, default: int) -> int:
    """``--seed`` of a simulating mode, held to the range a study's seed has (the same message as run's)."""
    if args.seed is None:
        return default
    from pydantic import ValidationError

    from eventstudy.config import StatisticsSpec

    try:
        return StatisticsSpec(seed=args.seed).seed
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        raise ConfigError(f"bad value {args.seed!r} for 'seed': {err['msg'].lower()}") from None


def _simulation_horizons(args: argparse.Namespace, default: Sequence[str]) -> tuple[str, ...]:
    """``--horizon`` of a simulating mode, checked before any history is simulated: each a
    horizon, no two of the same length (the study the calibration writes would refuse them
    later, located in a file the user never wrote)."""
    from eventstudy.periods import parse_horizon

    horizons = tuple(args.horizon or default)
    seen: dict[int, str] = {}
    for h in horizons:
        days = parse_horizon(h).days
        if days in seen:
            raise ConfigError(f"--horizon {seen[days]!r} and {h!r} are the same horizon ({days} trading days)", hint="give each horizon once")
        seen[days] = h
    return horizons


def _check_simulated_conditions(conditions: Sequence[str]) -> None:
    """Each ``--condition`` checked on its own text, with the caret there: in the study the
    calibration writes, an error was placed at '<study>:4:7' under a template line, and a
    day's open, high, low or volume was asked of 'data files' the user does not give."""
    from eventstudy.conditions import parse, resolve
    from eventstudy.conditions.ast import OnEvents, walk
    from eventstudy.conditions.compiler import day_price_reads

    for text in conditions:
        node = resolve(parse(text), ["A", "B"], source=text)
        for part in walk(node):
            if isinstance(part, OnEvents):
                raise ConfigError(f"the simulated histories have no events file: 'on {part.name}' holds on none of their days",
                                  span=part.span, source=text, hint="a condition on the closes of A and B, or on the calendar")
        for request, column, span in day_price_reads(node):
            raise ConfigError(f"the simulated histories have closes only: '{request.series} {request.name}' needs the day's {column}",
                              span=span, source=text, hint="a condition on the closes of A and B")


def _refuse_no_placebos(args: argparse.Namespace, tests: str, default: int) -> None:
    """``--placebos`` of a calibration: none, or too few for a p-value of 5% (a test that
    cannot reject would read as one that never does, a rate of 0 flagged as off its level)."""
    if args.placebos == 0:
        raise ConfigError(f"--placebos 0 leaves {tests} without placebo sets to compare with",
                          hint=f"19 or more (default {default:,})")
    if args.placebos is not None and args.placebos < 19:
        raise ConfigError(f"--placebos {args.placebos} leaves {tests} unable to reject at 5%: a p-value from {args.placebos} placebo sets is at least 1/{args.placebos + 1}",
                          hint=f"19 or more (default {default:,}); 99 or more for the rates at 1%")


def _calibrate(args: argparse.Namespace) -> int:
    _refuse_unread_calibrate_options(args)
    if args.event_tests:
        return _calibrate_event_tests(args)
    if args.simulate == "universe":
        return _calibrate_universe(args)
    if args.simulate:
        return _calibrate_rules(args)
    if not args.study:
        raise ConfigError("calibrate needs a study file, or --simulate garch|bootstrap", hint="eventstudy calibrate configs/spx_rut.yaml")
    import polars as pl

    from eventstudy.inference import InferenceSettings, calibrate
    from eventstudy.report.files import write_file
    from eventstudy.study import run

    effects = _effects(args)
    effects = effects if 0.0 in effects else (0.0, *effects)  # the table is the rates with no effect
    _refuse_no_placebos(args, "the placebo tests of calibrate STUDY", 2000)
    placebos = args.placebos if args.placebos is not None else 2000
    from eventstudy.config import load_study

    study = load_study(args.study)
    if study.universe is not None:  # placebo studies plant event days in one calendar of named series
        raise ConfigError(
            "calibrate STUDY plants pseudo-events in a study of named series; this is a universe study",
            location=study.source.location(("universe",), key=True),
            hint="eventstudy calibrate --simulate universe calibrates a universe study's tests",
        )
    if not study.evaluate:  # an event_study: block alone has no outcome the placebo tests test
        raise ConfigError(
            "calibrate STUDY checks the tests of the outcomes under 'evaluate:'; this study has none",
            location=study.source.location(("event_study",), key=True),
            hint="eventstudy calibrate --event-tests calibrates the event-study tests",
        )
    from eventstudy.evaluators import EVALUATORS, tested_evaluators

    if not any(EVALUATORS.get(spec.name).tested for spec in study.evaluators):  # the path in event time alone: the run tests nothing
        raise ConfigError(
            "calibrate STUDY checks the tests of the outcomes under 'evaluate:'; none of this study's evaluators is tested "
            "(the path in event time only describes)",
            location=study.source.location(("evaluate",), key=True),
            hint=f"add {tested_evaluators()} to calibrate their tests",
        )
    result = run(study, data_dir=args.data_dir, end=args.end, placebos=0, seed=args.seed, paths=False)
    # the cells a run tests (not the path's, which only describes): their assets, and the chosen asset's horizons
    tested = result.summary.filter(pl.col("measure").is_in(result.tested_measures))
    assets = list(dict.fromkeys(tested["asset"].to_list()))
    if args.asset is not None and args.asset not in assets:
        raise ConfigError(f"--asset {args.asset!r} is not one of the study's tested assets{did_you_mean(args.asset, assets)}",
                          hint=f"its tested assets: {', '.join(assets)}")
    asset = args.asset or assets[0]
    horizons = list(dict.fromkeys(tested.filter(pl.col("asset") == asset)["horizon"].to_list()))
    for h in args.horizon or []:
        if h not in horizons:
            raise ConfigError(f"--horizon {h!r} is not one of {asset}'s horizons{did_you_mean(h, horizons)}",
                              hint=f"its horizons: {', '.join(horizons)}" + ("" if args.asset else " (--asset chooses another of the study's assets)"))
    cells = tested.filter(pl.col("asset") == asset, pl.col("horizon").is_in(args.horizon or horizons))
    empty = cells.filter(pl.col("n") == 0)
    if empty.height:  # placebo studies plant as many pseudo-events as the study has complete outcomes
        a, h = empty.row(0, named=True)["asset"], empty.row(0, named=True)["horizon"]
        raise ConfigError(
            f"no event of {args.study} has a complete {a} {h} outcome, so its placebo studies would have no events",
            hint="a condition that holds ('eventstudy run' lists the events), or --asset and --horizon of a cell with events",
        )
    from eventstudy.inference.table import MIN_TESTED

    few = cells.filter(pl.col("n") < MIN_TESTED)
    if few.height:  # a run shows such a cell without a test: the rates of tests it never runs (a Newey-West t rejecting 98%) mislead
        row = few.row(0, named=True)
        raise ConfigError(
            f"only {row['n']} event{'s' if row['n'] > 1 else ''} of {args.study} {'have' if row['n'] > 1 else 'has'} a complete "
            f"{row['asset']} {row['horizon']} outcome: a run shows such a cell without a test (fewer than {MIN_TESTED} events), "
            "so there is no test to calibrate",
            hint=f"a condition that holds more often, or --asset and --horizon of a cell with {MIN_TESTED} or more events ('eventstudy run' shows each cell's n)",
        )
    from eventstudy.inference.timeseries import result_baseline_mask

    statistics = result.statistics or result.study.statistics
    settings = InferenceSettings(placebos=placebos, seed=statistics.seed)
    # under a nested baseline, pseudo-events and placebos on its days, as the run's placebo tests draw them
    options = dict(studies=args.studies, effects=effects, horizon=args.horizon, asset=asset, placebos=placebos, pseudo=args.pseudo,
                   base_mask=result_baseline_mask(result))
    left_out = ""
    try:
        table = calibrate(result, settings, **options)
    except DataError as exc:  # the runs null finds no room for the events' runs (a nested baseline of scattered days)
        if args.pseudo == "runs":
            raise DataError(exc.message.split("; use ")[0], hint="--pseudo matched or circular") from None
        table = calibrate(result, settings, runs=False, **options)  # a circular null's error is raised here
        left_out = f"\nno runs_mean row: {exc.message.split('; use ')[0]} (the run falls back to the circular null)"
    if args.output:
        write_file(args.output, table.write_csv(), example="calibration.csv")
    from eventstudy.inference.intervals import wilson_interval
    from eventstudy.report.calibration import render_placebo_calibration

    size = table.filter(pl.col("effect") == 0.0)
    bounds = [wilson_interval(round(rate * n), n) for rate, n in size.select("reject_5pct", "studies").rows()]
    size = size.with_columns(
        pl.col("reject_5pct").alias("rate"), pl.Series("low", [b.low for b in bounds]), pl.Series("high", [b.high for b in bounds])
    )
    nested = f", drawn only from days where {statistics.baseline.when!r} (the nested baseline)" if statistics.baseline is not None else ""
    header = f"calibration of {args.study}: {args.studies} placebo studies per cell, B = {placebos:,}, pseudo-events: {args.pseudo}{nested}{left_out}"
    sys.stdout.write(render_placebo_calibration(table, size, header, verbose=args.verbose))
    return 0


def _calibrate_rules(args: argparse.Namespace) -> int:
    """``calibrate --simulate``: the tests on simulated histories with price-chosen events."""
    from dataclasses import replace

    from eventstudy.calibrate import (
        CONDITIONS,
        HORIZONS,
        calibrate_rules,
        real_closes,
        reshuffled_symbols,
        summarize_rules,
    )
    from eventstudy.report.calibration import render_rule_calibration
    from eventstudy.report.files import write_file

    seed = _simulation_seed(args, 7)
    _check_simulated_conditions(args.condition or [])
    twice = next((c for i, c in enumerate(args.condition or []) if c in args.condition[:i]), None)
    if twice is not None:  # the same histories' tests counted twice: rates with half the width they have
        raise ConfigError(f"--condition {twice!r} is given twice", hint="give each condition once")
    _refuse_no_placebos(args, f"the runs placebo test of calibrate --simulate {args.simulate}", 1000)
    if args.histories is not None and args.histories < 19:
        raise ConfigError(f"--histories {args.histories} cannot reject at 5%: its smallest p-value is 1/{args.histories + 1}",
                          hint="19 or more (default 200)")
    if args.block_length is not None and not args.block_length >= 1:  # also NaN
        raise ConfigError(f"--block-length {args.block_length:g} is not a mean block length", hint="trading days, 1 or more (or drop it for Politis-White's)")
    closes = real_closes(args.study, args.data_dir) if args.simulate == "bootstrap" else None
    reshuffled = tuple(reshuffled_symbols(args.study)) if args.simulate == "bootstrap" else ()
    if closes is not None and (args.lead or 0) > closes.shape[0] - 2:  # B would have no return to reshuffle
        raise ConfigError(f"--lead {args.lead:,} leaves B no history: {' and '.join(reshuffled)} have {closes.shape[0]:,} common days to reshuffle",
                          hint=f"--lead {closes.shape[0] - 2:,} or less (B keeps the last --days of them, A as many days more as --lead)")
    results, info = calibrate_rules(
        args.simulate, conditions=args.condition or CONDITIONS, horizons=_simulation_horizons(args, HORIZONS),
        replications=args.replications, histories=args.histories or 200, placebos=args.placebos or 1000, n_days=args.days or 12_000,
        block_length=args.block_length, seed=seed, real_closes=closes, lead=args.lead or 0,
    )
    info = replace(info, reshuffled=reshuffled)  # the header names the real series behind A and B
    # the power at 3m, or at the calibrated horizon nearest 3m when --horizon leaves it out (the table names it)
    nearest = min(results.select("horizon", "horizon_days").unique().rows(), key=lambda r: (abs(r[1] - 63), r[1]))[0] if results.height else "3m"
    tables = summarize_rules(results, power_horizon=nearest) if results.height else None
    if tables is None or not tables["size"].height:
        raise ConfigError(f"no cell had the three events a test needs in {args.replications} simulated histories of {info.n_days:,} days",
                          hint="more --days (the events start after a year of history; default 12,000), or a condition that holds more often")
    if args.output:
        write_file(args.output, results.drop("t_null").write_csv(), example="calibration.csv")
    sys.stdout.write(render_rule_calibration(tables, info, verbose=args.verbose))
    return 0


def _calibrate_universe(args: argparse.Namespace) -> int:
    """``calibrate --simulate universe``: a universe study's tests on simulated panels."""
    from eventstudy.inference.table import MIN_TESTED
    from eventstudy.report.calibration import render_universe_calibration
    from eventstudy.report.files import write_file
    from eventstudy.universe_calibration import HORIZONS, calibrate_universe, summarize_universe

    if not 0 <= args.factor < 1:
        raise ConfigError(f"--factor {args.factor:g} is not a share of the variance", hint="a number in [0, 1), e.g. 0.25; 0 for random walks")
    if args.symbols < 2:  # every placebo set would be the events themselves: p = 1, read as a test that never rejects
        raise ConfigError(
            f"--symbols {args.symbols} leaves the 'dates' null no other stock to move the events to: every p-value would be 1, "
            "and the table would show a test that never rejects",
            hint="--symbols 2 or more (default 200)",
        )
    horizons = _simulation_horizons(args, HORIZONS)  # a bad horizon is named before any panel is simulated
    seed = _simulation_seed(args, 2026)
    _refuse_no_placebos(args, "the 'dates' null of calibrate --simulate universe", 500)
    results, info = calibrate_universe(
        replications=args.replications, symbols=args.symbols, days=args.days or 2000, factor=args.factor, gap=args.gap,
        placebos=args.placebos or 500, horizons=horizons, seed=seed,
    )
    tables = summarize_universe(results)
    if not tables["size"].height and not info.mean_events > 0:
        raise ConfigError(f"no 52-week high in {args.replications} simulated universes of {info.days} days", hint="more --days: a 52-week high needs a year of closes first")
    if not tables["size"].height:  # highs, but no horizon had enough of them complete to test
        raise ConfigError(
            f"no test in {args.replications} simulated universes of {info.days} days: "
            f"{info.mean_events:,.1f} 52-week highs per simulated universe on average, too few to test: a test needs "
            f"{MIN_TESTED} events with a complete {' or '.join(horizons)} return in a universe",
            hint="more --days (a horizon needs its days after the event), more --symbols, or a shorter --horizon",
        )
    if args.output:
        write_file(args.output, results.write_csv(), example="calibration.csv")
    sys.stdout.write(render_universe_calibration(tables, info))
    return 0


def _list(args: argparse.Namespace) -> int:
    if args.plugin:  # what a study's plugins: would register
        from eventstudy.config import load_plugins

        load_plugins(args.plugin)
    if args.what == "features":
        from eventstudy.features import FEATURES

        features = [f for _, f in FEATURES.items()]
        print("features (SERIES feature, e.g. 'RUT drawdown', 'SPX sma(200)'):")
        for feature in (f for f in features if f.kind == "value"):
            print(f"  {feature.signature:<20} {feature.description}")
        print("tests behind 'SERIES at ...' (ATH, ATL, N-day high, N-day low):")
        for feature in (f for f in features if f.kind == "flag"):
            print(f"  {feature.signature:<20} {feature.description}")
        from eventstudy.conditions.ast import CALENDAR_VALUES

        print("the calendar, written bare (e.g. 'month is December', 'trading_day_of_month == 1'):")
        for name, meaning in CALENDAR_VALUES.items():
            print(f"  {name:<28} {meaning}")
    else:
        from eventstudy.evaluators import EVALUATORS

        for name, evaluator in EVALUATORS.items():
            print(f"{name:<22} {evaluator.description}")
    return 0


FLAGS = {
    "data_dir": "--data-dir", "start": "--start", "end": "--end", "seed": "--seed", "placebos": "--placebos", "null": "--null",
    "histories": "--histories", "confirm_from": "--confirm-from", "top": "--top", "statistic": "--statistic",
}
"""The keywords of :func:`eventstudy.run` and :func:`eventstudy.run_sweep` the command line
gives by its flags (``_run`` and ``_sweep`` map each flag to its keyword): a message built
with :func:`eventstudy.errors.option` names the flag here, the keyword in Python."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``eventstudy`` command; returns the exit code."""
    args = build_parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    from eventstudy import progress

    progress.configure(enabled=False if getattr(args, "quiet", False) else None)
    if args.command in ("run", "sweep", "calibrate"):  # the commands that compute: freed memory kept for reuse
        from eventstudy.memory import keep_freed_memory

        keep_freed_memory()
    handlers = {
        "run": _run, "sweep": _sweep, "calibrate": _calibrate, "init": _init, "schema": _schema, "validate": _validate, "explain": _explain,
        "list": _list, "data": run_data,
    }
    try:
        with options_named(FLAGS):
            return handlers[args.command](args)
    except EventStudyError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:  # Ctrl-C, or a SIGTERM made one by entry()
        if STOPPED_BY:
            print("terminated", file=sys.stderr)
            return 128 + STOPPED_BY[-1]
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a folder that cannot be written (or read), a full disk: the user's to fix, not a bug
        if exc.filename is None and exc.errno not in NO_ROOM:
            raise
        where = exc.filename if exc.filename is not None else "cannot write the standard output"  # unnamed: not the output folder, which '-o' wrote before it
        error = DataError(f"{where}: {exc.strerror or exc}", hint=NO_ROOM.get(exc.errno or 0, "check that the folder exists and that you may write there"))
        print(error.render(), file=sys.stderr)
        return EXIT_USER_ERROR


NO_ROOM = {
    errno.ENOSPC: "free some space on that disk, or write to another one",
    errno.EDQUOT: "your disk quota is used up: free some space, or write to another disk",
    errno.EROFS: "that file system is read-only: write to another one",
}
"""Write errors that are the machine's state, not a bug, with what to do; a write to the
standard output names no file, and is reported too."""


COMMAND_ENVIRONMENT = {"OPENBLAS_NUM_THREADS": "1", "NUMPY_MADVISE_HUGEPAGE": "0"}
"""What the ``eventstudy`` command sets for itself unless the user has (both read when
numpy loads). One BLAS thread: a run's parallel work is its own threads (a universe's
blocks, the tests beside one another), and OpenBLAS's threads spin after each small
product it splits, which cost a 50M-row universe's tests 1.1-1.4 s of CPU and a 20-event
study 0.1 s, for no gain. Ordinary pages for numpy's large arrays: with the kernel's
transparent huge pages on ``madvise``, numpy asks for huge pages, and a fresh process
whose memory the page cache holds waits for the kernel to compact them (a 50M-row
universe's grids: 1.3-1.9 s to fill 1 GB, against 0.45 s in ordinary pages; its
preparation 8.2-9.0 s of CPU, against 7.1-7.5 s)."""


STOPPED_BY: list[int] = []
"""The signal that stopped the command (SIGTERM), for its message and exit code."""


def _stop(signum: int, frame: object) -> None:
    """SIGTERM (``kill``, ``timeout``, a job scheduler) ends a command as Ctrl-C does: the
    unwinding removes what it had half written (its staging folder, its lock) and stops
    the workers, where the default action left them behind."""
    STOPPED_BY.append(signum)
    raise KeyboardInterrupt


def entry() -> None:
    """The ``eventstudy`` console script: :data:`COMMAND_ENVIRONMENT` (read when numpy
    loads, so before :func:`main`), :func:`main`, then the process ends without the
    interpreter's teardown (0.1 s of freeing every module's objects one by one, which a
    finished command does not need). Every file a command writes is complete and closed
    before :func:`main` returns, and the output streams are flushed here first; a bug's
    exception still ends the usual way, with its traceback."""
    for name, value in COMMAND_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    for stream in ("stdout", "stderr"):  # closed by the caller ('2>&-'): what is written to it goes nowhere, as to /dev/null
        if getattr(sys, stream) is None:
            setattr(sys, stream, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 - open until the process ends
    if isinstance(sys.stdout, io.TextIOWrapper) and not codecs.lookup(sys.stdout.encoding).name.startswith("utf"):
        sys.stdout.reconfigure(errors="replace")  # a locale's ASCII or Latin-1: '?' for what it cannot show (stderr escapes it)
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _stop)
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader left (``eventstudy run ... | head``): nothing more to say
        pass
    os._exit(code)


if __name__ == "__main__":
    entry()
