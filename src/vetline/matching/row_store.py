"""An index's feature rows kept as one text row each, read back for a handful of rows.

A submission reads ~110 rows of a 1.5M-row index: arrow's `take` + `to_pylist` for so few rows
cost more than the comparison; `_RowStore` joins each row's text features once (when the
index is read) and splits the wanted rows back (tests: the same values as `to_pylist`).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vetline.matching.api import LIST_COLUMN
from vetline.matching.features import FEATURE_COLUMNS

# Separators of the row store (`_RowStore`): between a row's text features, and before each
# element of a list feature. A row holding either inside a value is never read from the store.
_FS = "\x1f"
_LS = "\x1e"
_EPOCH_ORDINAL = 719_163  # datetime.date(1970, 1, 1).toordinal(): date32 counts days from it


class _RowStore:
    """The feature rows of a table, read as `Table.take(rows).to_pylist()` reads them at a
    fraction of its cost for a handful of rows.

    Each row's text and list features are joined once into one UTF-8 string (a buffer and
    offsets: ~100 MB for 600,000 members), read back with one split; the numbers are numpy
    arrays. Rows with a NULL text or list feature (or a NULL in a `required` number), or a
    separator inside a value, are marked unreadable: a caller falls back to arrow for them
    (never seen on `build_features` rows). tests/test_matching_single_rows.py checks `rows`
    against `to_pylist` on awkward values.
    """

    def __init__(self, table: pa.Table, required: Sequence[str] = ()):
        """`required`: number columns whose NULL also makes a row unreadable."""
        self.names = table.column_names
        joined_names: list[tuple[str, bool]] = []  # (name, is a list) in the joined order
        pieces = []
        elements = pa.array(np.zeros(len(table), dtype=np.int64))
        ok = np.ones(len(table), dtype=bool)
        self.numbers: dict[str, tuple[np.ndarray, np.ndarray | None, bool]] = {}
        for name in self.names:
            col = table.column(name)
            if pa.types.is_list(col.type) and pa.types.is_string(col.type.value_type):
                joined_names.append((name, True))
                count = pc.list_value_length(col)
                joined = pc.binary_join(col, _LS)  # NULL for a NULL list or a NULL element
                pieces.append(
                    pc.if_else(
                        pc.greater(count, 0), pc.binary_join_element_wise("", joined, _LS), ""
                    )
                )
                elements = pc.add(elements, pc.fill_null(count, 0))
            elif pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
                joined_names.append((name, False))
                pieces.append(col)
            elif pa.types.is_date32(col.type):
                days = pc.cast(col, pa.int32())
                self.numbers[name] = (*_numbers(days), True)
            elif pa.types.is_integer(col.type) or pa.types.is_boolean(col.type):
                self.numbers[name] = (*_numbers(col), False)
            else:
                raise TypeError(f"row store: column {name} of type {col.type}")
        self.joined = tuple(joined_names)
        if pieces:
            joined = pc.binary_join_element_wise(*pieces, _FS)  # NULL when any piece is
            ok &= joined.is_valid().to_numpy(zero_copy_only=False)
            joined = pc.fill_null(joined, "")
            # exactly the separators the joins put in: none inside a value
            ok &= pc.equal(pc.count_substring(joined, _FS), len(pieces) - 1).to_numpy(
                zero_copy_only=False
            )
            ok &= pc.equal(pc.count_substring(joined, _LS), elements).to_numpy(zero_copy_only=False)
            if isinstance(joined, pa.ChunkedArray):
                if joined.nbytes >= 2**31 - 1:  # past 32-bit string offsets
                    joined = pc.cast(joined, pa.large_string())
                joined = joined.combine_chunks()
            offset_type = np.int64 if pa.types.is_large_string(joined.type) else np.int32
            _validity, offsets, data = joined.buffers()
            start = joined.offset
            self._offsets = np.frombuffer(offsets, dtype=offset_type)[
                start : start + len(joined) + 1
            ].astype(np.int64)
            self._data = b"" if data is None else data.to_pybytes()
        else:
            self._offsets = np.zeros(len(table) + 1, dtype=np.int64)
            self._data = b""
        for name in required:
            valid = self.numbers[name][1] if name in self.numbers else None
            if valid is not None:
                ok &= valid
        self.ok = ok

    def __len__(self) -> int:
        return len(self.ok)

    def readable(self, rows: np.ndarray) -> bool:
        return bool(self.ok[rows].all())

    def rows(self, rows: np.ndarray, names: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """`table.take(rows).to_pylist()` (for readable rows), in the table's column order;
        with `names`, only those columns (in that order)."""
        wanted = self.names if names is None else names
        keep = frozenset(wanted)
        columns: dict[str, list[Any]] = {}
        for name, (values, valid, is_date) in self.numbers.items():
            if name not in keep:
                continue
            got = values[rows].tolist()
            if is_date:
                got = [datetime.date.fromordinal(_EPOCH_ORDINAL + d) for d in got]
            if valid is not None:
                got = [v if k else None for v, k in zip(got, valid[rows].tolist(), strict=True)]
            columns[name] = got
        data, starts = self._data, self._offsets
        texts = [
            data[a:b].decode().split(_FS)
            for a, b in zip(starts[rows].tolist(), starts[rows + 1].tolist(), strict=True)
        ]
        for k, (name, is_list) in enumerate(self.joined):
            if name not in keep:
                continue
            if is_list:
                columns[name] = [t[k].split(_LS)[1:] for t in texts]
            else:
                columns[name] = [t[k] for t in texts]
        order = [columns[name] for name in wanted]
        return [dict(zip(wanted, row, strict=True)) for row in zip(*order, strict=True)]


def _numbers(col: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray | None]:
    """A numeric or boolean column as numpy values (0 where NULL) and validity (None: no NULL)."""
    if col.null_count == 0:
        return np.asarray(col.to_numpy(zero_copy_only=False)), None
    valid = pc.is_valid(col).to_numpy(zero_copy_only=False)
    filled = pc.fill_null(col, False if pa.types.is_boolean(col.type) else 0)
    return np.asarray(filled.to_numpy(zero_copy_only=False)), np.asarray(valid)


# what pair_levels.levels_of, the early answer and score_rows read of an index's row: the
# features but the row number, the phonetic codes and the whole date (the levels do not read them)
LEVEL_COLUMNS = tuple(
    c for c in FEATURE_COLUMNS if c not in {"idx", "fn_sx", "ln_sx", "dob", "dob_key"}
)


class _Stores:
    """A table's feature rows (`_RowStore`) and the column of its records naming each one's
    list (as `astype(str)` shows it: "None" for none; None when the records have no list)."""

    def __init__(self, features: pa.Table, records: pa.Table):
        # pair_levels.usable's numbers: a row without them goes the arrow way
        self.features = _RowStore(features, required=("name_n", "has_other"))
        self.records = records
        self.lists: list[str] | None = None
        self.list_codes = np.zeros(0, dtype=np.int64)
        if LIST_COLUMN in records.column_names:
            coded = pc.dictionary_encode(records.column(LIST_COLUMN)).combine_chunks()
            names = [str(v) for v in coded.dictionary.to_pylist()]
            self.lists = [*names, "None"]
            self.list_codes = np.asarray(
                pc.fill_null(coded.indices, len(names)).to_numpy(zero_copy_only=False),
                dtype=np.int64,
            )
        if len(features) >= 100_000:  # a whole index, not a delta made in a request
            # the joins' intermediate buffers: ~250 MB for 600,000 members, kept by the
            # allocator otherwise
            pa.default_memory_pool().release_unused()

    def list_names(self, rows: np.ndarray) -> list[str] | None:
        """Each row's list, as text (None: the records have no list column)."""
        if self.lists is None:
            return None
        names = self.lists
        return [names[c] for c in self.list_codes[rows].tolist()]

    def record_rows(self, rows: np.ndarray) -> list[dict[str, Any]]:
        return list(self.records.take(pa.array(rows, type=pa.int64())).to_pylist())
