"""Curation: saved consortium proposals, edited by coordinators, with statuses, notes, exports
and an append-only audit log (who, when in UTC, what, why).

Public API (no Flask; each action is one call returning frozen dataclasses):

    save_proposal(store, query, proposal, *, actor, reason=None) -> ProposalView
    get_proposal(store, proposal_id) -> ProposalView
    list_proposals(store, status=None) -> tuple[ProposalSummary, ...]
    remove_member(store, proposal_id, ext_id, *, version, actor, reason) -> ProposalView
    add_member(store, proposal_id, member, *, version, actor, reason) -> ProposalView
    swap_member(store, proposal_id, old_ext_id, member, *, version, actor, reason) -> ProposalView
    change_status(store, proposal_id, status, *, version, actor, reason) -> ProposalView
    add_note(store, proposal_id, text, *, version=None, actor) -> ProposalView
    audit_log(store, proposal_id) -> tuple[AuditRecord, ...]
    render(view, fmt) -> str            # fmt: json | csv | md | html
    write_export(view, fmt, path)       # atomic; "-" or None = return the text only

``member`` is a ``consortium.Member`` (``consortium.member_facts`` or an ``Alternative``), so
its fit and evidence are snapshotted as they were when it joined. Every write names the
``version`` it read: a stale one raises ConflictError naming who changed the proposal and when
(optimistic locking by a conditional UPDATE, so it holds across processes and on PostgreSQL).
Each write is one transaction: the change, the version bump and the audit entry commit together
or not at all. ``actor`` must be a coordinator account (matcher/store/accounts.py).

Statuses: proposed → shortlisted → contacted → agreed | declined. Any open status may be
declined; declined and agreed may be reopened to proposed (agreed is otherwise final). Every
status change needs a non-empty reason, and so does every member change. Members can be edited
only while the proposal is open (not agreed or declined).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from matcher.curation.workflow import (
    MAX_NOTE,
    OPEN,
    STATUSES,
    TRANSITIONS,
    CurationError,
    InvalidTransition,
    require_reason,
    unknown_status,
)
from matcher.facts import prefectures
from matcher.modes.consortium.assembly import alternatives, member_facts
from matcher.modes.consortium.results import Alternative, ConsortiumQuery, Member, Proposal
from matcher.modes.consortium.roles import ROLES, active_roles
from matcher.modes.queries import build_query
from matcher.ranking.explain import Notice
from matcher.retrieval.matcher import Matcher, MatchError
from matcher.store.accounts import UnknownCoordinator
from matcher.store.models import (
    AuditEntry,
    Coordinator,
    ProposalMember,
    ProposalNote,
    SavedProposal,
    utcnow,
)
from matcher.store.session import Store


class ProposalNotFound(CurationError, LookupError):
    def __init__(self, proposal_id: int) -> None:
        super().__init__(
            f"no saved proposal #{proposal_id}; `musubi consortium list` shows the saved ones",
            "proposal_not_found",
            id=proposal_id,
        )
        self.proposal_id = proposal_id


class ConflictError(CurationError):
    """The proposal changed since the caller read it (optimistic locking)."""

    def __init__(
        self, proposal_id: int, expected: int, current: int, by: str, at: datetime
    ) -> None:
        super().__init__(
            f"proposal #{proposal_id} was changed by {by} at {at:%Y-%m-%d %H:%M:%S} UTC "
            f"(now version {current}, you read version {expected}); nothing was saved: "
            f"reload it (`musubi consortium show {proposal_id}`) and redo your change",
            "conflict",
            proposal=proposal_id,
            by=by,
            at=f"{at:%Y-%m-%d %H:%M}",
            current=current,
            expected=expected,
        )
        self.proposal_id = proposal_id
        self.expected = expected
        self.current = current
        self.by = by
        self.at = at


@dataclass(frozen=True)
class Note:
    id: int
    author: str
    created_at: datetime
    text: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "author": self.author,
            "at": iso_utc(self.created_at),
            "text": self.text,
        }


@dataclass(frozen=True)
class AuditRecord:
    id: int
    proposal_id: int
    version: int
    at: datetime
    actor: str
    action: str
    details: dict[str, Any]
    reason: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "proposal_id": self.proposal_id,
            "version": self.version,
            "at": iso_utc(self.at),
            "actor": self.actor,
            "action": self.action,
            "details": self.details,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class ProposalView:
    """A saved proposal as read in one transaction; ``checks`` lists broken constraints."""

    id: int
    theme: str
    query: dict[str, Any]
    status: str
    score: float | None
    explanation: dict[str, Any]
    version: int
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    members: tuple[Member, ...]
    notes: tuple[Note, ...]

    @property
    def prefectures(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(m.prefecture for m in self.members))

    @property
    def broken(self) -> tuple[Notice, ...]:
        """Constraints the current members break (after edits), as notices."""
        out = []
        min_prefs = int(self.query.get("min_prefectures", 2))
        min_kinds = int(self.query.get("min_kinds", 3))
        if len(self.prefectures) < min_prefs:
            count = len(self.prefectures)
            out.append(
                Notice(
                    f"spans {count} prefecture(s); at least {min_prefs} asked",
                    "spans_too_few_prefectures",
                    {"count": count, "min": min_prefs},
                )
            )
        kinds = len({m.kind for m in self.members})
        if kinds < min_kinds:
            out.append(
                Notice(
                    f"has {kinds} kind(s) of member; at least {min_kinds} asked",
                    "has_too_few_kinds",
                    {"count": kinds, "min": min_kinds},
                )
            )
        return tuple(out)

    @property
    def checks(self) -> tuple[str, ...]:
        """Constraints the current members break (after edits), in words."""
        return tuple(n.text for n in self.broken)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "theme": self.theme,
            "status": self.status,
            "version": self.version,
            "score": None if self.score is None else round(self.score, 4),
            "query": self.query,
            "members": [m.to_json() for m in self.members],
            "prefectures": [prefectures.name(c) for c in self.prefectures],
            "explanation": self.explanation,
            "notes": [n.to_json() for n in self.notes],
            "checks": list(self.checks),
            "check_notices": [n.to_json() for n in self.broken],
            "created_by": self.created_by,
            "created_at": iso_utc(self.created_at),
            "updated_by": self.updated_by,
            "updated_at": iso_utc(self.updated_at),
        }


@dataclass(frozen=True)
class ProposalSummary:
    id: int
    theme: str
    status: str
    version: int
    members: int
    updated_by: str
    updated_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "theme": self.theme,
            "status": self.status,
            "version": self.version,
            "members": self.members,
            "updated_by": self.updated_by,
            "updated_at": iso_utc(self.updated_at),
        }


def iso_utc(at: datetime) -> str:
    return at.isoformat(timespec="seconds") + "Z"


def _check_actor(session: so.Session, actor: str) -> None:
    if (
        not actor
        or session.scalar(sa.select(Coordinator.id).where(Coordinator.name == actor)) is None
    ):
        raise UnknownCoordinator(actor or "")


def _member_row(position: int, m: Member) -> ProposalMember:
    return ProposalMember(
        position=position,
        org_ext_id=m.id,
        name=m.name,
        kind=m.kind,
        role=m.role,
        prefecture=m.prefecture,
        fit=float(m.fit),
        evidence=m.evidence(),
    )


def _saved_member(row: ProposalMember) -> Member:
    """A member as it was when it joined: its fit and evidence are the saved snapshot."""
    evidence = row.evidence or {}
    return Member(
        row.org_ext_id,
        row.name,
        row.kind,
        row.role,
        row.prefecture,
        row.fit or 0.0,
        evidence.get("matched", ""),
        evidence.get("text", "profile"),
        evidence.get("similarity", 0.0),
        tuple(evidence.get("shared_terms", ())),
        evidence.get("project_role", ""),
        evidence.get("project_role_basis", ""),
        tuple(evidence.get("covers", ())),
        added_for=evidence.get("added_for", ""),
    )


def _view(row: SavedProposal) -> ProposalView:
    return ProposalView(
        row.id,
        row.theme,
        dict(row.query),
        row.status,
        row.score,
        dict(row.explanation),
        row.version,
        row.created_by,
        row.created_at,
        row.updated_by,
        row.updated_at,
        tuple(_saved_member(m) for m in row.members),
        tuple(Note(n.id, n.author, n.created_at, n.text) for n in row.notes),
    )


# ---- reads -----------------------------------------------------------------------------


def proposal_alternatives(
    m: Matcher, view: ProposalView, role: str, *, replacing: str | None = None, top: int = 10
) -> tuple[Alternative, ...]:
    """Ranked candidates for ``role`` beside a saved proposal's members (to replace
    ``replacing``, or to add), under the constraints the proposal was assembled with."""
    try:
        query = build_query("consortium", view.query)
    except (MatchError, TypeError, ValueError):
        query = None  # saved by an older release: rank without its place restriction
    return alternatives(
        m,
        view.theme,
        [(member.id, member.role) for member in view.members],
        role,
        replacing=replacing,
        query=query,
        top=top,
    )


def get_proposal(store: Store, proposal_id: int) -> ProposalView:
    with store.session() as session:
        row = session.get(SavedProposal, proposal_id)
        if row is None:
            raise ProposalNotFound(proposal_id)
        return _view(row)


def list_proposals(store: Store, status: str | None = None) -> tuple[ProposalSummary, ...]:
    if status is not None and status not in STATUSES:
        raise unknown_status(status)
    counts = (
        sa.select(ProposalMember.proposal_id, sa.func.count().label("n"))
        .group_by(ProposalMember.proposal_id)
        .subquery()
    )
    query = (
        sa.select(SavedProposal, sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.proposal_id == SavedProposal.id)
        .order_by(SavedProposal.id)
    )
    if status:
        query = query.where(SavedProposal.status == status)
    with store.session() as session:
        return tuple(
            ProposalSummary(p.id, p.theme, p.status, p.version, n, p.updated_by, p.updated_at)
            for p, n in session.execute(query)
        )


def audit_log(store: Store, proposal_id: int) -> tuple[AuditRecord, ...]:
    with store.session() as session:
        rows = session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.proposal_id == proposal_id)
            .order_by(AuditEntry.id)
        )
        return tuple(
            AuditRecord(
                r.id, r.proposal_id, r.version, r.at, r.actor, r.action, dict(r.details), r.reason
            )
            for r in rows
        )


# ---- writes ----------------------------------------------------------------------------


def save_proposal(
    store: Store,
    query: ConsortiumQuery,
    proposal: Proposal,
    *,
    actor: str,
    reason: str | None = None,
) -> ProposalView:
    """Store a proposal from ``consortium()`` with status "proposed", version 1."""
    if not proposal.members:
        raise CurationError("a proposal without members cannot be saved", "no_members")
    with store.session.begin() as session:
        _check_actor(session, actor)
        now = utcnow()
        row = SavedProposal(
            theme=query.theme,
            query=query.to_json(),
            status="proposed",
            score=float(proposal.score),
            explanation=proposal.explanation.to_json(proposal.members),
            version=1,
            created_by=actor,
            created_at=now,
            updated_by=actor,
            updated_at=now,
        )
        row.members = [_member_row(k, m) for k, m in enumerate(proposal.members)]
        session.add(row)
        session.flush()
        session.add(
            AuditEntry(
                proposal_id=row.id,
                version=1,
                at=now,
                actor=actor,
                action="saved",
                details={
                    "theme": query.theme,
                    "members": [{"id": m.id, "role": m.role} for m in proposal.members],
                    "score": round(float(proposal.score), 4),
                    **({"produced_by": proposal.provenance} if proposal.provenance else {}),
                },
                reason=(reason or "").strip() or None,
            )
        )
        session.flush()
        return _view(row)


def _write(
    store: Store,
    proposal_id: int,
    version: int | None,
    actor: str,
    action: str,
    reason: str | None,
    change,  # noqa: ANN001 - (session, row) -> details dict; raises to abort
) -> ProposalView:
    """One audited change: bump the version iff it is still ``version`` (any version when None),
    apply, log, commit."""
    with store.session.begin() as session:
        _check_actor(session, actor)
        now = utcnow()
        # The conditional UPDATE is the lock: of two writers that read the same version, the
        # second matches no row (on PostgreSQL it waits for the first to commit, then sees the
        # new version) and fails before touching anything.
        unchanged = SavedProposal.version == version if version is not None else sa.true()
        bumped = session.execute(
            sa.update(SavedProposal)
            .where(SavedProposal.id == proposal_id, unchanged)
            .values(version=SavedProposal.version + 1, updated_by=actor, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if bumped != 1:
            current = session.get(SavedProposal, proposal_id)
            if current is None:
                raise ProposalNotFound(proposal_id)
            raise ConflictError(
                proposal_id, version, current.version, current.updated_by, current.updated_at
            )
        row = session.get(SavedProposal, proposal_id, populate_existing=True)
        details = change(session, row)
        session.add(
            AuditEntry(
                proposal_id=proposal_id,
                version=row.version,
                at=now,
                actor=actor,
                action=action,
                details=details,
                reason=reason,
            )
        )
        session.flush()
        session.refresh(row)
        return _view(row)


def _require_open(row: SavedProposal) -> None:
    if row.status not in OPEN:
        raise CurationError(
            f"proposal #{row.id} is {row.status}: reopen it (status → proposed, with a reason) "
            "before changing its members",
            "proposal_closed",
            proposal=row.id,
            status=row.status,
        )


def _find(row: SavedProposal, ext_id: str) -> ProposalMember:
    for m in row.members:
        if m.org_ext_id == ext_id:
            return m
    raise _not_a_member(ext_id, row.id, [m.org_ext_id for m in row.members])


def _not_a_member(ext_id: str, proposal_id: int, ids: Sequence[str]) -> CurationError:
    return CurationError(
        f"{ext_id} is not a member of proposal #{proposal_id}; members: " + ", ".join(ids),
        "not_a_member",
        org=ext_id,
        proposal=proposal_id,
    )


def _renumber(session: so.Session, row: SavedProposal, members: list[Member | ProposalMember]):  # noqa: ANN202
    """Replace the member rows (positions 0…n-1) in one flush-safe step."""
    rows = [m if isinstance(m, ProposalMember) else _member_row(0, m) for m in members]
    snapshot = [
        dict(
            org_ext_id=r.org_ext_id,
            name=r.name,
            kind=r.kind,
            role=r.role,
            prefecture=r.prefecture,
            fit=r.fit,
            evidence=dict(r.evidence),
        )
        for r in rows
    ]
    row.members.clear()
    session.flush()
    row.members.extend(ProposalMember(position=k, **s) for k, s in enumerate(snapshot))


MEMBER_ACTIONS = ("add", "remove", "swap")


def edit_member(
    store: Store,
    matcher: Callable[[], Matcher],
    proposal_id: int,
    action: str | None,
    *,
    org: str | None = None,
    member: str | None = None,
    role: str | None = None,
    version: int,
    actor: str,
    reason: str,
) -> ProposalView:
    """One member change as the command line, the pages and the API ask for it: ``remove``
    ``member``, ``add`` ``org`` in ``role``, or ``swap`` ``member`` for ``org`` in ``role``.

    ``matcher`` loads the Matcher, called only when an organisation joins (its fit to the theme
    is measured then). Every request is checked before that slow step: the action, the reason,
    the ids and the role. The role is always named, for an added member and for a swapped-in one.
    """
    if action not in MEMBER_ACTIONS:
        raise CurationError(
            f"action={str(action)[:20]!r}: use add, remove or swap",
            "unknown_action",
            value=str(action)[:20],
        )
    require_reason(
        reason, {"add": "adding", "remove": "removing", "swap": "swapping"}[action] + " a member"
    )
    view = get_proposal(store, proposal_id)
    if action in ("remove", "swap"):
        if not member:
            raise _id_required("member")
        if all(mb.id != member for mb in view.members):
            raise _not_a_member(member, view.id, [mb.id for mb in view.members])
    if action == "remove":
        return remove_member(
            store, proposal_id, member, version=version, actor=actor, reason=reason
        )
    if not org:
        raise _id_required("org")
    if not role:
        roles = active_roles()
        raise CurationError(
            f"role is required for {action}: one of {', '.join(roles)}",
            "role_required",
            roles=roles,
        )
    joining = member_facts(matcher(), view.theme, org, role)
    if action == "add":
        return add_member(store, proposal_id, joining, version=version, actor=actor, reason=reason)
    return swap_member(
        store, proposal_id, member, joining, version=version, actor=actor, reason=reason
    )


def _id_required(field: str) -> CurationError:
    return CurationError(
        f"{field} is required: the id of an organisation, e.g. mu-00001",
        "org_required",
        field=field,
    )


def remove_member(
    store: Store, proposal_id: int, ext_id: str, *, version: int, actor: str, reason: str
) -> ProposalView:
    reason = require_reason(reason, "removing a member")

    def change(session: so.Session, row: SavedProposal) -> dict:
        _require_open(row)
        gone = _find(row, ext_id)
        if len(row.members) <= 1:
            raise CurationError(
                f"{ext_id} is the last member of proposal #{row.id}; decline it instead",
                "last_member",
                org=ext_id,
                proposal=row.id,
            )
        info = {"removed": {"id": gone.org_ext_id, "name": gone.name, "role": gone.role}}
        _renumber(session, row, [m for m in row.members if m.org_ext_id != ext_id])
        return info

    return _write(store, proposal_id, version, actor, "member_removed", reason, change)


def add_member(
    store: Store, proposal_id: int, member: Member, *, version: int, actor: str, reason: str
) -> ProposalView:
    reason = require_reason(reason, "adding a member")

    def change(session: so.Session, row: SavedProposal) -> dict:
        _require_open(row)
        if any(m.org_ext_id == member.id for m in row.members):
            raise _already_member(member, row)
        _check_role(member)
        _renumber(session, row, [*row.members, member])
        return {"added": _brief(member)}

    return _write(store, proposal_id, version, actor, "member_added", reason, change)


def swap_member(
    store: Store,
    proposal_id: int,
    old_ext_id: str,
    member: Member,
    *,
    version: int,
    actor: str,
    reason: str,
) -> ProposalView:
    reason = require_reason(reason, "swapping a member")

    def change(session: so.Session, row: SavedProposal) -> dict:
        _require_open(row)
        old = _find(row, old_ext_id)
        if any(m.org_ext_id == member.id for m in row.members):
            raise _already_member(member, row)
        _check_role(member)
        info = {
            "removed": {"id": old.org_ext_id, "name": old.name, "role": old.role},
            "added": _brief(member),
        }
        _renumber(session, row, [member if m.org_ext_id == old_ext_id else m for m in row.members])
        return info

    return _write(store, proposal_id, version, actor, "member_swapped", reason, change)


def change_status(
    store: Store, proposal_id: int, status: str, *, version: int, actor: str, reason: str
) -> ProposalView:
    if status not in STATUSES:
        raise unknown_status(status)
    reason = require_reason(reason, f"changing the status to {status}")

    def change(session: so.Session, row: SavedProposal) -> dict:
        allowed = TRANSITIONS[row.status]
        if status not in allowed:
            raise InvalidTransition(
                f"proposal #{row.id} is {row.status}: it can move to "
                f"{' or '.join(allowed)}, not to {status}",
                "invalid_transition",
                proposal=row.id,
                status=row.status,
                allowed=allowed,
                to=status,
            )
        before = row.status
        row.status = status
        return {"from": before, "to": status}

    return _write(store, proposal_id, version, actor, "status_changed", reason, change)


def add_note(
    store: Store, proposal_id: int, text: str, *, version: int | None = None, actor: str
) -> ProposalView:
    """Append a note. A note changes nothing another coordinator decided on, so without a
    ``version`` it is added to whatever version is current and never conflicts; with one, it
    is checked like any other write."""
    text = (text or "").strip()
    if not text:
        raise CurationError("the note is empty", "empty_note")
    if len(text) > MAX_NOTE:
        raise CurationError(
            f"the note has {len(text):,} characters; at most {MAX_NOTE:,}",
            "too_long",
            field="note",
            length=len(text),
            limit=MAX_NOTE,
        )

    def change(session: so.Session, row: SavedProposal) -> dict:
        row.notes.append(ProposalNote(author=actor, created_at=utcnow(), text=text))
        return {"note": text}

    return _write(store, proposal_id, version, actor, "note_added", None, change)


def _already_member(member: Member, row: SavedProposal) -> CurationError:
    return CurationError(
        f"{member.id} is already a member of proposal #{row.id}",
        "already_a_member",
        org=member.id,
        proposal=row.id,
    )


def _check_role(member: Member) -> None:
    role = ROLES.get(member.role)
    if role is None or member.kind not in role.kinds:
        message = f"{member.id} is a {member.kind}; it cannot take the role {member.role}"
        if role is None:
            raise CurationError(message, "unknown_role", value=member.role, roles=tuple(ROLES))
        raise CurationError(
            message,
            "role_kind_mismatch",
            name=member.name,
            org=member.id,
            kind=member.kind,
            role=member.role,
            kinds=role.kinds,
        )


def _brief(member: Member) -> dict[str, Any]:
    return {"id": member.id, "name": member.name, "role": member.role, "fit": round(member.fit, 4)}


# ---- exports ---------------------------------------------------------------------------
