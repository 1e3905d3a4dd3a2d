"""Catalogue: the facts ranking needs about every organisation and text.

The text attributes (the filters' arrays) are read when the catalogue opens; an organisation's
facts are read the first time a query touches it. At 100,000 organisations reading every
organisation's facts took 8 s, while a query touches a few hundred of them.
"""

from __future__ import annotations

import hashlib
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import numpy as np
import sqlalchemy as sa

from matcher.facts.kinds import KINDS
from matcher.index.texts import TEXT_ROLES, item_text, profile_text
from matcher.ingest.records import CertificationRecord, NeedRecord, OfferRecord
from matcher.retrieval.errors import MatchError
from matcher.store.models import (
    Certification,
    Collaboration,
    Need,
    Offer,
    Organisation,
    Tag,
    TextEntry,
)
from matcher.store.session import Store, chunks


class StoreChangedError(MatchError):
    """An organisation's needs or offers changed in the store after the catalogue opened, so
    its facts no longer line up with the texts the index holds for it."""

    def __init__(self, org: str) -> None:
        message = f"{org} changed in the store while this query was answered; ask again"
        super().__init__(message, "store_changed", org=org)


class OrgName(NamedTuple):
    """What finding an organisation by name or listing the directory reads of it."""

    id: int
    ext_id: str
    kind: str
    prefecture: int
    name: str


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

    def evidence(self, role: str, position: int) -> str:
        """A text as evidence shows it: a need's or an offer's title, or for the profile the
        start of the description (its title, the name, would pair name with name)."""
        if role == "profile":
            return excerpt(self.description) or self.name
        return self.title(role, position)


def excerpt(text: str, limit: int = 60) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Catalogue:
    """Every indexed text's attributes, and every organisation's facts on first use.

    Arrays are aligned with ``text_ids`` (sorted), so a filter is a vectorised mask.

    ``orgs`` holds the organisations whose every text (profile, each need, each offer) is in
    the index. Those imported or changed since the last index run finished — an import
    killed in its index step leaves some — are ``pending``, by external id: matching leaves
    them out (and says so) until `musubi index` has run.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        # Plain tuples from the driver: at 100,000 organisations the ORM's rows took 0.9 s for
        # the texts and SQLAlchemy Core's 0.5 s, fetching them 0.25 s.
        with store.engine.connect() as connection:
            org_rows = _tuples(
                connection,
                sa.select(
                    Organisation.id,
                    Organisation.ext_id,
                    Organisation.kind,
                    Organisation.prefecture,
                    Organisation.name,
                ).order_by(Organisation.id),
            )
            items = {
                table: dict(
                    _tuples(
                        connection,
                        sa.select(table.org_id, sa.func.count()).group_by(table.org_id),
                    )
                )
                for table in (Need, Offer)
            }
            text_rows = _tuples(
                connection,
                sa.select(
                    TextEntry.id,
                    TextEntry.org_id,
                    TextEntry.role,
                    TextEntry.position,
                    TextEntry.indexed_hash,
                )
                .where(TextEntry.indexed_hash.is_not(None))
                .order_by(TextEntry.id),
            )
        columns = list(zip(*text_rows, strict=True)) or [()] * 5
        role_code = {role: code for code, role in enumerate(TEXT_ROLES)}
        org_ids = np.array([r[0] for r in org_rows], dtype=np.int64)
        ids = np.array(columns[0], dtype=np.int64)
        orgs = np.array(columns[1], dtype=np.int64)
        roles = np.array([role_code[r] for r in columns[2]], dtype=np.int8)
        positions = np.array(columns[3], dtype=np.int16)
        # Texts of an organisation the store no longer has wait for the next index run.
        row = np.minimum(np.searchsorted(org_ids, orgs), max(len(org_ids) - 1, 0))
        known = org_ids[row] == orgs if len(org_ids) else np.zeros(len(orgs), dtype=bool)
        ready = _ready(org_ids, items, row[known], roles[known], positions[known])

        # Texts by organisation, role and position: an organisation's are one slice.
        order = np.lexsort((positions, roles, orgs))
        self._by_org = (orgs[order], roles[order], ids[order])
        self._loaded: dict[int, OrgFacts] = {}
        self._lock = threading.Lock()
        self._complete = False

        ready_rows = [r for r, ok in zip(org_rows, ready, strict=True) if ok]
        self._ready_rows = ready_rows  # for ``names``, made when first asked
        self.orgs = LazyOrgs(self, [r[0] for r in ready_rows])
        self.by_ext_id = ByExtId(self.orgs, {r[1]: r[0] for r in ready_rows})
        pending = [r[0] for r, ok in zip(org_rows, ready, strict=True) if not ok]
        self.pending: dict[str, OrgFacts] = {
            o.ext_id: o for o in self._read(pending, check=False).values()
        }

        # Only the texts of organisations ready for matching: a search never returns the
        # others' texts, whose positions may not match their needs and offers any more.
        keep = np.zeros(len(ids), dtype=bool)
        keep[known] = ready[row[known]]
        self.text_ids = ids[keep]
        self.text_org = orgs[keep]
        self.text_role = roles[keep]
        self.text_position = positions[keep]
        self.text_kind = np.array([KINDS.index(r[2]) for r in org_rows], dtype=np.int8)[row[keep]]
        self.text_prefecture = np.array([r[3] for r in org_rows], dtype=np.int8)[row[keep]]
        self.org_ids = org_ids[ready]  # the ready organisations, in id order
        # As KINDS positions: a filter's kinds among 10^5 strings took 3 ms, codes 0.3 ms.
        self.org_kind_codes = np.array([KINDS.index(r[2]) for r in ready_rows], dtype=np.int8)
        self.org_prefectures = np.array([r[3] for r in ready_rows], dtype=np.int8)
        self._hashes = [columns[4][i] for i in np.flatnonzero(keep).tolist()]

    def __len__(self) -> int:
        return len(self.orgs)

    @cached_property
    def names(self) -> list[OrgName]:
        """The ready organisations' names, so finding one by name reads no facts (making them
        took 0.17 s of a catalogue's 1.2 s at 100,000 organisations, so only on first use)."""
        return [OrgName._make(r) for r in self._ready_rows]

    def content_key(self) -> str:
        """A hash of which texts of which organisations are ready, as last indexed: what the
        BM25 matrices are built from, and change only when it changes."""
        digest = hashlib.blake2b(digest_size=16)
        for array in (self.org_ids, self.text_ids, self.text_org, self.text_role):
            digest.update(np.ascontiguousarray(array).tobytes())
        digest.update(self.text_position.tobytes())
        digest.update("\n".join(self._hashes).encode("ascii"))
        return digest.hexdigest()

    def rows_of(self, text_ids: np.ndarray) -> np.ndarray:
        """Positions of ``text_ids`` in the aligned arrays (-1 for ids the catalogue lacks)."""
        rows = np.minimum(np.searchsorted(self.text_ids, text_ids), max(len(self.text_ids) - 1, 0))
        if len(self.text_ids) == 0:
            return np.full(len(text_ids), -1)
        return np.where(self.text_ids[rows] == text_ids, rows, -1)

    def profile_text_ids(self) -> dict[int, int]:
        """Each ready organisation's profile text id, by organisation id (in id order)."""
        profiles = self.text_role == TEXT_ROLES.index("profile")
        order = np.argsort(self.text_org[profiles], kind="stable")
        return dict(
            zip(
                self.text_org[profiles][order].tolist(),
                self.text_ids[profiles][order].tolist(),
                strict=True,
            )
        )

    # ---- facts, read on first use ---------------------------------------------------------

    def facts(self, found: Iterable[OrgName | OrgFacts]) -> list[OrgFacts]:
        """The facts of organisations found by name (read in one batch), in their order."""
        found = list(found)
        self.load([o.id for o in found if isinstance(o, OrgName)])
        return [self.orgs[o.id] if isinstance(o, OrgName) else o for o in found]

    def load(self, org_ids: Iterable[int]) -> None:
        """Read the facts of these organisations (those not read yet) in one batch."""
        missing = [i for i in org_ids if i not in self._loaded and i in self.orgs]
        if missing:
            with self._lock:
                missing = [i for i in dict.fromkeys(missing) if i not in self._loaded]
                self._loaded.update(self._read(missing, check=True))

    def load_all(self) -> None:
        """Read every ready organisation's facts (a listing of them all, say)."""
        if not self._complete:
            with self._lock:
                if not self._complete:
                    read = self._read(None, check=True)
                    self._loaded.update({i: read[i] for i in self.orgs.ids if i in read})
                    self._complete = True

    def _text_ids(self, org_id: int) -> dict[str, tuple[int, ...]]:
        orgs, roles, ids = self._by_org
        lo, hi = np.searchsorted(orgs, [org_id, org_id + 1])
        found: dict[str, list[int]] = defaultdict(list)
        for role, text_id in zip(roles[lo:hi].tolist(), ids[lo:hi].tolist(), strict=True):
            found[TEXT_ROLES[role]].append(text_id)
        return {role: tuple(found_ids) for role, found_ids in found.items()}

    def _read(self, org_ids: list[int] | None, *, check: bool) -> dict[int, OrgFacts]:
        """Facts of ``org_ids`` (None: of every organisation) from the store.

        With ``check``, an organisation whose needs or offers no longer line up with its
        indexed texts raises StoreChangedError: it changed after the catalogue opened.
        """
        if org_ids is not None and not org_ids:
            return {}
        groups = [None] if org_ids is None else chunks(org_ids)
        read: dict[int, OrgFacts] = {}
        with self._store.session() as session:
            for chunk in groups:
                read.update(self._read_chunk(session, chunk))
        if check:
            for org in (o for o in read.values() if o.id in self.orgs):
                counts = {r: len(ids) for r, ids in org.text_ids.items()}
                if counts.get("need", 0) != len(org.needs) or counts.get("offer", 0) != len(
                    org.offers
                ):
                    raise StoreChangedError(org.ext_id)
        return read

    def _read_chunk(self, session, chunk: list[int] | None) -> dict[int, OrgFacts]:  # noqa: ANN001
        def where(query: sa.Select, column: sa.ColumnElement) -> sa.Select:
            return query if chunk is None else query.where(column.in_(chunk))

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
            for org_id, *values in session.execute(where(query, table.org_id)):
                grouped[org_id].append(values[0] if len(values) == 1 else tuple(values))
            children[table] = grouped
        query = sa.select(
            Organisation.id,
            Organisation.ext_id,
            Organisation.kind,
            Organisation.name,
            Organisation.prefecture,
            Organisation.city,
            Organisation.description,
            Organisation.employees,
            Organisation.public_sector_record,
        ).order_by(Organisation.id)
        return {
            row[0]: OrgFacts(
                *row,
                tags=tuple(children[Tag].get(row[0], ())),
                certifications=tuple(
                    CertificationRecord(*c) for c in children[Certification].get(row[0], ())
                ),
                collaborations=tuple(children[Collaboration].get(row[0], ())),
                needs=tuple(NeedRecord(*n) for n in children[Need].get(row[0], ())),
                offers=tuple(OfferRecord(*o) for o in children[Offer].get(row[0], ())),
                text_ids=self._text_ids(row[0]),
            )
            for row in session.execute(where(query, Organisation.id))
        }


class LazyOrgs(Mapping[int, OrgFacts]):
    """The ready organisations by database id, in id order; facts are read on first use.

    Keys, length and membership need no reading; ``values()`` and ``items()`` read them all.
    """

    def __init__(self, catalogue: Catalogue, ids: list[int]) -> None:
        self._catalogue = catalogue
        self.ids = ids
        self._ready = set(ids)

    def __getitem__(self, org_id: int) -> OrgFacts:
        found = self._catalogue._loaded.get(org_id)
        if found is None:
            if org_id not in self._ready:
                raise KeyError(org_id)
            self._catalogue.load([org_id])
            found = self._catalogue._loaded[org_id]
        return found

    def __contains__(self, org_id: object) -> bool:
        return org_id in self._ready

    def __iter__(self) -> Iterator[int]:
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def values(self) -> list[OrgFacts]:  # type: ignore[override]
        self._catalogue.load_all()
        return [self._catalogue._loaded[i] for i in self.ids]

    def items(self) -> list[tuple[int, OrgFacts]]:  # type: ignore[override]
        return list(zip(self.ids, self.values(), strict=True))


class ByExtId(Mapping[str, OrgFacts]):
    """The ready organisations by external id, read through ``orgs``."""

    def __init__(self, orgs: LazyOrgs, ids: dict[str, int]) -> None:
        self._orgs = orgs
        self._ids = ids

    def __getitem__(self, ext_id: str) -> OrgFacts:
        return self._orgs[self._ids[ext_id]]

    def __contains__(self, ext_id: object) -> bool:
        return ext_id in self._ids

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def values(self) -> list[OrgFacts]:  # type: ignore[override]
        self._orgs.values()
        return [self._orgs[i] for i in self._ids.values()]

    def items(self) -> list[tuple[str, OrgFacts]]:  # type: ignore[override]
        return list(zip(self._ids, self.values(), strict=True))


def _ready(
    org_ids: np.ndarray,
    items: dict[type, dict[int, int]],
    rows: np.ndarray,
    roles: np.ndarray,
    positions: np.ndarray,
) -> np.ndarray:
    """Which organisations the index holds exactly the texts of: a profile and one text per
    need and offer position (a changed need count shows as missing or extra positions).
    Positions are unique per organisation and role (the texts table's key), so a count of n
    whose largest position is n − 1 is exactly 0 … n − 1."""
    n = len(org_ids)
    wanted = np.zeros((n, len(TEXT_ROLES)), dtype=np.int64)
    wanted[:, TEXT_ROLES.index("profile")] = 1
    for role, table in (("need", Need), ("offer", Offer)):
        counts = items[table]
        wanted[:, TEXT_ROLES.index(role)] = [counts.get(i, 0) for i in org_ids.tolist()]
    slot = rows * len(TEXT_ROLES) + roles
    have = np.bincount(slot, minlength=n * len(TEXT_ROLES)).reshape(n, len(TEXT_ROLES))
    top = np.full(n * len(TEXT_ROLES), -1, dtype=np.int64)
    np.maximum.at(top, slot, positions.astype(np.int64))
    return ((have == wanted) & (top.reshape(n, len(TEXT_ROLES)) == wanted - 1)).all(axis=1)


def _tuples(connection: sa.Connection, query: sa.Select) -> list[tuple]:
    """The rows of a query without parameters, as the database driver's tuples."""
    sql = str(query.compile(dialect=connection.dialect))
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()
