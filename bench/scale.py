"""Rows/s of scoring one Parquet file where the data lives: `sapwood predict` (the CLI, as a
subprocess, start-up included), sapwood.dask on a LocalCluster of 1 and 2 worker processes,
sapwood.spark on local[2], against plain in-process ``Model.predict`` on the same table.
Every path's predictions are checked against the in-process ones before it is timed. Prints a
Markdown table.

    python bench/scale.py                      # 2M rows x 20 features
    python bench/scale.py --rows 500000 --skip spark

In-process reads the whole table first (its time is the predict alone, and "+ read" adds
pq.read_table); the other paths read the file as part of the work they are timed on.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable, Dict, List, Tuple

import numpy as np

import sapwood


def make_data(directory: str, rows: int, features: int, seed: int = 0) -> Tuple[str, str]:
    import pyarrow as pa
    import pyarrow.parquet as pq
    import xgboost

    rng = np.random.default_rng(seed)
    names = [f"f{j}" for j in range(features)]
    X = rng.normal(size=(20_000, features))
    y = X[:, 0] + np.sin(X[:, 1]) + 0.5 * X[:, 2] * X[:, 3]
    booster = xgboost.XGBRegressor(n_estimators=100, max_depth=6, n_jobs=2).fit(X, y).get_booster()
    booster.feature_names = names
    model_path = os.path.join(directory, "model.json")
    booster.save_model(model_path)
    data_path = os.path.join(directory, "data.parquet")
    writer = None
    step = 500_000
    for start in range(0, rows, step):
        n = min(step, rows - start)
        table = pa.table({"id": np.arange(start, start + n), **{name: rng.normal(size=n) for name in names}})
        writer = writer or pq.ParquetWriter(data_path, table.schema)
        writer.write_table(table, row_group_size=100_000)
    writer.close()
    return model_path, data_path


def timed(fn: Callable[[], Any]) -> Tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def run_cli(model_path: str, data_path: str, directory: str, expected: np.ndarray) -> Dict[str, Any]:
    import pyarrow.parquet as pq

    out = os.path.join(directory, "cli.parquet")
    # The child reports VmHWM, its own peak since exec: ru_maxrss (self or children) also
    # counts this process's pages, which a forked child holds until it execs.
    script = "import sys; from sapwood.cli import main; c = main(sys.argv[1:]); " \
             "print([int(l.split()[1]) >> 10 for l in open('/proc/self/status') if l.startswith('VmHWM')][0]); sys.exit(c)"
    command = [sys.executable, "-c", script, "predict", model_path, data_path, "-o", out, "--id-column", "id", "--quiet"]
    seconds, done = timed(lambda: subprocess.run(command, capture_output=True, text=True))
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    peak = int(done.stdout.split()[-1])
    got = pq.read_table(out, columns=["prediction"]).column(0).to_numpy()
    assert np.array_equal(got, expected), "CLI predictions differ"
    return {"seconds": seconds, "note": f"process start-up included; peak RSS {peak} MiB"}


def run_dask(model: Any, data_path: str, workers: int, expected: np.ndarray) -> Dict[str, Any]:
    import dask.dataframe as dd
    import distributed

    import sapwood.dask

    with distributed.LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
    ) as cluster, distributed.Client(cluster):
        def score() -> Any:
            frame = dd.read_parquet(data_path, split_row_groups=True)
            return sapwood.dask.predict(model, frame).compute()

        score()  # warm-up: worker imports
        seconds, result = timed(score)
    assert np.array_equal(result.to_numpy(), expected), "Dask predictions differ"
    return {"seconds": seconds, "note": "dd.read_parquet -> predict -> compute() to the client"}


def run_spark(model: Any, data_path: str, expected: np.ndarray) -> Dict[str, Any]:
    import warnings

    from pyspark.sql import SparkSession

    import sapwood.spark

    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    spark = (
        SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "2g").getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        frame = spark.read.parquet(data_path)
        scored = sapwood.spark.predict(frame, model)
        check = scored.select("id", "prediction").toArrow().sort_by("id").column("prediction").to_numpy()
        assert np.array_equal(check, expected), "Spark predictions differ"
        seconds, _ = timed(lambda: scored.write.format("noop").mode("overwrite").save())
    finally:
        spark.stop()
    return {"seconds": seconds, "note": "spark.read.parquet -> predict -> noop sink"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--skip", default="", help="comma-separated: cli, dask, spark")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))

    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory() as directory:
        model_path, data_path = make_data(directory, args.rows, args.features)
        model = sapwood.load(model_path)
        size = os.path.getsize(data_path) >> 20
        read_seconds, table = timed(lambda: pq.read_table(data_path))
        X = table.select(model.feature_names)
        model.predict(X)
        predict_seconds, expected = timed(lambda: model.predict(X))
        del table, X
        results: List[Tuple[str, Dict[str, Any]]] = [
            ("in-process Model.predict (table in memory)", {"seconds": predict_seconds, "note": "predict only"}),
            ("in-process pq.read_table + Model.predict", {"seconds": predict_seconds + read_seconds, "note": "read + predict"}),
        ]
        if "cli" not in skip:
            results.append(("sapwood predict (CLI) parquet -> parquet", run_cli(model_path, data_path, directory, expected)))
        if "dask" not in skip:
            for workers in (1, 2):
                results.append((f"sapwood.dask, LocalCluster {workers} worker{'s' if workers > 1 else ''} x 1 thread",
                                run_dask(model, data_path, workers, expected)))
        if "spark" not in skip:
            results.append(("sapwood.spark, local[2]", run_spark(model, data_path, expected)))

    print(f"\n{args.rows:,} rows x {args.features} features, Parquet {size} MiB; XGBoost regressor, 100 trees, depth 6; "
          f"{platform.machine()}, {os.cpu_count()} cores, sapwood {sapwood.__version__}\n")
    print("| path | seconds | rows/s | vs in-process predict | notes |")
    print("|---|---:|---:|---:|---|")
    for name, result in results:
        rate = args.rows / result["seconds"]
        print(f"| {name} | {result['seconds']:.2f} | {rate:,.0f} | {predict_seconds / result['seconds']:.2f}x | {result['note']} |")


if __name__ == "__main__":
    main()
