"""Hostile input found by probing as an attacker would: each is refused with the usual error,
never a 500 or a traceback, and nothing is half-written."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from matcher.curation import export
from matcher.ingest.readers import TOO_DEEP
from support import SAMPLE, Musubi, write_jsonl


def test_a_lone_surrogate_is_a_line_error_even_in_a_dry_run(
    musubi_sqlite: Musubi, tmp_path: Path
) -> None:
    record = dict(SAMPLE[0], name="旭川市\ud800")
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(record) + "\n", "utf-8")  # ASCII JSON: "\\ud800" stays escaped
    for args in (("--dry-run",), ()):
        result = musubi_sqlite("import", str(path), *args)
        assert result.exit_code == 2, result.output
        assert "line 1, field 'name'" in result.stderr and "unpaired surrogate" in result.stderr
    assert not (musubi_sqlite.home / "musubi.db").exists()


def test_bidi_controls_leave_names(musubi_sqlite: Musubi, tmp_path: Path) -> None:
    record = dict(SAMPLE[1], name="株式会社\u202eクテリモマミ")
    musubi_sqlite("import", str(write_jsonl(tmp_path / "s.jsonl", [record])))
    shown = json.loads(musubi_sqlite("show", "st-001", "--json").stdout)
    assert shown["name"] == "株式会社クテリモマミ"


def test_deeply_nested_json_is_a_line_error(musubi_sqlite: Musubi, tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_text(json.dumps(SAMPLE[0]) + "\n" + "[" * 100_000 + "]" * 100_000 + "\n", "utf-8")
    result = musubi_sqlite("import", str(path))
    assert result.exit_code == 2 and f"line 2: {TOO_DEEP}" in result.stderr


@pytest.mark.parametrize("value", ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_that_a_spreadsheet_would_run_are_defused(value: str) -> None:
    assert export.safe_cell(value) == "'" + value
    assert export.safe_cell("株式会社=テスト") == "株式会社=テスト"
    assert export.safe_cell(0.5) == 0.5


def test_a_formula_in_a_member_name_is_text_in_the_csv(tmp_path: Path) -> None:
    from test_curation import _member, _proposal  # the curation tests' own proposal

    from matcher.curation import proposals
    from matcher.modes.consortium.results import ConsortiumQuery
    from matcher.settings import load_settings
    from matcher.store.accounts import create_coordinator
    from matcher.store.session import open_store

    store = open_store(load_settings({"home": str(tmp_path)}, {}))
    create_coordinator(store, "tanaka", "password-1")
    hostile = _member("st-6", "startup", "industry", 40, '=HYPERLINK("http://x","<b>win</b>")')
    view = proposals.save_proposal(
        store,
        ConsortiumQuery("見守り"),
        _proposal(_member("mu-1", "municipality", "municipality", 1), hostile),
        actor="tanaka",
    )
    rows = list(csv.DictReader(export.render(view, "csv").splitlines()))
    assert rows[1]["name"].startswith("'=HYPERLINK")
    markdown = export.render(view, "md")
    assert "<b>" not in markdown and "&lt;b&gt;win&lt;/b&gt;" in markdown
    store.close()
