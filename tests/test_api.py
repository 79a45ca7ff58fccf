"""The public surface: what a notebook imports from ``eventstudy`` itself (issue 16)."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import eventstudy


def test_every_public_name_resolves_and_the_list_is_sorted() -> None:
    assert eventstudy.__all__ == sorted(eventstudy.__all__)
    for name in eventstudy.__all__:
        assert getattr(eventstudy, name) is not None, name
    assert set(eventstudy.__all__) <= set(dir(eventstudy))


@pytest.mark.parametrize(
    "name", ["run", "run_sweep", "load_study", "check_data", "import_file", "get_executor", "write_report", "html_report"]
)
def test_the_workflow_is_reachable_without_submodules(name: str) -> None:
    assert callable(getattr(eventstudy, name))


@pytest.mark.parametrize("function", ["run", "run_study", "run_sweep"])
def test_runs_take_explicit_keywords_only(function: str) -> None:
    """No ``**overrides``: a misspelt or loader option is a TypeError, not passed on quietly."""
    signature = inspect.signature(getattr(eventstudy, function))
    kinds = {p.kind for p in signature.parameters.values()}
    assert inspect.Parameter.VAR_KEYWORD not in kinds
    assert {"placebos", "seed", "null", "alpha", "ci", "histories", "block_length"} <= set(signature.parameters)


def test_an_unknown_keyword_is_refused_before_any_work() -> None:
    with pytest.raises(TypeError, match="delimiter"):
        eventstudy.run("configs/does-not-matter.yaml", delimiter=";")  # type: ignore[call-arg]


def test_importing_the_package_loads_no_pipeline() -> None:
    """``import eventstudy`` (and ``eventstudy --help``) must not pay for polars or scipy."""
    code = "import sys, eventstudy; print(sorted(m for m in ('polars', 'scipy', 'numpy', 'eventstudy.study') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
