"""Store generation: one row counting imports and index runs, so servers know when to reload.

Revision ID: 0005_index_generation
Revises: 0004_accounts_hardening
Create Date: 2026-12-02 10:12:40.518207
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0005_index_generation"
down_revision = "0004_accounts_hardening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "store_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_generation")),
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(table, [{"id": 1, "generation": 0, "changed_at": now}])


def downgrade() -> None:
    op.drop_table("store_generation")
