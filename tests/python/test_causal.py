"""sapwood.causal: effects equal what the fitted learners' own predict gives, EconML parity,
ATE intervals that cover the truth at the nominal rate, CATE error that falls with n, and the
designs of sapwood.causal.datasets."""

from __future__ import annotations

import math
import warnings

import lightgbm
import numpy as np
import pytest
import xgboost
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neighbors import KNeighborsRegressor
from threadpoolctl import threadpool_limits

from sapwood.causal import (AteResult, DRLearner, NativeFallbackWarning, SLearner, TLearner, XLearner, ate,
                            datasets)
from sapwood.causal._common import widened

DATA = datasets.setup_d(n=1200, seed=3)
# Three arms: the treated rows split by a covariate the effect does not depend on.
T3 = np.where(DATA.T == 1, np.where(DATA.X[:, 5] > 0, 2, 1), 0)


@pytest.fixture(autouse=True)
def _one_openmp_thread():
    # OpenMP threads (HistGradientBoosting's, sapwood's default) spin badly on a busy 2-core
    # machine; every model here is small. test_thread_count_* asks for 2 threads explicitly.
    with threadpool_limits(limits=1, user_api="openmp"):
        yield


def _logit() -> LogisticRegression:
    # Newton-Cholesky fits these small problems several times faster than lbfgs.
    return LogisticRegression(solver="newton-cholesky")


def _forest(seed: int = 0) -> RandomForestRegressor:
    return RandomForestRegressor(n_estimators=15, min_samples_leaf=5, random_state=seed)


def _lgbm() -> lightgbm.LGBMRegressor:
    return lightgbm.LGBMRegressor(n_estimators=30, num_leaves=15, verbose=-1, random_state=0, n_jobs=1)


def _xgb() -> xgboost.XGBRegressor:
    return xgboost.XGBRegressor(n_estimators=30, max_depth=3, random_state=0, n_jobs=1)


# ------------------------------------------------------------ effect() == the learners' own predict
@pytest.mark.parametrize("make_model", [_forest, _lgbm, _xgb], ids=["sklearn_forest", "lightgbm", "xgboost"])
def test_tlearner_effect_is_the_models_difference(make_model) -> None:
    est = TLearner(models=make_model(), n_threads=1).fit(DATA.Y, T3, X=DATA.X)
    X = DATA.X[:300]
    own = [m.predict(X) for m in est.models]
    np.testing.assert_allclose(est.const_marginal_effect(X), np.column_stack([own[1] - own[0], own[2] - own[0]]), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(est.effect(X, T0=1, T1=2), own[2] - own[1], rtol=1e-6, atol=1e-6)
    # XGBoost reports float32 predictions: agreement to float32 rounding.
    assert est.ate(X, T0=0, T1=2) == pytest.approx(float(np.mean(own[2] - own[0])), rel=1e-6, abs=1e-6)


def _slearner_reference(est: SLearner, X: np.ndarray) -> np.ndarray:
    """m(x, arm) - m(x, control) with the counterfactual design built in full, as EconML does."""
    k = len(est.categories_) - 1

    def design(arm: int) -> np.ndarray:
        hot = np.zeros((X.shape[0], k))
        if arm:
            hot[:, arm - 1] = 1.0
        return np.column_stack([X, np.full(X.shape[0], float(arm == 0)), hot])

    control = est.overall_model.predict(design(0))
    return np.column_stack([est.overall_model.predict(design(arm)) - control for arm in range(1, k + 1)])


@pytest.mark.parametrize("layout", ["C", "F", "float32", "strided", "single_row"])
def test_slearner_counterfactuals_in_every_layout(layout: str) -> None:
    est = SLearner(overall_model=_forest(), n_threads=1).fit(DATA.Y, T3, X=DATA.X)
    X = {
        "C": np.ascontiguousarray(DATA.X[:257]),
        "F": np.asfortranarray(DATA.X[:257]),
        "float32": DATA.X[:257].astype(np.float32),
        "strided": np.concatenate([DATA.X, DATA.X], axis=1)[:514:2, :6],
        "single_row": DATA.X[:1],
    }[layout]
    before = X.copy()
    expected = _slearner_reference(est, X.astype(np.float64))
    np.testing.assert_array_equal(est.const_marginal_effect(X), expected)
    np.testing.assert_array_equal(X, before)


def test_slearner_reads_x_in_place() -> None:
    X = np.ascontiguousarray(DATA.X[:100])
    chunks = list(widened(X, 3))
    # All rows but the last ceil(3 / 6) are a strided view of X itself; one row is copied.
    assert [(c[0].start, c[0].stop) for c in chunks] == [(0, 99), (99, 100)]
    assert np.shares_memory(chunks[0][1], X) and not np.shares_memory(chunks[1][1], X)
    np.testing.assert_array_equal(chunks[0][1][:, :6], X[:99])
    assert not any(np.shares_memory(c[1], X) for c in widened(np.asfortranarray(X), 3))


def test_xlearner_effect_is_the_blend_of_its_models() -> None:
    est = XLearner(models=_lgbm(), propensity_model=HistGradientBoostingClassifier(max_iter=20), n_threads=1)
    est.fit(DATA.Y, DATA.T, X=DATA.X)
    X = DATA.X[:300]
    e = est.propensity_models[0].predict_proba(X)[:, 1]
    own = e * est.cate_controls_models[0].predict(X) + (1 - e) * est.cate_treated_models[0].predict(X)
    np.testing.assert_allclose(est.effect(X), own, rtol=1e-6, atol=1e-6)


def test_drlearner_effect_is_the_final_models_prediction() -> None:
    est = DRLearner(model_regression=_xgb(), model_propensity=_logit(), model_final=_forest(),
                    cv=3, random_state=0, n_threads=1).fit(DATA.Y, T3, X=DATA.X)
    X = DATA.X[:300]
    np.testing.assert_array_equal(est.effect(X, T0=0, T1=2), est.model_cate(T=2).predict(X))
    np.testing.assert_array_equal(est.effect(X, T0=2, T1=1), est.model_cate(1).predict(X) - est.model_cate(2).predict(X))
    # The pseudo-outcomes are mu(x, t) + 1{T = t}(Y - mu(x, t)) / e_t with fold models, recomputed here.
    scores = est.pseudo_outcomes_
    features = np.column_stack([DATA.X, np.eye(3)[T3][:, 1:]])
    manual = np.empty_like(scores)
    for p_model, r_model, (train, test) in zip(est.models_propensity[0], est.models_regression[0], _stratified_folds(3, 0)):
        e = np.clip(p_model.predict_proba(DATA.X[test]), 1e-6, 1 - 1e-6)
        for arm in range(3):
            design = features[test].copy()
            design[:, 6:] = np.eye(3)[arm][1:]
            mu = r_model.predict(design)
            manual[test, arm] = mu + (T3[test] == arm) * (DATA.Y[test] - mu) / e[:, arm]
    np.testing.assert_allclose(scores, manual, rtol=1e-6, atol=1e-6)


def _stratified_folds(cv: int, seed: int):
    from sklearn.model_selection import StratifiedKFold
    from sklearn.utils import check_random_state

    return StratifiedKFold(cv, shuffle=True, random_state=check_random_state(seed)).split(DATA.X, T3)


def test_unloadable_model_falls_back_with_a_warning() -> None:
    with pytest.warns(NativeFallbackWarning, match=r"models\[0\].*KNeighborsRegressor.*own predict"):
        est = TLearner(models=KNeighborsRegressor(n_neighbors=15)).fit(DATA.Y, DATA.T, X=DATA.X)
    X = DATA.X[:50]
    np.testing.assert_allclose(est.effect(X), est.models[1].predict(X) - est.models[0].predict(X), rtol=1e-12)


def test_thread_count_does_not_change_effects() -> None:
    est = DRLearner(model_regression=_lgbm(), model_propensity=_logit(), model_final=_lgbm(), random_state=1)
    est.fit(DATA.Y, DATA.T, X=DATA.X)
    single = est.effect(DATA.X)
    est.n_threads = 2
    np.testing.assert_array_equal(est.effect(DATA.X), single)


# ------------------------------------------------------------ EconML parity
def _econml():
    try:
        from econml.dr import DRLearner as EconDR
        from econml.metalearners import SLearner as EconS, TLearner as EconT, XLearner as EconX
    except ImportError:
        pytest.skip("econml is not installed")
    return EconS, EconT, EconX, EconDR


def test_same_estimates_as_econml() -> None:
    EconS, EconT, EconX, EconDR = _econml()
    data = datasets.setup_a(n=800, seed=5)
    X = data.X
    arms = np.where(data.T == 1, 1 + (X[:, 5] > 0.5), 0)
    pairs = [
        (TLearner(models=_forest()), EconT(models=_forest()), arms),
        (SLearner(overall_model=_forest()), EconS(overall_model=_forest()), arms),
        (XLearner(models=_forest(), propensity_model=_logit()),
         EconX(models=_forest(), propensity_model=_logit()), data.T),
    ]
    dr = dict(model_regression=_forest(), model_propensity=_logit(), cv=3, random_state=11)
    pairs.append((DRLearner(**dr, model_final=LinearRegression()), EconDR(**dr), arms))
    for ours, theirs, T in pairs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # EconML's own deprecation and convergence chatter
            theirs.fit(data.Y, T, X=X)
            expected = theirs.const_marginal_effect(X)
            expected_interval = theirs.effect_interval(X[:20], T0=0, T1=1) if isinstance(ours, DRLearner) else None
        ours.fit(data.Y, T, X=X)
        np.testing.assert_allclose(ours.const_marginal_effect(X), expected, rtol=1e-9, atol=1e-9, err_msg=type(ours).__name__)
        if expected_interval is not None:
            # EconML's default final model is OLS with HC0 intervals: the same numbers.
            np.testing.assert_allclose(ours.effect_interval(X[:20]), expected_interval, rtol=1e-7, atol=1e-9)


# ------------------------------------------------------------ validation against known truth
def _binomial_band(rate: float, reps: int) -> float:
    return 3.0 * math.sqrt(rate * (1 - rate) / reps)


def test_ate_intervals_cover_the_truth_at_the_nominal_rate() -> None:
    reps, covered_aipw, covered_dr, covered_ipw = 120, 0, 0, 0
    for seed in range(reps):
        data = datasets.setup_c(n=400, seed=seed)
        result = ate(data.Y, data.T, data.X, outcome_model=LinearRegression(), propensity_model=_logit(),
                     random_state=seed, n_threads=1)
        covered_aipw += result.ci_lower <= data.ate <= result.ci_upper
        ipw = ate(data.Y, data.T, data.X, propensity_model=_logit(), method="ipw", random_state=seed, n_threads=1)
        covered_ipw += ipw.ci_lower <= data.ate <= ipw.ci_upper
        trial = datasets.setup_b(n=400, seed=seed)
        est = DRLearner(model_regression=LinearRegression(), model_propensity=_logit(), random_state=seed,
                        n_threads=1).fit(trial.Y, trial.T, X=trial.X)
        low, high = est.ate_interval()
        covered_dr += low <= trial.ate <= high
    band = _binomial_band(0.95, reps)
    assert abs(covered_aipw / reps - 0.95) <= band, covered_aipw
    assert abs(covered_dr / reps - 0.95) <= band, covered_dr
    # IPW's influence-function interval ignores that e was estimated: conservative, never short.
    assert covered_ipw / reps >= 0.95 - band, covered_ipw


def test_cate_error_falls_as_n_grows() -> None:
    test = datasets.setup_b(n=2000, seed=99)
    errors = []
    for n in (400, 1600, 6400):
        rmse = []
        for seed in range(2):
            data = datasets.setup_b(n=n, seed=seed)
            est = DRLearner(model_regression=LinearRegression(), model_propensity=_logit(),
                            model_final=RandomForestRegressor(n_estimators=20, min_samples_leaf=40, max_features=None, random_state=0),
                            random_state=seed, n_threads=1).fit(data.Y, data.T, X=data.X)
            rmse.append(math.sqrt(np.mean((est.effect(test.X) - test.tau) ** 2)))
        errors.append(float(np.mean(rmse)))
    assert errors[0] > errors[1] > errors[2], errors


def test_ate_methods_and_result() -> None:
    data = datasets.setup_b(n=3000, seed=4)
    common = dict(outcome_model=LinearRegression(), propensity_model=_logit(), random_state=0, n_threads=1)
    results = {m: ate(data.Y, data.T, data.X, method=m, **common) for m in ("aipw", "ipw", "regression")}
    for method, result in results.items():
        assert isinstance(result, AteResult) and result.method == method and result.n == 3000
        assert abs(result.estimate - data.ate) < 0.3, (method, result)
    aipw = results["aipw"]
    assert aipw.ci == (aipw.ci_lower, aipw.ci_upper)
    assert aipw.ci_upper - aipw.estimate == pytest.approx(1.959963984540054 * aipw.stderr)
    assert math.isnan(results["regression"].stderr)  # no valid plug-in standard error
    weighted = ate(data.Y, data.T, data.X, sample_weight=np.ones(3000), **common)
    assert weighted.estimate == pytest.approx(aipw.estimate, rel=1e-10)
    assert weighted.stderr == pytest.approx(aipw.stderr, rel=1e-10)
    assert "95% CI" in str(aipw)
    with pytest.raises(ValueError, match="needs propensity_model"):
        ate(data.Y, data.T, data.X, outcome_model=LinearRegression())
    with pytest.raises(ValueError, match="binary treatment"):
        ate(data.Y, np.arange(3000) % 3, data.X, **common)


def test_drlearner_interval_with_new_rows_and_weights() -> None:
    data = datasets.setup_c(n=1500, seed=2)
    est = DRLearner(model_regression=LinearRegression(), model_propensity=_logit(), random_state=0)
    est.fit(data.Y, data.T, X=data.X)
    low, high = est.ate_interval()
    centre = float(np.mean(est.pseudo_outcomes_[:, 1] - est.pseudo_outcomes_[:, 0]))
    assert (low + high) / 2 == pytest.approx(centre)
    # On the training rows with an OLS final model, the plug-in + correction centre is the AIPW mean.
    low_x, high_x = est.ate_interval(data.X)
    assert (low_x + high_x) / 2 == pytest.approx(centre)
    assert est.ate_stderr() > 0
    # Integer weights act as repeated rows in the final OLS fit (folds aside).
    w = (np.arange(1500) % 2 + 1).astype(float)
    weighted = TLearner(models=LinearRegression()).fit(data.Y, data.T, X=data.X, sample_weight=w)
    repeated = np.concatenate([np.arange(1500), np.flatnonzero(w == 2)])
    plain = TLearner(models=LinearRegression()).fit(data.Y[repeated], data.T[repeated], X=data.X[repeated])
    np.testing.assert_allclose(weighted.effect(data.X), plain.effect(data.X), rtol=1e-8, atol=1e-10)


def test_errors_a_user_can_act_on() -> None:
    est = TLearner(models=LinearRegression())
    with pytest.raises(RuntimeError, match="not fitted"):
        est.effect(DATA.X)
    est.fit(DATA.Y, DATA.T, X=DATA.X)
    with pytest.raises(ValueError, match="6 features, X has 5"):
        est.effect(DATA.X[:, :5])
    with pytest.raises(ValueError, match="unknown treatment value 7"):
        est.effect(DATA.X, T1=7)
    with pytest.raises(ValueError, match="takes no W"):
        est.fit(DATA.Y, DATA.T, X=DATA.X, W=DATA.X)
    with pytest.raises(NotImplementedError, match="bootstrap"):
        est.fit(DATA.Y, DATA.T, X=DATA.X, inference="bootstrap")
    forest_final = DRLearner(model_regression=LinearRegression(), model_propensity=_logit(), model_final=_forest())
    with pytest.raises(NotImplementedError, match="LinearRegression"):
        forest_final.fit(DATA.Y, DATA.T, X=DATA.X).effect_interval(DATA.X[:5])


def test_drlearner_with_controls_and_clipping() -> None:
    data = datasets.poor_overlap(n=2000, seed=0)
    X, W = data.X[:, :2], data.X[:, 2:]
    loose = DRLearner(model_regression=_lgbm(), model_propensity=_logit(),
                      random_state=0, n_threads=1).fit(data.Y, data.T, X=X, W=W)
    clipped = DRLearner(model_regression=_lgbm(), model_propensity=_logit(),
                        min_propensity=0.05, random_state=0, n_threads=1).fit(data.Y, data.T, X=X, W=W)
    assert loose.propensities_.min() < 0.05 and clipped.propensities_.min() == pytest.approx(0.05)
    # Clipping bounds the weights, and with them the standard error.
    assert clipped.ate_stderr() < loose.ate_stderr()


# ------------------------------------------------------------ datasets
@pytest.mark.parametrize("name", sorted(datasets.DESIGNS))
def test_designs_are_seeded_and_consistent(name: str) -> None:
    make = datasets.DESIGNS[name]
    first, again, other = make(n=20000, seed=1), make(n=20000, seed=1), make(n=20000, seed=2)
    np.testing.assert_array_equal(first.Y, again.Y)
    assert not np.array_equal(first.Y, other.Y)
    np.testing.assert_allclose(first.mu1 - first.mu0, first.tau, atol=1e-12)
    assert np.all((first.propensity > 0) & (first.propensity < 1))
    # The stated population ATE is the mean of tau(X), within sampling error.
    assert abs(first.tau.mean() - first.ate) <= 4 * first.tau.std() / math.sqrt(20000) + 1e-12
    # T is drawn from the stated propensity.
    assert abs(first.T.mean() - first.propensity.mean()) <= 4 * 0.5 / math.sqrt(20000)


def test_poor_overlap_has_extreme_propensities() -> None:
    data = datasets.poor_overlap(n=20000, seed=0)
    extreme = np.mean((data.propensity < 0.01) | (data.propensity > 0.99))
    assert 0.05 < extreme < 0.2
    with pytest.raises(ValueError, match="at least 5"):
        datasets.setup_a(d=4)
