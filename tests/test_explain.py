"""`eventstudy explain STUDY`: the condition as parsed, its features and its polars expression."""

from __future__ import annotations

from pathlib import Path

from eventstudy.cli import main
from eventstudy.config import load_study, parse_study
from eventstudy.explain import explain, render_explanation

REPO = Path(__file__).resolve().parents[1]

NESTED = """\
name: nested
series: {SPX: SPX, RUT: RUT}
when: "(SPX RSI(14) < 30 OR RUT rsi(14) < 30) and not SPX at 20-day low for 3 days"
evaluate:
  - forward_returns: {assets: [SPX], horizons: [1m]}
"""


def test_flagship_condition() -> None:
    study = load_study(REPO / "configs" / "spx_rut.yaml")
    found = explain(study)
    assert found.canonical == "SPX at ATH and RUT drawdown >= 10%"
    assert found.tree == ["all of (and)", "├─ SPX at ATH", "└─ RUT drawdown >= 10%"]
    features = dict(found.features)
    (at_ath,) = features["SPX (symbol SPX)"]
    assert at_ath[0] == "at_ath" and at_ath[3] == "SPX.at_ath" and "closing high" in at_ath[2]
    (drawdown,) = features["RUT (symbol RUT)"]
    assert drawdown[0] == "drawdown" and "all-time high" in drawdown[2]
    assert 'col("SPX.at_ath")' in found.expression and 'col("RUT.drawdown")' in found.expression
    assert ("declustering", "gap 21cd, after_kept: keep an event at least 21 calendar days after the previous kept event") in found.selection


def test_precedence_is_explicit_in_the_tree() -> None:
    study = parse_study(NESTED)
    found = explain(study)
    assert found.canonical == "(SPX rsi(14) < 30 or RUT rsi(14) < 30) and not SPX at 20-day low for 3 days"
    assert found.tree == [
        "all of (and)",
        "├─ any of (or)",
        "│  ├─ SPX rsi(14) < 30",
        "│  └─ RUT rsi(14) < 30",
        "└─ not",
        "   └─ on each of the last 3 days (for 3 days)",
        "      └─ SPX at 20-day low",
    ]
    assert [row[0] for row in dict(found.features)["SPX (symbol SPX)"]] == ["rsi(14)", "at_low(20)"]
    text = render_explanation(study, found)
    assert "condition as written:  (SPX RSI(14) < 30 OR RUT rsi(14) < 30)" in text
    assert "forward_returns: {assets: [SPX], horizons: [1m]" in text


def test_cli_explain(capsys, tmp_path: Path) -> None:
    assert main(["explain", str(REPO / "configs" / "ndx_rsi.yaml")]) == 0
    out = capsys.readouterr().out
    for part in ("canonical form:", "structure:", "features", "polars expression", "events:", "evaluators:"):
        assert part in out
    assert "simple moving average" in out and 'col("SPX.sma(200)")' in out
    (tmp_path / "bad.yaml").write_text(NESTED.replace("RSI(14) < 30 OR", "rsl(14) < 30 OR"))
    assert main(["explain", str(tmp_path / "bad.yaml")]) == 2
    assert "unknown feature 'rsl'" in capsys.readouterr().err
