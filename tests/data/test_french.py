"""Kenneth French's factor files: read from the published layout, merged into factors.csv,
and used by an event study's factor model."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from eventstudy.cli import main
from eventstudy.data.french import read_french, write_factors
from eventstudy.errors import DataError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "french"
FF3 = FIXTURES / "F-F_Research_Data_Factors_daily.CSV"
MOM = FIXTURES / "F-F_Momentum_Factor_daily.CSV"


def test_the_daily_section_in_decimals_with_the_projects_names() -> None:
    frame = read_french(FF3)
    assert frame.columns == ["date", "mkt_rf", "smb", "hml", "rf"]
    assert frame.height == 12 and frame["date"][0] == dt.date(2016, 12, 28)
    assert frame.row(0) == (dt.date(2016, 12, 28), pytest.approx(0.0023), pytest.approx(-0.0048), pytest.approx(0.0102), pytest.approx(0.00002))


def test_momentum_and_its_missing_marker() -> None:
    frame = read_french(MOM)
    assert frame.columns == ["date", "mom"] and frame.height == 10
    assert frame["mom"][0] == pytest.approx(0.0061)
    assert frame["mom"].null_count() == 1  # -99.99 is French's missing value


def test_two_files_merge_into_one_factors_file_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "import", str(FF3), str(MOM), "--french", "--data-dir", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "12 days 2016-12-28 .. 2017-01-12 of mkt_rf, smb, hml, rf (percent -> decimal)" in printed
    text = (tmp_path / "factors.csv").read_text()
    assert text.splitlines()[0] == "date,mkt_rf,smb,hml,mom,rf"
    assert text.splitlines()[1].startswith("2016-12-28,0.0023,-0.0048,0.0102,,")
    merged = pl.read_csv(tmp_path / "factors.csv", try_parse_dates=True)
    assert merged.height == 12 and merged["mom"].null_count() == 3
    again = write_factors(FF3, tmp_path)  # re-importing replaces those columns, keeps mom
    assert again.rows == 12 and pl.read_csv(tmp_path / "factors.csv").columns == merged.columns


@pytest.mark.parametrize(
    "option", [["--symbol", "FF"], ["--column", "SMB"], ["--date-format", "dmy"], ["--decimal", "comma"], ["--force"]],
)
def test_a_price_import_option_given_with_french_is_refused_not_ignored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: list[str]
) -> None:
    """'data import --french F.CSV --symbol FF' wrote factors.csv as if --symbol (or
    --column, --date-format, --decimal, --force) had not been given: a French file is read
    as published and merged into factors.csv, so those options have nothing to decide."""
    assert main(["data", "import", str(FF3), "--french", "--data-dir", str(tmp_path), *option]) == 2
    assert f"{option[0]} does not apply to --french" in capsys.readouterr().err
    assert not (tmp_path / "factors.csv").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("This file\n\n,Mkt-RF,SMB,HML,RF\n201701,   1.00,  0.20,  0.30,  0.04\n", "monthly factors"),
        ("date,close\n2017-01-03,1\n", "no daily rows"),
        (",Mkt-RF,SMB\n20170103,   1.00\n", "1 values for 2 columns"),
        (",Mkt-RF\n20170103,   abc\n", "f.CSV:2: mkt_rf is not a number"),
        (",Mkt-RF\n20170103,   1.0\n20171303,   1.0\n", "f.CSV:3: the date is not YYYYMMDD"),
        # a malformed or blank line inside the daily rows: the rows after it were dropped without a word
        (",Mkt-RF\n20170103,   1.0\n2017010X,   1.0\n20170105,   1.0\n", "f.CSV:3: the daily rows stop at '2017010X,   1.0' and go on at line 4"),
        (",Mkt-RF\n20170103,   1.0\n\n20170105,   1.0\n", "f.CSV:3: the daily rows stop at a blank line and go on at line 4"),
    ],
)
def test_files_that_are_not_daily_french_factors_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "f.CSV"
    path.write_text(text)
    with pytest.raises(DataError, match=message):
        read_french(path)


STUDY = """\
name: factor model
series: {{SPX: SPX}}
universe: {{data_file: panel.csv}}
events: {{spikes: spikes.csv}}
when: on spikes
evaluate:
  - forward_returns: {{horizons: [1w]}}
statistics: {{placebos: 0}}
event_study: {{window: [-5, 10], estimation: [-200, -20], min_estimation_days: 150, model: factor, factors: {factors}}}
"""


def test_the_factor_model_reads_the_factors_file_on_the_study_calendar(tmp_path: Path) -> None:
    from test_event_study import SYMBOLS, write_universe

    import eventstudy
    from eventstudy.inference.abnormal import abnormal_returns

    write_universe(tmp_path)
    spx = pl.read_csv(tmp_path / "SPX.csv", try_parse_dates=True)
    rng = np.random.default_rng(9)
    dates = spx["date"].filter(pl.Series(np.arange(spx.height) % 97 != 5))  # some days lack factors
    factors = pl.DataFrame({"date": dates, **{c: rng.normal(0, 0.01, dates.len()) for c in ("mkt_rf", "smb", "hml", "mom")},
                            "rf": np.full(dates.len(), 0.0001)})
    factors.write_csv(tmp_path / "factors.csv", date_format="%Y-%m-%d")
    (tmp_path / "s.yaml").write_text(STUDY.format(factors="carhart"), encoding="utf-8")
    found = eventstudy.run(tmp_path / "s.yaml", data_dir=tmp_path).event_study
    assert found is not None and found.factors is not None and found.factors.startswith("carhart")
    panel = pl.read_csv(tmp_path / "panel.csv", try_parse_dates=True)
    calendar = panel["date"].unique().sort()
    calendar = calendar.filter(calendar.is_in(spx["date"].implode()))
    wide = pl.DataFrame({"date": calendar}).join(panel.pivot("symbol", index="date", values="close"), on="date", how="left").sort("date")
    closes = wide.select(SYMBOLS).to_numpy()
    returns = np.full(closes.shape, np.nan)
    returns[1:] = closes[1:] / closes[:-1] - 1
    on = pl.DataFrame({"date": calendar}).join(factors, on="date", how="left")
    events = pl.read_csv(tmp_path / "spikes.csv", try_parse_dates=True).sort("date", "symbol")
    ar = abnormal_returns(
        returns, [SYMBOLS.index(s) for s in events["symbol"]], [calendar.to_list().index(d) for d in events["date"]],
        window=(-5, 10), estimation=(-200, -20), min_days=150, model="factor",
        factors=on.select("mkt_rf", "smb", "hml", "mom").to_numpy(), riskfree=on["rf"].to_numpy(),
    )
    np.testing.assert_allclose(found.cars.sort("date", "symbol")["CAR[-1,+1]"].fill_null(np.nan).to_numpy(), ar.car(-1, 1), rtol=1e-10, equal_nan=True)
    assert any("the factors file has no row for" in n for n in found.notes)
    (tmp_path / "s.yaml").write_text(STUDY.format(factors="ff5"), encoding="utf-8")
    with pytest.raises(DataError, match="no rmw, cma column"):
        eventstudy.run(tmp_path / "s.yaml", data_dir=tmp_path)
    (tmp_path / "factors.csv").unlink()
    with pytest.raises(DataError, match=r"eventstudy data import .* --french"):
        eventstudy.run(tmp_path / "s.yaml", data_dir=tmp_path)
