"""sapwood.load on paths and bytes: format detection and clear errors for what is not a model.
(Parity of each format is tested in test_parity_xgboost.py and test_parity_lightgbm.py.)"""

from __future__ import annotations

import pathlib

import pytest

import sapwood


def test_missing_file_raises_file_not_found(tmp_path: pathlib.Path) -> None:
    with pytest.raises(FileNotFoundError, match="no model file"):
        sapwood.load(tmp_path / "absent.json")


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"\x89PNG\r\n", "unrecognised model format"),
        (b'{"learner": {"gradient_booster": ', "invalid JSON"),
        (b"{L\x00\x00\x00\x00\x00\x00\x00\x07learn", "invalid UBJSON"),
        (b"[" * 100000, "unrecognised model format"),
        (b'{"a":' * 100000, "nesting deeper"),
    ],
)
def test_garbage_is_refused_with_a_clear_error(tmp_path: pathlib.Path, content: bytes, message: str) -> None:
    path = tmp_path / "model.bin"
    path.write_bytes(content)
    with pytest.raises(sapwood.SapwoodError, match=message):
        sapwood.load(path)
    with pytest.raises(sapwood.SapwoodError, match=message):
        sapwood.load(content)


def test_unknown_format_name_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown model format 'onnx'"):
        sapwood.load(b"{}", format="onnx")


def test_unsupported_source_type_is_refused() -> None:
    with pytest.raises(TypeError, match="cannot load builtins.dict"):
        sapwood.load({"not": "a model"})
