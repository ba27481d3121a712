"""sapwood.Model: the user-facing handle on a loaded model."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core
from ._input import as_matrix

#: ``set_features={feature: value}``: columns read as a constant (position or name keys).
SetFeatures = Optional[Mapping[Union[int, str], float]]

# Output kinds understood by the native predictor (sapwood::Output).
_RAW, _VALUE, _CLASS, _LEAF = 0, 1, 2, 3


class Model:
    """A model loaded into sapwood's native engine.

    Build one with :func:`sapwood.load`; it predicts what the source library predicts, with
    the same shapes and meanings. A Model is immutable and safe to share between threads.

    Examples
    --------
    >>> from sklearn.ensemble import RandomForestRegressor
    >>> import numpy as np, sapwood
    >>> X = np.random.default_rng(0).normal(size=(200, 4))
    >>> rf = RandomForestRegressor(n_estimators=10, random_state=0).fit(X, X[:, 0])
    >>> model = sapwood.load(rf)
    >>> bool(np.array_equal(model.predict(X), rf.predict(X)))
    True
    """

    def __init__(self, core: Any, meta: Dict[str, Any]) -> None:
        self._core = core
        self._meta = meta
        # Read on every call, so looked up once: a single-row call costs a few microseconds
        # and each lookup is a visible part of it.
        self._n_features = int(core.n_features)
        self._task = meta.get("task")
        self._input_options = (meta.get("feature_names"), meta.get("encoders"), meta.get("source"))
        # Category columns are re-coded on every call; other models read a plain array as is.
        self._reads_plain_arrays = not meta.get("encoders")
        # One value per row comes back 1-D unless the source keeps a column (a multi-output
        # regressor fitted on one target).
        self._values_1d = meta.get("single_target") is not False
        classes = meta.get("classes") if meta.get("output_groups") is None else None
        self._class_labels = np.asarray(classes) if classes is not None else None
        # Predict-time iteration options (_core_for): the source's rules over every tree of the
        # source (loaders/xgboost.py, loaders/lightgbm.py), and the selections made so far.
        self._iteration_rules: Any = None
        self._selections: "OrderedDict[Tuple[Any, ...], Any]" = OrderedDict()
        self._selections_lock = threading.Lock()
        # LightGBM leaf numbering per core (_leaf_numbering), so predict_leaf does not copy the
        # model's arrays out on every call.
        self._leaf_numbers: Dict[int, Tuple[Any, Any]] = {}

    # ---------------------------------------------------------------- properties
    @property
    def n_features(self) -> int:
        """Number of input columns the model reads."""
        return self._n_features

    @property
    def n_outputs(self) -> int:
        """Number of margin columns (classes of a multiclass model, targets of a regressor)."""
        return int(self._core.n_outputs)

    @property
    def classes_(self) -> Any:
        """Class labels of a classifier, in the source's order (a list per output when multi-output)."""
        if self._meta.get("task") != "classifier":
            raise AttributeError("classes_ exists only on classifiers")
        return self._meta["classes"]

    @property
    def feature_names(self) -> Optional[List[str]]:
        """Names of the input columns when the source recorded them, else None."""
        names = self._meta.get("feature_names")
        return list(names) if names is not None else None

    @property
    def source(self) -> str:
        """The library object this model was loaded from, e.g. 'sklearn.ensemble.RandomForestClassifier'."""
        return str(self._meta.get("source", ""))

    @property
    def is_classifier(self) -> bool:
        return self._meta.get("task") == "classifier"

    # ---------------------------------------------------------------- prediction
    def predict(self, X: Any, *, n_threads: Optional[int] = None, set_features: SetFeatures = None,
                **iterations: Any) -> np.ndarray:
        """Predict like the source's ``predict``: class labels, regression values or, for
        anomaly detectors, +1 (inlier) / -1 (outlier).

        Every prediction method takes ``n_threads`` (None: all cores) and ``set_features``,
        a mapping {feature position or name: value} of columns to read as that value in
        every row (counterfactuals such as ``set_features={"treated": 1}``, partial
        dependence) without copying X.

        Boosted models also take the source's iteration options, as its ``predict`` does:
        XGBoost ``iteration_range=(begin, end)``, LightGBM ``start_iteration`` and
        ``num_iteration`` (see :meth:`iterations_for`)."""
        core = self._core_for(iterations)
        task = self._task
        if task == "anomaly":
            decision = self.decision_function(X, n_threads=n_threads, set_features=set_features)
            labels = np.ones(decision.shape, dtype=int)
            labels[decision < 0] = -1
            return labels
        if task != "classifier":
            return self._run(X, _VALUE, n_threads, set_features, squeeze=self._values_1d, core=core)
        groups = self._meta.get("output_groups")
        if groups is not None:
            return self._predict_multioutput(self._run(X, _VALUE, n_threads, set_features, core=core), groups)
        if self._class_labels is None:
            raise ValueError(f"{self.source or 'this classifier'} was loaded without its class labels")
        index = self._run(X, _CLASS, n_threads, set_features, squeeze=True, core=core).astype(np.intp)
        return self._class_labels.take(index, axis=0)

    def predict_proba(self, X: Any, *, n_threads: Optional[int] = None, set_features: SetFeatures = None,
                      **iterations: Any) -> Union[np.ndarray, List[np.ndarray]]:
        """Class probabilities, columns in the order of ``classes_`` (a list of arrays per
        output for multi-output classifiers). A Booster or model file of a classification
        objective (XGBoost ``binary:logistic``, ``multi:softprob``; LightGBM ``binary``,
        ``multiclass``, ``multiclassova``) gives what the library's scikit-learn classifier
        would: ``[1 - p, p]`` for two classes, ``predict``'s columns otherwise."""
        core = self._core_for(iterations)
        objective_proba = self._meta.get("objective_proba")
        if objective_proba is not None and not self.is_classifier:
            values = self._run(X, _VALUE, n_threads, set_features, core=core)
            if objective_proba == "binary":
                p = values.reshape(-1)
                return np.column_stack([1.0 - p, p])
            return values
        if not self.is_classifier or not self._meta.get("has_proba", True):
            raise AttributeError(f"{self.source or 'this model'} has no predict_proba")
        values = self._run(X, _VALUE, n_threads, set_features, core=core)
        groups = self._meta.get("output_groups")
        if groups is not None:
            return _split_groups(values, groups)
        return values

    def predict_raw(self, X: Any, *, n_threads: Optional[int] = None, set_features: SetFeatures = None,
                    **iterations: Any) -> np.ndarray:
        """The margin: ``decision_function`` where the source has one (IsolationForest's
        included: ``score_samples - offset_``), the raw score of boosted models, the averaged
        leaf values of forests. One column becomes 1-D."""
        if self._task == "anomaly" and not iterations:
            return self.decision_function(X, n_threads=n_threads, set_features=set_features)
        return self._run(X, _RAW, n_threads, set_features, squeeze=True, core=self._core_for(iterations))

    def predict_leaf(self, X: Any, *, n_threads: Optional[int] = None, set_features: SetFeatures = None,
                     **iterations: Any) -> np.ndarray:
        """The leaf each row reaches in each tree, shape (n_rows, n_trees) in the model's tree
        order, numbered as the source numbers them: node ids for XGBoost
        (``predict(pred_leaf=True)``) and scikit-learn (``apply``), leaf indices for LightGBM
        (``predict(pred_leaf=True)``). Multiclass boosting lists each iteration's trees in
        turn (class fastest), so scikit-learn's 3-D ``apply`` is ``reshape(n_rows, -1, n_classes)``."""
        core = self._core_for(iterations, for_leaves=True)
        leaves = self._run(X, _LEAF, n_threads, set_features, core=core).astype(np.int32)
        if self._iteration_rules is not None and core is self._iteration_rules.no_trees:
            return leaves[:, :0]  # LightGBM's selection of no iteration has no leaf column
        return leaves - self._leaf_numbering(core)

    def score_samples(self, X: Any, *, n_threads: Optional[int] = None, set_features: SetFeatures = None) -> np.ndarray:
        """Anomaly score of each row, as IsolationForest.score_samples (lower = more abnormal)."""
        self._require_anomaly("score_samples")
        return self._run(X, _VALUE, n_threads, set_features, squeeze=True)

    def path_length_sum(self, X: Any, *, n_threads: Optional[int] = None, set_features: SetFeatures = None) -> np.ndarray:
        """IsolationForest: each row's path length summed over the trees (a leaf's depth plus
        the average path length of the samples it holds), the sum ``score_samples`` turns into
        ``-2 ** (-sum / (n_trees * c(max_samples)))``."""
        self._require_anomaly("path_length_sum")
        return self._run(X, _RAW, n_threads, set_features, squeeze=True)

    def decision_function(self, X: Any, *, n_threads: Optional[int] = None, set_features: SetFeatures = None) -> np.ndarray:
        """IsolationForest.decision_function: score_samples minus the fitted offset."""
        self._require_anomaly("decision_function")
        return self.score_samples(X, n_threads=n_threads, set_features=set_features) - self._meta["offset"]

    # ---------------------------------------------------------------- plumbing
    def _run(self, X: Any, output: int, n_threads: Optional[int], set_features: SetFeatures = None,
             squeeze: bool = False, core: Any = None) -> np.ndarray:
        """Native predictions, (n_rows, columns); squeeze: one column comes back 1-D. core: a
        selection of the model's iterations (default: the model as loaded)."""
        core = self._core if core is None else core
        threads = _thread_count(n_threads)
        overrides = self._overrides(set_features)
        if self._reads_plain_arrays:
            # A float ndarray native code can read in place goes straight through (single-row
            # calls are microseconds); None means X needs converting first.
            values = core.try_predict(X, output, threads, overrides, squeeze)
            if values is not None:
                return values
        feature_names, encoders, source = self._input_options
        matrix = as_matrix(X, self._n_features, feature_names=feature_names, encoders=encoders, source=source)
        return core.predict(matrix, output, threads, overrides, squeeze)

    def _select_iterations_at_predict(self, rules: Any, default_core: Any) -> "Model":
        """Let predict take the options ``rules`` names (an XGBoostIterations or
        LightGBMIterations over every tree of the source, with this model's rules), and predict
        from ``default_core`` (the load's selection) without them. Loaders call this right
        after building; the family travels in the metadata so a saved model keeps the options."""
        self._iteration_rules = rules
        self._meta["iterations"] = rules.family
        self._core = default_core
        return self

    def iterations_for(self, **iterations: Any) -> "Model":
        """The model restricted to the source's iteration options, as a Model: XGBoost
        ``iteration_range=(begin, end)`` (``Booster.predict``'s rule: end 0 means the last; a
        scikit-learn wrapper's default is its ``best_iteration``), LightGBM ``start_iteration``
        and ``num_iteration`` (``Booster.predict``'s: num_iteration None means
        ``best_iteration`` when start_iteration is 0, <= 0 means all). The prediction methods
        take the same keywords; each distinct selection is built once and kept (the last 8)."""
        selected = Model(self._core_for(iterations), self._meta)
        selected._iteration_rules = self._iteration_rules  # its own options select from the source again
        return selected

    def _core_for(self, iterations: Dict[str, Any], for_leaves: bool = False) -> Any:
        iterations = {name: value for name, value in iterations.items() if value is not None}  # None: the default
        if not iterations:
            return self._core
        rules = self._iteration_rules
        allowed = rules.options if rules is not None else ()
        unknown = sorted(set(iterations) - set(allowed))
        if unknown:
            takes = f"it takes {', '.join(allowed)}" if allowed else "it has no boosting iterations to select"
            raise TypeError(f"{self.source or 'this model'} got unexpected keyword argument(s) {', '.join(unknown)}: {takes}")
        key = rules.key(iterations)
        if for_leaves:
            rules.check_leaves(key)
        with self._selections_lock:
            core = self._selections.get(key)
            if core is not None:
                self._selections.move_to_end(key)
                return core
        core = rules.select(key)
        with self._selections_lock:
            self._selections[key] = core
            while len(self._selections) > 8:
                self._selections.popitem(last=False)
        return core

    def _leaf_numbering(self, core: Any) -> Any:
        """What to subtract from a tree-local node index to get the source's leaf number:
        LightGBM numbers leaves apart from internal nodes, and its trees here keep their
        internal nodes first (formats/lightgbm_text.cpp), so leaf j is node (internal + j)."""
        if self.source.split(".", 1)[0] != "lightgbm":
            return 0
        cached = self._leaf_numbers.get(id(core))
        if cached is not None and cached[0] is core:
            return cached[1]
        sizes = np.diff(np.asarray(core.arrays()["tree_offsets"]))
        numbering = ((sizes - 1) // 2).astype(np.int32)
        with self._selections_lock:
            if len(self._leaf_numbers) > 16:  # the default core and at most 8 selections are live
                self._leaf_numbers.clear()
            self._leaf_numbers[id(core)] = (core, numbering)
        return numbering

    def _overrides(self, set_features: SetFeatures) -> List[Tuple[int, float]]:
        """``set_features`` as (column, value) pairs: keys are column positions or, when the
        model knows them, feature names; values are numbers (NaN = missing)."""
        if not set_features:
            return []
        names = self._meta.get("feature_names")
        pairs = []
        for key, value in dict(set_features).items():
            if isinstance(key, str):
                if not names or key not in names:
                    raise KeyError(f"set_features: the model has no feature named {key!r}")
                column = list(names).index(key)
            elif isinstance(key, (int, np.integer)) and not isinstance(key, bool):
                column = int(key)
                if not 0 <= column < self.n_features:
                    raise IndexError(f"set_features: feature {column} is out of range for {self.n_features} features")
            else:
                raise TypeError(f"set_features keys must be feature positions or names, got {key!r}")
            encoders = self._meta.get("encoders") or {}
            if column in encoders:
                raise ValueError(f"set_features cannot override categorical feature {key!r} (give it through X)")
            pairs.append((column, float(value)))
        return pairs

    def _predict_multioutput(self, values: np.ndarray, groups: Sequence[int]) -> np.ndarray:
        classes = self._meta["classes"]
        parts = _split_groups(values, groups)
        out = np.empty((values.shape[0], len(groups)), dtype=np.asarray(classes[0]).dtype)
        for k, part in enumerate(parts):
            out[:, k] = np.asarray(classes[k]).take(np.argmax(part, axis=1), axis=0)
        return out

    def _require_anomaly(self, method: str) -> None:
        if self._meta.get("task") != "anomaly":
            raise AttributeError(f"{method} exists only on anomaly detectors")

    def summary(self) -> Dict[str, Any]:
        """Kind, trees, nodes, leaves and depth of the model; for a forest, ``engine``: whether it
        compiled, how many trees stay on the reference walk, whether the QuickScorer form exists,
        how many trees are categorical, and the engine that runs a batch (``batch``) and a row
        alone (``single_row``) under the active level: ``"walk"``, ``"quickscorer"`` or
        ``"reference"``.

        Examples
        --------
        >>> import numpy as np, sapwood
        >>> from sklearn.ensemble import HistGradientBoostingRegressor
        >>> X = np.random.default_rng(0).normal(size=(200, 3))
        >>> model = sapwood.load(HistGradientBoostingRegressor(max_iter=5).fit(X, X[:, 0]))
        >>> model.summary()["engine"]["batch"] in ("walk", "quickscorer", "reference")
        True
        """
        return dict(self._core.summary())

    def __repr__(self) -> str:
        s = self._core.summary()
        name = self.source.rsplit(".", 1)[-1] or "model"
        if s["kind"] == "forest":
            shape = f"forest, {s['n_trees']:,} trees, {s['n_nodes']:,} nodes, max depth {s['max_depth']}"
        else:
            shape = "linear"
        return (
            f"<sapwood.Model {name}: {shape}, {self.n_features} features, "
            f"{self.n_outputs} output{'s' if self.n_outputs != 1 else ''}>"
        )

    def partial_dependence(
        self,
        X: Any,
        feature: Union[int, str],
        grid: Any,
        *,
        kind: str = "average",
        response_method: str = "auto",
        n_threads: Optional[int] = None,
    ) -> np.ndarray:
        """Partial dependence (``kind="average"``) or ICE curves (``"individual"``) of one
        feature over ``grid``, each grid point one native pass with ``set_features``; see
        :func:`sapwood.explain.partial_dependence`."""
        from .explain import partial_dependence

        return partial_dependence(
            self, X, feature, grid, kind=kind, response_method=response_method, n_threads=n_threads
        )

    # ---------------------------------------------------------------- saving
    def to_bytes(self) -> bytes:
        """The model in sapwood's own format (docs/format.md); ``sapwood.load`` reads it back."""
        from . import _metadata

        return bytes(self._core.with_metadata(_metadata.dumps(self._meta)).to_bytes())

    def save(self, path: Any) -> None:
        """Write the model to ``path`` in sapwood's own format, for ``sapwood.load`` or the
        C/C++ API (``sapwood_load_file``)."""
        data = self.to_bytes()
        with open(path, "wb") as f:
            f.write(data)

    # Pickled as sapwood's own format (checksummed, validated on load): no native pointer
    # crosses. Metadata the format cannot hold falls back to the arrays and the dict itself.
    def __reduce__(self) -> Any:
        try:
            return (_from_bytes, (self.to_bytes(),))
        except TypeError:
            return (_rebuild, (self._core.arrays(), self._meta))


def _from_bytes(data: bytes) -> Model:
    from .loaders.files import load_bytes

    return load_bytes(data)


def _rebuild(arrays: Dict[str, Any], meta: Dict[str, Any]) -> Model:
    return Model(_build_core(arrays), meta)


def _build_core(arrays: Dict[str, Any]) -> Any:
    if arrays.get("kind", "forest") == "linear":
        return _core.linear_from_arrays(arrays)
    return _core.forest_from_arrays(arrays)


def _split_groups(values: np.ndarray, groups: Sequence[int]) -> List[np.ndarray]:
    edges = np.cumsum([0, *groups])
    return [values[:, edges[k] : edges[k + 1]] for k in range(len(groups))]


def _thread_count(n_threads: Optional[int]) -> int:
    if n_threads is None:
        return 0
    if isinstance(n_threads, bool) or not isinstance(n_threads, (int, np.integer)):
        raise TypeError(f"n_threads must be an int or None, got {type(n_threads).__name__}")
    if n_threads < 1:
        raise ValueError(f"n_threads must be at least 1 (or None for all cores), got {n_threads}")
    return int(n_threads)
