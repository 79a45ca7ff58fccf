"""Prices in memory and a condition given inline (issue 14): ``eventstudy.run(study,
data={"SPX": frame}, when="...")`` gives what the files give, and a malformed frame gets
one message naming it, the row and what would be valid."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import eventstudy
from eventstudy.errors import ConditionSyntaxError, DataError, UnknownNameError

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "spx_rut.yaml"


@pytest.fixture(scope="module")
def closes(shared_data: Path) -> dict[str, pl.DataFrame]:
    return {s: pl.read_csv(shared_data / f"{s}.csv", try_parse_dates=True) for s in ("SPX", "RUT")}


@pytest.mark.slow
def test_frames_in_memory_give_what_the_files_give(shared_data: Path, closes: dict[str, pl.DataFrame]) -> None:
    pytest.importorskip("pandas")
    rut = closes["RUT"].to_pandas().set_index("date")  # a pandas frame with a date index
    spx = closes["SPX"].rename({"close": "Adj Close", "date": "Date"}).lazy()  # other accepted names, lazy
    from_memory = eventstudy.run(CONFIG, data={"SPX": spx, "RUT": rut}, histories=200)
    from_files = eventstudy.run(CONFIG, data_dir=shared_data, histories=200)
    assert from_memory.events.equals(from_files.events)
    assert from_memory.tests.equals(from_files.tests)
    assert from_memory.events.height == 19


def test_rows_out_of_order_are_sorted(shared_data: Path, closes: dict[str, pl.DataFrame]) -> None:
    shuffled = {k: v.sample(fraction=1.0, shuffle=True, seed=1) for k, v in closes.items()}
    result = eventstudy.run(CONFIG, data=shuffled, placebos=0)
    assert result.events.height == 19


def test_a_condition_given_inline_replaces_the_studys(shared_data: Path) -> None:
    result = eventstudy.run(CONFIG, data_dir=shared_data, when="SPX at ATH and RUT drawdown >= 15%", placebos=0)
    assert result.condition == "SPX at ATH and RUT drawdown >= 15%"
    assert (result.events["RUT.drawdown"] >= 0.15).all() and 0 < result.events.height < 19
    with pytest.raises(UnknownNameError) as error:
        eventstudy.run(CONFIG, data_dir=shared_data, when="SPX at ATH and RUT drawdwn >= 15%")
    assert "did you mean 'drawdown'" in error.value.render() and "^^^^^^^" in error.value.render()
    with pytest.raises(ConditionSyntaxError):
        eventstudy.run(CONFIG, data_dir=shared_data, when="SPX at ATH and")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.rename({"close": "px"}), "data['SPX'] has no close column (columns: date, px)"),
        (lambda f: f.with_columns(pl.col("date").cast(pl.String).str.replace("1990-01-02", "1990-13-02")), "data['SPX'] row 15550: unparseable date '1990-13-02'"),
        (lambda f: f.with_columns(pl.when(pl.int_range(pl.len()) == 3).then(0.0).otherwise(pl.col("close")).alias("close")), "data['SPX'] row 3: non-positive close '0.0'"),
        (lambda f: pl.concat([f, f.head(1)]), "data['SPX'] row 24783: duplicate date '1927-12-30': also on row 0"),
        (lambda f: f.with_columns(pl.col("date").cast(pl.Int32)), "date column 'date' has type Int32 in data['SPX'], not dates"),
        (lambda f: f.head(0), "data['SPX'] has no rows"),
    ],
)
def test_a_malformed_frame_is_named_with_its_row(closes: dict[str, pl.DataFrame], change, message: str) -> None:
    with pytest.raises(DataError) as error:
        eventstudy.run(CONFIG, data={"SPX": change(closes["SPX"]), "RUT": closes["RUT"]})
    assert message in error.value.render()


def test_data_in_memory_refuses_what_it_cannot_serve(shared_data: Path, closes: dict[str, pl.DataFrame]) -> None:
    with pytest.raises(DataError, match="no frame for 'RUT' in data="):
        eventstudy.run(CONFIG, data={"SPX": closes["SPX"]})
    with pytest.raises(ValueError, match="not both"):
        eventstudy.run(CONFIG, data=closes, data_dir=shared_data)
    with pytest.raises(DataError, match="not a polars or pandas DataFrame"):
        eventstudy.run(CONFIG, data={"SPX": closes["SPX"], "RUT": [1, 2, 3]})
    universe = Path(__file__).resolve().parents[1] / "configs" / "sp500_52w_high.yaml"
    with pytest.raises(DataError, match="a universe study reads its panel"):
        eventstudy.run(universe, data=closes)


def test_a_frame_with_two_levels_of_columns_says_how_to_flatten_it(closes: dict[str, pl.DataFrame]) -> None:
    """yfinance.download's frame has (Price, Ticker) columns; it read "data['SPX'] has no date
    column (columns: ('date', ''), ('Close', '^GSPC'))", a date column among those listed."""
    pd = pytest.importorskip("pandas")
    spx = closes["SPX"].to_pandas().set_index("date").rename_axis("Date")
    download = pd.concat({"Close": spx["close"], "Open": spx["close"]}, axis=1)
    download.columns = pd.MultiIndex.from_tuples([("Close", "^GSPC"), ("Open", "^GSPC")], names=["Price", "Ticker"])
    with pytest.raises(DataError) as error:
        eventstudy.run(CONFIG, data={"SPX": download, "RUT": closes["RUT"]})
    assert error.value.message == (
        "data['SPX'] has columns on 2 levels (('Close', '^GSPC'), ('Open', '^GSPC')), as yfinance.download gives them: "
        "which one is the close is not guessed"
    )
    assert error.value.hint == "give one level of columns: frame.xs('^GSPC', axis=1, level=1) picks one ticker's, or frame.droplevel(1, axis=1) drops the only one"
    flat = eventstudy.run(CONFIG, data={"SPX": download.xs("^GSPC", axis=1, level=1), "RUT": closes["RUT"]}, placebos=0)
    assert flat.events.height == 19


def test_a_pandas_index_of_dates_not_parsed_is_the_date_column(closes: dict[str, pl.DataFrame]) -> None:
    """A pandas frame read with ``index_col='date'`` and no ``parse_dates`` (its index text), or
    indexed by ``datetime.date`` objects, read "data['RUT'] has no date column (columns:
    close)": only an index of datetime64 was taken as the dates. An index named as a date
    column is (its dates checked as a column's are)."""
    pytest.importorskip("pandas")
    rut = closes["RUT"].to_pandas()
    indexed = {
        "text": rut.assign(date=rut["date"].dt.strftime("%Y-%m-%d")).set_index("date"),
        "datetime.date": rut.assign(date=rut["date"].dt.date).set_index("date").rename_axis("Date"),
    }
    for frame in indexed.values():
        assert eventstudy.run(CONFIG, data={"SPX": closes["SPX"], "RUT": frame}, placebos=0).events.height == 19


def test_a_pandas_date_index_beside_a_date_column_is_not_guessed_between(closes: dict[str, pl.DataFrame]) -> None:
    """An unnamed datetime index beside a 'date' column ended in pandas' "ValueError: cannot
    insert date, already exists" (the index was named 'date' to become a column)."""
    pytest.importorskip("pandas")
    rut = closes["RUT"].to_pandas()
    both = rut.set_index(rut["date"].rename(None))
    with pytest.raises(DataError) as error:
        eventstudy.run(CONFIG, data={"SPX": closes["SPX"], "RUT": both})
    assert error.value.message == "data['RUT'] has a date index and a date column 'date': which one holds the dates is not guessed"
    assert error.value.hint == "drop one of them: frame.reset_index(drop=True) drops the index, frame.drop(columns='date') the column"
