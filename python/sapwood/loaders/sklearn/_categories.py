"""CategoryEncoder: re-codes a categorical column to the ordinal codes a model was trained
on, as scikit-learn's OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=NaN)
does: a known category becomes its position, anything else (unknown, missing) NaN."""

from __future__ import annotations

from typing import Any

import numpy as np


def _is_missing(value: Any) -> bool:
    try:
        return bool(value != value) or value is None
    except (TypeError, ValueError):
        return value is None


class CategoryEncoder:
    def __init__(self, categories: Any) -> None:
        categories = np.asarray(categories)
        self.categories = categories  # as given, so the encoder can be saved and rebuilt
        self.numeric = categories.dtype.kind in "biuf"
        if self.numeric:
            values = categories.astype(np.float64)
            self.values = values[~np.isnan(values)]
        else:
            self.lookup = {c: float(i) for i, c in enumerate(categories.tolist()) if not _is_missing(c)}

    def encode(self, column: Any) -> np.ndarray:
        if self.numeric:
            values = np.asarray(column, dtype=np.float64)
            if len(self.values) == 0:
                return np.full(values.shape, np.nan)
            position = np.searchsorted(self.values, values)
            clipped = np.minimum(position, len(self.values) - 1)
            return np.where(self.values[clipped] == values, clipped, np.nan).astype(np.float64)
        items = np.asarray(column, dtype=object)
        return np.array([self.lookup.get(v, np.nan) if not _is_missing(v) else np.nan for v in items],
                        dtype=np.float64)
