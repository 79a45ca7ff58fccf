"""One registry pattern for features, evaluators and (later) null samplers.

A registry maps an explicit name to an object. Registering a name twice is refused (no
silent override); looking up an unknown name raises :class:`UnknownNameError` with the
closest valid name and the full list. Installed packages can add entries through an
entry-point group, loaded on first lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from importlib.metadata import EntryPoints, entry_points
from typing import Generic, Protocol, TypeVar

from eventstudy.errors import UnknownNameError, did_you_mean

__all__ = ["Registry"]

T = TypeVar("T")


class _EntryPoints(Protocol):
    def select(self, *, group: str) -> EntryPoints: ...


@cache
def _installed_entry_points() -> _EntryPoints:
    """Every installed entry point, read once per process: a read visits the metadata of
    every installed distribution (3 ms for 90), and each registry used to read it again.
    (``EntryPoints`` from Python 3.12, ``SelectableGroups`` before: both ``select``.)"""
    return entry_points()


class Registry(Generic[T]):
    """Named entries of one kind (``what``: 'feature', 'evaluator', ...)."""

    def __init__(self, what: str, entry_point_group: str | None = None) -> None:
        self.what = what
        self.entry_point_group = entry_point_group
        self._entries: dict[str, T] = {}
        self._plugins_loaded = entry_point_group is None

    def add(self, name: str, entry: T) -> T:
        """Register ``entry`` as ``name``; a name already taken is refused."""
        key = name.lower()
        if not key.isidentifier():
            raise ValueError(f"{self.what} name {name!r} must be an identifier")
        if key in self._entries:
            raise ValueError(f"{self.what} {name!r} is already registered")
        self._entries[key] = entry
        return entry

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator form of :meth:`add`."""

        def decorate(entry: T) -> T:
            return self.add(name, entry)

        return decorate

    def _load_plugins(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        for ep in _installed_entry_points().select(group=self.entry_point_group or ""):
            ep.load()  # the module registers its entries on import

    def get(self, name: str, *, span: tuple[int, int] | None = None, source: str | None = None) -> T:
        """The entry called ``name`` (case-insensitive), else a helpful error."""
        self._load_plugins()
        try:
            return self._entries[name.lower()]
        except KeyError:
            raise UnknownNameError(
                f"unknown {self.what} {name!r}{did_you_mean(name, self._entries)}",
                hint=f"valid {self.what}s: {', '.join(sorted(self._entries))}",
                span=span,
                source=source,
            ) from None

    def __contains__(self, name: object) -> bool:
        self._load_plugins()
        return isinstance(name, str) and name.lower() in self._entries

    def __iter__(self) -> Iterator[str]:
        self._load_plugins()
        return iter(sorted(self._entries))

    def items(self) -> list[tuple[str, T]]:
        self._load_plugins()
        return sorted(self._entries.items())
