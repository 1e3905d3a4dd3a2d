"""The read-side commands: list, show, stats, settings, and their errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support import Musubi


@pytest.fixture
def loaded(musubi_sqlite: Musubi, sample_file: Path) -> Musubi:
    assert musubi_sqlite("import", str(sample_file)).exit_code == 0
    return musubi_sqlite


def test_list_filters_by_kind_and_prefecture_in_any_spelling(loaded: Musubi) -> None:
    assert [line.split()[0] for line in loaded("list").stdout.splitlines()] == [
        "mu-001",
        "st-001",
        "un-001",
    ]
    for spelling in ("福岡県", "福岡", "40", "Fukuoka", "ふくおか", "４０"):
        assert loaded("list", "--prefecture", spelling).stdout.split()[0] == "st-001"
    municipalities = loaded("list", "--kind", "municipality", "--json").stdout.splitlines()
    assert [json.loads(line)["id"] for line in municipalities] == ["mu-001"]
    assert len(loaded("list", "--limit", "2").stdout.splitlines()) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["list", "--prefecture", "Atlantis"], "unknown prefecture 'Atlantis'"),
        (["list", "--kind", "bank"], "unknown kind 'bank'"),
        (["list", "--limit", "0"], "--limit"),
        (["show", "zz-999"], "no organisation with id 'zz-999'"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(loaded: Musubi, args: list[str], message: str) -> None:
    result = loaded(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_stats_counts_by_kind_and_prefecture(loaded: Musubi) -> None:
    counts = json.loads(loaded("stats", "--json").stdout)
    assert counts["total"] == 3 and counts["needs"] == 2 and counts["offers"] == 2
    assert counts["by_kind"] == {"municipality": 1, "startup": 1, "university": 1}
    assert counts["by_prefecture"]["北海道"] == {"total": 1, "municipality": 1}
    assert list(counts["by_prefecture"]) == ["北海道", "宮城県", "福岡県"]
    text = loaded("stats").stdout
    assert "3 organisations" in text and "40 福岡県" in text


def test_settings_shows_effective_values(loaded: Musubi) -> None:
    out = loaded("settings").stdout
    assert f"home = '{loaded.home}'" in out and "MUSUBI_DATABASE_URL" in out


def test_empty_store(musubi_sqlite: Musubi) -> None:
    assert musubi_sqlite("list").stdout == ""
    assert json.loads(musubi_sqlite("stats", "--json").stdout)["total"] == 0


def test_demo_builds_and_imports_the_seed_corpus(musubi_sqlite: Musubi) -> None:
    result = musubi_sqlite("demo", "--size", "300")
    assert result.exit_code == 0, result.output
    counts = json.loads(musubi_sqlite("stats", "--json").stdout)
    assert counts["total"] == 309  # and, beside the 300, 3% financial institutions
    assert set(counts["by_kind"]) == {
        "municipality",
        "company",
        "startup",
        "university",
        "research_institute",
        "financial_institution",
    }
    exported = musubi_sqlite("export").stdout.splitlines()
    assert len(exported) == 309 and json.loads(exported[0])["id"] == "mu-00001"
