"""UK places: councils, wards, postcode districts, streets and household addresses.

Postcodes are built in the real shape (area + district + sector + unit, unit letters without
C I K M O V) within real districts of real towns, and a postcode unit holds about fifteen
households on one or two streets, so households and neighbours share postcodes as in life.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vetline.synth.names import Names, data


@dataclass(frozen=True)
class Council:
    slug: str
    town: str
    weight: float
    districts: tuple[str, ...]
    phone: str  # landline area code
    wards: tuple[str, ...]


COUNCILS: tuple[Council, ...] = tuple(
    Council(
        slug=c["slug"],
        town=c["town"],
        weight=float(c["weight"]),
        districts=tuple(c["districts"].split()),
        phone=str(c["phone"]),
        wards=tuple(c["wards"]),
    )
    for c in data()["councils"]
)
_UNIT_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))  # inward-code letters (no CIKMOV)
_SUFFIXES = [k for k, w in data()["street_suffixes"].items() for _ in range(int(w))]
_STREET_BASES: list[str] = data()["street_bases"].split()
_HOUSE_NAMES: tuple[str, ...] = tuple(data()["house_names"])


@dataclass
class Households:
    """Columnar household addresses; new households (movers) are appended with `add`."""

    council: list[int] = field(default_factory=list)
    district: list[int] = field(default_factory=list)  # index into Places.districts
    unit: list[int] = field(default_factory=list)  # index into Places.postcodes
    address: list[str] = field(default_factory=list)
    landline: list[str] = field(default_factory=list)  # "" when none

    def __len__(self) -> int:
        return len(self.address)


@dataclass
class Places:
    """Districts, postcode units and streets; allocates unique house numbers per street."""

    districts: list[tuple[int, str]]  # (council index, outward code)
    district_p: np.ndarray
    postcodes: list[str] = field(default_factory=list)
    unit_district: list[int] = field(default_factory=list)
    unit_sector: list[int] = field(default_factory=list)
    unit_street: list[str] = field(default_factory=list)
    unit_next: list[int] = field(default_factory=list)  # next free house number
    by_district: dict[int, list[int]] = field(default_factory=dict)


def build_places(rng: np.random.Generator, names: Names, households: int) -> Places:
    """Make enough postcode units (~15 households each) spread over the councils by weight."""
    districts: list[tuple[int, str]] = []
    weights: list[float] = []
    for ci, c in enumerate(COUNCILS):
        for outward in c.districts:
            districts.append((ci, outward))
            weights.append(c.weight / len(c.districts))
    p = np.array(weights) / sum(weights)
    places = Places(districts=districts, district_p=p)
    n_units = max(len(districts), households // 12 + 1)
    unit_d = np.sort(rng.choice(len(districts), size=n_units, p=p))
    sectors = rng.integers(0, 10, size=n_units)
    l1 = rng.choice(_UNIT_LETTERS, size=n_units)
    l2 = rng.choice(_UNIT_LETTERS, size=n_units)
    surnames = names.surnames.text[:400]
    base_pick = rng.integers(0, len(_STREET_BASES) + len(surnames), size=n_units)
    suffix = rng.choice(np.array(_SUFFIXES), size=n_units)
    seen: set[str] = set()
    for i in range(n_units):
        d = int(unit_d[i])
        outward = districts[d][1]
        code = f"{outward} {sectors[i]}{l1[i]}{l2[i]}"
        while code in seen:  # postcode units are unique
            sectors[i] = (sectors[i] + 1) % 10
            code = f"{outward} {sectors[i]}{l1[i]}{rng.choice(_UNIT_LETTERS)}"
        seen.add(code)
        b = int(base_pick[i])
        base = _STREET_BASES[b] if b < len(_STREET_BASES) else surnames[b - len(_STREET_BASES)]
        street = "High Street" if i % 97 == 0 else f"{base} {suffix[i]}"
        places.postcodes.append(code)
        places.unit_district.append(d)
        places.unit_sector.append(int(sectors[i]))
        places.unit_street.append(street)
        places.unit_next.append(int(rng.integers(1, 40)))
        places.by_district.setdefault(d, []).append(i)
    return places


def _format_address(num: int, street: str, town: str, r: float, flat: int) -> str:
    if r < 0.12:
        return f"Flat {flat}, {num} {street}, {town}"
    if r < 0.14:
        return f"{_HOUSE_NAMES[num % len(_HOUSE_NAMES)]}, {num} {street}, {town}"
    return f"{num} {street}, {town}"


def bulk_households(places: Places, rng: np.random.Generator, n: int) -> Households:
    """Create `n` households at unique addresses, vectorised (house numbers run per street)."""
    units = rng.integers(0, len(places.postcodes), size=n)
    order = np.argsort(units, kind="stable")
    sorted_units = units[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_units)) + 1]
    rank_sorted = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = rank_sorted
    step = rng.integers(1, 3, size=n)  # odd/even sides and gaps
    base = np.array(places.unit_next, dtype=np.int64)[units]
    nums = base + rank * 2 + step
    r = rng.random(n)
    flats = rng.integers(1, 9, size=n)
    has_line = rng.random(n) < 0.35
    hh = Households()
    unit_list = units.tolist()
    towns = [COUNCILS[c].town for c, _ in places.districts]
    hh.unit = unit_list
    hh.district = [places.unit_district[u] for u in unit_list]
    hh.council = [places.districts[d][0] for d in hh.district]
    streets = places.unit_street
    hh.address = [
        _format_address(num, streets[u], towns[d], x, flat)
        for num, u, d, x, flat in zip(
            nums.tolist(), unit_list, hh.district, r.tolist(), flats.tolist(), strict=True
        )
    ]
    hh.landline = _landlines(rng, [COUNCILS[c].phone for c in hh.council], has_line)
    for u, top in zip(units.tolist(), nums.tolist(), strict=True):
        if top + 3 > places.unit_next[u]:
            places.unit_next[u] = top + 3
    return hh


def add_household(
    hh: Households, places: Places, rng: np.random.Generator, unit: int, landline: bool
) -> int:
    """Append one household at a fresh address in `unit`; return its index."""
    d = places.unit_district[unit]
    ci = places.districts[d][0]
    num = places.unit_next[unit]
    places.unit_next[unit] = num + int(rng.integers(2, 4))
    hh.council.append(ci)
    hh.district.append(d)
    hh.unit.append(unit)
    hh.address.append(
        _format_address(
            num,
            places.unit_street[unit],
            COUNCILS[ci].town,
            float(rng.random()),
            int(rng.integers(1, 9)),
        )
    )
    hh.landline.extend(_landlines(rng, [COUNCILS[ci].phone], np.array([landline])))
    return len(hh) - 1


def _landlines(rng: np.random.Generator, codes: list[str], has: np.ndarray) -> list[str]:
    """Landline numbers in the council's area code (11 digits in all), "" where none."""
    n = len(codes)
    first = rng.integers(2, 10, size=n)
    rest = rng.integers(0, 10**9, size=n)
    out: list[str] = []
    for code, f, r, h in zip(codes, first.tolist(), rest.tolist(), has.tolist(), strict=True):
        if not h:
            out.append("")
            continue
        width = 10 - len(code)  # digits after the area code, minus the leading one
        out.append(f"{code} {f}{r % 10**width:0{width}d}")
    return out


def random_unit(places: Places, rng: np.random.Generator, near_district: int | None) -> int:
    """A postcode unit in the same district (moved locally) or anywhere (moved away)."""
    if near_district is not None and near_district in places.by_district:
        units = places.by_district[near_district]
        return units[int(rng.integers(0, len(units)))]
    return int(rng.integers(0, len(places.postcodes)))


def ward_of(places: Places, unit: int) -> tuple[int, int]:
    """(council, ward index) of a postcode unit: sectors map onto the council's wards."""
    d = places.unit_district[unit]
    ci, outward = places.districts[d]
    wards = COUNCILS[ci].wards
    key = sum(map(ord, outward)) * 10 + places.unit_sector[unit]
    return ci, key % len(wards)
