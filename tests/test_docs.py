"""The README and docs/ are claims about the code: each shown output is what its command
prints now (issue 14, bug 9: the README showed p-values no run printed), each condition
shown runs on the real data, each study shown loads, and each link leads somewhere.

The outputs are written by ``docs/regenerate.py``; when a test here fails after a change to
what a command prints, run ``python docs/regenerate.py`` and read the diff.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import polars as pl
import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def _load_regenerate():
    spec = importlib.util.spec_from_file_location("docs_regenerate", ROOT / "docs" / "regenerate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


regenerate = _load_regenerate()
BLOCKS = [block for path in regenerate.documents() for block in regenerate.blocks(path)]


def markdown_files() -> list[Path]:
    return regenerate.documents()


# -- shown outputs ---------------------------------------------------------------------


def test_the_documents_show_outputs_of_every_kind() -> None:
    """The markers are found: the README's flagship run, mistake and Python example, and
    the docs' sweeps, universe, explain and data check."""
    specs = [b.spec for b in BLOCKS]
    assert len(BLOCKS) >= 14
    for needle in ("eventstudy run configs/spx_rut.yaml", "| exit 2", "python docs/examples/quickstart.py", "eventstudy sweep", "sp500_52w_high", "eventstudy explain", "eventstudy data check"):
        assert any(needle in s for s in specs), needle
    for block in BLOCKS:
        regenerate.parse_spec(block.spec)  # every filter is a known one


@pytest.mark.parametrize("block", [pytest.param(b, marks=() if b.quick else pytest.mark.slow) for b in BLOCKS], ids=[b.name for b in BLOCKS])
def test_a_shown_output_is_what_the_command_prints_now(block, request: pytest.FixtureRequest) -> None:
    """Re-run the block's command as docs/regenerate.py does and compare, character for
    character (the quick ones, such as the README's mistake, in the fast loop too)."""
    data = request.getfixturevalue("shared_data") if block.needs_data else regenerate.data_dir()
    fresh = regenerate.render(block.spec, data=data)
    assert block.body == fresh, f"{block.name} drifted: run python docs/regenerate.py"


def test_a_drifted_block_is_caught_and_rewritten(tmp_path: Path) -> None:
    """The check cannot pass by accident: a block holding stale text differs from the fresh
    rendering, and regenerating the file replaces it (a command that needs no data)."""
    page = tmp_path / "page.md"
    page.write_text("intro\n<!-- output: eventstudy list evaluators -->\n```text\nstale\n```\n<!-- /output -->\nend\n", encoding="utf-8")
    (block,) = regenerate.blocks(page)
    fresh = regenerate.render(block.spec, data=tmp_path)
    assert block.body != fresh and "forward_returns" in fresh
    new = regenerate.regenerate(page, data=tmp_path)
    assert new.startswith("intro\n<!-- output: eventstudy list evaluators -->\n```text\n$ eventstudy list evaluators\n")
    assert new.endswith("```\n<!-- /output -->\nend\n") and "stale" not in new


def test_filters_cut_and_check_the_output(tmp_path: Path) -> None:
    """head, from/until and exit do what the docstring says; an unknown filter is refused."""
    spec = "eventstudy list evaluators | head 2"
    lines = regenerate.render(spec, data=tmp_path).splitlines()
    assert lines[0] == "```text" and lines[1] == "$ eventstudy list evaluators" and lines[-2] == "..." and len(lines) == 6
    with pytest.raises(regenerate.RegenerateError, match="exited with 0, not 2"):
        regenerate.render("eventstudy list evaluators | exit 2", data=tmp_path)
    with pytest.raises(regenerate.RegenerateError, match="unknown filter"):
        regenerate.parse_spec("eventstudy list evaluators | tail 3")
    with pytest.raises(regenerate.RegenerateError, match="no line starting with"):
        regenerate.render("eventstudy list evaluators | from NOWHERE", data=tmp_path)


def test_the_mistake_shown_is_a_located_error_without_traceback() -> None:
    (block,) = [b for b in BLOCKS if b.path == README and "| exit 2" in b.spec]
    assert block.quick and "configs/ndx_rsi.yaml:3:11: error: unknown feature 'rsl'" in block.body
    assert "Traceback" not in block.body


def test_the_python_example_is_the_file_that_runs() -> None:
    """The README's Python block is docs/examples/quickstart.py, whose output is shown after it."""
    example = (ROOT / "docs" / "examples" / "quickstart.py").read_text(encoding="utf-8")
    assert f"```python\n{example}```" in README.read_text(encoding="utf-8")



def _table_rows(body: str, asset: str) -> dict[str, list[str]]:
    """The cells of a shown Markdown summary's rows of one asset, by horizon ('6m')."""
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in body.splitlines() if line.startswith(f"| {asset} |")]
    return {row[1].split()[0]: row for row in rows}


def test_the_catch_up_prose_says_what_its_tables_show() -> None:
    """The words under evaluators.md's worked example are the shown run's figures: the hit
    count at 1y, the horizons whose interval of the average excess return leaves zero out,
    and the smallest p (the page said the average was 'within its interval of zero at every
    horizon' beside a 6m interval of ~[+0.13%, +7.60%])."""
    page = ROOT / "docs" / "evaluators.md"
    (block,) = [b for b in BLOCKS if b.path == page and "spx_rut_catchup" in b.spec]
    prose = page.read_text(encoding="utf-8").split("<!-- /output -->", 1)[1].split("\n\n")[1]
    prose = " ".join(prose.split())
    excess, hit = _table_rows(block.body, "RUT-SPX"), _table_rows(block.body, "RUT>SPX")
    header = next(line for line in block.body.splitlines() if line.startswith("| Asset |"))
    rate = [cell.strip() for cell in header.strip("|").split("|")].index("All days avg")
    n, share, all_days = int(hit["1y"][2]), float(hit["1y"][3].rstrip("%")), float(hit["1y"][rate].rstrip("%"))
    assert f"after {round(n * share / 100)} of {n} events at 1y ({share:.0f}%, about the all-days rate of {all_days:.0f}%)" in prose
    leaves_zero = []
    for horizon, row in excess.items():
        low, high = (float(x.rstrip("%")) for x in row[4].strip("~[]").split(", "))
        if low > 0 or high < 0:
            leaves_zero.append(horizon)
            assert f"{row[4]} only just leaves it out" in prose, horizon
    assert f"holds zero at every horizon but {', '.join(leaves_zero)}," in prose if leaves_zero else "holds zero at every horizon," in prose
    p_values = {horizon: float(row[5]) for horizon, row in excess.items()} | {f"hit {h}": float(row[5]) for h, row in hit.items()}
    smallest = min(p_values, key=p_values.__getitem__)
    assert f"(the smallest {p_values[smallest]:.3f}, at {smallest})" in prose
    # The market model's caution sets its CAR beside the same events' plain excess return.
    plain = re.search(r"the 3m CAR of RUT on SPX is \S+% while the plain excess return is (\S+)%", " ".join(page.read_text(encoding="utf-8").split()))
    assert plain and plain[1] == f"{float(excess['3m'][3].rstrip('%')):+.1f}"


@pytest.mark.slow
def test_the_market_model_caution_quotes_a_run(shared_data: Path, tmp_path: Path) -> None:
    """evaluators.md's figures for the market model on the SPX/RUT events are what the run
    prints under the histories and the runs null (the page said p 0.267 under the histories
    null where the run gives 0.216)."""
    import eventstudy

    text = " ".join((ROOT / "docs" / "evaluators.md").read_text(encoding="utf-8").split("A caution on `model: market`")[1].split())
    quoted = re.search(
        r"its null mean at 3m is (\S+)%, and the (\S+)% is not significant \(p (\S+)\)\. The runs null, .*? puts its null mean at (\S+)% and its p at ([\d.]+)", text
    )
    assert quoted, "the caution's figures are not where the test reads them"
    study = tmp_path / "market.yaml"
    study.write_text(
        (ROOT / "configs" / "spx_rut.yaml").read_text(encoding="utf-8").split("evaluate:")[0]
        + "evaluate:\n  - excess_returns: {assets: [RUT], benchmark: SPX, horizons: [3m, 6m], model: market}\nstatistics: {seed: 7}\n",
        encoding="utf-8",
    )
    figures = []
    for null in ("histories", "runs"):
        (row,) = eventstudy.run(study, data_dir=shared_data, null=null, paths=False).tests.filter(statistic="mean", horizon="3m").iter_rows(named=True)
        figures.append((f"{row['null_mean']:+.2%}", f"{row['observed']:+.2%}", f"{row['p_placebo']:.3f}"))
    assert (quoted[1] + "%", quoted[2] + "%", quoted[3]) == figures[0]
    assert (f"{float(quoted[4]):+.2f}%", quoted[5]) == (figures[1][0], figures[1][2])


def test_the_worked_example_quotes_the_run(shared_data: Path) -> None:
    """statistics.md's worked example and its reading of the flagship quote the run's
    figures by hand: they said p 0.16 / 0.22 at 6m and 'every p-value above 0.12' after the
    run had moved to 0.18 / 0.28 and 0.110."""
    import eventstudy

    text = " ".join((ROOT / "docs" / "statistics.md").read_text(encoding="utf-8").split())
    tests = eventstudy.run(ROOT / "configs" / "spx_rut.yaml", data_dir=shared_data, paths=False).tests
    mean = {(row["asset"], row["horizon"]): row for row in tests.filter(statistic="mean").iter_rows(named=True)}
    quoted = re.search(r"Against the histories, p = (\S+) \(SPX\) and (\S+) \(RUT\); the interval of SPX's 6-month average is \[(\S+)%, (\S+)%\]", text)
    assert quoted, "the worked example's figures are not where the test reads them"
    spx, rut = mean[("SPX", "6m")], mean[("RUT", "6m")]
    assert quoted.groups() == (f"{spx['p_placebo']:.2f}", f"{rut['p_placebo']:.2f}", f"{spx['ci_low']:+.1%}"[:-1], f"{spx['ci_high']:+.1%}"[:-1])
    above = re.search(r"every p-value is above (\S+) \(the lowest, RUT's 6-month share positive", text)
    lowest = tests.sort("p_placebo").row(0, named=True)
    assert above and (lowest["asset"], lowest["horizon"], lowest["statistic"]) == ("RUT", "6m", "pct_positive")
    assert float(above[1]) < lowest["p_placebo"] < float(above[1]) + 0.01
    year = re.search(r"\(SPX 1y: (\S+)% to (\S+)%\)", text)
    assert year and year.groups() == (f"{mean[('SPX', '1y')]['ci_low']:+.1%}"[:-1], f"{mean[('SPX', '1y')]['ci_high']:+.1%}"[:-1])
    # The three ways to be fooled: the runs the events come in (the page said 'the 19 events
    # come in two long runs (1998-99 and 2024)' of events in 1985, 1991, 2019, 2020 and 2025
    # too), their overlap and the rule's bias, and the companions and MDE beside them.
    fooled = re.search(
        r"Welch's t-test gives p = (\S+)\. Three ways to be fooled: (\d+) of the (\d+) events come in two long runs \((\d+) in 1998-99, (\d+) in 2024\), "
        r"their 6-month windows overlap \(n_eff = (\S+)\), .*? a difference of (\S+) points at 6m on noise \(SPX; (\S+) for RUT\), "
        r"so the bias-corrected effect is (\S+) points \(SPX\) and (\S+) \(RUT\)\. .*? The Newey-West t gives p = (\S+) \(SPX\) and (\S+) \(RUT\), "
        r".*? an average effect of about (\d+) points at 6m \(MDE\)",
        text,
    )
    assert fooled, "the worked example's reading is not where the test reads it"
    years = [d.year for d in eventstudy.run(ROOT / "configs" / "spx_rut.yaml", data_dir=shared_data, placebos=0).events["date"]]
    late_90s, in_2024 = sum(y in (1998, 1999) for y in years), years.count(2024)
    assert fooled.groups()[1:5] == (str(late_90s + in_2024), str(len(years)), str(late_90s), str(in_2024))
    assert fooled[1] == f"{spx['p_welch']:.2f}" and fooled[6] == f"{spx['n_eff']:.1f}" == f"{rut['n_eff']:.1f}"
    points = [f"{100 * row[key]:+.1f}" for key in ("null_mean", "effect") for row in (spx, rut)]
    assert (fooled[7], fooled[8], fooled[9], fooled[10]) == tuple(points)
    assert (fooled[11], fooled[12]) == (f"{spx['p_hac']:.2f}", f"{rut['p_hac']:.2f}") and fooled[13] == f"{100 * spx['mde']:.0f}"


def test_the_sweep_prose_quotes_its_runs(shared_data: Path) -> None:
    """sweeps.md's reading of its sweep, and of the same sweep under the matched null, is
    what the two sweeps give: the best tested cell, its raw p and the Reality Check; the
    matched null's best cell, its figures and its held-out ones; the incomplete events of
    the search's 5% threshold (it said 'Reality Check p = 0.92', '92% of the time', where
    the sweep gives 0.9146, shown as 0.915; and that the held-out confirmation uses 'the
    study's own headline test' beside a sweep whose --null matched confirms on that null)."""
    import datetime as dt

    import eventstudy

    text = " ".join((ROOT / "docs" / "sweeps.md").read_text(encoding="utf-8").split())
    axes = ["RUT drawdown threshold=5%,10%,15%,20%", "gap=10,21cd,42"]
    study = ROOT / "configs" / "spx_rut.yaml"
    runs = eventstudy.run_sweep(study, axes, data_dir=shared_data, confirm_from="2015-01-01")
    matched = eventstudy.run_sweep(study, axes, data_dir=shared_data, confirm_from="2015-01-01", null="matched")

    best = runs.verdict["best"]
    quoted = re.search(
        r"the best of the (\d+) tests with three events or more \(of (\d+); (\w+) (\w+) after a (\S+) threshold, (\d+) events\) has "
        r"a raw placebo p of (\S+), and the best of a grid of chance is at least that good (\d+)% of the time \(Reality Check p = (\S+)\)",
        text,
    )
    assert quoted, "the sweep's reading is not where the test reads it"
    rc = runs.verdict["reality_check_p"]
    assert quoted.groups() == (
        str(runs.verdict["tested"]), str(runs.verdict["tests"]), best["asset"], best["horizon"], best["RUT drawdown threshold"], str(best["n"]),
        f"{best['p_placebo']:.2f}", f"{rc:.2f}"[2:], f"{rc:.2f}",  # 'p = 0.91' is '91% of the time'
    )

    best = matched.verdict["best"]
    crowned = re.search(
        r"crowns (\w+) (\w+) after a (\S+) threshold with a (\d+)-day gap \((\S+)% vs (\S+)% on all days, raw p = (\S+)\), "
        r"still fails the Reality Check \(p = (\S+)\), and on 2015-2026 that cell earned (\S+)% against (\S+)% on all days",
        text,
    )
    assert crowned, "the matched sweep's reading is not where the test reads it"
    (held,) = matched.confirmation.filter(
        (pl.col("RUT drawdown threshold") == best["RUT drawdown threshold"]) & (pl.col("gap") == best["gap"]) & (pl.col("asset") == best["asset"]) & (pl.col("horizon") == best["horizon"])
    ).iter_rows(named=True)
    assert crowned.groups() == (
        best["asset"], best["horizon"], best["RUT drawdown threshold"], best["gap"], f"{100 * best['observed']:+.1f}", f"{100 * best['baseline']:+.1f}",
        f"{best['p_placebo']:.3f}", f"{matched.verdict['reality_check_p']:.2f}", f"{100 * held['observed']:+.1f}", f"{100 * held['baseline']:+.1f}",
    )
    assert set(matched.confirmation["null"]) == {"matched"} and "or the null `--null` names" in text

    incomplete = re.search(r'\("(\d+) \(\+(\d+) incomplete\)": the (\S+) threshold\'s events of (\S+) and (\S+), whose 1y returns', text)
    assert incomplete, "the incomplete events are not where the test reads them"
    (cell,) = runs.ledger.filter(
        (pl.col("RUT drawdown threshold") == incomplete[3]) & (pl.col("gap") == "21cd") & (pl.col("asset") == "SPX") & (pl.col("horizon") == "1y")
    ).iter_rows(named=True)
    assert (incomplete[1], incomplete[2]) == (str(cell["n"]), str(cell["n_incomplete"]))
    spx = pl.read_csv(shared_data / "SPX.csv", try_parse_dates=True)["date"]
    cut = spx.search_sorted(dt.date(2015, 1, 1))  # a 1y return from the i-th close reads the (i + 252)-th
    events = eventstudy.run(study, data_dir=shared_data, when=cell["condition"], end="2014-12-31", placebos=0).events["date"]
    late = [str(d) for d in events if spx.search_sorted(d) + 252 >= cut]
    assert late == [incomplete[4], incomplete[5]]


def test_the_universe_reading_quotes_its_run(shared_data: Path) -> None:
    """universes.md's reading of the 52-week-high study (its averages, the excess return,
    the 'dates', 'symbols', Driscoll-Kraay and calendar-time p-values, n_eff, the interval,
    the verdict's count and the 'dates' null's scaled p-values) is what the run gives: none
    of it is a shown output, so nothing else would notice it going stale."""
    import eventstudy

    text = " ".join((ROOT / "docs" / "universes.md").read_text(encoding="utf-8").split())
    result = eventstudy.run(ROOT / "configs" / "sp500_52w_high.yaml", data_dir=shared_data, paths=False)
    summary = {(row["measure"], row["horizon"]): row for row in result.summary.iter_rows(named=True)}
    mean = {(row["measure"], row["horizon"]): row for row in result.tests.filter(statistic="mean").iter_rows(named=True)}
    reading = re.search(
        r"over the next week and month \((\S+)% vs (\S+)%, (\S+)% vs (\S+)%\), but they fell behind the S&P 500 itself \(excess return (\S+)% at 1m\) "
        r".*? the 'dates' placebo rejects at 1m \(p < (\S+), surviving the max-statistic adjustment\); the 'symbols' null \(p = (\S+)\) "
        r".*? The (\d+) events fall on few dates \(effective sample size (\d+) at 1m\), so the Driscoll-Kraay t-test .*? \(p = (\S+)\), "
        r"and so is the calendar-time portfolio \(.*? t = (\S+), p = (\S+)\): .*? not of (\d+) independent trades\. "
        r"The interval of the average says the same: at 1m it runs from (\S+)% to (\S+)%",
        text,
    )
    assert reading, "the universe study's reading is not where the test reads it"
    week, month, excess = summary[("fwd", "1w")], summary[("fwd", "1m")], summary[("excess", "1m")]
    fwd = mean[("fwd", "1m")]
    n = result.events.height
    assert reading.groups() == (
        f"{100 * week['mean']:+.1f}", f"{100 * week['baseline_mean']:+.1f}", f"{100 * month['mean']:+.1f}", f"{100 * month['baseline_mean']:+.1f}",
        f"{100 * excess['mean']:+.1f}", "0.001", f"{fwd['p_symbols_null']:.2f}", str(n), f"{fwd['n_eff']:.0f}", f"{fwd['p_cluster']:.2f}",
        f"{fwd['t_calendar']:+.2f}".lstrip("+"), f"{fwd['p_calendar']:.2f}", str(n), f"{100 * fwd['ci_low']:+.2f}", f"{100 * fwd['ci_high']:+.2f}",
    )
    assert fwd["p_placebo"] < 0.001 and fwd["survives"]
    counted = result.tests.filter(pl.col("p_maxstat").is_not_null())
    verdict = re.search(r"leaves the 52-week-high study's verdict on the average and the share positive: (\d+) of (\d+) tests significant", text)
    assert verdict and verdict.groups() == (str(counted["survives"].sum()), str(counted.height))
    assert set(counted["statistic"]) == {"mean", "pct_positive"}
    scaled = re.search(r"\(fwd 1w p \S+ unscaled, (\S+) scaled; 3m \S+, (\S+)\)", text)
    assert scaled and scaled.groups() == (f"{mean[('fwd', '1w')]['p_placebo']:.3f}", f"{mean[('fwd', '3m')]['p_placebo']:.3f}")


def test_the_event_study_reading_says_what_its_tables_show(shared_data: Path) -> None:
    """event-studies.md's reading of the volume-spike study quotes its shown tables (day 0's
    AAR, [-10,-2]'s CAAR and p-values, Patell's and BMP's statistics, NI's CAR, the 513 days)
    and its run's note of events inside an earlier one's estimation window: when a
    regenerated table moves, its prose must move with it."""
    import eventstudy

    page = ROOT / "docs" / "event-studies.md"
    text = " ".join(page.read_text(encoding="utf-8").split())
    (run,) = [b.body for b in BLOCKS if b.path == page and b.spec.startswith("eventstudy run configs/sp500_volume_spikes.yaml")]
    (example,) = [b.body for b in BLOCKS if b.path == page and "event_study.py" in b.spec]
    rows = {}
    for line in run.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) == 5 and re.fullmatch(r"[+-]?\d+", cells[0]):
            rows[int(cells[0])] = cells  # the CAAR by day: day, AAR, CAAR, band, n
    first = {name: line.split()[-4:] for line in run.split("[-1,+1] p\n")[1].split("\n\n")[0].splitlines()[1:] for name in [line[:24].strip()]}
    zero = {name: line.split()[-4:] for line in run.split("[+1,+5] p\n")[1].split("\n\n")[0].splitlines()[1:] for name in [line[:24].strip()]}
    reading = re.search(
        r"The average abnormal return on the spike day is (\S+)%, .*? Over `\[-10,-2\]` the CAAR is (\S+)%; the cross-sectional t gives p = (\S+), BMP (\S+), "
        r"the rank tests (\S+): .*? \*\*Patell's (\S+) and (\S+) are not evidence of more\.\*\* .*? and gives (\S+)\.",
        text,
    )
    assert reading, "the event study's reading is not where the test reads it"
    assert reading[1] == rows[0][1].rstrip("%") and reading[2] == rows[-2][2].rstrip("%")
    assert float(reading[3]) == round(float(first["cross-sectional t"][1]), 2) and float(reading[4]) == round(float(first["BMP"][1]), 2)
    assert {round(float(first[name][1]), 1) for name in ("Corrado rank", "Corrado-Zivney")} == {float(reading[5])}
    assert (int(reading[6]), int(reading[7])) == (round(float(first["Patell"][2])), round(float(zero["Patell"][0])))
    assert int(reading[8]) == round(float(zero["BMP"][0])) == round(float(first["BMP"][2]))
    events = re.search(r"and (\d+) events have the same stock's earlier spike inside their estimation window", text)
    result = eventstudy.run(ROOT / "configs" / "sp500_volume_spikes.yaml", data_dir=shared_data, placebos=0)
    assert events and any(note.startswith(f"{events[1]} event(s) have an earlier event of the same stock inside their estimation window") for note in result.notes)
    ni = re.search(r"One event is not a return at all: (\w+)'s (\S+)% on (\S+) \(the first in `cars.csv` sorted by day 0", text)
    (symbol, date, car) = next([cell.strip() for cell in line.strip("│").split("┆")[:3]] for line in example.splitlines() if line.startswith("│") and "┆ 20" in line and "CAR" not in line)
    assert ni and ni.groups() == (symbol, f"{100 * float(car):.1f}", date)
    moves = re.search(r"One event in (\d+) moves the CAAR by (\S+) points", text)
    assert moves and moves[1] == str(result.events.height) and float(moves[2]) == round(-100 * float(car) / result.events.height, 2)
    days = re.search(r"the (\d+) events fall on (\d+) different days; the calendar-time portfolio has those (\d+) days", text)
    assert days and days[1] == str(result.events.height) and days[2] == days[3] == re.search(r"days=(\d+)", example)[1]


def test_the_yahoo_rut_figure_is_a_run_on_rut_cut_where_yahoo_starts(shared_data: Path, tmp_path: Path) -> None:
    """data.md: with RUT cut at Yahoo's first day the 1980-2024 study loses the note's
    1985 instance (17 of the 18 remain) and warns that RUT's early highs are only highs
    since then."""
    import datetime as dt

    import eventstudy

    text = " ".join((ROOT / "docs" / "data.md").read_text(encoding="utf-8").split())
    quoted = re.search(r"cannot see the note's (\S+) instance, .*? Measured by cutting our RUT file at (\S+): (\d+) of the (\d+) instances remain", text)
    assert quoted, "data.md's figure is not where the test reads it"
    (tmp_path / "SPX.csv").write_bytes((shared_data / "SPX.csv").read_bytes())
    rut = pl.read_csv(shared_data / "RUT.csv", try_parse_dates=True)
    rut.filter(pl.col("date") >= dt.date.fromisoformat(quoted[2])).write_csv(tmp_path / "RUT.csv")
    study = ROOT / "configs" / "spx_rut.yaml"
    full, cut = (eventstudy.run(study, data_dir=folder, end="2024-12-31", placebos=0) for folder in (shared_data, tmp_path))
    lost = sorted(set(full.events["date"]) - set(cut.events["date"]))
    assert (quoted[3], quoted[4]) == (str(cut.events.height), str(full.events.height)) and [str(d) for d in lost] == [quoted[1]]
    assert any(f"RUT history starts {quoted[2]}" in note and "only highs since" in note for note in cut.notes)


def test_the_hit_rate_family_figures_are_the_catch_up_runs(shared_data: Path) -> None:
    """statistics.md's count of the catch-up study's tests once the hit rate's median and
    % > 0 are no tests, and the median's and % > 0's adjusted p-values that follow, are the
    run's (the figures before the change stay as history)."""
    import eventstudy

    text = " ".join((ROOT / "docs" / "statistics.md").read_text(encoding="utf-8").split())
    quoted = re.search(
        r"that removes (\d+) of its (\d+) counted tests \((\d+) now\), and the median's family shrinks from \d+ cells to (\d+) .*? "
        r"their BH p-values go from \S+ to (\S+)-(\S+) and their max-statistic p-values from \S+ to (\S+)-(\S+); .*? \(all at (\S+)-(\S+)\)",
        text,
    )
    assert quoted, "the catch-up figures are not where the test reads them"
    tests = eventstudy.run(ROOT / "configs" / "spx_rut_catchup.yaml", data_dir=shared_data, paths=False).tests
    counted = tests.filter(pl.col("p_maxstat").is_not_null())
    hits = tests.filter(measure="hit")
    assert set(hits["statistic"]) == {"mean"} and quoted.groups()[:3] == (str(2 * hits.height), str(counted.height + 2 * hits.height), str(counted.height))
    median, share = counted.filter(statistic="median"), counted.filter(statistic="pct_positive")
    assert quoted[4] == str(median.height) == str(share.height)
    spans = [f"{column.min():.3f}" for column in (median["p_bh"], median["p_maxstat"])], [f"{column.max():.3f}" for column in (median["p_bh"], median["p_maxstat"])]
    assert (quoted[5], quoted[7]) == tuple(spans[0]) and (quoted[6], quoted[8]) == tuple(spans[1])
    shares = pl.concat([share["p_bh"], share["p_maxstat"]])
    assert (quoted[9], quoted[10]) == (f"{shares.min():.2f}", f"{shares.max():.2f}")


@pytest.mark.parametrize("config", ["spx_rut.yaml", "sp500_52w_high.yaml", "sp500_volume_spikes.yaml"])
def test_reports_names_every_file_a_run_writes(shared_data: Path, tmp_path: Path, config: str) -> None:
    """reports.md's list of what `--output DIR` writes names every file a run writes (its
    charts as NAME.png and NAME.svg): it left out a universe's by_year.csv and
    by_symbol.csv and an event study's tables."""
    from eventstudy.cli import main

    listed = " ".join((ROOT / "docs" / "reports.md").read_text(encoding="utf-8").split("`--output DIR` writes")[1].split("\n\n")[0].split())
    assert main(["run", str(ROOT / "configs" / config), "--data-dir", str(shared_data), "--placebos", "0", "--output", str(tmp_path / "out"), "-q"]) == 0
    written = sorted(p.name for p in (tmp_path / "out").iterdir() if p.suffix not in (".png", ".svg"))
    assert [name for name in written if f"`{name}`" not in listed] == []


def test_what_a_notebook_shows_is_what_the_page_says(shared_data: Path) -> None:
    """studies.md's comment on a notebook cell ending in ``result`` names the lines its HTML
    shows (it said 'three lines (events, condition, tables), then the summary': the page is
    the lines of print(result), condition, counts, verdict and tables, and no summary table)."""
    import eventstudy

    text = (ROOT / "docs" / "studies.md").read_text(encoding="utf-8")
    (comment,) = re.findall(r"^result +# in a notebook: (.*)$", text, re.M)
    named = re.findall(r"\(([^)]*)\)", comment)[-1].split(", ")
    result = eventstudy.run(ROOT / "configs" / "spx_rut.yaml", data_dir=shared_data, placebos=0)
    page, lines = result._repr_html_(), repr(result).splitlines()[1:]
    assert len(named) == len(lines) and all(line.strip().lower().startswith(word) for word, line in zip(named, lines)), (named, lines)
    assert ("<table" in page) == ("summary" in comment.rsplit(")", 1)[-1] and "no table" not in comment), comment

# -- conditions ------------------------------------------------------------------------


def shown_conditions() -> list[tuple[Path, str, bool]]:
    """Every condition of a ``<!-- conditions -->`` block (README and docs), comments dropped,
    and whether it is a universe's: its comment says so, or it has breadth or bare features
    and names no series."""
    from eventstudy.features import FEATURES

    found = []
    for path in markdown_files():
        text = path.read_text(encoding="utf-8")
        for block in re.findall(r"<!-- conditions -->\n```text\n(.*?)```", text, re.S):
            for line in filter(str.strip, block.splitlines()):
                condition, _, comment = (part.strip() for part in line.partition("  #"))
                words = set(re.findall(r"[A-Za-z_]+", condition))
                universe = "universe" in comment or "breadth" in words or (bool(words & set(FEATURES)) and not words & set(SERIES))
                found.append((path, condition, universe))
    return found


SERIES = ("SPX", "RUT", "NDX")


def test_the_cookbook_covers_what_people_ask_for() -> None:
    conditions = [c for _, c, _ in shown_conditions()]
    cookbook = (ROOT / "docs" / "conditions.md").read_text(encoding="utf-8").split("## Cookbook")[1]
    for heading in ("Streaks", "First in N days", "Crossovers after N days", "Ratios", "Breadth", "The calendar", "Your own events"):
        assert f"### {heading}" in cookbook, heading
    assert len(conditions) >= 50 and "NDX / SPX at 52-week high" in conditions
    assert sum(path == README for path, _, _ in shown_conditions()) >= 12
    assert sum(universe for _, _, universe in shown_conditions()) >= 10


def test_the_grammar_names_every_unit_of_a_level() -> None:
    """conditions.md's grammar listed the levels 'ATH, ATL, N-day high|low, N-week
    high|low', and the parser takes months and years too ('SPX at 3-month high', which the
    README shows, is a 63-day high): each unit is named with its trading days."""
    from eventstudy.conditions.tokens import UNITS

    grammar = (ROOT / "docs" / "conditions.md").read_text(encoding="utf-8").split("## Grammar")[1].split("## Features")[0]
    levels = " ".join(grammar.split("Levels:")[1].split())
    for unit, days in UNITS.items():
        if not unit.endswith("s"):
            assert f"`N-{unit} high|low`" in levels, unit
            assert unit == "day" or f"{days} days" in levels, unit


@pytest.mark.slow
def test_every_condition_shown_runs_on_the_real_data(shared_data: Path, tmp_path: Path) -> None:
    """Conditions of named series run on SPX, RUT and NDX, each on the calendar of the series
    it names, and find events on some days but not all; those of a universe's stocks (bare
    features, breadth) run as a universe study on the real 505-stock panel and find events."""
    import eventstudy
    from eventstudy.conditions import compile_condition, parse, required_features, resolve
    from eventstudy.data import load_prices
    from eventstudy.timeline import build_timeline

    prices = load_prices(shared_data, list(SERIES)).frame
    for path, text, universe in shown_conditions():
        where = f"{path.name}: {text}"
        if universe:
            study = tmp_path / "u.yaml"
            study.write_text(
                f"name: u\nseries: {{SPX: SPX}}\nuniverse: {{data_file: panel_sp500_stocks.csv}}\nwhen: {text}\n"
                "evaluate:\n  - forward_returns: {horizons: [1w]}\nstatistics: {placebos: 0}\n",
                encoding="utf-8",
            )
            assert eventstudy.run(study, data_dir=shared_data).raw_events.height > 0, where
            continue
        named = [n for n in SERIES if n in re.findall(r"[A-Za-z_]+", text)]
        series = {n: n for n in named or ["SPX"]}
        node = resolve(parse(text), list(series), source=text)
        timeline = build_timeline(prices.filter(pl.col("symbol").is_in(list(series))), series, required_features(node))
        events = timeline.select(compile_condition(node).fill_null(False)).to_series().sum()
        assert events < timeline.height, where
        assert events > 0 or text == "SPX at ATL", where  # no SPX close in the data is below every earlier one


def test_the_feature_shown_unknown_on_every_day_is_so_on_the_real_data(shared_data: Path) -> None:
    """conditions.md's example of a feature whose window is longer than the data is one: the
    run without events names it (it showed 'SPX sma(20000)', known from 2007 on SPX's 24,783
    closes, where 'SPX at ATH and SPX sma(20000) > 0' finds 96 events)."""
    import eventstudy

    text = (ROOT / "docs" / "conditions.md").read_text(encoding="utf-8")
    (feature,) = re.findall(r"unknown on every day of the window \(`([^`]+)`", text)
    result = eventstudy.run(ROOT / "configs" / "spx_rut.yaml", data_dir=shared_data, when=f"SPX at ATH and {feature} > 0", placebos=0)
    assert result.events.height == 0
    assert any(f"{feature} is unknown on every day of the window" in note for note in result.notes), feature


def shown_studies() -> list[tuple[Path, str, bool]]:
    """Every YAML block holding a condition: (file, text, whether it is marked to run)."""
    found = []
    for path in markdown_files():
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"(<!-- study -->\n)?```yaml\n(.*?)```", text, re.S):
            if "when:" in m[2]:
                found.append((path, m[2], bool(m[1])))
    return found


def _complete(text: str) -> str:
    """A fragment made a study: a name, a series and an evaluator where it lacks them."""
    if "name:" not in text:
        text = "name: from the docs\n" + text
    if "evaluate" not in text:
        text += "evaluate:\n  - forward_returns: {horizons: [1m], assets: [SPX]}\n"
    if "series:" not in text:
        text = "series: {SPX: SPX}\n" + text
    return text


def _event_files(text: str, folder: Path, dates: list[str], symbols: list[str] | None = None) -> None:
    """The event files a study names, beside it: dates, or symbol and date pairs for a universe."""
    for file in re.findall(r"^\s+\w+: (?:\{file: )?([\w.]+\.csv)", text.split("events:")[1] if "events:" in text else "", re.M):
        frame = pl.DataFrame({"date": dates})
        if symbols is not None and "universe:" in text:
            frame = pl.DataFrame({"symbol": symbols}).join(frame, how="cross")
        frame.write_csv(folder / file)


def test_every_study_shown_loads(tmp_path: Path) -> None:
    """The studies shown (whole ones, and fragments completed with a name and an evaluator)
    load as studies: a shown study cannot rot."""
    from eventstudy.config import parse_study

    studies = shown_studies()
    assert len(studies) >= 5
    for path, block, _ in studies:
        text = _complete(block)
        _event_files(text, tmp_path, ["2020-01-15"], ["AAPL"])
        assert parse_study(text, path=tmp_path / "shown.yaml").when, path


@pytest.mark.slow
def test_every_study_marked_to_run_runs_on_the_real_data(shared_data: Path, tmp_path: Path) -> None:
    """The cookbook's own-events studies run and find events, with event files of dates the
    data holds (every 30th trading day of SPX since 2000; for a universe, 50 of its stocks)."""
    import eventstudy

    marked = [(path, block) for path, block, runs in shown_studies() if runs]
    assert len(marked) >= 2
    spx = pl.read_csv(shared_data / "SPX.csv", try_parse_dates=True).filter(pl.col("date") >= pl.date(2000, 1, 1))
    dates = spx["date"].gather_every(30).cast(pl.String).to_list()
    symbols = pl.scan_csv(shared_data / "panel_sp500_stocks.csv").select("symbol").unique().sort("symbol").head(50).collect()["symbol"].to_list()
    for i, (_path, block) in enumerate(marked):
        folder = tmp_path / str(i)
        folder.mkdir()
        _event_files(block, folder, dates, symbols)
        study = folder / "study.yaml"
        study.write_text(block + "statistics: {placebos: 0}\n", encoding="utf-8")
        assert eventstudy.run(study, data_dir=shared_data).raw_events.height > 0, block


# -- links and commands ----------------------------------------------------------------


def _slug(heading: str) -> str:
    """The anchor GitHub and MkDocs give a heading (lower case, punctuation dropped)."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    return re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", text))


def test_every_link_of_the_readme_leads_somewhere() -> None:
    """Relative links of the README name files that exist, and headings that exist in them
    (the docs' own links are checked by mkdocs build --strict in CI)."""
    text = README.read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    relative = [link for link in links if not re.match(r"[a-z]+:", link)]
    assert len(relative) >= 12
    for link in relative:
        file, _, anchor = link.partition("#")
        target = ROOT / file if file else README
        assert target.is_file(), link
        if anchor:
            headings = re.findall(r"^#+ (.+)$", target.read_text(encoding="utf-8"), re.M)
            assert anchor in {_slug(h) for h in headings}, link


def test_every_docs_page_is_in_the_site_navigation() -> None:
    import yaml

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    in_nav = {next(iter(entry.values())) for entry in config["nav"]}
    pages = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").glob("**/*.md")}
    assert pages == in_nav


def test_the_readme_gives_the_commands_ci_runs() -> None:
    """The README's test command is what .ci/run runs; the fast loop is documented."""
    readme = README.read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pytest -q  " in readme and "\npython -m pytest -q\n" in ci
    assert 'python -m pytest -q -m "not slow"' in readme
    assert "pip install -e '.[test]'" in readme and "mkdocs build --strict" in ci
    # What the README says CI runs is what .ci/run runs: it said 'these two steps' of the
    # install-and-run block, a study run CI does not make, and left out the lint and type gates.
    said = " ".join(readme.split("CI runs `.ci/run`:")[1].split(".\n")[0].split())
    assert ("eventstudy run" in ci) == ("does not run the study" not in said), said
    assert ("ruff check" in ci and "mypy" in ci) == ("lint and type gates" in said), said
