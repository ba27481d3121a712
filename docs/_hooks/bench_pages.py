"""mkdocs hook: the site shows bench/RESULTS.md and the chart bench/run.py draws as they are in
the repository (they are generated there, never copied by hand)."""

from __future__ import annotations

from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]


def on_files(files, config):
    for name, source in (("results.md", ROOT / "bench" / "RESULTS.md"), ("speedups.png", ROOT / "bench" / "speedups.png")):
        files.append(File.generated(config, name, abs_src_path=str(source)))
    return files
