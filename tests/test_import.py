"""The import contract: every kind of bad file is rejected whole, with a clear, located message."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from support import SAMPLE, Musubi, write_jsonl

CSV_HEADER = "id,kind,name,prefecture,city,description,tags,needs,offers,employees\n"
CSV_ROWS = (
    "mu-101,自治体,白馬村 観光課,長野,白馬村,スキー場の人工降雪のエネルギー削減,スキー|脱炭素,"
    '"[{""title"": ""人工降雪の省エネ"", ""budget_jpy"": 2000000, ""trial_order"": true}]",,\n'
    "co-101,company,ユキミ機工株式会社,新潟県,長岡市,除雪機の遠隔監視を提供します。,除雪|IoT,,"
    '"[{""title"": ""除雪機テレマティクス""}]",120\n'
)


def snapshot(musubi: Musubi) -> str:
    """The store's bytes on SQLite; its full export elsewhere."""
    if musubi.database_url.startswith("sqlite"):
        db = musubi.home / "musubi.db"
        return hashlib.sha256(db.read_bytes()).hexdigest() if db.exists() else "absent"
    return musubi("export").stdout


@pytest.fixture
def loaded(musubi: Musubi, sample_file: Path) -> Musubi:
    result = musubi("import", str(sample_file))
    assert result.exit_code == 0, result.output
    return musubi


def test_import_jsonl_then_show(loaded: Musubi) -> None:
    shown = json.loads(loaded("show", "st-001", "--json").stdout)
    assert shown["prefecture"] == "福岡県"
    assert shown["offers"] == [
        {"title": "電力センサー見守り", "description": "工事不要で設置できます。"}
    ]
    assert shown["certifications"] == ["J-Startup"]
    municipality = json.loads(loaded("show", "mu-001", "--json").stdout)
    assert municipality["needs"][0] == SAMPLE[0]["needs"][0]
    assert json.loads(loaded("show", "un-001", "--json").stdout)["prefecture"] == "宮城県"


def test_show_text_is_japanese(loaded: Musubi) -> None:
    text = loaded("show", "mu-001").stdout
    assert "北海道旭川市" in text and "予算 3,000,000円" in text and "トライアル発注可" in text


def test_reimport_updates_instead_of_duplicating(loaded: Musubi, tmp_path: Path) -> None:
    changed = dict(SAMPLE[1], name="株式会社ミマモリテック九州", offers=[], tags=["見守り"])
    result = loaded("import", str(write_jsonl(tmp_path / "again.jsonl", [changed])))
    assert result.exit_code == 0, result.output
    assert "0 new, 1 updated" in result.stdout
    shown = json.loads(loaded("show", "st-001", "--json").stdout)
    assert shown["name"] == "株式会社ミマモリテック九州"
    assert "offers" not in shown and shown["tags"] == ["見守り"]
    assert json.loads(loaded("stats", "--json").stdout)["total"] == 3


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_csv_in_every_office_encoding(musubi: Musubi, tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "orgs.csv"
    path.write_bytes((CSV_HEADER + CSV_ROWS).encode(encoding))
    result = musubi("import", str(path))
    assert result.exit_code == 0, result.output
    assert f"csv, {encoding}" in result.stdout
    village = json.loads(musubi("show", "mu-101", "--json").stdout)
    assert village["kind"] == "municipality" and village["prefecture"] == "長野県"
    assert village["tags"] == ["スキー", "脱炭素"]
    assert village["needs"] == [
        {"title": "人工降雪の省エネ", "budget_jpy": 2000000, "trial_order": True}
    ]
    assert json.loads(musubi("show", "co-101", "--json").stdout)["employees"] == 120


def test_jsonl_in_cp932(musubi: Musubi, tmp_path: Path) -> None:
    path = tmp_path / "sjis.jsonl"
    path.write_bytes(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in SAMPLE).encode("cp932")
    )
    result = musubi("import", str(path))
    assert result.exit_code == 0, result.output
    assert "cp932" in result.stdout


def test_fullwidth_input_is_normalised(musubi: Musubi, tmp_path: Path) -> None:
    record = dict(SAMPLE[1], id="ｓｔ－００２", prefecture="４０", kind="ｓｔａｒｔｕｐ")
    result = musubi("import", str(write_jsonl(tmp_path / "zen.jsonl", [record])))
    assert result.exit_code == 0, result.output
    assert json.loads(musubi("show", "st-002", "--json").stdout)["prefecture"] == "福岡県"


def _bad(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, "utf-8")
    else:
        path.write_bytes(content)
    return path


def _line(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


GOOD = _line(SAMPLE[1])
BAD_FILES = {
    "malformed JSON": (
        "x.jsonl",
        GOOD + '{"id": "st-9", "kind": "startup",\n',
        ["line 2", "invalid JSON"],
    ),
    "not an object": ("x.jsonl", GOOD + "[1, 2]\n", ["line 2", "JSON object"]),
    "missing CSV column": (
        "x.csv",
        "id,kind,name,description\nst-9,startup,テスト,説明\n",
        ["line 1", "missing column(s): prefecture"],
    ),
    "unknown CSV column": (
        "x.csv",
        "id,kind,name,prefecture,description,memo\nst-9,startup,テスト,福岡,説明,x\n",
        ["line 1", "'memo'"],
    ),
    "unknown kind": (
        "x.jsonl",
        GOOD + _line(dict(SAMPLE[2], kind="bank")),
        ["line 2", "field 'kind'", "'bank'", "municipality"],
    ),
    "unknown prefecture": (
        "x.jsonl",
        _line(dict(SAMPLE[0], prefecture="福丘県")) + GOOD,
        ["line 1", "field 'prefecture'", "'福丘県'"],
    ),
    "duplicate id": (
        "x.jsonl",
        GOOD + _line(SAMPLE[0]) + GOOD,
        ["line 3", "duplicate id 'st-001'", "first on line 1"],
    ),
    "empty name": (
        "x.jsonl",
        _line(dict(SAMPLE[1], name="  ")),
        ["line 1", "field 'name'", "empty"],
    ),
    "field of 1 MB": (
        "x.jsonl",
        GOOD + _line(dict(SAMPLE[0], description="雪" * 1_048_576)),
        ["line 2", "field 'description'", "too long: 1,048,576 characters"],
    ),
    "1 MB CSV cell": (
        "x.csv",
        CSV_HEADER + "st-9,startup,テスト,福岡,," + "a" * 1_048_576 + ",,,,\n",
        ["line 2", "field 'description'", "too long"],
    ),
    "binary file": (
        "x.jsonl",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        ["binary"],
    ),
    "undecodable bytes": ("x.csv", b"id,kind\n\xff\xff\xff", ["neither UTF-8 nor CP932"]),
    "wrong type": (
        "x.jsonl",
        _line(dict(SAMPLE[1], employees="many", needs={"title": "x"})),
        ["field 'employees'", "whole number", "field 'needs'", "list"],
    ),
    "need without title": (
        "x.jsonl",
        _line(dict(SAMPLE[0], needs=[{"description": "x", "budget": 1}])),
        ["needs[0].budget", "needs[0].title"],
    ),
    "unknown field": ("x.jsonl", _line(dict(SAMPLE[1], descripton="typo")), ["'descripton'"]),
    "self collaboration": (
        "x.jsonl",
        _line(dict(SAMPLE[1], collaborations=["st-001"])),
        ["field 'collaborations'", "itself"],
    ),
    "empty file": ("x.jsonl", "\n\n", ["no records"]),
}


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_bad_file_is_rejected_and_store_unchanged(
    loaded: Musubi, tmp_path: Path, case: str
) -> None:
    name, content, expected = BAD_FILES[case]
    before = snapshot(loaded)
    result = loaded("import", str(_bad(tmp_path, name, content)))
    assert result.exit_code == 2
    assert result.stdout == ""
    for fragment in expected:
        assert fragment in result.stderr
    assert "nothing was imported" in result.stderr
    assert snapshot(loaded) == before


def test_missing_file(loaded: Musubi, tmp_path: Path) -> None:
    before = snapshot(loaded)
    result = loaded("import", str(tmp_path / "nope.jsonl"))
    assert result.exit_code == 2
    assert "file not found" in result.stderr
    assert snapshot(loaded) == before


def test_rejected_file_does_not_create_a_store(musubi_sqlite: Musubi, tmp_path: Path) -> None:
    bad = _bad(tmp_path, "x.jsonl", _line(dict(SAMPLE[1], kind="bank")))
    assert musubi_sqlite("import", str(bad)).exit_code == 2
    assert not (musubi_sqlite.home / "musubi.db").exists()


def test_every_problem_is_listed(musubi_sqlite: Musubi, tmp_path: Path) -> None:
    lines = [_line(dict(SAMPLE[1], id=f"st-{i}", prefecture="Atlantis")) for i in range(70)]
    result = musubi_sqlite("import", str(_bad(tmp_path, "x.jsonl", "".join(lines))))
    assert result.exit_code == 2
    assert "70 problem(s)" in result.stderr
    assert "line 50, field 'prefecture'" in result.stderr
    assert "… and 20 more" in result.stderr


def test_dry_run_writes_nothing(musubi_sqlite: Musubi, sample_file: Path) -> None:
    result = musubi_sqlite("import", "--dry-run", str(sample_file))
    assert result.exit_code == 0 and "3 valid record(s)" in result.stdout
    assert not (musubi_sqlite.home / "musubi.db").exists()


def test_the_import_log_holds_what_committed(loaded: Musubi, tmp_path: Path) -> None:
    bad = _bad(tmp_path, "x.jsonl", _line(dict(SAMPLE[1], kind="bank")))
    assert loaded("import", str(bad)).exit_code == 2
    dry = write_jsonl(tmp_path / "dry.jsonl", SAMPLE)
    assert loaded("import", "--dry-run", str(dry)).exit_code == 0
    again = write_jsonl(tmp_path / "again.jsonl", [SAMPLE[1], dict(SAMPLE[1], id="st-new")])
    assert loaded("import", str(again)).exit_code == 0
    entries = [json.loads(line) for line in loaded("import-log", "--json").stdout.splitlines()]
    # Newest first; the rejected file and the dry run left no entry.
    assert [(e["source"], e["created"], e["updated"]) for e in entries] == [
        (str(again), 1, 1),
        (entries[1]["source"], 3, 0),
    ]
    assert entries[1]["source"].endswith(".jsonl")
    assert {e["via"] for e in entries} == {"cli"} and all(e["actor"] for e in entries)
    text = loaded("import-log", "--limit", "1").stdout
    assert text.count("\n") == 1 and "again.jsonl (jsonl): 1 new, 1 updated" in text


def test_export_reimports_to_the_same_store(loaded: Musubi, tmp_path: Path) -> None:
    exported = loaded("export").stdout
    path = tmp_path / "export.jsonl"
    path.write_text(exported, "utf-8")
    fresh = Musubi(tmp_path / "fresh")
    assert fresh("import", str(path)).exit_code == 0
    assert fresh("export").stdout == exported
    assert [json.loads(line)["id"] for line in exported.splitlines()] == [
        "mu-001",
        "st-001",
        "un-001",
    ]


def test_export_to_file(loaded: Musubi, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = loaded("export", str(out))
    assert result.exit_code == 0
    assert out.read_text("utf-8") == loaded("export").stdout
    assert "exported 3" in result.stderr
