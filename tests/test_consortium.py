"""Consortium proposals and their curation through the CLI, on the 400-organisation corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matcher.facts import prefectures
from support import SAMPLE, Musubi, json_of, seeded, write_jsonl

THEME = "独居高齢者の見守り"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Musubi:
    """400 seed organisations, indexed; this module's own store."""
    return seeded(tmp_path_factory.mktemp("consortium"))


def test_contract_and_constraints(corpus: Musubi) -> None:
    out = json_of(corpus, "consortium", "--theme", THEME, "--top", "3")
    assert out["query"]["theme"] == THEME and out["query"]["mode"] == "consortium"
    assert len(out["proposals"]) == 3
    for p in out["proposals"]:
        members = p["members"]
        assert {"id", "name", "kind", "role", "prefecture"} <= set(members[0])
        assert len({m["prefecture"] for m in members}) >= 2
        assert len({m["kind"] for m in members}) >= 3
        roles = [m["role"] for m in members]
        assert len(roles) == len(set(roles))  # one member per role
        assert all(m["kind"] in ("company", "startup") for m in members if m["role"] == "industry")
        assert p["prefectures"] == list(dict.fromkeys(m["prefecture"] for m in members))
        e = p["explanation"]
        assert sum(e["contributions"].values()) == pytest.approx(p["score"], abs=1e-3)
        assert [m["id"] for m in e["members"]] == [m["id"] for m in members]
        assert all(m["fit"] > 0 and "matched" in m for m in e["members"])
        ids = {m["id"] for m in members}
        for link in e["links"]:
            assert link["member"] in ids and link["partner"] in ids and link["need"]
        for a, b in e["collaborations"]:
            assert {a, b} <= ids
    scores = [p["score"] for p in out["proposals"]]
    assert scores == sorted(scores, reverse=True)


def test_alternatives_differ_in_at_least_half_their_members(corpus: Musubi) -> None:
    for theme in (THEME, "ドローンで山間部に荷物を届けたい", "観光客の周遊を増やしたい"):
        teams = [
            {m["id"] for m in p["members"]}
            for p in json_of(corpus, "consortium", "--theme", theme, "--top", "4")["proposals"]
        ]
        for i, a in enumerate(teams):
            for b in teams[:i]:
                assert len(a - b) >= len(a) / 2, (theme, a, b)


def test_region_restriction_is_honoured(corpus: Musubi) -> None:
    out = json_of(corpus, "consortium", "--theme", THEME, "--region", "関東", "--region", "中部")
    assert out["proposals"]
    for p in out["proposals"]:
        for m in p["members"]:
            region = prefectures.region_of(prefectures.resolve(m["prefecture"])).key
            assert region in ("kanto", "chubu")
    near = json_of(
        corpus, "consortium", "--theme", THEME, "--prefecture", "長野", "--with-neighbours"
    )
    allowed = {"長野県"} | {
        prefectures.name(c) for c in prefectures.get(prefectures.resolve("長野")).neighbours
    }
    assert all(m["prefecture"] in allowed for p in near["proposals"] for m in p["members"])


def test_asking_for_two_industry_members(corpus: Musubi) -> None:
    out = json_of(
        corpus,
        "consortium",
        "--theme",
        THEME,
        "--role",
        "municipality",
        "--role",
        "industry=2",
        "--role",
        "university",
        "--top",
        "1",
    )
    roles = [m["role"] for m in out["proposals"][0]["members"]]
    assert sorted(roles) == ["industry", "industry", "municipality", "university"]


def test_a_vague_theme_says_which_roles_stayed_empty(corpus: Musubi) -> None:
    out = json_of(corpus, "consortium", "--theme", "よろしくお願いします")
    assert out["proposals"] == []
    empty = {e["role"]: e["reason"] for e in out["empty_roles"]}
    assert "municipality" in empty and "consortium_min_fit" in empty["municipality"]
    assert "no proposal" in out["note"]
    codes = {e["role"]: e["code"] for e in out["empty_roles"]}
    assert codes["municipality"] in ("role_unfit", "role_unfit_vague_theme")
    params = next(e["params"] for e in out["empty_roles"] if e["role"] == "municipality")
    assert params["role"] == "municipality" and params["org"] in empty["municipality"]
    assert [n["code"] for n in out["notices"]][:2] == ["roles_left_empty", "too_few_roles_filled"]
    text = corpus("consortium", "--theme", "よろしくお願いします")
    assert text.exit_code == 0 and "空き: municipality" in text.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--theme", THEME, "--region", "Atlantis"], "unknown region 'Atlantis'"),
        (["--theme", THEME, "--region", "北海道"], "a consortium spans at least 2"),
        (["--theme", THEME, "--prefecture", "福岡"], "is 1 prefecture(s)"),
        (["--theme", "  "], "--theme is empty"),
        (["--theme", THEME, "--top", "0"], "--top 0 is out of range"),
        (["--theme", THEME, "--role", "wizard"], "unknown role 'wizard'"),
        (["--theme", THEME, "--role", "industry", "--role", "startup"], "both take startup"),
        ([], "give --theme"),
    ],
)
def test_bad_input(corpus: Musubi, args: list[str], message: str) -> None:
    result = corpus("consortium", *args, "--json")
    assert result.exit_code == 2, result.output
    assert message in result.stderr and result.stdout == ""


def test_a_region_without_candidates_is_an_error(tmp_path: Path) -> None:
    musubi = Musubi(tmp_path / "home", encoder="hashing")
    musubi("import", str(write_jsonl(tmp_path / "s.jsonl", SAMPLE)))
    musubi("index")
    result = musubi("consortium", "--theme", THEME, "--region", "近畿")
    assert result.exit_code == 2 and "no indexed organisation in" in result.stderr


def test_curation_through_the_cli(corpus: Musubi, tmp_path: Path) -> None:
    assert corpus("consortium", "list").stdout == ""
    no_one = corpus("consortium", "save", "--theme", THEME)
    assert no_one.exit_code == 2 and "--as NAME" in no_one.stderr
    for name in ("tanaka", "suzuki"):
        assert corpus("user", "add", name, "--password-stdin", input="pass-word-1\n").exit_code == 0
    saved = json_of(corpus, "consortium", "save", "--theme", THEME, "--pick", "2", "--as", "tanaka")
    pid = str(saved["id"])
    second = json_of(corpus, "consortium", "--theme", THEME)["proposals"][1]
    assert [m["id"] for m in saved["members"]] == [m["id"] for m in second["members"]]
    industry = next(m["id"] for m in saved["members"] if m["role"] == "industry")
    alts = json_of(corpus, "consortium", "edit", pid, "--alternatives", industry, "--top", "3")
    assert len(alts["alternatives"]) == 3
    assert all(a["kind"] in ("company", "startup") for a in alts["alternatives"])
    assert industry not in {a["id"] for a in alts["alternatives"]}
    pick = alts["alternatives"][0]["id"]
    edit = ["consortium", "edit", pid, "--as", "suzuki"]
    swap = [*edit, "--swap", industry, "--with", pick, "--version", "1"]
    no_reason = corpus(*swap, "--role", "industry")
    assert no_reason.exit_code == 2 and "needs a reason" in no_reason.stderr
    no_role = corpus(*swap, "--reason", "近い")
    assert no_role.exit_code == 2 and "role is required for swap" in no_role.stderr
    swapped = json_of(corpus, *swap, "--role", "industry", "--reason", "近い")
    assert pick in {m["id"] for m in swapped["members"]} and swapped["version"] == 2
    stale = corpus(*edit, "--note", "late", "--version", "1")
    assert stale.exit_code == 2 and "changed by suzuki" in stale.stderr
    status = ["consortium", "status", pid, "--as", "tanaka"]
    bad = corpus(*status, "agreed", "--version", "2", "--reason", "x")
    assert bad.exit_code == 2 and "can move to shortlisted or declined" in bad.stderr
    assert corpus(*status, "shortlisted", "--version", "2").exit_code == 2  # no reason
    assert corpus(*status, "shortlisted", "--version", "2", "--reason", "良い").exit_code == 0
    shown = json_of(corpus, "consortium", "show", pid, "--audit")
    assert shown["status"] == "shortlisted" and shown["version"] == 3
    assert [a["action"] for a in shown["audit"]] == ["saved", "member_swapped", "status_changed"]
    assert [a["actor"] for a in shown["audit"]] == ["tanaka", "suzuki", "tanaka"]
    # A note without --version goes on top of whatever is current: it decides nothing.
    noted = json_of(corpus, *edit, "--note", "来週打診")
    assert noted["notes"][-1]["text"] == "来週打診" and noted["version"] == 4
    out = tmp_path / "m.csv"
    assert corpus("consortium", "export", pid, "--format", "csv", "-o", str(out)).exit_code == 0
    assert out.read_text("utf-8-sig").splitlines()[0].startswith("proposal_id,position,role")
    brief = corpus("consortium", "export", pid, "--format", "md")
    assert brief.exit_code == 0 and "連携宣言" in brief.stdout
    missing = corpus("consortium", "edit", "999", "--note", "x", "--version", "1", "--as", "tanaka")
    assert missing.exit_code == 2 and "no saved proposal #999" in missing.stderr
    listed = corpus("consortium", "list", "--json").stdout.splitlines()
    assert json.loads(listed[0])["status"] == "shortlisted"


def test_batch_and_evaluate_know_the_consortium_mode(corpus: Musubi, tmp_path: Path) -> None:
    best = json_of(corpus, "consortium", "--theme", THEME)["proposals"][0]["members"]
    labels = {m["id"]: 2 for m in best[:-1]}
    queries = write_jsonl(
        tmp_path / "q.jsonl",
        [{"qid": "c", "mode": "consortium", "theme": THEME, "relevant": labels}],
    )
    lines = corpus("match", "batch", str(queries), "--json").stdout.splitlines()
    assert json.loads(lines[0])["proposals"]
    report = json_of(corpus, "evaluate", str(queries))["modes"]["consortium"]
    assert report["queries"] == 1
    assert report["musubi"]["role_precision@1"] == pytest.approx(
        (len(best) - 1) / len(best), abs=1e-3
    )
    assert set(report) == {"queries", "musubi", "bm25", "dense"}
    assert 0 <= report["bm25"]["role_precision@1"] <= 1
    text = corpus("evaluate", str(queries))
    assert "role precision@1" in text.stdout
