"""What an officer acts on beyond the ranking: contact fields, whose certification it is,
finding an organisation by name, and what a re-import would change."""

from __future__ import annotations

import json
from itertools import chain
from pathlib import Path

import pytest

from matcher.facts import alliances, terms
from matcher.ingest.importer import load_records, preview, write_records
from matcher.ingest.records import CertificationRecord, validate
from matcher.retrieval.catalogue import Catalogue
from matcher.retrieval.matcher import MatchError
from matcher.retrieval.names import find, resolve
from matcher.store import queries
from support import SAMPLE, Musubi, write_jsonl

PIONEER = {"name": "新事業分野開拓者認定", "issuer": "福岡県"}


def test_certifications_take_an_optional_issuer_and_contact_fields(
    musubi: Musubi, tmp_path: Path
) -> None:
    record = dict(
        SAMPLE[1],
        certifications=["J-Startup", PIONEER],
        url="https://mimamori.example.jp/",
        contact="自治体営業部 public@mimamori.example.jp",
    )
    path = write_jsonl(tmp_path / "one.jsonl", [record])
    assert musubi("import", str(path)).exit_code == 0
    shown = json.loads(musubi("show", "st-001", "--json").stdout)
    assert shown["certifications"] == ["J-Startup", PIONEER]  # a plain string stays one
    assert shown["url"] == "https://mimamori.example.jp/"
    assert shown["contact"].startswith("自治体営業部")
    text = musubi("show", "st-001").stdout
    assert "新事業分野開拓者認定(福岡県)" in text and "https://mimamori.example.jp/" in text
    # The export re-imports to the same records.
    exported = tmp_path / "out.jsonl"
    exported.write_text(musubi("export").stdout, "utf-8")
    assert json.loads(exported.read_text("utf-8").splitlines()[0]) == json.loads(
        musubi("show", "st-001", "--json").stdout
    )


def test_csv_certifications_write_the_issuer_after_an_at_sign() -> None:
    raw = dict(SAMPLE[1], certifications="J-Startup|新事業分野開拓者認定@福岡県")
    record, problems = validate(raw, 2)
    assert not problems
    assert record.certifications == (
        CertificationRecord("J-Startup"),
        CertificationRecord("新事業分野開拓者認定", "福岡県"),
    )


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("url", "mimamori.example.jp", "import_bad_url"),
        ("url", "javascript:alert(1)", "import_bad_url"),
        ("certifications", [{"name": "認定", "by": "福岡県"}], "import_unknown_field"),
        ("certifications", [{"issuer": "福岡県"}], "import_required_empty"),
        ("contact", "x" * 201, "import_too_long"),
    ],
)
def test_new_fields_are_validated_with_codes(field: str, value: object, code: str) -> None:
    record, problems = validate(dict(SAMPLE[1], **{field: value}), 3)
    assert record is None
    assert {p.code for p in problems} == {code}
    assert all(p.line == 3 and p.field.startswith(field) for p in problems)


def test_every_import_problem_has_a_code(tmp_path: Path) -> None:
    bad = [
        {"id": "ok 1", "kind": "planet", "name": 3, "prefecture": "福丘県", "description": ""},
        {
            "id": "x",
            "kind": "startup",
            "name": "n",
            "prefecture": "40",
            "description": "d",
            "employees": "many",
            "needs": "none",
            "oops": 1,
        },
    ]
    from matcher.ingest.importer import ImportRejected

    with pytest.raises(ImportRejected) as caught:
        load_records(write_jsonl(tmp_path / "bad.jsonl", bad))
    assert caught.value.problems
    assert all(p.code.startswith("import_") for p in caught.value.problems)


def test_preview_says_what_a_reimport_adds_and_changes(store, tmp_path: Path) -> None:  # noqa: ANN001
    records, _, _ = load_records(write_jsonl(tmp_path / "a.jsonl", SAMPLE))
    write_records(store, records)
    before = queries.profiles(store, ["st-001", "mu-001"])
    changed = dict(SAMPLE[1], name="株式会社ミマモリテック九州", url="https://example.jp/")
    new = dict(SAMPLE[1], id="st-002")
    again, _, _ = load_records(write_jsonl(tmp_path / "b.jsonl", [SAMPLE[0], changed, new]))
    plan = preview(store, again)
    assert plan.added == ("st-002",)
    assert plan.changed == (("st-001", ("name", "url")),)
    assert plan.unchanged == ("mu-001",)
    write_records(store, again)
    after = queries.profiles(store, ["st-001", "mu-001"])
    # "Last updated" moves only for what changed.
    assert after["mu-001"].updated_at == before["mu-001"].updated_at
    assert after["st-001"].updated_at > before["st-001"].updated_at
    assert after["st-001"].url == "https://example.jp/"


def test_names_find_organisations_by_part_and_by_reading(store, tmp_path: Path) -> None:  # noqa: ANN001
    records, _, _ = load_records(write_jsonl(tmp_path / "a.jsonl", SAMPLE))
    write_records(store, records)
    catalogue = Catalogue(store)
    orgs = list(catalogue.orgs.values()) + list(catalogue.pending.values())
    assert [o.ext_id for o in find(orgs, "旭川")] == ["mu-001"]
    assert [o.ext_id for o in find(orgs, "あさひかわ")] == ["mu-001"]  # hiragana reading
    assert [o.ext_id for o in find(orgs, "ミマモリ")] == ["st-001"]
    assert [o.ext_id for o in find(orgs, "ミマモリ", kinds=("municipality",))] == []
    assert resolve(orgs, "st-001").name == "株式会社ミマモリテック"
    with pytest.raises(MatchError) as caught:
        resolve(orgs, "存在しない市")
    assert caught.value.code == "unknown_org"


def test_names_say_which_when_a_name_is_ambiguous(store, tmp_path: Path) -> None:  # noqa: ANN001
    two = [
        dict(SAMPLE[0], id=f"mu-00{k}", name=f"旭川市 {dept}")
        for k, dept in ((1, "保健福祉部"), (2, "土木部"))
    ]
    records, _, _ = load_records(write_jsonl(tmp_path / "a.jsonl", two))
    write_records(store, records)
    orgs = list(Catalogue(store).pending.values())
    with pytest.raises(MatchError) as caught:
        resolve(orgs, "旭川市")
    assert caught.value.code == "ambiguous_org"
    assert set(caught.value.params["ids"]) == {"mu-001", "mu-002"}
    assert resolve(orgs, "旭川市 土木部").ext_id == "mu-002"


def test_a_certification_counts_for_its_issuer_its_prefecture_and_alliances(
    tmp_path: Path,
) -> None:
    fukuoka, tokyo = 40, 13
    assert alliances.applies("福岡県", "北九州市", fukuoka, ()) is True
    assert alliances.applies("福岡県", "鯖江市", 18, ()) is False
    assert alliances.applies("北九州市", "北九州市", fukuoka, ()) is True
    assert alliances.applies("北九州市", "福岡市", fukuoka, ()) is False
    assert alliances.applies(None, "福岡市", fukuoka, ()) is None
    declared = tmp_path / "alliances.toml"
    declared.write_text(
        '[[alliance]]\nname = "試行アライアンス"\nmembers = ["東京都", "鯖江市"]\n', "utf-8"
    )
    shared = alliances.load(str(declared))
    assert alliances.applies("東京都", "鯖江市", 18, shared) is True
    assert alliances.applies("試行アライアンス", "鯖江市", 18, shared) is True
    assert alliances.applies("東京都", "福井市", 18, shared) is False
    assert alliances.applies("東京都", "八王子市", tokyo, shared) is True  # its prefecture


def test_shared_terms_leave_out_stopwords_from_a_data_file() -> None:
    assert {"管理", "時間", "か月程度"} <= terms.EVIDENCE_STOPWORDS
    query = terms.key_terms("除雪車の運行管理に時間がかかる。3か月程度の試行")
    assert "管理" not in terms.shared(query, "除雪車の運行管理クラウド")
    assert "除雪車" in terms.shared(query, "除雪車の運行管理クラウド")


def test_the_key_terms_of_several_texts_are_those_of_the_texts_joined() -> None:
    needs = [
        "独居高齢者の見守り。夜間の転倒に気づけない",
        "除雪車の運行管理、ＧＰＳで位置を把握したい",
        "高齢者の見守りを地域で",  # its terms repeat the first need's
        "Snow removal robots for mountain roads",
    ]
    # Joint reads each need's terms in turn for the terms of its needs joined.
    joined = terms.key_terms(" ".join(needs))
    assert joined == tuple(dict.fromkeys(chain.from_iterable(map(terms.key_terms, needs))))
    assert joined.count("見守り") == 1 and "除雪車" in joined and "GPS" in joined
