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
        # Each distinct value is looked up once and the rows take their code by indexing: a
        # pandas category column carries its codes, anything else is factorized first (a
        # Python loop over rows held the HistGradientBoosting predict to one thread).
        categorical = getattr(column, "cat", None)  # only a pandas category Series has it
        if categorical is not None:
            return self._by_codes(np.asarray(categorical.codes), categorical.categories)
        items = np.asarray(column, dtype=object)
        try:
            import pandas as pd
        except ImportError:
            return np.array([self._code_of(v) for v in items], dtype=np.float64)
        codes, uniques = pd.factorize(items)  # missing values (None, NaN, NaT, NA) get -1
        return self._by_codes(codes, uniques)

    def _code_of(self, value: Any) -> float:
        return np.nan if _is_missing(value) else self.lookup.get(value, np.nan)

    def _by_codes(self, codes: np.ndarray, values: Any) -> np.ndarray:
        # code -1 (missing) picks the NaN appended at the end
        table = np.array([self._code_of(v) for v in list(values)] + [np.nan], dtype=np.float64)
        return table[codes]
