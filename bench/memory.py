"""Peak memory of Model.predict on a large input: what predict allocates beyond X and its
output (issue 4's target: the output plus at most a few MB).

Each measurement runs in a fresh child process that builds X (float32) first, resets its peak
resident set to the current one (/proc/self/clear_refs), predicts, and reads the peak again;
the growth is the output plus what predict itself needed (less where the output lands on
pages the process already had). Linux only.

    python bench/memory.py                 # 1 GiB of float32 input
    python bench/memory.py --gib 0.25 --threads 2
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys


CHILD = r"""
import json, sys, numpy as np, sapwood, xgboost as xgb
from sklearn.linear_model import LogisticRegression
gib, n_features, threads, kind = float(sys.argv[1]), 100, int(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(0)
train = rng.normal(size=(2000, n_features)).astype(np.float32)
label = (train[:, 0] + train[:, 1] > 0).astype(int)
if kind == "xgboost":
    model = sapwood.load(xgb.train({"max_depth": 6, "objective": "binary:logistic"}, xgb.DMatrix(train, label=label), 100))
elif kind == "forest":  # several tree blocks: it walks 1,024 rows at a time
    from sklearn.ensemble import RandomForestRegressor
    model = sapwood.load(RandomForestRegressor(30, max_depth=12, random_state=0).fit(train, train[:, 0] + train[:, 1]))
else:
    model = sapwood.load(LogisticRegression(max_iter=200).fit(train, label))
rows = int(gib * 2**30 / 4 / n_features)
X = np.empty((rows, n_features), dtype=np.float32)
for start in range(0, rows, 1 << 16):  # filled in slices: no float64 temporary of X's size
    X[start:start + (1 << 16)] = rng.standard_normal((min(1 << 16, rows - start), n_features), dtype=np.float32)
def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
model.predict(X[:10], n_threads=threads)
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # resets VmHWM, the peak resident set, to the current one
before = status("VmRSS")
out = model.predict(X, n_threads=threads)
after = status("VmHWM")
print(json.dumps({"rows": rows, "input": X.nbytes, "output": out.nbytes, "peak_before": before, "peak_after": after}))
"""


def measure(gib: float, threads: int, kind: str) -> dict:
    result = subprocess.run([sys.executable, "-c", CHILD, str(gib), str(threads), kind],
                            check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gib", type=float, default=1.0, help="size of the float32 input")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    mib = 2**20
    print("| model | threads | rows | input MiB | output MiB | peak growth during predict MiB |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind in ("xgboost", "forest", "logistic"):
        m = measure(args.gib, args.threads, kind)
        growth = m["peak_after"] - m["peak_before"]
        print(f"| {kind} | {args.threads} | {m['rows']:,} | {m['input'] / mib:,.0f} | {m['output'] / mib:,.1f} "
              f"| {growth / mib:,.1f} |")


if __name__ == "__main__":
    main()
