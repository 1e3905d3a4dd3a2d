"""The import log: who imported which file, when, from where, and what it did to the store.

An entry is written in the import's own transaction, so the log holds exactly the imports that
committed (a rejected file or a dry run writes nothing, here or anywhere else). Read with
``musubi import-log``.
"""

from __future__ import annotations

import getpass
from dataclasses import asdict, dataclass
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from matcher.store.models import ImportEvent
from matcher.store.session import Store


@dataclass(frozen=True)
class ImportOrigin:
    """Where an import came from: the coordinator (or, on the command line, the system user),
    the file as its user named it, its format, the door it came in by and the client's address."""

    actor: str
    source: str
    format: str
    via: str
    address: str | None = None

    @classmethod
    def command_line(cls, source: str, fmt: str) -> ImportOrigin:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no name for this uid (a bare container)
            user = "unknown"
        return cls(user, source, fmt, "cli")


@dataclass(frozen=True)
class ImportLogEntry:
    id: int
    at: datetime
    actor: str
    via: str
    address: str | None
    source: str
    format: str
    created: int
    updated: int

    def to_json(self) -> dict:
        return asdict(self) | {"at": self.at.isoformat() + "Z"}


def record(session: so.Session, origin: ImportOrigin, created: int, updated: int) -> None:
    """Add one entry inside the import's transaction."""
    session.add(
        ImportEvent(
            actor=origin.actor[:64],
            via=origin.via,
            address=origin.address or None,
            source=origin.source[:255],
            format=origin.format[:8],
            created=created,
            updated=updated,
        )
    )


def import_log(store: Store, limit: int = 50) -> tuple[ImportLogEntry, ...]:
    """The newest ``limit`` imports, newest first."""
    query = sa.select(ImportEvent).order_by(ImportEvent.id.desc()).limit(max(0, limit))
    with store.session() as session:
        return tuple(
            ImportLogEntry(
                e.id, e.at, e.actor, e.via, e.address, e.source, e.format, e.created, e.updated
            )
            for e in session.scalars(query)
        )
