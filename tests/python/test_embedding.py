"""The native embedding path end to end: sapwood is built and installed into a temporary
prefix with CMake, examples/cpp (C++ API) and examples/c (C API) are built against that
install only (find_package), and their predictions for a model file and a CSV must equal
Python's bit for bit.

Set SAPWOOD_SKIP_CPP_TESTS=1 where no C/C++ toolchain is at hand (wheel builders)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import List

import numpy as np
import pytest
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier
from sklearn.linear_model import LogisticRegression

import sapwood

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(os.environ.get("SAPWOOD_SKIP_CPP_TESTS") == "1", reason="SAPWOOD_SKIP_CPP_TESTS=1")


def _run(command: List[object], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, command))}\n{result.stdout}\n{result.stderr}"
    return result


def _generator() -> List[str]:
    return ["-G", "Ninja"] if shutil.which("ninja") else []


@pytest.fixture(scope="module")
def examples(tmp_path_factory) -> dict:
    cmake = shutil.which("cmake")
    assert cmake, "the embedding tests need cmake on PATH (pip install cmake)"
    build = ROOT / "build" / "embed-core"
    prefix = tmp_path_factory.mktemp("prefix")
    configure = [cmake, "-S", ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=Release", "-DSAPWOOD_BUILD_TESTS=OFF",
                 "-DSAPWOOD_INSTALL=ON", "-DSAPWOOD_BUILD_SHARED=ON", "-DSAPWOOD_WERROR=ON"]
    if not (build / "CMakeCache.txt").exists():
        configure += _generator()
    _run(configure)
    _run([cmake, "--build", build, "--parallel", str(os.cpu_count() or 2)])
    _run([cmake, "--install", build, "--prefix", prefix])
    assert (prefix / "include" / "sapwood" / "sapwood.h").exists()
    executables = {}
    for name, target in (("cpp", "score_csv"), ("c", "score_csv_c")):
        example_build = tmp_path_factory.mktemp(f"example-{name}")
        _run([cmake, "-S", ROOT / "examples" / name, "-B", example_build, f"-DCMAKE_PREFIX_PATH={prefix}",
              "-DCMAKE_BUILD_TYPE=Release", *_generator()])
        _run([cmake, "--build", example_build])
        executables[name] = example_build / target
    executables["prefix"] = prefix
    return executables


def _score(executable: Path, model_path: Path, csv_path: Path, output: str) -> np.ndarray:
    result = _run([executable, model_path, csv_path, output])
    return np.array([[float(v) for v in line.split(",")] for line in result.stdout.splitlines()])


def _write_csv(path: Path, X: np.ndarray) -> None:
    # repr-exact decimals, so the apps read back the very doubles Python holds; NaN as empty.
    lines = [",".join("" if np.isnan(v) else repr(float(v)) for v in row) for row in X]
    path.write_text("\n".join(lines) + "\n")


RNG = np.random.default_rng(3)
X = RNG.normal(size=(400, 6))
X[::17, 2] = np.nan


@pytest.mark.parametrize(
    "estimator, output",
    [
        (RandomForestClassifier(n_estimators=8, max_depth=6, random_state=0), "value"),
        (RandomForestClassifier(n_estimators=8, max_depth=6, random_state=0), "class"),
        (GradientBoostingRegressor(n_estimators=20, max_depth=3, random_state=0), "value"),
        (LogisticRegression(max_iter=500), "raw"),
    ],
    ids=["forest-proba", "forest-class", "gbm", "logistic-raw"],
)
@pytest.mark.parametrize("language", ["cpp", "c"])
def test_installed_apps_reproduce_python(examples, tmp_path: Path, estimator, output: str, language: str) -> None:
    clean = np.nan_to_num(X) if isinstance(estimator, (GradientBoostingRegressor, LogisticRegression)) else X
    if isinstance(estimator, GradientBoostingRegressor):
        y = clean[:, 0] * 2 + clean[:, 3]
    else:
        y = (clean[:, 0] + clean[:, 1] > 0).astype(int)
    estimator.fit(clean, y)
    model = sapwood.load(estimator)
    model_path = tmp_path / "model.sapwood"
    model.save(model_path)
    csv_path = tmp_path / "x.csv"
    _write_csv(csv_path, clean)
    got = _score(examples[language], model_path, csv_path, output)
    if output == "class":
        # The native APIs report class indices into classes_.
        expected = np.searchsorted(estimator.classes_, model.predict(clean)).astype(float).reshape(-1, 1)
        assert np.array_equal(np.asarray(estimator.classes_)[got[:, 0].astype(int)], estimator.predict(clean))
    elif output == "raw":
        expected = model.predict_raw(clean).reshape(len(clean), -1)
    else:
        expected = model.predict_proba(clean) if model.is_classifier else model.predict(clean).reshape(len(clean), -1)
    assert np.array_equal(got, expected)


def test_apps_report_bad_model_files(examples, tmp_path: Path) -> None:
    bad = tmp_path / "bad.sapwood"
    bad.write_bytes(b"SAPWOOD\0" + b"\0" * 100)
    csv_path = tmp_path / "x.csv"
    _write_csv(csv_path, X[:3])
    for executable in (examples["cpp"], examples["c"]):
        result = subprocess.run([str(executable), str(bad), str(csv_path)], capture_output=True, text=True)
        assert result.returncode == 1
        assert "invalid sapwood model file" in result.stderr


def test_categorical_model_from_c_takes_codes_named_by_its_metadata(examples, tmp_path: Path) -> None:
    # The contract for category columns from C (docs/format.md, "Metadata"): X holds each
    # category's position in the list the metadata gives for that column, NaN for missing or
    # unknown. A C program reads the lists through sapwood_metadata_json; here ctypes stands in
    # for it, and the C example app must then reproduce Python's DataFrame predictions.
    import ctypes
    import json

    lgb = pytest.importorskip("lightgbm")
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(8)
    n = 300
    frame = pd.DataFrame({
        "x": rng.normal(size=n),
        "color": pd.Categorical(rng.choice(["red", "green", "blue", "grey"], n)),
        "size": pd.Categorical(rng.choice(["S", "M", "L"], n), categories=["S", "M", "L"]),
    })
    y = frame["x"] + frame["color"].map({"red": 2.0, "green": -1.0, "blue": 0.5, "grey": 0.0}).astype(float)
    estimator = lgb.LGBMRegressor(n_estimators=10, num_leaves=7, min_child_samples=5, min_data_per_group=5,
                                  cat_smooth=1, verbose=-1).fit(frame, y)
    model = sapwood.load(estimator)
    model_path = tmp_path / "categorical.sapwood"
    model.save(model_path)

    library = next(p for p in examples["prefix"].rglob("libsapwood.so*") if p.is_file())
    lib = ctypes.CDLL(str(library))
    handle, text = ctypes.c_void_p(), ctypes.c_char_p()
    assert lib.sapwood_load_file(str(model_path).encode(), ctypes.byref(handle)) == 0
    assert lib.sapwood_metadata_json(handle, ctypes.byref(text)) == 0
    metadata = json.loads(text.value.decode())
    lib.sapwood_free(handle)
    meta = {key: value for key, value in metadata["meta"]["__dict__"]}
    tables = meta["encoders"]["__lightgbm_category_tables__"]["tables"]
    assert tables == [list(frame["color"].cat.categories), ["S", "M", "L"]]

    test = frame.iloc[:80].copy()
    test.loc[test.index[:3], "color"] = np.nan
    codes = test[["x"]].to_numpy(dtype=np.float64)
    columns = [codes[:, 0]]
    for k, name in enumerate(["color", "size"]):  # the k-th category column takes tables[k]
        lookup = {value: float(position) for position, value in enumerate(tables[k])}
        columns.append(np.array([lookup.get(v, np.nan) for v in test[name].astype(object)]))
    X_codes = np.column_stack(columns)
    csv_path = tmp_path / "codes.csv"
    _write_csv(csv_path, X_codes)
    got = _score(examples["c"], model_path, csv_path, "value")[:, 0]
    assert np.array_equal(got, model.predict(test))
    np.testing.assert_allclose(got, estimator.predict(test), rtol=1e-13)

