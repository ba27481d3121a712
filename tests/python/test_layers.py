"""The layers of the C++ core include downward only (docs/architecture.md): the IR knows no
engine, the kernels know no IR, compile step or prediction."""

from __future__ import annotations

import pathlib
import re

import pytest

SRC = pathlib.Path(__file__).resolve().parents[2] / "cpp" / "src"
INCLUDE = re.compile(r'^\s*#include\s+"([^"]+)"', re.MULTILINE)

# layer directory: the project headers its files may include (besides its own and the public ones)
ALLOWED = {
    "util": ("util/",),
    "ir": ("ir/", "util/"),
    "kernels": ("kernels/", "util/"),
    "compile": ("compile/", "kernels/", "ir/", "util/"),
}


@pytest.mark.parametrize("layer", list(ALLOWED))
def test_layer_includes_only_the_layers_below_it(layer):
    allowed = ALLOWED[layer] + ("sapwood/",)
    files = sorted((SRC / layer).rglob("*.[ch]pp"))
    assert files, f"no sources under {SRC / layer}"
    offending = [
        f"{path.relative_to(SRC)} includes {header}"
        for path in files
        for header in INCLUDE.findall(path.read_text())
        if not header.startswith(allowed)
    ]
    assert not offending, "\n".join(offending)
