"""Shared test data: small seeded training sets, and probe matrices that put values exactly
on a model's split thresholds and on their float32/float64 neighbours."""

from __future__ import annotations

from typing import Iterable, Optional

import numpy as np
import pytest


def make_regression(n_rows: int = 300, n_features: int = 6, seed: int = 0, nan_fraction: float = 0.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_features))
    X[:, 1] *= 1e6  # large magnitudes
    X[:, 2] = np.round(X[:, 2], 1)  # many ties: thresholds between repeated values
    y = X[:, 0] + 0.5 * np.sin(X[:, 2]) + 1e-6 * X[:, 1] + 0.1 * rng.normal(size=n_rows)
    if nan_fraction:
        X[rng.random(X.shape) < nan_fraction] = np.nan
    return X, y


def make_classification(n_rows: int = 300, n_features: int = 6, n_classes: int = 3, seed: int = 0,
                        nan_fraction: float = 0.0):
    X, y = make_regression(n_rows, n_features, seed, nan_fraction=0.0)
    edges = np.quantile(y, np.linspace(0, 1, n_classes + 1)[1:-1])
    labels = np.digitize(y, edges)
    if nan_fraction:
        rng = np.random.default_rng(seed + 1)
        X[rng.random(X.shape) < nan_fraction] = np.nan
    return X, labels


def probe_matrix(X: np.ndarray, features: Iterable[int], thresholds: Iterable[float], seed: int = 0,
                 with_nan: bool = False, limit: int = 400) -> np.ndarray:
    """Rows of X with one feature set to a split threshold, its float64 and float32 neighbours,
    its float32 rounding, plus rows of zeros, negative zeros, huge values and (optionally) NaN."""
    rng = np.random.default_rng(seed)
    pairs = list(zip(features, thresholds))
    if len(pairs) > limit:
        pairs = [pairs[i] for i in rng.choice(len(pairs), size=limit, replace=False)]
    rows = []
    base_rows = X[~np.isnan(X).any(axis=1)] if np.isnan(X).any() else X
    for feature, threshold in pairs:
        if not np.isfinite(threshold):
            continue
        t32 = np.float32(threshold)
        candidates = [
            threshold,
            np.nextafter(threshold, np.inf),
            np.nextafter(threshold, -np.inf),
            float(t32),
            float(np.nextafter(t32, np.float32(np.inf))),
            float(np.nextafter(t32, np.float32(-np.inf))),
        ]
        for value in candidates:
            row = base_rows[rng.integers(len(base_rows))].copy()
            row[feature] = value
            rows.append(row)
    n_features = X.shape[1]
    rows.append(np.zeros(n_features))
    rows.append(np.full(n_features, -0.0))
    rows.append(np.full(n_features, 1e30))
    rows.append(np.full(n_features, -1e30))
    rows.append(np.full(n_features, 3.0e38))
    if with_nan:
        for j in range(n_features):
            row = base_rows[rng.integers(len(base_rows))].copy()
            row[j] = np.nan
            rows.append(row)
        rows.append(np.full(n_features, np.nan))
    probe = np.vstack([np.asarray(rows), X[:50]])
    if not with_nan:
        probe = probe[~np.isnan(probe).any(axis=1)]
    return probe


def sklearn_tree_thresholds(trees: Iterable, feature_map: Optional[list] = None):
    features, thresholds = [], []
    for i, tree in enumerate(trees):
        internal = tree.children_left != -1
        feats = tree.feature[internal]
        if feature_map is not None:
            feats = np.asarray(feature_map[i])[feats]
        features.extend(feats.tolist())
        thresholds.extend(tree.threshold[internal].tolist())
    return features, thresholds


def layouts(X: np.ndarray):
    """The same values as float64/float32 in C order, Fortran order and a strided view."""
    for dtype in (np.float64, np.float32):
        base = X.astype(dtype)
        yield f"{np.dtype(dtype).name}-C", np.ascontiguousarray(base)
        yield f"{np.dtype(dtype).name}-F", np.asfortranarray(base)
        wide = np.zeros((base.shape[0] * 2, base.shape[1] * 3), dtype=dtype)
        wide[::2, ::3] = base
        yield f"{np.dtype(dtype).name}-strided", wide[::2, ::3]


@pytest.fixture(scope="session")
def regression_data():
    return make_regression()


@pytest.fixture(scope="session")
def classification_data():
    return make_classification()
