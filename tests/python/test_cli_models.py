"""`sapwood convert` and `sapwood inspect` on real model files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from sklearn.ensemble import GradientBoostingRegressor

import sapwood


def _cli(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sapwood", *map(str, args)], capture_output=True, text=True)


def test_convert_then_inspect(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    gbm = GradientBoostingRegressor(n_estimators=7, max_depth=3, random_state=0).fit(X, X[:, 1] - X[:, 2])
    source = tmp_path / "gbm.sapwood"
    sapwood.load(gbm).save(source)
    converted = tmp_path / "copy.sapwood"
    result = _cli("convert", source, "-o", converted)
    assert result.returncode == 0, result.stderr
    assert np.array_equal(sapwood.load(converted).predict(X), gbm.predict(X))

    result = _cli("inspect", "--json", converted)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    depths = [e.tree_.max_depth for e in gbm.estimators_.ravel()]
    assert report["kind"] == "forest"
    assert report["n_trees"] == len(depths)
    assert report["depth_histogram"] == {str(d): depths.count(d) for d in sorted(set(depths))}
    splits = np.concatenate([e.tree_.feature[e.tree_.feature >= 0] for e in gbm.estimators_.ravel()])
    assert report["features_used"] == {f"x{f}": int((splits == f).sum()) for f in np.unique(splits)}
    assert report["source"] == "sklearn.ensemble.GradientBoostingRegressor"

    text = _cli("inspect", converted)
    assert text.returncode == 0 and "trees by depth:" in text.stdout


def test_bad_files_fail_cleanly(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"learner": ')
    for command in (("inspect", bad), ("convert", bad, "-o", tmp_path / "out.sapwood")):
        result = _cli(*command)
        assert result.returncode == 1
        assert "invalid JSON" in result.stderr
        assert "Traceback" not in result.stderr
    assert _cli("inspect", tmp_path / "absent.json").returncode == 1


def test_convert_to_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    X = np.random.default_rng(1).normal(size=(60, 2))
    source = tmp_path / "gbm.sapwood"
    sapwood.load(GradientBoostingRegressor(n_estimators=2).fit(X, X[:, 0])).save(source)
    target = tmp_path / "missing" / "x.sapwood"
    result = _cli("convert", source, "-o", target)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert str(target) in result.stderr and "No such file or directory" in result.stderr


def test_pickled_estimators_get_the_way_to_load_them(tmp_path: Path) -> None:
    import pickle

    import joblib

    X = np.random.default_rng(2).normal(size=(60, 2))
    gbm = GradientBoostingRegressor(n_estimators=2).fit(X, X[:, 0])
    files = [tmp_path / "m.pkl", tmp_path / "m.joblib", tmp_path / "mz.joblib"]
    files[0].write_bytes(pickle.dumps(gbm))
    joblib.dump(gbm, files[1])
    joblib.dump(gbm, files[2], compress=3)
    for path in files:
        result = _cli("inspect", path)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert "is a Python pickle" in result.stderr and "sapwood.load(joblib.load(" in result.stderr
        # The advice works on a file one trusts.
        assert np.array_equal(sapwood.load(joblib.load(path)).predict(X), gbm.predict(X))


def test_inspect_json_keeps_label_types(tmp_path: Path) -> None:
    from sklearn.ensemble import RandomForestClassifier

    X = np.random.default_rng(3).normal(size=(80, 2))
    for labels in (np.where(X[:, 0] > 0, 7, -2).astype(np.int64), np.where(X[:, 0] > 0, "yes", "no")):
        estimator = RandomForestClassifier(n_estimators=2, random_state=0).fit(X, labels)
        path = tmp_path / "rf.sapwood"
        sapwood.load(estimator).save(path)
        result = _cli("inspect", "--json", path)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["classes"] == estimator.classes_.tolist()
