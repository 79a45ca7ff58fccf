"""Statistical validation of a study: placebo tests, intervals, classical tests, power.

The headline is a randomization test: the events' statistic against the same statistic
on many placebo event sets drawn from the study's own window under its own declustering
rule (:mod:`.samplers`, :mod:`.placebo`). Around it: adjusted p-values across cells
(:mod:`.multiple`), BCa and Wilson intervals (:mod:`.intervals`), Welch, Mann-Whitney,
binomial and Newey-West companions (:mod:`.classical`), the effective sample size and
minimum detectable effect (:mod:`.power`), and :mod:`.calibration`, which measures the
rejection rates of every test on the study's own data.

>>> import eventstudy
>>> from eventstudy.inference import InferenceSettings, significance
>>> result = eventstudy.run("configs/spx_rut.yaml", data_dir="../shared/data")  # doctest: +SKIP
>>> significance(result, InferenceSettings())  # doctest: +SKIP
"""

from eventstudy.inference.calibration import calibrate
from eventstudy.inference.design import EventDesign, event_design
from eventstudy.inference.samplers import SAMPLERS, Calendar, CircularSampler, MatchedSampler, PlaceboSampler, RunsSampler
from eventstudy.inference.significance import SIGNIFICANCE_SCHEMA, InferenceSettings, significance

__all__ = [
    "SAMPLERS",
    "SIGNIFICANCE_SCHEMA",
    "Calendar",
    "CircularSampler",
    "EventDesign",
    "InferenceSettings",
    "MatchedSampler",
    "PlaceboSampler",
    "RunsSampler",
    "calibrate",
    "event_design",
    "significance",
]
