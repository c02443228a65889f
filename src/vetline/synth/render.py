"""Render people into the columns of the person CSV, in the style of each kind of source.

Membership systems hold tidy records; an application form gets whatever people type. The
natural formatting noise here (postcode spacing, "Rd" for "Road", phone formats, a
`DD/MM/YYYY` date) is not a corruption: any matcher must normalise it, so it is not listed
in the truth file. The hard corruptions live in `corrupt.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vetline.synth.names import Names
from vetline.synth.people import Population, dob_string
from vetline.synth.places import Households, Places

PERSON_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "date_of_birth",
    "postcode",
    "address",
    "email",
    "phone",
)
_ABBREV = {
    " Road,": " Rd,",
    " Street,": " St,",
    " Avenue,": " Ave,",
    " Drive,": " Dr,",
    " Close,": " Cl,",
    " Crescent,": " Cres,",
    " Lane,": " Ln,",
}


@dataclass(frozen=True)
class Style:
    """How a source writes people: what it holds and how tidy it is."""

    middle_in_first: float = 0.1
    dob: float = 1.0
    email: float = 1.0
    phone: float = 1.0
    noisy: bool = False


MEMBER_STYLE = Style(middle_in_first=0.15, dob=0.97, email=0.92, phone=0.8)
APPLICANT_STYLE = Style(middle_in_first=0.08, dob=0.985, email=0.995, phone=0.88, noisy=True)
PARTY_STYLE = Style(middle_in_first=0.12, dob=0.9, email=0.85, phone=0.75)
EXPELLED_STYLE = Style(middle_in_first=0.2, dob=0.95, email=0.7, phone=0.55)


@dataclass
class Rows:
    """Records of one file: the person each row is, the address it carries, corruptions."""

    pid: np.ndarray
    hh: np.ndarray
    ops: dict[int, list[str]] = field(default_factory=dict)
    cols: dict[str, list[str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.pid)

    def record(self, i: int) -> dict[str, str]:
        return {c: v[i] for c, v in self.cols.items()}

    def put(self, i: int, rec: dict[str, str]) -> None:
        for c, v in rec.items():
            self.cols[c][i] = v

    def reorder(self, order: np.ndarray) -> list[int]:
        """Put rows in `order`; return the new position of each old row."""
        self.pid, self.hh = self.pid[order], self.hh[order]
        self.cols = {c: _take(v, order) for c, v in self.cols.items()}
        new_pos = np.empty(len(order), dtype=np.int64)
        new_pos[order] = np.arange(len(order))
        positions: list[int] = new_pos.tolist()
        self.ops = {positions[k]: v for k, v in self.ops.items()}
        return positions


def _take(values: list[str], order: np.ndarray) -> list[str]:
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    out: list[str] = arr[order].tolist()
    return out


def render(
    pop: Population,
    names: Names,
    places: Places,
    hhs: Households,
    rows: Rows,
    rng: np.random.Generator,
    style: Style,
) -> None:
    """Fill `rows.cols` with the person columns (everything except `id`)."""
    pid, hh = rows.pid, rows.hh
    n = len(pid)
    ft, lt = names.firsts.text, names.surnames.text
    mid = pop.middle[pid]
    use_mid = (mid >= 0) & (rng.random(n) < style.middle_in_first)
    first = [
        f"{ft[f]} {ft[m]}" if u else ft[f]
        for f, m, u in zip(pop.first[pid].tolist(), mid.tolist(), use_mid.tolist(), strict=True)
    ]
    last = [lt[i] for i in pop.last[pid].tolist()]
    dobs = dob_string(pop.dob[pid]).tolist()
    keep = rng.random(n) < style.dob
    if style.noisy:
        slash = rng.random(n) < 0.05
        dobs = [f"{d[8:10]}/{d[5:7]}/{d[:4]}" if s else d for d, s in zip(dobs, slash, strict=True)]
    dobs = [d if k else "" for d, k in zip(dobs, keep.tolist(), strict=True)]
    postcodes = [places.postcodes[hhs.unit[h]] for h in hh.tolist()]
    addresses = [hhs.address[h] for h in hh.tolist()]
    email = [pop.email[p] for p in pid.tolist()]
    email = [
        e if k else "" for e, k in zip(email, (rng.random(n) < style.email).tolist(), strict=True)
    ]
    phone = []
    for p, h, k in zip(
        pid.tolist(), hh.tolist(), (rng.random(n) < style.phone).tolist(), strict=True
    ):
        phone.append((pop.mobile[p] or hhs.landline[h]) if k else "")
    if style.noisy:
        postcodes = _noisy_postcodes(rng, postcodes)
        addresses = _noisy_addresses(rng, addresses)
        phone = _noisy_phones(rng, phone)
        upper = rng.random(n) < 0.01  # a few type their e-mail in capitals
        email = [e.upper() if u else e for e, u in zip(email, upper.tolist(), strict=True)]
    rows.cols = {
        "first_name": first,
        "last_name": last,
        "date_of_birth": dobs,
        "postcode": postcodes,
        "address": addresses,
        "email": email,
        "phone": phone,
    }


def _noisy_postcodes(rng: np.random.Generator, pcs: list[str]) -> list[str]:
    r = rng.random(len(pcs)).tolist()
    out = []
    for pc, x in zip(pcs, r, strict=True):
        if x < 0.12:
            pc = pc.replace(" ", "")
        elif x < 0.22:
            pc = pc.lower()
        elif x < 0.27:
            pc = pc.lower().replace(" ", "")
        elif x < 0.29:
            pc = f" {pc.replace(' ', '  ')}"
        out.append(pc)
    return out


def _noisy_addresses(rng: np.random.Generator, addrs: list[str]) -> list[str]:
    r = rng.random((len(addrs), 3)).tolist()
    out = []
    for a, (drop, abbrev, low) in zip(addrs, r, strict=True):
        if abbrev < 0.12:
            for k, v in _ABBREV.items():
                a = a.replace(k, v)
        if drop < 0.45:
            a = a.rsplit(", ", 1)[0]
        if low < 0.04:
            a = a.lower()
        out.append(a)
    return out


def _noisy_phones(rng: np.random.Generator, phones: list[str]) -> list[str]:
    r = rng.random(len(phones)).tolist()
    out = []
    for ph, x in zip(phones, r, strict=True):
        if ph.startswith("07"):
            digits = ph.replace(" ", "")
            if x < 0.3:
                ph = digits
            elif x < 0.45:
                ph = f"+44 {digits[1:5]} {digits[5:]}"
            elif x < 0.5:
                ph = f"+44{digits[1:]}"
        elif ph and x < 0.3:
            ph = ph.replace(" ", "")
        out.append(ph)
    return out
