"""Curation on SQLite and PostgreSQL: lifecycle, audit log, optimistic locking, exports."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from matcher.curation import export, proposals, workflow
from matcher.modes.consortium.results import ConsortiumQuery, Member, Proposal, TeamExplanation
from matcher.ranking.explain import Link
from matcher.store.accounts import UnknownCoordinator, create_coordinator
from matcher.store.models import AuditEntry, ProposalMember
from matcher.store.session import Store

QUERY = ConsortiumQuery("独居高齢者の見守り")


def _member(ext: str, kind: str, role: str, pref: int, name: str | None = None) -> Member:
    return Member(
        ext, name or f"{ext} 名称", kind, role, pref, 0.7, "見守り", "offer", 0.6, ("見守り",)
    )


def _proposal(*members: Member) -> Proposal:
    members = members or (
        _member("mu-1", "municipality", "municipality", 1),
        _member("st-1", "startup", "industry", 40),
        _member("un-1", "university", "university", 4),
    )
    links = (Link("need→offer", "member", "mu-1", "見守り", "st-1", "センサー", 0.5),)
    explanation = TeamExplanation(
        {"theme_fit": 0.7}, {"theme_fit": 0.7}, links, (("mu-1", "st-1"),)
    )
    return Proposal(1.2, members, explanation)


@pytest.fixture
def saved(store: Store) -> proposals.ProposalView:
    create_coordinator(store, "tanaka", "password-1")
    create_coordinator(store, "suzuki", "password-2")
    return proposals.save_proposal(store, QUERY, _proposal(), actor="tanaka", reason="有望")


def _audit(store: Store, pid: int) -> list[str]:
    return [a.action for a in proposals.audit_log(store, pid)]


def test_full_lifecycle_with_an_audit_entry_per_change(store: Store, saved) -> None:  # noqa: ANN001
    pid = saved.id
    assert (saved.status, saved.version, [m.id for m in saved.members]) == (
        "proposed",
        1,
        ["mu-1", "st-1", "un-1"],
    )
    v = proposals.swap_member(
        store,
        pid,
        "st-1",
        _member("co-9", "company", "industry", 13),
        version=1,
        actor="suzuki",
        reason="実績重視",
    )
    v = proposals.remove_member(
        store, pid, "un-1", version=v.version, actor="tanaka", reason="辞退"
    )
    v = proposals.add_member(
        store,
        pid,
        _member("ri-2", "research_institute", "research_institute", 7),
        version=v.version,
        actor="tanaka",
        reason="研究機関が必要",
    )
    v = proposals.add_note(store, pid, "来週に打診", version=v.version, actor="suzuki")
    for status in ("shortlisted", "contacted", "agreed"):
        v = proposals.change_status(
            store, pid, status, version=v.version, actor="tanaka", reason="ok"
        )
    assert (v.status, v.version) == ("agreed", 8)
    assert [m.id for m in v.members] == ["mu-1", "co-9", "ri-2"]
    assert v.notes[0].text == "来週に打診" and v.notes[0].author == "suzuki"
    log = proposals.audit_log(store, pid)
    assert [a.action for a in log] == [
        "saved",
        "member_swapped",
        "member_removed",
        "member_added",
        "note_added",
        "status_changed",
        "status_changed",
        "status_changed",
    ]
    assert [a.version for a in log] == list(range(1, 9))
    assert log[1].actor == "suzuki" and log[1].reason == "実績重視"
    assert log[1].details["removed"]["id"] == "st-1" and log[1].details["added"]["id"] == "co-9"
    assert log[-1].details == {"from": "contacted", "to": "agreed"}
    assert all(a.at is not None for a in log)
    # agreed is final for members, and can only be reopened
    with pytest.raises(workflow.CurationError, match="reopen it"):
        proposals.remove_member(store, pid, "mu-1", version=8, actor="tanaka", reason="x")
    with pytest.raises(workflow.InvalidTransition, match="can move to proposed"):
        proposals.change_status(store, pid, "declined", version=8, actor="tanaka", reason="x")
    v = proposals.change_status(store, pid, "proposed", version=8, actor="tanaka", reason="再検討")
    assert v.status == "proposed"
    assert [s.id for s in proposals.list_proposals(store, "proposed")] == [pid]
    assert proposals.list_proposals(store, "agreed") == ()


def test_stale_version_conflicts_and_nothing_is_half_saved(store: Store, saved) -> None:  # noqa: ANN001
    pid = saved.id
    first = proposals.get_proposal(store, pid)
    second = proposals.get_proposal(store, pid)
    assert first.version == second.version == 1
    proposals.remove_member(store, pid, "un-1", version=first.version, actor="tanaka", reason="a")
    with pytest.raises(proposals.ConflictError, match="changed by tanaka") as caught:
        proposals.swap_member(
            store,
            pid,
            "st-1",
            _member("co-9", "company", "industry", 13),
            version=second.version,
            actor="suzuki",
            reason="b",
        )
    assert caught.value.current == 2 and caught.value.expected == 1
    assert caught.value.code == "conflict"
    assert {k: caught.value.params[k] for k in ("proposal", "by", "current", "expected")} == {
        "proposal": pid,
        "by": "tanaka",
        "current": 2,
        "expected": 1,
    }
    after = proposals.get_proposal(store, pid)
    assert after.version == 2 and [m.id for m in after.members] == ["mu-1", "st-1"]
    assert _audit(store, pid) == ["saved", "member_removed"]


def test_a_failing_change_rolls_back_the_version_bump(store: Store, saved) -> None:  # noqa: ANN001
    with pytest.raises(workflow.InvalidTransition, match="not to agreed"):
        proposals.change_status(store, saved.id, "agreed", version=1, actor="tanaka", reason="x")
    with pytest.raises(workflow.CurationError, match="cannot take the role"):
        proposals.add_member(
            store,
            saved.id,
            _member("co-1", "company", "university", 1),
            version=1,
            actor="tanaka",
            reason="x",
        )
    with pytest.raises(workflow.CurationError, match="already a member"):
        proposals.add_member(
            store,
            saved.id,
            _member("st-1", "startup", "industry", 40),
            version=1,
            actor="tanaka",
            reason="x",
        )
    with pytest.raises(workflow.CurationError, match="not a member"):
        proposals.remove_member(store, saved.id, "zz-1", version=1, actor="tanaka", reason="x")
    view = proposals.get_proposal(store, saved.id)
    assert (view.version, view.status, len(view.members)) == (1, "proposed", 3)
    assert _audit(store, saved.id) == ["saved"]


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_every_decision_needs_a_reason(store: Store, saved, reason) -> None:  # noqa: ANN001
    with pytest.raises(workflow.CurationError, match="needs a reason"):
        proposals.change_status(
            store, saved.id, "shortlisted", version=1, actor="tanaka", reason=reason
        )
    with pytest.raises(workflow.CurationError, match="needs a reason"):
        proposals.remove_member(store, saved.id, "un-1", version=1, actor="tanaka", reason=reason)
    assert proposals.get_proposal(store, saved.id).version == 1


def test_errors_carry_a_code_and_the_values_they_quote(store: Store, saved) -> None:  # noqa: ANN001
    """What the web says in the page's language; the English message stays the CLI's."""

    def caught(call, *args, **kwargs) -> workflow.CurationError:  # noqa: ANN001
        with pytest.raises(workflow.CurationError) as error:
            call(store, saved.id, *args, version=1, actor="tanaka", **kwargs)
        return error.value

    moved = caught(proposals.change_status, "agreed", reason="x")
    assert (moved.code, moved.params) == (
        "invalid_transition",
        {
            "proposal": saved.id,
            "status": "proposed",
            "allowed": ("shortlisted", "declined"),
            "to": "agreed",
        },
    )
    assert caught(proposals.change_status, "done", reason="x").params["value"] == "done"
    assert caught(proposals.change_status, "agreed", reason=" ").code == "reason_required"
    assert caught(proposals.add_note, " ").code == "empty_note"
    long = caught(proposals.add_note, "x" * (workflow.MAX_NOTE + 1))
    assert (long.code, long.params["field"]) == ("too_long", "note")
    mismatch = caught(proposals.add_member, _member("co-1", "company", "university", 1), reason="x")
    assert (mismatch.code, mismatch.params["role"]) == ("role_kind_mismatch", "university")
    twice = caught(proposals.add_member, _member("st-1", "startup", "industry", 40), reason="x")
    assert (twice.code, twice.params) == ("already_a_member", {"org": "st-1", "proposal": saved.id})
    assert caught(proposals.remove_member, "zz-1", reason="x").code == "not_a_member"
    with pytest.raises(proposals.ProposalNotFound) as missing:
        proposals.get_proposal(store, 999)
    assert (missing.value.code, missing.value.params) == ("proposal_not_found", {"id": 999})


def test_missing_proposal_unknown_status_and_unknown_actor(store: Store, saved) -> None:  # noqa: ANN001
    with pytest.raises(proposals.ProposalNotFound, match="no saved proposal #999"):
        proposals.remove_member(store, 999, "un-1", version=1, actor="tanaka", reason="x")
    with pytest.raises(proposals.ProposalNotFound):
        proposals.get_proposal(store, 999)
    with pytest.raises(workflow.CurationError, match="unknown status 'done'"):
        proposals.change_status(store, saved.id, "done", version=1, actor="tanaka", reason="x")
    with pytest.raises(UnknownCoordinator, match="musubi user add mallory"):
        proposals.add_note(store, saved.id, "hi", version=1, actor="mallory")
    with store.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 1
        assert session.scalar(sa.select(sa.func.count()).select_from(ProposalMember)) == 3


def test_exports(store: Store, tmp_path: Path) -> None:
    create_coordinator(store, "tanaka", "password-1")
    hostile = _member("st-6", "startup", "industry", 40, name='<script>alert("x")</script>株式会社')
    view = proposals.save_proposal(
        store,
        QUERY,
        _proposal(
            _member("mu-1", "municipality", "municipality", 1),
            hostile,
            _member("un-1", "university", "university", 4),
        ),
        actor="tanaka",
    )
    out = tmp_path / "members.csv"
    export.write_export(view, "csv", out)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["id"] for r in rows] == ["mu-1", "st-6", "un-1"]
    assert rows[0]["prefecture"] == "北海道" and rows[0]["role_label"] == "自治体"
    page = export.write_export(view, "html", tmp_path / "brief.html")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert (tmp_path / "brief.html").read_text("utf-8") == page
    md = export.render(view, "md")
    assert "独居高齢者の見守り" in md and "連携宣言" in md and "北海道" in md and "福岡県" in md
    data = json.loads(export.render(view, "json", proposals.audit_log(store, view.id)))
    assert data["audit"][0]["action"] == "saved" and data["members"][1]["name"].startswith("<")
    assert not list(tmp_path.glob("*.tmp"))
    with pytest.raises(workflow.CurationError, match="unknown format"):
        export.render(view, "pdf")


def _no_matcher():  # noqa: ANN202
    raise AssertionError("a request refused at the boundary must not load the index")


@pytest.mark.parametrize(
    ("action", "values", "code"),
    [
        ("promote", {"member": "st-1"}, "unknown_action"),
        (None, {}, "unknown_action"),
        ("remove", {}, "org_required"),
        ("remove", {"member": "co-404"}, "not_a_member"),
        ("swap", {"member": "st-1"}, "org_required"),
        ("swap", {"member": "co-404", "org": "co-9", "role": "industry"}, "not_a_member"),
        ("add", {"member": None}, "org_required"),
        ("add", {"org": "co-9"}, "role_required"),
        ("swap", {"member": "st-1", "org": "co-9", "role": ""}, "role_required"),
    ],
)
def test_edit_member_refuses_before_measuring_anyone(
    store: Store, saved, action, values, code
) -> None:  # noqa: ANN001, E501
    with pytest.raises(workflow.CurationError) as error:
        proposals.edit_member(
            store, _no_matcher, saved.id, action, version=1, actor="suzuki", reason="理由", **values
        )
    assert error.value.code == code
    assert proposals.get_proposal(store, saved.id).version == 1


def test_edit_member_removes_without_the_index_and_asks_a_reason_first(store: Store, saved) -> None:  # noqa: ANN001, E501
    with pytest.raises(workflow.CurationError, match="removing a member needs a reason"):
        proposals.edit_member(
            store,
            _no_matcher,
            saved.id,
            "remove",
            member="un-1",
            version=1,
            actor="suzuki",
            reason="",
        )
    view = proposals.edit_member(
        store,
        _no_matcher,
        saved.id,
        "remove",
        member="un-1",
        version=1,
        actor="suzuki",
        reason="辞退",
    )
    assert [m.id for m in view.members] == ["mu-1", "st-1"] and view.version == 2
    assert _audit(store, saved.id)[-1] == "member_removed"


def test_a_saved_member_reads_back_as_the_member_that_joined(store: Store, saved) -> None:  # noqa: ANN001
    joined = _member("st-1", "startup", "industry", 40)
    back = next(m for m in proposals.get_proposal(store, saved.id).members if m.id == "st-1")
    assert back == joined
    assert back.to_json() == joined.to_json()
