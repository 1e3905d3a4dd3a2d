"""Test support: a small hand-written sample corpus and an in-process `musubi` runner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from matcher.cli.main import main

SAMPLE = [
    {
        "id": "mu-001",
        "kind": "municipality",
        "name": "旭川市 総合政策部",
        "prefecture": "北海道",
        "city": "旭川市",
        "description": "冬季の道路除雪と独居高齢者の見守りが大きな課題です。",
        "tags": ["除雪", "高齢者見守り"],
        "needs": [
            {
                "title": "独居高齢者の見守り",
                "description": "訪問に頼らない見守りの仕組みを探しています。",
                "budget_jpy": 3000000,
                "trial_order": True,
            }
        ],
        "collaborations": ["st-001"],
    },
    {
        "id": "st-001",
        "kind": "startup",
        "name": "株式会社ミマモリテック",
        "name_en": "Mimamori Tech",
        "prefecture": "40",
        "city": "福岡市",
        "description": "電力センサーで高齢者の生活リズムを見守るサービスを提供します。",
        "tags": ["IoT", "高齢者見守り"],
        "offers": [{"title": "電力センサー見守り", "description": "工事不要で設置できます。"}],
        "employees": 25,
        "founded": 2018,
        "certifications": ["J-Startup"],
        "public_sector_record": 4,
    },
    {
        "id": "un-001",
        "kind": "university",
        "name": "北星工業大学",
        "prefecture": "Miyagi",
        "description": "積雪環境でのロボット研究を行っています。",
        "offers": [{"title": "除雪ロボットの自律走行"}],
        "needs": [{"title": "実証フィールドを持つ自治体"}],
    },
]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


class Musubi:
    """Runs `musubi --home HOME [--database-url URL] …` in-process and keeps the result."""

    def __init__(self, home: Path, database_url: str | None = None, encoder: str | None = None):
        self.home = home
        self.database_url = database_url
        self.encoder = encoder
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None):  # noqa: A002
        options = ["--home", str(self.home)]
        if self.database_url:
            options += ["--database-url", self.database_url]
        if self.encoder:
            options += ["--encoder", self.encoder]
        return self.runner.invoke(main, [*options, *args], input=input, catch_exceptions=False)


def seeded(home: Path, size: int = 400) -> Musubi:
    """A store of ``size`` seed organisations, indexed with the deterministic hashing encoder."""
    musubi = Musubi(home, encoder="hashing")
    assert musubi("demo", "--size", str(size)).exit_code == 0
    assert musubi("index").exit_code == 0
    return musubi


def json_of(musubi: Musubi, *args: str) -> dict:
    """Run a `--json` command that must succeed and parse its output."""
    result = musubi(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)
