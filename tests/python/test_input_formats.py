"""Inputs beyond numpy: pyarrow Tables and RecordBatches, polars DataFrames, scipy.sparse, and
pandas frames in any column order. Each predicts exactly what the same values as a numpy array
(or the source library on the same object) predict."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_classification, make_regression

import sapwood
from sapwood._input import as_matrix

pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")
ensemble = pytest.importorskip("sklearn.ensemble")

NAMES = [f"f{i}" for i in range(6)]


@pytest.fixture(scope="module")
def forest():
    X, y = make_regression(n_rows=400, nan_fraction=0.05)
    frame = pd.DataFrame(X, columns=NAMES)
    estimator = ensemble.RandomForestRegressor(n_estimators=8, max_depth=8, random_state=0).fit(frame, y)
    return X, sapwood.load(estimator)


def _table(X, names=NAMES):
    return pa.table({name: X[:, j] for j, name in enumerate(names)})


# ---------------------------------------------------------------- pyarrow


def test_arrow_table_and_record_batch(forest):
    X, model = forest
    expected = model.predict(X)
    table = _table(X)
    np.testing.assert_array_equal(model.predict(table), expected)
    np.testing.assert_array_equal(model.predict(table.to_batches()[0]), expected)


def test_arrow_columns_matched_by_name_in_any_order(forest):
    X, model = forest
    order = [3, 0, 5, 1, 4, 2]
    shuffled = pa.table({NAMES[j]: X[:, j] for j in order}).append_column("extra", pa.array(np.zeros(len(X))))
    np.testing.assert_array_equal(model.predict(shuffled), model.predict(X))


def test_arrow_missing_column_is_named(forest):
    X, model = forest
    with pytest.raises(ValueError, match="missing feature columns.*'f2'"):
        model.predict(_table(X).drop_columns(["f2"]))


def test_arrow_chunks_nulls_ints_and_float32(forest):
    X, model = forest
    halves = [_table(X[:150]), _table(X[150:])]
    chunked = pa.concat_tables(halves)
    assert chunked.column(0).num_chunks == 2
    np.testing.assert_array_equal(model.predict(chunked), model.predict(X))
    # Arrow nulls are missing values, as NaN is.
    with_nulls = pa.table({name: pa.array(X[:, j], from_pandas=True) for j, name in enumerate(NAMES)})
    assert with_nulls.column(0).null_count > 0
    np.testing.assert_array_equal(model.predict(with_nulls), model.predict(X))
    integers = np.nan_to_num(np.round(X)).astype(np.int64)
    np.testing.assert_array_equal(model.predict(_table(integers)), model.predict(integers))
    single = X.astype(np.float32)
    matrix = as_matrix(_table(single), 6, feature_names=NAMES)
    assert matrix.dtype == np.float32
    np.testing.assert_array_equal(model.predict(_table(single)), model.predict(single))


def test_arrow_float_columns_of_one_buffer_are_read_in_place(forest):
    X, model = forest
    fortran = np.asfortranarray(X)
    table = _table(fortran)  # each column a view into the one Fortran-order buffer
    matrix = as_matrix(table, 6, feature_names=NAMES)
    assert np.shares_memory(matrix, fortran) and not matrix.flags.owndata
    np.testing.assert_array_equal(model.predict(table), model.predict(X))
    # Sliced record batches keep the buffers' spacing.
    part = table.to_batches()[0].slice(17, 100)
    assert np.shares_memory(as_matrix(part, 6, feature_names=NAMES), fortran)
    np.testing.assert_array_equal(model.predict(part), model.predict(X[17:117]))


def test_arrow_view_outlives_the_table(forest):
    X, model = forest
    matrix = as_matrix(_table(np.asfortranarray(X.copy())), 6, feature_names=NAMES)
    import gc

    gc.collect()  # the table is gone from Python; the view's base keeps its buffers
    np.testing.assert_array_equal(matrix, X)


def test_memory_mapped_arrow_file_is_read_in_place(forest, tmp_path):
    X, model = forest
    path = tmp_path / "x.arrow"
    with pa.ipc.new_file(str(path), _table(X).schema) as writer:
        writer.write_table(_table(X))
    with pa.memory_map(str(path)) as source:
        table = pa.ipc.open_file(source).read_all()
        matrix = as_matrix(table, 6, feature_names=NAMES)
        address = matrix.__array_interface__["data"][0]
        start = table.column(0).chunks[0].buffers()[1].address
        assert address == start and not matrix.flags.owndata
        np.testing.assert_array_equal(model.predict(table), model.predict(X))


def test_arrow_non_numeric_column_raises(forest):
    X, model = forest
    table = _table(X).set_column(1, "f1", pa.array(["a"] * len(X)))
    with pytest.raises(TypeError, match="'f1' must be numeric"):
        model.predict(table)


# ---------------------------------------------------------------- polars


def test_polars_frame(forest):
    pl = pytest.importorskip("polars")
    X, model = forest
    frame = pl.DataFrame({name: X[:, j] for j, name in enumerate(NAMES)})
    np.testing.assert_array_equal(model.predict(frame), model.predict(X))
    np.testing.assert_array_equal(model.predict(frame.select(NAMES[::-1])), model.predict(X))
    # polars nulls (not NaN) are missing too.
    nulls = frame.with_columns(pl.when(pl.col("f0") > 0).then(None).otherwise(pl.col("f0")).alias("f0"))
    expected = X.copy()
    expected[expected[:, 0] > 0, 0] = np.nan
    np.testing.assert_array_equal(model.predict(nulls), model.predict(expected))
    with pytest.raises(ValueError, match="'f4'"):
        model.predict(frame.drop("f4"))
    with pytest.raises(TypeError, match="collect"):
        model.predict(frame.lazy())


def test_categories_from_pandas_arrow_and_polars_agree():
    pl = pytest.importorskip("polars")
    rng = np.random.default_rng(0)
    n = 300
    colors = np.array(["red", "green", "blue", "grey"])[rng.integers(0, 4, n)]
    frame = pd.DataFrame({"x": rng.normal(size=n), "color": pd.Categorical(colors)})
    y = frame["x"] + (frame["color"] == "red") * 2.0
    estimator = ensemble.HistGradientBoostingRegressor(
        max_iter=10, categorical_features="from_dtype", random_state=0
    ).fit(frame, y)
    model = sapwood.load(estimator)
    expected = estimator.predict(frame)
    np.testing.assert_array_equal(model.predict(frame), expected)
    np.testing.assert_array_equal(model.predict(pa.Table.from_pandas(frame, preserve_index=False)), expected)
    polars_frame = pl.DataFrame({"color": pl.Series(colors, dtype=pl.Categorical), "x": frame["x"].to_numpy()})
    np.testing.assert_array_equal(model.predict(polars_frame), expected)


# ---------------------------------------------------------------- pandas


def test_pandas_any_order_and_missing_column(forest):
    X, model = forest
    frame = pd.DataFrame(X, columns=NAMES)
    np.testing.assert_array_equal(model.predict(frame[NAMES[::-1]]), model.predict(X))
    with pytest.raises(ValueError, match="'f5'"):
        model.predict(frame.drop(columns="f5"))


# ---------------------------------------------------------------- scipy.sparse


@pytest.fixture(scope="module")
def sparse_case():
    X, y, csr = _sparse_data()
    return X, csr, _sparse_models(X, y)


def _sparse_data(seed=0):
    sparse = pytest.importorskip("scipy.sparse")
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(500, 6))
    X[rng.random(X.shape) < 0.4] = 0.0
    y = X[:, 0] + (X[:, 1] == 0) * 2.0 + X[:, 2] * (X[:, 3] != 0)
    # Stored zeros and absent entries: XGBoost tells them apart, scipy and scikit-learn do not.
    stored = rng.random(X.shape) < 0.5
    rows, cols = np.nonzero((X != 0) | stored)
    csr = sparse.csr_matrix((X[rows, cols], (rows, cols)), shape=X.shape)
    return X, y, csr


def _sparse_models(X, y):
    xgboost = pytest.importorskip("xgboost")
    lightgbm = pytest.importorskip("lightgbm")
    X_missing = X.copy()
    X_missing[np.random.default_rng(3).random(X.shape) < 0.1] = np.nan
    return [
        ensemble.RandomForestRegressor(n_estimators=5, random_state=0).fit(X, y),
        xgboost.XGBRegressor(n_estimators=10, max_depth=4, n_jobs=1).fit(X_missing, y),
        lightgbm.LGBMRegressor(n_estimators=10, verbose=-1, n_jobs=1).fit(X_missing, y),
    ]


@pytest.mark.parametrize("layout", ["csr", "csc", "coo"])
def test_sparse_absent_entries_mean_what_the_source_says(sparse_case, layout):
    X, csr, estimators = sparse_case
    matrix = csr.asformat(layout)
    for estimator in estimators:
        model = sapwood.load(estimator)
        dense = as_matrix(matrix, 6, source=model.source)
        expected = estimator.predict(csr)
        np.testing.assert_array_equal(model.predict(dense), expected, err_msg=model.source)
        if model.source.startswith("xgboost"):
            assert np.isnan(dense).sum() == X.size - csr.nnz  # absent = missing
            assert not np.array_equal(expected, estimator.predict(X))  # so the test can fail
        else:
            assert not np.isnan(dense).any()


def test_sparse_through_model_predict(sparse_case):
    X, csr, estimators = sparse_case
    for estimator in estimators:
        model = sapwood.load(estimator)
        np.testing.assert_array_equal(model.predict(csr), estimator.predict(csr), err_msg=model.source)


def test_sparse_int_data_and_bad_shapes():
    sparse = pytest.importorskip("scipy.sparse")
    ints = sparse.csr_matrix(np.eye(4, dtype=np.int32))
    assert as_matrix(ints, 4, source="sklearn.x").dtype == np.float64
    with pytest.raises(ValueError, match="expects 5 features"):
        as_matrix(ints, 5, source="sklearn.x")
    with pytest.raises(TypeError, match="source"):
        as_matrix(ints, 4)
