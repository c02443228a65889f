"""UK postcodes: normalise any spacing/case and derive sector, district and area.

"s11 8ye" → full "S11 8YE", sector "S11 8", district "S11", area "S". A value that is not
shaped like a UK postcode keeps only its squeezed upper-case form (full) so it can still be
compared for equality.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SHAPE = re.compile(r"^([A-Z]{1,2})([0-9][A-Z0-9]?)([0-9])([A-Z]{2})$")


@dataclass(frozen=True)
class Postcode:
    full: str
    sector: str
    district: str
    area: str


def parse_postcode(text: str | None) -> Postcode | None:
    """Parse a UK postcode; None when empty."""
    if not text:
        return None
    squeezed = re.sub(r"[^A-Z0-9]", "", str(text).upper())
    if not squeezed:
        return None
    m = _SHAPE.match(squeezed)
    if not m:
        return Postcode(squeezed, "", "", "")
    area, district_rest, sector_digit, unit = m.groups()
    district = area + district_rest
    return Postcode(
        f"{district} {sector_digit}{unit}", f"{district} {sector_digit}", district, area
    )
