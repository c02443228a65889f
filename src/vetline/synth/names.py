"""Name pools by naming culture, built from Faker's en_GB lists plus real-world variety.

Names are drawn per household culture so that combinations look real (no "Nguyễn Mohammed"),
and the pools deliberately include apostrophes, accents, Vietnamese, CJK and particles because
those are exactly what breaks naive matchers.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from faker.providers.person.en_GB import Provider as FakerPerson
from nicknames import NickNamer

MALE, FEMALE = 0, 1

# (culture, share of households, male firsts, female firsts, surnames)
# An entry "漢字|roman" carries the romanised form used for e-mail addresses.
_CULTURES: list[tuple[str, float, list[str], list[str], list[str]]] = [
    (
        "irish",
        0.05,
        [
            "Seán",
            "Ciarán",
            "Pádraig",
            "Eoin",
            "Declan",
            "Colm",
            "Dónal",
            "Cathal",
            "Liam",
            "Niall",
            "Ruairí",
            "Conor",
            "Fergal",
        ],
        [
            "Siobhán",
            "Aoife",
            "Niamh",
            "Róisín",
            "Caoimhe",
            "Orla",
            "Sinéad",
            "Bríd",
            "Méabh",
            "Clodagh",
            "Gráinne",
            "Aisling",
        ],
        [
            "O'Brien",
            "O'Neill",
            "O'Connor",
            "O'Sullivan",
            "O'Reilly",
            "Murphy",
            "Kelly",
            "Byrne",
            "Ryan",
            "Walsh",
            "McCarthy",
            "Doherty",
            "O'Donnell",
            "Fitzgerald",
            "Gallagher",
            "Ó_Súilleabháin",
            "McLaughlin",
            "Quinn",
            "O'Hara",
        ],
    ),
    (
        "welsh",
        0.03,
        [
            "Dafydd",
            "Gareth",
            "Emyr",
            "Iolo",
            "Llŷr",
            "Rhodri",
            "Aled",
            "Huw",
            "Owain",
            "Gethin",
            "Ieuan",
        ],
        [
            "Rhiannon",
            "Siân",
            "Angharad",
            "Eleri",
            "Gwenllian",
            "Ffion",
            "Bethan",
            "Nia",
            "Cerys",
            "Lowri",
            "Mererid",
        ],
        [
            "Jones",
            "Williams",
            "Davies",
            "Evans",
            "Llewellyn",
            "Pryce",
            "Vaughan",
            "Griffiths",
            "Bowen",
            "Morgan",
            "ap_Rhys",
        ],
    ),
    (
        "south_asian",
        0.075,
        [
            "Mohammed",
            "Muhammad",
            "Ahmed",
            "Ali",
            "Imran",
            "Hassan",
            "Bilal",
            "Zain",
            "Ravi",
            "Sanjay",
            "Rajesh",
            "Arjun",
            "Harpreet",
            "Gurpreet",
            "Amrit",
            "Tariq",
            "Kamran",
            "Vikram",
        ],
        [
            "Aisha",
            "Fatima",
            "Ayesha",
            "Zara",
            "Priya",
            "Anjali",
            "Sunita",
            "Nusrat",
            "Shabana",
            "Simran",
            "Mariam",
            "Harpreet",
            "Jaspreet",
            "Nadia",
            "Rukhsana",
        ],
        [
            "Khan",
            "Patel",
            "Begum",
            "Hussain",
            "Singh",
            "Kaur",
            "Ahmed",
            "Ali",
            "Shah",
            "Sharma",
            "Chaudhry",
            "Iqbal",
            "Akhtar",
            "Rahman",
            "Mistry",
            "Gill",
            "Sandhu",
            "Mahmood",
        ],
    ),
    (
        "polish",
        0.02,
        [
            "Łukasz",
            "Wojciech",
            "Piotr",
            "Krzysztof",
            "Paweł",
            "Tomasz",
            "Michał",
            "Jakub",
            "Grzegorz",
        ],
        [
            "Agnieszka",
            "Małgorzata",
            "Katarzyna",
            "Zofia",
            "Magdalena",
            "Joanna",
            "Aleksandra",
            "Dorota",
        ],
        [
            "Nowak",
            "Wójcik",
            "Kowalczyk",
            "Mazur",
            "Krawczyk",
            "Kaczmarek",
            "Grabowski",
            "Wiśniewski",
            "Dąbrowski",
            "Zieliński",
        ],
    ),
    (
        "african_caribbean",
        0.025,
        [
            "Chidi",
            "Oluwaseun",
            "Adebayo",
            "Kwame",
            "Kofi",
            "Tunde",
            "Emeka",
            "Delroy",
            "Winston",
            "Jermaine",
        ],
        [
            "Chiamaka",
            "Ngozi",
            "Folake",
            "Abena",
            "Adaeze",
            "Yewande",
            "Marcia",
            "Precious",
            "Blessing",
        ],
        [
            "Okafor",
            "Adeyemi",
            "Mensah",
            "Okonkwo",
            "Boateng",
            "Asante",
            "Owusu",
            "Oyelaran",
            "Campbell",
            "Thompson",
            "Oyelowo",
            "Clarke",
        ],
    ),
    (
        "vietnamese",
        0.006,
        ["Minh", "Dũng", "Tuấn", "Hùng", "Quang", "Đức", "Thành", "Long"],
        ["Thảo", "Hương", "Anh", "Linh", "Ngọc", "Phương", "Mai", "Trang"],
        ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ"],
    ),
    (
        "chinese",
        0.01,
        [
            "小龍|xiaolong",
            "偉|wei",
            "志明|zhiming",
            "Wei",
            "Jun",
            "Hao",
            "Ming",
            "Chen_Long",
            "Kai",
        ],
        ["秀英|xiuying", "麗華|lihua", "嘉欣|jiaxin", "Mei", "Hui", "Li_Na", "Xiu", "Ying", "Yan"],
        [
            "李|li",
            "王|wang",
            "張|zhang",
            "陳|chen",
            "劉|liu",
            "Li",
            "Wang",
            "Zhang",
            "Chen",
            "Liu",
            "Huang",
            "Wong",
            "Chan",
            "Lam",
            "Ng",
            "Cheung",
        ],
    ),
    (
        "continental",
        0.012,
        [
            "José",
            "André",
            "François",
            "Björn",
            "Søren",
            "Jürgen",
            "Luca",
            "Matteo",
            "Pierre",
            "Jean-Luc",
        ],
        [
            "Zoé",
            "Renée",
            "Hélène",
            "Inés",
            "Ana",
            "Chloé",
            "Anaïs",
            "Marie-Claire",
            "Giulia",
            "Ingrid",
        ],
        [
            "García",
            "Núñez",
            "Müller",
            "Schäfer",
            "da_Silva",
            "de_la_Cruz",
            "van_der_Berg",
            "Dubois",
            "Lefèvre",
            "Rossi",
            "Bianchi",
            "Jørgensen",
        ],
    ),
]
# English accents that appear in ordinary British names.
_EN_EXTRA_FEMALE = ["Zoë", "Chloë", "Renée", "Zoe", "Chloe", "Naomi", "Megan", "Eleanor"]


@dataclass
class NameTable:
    """A flat table of name strings with parallel metadata arrays (indexed by int)."""

    text: list[str] = field(default_factory=list)
    ascii: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    email_parts: list[str] = field(default_factory=list)  # filled lazily by people.emails

    def add(self, name: str, roman: str | None = None) -> int:
        """Intern a name (and its romanised form for e-mails); return its index."""
        got = self.index.get(name)
        if got is not None:
            return got
        self.index[name] = len(self.text)
        self.text.append(name)
        self.ascii.append(roman if roman is not None else to_ascii(name))
        return len(self.text) - 1


@dataclass
class Pool:
    """Weighted choices of table indices for one culture and sex (or surnames)."""

    idx: np.ndarray
    p: np.ndarray

    def __post_init__(self) -> None:
        self.cdf = np.cumsum(self.p)
        self.cdf[-1] = 1.0

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.asarray(self.idx[np.searchsorted(self.cdf, rng.random(n), side="right")])


@dataclass
class Names:
    """All name tables and per-culture pools."""

    cultures: list[str]
    culture_p: np.ndarray
    firsts: NameTable
    surnames: NameTable
    first_pools: dict[tuple[int, int], Pool]  # (culture, sex) -> pool
    surname_pools: dict[int, Pool]
    first_sex: dict[int, int]


_ASCII_MAP = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss"})


def to_ascii(text: str) -> str:
    """Strip accents the way an e-mail address or a careless typist would."""
    text = text.translate(_ASCII_MAP)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Case-, accent- and spacing-insensitive key (for truth bookkeeping only)."""
    return " ".join(to_ascii(text).casefold().replace("'", "").replace("-", " ").split())


def _zipf(n: int, offset: float = 25.0) -> np.ndarray:
    w = 1.0 / (np.arange(n, dtype=float) + offset)
    return np.asarray(w / w.sum())


def _split(entry: str) -> tuple[str, str | None]:
    name, _, roman = entry.partition("|")
    return name.replace("_", " "), (roman or None)


def build_names() -> Names:
    """Build the tables once (a few thousand strings; no per-row Faker calls)."""
    firsts, surnames = NameTable(), NameTable()
    first_pools: dict[tuple[int, int], Pool] = {}
    surname_pools: dict[int, Pool] = {}
    first_sex: dict[int, int] = {}

    def pool_of(table: NameTable, entries: list[str], weights: np.ndarray) -> Pool:
        idx = np.array([table.add(*_split(e)) for e in entries], dtype=np.int64)
        return Pool(idx, weights / weights.sum())

    male = list(FakerPerson.first_names_male)
    female = list(FakerPerson.first_names_female) + _EN_EXTRA_FEMALE
    last_w: dict[str, float] = dict(FakerPerson.last_names)
    names = ["english"] + [c[0] for c in _CULTURES]
    shares = [1.0 - sum(c[1] for c in _CULTURES)] + [c[1] for c in _CULTURES]
    first_pools[(0, MALE)] = pool_of(firsts, male, _zipf(len(male)))
    first_pools[(0, FEMALE)] = pool_of(firsts, female, _zipf(len(female)))
    surname_pools[0] = pool_of(surnames, list(last_w), np.array(list(last_w.values()), dtype=float))
    for ci, (_, _, m, f, s) in enumerate(_CULTURES, start=1):
        first_pools[(ci, MALE)] = pool_of(firsts, m, _zipf(len(m), 3.0))
        first_pools[(ci, FEMALE)] = pool_of(firsts, f, _zipf(len(f), 3.0))
        surname_pools[ci] = pool_of(surnames, s, _zipf(len(s), 3.0))
    for (_, sex), pool in first_pools.items():
        for i in pool.idx.tolist():
            first_sex.setdefault(i, sex)
    return Names(
        cultures=names,
        culture_p=np.array(shares) / sum(shares),
        firsts=firsts,
        surnames=surnames,
        first_pools=first_pools,
        surname_pools=surname_pools,
        first_sex=first_sex,
    )


@lru_cache(maxsize=1)
def nicknamer() -> NickNamer:
    return NickNamer()


# Familiar short forms first: the nicknames package also lists archaic ones (Robert → Hob).
_COMMON_SHORT = set(
    [
        "bob",
        "rob",
        "robbie",
        "bobby",
        "bill",
        "will",
        "billy",
        "liz",
        "beth",
        "lizzie",
        "betty",
        "jim",
        "jimmy",
        "jamie",
        "dave",
        "davy",
        "mike",
        "mick",
        "micky",
        "tom",
        "tommy",
        "chris",
        "kate",
        "katie",
        "cathy",
        "kath",
        "sue",
        "susie",
        "jen",
        "jenny",
        "jenn",
        "pat",
        "patty",
        "tony",
        "steve",
        "stevie",
        "andy",
        "drew",
        "dan",
        "danny",
        "sam",
        "sammy",
        "nick",
        "nicky",
        "alex",
        "ed",
        "eddie",
        "ted",
        "teddy",
        "ben",
        "benny",
        "jo",
        "jack",
        "johnny",
        "jon",
        "matt",
        "mattie",
        "pete",
        "rich",
        "richie",
        "rick",
        "dick",
        "harry",
        "hal",
        "charlie",
        "chuck",
        "fred",
        "freddie",
        "meg",
        "maggie",
        "peggy",
        "annie",
        "nan",
        "ally",
        "al",
        "becky",
        "debbie",
        "deb",
        "dot",
        "vicky",
        "nikki",
        "gill",
        "josh",
        "joe",
        "joey",
        "greg",
        "larry",
        "len",
        "lenny",
        "ron",
        "ronnie",
        "ray",
        "phil",
        "tim",
        "timmy",
        "jeff",
        "geoff",
        "mandy",
        "sandy",
        "abby",
        "lou",
        "louie",
        "max",
        "mo",
        "nat",
        "ollie",
        "olly",
        "ollie",
        "sophie",
        "sal",
        "sally",
        "trish",
        "val",
        "ken",
        "kenny",
        "don",
        "donny",
    ]
)


@lru_cache(maxsize=4096)
def nicknames_for(first: str) -> tuple[str, ...]:
    """Known nicknames of a first name, familiar ones first, title-cased, deterministic order."""
    found = sorted(nicknamer().nicknames_of(first.casefold()))
    common = [n for n in found if n in _COMMON_SHORT]
    return tuple(n.title() for n in (common or found))
