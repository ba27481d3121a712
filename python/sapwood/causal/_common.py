"""What every causal estimator shares: input checks, treatment arms, cross-fitting folds,
fitting with optional sample weights, normal quantiles, and the no-copy widened views that
let a model trained on [X, treatment columns] predict from X alone.

Conventions follow EconML (econml/_ortho_learner.py, econml/utilities.py) so that switching the
import gives the same numbers: the baseline arm is the first category in sorted order, one-hot
treatment columns drop the baseline, integer ``cv`` means StratifiedKFold over the treatment with
shuffling seeded by ``check_random_state(random_state)``.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any, Iterator, List, Optional, Sequence, Tuple

import numpy as np

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def as_features(X: Any, name: str = "X") -> np.ndarray:
    """X as a 2-D float array, without a copy when it already is one (native predictions read
    float32/float64 in place, so converting here would cost a copy of every row)."""
    array = X.to_numpy() if hasattr(X, "to_numpy") and hasattr(X, "columns") else np.asarray(X)
    if array.dtype not in _FLOATS:
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{name} must be numeric, got dtype {array.dtype}")
        array = array.astype(np.float64)
    if array.ndim == 1:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features); reshape a single feature "
                         f"with {name}.reshape(-1, 1)")
    if array.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got {array.ndim} dimensions")
    return array


def as_vector(values: Any, n: int, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"{name} must be a vector of length {n}, got shape {array.shape}")
    if array.shape[0] != n:
        raise ValueError(f"{name} has {array.shape[0]} rows, X has {n}")
    return array


def outcome_vector(Y: Any, n: Optional[int] = None) -> np.ndarray:
    y = np.asarray(Y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"Y must be a single outcome of shape (n,) or (n, 1), got {y.shape}")
    if n is not None and y.shape[0] != n:
        raise ValueError(f"Y has {y.shape[0]} rows, X has {n}")
    return y.astype(np.float64, copy=False)


def weights_vector(sample_weight: Any, n: int) -> Optional[np.ndarray]:
    if sample_weight is None:
        return None
    w = as_vector(sample_weight, n, "sample_weight").astype(np.float64)
    if not np.all(np.isfinite(w)) or np.any(w < 0) or not np.any(w > 0):
        raise ValueError("sample_weight must be finite, non-negative and not all zero")
    return w


class Arms:
    """The treatment's categories: code 0 is the baseline (control), codes 1..k the arms
    compared with it, as EconML's one-hot encoder with drop='first'."""

    def __init__(self, T: np.ndarray, categories: Any = "auto") -> None:
        if isinstance(categories, str) and categories == "auto":
            labels = np.unique(T)
        else:
            labels = np.asarray(list(categories))
            unknown = np.setdiff1d(np.unique(T), labels)
            if unknown.size:
                raise ValueError(f"T holds values not in categories: {unknown[:5].tolist()}")
        if labels.size < 2:
            raise ValueError("T must take at least two values (control and a treatment), "
                             f"got {labels.tolist()}")
        self.labels = labels

    @property
    def n_treatments(self) -> int:
        """Arms other than the baseline."""
        return int(self.labels.size - 1)

    def codes(self, T: Any) -> np.ndarray:
        T = np.asarray(T)
        position = {label: code for code, label in enumerate(self.labels.tolist())}
        try:
            codes = np.fromiter((position[v] for v in T.ravel().tolist()), dtype=np.intp, count=T.size)
            return codes.reshape(T.shape)
        except KeyError as error:
            raise ValueError(f"unknown treatment value {error.args[0]!r}; "
                             f"the categories are {self.labels.tolist()}") from None

    def one_hot(self, codes: np.ndarray) -> np.ndarray:
        """(n, k) float indicators of arms 1..k (the baseline is the all-zero row)."""
        out = np.zeros((codes.shape[0], self.n_treatments))
        treated = codes > 0
        out[np.flatnonzero(treated), codes[treated] - 1] = 1.0
        return out

    def pick(self, theta: np.ndarray, T0: Any, T1: Any) -> np.ndarray:
        """effect(T0 -> T1) per row from theta, the (m, k) effects of arms 1..k over the
        baseline; T0 and T1 are labels, scalars or one per row."""
        m = theta.shape[0]
        full = np.concatenate([np.zeros((m, 1)), theta], axis=1)
        c0 = np.broadcast_to(self.codes(np.asarray(T0)), (m,))
        c1 = np.broadcast_to(self.codes(np.asarray(T1)), (m,))
        rows = np.arange(m)
        return full[rows, c1] - full[rows, c0]


def check_models(models: Any, count: int, what: str) -> List[Any]:
    """One unfitted clone per arm, from a single estimator or a list of ``count`` of them."""
    from sklearn.base import clone

    if isinstance(models, (list, tuple)):
        if len(models) != count:
            raise ValueError(f"{what}: got {len(models)} estimators for {count} treatment arms "
                             "(give one, or one per arm)")
        return [clone(m, safe=False) for m in models]
    return [clone(models, safe=False) for _ in range(count)]


def fit(estimator: Any, X: np.ndarray, y: np.ndarray, sample_weight: Optional[np.ndarray]) -> Any:
    if sample_weight is None:
        return estimator.fit(X, y)
    return estimator.fit(X, y, sample_weight=sample_weight)


def take(values: Optional[np.ndarray], rows: np.ndarray) -> Optional[np.ndarray]:
    return None if values is None else values[rows]


def folds(cv: Any, features: np.ndarray, strata: np.ndarray,
          random_state: Any) -> List[Tuple[np.ndarray, np.ndarray]]:
    """Cross-fitting folds as EconML makes them: an int means StratifiedKFold over the
    treatment, shuffled with ``check_random_state(random_state)``; a splitter or an iterable
    of (train, test) index pairs is used as given."""
    from sklearn.model_selection import StratifiedKFold
    from sklearn.utils import check_random_state

    if cv is None:
        cv = 3
    if isinstance(cv, (int, np.integer)) and not isinstance(cv, bool):
        if cv < 2:
            raise ValueError(f"cv must be at least 2 folds for cross-fitting, got {cv}")
        splitter = StratifiedKFold(n_splits=int(cv), shuffle=True,
                                   random_state=check_random_state(random_state))
        return [(np.asarray(a), np.asarray(b)) for a, b in splitter.split(features, strata)]
    if hasattr(cv, "split"):
        return [(np.asarray(a), np.asarray(b)) for a, b in cv.split(features, strata)]
    return [(np.asarray(a), np.asarray(b)) for a, b in cv]


def z_value(alpha: float) -> float:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    return NormalDist().inv_cdf(1 - alpha / 2)


def mean_and_stderr(scores: np.ndarray, weights: Optional[np.ndarray]) -> Tuple[float, float]:
    """Mean of per-row scores and its standard error, sd / sqrt(n) with the n - 1 correction
    (weighted: the sandwich form of the same, which reduces to it for equal weights)."""
    n = scores.shape[0]
    if n < 2:
        return float(np.mean(scores)), math.nan
    if weights is None:
        return float(np.mean(scores)), float(np.std(scores, ddof=1) / math.sqrt(n))
    total = float(np.sum(weights))
    estimate = float(np.dot(weights, scores) / total)
    spread = float(np.sqrt(np.sum((weights * (scores - estimate)) ** 2) * n / (n - 1)))
    return estimate, spread / total


def widened(X: np.ndarray, extra: int) -> Iterator[Tuple[slice, np.ndarray]]:
    """Read-only matrices with ``extra`` more columns than X, covering X's rows in order.

    A model trained on [X, treatment columns] is evaluated with the treatment columns supplied
    by ``set_features``, so their contents are never used, only their addresses: for rows whose
    widened row still ends inside X's memory (all but the last ceil(extra * col_stride /
    row_stride) rows of a row-major X), the widened matrix is a strided view of X itself. The
    remaining rows (or all rows of a column-major X, where no such view stays inside X) are
    copied, once. No extra column of a view is written, and the native engine overwrites
    what it reads from them."""
    n, d = X.shape
    row_stride, col_stride = X.strides
    view_rows = 0
    if n > 0 and d > 0 and row_stride > 0 and col_stride > 0:
        # Row r of the view ends at r*row_stride + (d + extra - 1)*col_stride; X's last element
        # is at (n - 1)*row_stride + (d - 1)*col_stride. Everything between two elements of
        # one array lies inside its allocation.
        view_rows = max(0, n - math.ceil(extra * col_stride / row_stride))
    if view_rows:
        view = np.lib.stride_tricks.as_strided(X, shape=(view_rows, d + extra),
                                               strides=(row_stride, col_stride), writeable=False)
        yield slice(0, view_rows), view
    if view_rows < n:
        rest = np.empty((n - view_rows, d + extra), dtype=X.dtype)
        rest[:, :d] = X[view_rows:]
        rest[:, d:] = 0.0
        yield slice(view_rows, n), rest
