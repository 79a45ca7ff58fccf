"""The command line: ``eventstudy run | validate | list``.

User mistakes (an :class:`EventStudyError`) print one message, ``file:line:col: error:``
with a caret where it helps, and exit with code 2. Anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence

from eventstudy import __version__
from eventstudy.cli_data import add_data_commands, offer_pull, run_data
from eventstudy.errors import EventStudyError

__all__ = ["main"]

EXIT_USER_ERROR = 2


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (expected YYYY-MM-DD)") from None


def build_parser() -> argparse.ArgumentParser:
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
    run.add_argument("--output", "-o", metavar="DIR", help="write events.csv, outcomes.csv, summary.csv, tests.csv, result.json, report.md")
    run.add_argument("--format", "-f", choices=["table", "markdown", "json"], default="table", help="what to print (default: table)")
    run.add_argument("--no-color", action="store_true", help="plain text even on a terminal")
    run.add_argument("--pull", action="store_true", help="download (or update) the study's series into the cache first")
    run.add_argument("--cache-dir", help="download cache (overrides $EVENTSTUDY_CACHE)")
    _statistics_options(run)

    sweep = commands.add_parser("sweep", help="run every combination of a parameter grid, with data-snooping control")
    sweep.add_argument("study", help="the study file (YAML)")
    sweep.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2,...",
                       help="a grid axis: gap, mode, 'X threshold', when#N or a study key path (repeatable; adds to the study's sweep:)")
    sweep.add_argument("--data-dir", help="data directory (overrides the study's data.dir and $EVENTSTUDY_DATA)")
    sweep.add_argument("--statistic", default="mean", choices=["mean", "median", "pct_positive"], help="what to rank and test (default: mean)")
    sweep.add_argument("--confirm-from", type=_iso_date, metavar="DATE", help="choose on the period before DATE, confirm on DATE onwards")
    sweep.add_argument("--top", type=int, default=10, help="best cells to show (default 10)")
    sweep.add_argument("--output", "-o", metavar="DIR", help="write sweep_ledger.csv, sweep.json (and sweep_confirmation.csv)")
    sweep.add_argument("--format", "-f", choices=["table", "markdown", "json"], default="table")
    _statistics_options(sweep)

    add_data_commands(commands)

    validate = commands.add_parser("validate", help="check a study (schema, series, condition) without running it")
    validate.add_argument("study", help="the study file (YAML)")

    listing = commands.add_parser("list", help="list what is installed")
    listing.add_argument("what", choices=["features", "evaluators"])
    return parser


def _statistics_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("statistics (override the study's statistics: block)")
    group.add_argument("--seed", type=int, help="seed of every random draw (same seed, identical outputs)")
    group.add_argument("--placebos", type=_non_negative, help="placebo event sets per cell (0 skips the tests)")
    group.add_argument("--null", help="placebo null: matched or circular (or a registered sampler)")


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


def _run(args: argparse.Namespace) -> int:
    from eventstudy.report import render_markdown, render_terminal, result_to_json, write_outputs
    from eventstudy.study import run

    from eventstudy.data import MissingDataError

    options = dict(
        data_dir=args.data_dir, start=args.start, end=args.end, cache_dir=args.cache_dir,
        seed=args.seed, placebos=args.placebos, null=args.null,
    )
    try:
        result = run(args.study, pull=args.pull, **options)
    except MissingDataError as exc:
        if args.pull or not offer_pull(exc):
            raise
        result = run(args.study, pull=True, **options)
    markdown = render_markdown(result)
    if args.output:
        written = write_outputs(result, args.output, extra={"report.md": markdown})
        print(f"wrote {len(written)} files to {args.output}: {', '.join(p.name for p in written)}", file=sys.stderr)
    if args.format == "json":
        sys.stdout.write(result_to_json(result))
    elif args.format == "markdown":
        sys.stdout.write(markdown)
    else:
        render_terminal(result, sys.stdout, color=False if args.no_color else None)
    return 0


def _sweep(args: argparse.Namespace) -> int:
    import json

    from eventstudy.config import load_study
    from eventstudy.report.files import write_files
    from eventstudy.report.sweep import render_sweep
    from eventstudy.sweep import Axis, parse_axis, run_sweep

    study = load_study(args.study)
    axes = {a.name: Axis(a.name, tuple(str(v) for v in a.values)) for a in study.sweep}
    for text in args.grid:
        axis = parse_axis(text)
        axes[axis.name] = axis
    result = run_sweep(
        study, list(axes.values()), data_dir=args.data_dir, statistic=args.statistic, confirm_from=args.confirm_from,
        top=args.top, seed=args.seed, placebos=args.placebos, null=args.null,
    )
    document = json.dumps({"verdict": result.verdict, "ledger": result.ledger.to_dicts(),
                           "confirmation": result.confirmation.to_dicts()}, default=str, indent=2) + "\n"
    if args.output:
        files = {"sweep_ledger.csv": result.ledger.write_csv(), "sweep.json": document}
        if not result.confirmation.is_empty():
            files["sweep_confirmation.csv"] = result.confirmation.write_csv()
        files["sweep.md"] = render_sweep(result, markdown=True, top=args.top)
        written = write_files(args.output, files)
        print(f"wrote {len(written)} files to {args.output}: {', '.join(p.name for p in written)}", file=sys.stderr)
    if args.format == "json":
        sys.stdout.write(document)
    else:
        sys.stdout.write(render_sweep(result, markdown=args.format == "markdown", top=args.top))
    return 0


def _validate(args: argparse.Namespace) -> int:
    from eventstudy.conditions import parse, resolve, to_text
    from eventstudy.config import load_study

    study = load_study(args.study)
    condition = to_text(resolve(parse(study.when), list(study.series)))
    evaluators = ", ".join(spec.name for spec in study.evaluators)
    print(f"{args.study}: ok: {study.name!r}\n  condition: {condition}\n  evaluators: {evaluators}")
    return 0


def _list(args: argparse.Namespace) -> int:
    if args.what == "features":
        from eventstudy.features import FEATURES

        features = [f for _, f in FEATURES.items()]
        print("features (SERIES feature, e.g. 'RUT drawdown', 'SPX sma(200)'):")
        for feature in (f for f in features if f.kind == "value"):
            print(f"  {feature.signature:<20} {feature.description}")
        print("tests behind 'SERIES at ...' (ATH, ATL, N-day high, N-day low):")
        for feature in (f for f in features if f.kind == "flag"):
            print(f"  {feature.signature:<20} {feature.description}")
    else:
        from eventstudy.evaluators import EVALUATORS

        for name, evaluator in EVALUATORS.items():
            print(f"{name:<22} {evaluator.description}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``eventstudy`` command; returns the exit code."""
    args = build_parser().parse_args(argv)
    handlers = {"run": _run, "sweep": _sweep, "validate": _validate, "list": _list, "data": run_data}
    try:
        return handlers[args.command](args)
    except EventStudyError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
