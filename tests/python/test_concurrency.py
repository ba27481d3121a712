"""Threads and processes: one model shared by many Python threads (the GIL is released, so
they really run at once), loading in one thread and predicting in another, more native
threads than cores, and use in children forked from a process that already ran OpenMP.
Every result must equal a plain single-threaded run."""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from sklearn.ensemble import GradientBoostingClassifier, RandomForestRegressor

import sapwood
from sapwood import _core

RNG = np.random.default_rng(21)
X = RNG.normal(size=(3000, 8))
Y = X[:, 0] - X[:, 1] ** 2


@pytest.fixture(scope="module")
def source_forest() -> RandomForestRegressor:
    # Depth 6: at most 64 leaves a tree, so QuickScorer can run it as well as the walk.
    return RandomForestRegressor(n_estimators=20, max_depth=6, random_state=0, n_jobs=1).fit(X, Y)


@pytest.fixture(scope="module")
def forest(source_forest: RandomForestRegressor) -> sapwood.Model:
    return sapwood.load(source_forest)


@pytest.fixture(params=["walk", "quickscorer"])
def engine(request, forest: sapwood.Model):
    """Each engine forced in turn (the parity tests' override), checked to be the one that runs."""
    _core._set_traversal(request.param)
    try:
        assert forest.summary()["engine"]["batch"] == request.param
        yield request.param
    finally:
        _core._set_traversal("")  # back to the default (SAPWOOD_TRAVERSAL or the cost model)


def test_many_threads_share_one_model(forest: sapwood.Model, source_forest, engine: str) -> None:
    expected = source_forest.predict(X)
    tasks = [i % 7 for i in range(42)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda i: forest.predict(X[i::7]), tasks))
    for i, got in zip(tasks, results):
        assert np.array_equal(got, expected[i::7])


def test_results_do_not_depend_on_threads_or_batch_size(forest: sapwood.Model, source_forest, engine: str) -> None:
    expected = source_forest.predict(X)
    for n_threads in (1, 2, 3, 16, 64):
        assert np.array_equal(forest.predict(X, n_threads=n_threads), expected)
    # Any split into batches, including single rows and sizes that straddle the native
    # block size, gives each row the same value.
    for size in (1, 7, 127, 128, 129, 1000):
        parts = [forest.predict(X[i : i + size]) for i in range(0, 600, size)]
        assert np.array_equal(np.concatenate(parts)[:600], expected[: len(np.concatenate(parts))][:600])


def test_load_in_one_thread_predict_in_another() -> None:
    gbm = GradientBoostingClassifier(n_estimators=15, max_depth=3, random_state=0).fit(X, Y > 0)
    holder = {}
    loader = threading.Thread(target=lambda: holder.setdefault("model", sapwood.load(gbm)))
    loader.start()
    loader.join()
    out = {}
    worker = threading.Thread(target=lambda: out.setdefault("proba", holder["model"].predict_proba(X)))
    worker.start()
    worker.join()
    np.testing.assert_allclose(out["proba"], gbm.predict_proba(X), rtol=1e-12)


def _child_predict(payload):
    model, rows = payload
    return model.predict(rows)


@pytest.mark.skipif(sys.platform == "win32", reason="fork exists on POSIX only")
def test_forked_children_predict_after_the_parent_used_threads(forest: sapwood.Model) -> None:
    # The parent runs a parallel prediction first, so its OpenMP thread pool exists when
    # fork() copies the process: GNU OpenMP's pool does not survive fork, which is where
    # forked children hang when a library calls into OpenMP again.
    expected = forest.predict(X, n_threads=2)
    context = multiprocessing.get_context("fork")
    with context.Pool(2) as pool:
        results = pool.map_async(_child_predict, [(forest, X[i::4]) for i in range(4)]).get(timeout=120)
    for i, got in enumerate(results):
        assert np.array_equal(got, expected[i::4])


@pytest.mark.skipif(sys.platform == "win32", reason="fork exists on POSIX only")
def test_fork_then_threads_in_the_child(forest: sapwood.Model) -> None:
    forest.predict(X, n_threads=2)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: predict on several threads, report, and leave at once
        try:
            ok = np.array_equal(forest.predict(X, n_threads=2), forest.predict(X, n_threads=1))
            os.write(write, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    assert os.read(read, 1) == b"1"
    os.close(read)
    assert status == 0


@pytest.mark.skipif(not sys.platform.startswith("linux") or not hasattr(os, "sched_setaffinity"),
                    reason="affinity masks are Linux's")
def test_default_threads_follow_the_affinity_mask() -> None:
    # A process pinned to one CPU (taskset, a scheduler's cpuset) gets one thread by default,
    # not one per core of the machine; OMP_NUM_THREADS, where set, still decides.
    import subprocess

    code = "import sapwood; print(sapwood.runtime_info()['default_threads'])"
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    cpu = sorted(os.sched_getaffinity(0))[0]
    pinned = subprocess.run([sys.executable, "-c", f"import os; os.sched_setaffinity(0, {{{cpu}}}); {code}"],
                            env=env, capture_output=True, text=True, check=True)
    assert pinned.stdout.strip() == "1"
    unpinned = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert 1 <= int(unpinned.stdout) <= len(os.sched_getaffinity(0))  # a cgroup quota may cut it further
    limited = subprocess.run([sys.executable, "-c", code], env={**env, "OMP_NUM_THREADS": "3"},
                             capture_output=True, text=True, check=True)
    assert limited.stdout.strip() == "3"


_FAILING_PTHREAD_CREATE = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

/* pthread_create that refuses (EAGAIN, as under RLIMIT_NPROC or a container's pids limit)
   once SAPWOOD_TEST_REFUSE_THREADS is set, and creates threads before that. */
int pthread_create(pthread_t* thread, const pthread_attr_t* attr, void* (*start)(void*), void* arg) {
  if (getenv("SAPWOOD_TEST_REFUSE_THREADS") != NULL) return EAGAIN;
  int (*real)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*) =
      (int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*))dlsym(RTLD_NEXT, "pthread_create");
  return real(thread, attr, start, arg);
}
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="LD_PRELOAD of a pthread_create shim: Linux")
def test_refused_threads_degrade_to_the_callers(tmp_path) -> None:
    # When the OS refuses new threads, a multi-threaded predict runs on the threads it has
    # (down to the caller's) and gives the same answer as scikit-learn; it never aborts.
    import shutil
    import subprocess

    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("needs a C compiler for the pthread_create shim")
    if os.environ.get("LD_PRELOAD"):
        # The sanitizer run preloads ASan's runtime, which must come first and intercepts
        # pthread_create itself; the test task runs this test.
        pytest.skip("LD_PRELOAD is taken (the sanitizer run)")
    source = tmp_path / "refuse_threads.c"
    source.write_text(_FAILING_PTHREAD_CREATE)
    shim = tmp_path / "refuse_threads.so"
    subprocess.run([compiler, "-shared", "-fPIC", "-o", str(shim), str(source), "-ldl"], check=True)
    script = """
import os, numpy as np, sapwood
from sklearn.ensemble import RandomForestRegressor
rng = np.random.default_rng(5)
X = rng.normal(size=(4000, 6))
forest = RandomForestRegressor(n_estimators=10, max_depth=6, random_state=0, n_jobs=1).fit(X, X[:, 0])
model = sapwood.load(forest)
os.environ["SAPWOOD_TEST_REFUSE_THREADS"] = "1"
import threading
try:
    threading.Thread(target=print).start()
    raise SystemExit("the shim did not refuse a thread")
except RuntimeError:
    pass  # "can't start new thread": the refusal is in effect
for threads in (8, 2, None):
    assert np.array_equal(model.predict(X, n_threads=threads), forest.predict(X)), threads
print("ok")
"""
    env = dict(os.environ, LD_PRELOAD=str(shim), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"
