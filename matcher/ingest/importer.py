"""Import: validate a whole file first, then write it in one transaction (all or nothing)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from matcher.ingest import log
from matcher.ingest.log import ImportOrigin
from matcher.ingest.readers import FileRejected, Source, read_source, rows, source_of
from matcher.ingest.records import OrgRecord, Problem, validate
from matcher.store import models, queries
from matcher.store.models import Organisation
from matcher.store.session import Store, chunks


class ImportRejected(Exception):
    """The file was rejected and nothing was written; ``problems`` lists every reason."""

    def __init__(self, name: str, problems: list[Problem]) -> None:
        self.name = name
        self.problems = sorted(problems, key=lambda p: p.line)
        super().__init__(f"{name}: {len(self.problems)} problem(s); nothing was imported")


def load_records(path: str | Path, fmt: str | None = None) -> tuple[list[OrgRecord], str, str]:
    """Read and validate every record of a file: (records, format, encoding) or ImportRejected."""
    try:
        source = read_source(path, fmt)
    except FileRejected as rejected:
        raise ImportRejected(str(path), rejected.problems) from None
    return _validated(source)


def parse_records(
    data: bytes, name: str, fmt: str | None = None
) -> tuple[list[OrgRecord], str, str]:
    """Validate the bytes of a file called ``name`` (an upload): as ``load_records``."""
    try:
        source = source_of(data, name, fmt)
    except FileRejected as rejected:
        raise ImportRejected(name, rejected.problems) from None
    return _validated(source)


def _validated(source: Source) -> tuple[list[OrgRecord], str, str]:
    try:
        parsed = list(rows(source))
    except FileRejected as rejected:
        raise ImportRejected(source.name, rejected.problems) from None
    records: list[OrgRecord] = []
    problems: list[Problem] = []
    first_line: dict[str, int] = {}
    for line, raw, row_problems in parsed:
        problems.extend(row_problems)
        if raw is None:
            continue
        record, record_problems = validate(raw, line)
        problems.extend(record_problems)
        if record is None:
            continue
        if record.id in first_line:
            first = first_line[record.id]
            reason = f"duplicate id {record.id!r} (first on line {first})"
            where = {"value": record.id, "first": first}
            problems.append(Problem(line, "id", reason, "import_duplicate_id", where))
            continue
        first_line[record.id] = line
        records.append(record)
    if not problems and not records:
        problems.append(Problem(0, "", "the file holds no records", "import_no_records"))
    if problems:
        raise ImportRejected(source.name, problems)
    return records, source.format, source.encoding


@dataclass(frozen=True)
class Preview:
    """What importing ``records`` would do to the store: organisations it would add, those it
    would change (with the fields that differ) and those it would leave as they are."""

    added: tuple[str, ...]
    changed: tuple[tuple[str, tuple[str, ...]], ...]
    unchanged: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "added": list(self.added),
            "changed": [{"id": i, "fields": list(f)} for i, f in self.changed],
            "unchanged": list(self.unchanged),
        }


def preview(store: Store, records: Sequence[OrgRecord]) -> Preview:
    """What ``write_records`` would do with ``records``, without writing anything."""
    stored = queries.records_by_id(store, [r.id for r in records])
    added, changed, unchanged = [], [], []
    for record in records:
        before = stored.get(record.id)
        if before is None:
            added.append(record.id)
        elif before == record:
            unchanged.append(record.id)
        else:
            changed.append((record.id, differing(before, record)))
    return Preview(tuple(added), tuple(changed), tuple(unchanged))


def differing(before: OrgRecord, after: OrgRecord) -> tuple[str, ...]:
    """The import-format fields whose values differ between two records of one organisation."""
    return tuple(
        f.name for f in fields(OrgRecord) if getattr(before, f.name) != getattr(after, f.name)
    )


def write_records(
    store: Store,
    records: Sequence[OrgRecord],
    *,
    origin: ImportOrigin | None = None,
    on_wait: Callable[[], object] | None = None,
) -> tuple[int, int]:
    """Insert new organisations and replace existing ones (by external id) in one transaction.

    Holds the store's writer lock (``on_wait()`` is told when another import or index run
    makes it wait) and counts one store generation with the change. A record equal to the
    stored one counts as updated but is not rewritten, so its ``updated_at`` keeps saying when
    the profile last changed. With an ``origin`` (every user's import has one), the import log
    gets its entry in the same transaction.
    """
    with store.writer(on_wait):
        # Read before the write's transaction, under the writer lock: nothing changes them.
        stored = queries.records_by_id(store, [r.id for r in records])
        return _write(store, records, stored, origin)


def _write(
    store: Store,
    records: Sequence[OrgRecord],
    stored: dict[str, OrgRecord],
    origin: ImportOrigin | None,
) -> tuple[int, int]:
    with store.session.begin() as session:
        existing: dict[str, int] = {}
        for chunk in chunks([r.id for r in records]):
            query = sa.select(Organisation.ext_id, Organisation.id).where(
                Organisation.ext_id.in_(chunk)
            )
            existing.update((ext_id, id_) for ext_id, id_ in session.execute(query))
        inserts = [r for r in records if r.id not in existing]
        reimported = [r for r in records if r.id in existing]
        updates = [r for r in reimported if stored.get(r.id) != r]

        updated_ids = [existing[r.id] for r in updates]
        for table in models.CHILD_TABLES:
            for chunk in chunks(updated_ids):
                session.execute(sa.delete(table).where(table.org_id.in_(chunk)))
        if updates:
            session.execute(
                sa.update(Organisation),
                [_org_row(r) | {"id": existing[r.id]} for r in updates],
            )

        ids = dict(existing)
        for chunk in chunks(inserts):
            result = session.execute(
                sa.insert(Organisation).returning(
                    Organisation.ext_id, Organisation.id, sort_by_parameter_order=True
                ),
                [_org_row(r) for r in chunk],
            )
            ids.update((ext_id, id_) for ext_id, id_ in result)

        _insert_children(session, [*inserts, *updates], ids)
        queue([ids[r.id] for r in (*inserts, *updates)], session)
        if origin is not None:
            log.record(session, origin, len(inserts), len(reimported))
        store.bump_generation(session)
    return len(inserts), len(reimported)


def queue(org_ids: Sequence[int], session) -> None:  # noqa: ANN001
    """Put organisations in the index queue (those already in it stay once)."""
    table = models.IndexQueue.__table__
    for chunk in chunks(list(org_ids)):
        session.execute(sa.delete(table).where(table.c.org_id.in_(chunk)))
        session.execute(sa.insert(table), [{"org_id": i} for i in chunk])


def _org_row(record: OrgRecord) -> dict:
    return {
        "ext_id": record.id,
        "kind": record.kind,
        "name": record.name,
        "name_en": record.name_en,
        "prefecture": record.prefecture,
        "city": record.city,
        "description": record.description,
        "employees": record.employees,
        "founded": record.founded,
        "public_sector_record": record.public_sector_record,
        "url": record.url,
        "contact": record.contact,
        "updated_at": models.utcnow(),
    }


def _insert_children(session, records: Iterable[OrgRecord], ids: dict[str, int]) -> None:  # noqa: ANN001
    children: dict[type, list[dict]] = {table: [] for table in models.CHILD_TABLES}
    for record in records:
        org_id = ids[record.id]
        for i, need in enumerate(record.needs):
            children[models.Need].append(
                {
                    "org_id": org_id,
                    "position": i,
                    "title": need.title,
                    "description": need.description,
                    "budget_jpy": need.budget_jpy,
                    "trial_order": need.trial_order,
                }
            )
        for i, offer in enumerate(record.offers):
            children[models.Offer].append(
                {
                    "org_id": org_id,
                    "position": i,
                    "title": offer.title,
                    "description": offer.description,
                }
            )
        children[models.Certification].extend(
            {"org_id": org_id, "position": i, "name": c.name, "issuer": c.issuer}
            for i, c in enumerate(record.certifications)
        )
        for table, column, values in (
            (models.Tag, "name", record.tags),
            (models.Collaboration, "partner_ext_id", record.collaborations),
        ):
            children[table].extend(
                {"org_id": org_id, "position": i, column: v} for i, v in enumerate(values)
            )
    for table, rows_ in children.items():
        for chunk in chunks(rows_, 5000):
            session.execute(sa.insert(table), chunk)
