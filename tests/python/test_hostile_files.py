"""Damaged and hostile model files, from Python: truncations, bit flips, huge counts and
deep nesting of real files of every format (the fuzz seed corpus) either load or raise
SapwoodError; never another exception, a crash or a hang. (The libFuzzer harnesses in
tests/fuzz run the same idea for much longer.)"""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

import sapwood
from sapwood import _core

CORPUS = pathlib.Path(__file__).resolve().parents[1] / "fuzz" / "corpus"
SEEDS = sorted(p for p in CORPUS.glob("*/*") if p.is_file())
PROBE = np.array([[0.0, -0.0, 0.5, np.nan, 1e30, -1e-36, 3.0, -2.0]])


def _outcome(data: bytes) -> str:
    try:
        model = sapwood.load(data)
    except sapwood.SapwoodError:
        return "refused"
    except (ValueError, TypeError) as error:  # Python-side describers: clear, typed errors
        assert str(error), "an error without a message"
        return "refused"
    if model.n_features <= PROBE.shape[1]:
        model.predict_raw(PROBE[:, : model.n_features])
    return "loaded"


def test_the_corpus_is_there() -> None:
    assert len(SEEDS) >= 15, "run tests/fuzz/make_corpus.py"


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_truncations_and_bit_flips(seed: pathlib.Path) -> None:
    data = seed.read_bytes()
    assert _outcome(data) == "loaded"
    rng = np.random.default_rng(len(data))
    for cut in sorted(set(rng.integers(0, len(data), 12).tolist()) | {0, 1, len(data) // 2, len(data) - 1}):
        _outcome(data[:cut])
    for _ in range(40):
        damaged = bytearray(data)
        for position in rng.integers(0, len(data), rng.integers(1, 4)):
            damaged[position] ^= 1 << int(rng.integers(0, 8))
        _outcome(bytes(damaged))


def test_huge_counts_fail_fast() -> None:
    # UBJSON arrays and strings whose counts claim 2^60 elements, LightGBM trees claiming
    # 2^60 leaves, a native section of 2^60 nodes: each must fail without allocating them.
    huge = (1 << 60).to_bytes(8, "big")
    for data in (b"[$d#L" + huge + b"\0\0\0\0", b"{i\x01aSL" + huge + b"x", b"[#L" + huge + b"Z"):
        with pytest.raises(sapwood.SapwoodError):
            sapwood.load(data)
    text = (CORPUS / "lightgbm" / "binary.txt").read_text()
    with pytest.raises(sapwood.SapwoodError):
        sapwood.load(text.replace("num_leaves=4", "num_leaves=1152921504606846976", 1).encode())
    native = bytearray((CORPUS / "native" / "forest.sapwood").read_bytes())
    native[64 + 16 : 64 + 24] = (1 << 60).to_bytes(8, "little")  # first section's element count
    with pytest.raises(sapwood.SapwoodError):
        sapwood.load(bytes(native))


def test_an_output_count_without_base_score_is_bounded_by_the_trees() -> None:
    # Every reader builds its model through the same checks (ir/forest.cpp): a count of outputs
    # that nothing in the model backs (no base_score, fewer trees) is refused before the
    # outputs are allocated (2^31 - 1 of them would be 16 GiB of base_score alone).
    from sklearn.ensemble import GradientBoostingRegressor

    X = np.random.default_rng(0).normal(size=(50, 2))
    arrays = sapwood.load(GradientBoostingRegressor(n_estimators=3, max_depth=2).fit(X, X[:, 0]))._core.arrays()
    n_trees = len(arrays["tree_offsets"]) - 1
    assert arrays["leaf_size"] == 1 and n_trees == 3
    for n_outputs in (n_trees + 1, 2**31 - 1):
        claimed = dict(arrays, n_outputs=n_outputs, base_score=np.zeros(0))
        with pytest.raises(sapwood.SapwoodError, match="no base_score"):
            _core.forest_from_arrays(claimed)
    assert _core.forest_from_arrays(dict(arrays, base_score=np.zeros(0))).n_outputs == arrays["n_outputs"]


def _resealed(data: bytearray) -> bytes:
    """The native file with its table's and header's CRC-32s recomputed (docs/format.md)."""
    import struct
    import zlib

    count, table = struct.unpack_from("<I", data, 24)[0], struct.unpack_from("<Q", data, 32)[0]
    struct.pack_into("<I", data, 40, zlib.crc32(bytes(data[table : table + 32 * count])))
    struct.pack_into("<I", data, 44, zlib.crc32(bytes(data[:44])))
    return bytes(data)


def test_native_sections_may_not_overlap() -> None:
    # A section pointed at another's bytes, at the header or at the section table, with every
    # checksum made right, is refused: each byte of the file belongs to one place.
    import struct
    import zlib

    original = bytearray((CORPUS / "native" / "forest.sapwood").read_bytes())
    assert sapwood.load(_resealed(bytearray(original))).n_features > 0  # resealing alone changes nothing
    table = struct.unpack_from("<Q", original, 32)[0]
    entries = [struct.unpack_from("<IIQQI", original, table + 32 * i) for i in range(struct.unpack_from("<I", original, 24)[0])]
    first, second = [e for e in entries if e[3] > 0][:2]
    width = {1: 1, 2: 4, 3: 8, 4: 8}
    second_index = entries.index(second)
    for offset, message in [(first[2], "overlaps section"), (0, "overlaps the header"),
                            (table - table % 64, "overlaps the section table")]:
        data = bytearray(original)
        length = second[3] * width[second[1]]
        crc = zlib.crc32(bytes(data[offset : offset + length]))
        struct.pack_into("<IIQQI", data, table + 32 * second_index, second[0], second[1], offset, second[3], crc)
        with pytest.raises(sapwood.SapwoodError, match=message):
            sapwood.load(_resealed(data))


def test_deep_nesting_is_refused() -> None:
    for data in (b"[" * 200000, b'{"learner":' * 100000, b"[" * 200000 + b"]" * 200000):
        with pytest.raises(sapwood.SapwoodError):
            sapwood.load(data)


REGRESSIONS = sorted((CORPUS.parent / "regressions").glob("*"))


@pytest.mark.parametrize("finding", REGRESSIONS, ids=lambda p: p.name)
def test_fuzzer_findings_stay_fixed(finding: pathlib.Path) -> None:
    # Inputs the fuzzers once crashed on (tests/fuzz/README.md).
    data = finding.read_bytes()
    if finding.name.startswith("ubjson-"):  # hostile documents: a clear refusal
        with pytest.raises(sapwood.SapwoodError, match="invalid UBJSON"):
            sapwood.load(data)
        return
    # A valid model with nodes its root never reaches: it loads, and every engine level
    # predicts what the reference does, in a batch and row by row.
    model = sapwood.load(data)
    X = np.random.default_rng(0).normal(size=(40, model.n_features))
    try:
        _core._set_isa("scalar")
        expected = model.predict_raw(X, n_threads=1)
        for level in sapwood.runtime_info()["isa_supported"]:
            _core._set_isa(level)
            np.testing.assert_array_equal(model.predict_raw(X, n_threads=1), expected, err_msg=level)
            np.testing.assert_array_equal(model.predict_raw(X[:3], n_threads=1), expected[:3], err_msg=level)
    finally:
        _core._set_isa("")


def test_there_are_fuzzer_findings_to_replay() -> None:
    assert len(REGRESSIONS) >= 3


def test_categories_near_the_compile_bound_predict_what_xgboost_does() -> None:
    # The fuzzer's slow unit: hundreds of categorical nodes each listing a category near a
    # million. Their bitsets are filled from the lists (not a walk per bucket), those past the
    # bitset budget stay on the reference walk, and every answer is XGBoost's.
    xgboost = pytest.importorskip("xgboost")
    import copy
    import json

    doc = json.loads((CORPUS / "xgboost_json" / "categorical.json").read_text())
    booster = doc["learner"]["gradient_booster"]["model"]
    tree = booster["trees"][0]
    tree.update(categories=[0, 1_000_000, 5, 1_000_000], categories_sizes=[2, 2], categories_segments=[0, 2])
    n_trees = 200
    booster["trees"] = [dict(copy.deepcopy(tree), id=i) for i in range(n_trees)]
    booster["tree_info"] = [0] * n_trees
    booster["iteration_indptr"] = list(range(n_trees + 1))
    booster["gbtree_model_param"]["num_trees"] = str(n_trees)
    data = json.dumps(doc).encode()

    model = sapwood.load(data)
    engine = model.summary()["engine"]
    assert engine["categorical_trees"] > 0 and engine["reference_trees"] > 0
    source = xgboost.Booster(model_file=bytearray(data))
    codes = [0, 1, 5, 999_999, 1_000_000, 1_000_001, 2e6, -0.5, -1.0, np.nan]
    X = np.array([[x0, code] for x0 in (0.1, 0.5) for code in codes])
    np.testing.assert_allclose(
        model.predict_raw(X), source.inplace_predict(X, predict_type="margin"), rtol=1e-6, atol=1e-5
    )
