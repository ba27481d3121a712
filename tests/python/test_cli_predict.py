"""`sapwood predict MODEL INPUT -o OUTPUT`: every input format to every output format gives
exactly the in-process predictions; ids, column mapping and output kinds; errors exit non-zero
and leave no file behind; memory stays bounded on a file many chunks long."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import sapwood
from sapwood.batch._progress import Progress
from sapwood.cli import main

pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")
pq = pytest.importorskip("pyarrow.parquet")
pcsv = pytest.importorskip("pyarrow.csv")
xgboost = pytest.importorskip("xgboost")

NAMES = ["age", "income", "score", "tenure"]


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2500, 4))
    X[:, 1] = np.round(X[:, 1] * 1000, 2)
    X[rng.random(X.shape) < 0.05] = np.nan
    return X


@pytest.fixture(scope="module")
def xgb_file(data, tmp_path_factory):
    y = (np.nan_to_num(data[:, 0]) + np.nan_to_num(data[:, 2]) > 0).astype(int)
    frame = pd.DataFrame(data, columns=NAMES)
    estimator = xgboost.XGBClassifier(n_estimators=15, max_depth=4, n_jobs=1).fit(frame, y)
    path = tmp_path_factory.mktemp("models") / "model.json"
    estimator.save_model(str(path))
    return str(path)


@pytest.fixture(scope="module")
def multiclass_file(data, tmp_path_factory):
    """A scikit-learn classifier with string labels, saved in sapwood's format."""
    ensemble = pytest.importorskip("sklearn.ensemble")
    labels = np.array(["low", "mid", "high"])[np.digitize(np.nan_to_num(data[:, 0]), [-0.5, 0.5])]
    estimator = ensemble.RandomForestClassifier(n_estimators=8, max_depth=6, random_state=0).fit(
        pd.DataFrame(data, columns=NAMES), labels
    )
    path = tmp_path_factory.mktemp("models") / "multiclass.sapwood"
    sapwood.load(estimator).save(str(path))
    return str(path)


def _write(X, path, ids=True, names=NAMES):
    table = pa.table({name: X[:, j] for j, name in enumerate(names)})
    if ids:
        table = table.append_column("row_id", pa.array([f"r{i}" for i in range(len(X))]))
    ext = os.path.splitext(path)[1]
    if ext == ".parquet":
        pq.write_table(table, path, row_group_size=700)
    elif ext == ".csv":
        pcsv.write_csv(table, path)
    elif ext in (".arrow", ".feather"):
        with pa.ipc.new_file(path, table.schema) as writer:
            for batch in table.to_batches(max_chunksize=900):
                writer.write_batch(batch)
    elif ext == ".npy":
        np.save(path, X)
    return path


def _read(path):
    ext = os.path.splitext(path)[1]
    if ext == ".npy":
        return np.load(path)
    if ext == ".parquet":
        return pq.read_table(path)
    if ext == ".csv":
        return pcsv.read_csv(path)
    return pa.ipc.open_file(path).read_all()


def _leftovers(directory):
    return [n for n in os.listdir(directory) if n.endswith(".tmp")]


@pytest.mark.parametrize("source", [".parquet", ".csv", ".arrow", ".feather", ".npy"])
@pytest.mark.parametrize("target", [".parquet", ".csv", ".arrow", ".npy"])
def test_every_format_gives_the_in_process_predictions(data, xgb_file, tmp_path, source, target):
    model = sapwood.load(xgb_file)
    expected = model.predict(data)
    src = _write(data, str(tmp_path / f"in{source}"))
    out = str(tmp_path / f"out{target}")
    args = ["predict", xgb_file, src, "-o", out, "--chunk-rows", "512", "--quiet"]
    with_ids = source != ".npy" and target != ".npy"
    if with_ids:
        args += ["--id-column", "row_id"]
    assert main(args) == 0
    result = _read(out)
    if target == ".npy":
        np.testing.assert_array_equal(result, expected)
    else:
        np.testing.assert_array_equal(result.column("prediction").to_numpy(), expected)
        if with_ids:
            assert result.column_names == ["row_id", "prediction"]
            assert result.column("row_id").to_pylist() == [f"r{i}" for i in range(len(data))]
    assert _leftovers(tmp_path) == []


def test_output_kinds_labels_and_threads(data, multiclass_file, tmp_path):
    model = sapwood.load(multiclass_file)
    src = _write(data, str(tmp_path / "in.parquet"))
    out = str(tmp_path / "out.parquet")
    assert main(["predict", multiclass_file, src, "-o", out, "--output-kind", "proba", "--threads", "1", "--quiet"]) == 0
    table = pq.read_table(out)
    classes = list(model.classes_)
    assert table.column_names == [f"proba_{c}" for c in classes]
    np.testing.assert_array_equal(np.column_stack([c.to_numpy() for c in table.columns]), model.predict_proba(data))
    assert main(["predict", multiclass_file, src, "-o", out, "--output-kind", "raw", "--quiet"]) == 0
    raw = pq.read_table(out)
    assert raw.column_names == ["raw_0", "raw_1", "raw_2"]
    np.testing.assert_array_equal(np.column_stack([c.to_numpy() for c in raw.columns]), model.predict_raw(data))
    assert main(["predict", multiclass_file, src, "-o", out, "--quiet"]) == 0
    assert pq.read_table(out).column("prediction").to_pylist() == list(model.predict(data))


def test_columns_map_other_names_to_the_model(data, xgb_file, tmp_path):
    model = sapwood.load(xgb_file)
    other = ["a", "b", "c", "d"]
    src = _write(data[:, ::-1], str(tmp_path / "in.csv"), names=other[::-1])  # also reversed order
    out = str(tmp_path / "out.csv")
    assert main(["predict", xgb_file, src, "-o", out, "--columns", "a,b,c,d", "--quiet"]) == 0
    np.testing.assert_array_equal(_read(out).column("prediction").to_numpy(), model.predict(data))
    # Positions pick .npy columns.
    wide = np.column_stack([np.zeros(len(data)), data])
    src = str(tmp_path / "wide.npy")
    np.save(src, wide)
    assert main(["predict", xgb_file, src, "-o", out, "--columns", "1,2,3,4", "--quiet"]) == 0
    np.testing.assert_array_equal(_read(out).column("prediction").to_numpy(), model.predict(data))


def test_the_readme_example_gives_class_probabilities_of_model_files(data, tmp_path):
    # README's headline: `sapwood predict model.ubj events.parquet -o scores.parquet
    # --id-column user_id --output-kind proba`, on files of classifier objectives, gives what
    # the library's scikit-learn classifier's predict_proba gives.
    lgb = pytest.importorskip("lightgbm")
    frame = pd.DataFrame(data, columns=NAMES)
    binary = (np.nan_to_num(data[:, 0]) > 0).astype(int)
    three = np.digitize(np.nan_to_num(data[:, 2]), [-0.5, 0.5])
    cases = []
    for name, estimator, y in [
        ("xgb-binary.ubj", xgboost.XGBClassifier(n_estimators=10, max_depth=3, n_jobs=1), binary),
        ("xgb-multi.json", xgboost.XGBClassifier(n_estimators=10, max_depth=3, n_jobs=1), three),
        ("lgb-binary.txt", lgb.LGBMClassifier(n_estimators=10, verbose=-1), binary),
        ("lgb-multi.txt", lgb.LGBMClassifier(n_estimators=10, verbose=-1), three),
        ("lgb-ova.txt", lgb.LGBMClassifier(n_estimators=10, objective="multiclassova", verbose=-1), three),
    ]:
        estimator.fit(frame, y)
        path = str(tmp_path / name)
        (estimator.save_model if name.startswith("xgb") else estimator.booster_.save_model)(path)
        cases.append((path, estimator))
    events = _write(data, str(tmp_path / "events.parquet"))
    for path, estimator in cases:
        out = str(tmp_path / "scores.parquet")
        assert main(["predict", path, events, "-o", out, "--id-column", "row_id", "--output-kind", "proba",
                     "--quiet"]) == 0
        table = pq.read_table(out)
        expected = estimator.predict_proba(frame)
        assert table.column_names == ["row_id"] + [f"proba_{k}" for k in range(expected.shape[1])]
        got = np.column_stack([table.column(f"proba_{k}").to_numpy() for k in range(expected.shape[1])])
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)  # XGBoost's are float32
        model = sapwood.load(path)
        np.testing.assert_allclose(model.predict(frame), estimator.get_booster().predict(xgboost.DMatrix(frame))
                                   if path.endswith((".ubj", ".json")) else estimator.booster_.predict(frame),
                                   rtol=1e-6)  # predict stays Booster.predict


def test_errors_exit_non_zero_and_leave_nothing(data, xgb_file, tmp_path, capsys):
    out = tmp_path / "out.parquet"
    src = _write(data, str(tmp_path / "in.parquet"), names=["age", "income", "score", "other"])
    assert main(["predict", xgb_file, src, "-o", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "'tenure'" in err and src in err and len(err.strip().splitlines()) == 1  # one line naming the file
    assert main(["predict", str(tmp_path / "no-model.json"), src, "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "no-model.json" in err and len(err.strip().splitlines()) == 1
    assert main(["predict", xgb_file, src, "-o", str(tmp_path / "out.xlsx")]) == 1
    assert "extension" in capsys.readouterr().err
    assert main(["predict", xgb_file, str(tmp_path / "nope.csv"), "-o", str(out)]) == 1
    assert main(["predict", xgb_file, src, "-o", str(out), "--output-kind", "proba"]) == 1
    # A bad value far into the file fails after chunks were written: no partial output.
    good = _write(data, str(tmp_path / "bad.csv"))
    with open(good, "a") as f:
        f.write("1,2,oops,4,r-bad\n")
    out.write_bytes(b"previous")
    assert main(["predict", xgb_file, good, "-o", str(out), "--chunk-rows", "100"]) == 1
    assert "oops" in capsys.readouterr().err
    assert out.read_bytes() == b"previous"
    assert _leftovers(tmp_path) == []


def test_progress_only_on_a_terminal(data, xgb_file, tmp_path, capsys):
    src = _write(data, str(tmp_path / "in.parquet"))
    assert main(["predict", xgb_file, src, "-o", str(tmp_path / "out.npy")]) == 0
    assert capsys.readouterr().err == ""  # stderr is not a terminal under pytest

    class Terminal:
        text = ""

        def isatty(self):
            return True

        def write(self, s):
            Terminal.text += s

        def flush(self):
            pass

    from sapwood.batch import predict_file

    predict_file(xgb_file, src, str(tmp_path / "out2.npy"), progress=Progress(Terminal()))
    assert "2,500/2,500 rows (100%)" in Terminal.text and "rows/s" in Terminal.text


def test_zero_rows(xgb_file, tmp_path):
    src = _write(np.empty((0, 4)), str(tmp_path / "in.parquet"))
    out = str(tmp_path / "out.csv")
    assert main(["predict", xgb_file, src, "-o", out, "--id-column", "row_id"]) == 0
    table = _read(out)
    assert table.num_rows == 0 and table.column_names == ["row_id", "prediction"]


# VmHWM is the peak since exec; ru_maxrss would also count the pytest pages a forked child
# held before it exec'd.
_PEAK = """
import resource, sys
from sapwood.cli import main
code = main(sys.argv[1:])
try:
    print([int(line.split()[1]) // 1024 for line in open("/proc/self/status") if line.startswith("VmHWM")][0])
except OSError:  # no /proc: macOS reports bytes, Linux KiB
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(peak >> 20 if sys.platform == "darwin" else peak >> 10)
sys.exit(code)
"""


def _peak_mib(args):
    done = subprocess.run([sys.executable, "-c", _PEAK, *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[-1])


def test_streams_in_bounded_memory(xgb_file, tmp_path):
    """A file 240 chunks long costs no more memory than a file one chunk long."""
    rng = np.random.default_rng(1)
    big = str(tmp_path / "big.parquet")
    writer = None
    for _ in range(12):
        table = pa.table({name: rng.normal(size=100_000) for name in NAMES + ["pad1", "pad2", "pad3", "pad4"]})
        writer = writer or pq.ParquetWriter(big, table.schema)
        writer.write_table(table)
    writer.close()
    small = str(tmp_path / "small.parquet")
    pq.write_table(pq.ParquetFile(big).read_row_group(0).slice(0, 5000), small)
    size_mib = os.path.getsize(big) >> 20
    assert size_mib > 60
    common = ["--chunk-rows", "5000", "--threads", "1", "--quiet"]
    baseline = _peak_mib(["predict", xgb_file, small, "-o", str(tmp_path / "s.parquet"), *common])
    peak = _peak_mib(["predict", xgb_file, big, "-o", str(tmp_path / "b.parquet"), *common])
    assert peak - baseline < size_mib / 4, (peak, baseline, size_mib)
    model = sapwood.load(xgb_file)
    expected = model.predict(pq.read_table(big, columns=NAMES))
    np.testing.assert_array_equal(pq.read_table(str(tmp_path / "b.parquet")).column("prediction").to_numpy(), expected)
