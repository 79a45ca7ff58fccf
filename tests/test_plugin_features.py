"""A plug-in feature that breaks the feature contract is one message naming it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import polars as pl
import pytest

from eventstudy.errors import ConfigError
from eventstudy.features import FEATURES, compute_features, feature


@pytest.fixture
def registered() -> Iterator[Callable[[Callable[..., object]], None]]:
    names: list[str] = []

    def register(build: Callable[..., object]) -> None:
        names.append("es_test_mine")
        feature("es_test_mine", params=("n",), description="a plug-in's feature")(build)  # type: ignore[arg-type]

    yield register
    for name in names:
        FEATURES._entries.pop(name)  # keep the registry as shipped


PRICES = pl.DataFrame({
    "date": [dt.date(2024, 1, d) for d in (2, 3, 4, 5)] * 2,
    "symbol": ["A"] * 4 + ["B"] * 4,
    "close": [1.0, 2.0, 1.5, 3.0, 5.0, 4.0, 6.0, 7.0],
})


def boom(close: pl.Expr, n: int) -> pl.Expr:
    raise RuntimeError("boom")


@pytest.mark.parametrize(
    ("build", "error"),
    [
        # each a traceback from polars or from eventstudy's own code
        (boom, "failed: RuntimeError: boom ("),
        (lambda close, n: None, "returned None, not a polars expression"),
        (lambda close, n: 3.0, "returned float, not a polars expression"),
        (lambda close, n: close.head(n), "failed: ShapeError: "),
        (lambda close, n: close.cast(pl.String), "gave String values, not numbers"),
        (lambda close, n: pl.col("volume"), "failed: ColumnNotFoundError: unable to find column \"volume\""),
    ],
)
@pytest.mark.parametrize("position", [False, True])
def test_a_plugin_feature_breaking_the_contract_is_named(registered, build, error: str, position: bool) -> None:
    registered(build)
    import numpy as np

    with pytest.raises(ConfigError) as caught:
        compute_features(PRICES, [("es_test_mine", (2,))], position=np.array([0, 1, 2, 3] * 2) if position else None)
    assert caught.value.message.startswith(f"the feature 'es_test_mine(n)' (plug-in {__name__!r}) {error}")
    assert caught.value.hint == "build(close, n) returns a polars expression of numbers, one per row of a symbol's closes"


def test_a_plugin_feature_keeps_its_values(registered) -> None:
    registered(lambda close, n: close.rolling_max(n) - close.rolling_min(n))
    out = compute_features(PRICES, [("es_test_mine", (2,))])
    assert out["es_test_mine(2)"].to_list() == [None, 1.0, 0.5, 1.5, None, 1.0, 2.0, 1.0]


def test_a_feature_registered_again_is_compiled_anew_in_a_universe_block() -> None:
    """A universe's blocks compile their condition once (``blocks._compiled``, cached): a
    feature registered again under the same name, now without its argument, is resolved
    again (an error), not taken from the cache."""
    from eventstudy.blocks import _compiled
    from eventstudy.errors import EventStudyError

    condition = (("es_test_again(2) > 1", "level"),)
    try:
        feature("es_test_again", params=("n",), description="a plug-in's feature")(lambda close, n: close * n)
        assert _compiled(condition, ("MKT",), FEATURES.version).requests[0].name == "es_test_again"
        FEATURES._entries.pop("es_test_again")
        feature("es_test_again", description="a plug-in's feature")(lambda close: close)
        with pytest.raises(EventStudyError):
            _compiled(condition, ("MKT",), FEATURES.version)
    finally:
        FEATURES._entries.pop("es_test_again", None)  # keep the registry as shipped
