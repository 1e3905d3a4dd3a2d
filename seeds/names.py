"""Seed corpus — names: parts for fictional but plausible organisation names.

Stems are chosen to avoid well-known real companies and universities (no 三菱, 日立, 北海道大学
...); a coined combination may still coincide with a small real firm somewhere, which is
unavoidable for names that are meant to sound real.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Industry:
    """A line of business: how it shows in a company name and in its description."""

    part: str  # 精機 → 北星精機株式会社
    part_en: str
    description: str  # 精密機器メーカー
    pattern: str = ""  # a full-name pattern replacing the 株式会社 forms, e.g. "{stem}信用金庫"
    pattern_en: str = ""


INDUSTRIES: dict[str, Industry] = {
    "seiki": Industry("精機", "Seiki", "精密機器メーカー"),
    "denki": Industry("電機", "Denki", "電機メーカー"),
    "denshi": Industry("電子", "Denshi", "電子機器メーカー"),
    "densetsu": Industry("電設", "Densetsu", "電気設備工事会社"),
    "kensetsu": Industry("建設", "Kensetsu", "総合建設会社"),
    "sokuryo": Industry("測量設計", "Sokuryo Sekkei", "測量・建設コンサルタント"),
    "tsushin": Industry("通信", "Tsushin", "通信サービス会社"),
    "joho": Industry("情報システム", "Information Systems", "システムインテグレーター"),
    "unyu": Industry("運輸", "Unyu", "物流会社"),
    "kotsu": Industry("交通", "Kotsu", "バス・タクシー事業者"),
    "suisan": Industry("水産", "Suisan", "水産会社"),
    "shokuhin": Industry("食品", "Foods", "食品メーカー"),
    "noki": Industry("農機", "Noki", "農業機械メーカー"),
    "ringyo": Industry("林産", "Rinsan", "林業・木材加工会社"),
    "kogyo": Industry("工業", "Kogyo", "機械メーカー"),
    "kagaku": Industry("化学", "Chemical", "化学メーカー"),
    "kankyo": Industry("環境サービス", "Environmental Services", "廃棄物処理・リサイクル会社"),
    "energy": Industry("エナジー", "Energy", "地域エネルギー会社"),
    "suido": Industry("水道工業", "Suido Kogyo", "上下水道工事会社"),
    "fudosan": Industry("不動産", "Real Estate", "不動産会社"),
    "kanko": Industry("観光", "Kanko", "観光事業者"),
    "medical": Industry("メディカル", "Medical", "医療機器メーカー"),
    "kyoiku": Industry("教育システム", "Education Systems", "教育ICT企業"),
    "bosai": Industry("防災", "Bosai", "防災機器メーカー"),
    "shoji": Industry("商事", "Shoji", "商社"),
    "semicon": Industry("セミコンダクター", "Semiconductor", "半導体関連メーカー"),
    "finance": Industry(
        "信用金庫", "Shinkin Bank", "信用金庫", "{stem}信用金庫", "{stem} Shinkin Bank"
    ),
    "capital": Industry(
        "キャピタル",
        "Capital",
        "地域のベンチャーキャピタル",
        "{stem}キャピタル株式会社",
        "{stem} Capital Co., Ltd.",
    ),
}

# Kanji stems for established companies: auspicious or scenic words, none a famous brand.
COMPANY_STEMS: tuple[tuple[str, str], ...] = (
    ("北星", "Hokusei"), ("蒼洋", "Soyo"), ("白嶺", "Hakurei"), ("朝陽", "Choyo"),
    ("青嵐", "Seiran"), ("若葉", "Wakaba"), ("常盤", "Tokiwa"), ("銀河", "Ginga"),
    ("暁", "Akatsuki"), ("碧水", "Hekisui"), ("翠峰", "Suiho"), ("清流", "Seiryu"),
    ("丸越", "Marukoshi"), ("東雲", "Shinonome"), ("北斗", "Hokuto"), ("南星", "Nansei"),
    ("天川", "Amakawa"), ("高嶺", "Takane"), ("大樹", "Taiju"), ("緑陽", "Ryokuyo"),
    ("昭栄", "Shoei"), ("共進", "Kyoshin"), ("豊栄", "Hoei"), ("明成", "Meisei"),
    ("新和", "Shinwa"), ("栄光", "Eiko"), ("丸正", "Marusho"), ("宝山", "Hozan"),
    ("柏葉", "Hakuyo"), ("松風", "Shofu"), ("桜台", "Sakuradai"), ("旭陽", "Kyokuyo"),
    ("泉光", "Senko"), ("水澄", "Mizusumi"), ("白鷺", "Shirasagi"), ("紫雲", "Shiun"),
    ("光陵", "Koryo"), ("恒星", "Kosei"), ("照葉", "Teruha"), ("鳴海", "Narumi"),
    ("蒼天", "Soten"), ("雲雀", "Hibari"), ("黎明", "Reimei"), ("朱雀", "Suzaku"),
    ("彩雲", "Saiun"), ("景星", "Keisei"), ("山吹", "Yamabuki"), ("大丸屋", "Daimaruya"),
    ("三葉", "Mitsuba"), ("丸八", "Maruhachi"), ("千草", "Chigusa"), ("錦", "Nishiki"),
)  # fmt: skip

# Katakana stems any startup may use, beside the theme-specific ones in themes.py.
STARTUP_STEMS: tuple[tuple[str, str], ...] = (
    ("ソラ", "Sora"), ("ミライ", "Mirai"), ("ツナグ", "Tsunagu"), ("アオ", "Ao"),
    ("ヒカリ", "Hikari"), ("カケル", "Kakeru"), ("コトリ", "Kotori"), ("ハレ", "Hare"),
    ("ミナト", "Minato"), ("ユイ", "Yui"), ("サトヤマ", "Satoyama"), ("ナギ", "Nagi"),
    ("ホシ", "Hoshi"), ("モリ", "Mori"), ("カゼ", "Kaze"), ("イロハ", "Iroha"),
    ("トモス", "Tomosu"), ("ヒラク", "Hiraku"), ("ミチ", "Michi"), ("アカリ", "Akari"),
    ("ユズリハ", "Yuzuriha"), ("コモレビ", "Komorebi"), ("シズカ", "Shizuka"), ("タネ", "Tane"),
    ("ウブスナ", "Ubusuna"), ("ムスビ", "Musubi"), ("オモイ", "Omoi"), ("スミカ", "Sumika"),
    ("アマネ", "Amane"), ("ハルカ", "Haruka"), ("クラシ", "Kurashi"), ("ワカバ", "Wakaba"),
    ("ミドリ", "Midori"), ("テマリ", "Temari"), ("ヤマビコ", "Yamabiko"), ("ナミマ", "Namima"),
    ("ホトリ", "Hotori"), ("マホロ", "Mahoro"), ("ツムジ", "Tsumuji"), ("ユウナギ", "Yunagi"),
)  # fmt: skip

STARTUP_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("テック", "Tech"), ("ラボ", "Lab"), ("ワークス", "Works"), ("ロボティクス", "Robotics"),
    ("リンク", "Link"), ("AI", "AI"), ("データ", "Data"), ("ソリューションズ", "Solutions"),
    ("デザイン", "Design"), ("ベース", "Base"), ("ノート", "Note"), ("フロー", "Flow"),
    ("ギア", "Gear"), ("センス", "Sense"), ("ポート", "Port"), ("ネクスト", "Next"),
    ("システムズ", "Systems"), ("ラボラトリーズ", "Laboratories"), ("アイ", "Eye"),
    ("クラウド", "Cloud"), ("モビリティ", "Mobility"), ("エンジン", "Engine"),
)  # fmt: skip

# Fictional university stems; checked against the names of real universities.
UNIVERSITY_STEMS: tuple[tuple[str, str], ...] = (
    ("白嶺", "Hakurei"), ("蒼洋", "Soyo"), ("北陵", "Hokuryo"), ("東雲", "Shinonome"),
    ("翠嶺", "Suirei"), ("朝霧", "Asagiri"), ("碧海", "Hekikai"), ("天翔", "Tensho"),
    ("新緑", "Shinryoku"), ("鳳翔", "Hosho"), ("旭陵", "Kyokuryo"), ("紫峰", "Shiho"),
    ("雲海", "Unkai"), ("凌雲", "Ryoun"), ("若潮", "Wakashio"), ("蒼穹", "Sokyu"),
    ("北辰", "Hokushin"), ("南嶺", "Nanrei"), ("東陵", "Toryo"), ("瑞雲", "Zuiun"),
    ("光嶺", "Korei"), ("明峰", "Meiho"), ("彩北", "Saihoku"), ("銀嶺", "Ginrei"),
    ("青雲", "Seiun"), ("桜嶺", "Ourei"), ("泉嶺", "Senrei"), ("翔洋", "Shoyo"),
    ("暁嶺", "Gyorei"), ("緑峰", "Ryokuho"), ("玄洋", "Genyo"), ("翠陵", "Suiryo"),
    ("蒼嶺", "Sorei"), ("鶴嶺", "Kakurei"), ("秀峰", "Shuho"), ("湧泉", "Yusen"),
    ("恵峰", "Keiho"), ("遥陵", "Yoryo"), ("風越", "Kazakoshi"), ("朱鷺野", "Tokino"),
)  # fmt: skip

RESEARCH_STEMS: tuple[tuple[str, str], ...] = (
    ("清流", "Seiryu"), ("碧空", "Hekiku"), ("明陽", "Meiyo"), ("天嶺", "Tenrei"),
    ("朝凪", "Asanagi"), ("夕凪", "Yunagi"), ("白波", "Shiranami"), ("金峰", "Kinpo"),
    ("葵", "Aoi"), ("桔梗", "Kikyo"), ("楓", "Kaede"), ("朱鷺", "Toki"),
    ("瑠璃", "Ruri"), ("琥珀", "Kohaku"), ("翡翠", "Hisui"), ("若竹", "Wakatake"),
    ("銀杏", "Icho"), ("樫", "Kashi"), ("椿", "Tsubaki"), ("槙", "Maki"),
    ("鴎", "Kamome"), ("雲雀野", "Hibarino"), ("月舟", "Gesshu"), ("星川", "Hoshikawa"),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class OrgType:
    """A naming pattern for universities or institutes, with the theme domains it suits."""

    pattern: str  # uses {stem} or {pref}
    pattern_en: str
    domains: tuple[str, ...] = ()  # empty: suits every domain


UNIVERSITY_TYPES: tuple[OrgType, ...] = (
    OrgType(
        "{stem}工科大学", "{stem} Institute of Technology", ("infra", "industry", "info", "env")
    ),
    OrgType("{stem}科学技術大学", "{stem} University of Science and Technology"),
    OrgType("{stem}大学", "{stem} University"),
    OrgType(
        "{stem}情報大学", "{stem} University of Information Sciences", ("info", "social", "tourism")
    ),
    OrgType("{stem}工業大学", "{stem} Institute of Industrial Technology", ("infra", "industry")),
    OrgType("{stem}農工大学", "{stem} University of Agriculture and Technology", ("agri", "env")),
    OrgType("{stem}海洋大学", "{stem} University of Marine Science", ("marine",)),
    OrgType("{stem}医療大学", "{stem} University of Health Sciences", ("medical",)),
    OrgType("{stem}環境大学", "{stem} University of Environmental Studies", ("env", "agri")),
    OrgType("{stem}学院大学", "{stem} Gakuin University", ("social", "tourism", "info")),
    OrgType("{stem}国際大学", "{stem} International University", ("tourism", "social")),
    OrgType("{stem}福祉大学", "{stem} University of Social Welfare", ("medical", "social")),
)

# Public universities named after their prefecture, as many real ones are.
PREFECTURAL_UNIVERSITY = OrgType("{pref}立{stem}大学", "{pref_en} {stem} University")

RESEARCH_TYPES: tuple[OrgType, ...] = (
    OrgType("{stem}先端研究機構", "{stem} Advanced Research Organization"),
    OrgType("{stem}科学技術研究所", "{stem} Institute of Science and Technology"),
    OrgType(
        "{stem}環境技術研究所",
        "{stem} Institute for Environmental Technology",
        ("env", "infra", "agri"),
    ),
    OrgType(
        "{stem}応用科学研究所", "{stem} Institute of Applied Science", ("industry", "info", "infra")
    ),
    OrgType("{stem}海洋技術研究センター", "{stem} Marine Technology Research Center", ("marine",)),
    OrgType("{stem}農林技術研究所", "{stem} Agri-Forestry Technology Institute", ("agri",)),
    OrgType("{stem}防災科学研究センター", "{stem} Disaster Science Research Center", ("infra",)),
    OrgType("{stem}医療技術研究所", "{stem} Institute of Medical Technology", ("medical",)),
    OrgType(
        "{stem}情報科学研究所",
        "{stem} Institute of Information Science",
        ("info", "tourism", "social"),
    ),
    OrgType("{stem}地域社会研究所", "{stem} Institute for Regional Society", ("social", "tourism")),
)

# Prefecture-run institutes (公設試); the type words are chosen not to match a real one.
PREFECTURAL_RESEARCH_TYPES: tuple[OrgType, ...] = (
    OrgType("{pref}先端技術実証センター", "{pref_en} Advanced Technology Demonstration Center"),
    OrgType(
        "{pref}産業技術イノベーション研究所",
        "{pref_en} Industrial Technology Innovation Institute",
        ("industry", "info", "infra", "env"),
    ),
    OrgType(
        "{pref}農林水産先端技術研究所",
        "{pref_en} Advanced Agriculture, Forestry and Fisheries Institute",
        ("agri", "marine"),
    ),
    OrgType(
        "{pref}地域共創研究センター",
        "{pref_en} Regional Co-creation Research Center",
        ("social", "tourism", "medical"),
    ),
)

RESEARCH_LEGAL_FORMS: tuple[str, ...] = ("公益財団法人", "一般財団法人", "")
PREFECTURAL_LEGAL_FORMS: tuple[str, ...] = ("地方独立行政法人", "")
