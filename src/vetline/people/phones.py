"""UK phone numbers: any spacing or punctuation, +44 / 0044 / (0) prefixes → national form."""

from __future__ import annotations

import re


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
