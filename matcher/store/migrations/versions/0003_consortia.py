"""Consortia: coordinators, saved proposals with members and notes, and the audit log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 13:33:21.410696
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coordinators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coordinators")),
        sa.UniqueConstraint("name", name=op.f("uq_coordinators_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_coordinators_token_hash")),
    )
    op.create_table(
        "proposal_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_audit")),
    )
    with op.batch_alter_table("proposal_audit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_proposal_audit_proposal_id"), ["proposal_id"], unique=False
        )

    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("theme", sa.Text(), nullable=False),
        sa.Column("query", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
    )
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposals_status"), ["status"], unique=False)

    op.create_table(
        "proposal_members",
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("org_ext_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("prefecture", sa.SmallInteger(), nullable=False),
        sa.Column("fit", sa.Float(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_proposal_members_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("proposal_id", "position", name=op.f("pk_proposal_members")),
    )
    with op.batch_alter_table("proposal_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_proposal_members_org_ext_id"), ["org_ext_id"], unique=False
        )

    op.create_table(
        "proposal_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_proposal_notes_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_notes")),
    )
    with op.batch_alter_table("proposal_notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_proposal_notes_proposal_id"), ["proposal_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("proposal_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_notes_proposal_id"))

    op.drop_table("proposal_notes")
    with op.batch_alter_table("proposal_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_members_org_ext_id"))

    op.drop_table("proposal_members")
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposals_status"))

    op.drop_table("proposals")
    with op.batch_alter_table("proposal_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_audit_proposal_id"))

    op.drop_table("proposal_audit")
    op.drop_table("coordinators")
