"""Progress bars: on stderr on a terminal, silent otherwise and with --quiet, cheap when off."""

from __future__ import annotations

import io
import sys

import pytest

from eventstudy import progress


@pytest.fixture(autouse=True)
def _automatic():
    yield
    progress.configure(enabled=None)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_off_when_stderr_is_not_a_terminal(monkeypatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert not progress.enabled()
    with progress.task("work", total=3) as advance:
        for _ in range(3):
            advance()
    assert list(progress.track([1, 2, 3], "work")) == [1, 2, 3]
    assert sys.stderr.getvalue() == ""


def test_on_a_terminal_and_off_when_quiet(monkeypatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert progress.enabled()
    progress.configure(enabled=False)
    assert not progress.enabled()
    progress.configure(enabled=None)
    with progress.task("outer", total=2) as outer:  # nested tasks share one live display
        for item in progress.track(range(4), "inner"):
            assert item in range(4)
        outer(2)
    assert "outer" in terminal.getvalue()  # drawn (then cleared: bars are transient)
    assert progress._live is None  # nothing left running


def test_cli_quiet_turns_bars_off(monkeypatch, tmp_path) -> None:
    from eventstudy.cli import main

    monkeypatch.setattr(sys, "stderr", Terminal())
    main(["list", "features"])
    assert progress.enabled()  # automatic: stderr is a terminal
    (tmp_path / "s.yaml").write_text("name: x\n")
    main(["run", str(tmp_path / "s.yaml"), "--quiet"])
    assert not progress.enabled()
