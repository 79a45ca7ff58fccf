"""A sweep's grid: its axes, what each sets in the study, and the checks that refuse a
grid whose cells would not be what their axis values say.

An axis is written ``NAME=v1,v2,...`` (``--grid``) or as an entry of the study's
``sweep:`` list (``{name: gap, values: [10, 21cd, 42]}``); what NAME may be is in
:mod:`eventstudy.sweep`. :func:`grid_cells` turns the axes into one study per cell
before any data is read, so ``eventstudy validate`` refuses what ``eventstudy sweep``
would, and an error about an axis of the study's ``sweep:`` block points at the line
that writes it (an axis given with ``--grid`` is named in the message).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import yaml

from eventstudy.conditions import Compare, Neg, Number, parse, resolve, to_text, walk
from eventstudy.conditions.ranges import range_warnings
from eventstudy.conditions.tokens import TokenType, tokenize
from eventstudy.config import Loc, Study, study_from_mapping
from eventstudy.errors import ConfigError, EventStudyError, Location, did_you_mean
from eventstudy.periods import parse_gap

__all__ = ["MAX_CELLS", "Axis", "decided_values", "grid_cells", "parse_axis", "study_axes", "written_at"]


@dataclass(frozen=True)
class Axis:
    """One grid axis: a name as the user wrote it and the values to try (as text; a number
    or a date given in code is taken as its text, as a study's ``sweep:`` list writes it)."""

    name: str
    values: tuple[str, ...]

    def __post_init__(self) -> None:
        if isinstance(self.values, str):  # 'gap', '21cd' would have been the values '2', '1', 'c', 'd'
            raise TypeError(f"the values of grid axis {self.name!r} are one text, {self.values!r}: give a sequence, e.g. ('10', '21cd')")
        # Axis('RUT drawdown threshold', (0.05, 0.1)) ended in "can only concatenate str (not 'float') to str"
        object.__setattr__(self, "values", tuple(_as_text(v) for v in self.values))


def parse_axis(text: str) -> Axis:
    """``'RUT drawdown threshold=5%,10%'`` -> Axis('RUT drawdown threshold', ('5%', '10%'))."""
    if not isinstance(text, str):  # a list ended in "'list' object has no attribute 'partition'"
        raise TypeError(f"an axis is of type {type(text).__name__}: parse_axis takes one axis as text, e.g. 'gap=10,21cd,42'")
    name, sep, values = text.partition("=")
    items = tuple(v.strip() for v in values.split(",") if v.strip())
    if not sep or not name.strip() or not items:
        raise ConfigError(
            f"bad grid axis {text!r}",
            hint="write NAME=v1,v2,... e.g. 'gap=10,21cd,42' or 'RUT drawdown threshold=5%,10%,15%'",
        )
    return Axis(name.strip(), items)


def _number_slots(condition: str) -> list[tuple[int, int]]:
    """Spans of the numbers written in a condition (a percent includes its '%', a negative
    number its minus: ``when#N=-3%`` on '< -5%' sets the number -5% to -3%, as a threshold
    axis does, where '< --3%' read +3%)."""
    tokens = tokenize(condition)
    try:
        negated = [node.span for node in walk(parse(condition)) if isinstance(node, Neg) and isinstance(node.operand, Number)]
    except EventStudyError:  # an earlier axis's value broke it: refused with the cell's own message
        negated = []
    slots = []
    for i, tok in enumerate(tokens):
        if tok.type is TokenType.NUMBER:
            end = tokens[i + 1].end if i + 1 < len(tokens) and tokens[i + 1].type is TokenType.PERCENT else tok.end
            slots.append(next((span for span in negated if span[0] < tok.start < span[1]), (tok.start, end)))
    return slots


def _compared_numbers(condition: str) -> list[tuple[str, tuple[int, int]]]:
    """Each value compared with a number in the condition (as text), with that number's span."""
    found = []
    for node in walk(parse(condition)):
        if not isinstance(node, Compare):
            continue
        for side, other in ((node.left, node.right), (node.right, node.left)):
            if isinstance(other, Number) or (isinstance(other, Neg) and isinstance(other.operand, Number)):  # not '-RUT return(21)'
                found.append((to_text(side), other.span))
    return found


def _threshold_span(condition: str, value_text: str) -> tuple[int, int] | None:
    """Span of the number compared with ``value_text`` (e.g. 'RUT drawdown') in the condition."""
    wanted = " ".join(value_text.lower().split())
    spans = [span for text, span in _compared_numbers(condition) if " ".join(text.lower().split()) == wanted]
    if len(spans) > 1:  # the first would be set without a word, the others kept
        slots = _number_slots(condition)
        positions = [next(k for k, (start, _) in enumerate(slots, start=1) if span[0] <= start < span[1]) for span in spans]
        raise ConfigError(
            f"grid axis {value_text + ' threshold'!r}: the condition compares {len(spans)} numbers with {value_text!r} "
            f"({', '.join(condition[a:b] for a, b in spans)}), and the axis would set the first only",
            hint=f"name the number by its place in the condition: {' or '.join(repr(f'when#{k}') for k in positions)} "
            f"(the condition is {condition!r})",
        )
    return spans[0] if spans else None


_NO_NUMBER = "sweep whole conditions with 'when=...', or 'gap', 'mode', 'trigger' or the window"
"""What a condition that writes no number can be swept by ('SPX at ATH': no threshold, no when#1)."""


def _substitute(condition: str, span: tuple[int, int], value: str) -> str:
    return condition[: span[0]] + value + condition[span[1] :]


def _apply(raw: dict[str, Any], axis: Axis, value: str) -> None:
    """Set one axis to ``value`` in a copy of the study's raw YAML mapping."""
    name = axis.name
    condition = str(raw["when"])
    _check_value(axis, value)
    if name.lower().endswith(" threshold"):
        subject = name[: -len(" threshold")]
        span = _threshold_span(condition, subject)
        if span is None:
            compared = [text for text, _ in _compared_numbers(condition)]
            valid = ", ".join(f"{t + ' threshold'!r}" for t in compared) or (
                "none: name a number by position, e.g. 'when#1'" if _number_slots(condition) else f"none, nor any number ({_NO_NUMBER})"
            )
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
            raise ConfigError(
                f"grid axis {name!r}: the condition has {len(slots)} number(s)",
                hint=f"the condition is {condition!r}" + ("" if slots else f", which writes no number ({_NO_NUMBER})"),
            )
        raw["when"] = _substitute(condition, slots[k - 1], value)
        return
    path = {"gap": "decluster.gap", "mode": "decluster.mode"}.get(name, name).split(".")
    target = raw
    for depth, key in enumerate(path[:-1]):
        if target.get(key) is None:
            target[key] = {}
        if not isinstance(target[key], dict):
            raise ConfigError(
                f"grid axis {name!r}: {'.'.join(path[: depth + 1])!r} is a value, not a mapping with keys to vary",
                hint="name a key of the study file, e.g. 'decluster.gap' or 'window.start'",
            )
        target = target[key]
    # a gap and a condition are text as written (YAML would read a tab, a '!', '*' or '|' in
    # a condition as its own syntax, and a ' #' as a comment); a date, a number, a mode are YAML
    target[path[-1]] = value if path[-1] == "gap" else _condition_text(value) if path == ["when"] else _yaml_value(value)


def _yaml_value(value: str) -> object:
    """A date, a number or a mode as YAML reads it, or the text as written where YAML
    cannot read it (a day the month lacks, '2020-02-30', ended in 'ValueError: day is out of
    range for month'; '@x' or '[edge' in YAML's own errors): the study's check then refuses
    it with the message it gives in the file."""
    try:
        return yaml.safe_load(value)
    except (yaml.YAMLError, ValueError):
        return value


def _condition_text(value: str) -> str:
    """A 'when' value as the condition's text: as written, less the quotes around it where
    it is quoted as a whole (``when="SPX at ATH","RUT at ATH"`` in a shell, which YAML read
    as the condition inside; the condition language has no quotes of its own)."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        try:
            inside = yaml.safe_load(value)
        except yaml.YAMLError:  # '"SPX at ATH" and "RUT at ATH"': not one quoted text, refused as written
            return value
        if isinstance(inside, str):
            return inside
    return value


def _check_value(axis: Axis, value: str) -> None:
    if _sets_a_number(axis) and _number_of(value) is None:
        raise ConfigError(  # spliced into the condition it would change it ('SIG > PX sma(5) or SIG > 0'), not its number
            f"grid axis {axis.name!r}: {value!r} is not a number",
            hint="a threshold or when#N axis sets a number of the condition: e.g. 150, -2.5 or 10%; vary 'when' for other conditions",
        )


MAX_CELLS = 2_000
"""Grid cells a sweep runs at most: each is a full study, and every one more makes the best
cell's snooping control stricter (a 10^6-cell grid ran silently for hours)."""

VARIABLE = ("when", "trigger", "decluster", "window")
"""Top-level keys a grid may vary: what the engine evaluates on the prepared panel."""

SETTINGS = ("gap", "mode", "when", "trigger", "window.start", "window.end", "decluster.gap", "decluster.mode")
"""The axis names a grid may use, other than a threshold or ``when#N``: what a misspelt one is likely to mean."""

LABELS = ("name", "description")
"""Keys that only label a study: every cell of an axis over them would be the same study."""


def _check_axis(axis: Axis, universe: bool) -> None:
    """Refuse an axis the sweep cannot apply cell by cell (module docstring)."""
    name = axis.name
    if _sets_a_number(axis) or name in ("gap", "mode"):
        return
    top = name.split(".", 1)[0]
    if top in VARIABLE:
        return
    if top in LABELS:
        raise ConfigError(
            f"grid axis {name!r} varies only the study's {top}: every cell would be the same study, run and paid for by "
            "the snooping control once per value",
            hint="sweep the condition's numbers ('X threshold', 'when#N'), 'when', 'gap', 'mode', 'trigger' or the window",
        )
    if top not in Study.model_fields:  # a misspelt axis, not a setting the grid must share
        raise ConfigError(
            f"grid axis {name!r} names no setting of the study{did_you_mean(name, SETTINGS)}",
            hint="sweep the condition's numbers ('X threshold', 'when#N'), 'when', 'gap', 'mode', 'trigger' or the window "
            "('window.start', 'window.end')",
        )
    kind = "a universe sweep" if universe else "a sweep"
    raise ConfigError(
        f"{kind} cannot vary {top!r} (grid axis {name!r}): the grid's data, features and outcomes are prepared "
        "once and tested on one joint null, so every cell shares its series, universe, data, evaluators and statistics",
        hint="sweep the condition's numbers ('X threshold', 'when#N'), 'when', 'gap', 'mode', 'trigger' or the window; "
        "run other variants as separate studies",
    )


def _target(axis: Axis, condition: str) -> tuple[str, ...] | tuple[int, int] | None:
    """What ``axis`` sets: a key path of the study, or the span of a number in the condition
    (None: a threshold or ``when#N`` that names no number, refused with its own message)."""
    name = axis.name
    if name.lower().endswith(" threshold"):
        return _threshold_span(condition, name[: -len(" threshold")])
    match = re.fullmatch(r"when#(\d+)", name)
    if match:
        slots = _number_slots(condition)
        return slots[int(match.group(1)) - 1] if 1 <= int(match.group(1)) <= len(slots) else None
    return tuple({"gap": "decluster.gap", "mode": "decluster.mode"}.get(name, name).split("."))


def _sets_a_number(axis: Axis) -> bool:
    """Whether ``axis`` sets a number of the condition ('X threshold', ``when#N``)."""
    return axis.name.lower().endswith(" threshold") or re.fullmatch(r"when#\d+", axis.name) is not None


def _number_of(value: str) -> float | None:
    """``value`` as the condition language reads a number ('10%' is 0.1, '-2' is -2), or
    None when it is not one (a word, an expression)."""
    try:
        node = parse(f"x > {value}")
    except EventStudyError:
        return None
    if not isinstance(node, Compare):
        return None
    number, sign = (node.right.operand, -1) if isinstance(node.right, Neg) else (node.right, 1)
    if not isinstance(number, Number):
        return None
    return sign * (number.value / 100 if number.percent else number.value)


def _value_key(axis: Axis, value: str) -> object:
    """What a value of ``axis`` sets, to find two values that set the same: a condition's
    number by its value ('10%' and '0.1' alike), any other value by its text."""
    if axis.name in ("gap", "decluster.gap"):  # '10' and '10td' alike, '3w' and '21cd'
        try:
            gap = parse_gap(value)
        except ConfigError:
            return value  # refused, with its own message, where the cell is parsed
        return (gap.amount, gap.unit)
    if axis.name == "when":  # 'SPX at ATH and RUT drawdown >= 10%' and '... >= 0.1', or in other spacing or brackets
        try:
            return _condition_key(parse(_condition_text(value)))
        except EventStudyError:
            return value  # refused, with its own message, where the cell is parsed
    number = _number_of(value) if _sets_a_number(axis) else None
    return value if number is None else number  # not a number: refused where it is applied


def _condition_key(node: object) -> object:
    """A parsed condition as a value to compare: its nodes without their spans, a number by
    its value (10% and 0.1 alike)."""
    if isinstance(node, Number):
        return ("number", node.value / 100 if node.percent else node.value)
    if dataclasses.is_dataclass(node):
        return (type(node).__name__, *(_condition_key(getattr(node, f.name)) for f in dataclasses.fields(node) if f.compare))
    if isinstance(node, (tuple, list)):
        return tuple(_condition_key(item) for item in node)
    return node


def _check_grid(study: Study, axes: Sequence[Axis]) -> None:
    """Refuse a grid whose cells would not be what their axis values say: an axis without
    values, a value listed twice (its cells run and counted twice), a declustering mode with
    no gap to apply to, or two axes that set the same thing (the later would override the
    earlier in every cell)."""
    for axis in axes:
        if not axis.values:
            raise ConfigError(f"grid axis {axis.name!r} has no values", hint="write NAME=v1,v2,... e.g. 'gap=10,21cd,42'")
        keys = [_value_key(axis, v) for v in axis.values]
        twice = next((i for i in range(len(keys)) if keys[i] in keys[:i]), None)
        if twice is not None:
            again, earlier = axis.values[twice], axis.values[keys.index(keys[twice])]
            same = "the same number" if _sets_a_number(axis) else "the same condition" if axis.name == "when" else "the same gap"
            listed = f"{again!r} twice" if again == earlier else f"{earlier!r} and {again!r}, {same}"
            with _placed(study, axis, twice):
                raise ConfigError(
                    f"grid axis {axis.name!r} lists {listed}: its cells would be run, and paid for by the snooping control, twice",
                    hint="list each value once",
                )
    names = {axis.name for axis in axes}
    mode = next((axis for axis in axes if axis.name in ("mode", "decluster.mode")), None)
    if mode is not None and study.decluster is None and not names & {"gap", "decluster.gap"}:
        with _placed(study, mode):  # each cell was refused: "missing required key 'gap' in decluster", with no hint
            raise ConfigError(
                f"grid axis {mode.name!r} picks how events are declustered, but the study keeps every day (it has no "
                "decluster:): there is no gap for a mode to apply to",
                hint="add 'decluster: {gap: 21}' (your gap) to the study, or a 'gap' axis beside this one",
            )
    targets = []
    for axis in axes:
        with _placed(study, axis):  # a threshold the condition compares with two numbers is refused where it is written
            targets.append((axis, _target(axis, study.when)))
    for i, (a, first) in enumerate(targets):
        for b, second in targets[:i]:
            if first is None or second is None:
                continue
            if isinstance(first[0], str) and isinstance(second[0], str):
                shorter = min(len(first), len(second))
                clash = first[:shorter] == second[:shorter]
            elif isinstance(first[0], int) and isinstance(second[0], int):
                clash = first[0] < second[1] and second[0] < first[1]
            else:  # a number of the condition, then the whole condition: the number is lost (the other way round, each condition's own number is set)
                clash = first == ("when",)
            if clash and a.name != b.name and written_at(study, b) is not None and written_at(study, a) is None:
                # a --grid axis (run_sweep's) beside the sweep: list's: it replaces an axis of its name only
                raise ConfigError(
                    f"grid axis {a.name!r} sets what the study's sweep: axis {b.name!r} sets: in every cell {a.name!r} would "
                    f"override {b.name!r}",
                    hint=f"give it the name the sweep: list uses (--grid '{b.name}=...'), which replaces that axis's values, or edit the list",
                    location=written_at(study, b),
                )
            if clash:
                with _placed(study, a):
                    raise ConfigError(
                        f"grid axis {a.name!r} is given twice" if a.name == b.name else
                        f"grid axes {b.name!r} and {a.name!r} set the same thing: in every cell {a.name!r} would override {b.name!r}",
                        hint="give each setting one axis (e.g. 'gap' or 'decluster.gap', a threshold or 'when#N')",
                    )


def _cell_study(study: Study, axes: Sequence[Axis], values: Sequence[str]) -> Study:
    """The study of one grid cell: each axis set to its value in a copy of the study file."""
    raw = study.raw  # a copy
    for axis, value in zip(axes, values):
        with _placed(study, axis, axis.values.index(value) if value in axis.values else None):
            _check_value(axis, value)
        with _placed(study, axis):  # what the axis names: a number the condition lacks, a key that is a value
            _apply(raw, axis, value)
    raw.pop("sweep", None)
    where = ", ".join(f"{a.name}={v}" for a, v in zip(axes, values))
    try:
        return study_from_mapping(raw, path=study.path)
    except EventStudyError as exc:
        own = [i for i, axis in enumerate(axes) if written_at(study, axis) is not None]
        # the cell's own file is generated: shown at the value of the study's own axis that fails on its own (else,
        # values that fail together, at the last one applied); a --grid axis's is named in the message only
        culprit = next((i for i, (axis, value) in enumerate(zip(axes, values)) if not _valid_alone(study, axis, value)), None)
        if culprit is None and own:
            culprit = own[-1]
        hint = exc.hint
        if any(re.fullmatch(r"when#\d+", axis.name) for axis in axes):  # which number of the condition each when#N set
            slots = _number_slots(study.when)
            named = ", ".join(f"when#{k} is {study.when[a:b]}" for k, (a, b) in enumerate(slots, start=1))
            hint = f"{hint}; " if hint else ""
            hint += f"in {study.when!r}, {named}"
        error = ConfigError(f"grid cell {where}: {exc.message}", hint=hint)
        if culprit in own:
            axis = axes[culprit]
            error.location = written_at(study, axis, axis.values.index(values[culprit]))
        raise error from None


def _valid_alone(study: Study, axis: Axis, value: str) -> bool:
    """Whether the study with ``axis`` alone set to ``value`` is valid (which of a failed
    cell's values to point at)."""
    raw = study.raw
    try:
        _apply(raw, axis, value)
        raw.pop("sweep", None)
        study_from_mapping(raw, path=study.path)
    except EventStudyError:
        return False
    return True


def study_axes(study: Study) -> list[Axis]:
    """The axes of the study's own ``sweep:`` list, their values as text (a date as
    YYYY-MM-DD, a number as YAML wrote it)."""
    return [Axis(spec.name, tuple(_as_text(v) for v in spec.values)) for spec in study.sweep]


def _as_text(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def grid_cells(study: Study, axes: Sequence[Axis]) -> tuple[list[tuple[str, ...]], list[Study]]:
    """Every combination of ``axes``' values, and the study of each, after refusing an axis
    the sweep cannot apply, a value listed twice, two axes that set one thing and a grid of
    more than :data:`MAX_CELLS` cells. Reads no data: ``eventstudy validate`` checks the
    study's own ``sweep:`` block with it."""
    refuse_event_study(study)
    for axis in axes:
        with _placed(study, axis):
            _check_axis(axis, study.universe is not None)
    _check_grid(study, axes)
    cells_asked = math.prod(len(a.values) for a in axes)
    if cells_asked > MAX_CELLS:
        raise ConfigError(
            f"the grid has {cells_asked:,} cells; a sweep runs at most {MAX_CELLS:,}",
            location=study.source.location(("sweep",), key=True) if all(written_at(study, a) for a in axes) else None,
            hint="fewer values per axis (each cell is a study and a test the snooping control must pay for)",
        )
    combos = list(itertools.product(*[a.values for a in axes]))
    return combos, [_cell_study(study, axes, combo) for combo in combos]


def refuse_event_study(study: Study) -> None:
    """A sweep tests its cells' evaluators; a study's ``event_study:`` block would be left
    out of every cell without a word (its abnormal returns and tests are no cell's)."""
    if study.event_study is not None:
        raise ConfigError(
            "a sweep compares its cells' evaluator tests and does not run the study's event_study: block (no cell would have "
            "its abnormal returns or its tests)",
            location=study.source.location(("event_study",), key=True),
            hint="sweep a copy of the study without event_study: (its evaluate: list is swept), and run the event study with 'eventstudy run'",
        )


def written_at(study: Study, axis: Axis, position: int | None = None) -> Location | None:
    """Where the study's own ``sweep:`` list writes ``axis`` (its name, or its value at
    ``position``); None for an axis given on the command line or in code."""
    for i, spec in enumerate(study.sweep):
        if spec.name == axis.name and tuple(_as_text(v) for v in spec.values) == axis.values:
            loc: Loc = ("sweep", i, "name") if position is None else ("sweep", i, "values", position)
            where = study.source.location(loc)
            return where if where.line is not None else None
    return None


@contextmanager
def _placed(study: Study, axis: Axis, position: int | None = None) -> Iterator[None]:
    """Show a ConfigError about ``axis`` where the study file writes it, if it does."""
    try:
        yield
    except ConfigError as exc:
        if exc.location is None:
            exc.location = written_at(study, axis, position)
        raise


def decided_values(axes: Sequence[Axis], combos: list[tuple[str, ...]], cells: list[Study], *, universe: bool) -> list[str]:
    """What a run warns of each cell's condition (``combos[i]``'s values, ``cells[i]``'s
    study): a comparison that its feature's range decides (it can never hold, or holds on
    every day: ``SPX drawdown >= 5`` for 5%), each with the cells whose condition has it;
    for a sweep's verdict and ``eventstudy validate``."""
    found: dict[str, list[str]] = {}
    warned: dict[str, list[str]] = {}  # per distinct condition: a gap or window axis leaves it as it is
    for combo, cell in zip(combos, cells):
        if cell.when not in warned:
            warned[cell.when] = range_warnings(resolve(parse(cell.when), list(cell.series), universe=universe))
        for warning in warned[cell.when]:
            found.setdefault(warning.removeprefix("warning: "), []).append(", ".join(f"{a.name}={v}" for a, v in zip(axes, combo)))
    return [
        f"{warning} ({'in every cell' if len(where) == len(cells) else ('in the cell ' if len(where) == 1 else 'in the cells ') + '; '.join(where)})."
        for warning, where in found.items()
    ]
