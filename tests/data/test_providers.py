"""Providers against recorded responses: FRED's CSV endpoint and yfinance, never the network."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
import types
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import parse_qs, urlparse

import numpy as np
import polars as pl
import pytest

from eventstudy.config import parse_study
from eventstudy.data.providers import (
    PROVIDERS,
    OfflineError,
    Provider,
    ProviderError,
    get_provider,
    normalize_history,
)
from eventstudy.data.providers import fred as fred_module
from eventstudy.errors import ConfigError, UnknownNameError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "providers"


# --------------------------------------------------------------------------- recorded servers


class RecordedFred:
    """Answers fredgraph.csv requests from a recorded body, honouring ``cosd`` like FRED does."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.urls: list[str] = []

    def __call__(self, request: Any, timeout: float | None = None) -> io.BytesIO:
        url = request.full_url if hasattr(request, "full_url") else str(request)
        self.urls.append(url)
        query = parse_qs(urlparse(url).query)
        lines = self.body.decode().splitlines()
        start = query.get("cosd", [""])[0]
        kept = [lines[0]] + [line for line in lines[1:] if line.split(",")[0] >= start]
        return io.BytesIO(("\n".join(kept) + "\n").encode())

    def query(self, index: int = -1) -> dict[str, list[str]]:
        return parse_qs(urlparse(self.urls[index]).query)


@pytest.fixture
def fred_server(monkeypatch: pytest.MonkeyPatch) -> RecordedFred:
    server = RecordedFred((FIXTURES / "fred_sp500.csv").read_bytes())
    monkeypatch.setattr(fred_module, "urlopen", server)
    return server


class FakeHistory:
    """The parts of a pandas DataFrame that the yahoo provider reads (index, columns, empty, [col].tolist())."""

    def __init__(self, split: dict[str, Any]) -> None:
        self.index = [dt.datetime.fromisoformat(s) for s in split["index"]]
        self.columns = list(split["columns"])
        self._data = {c: [row[i] for row in split["data"]] for i, c in enumerate(self.columns)}
        self.empty = not self.index

    def __getitem__(self, column: str) -> Any:
        return types.SimpleNamespace(tolist=lambda: list(self._data[column]))


def fake_yfinance(history: Any = None, error: BaseException | None = None) -> tuple[types.ModuleType, list[tuple[str, dict[str, Any]]]]:
    """A stand-in ``yfinance`` module recording each ``Ticker(symbol).history(**kwargs)`` call."""
    calls: list[tuple[str, dict[str, Any]]] = []

    class Ticker:
        def __init__(self, symbol: str) -> None:
            self.symbol = symbol

        def history(self, **kwargs: Any) -> Any:
            calls.append((self.symbol, kwargs))
            if error is not None:
                raise error
            return history

    module = types.ModuleType("yfinance")
    module.Ticker = Ticker  # type: ignore[attr-defined]
    return module, calls


def recorded_yahoo() -> FakeHistory:
    return FakeHistory(json.loads((FIXTURES / "yahoo_gspc.json").read_text()))


# --------------------------------------------------------------------------- registry


def test_builtin_providers_are_registered_and_unknown_names_get_a_suggestion() -> None:
    assert {"yahoo", "fred"} <= set(PROVIDERS)
    assert isinstance(get_provider("FRED"), Provider)
    with pytest.raises(UnknownNameError, match=r"unknown provider 'yaho' \(did you mean 'yahoo'\?\)"):
        get_provider("yaho")


def test_a_provider_name_cannot_be_registered_twice() -> None:
    with pytest.raises(ValueError, match="already registered"):
        PROVIDERS.add("yahoo", Provider)


@pytest.mark.parametrize(("name", "remote"), [("SPX", "^GSPC"), ("spx", "^GSPC"), ("RUT", "^RUT"), ("NDX", "^NDX"), ("DJI", "^DJI"), ("AAPL", "AAPL")])
def test_yahoo_aliases(name: str, remote: str) -> None:
    assert get_provider("yahoo").remote_symbol(name) == remote


def test_study_data_provider_is_checked_against_the_registry() -> None:
    base = "name: x\nseries: {A: SPX}\nwhen: A at ATH\nevaluate:\n  - forward_returns: {assets: [A], horizons: [1m]}\n"
    assert parse_study(base + "data: {provider: fred}\n").data.provider == "fred"
    with pytest.raises(ConfigError) as info:
        parse_study(base + "data: {provider: yahooo}\n", path="s.yaml")
    assert "unknown provider 'yahooo' (did you mean 'yahoo'?)" in info.value.render()
    assert "s.yaml:6:" in info.value.render()


def test_normalize_history_types_sorts_dedupes_and_drops_unusable_rows() -> None:
    raw = pl.DataFrame(
        {
            "date": [dt.date(2024, 1, 3), dt.date(2024, 1, 2), dt.date(2024, 1, 3), dt.date(2024, 1, 4), dt.date(2024, 1, 5)],
            "close": [2.0, 1.0, 2.5, None, float("nan")],
            "volume": [None] * 5,
        },
        schema={"date": pl.Date, "close": pl.Float64, "volume": pl.Float64},
    )
    out = normalize_history(raw, "test")
    assert out.columns == ["date", "close"]  # an all-null optional column is left out
    assert out.rows() == [(dt.date(2024, 1, 2), 1.0), (dt.date(2024, 1, 3), 2.5)]
    with pytest.raises(ProviderError, match="returned no prices between 2025-01-01 and today"):
        normalize_history(raw, "test", start=dt.date(2025, 1, 1))


def test_normalize_history_reads_dates_as_every_door_does() -> None:
    """A provider's time-zone-aware stamps were cast to their UTC day (Tokyo's trading
    days each read as the day before, silently), ISO text dates were a traceback
    (polars: 'casting from string to date is not supported'), and integers were days
    since 1970."""
    tokyo = pl.Series([dt.datetime(2024, 1, 4), dt.datetime(2024, 1, 5)]).dt.replace_time_zone("Asia/Tokyo")
    out = normalize_history(pl.DataFrame({"date": tokyo, "close": [1.0, 2.0]}), "test")
    assert out["date"].to_list() == [dt.date(2024, 1, 4), dt.date(2024, 1, 5)]
    text = pl.DataFrame({"date": ["2024-01-04", "2024-01-05T00:00:00Z"], "close": [1.0, 2.0]})
    assert normalize_history(text, "test")["date"].to_list() == [dt.date(2024, 1, 4), dt.date(2024, 1, 5)]
    with pytest.raises(ProviderError, match=r"test returned an unreadable date 'junk' \(and 1 more\)"):
        normalize_history(pl.DataFrame({"date": ["2024-01-04", "junk", "1700-01-02"], "close": [1.0, 2.0, 3.0]}), "test")
    with pytest.raises(ProviderError, match="date column 'date' has type Int64 in test, not dates"):
        normalize_history(pl.DataFrame({"date": [20240104, 20240105], "close": [1.0, 2.0]}), "test")


# --------------------------------------------------------------------------- FRED


def test_fred_reads_the_recorded_answer_and_drops_missing_days(fred_server: RecordedFred) -> None:
    frame = get_provider("fred").download("sp500")
    assert fred_server.query()["id"] == ["SP500"]
    assert "cosd" not in fred_server.query()
    assert frame.columns == ["date", "close"]
    assert frame.height == 13  # 15 rows, less New Year's Day (empty) and MLK day ('.')
    assert frame.row(0) == (dt.date(2024, 1, 2), 4742.83)
    assert dt.date(2024, 1, 15) not in frame["date"].to_list()


def test_fred_asks_for_the_start_date(fred_server: RecordedFred) -> None:
    frame = get_provider("fred").download("SP500", dt.date(2024, 1, 10), dt.date(2024, 1, 12))
    assert fred_server.query()["cosd"] == ["2024-01-10"]
    assert fred_server.query()["coed"] == ["2024-01-12"]
    assert frame["date"].to_list() == [dt.date(2024, 1, 10), dt.date(2024, 1, 11), dt.date(2024, 1, 12)]


def test_fred_spread_that_crosses_zero_is_refused_not_filed_without_its_negative_days(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A close at or below 0 was dropped as if it were FRED's '.': T10Y2Y was filed
    2022-06-28 .. 2022-07-01, 4 of its 13 values, the inversion gone, and 'T10Y2Y < 0'
    never held. It is refused as a data file and an import refuse it, and nothing is cached."""
    from eventstudy.data.cache import Cache

    body = (
        b"observation_date,T10Y2Y\n2022-06-30,0.06\n2022-07-01,0.04\n2022-07-04,.\n2022-07-05,-0.01\n"
        b"2022-07-06,-0.04\n2022-07-07,0.00\n2022-07-08,0.03\n"
    )
    monkeypatch.setattr(fred_module, "urlopen", RecordedFred(body))
    with pytest.raises(ProviderError) as info:
        Cache(tmp_path).pull("T10Y2Y", "fred")
    text = info.value.render()
    assert "fred 'T10Y2Y' returned a close at or below 0: -0.01 on 2022-07-05 (and 2 more, the last on 2022-07-07)" in text
    assert "'DGS10 - DGS2 < 0'" in text
    assert Cache(tmp_path).symbols() == []


def test_fred_old_header_and_dot_for_missing() -> None:
    frame = fred_module.parse_fred_csv((FIXTURES / "fred_old_header.csv").read_bytes(), "DGS10")
    assert frame["close"].to_list() == [None, 3.95, 3.91, 3.99]


def test_fred_offline_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(request: Any, timeout: float | None = None) -> Any:
        raise URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(fred_module, "urlopen", offline)
    with pytest.raises(OfflineError) as info:
        get_provider("fred").download("SP500")
    text = info.value.render()
    assert "cannot reach fred.stlouisfed.org for 'SP500'" in text
    assert "--data-dir" in text and "eventstudy data import" in text


def test_fred_answer_cut_off_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A connection dropped in the middle of FRED's answer ended in a traceback,
    'http.client.IncompleteRead: IncompleteRead(8192 bytes read, 4242 more expected)':
    http.client's errors are neither URLError nor OSError."""
    from http.client import IncompleteRead

    class CutOff(io.BytesIO):
        def read(self, *args: Any) -> bytes:
            raise IncompleteRead(b"observation_date,DGS10\n2024-01-02,3.9", 4242)

    monkeypatch.setattr(fred_module, "urlopen", lambda request, timeout=None: CutOff())
    with pytest.raises(OfflineError) as info:
        get_provider("fred").download("DGS10")
    assert info.value.message == "fred.stlouisfed.org's answer for 'DGS10' was cut off (IncompleteRead): nothing was kept"
    assert "pull again" in (info.value.hint or "")


def test_fred_unknown_series(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_found(request: Any, timeout: float | None = None) -> Any:
        raise HTTPError(request.full_url, 404, "Not Found", {}, None)  # type: ignore[arg-type]

    monkeypatch.setattr(fred_module, "urlopen", not_found)
    with pytest.raises(ProviderError, match="fred has no series 'NOPE'"):
        get_provider("fred").download("NOPE")


@pytest.mark.parametrize(("code", "reason", "message", "advice"), [
    (429, "Too Many Requests", "fred refused to answer for 'DGS10': too many requests (HTTP 429)", "wait a minute and pull again"),
    (503, "Service Unavailable", "fred answered HTTP 503 for 'DGS10': Service Unavailable (a failure on FRED's side)", "try again later"),
])
def test_fred_rate_limit_and_server_failure_say_to_wait(monkeypatch: pytest.MonkeyPatch, code: int, reason: str, message: str, advice: str) -> None:
    """HTTP 429 and 5xx read 'fred answered HTTP 429 for 'DGS10': Too Many Requests' with
    no hint: nothing said it passes, nor what serves meanwhile."""
    def refuse(request: Any, timeout: float | None = None) -> Any:
        raise HTTPError(request.full_url, code, reason, {}, None)  # type: ignore[arg-type]

    monkeypatch.setattr(fred_module, "urlopen", refuse)
    with pytest.raises(ProviderError) as info:
        get_provider("fred").download("DGS10")
    assert info.value.message == message
    assert advice in (info.value.hint or "") and "eventstudy data import" in (info.value.hint or "")


def test_fred_web_page_instead_of_csv() -> None:
    with pytest.raises(ProviderError, match="web page, not CSV"):
        fred_module.parse_fred_csv(b"<!DOCTYPE html><html>error</html>", "NOPE")


# --------------------------------------------------------------------------- Yahoo


def test_yahoo_reads_a_recorded_history(monkeypatch: pytest.MonkeyPatch) -> None:
    module, calls = fake_yfinance(recorded_yahoo())
    monkeypatch.setitem(sys.modules, "yfinance", module)
    frame = get_provider("yahoo").download("SPX")
    symbol, options = calls[0]
    assert symbol == "^GSPC"
    assert options["period"] == "max" and "start" not in options
    assert options["auto_adjust"] is False and options["interval"] == "1d"
    assert frame.columns == ["date", "close", "open", "high", "low", "volume"]
    # float32 index levels are rounded back to the published 2 decimals
    assert frame.row(0) == (dt.date(2024, 1, 2), 4742.83, 4745.2, 4754.33, 4722.67, 3743050000.0)
    assert frame.height == 7


def test_yahoo_yields_keep_their_third_decimal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Levels of '^' symbols were rounded to 2 decimals, right for ^GSPC's 6173.07 but not
    for yields quoted with three: ^TNX's 4.237 read 4.24, 4.231 the same as 4.235, and ^IRX's
    0.003 (a bill yield of 2011-2015) read 0.0, a close the loader refuses. Each level is
    now the shortest decimal its float32 stands for."""
    f32 = [4.237, 4.231, 0.003, 6173.07]
    history = FakeHistory({
        "index": ["2024-01-02T00:00:00-05:00", "2024-01-03T00:00:00-05:00", "2024-01-04T00:00:00-05:00", "2024-01-05T00:00:00-05:00"],
        "columns": ["Close"],
        "data": [[float(np.float32(v))] for v in f32],
    })
    module, _ = fake_yfinance(history)
    monkeypatch.setitem(sys.modules, "yfinance", module)
    assert get_provider("yahoo").download("^TNX")["close"].to_list() == f32


def test_yahoo_start_and_exclusive_end(monkeypatch: pytest.MonkeyPatch) -> None:
    module, calls = fake_yfinance(recorded_yahoo())
    monkeypatch.setitem(sys.modules, "yfinance", module)
    frame = get_provider("yahoo").download("SPX", dt.date(2024, 1, 4), dt.date(2024, 1, 8))
    options = calls[0][1]
    assert options["start"] == "2024-01-04" and options["end"] == "2024-01-09" and "period" not in options
    assert frame["date"].to_list() == [dt.date(2024, 1, 4), dt.date(2024, 1, 5), dt.date(2024, 1, 8)]


def test_yahoo_without_yfinance_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "yfinance", None)  # makes `import yfinance` fail
    with pytest.raises(ProviderError) as info:
        get_provider("yahoo").download("SPX")
    text = info.value.render()
    assert "needs the optional package 'yfinance'" in text
    assert "pip install 'eventstudy[yahoo]'" in text


def test_a_missing_package_stops_data_pull_as_it_stops_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> None:
    """`data pull` and `run --pull` without yfinance: the same message, the same exit code
    (a user error, 2), once, however many symbols were asked for (issue 14, bug 4)."""
    from eventstudy.cli import main

    monkeypatch.setitem(sys.modules, "yfinance", None)
    code = main(["data", "pull", "SPX", "RUT", "--cache-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("needs the optional package 'yfinance'") == 1


def test_a_series_the_cache_refuses_does_not_stop_data_pull_of_the_others(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> None:
    """'data pull BAD SPX' where the source's BAD history breaks the price rules the cache
    checks (a negative volume): the DataError ended the command, SPX never pulled. It is
    BAD's failure alone, as an unknown symbol is: said, SPX pulled, exit 1."""
    from eventstudy.cli import main

    split = json.loads((FIXTURES / "yahoo_gspc.json").read_text())
    volume = split["columns"].index("Volume")
    broken = {**split, "data": [[*row[:volume], -1.0, *row[volume + 1:]] if i == 2 else row for i, row in enumerate(split["data"])]}
    module, _ = fake_yfinance(recorded_yahoo())
    good_ticker = module.Ticker  # type: ignore[attr-defined]

    class Ticker(good_ticker):  # type: ignore[misc, valid-type]
        def history(self, **kwargs: Any) -> Any:
            return FakeHistory(broken) if self.symbol == "BAD" else super().history(**kwargs)

    module.Ticker = Ticker  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "yfinance", module)
    code = main(["data", "pull", "BAD", "SPX", "--cache-dir", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 1 and "'BAD'" in captured.err and "volume" in captured.err, captured.err
    assert "SPX: yahoo '^GSPC'" in captured.out


def test_yahoo_connection_error_is_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    module, _ = fake_yfinance(error=ConnectionError("Could not resolve host: query2.finance.yahoo.com"))
    monkeypatch.setitem(sys.modules, "yfinance", module)
    with pytest.raises(OfflineError, match="cannot reach yahoo finance for '\\^GSPC': Could not resolve host"):
        get_provider("yahoo").download("SPX")


def test_yahoo_offline_message_drops_curl_boilerplate(monkeypatch: pytest.MonkeyPatch) -> None:
    curl = OSError(
        "Failed to perform, curl: (6) Could not resolve host: query2.finance.yahoo.com. "
        "See https://curl.se/libcurl/c/libcurl-errors.html first for more details."
    )
    module, _ = fake_yfinance(error=curl)
    monkeypatch.setitem(sys.modules, "yfinance", module)
    with pytest.raises(OfflineError) as info:
        get_provider("yahoo").download("RUT")
    assert info.value.message == "cannot reach yahoo finance for '^RUT': Could not resolve host: query2.finance.yahoo.com"


def test_yahoo_rate_limit_is_not_called_an_unknown_symbol(monkeypatch: pytest.MonkeyPatch) -> None:
    """yfinance's YFRateLimitError read 'yahoo finance has no daily prices for '^GSPC':
    Too Many Requests. Rate limited. Try after a while.' with 'hint: check the symbol as
    Yahoo spells it': a known symbol was called unknown, and the user sent to fix it."""
    class YFRateLimitError(Exception):  # as yfinance.exceptions names it
        def __init__(self) -> None:
            super().__init__("Too Many Requests. Rate limited. Try after a while.")

    module, _ = fake_yfinance(error=YFRateLimitError())
    monkeypatch.setitem(sys.modules, "yfinance", module)
    with pytest.raises(ProviderError) as info:
        get_provider("yahoo").download("SPX")
    text = info.value.render()
    assert "yahoo finance refused to answer for '^GSPC': too many requests (Too Many Requests. Rate limited." in text
    assert "no daily prices" not in text and "check the symbol" not in text
    assert "wait a few minutes and pull again" in text


def test_yahoo_unknown_symbol(monkeypatch: pytest.MonkeyPatch) -> None:
    module, _ = fake_yfinance(error=RuntimeError("$NOPE: possibly delisted; no price data found"))
    monkeypatch.setitem(sys.modules, "yfinance", module)
    with pytest.raises(ProviderError, match="yahoo finance has no daily prices for 'NOPE'"):
        get_provider("yahoo").download("NOPE")
    empty = FakeHistory({"index": [], "columns": ["Close"], "data": []})
    module, _ = fake_yfinance(empty)
    monkeypatch.setitem(sys.modules, "yfinance", module)
    with pytest.raises(ProviderError, match="returned no prices for 'NOPE'"):
        get_provider("yahoo").download("NOPE")
