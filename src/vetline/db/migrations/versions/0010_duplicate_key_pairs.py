"""applications: the double sign-up keys that pair a surname or postcode with the initial,
or a first name with a surname, indexed as pairs

0007 indexed each name and the postcode alone, so a common surname's look-up ("jones" and the
initial j) found every Jones (3,010 of 128,000 applications) in the index and read their rows
only to drop nine in ten on the initial: ~2,250 table pages, 6 ms, for ~260 candidates. Indexed
with the initial (and the swapped-names test with both names), the index finds just the
candidates. Each pair replaces its single-column index (a pair's index answers look-ups of its
first column too), so an insert updates as many indexes as before.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

INITIAL = "lower(substr(trim(first_name), 1, 1))"

PAIRS = {
    "ix_applications_last_name_initial_key": ["lower(trim(last_name))", INITIAL],
    "ix_applications_first_last_name_key": ["lower(trim(first_name))", "lower(trim(last_name))"],
    "ix_applications_postcode_initial_key": ["replace(upper(postcode), ' ', '')", INITIAL],
}

SINGLE = {  # from 0007
    "ix_applications_last_name_key": "lower(trim(last_name))",
    "ix_applications_first_name_key": "lower(trim(first_name))",
    "ix_applications_postcode_key": "replace(upper(postcode), ' ', '')",
}


def upgrade() -> None:
    for name, expressions in PAIRS.items():
        op.create_index(name, "applications", [sa.text(e) for e in expressions])
    for name in SINGLE:
        op.drop_index(name, table_name="applications")
    if op.get_bind().dialect.name == "postgresql":
        # statistics of the new expressions, so plans estimate a surname's share right away
        op.execute("ANALYZE applications")


def downgrade() -> None:
    for name, expression in SINGLE.items():
        op.create_index(name, "applications", [sa.text(expression)])
    for name in PAIRS:
        op.drop_index(name, table_name="applications")
