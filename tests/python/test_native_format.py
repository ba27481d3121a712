"""sapwood's own format from Python: Model.save / to_bytes and sapwood.load give back a model
that predicts bit for bit what the original did (and what the source library does), with
its classes, feature names and encoders; damaged files raise SapwoodError."""

from __future__ import annotations

import pathlib

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import (
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    IsolationForest,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression

import sapwood

RNG = np.random.default_rng(7)
X = RNG.normal(size=(300, 5))
Y_CLASS = np.array(["low", "mid", "high"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5).astype(int)]


def _round_trip(model: sapwood.Model, tmp_path: pathlib.Path) -> sapwood.Model:
    path = tmp_path / "model.sapwood"
    model.save(path)
    from_file = sapwood.load(path)
    from_bytes = sapwood.load(model.to_bytes())
    assert from_file.to_bytes() == from_bytes.to_bytes()
    return from_file


@pytest.mark.parametrize(
    "estimator",
    [
        RandomForestClassifier(n_estimators=5, max_depth=4, random_state=0),
        GradientBoostingClassifier(n_estimators=10, max_depth=2, random_state=0),
        LogisticRegression(max_iter=500),
    ],
    ids=lambda e: type(e).__name__,
)
def test_classifiers_round_trip_with_string_labels(estimator, tmp_path: pathlib.Path) -> None:
    estimator.fit(X, Y_CLASS)
    loaded = _round_trip(sapwood.load(estimator), tmp_path)
    assert list(loaded.classes_) == list(estimator.classes_)
    assert np.array_equal(loaded.predict(X), estimator.predict(X))
    assert np.array_equal(loaded.predict_proba(X), sapwood.load(estimator).predict_proba(X))
    np.testing.assert_allclose(loaded.predict_proba(X), estimator.predict_proba(X), rtol=1e-12, atol=1e-15)


def test_regressor_with_feature_names_round_trips(tmp_path: pathlib.Path) -> None:
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
    rf = RandomForestRegressor(n_estimators=5, max_depth=5, random_state=0).fit(frame, X[:, 0])
    loaded = _round_trip(sapwood.load(rf), tmp_path)
    assert loaded.feature_names == list(frame.columns)
    assert np.array_equal(loaded.predict(frame[frame.columns[::-1]]), rf.predict(frame))


def test_categorical_hist_gradient_boosting_round_trips(tmp_path: pathlib.Path) -> None:
    frame = pd.DataFrame({"num": X[:, 0], "cat": pd.Categorical(np.array(["a", "b", "c", "d"])[RNG.integers(0, 4, 300)])})
    y = (frame["num"] > 0) ^ (frame["cat"].isin(["b", "d"]))
    hgb = HistGradientBoostingClassifier(max_iter=10, categorical_features="from_dtype").fit(frame, y)
    loaded = _round_trip(sapwood.load(hgb), tmp_path)
    assert np.array_equal(loaded.predict_proba(frame), sapwood.load(hgb).predict_proba(frame))
    assert np.array_equal(loaded.predict(frame), hgb.predict(frame))


def test_isolation_forest_keeps_its_offset(tmp_path: pathlib.Path) -> None:
    iso = IsolationForest(n_estimators=10, random_state=0).fit(X)
    loaded = _round_trip(sapwood.load(iso), tmp_path)
    assert np.array_equal(loaded.decision_function(X), sapwood.load(iso).decision_function(X))
    assert np.array_equal(loaded.predict(X), iso.predict(X))


def test_damaged_files_are_refused(tmp_path: pathlib.Path) -> None:
    data = bytearray(sapwood.load(RandomForestRegressor(n_estimators=2, random_state=0).fit(X, X[:, 0])).to_bytes())
    with pytest.raises(sapwood.SapwoodError, match="invalid sapwood model file"):
        sapwood.load(bytes(data[: len(data) // 2]))
    # Find the thresholds section (id 15) in the section table and damage its first byte.
    count = int.from_bytes(data[24:28], "little")
    entries = [data[64 + 32 * i : 96 + 32 * i] for i in range(count)]
    offset = next(int.from_bytes(e[8:16], "little") for e in entries if int.from_bytes(e[0:4], "little") == 15)
    data[offset] ^= 0xFF
    with pytest.raises(sapwood.SapwoodError, match="checksum mismatch"):
        sapwood.load(bytes(data))


FIXTURES = sorted((pathlib.Path(__file__).resolve().parents[1] / "data" / "native").glob("*.sapwood"))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_files_written_by_released_versions_still_load(path: pathlib.Path) -> None:
    # Each fixture was saved by the release in its name; its .npz holds inputs and what
    # scikit-learn predicted for them when the file was written.
    assert FIXTURES, "tests/data/native holds no fixtures"
    model = sapwood.load(path)
    recorded = np.load(path.with_suffix(".npz"))
    assert np.array_equal(model.predict(recorded["X"]), recorded["source_predict"])
    values = model.predict_proba(recorded["X"]) if model.is_classifier else model.predict(recorded["X"])
    np.testing.assert_allclose(values, recorded["expected"], rtol=1e-12, atol=1e-15)
