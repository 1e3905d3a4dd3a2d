"""Store ahead of the index: organisations imported (or changed) after the last index run —
what an import killed in its index step leaves — are left out of matching with a notice that
says to run `musubi index`, never a traceback; `musubi index` brings them in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matcher.ingest.importer import write_records
from matcher.ingest.records import validate
from matcher.modes.joint import joint
from matcher.modes.partners import partners
from matcher.modes.procurement import procurement
from matcher.modes.queries import build_query
from matcher.retrieval.matcher import Matcher, MatchError
from matcher.settings import load_settings
from matcher.store import queries
from matcher.store.session import Store, open_store
from support import Musubi, seeded

NEW = {
    "id": "st-late-01",
    "kind": "startup",
    "name": "株式会社ミマモリラボ",
    "prefecture": "福岡県",
    "description": "独居高齢者の見守りを、電力センサーで訪問に頼らず行うサービスです。",
    "tags": ["見守り", "高齢者"],
    "offers": [{"title": "電力センサー見守り", "description": "独居高齢者の見守りに。"}],
    "needs": [{"title": "実証フィールド", "description": "見守りの実証に協力する自治体を募集"}],
}


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("reconcile") / "home"
    seeded(home, 300)
    return home


@pytest.fixture
def late(indexed: Path, tmp_path: Path) -> tuple[Musubi, Store]:
    """A copy of the indexed store with records written but never indexed."""
    home = tmp_path / "home"
    _copy(indexed, home)
    store = open_store(load_settings({"home": str(home), "encoder": "hashing"}, environ={}))
    municipality = _first(store, "mu-")
    changed = dict(municipality, needs=[*municipality["needs"], {"title": "除雪の担い手不足"}])
    write_records(store, [_record(NEW), _record(changed)])
    return Musubi(home, encoder="hashing"), store


def _copy(source: Path, target: Path) -> None:
    target.mkdir(parents=True)
    for path in source.iterdir():
        if path.is_file() and not path.name.endswith(".lock"):
            (target / path.name).write_bytes(path.read_bytes())


def _first(store: Store, prefix: str) -> dict:
    return next(
        r for r in queries.iter_records(store, limit=50) if r.id.startswith(prefix)
    ).to_json()


def _record(raw: dict):  # noqa: ANN202
    record, problems = validate(raw, 1)
    assert record is not None, problems
    return record


def test_the_catalogue_keeps_unindexed_organisations_apart(late: tuple[Musubi, Store]) -> None:
    musubi, store = late
    m = Matcher(store, load_settings({"home": str(musubi.home), "encoder": "hashing"}, {}))
    pending = set(m.catalogue.pending)
    assert NEW["id"] in pending
    assert len(pending) == 2  # the new one, and the municipality with one more need
    assert not pending & set(m.catalogue.by_ext_id)
    with pytest.raises(MatchError) as raised:
        m.org(NEW["id"])
    assert raised.value.code == "org_not_indexed" and "musubi index" in str(raised.value)
    # Matching runs over the rest: no KeyError on the missing profile, no stale positions.
    found = procurement(m, build_query("procurement", {"text": NEW["offers"][0]["title"]}))
    assert found.results and NEW["id"] not in {r.id for r in found.results}
    municipality = next(o for o in m.catalogue.orgs.values() if o.needs)
    assert partners(m, build_query("partners", {"org": municipality.ext_id})).results
    assert joint(m, build_query("joint", {"org": municipality.ext_id})).results is not None


@pytest.mark.parametrize(
    "command",
    [
        ("match", "procurement", "--text", "独居高齢者の見守り"),
        ("match", "joint", "--org", "mu-00002"),
        ("consortium", "--theme", "高齢者の見守り"),
    ],
)
def test_commands_work_and_say_what_to_run(late: tuple[Musubi, Store], command) -> None:  # noqa: ANN001
    musubi, _ = late
    result = musubi(*command, "--json")
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)
    assert "2 organisation(s) of the store are not in the index yet" in result.stderr
    assert "run `musubi index`" in result.stderr


def test_matching_an_unindexed_organisation_says_what_to_run(late: tuple[Musubi, Store]) -> None:
    musubi, _ = late
    result = musubi("match", "partners", "--org", NEW["id"])
    assert result.exit_code == 2
    assert f"{NEW['id']} is not indexed yet: run `musubi index`" in result.stderr
    assert "Traceback" not in result.output


def test_index_brings_them_in(late: tuple[Musubi, Store]) -> None:
    musubi, _ = late
    assert musubi("index").exit_code == 0
    result = musubi("match", "partners", "--org", NEW["id"], "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["results"]
    assert "not in the index" not in result.stderr
