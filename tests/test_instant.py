"""Screening one application at once gives the hits the batch gives, from a stored index."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from test_pipeline import _load
from vetline.db.people import Application
from vetline.db.screening import Hit
from vetline.instant import screen_one_application
from vetline.screening import screen_and_decide


@pytest.fixture(scope="module")
def surge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from vetline.synth import generate

    out = tmp_path_factory.mktemp("instant")
    generate(out, members=1200, applicants=400, days=5, seed=21)
    return out


def _key(hit: Hit) -> tuple[object, ...]:
    return (
        hit.target,
        hit.reference_entry_id,
        hit.member_id,
        hit.other_application_id,
        hit.band,
        round(hit.score, 6),
    )


def test_instant_hits_equal_the_batch(session: Session, surge: Path) -> None:
    _load(session, surge)
    screen_and_decide(session)
    session.commit()
    # applications with hits of every kind, and some with none
    with_hits = list(session.scalars(select(Hit.application_id).distinct().limit(25)))
    # every planted double sign-up: the instant path finds them among a few candidates
    doubles = session.scalars(
        select(Hit.application_id).where(Hit.target == "application").distinct()
    )
    with_hits = sorted(set(with_hits) | set(doubles))
    without = list(
        session.scalars(select(Application.id).where(~Application.id.in_(with_hits)).limit(5))
    )
    for app_id in [*with_hits, *without]:
        batch = {
            _key(h)
            for h in session.scalars(
                select(Hit).where(Hit.application_id == app_id, Hit.superseded_at.is_(None))
            )
        }
        summary = screen_one_application(session, app_id)
        instant = {
            _key(h) for h in session.scalars(select(Hit).where(Hit.run_id == summary.run_id))
        }
        assert instant == batch, app_id
    session.commit()


def test_instant_screening_with_no_lists_or_members(session: Session) -> None:
    from datetime import UTC, datetime

    session.add(
        Application(
            external_id="A1",
            first_name="Ann",
            last_name="Lee",
            applied_at=datetime.now(UTC),
            content_hash="c" * 64,
        )
    )
    session.flush()
    app_id = session.scalars(select(Application.id)).one()
    summary = screen_one_application(session, app_id)
    assert summary.hits == 0
    assert session.get(Application, app_id).status == "screened"  # type: ignore[union-attr]
