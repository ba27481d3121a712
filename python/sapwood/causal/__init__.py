"""sapwood.causal: treatment-effect estimators whose predictions run on sapwood's engine.

Drop-in for EconML's learners (change the import, keep the keywords): :class:`SLearner`,
:class:`TLearner`, :class:`XLearner` (econml.metalearners) and :class:`DRLearner`
(econml.dr), plus :func:`ate` for the average effect alone and :mod:`datasets` with designs of
known truth. After ``fit`` every nuisance and final model is compiled with ``sapwood.load``;
``effect`` and ``ate`` evaluate the compiled models (a model sapwood cannot load predicts
through its own ``predict``, with a :class:`NativeFallbackWarning`). Needs scikit-learn.
docs/causal.md describes the methods, their conventions and what they share with EconML.

Example
-------
>>> from sklearn.ensemble import HistGradientBoostingRegressor
>>> from sklearn.linear_model import LogisticRegression
>>> from sapwood.causal import DRLearner, datasets
>>> data = datasets.setup_d(n=2000, seed=0)
>>> est = DRLearner(model_regression=HistGradientBoostingRegressor(max_iter=50),
...                 model_propensity=LogisticRegression(),
...                 model_final=HistGradientBoostingRegressor(max_iter=50), random_state=0)
>>> tau = est.fit(data.Y, data.T, X=data.X).effect(data.X)      # doctest: +SKIP
"""

from __future__ import annotations

from typing import List

from . import datasets
from ._ate import DEFAULT_ATE_MIN_PROPENSITY, AteResult, ate
from ._native import NativeFallbackWarning
from .dr import DEFAULT_MIN_PROPENSITY, DRLearner
from .metalearners import SLearner, TLearner, XLearner

__all__ = [
    "AteResult",
    "DEFAULT_ATE_MIN_PROPENSITY",
    "DEFAULT_MIN_PROPENSITY",
    "DRLearner",
    "NativeFallbackWarning",
    "SLearner",
    "TLearner",
    "XLearner",
    "ate",
    "datasets",
]


def __dir__() -> List[str]:
    return sorted(__all__)
