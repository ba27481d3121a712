"""The documentation site's code runs: every python block of docs/*.md, every `sapwood`
command of their bash blocks and of README's (on files made here), the quick start commands
as README has them, and the examples in the public docstrings the API page shows."""

from __future__ import annotations

import doctest
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import sapwood

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "docs").glob("*.md"))


def _blocks(language: str, pages=PAGES):
    for page in pages:
        for number, block in enumerate(re.findall(rf"```{language}\n(.*?)```", page.read_text(), flags=re.S)):
            yield pytest.param(block, id=f"{page.stem}-{number}")


def test_the_site_has_pages_and_code():
    assert {p.name for p in PAGES} >= {"index.md", "api.md", "scaling.md", "semantics.md"}
    assert list(_blocks("python")) and list(_blocks("bash"))


@pytest.mark.parametrize("block", list(_blocks("python")))
@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")  # as test_spark.py
def test_python_blocks_run(block: str, tmp_path: Path, monkeypatch) -> None:
    if "pyspark" in block:
        if os.environ.get("LD_PRELOAD"):
            pytest.skip("Spark's JVM would inherit the sanitizer run's preloaded runtime")
        if shutil.which("java") is None:
            pytest.skip("Spark needs a Java runtime")
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "docs", "exec"), {"__name__": "__docs__"})


@pytest.fixture()
def command_files(tmp_path: Path) -> Path:
    """The files the commands name: model.json and model.ubj (an XGBoost classifier),
    model.sapwood, events.parquet with a user_id column, and big.csv."""
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    xgb = pytest.importorskip("xgboost")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(3000, 3)), columns=["age", "income", "tenure"])
    classifier = xgb.XGBClassifier(n_estimators=5, max_depth=3, n_jobs=1).fit(frame, (frame.age > 0).astype(int))
    classifier.save_model(str(tmp_path / "model.json"))
    classifier.save_model(str(tmp_path / "model.ubj"))
    sapwood.load(classifier).save(tmp_path / "model.sapwood")
    frame.assign(user_id=np.arange(len(frame))).to_parquet(tmp_path / "events.parquet")
    frame.assign(other=1.0).to_csv(tmp_path / "big.csv", index=False)
    return tmp_path


def test_bash_commands_run(command_files: Path) -> None:
    blocks = list(_blocks("bash")) + list(_blocks("bash", [ROOT / "README.md"]))
    lines = [line.split("#", 1)[0].strip() for block in blocks for line in block.values[0].splitlines()]
    commands = [line for line in lines if line]
    sapwood_commands = [c for c in commands if c.startswith("sapwood ") and " demo" not in c]
    assert len(sapwood_commands) >= 5  # README's predict, convert and inspect; the docs' two
    for command in sapwood_commands:
        result = subprocess.run([sys.executable, "-m", "sapwood", *command.split()[1:]], cwd=command_files,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, f"{command}\n{result.stderr}"
    # The quick start is README's, command for command (test_examples.py checks README's).
    readme = (ROOT / "README.md").read_text()
    for command in (c for c in commands if c.startswith("pip install")):
        assert command in readme, command


@pytest.mark.parametrize("module", ["sapwood.model", "sapwood.loaders", "sapwood.explain", "sapwood.dask"])
def test_docstring_examples_run(module: str) -> None:
    imported = __import__(module, fromlist=["_"])
    failures, _ = doctest.testmod(imported, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert failures == 0
