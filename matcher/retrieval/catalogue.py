"""Catalogue: the facts ranking needs about every organisation and text, held in memory."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa

from matcher.facts.kinds import KINDS
from matcher.index.texts import TEXT_ROLES, item_text, profile_text
from matcher.ingest.records import CertificationRecord, NeedRecord, OfferRecord
from matcher.store.models import (
    Certification,
    Collaboration,
    Need,
    Offer,
    Organisation,
    Tag,
    TextEntry,
)
from matcher.store.session import Store


@dataclass(frozen=True)
class OrgFacts:
    """One organisation as ranking sees it; ``id`` is the database id, ``ext_id`` the public one."""

    id: int
    ext_id: str
    kind: str
    name: str
    prefecture: int
    city: str | None
    description: str
    employees: int | None
    public_sector_record: int
    tags: tuple[str, ...]
    certifications: tuple[CertificationRecord, ...]
    collaborations: tuple[str, ...]
    needs: tuple[NeedRecord, ...]
    offers: tuple[OfferRecord, ...]
    text_ids: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False)

    def text(self, role: str, position: int) -> str:
        if role == "profile":
            return profile_text(self.name, self.description, self.tags)
        item = (self.needs if role == "need" else self.offers)[position]
        return item_text(item.title, item.description)

    def title(self, role: str, position: int) -> str:
        if role == "profile":
            return self.name
        return (self.needs if role == "need" else self.offers)[position].title


class Catalogue:
    """Every organisation's facts and every indexed text's attributes, loaded in one pass.

    Arrays are aligned with ``text_ids`` (sorted), so a filter is a vectorised mask.

    ``orgs`` holds the organisations whose every text (profile, each need, each offer) is in
    the index. Those imported or changed since the last index run finished — an import
    killed in its index step leaves some — are ``pending``, by external id: matching leaves
    them out (and says so) until `musubi index` has run.
    """

    def __init__(self, store: Store) -> None:
        with store.session() as session:
            children: dict[type, dict[int, list]] = {}
            for table, columns in (
                (Tag, (Tag.name,)),
                (Certification, (Certification.name, Certification.issuer)),
                (Collaboration, (Collaboration.partner_ext_id,)),
                (Need, (Need.title, Need.description, Need.budget_jpy, Need.trial_order)),
                (Offer, (Offer.title, Offer.description)),
            ):
                grouped: dict[int, list] = defaultdict(list)
                query = sa.select(table.org_id, *columns).order_by(table.org_id, table.position)
                for org_id, *values in session.execute(query):
                    grouped[org_id].append(values[0] if len(values) == 1 else tuple(values))
                children[table] = grouped
            texts: dict[int, dict[str, list[tuple[int, int]]]] = defaultdict(
                lambda: defaultdict(list)
            )
            text_rows = session.execute(
                sa.select(TextEntry.id, TextEntry.org_id, TextEntry.role, TextEntry.position)
                .where(TextEntry.indexed_hash.is_not(None))
                .order_by(TextEntry.id)
            ).all()
            for text_id, org_id, role, position in text_rows:
                texts[org_id][role].append((position, text_id))
            self.orgs: dict[int, OrgFacts] = {}
            self.pending: dict[str, OrgFacts] = {}
            for row in session.execute(
                sa.select(
                    Organisation.id,
                    Organisation.ext_id,
                    Organisation.kind,
                    Organisation.name,
                    Organisation.prefecture,
                    Organisation.city,
                    Organisation.description,
                    Organisation.employees,
                    Organisation.public_sector_record,
                )
            ):
                org_id = row[0]
                org = OrgFacts(
                    *row,
                    tags=tuple(children[Tag].get(org_id, ())),
                    certifications=tuple(
                        CertificationRecord(*c) for c in children[Certification].get(org_id, ())
                    ),
                    collaborations=tuple(children[Collaboration].get(org_id, ())),
                    needs=tuple(NeedRecord(*n) for n in children[Need].get(org_id, ())),
                    offers=tuple(OfferRecord(*o) for o in children[Offer].get(org_id, ())),
                    text_ids={
                        role: tuple(text_id for _, text_id in sorted(found))
                        for role, found in texts[org_id].items()
                    },
                )
                if _indexed(org, texts[org_id]):
                    self.orgs[org_id] = org
                else:
                    self.pending[org.ext_id] = org
        self.by_ext_id = {org.ext_id: org for org in self.orgs.values()}
        # Only the texts of organisations ready for matching: a search never returns the
        # others' texts, whose positions may not match their needs and offers any more.
        text_rows = [r for r in text_rows if r[1] in self.orgs]
        self.text_ids = np.array([r[0] for r in text_rows], dtype=np.int64)
        self.text_org = np.array([r[1] for r in text_rows], dtype=np.int64)
        self.text_role = np.array([TEXT_ROLES.index(r[2]) for r in text_rows], dtype=np.int8)
        self.text_position = np.array([r[3] for r in text_rows], dtype=np.int16)
        self.text_kind = np.array(
            [KINDS.index(self.orgs[r[1]].kind) for r in text_rows], dtype=np.int8
        )
        self.text_prefecture = np.array(
            [self.orgs[r[1]].prefecture for r in text_rows], dtype=np.int8
        )

    def __len__(self) -> int:
        return len(self.orgs)

    def rows_of(self, text_ids: np.ndarray) -> np.ndarray:
        """Positions of ``text_ids`` in the aligned arrays (-1 for ids the catalogue lacks)."""
        rows = np.minimum(np.searchsorted(self.text_ids, text_ids), max(len(self.text_ids) - 1, 0))
        if len(self.text_ids) == 0:
            return np.full(len(text_ids), -1)
        return np.where(self.text_ids[rows] == text_ids, rows, -1)


def _indexed(org: OrgFacts, texts: dict[str, list[tuple[int, int]]]) -> bool:
    """Whether the index holds exactly the organisation's texts: its profile and one text per
    need and offer position (a changed need count shows as missing or extra positions)."""
    wanted = {"profile": 1, "need": len(org.needs), "offer": len(org.offers)}
    return all(
        sorted(position for position, _ in texts.get(role, ())) == list(range(count))
        for role, count in wanted.items()
    )
