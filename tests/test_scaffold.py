"""`eventstudy init NAME`: a commented starter study that validates and runs as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventstudy.cli import main
from eventstudy.config import load_study
from eventstudy.scaffold import init_path, write_study


def test_init_writes_a_valid_commented_study(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init", "golden_cross"]) == 0
    path = tmp_path / "golden_cross.yaml"
    assert "wrote golden_cross.yaml" in capsys.readouterr().out
    text = path.read_text()
    assert text.count("\n#") > 10  # every block says what it does
    study = load_study(path)
    assert study.name == "golden cross"
    assert study.when == "SPX crosses above SPX sma(200)"
    assert [spec.name for spec in study.evaluators] == ["forward_returns"]
    assert main(["validate", str(path)]) == 0


def test_the_starter_sets_the_count_its_null_reads(tmp_path: Path) -> None:
    """The starter's 'statistics: {placebos: 2000, ...}' changed nothing: its p-values come
    from the histories null, whose count is 'histories' (a newcomer who raised or lowered
    placebos saw the same numbers)."""
    from eventstudy.null_choice import choose_null

    study = load_study(write_study(str(tmp_path / "starter")))
    assert choose_null(study, study.statistics, []) == "histories"
    assert study.statistics.model_fields_set == {"histories", "seed"}


def test_the_starter_says_what_explain_prints(tmp_path: Path, capsys) -> None:
    """The starter's header said 'eventstudy explain FILE  # the condition as parsed, its
    features, its polars expression': explain prints the expression with --raw only (its
    length otherwise), and the events and tests a run makes, which the line left out."""
    path = write_study(str(tmp_path / "starter"))
    [line] = [line for line in path.read_text().splitlines() if "eventstudy explain" in line]
    assert main(["explain", str(path)]) == 0
    out = capsys.readouterr().out
    assert "polars expression (one boolean per day" not in out  # without --raw
    assert "polars expression" not in line
    assert "events" in line and "tests" in line and "\nevents:\n" in out and "\ntests:\n" in out


def test_init_refuses_to_overwrite(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.yaml").write_text("name: mine\n")
    assert main(["init", "mine"]) == 2
    err = capsys.readouterr().err
    assert "already exists: not overwritten" in err and "Traceback" not in err
    assert (tmp_path / "mine.yaml").read_text() == "name: mine\n"


def test_init_goes_into_configs_when_there_is_one(tmp_path: Path) -> None:
    (tmp_path / "configs").mkdir()
    assert init_path("x", cwd=tmp_path) == tmp_path / "configs" / "x.yaml"
    assert init_path("x", cwd=tmp_path / "configs") == tmp_path / "configs" / "x.yaml"
    assert init_path("studies/y.yaml", cwd=tmp_path) == Path("studies/y.yaml")
    assert init_path("z", directory=tmp_path / "d") == tmp_path / "d" / "z.yaml"
    written = write_study(str(tmp_path / "nested" / "w"))
    assert written == tmp_path / "nested" / "w.yaml" and written.is_file()


def test_init_rejects_a_bad_name(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init", "bad name!"]) == 2
    assert "not a usable study name" in capsys.readouterr().err


@pytest.mark.shared_data
def test_the_starter_study_runs_on_the_shared_data(shared_data: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init", "starter"]) == 0
    capsys.readouterr()
    code = main(["run", "starter.yaml", "--data-dir", str(shared_data), "--histories", "200"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Instances (" in out and "No events" not in out
