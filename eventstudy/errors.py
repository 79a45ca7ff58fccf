"""One root for every error a user can cause, rendered like a compiler's.

A user mistake (bad YAML, a typo in a condition, a malformed data file) raises an
:class:`EventStudyError`. The CLI prints ``error.render()`` and exits with code 2; a
traceback is only ever shown for bugs.

Errors found inside a condition carry a *span* into the condition text; the config layer
later anchors them in the study file (:meth:`EventStudyError.anchor`), so the message
points at ``file:line:col`` with a caret under the bad token::

    configs/spx_rut.yaml:7:27: error: unknown feature 'drawdwn' (did you mean 'drawdown'?)
        when: SPX at ATH and RUT drawdwn >= 10%
                                 ^^^^^^^
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ConditionSyntaxError",
    "ConfigError",
    "DataError",
    "EventStudyError",
    "Location",
    "MissingDataError",
    "UnknownNameError",
    "WorkerError",
    "did_you_mean",
    "option",
    "options_named",
    "options_naming",
]


@dataclass(frozen=True)
class Location:
    """Where an error is: 1-based line and column in ``path`` (or in ``source_line``)."""

    path: str | None = None
    line: int | None = None
    column: int | None = None
    length: int = 1
    source_line: str | None = None


class EventStudyError(Exception):
    """Root of all user-facing errors.

    Parameters
    ----------
    message
        What is wrong, lower-case, values quoted with ``!r``.
    location
        Where it is, if known.
    hint
        What would be valid (the allowed values, or how to fix it).
    span
        ``(start, end)`` character offsets into ``source`` (a condition's text); used
        to draw a caret before the error is anchored in a file.
    source
        The text ``span`` points into.
    """

    kind = "error"

    def __init__(
        self,
        message: str,
        *,
        location: Location | None = None,
        hint: str | None = None,
        span: tuple[int, int] | None = None,
        source: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint
        self.span = span
        self.source = source

    def anchor(self, path: str | None, line: int, column: int, source_line: str) -> EventStudyError:
        """Place a span-carrying error at ``line:column`` of a file (column of span start)."""
        start, end = self.span if self.span else (0, 1)
        self.location = Location(
            path=path,
            line=line,
            column=column + start,
            length=max(1, end - start),
            source_line=source_line,
        )
        return self

    def render(self) -> str:
        """The message as a user should see it: ``file:line:col: error: ...`` plus a caret."""
        loc = self.location
        head = ""
        if loc is not None:
            parts = [p for p in (loc.path, loc.line, loc.column) if p is not None]
            if parts:
                head = ":".join(str(p) for p in parts) + ": "
        text = f"{head}error: {self.message}"
        source_line, column, length = None, None, 1
        if loc is not None and loc.source_line is not None and loc.column is not None:
            source_line, column, length = loc.source_line, loc.column, loc.length
        elif self.source is not None and self.span is not None:
            source_line, column = self.source, self.span[0] + 1
            length = max(1, self.span[1] - self.span[0])
            if "\n" in self.source:  # a condition of several lines: the line the span is on
                start = self.span[0] if self.source[self.span[0] :].strip() else len(self.source.rstrip())
                first = self.source.rfind("\n", 0, start) + 1
                last = self.source.find("\n", start)
                source_line = self.source[first : last if last >= 0 else len(self.source)].rstrip("\r")
                column = start - first + 1
        if source_line is not None and column is not None and "\n" not in source_line:
            marked = source_line[column - 1 : column - 1 + max(1, length)]
            caret = _under(source_line[: column - 1]) + "^" * max(1, len(_under(marked)))
            text += f"\n    {source_line}\n    {caret}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def __str__(self) -> str:  # pragma: no cover - exercised through render()
        return self.render()

    def __reduce__(self) -> tuple[Callable[..., EventStudyError], tuple[Any, ...], dict[str, Any]]:
        # Rebuilt without calling __init__, so subclasses with their own required arguments
        # (MissingDataError, CorruptCacheError) survive the trip back from a worker process.
        return (_rebuild, (type(self), self.args), self.__dict__)


def _under(text: str) -> str:
    """Blanks as wide as ``text`` where a terminal shows it: a tab stays a tab (so it
    reaches the tab stop the line above reaches), a wide character (CJK, an emoji) is two
    columns and a combining mark none."""
    blanks = []
    for char in text:
        if char == "\t":
            blanks.append("\t")
        elif unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        elif unicodedata.east_asian_width(char) in ("W", "F"):
            blanks.append("  ")
        else:
            blanks.append(" ")
    return "".join(blanks)


def _rebuild(cls: type[EventStudyError], args: tuple[Any, ...]) -> EventStudyError:
    error = cls.__new__(cls, *args)
    error.args = args
    return error


class ConfigError(EventStudyError):
    """The study file is not valid YAML or does not fit the schema."""


class ConditionSyntaxError(EventStudyError):
    """A condition's text does not parse."""


class UnknownNameError(EventStudyError):
    """A name (series, feature, evaluator, horizon unit, ...) that is not defined."""


class DataError(EventStudyError):
    """A data file is missing or malformed, or the data cannot serve the study."""


class WorkerError(EventStudyError):
    """A worker process ended without returning its piece of the work (killed for memory,
    by a signal, or a crash in native code): the run cannot be completed where it ran."""


class MissingDataError(DataError):
    """Symbols found neither in the data directory nor in the cache.

    ``symbols`` are the missing ones and ``provider`` the one a pull would use, so a
    front end can offer to pull them and try again.
    """

    def __init__(self, message: str, *, symbols: Sequence[str], provider: str, hint: str | None = None,
                 location: Location | None = None) -> None:
        super().__init__(message, hint=hint, location=location)
        self.symbols = tuple(symbols)
        self.provider = provider


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or ``''`` when none is close."""
    options = list(choices)
    lowered = {c.lower(): c for c in options}
    match = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean {lowered[match[0]]!r}?)" if match else ""


_FLAGS: ContextVar[Mapping[str, str] | None] = ContextVar("eventstudy_flags", default=None)


def option(name: str, value: object = None, *, placeholder: bool = False) -> str:
    """A run option as its caller gives it, for a message: the keyword of
    :func:`eventstudy.run` and :func:`eventstudy.run_sweep` (``null='runs'``, ``top=``), or
    under :func:`options_named` (the command line) its flag (``--null runs``, ``--top``).
    Without ``value`` the name alone; a ``placeholder`` value (``N``, ``DATE``) is
    written as it is, not quoted.

    >>> option("null", "runs"), option("placebos")
    ("null='runs'", 'placebos=')
    >>> with options_named({"null": "--null", "placebos": "--placebos"}):
    ...     option("null", "runs"), option("placebos")
    ('--null runs', '--placebos')
    >>> option("histories", "N", placeholder=True)
    'histories=N'
    """
    flag = (_FLAGS.get() or {}).get(name)
    if flag is not None:
        return flag if value is None else f"{flag} {value}"
    return f"{name}=" if value is None else f"{name}={value if placeholder else repr(value)}"


def options_naming() -> Mapping[str, str]:
    """The keyword -> flag map :func:`option` names by here (empty outside
    :func:`options_named`): what a worker process must be given to word its messages
    as this process would (:mod:`eventstudy.executor` passes it with every call)."""
    return _FLAGS.get() or {}


@contextmanager
def options_named(flags: Mapping[str, str]) -> Iterator[None]:
    """Within it, :func:`option` names each keyword of ``flags`` (keyword -> flag) by its
    flag: the command line's messages, from the same builders as the Python API's."""
    token = _FLAGS.set(flags)
    try:
        yield
    finally:
        _FLAGS.reset(token)
