"""audit chains: the audit trail is striped over several hash chains

`audit_events.chain` says which chain an event belongs to and `seq` becomes its position in that
chain (unique per chain, no longer over the table); the global order of events is `id`. Existing
events are chain 0, and chain 0 hashes exactly as before, so they still verify.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("chain", sa.SmallInteger(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.drop_constraint(batch_op.f("uq_audit_events_seq"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_audit_events_chain_seq"), ["chain", "seq"])


def downgrade() -> None:
    striped = (
        op.get_bind()
        .execute(sa.text("SELECT count(*) FROM audit_events WHERE chain <> 0"))
        .scalar()
    )
    if striped:
        raise RuntimeError(
            f"{striped} audit events are in chains other than 0; one chain cannot hold them "
            "without rewriting their hashes, so this downgrade stops here"
        )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_events_chain_seq"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_audit_events_seq"), ["seq"])
        batch_op.drop_column("chain")
