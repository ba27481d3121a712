"""Peer engines for bench/run.py: onnxruntime, treelite (compiled by tl2cgen), lleaves, daal4py.

Each adapter takes the fitted source object (an xgboost or lightgbm Booster, a scikit-learn
estimator) and the sapwood method the case compares (Source.method), converts the model once, and
returns a Peer whose predict(X, threads) gives what the source gives for that method. An adapter
raises (Unsupported, ImportError, or whatever the peer's converter raises) when the peer can't
handle the model; bench/run.py then skips that peer for that model. Conversion and compilation
are not timed.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from typing import Any, Callable, Dict, NamedTuple, Optional

import numpy as np

_scratch: Optional[tempfile.TemporaryDirectory] = None


def _workdir(peer: str) -> str:
    """A fresh folder for one model's files, under one temporary folder removed at exit."""
    global _scratch
    if _scratch is None:
        _scratch = tempfile.TemporaryDirectory(prefix="sapwood-bench-")
    return tempfile.mkdtemp(prefix=peer + "-", dir=_scratch.name)


class Unsupported(Exception):
    """The peer has no conversion for this model or this kind of output."""


def _same(expected: np.ndarray) -> np.ndarray:
    return expected


class Peer(NamedTuple):
    predict: Callable[[np.ndarray, int], np.ndarray]
    # Where a peer can't give what the source gives (probabilities only, where the case compares
    # margins), reference turns the source's output into the peer's, and note says so in the run.
    reference: Callable[[np.ndarray], np.ndarray] = _same
    note: str = ""


def _library(obj: Any) -> str:
    return type(obj).__module__.split(".")[0]  # "xgboost", "lightgbm" or "sklearn"


def _like_source(out: np.ndarray, method: str) -> np.ndarray:
    """A peer's (rows, columns) output shaped as the source's: one column becomes 1-D, and a
    binary classifier's positive-class probability becomes scikit-learn's two columns."""
    out = out.reshape(len(out), -1)
    if method == "predict_proba" and out.shape[1] == 1:
        out = np.hstack([1 - out, out])
    return out[:, 0] if out.shape[1] == 1 else out


def _per_thread_count(make: Callable[[int], Any]) -> Callable[[int], Any]:
    """onnxruntime and tl2cgen fix the thread count when a session or predictor is created:
    keep one per thread count, made on first use."""
    made: Dict[int, Any] = {}

    def get(threads: int) -> Any:
        if threads not in made:
            made[threads] = make(threads)
        return made[threads]
    return get


# ------------------------------------------------------------------ onnxruntime


def _to_onnx(obj: Any, method: str):
    """The ONNX model and the index of its output that matches `method`."""
    library = _library(obj)
    if library in ("xgboost", "lightgbm"):
        import onnxmltools
        from onnxmltools.convert.common.data_types import FloatTensorType

        n_features = obj.num_features() if library == "xgboost" else obj.num_feature()
        inputs = [("X", FloatTensorType([None, n_features]))]
        if library == "xgboost":
            model = onnxmltools.convert_xgboost(obj, initial_types=inputs)
        else:
            model = onnxmltools.convert_lightgbm(obj, initial_types=inputs, zipmap=False)
        return _raw_scores(model), 1
    import skl2onnx
    from skl2onnx.common.data_types import FloatTensorType

    inputs = [("X", FloatTensorType([None, obj.n_features_in_]))]
    # ai.onnx.ml 3: skl2onnx's IsolationForest converter refuses the newer opsets.
    opsets = {"": skl2onnx.get_latest_tested_opset_version(), "ai.onnx.ml": 3}

    def convert(**options):
        return skl2onnx.to_onnx(obj, initial_types=inputs, target_opset=opsets, **options)
    if method == "predict_proba":
        return convert(options={id(obj): {"zipmap": False}}), 1
    if method == "predict":
        return convert(), 0
    if method == "score_samples":  # the ONNX graph gives decision_function = score_samples - offset_
        return convert(), 1
    raise Unsupported(f"no ONNX output for {method}")


def _raw_scores(model):
    """Boosters' margins: the converters end the tree ensemble in the objective's link (LOGISTIC,
    SOFTMAX); without it, its second output holds the summed leaf values plus base score."""
    for node in model.graph.node:
        for attribute in node.attribute:
            if attribute.name == "post_transform":
                attribute.s = b"NONE"
    return model


def _binary_tree_classifier(model) -> bool:
    """Whether onnxruntime reads the model as a binary classifier with one score, which it
    reports as two columns (the score and its negation or complement): margin = column 1."""
    for node in model.graph.node:
        if node.op_type == "TreeEnsembleClassifier":
            class_ids = next(a.ints for a in node.attribute if a.name == "class_ids")
            return len(set(class_ids)) == 1
    return False


def onnxruntime(obj: Any, method: str) -> Peer:
    import onnxruntime as ort

    model, index = _to_onnx(obj, method)
    output, serialized = model.graph.output[index].name, model.SerializeToString()
    binary_margin = method == "predict_raw" and _binary_tree_classifier(model)

    def make(threads: int):
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.log_severity_level = 3  # errors only: lightgbm's graph warns of its label's shape on every run
        return ort.InferenceSession(serialized, options, providers=["CPUExecutionProvider"])
    session = _per_thread_count(make)

    def predict(X: np.ndarray, threads: int) -> np.ndarray:
        out = session(threads).run([output], {"X": X})[0]
        out = _like_source(out[:, 1] if binary_margin else out, method)
        return out + obj.offset_ if method == "score_samples" else out
    return Peer(predict)


# ------------------------------------------------------------------ treelite + tl2cgen


def _treelite_model(obj: Any):
    import treelite

    library = _library(obj)
    if library == "xgboost":
        return treelite.frontend.from_xgboost(obj)
    if library == "lightgbm":
        return treelite.frontend.from_lightgbm(obj)
    return treelite.sklearn.import_model(obj)


def treelite(obj: Any, method: str) -> Peer:
    """The model compiled to a shared library by tl2cgen with gcc, predicted through tl2cgen's
    Predictor (one per thread count: its nthread is fixed when the library is loaded)."""
    import tl2cgen

    model = _treelite_model(obj)
    libpath = os.path.join(_workdir("tl2cgen"), "model.so")
    cores = os.cpu_count() or 1
    with contextlib.redirect_stdout(sys.stderr):  # its progress lines would split the table
        tl2cgen.export_lib(model, toolchain="gcc", libpath=libpath, params={"parallel_comp": cores},
                           nthread=cores)
    predictor = _per_thread_count(lambda threads: tl2cgen.Predictor(libpath, nthread=threads))
    margin = method == "predict_raw"
    # Treelite's IsolationForest gives the standardized path length, which is -score_samples.
    sign = -1.0 if method == "score_samples" else 1.0

    def predict(X: np.ndarray, threads: int) -> np.ndarray:
        out = predictor(threads).predict(tl2cgen.DMatrix(X), pred_margin=margin)
        return sign * _like_source(out, method)
    return Peer(predict)


# ------------------------------------------------------------------ lleaves


def lleaves(obj: Any, method: str) -> Peer:
    if _library(obj) != "lightgbm":
        raise Unsupported("compiles LightGBM models only")
    import lleaves as ll

    workdir = _workdir("lleaves")
    model_file = os.path.join(workdir, "model.txt")
    obj.save_model(model_file)
    model = ll.Model(model_file=model_file)
    # fp64 (lleaves' default) keeps LightGBM's double thresholds, so the answers can be exact; the
    # float32 input is converted to float64 on every call, inside the timing.
    model.compile(cache=os.path.join(workdir, "model.so"), raw_score=method == "predict_raw")

    def predict(X: np.ndarray, threads: int) -> np.ndarray:
        return model.predict(X, n_jobs=threads)
    return Peer(predict)


# ------------------------------------------------------------------ daal4py

_daal_threads = 0


def _daal_set_threads(threads: int) -> None:
    """daal4py's thread count is global (daalinit): set it only when it changes, so that one-row
    latency does not pay for it on every call."""
    global _daal_threads
    if _daal_threads != threads:
        import daal4py as d4p

        d4p.daalinit(threads)
        _daal_threads = threads


def _sigmoid_or_softmax(margins: np.ndarray) -> np.ndarray:
    if margins.ndim == 1:
        return 1 / (1 + np.exp(-margins))
    e = np.exp(margins - margins.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def daal4py(obj: Any, method: str) -> Peer:
    """daal4py.mb's models: GBT from XGBoost and LightGBM boosters, scikit-learn tree ensembles
    through treelite (as daal4py documents; that covers random forest regressors and binary
    classifiers, not multiclass forests), and logistic regression."""
    import daal4py as d4p

    if method == "score_samples":
        raise Unsupported("its IsolationForest gives mean path lengths, not score_samples")
    tree_ensemble = type(obj).__module__.startswith("sklearn.ensemble")
    # convert_model raises TypeError for what it doesn't build (e.g. linear regressors).
    model = d4p.mb.convert_model(_treelite_model(obj) if tree_ensemble else obj)

    if method == "predict_raw" and getattr(model, "is_classifier_", False):
        # daal4py's GBT classifiers give labels or probabilities, no margins: compare its
        # probabilities with the source's margins through the logistic / softmax link that
        # daal4py applies (the diff is then in probability units).
        def predict(X: np.ndarray, threads: int) -> np.ndarray:
            _daal_set_threads(threads)
            proba = model.predict_proba(X)
            return proba[:, 1] if proba.shape[1] == 2 else proba
        return Peer(predict, _sigmoid_or_softmax, "compared as probabilities (it has no margin output)")

    score = model.predict_proba if method == "predict_proba" else model.predict

    def predict(X: np.ndarray, threads: int) -> np.ndarray:
        _daal_set_threads(threads)
        return _like_source(np.asarray(score(X)), method)
    return Peer(predict)


ADAPTERS: Dict[str, Callable[[Any, str], Peer]] = {
    "onnxruntime": onnxruntime,
    "treelite": treelite,
    "lleaves": lleaves,
    "daal4py": daal4py,
}
