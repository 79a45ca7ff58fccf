"""``eventstudy init NAME``: a commented starter study that runs as written.

The template uses one series (SPX, the S&P 500, present in every data directory of the
README) and a condition anyone can read; each line says what it does and what else it
could say, so the file is its own tutorial. An existing file is never overwritten.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from eventstudy.errors import ConfigError, Location

__all__ = ["TEMPLATE", "init_path", "render_template", "write_study"]

TEMPLATE = """\
# {title}: an event study (written by `eventstudy init`).
#
#   eventstudy validate {file}                       # check it without running it
#   eventstudy explain {file}                        # the condition as parsed, its features, the events and the tests a run makes
#   eventstudy run {file} --data-dir ../shared/data  # run it (or set data: below, or $EVENTSTUDY_DATA)
#   eventstudy run {file} --data-dir ../shared/data --output out/{stem}   # CSV, JSON, report.md, report.html, charts
#
# Editor completion and checking (VS Code with the YAML extension): run
#   eventstudy schema > eventstudy.schema.json
# and put this line at the top of the file (without the leading '# '):
#   # yaml-language-server: $schema=eventstudy.schema.json

name: {name}
description: >
  Days when the S&P 500 closed above its 200-day average after being at or below it
  the day before, at most one a month; what did it do over the next year?

# The names used in the condition (left) and the symbol, i.e. the file SYMBOL.csv or
# SYMBOL.parquet in the data directory, each stands for (right). Add more: {{SPX: SPX, RUT: RUT}}.
series: {{SPX: SPX}}

# data: {{dir: ../data}}    # a data directory relative to this file; --data-dir overrides it

# The condition, in the condition language (`eventstudy list features` shows every feature):
#   SPX at ATH                       a new closing high
#   SPX at 52-week high              close >= each of the previous 252 closes
#   SPX drawdown >= 10%              10% or more below the all-time high
#   SPX rsi(14) < 30 for 3 days      oversold three days running
#   SPX return(21) < -5%             down more than 5% over 21 trading days
when: SPX crosses above SPX sma(200)

# Event dates are restricted to the window (features still use all earlier history).
window: {{start: 1990-01-01}}       # end omitted: up to the last day of data

# Keep an event only if it is at least 21 calendar days after the previous kept one;
# '21' would mean 21 trading days, '1mo' a calendar month. Delete the line to keep every day.
decluster: {{gap: 21cd, mode: after_kept}}

# What to measure after each event; `eventstudy list evaluators` shows them all.
# Horizons are trading days of the asset: 1w = 5, 1m = 21, 3m = 63, 6m = 126, 1y = 252.
evaluate:
  - forward_returns: {{assets: [SPX], horizons: [1w, 1m, 3m, 6m, 1y]}}

# Is it more than luck? p-values from the rule re-run on 1,000 resampled histories (prices
# whose returns are reshuffled in blocks, so nothing predicts them; more: finer p-values,
# slower); the same seed always gives the same numbers.
statistics: {{histories: 1000, seed: 7}}
"""

_STEM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def init_path(name: str, *, directory: str | Path | None = None, cwd: str | Path = ".") -> Path:
    """Where ``eventstudy init NAME`` writes: ``NAME`` as given when it is a path
    (``studies/x.yaml``), else ``DIR/NAME.yaml``, with DIR ``--dir``, else ``configs/``
    when the current folder has one, else the current folder."""
    path = Path(name)
    if path.suffix.lower() in (".yaml", ".yml") or len(path.parts) > 1:
        if path.suffix.lower() not in (".yaml", ".yml"):
            path = path.with_suffix(".yaml")
        return path if directory is None else Path(directory) / path
    if not _STEM.match(name):
        raise ConfigError(
            f"{name!r} is not a usable study name",
            hint="use letters, digits, '-', '_' and '.', starting with a letter or digit, e.g. 'spx_golden_cross'",
        )
    folder = Path(directory) if directory is not None else (Path(cwd) / "configs" if (Path(cwd) / "configs").is_dir() else Path(cwd))
    return folder / f"{name}.yaml"


def render_template(path: Path) -> str:
    """The starter study for ``path`` (its stem is the study's name)."""
    stem = path.stem
    title = stem.replace("_", " ").replace("-", " ")
    name = yaml.safe_dump(title, default_style=None).strip().removesuffix("...").strip()
    return TEMPLATE.format(title=title, name=name, file=str(path), stem=stem)


def write_study(name: str, *, directory: str | Path | None = None) -> Path:
    """Write the starter study for ``name`` (see :func:`init_path`); refuse to overwrite.

    Examples
    --------
    >>> write_study("spx_golden_cross")  # doctest: +SKIP
    PosixPath('configs/spx_golden_cross.yaml')
    """
    path = init_path(name, directory=directory)
    text = render_template(path)
    for folder in (path.parent, *path.parent.parents):
        if folder.exists() and not folder.is_dir():
            raise ConfigError(f"{str(folder)!r} is a file, not a folder", hint="--dir names the folder the study goes into")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise ConfigError(
            f"{str(path)!r} already exists: not overwritten",
            location=Location(path=str(path)),
            hint="choose another name, or delete or rename the existing file",
        ) from None
    return path
