"""Builds the C++ unit tests (tests/cpp) with CMake, warnings as errors, and runs them with
ctest, so that README's one test command covers both languages.

Set SAPWOOD_SKIP_CPP_TESTS=1 where no C++ toolchain is at hand (the wheel builders test
installed wheels; .ci/run always runs this)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(command, **kwargs):
    return subprocess.run([str(c) for c in command], capture_output=True, text=True, **kwargs)


@pytest.mark.skipif(os.environ.get("SAPWOOD_SKIP_CPP_TESTS") == "1", reason="SAPWOOD_SKIP_CPP_TESTS=1")
def test_cpp_unit_tests_pass():
    cmake = shutil.which("cmake")
    ctest = shutil.which("ctest")
    assert cmake and ctest, "the C++ tests need cmake and ctest on PATH (pip install cmake)"
    build = ROOT / "build" / "cpp-tests"
    configure = [cmake, "-S", ROOT, "-B", build, "-DSAPWOOD_BUILD_TESTS=ON", "-DSAPWOOD_WERROR=ON",
                 "-DCMAKE_BUILD_TYPE=Release"]
    if shutil.which("ninja") and not (build / "CMakeCache.txt").exists():
        configure += ["-G", "Ninja"]
    result = _run(configure)
    assert result.returncode == 0, result.stdout + result.stderr
    result = _run([cmake, "--build", build, "--parallel", str(os.cpu_count() or 2)])
    assert result.returncode == 0, "C++ build failed (warnings are errors):\n" + result.stdout + result.stderr
    result = _run([ctest, "--test-dir", build, "--output-on-failure"], timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    summary = re.search(r"(\d+)% tests passed(?:, (\d+) tests failed)? out of (\d+)", output)
    assert summary and int(summary.group(3)) > 0, output
