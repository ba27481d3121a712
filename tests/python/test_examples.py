"""README's example code and the command line run as users run them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _readme_python_blocks():
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_readme_examples_run():
    blocks = _readme_python_blocks()
    assert blocks, "README.md has no python example"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {"__name__": "__readme__"})


def test_quickstart_example_runs():
    result = subprocess.run([sys.executable, str(ROOT / "examples/python/quickstart.py")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "HistGradientBoostingClassifier" in result.stdout


def test_readme_quick_start_has_exactly_two_commands():
    text = (ROOT / "README.md").read_text()
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.*?)```", quick, flags=re.S)
    assert [c.strip() for c in commands] == [
        'pip install ".[demo]" && sapwood demo',
        'pip install ".[test]" && python -m pytest',
    ]


@pytest.mark.parametrize("argv", [["demo", "--quick", "--repeats", "1"]])
def test_demo_checks_equality_and_prints_speed(argv):
    result = subprocess.run([sys.executable, "-m", "sapwood", *argv], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "MISMATCH" not in out
    for name in ("RandomForestClassifier", "HistGradientBoostingClassifier", "LogisticRegression", "IsolationForest"):
        assert re.search(rf"{name}\s+(identical|max diff \d\.\de-1[5-9])\s+[\d,]+\s+[\d,]+\s+\d+\.\dx", out), out


def test_cli_version_and_config():
    import sapwood

    version = subprocess.run([sys.executable, "-m", "sapwood", "--version"], capture_output=True, text=True)
    assert version.stdout.strip() == sapwood.__version__
    config = subprocess.run([sys.executable, "-m", "sapwood", "config"], capture_output=True, text=True)
    assert "Threads:" in config.stdout
    usage = subprocess.run([sys.executable, "-m", "sapwood"], capture_output=True, text=True)
    assert usage.returncode == 2 and "demo" in usage.stderr
