"""Emails: case-fold, and drop what the provider ignores (Gmail dots, +tags)."""

from __future__ import annotations

# Providers that deliver "j.o.e+x@gmail.com" to "joe@gmail.com".
DOTS_IGNORED = frozenset({"gmail.com", "googlemail.com"})
# Providers where "+tag" is a sub-address of the same mailbox.
PLUS_TAGS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "live.com",
        "live.co.uk",
        "icloud.com",
        "me.com",
        "protonmail.com",
        "proton.me",
        "fastmail.com",
        "yahoo.com",
        "yahoo.co.uk",
    }
)


def normalise_email(text: str | None) -> str:
    """Return the canonical mailbox address, or "" when empty or not an address."""
    if not text:
        return ""
    value = str(text).strip().casefold()
    if value.startswith("mailto:"):
        value = value[len("mailto:") :]
    local, sep, domain = value.rpartition("@")
    if not sep or not local or not domain:
        return ""
    if domain == "googlemail.com":
        domain = "gmail.com"
    if domain in PLUS_TAGS:
        local = local.split("+", 1)[0]
    if domain in DOTS_IGNORED:
        local = local.replace(".", "")
    return f"{local}@{domain}" if local else ""
