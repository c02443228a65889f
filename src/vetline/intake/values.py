"""Cell parsers: each takes the text as written and returns the value or raises ValueError.

The ValueError message is what the user reads after "file, row N, field F:", so it quotes
the value and says what was expected. Text is kept exactly as given; only dates and
timestamps are parsed, because the database stores them as dates.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from time import monotonic
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
# what Excel shows for a date-time in a UK locale: 12/07/2016 09:30 or 12/07/2016 09:30:15
_UK_DATETIME = re.compile(r"(\d{1,2}/\d{1,2}/\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")
_POSTCODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 \-]*")
_PHONE = re.compile(r"[0-9+()\-. ]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


def blank(value: str | None) -> bool:
    return value is None or not value.strip()


def parse_date(value: str) -> date:
    """`YYYY-MM-DD` or the UK's `DD/MM/YYYY` (what Excel shows); never the US order."""
    text = value.strip()
    try:
        m = _ISO_DATE.fullmatch(text)
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
        m = _UK_DATE.fullmatch(text)
        if m:
            return date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        pass
    raise ValueError(f"{value!r} is not a date (expected YYYY-MM-DD or DD/MM/YYYY)")


_today: tuple[float, date] = (0.0, date.min)


def _cached_today() -> date:
    """date.today() costs microseconds; 600,000 rows ask for it, so ask once a minute."""
    global _today
    now = monotonic()
    if now - _today[0] > 60:
        _today = (now, date.today())
    return _today[1]


def parse_birth_date(value: str, today: date | None = None) -> date:
    """A date of birth: a real date, not in the future, not before 1900."""
    born = parse_date(value)
    if born > (today or _cached_today()):
        raise ValueError(f"{value!r} is in the future")
    if born.year < 1900:
        raise ValueError(f"{value!r} is before 1900")
    return born


def parse_timestamp(value: str) -> datetime:
    """ISO 8601 with offset or Z -> aware UTC; a naive time is UK local time.

    A bare date means midnight UTC of that date, so `.date()` in UTC gives back the date as
    written (franchise freeze dates compare on it). Excel's UK display form
    `DD/MM/YYYY HH:MM[:SS]` is read as UK local time too.
    """
    text = value.strip()
    if _ISO_DATE.fullmatch(text) or _UK_DATE.fullmatch(text):
        return datetime.combine(parse_date(text), time(), tzinfo=UTC)
    try:
        m = _UK_DATETIME.fullmatch(text)
        if m:
            day = parse_date(m[1])
            parsed = datetime.combine(day, time(int(m[2]), int(m[3]), int(m[4] or 0)))
        else:
            parsed = datetime.fromisoformat(text.replace("z", "Z"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UK)
        if not 1900 <= parsed.year <= 2100:
            raise ValueError(f"{value!r} is not between 1900 and 2100")
        return parsed.astimezone(UTC)
    except ValueError as exc:
        if "between 1900" in str(exc):
            raise
        raise ValueError(
            f"{value!r} is not a date-time (expected ISO 8601, e.g. 2016-07-12T09:30:00Z)"
        ) from None


def check_text(value: str, limit: int) -> str:
    """Any text, kept exactly; only the database column's length is enforced."""
    if len(value) > limit:
        raise ValueError(f"{value[:40]!r}… is {len(value)} characters long (at most {limit})")
    if "\x00" in value:
        raise ValueError(f"{value!r} contains a NUL character")
    return value


def check_postcode(value: str) -> str:
    """Kept as given; letters, digits, spaces and hyphens (overseas members have codes too)."""
    if len(value) > 16 or not _POSTCODE.fullmatch(value.strip()):
        raise ValueError(f"{value!r} is not a postcode")
    return value


def check_email(value: str) -> str:
    if len(value) > 320 or not _EMAIL.fullmatch(value.strip()):
        raise ValueError(f"{value!r} is not an email address")
    return value


_SCIENTIFIC = re.compile(r"[0-9]\.?[0-9]*[eE]\+[0-9]+")


def check_phone(value: str) -> str:
    stripped = value.strip()
    if _SCIENTIFIC.fullmatch(stripped):
        raise ValueError(
            f"{value!r} is a number in Excel's scientific notation, not a phone number: format "
            "the column as Text before exporting"
        )
    if len(value) > 40 or not _PHONE.fullmatch(stripped) or not any(c.isdigit() for c in value):
        raise ValueError(f"{value!r} is not a phone number")
    return value


_PAN = re.compile(r"[0-9][0-9 \-]{11,22}[0-9]")


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def check_payment_ref(value: str) -> str:
    """A payment fingerprint; a card number (13-19 digits passing Luhn) must never be stored."""
    stripped = value.strip()
    if _PAN.fullmatch(stripped):
        digits = re.sub(r"[ \-]", "", stripped)
        if 13 <= len(digits) <= 19 and _luhn(digits):
            raise ValueError(
                "looks like a card number; send a fingerprint (e.g. a hash), never the number"
            )
    return check_text(value, 100)


def choice(value: str, allowed: tuple[str, ...]) -> str:
    """Fold case, spaces and hyphens (`Registered supporter`) onto a documented code."""
    if value in allowed:
        return value
    code = re.sub(r"[\s\-]+", "_", value.strip().lower())
    if code not in allowed:
        raise ValueError(f"{value!r} is not one of: {', '.join(allowed)}")
    return code
