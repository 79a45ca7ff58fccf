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


def _plugin_error(tmp_path: Path, module: str, source: str, study: str, symbols: tuple[str, ...]) -> str:
    """The first line of the error of ``eventstudy run`` of ``study`` with the plug-in
    ``module`` (``source``) installed, on twelve days of ``symbols``: a user's mistake
    (exit 2, a hint, no traceback)."""
    site = tmp_path / "site"
    site.mkdir()
    (site / f"{module}.py").write_text(source, encoding="utf-8")
    (tmp_path / "data").mkdir()
    closes = [10, 11, 10.5, 12, 11, 13, 12.5, 14, 13, 15, 14.5, 16]
    for symbol in symbols:
        (tmp_path / "data" / f"{symbol}.csv").write_text("date,close\n" + "".join(f"2020-01-{i + 1:02d},{c}\n" for i, c in enumerate(closes)))
    (tmp_path / "study.yaml").write_text(study)
    root = str(Path(eventstudy_package.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), root])}
    proc = subprocess.run([sys.executable, "-m", "eventstudy.cli", "run", "study.yaml", "--data-dir", "data"],
                          capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "hint: " in proc.stderr
    return proc.stderr.splitlines()[0]


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
    first = _plugin_error(tmp_path, "es_broken_evaluator", PLUGIN.replace("BREAK", code), STUDY, ("AAA",))
    site = tmp_path / "site" / "es_broken_evaluator.py"
    assert first == f"error: the evaluator 'es_broken' (plug-in 'es_broken_evaluator') {error.format(site=site)}"


PANEL_PLUGIN = '''\
import numpy as np
from eventstudy.evaluators import EVALUATORS, PanelCell
from eventstudy.evaluators.forward_returns import ForwardReturns


@EVALUATORS.register("es_broken_panel")
class BrokenPanel(ForwardReturns):
    name = "es_broken_panel"

    def panel(self, block):
        cells = super().panel(block)
        cell = cells[0]
        return BREAK
'''

UNIVERSE_STUDY = """\
name: broken panel plug-in
series: {SPX: SPX}
universe: [AAA, BBB]
plugins: [es_broken_panel_evaluator]
when: return(1) < 0
evaluate:
  - es_broken_panel: {horizons: [2d]}
statistics: {placebos: 50}
"""


@pytest.mark.parametrize(
    ("code", "error"),
    [
        # each a numpy or polars traceback from deep in the universe's blocks (or numbers from the wrong rows)
        ("[cell._replace(values=cell.values[:-1])]", ": panel() returned cell 'fwd' stocks 2d with 11 values for a block of 12 rows"),
        ("[cell._replace(values=cell.values.reshape(2, -1))]", ": panel() returned cell 'fwd' stocks 2d as an array of shape (2, 6), not one value per row"),
        ("[cell._replace(values=cell.values.astype(str))]", ": panel() returned cell 'fwd' stocks 2d as an array of <U32, not numbers"),
        ("[cell._replace(values=list(cell.values))]", ": panel() returned cell 'fwd' stocks 2d as list, not a numpy array"),
        ("[cell._replace(values=np.where(np.isnan(cell.values), np.nan, np.inf))]", ": panel() returned cell 'fwd' stocks 2d with an infinite value on 10 rows"),
        ("[cell._replace(horizon_days=2.5)]", ": panel() returned cell 'fwd' stocks 2d with horizon_days 2.5, not a whole number of days"),
        ("[cell._replace(rows_after=cell.values[:3])]", ": panel() returned cell 'fwd' stocks 2d with rows_after of shape (3,), not one whole number per row"),
        ("cell", ": panel() returned PanelCell, not a list of PanelCell (or None)"),
        ("[tuple(cell)]", ": panel() returned tuple in its list, not a PanelCell"),
        ("1 / 0", " failed in panel(): ZeroDivisionError: division by zero ({site}:13)"),
    ],
)
def test_a_plugin_evaluators_panel_breaking_its_contract_is_named(tmp_path: Path, code: str, error: str) -> None:
    """A plug-in's panel() (the universe's and the histories' fast path) was consumed as
    it came: a cell one value short, a 2-D or text array, a list, ended in a numpy or
    polars traceback deep in the blocks. It is held to PanelCell's contract as evaluate()
    is to the outcome schema: one message naming the plug-in and what was expected."""
    first = _plugin_error(tmp_path, "es_broken_panel_evaluator", PANEL_PLUGIN.replace("BREAK", code), UNIVERSE_STUDY, ("SPX", "AAA", "BBB"))
    site = tmp_path / "site" / "es_broken_panel_evaluator.py"
    assert first == f"error: the evaluator 'es_broken_panel' (plug-in 'es_broken_panel_evaluator'){error.format(site=site)}"
