"""Writes the seed corpus for the fuzz harnesses: small real model files of every format
and feature (categorical splits, dart, gblinear, vector leaves, linear trees, ...).

    python tests/fuzz/make_corpus.py        # (re)writes tests/fuzz/corpus/<harness>/
"""

from __future__ import annotations

import pathlib

import numpy as np
import pandas as pd

HERE = pathlib.Path(__file__).resolve().parent


def main() -> None:
    import lightgbm as lgb
    import xgboost as xgb
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression

    import sapwood

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    X[::13, 1] = np.nan
    y = (np.nan_to_num(X[:, 0]) + np.nan_to_num(X[:, 1]) > 0).astype(int)
    frame = pd.DataFrame({"a": X[:, 0], "c": pd.Categorical(rng.choice(list("pqrst"), 300))})
    y_frame = (frame.a > 0) ^ frame.c.isin(["q", "s"])

    xgb_models = {
        "gbtree": xgb.train({"max_depth": 3, "objective": "binary:logistic"}, xgb.DMatrix(X, y), 3),
        "dart": xgb.train({"booster": "dart", "max_depth": 2, "rate_drop": 0.5}, xgb.DMatrix(X, X[:, 0]), 3),
        "gblinear": xgb.train({"booster": "gblinear", "objective": "multi:softprob", "num_class": 3},
                              xgb.DMatrix(np.nan_to_num(X), rng.integers(0, 3, 300)), 2),
        "vector_leaf": xgb.train({"tree_method": "hist", "multi_strategy": "multi_output_tree", "max_depth": 2},
                                 xgb.DMatrix(X, np.c_[X[:, 0], X[:, 2]]), 2),
        "categorical": xgb.train({"max_depth": 2, "max_cat_to_onehot": 1},
                                 xgb.DMatrix(frame, y_frame, enable_categorical=True), 2),
    }
    lgb_models = {
        "binary": lgb.train({"objective": "binary", "num_leaves": 4, "verbose": -1}, lgb.Dataset(X, y), 3),
        "multiclass": lgb.train({"objective": "multiclass", "num_class": 3, "num_leaves": 3, "verbose": -1},
                                lgb.Dataset(X, rng.integers(0, 3, 300)), 2),
        "linear_tree": lgb.train({"linear_tree": True, "num_leaves": 3, "verbose": -1}, lgb.Dataset(X, X[:, 0]), 2),
        "categorical": lgb.train({"num_leaves": 4, "verbose": -1, "min_data_per_group": 5, "cat_smooth": 1},
                                 lgb.Dataset(frame, y_frame.astype(int)), 2),
        "zero_missing": lgb.train({"num_leaves": 4, "zero_as_missing": True, "verbose": -1}, lgb.Dataset(X, y), 2),
    }
    native = {
        "forest": sapwood.load(RandomForestClassifier(n_estimators=2, max_depth=3, random_state=0).fit(np.nan_to_num(X), y)),
        "linear": sapwood.load(LogisticRegression().fit(np.nan_to_num(X), y)),
        "hgb_categorical": sapwood.load(HistGradientBoostingClassifier(max_iter=2, categorical_features="from_dtype").fit(frame, y_frame)),
        "lightgbm_linear": sapwood.load(lgb_models["linear_tree"]),
    }

    seeds = {"xgboost_json": {}, "xgboost_ubjson": {}, "lightgbm": {}, "native": {}}
    for name, booster in xgb_models.items():
        seeds["xgboost_json"][f"{name}.json"] = bytes(booster.save_raw("json"))
        seeds["xgboost_ubjson"][f"{name}.ubj"] = bytes(booster.save_raw("ubj"))
    for name, booster in lgb_models.items():
        seeds["lightgbm"][f"{name}.txt"] = booster.model_to_string().encode()
    for name, model in native.items():
        seeds["native"][f"{name}.sapwood"] = model.to_bytes()
    for harness, files in seeds.items():
        directory = HERE / "corpus" / harness
        directory.mkdir(parents=True, exist_ok=True)
        for old in directory.iterdir():
            old.unlink()
        for name, data in files.items():
            (directory / name).write_bytes(data)
        print(f"{harness}: {len(files)} seeds")


if __name__ == "__main__":
    main()
