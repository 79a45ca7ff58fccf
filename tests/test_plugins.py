"""Plug-ins: a tiny package is pip-installed into a folder and used from a study file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import eventstudy as eventstudy_package

PLUGIN = Path(__file__).resolve().parent / "fixtures" / "plugin"

STUDY = """\
name: plug-in study
series: {A: AAA}
when: A double_close > 2 * A sma(3)
plugins: [es_demo_plugin]
evaluate:
  - up_days: {assets: [A], horizons: [3d]}
statistics: {placebos: 100}
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    source = tmp_path_factory.mktemp("src") / "plugin"  # build from a copy: the repo stays clean
    shutil.copytree(PLUGIN, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--target", str(target), str(source)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        pytest.fail(f"pip could not install the demo plug-in:\n{proc.stderr}")
    return target


def eventstudy(args: list[str], site: Path | None, cwd: Path) -> subprocess.CompletedProcess[str]:
    root = str(Path(eventstudy_package.__file__).resolve().parents[1])  # the eventstudy under test, not another install
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), root] if site else [root])}
    return subprocess.run([sys.executable, "-m", "eventstudy.cli", *args], capture_output=True, text=True, env=env, cwd=cwd)


def write_data(folder: Path) -> None:
    closes = [10, 11, 10.5, 12, 11, 13, 12.5, 14, 13, 15, 14.5, 16]
    folder.mkdir()
    (folder / "AAA.csv").write_text("date,close\n" + "".join(f"2020-01-{i + 1:02d},{c}\n" for i, c in enumerate(closes)))


def test_plugin_feature_and_entry_point_evaluator_run_from_yaml(installed: Path, tmp_path: Path) -> None:
    write_data(tmp_path / "data")
    (tmp_path / "study.yaml").write_text(STUDY)
    proc = eventstudy(["run", "study.yaml", "--data-dir", "data", "-f", "json"], installed, tmp_path)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert {o["measure"] for o in doc["outcomes"]} == {"up_days"}
    assert doc["events"], "the plug-in feature drove the condition"
    listing = eventstudy(["list", "evaluators"], installed, tmp_path)
    assert "up_days" in listing.stdout
    # a feature a study's plugins: registers is listed when its module is named, as schema --plugin does
    assert "double_close" not in eventstudy(["list", "features"], installed, tmp_path).stdout
    assert "double_close" in eventstudy(["list", "features", "--plugin", "es_demo_plugin"], installed, tmp_path).stdout


def test_a_plugin_that_is_not_installed_is_refused(tmp_path: Path) -> None:
    write_data(tmp_path / "data")
    (tmp_path / "study.yaml").write_text(STUDY)
    proc = eventstudy(["validate", "study.yaml"], None, tmp_path)
    assert proc.returncode == 2
    assert "study.yaml:4:11: error: plug-in module 'es_demo_plugin' is not installed" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("code", "error", "line"),
    [
        ("import es_no_such_dependency\n", "ModuleNotFoundError: No module named 'es_no_such_dependency'", 1),
        ("from eventstudy.features import feature\n\n@feature('drawdown', description='mine')\ndef _mine(close):\n    return close\n",
         "ValueError: feature 'drawdown' is already registered", 3),
        # registered, listed, and no condition could use it: 'A above > 1' read "expected a comparison operator"
        ("from eventstudy.features import feature\n\n@feature('Above', description='mine')\ndef _mine(close):\n    return close\n",
         "ValueError: feature 'Above' is a word of the condition language, which a condition cannot use as a feature name "
         "(the words: above, ago, and, at, below, breadth, crosses, first, for, in, is, not, on, or, within)", 3),
        ("def broken(:\n", "SyntaxError: invalid syntax", 1),
    ],
)
def test_a_plugin_that_fails_to_import_is_one_located_message(tmp_path: Path, code: str, error: str, line: int) -> None:
    """A plug-in whose import raised (a missing dependency, a feature name already taken,
    a syntax error) came out as importlib's traceback and exit code 1."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "es_failing_plugin.py").write_text(code, encoding="utf-8")
    (tmp_path / "study.yaml").write_text(STUDY.replace("es_demo_plugin", "es_failing_plugin"))
    proc = eventstudy(["validate", "study.yaml"], site, tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    first = proc.stderr.splitlines()[0]
    assert first == f"study.yaml:4:11: error: plug-in 'es_failing_plugin' failed to import: {error} ({site / 'es_failing_plugin.py'}:{line})"
    assert "hint: fix the plug-in or reinstall its package" in proc.stderr


def test_a_plugin_name_is_never_a_path(tmp_path: Path) -> None:
    (tmp_path / "study.yaml").write_text(STUDY.replace("[es_demo_plugin]", "['../evil.py']"))
    proc = eventstudy(["validate", "study.yaml"], None, tmp_path)
    assert proc.returncode == 2 and "is not a module name" in proc.stderr


def test_a_file_in_the_working_directory_is_not_imported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15: from Python (a notebook puts '' first on sys.path), 'plugins: [helper]'
    imported a helper.py that sat in the working directory."""
    from eventstudy.config import load_plugins
    from eventstudy.errors import ConfigError

    (tmp_path / "es_cwd_helper.py").write_text(f"open({str(tmp_path / 'ran')!r}, 'w').write('x')\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend("")
    with pytest.raises(ConfigError, match="a file in the working directory, not an installed module"):
        load_plugins(["es_cwd_helper"])
    assert not (tmp_path / "ran").exists()
    load_plugins(["json"])  # an installed module still loads


PROVIDER = """\
import datetime as dt

import polars as pl

from eventstudy.data.providers import PROVIDERS, Provider


@PROVIDERS.register("es_synth")
class Synth(Provider):
    name = "es_synth"
    description = "a rising line (demo provider)"

    def fetch(self, remote, start, end):
        days = pl.date_range(dt.date(2020, 1, 1), dt.date(2020, 3, 31), "1d", eager=True)
        return pl.DataFrame({"date": days, "close": [100.0 + i % 7 for i in range(days.len())]})
"""


def test_a_provider_a_study_plugin_registers_is_known_to_its_data_block(tmp_path: Path) -> None:
    """'plugins: [es_provider_plugin]' with 'data: {provider: es_synth}' read "unknown provider
    'es_synth'" with the hint 'valid providers: fred, yahoo': the schema checked the name before
    the study's plug-ins were imported."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "es_provider_plugin.py").write_text(PROVIDER, encoding="utf-8")
    study = STUDY.replace("es_demo_plugin", "es_provider_plugin").replace("A double_close > 2 * A sma(3)", "A drawdown >= 3%")
    study = study.replace("  - up_days:", "  - forward_returns:") + "data: {provider: es_synth}\n"
    (tmp_path / "study.yaml").write_text(study)
    proc = eventstudy(["validate", "study.yaml"], site, tmp_path)
    assert proc.returncode == 0, proc.stderr
    (tmp_path / "cache").mkdir()
    proc = eventstudy(["run", "study.yaml", "--pull", "--data-dir", "cache", "-f", "json"], site, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["events"]
