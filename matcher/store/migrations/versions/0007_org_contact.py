"""Organisations' public contact (url, contact) and who issued each certification.

Revision ID: 0007_org_contact
Revises: 0006_import_log
Create Date: 2026-12-04 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_org_contact"
down_revision = "0006_import_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("url", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("contact", sa.String(length=200), nullable=True))
    with op.batch_alter_table("certifications") as batch:
        batch.add_column(sa.Column("issuer", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("certifications") as batch:
        batch.drop_column("issuer")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("contact")
        batch.drop_column("url")
