"""applications: indexes on the keys a single submission looks double sign-ups up by

vetline.instant compares a new application with the applications sharing its date of
birth, e-mail, phone, surname (with the first initial), swapped names or postcode; these
indexes, on the same expressions as that query, let PostgreSQL answer it with an index
look-up per key (a few ms) instead of scanning every application (150-200 ms at 128,000).

Revision ID: 0007
Revises: 0005 (numbered 0007 so it can follow the member-hits migration 0006 of another
branch: when both are present, set down_revision to "0006")
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None

_INDEXES: dict[str, list[str | sa.TextClause]] = {
    "ix_applications_date_of_birth": ["date_of_birth"],
    "ix_applications_email_key": [sa.text("lower(email)")],
    "ix_applications_phone": ["phone"],
    "ix_applications_last_name_key": [sa.text("lower(trim(last_name))")],
    "ix_applications_first_name_key": [sa.text("lower(trim(first_name))")],
    "ix_applications_postcode_key": [sa.text("replace(upper(postcode), ' ', '')")],
}


def upgrade() -> None:
    for name, columns in _INDEXES.items():
        op.create_index(name, "applications", columns)


def downgrade() -> None:
    for name in _INDEXES:
        op.drop_index(name, table_name="applications")
