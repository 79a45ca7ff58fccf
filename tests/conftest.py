"""Shared fixtures: where the real data lives, and skipping cleanly when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# The suite's property tests draw the same examples on every run (CI must not go red on a
# new random draw); `pytest --hypothesis-profile explore` draws fresh ones to hunt for bugs.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("EVENTSTUDY_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real daily closes in ../shared/data; the test is skipped when they are absent."""
    if not (SHARED_DATA / "SPX.csv").is_file() or not (SHARED_DATA / "RUT.csv").is_file():
        pytest.skip(f"real data not found at {SHARED_DATA} (set EVENTSTUDY_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the user's download cache."""
    monkeypatch.setenv("EVENTSTUDY_CACHE", str(tmp_path_factory.mktemp("cache")))
