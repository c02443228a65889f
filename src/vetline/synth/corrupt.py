"""Hard corruptions of a person record, the way real people and real forms produce them.

Each operation changes a record in place and is named in the truth file, so a matcher's
misses can be traced to the corruption that caused them. Operations on the same field are
mutually exclusive (a nickname is never also misspelt), so each one stays checkable.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from vetline.synth.names import Names, nicknames_for, to_ascii
from vetline.synth.people import Population
from vetline.synth.places import Households, Places, add_household, random_unit

Record = dict[str, str]

# Operation -> the field group it touches; one operation per group per record.
GROUPS: dict[str, str] = {
    "nickname": "first",
    "initials": "first",
    "typo_first": "first",
    "accent_strip": "first",
    "typo_last": "last",
    "hyphenated": "last",
    "half_surname": "last",
    "married_name": "last",
    "swap_names": "swap",
    "moved": "address",
    "dob_swap": "dob",
    "missing": "missing",
    "case_space": "case",
    "new_email": "email",
}
_ORDER = list(GROUPS)  # application order: names, then swap, address, dob, missing, case
_KEYS = {
    "q": "wa",
    "w": "qes",
    "e": "wrd",
    "r": "etf",
    "t": "ryg",
    "y": "tuh",
    "u": "yij",
    "i": "uok",
    "o": "ipl",
    "p": "ol",
    "a": "qsz",
    "s": "adwx",
    "d": "sfec",
    "f": "dgrv",
    "g": "fhtb",
    "h": "gjyn",
    "j": "hkum",
    "k": "jli",
    "l": "kop",
    "z": "asx",
    "x": "zsdc",
    "c": "xdfv",
    "v": "cfgb",
    "b": "vghn",
    "n": "bhjm",
    "m": "njk",
}


@dataclass
class Corruptor:
    """Applies named corruptions; needs the places to give movers a real new address."""

    names: Names
    places: Places
    hhs: Households
    pop: Population
    rng: np.random.Generator
    py: random.Random
    born_before: str = "9999"  # married_name only for people born before this ISO date

    def applicable(self, rec: Record, op: str) -> bool:
        first = rec["first_name"].split(" ")[0]
        last = rec["last_name"]
        if op == "nickname":
            return bool(nicknames_for(first))
        if op in ("typo_first", "typo_last"):
            name = first if op == "typo_first" else last
            return len(name) >= 4 and name.isascii()
        if op == "accent_strip":
            return to_ascii(rec["first_name"] + last) != rec["first_name"] + last
        if op == "half_surname":
            return "-" in last or " " in last.strip()
        if op == "married_name":
            return not rec["date_of_birth"] or rec["date_of_birth"] < self.born_before
        if op == "hyphenated":
            return "-" not in last and " " not in last
        if op == "dob_swap":
            d = rec["date_of_birth"]
            return len(d) == 10 and d[4] == "-" and int(d[8:]) <= 12 and d[8:] != d[5:7]
        if op == "initials":
            return first.isalpha() and first.isascii() and len(first) > 1
        return True

    def corrupt(
        self, rec: Record, hh: int, k: int, *, prefer: str | None = None
    ) -> tuple[Record, int, list[str]]:
        """Apply `k` compatible operations (starting with `prefer` when given)."""
        chosen: list[str] = []
        used: set[str] = set()
        candidates = _ORDER[:]
        self.py.shuffle(candidates)
        if prefer:
            candidates.remove(prefer)
            candidates.insert(0, prefer)
        for op in candidates:
            if len(chosen) >= k:
                break
            g = GROUPS[op]
            if g in used or (g == "swap" and used & {"first", "last"}):
                continue
            if g in ("first", "last") and "swap" in used:
                continue
            if not self.applicable(rec, op):
                continue
            chosen.append(op)
            used.add(g)
        chosen.sort(key=_ORDER.index)
        for op in chosen:
            hh = self.apply(rec, hh, op)
        return rec, hh, chosen

    def apply(self, rec: Record, hh: int, op: str) -> int:
        """Apply one operation to `rec`; return the household of the address it now carries."""
        fn: Callable[[Record], None] | None = getattr(self, f"_op_{op}", None)
        if op == "moved":
            return self.move(rec, hh)
        if op == "married_name":
            self._op_married_name(rec)
            if self.py.random() < 0.5:
                rec["email"] = self._new_email(rec) if rec["email"] else ""
            return hh
        assert fn is not None, op
        fn(rec)
        return hh

    def move(self, rec: Record, hh: int, *, near: bool | None = None) -> int:
        """A new address: locally (same postcode district) most of the time."""
        local = self.py.random() < 0.6 if near is None else near
        unit = random_unit(self.places, self.rng, self.hhs.district[hh] if local else None)
        new = add_household(self.hhs, self.places, self.rng, unit, self.py.random() < 0.3)
        rec["postcode"] = self.places.postcodes[unit]
        rec["address"] = self.hhs.address[new]
        if rec["phone"] and not rec["phone"].replace(" ", "").lstrip("+").startswith(("07", "447")):
            rec["phone"] = self.hhs.landline[new]
        return new

    def _op_nickname(self, rec: Record) -> None:
        first = rec["first_name"].split(" ")[0]
        rec["first_name"] = self.py.choice(nicknames_for(first)[:3])

    def _op_initials(self, rec: Record) -> None:
        parts = rec["first_name"].split()
        style = self.py.random()
        if style < 0.4:
            rec["first_name"] = f"{parts[0][0]}."
        elif style < 0.7 or len(parts) == 1:
            rec["first_name"] = parts[0][0]
        else:
            rec["first_name"] = " ".join(f"{p[0]}." for p in parts)

    def _op_typo_first(self, rec: Record) -> None:
        parts = rec["first_name"].split(" ")
        parts[0] = typo(self.py, parts[0])
        rec["first_name"] = " ".join(parts)

    def _op_typo_last(self, rec: Record) -> None:
        rec["last_name"] = typo(self.py, rec["last_name"])

    def _op_accent_strip(self, rec: Record) -> None:
        rec["first_name"] = to_ascii(rec["first_name"])
        rec["last_name"] = to_ascii(rec["last_name"])

    def _op_hyphenated(self, rec: Record) -> None:
        other = self.names.surnames.text[int(self.names.surname_pools[0].draw(self.rng, 1)[0])]
        last = rec["last_name"]
        rec["last_name"] = f"{last}-{other}" if self.py.random() < 0.6 else f"{other}-{last}"

    def _op_half_surname(self, rec: Record) -> None:
        halves = rec["last_name"].replace("-", " ").split()
        rec["last_name"] = self.py.choice([halves[0], halves[-1]])

    def _op_married_name(self, rec: Record) -> None:
        old = rec["last_name"]
        new = old
        while new == old:
            new = self.names.surnames.text[int(self.names.surname_pools[0].draw(self.rng, 1)[0])]
        rec["last_name"] = new

    def _op_swap_names(self, rec: Record) -> None:
        rec["first_name"], rec["last_name"] = rec["last_name"], rec["first_name"]

    def _op_dob_swap(self, rec: Record) -> None:
        d = rec["date_of_birth"]
        rec["date_of_birth"] = f"{d[:4]}-{d[8:10]}-{d[5:7]}"

    def _op_missing(self, rec: Record) -> None:
        fields = ["date_of_birth", "email", "phone", "address", "postcode"]
        for f in self.py.sample(fields, self.py.choice([1, 1, 2, 2, 3])):
            rec[f] = ""

    def _op_case_space(self, rec: Record) -> None:
        before = (rec["first_name"], rec["last_name"])
        r = self.py.random()
        for f in ("first_name", "last_name"):
            v = rec[f]
            if r < 0.35:
                v = v.upper()
            elif r < 0.6:
                v = v.lower()
            if "'" in v and self.py.random() < 0.7:
                v = v.replace("'", self.py.choice(["", " ", "\u2019"]))
            if "-" in v and self.py.random() < 0.5:
                v = v.replace("-", " ")
            rec[f] = v
        rec["first_name"] = f" {rec['first_name']}" if r > 0.8 else rec["first_name"]
        rec["last_name"] = (
            f"{rec['last_name']}  " if r > 0.6 else rec["last_name"].replace(" ", "  ")
        )
        if (rec["first_name"], rec["last_name"]) == before:  # uncased script, one word
            rec["last_name"] += " "

    def _op_new_email(self, rec: Record) -> None:
        rec["email"] = self._new_email(rec)

    def _new_email(self, rec: Record) -> str:
        local = (
            "".join(
                c for c in to_ascii(rec["first_name"] + rec["last_name"]).lower() if c.isalnum()
            )
            or "me"
        )
        domain = self.py.choice(["gmail.com", "outlook.com", "icloud.com", "yahoo.co.uk"])
        return f"{local}{self.py.randint(1, 9999)}@{domain}"


def typo(py: random.Random, word: str) -> str:
    """One or two keyboard-plausible edits (substitute, drop, double, transpose)."""
    out = word
    for _ in range(py.choice([1, 1, 1, 2])):
        chars = list(out)
        i = py.randrange(1, len(chars)) if len(chars) > 1 else 0
        kind = py.random()
        c = chars[i].lower()
        if kind < 0.35 and c in _KEYS:
            sub = py.choice(_KEYS[c])
            chars[i] = sub.upper() if chars[i].isupper() else sub
        elif kind < 0.55 and len(chars) > 3:
            del chars[i]
        elif kind < 0.75:
            chars.insert(i, chars[i])
        elif i + 1 < len(chars) and chars[i] != chars[i + 1]:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        else:
            chars[i] = "e" if c != "e" else "a"
        out = "".join(chars)
    if out == word:
        out = word + ("e" if not word.endswith("e") else "s")
    return out
