"""Texts: one row per embedded text (profile, need, offer); its id is the FAISS id.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:55:23.077644
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "texts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("indexed_hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_texts_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_texts")),
        sa.UniqueConstraint("org_id", "role", "position", name=op.f("uq_texts_org_id")),
    )
    with op.batch_alter_table("texts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_texts_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("texts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_texts_org_id"))

    op.drop_table("texts")
