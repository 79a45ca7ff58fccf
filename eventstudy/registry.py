"""One registry pattern for features, evaluators and (later) null samplers.

A registry maps an explicit name to an object. Registering a name twice is refused (no
silent override); looking up an unknown name raises :class:`UnknownNameError` with the
closest valid name and the full list. Installed packages can add entries through an
entry-point group, loaded on first lookup. A built-in may be reserved by name with the
module that registers it (:meth:`Registry.add_lazy`), which is imported only when that
name is looked up or every entry is listed: ``validate`` then imports the evaluator it
checks, not all of them.
"""

from __future__ import annotations

import importlib
import re
import traceback
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from importlib.metadata import EntryPoints, entry_points
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from eventstudy.errors import ConfigError, Location, UnknownNameError, did_you_mean

__all__ = ["PLUGIN_GROUPS", "Registry", "import_plugin", "plugin_distributions", "plugin_failure"]

PLUGIN_GROUPS = ("eventstudy.features", "eventstudy.evaluators", "eventstudy.samplers", "eventstudy.providers")
"""The entry-point groups whose installed plug-ins every registry lookup loads."""

T = TypeVar("T")


class _EntryPoints(Protocol):
    def select(self, *, group: str) -> EntryPoints: ...


@cache
def _installed_entry_points() -> _EntryPoints:
    """Every installed entry point, read once per process: a read visits the metadata of
    every installed distribution (3 ms for 90), and each registry used to read it again.
    (``EntryPoints`` from Python 3.12, ``SelectableGroups`` before: both ``select``.)"""
    return entry_points()


def plugin_distributions(modules: Sequence[str] = ()) -> dict[str, str | None]:
    """The plug-ins a run may have used, each with its version (for the manifest): the
    distribution of every installed entry point of :data:`PLUGIN_GROUPS`, and that of each
    of ``modules`` (a study's ``plugins:``, ``--plugin``), by distribution name; a module
    no installed distribution provides is listed by its own name, version None."""
    from importlib.metadata import PackageNotFoundError, packages_distributions, version

    names: dict[str, None] = {}
    for group in PLUGIN_GROUPS:
        for ep in _installed_entry_points().select(group=group):
            dist = getattr(getattr(ep, "dist", None), "name", None)
            names[dist or ep.value.split(":")[0]] = None
    providers = packages_distributions() if modules else {}
    for module in modules:
        names.update(dict.fromkeys(providers.get(module.split(".")[0]) or [module]))
    out: dict[str, str | None] = {}
    for name in sorted(names):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


_OWN = str(Path(__file__).resolve().parent)
_LIBRARY = re.compile(r"[\\/](polars|numpy|pandas|pyarrow|pydantic)[\\/]")  # where a plug-in's call failed, not its line


def import_plugin(load: Callable[[], object], what: str, *, location: Location | None = None, hint: str) -> None:
    """Run ``load`` (the import of a plug-in module); an exception it raises (a missing
    dependency, a syntax error, a name already registered) becomes one :class:`ConfigError`
    that names the plug-in (``what``), the error, and the line of the plug-in's code it
    came from: a user's study (or every command, for an entry point) stops with a message
    instead of a traceback through importlib."""
    try:
        load()
    except Exception as exc:  # the plug-in's code, whatever it raised
        raise ConfigError(f"{what} failed to import: {plugin_failure(exc)}", location=location, hint=hint) from None


def plugin_failure(exc: BaseException) -> str:
    """What a plug-in's code raised, for a message: ``'ZeroDivisionError: division by zero
    (/path/mine.py:29)'``, with the last line of the plug-in's own code it came through
    (not eventstudy's, importlib's or polars')."""
    where, text = "", (str(exc).strip().splitlines() or [""])[0]  # polars adds the expression's plan on further lines
    if isinstance(exc, SyntaxError) and exc.filename:
        where, text = f" ({exc.filename}:{exc.lineno})", str(exc.msg)
    else:
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if not f.filename.startswith(("<", _OWN)) and "importlib" not in f.filename and not _LIBRARY.search(f.filename)]
        if frames:
            where = f" ({frames[-1].filename}:{frames[-1].lineno})"
    return f"{type(exc).__name__}: {text}{where}"


class Registry(Generic[T]):
    """Named entries of one kind (``what``: 'feature', 'evaluator', ...)."""

    def __init__(self, what: str, entry_point_group: str | None = None) -> None:
        self.what = what
        self.entry_point_group = entry_point_group
        self._entries: dict[str, T] = {}
        self._lazy: dict[str, str] = {}  # reserved name -> the module that registers it on import
        self._plugins_loaded = entry_point_group is None
        self.version = 0  # bumped by every add: a cache of what names resolve to is keyed on it

    def _key(self, name: str) -> str:
        key = name.lower()
        if not key.isidentifier():
            raise ValueError(f"{self.what} name {name!r} must be an identifier")
        return key

    def add(self, name: str, entry: T) -> T:
        """Register ``entry`` as ``name``; a name already taken (or reserved for another
        module's entry with :meth:`add_lazy`) is refused."""
        key = self._key(name)
        reserved_by = self._lazy.get(key)
        if key in self._entries or (reserved_by is not None and getattr(entry, "__module__", None) != reserved_by):
            raise ValueError(f"{self.what} {name!r} is already registered")
        self._lazy.pop(key, None)
        self._entries[key] = entry
        self.version += 1
        return entry

    def add_lazy(self, name: str, module: str) -> None:
        """Reserve ``name`` for the entry ``module`` defines and registers when imported;
        the module is imported on the first lookup of ``name`` or listing of entries."""
        key = self._key(name)
        if key in self._entries or key in self._lazy:
            raise ValueError(f"{self.what} {name!r} is already registered")
        self._lazy[key] = module

    def _load_lazy(self, keys: list[str]) -> None:
        for key in keys:
            module = self._lazy.get(key)
            if module is None:
                continue
            importlib.import_module(module)
            if key in self._lazy:
                raise RuntimeError(f"importing {module!r} did not register the {self.what} {key!r} it was reserved for")

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
            dist = getattr(getattr(ep, "dist", None), "name", None)
            import_plugin(  # the module registers its entries on import
                ep.load, f"the installed plug-in {ep.value!r} (entry point {ep.name!r} in {ep.group!r})",
                hint=f"fix or uninstall the package that provides it{f' (pip uninstall {dist})' if dist else ''}: every "
                     f"command loads it",
            )

    def get(self, name: str, *, span: tuple[int, int] | None = None, source: str | None = None) -> T:
        """The entry called ``name`` (case-insensitive), else a helpful error."""
        self._load_plugins()
        self._load_lazy([name.lower()])
        try:
            return self._entries[name.lower()]
        except KeyError:
            names = sorted({*self._entries, *self._lazy})
            raise UnknownNameError(
                f"unknown {self.what} {name!r}{did_you_mean(name, names)}",
                hint=f"valid {self.what}s: {', '.join(names)}",
                span=span,
                source=source,
            ) from None

    def __contains__(self, name: object) -> bool:
        self._load_plugins()
        return isinstance(name, str) and (name.lower() in self._entries or name.lower() in self._lazy)

    def __iter__(self) -> Iterator[str]:
        """Every name, built-ins reserved with :meth:`add_lazy` too (none is imported)."""
        self._load_plugins()
        return iter(sorted({*self._entries, *self._lazy}))

    def items(self) -> list[tuple[str, T]]:
        self._load_plugins()
        self._load_lazy(list(self._lazy))
        return sorted(self._entries.items())
