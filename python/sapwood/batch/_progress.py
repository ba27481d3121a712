"""The one-line progress report of `sapwood predict`: rows done, percent when the total is
known, rows/s. Written to a terminal only; a pipe or a file gets nothing."""

from __future__ import annotations

import sys
import time
from typing import Any, Optional, TextIO


class Progress:
    _INTERVAL_S = 0.2  # redraws at most this often: a terminal is slow next to the scorer

    def __init__(self, stream: Optional[TextIO] = None, enabled: Optional[bool] = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_terminal(self.stream) if enabled is None else enabled
        self.rows = 0
        self.total: Optional[int] = None
        self.start = time.perf_counter()
        self.last = 0.0

    def update(self, rows: int, total: Optional[int] = None) -> None:
        self.rows += rows
        if total is not None:
            self.total = total
        now = time.perf_counter()
        if self.enabled and now - self.last >= self._INTERVAL_S:
            self.last = now
            self._draw(now)

    def close(self) -> None:
        if self.enabled:
            self._draw(time.perf_counter())
            self.stream.write("\n")
            self.stream.flush()

    def rate(self) -> float:
        elapsed = time.perf_counter() - self.start
        return self.rows / elapsed if elapsed > 0 else 0.0

    def _draw(self, now: float) -> None:
        elapsed = max(now - self.start, 1e-9)
        done = f"{self.rows:,}"
        if self.total:
            done += f"/{self.total:,} rows ({100.0 * self.rows / self.total:.0f}%)"
        else:
            done += " rows"
        self.stream.write(f"\rsapwood predict: {done}, {self.rows / elapsed:,.0f} rows/s ")
        self.stream.flush()


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
