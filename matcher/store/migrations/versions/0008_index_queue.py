"""Index queue: the organisations an import wrote that the index has not taken in yet.

Revision ID: 0008_index_queue
Revises: 0007_org_contact
Create Date: 2026-12-05 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_index_queue"
down_revision = "0007_org_contact"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "index_queue",
        sa.Column("org_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_index_queue")),
    )
    # A store from before the queue: every organisation waits, so the first index run reads
    # them all (a full run) and later runs only what imports queue.
    op.execute("INSERT INTO index_queue (org_id) SELECT id FROM organisations")


def downgrade() -> None:
    op.drop_table("index_queue")
