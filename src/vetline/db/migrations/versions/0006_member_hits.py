"""hits on existing members: hits.subject_member_id, application_id nullable, one subject

A new reference-list version is screened against the membership as well as the
applications; such a hit's subject is a member. Exactly one of application_id and
subject_member_id is set.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ONE_SUBJECT = (
    "(application_id IS NOT NULL AND subject_member_id IS NULL) OR "
    "(application_id IS NULL AND subject_member_id IS NOT NULL)"
)


def upgrade() -> None:
    with op.batch_alter_table("hits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject_member_id", sa.Integer(), nullable=True))
        batch_op.alter_column("application_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_hits_subject_member_id_members"),
            "members",
            ["subject_member_id"],
            ["id"],
        )
        batch_op.create_index(
            batch_op.f("ix_hits_subject_member_id"), ["subject_member_id"], unique=False
        )
        batch_op.create_check_constraint(batch_op.f("ck_hits_one_subject"), ONE_SUBJECT)


def downgrade() -> None:
    op.execute("DELETE FROM hits WHERE application_id IS NULL")
    with op.batch_alter_table("hits", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_hits_one_subject"), type_="check")
        batch_op.drop_index(batch_op.f("ix_hits_subject_member_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_hits_subject_member_id_members"), type_="foreignkey"
        )
        batch_op.alter_column("application_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("subject_member_id")
