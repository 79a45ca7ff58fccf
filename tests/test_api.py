"""The public surface: what a notebook imports from ``eventstudy`` itself (issue 16)."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import eventstudy


def test_every_public_name_resolves_and_the_list_is_sorted() -> None:
    assert eventstudy.__all__ == sorted(eventstudy.__all__)
    for name in eventstudy.__all__:
        assert getattr(eventstudy, name) is not None, name
    assert set(eventstudy.__all__) <= set(dir(eventstudy))


def test_dir_offers_the_api_not_the_package_imports() -> None:
    """A notebook's tab completion on ``eventstudy.`` lists the API, not what ``__init__``
    imports for itself."""
    names = set(dir(eventstudy))
    assert not {"TYPE_CHECKING", "annotations", "lazy_attributes", "_lazy"} & names
    assert {"run", "load_study", "__version__"} <= names


@pytest.mark.parametrize(
    "name", ["run", "run_sweep", "load_study", "check_data", "import_file", "get_executor", "write_report", "html_report"]
)
def test_the_workflow_is_reachable_without_submodules(name: str) -> None:
    assert callable(getattr(eventstudy, name))


@pytest.mark.parametrize("function", ["run", "run_study", "run_sweep"])
def test_runs_take_explicit_keywords_only(function: str) -> None:
    """No ``**overrides``: a misspelt or loader option is a TypeError, not passed on quietly."""
    signature = inspect.signature(getattr(eventstudy, function))
    kinds = {p.kind for p in signature.parameters.values()}
    assert inspect.Parameter.VAR_KEYWORD not in kinds
    assert {"placebos", "seed", "null", "alpha", "ci", "histories", "block_length"} <= set(signature.parameters)


def test_an_unknown_keyword_is_refused_before_any_work() -> None:
    with pytest.raises(TypeError, match="delimiter"):
        eventstudy.run("configs/does-not-matter.yaml", delimiter=";")  # type: ignore[call-arg]


def test_importing_the_package_loads_no_pipeline() -> None:
    """``import eventstudy`` (and ``eventstudy --help``) must not pay for polars or scipy."""
    code = "import sys, eventstudy; print(sorted(m for m in ('polars', 'scipy', 'numpy', 'eventstudy.study') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


STUDY = """\
name: api study
series: {A: AAA}
when: A at 5-day high
window: {start: 2020-01-01}
decluster: {gap: 5}
evaluate:
  - forward_returns: {assets: [A], horizons: [5d]}
statistics: {placebos: 0}
"""


@pytest.fixture
def prices() -> dict[str, object]:
    import datetime as dt

    import numpy as np
    import polars as pl

    days = [dt.date(2019, 6, 3) + dt.timedelta(days=i) for i in range(400)]
    close = 100 * np.exp(np.cumsum(np.random.default_rng(0).normal(0.0003, 0.01, len(days))))
    return {"AAA": pl.DataFrame({"date": days, "close": close})}


def test_a_window_given_from_python_is_read_as_the_command_line_reads_it(prices: dict[str, object]) -> None:
    """A datetime (a pandas Timestamp is one) is its day; it had ended in "unsupported operand
    type(s) for -: 'datetime.datetime' and 'datetime.date'"."""
    import datetime as dt

    study = eventstudy.parse_study(STUDY)
    by_date = eventstudy.run(study, data=prices, start=dt.date(2020, 3, 2), end="2020-05-29")
    by_datetime = eventstudy.run(study, data=prices, start=dt.datetime(2020, 3, 2, 9, 30), end=dt.datetime(2020, 5, 29))
    assert by_datetime.start == dt.date(2020, 3, 2) and by_datetime.events.equals(by_date.events)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"start": "2020-13-01"}, "start is '2020-13-01', not a date"),  # was: ValueError 'month must be in 1..12'
        ({"end": 2020}, "end is of type int, not a date"),  # was: TypeError 'fromisoformat: argument must be str'
        ({"start": "2020-06-01", "end": "2020-03-01"}, "the window's start 2020-06-01 is after its end 2020-03-01"),  # was: 'has no data'
    ],
)
def test_a_bad_window_from_python_says_what_is_wrong(prices: dict[str, object], options: dict[str, object], message: str) -> None:
    with pytest.raises(eventstudy.ConfigError, match=message):
        eventstudy.run(eventstudy.parse_study(STUDY), data=prices, **options)  # type: ignore[arg-type]


def test_data_that_is_not_a_mapping_of_frames_says_what_is_wanted(prices: dict[str, object]) -> None:
    """One frame had been searched as if its columns were symbols: 'no frame for 'AAA' in
    data= (it holds shape: (400,) Series: 'date' ...' and every date after it."""
    with pytest.raises(eventstudy.DataError, match="data= is a DataFrame, not a mapping of symbol to frame") as info:
        eventstudy.run(eventstudy.parse_study(STUDY), data=prices["AAA"])  # type: ignore[arg-type]
    assert "data={'AAA': aaa_frame}" in (info.value.hint or "")


@pytest.mark.parametrize(("options", "message"), [
    ({"study": 5}, "study is of type int"), ({"when": 5}, "when is of type int"),
    ({"executor": "processes"}, r"executor is of type str: give one from eventstudy\.executor\.get_executor\(\)"),  # was ignored
    ({"paths": "no"}, r"paths is 'no': give True or False"), ({"pull": "yes"}, r"pull is 'yes': give True or False"),  # a true string
])
def test_a_study_or_condition_of_the_wrong_type_is_named(options: dict[str, object], message: str) -> None:
    study = options.pop("study", "configs/spx_rut.yaml")
    with pytest.raises(TypeError, match=message):
        eventstudy.run(study, **options)  # type: ignore[arg-type]


def test_a_condition_given_inline_is_the_one_an_error_points_at(prices: dict[str, object], tmp_path: Path) -> None:
    """A refusal found once the data are read was placed on the study file's 'when:' line:
    'study.yaml:3:7: error: the feature 'volume' needs the day's volume ...' under
    'when: A at 5-day high', a condition that reads no volume. It shows the condition given."""
    path = tmp_path / "study.yaml"
    path.write_text(STUDY, encoding="utf-8")
    with pytest.raises(eventstudy.DataError) as error:
        eventstudy.run(path, data=prices, when="A at 5-day high and A volume > 0")
    shown = error.value.render()
    assert "study.yaml" not in shown and "5-day high and A volume > 0\n" in shown
    assert shown.splitlines()[2] == " " * 24 + "^" * len("A volume")
    path.write_text(STUDY.replace("when: A at 5-day high", "when: A volume > 0"), encoding="utf-8")
    with pytest.raises(eventstudy.DataError) as error:  # the file's own condition is still placed in the file
        eventstudy.run(path, data=prices)
    assert error.value.render().startswith(f"{path}:3:7: error: the feature 'volume'")


def test_a_condition_given_inline_names_only_declared_events(prices: dict[str, object]) -> None:
    """'on fomc' with no 'events:' ended in polars' 'unable to find column "on:fomc"'."""
    with pytest.raises(eventstudy.UnknownNameError, match="unknown events 'fomc'") as error:
        eventstudy.run(eventstudy.parse_study(STUDY), data=prices, when="A at 5-day high and on fomc")
    assert "events: {fomc: fomc.csv}" in (error.value.hint or "")
    assert error.value.render().splitlines()[1].strip() == "A at 5-day high and on fomc"


def test_data_too_short_for_the_histories_says_how_short() -> None:
    """Two days of data: the run said 'a history needs at least three days of the study's
    series', naming neither the series nor how many days it had. (The histories null asked
    for: by default such a calendar takes the runs null, test_engine.py says.)"""
    import datetime as dt

    import polars as pl

    data = {"AAA": pl.DataFrame({"date": [dt.date(2024, 1, 2), dt.date(2024, 1, 3)], "close": [100.0, 101.0]})}
    study = eventstudy.parse_study(STUDY.replace("statistics: {placebos: 0}", "statistics: {histories: 20, null: histories}"))
    with pytest.raises(eventstudy.DataError) as info:
        eventstudy.run(study, data=data)
    assert info.value.message == (
        "the resampled histories need at least three days of the study's series, and A has 2 on the study calendar"
    )


def test_a_study_built_or_copied_without_its_checks_is_refused(prices: dict[str, object]) -> None:
    """``Study(**mapping)`` skipped parse_study's checks and never read its evaluators: the run
    measured nothing (0 summary cells) and its verdict said 'none of its evaluators is tested:
    the path in event time only describes'. ``model_copy(update=...)`` validates nothing
    either: a new ``evaluate`` list was ignored (the summary kept the checked horizons), a
    sweep ran the checked condition under the copy's, and a mapping for ``decluster`` ended
    in "'dict' object has no attribute 'gap'"."""
    import yaml

    mapping = yaml.safe_load(STUDY)
    with pytest.raises(eventstudy.ConfigError, match="this Study was built directly") as info:
        eventstudy.run(eventstudy.Study(**mapping), data=prices)
    assert "parse_study(yaml.safe_dump(mapping))" in (info.value.hint or "")
    study = eventstudy.parse_study(yaml.safe_dump(mapping))
    assert eventstudy.run(study, data=prices).summary["horizon"].to_list() == ["5d"]
    copies = [
        ("evaluate", study.model_copy(update={"evaluate": [{"forward_returns": {"assets": ["A"], "horizons": ["10d"]}}]})),
        ("decluster", study.model_copy(update={"decluster": {"gap": "10"}})),
        ("when", study.model_copy(update={"when": "A at 10-day high"})),
    ]
    for name, copy in copies:
        with pytest.raises(eventstudy.ConfigError, match=f"the study's '{name}' changed after it was checked"):
            eventstudy.run(copy, data=prices)
    with pytest.raises(eventstudy.ConfigError, match="the study's 'when' changed after it was checked"):
        eventstudy.run_sweep(copies[2][1], "gap=5,10", data_dir="nowhere")
    study.series["A"] = "BBB"  # an edit in place is a change too
    with pytest.raises(eventstudy.ConfigError, match="the study's 'series' changed after it was checked"):
        eventstudy.run(study, data=prices)
    inline = eventstudy.run(eventstudy.parse_study(STUDY), data=prices, when="A at 10-day high")  # the way to change it
    assert inline.condition == "A at 10-day high"


@pytest.mark.parametrize("function", ["write_report", "html_report", "render_markdown", "render_terminal"])
def test_a_report_of_a_sweep_says_where_its_tables_are(function: str, tmp_path: Path) -> None:
    """A notebook's write_report(sweep, 'out') ended in "AttributeError: 'SweepResult'
    object has no attribute 'study'" from inside the charts, render_markdown(sweep) the same
    from the Markdown; a sweep's tables are its ledger and confirmation."""
    import polars as pl

    sweep = eventstudy.SweepResult(ledger=pl.DataFrame({"gap": ["10"]}), verdict={})
    arguments = (tmp_path / "out",) if function == "write_report" else ()
    with pytest.raises(TypeError, match=f"{function} renders a study's result .* this is a SweepResult: its tables are result.ledger"):
        getattr(eventstudy, function)(sweep, *arguments)
    with pytest.raises(TypeError, match=f"result is of type NoneType: {function} renders what eventstudy.run returns"):
        getattr(eventstudy, function)(None, *arguments)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("options", "message"), [
    ({"top": "3"}, r"top is of type str: give the number of best cells as a whole number, e.g. top=5"),  # was: "'<' not supported ..."
    ({"top": 2.5}, r"top is of type float"),  # was run as if it were a count
    ({"statistic": None}, r"statistic is of type NoneType: give one of 'mean', 'median', 'pct_positive'"),  # was: "... no attribute 'lower'"
])
def test_a_sweep_option_of_the_wrong_type_is_named(options: dict[str, object], message: str) -> None:
    with pytest.raises(TypeError, match=f"^{message}"):
        eventstudy.run_sweep("configs/spx_rut.yaml", "gap=10,21", data_dir="nowhere", **options)  # type: ignore[arg-type]


def test_an_axis_given_as_a_list_is_named() -> None:
    """parse_axis(['gap=10']) ended in "'list' object has no attribute 'partition'"."""
    with pytest.raises(TypeError, match=r"^an axis is of type list: parse_axis takes one axis as text, e.g. 'gap=10,21cd,42'$"):
        eventstudy.parse_axis(["gap=10"])  # type: ignore[arg-type]


def test_a_report_of_prices_given_in_memory_says_where_they_came_from(prices: dict[str, object]) -> None:
    """A run on data= frames was reported as read from the download cache ('**Data:**
    download cache (2019-06-03 .. 2020-07-06)' in report.md, 'Data: download cache' on the
    terminal and in report.html), which it never opened."""
    result = eventstudy.run(eventstudy.parse_study(STUDY), data=prices)
    assert result.data_dir is None and result.sources == {}
    assert "- **Data:** frames in memory (data=) (2019-06-03 .. 2020-07-06)" in eventstudy.render_markdown(result)
    assert "download cache" not in eventstudy.html_report(result, charts=False)


def test_prices_given_in_memory_refuse_a_download_cache(prices: dict[str, object], tmp_path: Path) -> None:
    """``cache_dir=`` beside ``data=`` was ignored (the run read the frames and never looked
    at the cache), where ``data_dir=`` and ``pull=`` beside them are refused."""
    with pytest.raises(ValueError, match=r"^give the prices as data= or read them \(data_dir=, cache_dir=, pull=\), not both$"):
        eventstudy.run(eventstudy.parse_study(STUDY), data=prices, cache_dir=tmp_path / "cache")


@pytest.mark.parametrize(("options", "message"), [
    ({"study": "configs/spx_rut.yaml"}, r"^study is of type str: run_study takes a Study"),  # was: "'str' object has no attribute '_checked'"
    ({"executor": "threads"}, r"^executor is of type str: give one from eventstudy\.executor\.get_executor\(\)"),  # was ignored
])
def test_run_study_names_an_argument_of_the_wrong_type(prices: dict[str, object], options: dict[str, object], message: str) -> None:
    """``eventstudy.run_study`` is public beside ``run``, and took neither of run's checks: a
    path ended in an AttributeError, an executor's name was ignored by a study of named
    series (and ended in "'str' object has no attribute 'workers'" in a universe study)."""
    from eventstudy.frames import prices_from_frames

    study = options.pop("study", eventstudy.parse_study(STUDY))
    with pytest.raises(TypeError, match=message):
        eventstudy.run_study(study, prices=prices_from_frames(prices, ["AAA"], {"A": "AAA"}), **options)  # type: ignore[arg-type]


def test_a_study_given_as_text_says_its_paths_are_read_from_the_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """parse_study(text) has no file: its data.dir and events files are read relative to the
    current directory, and the messages said "relative to the study file's folder"."""
    monkeypatch.chdir(tmp_path)
    study = eventstudy.parse_study(STUDY + "data: {dir: nodata}\n")
    with pytest.raises(eventstudy.DataError) as error:
        eventstudy.run(study)
    assert error.value.message.endswith(
        f"named by data.dir 'nodata' in the study (relative to the current directory {str(tmp_path)!r}: a study given as text has no file)"
    )
    with pytest.raises(eventstudy.DataError) as error:
        eventstudy.parse_study(STUDY + "events: {fomc: fomc.csv}\n")
    assert error.value.hint == "give the file's path, absolute or relative to the current directory (a study given as text has no file)"


@pytest.mark.parametrize(("options", "message", "hint"), [
    ({"placebos": 0, "null": "runs"}, "null='runs' would be ignored: placebos=0 (statistics.placebos) skips every test",
     "drop null=, or drop placebos=0 to run the tests"),
    ({"placebos": 0, "histories": 50}, "histories= would be ignored: placebos=0 (statistics.placebos) skips every test",
     "drop histories=, or drop placebos=0 to run the tests"),
    ({"placebos": 50}, "placebos=50 would be ignored: the run's headline null is the histories null",
     "histories=N for the histories null's count, or null='runs' (matched, circular) with placebos="),
    ({"placebos": 50, "null": "runs", "histories": 50}, "histories= would be ignored: the run's headline null is the runs null (asked for)",
     "add null='histories' (statistics.null) to test on resampled histories, or drop histories="),
    ({"placebos": 50, "null": "dates"}, "the 'dates' null is a universe study's", "null='histories', runs, matched or circular (or statistics.null)"),
    ({"start": "2020-06-01", "end": "2020-03-01"}, "the window's start 2020-06-01 is after its end 2020-03-01",
     "change 'window:' in the study or start=/end="),
])
def test_an_api_error_names_the_keyword_not_the_command_line_flag(prices: dict[str, object], options: dict[str, object], message: str, hint: str) -> None:
    """eventstudy.run(placebos=0, null='runs') was refused with '--null runs would be ignored:
    --placebos 0 ...', flags a notebook never typed; the command line keeps its flags
    (test_cli's test_a_count_the_null_does_not_draw_is_refused), from the same messages."""
    with pytest.raises(eventstudy.EventStudyError) as info:
        eventstudy.run(eventstudy.parse_study(STUDY), data=prices, **options)  # type: ignore[arg-type]
    assert info.value.message.startswith(message) and info.value.hint == hint
    assert "--" not in info.value.message + (info.value.hint or "")


def test_a_sweep_error_names_the_keyword_not_the_command_line_flag() -> None:
    with pytest.raises(eventstudy.ConfigError) as info:
        eventstudy.run_sweep("configs/spx_rut.yaml", "gap=10,21", data_dir="nowhere", top=0, confirm_from="2010-01-01")
    assert info.value.hint == "give top=1 or more, or drop confirm_from= to rank the grid on the whole window"
    with pytest.raises(eventstudy.ConfigError) as info:
        eventstudy.run_sweep("configs/spx_rut.yaml", "gap=10,21", data_dir="nowhere", null="histories")
    assert "--" not in info.value.message + (info.value.hint or "") and "(confirm_from=)" in info.value.message
