"""Match modes end to end through the CLI: contracts, filters, explanations, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matcher.facts import prefectures
from support import SAMPLE, Musubi, json_of, seeded, write_jsonl

ROLES_OF = {"startup", "company"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Musubi:
    """400 seed organisations, indexed; this module's own store."""
    return seeded(tmp_path_factory.mktemp("corpus"))


def _first_municipality_with(corpus: Musubi, predicate) -> dict:  # noqa: ANN001
    for line in corpus(
        "list", "--kind", "municipality", "--limit", "500", "--json"
    ).stdout.splitlines():
        record = json.loads(line)
        if predicate(record):
            return record
    raise AssertionError("no such municipality in the corpus")


def corpus_records(corpus: Musubi) -> list[dict]:
    """Every organisation of the corpus, as `musubi list --json` gives them."""
    lines = corpus("list", "--limit", "5000", "--json").stdout.splitlines()
    return [json.loads(line) for line in lines]


def test_procurement_contract(corpus: Musubi) -> None:
    out = json_of(corpus, "match", "procurement", "--text", "独居高齢者の見守り", "--top", "5")
    assert out["query"]["text"] == "独居高齢者の見守り"
    assert 1 <= len(out["results"]) <= 5
    for item in out["results"]:
        assert item["kind"] in ROLES_OF
        assert prefectures.resolve(item["prefecture"])  # a kanji name
        e = item["explanation"]
        assert set(e["features"]) == set(e["contributions"])
        assert sum(e["contributions"].values()) == pytest.approx(item["score"], abs=1e-3)
        # A pair is shown only when it is one: a real offer that shares a term or means the same.
        for link in e["links"]:
            assert link["relation"] == "need→offer" and link["source"] and link["target"]
            assert link["target"] != item["name"]
    assert any(r["explanation"]["links"] for r in out["results"])
    scores = [r["score"] for r in out["results"]]
    assert len(set(r["id"] for r in out["results"])) == len(scores)


def test_procurement_filters_are_applied(corpus: Musubi) -> None:
    text = "ドローンで山間部に荷物を届けたい"
    for args, check in [
        (("--prefecture", "北海道"), lambda r: r["prefecture"] == "北海道"),
        (
            ("--region", "九州"),
            lambda r: (
                prefectures.region_of(prefectures.resolve(r["prefecture"])).key == "kyushu_okinawa"
            ),
        ),
        (("--kind", "university"), lambda r: r["kind"] == "university"),
    ]:
        out = json_of(corpus, "match", "procurement", "--text", text, *args)
        assert out["results"], args
        assert all(check(r) for r in out["results"]), args


def test_procurement_from_a_stored_need_gives_route_hints(corpus: Musubi) -> None:
    mu = _first_municipality_with(
        corpus,
        lambda r: any(
            n.get("trial_order") and 0 < n.get("budget_jpy", 0) <= 5_000_000 for n in r["needs"]
        ),
    )
    k = next(
        i
        for i, n in enumerate(mu["needs"])
        if n.get("trial_order") and 0 < n.get("budget_jpy", 0) <= 5_000_000
    )
    # --need counts from 1, as `musubi show` numbers the needs; JSON keeps the index.
    out = json_of(corpus, "match", "procurement", "--org", mu["id"], "--need", str(k + 1))
    assert out["query"]["need"] == k
    assert mu["id"] not in {r["id"] for r in out["results"]}
    suppliers = {r["id"]: r for r in corpus_records(corpus)}
    for item in out["results"]:
        e = item["explanation"]
        assert all(link["source"] == mu["needs"][k]["title"] for link in e["links"])
        routes = {h["route"]: h for h in e["route_hints"]}
        # トライアル発注 says more than the need's own flag: a startup or a small firm.
        supplier = suppliers[item["id"]]
        small = supplier["kind"] == "startup" or supplier.get("employees", 10**6) <= 300
        assert ("trial_order" in routes) == small
        if small:
            assert supplier["name"] in routes["trial_order"]["reason"]
        # 随意契約 only on the buyer's own prefecture's certification, and says whose it is.
        own = any(
            isinstance(c, dict) and c["issuer"] == mu["prefecture"]
            for c in supplier.get("certifications", [])
        )
        assert ("negotiated_contract" in routes) == own
        if own:
            hint = routes["negotiated_contract"]
            assert "167条の2" in hint["basis"] and mu["prefecture"] in hint["reason"]
            assert hint["applies"] is True
        assert "distance_km" in e["facts"]


def test_diversification_keeps_one_prefecture_from_filling_the_list(corpus: Musubi) -> None:
    out = json_of(
        corpus, "match", "procurement", "--text", "行政手続きのオンライン化", "--top", "10"
    )
    places = [r["prefecture"] for r in out["results"]]
    assert max(places.count(p) for p in places) <= 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--org", "zz-404"], "no organisation with id or name 'zz-404'"),
        (["--org", "mu-00001", "--need", "99"], "need 99 is out of range"),
        (["--text", "   "], "--text is empty"),
        (["--text", "除雪", "--top", "0"], "--top 0 is out of range"),
        (["--text", "除雪", "--top", "10000"], "--top 10000 is out of range"),
        (["--text", "除雪", "--prefecture", "Atlantis"], "unknown prefecture 'Atlantis'"),
        (["--text", "除雪", "--region", "沖縄"], "沖縄"),
        (["--need", "1"], "--need needs --org"),
        (["--org", "co-00001"], "has no needs"),
    ],
)
def test_procurement_bad_input(corpus: Musubi, args: list[str], message: str) -> None:
    result = corpus("match", "procurement", *args, "--json")
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert result.stdout == ""


def test_a_50_kb_text_is_answered(corpus: Musubi) -> None:
    out = json_of(
        corpus, "match", "procurement", "--text", "除雪の担い手不足。" * 5000, "--top", "3"
    )
    assert len(out["results"]) == 3


def test_a_filter_that_leaves_nothing_says_why(tmp_path: Path, sample_file: Path) -> None:
    musubi = Musubi(tmp_path / "home", encoder="hashing")
    musubi("import", str(sample_file))
    musubi("index")
    # The sample's only startup is in 福岡県: no startup in 沖縄県 can be proposed.
    out = json_of(
        musubi,
        "match",
        "procurement",
        "--text",
        "除雪",
        "--kind",
        "startup",
        "--prefecture",
        "沖縄県",
    )
    assert out["results"] == []
    assert "no candidates" in out["note"] and "--prefecture" in out["note"]


def test_suppliers_that_barely_fit_are_flagged_and_the_list_says_so(corpus: Musubi) -> None:
    # Snow removal among Okinawa's suppliers: whoever is there ranks, and nobody does it.
    out = json_of(corpus, "match", "procurement", "--text", "除雪", "--prefecture", "沖縄")
    assert out["results"]
    weak = [r for r in out["results"] if "weak_fit" in r["explanation"]["flags"]]
    assert 2 * len(weak) >= len(out["results"])
    for r in weak:
        # Without a model for this encoder, strength reads the relative fit alone.
        assert r["explanation"]["facts"]["relative_fit"] < 0.1
        assert r["explanation"]["facts"]["strength_label"] == "weak"
    if len(weak) == len(out["results"]):
        expected = [{"code": "nothing_fits", "params": {"shown": len(out["results"])}}]
    else:
        expected = [
            {"code": "weak_fits", "params": {"weak": len(weak), "shown": len(out["results"])}}
        ]
    assert out["notices"] == expected
    assert "--prefecture" in out["note"]
    text = corpus("match", "procurement", "--text", "除雪", "--prefecture", "沖縄").stdout
    assert "課題との関連が弱い" in text  # the flag
    assert text.splitlines()[0] == out["note"]  # what is true of the list comes first
    # Nationwide the same challenge finds suppliers that do it: the best is not flagged.
    out = json_of(corpus, "match", "procurement", "--text", "除雪")
    best = out["results"][0]["explanation"]
    assert best["flags"] == [] and best["facts"]["relative_fit"] >= 0.1
    assert "notices" not in out


def assert_strength_reads_relative_fit(explanation: dict) -> None:
    """The default calibration (no model for the encoder): weak under a relative fit of 0.1,
    strong from 0.3, the weak ones flagged."""
    facts = explanation["facts"]
    fit, label = facts["relative_fit"], facts["strength_label"]
    assert label == ("weak" if fit < 0.1 else "medium" if fit < 0.3 else "strong"), facts
    assert ("weak_fit" in explanation["flags"]) == (label == "weak")


def test_partners_are_of_another_kind_elsewhere_and_two_sided(corpus: Musubi) -> None:
    out = json_of(corpus, "match", "partners", "--org", "un-00001", "--top", "8")
    origin = json.loads(corpus("show", "un-00001", "--json").stdout)
    assert out["results"]
    for item in out["results"]:
        assert item["kind"] != "university"
        assert item["prefecture"] != origin["prefecture"]
        e = item["explanation"]
        gains = {link["gains"] for link in e["links"]}
        assert gains == {"origin", "candidate"}
        cross = e["facts"]["sector"] != e["facts"]["origin_sector"]
        assert e["features"]["cross_sector"] == float(cross)
        # Without a model for this encoder, strength reads the relative fit alone.
        assert_strength_reads_relative_fit(e)
    relaxed = json_of(
        corpus,
        "match",
        "partners",
        "--org",
        "un-00001",
        "--same-kind",
        "--same-prefecture",
        "--top",
        "30",
    )
    assert len(relaxed["results"]) >= len(out["results"])


def test_past_partners_are_flagged_and_left_out_on_request(tmp_path: Path) -> None:
    musubi = Musubi(tmp_path / "home", encoder="hashing")
    records = [dict(r) for r in SAMPLE]
    records[1] = dict(records[1], needs=[{"title": "積雪地での実証フィールド"}])
    records.append(
        dict(
            SAMPLE[1],
            id="st-002",
            name="株式会社ユキミマモリ",
            collaborations=[],
            prefecture="沖縄県",
        )
    )
    musubi("import", str(write_jsonl(tmp_path / "s.jsonl", records)))
    musubi("index")
    out = json_of(musubi, "match", "partners", "--org", "mu-001", "--top", "5")
    ids = [r["id"] for r in out["results"]]
    assert "st-001" in ids and "st-002" in ids
    known = next(r for r in out["results"] if r["id"] == "st-001")
    assert "collaborated_before" in known["explanation"]["flags"]
    assert "collaborated_before" not in out["results"][ids.index("st-002")]["explanation"]["flags"]
    new_only = json_of(musubi, "match", "partners", "--org", "mu-001", "--new-only", "--top", "5")
    assert "st-002" in [r["id"] for r in new_only["results"]]
    assert "st-001" not in [r["id"] for r in new_only["results"]]


def test_partners_read_the_kind_of_partner_a_need_asks_for(tmp_path: Path) -> None:
    musubi = Musubi(tmp_path / "home", encoder="hashing")
    leak = "配水管の漏水を圧力と流量のデータから見つける"
    records = [
        {
            "id": "ri-001",
            "kind": "research_institute",
            "name": "漏水研究センター",
            "prefecture": "長野県",
            "description": f"{leak}研究をしています。",
            "offers": [{"title": "漏水検知アルゴリズム", "description": leak}],
            "needs": [{"title": "漏水検知の実証に協力いただける自治体の募集"}],
        },
        {
            "id": "mu-002",
            "kind": "municipality",
            "name": "水辺町 上下水道課",
            "prefecture": "静岡県",
            "description": "老朽化した配水管の漏水が課題です。",
            "needs": [{"title": "配水管の漏水の早期発見", "description": leak}],
        },
        {
            "id": "st-002",
            "kind": "startup",
            "name": "株式会社ミズミチ",
            "prefecture": "愛媛県",
            "description": "漏水検知センサーの会社です。",
            "offers": [{"title": "漏水検知センサー", "description": leak}],
            "needs": [{"title": "配水管の漏水検知の実証フィールド", "description": leak}],
        },
    ]
    musubi("import", str(write_jsonl(tmp_path / "s.jsonl", records)))
    musubi("index")
    out = json_of(musubi, "match", "partners", "--org", "ri-001", "--top", "5")
    by_id = {r["id"]: r for r in out["results"]}
    municipality, startup = by_id["mu-002"]["explanation"], by_id["st-002"]["explanation"]
    assert municipality["facts"]["origin_seeks"] == ["municipality"]
    # Whether each side is the kind the other asks for is read by match strength, not ranked.
    assert municipality["facts"]["sought"] == 0.75  # asked for; it names no wish itself
    assert startup["facts"]["sought"] == 0.25  # not asked for
    assert "sought" not in municipality["features"]


def test_joint_finds_municipalities_elsewhere(corpus: Musubi) -> None:
    mu = _first_municipality_with(corpus, lambda r: len(r["needs"]) >= 1)
    out = json_of(corpus, "match", "joint", "--org", mu["id"], "--need", "1", "--top", "5")
    assert out["results"]
    for item in out["results"]:
        assert item["kind"] == "municipality" and item["prefecture"] != mu["prefecture"]
        assert item["explanation"]["links"][0]["relation"] == "need↔need"
        assert item["explanation"]["links"][0]["source"] == mu["needs"][0]["title"]
        assert_strength_reads_relative_fit(item["explanation"])
    result = corpus("match", "joint", "--org", "st-00001")
    assert result.exit_code == 2 and "starts from a municipality" in result.stderr


def test_joint_reads_coverage_both_ways(tmp_path: Path) -> None:
    musubi = Musubi(tmp_path / "home", encoder="hashing")

    def municipality(ext_id: str, prefecture: str, need: str) -> dict:
        return {
            "id": ext_id,
            "kind": "municipality",
            "name": f"{ext_id} 福祉課",
            "description": "高齢者福祉を担当しています。",
            "prefecture": prefecture,
            "needs": [{"title": need}],
        }

    records = [
        municipality("mu-001", "長野県", "独居高齢者の見守り"),
        municipality("mu-002", "静岡県", "独居高齢者の見守り"),
        # The same words and terms of its own: a wider challenge than the asking one.
        municipality("mu-003", "愛媛県", "独居高齢者の見守りと除雪と買い物支援と配食サービス"),
    ]
    musubi("import", str(write_jsonl(tmp_path / "m.jsonl", records)))
    musubi("index")
    out = json_of(musubi, "match", "joint", "--org", "mu-001")
    features = {r["id"]: r["explanation"]["features"] for r in out["results"]}
    assert features["mu-002"]["reverse_coverage"] == 1.0
    assert features["mu-003"]["reverse_coverage"] < 0.5
    assert features["mu-002"]["term_coverage"] == features["mu-003"]["term_coverage"]


def test_batch_answers_every_line_and_reports_bad_ones(corpus: Musubi, tmp_path: Path) -> None:
    queries = write_jsonl(
        tmp_path / "q.jsonl",
        [
            {
                "qid": "a",
                "mode": "procurement",
                "text": "除雪",
                "kinds": ["startup"],
                "relevant": {"x": 1},
            },
            {"qid": "b", "mode": "partners", "org": "un-00001"},
            {"qid": "c", "mode": "joint", "org": "mu-00001"},
            {"qid": "d", "mode": "telepathy"},
        ],
    )
    result = corpus("match", "batch", str(queries), "--json")
    assert result.exit_code == 2
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["qid"] for line in lines] == ["a", "b", "c", "d"]
    assert all(r["kind"] == "startup" for r in lines[0]["results"])
    assert "unknown mode 'telepathy'" in lines[3]["error"]


def test_evaluate_scores_musubi_beside_the_baselines(corpus: Musubi, tmp_path: Path) -> None:
    top = json_of(corpus, "match", "procurement", "--text", "鳥獣被害の対策", "--top", "3")[
        "results"
    ]
    labels = {r["id"]: 2 for r in top}
    queries = write_jsonl(
        tmp_path / "q.jsonl",
        [{"qid": "p", "mode": "procurement", "text": "鳥獣被害の対策", "relevant": labels}],
    )
    report = json_of(corpus, "evaluate", str(queries))
    scores = report["modes"]["procurement"]
    assert scores["queries"] == 1
    assert scores["musubi"]["ndcg@10"] == pytest.approx(1.0)
    assert set(scores) == {"queries", "musubi", "bm25", "dense"}
    assert 0.0 <= scores["bm25"]["recall@10"] <= 1.0


def test_match_without_an_index_says_how_to_build_it(
    musubi_sqlite: Musubi, sample_file: Path
) -> None:
    musubi_sqlite("import", str(sample_file))
    result = musubi_sqlite("match", "procurement", "--text", "見守り")
    assert result.exit_code == 2 and "musubi index" in result.stderr


def test_real_default_model_end_to_end(tmp_path: Path, sample_file: Path) -> None:
    """The bundled models, offline, from import to an explained match."""
    musubi = Musubi(tmp_path / "home")
    assert musubi("import", str(sample_file)).exit_code == 0
    assert musubi("index").exit_code == 0
    out = json_of(
        musubi, "match", "procurement", "--text", "一人暮らしの高齢者の見守り", "--kind", "startup"
    )
    best = out["results"][0]
    assert best["id"] == "st-001"
    assert "見守り" in best["explanation"]["shared_terms"]


def test_an_english_challenge_is_read_through_the_glossary(corpus: Musubi) -> None:
    text = "We cannot find enough workers to clear snow from the roads after heavy snow"
    out = json_of(corpus, "match", "procurement", "--text", text, "--top", "5")
    assert "除雪" in out["query"]["reading"].split()
    best = out["results"][0]["explanation"]
    assert "除雪" in best["links"][0]["target"] or "除雪" in best["shared_terms"]
    japanese = json_of(corpus, "match", "procurement", "--text", "除雪の担い手が足りない")
    assert "reading" not in japanese["query"]


def test_no_partners_note_suggests_only_what_is_not_yet_relaxed(tmp_path: Path) -> None:
    musubi = Musubi(tmp_path / "home", encoder="hashing")
    record = {**SAMPLE[0], "collaborations": []}
    write_jsonl(tmp_path / "one.jsonl", [record])
    musubi("import", str(tmp_path / "one.jsonl"))
    musubi("index")
    notes = {}
    for flags in (
        (),
        ("--same-kind",),
        ("--same-prefecture",),
        ("--same-kind", "--same-prefecture"),
    ):
        out = json_of(musubi, "match", "partners", "--org", record["id"], *flags)
        assert out["results"] == []
        notes[flags] = (out["notices"][0]["code"], out["note"])
    assert notes[()][0] == "no_partners_elsewhere"
    assert notes[("--same-kind",)][0] == "no_partners_outside"
    assert "--same-kind" not in notes[("--same-kind",)][1]
    assert notes[("--same-prefecture",)][0] == "no_partners"
    assert notes[("--same-kind", "--same-prefecture")][0] == "no_partners_indexed"


def _vacant_houses(tmp_path: Path, municipalities: bool) -> Musubi:
    """Three suppliers: one names 空き家, one shares the paraphrased challenge's surface words, one
    clears snow; with ``municipalities``, two towns state the challenge as 空き家の実態把握."""
    survey = "人が住んでいない家がどこにあるのか、職員が一軒ずつ歩いて外から見て回っている。"
    records = [
        {
            "id": "st-vacant",
            "kind": "startup",
            "name": "株式会社アキヤノミカタ",
            "prefecture": "大阪府",
            "description": "空き家の実態把握と管理を支援します。",
            "offers": [{"title": "空き家の実態把握", "description": "空き家を地図にまとめます。"}],
        },
        {
            "id": "st-walk",
            "kind": "startup",
            "name": "株式会社アルクログ",
            "prefecture": "福岡県",
            "description": "職員が歩いて見て回る巡回の記録をアプリで残します。",
            "offers": [{"title": "巡回記録アプリ", "description": "職員が一軒ずつ歩いた記録。"}],
        },
        {
            "id": "st-snow",
            "kind": "startup",
            "name": "株式会社ユキミチ",
            "prefecture": "北海道",
            "description": "除雪車の運行を管理します。",
            "offers": [
                {"title": "除雪車の運行管理", "description": "除雪の進み具合を地図で共有。"}
            ],
        },
    ]
    if municipalities:
        records += [
            {
                "id": f"mu-{i}",
                "kind": "municipality",
                "name": f"{town} 住宅課",
                "prefecture": pref,
                "description": "人口が減り、住む人のいない家が増えています。",
                "needs": [{"title": "空き家の実態把握", "description": survey}],
            }
            for i, (town, pref) in enumerate((("柏市", "千葉県"), ("吹田市", "大阪府")))
        ]
    tmp_path.mkdir(exist_ok=True)
    musubi = Musubi(tmp_path / "home", encoder="hashing")
    musubi("import", str(write_jsonl(tmp_path / "s.jsonl", records)))
    musubi("index")
    return musubi


def test_a_paraphrased_challenge_is_also_read_in_the_words_other_municipalities_use(
    tmp_path: Path,
) -> None:
    text = "どの家に人が住んでいないのか、職員が一軒ずつ歩いて見て回るしかない。"
    musubi = _vacant_houses(tmp_path, municipalities=True)
    out = json_of(musubi, "match", "procurement", "--text", text)
    stated = out["query"]["stated_as"]
    assert {s["org"] for s in stated} == {"mu-0", "mu-1"}
    assert all(s["title"] == "空き家の実態把握" and 0.6 <= s["similarity"] <= 1 for s in stated)
    found = {r["id"]: r["explanation"] for r in out["results"]}
    # BM25 reads their titles beside the challenge: the supplier naming 空き家 now has words of it.
    assert found["st-vacant"]["features"]["bm25"] > found["st-snow"]["features"]["bm25"] == 0.0
    # Evidence stays honest: shared terms are words of the challenge itself.
    assert "空き家" not in found["st-vacant"]["shared_terms"]
    assert "空き家の実態把握" in musubi("match", "procurement", "--text", text).output
    off = json_of(musubi, "--stated-needs", "0", "match", "procurement", "--text", text)
    assert "stated_as" not in off["query"]
    # The 共同調達 search still runs; its hint is said once, for the list, with the needs.
    (hint,) = off["route_hints"]
    assert hint["route"] == "joint_procurement"
    assert {n["title"] for n in hint["params"]["needs"]} == {"空き家の実態把握"}
    assert all(
        h["route"] != "joint_procurement"
        for r in off["results"]
        for h in r["explanation"]["route_hints"]
    )

    alone = _vacant_houses(tmp_path / "alone", municipalities=False)
    without = json_of(alone, "match", "procurement", "--text", text)
    assert "stated_as" not in without["query"]
    alone_bm25 = {r["id"]: r["explanation"]["features"]["bm25"] for r in without["results"]}
    assert alone_bm25["st-vacant"] == alone_bm25["st-snow"] == 0.0  # no word of the challenge
    # The same suppliers: the one naming 空き家 gains from the stated needs.
    score = {r["id"]: r["score"] for r in without["results"]}
    assert {r["id"]: r["score"] for r in out["results"]}["st-vacant"] > score["st-vacant"]
