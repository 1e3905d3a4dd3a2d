"""Reading the store: one organisation, filtered lists, counts, and the export stream."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from matcher.facts import prefectures
from matcher.facts.kinds import KINDS
from matcher.ingest.records import CertificationRecord, NeedRecord, OfferRecord, OrgRecord
from matcher.store.models import Need, Offer, Organisation
from matcher.store.session import Store


class UnknownOrganisation(LookupError):
    def __init__(self, ext_id: str) -> None:
        super().__init__(f"no organisation with id {ext_id!r}; `musubi list` shows the ids")
        self.ext_id = ext_id


def to_record(org: Organisation) -> OrgRecord:
    """An ORM row as the frozen record every later stage works with."""
    return OrgRecord(
        id=org.ext_id,
        kind=org.kind,
        name=org.name,
        name_en=org.name_en,
        prefecture=org.prefecture,
        city=org.city,
        description=org.description,
        tags=tuple(t.name for t in org.tags),
        offers=tuple(OfferRecord(o.title, o.description) for o in org.offers),
        needs=tuple(
            NeedRecord(n.title, n.description, n.budget_jpy, n.trial_order) for n in org.needs
        ),
        employees=org.employees,
        founded=org.founded,
        certifications=tuple(CertificationRecord(c.name, c.issuer) for c in org.certifications),
        public_sector_record=org.public_sector_record,
        collaborations=tuple(c.partner_ext_id for c in org.collaborations),
        url=org.url,
        contact=org.contact,
    )


_EAGER = (
    so.selectinload(Organisation.needs),
    so.selectinload(Organisation.offers),
    so.selectinload(Organisation.tags),
    so.selectinload(Organisation.certifications),
    so.selectinload(Organisation.collaborations),
)


def get(store: Store, ext_id: str) -> OrgRecord:
    """The organisation with external id ``ext_id``, or UnknownOrganisation."""
    with store.session() as session:
        org = session.scalar(
            sa.select(Organisation).where(Organisation.ext_id == ext_id).options(*_EAGER)
        )
        if org is None:
            raise UnknownOrganisation(ext_id)
        return to_record(org)


def records_by_id(store: Store, ext_ids: Sequence[str], chunk: int = 500) -> dict[str, OrgRecord]:
    """The stored records of those of ``ext_ids`` the store holds, by external id."""
    out: dict[str, OrgRecord] = {}
    with store.session() as session:
        for start in range(0, len(ext_ids), chunk):
            query = (
                sa.select(Organisation)
                .where(Organisation.ext_id.in_(ext_ids[start : start + chunk]))
                .options(*_EAGER)
            )
            out.update((org.ext_id, to_record(org)) for org in session.scalars(query))
            session.expunge_all()
    return out


@dataclass(frozen=True)
class Profile:
    """What a page says about an organisation beyond matching: how to reach it, and when its
    profile last changed (UTC)."""

    url: str | None
    contact: str | None
    updated_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "contact": self.contact,
            "updated_at": self.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


def profiles(store: Store, ext_ids: Iterable[str]) -> dict[str, Profile]:
    """Contact and last update of the organisations with these external ids (one query)."""
    ids = list(dict.fromkeys(ext_ids))
    if not ids:
        return {}
    with store.session() as session:
        rows = session.execute(
            sa.select(
                Organisation.ext_id, Organisation.url, Organisation.contact, Organisation.updated_at
            ).where(Organisation.ext_id.in_(ids))
        )
        return {ext_id: Profile(url, contact, at) for ext_id, url, contact, at in rows}


def iter_records(
    store: Store,
    *,
    kinds: tuple[str, ...] = (),
    prefecture_codes: tuple[int, ...] = (),
    limit: int | None = None,
    batch: int = 2000,
) -> Iterator[OrgRecord]:
    """Organisations in id order, loaded ``batch`` at a time so memory stays flat."""
    query = sa.select(Organisation).order_by(Organisation.id)
    if kinds:
        query = query.where(Organisation.kind.in_(kinds))
    if prefecture_codes:
        query = query.where(Organisation.prefecture.in_(prefecture_codes))
    last_id, seen = 0, 0
    with store.session() as session:
        while limit is None or seen < limit:
            size = batch if limit is None else min(batch, limit - seen)
            page = session.scalars(
                query.where(Organisation.id > last_id).limit(size).options(*_EAGER)
            ).all()
            if not page:
                return
            for org in page:
                yield to_record(org)
            last_id, seen = page[-1].id, seen + len(page)
            session.expunge_all()


def export_jsonl(store: Store, out: IO[str]) -> int:
    """Write every organisation as import-format JSONL; returns the count."""
    count = 0
    for record in iter_records(store):
        out.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
        count += 1
    return count


@dataclass(frozen=True)
class Stats:
    total: int
    by_kind: dict[str, int]
    by_prefecture: dict[int, int]
    by_prefecture_kind: dict[int, dict[str, int]]
    needs: int
    offers: int

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "needs": self.needs,
            "offers": self.offers,
            "by_kind": self.by_kind,
            "by_prefecture": {
                prefectures.name(code): {"total": n, **self.by_prefecture_kind[code]}
                for code, n in self.by_prefecture.items()
            },
        }


def stats(store: Store) -> Stats:
    """Counts of organisations by kind and by prefecture (prefectures in JIS order)."""
    with store.session() as session:
        pairs = session.execute(
            sa.select(Organisation.prefecture, Organisation.kind, sa.func.count()).group_by(
                Organisation.prefecture, Organisation.kind
            )
        ).all()
        needs = session.scalar(sa.select(sa.func.count()).select_from(Need)) or 0
        offers = session.scalar(sa.select(sa.func.count()).select_from(Offer)) or 0
    by_kind: Counter[str] = Counter()
    by_prefecture: Counter[int] = Counter()
    by_prefecture_kind: dict[int, dict[str, int]] = {}
    for code, kind, count in pairs:
        by_kind[kind] += count
        by_prefecture[code] += count
        by_prefecture_kind.setdefault(code, {})[kind] = count
    return Stats(
        total=sum(by_kind.values()),
        by_kind={k: by_kind[k] for k in KINDS if by_kind[k]},
        by_prefecture=dict(sorted(by_prefecture.items())),
        by_prefecture_kind=by_prefecture_kind,
        needs=needs,
        offers=offers,
    )
