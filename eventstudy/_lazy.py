"""Imports on first use: package attributes (``import eventstudy`` stays cheap) and whole
modules (:mod:`eventstudy._polars`, :mod:`eventstudy._numpy`)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

__all__ = ["LazyModule", "lazy_attributes"]


class LazyModule(ModuleType):
    """Stands in for the module of its name until an attribute is first read, then is
    that module (its namespace copied in, so later reads are plain attribute reads)."""

    def __getattr__(self, name: str) -> Any:
        module = importlib.import_module(self.__name__)
        self.__dict__.update(module.__dict__)
        return getattr(module, name)


def lazy_attributes(package: str, names: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's ``__getattr__`` and ``__dir__`` for ``names`` (attribute -> module that defines it)."""
    namespace = importlib.import_module(package).__dict__

    def getattr_(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def dir_() -> list[str]:
        """The public names, dunders and loaded submodules: a notebook's tab completion
        offers the API, not the package's own imports (``TYPE_CHECKING``, ``annotations``)."""
        public = set(names) | set(namespace.get("__all__", ()))
        modules = {k for k, v in namespace.items() if isinstance(v, ModuleType) and not k.startswith("_")}
        return sorted(public | modules | {k for k in namespace if k.startswith("__")})

    return getattr_, dir_
