"""Consortium proposals and their curation through the CLI, on the 400-organisation corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matcher.facts import prefectures
from matcher.modes.consortium.aspects import MAX_ASPECTS, aspects_of
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
        # One member per role, and beside them members brought in for a task nobody covered.
        roles = [m["role"] for m in members if "added_for" not in m["evidence"]]
        assert len(roles) == len(set(roles))
        assert all(m["kind"] in ("company", "startup") for m in members if m["role"] == "industry")
        assert p["prefectures"] == list(dict.fromkeys(m["prefecture"] for m in members))
        e = p["explanation"]
        assert sum(e["contributions"].values()) == pytest.approx(p["score"], abs=1e-3)
        assert [m["id"] for m in e["members"]] == [m["id"] for m in members]
        assert all(m["fit"] > 0 and "matched" in m for m in e["members"])
        for m in members:  # evidence is something a member says, never its bare name
            assert m["evidence"]["matched"] not in ("", m["name"]), m
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


def test_a_vague_theme_says_so_instead_of_guessing(corpus: Musubi) -> None:
    out = json_of(corpus, "consortium", "--theme", "よろしくお願いします")
    assert out["proposals"] == []
    assert [n["code"] for n in out["notices"]] == ["vague_theme"]
    assert "no proposal" in out["note"] and "what, for whom, where" in out["note"]
    text = corpus("consortium", "--theme", "よろしくお願いします")
    assert text.exit_code == 0 and "no proposal" in text.stdout


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
    produced = shown["audit"][0]["details"]["produced_by"]  # a decision traceable months later
    assert produced["encoder"].startswith("lexical") and produced["store_generation"] >= 1
    assert produced["index_texts"] > 400 and set(produced["consortium_weights"]) >= {"coverage"}
    assert "ranking_model" in produced
    # A note without --version goes on top of whatever is current: it decides nothing.
    noted = json_of(corpus, *edit, "--note", "来週打診")
    assert noted["notes"][-1]["text"] == "来週打診" and noted["version"] == 4
    out = tmp_path / "m.csv"
    assert corpus("consortium", "export", pid, "--format", "csv", "-o", str(out)).exit_code == 0
    assert out.read_text("utf-8-sig").splitlines()[0].startswith("proposal_id,position,role")
    brief = corpus("consortium", "export", pid, "--format", "md")
    assert brief.exit_code == 0 and "連携宣言" in brief.stdout
    assert "| 役割 | プロジェクトでの役割 |" in brief.stdout
    municipality = next(m for m in swapped["members"] if m["kind"] == "municipality")
    assert f"{municipality['name']}(実証フィールド)" in brief.stdout  # in the declaration too
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
    assert "role prec@1" in text.stdout


def test_evaluate_reads_role_lists_and_hand_labelled_aspects(corpus: Musubi, tmp_path: Path):
    """The format of hand-written sets: good members listed per kind, and aspects each with the
    organisations that cover them; coverage is pooled over the aspects someone covers."""
    first = json_of(corpus, "consortium", "--theme", THEME)["proposals"][0]["members"]
    team = {m["id"] for m in first}
    listed = corpus("list", "--kind", "startup", "--json").stdout.splitlines()
    outsider = next(o["id"] for o in map(json.loads, listed) if o["id"] not in team)
    roles = {first[0]["kind"]: [first[0]["id"]], "startup": [outsider]}
    aspects = [
        {"label": "covered", "covered_by": [first[0]["id"], outsider]},
        {"label": "elsewhere", "covered_by": [outsider]},
        {"label": "nobody", "covered_by": []},
    ]
    line = {"qid": "x", "mode": "consortium", "theme": THEME, "roles": roles, "aspects": aspects}
    queries = write_jsonl(tmp_path / "x.jsonl", [line])
    report = json_of(corpus, "evaluate", str(queries))["modes"]["consortium"]
    musubi = report["musubi"]
    assert musubi["role_precision@1"] == pytest.approx(1 / len(first), abs=1e-3)
    assert musubi["with_proposal"] == 1.0 and musubi["constraints_kept"] == 1.0
    assert musubi["aspect_coverage"] == 0.5 and musubi["aspects"] == 2
    assert {"aspect_coverage", "with_proposal", "constraints_kept"} <= set(report["dense"])
    bad = write_jsonl(tmp_path / "bad.jsonl", [{**line, "aspects": "見守り"}])
    failed = corpus("evaluate", str(bad))
    assert failed.exit_code != 0 and "line 1 (x)" in failed.stderr and "aspects" in failed.stderr


def test_a_financial_institution_funds_the_consortium(corpus: Musubi) -> None:
    """金 of 産官学金: with financial institutions in the store, the 金 role takes one, and its
    part in the project is 資金; a team without one stays valid."""
    out = json_of(
        corpus,
        "consortium",
        *("--theme", THEME, "--role", "municipality", "--role", "industry"),
        *("--role", "financial", "--top", "1"),
    )
    members = out["proposals"][0]["members"]
    bank = next(m for m in members if m["role"] == "financial")
    assert bank["kind"] == "financial_institution" and bank["id"].startswith("fi-")
    assert bank["project_role"] == "funding" and bank["project_role_label"] == "資金"
    plain = json_of(
        corpus,
        "consortium",
        "--theme",
        THEME,
        "--role",
        "municipality",
        "--role",
        "industry",
        "--role",
        "university",
        "--top",
        "1",
    )
    assert {m["kind"] for m in plain["proposals"][0]["members"]}.isdisjoint(
        {"financial_institution"}
    )


@pytest.mark.parametrize("spelling", ["金融機関", "銀行", "信金", "financial_institution"])
def test_financial_institutions_import_under_their_other_names(
    tmp_path: Path, spelling: str
) -> None:
    bank = {
        "id": "fi-001",
        "kind": spelling,
        "name": "翠嶺信用金庫",
        "prefecture": "新潟",
        "description": "地元の中小企業と創業者への融資に力を入れる信用金庫です。",
        "offers": [{"title": "創業融資", "description": "創業時の設備資金を融資します。"}],
    }
    musubi = Musubi(tmp_path, encoder="hashing")
    assert musubi("import", str(write_jsonl(tmp_path / "b.jsonl", [bank]))).exit_code == 0
    listed = musubi("list", "--kind", "financial_institution", "--json").stdout.splitlines()
    assert [json.loads(line)["id"] for line in listed] == ["fi-001"]


def test_a_theme_is_read_as_its_aspects() -> None:
    theme = (
        "中山間地域で一人暮らしの高齢者が住み慣れた家で暮らし続けられるよう、"
        "日々の見守り・受診・買い物を支えるサービスを組み合わせて提供する。秋田・島根の町で試す"
    )
    aspects = aspects_of(theme)
    labels = [a.label for a in aspects]
    assert {"見守り", "受診", "買い物"} <= set(labels)
    tasks = {a.label: a for a in aspects if a.kind == "task"}
    assert "受診" in tasks["受診"].text and "支える" in tasks["受診"].text  # read in its context
    place = next(a for a in aspects if a.kind == "place")
    assert set(place.prefectures) == {prefectures.resolve("秋田"), prefectures.resolve("島根")}
    assert any(a.kind == "group" and "高齢者" in a.label for a in aspects)
    assert aspects_of("") == () and len(aspects_of("見守り。" * 5000)) <= MAX_ASPECTS
    english = aspects_of("Watching over elderly people living alone, and helping them shop")
    assert english and all(a.kind == "task" for a in english)


def test_every_proposal_says_who_covers_each_aspect_and_what_is_missing(corpus: Musubi) -> None:
    theme = "独居高齢者の見守り・買い物支援・通院の送迎を組み合わせる"
    out = json_of(corpus, "consortium", "--theme", theme, "--top", "2")
    assert [a["label"] for a in out["aspects"]][:3] == ["見守り", "買い物支援", "通院"]
    for p in out["proposals"]:
        ids = {m["id"] for m in p["members"]}
        roles = {m["role"] for m in p["members"] if "added_for" not in m["evidence"]}
        e = p["explanation"]
        assert [a["key"] for a in e["aspects"]] == [a["key"] for a in out["aspects"]]
        for a in e["aspects"]:
            assert a["member"] in ids if a["covered"] else "member" not in a
        missing = e["missing"]
        assert missing["aspects"] == [
            a["label"] for a in e["aspects"] if not a["covered"] and a["kind"] != "place"
        ]
        assert missing["weak_members"] == [m["id"] for m in p["members"] if "flags" in m]
        tasks = {a["label"] for a in out["aspects"] if a["kind"] == "task"}
        for m in p["members"]:
            assert m["project_role"] and m["project_role_label"]
            if m["kind"] == "municipality":  # where a task is tried, not who does it
                assert (
                    not tasks & set(m["evidence"].get("covers", ()))
                    and "added_for" not in m["evidence"]
                )
            if "added_for" in m["evidence"]:
                assert m["role"] in roles and m["evidence"]["added_for"] in m["evidence"]["covers"]
            if "weak" in m["evidence"]:
                assert (
                    m["evidence"]["weak"]["code"] == "weak_member"
                    and m["id"] in (m["evidence"]["weak"]["reason"])
                )


def _org(ext: str, kind: str, name: str, pref: str, offer: tuple[str, str] = ("", "")) -> dict:
    record = {
        "id": ext,
        "kind": kind,
        "name": name,
        "prefecture": pref,
        "description": f"{name}は森林の間伐とドローン計測に取り組んでいます。",
        "tags": ["森林", "間伐", "ドローン"],
    }
    if offer[0]:
        record["offers"] = [{"title": offer[0], "description": offer[1]}]
    else:
        record["needs"] = [
            {"title": "間伐の効率化", "description": "森林の間伐をドローン計測で効率化したい。"}
        ]
    return record


def test_project_roles_follow_what_members_offer_not_their_kind(tmp_path: Path) -> None:
    """A university that provides the field and a company that evaluates: the part each plays
    is read from its offers; a municipality is the field, a bank the funding."""
    records = [
        _org("mu-1", "municipality", "森野町", "高知"),
        _org(
            "un-1",
            "university",
            "山里大学",
            "愛媛",
            (
                "演習林を実証フィールドとして提供",
                "森林の間伐とドローン計測の実証の場に演習林を提供します。",
            ),
        ),
        _org(
            "co-1",
            "company",
            "森林検査株式会社",
            "徳島",
            (
                "間伐の効果検証と評価試験",
                "ドローン計測による森林の間伐の効果を第三者として評価・検証します。",
            ),
        ),
        _org(
            "st-1",
            "startup",
            "株式会社モリドローン",
            "香川",
            (
                "森林のドローン計測システム",
                "ドローンで森林を計測し、間伐の計画を効率化するシステムです。",
            ),
        ),
        _org(
            "fi-1",
            "信金",
            "森野信用金庫",
            "高知",
            ("森林の間伐事業への融資", "森林の間伐とドローン計測の事業に設備資金を融資します。"),
        ),
    ]
    musubi = Musubi(tmp_path, encoder="hashing")
    assert musubi("import", str(write_jsonl(tmp_path / "f.jsonl", records))).exit_code == 0
    assert musubi("index").exit_code == 0
    theme = "森林の間伐をドローン計測で効率化し、その効果を検証する"
    roles = ("municipality", "company", "startup", "university", "financial")
    asked = [arg for role in roles for arg in ("--role", role)]
    # Five kinds asked for: in a corpus of five on-theme profiles, fits read against them all
    # are low, and only a team that needs every member keeps them all.
    result = json_of(
        musubi, "consortium", "--theme", theme, *asked, "--min-kinds", "5", "--top", "1"
    )
    members = result["proposals"][0]
    parts = {m["id"]: m["project_role"] for m in members["members"]}
    assert parts == {
        "mu-1": "field",
        "un-1": "field",
        "co-1": "evaluation",
        "st-1": "technology",
        "fi-1": "funding",
    }


def test_train_from_curation_learns_the_team_weights_from_member_changes(tmp_path: Path) -> None:
    musubi = seeded(tmp_path / "home", size=200)
    assert musubi("user", "add", "sato", "--password-stdin", input="pass-word-1\n").exit_code == 0
    none_yet = musubi("train", "--from-curation")
    assert (
        none_yet.exit_code == 2 and "nothing to learn from: 0 member change(s)" in none_yet.stderr
    )
    saved = json_of(musubi, "consortium", "save", "--theme", THEME, "--as", "sato")
    pid = str(saved["id"])
    industry = next(m["id"] for m in saved["members"] if m["role"] == "industry")
    alts = json_of(musubi, "consortium", "edit", pid, "--alternatives", industry, "--top", "5")
    pick = alts["alternatives"][-1]["id"]  # the coordinator prefers one shown lower
    edit = ["consortium", "edit", pid, "--as", "sato", "--swap", industry, "--with", pick]
    assert musubi(*edit, "--role", "industry", "--version", "1", "--reason", "近い").exit_code == 0
    trained = json_of(musubi, "train", "--from-curation")
    assert trained["decisions"] == 1 and trained["declined"] == 0
    weights = trained["weights"]
    assert set(weights) == {
        "theme_fit",
        "coverage",
        "complementarity",
        "collaboration",
        "proximity",
    }
    assert all(w >= 0 for w in weights.values())
    assert sum(weights.values()) == pytest.approx(2.8, abs=1e-3)
    unlearned = {"theme_fit": 1.0, "coverage": 1.0, "complementarity": 0.5}
    assert any(abs(weights[k] - v) > 1e-3 for k, v in unlearned.items())  # the swap moved them
    model = json.loads(Path(trained["model"]).read_text("utf-8"))
    assert model["modes"]["consortium"]["features"] == weights
    used = json_of(musubi, "consortium", "--theme", THEME)["provenance"]
    assert used["consortium_weights"] == weights  # the team search now uses them
    assert musubi("train", "--from-curation", "x.jsonl").exit_code == 2
