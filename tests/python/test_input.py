"""What X may be: dtypes, layouts, pandas frames, empty input, threads; and what is refused."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from conftest import make_classification, make_regression

import sapwood
from sapwood._input import as_matrix

ensemble = pytest.importorskip("sklearn.ensemble")


@pytest.fixture(scope="module")
def fitted():
    X, y = make_classification()
    estimator = ensemble.RandomForestClassifier(n_estimators=8, random_state=0).fit(X, y)
    return X, estimator, sapwood.load(estimator)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_input_in_any_layout_is_read_in_place(dtype):
    X = np.arange(60, dtype=dtype).reshape(10, 6)
    views = [X, np.asfortranarray(X), np.zeros((20, 12), dtype=dtype)[::2, ::2], X[::-1], X[:, ::-1], X[2:7]]
    for view in views:
        assert as_matrix(view, view.shape[1]) is view


def test_layouts_predict_alike(fitted):
    X, estimator, model = fitted
    expected = estimator.predict_proba(X)
    for view in (np.asfortranarray(X), X[::-1][::-1], np.ascontiguousarray(X[::-1])[::-1], X.astype(np.float32)):
        np.testing.assert_array_equal(model.predict_proba(view), estimator.predict_proba(view))
    np.testing.assert_array_equal(model.predict_proba(X[::-1]), expected[::-1])


def test_misaligned_buffer_is_copied_once_and_predicts_right(fitted):
    X, estimator, model = fitted
    raw = np.zeros(X.size * 8 + 1, dtype=np.uint8)
    misaligned = raw[1:].view(np.float64).reshape(X.shape)
    misaligned[...] = X
    assert misaligned.__array_interface__["data"][0] % 8 != 0
    np.testing.assert_array_equal(model.predict(misaligned), estimator.predict(X))


def test_read_only_input(fitted):
    X, estimator, model = fitted
    frozen = X.copy()
    frozen.flags.writeable = False
    np.testing.assert_array_equal(model.predict(frozen), estimator.predict(X))


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8, np.bool_, np.float16])
def test_integer_and_bool_input_is_converted(fitted, dtype):
    _, estimator, model = fitted
    X = (np.arange(60).reshape(10, 6) % 3).astype(dtype)
    np.testing.assert_array_equal(model.predict_proba(X), estimator.predict_proba(X.astype(np.float64)))


@pytest.mark.parametrize("X", [
    np.array([["a"] * 6], dtype=object),
    np.array([["a"] * 6]),
    np.ones((2, 6), dtype=np.complex128),
    np.array([[None] * 6]),
], ids=["object", "str", "complex", "none"])
def test_non_numeric_input_raises_type_error(fitted, X):
    _, _, model = fitted
    with pytest.raises(TypeError, match="X must be numeric"):
        model.predict(X)


def test_wrong_shapes_say_what_was_expected(fitted):
    X, _, model = fitted
    with pytest.raises(ValueError, match="model expects 6 features, X has 5"):
        model.predict(X[:, :5])
    with pytest.raises(ValueError, match="must be 2-D.*got an array with 1 dimension.*reshape"):
        model.predict(X[0])
    with pytest.raises(ValueError, match="must be 2-D.*3 dimensions"):
        model.predict(X.reshape(1, *X.shape))
    with pytest.raises(ValueError, match=r"empty 1-D array; for no rows give shape \(0, 6\)"):
        model.predict(np.array([]))


def test_zero_rows_give_empty_results(fitted):
    X, estimator, model = fitted
    empty = X[:0]
    assert model.predict(empty).shape == (0,)
    assert model.predict_proba(empty).shape == (0, 3)
    assert model.predict_raw(empty).shape == (0, 3)


class _Interface:
    def __init__(self, **interface):
        self.__array_interface__ = {"version": 3, "typestr": "<f8", **interface}


def test_a_broken_array_interface_is_refused_not_read(fitted):
    X, estimator, model = fitted
    n = X.shape[1]
    small = X[:2].copy()  # owns exactly two rows
    # A billion rows claimed over a two-row buffer, as an ndarray or as raw bytes.
    for owner in (small, small.tobytes(), memoryview(small)):
        with pytest.raises(ValueError, match="reaches outside the .*buffer"):
            model.predict(_Interface(shape=(10**9, n), data=owner))
    # Strides that step past the end are caught too; an honest interface is read as given.
    with pytest.raises(ValueError, match="reaches outside"):
        model.predict(_Interface(shape=(2, n), strides=(8 * n * 2, 8), data=small))
    honest = _Interface(shape=(2, n), data=small)
    np.testing.assert_array_equal(model.predict_proba(honest), model.predict_proba(small))
    # Zero strides repeat one row: in bounds however many rows they claim.
    repeated = _Interface(shape=(1000, n), strides=(0, 8), data=small)
    np.testing.assert_array_equal(model.predict_raw(repeated), np.repeat(model.predict_raw(small[:1]), 1000, axis=0))


def test_nan_and_infinities_are_values_not_errors(fitted):
    X, estimator, model = fitted
    probe = X[:8].copy()
    probe[0, 0] = np.inf
    probe[1, 1] = -np.inf
    probe[2, :] = np.inf
    probe[3, 2] = np.nan
    # scikit-learn refuses infinities; every split sends them where the largest float goes.
    largest = np.finfo(np.float32).max
    finite = np.nan_to_num(probe, nan=np.nan, posinf=largest, neginf=-largest)
    np.testing.assert_array_equal(model.predict_proba(probe), estimator.predict_proba(finite))


def test_pandas_frames_are_matched_by_name():
    pd = pytest.importorskip("pandas")
    X, y = make_regression()
    names = [f"col{i}" for i in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=names)
    estimator = ensemble.RandomForestRegressor(n_estimators=4, random_state=0).fit(frame, y)
    model = sapwood.load(estimator)
    np.testing.assert_array_equal(model.predict(frame), estimator.predict(frame))
    shuffled = frame[names[::-1]]
    np.testing.assert_array_equal(model.predict(shuffled), estimator.predict(frame))
    with pytest.raises(ValueError, match="missing feature columns the model needs: 'col2'"):
        model.predict(frame.drop(columns="col2"))
    mixed = frame.astype({"col0": np.float32, "col1": np.int64})
    np.testing.assert_array_equal(model.predict(mixed), estimator.predict(mixed))
    with pytest.raises(TypeError, match="column 'col3' must be numeric"):
        model.predict(frame.astype({"col3": str}))


def test_pandas_frame_without_names_is_positional():
    pd = pytest.importorskip("pandas")
    X, y = make_regression()
    estimator = ensemble.RandomForestRegressor(n_estimators=4, random_state=0).fit(X, y)
    model = sapwood.load(estimator)
    np.testing.assert_array_equal(model.predict(pd.DataFrame(X)), estimator.predict(X))


def test_n_threads(fitted):
    X, _, model = fitted
    big = np.repeat(X, 20, axis=0)
    expected = model.predict_proba(big, n_threads=1)
    for n in (None, 2, 3, 64):
        np.testing.assert_array_equal(model.predict_proba(big, n_threads=n), expected)
    with pytest.raises(ValueError, match="n_threads must be at least 1"):
        model.predict(X, n_threads=0)
    with pytest.raises(TypeError, match="n_threads must be an int"):
        model.predict(X, n_threads="2")


def test_many_python_threads_share_one_model(fitted):
    X, _, model = fitted
    big = np.repeat(X, 10, axis=0)
    expected = model.predict_proba(big, n_threads=1)
    results, errors = [None] * 8, []

    def work(i):
        try:
            results[i] = model.predict_proba(big, n_threads=1)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for result in results:
        np.testing.assert_array_equal(result, expected)


def test_unpickled_and_byte_swapped_arrays() -> None:
    # An unpickled array may carry its own dtype object; a big-endian one holds swapped bytes.
    import pickle

    from sklearn.ensemble import RandomForestRegressor

    import sapwood

    X = np.random.default_rng(0).normal(size=(50, 3))
    model = sapwood.load(RandomForestRegressor(n_estimators=3, random_state=0).fit(X, X[:, 0]))
    expected = model.predict(X)
    assert np.array_equal(model.predict(pickle.loads(pickle.dumps(X))), expected)
    assert np.array_equal(model.predict(X.astype(">f8")), expected)
    assert np.array_equal(model.predict(X.astype(">f4")), model.predict(X.astype(np.float32)))


def test_single_rows_and_array_subclasses_predict_like_the_source(fitted):
    # Plain float arrays are read by native code as they are (the single-row path); anything
    # else, a subclass included, goes through the Python conversion first: both must agree
    # with the source, row by row and in the source's shapes.
    X, estimator, model = fitted
    for i in range(5):
        row = X[i : i + 1]
        np.testing.assert_array_equal(model.predict(row), estimator.predict(row))
        np.testing.assert_array_equal(model.predict_proba(row), estimator.predict_proba(row))
        np.testing.assert_array_equal(model.predict(row.astype(np.float32)), estimator.predict(row.astype(np.float32)))
    masked = np.ma.masked_array(X, mask=np.zeros_like(X, dtype=bool))
    np.testing.assert_array_equal(model.predict(masked), estimator.predict(X))

    from sklearn.linear_model import Ridge

    Xr, yr = make_regression()
    ridge = Ridge().fit(Xr, yr)
    linear = sapwood.load(ridge)
    single = linear.predict(Xr[:1])
    assert single.shape == (1,)
    np.testing.assert_allclose(single, ridge.predict(Xr[:1]), rtol=1e-12, atol=1e-12)
    assert linear.predict_raw(Xr[:3]).shape == (3,)
    with pytest.raises(ValueError, match="model expects"):
        linear.predict(Xr[:1, :-1])
