"""Pure normalisers for person fields: names, dates, UK postcodes, addresses, emails, phones.

No I/O. Display values are kept by the caller exactly as given; these functions return the
folded forms that matching compares.
"""

from __future__ import annotations

from vetline.people.addresses import house_number, normalise_address
from vetline.people.dates import day_month_swapped, parse_date
from vetline.people.emails import normalise_email
from vetline.people.names import (
    ParsedName,
    fold,
    is_nickname,
    name_variants,
    parse_first_names,
    parse_last_name,
)
from vetline.people.phones import normalise_phone
from vetline.people.postcodes import Postcode, parse_postcode

__all__ = [
    "ParsedName",
    "Postcode",
    "day_month_swapped",
    "fold",
    "house_number",
    "is_nickname",
    "name_variants",
    "normalise_address",
    "normalise_email",
    "normalise_phone",
    "parse_date",
    "parse_first_names",
    "parse_last_name",
    "parse_postcode",
]
