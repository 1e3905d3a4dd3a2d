"""Texts: what an organisation yields for embedding — its profile, each need, each offer."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from matcher.ingest.records import OrgRecord
from matcher.store.models import Need, Offer, Organisation, Tag
from matcher.store.session import Store, chunks

TEXT_ROLES = ("profile", "need", "offer")


@dataclass(frozen=True)
class Text:
    """One text to embed; (org_id, role, position) names it, ``content`` is what is encoded,
    ``kind`` is its organisation's (with the role, it chooses the text's graph in the index)."""

    org_id: int
    role: str
    position: int
    content: str
    kind: str

    @property
    def key(self) -> tuple[int, str, int]:
        return (self.org_id, self.role, self.position)


def profile_text(name: str, description: str, tags: tuple[str, ...] | list[str]) -> str:
    # The name carries meaning too (ユキドケ除雪, 〇〇農業大学); tags are the owner's own keywords.
    parts = [name, description]
    if tags:
        parts.append("、".join(tags))
    return "。".join(p.strip().rstrip("。") for p in parts if p and p.strip())


def item_text(title: str, description: str) -> str:
    return "。".join(p.strip().rstrip("。") for p in (title, description) if p and p.strip())


def texts_of(org_id: int, record: OrgRecord) -> list[Text]:
    """The texts of one organisation, in a fixed order."""
    profile = profile_text(record.name, record.description, record.tags)
    texts = [Text(org_id, "profile", 0, profile, record.kind)]
    texts += [
        Text(org_id, "need", k, item_text(n.title, n.description), record.kind)
        for k, n in enumerate(record.needs)
    ]
    texts += [
        Text(org_id, "offer", k, item_text(o.title, o.description), record.kind)
        for k, o in enumerate(record.offers)
    ]
    return texts


def iter_texts(store: Store, org_ids: Sequence[int] | None = None) -> Iterator[Text]:
    """Every text in the store, or the texts of ``org_ids``, from three flat queries per chunk
    of organisations: no ORM objects on this hot path."""
    groups: list[Sequence[int] | None] = [None] if org_ids is None else list(chunks(org_ids))
    with store.session() as session:
        for chunk in groups:
            tags: dict[int, list[str]] = defaultdict(list)
            query = sa.select(Tag.org_id, Tag.name).order_by(Tag.org_id, Tag.position)
            for org_id, name in session.execute(_within(query, Tag.org_id, chunk)):
                tags[org_id].append(name)
            query = sa.select(
                Organisation.id, Organisation.name, Organisation.description, Organisation.kind
            )
            for org_id, name, description, kind in session.execute(
                _within(query, Organisation.id, chunk)
            ):
                profile = profile_text(name, description, tags.get(org_id, ()))
                yield Text(org_id, "profile", 0, profile, kind)
            for role, table in (("need", Need), ("offer", Offer)):
                query = sa.select(
                    table.org_id, table.position, table.title, table.description, Organisation.kind
                ).join(Organisation, Organisation.id == table.org_id)
                for org_id, position, title, description, kind in session.execute(
                    _within(query, table.org_id, chunk)
                ):
                    yield Text(org_id, role, position, item_text(title, description), kind)


def _within(query: sa.Select, column: sa.ColumnElement, org_ids: Sequence[int] | None) -> sa.Select:
    return query if org_ids is None else query.where(column.in_(org_ids))
