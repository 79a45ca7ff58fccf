"""Generate the fixed-b quantile table of the Bartlett-kernel HAC t-statistic.

Kiefer and Vogelsang (2005), Theorem 1: with the Newey-West (Bartlett) long-run variance at
bandwidth ``M = b T`` (lag weights ``1 - j / M``; :func:`~eventstudy.inference.classical.newey_west`
at lag ``L`` is ``M = L + 1``), the t-statistic of a regression coefficient converges, for
fixed ``b`` in ``(0, 1]``, to

    t_inf = W(1) / sqrt(Q(b)),
    Q(b) = (2 / b) int_0^1 B(r)^2 dr - (2 / b) int_0^{1-b} B(r + b) B(r) dr,

with ``B(r) = W(r) - r W(1)`` the Brownian bridge of a standard Wiener process ``W``; ``W(1)``
is independent of the bridge, hence of ``Q(b)``.

The limit is simulated by its discrete version on ``N`` steps (``--steps``, default 2,000):
partial sums of i.i.d. N(0, 1) draws, bridged and scaled by ``1 / sqrt(N)``, with
``m = b N`` steps per bandwidth:

    Q_N(b) = (2 / m) [ sum_{t<N} B_t^2 - sum_{t<N-m} B_t B_{t+m} ],

which is *exactly* ``N`` times the ``newey_west`` variance, at lag ``m - 1``, of the mean
of the ``N`` draws (summation by parts: the second difference of the Bartlett weights is
``2/M`` at 0 and ``-1/M`` at ``+-M``; the script checks the identity on one path), so
``W_N(1) / sqrt(Q_N(b))`` is the finite-sample HAC t-statistic of that mean. Because ``W(1)`` is
independent of ``Q``, the tail probability is computed conditionally on each simulated
``Q`` (Rao-Blackwellisation, no draw of ``W(1)``):

    P(|t_inf| > x) = E[ 2 Phi(-x sqrt(Q(b))) ],

which is smooth in ``x`` and much less noisy in the tails than counting exceedances. Each
quantile ``q(b, p)`` (the ``x`` with tail probability ``p``) is found by Newton's method on
that average; its Monte Carlo standard error is the delta-method
``sd(2 Phi(-q sqrt(Q))) / sqrt(R) / f(q)`` with ``f(q) = E[2 sqrt(Q) phi(q sqrt(Q))]``.
The row ``b = 0`` is the normal limit (exact). The script prints:

* the table as Python literals to paste into ``eventstudy/inference/classical.py``;
* the largest Monte Carlo standard error (overall and for ``p = 0.05``);
* the 97.5% quantiles of ``t`` (``p = 0.05`` two-sided) and the 0.999 quantiles of ``|t|``
  at ``b = 0.1, 0.2, 0.5, 1`` next to their exact values and, for the former, the
  Kiefer-Vogelsang (2005) cubic ``1.96 + 2.9694 b + 0.4160 b^2 - 0.5324 b^3``. Exact: ``Q_N``
  is a quadratic form ``sum lambda_j Z_j^2`` in independent normals (the eigenvalues of the
  centred Bartlett kernel, here on 1,000 points; 2,000 and 4,000 give the same quantiles to
  4 decimals), so ``P(W(1)^2 > x^2 Q_N)`` follows from Imhof's (1961) inversion formula;
* the largest error of the interpolation ``fixed_b_pvalue`` does between grid rows and
  levels, against the exact tail probability at off-grid ``b`` and ``|t|``.

    python benchmarks/fixed_b_table.py [--reps 400000] [--steps 2000] [--seed 20050101] [--chunk 2000]

References
----------
Imhof, J. P. (1961). Computing the distribution of quadratic forms in normal variables.
*Biometrika* 48, 419-426.
Kiefer, N. M. and Vogelsang, T. J. (2005). A new asymptotic theory for heteroskedasticity-
autocorrelation robust tests. *Econometric Theory* 21, 1130-1164.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy import integrate, linalg, optimize, special, stats

B_GRID = np.round(np.arange(51) * 0.02, 2)
P_GRID = (0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.15, 0.1, 0.075, 0.05, 0.04, 0.03, 0.025, 0.02, 0.015, 0.01,
          0.0075, 0.005, 0.0025, 0.001, 0.0005, 0.0001)  # fmt: skip
# Kiefer-Vogelsang (2005) cubic for the 97.5% quantile of t, Bartlett kernel, as secondary sources quote it
KV_CUBIC = (1.96, 2.9694, 0.4160, -0.5324)


def simulate_q(bs: np.ndarray, reps: int, steps: int, seed: int, chunk: int) -> np.ndarray:
    """``Q_N(b)`` for every ``b > 0`` in ``bs`` on ``reps`` bridged random walks: ``(len(bs), reps)``."""
    rng = np.random.default_rng(seed)
    ms = np.rint(np.asarray(bs) * steps).astype(int)
    out = np.empty((ms.size, reps))
    frac = np.arange(1, steps) / steps
    for lo in range(0, reps, chunk):
        c = min(chunk, reps - lo)
        walk = np.cumsum(rng.standard_normal((c, steps)), axis=1)
        bridge = (walk[:, :-1] - frac * walk[:, -1:]) / np.sqrt(steps)  # B_t, t = 1..N-1 (B_N = 0)
        ss = np.einsum("ij,ij->i", bridge, bridge)
        for k, m in enumerate(ms):
            cross = np.einsum("ij,ij->i", bridge[:, m:], bridge[:, :-m]) if m < steps - 1 else 0.0
            out[k, lo : lo + c] = 2 / m * (ss - cross)
    return out


def tail(x: np.ndarray, root_q: np.ndarray) -> np.ndarray:
    """``P(|t_inf| > x)`` for each ``x``, averaged over the simulated ``sqrt(Q)``."""
    return 2 * special.ndtr(-np.multiply.outer(x, root_q)).mean(axis=-1)


def quantiles(root_q: np.ndarray, ps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Quantiles ``q`` with ``P(|t_inf| > q) = p`` and their Monte Carlo standard errors."""
    x = stats.norm.isf(ps / 2) * np.median(1 / root_q)  # start; Newton on a convex decreasing tail
    for _ in range(100):
        z = np.multiply.outer(x, root_q)
        f = (2 * stats.norm.pdf(z) * root_q).mean(axis=-1)
        step = (2 * special.ndtr(-z).mean(axis=-1) - ps) / f
        x = np.maximum(x + step, x / 2)
        if np.max(np.abs(step)) < 1e-12:
            break
    z = np.multiply.outer(x, root_q)
    f = (2 * stats.norm.pdf(z) * root_q).mean(axis=-1)
    se = (2 * special.ndtr(-z)).std(axis=-1, ddof=1) / np.sqrt(root_q.size) / f
    return x, se


def check_identity(steps: int, m: int) -> float:
    """Relative gap between ``Q_N`` and ``newey_west`` at lag ``m - 1`` on one path."""
    from eventstudy.inference.classical import newey_west

    e = np.random.default_rng(1).standard_normal(steps)
    walk = np.cumsum(e)
    bridge = (walk[:-1] - np.arange(1, steps) / steps * walk[-1]) / np.sqrt(steps)
    q = 2 / m * (bridge @ bridge - (bridge[m:] @ bridge[:-m] if m < steps - 1 else 0.0))
    nw = newey_west(np.ones((steps, 1)), e - e.mean(), m - 1)[0, 0] * steps  # Var(mean) * N
    return abs(q - nw) / nw


def centred_kernel_eigenvalues(b: float, steps: int = 1000) -> np.ndarray:
    """Eigenvalues ``lambda_j`` of the centred Bartlett kernel ``H K H / N``: ``Q_N(b) = sum lambda_j Z_j^2``.

    ``Q_N`` is the Newey-West variance of demeaned i.i.d. N(0, 1) data, ``e' H K H e / N`` with
    ``K_ts = max(0, 1 - |t - s| / (b N))``; ``H 1 = 0`` makes it independent of ``sum e``.
    """
    i = np.arange(steps)
    k = np.maximum(0.0, 1 - np.abs(i[:, None] - i[None, :]) / (b * steps))
    k -= k.mean(axis=0, keepdims=True)
    k -= k.mean(axis=1, keepdims=True)
    lam = linalg.eigvalsh(k / steps)
    return lam[lam > 1e-14]


def imhof_tail(x: float, lam: np.ndarray) -> float:
    """``P(Z_0^2 > x^2 sum lambda_j Z_j^2)`` by Imhof's (1961) inversion: exact up to quadrature."""
    mu = np.r_[1.0, -x * x * lam]

    def integrand(u: float) -> float:
        theta = 0.5 * np.arctan(mu * u).sum()
        log_rho = 0.25 * np.log1p((mu * u) ** 2).sum()
        return float(np.sin(theta) / u * np.exp(-log_rho))

    value, _ = integrate.quad(integrand, 0, np.inf, limit=2000, epsabs=1e-13, epsrel=1e-10)
    return 0.5 + value / np.pi


def interpolated_p(table: np.ndarray, b: float, x: float) -> float:
    """What ``classical.fixed_b_pvalue`` does with the table (z-scale interpolation)."""
    row = np.array([np.interp(b, B_GRID, table[:, k]) for k in range(table.shape[1])])
    zs = stats.norm.isf(np.asarray(P_GRID) / 2)
    z = np.interp(x, np.r_[0.0, row], np.r_[0.0, zs])
    return float(2 * stats.norm.sf(z))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=400_000)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20050101)
    parser.add_argument("--chunk", type=int, default=2000)
    args = parser.parse_args()
    ps = np.asarray(P_GRID)
    print(f"# identity Q_N == newey_west * N: rel. gap {max(check_identity(args.steps, m) for m in (1, 40, 400, args.steps)):.1e}")
    start = time.perf_counter()
    q = simulate_q(B_GRID[1:], args.reps, args.steps, args.seed, args.chunk)
    root_q = np.sqrt(q)
    table = np.empty((B_GRID.size, ps.size))
    se = np.zeros_like(table)
    table[0] = stats.norm.isf(ps / 2)
    for k in range(1, B_GRID.size):
        table[k], se[k] = quantiles(root_q[k - 1], ps)
    elapsed = time.perf_counter() - start
    assert np.all(np.diff(table, axis=0) > 0) and np.all(np.diff(table, axis=1) > 0), "table not monotone"
    # fixed_b_pvalue extrapolates the last segment; that stays monotone in b while the gap widens with b
    assert np.all(np.diff(table[:, -1] - table[:, -2]) > 0), "last gap not increasing in b"
    j05, j001 = P_GRID.index(0.05), P_GRID.index(0.001)
    print(f"# {args.reps:,} replications, {args.steps:,} steps, seed {args.seed}, {elapsed:.0f} s")
    print(f"# Monte Carlo s.e. of the quantiles: max {se.max():.4f} (at b = {B_GRID[np.argmax(se.max(axis=1))]}), "
          f"p = 0.05 column max {se[:, j05].max():.4f}")  # fmt: skip
    exact = {b: centred_kernel_eigenvalues(b) for b in (0.1, 0.2, 0.5, 1.0, 0.01, 0.05, 0.13, 0.37, 0.71, 0.99)}
    print("# check: exact quantiles of the discrete limit on 1,000 points (eigenvalues + Imhof inversion)")
    print("# b      p = 0.05: table (s.e.)    exact    KV cubic    p = 0.001: table (s.e.)    exact")
    for b in (0.1, 0.2, 0.5, 1.0):
        k = int(np.argmin(np.abs(B_GRID - b)))
        cubic = sum(c * b**i for i, c in enumerate(KV_CUBIC))
        q05 = optimize.brentq(lambda x, b=b: imhof_tail(x, exact[b]) - 0.05, 1.0, 10.0)
        q001 = optimize.brentq(lambda x, b=b: imhof_tail(x, exact[b]) - 0.001, 2.0, 30.0)
        print(f"# {b:4.2f}   {table[k, j05]:.4f} ({se[k, j05]:.4f})        {q05:.4f}   {cubic:.4f}      "
              f"{table[k, j001]:.4f} ({se[k, j001]:.4f})           {q001:.4f}")  # fmt: skip
    worst = (0.0, 0.0, 0.0, 0.0)  # interpolation between grid rows and levels, against the exact tail
    for b in (0.01, 0.05, 0.13, 0.37, 0.71, 0.99):
        for x in (0.3, 1.0, 1.7, 2.2, 2.9, 3.6, 4.4, 5.5, 7.0, 9.0, 12.0):
            p_exact = imhof_tail(x, exact[b])
            if p_exact > 1e-4:
                worst = max(worst, (abs(interpolated_p(table, b, x) / p_exact - 1), b, x, p_exact))
    print(f"# interpolated p at off-grid (b, |t|) with p > 0.0001: largest relative error {worst[0]:.4f}\n"
          f"# (b = {worst[1]}, |t| = {worst[2]}, exact p = {worst[3]:.2e})")  # fmt: skip
    half = ps.size // 2
    print(f"FIXED_B_PVALUES = np.array({list(P_GRID[:half])}\n    + {list(P_GRID[half:])})")
    print("_FIXED_B_SIMULATED = np.array(  # rows b = 0.02, 0.04, ..., 1.0; columns FIXED_B_PVALUES")
    print("    [")
    for b, row in zip(B_GRID[1:], table[1:]):
        print(f"        [{', '.join(f'{v:.4f}' for v in row[:half])},  # b = {b:.2f}")
        print(f"         {', '.join(f'{v:.4f}' for v in row[half:])}],")
    print("    ]")
    print(")")


if __name__ == "__main__":
    main()
