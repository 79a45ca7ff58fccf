"""The config stage: a YAML study file validated into typed objects before anything runs.

YAML is loaded with PyYAML's safe loader; the composed node tree is kept beside the data
so that every error (schema, condition, evaluator parameters) names ``file:line:col`` and
draws a caret under the offending text. The schema itself is a set of pydantic models,
which also gives the JSON Schema of study files for free.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import hashlib
import importlib
import importlib.machinery
import importlib.util
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from eventstudy.conditions import Node, OnEvents, parse, resolve, walk
from eventstudy.conditions.tokens import KEYWORDS
from eventstudy.data.providers import PROVIDERS
from eventstudy.errors import (
    ConfigError,
    EventStudyError,
    Location,
    MissingDataError,
    UnknownNameError,
    did_you_mean,
)
from eventstudy.estimation import MIN_DEGREES_OF_FREEDOM, fewest_estimation_days, model_parameters
from eventstudy.evaluators import EVALUATORS, UNIVERSE, Evaluator, EvaluatorSpec, written_percent
from eventstudy.inference.event_test_names import EVENT_TEST_NAMES
from eventstudy.inference.sampler_names import SAMPLERS
from eventstudy.periods import MAX_TRADING_DAYS, Gap, parse_gap, pydantic_parser
from eventstudy.registry import import_plugin

__all__ = [
    "UNIVERSE_HISTORIES",
    "UNIVERSE_NULLS",
    "BaselineSpec",
    "DataSpec",
    "DeclusterSpec",
    "EvaluatorSpec",
    "EventStudySpec",
    "SourceMap",
    "StatisticsSpec",
    "Study",
    "SweepAxisSpec",
    "UniverseSpec",
    "WindowSpec",
    "check_event_names",
    "load_study",
    "nulls",
    "parse_study",
    "require_checked",
    "resolve_evaluators",
    "study_from_mapping",
]

Loc = tuple[str | int, ...]


@dataclass
class SourceMap:
    """The YAML node tree of a study file, to turn a key path into ``file:line:col``."""

    path: str | None
    text: str
    root: yaml.Node | None
    lines: list[str] = field(init=False)

    def __post_init__(self) -> None:
        # PyYAML's marks do not count a byte-order mark: neither do the lines shown
        self.lines = self.text.removeprefix("\ufeff").splitlines()

    def _walk(self, loc: Loc) -> tuple[yaml.Node | None, yaml.Node | None]:
        """(value node, key node) at ``loc``, stopping at the deepest node that exists."""
        node, key_node = self.root, None
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if isinstance(k, yaml.ScalarNode) and k.value == str(part):
                        node, key_node = v, k
                        break
                else:
                    return node, key_node
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node, key_node = node.value[part], None
            else:
                return node, key_node
        return node, key_node

    def node(self, loc: Loc) -> yaml.Node | None:
        return self._walk(loc)[0]

    def location(self, loc: Loc, *, key: bool = False) -> Location:
        value, key_node = self._walk(loc)
        node = key_node if (key and key_node is not None) else value
        if node is None:
            return Location(path=self.path)
        return self.mark_location(node.start_mark, _node_length(node))

    def mark_location(self, mark: yaml.Mark, length: int = 1) -> Location:
        line = self.lines[mark.line] if mark.line < len(self.lines) else None
        return Location(path=self.path, line=mark.line + 1, column=mark.column + 1, length=length, source_line=line)

    def anchor_in_scalar(self, error: EventStudyError, loc: Loc) -> EventStudyError:
        """Place an error whose span points into the string at ``loc`` in the file."""
        node = self.node(loc)
        if not isinstance(node, yaml.ScalarNode):
            error.location = self.location(loc)
            return error
        start = node.start_mark
        single_line = start.line == node.end_mark.line and node.style in (None, "", "'", '"')
        if single_line and start.line < len(self.lines):
            line = self.lines[start.line]
            if node.style not in ("'", '"'):
                return error.anchor(self.path, start.line + 1, start.column + 1, line)
            # quoted: an escape (\" \\ \t \u00e9, or '' in single quotes) is written in more
            # columns than the one character it stands for
            columns = self._quoted_columns(line, start.column, node.style)
            lo, hi = error.span if error.span else (0, 1)
            if len(columns) == len(str(node.value)) + 1 and 0 <= lo <= hi < len(columns):
                error.location = Location(
                    path=self.path, line=start.line + 1, column=columns[lo] + 1, length=max(1, columns[hi] - columns[lo]), source_line=line
                )
                return error
            return error.anchor(self.path, start.line + 1, start.column + 2, line)
        # A block or multi-line scalar: find the bad token on its own line (the n-th time
        # the text holds it is the n-th time the file's lines do), and draw the caret there.
        text = str(node.value)
        lo, hi = error.span if error.span else (0, 0)
        token = text[lo:hi]
        if token.strip() and "\n" not in token:
            nth = text.count(token, 0, lo)
            for line_no in range(start.line, min(node.end_mark.line + 1, len(self.lines))):
                line = self.lines[line_no]
                col = line.find(token, start.column + 1 if line_no == start.line else 0)
                while col >= 0:
                    if nth == 0:
                        error.location = Location(path=self.path, line=line_no + 1, column=col + 1, length=hi - lo, source_line=line)
                        return error
                    nth -= 1
                    col = line.find(token, col + len(token))
        if not text[lo:].strip():  # the end of the condition: after its last character
            end = self._scalar_end(node)
            if end is not None:
                error.location = end
                return error
        error.location = Location(path=self.path, line=start.line + 1)  # not found as written (an escape, a fold): the first line
        return error

    def _scalar_end(self, node: yaml.ScalarNode) -> Location | None:
        """Where a multi-line scalar's text ends in the file: one column past its last
        character, as a one-line condition's end is shown."""
        start, end = node.start_mark, node.end_mark
        for line_no in range(min(end.line, len(self.lines) - 1), start.line - 1, -1):
            if line_no == start.line and node.style in (">", "|"):
                break  # the line of the '>' or '|' holds no text of the scalar
            line = self.lines[line_no]
            written = line[: end.column] if line_no == end.line else line
            quoted = node.style in ("'", '"')
            if quoted and line_no == end.line:
                written = written[:-1]  # its closing quote
            if line_no == start.line:  # the key before the scalar, and its opening quote
                skip = start.column + quoted
                written = " " * skip + written[skip:]
            content = written.rstrip()
            if content.strip():
                return Location(path=self.path, line=line_no + 1, column=len(content) + 1, source_line=line)
        return None

    @staticmethod
    def _quoted_columns(line: str, quote: int, style: str) -> list[int]:
        """The 0-based column of ``line`` where each character of a one-line quoted scalar
        (opening quote at ``quote``) is written, then the column of its closing quote."""
        columns, i = [], quote + 1
        while i < len(line):
            width = 1
            if line[i] == style:
                if style == '"' or not line.startswith("''", i):
                    break
                width = 2  # '' is '
            elif line[i] == "\\" and style == '"':
                width = 2 + {"x": 2, "u": 4, "U": 8}.get(line[i + 1 : i + 2], 0)  # \x41, \u00e9, \U0001F600
            columns.append(i)
            i += width
        return [*columns, i]


def _node_length(node: yaml.Node) -> int:
    if isinstance(node, yaml.ScalarNode) and node.start_mark.line == node.end_mark.line:
        return max(1, node.end_mark.column - node.start_mark.column)
    return 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


def _not_a_flag(value: Any, what: str, hint: str) -> Any:
    """``value``, unless it is YAML's yes or no, which pydantic would take for 1 or 0 of a
    count (``what``: 'a number', 'a number of days'): refused with ``hint``."""
    if isinstance(value, bool):
        raise PydanticCustomError("bool_count", "{value} is yes or no, not {what}", {"value": str(value).lower(), "what": what, "hint": hint})
    return value


class DataSpec(_Model):
    """Where the prices come from, and how series on different calendars are aligned."""

    dir: str | None = Field(None, description="data directory, relative to the study file")
    provider: str | None = Field(
        None,
        description=(
            "download source for series not in the data directory: 'yahoo' (SPX, RUT, NDX, DJI aliases), "
            "'fred' (series ids), or a plug-in; null: any provider's cache, pulling from yahoo"
        ),
    )
    align: Literal["inner", "ffill"] = Field(
        "inner",
        description=(
            "'inner': the dates on which every series has a close; 'ffill': the first series' dates, "
            "the others carried forward for at most max_stale of its trading days"
        ),
    )
    max_stale: int = Field(
        3, ge=0, le=MAX_TRADING_DAYS,
        description="with align: ffill, how many of the first series' trading days a value may be carried forward",
    )

    @field_validator("provider")
    @classmethod
    def _known_provider(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if value not in PROVIDERS:
            raise PydanticCustomError(
                "unknown_provider",
                "unknown provider {name}{suggestion}",
                {"name": repr(value), "suggestion": did_you_mean(value, PROVIDERS), "hint": f"valid providers: {', '.join(PROVIDERS)}"},
            )
        return value.lower()

    @field_validator("max_stale", mode="before")
    @classmethod
    def _days_not_a_flag(cls, value: Any) -> Any:
        """``max_stale: true`` read as 1 day (and ``false`` as 0): a count of days is a number."""
        return _not_a_flag(value, "a number of days", "give how many of the first series' trading days a value may be carried forward, e.g. 3")

    @model_validator(mode="after")
    def _stale_needs_ffill(self) -> DataSpec:
        if "max_stale" in self.model_fields_set and self.align != "ffill":
            raise PydanticCustomError(
                "stale_without_ffill",
                "max_stale applies only to align: ffill",
                {"hint": "add 'align: ffill' or drop max_stale"},
            )
        return self


_NUMBER_TEXT = re.compile(r"\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*")
"""A number written in quotes, which pydantic reads as seconds since 1970 where a date is asked for."""


class WindowSpec(_Model):
    """Event dates are restricted to [start, end]; either end may be open (null)."""

    start: dt.date | None = Field(None, description="first event date (YYYY-MM-DD); features still use earlier history")
    end: dt.date | None = Field(None, description="last event date; forward returns may use data after it")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _a_date_not_a_number(cls, value: Any, info: ValidationInfo) -> Any:
        """A number is no date: pydantic reads 2020 as 2020 seconds after 1970 (refused
        for its time of day, 'datetimes provided to dates should have zero time'), 0 or
        86400 as 1970-01-01 or 02 (taken), and true as 1 second after; a number in quotes
        ('2020', '0') the same. Nor is a time of day, written or quoted ('2020-01-01 10:00'):
        pydantic said 'datetimes provided to dates should have zero time - e.g. be exact dates'."""
        written = value
        if isinstance(value, str) and len(value) > 10:  # '2020-01-01 10:00' (YAML's text) or a quoted timestamp
            try:
                value = dt.datetime.fromisoformat(value)
            except ValueError:
                value = written
        if isinstance(value, dt.datetime) and value.time() != dt.time():  # pydantic's 'datetimes ... should have zero time'
            raise PydanticCustomError(
                "date_time", "it has a time of day, and a window bound is a date",
                {"hint": f"write the date alone, YYYY-MM-DD: {value.date().isoformat()} (events are days)"},
            )
        value = written
        if isinstance(value, str) and _NUMBER_TEXT.fullmatch(value):
            value = float(value) if "." in value else int(value)
        if not isinstance(value, (bool, int, float)):
            return value
        day = "01-01" if info.field_name == "start" else "12-31"
        if isinstance(value, int) and not isinstance(value, bool) and 1800 <= value <= 2200:  # a year
            hint = f"write the date as YYYY-MM-DD: {value}-{day} for the year {value}"
        else:
            hint = f"write the date as YYYY-MM-DD, e.g. 2020-{day}"
        what = "yes or no" if isinstance(value, bool) else "a number"
        shown = repr(written) if isinstance(written, str) else str(value).lower() if isinstance(value, bool) else str(value)
        raise PydanticCustomError("date_number", "{value} is {what}, not a date", {"value": shown, "what": what, "hint": hint})


class DeclusterSpec(_Model):
    """Drop clustered events: keep one at least ``gap`` after the previous kept (or any) one."""

    gap: Gap = Field(description="'21' / '21td' trading days, '21cd' calendar days, '4w', '1mo'")
    mode: Literal["after_kept", "after_any"] = Field(
        "after_kept", description="after_kept: a gap after the previous kept event; after_any: after the previous raw event"
    )

    _parse_gap = field_validator("gap", mode="before")(pydantic_parser(parse_gap, Gap, "bad_gap"))


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _no_control_characters(value: str | None) -> str | None:
    """Text shown in terminals and reports: a control character (an ESC that recolours or
    rewrites the terminal, a BEL) is refused where it is written."""
    if value is not None:
        found = _CONTROL.search(value)
        if found:
            raise PydanticCustomError(
                "control_character",
                "{message}",
                {"message": f"the control character U+{ord(found.group()):04X} is not allowed in text shown in reports", "hint": "remove it"},
            )
    return value


class UniverseSpec(_Model):
    """The symbols a universe study runs over: listed, from a file, or all of a long data file."""

    symbols: list[str] | None = Field(None, description="the symbols, e.g. [AAPL, MSFT]")
    file: str | None = Field(None, description="a text file with one symbol per line (relative to the study file)")
    data_file: str | None = Field(None, description="every symbol of this long data file in the data directory")
    exclude: list[str] = Field(default_factory=list, description="symbols to leave out")
    label: str = Field("stocks", description="how the pooled universe is named in tables")

    @field_validator("label")
    @classmethod
    def _printable(cls, value: str) -> str:
        if not value.strip():  # every table would show the stocks under a blank name, and their excess return as '-SPX'
            raise PydanticCustomError(
                "blank_label", "{message}", {"message": "the label names the universe's stocks in every table, and it is blank", "hint": "give it a name, e.g. stocks (the default)"}
            )
        return _no_control_characters(value) or value

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, list):
            return {"symbols": value}
        return value

    @model_validator(mode="after")
    def _one_source(self) -> UniverseSpec:
        given = [k for k in ("symbols", "file", "data_file") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'symbols', 'file', 'data_file'")
        return self


class EventsSpec(_Model):
    """A file of your own events (see :mod:`eventstudy.own_events`)."""

    file: str = Field(description="CSV or Parquet with a date column (and a symbol column for symbol,date pairs); relative to the study file")


EventModel = Literal["mean", "market_adjusted", "market", "factor"]
"""The abnormal-return models of ``event_study.model`` (:data:`eventstudy.inference.abnormal.MODELS`;
written out here because every validate imports this module and a study without an event
study must not pay for numpy; a test keeps the two equal)."""

FACTOR_SETS: dict[str, tuple[str, ...]] = {
    "ff3": ("mkt_rf", "smb", "hml"),
    "ff5": ("mkt_rf", "smb", "hml", "rmw", "cma"),
    "carhart": ("mkt_rf", "smb", "hml", "mom"),
}
"""``event_study.factors`` by name: the columns of the factors file each set uses."""


class EventStudySpec(_Model):
    """A classical event study around every kept event: abnormal returns, CARs, the standard tests."""

    window: tuple[StrictInt, StrictInt] = Field((-10, 20), description="event window [first, last] in trading days around each event (day 0)")
    estimation: tuple[StrictInt, StrictInt] = Field(
        (-250, -30), description="estimation window [first, last] in trading days; it ends before the event window starts"
    )
    min_estimation_days: StrictInt | None = Field(
        None, ge=1, description="fewest valid estimation days an event needs (default: half the estimation window)"
    )
    model: EventModel = Field(
        "market", description="normal-return model: mean, market_adjusted, market (OLS on the market), factor"
    )
    market: str | None = Field(None, description="the market series (named under 'series:') of the market models")
    factors: str | list[str] | None = Field(
        None, description="factor model: ff3, ff5 or carhart (columns of the factors file), or a list of series whose returns are the factors"
    )
    factors_file: str = Field(
        "factors.csv", description="the factors file in the data directory (written by 'eventstudy data import --french')"
    )
    assets: list[str] | None = Field(
        None, description="a study of named series: the series whose abnormal returns are studied (default: all but the market)"
    )
    cars: list[tuple[StrictInt, StrictInt]] | None = Field(
        None, description="windows [a, b] inside the event window for CARs and tests (default: [0, 0], [-1, 1] and the whole window)"
    )
    tests: list[str] | None = Field(None, description="tests to run (default: all): t, patell, bmp, kolari_pynnonen, corrado, corrado_zivney, generalized_sign, calendar_time")

    @field_validator("window", "estimation")
    @classmethod
    def _ordered(cls, value: tuple[int, int], info: ValidationInfo) -> tuple[int, int]:
        if value[0] > value[1]:
            example = "[-250, -30]" if info.field_name == "estimation" else "[-10, 20]"  # each window's own default
            raise PydanticCustomError(
                "empty_window", "the window [{a}, {b}] is empty", {"a": value[0], "b": value[1], "hint": f"write it as [first day, last day], e.g. {example}"}
            )
        return value

    @field_validator("window", "estimation", mode="before")
    @classmethod
    def _two_days(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            hint = (
                "write e.g. [-250, -30] (trading days before the event window, where the model is fitted)"
                if info.field_name == "estimation" else "write e.g. [-10, 20] (trading days around the event, day 0)"
            )
            raise PydanticCustomError("not_two_days", "a window is two days [first, last]", {"hint": hint})
        return value

    @field_validator("cars", mode="before")
    @classmethod
    def _pairs(cls, value: Any) -> Any:
        if isinstance(value, list) and not value:  # no window: nothing would be tested, and nothing says so
            raise PydanticCustomError(
                "no_cars", "no CAR windows listed", {"hint": "leave 'cars' out for [0, 0], [-1, 1] and the whole window, or write e.g. cars: [[-1, 1], [0, 5]]"}
            )
        if isinstance(value, list) and not all(isinstance(w, (list, tuple)) and len(w) == 2 for w in value):
            raise PydanticCustomError(
                "not_pairs", "each CAR window is two days [first, last]", {"hint": "write e.g. cars: [[-1, 1], [0, 5]]"}
            )
        return value

    @field_validator("tests")
    @classmethod
    def _some_tests(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not value:
            raise PydanticCustomError(
                "no_tests", "no tests listed", {"hint": f"leave 'tests' out for all of them: {', '.join(EVENT_TEST_NAMES)}"}
            )
        return value

    @property
    def car_windows(self) -> list[tuple[int, int]]:
        """The CAR windows: as written, or ``[0, 0]``, ``[-1, 1]`` and the whole window (those inside it)."""
        if self.cars is not None:
            return list(dict.fromkeys(self.cars))
        a, b = self.window
        wanted = [(0, 0), (-1, 1), (a, b)]
        return list(dict.fromkeys(w for w in wanted if a <= w[0] and w[1] <= b))

    def studied_series(self, series: dict[str, str]) -> list[str]:
        """A study of named series (``series``: name -> data symbol): the series whose
        abnormal returns are studied, ``assets`` as written, or every data symbol but the
        market's and the factors', each once under its first name (a second name of the
        market would be studied against itself, a second name of one series twice)."""
        if self.assets is not None:
            return list(self.assets)
        factors = self.factors if isinstance(self.factors, list) else []
        taken = {series[n] for n in (self.market, *factors) if n in series}
        out = []
        for name, symbol in series.items():
            if symbol not in taken:
                out.append(name)
                taken.add(symbol)
        return out

    @property
    def test_names(self) -> list[str]:
        """The tests to run, in the order first given, each once (default: all)."""
        return list(dict.fromkeys(self.tests)) if self.tests is not None else list(EVENT_TEST_NAMES)

    @property
    def factor_columns(self) -> tuple[str, ...]:
        """The factors file's columns of a named factor set (empty for a list of series)."""
        return FACTOR_SETS.get(self.factors, ()) if isinstance(self.factors, str) else ()


def _axis_value(value: Any) -> Any:
    """A sweep value, unless YAML read it as yes or no (``[5%, true]`` would try the value 1,
    pydantic's int for true) or as null ('input should be a valid string')."""
    if value is None:
        raise PydanticCustomError("null_value", "null is not a value to try", {"hint": "write 'null' in quotes for an open window end, or drop it"})
    return _not_a_flag(value, "a value to try", "write the number, text or date the axis should take, e.g. 10% or 21")


class SweepAxisSpec(_Model):
    """One grid axis of a sweep: ``{name: gap, values: [10, 21cd, 42]}``."""

    name: str = Field(description="gap, mode, 'X threshold', when#N, or a key path of the study")
    values: list[Annotated[str | int | float | dt.date, BeforeValidator(_axis_value)]] = Field(
        min_length=1, description="the values to try: numbers, text, or dates (window.start)"
    )


class BaselineSpec(_Model):
    """A nested baseline: placebos and the tests' 'Baseline days' use only days where ``when`` holds (the summary's all days do not)."""

    when: str = Field(description="a condition, e.g. 'SPX at ATH': what does the study's condition add beyond it?")


HISTORIES_RANGE = (19, 100_000)
"""The fewest and most resampled histories a study (or ``--histories``) takes: with fewer
than 19 no p-value can reach 0.05 (the smallest is 1 / (histories + 1))."""

UNIVERSE_HISTORIES = 200
"""Resampled universes when ``statistics.histories`` is not set: each is a whole universe
study (about 0.1 s for 500 stocks x 5 years), so fewer than a timeline's 1,000."""


class StatisticsSpec(_Model):
    """How results are tested against chance (the null, intervals, multiple testing)."""

    placebos: int = Field(
        10_000, ge=0, le=10_000_000, description="placebo event sets per cell for the runs, matched and circular nulls (0: skip the significance tests)"
    )
    histories: int = Field(
        1_000, ge=HISTORIES_RANGE[0], le=HISTORIES_RANGE[1],
        description="resampled histories for the histories null (its p-values resolve to 1 / (histories + 1)); "
        "a universe study re-runs whole universes, 200 unless set",
    )
    block_length: float | None = Field(
        None, ge=1, description="mean block length (trading days) of the histories' stationary bootstrap; null: Politis-White's, from the data"
    )
    seed: int = Field(7, ge=0, le=2**63 - 1, description="seed of every random draw: the same seed gives identical outputs")
    alpha: float = Field(0.05, gt=0, lt=1, description="level for marking what survives multiple-testing adjustment")
    ci: float = Field(0.95, gt=0, lt=1, description="confidence level of the intervals")
    null: str | None = Field(
        None,
        description="the headline test: histories (the rule re-run on resampled histories: is it this rule?), runs (the "
        "events' runs placed at random dates), matched (random days under the declustering rule), circular (the event "
        "calendar shifted): is it these dates?; null: histories wherever the histories can be built (any condition on closes, a "
        "calendar's, your own dates). "
        "A universe study: dates (the default: the events' dates kept, their stocks redrawn) or histories (the default "
        "for the market model or the excursions under a condition on the stock's own prices)",
    )
    baseline: BaselineSpec | None = None

    @field_validator("placebos", "histories", "seed", mode="before")
    @classmethod
    def _a_count_not_a_flag(cls, value: Any) -> Any:
        """``placebos: true`` read as 1 placebo set (and ``false`` as none): a count is
        a number."""
        return _not_a_flag(value, "a number", "give a whole number, e.g. 10000")

    @field_validator("block_length", mode="before")
    @classmethod
    def _a_length_not_a_flag(cls, value: Any) -> Any:
        """``block_length: true`` read as blocks of one day (i.i.d. days, another null than
        the study's): a mean block length is a number of trading days."""
        return _not_a_flag(value, "a number", "give a mean block length in trading days, e.g. 8, or leave it out for Politis-White's")

    @field_validator("alpha", "ci", mode="before")
    @classmethod
    def _a_share(cls, value: Any, info: ValidationInfo) -> Any:
        """``5%`` is 0.05, as a threshold's percent; a bare 5 or 95 (a percent without its
        sign) is refused with the two ways to write it, rather than 'should be less than 1'."""
        example = "5% or 0.05" if info.field_name == "alpha" else "95% or 0.95"
        if isinstance(value, bool):
            raise PydanticCustomError("bool_share", "{value} is yes or no, not a level", {"value": str(value).lower(), "hint": f"write {example}"})
        written = written_percent(value)
        if written is not value or not isinstance(value, (int, float)):  # '5%', or pydantic's own message
            return written
        if 1 <= value <= 100:
            raise PydanticCustomError(
                "share_not_a_fraction", "{value} is a percent written without its sign: the level is a share of 1",
                {"value": f"{value:g}", "hint": f"write {value:g}% or {value / 100:g}"},
            )
        return value

    @model_validator(mode="before")
    @classmethod
    def _null_key(cls, value: Any) -> Any:
        # YAML reads a bare `null:` key as None: take it as the key 'null' it was meant as.
        if isinstance(value, dict) and None in value:
            value = {("null" if k is None else k): v for k, v in value.items()}
        return value


class Study(_Model):
    """A validated study. ``path`` and ``source`` say where it came from (for errors)."""

    name: str = Field(description="the study's title")
    description: str | None = Field(None, description="free text shown in reports")
    series: dict[str, str] = Field(default_factory=dict, description="name used in conditions -> symbol in the data")
    universe: UniverseSpec | None = Field(None, description="run the condition for every symbol of a universe")
    data: DataSpec = DataSpec()
    when: str = Field(description="the event condition, in the condition language")
    window: WindowSpec = WindowSpec()
    trigger: Literal["level", "edge"] = Field(
        "level", description="level: every day the condition holds; edge: only days it turns true after not holding"
    )
    decluster: DeclusterSpec | None = None
    evaluate: list[dict[str, Any]] = Field(
        default_factory=list,
        description="what to measure after each event (forward returns, paths, ...); optional when the study has an event_study block",
    )
    statistics: StatisticsSpec = StatisticsSpec()
    plugins: list[str] = Field(
        default_factory=list, description="installed modules to import first; they register features or evaluators"
    )

    @field_validator("plugins", mode="before")
    @classmethod
    def _a_list_of_modules(cls, value: Any) -> Any:
        """``plugins: my_pkg`` said 'input should be a valid list', with no word of what to write."""
        if isinstance(value, str):
            raise PydanticCustomError(
                "plugins_list", "plugins is a list of installed modules",
                {"hint": f"write it as a list, e.g. plugins: [{value.strip() or 'my_package.evaluators'}]"},
            )
        return value
    sweep: list[SweepAxisSpec] = Field(default_factory=list, description="grid axes for 'eventstudy sweep'")
    events: dict[str, EventsSpec] = Field(
        default_factory=dict, description="your own events by name, used as 'on NAME' in conditions: a file, or {file: ...}"
    )
    event_study: EventStudySpec | None = Field(
        None, description="a classical event study around the kept events: estimation and event windows, a normal-return model, CARs and tests"
    )

    @model_validator(mode="after")
    def _something_to_measure(self) -> Study:
        # `evaluate` may be left out only when the event study is what the study measures
        if not self.evaluate and self.event_study is None:
            raise PydanticCustomError(
                "nothing_to_measure",
                "the study measures nothing: 'evaluate' lists no evaluator and there is no event_study block",
                {"explicit": "evaluate" in self.model_fields_set,
                 "hint": "list an evaluator, e.g. '- forward_returns: {assets: [SPX], horizons: [1m]}', or add an event_study: block"},
            )
        return self

    _source: SourceMap | None = PrivateAttr(None)
    _event_sets: dict[str, Any] = PrivateAttr(default_factory=dict)
    _path: Path | None = PrivateAttr(None)
    _evaluators: list[EvaluatorSpec] = PrivateAttr(default_factory=list)
    _raw: dict[str, Any] | None = PrivateAttr(None)
    _file_sha256: str | None = PrivateAttr(None)
    _checked: dict[str, Any] | None = PrivateAttr(None)  # the fields as checked (require_checked: a copy may change them unchecked)

    @property
    def raw(self) -> dict[str, Any]:
        """The study file's mapping as loaded (a copy), e.g. to derive sweep cells from it."""
        if self._raw is None:
            raise ConfigError("this study was not loaded from YAML, so it cannot be varied (use parse_study)")
        return copy.deepcopy(self._raw)

    @property
    def event_sets(self) -> dict[str, Any]:
        """The ``events:`` files, read and checked (name -> :class:`eventstudy.own_events.EventSet`)."""
        return self._event_sets

    @field_validator("events", mode="before")
    @classmethod
    def _events(cls, value: Any) -> Any:
        if isinstance(value, dict):  # a bare file name is {file: name}
            for name, file in value.items():  # a name is written after 'on' in a condition: one a condition can read
                if isinstance(name, bool):
                    raise PydanticCustomError(
                        "bool_events_name",
                        "events name {name} is no name: YAML reads an unquoted yes, no, on, off, true or false as true or false",
                        {"name": str(name).lower(), "hint": "name the events otherwise, e.g. fomc: fomc.csv"},
                    )
                if not isinstance(name, str) or not name.isidentifier() or name.lower() in KEYWORDS:
                    raise PydanticCustomError(
                        "bad_events_name",
                        "events name {name} cannot be written after 'on' in a condition",
                        {"name": repr(name), "hint": "names start with a letter and use letters, digits, '_', and are no word of the condition language"},
                    )
                given = file.get("file") if isinstance(file, dict) else file
                if file is None or (isinstance(given, str) and not given.strip()):  # 'fomc:' or 'fomc: ""': the study's folder is no file
                    raise PydanticCustomError("no_events_file", "events {name} names no file", {"name": repr(name), "hint": f"write {name}: FILE.csv"})
            return {k: {"file": v} if isinstance(v, str) else v for k, v in value.items()}
        return value

    def condition_days(self, *, past: bool = False) -> str:
        """What a raw event is under the study's trigger, in words: a day 'the condition
        holds' (``level``) or 'turns true' (``edge``); ``past`` for counts ('held')."""
        if self.trigger == "edge":
            return "the condition turned true" if past else "the condition turns true"
        return "the condition held" if past else "the condition holds"

    @property
    def source(self) -> SourceMap:
        """The source map this study was parsed from (an empty one for studies built in code)."""
        return self._source or SourceMap(None, "", None)

    @property
    def path(self) -> Path | None:
        """The study file, if it came from one."""
        return self._path

    @property
    def file_sha256(self) -> str | None:
        """The SHA-256 of the study file's bytes as they were read (None for a study not
        read by :func:`load_study`): what a run's manifest records, though the file be
        edited while the run computes."""
        return self._file_sha256

    def where_named(self, symbol: str) -> Location | None:
        """Where the study file names the data symbol ``symbol``: a series' value
        (``RUT: RUTT``, or an entry of a ``series:`` list) or an entry of the universe's
        symbols; None for a study built in code or a symbol it does not write."""
        places: list[Loc] = []
        series = self.source.node(("series",))
        if isinstance(series, yaml.SequenceNode):
            places += [("series", i) for i, value in enumerate(self.series.values()) if value == symbol]
        else:
            places += [("series", name) for name, value in self.series.items() if value == symbol]
        listed = self.universe.symbols if self.universe is not None else None
        if listed is not None:
            shorthand = isinstance(self.source.node(("universe",)), yaml.SequenceNode)  # universe: [AAPL, MSFT]
            places += [("universe", i) if shorthand else ("universe", "symbols", i) for i, s in enumerate(listed) if s == symbol]
        for loc in places:
            where = self.source.location(loc)
            if where.line is not None:
                return where
        return None

    def anchor_in_condition(self, error: EventStudyError, text: str) -> EventStudyError:
        """Place an error whose span points into the condition ``text`` where the study file
        writes it: its ``when:``, or its nested baseline's. Another condition (a sweep
        cell's, or ``run(..., when=)``'s) keeps its own text, which the error shows with its
        caret."""
        for loc in (("when",), ("statistics", "baseline", "when")):
            node = self.source.node(loc)  # the file's own text: a study given another condition keeps the file's map
            if isinstance(node, yaml.ScalarNode) and node.value == text:
                return self.source.anchor_in_scalar(error, loc)
        return error

    @contextmanager
    def naming_missing_symbols(self) -> Iterator[None]:
        """Point a :class:`~eventstudy.errors.MissingDataError` at the line of the study
        file that names its first missing symbol (the message already names the data
        directory and every file looked for)."""
        try:
            yield
        except MissingDataError as exc:
            where = next((w for w in map(self.where_named, exc.symbols) if w is not None), None)
            if where is not None:
                exc.location = where
            raise

    @property
    def evaluators(self) -> list[EvaluatorSpec]:
        """The validated ``evaluate:`` entries."""
        return self._evaluators

    @field_validator("name", "description")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        return _no_control_characters(value)

    @field_validator("series", mode="before")
    @classmethod
    def _series(cls, value: Any) -> Any:
        if isinstance(value, list):
            value = {str(v): str(v) for v in value}
        if isinstance(value, dict):
            for name in value:
                if isinstance(name, bool):  # 'ON: ON' (a ticker): YAML 1.1 reads an unquoted on/off/yes/no as a boolean
                    raise PydanticCustomError(
                        "bool_series_name",
                        "series name {name} is no name: YAML reads an unquoted yes, no, on, off, true or false as true or false",
                        {"name": str(name).lower(), "hint": "quote the name, and a symbol written so: 'YES': 'YES'"},
                    )
                if not isinstance(name, str) or not name.isidentifier():
                    raise PydanticCustomError(
                        "bad_series_name",
                        "series name {name} is not a valid name",
                        {"name": repr(name), "hint": "names start with a letter and use letters, digits, '_'"},
                    )
                if name.lower() in KEYWORDS:  # 'at > 100' and 'IN at ATH' do not parse: the word is the language's
                    raise PydanticCustomError(
                        "keyword_series_name",
                        "series name {name} is a word of the condition language, which a condition cannot use as a name",
                        {"name": repr(name), "hint": f"name the series otherwise, e.g. {name}_: ... (the words: {', '.join(sorted(KEYWORDS))})"},
                    )

        return value


UNIVERSE_NULLS = ("dates", "histories")
"""The headline nulls of a universe study: 'dates' and the histories null (which one is the
default: :func:`eventstudy.null_choice.universe_null`)."""


def nulls(universe: bool = False) -> list[str]:
    """The names ``statistics.null`` accepts: for a study of named series the histories
    null and every placebo sampler, for a universe :data:`UNIVERSE_NULLS`."""
    return list(UNIVERSE_NULLS) if universe else ["histories", *SAMPLERS]


def load_study(path: str | Path) -> Study:
    """Read and validate a study file; every problem is an :class:`EventStudyError`.

    Examples
    --------
    >>> study = load_study("configs/spx_rut.yaml")  # doctest: +SKIP
    >>> study.when  # doctest: +SKIP
    'SPX at ATH and RUT drawdown >= 10%'
    """
    if isinstance(path, str) and "\n" in path:  # the study's YAML itself, not a file's name
        raise ConfigError("a study file's path was expected, and this is a study's text", hint="give the text to eventstudy.parse_study(text), and its Study to run()")
    path = Path(path)
    try:
        content = path.read_bytes()
        text = content.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")  # as read_text reads it
    except FileNotFoundError:
        raise ConfigError(f"study file {str(path)!r} does not exist", location=Location(path=str(path))) from None
    except IsADirectoryError:
        raise ConfigError(f"{str(path)!r} is a directory, not a study file", location=Location(path=str(path))) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read study file: {exc}", location=Location(path=str(path))) from None
    study = parse_study(text, path=path)
    study._file_sha256 = hashlib.sha256(content).hexdigest()
    return study


def parse_study(text: str, *, path: str | Path | None = None) -> Study:
    """Validate study YAML given as text (``path`` is used for messages and ``data.dir``)."""
    if not isinstance(text, str):  # PyYAML would read a Path or a mapping as a stream: "'PosixPath' object has no attribute 'read'"
        also = "; a study file's path is eventstudy.load_study(path)'s" if isinstance(text, Path) else ""
        raise TypeError(f"text is of type {type(text).__name__}: parse_study takes a study's YAML as text{also}")
    shown = str(path) if path is not None else "<study>"
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:  # a NUL, ESC, BEL... byte: not allowed in YAML
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise ConfigError(
            f"invalid YAML: the character U+{exc.character:04X} is not allowed in a study file",
            location=Location(path=shown, line=line, column=column),
            hint="remove control characters (write escapes such as \\t inside double quotes instead)",
        ) from None
    try:
        root = loader.get_single_node()
        if root is not None:
            _refuse_duplicate_keys(root, SourceMap(shown, text, None))
        try:
            data = loader.construct_document(root) if root is not None else None
        except (ValueError, OverflowError) as exc:  # a date such as 1980-02-30: PyYAML has no mark for it
            raise _bad_scalar(root, SourceMap(shown, text, None), exc) from None
    except RecursionError:
        raise ConfigError("the study file nests too deeply to read (a study needs a few levels)", location=Location(path=shown)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        source = SourceMap(shown, text, None)
        location = source.mark_location(mark) if mark is not None else Location(path=shown)
        message = f"invalid YAML: {exc.problem or exc.context}"
        if exc.context and exc.context_mark is not None and exc.problem:
            message += f" ({exc.context} at line {exc.context_mark.line + 1}, column {exc.context_mark.column + 1})"
        tab = "'\\t'" in (exc.problem or "")  # PyYAML reads no tab between words of a plain value, nor as indentation
        hint = "YAML reads no tab here: write spaces" if tab else None
        raise ConfigError(message, location=location, hint=hint) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", location=Location(path=shown)) from None
    finally:
        loader.dispose()
    return _study_of(data, SourceMap(shown, text, root), path)


def study_from_mapping(data: dict[str, Any], *, path: str | Path | None = None) -> Study:
    """Validate a study already loaded from YAML (a sweep's cell: its study file's mapping
    with one axis value set), as :func:`parse_study` validates its text, without writing
    and re-reading the YAML (with no file to point into, errors name no line)."""
    return _study_of(data, SourceMap(str(path) if path is not None else "<study>", "", None), path)


def _study_of(data: Any, source: SourceMap, path: str | Path | None) -> Study:
    if not isinstance(data, dict):
        named = isinstance(data, str) and data.endswith((".yaml", ".yml")) and path is None  # parse_study("configs/x.yaml")
        raise ConfigError(
            "a study file must be a mapping of keys (name, series, when, evaluate, ...)",
            location=source.location(()),
            hint=f"{data!r} reads as a file's name: eventstudy.load_study({data!r}) reads the file" if named else f"valid keys: {', '.join(Study.model_fields)}",
        )
    plugins = data.get("plugins")
    if isinstance(plugins, list) and all(isinstance(name, str) for name in plugins):
        # imported first, as the field says: the schema checks names they may register ('data.provider', 'statistics.null')
        load_plugins(plugins, source)
    try:
        study = Study.model_validate(data)
    except ValidationError as exc:
        raise _schema_error(exc, source) from None
    study._source = source
    study._raw = copy.deepcopy(data)
    study._path = Path(path) if path is not None else None
    _check_semantics(study, source)
    study._checked = {name: copy.deepcopy(getattr(study, name)) for name in Study.model_fields}
    return study


def require_checked(study: Study) -> None:
    """Refuse a :class:`Study` that is not as :func:`parse_study` checked it: built directly
    (``Study(...)``, ``Study.model_validate``: the condition, the event files and the
    evaluators were never read, so a run measured nothing) or changed since
    (``model_copy(update=...)`` validates nothing: a new ``evaluate`` list was ignored, a
    sweep ran the original condition, a mapping given for ``decluster`` failed mid-run)."""
    checked = study._checked
    if checked is None:
        raise ConfigError(
            "this Study was built directly (Study(...) or Study.model_validate), so it was never checked: "
            "its condition, event files and evaluators were not read, and a run would measure nothing",
            hint="give the study's YAML text to eventstudy.parse_study (a mapping: parse_study(yaml.safe_dump(mapping))), or its file's path to eventstudy.load_study",
        )
    changed = [name for name in Study.model_fields if not _same(getattr(study, name), checked[name])]
    if changed:
        raise ConfigError(
            f"the study's {', '.join(repr(name) for name in changed)} changed after it was checked, and model_copy(update=...) "
            "or an edit of its fields checks nothing: a run reads parts of what was checked (the evaluators, a sweep's condition), "
            "so the change could be ignored",
            hint="eventstudy.run(study, when=..., start=..., end=..., placebos=..., seed=...) replaces those; for anything else, "
            "change the YAML and give it to eventstudy.parse_study",
        )


def _same(value: Any, checked: Any) -> bool:
    if value is checked:
        return True
    try:
        return bool(value == checked) and type(value) is type(checked)
    except Exception:  # a value that cannot be compared is not the one checked
        return False


def _load_event_sets(study: Study, source: SourceMap) -> dict[str, Any]:
    """Read every ``events:`` file now, so ``validate`` finds a bad one."""
    if not study.events:
        return {}
    from eventstudy.own_events import load_event_set  # numpy and the data module: only when needed

    sets = {}
    for name, spec in study.events.items():
        try:
            found = load_event_set(name, spec.file, study.path)
        except EventStudyError as exc:
            if exc.location is None or exc.location.path is None:
                exc.location = source.location(("events", name))
            raise
        if found.pairs and study.universe is None:
            taken = found.symbol_column.strip().lower() not in ("symbol", "ticker")  # 'name', 'code': say it is read as symbols
            raise ConfigError(
                f"events {name!r}: {found.path.name!r} has symbol,date pairs"
                + (f" (its column {found.symbol_column!r} read as the symbols)" if taken else "") + ", which name the stocks of a universe",
                location=source.location(("events", name)),
                hint=f"a study of named series takes a file of dates only (drop or rename the column {found.symbol_column!r})",
            )
        sets[name] = found
    return sets


def check_event_names(node: Node, study: Study) -> None:
    """Every ``on NAME`` names a set under ``events:``."""
    for n in walk(node):
        if isinstance(n, OnEvents) and n.name not in study.events:
            declared = list(study.events)
            raise UnknownNameError(
                f"unknown events {n.name!r}{did_you_mean(n.name, declared)}",
                hint=f"declared under 'events:': {', '.join(declared)}" if declared else "declare the file under 'events:', e.g. events: {fomc: fomc.csv}",
                span=(n.span[1] - len(n.name), n.span[1]),
            )


def _nodes(root: yaml.Node) -> Iterator[yaml.Node]:
    """Every node of a composed YAML tree, once each (an alias is visited once, so an alias
    bomb stays cheap), iteratively (the file's depth cannot exhaust Python's stack here)."""
    stack, visited = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        yield node
        if isinstance(node, yaml.MappingNode):
            stack.extend(v for pair in node.value for v in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _bad_scalar(root: yaml.Node | None, source: SourceMap, exc: Exception) -> ConfigError:
    """The located error for a scalar YAML typed but could not build (an impossible date)."""
    for node in _nodes(root) if root is not None else ():
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:timestamp":
            try:
                dt.date.fromisoformat(str(node.value)[:10])
            except ValueError:
                return ConfigError(
                    f"{node.value!r} is not a date ({exc})", location=source.mark_location(node.start_mark, len(str(node.value))),
                    hint="write a real date as YYYY-MM-DD",
                )
    return ConfigError(f"invalid YAML value: {exc}", location=Location(path=source.path))


def _refuse_duplicate_keys(root: yaml.Node, source: SourceMap) -> None:
    """A key written twice in one mapping is an error at the second (YAML would keep the
    last one silently: ``when:`` twice, ``SPX:`` twice under ``series``)."""
    for node in _nodes(root):
        if not isinstance(node, yaml.MappingNode):
            continue
        seen: dict[object, yaml.Node] = {}
        for key, _ in node.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            if key.value in seen:
                first = seen[key.value].start_mark.line + 1
                raise ConfigError(
                    f"duplicate key {key.value!r} (first written on line {first})",
                    location=source.mark_location(key.start_mark),
                    hint="YAML keeps only the last of them: write each key once",
                )
            seen[key.value] = key


def _check_universe_label(study: Study, source: SourceMap) -> None:
    """A universe's label names its pooled stocks in every table: a market series' name
    there made the stocks' returns read as that series' ('SPX 1m +1.76%') and their
    excess return over it as the series' over itself ('SPX-SPX')."""
    assert study.universe is not None
    label = study.universe.label
    for name, symbol in study.series.items():
        if label.upper() in (name.upper(), symbol.upper()):
            which = f"the market series {name!r}" + (f" ({symbol!r})" if symbol != name else "")
            raise ConfigError(
                f"the universe's label {label!r} names {which}: the stocks' figures would read as that series' "
                f"(their excess return over it as '{label}-{name}')",
                location=source.location(("universe", "label")),
                hint="give the universe a label of its own, e.g. 'stocks' (the default)",
            )


def _check_semantics(study: Study, source: SourceMap) -> None:
    """What the schema cannot say: plug-ins, the condition, the evaluators and their assets."""
    load_plugins(study.plugins, source)
    if not study.series and study.universe is None:
        raise ConfigError("'series' must name at least one series (or the study needs a 'universe')", location=source.location(("series",)))
    if study.universe is not None:
        _check_universe_label(study, source)
    study._event_sets = _load_event_sets(study, source)
    try:
        node = resolve(parse(study.when), list(study.series), source=study.when, universe=study.universe is not None)
        check_event_names(node, study)
    except EventStudyError as exc:
        raise source.anchor_in_scalar(exc, ("when",)) from None
    study._evaluators = resolve_evaluators(study, source)
    base = study.statistics.baseline
    if base is not None and study.universe is not None:
        raise ConfigError(
            "a nested baseline (statistics.baseline) is for studies of named series: a universe's baseline is every "
            "symbol-day of the window, and its nulls draw from them all",
            location=source.location(("statistics", "baseline"), key=True),
            hint="remove statistics.baseline, or put the market condition in 'when:' to study only such days",
        )
    if base is not None:
        try:
            check_event_names(resolve(parse(base.when), list(study.series), source=base.when, universe=study.universe is not None), study)
        except EventStudyError as exc:
            raise source.anchor_in_scalar(exc, ("statistics", "baseline", "when")) from None
    null = study.statistics.null
    valid = nulls(universe=study.universe is not None)
    if null is not None and null not in valid:
        kind = "a universe study" if study.universe is not None else "a study of named series"
        raise ConfigError(
            f"unknown null {null!r} for {kind}{did_you_mean(null, valid)}",
            location=source.location(("statistics", "null")),
            hint=f"valid nulls: {', '.join(valid)}",
        )
    window = study.window
    if window.start and window.end and window.start > window.end:
        raise ConfigError(
            f"window start {window.start.isoformat()!r} is after its end {window.end.isoformat()!r}",
            location=source.location(("window", "start")),
        )
    if study.event_study is not None:
        _check_event_study(study, study.event_study, source)


def _check_event_study(study: Study, spec: EventStudySpec, source: SourceMap) -> None:
    """What ``event_study:`` needs beyond its schema: windows that fit, series that exist,
    the inputs its model uses (and none it ignores)."""
    def at(*loc: str | int) -> Location:
        return source.location(("event_study", *loc))

    (a, b), (ea, eb) = spec.window, spec.estimation
    if eb >= a:
        where = "comes after" if ea > b else "overlaps"  # both refused: the model is fitted before the event
        raise ConfigError(
            f"the estimation window [{ea}, {eb}] {where} the event window [{a}, {b}]",
            location=at("estimation"),
            hint=f"end the estimation window before day {a}, e.g. [{min(ea, a - 220)}, {a - 20}]",
        )
    length = eb - ea + 1
    if spec.min_estimation_days is not None and spec.min_estimation_days > length:
        raise ConfigError(
            f"min_estimation_days {spec.min_estimation_days} is more than the estimation window's {length} days",
            location=at("min_estimation_days"),
            hint=f"at most {length}, or widen 'estimation'",
        )
    for i, (ca, cb) in enumerate(spec.cars or []):
        if ca > cb:
            raise ConfigError(
                f"the CAR window [{ca}, {cb}] is empty", location=at("cars", i),
                hint=f"write it as [first day, last day], e.g. [{cb}, {ca}]",
            )
        if not a <= ca <= cb <= b:
            raise ConfigError(
                f"the CAR window [{ca}, {cb}] is not inside the event window [{a}, {b}]",
                location=at("cars", i),
                hint=f"write [first, last] with {a} <= first <= last <= {b}",
            )
    tests = EVENT_TEST_NAMES
    for i, name in enumerate(spec.tests or []):
        if name not in tests:
            raise UnknownNameError(
                f"unknown event-study test {name!r}{did_you_mean(name, tests)}", location=at("tests", i), hint=f"valid tests: {', '.join(tests)}"
            )
    series = list(study.series)

    def once(names: list[str], key: str) -> None:  # a series twice: each event studied twice, or a factor twice (singular)
        for i, name in enumerate(names):
            if name in names[:i]:
                raise ConfigError(
                    f"{name!r} is listed twice in {key!r}", location=at(key, i),
                    hint="list each series once" + (" (its events would be studied twice)" if key == "assets" else " (the fit would be singular)"),
                )

    def known(name: str, *loc: str | int) -> None:
        if name not in study.series:
            raise UnknownNameError(
                f"unknown series {name!r} in event_study{did_you_mean(name, series)}",
                location=at(*loc),
                hint=f"series declared under 'series:': {', '.join(series)}" if series else "declare it under 'series:', e.g. series: {SPX: SPX}",
            )

    uses_market = spec.model in ("market", "market_adjusted")
    if uses_market and spec.market is None:
        raise ConfigError(
            f"the {spec.model!r} model needs 'market': the series abnormal returns are measured against",
            location=at("model"),
            hint=f"add e.g. 'market: {series[0] if series else 'SPX'}' (a series named under 'series:')",
        )
    if spec.market is not None:
        if not uses_market:
            raise ConfigError(
                f"'market' is not used by the {spec.model!r} model",
                location=at("market"),
                hint="drop it, or use model: market or market_adjusted" + (" (the factor model takes the market from its factors)" if spec.model == "factor" else ""),
            )
        known(spec.market, "market")
    if spec.model == "factor":
        if spec.factors is None:
            raise ConfigError(
                "the 'factor' model needs 'factors'", location=at("model"),
                hint=f"one of {', '.join(FACTOR_SETS)} (a factors file imported with 'eventstudy data import --french'), or a list of series",
            )
        if isinstance(spec.factors, str) and spec.factors not in FACTOR_SETS:
            raise UnknownNameError(
                f"unknown factor set {spec.factors!r}{did_you_mean(spec.factors, FACTOR_SETS)}",
                location=at("factors"),
                hint=f"one of {', '.join(FACTOR_SETS)}, or a list of series (e.g. [SPX, RUT])",
            )
        if isinstance(spec.factors, list):
            if not spec.factors:
                raise ConfigError("'factors' lists no series", location=at("factors"), hint=f"e.g. [{', '.join(series[:2])}]")
            for i, name in enumerate(spec.factors):
                known(name, "factors", i)
            once(spec.factors, "factors")
    elif spec.factors is not None:
        raise ConfigError(f"'factors' is not used by the {spec.model!r} model", location=at("factors"), hint="drop it, or use model: factor")
    if "factors_file" in spec.model_fields_set and spec.factor_columns == ():
        raise ConfigError(
            "'factors_file' is used only with a named factor set (factors: ff3, ff5 or carhart)", location=at("factors_file"),
            hint="drop it, or set model: factor and factors: ff3",
        )
    factors = len(spec.factors) if isinstance(spec.factors, list) else len(spec.factor_columns)
    parameters = model_parameters(spec.model, factors)
    need = fewest_estimation_days(parameters)  # the run's own minimum: shorter, every event is excluded
    if length < need:
        fitted = f"{parameters} parameter{'s' if parameters != 1 else ''}" if parameters else "the residuals' mean"
        raise ConfigError(
            f"the estimation window [{ea}, {eb}] has {length} day{'s' if length != 1 else ''}: the {spec.model!r} model needs "
            f"at least {need} ({fitted} + {MIN_DEGREES_OF_FREEDOM} residual degrees of freedom), or every event is excluded",
            location=at("estimation"),
            hint=f"make it {need} days or more, e.g. [{eb - need + 1}, {eb}] (the default [-250, -30] has 221)",
        )
    if study.universe is not None:
        if spec.assets is not None:
            raise ConfigError(
                "'assets' is for studies of named series: a universe study's events are its stocks",
                location=at("assets"), hint="drop 'assets'",
            )
        return
    factor_series = spec.factors if isinstance(spec.factors, list) else []
    for i, name in enumerate(spec.assets or []):
        known(name, "assets", i)
        if name == spec.market:
            raise ConfigError(
                f"{name!r} is the market: its abnormal return against itself is zero", location=at("assets", i),
                hint="list the other series",
            )
        if name in factor_series:
            raise ConfigError(
                f"{name!r} is one of the factors: its abnormal return against itself is zero", location=at("assets", i),
                hint="list the other series",
            )
    once(spec.assets or [], "assets")
    listed = spec.assets or []
    for i, name in enumerate(listed):  # two names of one data symbol: the same returns
        symbol = study.series[name]
        if spec.market is not None and symbol == study.series[spec.market]:
            raise ConfigError(
                f"{name!r} reads the market's data ({symbol}): its abnormal return against itself is zero",
                location=at("assets", i), hint="list the other series",
            )
        twin = next((a for a in listed[:i] if study.series[a] == symbol), None)
        if twin is not None:
            raise ConfigError(
                f"{name!r} reads {symbol}'s data, as {twin!r} does: its events would be studied twice",
                location=at("assets", i), hint="list each series once",
            )
    if not spec.assets and spec.assets is not None:
        raise ConfigError("'assets' lists no series", location=at("assets"), hint="leave it out for every series but the market and the factors")
    if spec.assets is None and not spec.studied_series(study.series):
        taken = ([f"{spec.market!r} is the market"] if spec.market else []) + ([f"{', '.join(map(repr, factor_series))} the factors"] if factor_series else [])
        raise ConfigError(
            f"no series to study: {' and '.join(taken)}, and there is no other series",
            location=at("market") if spec.market else at("factors"),
            hint="add the series to study under 'series:' (and 'assets:'), or use a universe",
        )


_MODULE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")

_LOADED_PLUGINS: dict[str, None] = {}  # the modules load_plugins imported in this process, in order


def loaded_plugins() -> tuple[str, ...]:
    """The plug-in modules :func:`load_plugins` imported in this process, in order: what a
    worker process must import too before it runs a piece of a study (its registries start
    with the built-ins only)."""
    return tuple(_LOADED_PLUGINS)


def load_plugins(names: Sequence[str], source: SourceMap | None = None) -> None:
    """Import the installed modules a study names under ``plugins:``; nothing else is imported.

    A plug-in registers features (``eventstudy.features.feature``) or evaluators
    (``EVALUATORS.register``) when imported. Only importable, installed modules are
    accepted: a name is never a path, and nothing in a study file is executed.
    """
    for i, name in enumerate(names):
        where = source.location(("plugins", i)) if source else None
        if not _MODULE_NAME.match(name):
            raise ConfigError(f"plug-in {name!r} is not a module name", location=where, hint="write an installed module, e.g. my_package.indicators")
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is None:
            raise ConfigError(
                f"plug-in module {name!r} is not installed",
                location=where,
                hint="install the package that provides it (pip install ...), then run again",
            )
        if not _installed(name.split(".")[0]):
            raise ConfigError(
                f"plug-in {name!r} is a file in the working directory, not an installed module: it is not imported",
                location=where,
                hint="a study names installed modules only; install it (pip install -e PATH) to use it",
            )
        import_plugin(
            functools.partial(importlib.import_module, name), f"plug-in {name!r}", location=where,
            hint="fix the plug-in or reinstall its package; a name it registers must not be taken already "
                 "('eventstudy list features' and 'list evaluators' show them)",
        )
        _LOADED_PLUGINS[name] = None


def _installed(top: str) -> bool:
    """Whether the top-level module ``top`` is found without the working directory (which
    Python searches first in a notebook or a script run from there): a study file must
    not make eventstudy import whatever ``.py`` file happens to sit beside it."""
    if top in sys.builtin_module_names:
        return True
    here = Path.cwd().resolve()
    paths = [p for p in sys.path if p not in ("", ".") and Path(p).resolve() != here]
    if importlib.machinery.PathFinder.find_spec(top, paths) is not None:
        return True
    for finder in sys.meta_path:  # editable installs and other import hooks; never the working directory
        if finder is importlib.machinery.PathFinder:
            continue
        find = getattr(finder, "find_spec", None)
        try:
            found = find(top, None) if find is not None else None
        except (ImportError, ValueError, TypeError):
            found = None
        if found is not None:
            return True
    return False


def _schema_error(exc: ValidationError, source: SourceMap, prefix: Loc = (), model: type[BaseModel] = Study) -> ConfigError:
    """The first pydantic error as one ConfigError at the right place in the file."""
    err = exc.errors(include_url=False)[0]
    loc: Loc = tuple(err["loc"])
    full = prefix + loc
    if full[:2] == ("universe", "symbols") and isinstance(source.node(("universe",)), yaml.SequenceNode):  # universe: [AAPL, 5]
        full = ("universe", *full[2:])  # as written: the list is the universe, with no 'symbols' key
    kind, ctx = err["type"], err.get("ctx") or {}
    where = ".".join(str(p) for p in full[:-1]) or "the study"
    key = str(full[-1]) if full else ""
    if kind == "extra_forbidden":
        valid = _fields_at(model, loc[:-1])
        return ConfigError(
            f"unknown key {key!r} in {where}{did_you_mean(key, valid)}",
            location=source.location(full, key=True),
            hint=f"valid keys: {', '.join(valid)}" if valid else None,
        )
    if kind == "missing":
        return ConfigError(f"missing required key {key!r} in {where}", location=source.location(full[:-1], key=True))
    if kind == "nothing_to_measure":  # Study: no evaluator and no event_study block
        if ctx.get("explicit"):
            return ConfigError(
                "bad value for 'evaluate': list should have at least 1 item after validation, not 0",
                location=source.location((*full, "evaluate")), hint=ctx.get("hint"),
            )
        return ConfigError("missing required key 'evaluate' in the study", location=source.location(full, key=True), hint=ctx.get("hint"))
    value = err.get("input")
    shown = f" {value!r}" if value is not None and not isinstance(value, (dict, list)) else ""
    if isinstance(value, dt.date):  # as YAML wrote it, not datetime.datetime(2020, 1, 1, 10, 0)
        shown = f" {str(value)!r}"
    if kind == "model_type":  # a section (decluster, data, an evaluator's parameters) written as a value or a list
        valid = _fields_at(model, loc)
        written = "a list" if isinstance(value, list) else "null" if value is None else "a single value"
        return ConfigError(
            f"bad value{shown} for {'.'.join(str(p) for p in full)!r}: a mapping of its keys is needed, not {written}",
            location=source.location(full),
            hint=f"write it as {{key: value, ...}}; valid keys: {', '.join(valid)}" if valid else None,
        )
    message = str(ctx.get("message") or (ctx.get("error") if kind == "value_error" else None) or err["msg"])  # a validator's own words
    message = message[0].lower() + message[1:] if message else message
    return ConfigError(
        f"bad value{shown} for {'.'.join(str(p) for p in full)!r}: {message}",
        location=source.location(full),
        hint=ctx.get("hint"),
    )


def _fields_at(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """Field names of the (nested) model at ``loc``, for 'valid keys' hints."""
    import typing

    current: Any = model
    for part in loc:
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or isinstance(part, int):
            return []
        field_info = current.model_fields.get(str(part))
        if field_info is None:
            return []
        current = next(
            (a for a in (field_info.annotation, *typing.get_args(field_info.annotation)) if isinstance(a, type) and issubclass(a, BaseModel)),
            None,
        )
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def validate_params(model: type[BaseModel], params: Any, source: SourceMap, loc: Loc) -> BaseModel:
    """Validate an evaluator's (or plug-in's) parameters with errors placed in the file."""
    try:
        return model.model_validate(params if params is not None else {})
    except ValidationError as exc:
        raise _schema_error(exc, source, prefix=loc, model=model) from None


def resolve_evaluators(study: Study, source: SourceMap) -> list[EvaluatorSpec]:
    """Validate each ``evaluate:`` entry: known name, valid params, known assets."""
    specs: list[EvaluatorSpec] = []
    for i, entry in enumerate(study.evaluate):
        loc: tuple[str | int, ...] = ("evaluate", i)
        if len(entry) != 1:
            raise ConfigError(
                f"each entry of 'evaluate' names one evaluator, found {len(entry)} keys",
                location=source.location(loc),
                hint="write e.g. '- forward_returns: {assets: [SPX], horizons: [1m]}'",
            )
        (name, params), = entry.items()
        try:
            cls = EVALUATORS.get(str(name))
        except UnknownNameError as exc:
            exc.location = source.location((*loc, name), key=True)
            raise
        validated = validate_params(cls.Params, params, source, (*loc, name))
        evaluator = cls(validated)
        _check_assets(evaluator, study, source, (*loc, name))
        specs.append(EvaluatorSpec(name=cls.name, params=validated, loc=(*loc, name)))
    return specs


def _check_assets(evaluator: Evaluator, study: Study, source: SourceMap, loc: tuple[str | int, ...]) -> None:
    for field_name in evaluator.asset_fields:
        value = getattr(evaluator.params, field_name, None)
        items = [value] if isinstance(value, str) else list(value or [])
        for j, asset in enumerate(items):
            if asset in items[:j]:  # its rows taken twice: a shift of h rows would be h/2 days
                raise ConfigError(
                    f"{asset!r} is listed twice in {field_name!r}",
                    location=source.location((*loc, field_name, j)),
                    hint="give each series once",
                )
            if asset == UNIVERSE and study.universe is not None:
                continue
            if asset == UNIVERSE:
                raise UnknownNameError(
                    f"{field_name!r} is needed: this study has no universe for it to default to",
                    location=source.location(loc),
                    hint=f"list series declared under 'series:': {', '.join(study.series)}",
                )
            where = (*loc, field_name) if isinstance(value, str) else (*loc, field_name, j)
            if asset not in study.series and study.universe is not None and field_name == "assets":
                # the market series are refused there too: a hint that offered them led to the next error
                named = f"the universe's label {asset!r}" if asset == study.universe.label else f"{asset!r}"
                raise UnknownNameError(
                    f"{named} in 'assets': a universe study measures each of its stocks, with 'assets' left out",
                    location=source.location(where),
                    hint="leave 'assets' out (each stock: the label names them in tables); to study some stocks, list them under 'universe:'",
                )
            if asset not in study.series:
                raise UnknownNameError(
                    f"unknown series {asset!r} in {field_name!r}{did_you_mean(asset, study.series)}",
                    location=source.location(where),
                    hint=f"assets must be series declared under 'series:': {', '.join(study.series)}" if study.series else
                    f"this study declares no series: add 'series: {{{asset}: {asset}}}' (the name used here -> the symbol in the data)",
                )
            if study.universe is not None and field_name == "assets":  # its panel's rows are the stocks
                raise ConfigError(
                    f"{asset!r} in 'assets' is a market series: a universe study measures each of its stocks, and a "
                    "market series' outcome, the same for every stock on a day, has no row of its own there",
                    location=source.location(where),
                    hint=f"leave 'assets' out (each stock); compare the stocks with {asset} through 'benchmark: {asset}' "
                    f"(excess_returns, hit_rate), or study {asset} itself in a study of named series",
                )
    benchmark = getattr(evaluator.params, "benchmark", None)
    if "benchmark" in evaluator.asset_fields and isinstance(benchmark, str):  # measured against itself: 0 on every day
        for j, asset in enumerate(getattr(evaluator.params, "assets", None) or []):
            if asset != UNIVERSE and study.series.get(asset) == study.series.get(benchmark):
                same = "is the benchmark" if asset == benchmark else f"and the benchmark {benchmark!r} are the same symbol {study.series[asset]!r}"
                raise ConfigError(
                    f"{asset!r} in 'assets' {same}: measured against itself, its return less the benchmark's is 0 on every day",
                    location=source.location((*loc, "assets", j)),
                    hint=f"list the other series in 'assets', or compare {asset} with another benchmark",
                )
