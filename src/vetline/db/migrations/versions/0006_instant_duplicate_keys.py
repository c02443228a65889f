"""applications: indexes for one application's double sign-up look-up (vetline.instant)

The look-up compares normalised keys (lower-cased e-mail, trimmed lower-cased names, postcode
without spaces); expression indexes on exactly those expressions let the database answer it
without scanning every application.

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

INDEXES = {
    "ix_applications_date_of_birth": "date_of_birth",
    "ix_applications_email_key": "lower(email)",
    "ix_applications_phone": "phone",
    "ix_applications_last_name_key": "lower(trim(last_name))",
    "ix_applications_first_name_key": "lower(trim(first_name))",
    "ix_applications_postcode_key": "replace(upper(postcode), ' ', '')",
}


def upgrade() -> None:
    for name, expression in INDEXES.items():
        op.create_index(name, "applications", [sa.text(expression)])


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="applications")
