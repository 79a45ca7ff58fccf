"""The fewest estimation days a normal-return model can be fitted on: one rule for the
study file's check (``validate``) and the run.

A model with ``p`` parameters fitted on ``L`` days leaves ``d = L - p`` degrees of
freedom (the market-adjusted model, with none, is given one: its residuals are
centred). The standardized residuals' variance ``d / (d - 2)`` (Patell, 1976) exists
only for ``d >= 3``, so an event needs at least ``max(p, 1) + 3`` valid estimation days
(:func:`fewest_estimation_days`); an estimation window shorter than that excludes every
event ("too few estimation days"), and a run's tables are empty.

A leaf module (no numpy): validating a study imports it. The run's batched OLS
(:func:`eventstudy.inference.abnormal.abnormal_returns`) applies the same minimum, and
``tests/test_event_study_config.py`` checks the two agree for every model.

References
----------
Patell, J. M. (1976). Corporate forecasts of earnings per share and stock price behavior:
empirical tests. *Journal of Accounting Research* 14(2), 246-276.
"""

from __future__ import annotations

__all__ = ["MIN_DEGREES_OF_FREEDOM", "fewest_estimation_days", "model_parameters"]

MIN_DEGREES_OF_FREEDOM = 3
"""Residual degrees of freedom a fit needs: ``d / (d - 2)`` exists for ``d >= 3``."""

_PARAMETERS = {"mean": 1, "market_adjusted": 0, "market": 2}


def model_parameters(model: str, factors: int = 0) -> int:
    """The parameters a normal-return model fits: the mean 1, the market-adjusted model
    none, the market model 2 (alpha, beta), the factor model 1 + ``factors``.

    Examples
    --------
    >>> model_parameters("market"), model_parameters("factor", 3)
    (2, 4)
    """
    if model == "factor":
        return 1 + factors
    return _PARAMETERS[model]


def fewest_estimation_days(parameters: int) -> int:
    """The fewest valid estimation days an event needs, for a model of ``parameters``.

    Examples
    --------
    >>> fewest_estimation_days(model_parameters("market")), fewest_estimation_days(model_parameters("market_adjusted"))
    (5, 4)
    """
    return max(parameters, 1) + MIN_DEGREES_OF_FREEDOM
