"""The README's usage example, run as a test (tests/python/test_examples.py)."""

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

import sapwood

rng = np.random.default_rng(0)
X = rng.normal(size=(1000, 8))
X[rng.random(X.shape) < 0.05] = np.nan  # missing values go where sklearn sends them
y = (X[:, 0] + np.nan_to_num(X[:, 1]) > 0).astype(int)
clf = HistGradientBoostingClassifier(max_iter=50).fit(X, y)

model = sapwood.load(clf)
print(model)
assert np.array_equal(model.predict(X), clf.predict(X))
assert np.array_equal(model.predict_raw(X), clf.decision_function(X))  # bit-identical margins
proba = model.predict_proba(X.astype(np.float32), n_threads=2)
assert np.allclose(proba, clf.predict_proba(X.astype(np.float32)), rtol=1e-12)
