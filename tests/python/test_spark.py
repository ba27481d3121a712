"""sapwood.spark.predict on a real local Spark session (local[2]): exactly the in-process
predictions, for labels, probabilities and margins, with the model broadcast once."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import sapwood

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")
pyspark_sql = pytest.importorskip("pyspark.sql")
ensemble = pytest.importorskip("sklearn.ensemble")
if shutil.which("java") is None:
    pytest.skip("Spark needs a Java runtime (.ci/run installs one)", allow_module_level=True)

import sapwood.spark  # noqa: E402

NAMES = ["a", "b", "c", "d"]

# pyspark warns about pandas >= 3 on any pandas conversion; these tests move data as Arrow.
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")


@pytest.fixture(scope="module")
def spark():
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .appName("sapwood-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "500")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 4))
    X[:, 3] = np.round(X[:, 3] * 100)
    labels = np.array(["no", "maybe", "yes"])[np.digitize(X[:, 0] + 0.3 * X[:, 1], [-0.5, 0.5])]
    frame = pd.DataFrame(X, columns=NAMES)
    classifier = ensemble.RandomForestClassifier(n_estimators=10, max_depth=6, random_state=0).fit(frame, labels)
    return X, sapwood.load(classifier)


@pytest.fixture(scope="module")
def frame(spark, fitted):
    X, _ = fitted
    data = pa.table({"id": np.arange(len(X)), **{name: X[:, NAMES.index(name)] for name in ["d", "c", "b", "a"]}})
    return spark.createDataFrame(data).repartition(3)


def _collect(df, column):
    rows = df.select("id", column).toArrow().sort_by("id")
    assert rows.column("id").to_pylist() == list(range(rows.num_rows))
    return rows.column(column)


def test_labels_proba_and_raw(fitted, frame):
    X, model = fitted
    labels = sapwood.spark.predict(frame, model)
    assert labels.columns == ["id", "d", "c", "b", "a", "prediction"]
    assert _collect(labels, "prediction").to_pylist() == list(model.predict(X))
    proba = sapwood.spark.predict(frame, model, output_col="p", output="proba")
    np.testing.assert_array_equal(np.array(_collect(proba, "p").to_pylist()), model.predict_proba(X))
    raw = sapwood.spark.predict(frame, model, output_col="raw", output="raw")
    np.testing.assert_array_equal(np.array(_collect(raw, "raw").to_pylist()), model.predict_raw(X))
    leaves = sapwood.spark.predict(frame, model, output_col="leaves", output="leaf")
    assert dict(leaves.dtypes)["leaves"] == "array<bigint>"
    np.testing.assert_array_equal(np.array(_collect(leaves, "leaves").to_pylist()), model.predict_leaf(X))


def test_features_by_other_names_and_regression(spark, fitted):
    X, _ = fitted
    y = X[:, 0] * 2 + X[:, 3]
    regressor = sapwood.load(ensemble.RandomForestRegressor(n_estimators=5, random_state=0).fit(X, y))
    other = ["x0", "x1", "x2", "x3"]
    data = pa.table({"id": np.arange(len(X)), **{name: X[:, j] for j, name in enumerate(other)}})
    scored = sapwood.spark.predict(spark.createDataFrame(data), regressor, features=other, output_col="y")
    np.testing.assert_array_equal(_collect(scored, "y").to_numpy(), regressor.predict(X))


def test_errors_are_raised_on_the_driver(fitted, frame):
    _, model = fitted
    with pytest.raises(ValueError, match="missing feature columns"):
        sapwood.spark.predict(frame.drop("c"), model)
    with pytest.raises(ValueError, match="already has a column"):
        sapwood.spark.predict(frame, model, output_col="a")
