"""Candidate double sign-ups of one applicant, for the single-applicant path (vetline.instant).

Other applications change with every submission, so they are not in a stored index: the
candidates are found in the database among the applications sharing a date of birth, e-mail,
phone, surname and initial, swapped names, or postcode and initial (indexed: migrations 0007,
0010), and their comparison features are computed once per process (`known_applications`, at
warm-up).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, bindparam, or_
from sqlalchemy.orm import Session

from vetline.db.people import Application, application_keys
from vetline.screening import PERSON_FIELDS, person_select

MAX_DUPLICATE_CANDIDATES = 5_000


def known_applications(session: Session) -> Any:
    """The features of every stored application, computed now: most candidate double
    sign-ups of a submission are among them (vetline.matching.single.KnownFeatures; about
    5.5 s of CPU and 105 MB for 128,000 applications)."""
    from vetline.matching.single import KnownFeatures

    known = KnownFeatures()
    for row in session.execute(person_select(Application)):
        known.add({"id": row.id, **{f: getattr(row, f) for f in PERSON_FIELDS}})
    return known


def duplicate_candidates(session: Session, app: Any) -> list[Any]:
    """Applications sharing a selective key with `app`: the double sign-ups worth comparing."""
    first, last = (app.first_name or "").strip().lower(), (app.last_name or "").strip().lower()
    values: dict[str, Any] = {"app_id": app.id, "initial": first[:1]}
    if app.date_of_birth is not None:
        values["dob"] = app.date_of_birth
    if app.email:
        values["email"] = app.email.strip().lower()
    if app.phone:
        values["phone"] = app.phone
    if last and first:
        values["last"], values["first"] = last, first
    if app.postcode and first:
        values["postcode"] = app.postcode.replace(" ", "").upper()
    shape = tuple(key in values for key in _DUPLICATE_KEYS)
    if not any(shape):
        return []
    return list(session.execute(_duplicate_query(shape), values))


_DUPLICATE_KEYS = ("dob", "email", "phone", "last", "postcode")
_DUPLICATE_QUERIES: dict[tuple[Any, ...], Any] = {}


def _text(name: str) -> Any:
    # typed as the literal strings of a built-per-call statement were (rendered ::VARCHAR)
    return bindparam(name, type_=String())


def _duplicate_query(shape: tuple[bool, ...]) -> Any:
    """The candidates' statement for the keys an application has (`shape`: which of
    `_DUPLICATE_KEYS`), built once each: building it cost more CPU than the database spends
    answering it. Values are bound by name; each key is an index's expression (migrations
    0007, 0010: a surname or postcode together with the initial, so a common surname's
    look-up reads only its candidates' rows)."""
    key = (*shape, MAX_DUPLICATE_CANDIDATES)
    query = _DUPLICATE_QUERIES.get(key)
    if query is not None:
        return query
    dob, email, phone, names, postcode = shape
    k = application_keys()
    keys: list[Any] = []
    initial = k["initial"] == _text("initial")
    if dob:
        keys.append(Application.date_of_birth == bindparam("dob"))
    if email:
        keys.append(k["email"] == _text("email"))
    if phone:
        keys.append(Application.phone == bindparam("phone"))
    if names:
        keys.append((k["last"] == _text("last")) & initial)
        # first and last name swapped
        keys.append((k["first"] == _text("last")) & (k["last"] == _text("first")))
    if postcode:
        keys.append((k["postcode"] == _text("postcode")) & initial)
    query = (
        person_select(Application)
        .where(Application.id != bindparam("app_id"), or_(*keys))
        .limit(MAX_DUPLICATE_CANDIDATES)
    )
    _DUPLICATE_QUERIES[key] = query
    return query


__all__ = ["MAX_DUPLICATE_CANDIDATES", "duplicate_candidates", "known_applications"]
