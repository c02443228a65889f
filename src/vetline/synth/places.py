"""UK places: councils, wards, postcode districts, streets and household addresses.

Postcodes are built in the real shape (area + district + sector + unit, unit letters without
C I K M O V) within real districts of real towns, and a postcode unit holds about fifteen
households on one or two streets, so households and neighbours share postcodes as in life.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vetline.synth.names import Names


@dataclass(frozen=True)
class Council:
    slug: str
    town: str
    weight: float
    districts: tuple[str, ...]
    phone: str  # landline area code
    wards: tuple[str, ...]


def _d(area: str, nums: str) -> tuple[str, ...]:
    return tuple(f"{area}{n}" for n in nums.split())


COUNCILS: tuple[Council, ...] = (
    Council(
        "sheffield",
        "Sheffield",
        6.0,
        _d("S", "1 2 3 4 5 6 7 8 10 11 12 13 14 17 20 35"),
        "0114",
        (
            "Ecclesall",
            "Broomhill & Sharrow Vale",
            "Crookes & Crosspool",
            "Walkley",
            "Hillsborough",
            "Nether Edge & Sharrow",
            "Manor Castle",
            "Darnall",
            "Burngreave",
            "Gleadless Valley",
            "Dore & Totley",
            "Fulwood",
            "Beighton",
            "Firth Park",
            "Stannington",
            "City",
        ),
    ),
    Council(
        "rotherham",
        "Rotherham",
        2.5,
        _d("S", "60 61 62 63 65 66"),
        "01709",
        (
            "Boston Castle",
            "Rotherham East",
            "Rotherham West",
            "Wath",
            "Maltby East",
            "Dinnington",
            "Brinsworth",
            "Rawmarsh East",
            "Wickersley North",
            "Keppel",
        ),
    ),
    Council(
        "barnsley",
        "Barnsley",
        2.4,
        _d("S", "70 71 72 73 75"),
        "01226",
        (
            "Central",
            "Darton East",
            "Darton West",
            "Dodworth",
            "Kingstone",
            "Monk Bretton",
            "Royston",
            "Stairfoot",
            "Wombwell",
            "Worsbrough",
            "Penistone East",
        ),
    ),
    Council(
        "doncaster",
        "Doncaster",
        3.0,
        _d("DN", "1 2 3 4 5 6 7 8 11 12"),
        "01302",
        (
            "Town",
            "Bessacarr",
            "Balby South",
            "Hexthorpe & Balby North",
            "Armthorpe",
            "Bentley",
            "Conisbrough",
            "Mexborough",
            "Sprotbrough",
            "Thorne & Moorends",
            "Wheatley Hills & Intake",
        ),
    ),
    Council(
        "leeds",
        "Leeds",
        7.8,
        _d("LS", "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18"),
        "0113",
        (
            "Headingley & Hyde Park",
            "Hyde Park & Woodhouse",
            "Chapel Allerton",
            "Kirkstall",
            "Roundhay",
            "Armley",
            "Beeston & Holbeck",
            "Gipton & Harehills",
            "Moortown",
            "Otley & Yeadon",
            "Little London & Woodhouse",
        ),
    ),
    Council(
        "manchester",
        "Manchester",
        5.5,
        _d("M", "1 4 8 9 11 12 13 14 15 16 19 20 21 40"),
        "0161",
        (
            "Ancoats & Beswick",
            "Chorlton",
            "Didsbury East",
            "Didsbury West",
            "Fallowfield",
            "Hulme",
            "Levenshulme",
            "Longsight",
            "Moss Side",
            "Rusholme",
            "Withington",
            "Moston",
            "Piccadilly",
        ),
    ),
    Council(
        "islington",
        "London",
        2.2,
        _d("N", "1 4 5 7 19"),
        "020",
        (
            "Barnsbury",
            "Canonbury",
            "Highbury",
            "Holloway",
            "Junction",
            "Mildmay",
            "St Mary's & St James'",
            "Tollington",
            "Hillrise",
        ),
    ),
    Council(
        "hackney",
        "London",
        2.6,
        (*_d("E", "2 5 8 9"), "N16"),
        "020",
        (
            "Dalston",
            "De Beauvoir",
            "Hackney Central",
            "Hackney Downs",
            "Homerton",
            "Clissold",
            "Stoke Newington",
            "London Fields",
            "Victoria",
        ),
    ),
    Council(
        "lambeth",
        "London",
        3.2,
        ("SE11", "SW2", "SW4", "SW8", "SW9", "SE27"),
        "020",
        (
            "Brixton Acre Lane",
            "Clapham Common & Abbeville",
            "Herne Hill & Loughborough Junction",
            "Kennington",
            "Oval",
            "Stockwell East",
            "Streatham Hill East",
            "Vauxhall",
        ),
    ),
    Council(
        "bristol",
        "Bristol",
        4.7,
        _d("BS", "1 2 3 4 5 6 7 8 9 13 14 16"),
        "0117",
        (
            "Ashley",
            "Bedminster",
            "Clifton",
            "Cotham",
            "Easton",
            "Lawrence Hill",
            "Redland",
            "Southville",
            "Windmill Hill",
            "Hotwells & Harbourside",
        ),
    ),
    Council(
        "cardiff",
        "Cardiff",
        3.6,
        _d("CF", "3 5 10 11 14 23 24"),
        "029",
        (
            "Adamsdown",
            "Canton",
            "Cathays",
            "Grangetown",
            "Penylan",
            "Plasnewydd",
            "Riverside",
            "Splott",
            "Llandaff",
            "Pentyrch & St Fagans",
        ),
    ),
    Council(
        "glasgow",
        "Glasgow",
        6.2,
        _d("G", "1 3 4 11 12 14 20 31 41 42 51"),
        "0141",
        (
            "Anderston/City/Yorkhill",
            "Hillhead",
            "Partick East/Kelvindale",
            "Dennistoun",
            "Govan",
            "Pollokshields",
            "Southside Central",
            "Calton",
            "Canal",
        ),
    ),
    Council(
        "newcastle",
        "Newcastle upon Tyne",
        3.0,
        _d("NE", "1 2 3 4 5 6 7 15"),
        "0191",
        (
            "Arthur's Hill",
            "Byker",
            "Elswick",
            "Heaton",
            "Jesmond",
            "Ouseburn",
            "Benwell & Scotswood",
            "Gosforth",
            "Walker",
        ),
    ),
    Council(
        "nottingham",
        "Nottingham",
        3.3,
        _d("NG", "1 2 3 5 6 7 8 9 11"),
        "0115",
        (
            "Arboretum",
            "Berridge",
            "Castle",
            "Dales",
            "Lenton & Wollaton East",
            "Mapperley",
            "Radford",
            "Sherwood",
            "St Ann's",
            "Meadows",
        ),
    ),
)

_UNIT_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
_SUFFIXES = (
    ["Road"] * 30
    + ["Street"] * 22
    + ["Lane"] * 10
    + ["Avenue"] * 9
    + ["Close"] * 8
    + ["Drive"] * 7
    + ["Way"] * 4
    + ["Crescent"] * 4
    + ["Grove"] * 4
    + ["Place"] * 3
    + ["Gardens"] * 3
    + ["Terrace"] * 3
    + ["Court"] * 2
    + ["View"] * 2
    + ["Walk"] * 2
    + ["Mews"]
    + ["Rise"]
    + ["Hill"]
    + ["Green"]
    + ["Square"]
)
_STREET_BASES = [
    "Church",
    "Mill",
    "Station",
    "Park",
    "Victoria",
    "Albert",
    "Queen's",
    "King's",
    "Oak",
    "Elm",
    "Ash",
    "Beech",
    "Chestnut",
    "Willow",
    "Manor",
    "Grange",
    "Hall",
    "Meadow",
    "Orchard",
    "Abbey",
    "Priory",
    "Bridge",
    "Market",
    "School",
    "Chapel",
    "York",
    "London",
    "Clarence",
    "Windsor",
    "Trafalgar",
    "Nelson",
    "Wellington",
    "Cemetery",
    "Brook",
    "Spring",
    "Well",
    "Cross",
    "Castle",
    "Hawthorn",
    "Holly",
    "Laurel",
    "Rose",
    "Moor",
    "Water",
    "Forge",
    "Wharf",
    "Canal",
    "Hill",
    "Valley",
    "Richmond",
    "Gladstone",
    "Cromwell",
    "Stanley",
    "Salisbury",
    "Mount",
    "Pleasant",
    "Fir",
    "Poplar",
    "Sycamore",
    "Linden",
    "Rowan",
    "Heather",
    "Bramble",
    "Thornhill",
    "Westfield",
    "Northfield",
    "Southgate",
    "Kingsway",
    "Crown",
    "Regent",
    "Lime",
    "Cherry",
]
_HOUSE_NAMES = (
    "Rose Cottage",
    "The Old Vicarage",
    "Ivy Cottage",
    "The Laurels",
    "Mill House",
    "Orchard House",
    "The Coach House",
    "Hillcrest",
    "Fairview",
    "The Willows",
)


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


def _town(places: Places, unit: int) -> str:
    return COUNCILS[places.districts[places.unit_district[unit]][0]].town


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
