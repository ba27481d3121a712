"""Synthetic treatment-effect designs with known truth: the four setups of Nie & Wager (2021),
"Quasi-oracle estimation of heterogeneous treatment effects", Biometrika 108(2), 299-319,
Section 6, and a poor-overlap design.

Every design draws covariates X, a baseline b(X), a propensity e(X), an effect tau(X), then

    T ~ Bernoulli(e(X)),    Y = b(X) + (T - 1/2) tau(X) + sigma * eps,    eps ~ N(0, 1),

so the potential outcomes have means mu0 = b - tau/2 and mu1 = b + tau/2. Each function is
seeded (``numpy.random.default_rng(seed)``) and returns a :class:`CausalDataset` holding the
draws and the truth: ``tau`` (the CATE per row), ``propensity``, ``mu0``, ``mu1`` and ``ate``,
the population average effect E[tau(X)] (exact or by Gauss-Hermite quadrature), which is what
an ATE confidence interval should cover.
"""

from __future__ import annotations

import math
from typing import Callable, Dict, NamedTuple

import numpy as np

__all__ = ["CausalDataset", "setup_a", "setup_b", "setup_c", "setup_d", "poor_overlap", "DESIGNS"]


class CausalDataset(NamedTuple):
    """Draws of a synthetic design and its truth."""

    X: np.ndarray
    T: np.ndarray
    Y: np.ndarray
    tau: np.ndarray
    propensity: np.ndarray
    mu0: np.ndarray
    mu1: np.ndarray
    ate: float
    name: str


def _softplus(z: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, z)


def _expit(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _normal_mean(f: Callable[[np.ndarray], np.ndarray], nodes: int = 120) -> float:
    """E[f(Z)], Z ~ N(0, 1), by Gauss-Hermite quadrature (probabilists' weights)."""
    z, weight = np.polynomial.hermite_e.hermegauss(nodes)
    return float(np.dot(weight, f(z)) / math.sqrt(2.0 * math.pi))


def _draw(name: str, X: np.ndarray, b: np.ndarray, e: np.ndarray, tau: np.ndarray, ate: float,
          sigma: float, rng: np.random.Generator) -> CausalDataset:
    T = (rng.random(X.shape[0]) < e).astype(np.int64)
    Y = b + (T - 0.5) * tau + sigma * rng.normal(size=X.shape[0])
    return CausalDataset(X, T, Y, tau, e, b - tau / 2, b + tau / 2, ate, name)


def _check(n: int, d: int, least: int) -> None:
    if n < 1:
        raise ValueError(f"n must be positive, got {n}")
    if d < least:
        raise ValueError(f"this design uses {least} covariates; d must be at least {least}, got {d}")


def setup_a(n: int = 1000, d: int = 6, sigma: float = 1.0, seed: int = 0) -> CausalDataset:
    """Setup A, difficult nuisance components, easy effect.

    X ~ U[0, 1]^d;  b(X) = sin(pi X1 X2) + 2 (X3 - 0.5)^2 + X4 + 0.5 X5;
    e(X) = trim_0.1(sin(pi X1 X2)) with trim_eta(x) = max(eta, min(x, 1 - eta));
    tau(X) = (X1 + X2) / 2;  ATE = 1/2.
    """
    _check(n, d, 5)
    rng = np.random.default_rng(seed)
    X = rng.random((n, d))
    b = np.sin(np.pi * X[:, 0] * X[:, 1]) + 2.0 * (X[:, 2] - 0.5) ** 2 + X[:, 3] + 0.5 * X[:, 4]
    e = np.clip(np.sin(np.pi * X[:, 0] * X[:, 1]), 0.1, 0.9)
    tau = (X[:, 0] + X[:, 1]) / 2.0
    return _draw("A", X, b, e, tau, 0.5, sigma, rng)


def setup_b(n: int = 1000, d: int = 6, sigma: float = 1.0, seed: int = 0) -> CausalDataset:
    """Setup B, a randomized trial.

    X ~ N(0, I_d);  b(X) = max(0, X1 + X2, X3) + max(0, X4 + X5);  e(X) = 1/2;
    tau(X) = X1 + log(1 + exp(X2));  ATE = E[log(1 + exp(Z))], Z ~ N(0, 1) (about 0.806).
    """
    _check(n, d, 5)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    b = np.maximum.reduce([np.zeros(n), X[:, 0] + X[:, 1], X[:, 2]]) + np.maximum(0.0, X[:, 3] + X[:, 4])
    e = np.full(n, 0.5)
    tau = X[:, 0] + _softplus(X[:, 1])
    return _draw("B", X, b, e, tau, _normal_mean(_softplus), sigma, rng)


def setup_c(n: int = 1000, d: int = 6, sigma: float = 1.0, seed: int = 0) -> CausalDataset:
    """Setup C, easy propensity, difficult baseline, constant effect.

    X ~ N(0, I_d);  b(X) = 2 log(1 + exp(X1 + X2 + X3));  e(X) = 1 / (1 + exp(X2 + X3));
    tau(X) = 1;  ATE = 1.
    """
    _check(n, d, 3)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    b = 2.0 * _softplus(X[:, 0] + X[:, 1] + X[:, 2])
    e = _expit(-(X[:, 1] + X[:, 2]))
    tau = np.ones(n)
    return _draw("C", X, b, e, tau, 1.0, sigma, rng)


def setup_d(n: int = 1000, d: int = 6, sigma: float = 1.0, seed: int = 0) -> CausalDataset:
    """Setup D, unrelated treatment and control arms.

    X ~ N(0, I_d);  b(X) = (max(X1 + X2 + X3, 0) + max(X4 + X5, 0)) / 2;
    e(X) = 1 / (1 + exp(-X1) + exp(-X2));  tau(X) = max(X1 + X2 + X3, 0) - max(X4 + X5, 0);
    ATE = E[max(N(0, 3), 0)] - E[max(N(0, 2), 0)] = (sqrt(3) - sqrt(2)) / sqrt(2 pi).
    """
    _check(n, d, 5)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    first, second = np.maximum(X[:, 0] + X[:, 1] + X[:, 2], 0.0), np.maximum(X[:, 3] + X[:, 4], 0.0)
    b = (first + second) / 2.0
    e = 1.0 / (1.0 + np.exp(-X[:, 0]) + np.exp(-X[:, 1]))
    tau = first - second
    return _draw("D", X, b, e, tau, (math.sqrt(3.0) - math.sqrt(2.0)) / math.sqrt(2.0 * math.pi), sigma, rng)


def poor_overlap(n: int = 1000, d: int = 6, sigma: float = 1.0, seed: int = 0,
                 strength: float = 2.0) -> CausalDataset:
    """Poor overlap: treatment is nearly determined by X1 + X2, and the effect and baseline
    both move with it, so unadjusted and weakly adjusted estimates are badly biased.

    X ~ N(0, I_d);  e(X) = expit(strength (X1 + X2)) (with strength 2, about 5% of rows on
    each side have e < 0.01 or e > 0.99);  b(X) = max(X1 + X2, 0) + 0.5 X3;  tau(X) = 1 + X1;
    ATE = 1.
    """
    _check(n, d, 3)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    e = _expit(strength * (X[:, 0] + X[:, 1]))
    b = np.maximum(X[:, 0] + X[:, 1], 0.0) + 0.5 * X[:, 2]
    tau = 1.0 + X[:, 0]
    return _draw("poor overlap", X, b, e, tau, 1.0, sigma, rng)


#: The designs by short name, for benchmarks and tests.
DESIGNS: Dict[str, Callable[..., CausalDataset]] = {
    "A": setup_a, "B": setup_b, "C": setup_c, "D": setup_d, "overlap": poor_overlap,
}
