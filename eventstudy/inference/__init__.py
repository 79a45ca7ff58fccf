"""Statistical validation of a study: placebo tests, intervals, classical tests, power.

The headline is a randomization test: the events' statistic against the same statistic
on many placebo event sets drawn from the study's own window under its own declustering
rule (:mod:`.samplers`, :mod:`.placebo`). Around it: adjusted p-values across cells
(:mod:`.multiple`), BCa and Wilson intervals (:mod:`.intervals`), Welch, Mann-Whitney,
binomial and Newey-West companions (:mod:`.classical`), the effective sample size and
minimum detectable effect (:mod:`.power`), and :mod:`.calibration`, which measures the
rejection rates of every test on the study's own data.

The names below load on first use: importing one sampler does not import scipy.

>>> import eventstudy
>>> from eventstudy.inference import InferenceSettings, significance
>>> result = eventstudy.run("configs/spx_rut.yaml", data_dir="../shared/data")  # doctest: +SKIP
>>> significance(result, InferenceSettings())  # doctest: +SKIP
"""

from __future__ import annotations

from eventstudy._lazy import lazy_attributes

_LAZY = {
    "calibrate": "eventstudy.inference.calibration",
    "EventDesign": "eventstudy.inference.design",
    "event_design": "eventstudy.inference.design",
    "SAMPLERS": "eventstudy.inference.samplers",
    "Calendar": "eventstudy.inference.samplers",
    "CircularSampler": "eventstudy.inference.samplers",
    "MatchedSampler": "eventstudy.inference.samplers",
    "PlaceboSampler": "eventstudy.inference.samplers",
    "RunsSampler": "eventstudy.inference.samplers",
    "SIGNIFICANCE_SCHEMA": "eventstudy.inference.timeseries",
    "InferenceSettings": "eventstudy.inference.timeseries",
    "significance": "eventstudy.inference.timeseries",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
