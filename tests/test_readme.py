"""The README's shown outputs are claims: each table it prints as a run's output is what
that run prints today (issue 14, bug 9: the excerpt showed p-values no run printed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from eventstudy.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"


def shown_rows(heading: str, until: str) -> list[str]:
    """The table rows of the README section starting at ``heading``, up to ``until``."""
    text = README.read_text(encoding="utf-8")
    start = text.index(heading)
    block = text[start : text.index(until, start)]
    return [line for line in block.splitlines() if line.startswith("| ") and not re.fullmatch(r"\|( -+:? \|)+", line)]


def test_the_flagship_excerpt_is_what_the_run_prints(shared_data: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    monkeypatch.chdir(README.parent)
    rows = shown_rows("## What the flagship study prints", "As the note says")
    assert len(rows) > 30  # the instance table and the summary, headers included
    code = main(["run", "configs/spx_rut.yaml", "--data-dir", str(shared_data), "--format", "markdown"])
    out = capsys.readouterr().out
    assert code == 0
    printed = set(out.splitlines())
    missing = [row for row in rows if row not in printed]
    assert not missing, "README rows no run prints:\n" + "\n".join(missing[:5])


def test_the_universe_excerpt_is_what_the_run_prints(shared_data: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    monkeypatch.chdir(README.parent)
    rows = shown_rows("`configs/sp500_52w_high.yaml` runs on", "(For a universe")
    assert len(rows) > 6
    code = main(["run", "configs/sp500_52w_high.yaml", "--data-dir", str(shared_data), "--format", "markdown"])
    printed = set(capsys.readouterr().out.splitlines())
    assert code == 0
    missing = [row for row in rows if row not in printed]
    assert not missing, "README rows no run prints:\n" + "\n".join(missing[:5])


def shown_conditions() -> list[str]:
    """The conditions of the README's condition-language block, comments dropped."""
    text = README.read_text(encoding="utf-8")
    start = text.index("```text", text.index("## The condition language"))
    block = text[start + len("```text") : text.index("```", start + 1)]
    return [line.split("  #")[0].strip() for line in block.strip().splitlines() if line.strip()]


def test_every_condition_the_readme_shows_runs_on_the_real_data(shared_data: Path, tmp_path: Path) -> None:
    """Conditions of named series run on SPX, RUT and NDX; those of a universe's stocks
    (bare features) on the real 505-stock panel."""
    import eventstudy
    from eventstudy.conditions import compile_condition, parse, required_features, resolve
    from eventstudy.data import load_prices
    from eventstudy.features import FEATURES
    from eventstudy.timeline import build_timeline

    conditions = shown_conditions()
    assert len(conditions) >= 12 and "NDX / SPX at 52-week high" in conditions
    series = {name: name for name in ("SPX", "RUT", "NDX")}
    prices = load_prices(shared_data, list(series)).frame
    for text in conditions:
        words = {w.strip("()").split("(")[0] for w in text.split()}
        if words & set(FEATURES) and not words & set(series):  # a universe's condition
            study = tmp_path / "u.yaml"
            study.write_text(
                f"name: u\nseries: {{SPX: SPX}}\nuniverse: {{data_file: panel_sp500_stocks.csv}}\nwhen: {text}\n"
                "evaluate:\n  - forward_returns: {horizons: [1w]}\nstatistics: {placebos: 0}\n",
                encoding="utf-8",
            )
            assert eventstudy.run(study, data_dir=shared_data).raw_events.height > 0, text
            continue
        node = resolve(parse(text), list(series), source=text)
        timeline = build_timeline(prices, series, required_features(node))
        events = timeline.select(compile_condition(node).fill_null(False)).to_series().sum()
        assert events < timeline.height, text
        assert events > 0 or text == "SPX at ATL", text  # no SPX close in the data is below every earlier one


def test_the_error_excerpt_is_what_validate_prints(tmp_path: Path, capsys) -> None:
    """The README's example of a mistake is the message validate gives for it today."""
    text = README.read_text(encoding="utf-8")
    start = text.index("```text", text.index("Make a mistake and you are told where"))
    shown = text[start + len("```text") : text.index("```", start + 1)].strip("\n").splitlines()
    study = tmp_path / "configs" / "ndx_rsi.yaml"
    study.parent.mkdir()
    study.write_text((README.parent / "configs" / "ndx_rsi.yaml").read_text(encoding="utf-8").replace("NDX rsi(14)", "NDX rsl(14)"), encoding="utf-8")
    import os

    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert main(["validate", "configs/ndx_rsi.yaml"]) == 2
    finally:
        os.chdir(here)
    printed = capsys.readouterr().err.strip("\n").splitlines()
    assert printed == shown


def test_every_study_the_readme_shows_validates(tmp_path: Path) -> None:
    """The README's YAML studies (whole ones, and fragments completed with a name and an
    evaluator) load as studies: a shown study cannot rot."""
    import re

    from eventstudy.config import parse_study

    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    studies = [b for b in blocks if "when:" in b]
    assert len(studies) >= 3
    for block in studies:
        text = block
        if "name:" not in text:
            text = "name: from the README\n" + text
        if "evaluate" not in text:
            text += "evaluate:\n  - forward_returns: {horizons: [1m], assets: [SPX]}\n"
        if "series:" not in text:
            text = "series: {SPX: SPX}\n" + text
        for name in re.findall(r"^\s+(\w+): \{?file: ([\w.]+)|^\s+(\w+): ([\w.]+\.csv)", text, re.M):
            file = name[1] or name[3]
            (tmp_path / file).write_text("date\n2020-01-15\n", encoding="utf-8")  # an events file beside the study
        parse_study(text, path=tmp_path / "readme.yaml")
