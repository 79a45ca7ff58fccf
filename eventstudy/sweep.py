"""Parameter sweeps: every combination of a grid, with data-snooping control.

A grid axis is written ``NAME=v1,v2,...`` (``--grid`` on the command line, or a
``sweep:`` list in the study). NAME is one of:

* ``gap`` / ``mode``: the declustering gap or mode (``decluster.gap`` works too);
* ``X threshold``: the number compared with value ``X`` in the condition, e.g.
  ``RUT drawdown threshold=5%,10%,15%`` for ``RUT drawdown >= 10%``;
* ``when#N``: the N-th number written in the condition (1-based, in reading order),
  e.g. ``when#2=150,200`` for the 200 of ``SPX > SPX sma(200)`` when it is the second;
* any other key path of the study file, e.g. ``trigger`` or ``window.start``.

Features and evaluator outcomes are computed once for the whole grid
(:func:`eventstudy.study.prepare`); each cell only re-evaluates its condition, events and
statistics. A universe study's grid reads its data once and runs each cell's symbol
blocks, with every cell's placebos on one joint null (:mod:`eventstudy.sweep_universe`). The cells are independent, so an executor (:mod:`eventstudy.executor`) can
run them on a local process pool or a Dask cluster, with the same ledger. Every cell's placebo draws use the same seed, so the best cell can be judged
against the best a grid of pure chance produces: White's Reality Check, Hansen's SPA and
Romano-Wolf step-down p-values (:mod:`eventstudy.inference.snooping`). With
``confirm_from``, cells are ranked on the period before that date only, and the best are
then reported on the period from it: the held-out confirmation.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml

from eventstudy.conditions import Compare, Neg, Number, parse, to_text, walk
from eventstudy.conditions.tokens import TokenType, tokenize
from eventstudy.config import Study, parse_study
from eventstudy import progress
from eventstudy.errors import ConfigError, EventStudyError, did_you_mean
from eventstudy.executor import Executor, SerialExecutor
from eventstudy.study import PreparedData, StudyResult, _statistics, evaluate, prepare

__all__ = ["Axis", "SweepResult", "parse_axis", "run_sweep"]


@dataclass(frozen=True)
class Axis:
    """One grid axis: a name as the user wrote it and the values to try (as text)."""

    name: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class SweepResult:
    """A sweep's outcome.

    Attributes
    ----------
    ledger
        One row per grid cell x asset x horizon (x measure): the parameters, the condition
        as run, n, the statistic, its baseline and difference, the placebos' mean (the
        null's centre: random days, or for a universe the same days' other stocks), the
        raw placebo p-value, the studentized z and the Romano-Wolf step-down p-value
        across the whole grid.
    verdict
        ``cells``, ``tests``, ``statistic``, ``reality_check_p``, ``spa_p``, the best row.
    confirmation
        With ``confirm_from``: the best cells re-run on the held-out period (else empty).
    """

    ledger: pl.DataFrame
    verdict: dict[str, Any]
    confirmation: pl.DataFrame = field(default_factory=pl.DataFrame)
    axes: tuple[Axis, ...] = ()


def parse_axis(text: str) -> Axis:
    """``'RUT drawdown threshold=5%,10%'`` -> Axis('RUT drawdown threshold', ('5%', '10%'))."""
    name, sep, values = text.partition("=")
    items = tuple(v.strip() for v in values.split(",") if v.strip())
    if not sep or not name.strip() or not items:
        raise ConfigError(
            f"bad grid axis {text!r}",
            hint="write NAME=v1,v2,... e.g. 'gap=10,21cd,42' or 'RUT drawdown threshold=5%,10%,15%'",
        )
    return Axis(name.strip(), items)


def _number_slots(condition: str) -> list[tuple[int, int]]:
    """Spans of the numbers written in a condition (a percent includes its '%')."""
    tokens = tokenize(condition)
    slots = []
    for i, tok in enumerate(tokens):
        if tok.type is TokenType.NUMBER:
            end = tokens[i + 1].end if i + 1 < len(tokens) and tokens[i + 1].type is TokenType.PERCENT else tok.end
            slots.append((tok.start, end))
    return slots


def _compared_numbers(condition: str) -> list[tuple[str, tuple[int, int]]]:
    """Each value compared with a number in the condition (as text), with that number's span."""
    found = []
    for node in walk(parse(condition)):
        if not isinstance(node, Compare):
            continue
        for side, other in ((node.left, node.right), (node.right, node.left)):
            if isinstance(other, (Number, Neg)):
                found.append((to_text(side), other.span))
    return found


def _threshold_span(condition: str, value_text: str) -> tuple[int, int] | None:
    """Span of the number compared with ``value_text`` (e.g. 'RUT drawdown') in the condition."""
    wanted = " ".join(value_text.lower().split())
    return next((span for text, span in _compared_numbers(condition) if " ".join(text.lower().split()) == wanted), None)


def _substitute(condition: str, span: tuple[int, int], value: str) -> str:
    return condition[: span[0]] + value + condition[span[1] :]


def _apply(raw: dict[str, Any], axis: Axis, value: str) -> None:
    """Set one axis to ``value`` in a copy of the study's raw YAML mapping."""
    name = axis.name
    condition = str(raw["when"])
    if name.lower().endswith(" threshold"):
        subject = name[: -len(" threshold")]
        span = _threshold_span(condition, subject)
        if span is None:
            compared = [text for text, _ in _compared_numbers(condition)]
            valid = ", ".join(f"{t + ' threshold'!r}" for t in compared) or "none: name a number by position, e.g. 'when#1'"
            raise ConfigError(
                f"grid axis {name!r}: the condition compares no number with {subject!r}{did_you_mean(subject, compared)}",
                hint=f"the condition is {condition!r}; threshold axes here: {valid}",
            )
        raw["when"] = _substitute(condition, span, value)
        return
    match = re.fullmatch(r"when#(\d+)", name)
    if match:
        slots = _number_slots(condition)
        k = int(match.group(1))
        if not 1 <= k <= len(slots):
            raise ConfigError(f"grid axis {name!r}: the condition has {len(slots)} number(s)", hint=f"the condition is {condition!r}")
        raw["when"] = _substitute(condition, slots[k - 1], value)
        return
    path = {"gap": "decluster.gap", "mode": "decluster.mode"}.get(name, name).split(".")
    target = raw
    for key in path[:-1]:
        if not isinstance(target.get(key), dict):
            target[key] = {} if target.get(key) is None else target[key]
        target = target[key]
    target[path[-1]] = yaml.safe_load(value) if path[-1] not in ("gap",) else value


def _cell_study(study: Study, axes: Sequence[Axis], values: Sequence[str]) -> Study:
    raw = copy.deepcopy(study.raw)
    for axis, value in zip(axes, values):
        _apply(raw, axis, value)
    raw.pop("sweep", None)
    text = yaml.safe_dump(raw, sort_keys=False)
    where = ", ".join(f"{a.name}={v}" for a, v in zip(axes, values))
    try:
        return parse_study(text, path=study.path)
    except EventStudyError as exc:
        raise ConfigError(f"grid cell {where}: {exc.message}", hint=exc.hint) from None


def run_sweep(
    study: Study,
    axes: Sequence[Axis],
    *,
    data_dir: str | Path | None = None,
    statistic: str = "mean",
    confirm_from: dt.date | None = None,
    top: int = 5,
    executor: Executor | None = None,
    **overrides: Any,
) -> SweepResult:
    """Run every combination of ``axes`` on ``study``; see the module docstring.

    ``executor`` runs the grid cells (:mod:`eventstudy.executor`); None runs them one
    after the other in this process. The data is read and prepared here, once; each
    worker receives the prepared frames once and evaluates the cells it is given. The
    ledger is the same whichever executor runs the cells.
    """
    from eventstudy.inference.multiple import maxstat_stepdown
    from eventstudy.inference.placebo import STATISTICS
    from eventstudy.inference.snooping import reality_check, spa_test

    if not axes:
        raise ConfigError("a sweep needs at least one grid axis", hint="e.g. --grid 'gap=10,21cd,42'")
    if statistic not in STATISTICS:
        raise ConfigError(f"unknown statistic {statistic!r}{did_you_mean(statistic, STATISTICS)}", hint=f"valid: {', '.join(STATISTICS)}")
    settings = _statistics(study, overrides)
    if settings.placebos < 99:
        raise ConfigError("a sweep needs placebos (at least 99) for its snooping control", hint="set --placebos 2000 or more")
    combos = list(itertools.product(*[a.values for a in axes]))
    cells = [_cell_study(study, axes, combo) for combo in combos]
    end = (confirm_from - dt.timedelta(days=1)) if confirm_from else None
    if study.universe is not None:  # data read once; each cell's blocks, events and joint-null draws
        from eventstudy.sweep_universe import UniverseGrid, check_universe_cells, universe_cell_tests
        from eventstudy.universe import load_universe

        check_universe_cells(study, cells, [a.name for a in axes])
        shared: Any = UniverseGrid.prepare(study, cells, load_universe(study, data_dir=data_dir), settings, statistic, end)
        cell_tests: Any = universe_cell_tests
        tests_for = shared.tests
    else:
        prepared = prepare(study, data_dir=data_dir, conditions=[c.when for c in cells])
        shared, cell_tests = _Grid(_tested_only(prepared), settings, statistic, end), _cell_tests
        tests_for = _confirmation(prepared, settings)

    rows, z_obs, z_null = [], [], []
    cell_results = (executor or SerialExecutor()).imap(cell_tests, cells, shared=shared)
    for combo, (cell_rows, cell_z, cell_null) in progress.track(zip(combos, cell_results), "sweep: grid cells", total=len(combos)):
        rows += [{**{a.name: v for a, v in zip(axes, combo)}, **row} for row in cell_rows]
        z_obs += cell_z
        z_null += cell_null
    z_obs_arr, z_null_arr = np.array(z_obs), np.vstack(z_null)
    ledger = pl.DataFrame(rows).with_columns(pl.Series("p_romano_wolf", maxstat_stepdown(z_obs_arr, z_null_arr)))
    ledger = ledger.with_columns(pl.col(pl.Float64).fill_nan(None))
    verdict: dict[str, Any] = {
        "cells": len(combos),
        "tests": ledger.height,
        "statistic": statistic,
        "null": "'dates' (same days, other stocks)" if study.universe is not None else settings.null,
        "placebos": settings.placebos,
        "seed": settings.seed,
        "period": f"{study.window.start or 'start'} .. {end or study.window.end or 'end'}",
        "reality_check_p": reality_check(z_obs_arr, z_null_arr),
        "spa_p": spa_test(z_obs_arr, z_null_arr),
    }
    ranked = ledger.filter(pl.col("z").is_not_null()).sort("z", descending=True, nulls_last=True)
    verdict["best"] = ranked.row(0, named=True) if ranked.height else None
    confirmation = pl.DataFrame()
    if confirm_from is not None and ranked.height:
        confirmation = _confirm(tests_for, cells, combos, axes, ranked.head(top), confirm_from)
    return SweepResult(ledger=ledger, verdict=verdict, confirmation=confirmation, axes=tuple(axes))


@dataclass(frozen=True)
class _Grid:
    """What every cell of a sweep shares (sent to each worker once)."""

    prepared: PreparedData
    settings: Any
    statistic: str
    end: dt.date | None


def _tested_only(prepared: PreparedData) -> PreparedData:
    """``prepared`` without the outcomes no test uses (the implicit chart path): the cells
    only test, and the path is ~90% of the rows, so this is what workers need to receive."""
    tested = pl.col("measure").is_in(prepared.measures["tested"])
    return replace(prepared, all_outcomes=prepared.all_outcomes.filter(tested))


def _cell_tests(grid: _Grid, cell: Study) -> tuple[list[dict[str, Any]], list[float], list[np.ndarray]]:
    """One grid cell: its ledger rows (without the axis values), and per row the
    studentized statistic and its placebo draws, for the grid-wide snooping control.

    Module-level, so an executor can send it to worker processes.
    """
    from eventstudy.inference.design import event_design
    from eventstudy.inference.placebo import STATISTICS
    from eventstudy.inference.significance import draw_banks

    settings, statistic = grid.settings, grid.statistic
    stat = STATISTICS[statistic]
    no_tests = settings.model_copy(update={"placebos": 0})
    result = evaluate(grid.prepared, cell, end=grid.end or cell.window.end, statistics=no_tests)
    tested = _tested_part(result)
    design = event_design(tested)
    banks = draw_banks(design, settings.placebos, settings.seed, settings.null)
    rows, z_obs, z_null = [], [], []
    for c, info in enumerate(design.cells.iter_rows(named=True)):
        events = design.cell_events(c)
        bank = banks[c]
        frame = design.values[c, design.frame(c)]
        baseline = float(stat(frame)) if frame.size else np.nan
        if bank is None:
            observed, null = np.nan, np.full(settings.placebos, np.nan)
        else:
            observed = float(stat(design.values[c, events]))
            null = stat(design.values[c][bank])
        row, z, zn = ledger_row(cell, result.condition, info, int(events.size), statistic, observed, baseline, null)
        rows.append(row)
        z_obs.append(z)
        z_null.append(zn)
    return rows, z_obs, z_null


def ledger_row(
    cell: Study, condition: str, info: dict[str, Any], n: int, statistic: str, observed: float, baseline: float, null: np.ndarray
) -> tuple[dict[str, Any], float, np.ndarray]:
    """One ledger row (without the axis values), its studentized statistic ``z`` and the
    placebo draws on the same scale, for the grid-wide snooping control."""
    from eventstudy.inference.placebo import placebo_test

    test = placebo_test(np.array([observed]), null[None, :])
    sd = test.null_std[0]
    z = (observed - test.null_mean[0]) / sd if sd and sd > 0 else np.nan
    z_null = (null - test.null_mean[0]) / sd if sd and sd > 0 else np.full(null.size, np.nan)
    row = {
        "condition": condition,
        "decluster": f"{cell.decluster.gap.label} {cell.decluster.mode}" if cell.decluster else "none",
        **info,
        "n": n,
        "statistic": statistic,
        "observed": observed,
        "baseline": baseline,
        "difference": observed - baseline,
        "placebo_mean": float(test.null_mean[0]),
        "p_placebo": float(test.p_two_sided[0]),
        "z": z,
    }
    return row, z, z_null


def _tested_part(result: StudyResult) -> StudyResult:
    tested = pl.col("measure").is_in(result.tested_measures)
    return replace(result, outcomes=result.outcomes.filter(tested), baseline_outcomes=result.baseline_outcomes.filter(tested))


def _confirmation(prepared: PreparedData, settings: Any) -> Any:
    """A cell's significance table on a period, from the grid's prepared data."""
    return lambda cell, start: evaluate(prepared, cell, start=start, end=cell.window.end, statistics=settings).tests


def _confirm(
    tests_for: Any,
    cells: list[Study],
    combos: list[tuple[str, ...]],
    axes: Sequence[Axis],
    best: pl.DataFrame,
    confirm_from: dt.date,
) -> pl.DataFrame:
    """The chosen cells' tests on the held-out period ``confirm_from`` .. end."""
    frames = []
    chosen = best.select(*[a.name for a in axes], "measure", "asset", "horizon").rows()
    by_combo = dict(zip(combos, cells))
    for row in chosen:
        combo, (measure, asset, horizon) = tuple(row[: len(axes)]), row[len(axes) :]
        tests = tests_for(by_combo[combo], confirm_from).filter(
            (pl.col("measure") == measure) & (pl.col("asset") == asset) & (pl.col("horizon") == horizon) & (pl.col("statistic") == best["statistic"][0])
        )
        frames.append(
            tests.select(
                *[pl.lit(v).alias(a.name) for a, v in zip(axes, combo)],
                "measure", "asset", "horizon", "statistic", "n", "observed", "baseline", "difference", "p_placebo",
            )
        )
    return pl.concat(frames, how="vertical_relaxed") if frames else pl.DataFrame()
