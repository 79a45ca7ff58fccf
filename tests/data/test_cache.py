"""The download cache: where it lives, incremental pulls, corruption caught, offline errors."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sys
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError

import polars as pl
import pytest
from synthetic import business_days

from eventstudy.data import MissingDataError, load_prices_any
from eventstudy.data.cache import (
    CACHE_ENV,
    OVERLAP_ROWS,
    Cache,
    CorruptCacheError,
    ShrunkHistoryError,
    default_cache_dir,
    resolve_cache_dir,
)
from eventstudy.data.providers import Provider, ProviderError
from eventstudy.data.providers import fred as fred_module
from eventstudy.errors import DataError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "providers"


class RecordedSource(Provider):
    """A provider serving a fixed history and recording every start date asked for."""

    name = "recorded"

    def __init__(self, history: pl.DataFrame) -> None:
        self.history = history
        self.starts: list[dt.date | None] = []

    def fetch(self, remote: str, start: dt.date | None, end: dt.date | None) -> pl.DataFrame:
        self.starts.append(start)
        frame = self.history
        if start is not None:
            frame = frame.filter(pl.col("date") >= start)
        return frame


def history(n: int, start: dt.date = dt.date(2024, 1, 1)) -> pl.DataFrame:
    days = business_days(n, start)
    return pl.DataFrame({"date": days, "close": [100.0 + i for i in range(n)], "volume": [1000.0 * (i + 1) for i in range(n)]})


@pytest.fixture
def cache(tmp_path: Path) -> Cache:
    return Cache(tmp_path / "cache")


# --------------------------------------------------------------------------- where


@pytest.mark.parametrize(
    ("platform", "environ", "expected"),
    [
        ("linux", {"XDG_CACHE_HOME": "/xdg"}, Path("/xdg/eventstudy")),
        ("linux", {"XDG_CACHE_HOME": "relative/ignored"}, Path.home() / ".cache" / "eventstudy"),
        ("linux", {}, Path.home() / ".cache" / "eventstudy"),
        ("darwin", {"XDG_CACHE_HOME": "/xdg"}, Path.home() / "Library" / "Caches" / "eventstudy"),
        ("win32", {"LOCALAPPDATA": "C:/Users/me/AppData/Local"}, Path("C:/Users/me/AppData/Local") / "eventstudy" / "Cache"),
    ],
)
def test_default_cache_dir_per_platform(platform: str, environ: dict[str, str], expected: Path) -> None:
    assert default_cache_dir(platform, environ) == expected


def test_cache_dir_option_beats_environment_beats_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "env"))
    assert resolve_cache_dir(tmp_path / "cli") == tmp_path / "cli"
    assert resolve_cache_dir(None) == tmp_path / "env"
    monkeypatch.delenv(CACHE_ENV)
    assert resolve_cache_dir("") == default_cache_dir()


def test_no_home_directory_is_an_error_naming_the_way_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """With $HOME unset and a user id the user database does not know (a container run
    with an arbitrary --user), a study whose symbol is not in the data directory (the
    cache is looked in next) ended in a traceback, 'RuntimeError: Could not determine home
    directory.'; so did --cache-dir '~/cache'."""

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    monkeypatch.setattr(Path, "expanduser", lambda self: no_home() if str(self).startswith("~") else self)
    for given in (None, "~/cache"):
        with pytest.raises(DataError) as caught:
            resolve_cache_dir(given)
        assert caught.value.render() == (
            "error: the download cache has no folder: $HOME is not set, and this user has no home directory\n"
            "  hint: name one with --cache-dir DIR or $EVENTSTUDY_CACHE (or set $HOME)"
        )


def test_unsafe_symbol_names_are_refused(cache: Cache) -> None:
    with pytest.raises(DataError, match="cannot be used as a file name"):
        cache.path("yahoo", "../etc/passwd")


def test_a_symbol_no_cached_file_can_be_named_is_looked_for_and_not_found(cache: Cache, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """'series: {BRK: "BRK B"}' without its file in the data directory stopped at "symbol
    'BRK B' cannot be used as a file name in the cache", with no line of the study, for a
    user who never used the cache: it is not found, and the run says where it looked."""
    from eventstudy.cli import main

    assert cache.locate("BRK B") is None and cache.locate("A/B") is None
    data = tmp_path / "data"
    data.mkdir()
    (data / "SPX.csv").write_text("date,close\n2020-01-02,1\n2020-01-03,2\n")
    study = tmp_path / "s.yaml"
    study.write_text('name: t\nseries: {SPX: SPX, BRK: "BRK B"}\nwhen: SPX at ATH\nevaluate:\n  - forward_returns: {assets: [SPX], horizons: [1d]}\n')
    assert main(["run", str(study), "--data-dir", str(data), "--cache-dir", str(cache.root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{study}:2:25: error: symbol 'BRK B' not found in data directory") and "cannot be used" not in err, err


# --------------------------------------------------------------------------- pulls


def test_first_pull_writes_parquet_with_metadata_and_hash(cache: Cache) -> None:
    source = RecordedSource(history(10))
    result = cache.pull("TEST", source)
    assert result.mode == "new" and result.requested_start is None and source.starts == [None]
    assert result.path == cache.root / "recorded" / "TEST.parquet"
    meta = json.loads(Cache.meta_path(result.path).read_text())
    assert meta["source"] == "recorded" and meta["symbol"] == "TEST" and meta["rows"] == 10
    assert meta["first"] == "2024-01-01" and meta["last"] == "2024-01-12" and meta["pulled_at"].endswith("+00:00")
    assert len(meta["sha256"]) == 64
    embedded = json.loads(pl.read_parquet_metadata(result.path)["eventstudy"])
    assert embedded["source"] == "recorded" and embedded["remote"] == "TEST"
    assert cache.read("TEST").frame.equals(history(10))
    assert [p.name for p in result.path.parent.iterdir() if p.name.startswith(".")] == []  # no temp files left


def test_second_pull_asks_only_for_the_new_days(cache: Cache) -> None:
    source = RecordedSource(history(10))
    cache.pull("TEST", source)
    cached_dates = history(10)["date"].to_list()
    source.history = history(13)  # three more trading days have passed
    result = cache.pull("TEST", source)
    assert source.starts[-1] == cached_dates[-OVERLAP_ROWS]  # from a few days before the last cached one
    assert result.mode == "update" and result.added == 3 and result.requested_start == cached_dates[-OVERLAP_ROWS]
    assert cache.read("TEST").frame.equals(history(13))


def test_a_pull_with_nothing_new_keeps_the_file(cache: Cache) -> None:
    source = RecordedSource(history(10))
    cache.pull("TEST", source)
    result = cache.pull("TEST", source)
    assert result.mode == "update" and result.added == 0
    assert cache.read("TEST").frame.equals(history(10))


def test_the_last_cached_day_may_change_its_close(cache: Cache) -> None:
    """A day pulled before its close is replaced, not taken as a revision."""
    source = RecordedSource(history(10).with_columns(pl.when(pl.int_range(pl.len()) == 9).then(99.0).otherwise(pl.col("close")).alias("close")))
    cache.pull("TEST", source)
    source.history = history(11)
    result = cache.pull("TEST", source)
    assert result.mode == "update"
    assert cache.read("TEST").frame["close"][9] == 109.0


def test_a_revised_history_is_pulled_again_in_full(cache: Cache) -> None:
    source = RecordedSource(history(10))
    cache.pull("TEST", source)
    source.history = history(12).with_columns(pl.col("close") / 2)  # a 2:1 split adjusts all history
    result = cache.pull("TEST", source)
    assert result.mode == "refresh" and source.starts[-2:] == [history(10)["date"][-OVERLAP_ROWS], None]
    assert "history revised" in (result.reason or "")
    assert cache.read("TEST").frame["close"].to_list() == (history(12)["close"] / 2).to_list()


def test_a_revision_that_would_drop_cached_days_keeps_the_cache(cache: Cache) -> None:
    """A source that revises its history and now serves less of it (a later start) made
    the pull in full replace the cache: the older days were gone without a word."""
    source = RecordedSource(history(20))
    cache.pull("TEST", source)
    before = cache.read("TEST")
    source.history = history(20).with_columns(pl.col("close") / 2).tail(12)  # split-adjusted, and its first 8 days gone
    with pytest.raises(ShrunkHistoryError) as caught:
        cache.pull("TEST", source)
    message = caught.value.render()
    assert "the cache was kept as it was" in message and "history revised" in message
    assert f"8 cached days before {history(20)['date'][8]}" in message and "--full" in message
    after = cache.read("TEST")
    assert after.frame.equals(before.frame) and after.meta == before.meta


def test_full_replaces_the_cache_with_a_shorter_history_and_says_what_went(cache: Cache) -> None:
    source = RecordedSource(history(20))
    cache.pull("TEST", source)
    source.history = history(20).head(15)  # the source's last five days are gone
    result = cache.pull("TEST", source, full=True)
    assert result.mode == "refresh" and cache.read("TEST").frame.equals(history(15))
    assert "5 cached days after" in (result.reason or "") and "--full" in (result.reason or "")


def test_full_with_a_later_since_says_the_days_before_it_were_not_asked_for(cache: Cache) -> None:
    """'data pull X --full --since D' over a cache of all history said the days before D
    'are not in the source's history any more': the source still has them; D left them out."""
    source = RecordedSource(history(20))
    cache.pull("TEST", source)
    since = history(20)["date"][8]
    result = cache.pull("TEST", source, since=since, full=True)
    assert cache.read("TEST").frame.equals(history(20).tail(12))  # type: ignore[union-attr]
    assert result.reason == (
        f"--full: pulled again in full; 8 cached days before {since} ({history(20)['date'][0]} .. {history(20)['date'][7]}) "
        f"come before --since {since}"
    )


def test_a_run_that_pulls_keeps_a_cache_the_source_would_shrink(cache: Cache, monkeypatch: pytest.MonkeyPatch) -> None:
    """run --pull reads the kept cache and says why it was not refreshed."""
    cache.write("fred", "SP500", "SP500", history(20).select("date", "close"), None)
    revised = history(20).tail(10).select(pl.col("date").cast(pl.String).alias("observation_date"), (pl.col("close") * 3).alias("SP500"))
    body = revised.write_csv().encode()
    monkeypatch.setattr(fred_module, "urlopen", lambda request, timeout=None: io.BytesIO(body))
    prices = load_prices_any(["SP500"], cache_dir=cache.root, provider="fred", pull=True)
    assert prices.frame["close"].to_list() == history(20)["close"].to_list()
    assert any("SP500: the cache was kept as it was" in note and "10 cached days before" in note for note in prices.notes)


def test_asking_for_earlier_history_pulls_everything_again(cache: Cache) -> None:
    source = RecordedSource(history(20))
    cache.pull("TEST", source, since=dt.date(2024, 1, 15))
    assert source.starts == [dt.date(2024, 1, 15)]
    result = cache.pull("TEST", source, since=dt.date(2024, 1, 1))
    assert result.mode == "refresh" and source.starts[-1] == dt.date(2024, 1, 1)
    result = cache.pull("TEST", source, since=dt.date(2024, 1, 10))  # later than cached: incremental
    assert result.mode == "update"


def test_a_pull_in_another_letter_case_updates_the_cached_file(cache: Cache) -> None:
    """'data pull spx' then 'data pull SPX' filed a second file: reads of 'spx' kept the stale one."""
    source = RecordedSource(history(10))
    cache.pull("spx", source)
    source.history = history(13)
    result = cache.pull("SPX", source)
    assert result.mode == "update" and result.added == 3 and result.path.name == "spx.parquet"
    assert cache.symbols() == [("recorded", "spx")]
    for name in ("spx", "SPX", "Spx"):
        assert cache.read(name) is not None and cache.read(name).frame.equals(history(13))  # type: ignore[union-attr]
    cache.pull("SPX", source, full=True)
    assert sorted(p.name for p in result.path.parent.iterdir()) == ["spx.meta.json", "spx.parquet"]


def test_full_ignores_the_cache(cache: Cache) -> None:
    source = RecordedSource(history(10))
    cache.pull("TEST", source)
    assert cache.pull("TEST", source, full=True).mode == "refresh" and source.starts[-1] is None


# --------------------------------------------------------------------------- corruption


def corrupt_by(how: str, path: Path) -> None:
    if how == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif how == "flipped byte":
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    elif how == "metadata missing":
        Cache.meta_path(path).unlink()
    elif how == "metadata edited":
        meta_path = Cache.meta_path(path)
        meta = json.loads(meta_path.read_text())
        meta["rows"] = 9
        meta_path.write_text(json.dumps(meta))
    elif how == "metadata garbled":
        Cache.meta_path(path).write_text("{not json")


@pytest.mark.parametrize("how", ["truncated", "flipped byte", "metadata missing", "metadata edited", "metadata garbled"])
def test_a_corrupt_file_is_detected_and_never_used(cache: Cache, how: str) -> None:
    path = cache.pull("TEST", RecordedSource(history(10))).path
    corrupt_by(how, path)
    with pytest.raises(CorruptCacheError) as info:
        cache.read("TEST")
    text = info.value.render()
    assert "is corrupt" in text and "eventstudy data pull TEST --provider recorded" in text
    with pytest.raises(CorruptCacheError):
        load_prices_any(["TEST"], cache_dir=cache.root)


@pytest.mark.parametrize("how", ["truncated", "metadata missing"])
def test_a_corrupt_file_is_pulled_again_in_full(cache: Cache, how: str) -> None:
    source = RecordedSource(history(10))
    path = cache.pull("TEST", source).path
    corrupt_by(how, path)
    source.history = history(12)
    result = cache.pull("TEST", source)
    assert result.mode == "refresh" and source.starts[-1] is None
    assert "corrupt" in (result.reason or "")
    assert cache.read("TEST").frame.equals(history(12))


def test_a_failed_write_leaves_the_old_file_and_no_temp_files(cache: Cache, monkeypatch: pytest.MonkeyPatch) -> None:
    source = RecordedSource(history(10))
    path = cache.pull("TEST", source).path
    before = path.read_bytes()
    source.history = history(12)

    def broken_replace(src: Any, dst: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        cache.pull("TEST", source)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["TEST.meta.json", "TEST.parquet"]
    assert cache.read("TEST").frame.equals(history(10))


def test_a_symbol_cached_by_two_providers_must_be_named(cache: Cache) -> None:
    cache.write("yahoo", "SPX", "^GSPC", history(5), None)
    cache.write("fred", "SPX", "SP500", history(5), None)
    with pytest.raises(DataError, match="cached from several providers"):
        cache.read("SPX")
    assert cache.read("SPX", "fred").meta.remote == "SP500"
    assert cache.read("spx", "yahoo").meta.remote == "^GSPC"  # any letter case


# --------------------------------------------------------------------------- loading for a study


def write_csv(path: Path, frame: pl.DataFrame) -> None:
    frame.select("date", "close").write_csv(path)


def test_load_prices_any_takes_what_the_directory_lacks_from_the_cache(cache: Cache, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    write_csv(data / "AAA.csv", history(5))
    cache.write("yahoo", "BBB", "BBB", history(6), None)
    prices = load_prices_any(["AAA", "BBB"], data_dir=data, cache_dir=cache.root)
    assert prices.sources == {"AAA": data / "AAA.csv", "BBB": cache.root / "yahoo" / "BBB.parquet"}
    assert prices.frame.group_by("symbol").len().sort("symbol").rows() == [("AAA", 5), ("BBB", 6)]
    assert prices.frame.columns == ["date", "symbol", "close", "open", "high", "low", "volume"]
    assert any(n.startswith("BBB: from the cache, yahoo 'BBB'") for n in prices.notes)


def test_load_prices_any_without_a_directory_uses_the_cache(cache: Cache) -> None:
    cache.write("yahoo", "SPX", "^GSPC", history(5), None)
    prices = load_prices_any(["SPX"], cache_dir=cache.root)
    assert prices.frame.height == 5


def test_missing_everywhere_names_the_two_ways(cache: Cache, tmp_path: Path) -> None:
    with pytest.raises(MissingDataError) as info:
        load_prices_any(["SPX", "RUT"], cache_dir=cache.root)
    error = info.value
    assert error.symbols == ("SPX", "RUT") and error.provider == "yahoo"
    text = error.render()
    assert "no data for symbols 'SPX', 'RUT': no data directory given, and not in the download cache" in text
    assert "eventstudy data pull SPX RUT" in text and "--data-dir" in text and "EVENTSTUDY_DATA" in text

    data = tmp_path / "data"
    data.mkdir()
    write_csv(data / "SPX.csv", history(5))
    with pytest.raises(MissingDataError) as info:
        load_prices_any(["SPX", "RUT"], data_dir=data, cache_dir=cache.root)
    text = info.value.render()
    assert info.value.symbols == ("RUT",)
    assert "'RUT.csv', 'RUT.parquet'" in text and "nor in the download cache" in text


def test_pull_fills_the_cache_then_loads(cache: Cache, monkeypatch: pytest.MonkeyPatch) -> None:
    body = (FIXTURES / "fred_sp500.csv").read_bytes()
    monkeypatch.setattr(fred_module, "urlopen", lambda request, timeout=None: io.BytesIO(body))
    prices = load_prices_any(["SP500"], cache_dir=cache.root, provider="fred", pull=True)
    assert prices.frame.height == 13
    assert prices.sources["SP500"] == cache.root / "fred" / "SP500.parquet"
    assert prices.notes[0].startswith("SP500: pulled (new), fred 'SP500' 2024-01-02 .. 2024-01-19")


def test_offline_pull_is_one_clear_message(cache: Cache, monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(request: Any, timeout: float | None = None) -> Any:
        raise URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(fred_module, "urlopen", offline)
    with pytest.raises(MissingDataError) as info:
        load_prices_any(["SP500", "DGS10"], cache_dir=cache.root, provider="fred", pull=True)
    text = info.value.render()
    assert text.count("error:") == 1
    assert "cannot reach fred.stlouisfed.org for 'SP500'" in text
    assert "no data for symbols 'SP500', 'DGS10'" in text
    assert "eventstudy data pull SP500 DGS10 --provider fred" in text and "--data-dir DIR" in text
    assert cache.symbols() == []  # nothing half-written


def test_offline_pull_falls_back_to_what_is_cached(cache: Cache, monkeypatch: pytest.MonkeyPatch) -> None:
    cache.write("fred", "SP500", "SP500", history(5), None)

    def offline(request: Any, timeout: float | None = None) -> Any:
        raise URLError("no network")

    monkeypatch.setattr(fred_module, "urlopen", offline)
    prices = load_prices_any(["SP500"], cache_dir=cache.root, provider="fred", pull=True)
    assert prices.frame.height == 5
    assert prices.notes[0].startswith("warning: SP500: not updated (cannot reach fred.stlouisfed.org for 'SP500': no network)")
    with pytest.raises(MissingDataError) as info:
        load_prices_any(["SP500", "DGS10"], cache_dir=cache.root, provider="fred", pull=True)
    assert info.value.symbols == ("DGS10",)
    assert "cannot reach fred.stlouisfed.org for 'SP500': no network; no data for symbol 'DGS10'" in info.value.message


def test_an_offline_pull_says_of_each_series_why_it_was_not_updated(cache: Cache, monkeypatch: pytest.MonkeyPatch) -> None:
    """Offline, the first series is asked and the others are not: DGS10's note read
    'not updated (cannot reach fred.stlouisfed.org for 'SP500': no network)', another
    series' error as if DGS10 had been asked."""
    for symbol in ("SP500", "DGS10"):
        cache.write("fred", symbol, symbol, history(5), None)

    def offline(request: Any, timeout: float | None = None) -> Any:
        raise URLError("no network")

    monkeypatch.setattr(fred_module, "urlopen", offline)
    prices = load_prices_any(["SP500", "DGS10"], cache_dir=cache.root, provider="fred", pull=True)
    assert prices.notes[0].startswith("warning: SP500: not updated (cannot reach fred.stlouisfed.org for 'SP500': no network)")
    assert prices.notes[1].startswith("warning: DGS10: not updated (fred not asked again: cannot reach fred.stlouisfed.org for 'SP500': no network)")


@pytest.mark.parametrize("code", [429, 503])
def test_a_rate_limited_pull_falls_back_to_what_is_cached(cache: Cache, monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    """'run --pull' where FRED answered HTTP 429 (or 503) stopped the run with 'fred
    answered HTTP 429 for 'SP500': Too Many Requests', every series cached: a source that
    will not serve now is as one that cannot be reached, so the run reads the cache and
    says the series was not updated, as it does offline."""
    cache.write("fred", "SP500", "SP500", history(5), None)

    def refuse(request: Any, timeout: float | None = None) -> Any:
        raise HTTPError(request.full_url, code, "Too Many Requests" if code == 429 else "Service Unavailable", {}, None)  # type: ignore[arg-type]

    monkeypatch.setattr(fred_module, "urlopen", refuse)
    prices = load_prices_any(["SP500"], cache_dir=cache.root, provider="fred", pull=True)
    assert prices.frame.height == 5
    assert prices.notes[0].startswith(f"warning: SP500: not updated (fred {'refused to answer' if code == 429 else 'answered HTTP 503'} for 'SP500'")


def test_a_pull_without_a_provider_updates_each_series_from_where_it_came(
    cache: Cache, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A study of SPX from Yahoo and DGS10 from FRED, both cached, ran from the cache,
    but 'run --pull' asked Yahoo for DGS10 and stopped with 'yahoo finance has no daily
    prices for 'DGS10'' (and so did 'data pull DGS10'): nothing could be updated without
    pulling each series apart. A series cached from a provider is now pulled from it; one
    not cached yet from the default, as before."""
    from eventstudy.cli import main

    cache.write("fred", "DGS10", "DGS10", history(5), None)
    body = "observation_date,DGS10\n" + "".join(f"{d},{c}\n" for d, c in history(8).select("date", "close").iter_rows())
    monkeypatch.setattr(fred_module, "urlopen", lambda request, timeout=None: io.BytesIO(body.encode()))
    monkeypatch.setitem(sys.modules, "yfinance", None)  # no Yahoo: asking it would stop the pull
    prices = load_prices_any(["DGS10"], cache_dir=cache.root, pull=True)
    assert prices.frame.height == 8
    assert prices.notes[0].startswith("DGS10: pulled (update), fred 'DGS10'")
    cache.write("fred", "DGS10", "DGS10", history(5), None)
    assert main(["data", "pull", "DGS10", "--cache-dir", str(cache.root)]) == 0
    assert "DGS10: fred 'DGS10' 2024-01-01 .. 2024-01-10, 8 rows (+3 rows" in capsys.readouterr().out


def test_cli_pull_and_list(cache: Cache, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from eventstudy.cli_data import add_data_commands, run_data

    server_body = (FIXTURES / "fred_sp500.csv").read_bytes()
    urls: list[str] = []

    def server(request: Any, timeout: float | None = None) -> io.BytesIO:
        urls.append(request.full_url)
        return io.BytesIO(server_body)

    monkeypatch.setattr(fred_module, "urlopen", server)
    parser = argparse.ArgumentParser()
    add_data_commands(parser.add_subparsers(dest="command"))
    args = ["data", "pull", "SP500", "--provider", "fred", "--cache-dir", str(cache.root)]
    assert run_data(parser.parse_args(args)) == 0
    assert "SP500: fred 'SP500' 2024-01-02 .. 2024-01-19, 13 rows (new; asked all history)" in capsys.readouterr().out
    assert run_data(parser.parse_args(args)) == 0
    out = capsys.readouterr().out
    assert "+0 rows; asked from 2024-01-12" in out and "cosd=2024-01-12" in urls[-1]
    assert run_data(parser.parse_args(["data", "list", "--cache-dir", str(cache.root)])) == 0
    assert "SP500        fred 'SP500' 2024-01-02 .. 2024-01-19, 13 rows" in capsys.readouterr().out

    def offline(request: Any, timeout: float | None = None) -> Any:
        raise URLError("no network")

    monkeypatch.setattr(fred_module, "urlopen", offline)
    with pytest.raises(ProviderError, match="cannot reach fred"):
        run_data(parser.parse_args(["data", "pull", "DGS10", "--provider", "fred", "--cache-dir", str(cache.root)]))


def test_a_stray_file_in_the_cache_does_not_break_list_or_check(cache: Cache, capsys: pytest.CaptureFixture[str]) -> None:
    """A copy a file manager left ('TEST copy.parquet') stopped 'data list' (after its
    header, exit 2) and 'data check' with "symbol 'TEST copy' cannot be used as a file name"."""
    import argparse
    import shutil

    from eventstudy.cli_data import add_data_commands, run_data

    stored = cache.pull("TEST", RecordedSource(history(10)))
    shutil.copy(stored.path, stored.path.with_name("TEST copy.parquet"))
    (cache.root / "my folder").mkdir()
    assert cache.symbols() == [("recorded", "TEST")]
    parser = argparse.ArgumentParser()
    add_data_commands(parser.add_subparsers(dest="command"))
    assert run_data(parser.parse_args(["data", "list", "--cache-dir", str(cache.root)])) == 0
    out = capsys.readouterr().out
    assert "1 series" in out and "TEST         recorded 'TEST' 2024-01-01 .. 2024-01-12, 10 rows" in out
    assert run_data(parser.parse_args(["data", "check", "--cache-dir", str(cache.root)])) == 0
    assert "TEST    2024-01-01  2024-01-12" in capsys.readouterr().out


def test_a_cached_nan_or_infinite_close_is_corruption(cache: Cache, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15: NaN > 0 is true in polars, so a NaN close passed the check and was used.
    Now the cache refuses to write one, and a file holding one (written the cache's way,
    by a version without the check) is corrupt on reading, at its row."""
    import eventstudy.data.cache as cache_module

    for bad, shown in ((float("nan"), "missing close 'nan'"), (float("inf"), "non-finite close 'inf'")):
        frame = history(5).with_columns(pl.when(pl.int_range(pl.len()) == 2).then(bad).otherwise(pl.col("close")).alias("close"))
        with pytest.raises(DataError, match=shown):
            cache.write("recorded", "TEST", "TEST", frame, None)
        assert cache.read("TEST", "recorded") is None
        with monkeypatch.context() as patch:
            patch.setattr(cache_module, "check_prices", lambda *args, **kwargs: None)
            cache.write("recorded", "TEST", "TEST", frame, None)
        with pytest.raises(CorruptCacheError) as info:
            cache.read("TEST")
        assert f"row 2 (0-based parquet row index): {shown} on '2024-01-03'" in info.value.render()
        (cache.root / "recorded" / "TEST.parquet").unlink()
        (cache.root / "recorded" / "TEST.meta.json").unlink()


def test_readers_beside_a_writer_never_see_a_spurious_corruption(cache: Cache) -> None:
    """Issue 15: two processes writing one series made readers report 'corrupt' (21 of 120
    reads): the data file and its metadata are replaced one after the other."""
    import threading

    cache.write("recorded", "TEST", "TEST", history(50), None)
    stop = threading.Event()

    def writer() -> None:
        n = 50
        while not stop.is_set():
            n = 60 if n == 50 else 50
            cache.write("recorded", "TEST", "TEST", history(n), None)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for _ in range(60):
            assert cache.read("TEST").frame.height in (50, 60)
    finally:
        stop.set()
        thread.join()
