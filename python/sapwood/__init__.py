"""sapwood: fast, exact CPU inference for tree ensembles and linear models.

Example
-------
>>> import sapwood
>>> model = sapwood.load(fitted_estimator)      # doctest: +SKIP
>>> model.predict(X)                            # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any, Dict, List

try:
    from . import _core
except ImportError as error:  # pragma: no cover - only on a broken install
    raise ImportError(
        "sapwood's native module failed to import; reinstall with `pip install --force-reinstall sapwood`"
    ) from error

from .loaders import load
from .model import Model

__version__: str = _core.__version__

#: Raised when a model description or file is invalid or cannot be evaluated.
SapwoodError = _core.ModelError
SapwoodError.__module__ = "sapwood"
SapwoodError.__name__ = SapwoodError.__qualname__ = "SapwoodError"

__all__ = ["Model", "SapwoodError", "__version__", "load", "runtime_info", "show_config"]


def runtime_info() -> Dict[str, Any]:
    """The build: version, compiler, default thread count, compiled/supported/active ISAs,
    and the forest traversal in force ("auto", "walk", "gather" or "quickscorer")."""
    return dict(_core.runtime_info())


def show_config() -> None:
    """Print how this sapwood was built and what it runs with on this machine."""
    info = runtime_info()
    lines: List[str] = [
        f"sapwood {info['version']}",
        f"  compiler:        {info['compiler']}",
        f"  Threads:         {info['default_threads']} by default (OMP_NUM_THREADS, else the CPUs this process may use)",
        f"  SIMD compiled:   {', '.join(info['isa_compiled'])}",
        f"  SIMD supported:  {', '.join(info['isa_supported'])}",
        f"  SIMD active:     {info['isa_active']}",
        f"  Traversal:       {info['traversal']}",
    ]
    print("\n".join(lines))


def __dir__() -> List[str]:
    return sorted(__all__)
