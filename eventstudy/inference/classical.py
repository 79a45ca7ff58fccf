"""Classical companions to the placebo test: shown beside it, never headlined.

All compare the events with the (all-days or nested) baseline of the same cell:

* :func:`welch_test`: Welch's unequal-variance t-test of the event mean against the
  baseline days' mean; assumes independent observations.
* :func:`student_test`: the pooled-variance (Student) t-test, the same as OLS of the
  all-days series on an event dummy with i.i.d. errors: the *naive* test, used in
  calibration as a negative control because overlapping returns are not independent.
* :func:`mann_whitney_test`: Mann-Whitney U of event values against baseline values.
* :func:`binomial_test`: the count of positive event outcomes against the baseline's rate
  of positive outcomes (not 50%).
* :func:`hac_event_test`: OLS of the baseline series ``y_t`` on ``[1, D_t]`` (``D_t = 1``
  on event days) with Newey-West (Bartlett kernel) standard errors; the slope is the
  event mean minus the non-event mean, its t-statistic robust to the autocorrelation that
  overlapping h-day returns carry (lag :func:`hac_lag`, at least ``h - 1``). Its p-value
  is given twice: against the normal, and against the fixed-b limit
  (:func:`fixed_b_pvalue`), which accounts for the noise of a Newey-West variance whose
  bandwidth is a sizeable fraction of the sample (1-year overlapping returns: lag 502 on
  ~11,000 days) and rejects less often where the normal p is oversized.

The HAC test is computed without forming the ``T x T`` kernel: with ``Q(a, b) =
sum_{t,s} w(|t-s|) a_t b_s``, every term of the slope's variance reduces to the kernel
convolution of ``y`` (once per series, direct or by FFT) and of two sparse vectors per
event set: the event indicator and the residuals placed at the events, needed only at the
events. For the Bartlett kernel those are differences of prefix sums over the sorted events
(``O(n log n)`` per set, no ``n x n`` object); sets of a few events use the ``n x n`` pair
sums instead, which are cheaper there. :func:`newey_west` is the plain textbook estimator,
kept as the reference both are tested against.

References
----------
Kiefer, N. M. and Vogelsang, T. J. (2005). A new asymptotic theory for heteroskedasticity-
autocorrelation robust tests. *Econometric Theory* 21, 1130-1164.
Newey, W. K. and West, K. D. (1987). A simple, positive semi-definite, heteroskedasticity
and autocorrelation consistent covariance matrix. *Econometrica* 55, 703-708.
Welch, B. L. (1947). The generalization of "Student's" problem when several different
population variances are involved. *Biometrika* 34, 28-35.
Mann, H. B. and Whitney, D. R. (1947). On a test of whether one of two random variables
is stochastically larger than the other. *Ann. Math. Statist.* 18, 50-60.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eventstudy.inference.distributions import (
    binomtest_pvalue,
    mannwhitney_pvalue,
    norm_isf,
    norm_sf,
    t_sf,
)

__all__ = [
    "FIXED_B_GRID",
    "FIXED_B_PVALUES",
    "FIXED_B_QUANTILES",
    "HacResult",
    "binomial_pvalues",
    "binomial_test",
    "fast_length",
    "fixed_b_pvalue",
    "hac_event_test",
    "hac_lag",
    "mann_whitney_test",
    "newey_west",
    "student_test",
    "welch_test",
]


def _two_sided_t(t: np.ndarray, df: np.ndarray | float) -> np.ndarray:
    return 2 * t_sf(np.abs(t), df)


def welch_test(events: np.ndarray, baseline: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Welch t and two-sided p of the event mean vs the baseline mean (last axis = obs).

    ``events`` may be ``(..., n)`` (many event sets) against one ``baseline`` ``(T,)``.
    Fewer than two events gives NaN.

    Examples
    --------
    >>> t, p = welch_test(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5, 1.5]))
    >>> round(float(t), 4), round(float(p), 4)
    (1.8898, 0.1485)
    """
    x = np.asarray(events, dtype=np.float64)
    y = np.asarray(baseline, dtype=np.float64)
    n, m = x.shape[-1], y.size
    if n < 2 or m < 2:
        shape = x.shape[:-1]
        return np.full(shape, np.nan)[()], np.full(shape, np.nan)[()]
    vx, vy = x.var(axis=-1, ddof=1) / n, y.var(ddof=1) / m
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (x.mean(axis=-1) - y.mean()) / np.sqrt(vx + vy)
        df = (vx + vy) ** 2 / (vx**2 / (n - 1) + vy**2 / (m - 1))
    return t, _two_sided_t(t, df)


def student_test(events: np.ndarray, baseline: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pooled-variance t and two-sided p, event values vs the baseline values (naive i.i.d.)."""
    x = np.asarray(events, dtype=np.float64)
    y = np.asarray(baseline, dtype=np.float64)
    n, m = x.shape[-1], y.size
    if n < 1 or m < 1 or n + m < 3:
        shape = x.shape[:-1]
        return np.full(shape, np.nan)[()], np.full(shape, np.nan)[()]
    ssx = ((x - x.mean(axis=-1, keepdims=True)) ** 2).sum(axis=-1)
    pooled = (ssx + ((y - y.mean()) ** 2).sum()) / (n + m - 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (x.mean(axis=-1) - y.mean()) / np.sqrt(pooled * (1 / n + 1 / m))
    return t, _two_sided_t(t, n + m - 2)


def mann_whitney_test(events: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """Two-sided Mann-Whitney U p-value (normal approximation with tie correction)."""
    x = np.asarray(events, dtype=np.float64)
    if x.shape[-1] < 1:
        return np.full(x.shape[:-1], np.nan)[()]
    return mannwhitney_pvalue(x, np.asarray(baseline, dtype=np.float64).reshape(-1))


def binomial_test(positives: int, nobs: int, rate: float) -> float:
    """Two-sided exact binomial p-value of ``positives`` out of ``nobs`` at ``rate``.

    Examples
    --------
    A rate of 0 or 1 (a baseline never, or always, positive: a flat series) is decided
    outright, as ``scipy.stats.binomtest`` does: p is 1 where the events match it and 0
    where they cannot happen under it.

    >>> round(binomial_test(18, 18, 0.78), 4)
    0.0197
    >>> binomial_test(0, 12, 0.0), binomial_test(3, 12, 0.0)
    (1.0, 0.0)
    """
    if nobs < 1 or not 0 <= rate <= 1:
        return float("nan")
    if rate in (0, 1):
        return float(positives == rate * nobs)
    return binomtest_pvalue(int(positives), int(nobs), rate)


def binomial_pvalues(nobs: int, rate: float) -> np.ndarray:
    """:func:`binomial_test` for every count ``0..nobs`` (a lookup table)."""
    return np.array([binomial_test(k, nobs, rate) for k in range(nobs + 1)])


def hac_lag(horizon_days: int) -> int:
    """Newey-West truncation lag for ``h``-day overlapping returns: ``2 (h - 1)``, at least 1.

    Overlapping h-day returns are autocorrelated up to lag ``h - 1``; the Bartlett kernel
    down-weights lag ``l`` by ``1 - l / (L + 1)``, so a lag of exactly ``h - 1`` would
    shrink the overlap it is there to count (by a third for a triangular autocorrelation);
    ``2 (h - 1)`` keeps at least half of every overlapping pair's weight.
    """
    return max(1, 2 * (int(horizon_days) - 1))


def _kernel(lag: int) -> np.ndarray:
    lags = np.arange(-lag, lag + 1)
    return 1 - np.abs(lags) / (lag + 1)


def newey_west(regressors: np.ndarray, resid: np.ndarray, lag: int) -> np.ndarray:
    """Newey-West covariance of OLS coefficients: ``(X'X)^-1 S (X'X)^-1``.

    ``S = G_0 + sum_{l=1..L} (1 - l/(L+1)) (G_l + G_l')`` with ``G_l = sum_t g_t g_{t-l}'``,
    ``g_t = x_t u_t``; no small-sample correction.
    """
    x = np.asarray(regressors, dtype=np.float64)
    g = x * np.asarray(resid, dtype=np.float64)[:, None]
    s = g.T @ g
    for j in range(1, min(lag, x.shape[0] - 1) + 1):
        gamma = g[j:].T @ g[:-j]
        s += (1 - j / (lag + 1)) * (gamma + gamma.T)
    bread = np.linalg.inv(x.T @ x)
    return bread @ s @ bread


# Fixed-b quantiles of |t| for the Bartlett kernel, |W(1)| / sqrt(Q(b)) (Kiefer and Vogelsang
# 2005): FIXED_B_QUANTILES[i, j] is exceeded with probability FIXED_B_PVALUES[j] at
# b = FIXED_B_GRID[i]. Row b = 0 is the normal limit; the others are simulated (400,000 bridged
# random walks of 2,000 steps, tail probabilities averaged over W(1) given Q), pasted from
#     python benchmarks/fixed_b_table.py --reps 400000 --steps 2000 --seed 20050101
# whose report reads:
# 400,000 replications, 2,000 steps, seed 20050101, 229 s
# Monte Carlo s.e. of the quantiles: max 0.0183 (at b = 1.0), p = 0.05 column max 0.0031
# check: exact quantiles of the discrete limit on 1,000 points (eigenvalues + Imhof inversion)
# b      p = 0.05: table (s.e.)    exact    KV cubic    p = 0.001: table (s.e.)    exact
# 0.10   2.2351 (0.0007)        2.2343   2.2606      4.1741 (0.0021)           4.1740
# 0.20   2.5377 (0.0012)        2.5366   2.5663      5.1149 (0.0041)           5.1136
# 0.50   3.4755 (0.0022)        3.4739   3.4822      7.5529 (0.0073)           7.5508
# 1.00   4.7754 (0.0031)        4.7711   4.8130      10.3740 (0.0099)           10.3656
# interpolated p at off-grid (b, |t|) with p > 0.0001: largest relative error 0.0190
# (b = 0.99, |t| = 12.0, exact p = 3.03e-04)
# The simulated quantiles agree with the exact ones within their Monte Carlo error; the
# Kiefer-Vogelsang cubic (as secondary sources quote it) lies 0.007-0.042 above both.
FIXED_B_GRID = np.linspace(0.0, 1.0, 51)
FIXED_B_PVALUES = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.15, 0.1, 0.075, 0.05, 0.04, 0.03, 0.025, 0.02, 0.015, 0.01, 0.0075, 0.005, 0.0025, 0.001, 0.0005, 0.0001])
_FIXED_B_SIMULATED = np.array(  # rows b = 0.02, 0.04, ..., 1.0; columns FIXED_B_PVALUES
    [
        [0.1274, 0.2569, 0.3908, 0.5321, 0.6848, 0.8552, 1.0544, 1.3063, 1.4694, 1.6825, 1.8241, 2.0124,  # b = 0.02
         2.1113, 2.2346, 2.3104, 2.4010, 2.5146, 2.6693, 2.7754, 2.9207, 3.1588, 3.4569, 3.6721, 4.1447],
        [0.1291, 0.2604, 0.3963, 0.5398, 0.6952, 0.8689, 1.0727, 1.3314, 1.4998, 1.7210, 1.8686, 2.0661,  # b = 0.04
         2.1704, 2.3007, 2.3813, 2.4778, 2.5993, 2.7655, 2.8802, 3.0381, 3.2988, 3.6291, 3.8703, 4.4082],
        [0.1309, 0.2640, 0.4019, 0.5477, 0.7057, 0.8829, 1.0913, 1.3571, 1.5309, 1.7603, 1.9143, 2.1213,  # b = 0.06
         2.2310, 2.3688, 2.4541, 2.5568, 2.6864, 2.8646, 2.9882, 3.1591, 3.4433, 3.8070, 4.0752, 4.6809],
        [0.1327, 0.2677, 0.4076, 0.5557, 0.7164, 0.8970, 1.1101, 1.3832, 1.5626, 1.8005, 1.9609, 2.1776,  # b = 0.08
         2.2930, 2.4383, 2.5287, 2.6376, 2.7756, 2.9661, 3.0988, 3.2829, 3.5912, 3.9890, 4.2844, 4.9583],
        [0.1345, 0.2714, 0.4133, 0.5637, 0.7273, 0.9114, 1.1293, 1.4098, 1.5949, 1.8415, 2.0084, 2.2351,  # b = 0.10
         2.3562, 2.5093, 2.6047, 2.7200, 2.8665, 3.0696, 3.2116, 3.4093, 3.7419, 4.1741, 4.4971, 5.2393],
        [0.1363, 0.2751, 0.4192, 0.5720, 0.7384, 0.9261, 1.1489, 1.4369, 1.6278, 1.8833, 2.0570, 2.2938,  # b = 0.12
         2.4209, 2.5819, 2.6825, 2.8043, 2.9595, 3.1754, 3.3268, 3.5382, 3.8955, 4.3625, 4.7133, 5.5237],
        [0.1382, 0.2789, 0.4251, 0.5803, 0.7496, 0.9410, 1.1688, 1.4645, 1.6614, 1.9259, 2.1065, 2.3536,  # b = 0.14
         2.4866, 2.6556, 2.7614, 2.8899, 3.0538, 3.2825, 3.4434, 3.6685, 4.0504, 4.5518, 4.9297, 5.8065],
        [0.1401, 0.2828, 0.4311, 0.5888, 0.7610, 0.9561, 1.1891, 1.4926, 1.6955, 1.9692, 2.1568, 2.4144,  # b = 0.16
         2.5534, 2.7305, 2.8416, 2.9767, 3.1494, 3.3910, 3.5612, 3.8000, 4.2061, 4.7410, 5.1451, 6.0850],
        [0.1420, 0.2867, 0.4372, 0.5973, 0.7726, 0.9714, 1.2095, 1.5210, 1.7300, 2.0130, 2.2076, 2.4757,  # b = 0.18
         2.6208, 2.8060, 2.9224, 3.0641, 3.2456, 3.4999, 3.6794, 3.9317, 4.3616, 4.9292, 5.3587, 6.3594],
        [0.1439, 0.2907, 0.4434, 0.6060, 0.7843, 0.9870, 1.2303, 1.5498, 1.7650, 2.0573, 2.2591, 2.5377,  # b = 0.20
         2.6889, 2.8821, 3.0038, 3.1520, 3.3422, 3.6090, 3.7977, 4.0632, 4.5162, 5.1149, 5.5684, 6.6243],
        [0.1459, 0.2947, 0.4496, 0.6148, 0.7961, 1.0027, 1.2514, 1.5790, 1.8004, 2.1022, 2.3110, 2.6002,  # b = 0.22
         2.7574, 2.9587, 3.0855, 3.2403, 3.4391, 3.7183, 3.9160, 4.1943, 4.6699, 5.2991, 5.7758, 6.8854],
        [0.1479, 0.2988, 0.4560, 0.6238, 0.8081, 1.0187, 1.2727, 1.6085, 1.8363, 2.1475, 2.3634, 2.6631,  # b = 0.24
         2.8264, 3.0357, 3.1677, 3.3289, 3.5362, 3.8276, 4.0341, 4.3251, 4.8225, 5.4811, 5.9801, 7.1409],
        [0.1499, 0.3029, 0.4624, 0.6328, 0.8203, 1.0348, 1.2942, 1.6383, 1.8724, 2.1931, 2.4162, 2.7264,  # b = 0.26
         2.8957, 3.1128, 3.2500, 3.4175, 3.6331, 3.9364, 4.1515, 4.4547, 4.9734, 5.6603, 6.1808, 7.3919],
        [0.1519, 0.3070, 0.4689, 0.6419, 0.8326, 1.0511, 1.3160, 1.6685, 1.9089, 2.2391, 2.4693, 2.7899,  # b = 0.28
         2.9651, 3.1900, 3.3322, 3.5059, 3.7296, 4.0446, 4.2680, 4.5829, 5.1218, 5.8354, 6.3760, 7.6330],
        [0.1540, 0.3113, 0.4754, 0.6512, 0.8451, 1.0676, 1.3380, 1.6989, 1.9456, 2.2854, 2.5226, 2.8536,  # b = 0.30
         3.0346, 3.2672, 3.4144, 3.5942, 3.8259, 4.1523, 4.3838, 4.7103, 5.2688, 6.0080, 6.5676, 7.8673],
        [0.1561, 0.3155, 0.4821, 0.6605, 0.8576, 1.0843, 1.3603, 1.7295, 1.9826, 2.3318, 2.5760, 2.9173,  # b = 0.32
         3.1041, 3.3444, 3.4964, 3.6823, 3.9218, 4.2593, 4.4989, 4.8366, 5.4144, 6.1790, 6.7575, 8.1004],
        [0.1582, 0.3198, 0.4888, 0.6699, 0.8703, 1.1011, 1.3826, 1.7603, 2.0197, 2.3783, 2.6295, 2.9809,  # b = 0.34
         3.1734, 3.4211, 3.5779, 3.7697, 4.0168, 4.3653, 4.6125, 4.9613, 5.5579, 6.3472, 6.9444, 8.3296],
        [0.1603, 0.3242, 0.4955, 0.6794, 0.8831, 1.1180, 1.4051, 1.7912, 2.0569, 2.4248, 2.6828, 3.0441,  # b = 0.36
         3.2421, 3.4971, 3.6585, 3.8560, 4.1106, 4.4694, 4.7242, 5.0834, 5.6980, 6.5110, 7.1261, 8.5521],
        [0.1625, 0.3286, 0.5024, 0.6891, 0.8960, 1.1351, 1.4278, 1.8222, 2.0943, 2.4713, 2.7361, 3.1071,  # b = 0.38
         3.3107, 3.5727, 3.7386, 3.9417, 4.2035, 4.5725, 4.8345, 5.2039, 5.8360, 6.6723, 7.3050, 8.7726],
        [0.1646, 0.3330, 0.5093, 0.6987, 0.9090, 1.1522, 1.4506, 1.8533, 2.1316, 2.5178, 2.7892, 3.1698,  # b = 0.40
         3.3786, 3.6476, 3.8179, 4.0264, 4.2951, 4.6740, 4.9430, 5.3222, 5.9711, 6.8295, 7.4789, 8.9860],
        [0.1668, 0.3375, 0.5162, 0.7085, 0.9221, 1.1695, 1.4734, 1.8845, 2.1689, 2.5640, 2.8420, 3.2319,  # b = 0.42
         3.4459, 3.7215, 3.8961, 4.1097, 4.3851, 4.7733, 5.0489, 5.4373, 6.1018, 6.9804, 7.6451, 9.1877],
        [0.1690, 0.3420, 0.5232, 0.7183, 0.9353, 1.1869, 1.4964, 1.9157, 2.2063, 2.6103, 2.8946, 3.2937,  # b = 0.44
         3.5128, 3.7949, 3.9736, 4.1923, 4.4742, 4.8715, 5.1534, 5.5508, 6.2303, 7.1284, 7.8075, 9.3826],
        [0.1713, 0.3465, 0.5303, 0.7282, 0.9486, 1.2043, 1.5194, 1.9470, 2.2435, 2.6563, 2.9469, 3.3549,  # b = 0.46
         3.5789, 3.8674, 4.0502, 4.2738, 4.5619, 4.9680, 5.2561, 5.6621, 6.3560, 7.2727, 7.9653, 9.5700],
        [0.1735, 0.3511, 0.5374, 0.7382, 0.9619, 1.2218, 1.5425, 1.9781, 2.2807, 2.7020, 2.9988, 3.4155,  # b = 0.48
         3.6443, 3.9390, 4.1256, 4.3539, 4.6482, 5.0627, 5.3567, 5.7710, 6.4788, 7.4133, 8.1190, 9.7530],
        [0.1758, 0.3557, 0.5445, 0.7482, 0.9753, 1.2394, 1.5655, 2.0093, 2.3177, 2.7474, 3.0503, 3.4755,  # b = 0.50
         3.7091, 4.0098, 4.2003, 4.4332, 4.7334, 5.1563, 5.4562, 5.8786, 6.6003, 7.5529, 8.2726, 9.9397],
        [0.1781, 0.3604, 0.5517, 0.7583, 0.9887, 1.2570, 1.5887, 2.0404, 2.3546, 2.7926, 3.1014, 3.5351,  # b = 0.52
         3.7732, 4.0799, 4.2741, 4.5116, 4.8176, 5.2487, 5.5543, 5.9848, 6.7200, 7.6906, 8.4237, 10.1220],
        [0.1804, 0.3651, 0.5590, 0.7684, 1.0022, 1.2747, 1.6117, 2.0713, 2.3911, 2.8373, 3.1519, 3.5937,  # b = 0.54
         3.8363, 4.1487, 4.3465, 4.5885, 4.9001, 5.3391, 5.6502, 6.0885, 6.8368, 7.8244, 8.5703, 10.2982],
        [0.1827, 0.3698, 0.5663, 0.7786, 1.0158, 1.2923, 1.6348, 2.1020, 2.4275, 2.8815, 3.2018, 3.6515,  # b = 0.56
         3.8984, 4.2164, 4.4177, 4.6639, 4.9811, 5.4276, 5.7441, 6.1899, 6.9508, 7.9549, 8.7130, 10.4695],
        [0.1850, 0.3745, 0.5736, 0.7888, 1.0294, 1.3100, 1.6578, 2.1326, 2.4635, 2.9253, 3.2510, 3.7085,  # b = 0.58
         3.9597, 4.2830, 4.4878, 4.7381, 5.0606, 5.5147, 5.8364, 6.2896, 7.0630, 8.0835, 8.8542, 10.6403],
        [0.1873, 0.3792, 0.5809, 0.7990, 1.0429, 1.3277, 1.6807, 2.1630, 2.4992, 2.9686, 3.2996, 3.7645,  # b = 0.60
         4.0198, 4.3485, 4.5565, 4.8109, 5.1386, 5.5999, 5.9268, 6.3871, 7.1727, 8.2091, 8.9917, 10.8048],
        [0.1897, 0.3840, 0.5883, 0.8093, 1.0565, 1.3453, 1.7035, 2.1932, 2.5347, 3.0114, 3.3476, 3.8198,  # b = 0.62
         4.0791, 4.4128, 4.6241, 4.8825, 5.2152, 5.6836, 6.0156, 6.4830, 7.2807, 8.3331, 9.1276, 10.9677],
        [0.1920, 0.3888, 0.5957, 0.8196, 1.0702, 1.3630, 1.7264, 2.2233, 2.5699, 3.0537, 3.3950, 3.8744,  # b = 0.64
         4.1376, 4.4763, 4.6908, 4.9531, 5.2908, 5.7663, 6.1033, 6.5778, 7.3878, 8.4566, 9.2638, 11.1338],
        [0.1944, 0.3936, 0.6032, 0.8299, 1.0838, 1.3806, 1.7491, 2.2532, 2.6047, 3.0956, 3.4418, 3.9280,  # b = 0.66
         4.1950, 4.5386, 4.7561, 5.0221, 5.3647, 5.8470, 6.1887, 6.6700, 7.4916, 8.5758, 9.3947, 11.2923],
        [0.1968, 0.3985, 0.6106, 0.8403, 1.0975, 1.3983, 1.7718, 2.2829, 2.6393, 3.1370, 3.4881, 3.9809,  # b = 0.68
         4.2515, 4.5999, 4.8203, 5.0899, 5.4372, 5.9259, 6.2723, 6.7601, 7.5928, 8.6914, 9.5212, 11.4437],
        [0.1992, 0.4033, 0.6181, 0.8507, 1.1112, 1.4160, 1.7945, 2.3124, 2.6737, 3.1781, 3.5338, 4.0333,  # b = 0.70
         4.3074, 4.6603, 4.8837, 5.1569, 5.5086, 6.0038, 6.3547, 6.8489, 7.6923, 8.8051, 9.6453, 11.5914],
        [0.2016, 0.4082, 0.6256, 0.8611, 1.1249, 1.4336, 1.8171, 2.3419, 2.7079, 3.2188, 3.5791, 4.0849,  # b = 0.72
         4.3625, 4.7199, 4.9461, 5.2226, 5.5788, 6.0802, 6.4355, 6.9358, 7.7897, 8.9160, 9.7661, 11.7342],
        [0.2040, 0.4131, 0.6332, 0.8715, 1.1387, 1.4512, 1.8396, 2.3712, 2.7419, 3.2592, 3.6240, 4.1360,  # b = 0.74
         4.4171, 4.7788, 5.0078, 5.2878, 5.6483, 6.1558, 6.5155, 7.0219, 7.8863, 9.0265, 9.8870, 11.8787],
        [0.2064, 0.4180, 0.6407, 0.8820, 1.1524, 1.4689, 1.8621, 2.4003, 2.7756, 3.2993, 3.6684, 4.1866,  # b = 0.76
         4.4709, 4.8369, 5.0686, 5.3518, 5.7166, 6.2300, 6.5939, 7.1063, 7.9809, 9.1344, 10.0051, 12.0199],
        [0.2088, 0.4229, 0.6483, 0.8925, 1.1662, 1.4865, 1.8846, 2.4293, 2.8092, 3.3391, 3.7126, 4.2367,  # b = 0.78
         4.5244, 4.8946, 5.1288, 5.4153, 5.7842, 6.3035, 6.6715, 7.1897, 8.0743, 9.2412, 10.1220, 12.1606],
        [0.2113, 0.4279, 0.6559, 0.9029, 1.1799, 1.5041, 1.9070, 2.4583, 2.8426, 3.3787, 3.7565, 4.2865,  # b = 0.80
         4.5774, 4.9517, 5.1885, 5.4782, 5.8511, 6.3761, 6.7482, 7.2720, 8.1663, 9.3461, 10.2366, 12.2980],
        [0.2137, 0.4328, 0.6635, 0.9134, 1.1937, 1.5217, 1.9294, 2.4871, 2.8759, 3.4181, 3.8001, 4.3360,  # b = 0.82
         4.6301, 5.0084, 5.2478, 5.5406, 5.9175, 6.4481, 6.8241, 7.3536, 8.2573, 9.4496, 10.3496, 12.4325],
        [0.2161, 0.4378, 0.6711, 0.9239, 1.2074, 1.5392, 1.9517, 2.5159, 2.9091, 3.4573, 3.8435, 4.3852,  # b = 0.84
         4.6824, 5.0647, 5.3067, 5.6025, 5.9834, 6.5194, 6.8993, 7.4342, 8.3472, 9.5516, 10.4606, 12.5637],
        [0.2186, 0.4427, 0.6786, 0.9343, 1.2211, 1.5567, 1.9739, 2.5445, 2.9421, 3.4964, 3.8868, 4.4343,  # b = 0.86
         4.7346, 5.1209, 5.3653, 5.6642, 6.0489, 6.5905, 6.9742, 7.5145, 8.4367, 9.6531, 10.5713, 12.6960],
        [0.2210, 0.4476, 0.6862, 0.9448, 1.2348, 1.5742, 1.9961, 2.5731, 2.9751, 3.5355, 3.9301, 4.4834,  # b = 0.88
         4.7869, 5.1772, 5.4242, 5.7261, 6.1149, 6.6619, 7.0496, 7.5953, 8.5268, 9.7556, 10.6832, 12.8299],
        [0.2234, 0.4526, 0.6938, 0.9552, 1.2484, 1.5916, 2.0182, 2.6016, 3.0080, 3.5745, 3.9733, 4.5325,  # b = 0.90
         4.8392, 5.2336, 5.4832, 5.7882, 6.1809, 6.7335, 7.1251, 7.6763, 8.6171, 9.8580, 10.7948, 12.9633],
        [0.2259, 0.4575, 0.7013, 0.9656, 1.2620, 1.6090, 2.0402, 2.6300, 3.0408, 3.6134, 4.0164, 4.5815,  # b = 0.92
         4.8914, 5.2899, 5.5420, 5.8502, 6.2469, 6.8051, 7.2005, 7.7572, 8.7072, 9.9601, 10.9057, 13.0946],
        [0.2283, 0.4624, 0.7088, 0.9760, 1.2755, 1.6262, 2.0621, 2.6582, 3.0734, 3.6520, 4.0594, 4.6304,  # b = 0.94
         4.9435, 5.3461, 5.6008, 5.9121, 6.3129, 6.8767, 7.2761, 7.8382, 8.7975, 10.0623, 11.0167, 13.2257],
        [0.2307, 0.4672, 0.7163, 0.9862, 1.2890, 1.6434, 2.0838, 2.6862, 3.1058, 3.6905, 4.1021, 4.6791,  # b = 0.96
         4.9954, 5.4022, 5.6595, 5.9740, 6.3789, 6.9484, 7.3518, 7.9197, 8.8885, 10.1658, 11.1297, 13.3601],
        [0.2331, 0.4721, 0.7237, 0.9964, 1.3023, 1.6604, 2.1054, 2.7140, 3.1380, 3.7287, 4.1445, 4.7275,  # b = 0.98
         5.0470, 5.4580, 5.7180, 6.0357, 6.4447, 7.0200, 7.4276, 8.0012, 8.9797, 10.2699, 11.2433, 13.4955],
        [0.2354, 0.4769, 0.7310, 1.0066, 1.3155, 1.6772, 2.1268, 2.7416, 3.1698, 3.7665, 4.1866, 4.7754,  # b = 1.00
         5.0982, 5.5134, 5.7760, 6.0970, 6.5101, 7.0912, 7.5029, 8.0823, 9.0708, 10.3740, 11.3573, 13.6322],
    ]
)
_FIXED_B_Z = norm_isf(FIXED_B_PVALUES / 2)
FIXED_B_QUANTILES = np.vstack([_FIXED_B_Z, _FIXED_B_SIMULATED])


def fixed_b_pvalue(t: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
    """Two-sided fixed-b p-value of a Newey-West (Bartlett kernel) t-statistic.

    Under fixed-b asymptotics (the bandwidth ``M = b T`` a fixed fraction of the sample;
    for :func:`newey_west` at lag ``L``, ``M = L + 1``) the HAC t-statistic does not tend
    to a normal but to ``W(1) / sqrt(Q(b))``, with, for the Bartlett kernel,
    ``Q(b) = (2/b) int_0^1 B(r)^2 dr - (2/b) int_0^{1-b} B(r + b) B(r) dr``, ``B`` the
    Brownian bridge ``W(r) - r W(1)`` (independent of ``W(1)``). Its tails widen with ``b``:
    the two-sided 5% critical value is 1.96 at ``b = 0``, 2.23 at 0.1, 2.54 at 0.2, 3.47 at
    0.5 and 4.77 at 1. The p-value is read from :data:`FIXED_B_QUANTILES`, simulated quantiles of
    ``|W(1)| / sqrt(Q(b))`` on ``b = 0, 0.02, ..., 1`` (linear interpolation in ``b``)
    at tail probabilities :data:`FIXED_B_PVALUES` (interpolation in ``|t|`` on the normal
    scale ``z = Phi^-1(1 - p/2)``, so ``b = 0`` gives exactly the normal p). Below
    ``p = 0.0001``, the table's last level, the last segment is extrapolated: read such p
    as "< 0.0001". The limit assumes the regressor's second moments spread evenly over the
    sample (for an event dummy: events not bunched in one part of the sample).

    Parameters
    ----------
    t
        t-statistic(s); the sign is ignored. NaN gives NaN.
    b
        Bandwidth as a fraction of the sample, ``(L + 1) / T``, in ``[0, 1]``;
        broadcast against ``t``. NaN gives NaN.

    Returns
    -------
    numpy.ndarray
        Two-sided p-values, the broadcast shape of ``t`` and ``b`` (a scalar for scalars).

    Raises
    ------
    ValueError
        If ``b`` lies outside ``[0, 1]``.

    References
    ----------
    Kiefer, N. M. and Vogelsang, T. J. (2005). A new asymptotic theory for heteroskedasticity-
    autocorrelation robust tests. *Econometric Theory* 21, 1130-1164.

    Examples
    --------
    >>> round(float(fixed_b_pvalue(1.96, 0.0)), 4)
    0.05
    >>> bool(fixed_b_pvalue(1.96, 0.1) > 0.05)
    True
    """
    x, bb = np.broadcast_arrays(np.abs(np.asarray(t, dtype=np.float64)), np.asarray(b, dtype=np.float64))
    outside = (bb < 0) | (bb > 1)
    if np.any(outside):
        raise ValueError(f"b: the bandwidth fraction (lag + 1) / T must lie in [0, 1], got {bb[outside].ravel()[0]}")
    grid, quantiles = FIXED_B_GRID, FIXED_B_QUANTILES
    pos = np.clip(np.nan_to_num(bb) / (grid[1] - grid[0]), 0, grid.size - 1)
    k = np.minimum(pos.astype(np.int64), grid.size - 2)
    frac = (pos - k)[..., None]
    row = quantiles[k] * (1 - frac) + quantiles[k + 1] * frac  # quantiles at b, (..., levels)
    knots_x = np.concatenate([np.zeros((*row.shape[:-1], 1)), row], axis=-1)
    knots_z = np.concatenate([[0.0], _FIXED_B_Z])
    seg = np.minimum((row < x[..., None]).sum(axis=-1), row.shape[-1] - 1)  # last segment extrapolates
    x0 = np.take_along_axis(knots_x, seg[..., None], axis=-1)[..., 0]
    x1 = np.take_along_axis(knots_x, seg[..., None] + 1, axis=-1)[..., 0]
    z = knots_z[seg] + (x - x0) * (knots_z[seg + 1] - knots_z[seg]) / (x1 - x0)
    p = 2 * norm_sf(z)
    return np.where(np.isnan(bb), np.nan, p)[()]


@dataclass(frozen=True)
class HacResult:
    """OLS of the series on an event dummy with Newey-West errors, per event set.

    Attributes
    ----------
    coef
        Slope: event mean minus non-event mean.
    se
        Its Newey-West standard error.
    t, p
        ``coef / se`` and the two-sided normal p-value.
    p_fixed_b
        The two-sided fixed-b p-value of ``t`` (:func:`fixed_b_pvalue` at ``b = (L + 1) / T``,
        ``L`` the lag used and ``T`` the series length): the normal p corrected for the
        noise of a Newey-West variance whose bandwidth is a sizeable fraction of the sample.
    """

    coef: np.ndarray
    se: np.ndarray
    t: np.ndarray
    p: np.ndarray
    p_fixed_b: np.ndarray


# Event sets of at most this many events use the n x n pair sums, larger ones the prefix sums
# over sorted events. Whole test, T = 12,000 days, S = 1,000 sets, lag 502 (pairs vs prefix):
# n = 8: 1.6 vs 1.5 ms, n = 12: 2.4 vs 2.6 ms, n = 16: 6.1 vs 3.0 ms, n = 48: 32 vs 9.5 ms.
_PAIR_MAX_EVENTS = 12
_PAIR_BATCH_ELEMENTS = 1 << 21  # pair weights held at once (16 MB)
_SORTED_BATCH_ELEMENTS = 1 << 18  # events held at once by the prefix-sum method (~30 arrays of this size)


def _bartlett_filter(x: np.ndarray, lag: int) -> np.ndarray:
    """``(W x)_t = sum_s w(|t - s|) x_s`` over ``t, s < T`` (the Bartlett kernel), ``(T,)``.

    Direct convolution costs ``T (2L + 1)``, an FFT ``O(T log T)``: direct for short kernels.
    """
    total = x.size
    if 2 * lag + 1 <= 10 * np.log2(max(total, 2)):
        return np.convolve(x, _kernel(lag))[lag : lag + total]
    size = fast_length(total + lag)  # >= T + L: the circular convolution does not wrap
    kernel = np.zeros(size)
    half = 1 - np.arange(lag + 1) / (lag + 1)
    kernel[: lag + 1] = half
    kernel[size - lag :] = half[:0:-1]
    return np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(kernel), size)[:total]


def fast_length(target: int) -> int:
    """The smallest ``2^a 3^b 5^c >= target``: a length pocketfft transforms quickly, as
    ``scipy.fft.next_fast_len(target, real=True)`` gives it (numpy's FFT is the same
    pocketfft, so the filter's bits are scipy's, without importing scipy.fft in a run).
    Also the period of :class:`~eventstudy.inference.power.EventLine`'s autocorrelations."""
    best = 1 << max(target - 1, 0).bit_length()
    fives = 1
    while fives < best:
        odd = fives
        while odd < best:  # odd = 3^b 5^c: the least power of two that lifts it to the target
            best = min(best, odd << max(-(-target // odd) - 1, 0).bit_length())
            odd *= 3
        fives *= 5
    return best


def _bartlett_ones(total: int, lag: int) -> np.ndarray:
    """``W 1``: the kernel weights within the sample around each day, exact, ``(T,)``."""
    t = np.arange(total)

    def half(extent: np.ndarray) -> np.ndarray:  # sum_{k=0..a} (1 - k / (L + 1))
        return (extent + 1) - extent * (extent + 1) / (2 * (lag + 1))

    return half(np.minimum(lag, t)) + half(np.minimum(lag, total - 1 - t)) - 1


def _kernel_sums_pairs(e: np.ndarray, u: np.ndarray, lag: int) -> tuple[np.ndarray, np.ndarray]:
    """Per event ``i``: ``sum_j w(|t_i - t_j|)`` and ``sum_j w(|t_i - t_j|) u_j``, from ``(S, n, n)`` pairs."""
    dist = np.abs(e[:, :, None] - e[:, None, :])
    pair_w = np.where(dist <= lag, 1 - dist / (lag + 1), 0.0)
    return pair_w.sum(axis=2), np.einsum("sij,sj->si", pair_w, u)


def _kernel_sums_sorted(e: np.ndarray, u: np.ndarray, lag: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_kernel_sums_pairs` for sorted distinct events in ``O(n log n)`` per set.

    The kernel convolved with the event indicator (and with ``u`` placed at the events),
    read at the events: ``(L + 1) w(|t_i - t_j|) = L + 1 - |t_i - t_j|`` inside the window
    ``|t_i - t_j| <= L``, so each sum splits into the events left of ``t_i`` and those right
    of it, and each part is ``(L + 1 -+ t_i) sum u_j +- sum t_j u_j`` over a contiguous run
    of the sorted events: differences of prefix sums at window edges found by binary search.
    The indicator's sums are integers, computed exactly.
    """
    sets, n = e.shape
    t = (e - (e[:, :1] + e[:, -1:]) // 2).ravel()  # centred per set: smaller prefix sums of t u, same differences
    row = np.repeat(np.arange(sets), n)
    stride = int(e.max()) + 2 * lag + 2  # offsets that keep every window inside its own set
    keys = e.ravel() + stride * row
    # window edges as flat positions in the (sets, n + 1) prefix sums: [lo, mid) left of and at
    # the event, [mid, hi) right of it
    lo = np.searchsorted(keys, keys - lag, side="left") + row
    hi = np.searchsorted(keys, keys + lag, side="right") + row
    mid = np.arange(1, sets * n + 1) + row

    def prefix(x: np.ndarray) -> np.ndarray:
        out = np.zeros((sets, n + 1), dtype=x.dtype)
        np.cumsum(x.reshape(sets, n), axis=1, out=out[:, 1:])
        return out.ravel()

    def window(c: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return c.take(b) - c.take(a)

    width = lag + 1
    uf = u.ravel()
    ct, cu, ctu = prefix(t), prefix(uf), prefix(t * uf)
    ones = (mid - lo) * (width - t) + window(ct, lo, mid) + (hi - mid) * (width + t) - window(ct, mid, hi)
    wu = (width - t) * window(cu, lo, mid) + window(ctu, lo, mid) + (width + t) * window(cu, mid, hi) - window(ctu, mid, hi)
    return (ones / width).reshape(sets, n), (wu / width).reshape(sets, n)


def _hac_event_test(values: np.ndarray, events: np.ndarray, lag: int, *, chunk: int = 256, method: str = "auto") -> HacResult:
    """:func:`hac_event_test` with the pair-sum ``method`` chosen: ``"pairs"``, ``"sorted"`` or ``"auto"``."""
    y = np.asarray(values, dtype=np.float64)
    if y.ndim != 1:
        raise ValueError(f"values: expected a 1-d series, got shape {y.shape}")
    y = y - y.mean()
    idx = np.atleast_2d(np.asarray(events))
    if idx.ndim != 2 or (idx.size and not np.issubdtype(idx.dtype, np.integer)):
        raise ValueError(f"events: expected (n,) or (S, n) integer indices, got shape {idx.shape} of {idx.dtype}")
    idx = idx.astype(np.int64)
    total, n = y.size, idx.shape[1]
    if n < 1 or n >= total:
        nan = np.full(idx.shape[0], np.nan)
        return HacResult(nan, nan, nan, nan, nan)
    if idx.size and (idx.min() < 0 or idx.max() >= total):
        raise ValueError(f"events: indices must lie in [0, {total}) (len(values)), got {idx.min()}..{idx.max()}")
    idx = np.sort(idx, axis=1)  # every sum below is symmetric in the events of a set
    if n > 1 and np.any(idx[:, 1:] == idx[:, :-1]):
        raise ValueError("events: an event set repeats a day; the dummy needs distinct indices")
    if method == "auto":
        method = "pairs" if n <= _PAIR_MAX_EVENTS else "sorted"
    if method == "pairs":
        kernel_sums, batch = _kernel_sums_pairs, max(1, min(chunk, _PAIR_BATCH_ELEMENTS // (n * n)))
    elif method == "sorted":
        kernel_sums, batch = _kernel_sums_sorted, max(1, _SORTED_BATCH_ELEMENTS // n)
    else:
        raise ValueError(f"method: expected 'auto', 'pairs' or 'sorted', got {method!r}")
    lag = max(0, min(int(lag), total - 1))
    wy = _bartlett_filter(y, lag)
    w1 = _bartlett_ones(total, lag)
    # einsum, not BLAS: a dot this long (the baseline's days) is split over threads by OpenBLAS, whose
    # spin-waits cost 5-26 ms a call and whose bits depend on the thread count
    qyy, qy1, q11 = np.einsum("i,i->", y, wy), wy.sum(), w1.sum()
    alpha, beta = -1 / (total - n), total / (n * (total - n))
    coef = np.empty(idx.shape[0])
    var = np.empty(idx.shape[0])
    for lo in range(0, idx.shape[0], batch):
        e = idx[lo : lo + batch]
        ye = y[e]
        mean_event = ye.mean(axis=1)
        a = -ye.sum(axis=1) / (total - n)  # non-event mean (y is centred)
        b = mean_event - a
        u_e = ye - mean_event[:, None]
        ones_e, wu_e = kernel_sums(e, u_e, lag)  # W d and W (u placed at the events), read at the events
        q_dd = ones_e.sum(axis=1)
        conv_e = wy[e] - a[:, None] * w1[e]  # (W (y - a)) at the events
        q_yd = conv_e.sum(axis=1)
        q_uu = qyy - 2 * a * qy1 + a**2 * q11 - 2 * b * q_yd + b**2 * q_dd
        q_udu = (u_e * (conv_e - b[:, None] * ones_e)).sum(axis=1)
        q_dudu = (u_e * wu_e).sum(axis=1)
        coef[lo : lo + batch] = b
        var[lo : lo + batch] = alpha**2 * q_uu + 2 * alpha * beta * q_udu + beta**2 * q_dudu
    se = np.sqrt(np.maximum(var, 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = coef / se
    return HacResult(
        coef=coef, se=se, t=t, p=2 * norm_sf(np.abs(t)), p_fixed_b=np.asarray(fixed_b_pvalue(t, (lag + 1) / total))
    )


def hac_event_test(values: np.ndarray, events: np.ndarray, lag: int, *, chunk: int = 256) -> HacResult:
    """HAC t-test of an event dummy for one or many event sets on one series.

    OLS of ``y`` on ``[1, D_t]`` with Newey-West (Bartlett, no small-sample correction)
    standard errors, computed without the ``T x T`` kernel or any ``n x n`` object for
    large sets: ``O(T log T)`` once per series plus ``O(n log n)`` per event set (or the
    ``n x n`` pair sums for sets of at most 12 events, where they cost the same).

    Parameters
    ----------
    values
        The series ``y`` in time order, ``(T,)``, no NaN.
    events
        ``(n,)`` or ``(S, n)`` distinct integer indices into ``values``: the event days.
    lag
        Newey-West truncation lag ``L`` (clipped to ``[0, T - 1]``).
    chunk
        Event sets per batch of the pair sums (lowered to bound their memory).

    Returns
    -------
    HacResult
        Arrays of length ``S`` (1 for a single set); all NaN when ``n = 0`` or ``n >= T``.

    Raises
    ------
    ValueError
        If ``values`` is not 1-d, or ``events`` holds indices outside ``[0, T)`` or repeats
        a day within a set.

    References
    ----------
    Newey, W. K. and West, K. D. (1987). A simple, positive semi-definite, heteroskedasticity
    and autocorrelation consistent covariance matrix. *Econometrica* 55, 703-708.
    Kiefer, N. M. and Vogelsang, T. J. (2005). A new asymptotic theory for heteroskedasticity-
    autocorrelation robust tests. *Econometric Theory* 21, 1130-1164.

    Examples
    --------
    >>> y = np.sin(np.arange(200) / 7.0)
    >>> res = hac_event_test(y, np.array([10, 50, 90, 130]), lag=4)
    >>> res.coef.shape, bool(res.p_fixed_b[0] >= res.p[0])
    ((1,), True)
    """
    return _hac_event_test(values, events, lag, chunk=chunk)
