"""`eventstudy schema`: a Draft 2020-12 JSON Schema that the shipped studies satisfy."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from eventstudy.cli import main
from eventstudy.evaluators import EVALUATORS
from eventstudy.scaffold import render_template
from eventstudy.schema import DIALECT, study_schema

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is a test dependency (pip install -e '.[test]')")

REPO = Path(__file__).resolve().parents[1]
CONFIGS = sorted((REPO / "configs").glob("*.yaml"))


def as_editor_sees_it(value: object) -> object:
    """YAML as a YAML 1.2 editor reads it: dates are strings, a `null:` key is the string 'null'."""
    if isinstance(value, dict):
        return {("null" if k is None else str(k)): as_editor_sees_it(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_editor_sees_it(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@pytest.fixture(scope="module")
def validator():
    schema = study_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def errors(validator, text: str) -> list[str]:
    """Every message, including those inside anyOf / oneOf alternatives."""

    def flat(error) -> list[str]:
        return [error.message, *(m for sub in error.context for m in flat(sub))]

    return [m for e in validator.iter_errors(as_editor_sees_it(yaml.safe_load(text))) for m in flat(e)]


def test_the_schema_is_draft_2020_12_with_every_evaluator() -> None:
    schema = study_schema()
    assert schema["$schema"] == DIALECT
    options = schema["properties"]["evaluate"]["items"]["oneOf"]
    assert [o["title"] for o in options] == [name for name, _ in EVALUATORS.items()]


@pytest.mark.parametrize("config", CONFIGS, ids=[c.name for c in CONFIGS])
def test_shipped_configs_validate(validator, config: Path) -> None:
    assert errors(validator, config.read_text()) == []


def test_the_starter_study_validates(validator) -> None:
    assert errors(validator, render_template(Path("x.yaml"))) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("when:", "whn:", "Additional properties are not allowed ('whn' was unexpected)"),
        ("horizons: [1w, 1m, 3m, 6m, 1y]", "horizons: [1w, 1mm]", "'1mm' is not valid"),
        ("gap: 21cd", "gap: 21m", "'21m' is not valid"),
        ("mode: after_kept", "mode: after_all", "'after_all' is not one of"),
        ("forward_returns:", "forward_return:", "is not valid under any of the given schemas"),
        ("{assets: [SPX, RUT], horizons", "{assets: [SPX, RUT], kind: log, entry: close, horizon", "is not valid under any"),
        ("evaluate:", "evaluators:", "'evaluators' was unexpected"),  # and neither evaluate nor event_study: see below
    ],
)
def test_mistakes_are_caught(validator, old: str, new: str, expected: str) -> None:
    text = (REPO / "configs" / "spx_rut.yaml").read_text()
    assert old in text
    found = errors(validator, text.replace(old, new))
    assert any(expected in message for message in found), found


def schema_and_loader_agree(validator, text: str, valid: bool) -> None:
    """The schema and the loader (parse_study) both accept ``text``, or both refuse it."""
    from eventstudy.config import parse_study
    from eventstudy.errors import ConfigError

    assert (errors(validator, text) == []) is valid
    if valid:
        parse_study(text, path="s.yaml")
    else:
        with pytest.raises(ConfigError):
            parse_study(text, path="s.yaml")


@pytest.mark.parametrize(("evaluator", "valid"), [("forward_returns", False), ("hit_rate", False), ("excess_returns", False), ("path", True)])
def test_an_evaluator_without_parameters_is_valid_only_if_none_is_required(validator, evaluator: str, valid: bool) -> None:
    """'- forward_returns:' (null) passed the schema while validate refused it ("missing
    required key 'horizons'"): null is the written form of no parameters, for an
    evaluator that needs none."""
    text = f"name: t\nseries: {{SPX: SPX}}\nwhen: SPX at ATH\nevaluate:\n  - {evaluator}:\n"
    assert (errors(validator, text) == []) is valid
    if not valid:
        from eventstudy.config import parse_study
        from eventstudy.errors import ConfigError

        with pytest.raises(ConfigError, match="missing required key"):
            parse_study(text, path="s.yaml")


@pytest.mark.parametrize(
    ("fields", "valid"),
    [
        ("statistics: {alpha: 5%, ci: 90%}", True), ("statistics: {alpha: 0.05, ci: 0.9}", True),
        ("statistics: {alpha: 5}", False), ("statistics: {alpha: five%}", False),
    ],
)
def test_a_share_may_be_written_as_a_percent_in_the_schema_as_in_the_study(validator, fields: str, valid: bool) -> None:
    """alpha, ci and a hit rate's threshold take '5%' (as validate does); the schema had them
    as numbers only, so an editor flagged the documented form."""
    text = f"name: t\nseries: {{SPX: SPX}}\nwhen: SPX at ATH\nevaluate:\n  - hit_rate: {{assets: [SPX], horizons: [1m], threshold: 2.5%}}\n{fields}\n"
    schema_and_loader_agree(validator, text, valid)


@pytest.mark.parametrize(
    ("data", "valid"),
    [
        ("{provider: foo}", False), ("{provider: Yahoo}", True), ("{provider: fred}", True),
        ("{max_stale: 3}", False), ("{align: inner, max_stale: 3}", False), ("{align: ffill, max_stale: 3}", True),
    ],
)
def test_the_data_block_is_valid_in_the_schema_as_in_the_study(validator, data: str, valid: bool) -> None:
    """The schema took any provider name and a max_stale without 'align: ffill', both of
    which validate refuses ('unknown provider', 'max_stale applies only to align: ffill')."""
    text = f"name: t\nseries: {{SPX: SPX}}\nwhen: SPX at ATH\nevaluate:\n  - forward_returns: {{assets: [SPX], horizons: [1m]}}\ndata: {data}\n"
    schema_and_loader_agree(validator, text, valid)


@pytest.mark.parametrize(
    ("fields", "valid"),
    [
        ("horizons: [0d]", False), ("horizons: ['0']", False), ("horizons: [00w]", False), ("horizons: [05d, 1m]", True),
        ("horizons: [1m]}\ndecluster: {gap: 0cd", False), ("horizons: [1m]}\ndecluster: {gap: '0'", False),
        ("horizons: [1m]}\ndecluster: {gap: 0mo", False), ("horizons: [1m]}\ndecluster: {gap: 21cd", True),
    ],
)
def test_a_horizon_or_a_gap_of_zero_is_refused_by_the_schema_as_by_the_study(validator, fields: str, valid: bool) -> None:
    """'horizons: [0d]' and 'gap: 0cd' passed the schema (its patterns took any digits, where
    its integers start at 1), so an editor showed no mark on what validate refuses ('bad
    horizon '0d'', 'bad gap '0cd'')."""
    text = f"name: t\nseries: {{SPX: SPX}}\nwhen: SPX at ATH\nevaluate:\n  - forward_returns: {{assets: [SPX], {fields}}}\n"
    schema_and_loader_agree(validator, text, valid)


def test_cli_prints_and_writes_the_schema(tmp_path: Path, capsys) -> None:
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(json.dumps(study_schema()))
    assert main(["schema", "--output", str(tmp_path / "s.json")]) == 0
    assert json.loads((tmp_path / "s.json").read_text()) == printed


def test_plugin_evaluators_join_the_schema(tmp_path: Path) -> None:
    plugin = REPO / "tests" / "fixtures" / "plugin"
    env = {**os.environ, "PYTHONPATH": str(plugin), "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run([sys.executable, "-m", "eventstudy.cli", "schema", "--plugin", "es_demo_plugin.evaluators"],
                          capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    titles = [o["title"] for o in json.loads(proc.stdout)["properties"]["evaluate"]["items"]["oneOf"]]
    assert "up_days" in titles
    proc = subprocess.run([sys.executable, "-m", "eventstudy.cli", "schema", "--plugin", "no_such_module"],
                          capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 2 and "not installed" in proc.stderr


def test_a_study_measures_something(validator) -> None:
    """The schema, like validate, needs ``evaluate`` or ``event_study`` (or both)."""
    text = (REPO / "configs" / "spx_rut.yaml").read_text()
    start = text.index("evaluate:")
    end = text.index("\n", text.index("- forward_returns", start))
    bare = text[:start] + text[end + 1 :]
    assert any("is not valid under any of the given schemas" in m for m in errors(validator, bare))
    with_block = bare + "event_study: {window: [-5, 5], market: SPX}\n"
    assert errors(validator, with_block) == []
