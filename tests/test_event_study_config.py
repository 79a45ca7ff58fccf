"""The ``event_study:`` block of a study file: valid forms, and a located message for each mistake."""

from __future__ import annotations

import pytest

from eventstudy.config import parse_study
from eventstudy.errors import ConfigError, EventStudyError, UnknownNameError
from eventstudy.inference.abnormal import EstimationWindow, EventWindow, check_windows

SERIES = """\
name: event study
series: {SPX: SPX, RUT: RUT}
when: SPX at ATH
evaluate:
  - forward_returns: {assets: [SPX], horizons: [1m]}
event_study:
"""

UNIVERSE = """\
name: universe event study
series: {SPX: SPX}
universe: [AAA, BBB]
when: close at 20-day high
evaluate:
  - forward_returns: {horizons: [1m]}
event_study:
"""


def study(block: str, head: str = SERIES):
    return parse_study(head + block, path="study.yaml")


def render(block: str, head: str = SERIES, kind: type[EventStudyError] = ConfigError) -> list[str]:
    with pytest.raises(kind) as info:
        study(block, head)
    return info.value.render().splitlines()


def test_a_full_block_validates() -> None:
    spec = study(
        "  window: [-10, 20]\n  estimation: [-250, -30]\n  min_estimation_days: 120\n  model: market\n  market: SPX\n"
        "  cars: [[-1, 1], [0, 5], [0, 20], [-10, -2]]\n  tests: [t, patell, bmp]\n"
    ).event_study
    assert spec is not None
    assert spec.window == (-10, 20) and spec.estimation == (-250, -30) and spec.min_estimation_days == 120
    assert spec.car_windows == [(-1, 1), (0, 5), (0, 20), (-10, -2)]
    assert spec.test_names == ["t", "patell", "bmp"]


def test_defaults_run_every_test_on_the_day_the_three_days_and_the_window() -> None:
    spec = study("  market: SPX\n").event_study
    assert spec is not None and spec.model == "market" and spec.window == (-10, 20)
    assert spec.car_windows == [(0, 0), (-1, 1), (-10, 20)]
    assert spec.test_names[0] == "t" and "kolari_pynnonen" in spec.test_names
    assert study("  window: [0, 5]\n  market: SPX\n").event_study.car_windows == [(0, 0), (0, 5)]  # type: ignore[union-attr]


def test_a_factor_model_and_a_universe() -> None:
    spec = study("  model: factor\n  factors: carhart\n", UNIVERSE).event_study
    assert spec is not None and spec.factor_columns == ("mkt_rf", "smb", "hml", "mom")
    listed = study("  model: factor\n  factors: [SPX]\n").event_study  # RUT studied on SPX's returns
    assert listed is not None and listed.factor_columns == ()
    assert study("  model: mean\n", UNIVERSE).event_study is not None


def test_the_schema_lists_the_block() -> None:
    from eventstudy.schema import study_schema

    assert "event_study" in study_schema()["properties"]


def test_overlapping_windows_are_refused_at_the_estimation_window() -> None:
    lines = render("  window: [-10, 20]\n  estimation: [-250, -5]\n  market: SPX\n")
    assert lines[0] == "study.yaml:8:15: error: the estimation window [-250, -5] overlaps the event window [-10, 20]"
    assert lines[1] == "      estimation: [-250, -5]" and lines[2].index("^") == lines[1].index("[")
    assert "end the estimation window before day -10" in lines[3]


def test_an_estimation_window_after_the_event_window_is_not_said_to_overlap_it() -> None:
    """Regression: 'estimation: [30, 100]' with the window [-10, 20] read 'the estimation
    window [30, 100] overlaps the event window [-10, 20]': the two share no day. It is
    refused (the model is fitted before the event) with what is wrong with it."""
    lines = render("  window: [-10, 20]\n  estimation: [30, 100]\n  market: SPX\n")
    assert lines[0] == "study.yaml:8:15: error: the estimation window [30, 100] comes after the event window [-10, 20]"
    assert "end the estimation window before day -10" in lines[3]
    with pytest.raises(ConfigError, match=r"\[30, 100\] comes after the event window"):
        check_windows(EventWindow(-10, 20), EstimationWindow(30, 100))


@pytest.mark.parametrize(
    ("block", "first", "hint"),
    [
        ("  window: [5, -5]\n  market: SPX\n", "study.yaml:7:11: error: bad value for 'event_study.window': the window [5, -5] is empty", "[-10, 20]"),
        ("  window: [-10]\n  market: SPX\n", "study.yaml:7:11: error: bad value for 'event_study.window': a window is two days [first, last]", "[-10, 20]"),
        ("  market: SPX\n  cars: [[-1, 1], 5]\n", "study.yaml:8:9: error: bad value for 'event_study.cars': each CAR window is two days", "[[-1, 1], [0, 5]]"),
        ("  window: [-1.5, 3]\n  market: SPX\n", "study.yaml:7:12: error: bad value -1.5 for 'event_study.window.0'", None),
        ("  model: markt\n  market: SPX\n", "study.yaml:7:10: error: bad value 'markt' for 'event_study.model'", None),
        ("  model: market\n", "study.yaml:7:10: error: the 'market' model needs 'market'", "market: SPX"),
        ("  market: SPY\n", "study.yaml:7:11: error: unknown series 'SPY' in event_study (did you mean 'SPX'?)", "SPX, RUT"),
        ("  model: mean\n  market: SPX\n", "study.yaml:8:11: error: 'market' is not used by the 'mean' model", "model: market"),
        ("  model: factor\n", "study.yaml:7:10: error: the 'factor' model needs 'factors'", "ff3, ff5, carhart"),
        ("  model: factor\n  factors: ff4\n", "study.yaml:8:12: error: unknown factor set 'ff4' (did you mean 'ff5'?)", "ff3, ff5, carhart"),
        ("  model: factor\n  factors: [SPX, NDX]\n", "study.yaml:8:18: error: unknown series 'NDX' in event_study", "SPX, RUT"),
        ("  market: SPX\n  factors: ff3\n", "study.yaml:8:12: error: 'factors' is not used by the 'market' model", "model: factor"),
        ("  market: SPX\n  cars: [[-1, 1], [0, 30]]\n", "study.yaml:8:19: error: the CAR window [0, 30] is not inside the event window [-10, 20]", "-10 <= first"),
        ("  market: SPX\n  min_estimation_days: 500\n", "study.yaml:8:24: error: min_estimation_days 500 is more than the estimation window's 221 days", "at most 221"),
        ("  market: SPX\n  tests: [t, bmpp]\n", "study.yaml:8:14: error: unknown event-study test 'bmpp' (did you mean 'bmp'?)", "kolari_pynnonen"),
        ("  market: SPX\n  tests: []\n", "study.yaml:8:10: error: bad value for 'event_study.tests': no tests listed", None),
        ("  market: SPX\n  cars: []\n", "study.yaml:8:9: error: bad value for 'event_study.cars': no CAR windows listed", "leave 'cars' out"),
        ("  market: SPX\n  assets: [SPX]\n", "study.yaml:8:12: error: 'SPX' is the market: its abnormal return against itself is zero", "other series"),
        ("  model: factor\n  factors: [SPX]\n  assets: [SPX]\n", "study.yaml:9:12: error: 'SPX' is one of the factors: its abnormal return against itself is zero", "other series"),
        ("  model: factor\n  factors: [SPX, RUT]\n", "study.yaml:8:12: error: no series to study: 'SPX', 'RUT' the factors, and there is no other series", "add the series"),
        ("  market: SPX\n  windw: [-1, 1]\n", "study.yaml:8:3: error: unknown key 'windw' in event_study (did you mean 'window'?)", "valid keys:"),
        # an estimation window too short for the model: validate said ok, and the run excluded every event
        ("  estimation: [-14, -11]\n  market: SPX\n",
         "study.yaml:7:15: error: the estimation window [-14, -11] has 4 days: the 'market' model needs at least 5 (2 parameters + 3 residual degrees of freedom), or every event is excluded",
         "make it 5 days or more, e.g. [-15, -11]"),
        ("  estimation: [-13, -11]\n  model: market_adjusted\n  market: SPX\n",
         "study.yaml:7:15: error: the estimation window [-13, -11] has 3 days: the 'market_adjusted' model needs at least 4 (the residuals' mean + 3", "e.g. [-14, -11]"),
        ("  estimation: [-18, -11]\n  model: factor\n  factors: ff5\n",
         "study.yaml:7:15: error: the estimation window [-18, -11] has 8 days: the 'factor' model needs at least 9 (6 parameters + 3", "e.g. [-19, -11]"),
        ("  estimation: [-14, -11]\n  model: factor\n  factors: [SPX]\n  assets: [RUT]\n",
         "study.yaml:7:15: error: the estimation window [-14, -11] has 4 days: the 'factor' model needs at least 5 (2 parameters + 3", None),
    ],
)
def test_each_mistake_is_located_with_what_would_be_valid(block: str, first: str, hint: str | None) -> None:
    lines = render(block, kind=EventStudyError)
    assert lines[0].startswith(first), lines
    assert "^" in lines[2]
    if hint is not None:
        assert hint in "\n".join(lines[3:]), lines


@pytest.mark.parametrize("value", ["[-30, -250]", "[-250]"])
def test_a_malformed_estimation_window_is_shown_an_estimation_window(value: str) -> None:
    """Regression: 'estimation: [-30, -250]' (or '[-250]') was told 'e.g. [-10, 20]', the
    default event window, which as an estimation window overlaps it and is refused in
    turn. The hint now shows an estimation window, the default [-250, -30]."""
    lines = render(f"  estimation: {value}\n  market: SPX\n")
    assert lines[0].startswith("study.yaml:7:15: error: bad value for 'event_study.estimation'"), lines
    assert "[-250, -30]" in lines[3] and "[-10, 20]" not in lines[3], lines


@pytest.mark.parametrize(
    ("block", "first"),
    [
        ("  market: SPX\n  assets: [RUT, RUT]\n", "study.yaml:8:17: error: 'RUT' is listed twice in 'assets'"),
        ("  model: factor\n  factors: [SPX, SPX]\n  assets: [RUT]\n", "study.yaml:8:18: error: 'SPX' is listed twice in 'factors'"),
    ],
)
def test_a_series_listed_twice_is_refused_where_it_is_repeated(block: str, first: str) -> None:
    """Regression: 'assets: [RUT, RUT]' studied each RUT event twice: 10 events of 5 dates,
    the cross-sectional t +2.06 for +1.37 and BMP p 0.029 for 0.160, and the instance table
    11 rows for 6 dates. 'factors: [SPX, SPX]' excluded every event as 'singular estimation
    design' without saying why."""
    lines = render(block)
    assert lines[0].startswith(first), lines
    assert "^" in lines[2]


def test_assets_that_read_one_symbol_twice_or_the_markets_are_refused() -> None:
    """Regression: 'assets: [RUT, R2]' with 'series: {..., RUT: RUT, R2: RUT}' studied one
    data symbol twice (each RUT event counted twice), and 'assets: [S]' with 'S: SPX'
    studied the market against itself; both are refused where they are written (the
    default assets: tests/test_event_study.py)."""
    head = SERIES.replace("series: {SPX: SPX, RUT: RUT}", "series: {SPX: SPX, S: SPX, RUT: RUT, R2: RUT}")
    lines = render("  market: SPX\n  assets: [RUT, R2]\n", head)
    assert lines[0].startswith("study.yaml:8:17: error: 'R2' reads RUT's data, as 'RUT' does"), lines
    lines = render("  market: SPX\n  assets: [S]\n", head)
    assert lines[0].startswith("study.yaml:8:12: error: 'S' reads the market's data (SPX)"), lines


def test_a_reversed_car_window_is_called_empty_not_outside() -> None:
    """Regression: 'cars: [[5, 1]]' read 'the CAR window [5, 1] is not inside the event
    window [-10, 20]', though both its days are; it is empty (written last day first), as
    the event window's own check says of '[5, -5]'."""
    lines = render("  market: SPX\n  cars: [[-1, 1], [5, 1]]\n")
    assert lines[0] == "study.yaml:8:19: error: the CAR window [5, 1] is empty", lines
    assert "e.g. [1, 5]" in lines[3]


def test_unknown_series_is_an_unknown_name_error() -> None:
    render("  market: SPY\n", kind=UnknownNameError)


def test_a_universe_study_has_no_assets_and_needs_its_market_declared() -> None:
    lines = render("  market: SPX\n  assets: [SPX]\n", UNIVERSE)
    assert lines[0].startswith("study.yaml:9:11: error: 'assets' is for studies of named series")
    lines = render("  market: RUT\n", UNIVERSE, kind=UnknownNameError)
    assert lines[0].startswith("study.yaml:8:11: error: unknown series 'RUT' in event_study")


def test_only_the_market_as_a_named_series_is_refused() -> None:
    lines = render("  market: SPX\n", SERIES.replace("{SPX: SPX, RUT: RUT}", "{SPX: SPX}"))
    assert lines[0].startswith("study.yaml:7:11: error: no series to study: 'SPX' is the market, and there is no other series")


NO_EVALUATOR = """\
name: event study only
series: {SPX: SPX}
universe: [AAA, BBB]
when: close at 20-day high
"""


def test_evaluate_is_optional_with_an_event_study_and_required_without() -> None:
    only = study("event_study:\n  market: SPX\n", NO_EVALUATOR)
    assert only.evaluate == [] and only.evaluators == [] and only.event_study is not None
    assert study("evaluate: []\nevent_study:\n  market: SPX\n", NO_EVALUATOR).evaluators == []
    assert render("", NO_EVALUATOR)[:3] == [
        "study.yaml:1:1: error: missing required key 'evaluate' in the study",
        "    name: event study only",
        "    ^",
    ]
    lines = render("evaluate: []\n", NO_EVALUATOR)
    assert lines[0] == "study.yaml:5:11: error: bad value for 'evaluate': list should have at least 1 item after validation, not 0"
    assert lines[-1] == "  hint: list an evaluator, e.g. '- forward_returns: {assets: [SPX], horizons: [1m]}', or add an event_study: block"


def test_a_study_built_in_code_needs_something_to_measure() -> None:
    from pydantic import ValidationError

    from eventstudy.config import Study

    with pytest.raises(ValidationError, match="the study measures nothing"):
        Study(name="x", series={"SPX": "SPX"}, when="SPX at ATH")
    assert Study(name="x", series={"SPX": "SPX"}, when="SPX at ATH", event_study={"market": "SPX"}).evaluate == []


def test_the_study_file_offers_exactly_the_models_the_numerics_run() -> None:
    """config.EventModel is written out (validating a study must not import numpy); it
    must name the models of eventstudy.inference.abnormal, no more and no fewer."""
    from typing import get_args

    from eventstudy.config import EventModel, EventStudySpec
    from eventstudy.inference.abnormal import MODELS

    assert get_args(EventModel) == MODELS
    assert EventStudySpec.model_fields["model"].annotation == EventModel


def test_validating_a_study_without_the_block_does_not_import_numpy() -> None:
    """Why EventModel is written out in config: every validate imports config, and a study
    without an event_study block must not pay for numpy (the block's own checks import
    the tests' names, and with them numpy and scipy, only when it is there)."""
    import subprocess
    import sys

    code = (
        "import sys\nfrom eventstudy.config import parse_study\n"
        "parse_study('name: x\\nseries: {SPX: SPX}\\nwhen: SPX at ATH\\n"
        "evaluate:\\n  - forward_returns: {assets: [SPX], horizons: [1m]}\\n')\n"
        "print('numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


@pytest.mark.parametrize(("model", "factors"), [("mean", 0), ("market_adjusted", 0), ("market", 0), ("factor", 1), ("factor", 3), ("factor", 5)])
def test_the_shortest_estimation_window_validate_accepts_is_the_shortest_the_run_fits(model: str, factors: int) -> None:
    """validate refuses an estimation window shorter than the run's minimum and accepts
    that minimum: at it, the run fits every event; one day shorter, it excludes every
    one as 'too few estimation days' (eventstudy.estimation states the rule once)."""
    import numpy as np

    from eventstudy.estimation import fewest_estimation_days, model_parameters
    from eventstudy.inference.abnormal import TOO_FEW_DAYS, abnormal_returns

    need = fewest_estimation_days(model_parameters(model, factors))
    block = {"mean": "  model: mean\n", "market_adjusted": "  model: market_adjusted\n  market: SPX\n", "market": "  market: SPX\n"}
    names = ["SPX", "RUT", "NDX", "DJI", "VIX", "TNX"]
    head = SERIES.replace("{SPX: SPX, RUT: RUT}", "{" + ", ".join(f"{n}: {n}" for n in names) + "}")
    spec = block.get(model, f"  model: factor\n  factors: [{', '.join(names[1 : 1 + factors])}]\n  assets: [SPX]\n")
    for length, ok in ((need, True), (need - 1, False)):
        text = f"  window: [-2, 2]\n  estimation: [{-3 - length + 1}, -3]\n" + spec
        if ok:
            study(text, head)
        else:
            assert "every event is excluded" in render(text, head)[0]
        rng = np.random.default_rng(length)
        market, extra = rng.normal(0, 0.01, 60), rng.normal(0, 0.01, (60, max(factors, 1)))
        returns = 0.5 * market[:, None] + rng.normal(0, 0.01, (60, 3))
        ar = abnormal_returns(
            returns, [0, 1, 2], [30, 40, 50], window=(-2, 2), estimation=(-3 - length + 1, -3), min_days=1, model=model,
            market=market if model != "factor" and model != "mean" else None, factors=extra[:, :factors] if model == "factor" else None,
        )
        assert (len(ar), len(ar.excluded)) == ((3, 0) if ok else (0, 3)), (model, factors, length)
        assert ok or set(ar.excluded.reason.tolist()) == {TOO_FEW_DAYS}


def test_a_test_listed_twice_runs_once() -> None:
    """Regression: 'tests: [t, t, bmp]' ran the t-test twice: event_tests.csv held its rows
    twice and the verdict counted them twice ('0 of 9 tests below 0.05' under a table of
    six), while a CAR window listed twice was run once. Now a test runs once, in the order
    first given."""
    spec = study("  market: SPX\n  tests: [t, t, bmp, t]\n").event_study
    assert spec is not None and spec.test_names == ["t", "bmp"]
