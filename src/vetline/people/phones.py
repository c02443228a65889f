"""UK phone numbers: any spacing or punctuation, +44 / 0044 / (0) prefixes → national form."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np


def normalise_phone(text: str | None) -> str:
    """Return the number in national form ("07700900123"), or "" when it has too few digits."""
    if not text:
        return ""
    raw = str(text).strip().replace("(0)", "")
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("0044"):
        digits = digits[4:]
    elif digits.startswith("44") and (raw.startswith("+") or len(digits) == 12):
        digits = digits[2:]
    digits = "0" + digits.lstrip("0")
    return digits if len(digits) >= 10 else ""


# Values the vectorised path handles: ASCII digits, spaces and the usual punctuation.
_SIMPLE = r"^[0-9 +()./\-]*$"


def normalise_phones(values: Sequence[str]) -> list[str]:
    """`normalise_phone` of every value, computed column-wise with Arrow (same results).

    Values with other characters (letters, non-ASCII digits, tabs) take the scalar path.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(list(values), type=pa.string())
    simple = pc.fill_null(pc.match_substring_regex(arr, _SIMPLE), False)
    raw = pc.utf8_trim(pc.if_else(simple, arr, ""), " ")
    raw = pc.replace_substring(raw, "(0)", "")
    digits = pc.replace_substring_regex(raw, "[^0-9]", "")
    n = pc.utf8_length(digits)
    intl = pc.starts_with(digits, "0044")
    plain44 = pc.and_(
        pc.invert(intl),
        pc.and_(
            pc.starts_with(digits, "44"),
            pc.or_(pc.starts_with(raw, "+"), pc.equal(n, 12)),
        ),
    )
    digits = pc.if_else(intl, pc.utf8_slice_codeunits(digits, 4), digits)
    digits = pc.if_else(plain44, pc.utf8_slice_codeunits(digits, 2), digits)
    digits = pc.binary_join_element_wise("0", pc.utf8_ltrim(digits, "0"), "")
    out = pc.if_else(pc.greater_equal(pc.utf8_length(digits), 10), digits, "").to_pylist()
    for i in np.flatnonzero(~simple.to_numpy(zero_copy_only=False)).tolist():
        out[i] = normalise_phone(values[i])
    return out  # type: ignore[no-any-return]
