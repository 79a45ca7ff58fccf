"""The classical event-study tests' names, apart from the tests (:mod:`.event_tests`).

Validating a study checks ``event_study.tests`` against these names; the tests' numerics
(scipy's special functions, 0.1 s to import) load only when a run computes them.
"""

from __future__ import annotations

__all__ = ["EVENT_TEST_NAMES"]

EVENT_TEST_NAMES = ("t", "patell", "bmp", "kolari_pynnonen", "corrado", "corrado_zivney", "generalized_sign", "calendar_time")
"""The tests of :data:`eventstudy.inference.event_tests.EVENT_TESTS`, in the order reports list them."""
