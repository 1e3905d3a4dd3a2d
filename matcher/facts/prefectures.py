"""Prefectures of Japan as facts: codes, names in every spelling, regions, capitals, neighbours."""

# The table is one aligned row per prefecture so the facts can be checked by eye; that is wider
# than our line length, and a wrapped table would hide a wrong cell.
# ruff: noqa: E501

import itertools
import math
import operator
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

__all__ = [
    "PREFECTURES",
    "REGIONS",
    "Prefecture",
    "Region",
    "UnknownPrefectureError",
    "UnknownRegionError",
    "are_neighbours",
    "distance_km",
    "get",
    "name",
    "region_of",
    "resolve",
    "resolve_region",
]


@dataclass(frozen=True)
class Prefecture:
    """One prefecture (都道府県), identified by its JIS X 0401 code.

    ``lat``/``lon`` locate the prefectural office (WGS 84, 4 decimals) and ``neighbours`` lists
    the codes of prefectures that share a land border, in ascending order.
    """

    code: int
    kanji: str
    short: str
    kana: str
    english: str
    region: str
    capital: str
    lat: float
    lon: float
    neighbours: tuple[int, ...]

    @property
    def kana_short(self) -> str:
        """Reading without the suffix: ふくおか for ふくおかけん, ほっかいどう for 北海道."""
        return self.kana.removesuffix(_SUFFIX_KANA.get(self.kanji[-1], ""))


@dataclass(frozen=True)
class Region:
    """A regional block (地方区分) and the codes of its prefectures, ascending."""

    key: str
    kanji: str
    english: str
    codes: tuple[int, ...]


class UnknownPrefectureError(ValueError):
    """Raised when a value names no prefecture; ``value`` holds what was given."""

    def __init__(self, value: object) -> None:
        self.value = value
        super().__init__(
            f"unknown prefecture {value!r}: use a name such as 福岡県 or 福岡, "
            "a JIS code 1–47, or an English name such as Fukuoka"
        )


class UnknownRegionError(ValueError):
    """Raised when a value names no regional block; ``value`` holds what was given, and
    ``prefecture`` the code of the prefecture it names instead, if it names one."""

    def __init__(self, value: object, prefecture: int | None = None) -> None:
        self.value = value
        self.prefecture = prefecture
        choices = ", ".join(f"{r.kanji} ({r.key})" for r in REGIONS)
        hint = ""
        if prefecture is not None:
            # The common mistake is passing a prefecture (沖縄) where a block is wanted; say so.
            hint = (
                f"; {value!r} is the prefecture {name(prefecture)}, "
                f"which is in {region_of(prefecture).kanji}"
            )
        super().__init__(f"unknown region {value!r}: use one of {choices}{hint}")


# Checked while writing against dataofjapan/land (prefectures.csv, prefecturalCapital.csv and the
# land rows of a TopoJSON-derived adjacency list; 出典：地球地図日本（国土地理院）) and
# code4fukui/localgovjp prefjp-utf8.csv (CC0), whose office coordinates these are. Nothing is read
# at run time: these are facts that change by law, not by download.
# 東京都 has no capital city; the 都庁 sits in 新宿区 by ordinance, so that is what we record.
# 岡山–香川 is a land border: the two meet on 井島/石島 in the Seto Inland Sea.
# fmt: off
_PREFECTURE_TABLE: tuple[tuple, ...] = (
    # code, kanji, short, kana, english, region, capital, lat, lon, land neighbours
    (1,  "北海道",   "北海道", "ほっかいどう", "Hokkaido",  "hokkaido",       "札幌市",     43.0640, 141.3479, ()),
    (2,  "青森県",   "青森",   "あおもりけん", "Aomori",    "tohoku",         "青森市",     40.8246, 140.7406, (3, 5)),
    (3,  "岩手県",   "岩手",   "いわてけん",   "Iwate",     "tohoku",         "盛岡市",     39.7035, 141.1527, (2, 4, 5)),
    (4,  "宮城県",   "宮城",   "みやぎけん",   "Miyagi",    "tohoku",         "仙台市",     38.2688, 140.8721, (3, 5, 6, 7)),
    (5,  "秋田県",   "秋田",   "あきたけん",   "Akita",     "tohoku",         "秋田市",     39.7186, 140.1023, (2, 3, 4, 6)),
    (6,  "山形県",   "山形",   "やまがたけん", "Yamagata",  "tohoku",         "山形市",     38.2404, 140.3636, (4, 5, 7, 15)),
    (7,  "福島県",   "福島",   "ふくしまけん", "Fukushima", "tohoku",         "福島市",     37.7503, 140.4675, (4, 6, 8, 9, 10, 15)),
    (8,  "茨城県",   "茨城",   "いばらきけん", "Ibaraki",   "kanto",          "水戸市",     36.3418, 140.4468, (7, 9, 11, 12)),
    (9,  "栃木県",   "栃木",   "とちぎけん",   "Tochigi",   "kanto",          "宇都宮市",   36.5657, 139.8836, (7, 8, 10, 11)),
    (10, "群馬県",   "群馬",   "ぐんまけん",   "Gunma",     "kanto",          "前橋市",     36.3912, 139.0602, (7, 9, 11, 15, 20)),
    (11, "埼玉県",   "埼玉",   "さいたまけん", "Saitama",   "kanto",          "さいたま市", 35.8574, 139.6489, (8, 9, 10, 12, 13, 19, 20)),
    (12, "千葉県",   "千葉",   "ちばけん",     "Chiba",     "kanto",          "千葉市",     35.6051, 140.1233, (8, 11, 13)),
    (13, "東京都",   "東京",   "とうきょうと", "Tokyo",     "kanto",          "新宿区",     35.6895, 139.6917, (11, 12, 14, 19)),
    (14, "神奈川県", "神奈川", "かながわけん", "Kanagawa",  "kanto",          "横浜市",     35.4478, 139.6425, (13, 19, 22)),
    (15, "新潟県",   "新潟",   "にいがたけん", "Niigata",   "chubu",          "新潟市",     37.9024, 139.0232, (6, 7, 10, 16, 20)),
    (16, "富山県",   "富山",   "とやまけん",   "Toyama",    "chubu",          "富山市",     36.6953, 137.2113, (15, 17, 20, 21)),
    (17, "石川県",   "石川",   "いしかわけん", "Ishikawa",  "chubu",          "金沢市",     36.5947, 136.6256, (16, 18, 21)),
    (18, "福井県",   "福井",   "ふくいけん",   "Fukui",     "chubu",          "福井市",     36.0652, 136.2216, (17, 21, 25, 26)),
    (19, "山梨県",   "山梨",   "やまなしけん", "Yamanashi", "chubu",          "甲府市",     35.6642, 138.5684, (11, 13, 14, 20, 22)),
    (20, "長野県",   "長野",   "ながのけん",   "Nagano",    "chubu",          "長野市",     36.6513, 138.1812, (10, 11, 15, 16, 19, 21, 22, 23)),
    (21, "岐阜県",   "岐阜",   "ぎふけん",     "Gifu",      "chubu",          "岐阜市",     35.3912, 136.7223, (16, 17, 18, 20, 23, 24, 25)),
    (22, "静岡県",   "静岡",   "しずおかけん", "Shizuoka",  "chubu",          "静岡市",     34.9770, 138.3831, (14, 19, 20, 23)),
    (23, "愛知県",   "愛知",   "あいちけん",   "Aichi",     "chubu",          "名古屋市",   35.1802, 136.9066, (20, 21, 22, 24)),
    (24, "三重県",   "三重",   "みえけん",     "Mie",       "kinki",          "津市",       34.7303, 136.5086, (21, 23, 25, 26, 29, 30)),
    (25, "滋賀県",   "滋賀",   "しがけん",     "Shiga",     "kinki",          "大津市",     35.0045, 135.8686, (18, 21, 24, 26)),
    (26, "京都府",   "京都",   "きょうとふ",   "Kyoto",     "kinki",          "京都市",     35.0210, 135.7556, (18, 24, 25, 27, 28, 29)),
    (27, "大阪府",   "大阪",   "おおさかふ",   "Osaka",     "kinki",          "大阪市",     34.6863, 135.5197, (26, 28, 29, 30)),
    (28, "兵庫県",   "兵庫",   "ひょうごけん", "Hyogo",     "kinki",          "神戸市",     34.6913, 135.1830, (26, 27, 31, 33)),
    (29, "奈良県",   "奈良",   "ならけん",     "Nara",      "kinki",          "奈良市",     34.6853, 135.8327, (24, 26, 27, 30)),
    (30, "和歌山県", "和歌山", "わかやまけん", "Wakayama",  "kinki",          "和歌山市",   34.2260, 135.1675, (24, 27, 29)),
    (31, "鳥取県",   "鳥取",   "とっとりけん", "Tottori",   "chugoku",        "鳥取市",     35.5039, 134.2377, (28, 32, 33, 34)),
    (32, "島根県",   "島根",   "しまねけん",   "Shimane",   "chugoku",        "松江市",     35.4723, 133.0505, (31, 34, 35)),
    (33, "岡山県",   "岡山",   "おかやまけん", "Okayama",   "chugoku",        "岡山市",     34.6618, 133.9347, (28, 31, 34, 37)),
    (34, "広島県",   "広島",   "ひろしまけん", "Hiroshima", "chugoku",        "広島市",     34.3966, 132.4596, (31, 32, 33, 35)),
    (35, "山口県",   "山口",   "やまぐちけん", "Yamaguchi", "chugoku",        "山口市",     34.1861, 131.4705, (32, 34)),
    (36, "徳島県",   "徳島",   "とくしまけん", "Tokushima", "shikoku",        "徳島市",     34.0658, 134.5593, (37, 38, 39)),
    (37, "香川県",   "香川",   "かがわけん",   "Kagawa",    "shikoku",        "高松市",     34.3401, 134.0434, (33, 36, 38)),
    (38, "愛媛県",   "愛媛",   "えひめけん",   "Ehime",     "shikoku",        "松山市",     33.8417, 132.7654, (36, 37, 39)),
    (39, "高知県",   "高知",   "こうちけん",   "Kochi",     "shikoku",        "高知市",     33.5597, 133.5311, (36, 38)),
    (40, "福岡県",   "福岡",   "ふくおかけん", "Fukuoka",   "kyushu_okinawa", "福岡市",     33.6068, 130.4183, (41, 43, 44)),
    (41, "佐賀県",   "佐賀",   "さがけん",     "Saga",      "kyushu_okinawa", "佐賀市",     33.2494, 130.2988, (40, 42)),
    (42, "長崎県",   "長崎",   "ながさきけん", "Nagasaki",  "kyushu_okinawa", "長崎市",     32.7448, 129.8738, (41,)),
    (43, "熊本県",   "熊本",   "くまもとけん", "Kumamoto",  "kyushu_okinawa", "熊本市",     32.7898, 130.7417, (40, 44, 45, 46)),
    (44, "大分県",   "大分",   "おおいたけん", "Oita",      "kyushu_okinawa", "大分市",     33.2382, 131.6126, (40, 43, 45)),
    (45, "宮崎県",   "宮崎",   "みやざきけん", "Miyazaki",  "kyushu_okinawa", "宮崎市",     31.9111, 131.4239, (43, 44, 46)),
    (46, "鹿児島県", "鹿児島", "かごしまけん", "Kagoshima", "kyushu_okinawa", "鹿児島市",   31.5601, 130.5580, (43, 45)),
    (47, "沖縄県",   "沖縄",   "おきなわけん", "Okinawa",   "kyushu_okinawa", "那覇市",     26.2124, 127.6809, ()),
)
# fmt: on

# The English column is plain ASCII as most data writes it; records also arrive in Hepburn with
# macrons and in the wāpuro/passport spellings that expand ō (Kouchi, Ooita, Ohsaka).
_HEPBURN = {
    1: "Hokkaidō",
    13: "Tōkyō",
    26: "Kyōto",
    27: "Ōsaka",
    28: "Hyōgo",
    39: "Kōchi",
    44: "Ōita",
}
# Traditional Hepburn writes ん before m as m; older English sources still say Gumma.
_OTHER_ROMAJI = {10: ("Gumma",)}

_SUFFIX_KANA = {"県": "けん", "府": "ふ", "都": "と"}
_SUFFIX_ROMAJI = {"県": "ken", "府": "fu", "都": "to"}

# fmt: off
# 沖縄 is deliberately not an alias of 九州・沖縄: it names the prefecture, and a region filter
# that silently widened 沖縄 to all of Kyushu would surprise the user.
_REGION_TABLE: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    # key, kanji, english, aliases
    ("hokkaido",       "北海道",     "Hokkaido",        ("Hokkaidō",)),
    ("tohoku",         "東北",       "Tohoku",          ("Tōhoku",)),
    ("kanto",          "関東",       "Kanto",           ("Kantō",)),
    ("chubu",          "中部",       "Chubu",           ("Chūbu",)),
    ("kinki",          "近畿",       "Kinki",           ("関西", "Kansai")),
    ("chugoku",        "中国",       "Chugoku",         ("Chūgoku",)),
    ("shikoku",        "四国",       "Shikoku",         ()),
    ("kyushu_okinawa", "九州・沖縄", "Kyushu-Okinawa",  ("九州", "Kyushu", "Kyūshū", "Kyushu and Okinawa")),
)
# fmt: on

PREFECTURES: tuple[Prefecture, ...] = tuple(Prefecture(*row) for row in _PREFECTURE_TABLE)
REGIONS: tuple[Region, ...] = tuple(
    Region(key, kanji, english, tuple(p.code for p in PREFECTURES if p.region == key))
    for key, kanji, english, _ in _REGION_TABLE
)

# IUGG mean Earth radius: against the ellipsoid the error stays well under 1 % within Japan.
_EARTH_RADIUS_KM = 6371.0088

_KATAKANA_TO_HIRAGANA = {cp: cp - 0x60 for cp in range(0x30A1, 0x30F7)}
_HIRAGANA_TO_KATAKANA = {hira: kata for kata, hira in _KATAKANA_TO_HIRAGANA.items()}
# Sources join words differently (Fukuoka-ken, Fukuoka ken, 九州・沖縄, 九州沖縄) without changing
# the name. "." stays significant so that "4.0" is not read as code 40.
_SEPARATORS = str.maketrans("", "", "-_・")
_LONG_VOWELS = {"ō": ("o", "ou", "oo", "oh"), "ū": ("u", "uu")}

_T = TypeVar("_T")


def _fold(text: str) -> str:
    """Return the lookup key of a spelling: NFKC, hiragana, lower case, no separators or macrons."""
    text = unicodedata.normalize("NFKC", text).translate(_KATAKANA_TO_HIRAGANA).casefold()
    text = "".join(text.split()).translate(_SEPARATORS)
    if not text.isascii():
        # Only for Latin script: decomposing kana would strip the dakuten and turn が into か.
        bare = "".join(
            ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch)
        )
        if bare.isascii():
            return bare
    return text


def _romaji_variants(spelling: str) -> set[str]:
    """Every way of writing the long vowels of a Hepburn name: Kōchi → kochi, kouchi, koochi, …"""
    choices = [_LONG_VOWELS.get(ch, (ch,)) for ch in spelling.casefold()]
    return {"".join(parts) for parts in itertools.product(*choices)}


def _names(p: Prefecture) -> set[str]:
    """Every name resolve() accepts for one prefecture, before folding; codes are handled apart."""
    kana = {p.kana, p.kana_short}
    suffix = _SUFFIX_ROMAJI.get(p.kanji[-1], "")
    romaji = {p.english, *_OTHER_ROMAJI.get(p.code, ())}
    if p.code in _HEPBURN:
        romaji |= {_HEPBURN[p.code], *_romaji_variants(_HEPBURN[p.code])}
    english = {f"{r}{tail}" for r in romaji for tail in ("", suffix, " prefecture")}
    return {
        p.kanji,
        p.short,
        *kana,
        *(k.translate(_HIRAGANA_TO_KATAKANA) for k in kana),
        *english,
        *(e.lower() for e in english),
        *(e.upper() for e in english),
        f"JP-{p.code:02d}",
    }


def _index(entries: Iterable[tuple[str, _T]]) -> dict[str, _T]:
    """Map folded spellings to targets, refusing a spelling that would name two of them."""
    index: dict[str, _T] = {}
    for spelling, target in entries:
        key = _fold(spelling)
        if index.setdefault(key, target) != target:
            raise RuntimeError(f"spelling {spelling!r} names both {index[key]} and {target}")
    return index


_BY_CODE: dict[int, Prefecture] = {p.code: p for p in PREFECTURES}
_BY_KEY: dict[str, int] = _index((s, p.code) for p in PREFECTURES for s in _names(p))
# Spellings exactly as clean data writes them, so the common case costs one dict lookup and no
# Unicode normalisation (resolve() runs once per imported record).
_EXACT: dict[str, int] = {s: p.code for p in PREFECTURES for s in _names(p)}
_EXACT.update({str(p.code): p.code for p in PREFECTURES})
_EXACT.update({f"{p.code:02d}": p.code for p in PREFECTURES})

_REGION_BY_KEY: dict[str, Region] = {r.key: r for r in REGIONS}
_REGION_INDEX: dict[str, Region] = _index(
    (f"{variant}{tail}", _REGION_BY_KEY[key])
    for key, kanji, english, aliases in _REGION_TABLE
    for spelling in (key, kanji, english, *aliases)
    for variant in _romaji_variants(spelling)
    for tail in ("", "地方", " region")
)


def get(code: int) -> Prefecture:
    """Return the prefecture with JIS X 0401 code ``code`` (1–47)."""
    if isinstance(code, bool):
        raise UnknownPrefectureError(code)
    try:
        return _BY_CODE[operator.index(code)]
    except (TypeError, KeyError):
        raise UnknownPrefectureError(code) from None


def resolve(value: str | int) -> int:
    """Return the JIS code of the prefecture that ``value`` names.

    Accepts the kanji name (福岡県) or short name (福岡), the code as an int (40) or a string
    ("40", "04", "４０", "JP-40"), English or Hepburn in any case and with or without the suffix
    (Fukuoka, FUKUOKA, fukuoka-ken, Tokyo-to, Hyōgo, Kouchi), and kana in hiragana or katakana
    with or without the suffix (ふくおか, フクオカ, ふくおかけん). Input is NFKC-normalised and
    stripped. 京都 is 京都府 and 北海道 is the prefecture, not the region.

    Raises UnknownPrefectureError (a ValueError) quoting ``value`` when nothing matches.
    """
    if isinstance(value, str):
        code = _EXACT.get(value)
        if code is not None:
            return code
        text = unicodedata.normalize("NFKC", value).strip()
        # Digits are checked before _fold drops separators, so "-4" does not become 4.
        if text.isascii() and text.isdigit():
            if 1 <= int(text) <= len(PREFECTURES):
                return int(text)
            raise UnknownPrefectureError(value)
        code = _BY_KEY.get(_fold(text))
        if code is None:
            raise UnknownPrefectureError(value)
        return code
    return get(value).code


def name(code: int) -> str:
    """Return the kanji name of prefecture ``code``: 40 → 福岡県."""
    return get(code).kanji


def resolve_region(value: str) -> Region:
    """Return the regional block that ``value`` names.

    Accepts the key (kyushu_okinawa), kanji (九州・沖縄, 九州, 近畿地方), English or Hepburn in any
    case (Kyushu, Kinki, Kansai, Tōhoku). Raises UnknownRegionError listing the valid choices.
    """
    if not isinstance(value, str):
        raise UnknownRegionError(value)
    region = _REGION_INDEX.get(_fold(value))
    if region is not None:
        return region
    try:
        code = resolve(value)
    except UnknownPrefectureError:
        raise UnknownRegionError(value) from None
    raise UnknownRegionError(value, code)


def region_of(code: int) -> Region:
    """Return the regional block of prefecture ``code``: 47 → 九州・沖縄."""
    return _REGION_BY_KEY[get(code).region]


def are_neighbours(a: int, b: int) -> bool:
    """Return whether ``a`` and ``b`` share a land border (bridges and tunnels don't count)."""
    get(b)
    return b in get(a).neighbours


def distance_km(a: int, b: int) -> float:
    """Return the great-circle distance in km between the prefectural offices of ``a`` and ``b``."""
    pa, pb = get(a), get(b)
    lat_a, lat_b = math.radians(pa.lat), math.radians(pb.lat)
    half_dlat = (lat_b - lat_a) / 2
    half_dlon = math.radians(pb.lon - pa.lon) / 2
    h = math.sin(half_dlat) ** 2 + math.cos(lat_a) * math.cos(lat_b) * math.sin(half_dlon) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(math.sqrt(h))
