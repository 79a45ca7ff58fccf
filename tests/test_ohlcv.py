"""The day's open, high, low and volume in conditions (issue 14): read where the data has
them, named so that the day's high cannot be taken for high(n), refused where it has
not, and kept out of the histories null (which rebuilds closes only)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import eventstudy
from eventstudy.errors import ConfigError, DataError

TIMELINE = """\
name: ohlcv
series: {{SPX: SPX}}
when: {when}
evaluate:
  - forward_returns: {{horizons: [1w], assets: [SPX]}}
statistics: {{placebos: {placebos}, seed: 1}}
"""


@pytest.fixture(scope="module")
def spx_ohlcv(shared_data: Path) -> pl.DataFrame:
    """Real SPX closes with a made-up open, high, low and volume (deterministic)."""
    spx = pl.read_csv(shared_data / "SPX.csv", try_parse_dates=True).tail(3000)
    rng = np.random.default_rng(5)
    close = spx["close"].to_numpy()
    opens = close * np.exp(rng.normal(0, 0.006, close.size))
    return spx.with_columns(
        pl.Series("open", opens),
        pl.Series("high", np.maximum(opens, close) * 1.004),
        pl.Series("low", np.minimum(opens, close) * 0.996),
        pl.Series("volume", rng.lognormal(20, 0.4, close.size).round()),
    )


def study(tmp_path: Path, when: str, placebos: int = 0) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(TIMELINE.format(when=when, placebos=placebos), encoding="utf-8")
    return path


def test_gaps_and_volume_spikes_match_numpy(spx_ohlcv: pl.DataFrame, tmp_path: Path) -> None:
    frame = spx_ohlcv
    close, opens, volume = (frame[c].to_numpy() for c in ("close", "open", "volume"))
    dates = frame["date"].to_numpy()
    gap = dates[1:][opens[1:] > close[:-1] * 1.01]
    got = eventstudy.run(study(tmp_path, "SPX open > SPX close 1 day ago * 1.01"), data={"SPX": frame}).raw_events["date"].to_numpy()
    np.testing.assert_array_equal(got, gap)
    average = np.convolve(volume, np.ones(20) / 20, mode="valid")  # ends on day i + 19
    spike = dates[19:][volume[19:] > 2 * average]
    for when in ("SPX volume > 2 * SPX volume_sma(20)", "SPX volume > 2 * (SPX volume) sma(20)"):
        got = eventstudy.run(study(tmp_path, when), data={"SPX": frame}).raw_events["date"].to_numpy()
        np.testing.assert_array_equal(got, spike, err_msg=when)
    inside = eventstudy.run(study(tmp_path, "SPX day_high < SPX high(5)"), data={"SPX": frame})
    assert inside.raw_events.height > 0  # the day's high and the highest close of 5 days are different things


def test_data_without_the_column_is_a_message(shared_data: Path, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="the feature 'volume' needs the day's volume, and the data of 'SPX' has none"):
        eventstudy.run(study(tmp_path, "SPX volume > 1"), data_dir=shared_data)


UNIVERSE = """\
name: ohlcv universe
series: {{SPX: SPX}}
universe: {{data_file: {panel}}}
when: {when}
evaluate:
  - forward_returns: {{horizons: [1w]{entry}}}
statistics: {{placebos: 0}}
"""


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize(
    ("when", "entry", "said"),
    [
        ("close > open", "", "the condition 'close > open' reads each stock's open"),
        ("volume > 2 * volume_sma(20)", "", "the condition 'volume > 2 * volume_sma(20)' reads each stock's volume"),
        ("close at 20-day high", ", entry: next_open", "forward_returns (entry: next_open) reads each stock's open"),
    ],
)
def test_a_universe_without_the_column_is_a_message_not_an_empty_study(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str, when: str, entry: str, said: str
) -> None:
    """A universe read the missing column as nulls: 'close > open' on a panel of closes
    ended with 'no events: the condition never held', and an entry at the next open with
    every cell empty ('+3 pending'), without an error; validate said ok."""
    from eventstudy.cli import main

    rng = np.random.default_rng(2)
    days = pl.read_csv(shared_data / "SPX.csv", try_parse_dates=True)["date"].tail(300)
    panel = pl.concat([
        pl.DataFrame({"date": days, "symbol": s, "close": 50 * np.exp(np.cumsum(rng.normal(0, 0.01, days.len())))}) for s in ("AA", "BB")
    ])
    getattr(panel, f"write_{fmt}")(tmp_path / f"panel.{fmt}")
    (tmp_path / "SPX.csv").write_bytes((shared_data / "SPX.csv").read_bytes())
    config = tmp_path / "u.yaml"
    config.write_text(UNIVERSE.format(panel=f"panel.{fmt}", when=when, entry=entry), encoding="utf-8")
    with pytest.raises(DataError, match=re.escape(f"{said}, and panel.{fmt} has none")):
        eventstudy.run(config, data_dir=tmp_path)
    assert main(["validate", str(config), "--data-dir", str(tmp_path)]) == 2
    assert said in capsys.readouterr().err


@pytest.mark.parametrize("command", ["run", "validate"])
@pytest.mark.parametrize(
    ("when", "universe", "token", "said"),
    [
        ("SPX at ATH and SPX volume > 1", "", "SPX volume", "the feature 'volume' needs the day's volume, and the data of 'SPX' has none"),
        ("SPX > 1 and (SPX day_high) sma(5) > 0", "", "(SPX day_high)", "the feature 'day_high' needs the day's high"),
        ("close at 20-day high and SPX volume > 1", "universe: {data_file: panel.csv}", "SPX volume", "the data of 'SPX' has none"),
        ("close at 20-day high and volume > 1", "universe: {data_file: panel.csv}", "volume", "reads each stock's volume, and panel.csv has none"),
        ("close at 20-day high and volume > 1", "universe: [AA, BB]", "volume", "reads each stock's volume, and the universe's files have none"),
    ],
)
def test_a_price_the_data_lacks_is_shown_where_the_condition_reads_it(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, when: str, universe: str, token: str, said: str
) -> None:
    """The refusal of a feature reading a day's price the data has none of points at the
    study file's line and column with a caret under the feature (it named no place), for
    a series, a universe's market series and a universe's stocks, at run and at validate."""
    from eventstudy.cli import main

    days = pl.read_csv(shared_data / "SPX.csv", try_parse_dates=True)["date"].tail(300)
    rng = np.random.default_rng(3)
    stocks = {s: pl.DataFrame({"date": days, "close": 50 * np.exp(np.cumsum(rng.normal(0, 0.01, days.len())))}) for s in ("AA", "BB")}
    pl.concat([frame.with_columns(symbol=pl.lit(s)) for s, frame in stocks.items()]).select("date", "symbol", "close").write_csv(tmp_path / "panel.csv")
    if universe.startswith("universe: ["):
        (tmp_path / "panel.csv").unlink()
        for s, frame in stocks.items():
            frame.write_csv(tmp_path / f"{s}.csv")
    (tmp_path / "SPX.csv").write_bytes((shared_data / "SPX.csv").read_bytes())
    text = TIMELINE.format(when=when, placebos=0)
    if universe:
        text = text.replace("series: {SPX: SPX}\n", f"series: {{SPX: SPX}}\n{universe}\n").replace(", assets: [SPX]", "")
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    assert main([command, str(path), "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    line = text.splitlines().index(f"when: {when}") + 1
    column = len("when: ") + when.index(token) + 1
    assert err.startswith(f"{path}:{line}:{column}: error: ") and said in err.splitlines()[0], err
    assert f"    when: {when}\n    {' ' * (column - 1)}{'^' * len(token)}\n" in err and "Traceback" not in err


def test_a_series_without_the_column_is_refused_at_validate_and_at_an_entry_at_the_open(shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """validate said ok to 'SPX volume > 1' on closes only, which run refuses; and an entry
    at the next open on closes only ran to every cell empty ('364 event(s) without a value'),
    the loader having read the file's missing open as nulls."""
    from eventstudy.cli import main

    assert main(["validate", str(study(tmp_path, "SPX volume > 1")), "--data-dir", str(shared_data)]) == 2
    assert "the feature 'volume' needs the day's volume, and the data of 'SPX' has none" in capsys.readouterr().err
    path = tmp_path / "open.yaml"
    path.write_text(TIMELINE.format(when="SPX return(1) < -3%", placebos=0).replace("assets: [SPX]}", "assets: [SPX], entry: next_open}"), encoding="utf-8")
    with pytest.raises(DataError, match="this evaluator needs the day's open, and the data of 'SPX' has none"):
        eventstudy.run(path, data_dir=shared_data)
    assert main(["validate", str(path), "--data-dir", str(shared_data)]) == 2
    assert "choose entry: close" in capsys.readouterr().err


def test_the_histories_null_is_not_used_on_the_days_columns(spx_ohlcv: pl.DataFrame, tmp_path: Path) -> None:
    result = eventstudy.run(study(tmp_path, "SPX volume > 2 * SPX volume_sma(20)", placebos=200), data={"SPX": spx_ohlcv})
    assert set(result.tests["null"].to_list()) == {"runs"}
    assert any("histories null could not be used" in n and "volume" in n for n in result.notes)
    with pytest.raises(ConfigError, match="cannot be computed there"):
        eventstudy.run(study(tmp_path, "SPX volume > 1", placebos=200), data={"SPX": spx_ohlcv}, null="histories")


def test_two_entries_the_histories_null_cannot_run_are_named_once(spx_ohlcv: pl.DataFrame, tmp_path: Path) -> None:
    """Two forward_returns entries at the next open (simple and log) read 'the histories
    null could not be used (forward_returns, forward_returns cannot be computed on
    resampled closes)', and the refusal of --null histories the same: each evaluator once."""
    path = tmp_path / "open.yaml"
    path.write_text(
        "name: o\nseries: {SPX: SPX}\nwhen: SPX return(1) < -2%\ndecluster: {gap: 5}\nevaluate:\n"
        "  - forward_returns: {assets: [SPX], horizons: [5], entry: next_open}\n"
        "  - forward_returns: {assets: [SPX], horizons: [5], entry: next_open, kind: log}\nstatistics: {placebos: 50, seed: 1}\n",
        encoding="utf-8",
    )
    result = eventstudy.run(path, data={"SPX": spx_ohlcv})
    assert set(result.tests["null"].to_list()) == {"runs"}
    assert any("(forward_returns cannot be computed on resampled closes)" in n for n in result.notes)
    with pytest.raises(ConfigError, match=r"and forward_returns cannot be computed there"):
        eventstudy.run(path, data={"SPX": spx_ohlcv}, null="histories")


def test_a_universe_reads_each_stocks_volume(shared_data: Path, tmp_path: Path) -> None:
    panel = pl.read_csv(shared_data / "panel_sp500_stocks.csv", try_parse_dates=True)
    symbols = panel["symbol"].unique().sort().to_list()[:30]
    panel = panel.filter(pl.col("symbol").is_in(symbols)).sort("symbol", "date")
    panel.write_csv(tmp_path / "panel.csv")
    (tmp_path / "SPX.csv").write_text((shared_data / "SPX.csv").read_text(encoding="utf-8"), encoding="utf-8")
    config = tmp_path / "u.yaml"
    config.write_text(
        "name: u\nseries: {SPX: SPX}\nuniverse: {data_file: panel.csv}\nwhen: volume > 2 * volume_sma(50) and close > open\n"
        "evaluate:\n  - forward_returns: {horizons: [1w]}\nstatistics: {placebos: 0}\n",
        encoding="utf-8",
    )
    got = eventstudy.run(config, data_dir=tmp_path).raw_events.select("symbol", "date").sort("symbol", "date")
    expected = (
        panel.with_columns(pl.col("volume").cast(pl.Float64).rolling_mean(50).over("symbol").alias("avg"))
        .filter((pl.col("volume") > 2 * pl.col("avg")) & (pl.col("close") > pl.col("open")))
        .select("symbol", "date").sort("symbol", "date")
    )
    assert got.height > 50 and got.equals(expected)


@pytest.mark.parametrize(
    ("when", "token", "hint"),
    [
        ("SPX return(1) > 0 and (SPX / SPX sma(20)) volume_sma(5) > 0", "volume_sma(5)", "'SPX volume_sma(n)'"),
        ("(SPX * 2) day_high > 0", "day_high", "'SPX day_high'"),
        ("(SPX sma(5)) open > 1", "open", "'SPX open'"),
    ],
)
def test_a_days_price_of_an_expression_is_refused_not_unknown_on_every_day(spx_ohlcv: pl.DataFrame, tmp_path: Path, when: str, token: str, hint: str) -> None:
    """'(SPX / SPX sma(20)) volume_sma(5) > 0' ran to no events on data with volumes (a run
    on closes only to the same, with the note that the feature 'is null until its window is
    full'): an expression is computed from closes and has no open, high, low or volume, so
    its feature read a column of nulls. It is refused where the condition asks for it."""
    from eventstudy.errors import ConditionSyntaxError

    with pytest.raises(ConditionSyntaxError) as found:
        eventstudy.run(study(tmp_path, when), data={"SPX": spx_ohlcv})
    error = found.value
    assert "has none (it is computed from closes)" in error.message and hint in (error.hint or "")
    assert error.span is not None and when[error.span[0] : error.span[1]] == token
