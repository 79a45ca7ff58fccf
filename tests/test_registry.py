"""The registry: entry-point plug-ins load on first use, from one read of the installed metadata."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterator

import pytest

from eventstudy import registry as registry_module
from eventstudy.errors import UnknownNameError
from eventstudy.registry import Registry


class FakeEntryPoint:
    def __init__(self, group: str, load: Callable[[], None], name: str = "demo", value: str = "demo_plugin") -> None:
        self.group = group
        self.load = load
        self.name = name
        self.value = value


class FakeInstalled:
    """What ``importlib.metadata.entry_points()`` returns, for two groups."""

    def __init__(self, points: list[FakeEntryPoint]) -> None:
        self.points = points

    def select(self, *, group: str) -> list[FakeEntryPoint]:
        return [p for p in self.points if p.group == group]


@pytest.fixture
def fresh_metadata() -> Iterator[None]:
    registry_module._installed_entry_points.cache_clear()
    yield
    registry_module._installed_entry_points.cache_clear()


def test_plugins_of_each_group_load_from_one_read_of_the_metadata(monkeypatch: pytest.MonkeyPatch, fresh_metadata: None) -> None:
    features: Registry[str] = Registry("feature", entry_point_group="demo.features")
    samplers: Registry[str] = Registry("sampler", entry_point_group="demo.samplers")
    features.add("close", "built-in")
    points = [
        FakeEntryPoint("demo.features", lambda: features.add("double_close", "plug-in")),
        FakeEntryPoint("demo.samplers", lambda: samplers.add("blocks", "plug-in")),
        FakeEntryPoint("other.group", lambda: pytest.fail("another group's plug-in was loaded")),
    ]
    reads: list[int] = []

    def entry_points() -> FakeInstalled:
        reads.append(1)
        return FakeInstalled(points)

    monkeypatch.setattr(registry_module, "entry_points", entry_points)
    assert features.get("double_close") == "plug-in"
    assert list(samplers) == ["blocks"]
    assert "close" in features and "blocks" in samplers
    with pytest.raises(UnknownNameError, match="did you mean 'blocks'"):
        samplers.get("block")
    assert len(reads) == 1


def test_an_installed_plugin_that_fails_to_import_is_one_message(monkeypatch: pytest.MonkeyPatch, fresh_metadata: None) -> None:
    """An entry-point plug-in whose import raised (a missing dependency, a name already
    taken) came out of every lookup as importlib's traceback: now one ConfigError that
    names the plug-in, its error and the line of its code."""
    from eventstudy.errors import ConfigError

    features: Registry[str] = Registry("feature", entry_point_group="demo.features")
    features.add("close", "built-in")

    def clash() -> None:
        features.add("close", "plug-in")

    points = [FakeEntryPoint("demo.features", clash, name="close", value="es_clashing.features")]
    monkeypatch.setattr(registry_module, "entry_points", lambda: FakeInstalled(points))
    with pytest.raises(ConfigError) as caught:
        features.get("close")
    message = caught.value.render()
    assert message.startswith(
        "error: the installed plug-in 'es_clashing.features' (entry point 'close' in 'demo.features') failed to import: "
        "ValueError: feature 'close' is already registered ("
    )
    assert f"{__file__}:" in message.splitlines()[0]  # the plug-in's own line, not the registry's
    assert "hint: fix or uninstall the package that provides it" in message


def test_a_reserved_builtin_is_imported_on_its_first_lookup_only(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``add_lazy``: listed and known by name at once, imported when looked up (issue 12:
    validate imports the evaluators a study names, not every one)."""
    monkeypatch.syspath_prepend(str(tmp_path))
    demo: Registry[type] = Registry("demo")
    monkeypatch.setitem(sys.modules, "demo_registry_owner", types.SimpleNamespace(REGISTRY=demo))
    for name in ("alpha", "beta"):
        (tmp_path / f"demo_lazy_{name}.py").write_text(
            f"import demo_registry_owner\n\n@demo_registry_owner.REGISTRY.register({name!r})\nclass Entry:\n    pass\n"
        )
        demo.add_lazy(name, f"demo_lazy_{name}")
    (tmp_path / "demo_lazy_silent.py").write_text("")
    demo.add_lazy("silent", "demo_lazy_silent")
    assert list(demo) == ["alpha", "beta", "silent"] and "beta" in demo
    assert not {"demo_lazy_alpha", "demo_lazy_beta"} & set(sys.modules)
    assert demo.get("ALPHA").__module__ == "demo_lazy_alpha"
    assert "demo_lazy_alpha" in sys.modules and "demo_lazy_beta" not in sys.modules
    with pytest.raises(UnknownNameError, match="did you mean 'beta'"):
        demo.get("betta")
    with pytest.raises(ValueError, match="already registered"):  # a reserved name is not anyone's to take
        demo.add("beta", type("Impostor", (), {}))
    with pytest.raises(ValueError, match="already registered"):
        demo.add_lazy("alpha", "elsewhere")
    with pytest.raises(RuntimeError, match="did not register"):
        demo.items()
    for name in ("alpha", "beta", "silent"):
        sys.modules.pop(f"demo_lazy_{name}", None)


def test_the_builtin_evaluators_are_all_listed() -> None:
    from eventstudy.evaluators import EVALUATORS

    names = [name for name, cls in EVALUATORS.items()]
    assert names == list(EVALUATORS) == ["excess_returns", "excursions", "forward_returns", "hit_rate", "path"]
    assert all(EVALUATORS.get(name).name == name for name in names)


def test_the_manifests_plugins_name_a_data_providers_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """The manifest lists 'every installed entry point's package' (docs/reports.md) under
    environment.plugins: a package adding a data provider (the ``eventstudy.providers``
    group, which the provider registry loads) was left out, where one adding a feature,
    an evaluator or a null sampler was listed."""
    groups = {"eventstudy.features": "es-features", "eventstudy.evaluators": "es-evaluators", "eventstudy.samplers": "es-samplers",
              "eventstudy.providers": "es-prices"}
    points = [types.SimpleNamespace(group=group, name="demo", value=f"{dist.replace('-', '_')}:x", dist=types.SimpleNamespace(name=dist))
              for group, dist in groups.items()]
    monkeypatch.setattr(registry_module, "_installed_entry_points", lambda: FakeInstalled(points))
    assert registry_module.plugin_distributions() == dict.fromkeys(groups.values())
