"""Explanations: for every hit, each compared field's level, what was compared and its weight.

The weights (bits) of an explanation add up to the pair's log2 odds, so a reviewer can see
exactly why a score is what it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from vetline.matching.comparisons import FIELDS
from vetline.matching.model import Model

NAME_ONLY_DETAIL = (
    "no date of birth, address, postcode, email or phone to compare: "
    "the name alone cannot show it is the same person"
)
# an address weighed without a date of birth (model 1.2: see vetline.matching.model)
NO_DOB_NOTE = " (no date of birth to compare: weighed as on a register)"
# how the two values are joined in the detail, by level
_AGREE = frozenset({"exact", "same address and postcode"})
_DIFFER = frozenset({"different", "different, date of birth not the same"})


def level_agreement(level: str | None) -> str:
    """What a comparison level says about the two values: agrees, differs, partly or missing.

    Read from the level, never from the sign of its weight: with correlated evidence a level
    can carry a small negative weight (an e-mail shared by a household) and still be agreement.
    """
    if level is None or level == "missing":
        return "missing"
    if level in _AGREE:
        return "agrees"
    if level in _DIFFER:
        return "differs"
    return "partly"


def _shown(value: object) -> str:
    """A value as an explanation shows it ("" when missing or blank; dates as ISO)."""
    if not _present(value):
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _present(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and value != value:
        return False
    return str(value).strip() != ""


def _address_shown(address: object, postcode: object) -> str:
    if isinstance(address, str) and isinstance(postcode, str):
        return ", ".join(p for p in (address, postcode) if p.strip())
    return ", ".join(str(p) for p in (address, postcode) if _present(p))


def shown_columns(frame: pd.DataFrame, positions: np.ndarray) -> dict[str, list[str]]:
    """Per compared field, the values of the rows at `positions` as explanations show them
    (the address with its postcode): one pass per column for 100k+ hits."""

    def column(name: str) -> list[object]:
        if name not in frame.columns:
            return [None] * len(positions)
        values: list[object] = frame[name].to_numpy(dtype=object)[positions].tolist()
        return values

    # text (the usual case) shows stripped, blank text as missing: `_shown` without its tests
    out = {
        f.name: [v.strip() if type(v) is str else _shown(v) for v in column(f.name)]
        for f in FIELDS
        if f.name != "address"
    }
    out["address"] = [
        _address_shown(a, pc) for a, pc in zip(column("address"), column("postcode"), strict=True)
    ]
    return out


def _detail(field: str, level: str, left: Mapping[str, str], right: Mapping[str, str]) -> str:
    if level.startswith("swapped"):
        a = f"{left['first_name']} {left['last_name']}".strip()
        b = f"{right['first_name']} {right['last_name']}".strip()
        return f"{a} ↔ {b}"
    a, b = left[field], right[field]
    if level in _AGREE and a == b:
        return a
    if level == "nickname":
        return f"{a} → {b}"
    if level == "day/month swapped":
        return f"{a} ↔ {b}"
    joiner = "≠" if level in _DIFFER else ("=" if level in _AGREE else "~")
    return f"{a} {joiner} {b}"


def _detail_kind(level: str) -> str:
    """How `_detail` joins the two values for `level`: "swapped", "agree" (one value when
    equal, else "="), or the joining sign."""
    if level.startswith("swapped"):
        return "swapped"
    if level in _AGREE:
        return "agree"
    if level == "nickname":
        return "→"
    if level == "day/month swapped":
        return "↔"
    return "≠" if level in _DIFFER else "~"


def explain_pair(
    model: Model,
    levels: Sequence[int],
    name_only: bool,
    left: Mapping[str, str],
    right: Mapping[str, str],
    *,
    name_count: int = 1,
    name_bits: float = 0.0,
    competition: float = 0.0,
    competitors: int = 0,
) -> list[dict[str, Any]]:
    """The explanation of one pair: a list of {field, level, detail, weight} dicts.

    `left` and `right`: each record's fields as shown (`shown_columns`, `shown_row`).

    Besides the fields: the name-frequency adjustment (a common name is weaker evidence), the
    competition of other entries of the same list, the name-only note and the base rate.
    """
    out: list[dict[str, Any]] = []
    weights = model.level_weights(levels)
    for f, code, weight in zip(FIELDS, levels, weights, strict=True):
        if code == 0:
            continue
        level = f.levels[code]
        detail = _detail(f.name, level, left, right)
        if f.name == "address" and model.address_alone(levels):
            detail += NO_DOB_NOTE
        out.append(
            {
                "field": f.name,
                "level": level,
                "detail": detail,
                "weight": round(weight, 2) + 0.0,  # never "-0.0"
            }
        )
    if name_count > 1 and abs(name_bits) >= 0.005:
        out.append(
            {
                "field": "name_frequency",
                "level": "common name",
                "detail": f"{name_count} records on the other side have this name",
                "weight": round(name_bits, 2),
            }
        )
    if competition <= -0.005:
        out.append(
            {
                "field": "competition",
                "level": "competing entries",
                "detail": (
                    f"{competitors} other entr{'y' if competitors == 1 else 'ies'} on this list "
                    "also fit"
                    if competitors
                    else "other entries on this list fit weakly"
                )
                + ", and a list holds each person once",
                "weight": round(competition, 2),
            }
        )
    if name_only:
        out.append(
            {
                "field": "evidence",
                "level": "name-only",
                "detail": NAME_ONLY_DETAIL,
                "weight": round(model.name_only, 2),
            }
        )
    out.append(
        {
            "field": "prior",
            "level": "base rate",
            "detail": f"odds of a same-person pair before any evidence (model {model.version})",
            "weight": round(model.prior, 2),
        }
    )
    return out


def explain_pairs(
    model: Model,
    codes: np.ndarray,
    name_only: np.ndarray,
    left: Mapping[str, Sequence[str]],
    right: Mapping[str, Sequence[str]],
    *,
    name_counts: np.ndarray,
    name_bits: np.ndarray,
    competition: np.ndarray,
    competitors: np.ndarray,
) -> list[list[dict[str, Any]]]:
    """`explain_pair` for many pairs at once (the same lists, tested equal): `codes` holds one
    row of level codes per pair (FIELDS order), `left` and `right` the shown values per field
    (`shown_columns`). The weight and level name of each field's code are looked up in tables
    made once, instead of once per pair: 150k+ hits spent most of their time there."""
    n = len(codes)
    dob = [f.name for f in FIELDS].index("date_of_birth")
    alone = codes[:, dob] == 0 if model.address_without_dob is not None else np.zeros(n, dtype=bool)
    fields: list[list[dict[str, Any] | None]] = []
    for k, f in enumerate(FIELDS):
        column = codes[:, k].tolist()
        weights = [round(w, 2) + 0.0 for w in model.weights[f.name]]
        a_values, b_values = left[f.name], right[f.name]
        out: list[dict[str, Any] | None] = []
        if f.name == "address" and model.address_without_dob is not None:
            alone_weights = [round(w, 2) + 0.0 for w in model.address_without_dob]
            flags = alone.tolist()
        else:
            alone_weights, flags = weights, [False] * n
        kinds = [_detail_kind(level) for level in f.levels]
        for i, code in enumerate(column):
            if code == 0:
                out.append(None)
                continue
            kind = kinds[code]
            if kind == "swapped":
                lname = f"{left['first_name'][i]} {left['last_name'][i]}".strip()
                rname = f"{right['first_name'][i]} {right['last_name'][i]}".strip()
                detail = f"{lname} ↔ {rname}"
            else:
                a, b = a_values[i], b_values[i]
                same = kind == "agree" and a == b
                detail = a if same else f"{a} {'=' if kind == 'agree' else kind} {b}"
            if flags[i]:
                detail += NO_DOB_NOTE
                weight = alone_weights[code]
            else:
                weight = weights[code]
            out.append(
                {"field": f.name, "level": f.levels[code], "detail": detail, "weight": weight}
            )
        fields.append(out)
    prior_detail = f"odds of a same-person pair before any evidence (model {model.version})"
    prior_weight = round(model.prior, 2)
    name_only_weight = round(model.name_only, 2)
    counts, bits = name_counts.tolist(), name_bits.tolist()
    comp, rivals, only = competition.tolist(), competitors.tolist(), name_only.tolist()
    explanations: list[list[dict[str, Any]]] = []
    for i, row in enumerate(zip(*fields, strict=True)):
        items = [d for d in row if d is not None]
        count, name_bit = int(counts[i]), float(bits[i])
        if count > 1 and abs(name_bit) >= 0.005:
            items.append(
                {
                    "field": "name_frequency",
                    "level": "common name",
                    "detail": f"{count} records on the other side have this name",
                    "weight": round(name_bit, 2),
                }
            )
        c = float(comp[i])
        if c <= -0.005:
            rival = int(rivals[i])
            items.append(
                {
                    "field": "competition",
                    "level": "competing entries",
                    "detail": (
                        f"{rival} other entr{'y' if rival == 1 else 'ies'} on this list also fit"
                        if rival
                        else "other entries on this list fit weakly"
                    )
                    + ", and a list holds each person once",
                    "weight": round(c, 2),
                }
            )
        if only[i]:
            items.append(
                {
                    "field": "evidence",
                    "level": "name-only",
                    "detail": NAME_ONLY_DETAIL,
                    "weight": name_only_weight,
                }
            )
        items.append(
            {"field": "prior", "level": "base rate", "detail": prior_detail, "weight": prior_weight}
        )
        explanations.append(items)
    return explanations


_LABELS = {f.name: f.label for f in FIELDS} | {
    "evidence": "evidence",
    "prior": "base rate",
    "name_frequency": "name",
    "competition": "list",
}


def explain_text(explanation: Sequence[Mapping[str, Any]]) -> str:
    """One line for CSV/CLI: "first name: nickname Bob → Robert, +3.1; …"."""
    parts = []
    for item in explanation:
        field = str(item.get("field", ""))
        weight = float(item.get("weight", 0.0))
        if field == "prior":
            parts.append(f"base rate {weight:+.1f}")
            continue
        label = _LABELS.get(field, field.replace("_", " "))
        level = str(item.get("level", ""))
        detail = str(item.get("detail", ""))
        if field in ("evidence", "name_frequency", "competition"):
            parts.append(f"{level}: {detail}, {weight:+.1f}")
            continue
        text = f"{label}: {level}"
        if detail and level != "missing":
            text += f" {detail}"
        parts.append(f"{text}, {weight:+.1f}")
    return "; ".join(parts)
