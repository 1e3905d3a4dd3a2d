"""Tests for the prefecture facts: every spelling resolves, errors are clear, geography holds."""

import csv
import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from matcher.facts.prefectures import (
    PREFECTURES,
    REGIONS,
    Prefecture,
    Region,
    UnknownPrefectureError,
    UnknownRegionError,
    are_neighbours,
    distance_km,
    get,
    name,
    region_of,
    resolve,
    resolve_region,
)

FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
ENGLISH_SUFFIX = {"県": "ken", "府": "fu", "都": "to"}


def katakana(hiragana: str) -> str:
    """Convert hiragana to katakana independently of the module under test."""
    return "".join(chr(ord(ch) + 0x60) if "ぁ" <= ch <= "ゖ" else ch for ch in hiragana)


def by_id(p: Prefecture) -> str:
    return f"{p.code:02d}-{p.english}"


SPELLINGS: dict[str, Callable[[Prefecture], str | int]] = {
    "kanji": lambda p: p.kanji,
    "short": lambda p: p.short,
    "code_int": lambda p: p.code,
    "code_str": lambda p: str(p.code),
    "code_zero_padded": lambda p: f"{p.code:02d}",
    "code_full_width": lambda p: str(p.code).translate(FULL_WIDTH_DIGITS),
    "iso_3166_2": lambda p: f"JP-{p.code:02d}",
    "english": lambda p: p.english,
    "english_lower": lambda p: p.english.lower(),
    "english_upper": lambda p: p.english.upper(),
    "english_suffix": lambda p: f"{p.english}-{ENGLISH_SUFFIX.get(p.kanji[-1], '')}".rstrip("-"),
    "hiragana": lambda p: p.kana,
    "hiragana_short": lambda p: p.kana_short,
    "katakana": lambda p: katakana(p.kana),
    "katakana_short": lambda p: katakana(p.kana_short),
    "surrounding_space": lambda p: f" \u3000{p.kanji}\t",
}


@pytest.mark.parametrize("kind", SPELLINGS)
@pytest.mark.parametrize("pref", PREFECTURES, ids=by_id)
def test_every_spelling_resolves(pref: Prefecture, kind: str) -> None:
    assert resolve(SPELLINGS[kind](pref)) == pref.code


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("福岡県", 40),
        ("福岡", 40),
        ("東京", 13),
        ("京都", 26),
        ("大阪", 27),
        ("北海道", 1),
        ("40", 40),
        ("04", 4),
        ("4", 4),
        ("４０", 40),
        ("FUKUOKA", 40),
        ("fukuoka-ken", 40),
        ("Fukuoka Prefecture", 40),
        ("Ｆｕｋｕｏｋａ", 40),
        ("Tokyo-to", 13),
        ("Osaka-fu", 27),
        ("Kyoto-fu", 26),
        ("Hokkaido", 1),
        ("ふくおか", 40),
        ("フクオカ", 40),
        ("ﾌｸｵｶ", 40),
        ("ふくおかけん", 40),
        ("きょうと", 26),
        ("とうきょう", 13),
        ("Hyōgo", 28),
        ("Kōchi", 39),
        ("Ōita", 44),
        ("Tōkyō", 13),
        ("Hyougo", 28),
        ("Kouchi", 39),
        ("Ooita", 44),
        ("Ohsaka", 27),
        ("Hokkaidou", 1),
        ("Gumma", 10),
        (np.int64(40), 40),
    ],
)
def test_resolve_examples(value: str | int, code: int) -> None:
    assert resolve(value) == code


@pytest.mark.parametrize(
    "value",
    [
        "福丘県",
        "",
        "   ",
        "48",
        "00",
        "-4",
        "4.0",
        "Atlantis",
        "Fukuoka-shi",
        0,
        48,
        -1,
        True,
        40.0,
    ],
)
def test_resolve_rejects_unknown_values(value: object) -> None:
    with pytest.raises(UnknownPrefectureError) as excinfo:
        resolve(value)  # type: ignore[arg-type]
    message = str(excinfo.value)
    assert repr(value) in message
    assert "福岡県" in message and "1–47" in message and "Fukuoka" in message
    assert excinfo.value.value is value
    assert isinstance(excinfo.value, ValueError)


def test_error_message_reads_as_documented() -> None:
    with pytest.raises(UnknownPrefectureError) as excinfo:
        resolve("福丘県")
    assert str(excinfo.value) == (
        "unknown prefecture '福丘県': use a name such as 福岡県 or 福岡, "
        "a JIS code 1–47, or an English name such as Fukuoka"
    )


def test_table_is_ordered_by_code() -> None:
    assert [p.code for p in PREFECTURES] == list(range(1, 48))


@pytest.mark.parametrize("pref", PREFECTURES, ids=by_id)
def test_names_are_consistent(pref: Prefecture) -> None:
    suffix = pref.kanji[-1]
    assert suffix in "県府都道"
    if pref.code == 1:
        assert (pref.short, pref.kana, pref.kana_short) == (
            "北海道",
            "ほっかいどう",
            "ほっかいどう",
        )
    else:
        assert pref.kanji == pref.short + suffix
        assert pref.kana == pref.kana_short + {"県": "けん", "府": "ふ", "都": "と"}[suffix]
    assert all("ぁ" <= ch <= "ゖ" for ch in pref.kana)
    assert pref.english.isascii() and pref.english.isalpha() and pref.english.istitle()
    assert 24 < pref.lat < 46 and 122 < pref.lon < 146
    assert pref.region in {r.key for r in REGIONS}


def test_suffix_counts() -> None:
    assert sorted(p.kanji[-1] for p in PREFECTURES).count("県") == 43
    assert [p.kanji for p in PREFECTURES if not p.kanji.endswith("県")] == [
        "北海道",
        "東京都",
        "京都府",
        "大阪府",
    ]


@pytest.mark.parametrize(
    ("kanji", "capital"),
    [
        ("北海道", "札幌市"),
        ("岩手県", "盛岡市"),
        ("宮城県", "仙台市"),
        ("茨城県", "水戸市"),
        ("栃木県", "宇都宮市"),
        ("群馬県", "前橋市"),
        ("埼玉県", "さいたま市"),
        ("神奈川県", "横浜市"),
        ("石川県", "金沢市"),
        ("山梨県", "甲府市"),
        ("愛知県", "名古屋市"),
        ("三重県", "津市"),
        ("滋賀県", "大津市"),
        ("兵庫県", "神戸市"),
        ("島根県", "松江市"),
        ("香川県", "高松市"),
        ("愛媛県", "松山市"),
        ("沖縄県", "那覇市"),
    ],
)
def test_capitals(kanji: str, capital: str) -> None:
    assert get(resolve(kanji)).capital == capital


def test_get_and_name() -> None:
    assert get(40).kanji == name(40) == "福岡県"
    assert get(np.int64(13)).short == "東京"
    with pytest.raises(dataclasses.FrozenInstanceError):
        get(40).kanji = "福丘県"  # type: ignore[misc]


@pytest.mark.parametrize("code", [0, 48, True, "40", 40.0])
def test_get_takes_only_a_valid_code(code: object) -> None:
    with pytest.raises(UnknownPrefectureError, match="JIS code 1–47"):
        get(code)  # type: ignore[arg-type]


@pytest.mark.parametrize("pref", PREFECTURES, ids=by_id)
def test_neighbours_are_symmetric_and_exclude_self(pref: Prefecture) -> None:
    assert pref.code not in pref.neighbours
    assert list(pref.neighbours) == sorted(set(pref.neighbours))
    for other in pref.neighbours:
        assert pref.code in get(other).neighbours
        assert are_neighbours(pref.code, other) and are_neighbours(other, pref.code)


def test_islands_without_land_neighbours() -> None:
    assert get(1).neighbours == () and get(47).neighbours == ()
    assert [p.kanji for p in PREFECTURES if not p.neighbours] == ["北海道", "沖縄県"]
    assert sum(len(p.neighbours) for p in PREFECTURES) == 2 * 87


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("東京都", "埼玉県", True),
        ("岡山県", "香川県", True),  # 井島/石島
        ("長野県", "埼玉県", True),
        ("北海道", "青森県", False),  # 青函トンネル is not a land border
        ("千葉県", "神奈川県", False),  # nor is the アクアライン
        ("山口県", "福岡県", False),
        ("東京都", "大阪府", False),
    ],
)
def test_are_neighbours(a: str, b: str, expected: bool) -> None:
    assert are_neighbours(resolve(a), resolve(b)) is expected


def test_nagano_has_the_most_neighbours() -> None:
    assert max(PREFECTURES, key=lambda p: len(p.neighbours)).kanji == "長野県"
    assert len(get(20).neighbours) == 8


def test_regions_partition_the_prefectures() -> None:
    codes = [c for r in REGIONS for c in r.codes]
    assert sorted(codes) == list(range(1, 48))
    assert len(codes) == len(set(codes)) == 47
    for region in REGIONS:
        assert region.codes == tuple(p.code for p in PREFECTURES if p.region == region.key)
        assert all(region_of(c) is region for c in region.codes)
    assert [r.key for r in REGIONS] == [
        "hokkaido",
        "tohoku",
        "kanto",
        "chubu",
        "kinki",
        "chugoku",
        "shikoku",
        "kyushu_okinawa",
    ]


def test_region_memberships() -> None:
    assert region_of(resolve("三重県")).kanji == "近畿"
    assert region_of(resolve("沖縄県")).kanji == "九州・沖縄"
    assert region_of(resolve("新潟県")).key == "chubu"
    assert region_of(1).key == "hokkaido"
    assert len(resolve_region("九州").codes) == 8


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("九州", "kyushu_okinawa"),
        ("九州・沖縄", "kyushu_okinawa"),
        ("九州沖縄", "kyushu_okinawa"),
        ("Kyushu", "kyushu_okinawa"),
        ("kyushu", "kyushu_okinawa"),
        ("Kyūshū", "kyushu_okinawa"),
        ("Kyushu-Okinawa", "kyushu_okinawa"),
        ("近畿", "kinki"),
        ("関西", "kinki"),
        ("Kinki", "kinki"),
        ("Kansai", "kinki"),
        ("KANSAI", "kinki"),
        ("近畿地方", "kinki"),
        ("中部", "chubu"),
        ("Chubu", "chubu"),
        ("中国", "chugoku"),
        ("Chugoku", "chugoku"),
        ("Chūgoku region", "chugoku"),
        ("東北", "tohoku"),
        ("Tohoku", "tohoku"),
        ("Tōhoku", "tohoku"),
        ("関東", "kanto"),
        ("Kanto", "kanto"),
        ("四国", "shikoku"),
        ("Shikoku", "shikoku"),
        ("北海道", "hokkaido"),
        ("Hokkaido", "hokkaido"),
        (" 関東 ", "kanto"),
    ],
)
def test_resolve_region_aliases(value: str, key: str) -> None:
    assert resolve_region(value).key == key


@pytest.mark.parametrize("region", REGIONS, ids=lambda r: r.key)
def test_resolve_region_by_own_names(region: Region) -> None:
    for value in (region.key, region.kanji, region.english, region.english.upper()):
        assert resolve_region(value) is region


def test_okinawa_is_a_prefecture_not_a_region() -> None:
    assert resolve("沖縄") == 47
    with pytest.raises(UnknownRegionError) as excinfo:
        resolve_region("沖縄")
    message = str(excinfo.value)
    assert "'沖縄'" in message and "沖縄県" in message
    assert isinstance(excinfo.value, ValueError)


@pytest.mark.parametrize("value", ["Atlantis", "", "関西圏", 3])
def test_resolve_region_rejects_unknown_values(value: object) -> None:
    with pytest.raises(UnknownRegionError) as excinfo:
        resolve_region(value)  # type: ignore[arg-type]
    message = str(excinfo.value)
    assert repr(value) in message
    assert all(r.kanji in message and r.key in message for r in REGIONS)


def test_distance_tokyo_osaka() -> None:
    assert 395 <= distance_km(13, 27) <= 410
    assert distance_km(13, 27) == pytest.approx(distance_km(27, 13))
    assert distance_km(40, 40) == 0
    assert 2200 < distance_km(1, 47) < 2300


def test_distance_rejects_bad_codes() -> None:
    with pytest.raises(UnknownPrefectureError):
        distance_km(13, 48)


# Reference data lives beside the repository, not in it; the suite must pass without it.
def shared_data(subdir: str) -> Path:
    """Return the shared reference-data directory ``subdir``, or skip the test when absent."""
    override = os.environ.get("MUSUBI_SHARED_DATA")
    root = Path(override) if override else Path(__file__).resolve().parents[2] / "shared" / "data"
    path = root / subdir
    if not path.is_dir():
        pytest.skip(f"reference data not found at {path} (set MUSUBI_SHARED_DATA to check it)")
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_table_matches_dataofjapan_reference() -> None:
    data = shared_data("jp-prefectures-regions")
    # The reference separates 沖縄 (8) from 九州 (7); our block merges them.
    region_keys = ["hokkaido", "tohoku", "kanto", "chubu", "kinki", "chugoku", "shikoku"]
    region_keys += ["kyushu_okinawa", "kyushu_okinawa"]

    rows = read_csv(data / "prefectures.csv")
    assert [int(r["id"]) for r in rows] == [p.code for p in PREFECTURES]
    for row, pref in zip(rows, PREFECTURES, strict=True):
        assert (row["name-ja"], row["name-en"]) == (pref.kanji, pref.english)
        assert region_keys[int(row["regions"])] == pref.region

    for row in read_csv(data / "prefecturalCapital.csv"):
        pref = get(int(row["id"]))
        assert row["nam_ja"] == pref.kanji
        assert abs(float(row["lat"]) - pref.lat) < 0.05, pref.kanji
        assert abs(float(row["lon"]) - pref.lon) < 0.05, pref.kanji

    # Only `land` rows count; `fixed_link` rows are bridges and tunnels entered by hand.
    reference = {
        frozenset((int(r["pref_code_a"]), int(r["pref_code_b"])))
        for r in read_csv(data / "derived_prefecture_adjacency.csv")
        if r["adjacency_type"] == "land"
    }
    ours = {frozenset((p.code, n)) for p in PREFECTURES for n in p.neighbours}
    assert ours == reference


def test_table_matches_localgovjp_reference() -> None:
    data = shared_data("localgovjp")
    rows = read_csv(data / "prefjp-utf8.csv")
    assert [int(r["pid"]) for r in rows] == [p.code for p in PREFECTURES]
    for row, pref in zip(rows, PREFECTURES, strict=True):
        assert (row["pref"], row["prefshort"]) == (pref.kanji, pref.short)
        assert (row["prefkana"], row["prefshortkana"]) == (pref.kana, pref.kana_short)
        assert (row["pref_en"], row["capital"]) == (pref.english, pref.capital)
        assert abs(float(row["lat"]) - pref.lat) < 0.05, pref.kanji
        assert abs(float(row["lng"]) - pref.lon) < 0.05, pref.kanji
