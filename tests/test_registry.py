"""The registry: entry-point plug-ins load on first use, from one read of the installed metadata."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from eventstudy import registry as registry_module
from eventstudy.errors import UnknownNameError
from eventstudy.registry import Registry


class FakeEntryPoint:
    def __init__(self, group: str, load: Callable[[], None]) -> None:
        self.group = group
        self.load = load


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
