"""Store schema: organisations with their needs, offers, tags, certifications and collaborations."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

# Every change to these classes comes with a migration in matcher/migrations/versions;
# tests/test_store.py fails when the two disagree.


class Base(so.DeclarativeBase):
    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Organisation(Base):
    __tablename__ = "organisations"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    ext_id: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(32), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    name_en: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    prefecture: so.Mapped[int] = so.mapped_column(sa.SmallInteger, index=True)
    city: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    description: so.Mapped[str] = so.mapped_column(sa.Text)
    employees: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    founded: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)
    public_sector_record: so.Mapped[int] = so.mapped_column(sa.Integer, default=0)
    url: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    contact: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    # When the profile last changed: a re-import of the same record leaves it as it was.
    updated_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime, default=utcnow)

    needs: so.Mapped[list[Need]] = so.relationship(
        order_by="Need.position", cascade="all, delete-orphan", passive_deletes=True
    )
    offers: so.Mapped[list[Offer]] = so.relationship(
        order_by="Offer.position", cascade="all, delete-orphan", passive_deletes=True
    )
    tags: so.Mapped[list[Tag]] = so.relationship(
        order_by="Tag.position", cascade="all, delete-orphan", passive_deletes=True
    )
    certifications: so.Mapped[list[Certification]] = so.relationship(
        order_by="Certification.position", cascade="all, delete-orphan", passive_deletes=True
    )
    collaborations: so.Mapped[list[Collaboration]] = so.relationship(
        order_by="Collaboration.position", cascade="all, delete-orphan", passive_deletes=True
    )


def _owner() -> so.Mapped[int]:
    return so.mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)


class Need(Base):
    """A challenge (課題) or a partner wanted; ``position`` is the need's index K in the CLI."""

    __tablename__ = "needs"

    org_id: so.Mapped[int] = _owner()
    position: so.Mapped[int] = so.mapped_column(sa.SmallInteger, primary_key=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    budget_jpy: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    trial_order: so.Mapped[bool] = so.mapped_column(sa.Boolean, default=False)


class Offer(Base):
    """What an organisation can provide: a solution, a research seed, equipment, a test field."""

    __tablename__ = "offers"

    org_id: so.Mapped[int] = _owner()
    position: so.Mapped[int] = so.mapped_column(sa.SmallInteger, primary_key=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")


class Tag(Base):
    __tablename__ = "tags"

    org_id: so.Mapped[int] = _owner()
    position: so.Mapped[int] = so.mapped_column(sa.SmallInteger, primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(50), index=True)


class Certification(Base):
    """A certification or selection; ``issuer`` is the body that granted it, when known."""

    __tablename__ = "certifications"

    org_id: so.Mapped[int] = _owner()
    position: so.Mapped[int] = so.mapped_column(sa.SmallInteger, primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    issuer: so.Mapped[str | None] = so.mapped_column(sa.String(100))


class Collaboration(Base):
    """A past partner, by external id: the partner may be imported later or live elsewhere."""

    __tablename__ = "collaborations"

    org_id: so.Mapped[int] = _owner()
    position: so.Mapped[int] = so.mapped_column(sa.SmallInteger, primary_key=True)
    partner_ext_id: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)


CHILD_TABLES = (Need, Offer, Tag, Certification, Collaboration)


class TextEntry(Base):
    """A text of an organisation (profile, need K, offer K); its id is the vector's id in FAISS.

    ``indexed_hash`` is the hash of the content the index holds for this id: set only after the
    index file is saved, so a crash in between makes the next run redo, never skip, the work.
    """

    __tablename__ = "texts"
    __table_args__ = (sa.UniqueConstraint("org_id", "role", "position"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    org_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    role: so.Mapped[str] = so.mapped_column(sa.String(16))
    position: so.Mapped[int] = so.mapped_column(sa.SmallInteger)
    indexed_hash: so.Mapped[str | None] = so.mapped_column(sa.String(64))


class StoreGeneration(Base):
    """One row counting the writes that change what matching sees: every import and every
    index run adds one in its own transaction, so a running server compares one number to know
    that another process changed the store or the index (`web/service.py`)."""

    __tablename__ = "store_generation"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    generation: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    changed_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime, default=utcnow)


class IndexQueue(Base):
    """Organisations written since the index last took them in: an import adds the ones it
    created or changed, in its own transaction, and the index run that has saved their vectors
    and BM25 rows removes them. So an index run after a small import reads just these, and an
    import killed before its index step leaves them here for the next run."""

    __tablename__ = "index_queue"

    org_id: so.Mapped[int] = so.mapped_column(primary_key=True, autoincrement=False)


# ---- consortia: coordinators, saved proposals, their members and notes, the audit log ----


class Coordinator(Base):
    """A coordinator account: the "who" of every curation change (matcher/store/accounts.py)."""

    __tablename__ = "coordinators"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    # SHA-256 of the API token: the token itself is shown once and never stored.
    token_hash: so.Mapped[str | None] = so.mapped_column(sa.String(64), unique=True)
    token_expires_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime, default=utcnow)
    # Wrong passwords since the last right one, and the lock they earned: kept here, not in a
    # process, so every replica of the web sees the same lock.
    failed_logins: so.Mapped[int] = so.mapped_column(sa.Integer, default=0, server_default="0")
    locked_until: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime)
    # Part of every login session's id: raising it ends all of this coordinator's sessions.
    session_epoch: so.Mapped[int] = so.mapped_column(sa.Integer, default=0, server_default="0")


class AccountEvent(Base):
    """One login, failed login or account change (append-only): when (UTC), what, the name as
    typed, and the client's address when it came over the web. Never the password. No foreign
    key: the log must outlive what it describes, and failed logins name unknown accounts."""

    __tablename__ = "account_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(sa.DateTime, default=utcnow, index=True)
    event: so.Mapped[str] = so.mapped_column(sa.String(32))
    name: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    address: so.Mapped[str | None] = so.mapped_column(sa.String(64))


class ImportEvent(Base):
    """One committed import (append-only): when (UTC), who, by which door (cli, web, api) and
    from which address, the file as its user named it, and how many organisations it added and
    replaced. Written in the import's transaction (`matcher/ingest/log.py`)."""

    __tablename__ = "import_log"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(sa.DateTime, default=utcnow, index=True)
    actor: so.Mapped[str] = so.mapped_column(sa.String(64))
    via: so.Mapped[str] = so.mapped_column(sa.String(8))
    address: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    source: so.Mapped[str] = so.mapped_column(sa.String(255))
    format: so.Mapped[str] = so.mapped_column(sa.String(8))
    created: so.Mapped[int] = so.mapped_column(sa.Integer)
    updated: so.Mapped[int] = so.mapped_column(sa.Integer)


class SavedProposal(Base):
    """A consortium proposal a coordinator saved; ``version`` guards against lost updates."""

    __tablename__ = "proposals"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    theme: so.Mapped[str] = so.mapped_column(sa.Text)
    query: so.Mapped[dict] = so.mapped_column(sa.JSON)
    status: so.Mapped[str] = so.mapped_column(sa.String(16), index=True)
    score: so.Mapped[float | None] = so.mapped_column(sa.Float)
    explanation: so.Mapped[dict] = so.mapped_column(sa.JSON)
    version: so.Mapped[int] = so.mapped_column(sa.Integer, default=1)
    created_by: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime, default=utcnow)
    updated_by: so.Mapped[str] = so.mapped_column(sa.String(64))
    updated_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime, default=utcnow)

    members: so.Mapped[list[ProposalMember]] = so.relationship(
        order_by="ProposalMember.position", cascade="all, delete-orphan", passive_deletes=True
    )
    notes: so.Mapped[list[ProposalNote]] = so.relationship(
        order_by="ProposalNote.id", cascade="all, delete-orphan", passive_deletes=True
    )


class ProposalMember(Base):
    """A member as saved: external id, role, and fit and evidence at the time it joined."""

    __tablename__ = "proposal_members"

    proposal_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True
    )
    position: so.Mapped[int] = so.mapped_column(sa.SmallInteger, primary_key=True)
    org_ext_id: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    kind: so.Mapped[str] = so.mapped_column(sa.String(32))
    role: so.Mapped[str] = so.mapped_column(sa.String(32))
    prefecture: so.Mapped[int] = so.mapped_column(sa.SmallInteger)
    fit: so.Mapped[float | None] = so.mapped_column(sa.Float)
    evidence: so.Mapped[dict] = so.mapped_column(sa.JSON)


class ProposalNote(Base):
    __tablename__ = "proposal_notes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    proposal_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    author: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime, default=utcnow)
    text: so.Mapped[str] = so.mapped_column(sa.Text)


class AuditEntry(Base):
    """One change to a proposal (append-only): who, when (UTC), what, why, and the version it
    produced. No foreign key: the log must outlive what it describes."""

    __tablename__ = "proposal_audit"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    proposal_id: so.Mapped[int] = so.mapped_column(sa.Integer, index=True)
    version: so.Mapped[int] = so.mapped_column(sa.Integer)
    at: so.Mapped[datetime] = so.mapped_column(sa.DateTime, default=utcnow)
    actor: so.Mapped[str] = so.mapped_column(sa.String(64))
    action: so.Mapped[str] = so.mapped_column(sa.String(32))
    details: so.Mapped[dict] = so.mapped_column(sa.JSON)
    reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
