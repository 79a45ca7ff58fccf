"""A plug-in evaluator that breaks the outcome contract is one message naming it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import eventstudy as eventstudy_package

PLUGIN = '''\
import polars as pl
from pydantic import Field
from eventstudy.evaluators import EVALUATORS, Evaluator, Horizons, Params, to_outcomes


class P(Params):
    assets: list[str] = Field(min_length=1)
    horizons: Horizons


@EVALUATORS.register("es_broken")
class Broken(Evaluator):
    name = "es_broken"
    description = "forward returns, then broken"
    Params = P

    def evaluate(self, context, anchors):
        values = [(pl.col("close").shift(-h.days) / pl.col("close") - 1).over("asset", "symbol").alias(f"h{h.days}") for h in self.params.horizons]
        wide = context.at_anchors(anchors, context.asset_prices(self.params.assets).with_columns(*values))
        out = to_outcomes(wide, {f"h{h.days}": (h.label, h.days) for h in self.params.horizons}, "mine")
        return BREAK
'''

STUDY = """\
name: broken plug-in
series: {A: AAA}
plugins: [es_broken_evaluator]
when: A return(1) < 0
evaluate:
  - es_broken: {assets: [A], horizons: [2d]}
statistics: {placebos: 50, null: runs}
"""


@pytest.mark.parametrize(
    ("code", "error"),
    [
        # a NaN entered the averages and the tests: the 'all days' average and every p-value moved, without a word
        ("out.with_columns(pl.when(pl.col('date') == pl.date(2020, 1, 6)).then(float('nan')).otherwise(pl.col('value')).alias('value'))",
         "returned a NaN or infinite value, on 2020-01-06 A mine 2d"),
        ("out.with_columns(pl.col('value') / 0)", "returned a NaN or infinite value, on 2020-01-01 A mine 2d (and 9 more rows)"),
        # outcomes on days the study has none of: another event count and the circular null, without a word
        ("out.with_columns(pl.col('date') + pl.duration(days=100))", "returned an outcome on a day that is not an anchor, on 2020-04-10 A mine 2d (and 11 more rows)"),
        ("out.with_columns(pl.lit(None, pl.String).alias('measure'))", "returned a null 'measure' on 12 rows"),
        ("pl.concat([out, out.with_columns(pl.col('value') * 2)])", "returned two values for one cell on one day, on 2020-01-01 A mine 2d (and 23 more rows)"),
        # each a traceback
        ("out.drop('days_remaining')", "returned no 'days_remaining' column"),
        ("out.with_columns(pl.col('date').cast(pl.String))", "returned 'date' as String, not Date"),
        ("out.to_pandas()", "returned pandas.DataFrame, not a polars DataFrame"),
        ("None", "returned None, not a polars DataFrame"),
        ("1 / 0", "failed: ZeroDivisionError: division by zero ({site}:21)"),
    ],
)
def test_a_plugin_evaluator_breaking_the_outcome_contract_is_named(tmp_path: Path, code: str, error: str) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "es_broken_evaluator.py").write_text(PLUGIN.replace("BREAK", code), encoding="utf-8")
    (tmp_path / "data").mkdir()
    closes = [10, 11, 10.5, 12, 11, 13, 12.5, 14, 13, 15, 14.5, 16]
    (tmp_path / "data" / "AAA.csv").write_text("date,close\n" + "".join(f"2020-01-{i + 1:02d},{c}\n" for i, c in enumerate(closes)))
    (tmp_path / "study.yaml").write_text(STUDY)
    root = str(Path(eventstudy_package.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), root])}
    proc = subprocess.run([sys.executable, "-m", "eventstudy.cli", "run", "study.yaml", "--data-dir", "data"],
                          capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    first = proc.stderr.splitlines()[0]
    assert first == f"error: the evaluator 'es_broken' (plug-in 'es_broken_evaluator') {error.format(site=site / 'es_broken_evaluator.py')}"
    assert "hint: " in proc.stderr
