"""member cases: a case, its notices, outcome rows and cleared pairs may be about a member

A new reference-list version (or a changed membership record) can match an existing member;
when the rulebook refers that hit, the member's case goes through the same review as an
application's. Each of these tables gets `member_id` and a nullable `application_id`; a case
has exactly one subject.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ONE_SUBJECT = (
    "(application_id IS NOT NULL AND member_id IS NULL) OR "
    "(application_id IS NULL AND member_id IS NOT NULL)"
)
TABLES = ("screening_outcomes", "cases", "cleared_pairs", "notices")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("member_id", sa.Integer(), nullable=True))
            batch_op.alter_column("application_id", existing_type=sa.Integer(), nullable=True)
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_member_id_members"), "members", ["member_id"], ["id"]
            )
            batch_op.create_index(batch_op.f(f"ix_{table}_member_id"), ["member_id"], unique=False)
            if table == "cases":
                batch_op.create_check_constraint(batch_op.f("ck_cases_one_subject"), ONE_SUBJECT)


def downgrade() -> None:
    for table in reversed(TABLES):
        if table == "cases":
            for child in ("decisions", "responses", "conflicts", "notices"):
                op.execute(
                    f"DELETE FROM {child} WHERE case_id IN "
                    "(SELECT id FROM cases WHERE application_id IS NULL)"
                )
            op.execute(
                "DELETE FROM appeals WHERE case_id IN "
                "(SELECT id FROM cases WHERE application_id IS NULL)"
            )
        op.execute(f"DELETE FROM {table} WHERE application_id IS NULL")
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table == "cases":
                batch_op.drop_constraint(batch_op.f("ck_cases_one_subject"), type_="check")
            batch_op.drop_index(batch_op.f(f"ix_{table}_member_id"))
            batch_op.drop_constraint(
                batch_op.f(f"fk_{table}_member_id_members"), type_="foreignkey"
            )
            batch_op.alter_column("application_id", existing_type=sa.Integer(), nullable=False)
            batch_op.drop_column("member_id")
