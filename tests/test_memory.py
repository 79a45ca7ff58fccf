"""The allocator settings that keep freed memory for reuse (eventstudy.memory)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from eventstudy import cli
from eventstudy.memory import keep_freed_memory

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}  # the allocator's own settings unset


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_applied_with_glibc_in_a_fresh_process() -> None:
    script = "from eventstudy.memory import keep_freed_memory; print(keep_freed_memory())"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env=CLEAN_ENV)
    assert out.stdout.strip() == "True"


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_freed_blocks_are_reused_without_new_page_faults() -> None:
    """What the settings are for: twenty 4 MB arrays alive at once, freed, then allocated
    again (a block of symbols, then the next). By default the freed heap top is handed
    back to the system and every round faults its 80 MB in again; kept, the pages are
    reused."""
    script = textwrap.dedent(
        """
        import resource, sys
        import numpy as np
        if sys.argv[1] == "keep":
            from eventstudy.memory import keep_freed_memory
            assert keep_freed_memory()
        def faults():
            return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        def round():
            arrays = [np.ones(500_000) for _ in range(20)]
            del arrays
        round()
        before = faults()
        for _ in range(5):
            round()
        print((faults() - before) / 5)
        """
    )
    per_round = {
        mode: float(subprocess.run([sys.executable, "-c", script, mode], capture_output=True, text=True, check=True, env=CLEAN_ENV).stdout)
        for mode in ("keep", "default")
    }
    assert per_round["keep"] < 1_000 and per_round["default"] > 10_000, per_round  # 80 MB is 19,500 pages of 4 kB


def test_the_users_own_allocator_settings_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "0")
    assert keep_freed_memory() is False


def test_the_commands_that_compute_keep_freed_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    called: list[str] = []
    monkeypatch.setattr("eventstudy.memory.keep_freed_memory", lambda: called.append("kept") or True)
    assert cli.main(["run", "no-such-study.yaml"]) != 0  # a user mistake, after the settings
    assert called == ["kept"]
    cli.main(["list", "features"])
    assert called == ["kept"]  # listing computes nothing


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_worker_processes_keep_freed_memory_when_their_parent_does(tmp_path: Path) -> None:
    script = tmp_path / "workers.py"
    script.write_text(textwrap.dedent(
        """
        import os
        import sys
        from eventstudy import memory
        from eventstudy.executor import ProcessExecutor

        def worker_kept(parent):
            return os.getpid() != parent, memory.kept()

        if __name__ == "__main__":
            if sys.argv[1] == "keep":
                memory.keep_freed_memory()
            with ProcessExecutor(workers=2) as pool:
                print(sorted(set(pool.imap(worker_kept, [os.getpid()] * 4))))
        """
    ))
    found = {
        mode: subprocess.run([sys.executable, str(script), mode], capture_output=True, text=True, check=True, env=CLEAN_ENV).stdout.strip()
        for mode in ("keep", "default")
    }
    assert found == {"keep": "[(True, True)]", "default": "[(True, False)]"}  # (in a worker, kept)
