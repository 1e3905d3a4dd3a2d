"""Seed corpus — places: the 47 prefectures and a hand-picked set of their real municipalities."""

from __future__ import annotations

from dataclasses import dataclass

# JIS X 0401 order, so the position + 1 is the prefecture code.
PREFECTURE_NAMES: tuple[str, ...] = (
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
)

REGIONS: tuple[str, ...] = ("北海道", "東北", "関東", "中部", "近畿", "中国", "四国", "九州・沖縄")

# Traits steer which themes a place plausibly raises (除雪 needs snow, 養殖 needs a coast, ...).
TRAITS: tuple[str, ...] = (
    "snow",  # heavy-snow prefecture (豪雪地帯 over much of its area)
    "snow_light",  # snow in part of the prefecture
    "ski",  # ski resorts matter to the local economy
    "coast",
    "island",  # inhabited remote islands (離島)
    "fishery",
    "agri",
    "forest",
    "mountain",  # 中山間地域 dominate
    "urban",
    "industry",
    "semicon",  # semiconductor plants and their supply chains
    "tourism",
    "aging",  # ageing faster than the national average
)


@dataclass(frozen=True, slots=True)
class City:
    """A real municipality (市区町村)."""

    name: str
    name_en: str
    # "coast", "ski", "snow" (the snowy part of a snow_light prefecture), "dense" (built-up, no
    # farmland or mountain villages to speak of)
    traits: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Prefecture:
    """A prefecture with the facts the seed builder needs."""

    code: str
    name: str
    name_en: str
    region: str
    municipalities: int  # number of 市区町村, a proxy for how many local governments speak up
    population: int  # in units of 10,000 people (2020 census, rounded)
    traits: tuple[str, ...]
    cities: tuple[City, ...]  # largest / capital first: companies cluster there


_CITY_MARKS = {"~": "coast", "^": "ski", "*": "snow", "#": "dense"}


def _city(entry: str) -> City:
    name, romaji = entry.split(":")
    traits = tuple(_CITY_MARKS[c] for c in romaji if c in _CITY_MARKS)
    romaji = romaji.rstrip("".join(_CITY_MARKS))
    if name.endswith("町"):
        kind = "Town"
    elif name.endswith("村"):
        kind = "Village"
    else:
        # Tokyo's special wards (区) also call themselves "City" in English.
        kind = "City"
    return City(name=name, name_en=f"{romaji} {kind}", traits=traits)


# name, romaji, region, 市区町村 count, population (万人), traits, cities "name:romaji" (4–8);
# a city's romaji may end in marks: ~ on the coast, ^ ski resorts, * the snowy part of the
# prefecture, # densely built-up.
_RAW: tuple[tuple[str, str, str, int, int, str, str], ...] = (
    (
        "北海道", "Hokkaido", "北海道", 179, 522,
        "snow ski coast fishery agri forest tourism aging semicon",
        "札幌市:Sapporo^ 旭川市:Asahikawa^ 函館市:Hakodate~ 帯広市:Obihiro 釧路市:Kushiro~ "
        "北見市:Kitami~ 稚内市:Wakkanai~ 倶知安町:Kutchan^",
    ),
    (
        "青森県", "Aomori", "東北", 40, 124, "snow ski coast fishery agri aging",
        "青森市:Aomori~^ 八戸市:Hachinohe~ 弘前市:Hirosaki^ 十和田市:Towada むつ市:Mutsu~ "
        "五所川原市:Goshogawara~",
    ),
    (
        "岩手県", "Iwate", "東北", 33, 121, "snow ski coast fishery agri forest aging semicon",
        "盛岡市:Morioka 一関市:Ichinoseki 奥州市:Oshu 北上市:Kitakami^ 宮古市:Miyako~ "
        "釜石市:Kamaishi~ 遠野市:Tono 八幡平市:Hachimantai^",
    ),
    (
        "宮城県", "Miyagi", "東北", 35, 230, "snow_light coast fishery agri urban",
        "仙台市:Sendai~ 石巻市:Ishinomaki~ 大崎市:Osaki* 気仙沼市:Kesennuma~ 名取市:Natori~ "
        "登米市:Tome 南三陸町:Minamisanriku~",
    ),
    (
        "秋田県", "Akita", "東北", 25, 96, "snow ski coast agri forest aging",
        "秋田市:Akita~ 横手市:Yokote 大館市:Odate 能代市:Noshiro~ 由利本荘市:Yurihonjo~ "
        "仙北市:Semboku^ 男鹿市:Oga~",
    ),
    (
        "山形県", "Yamagata", "東北", 35, 107, "snow ski agri aging coast",
        "山形市:Yamagata^ 鶴岡市:Tsuruoka~ 酒田市:Sakata~ 米沢市:Yonezawa^ 天童市:Tendo "
        "新庄市:Shinjo 尾花沢市:Obanazawa",
    ),
    (
        "福島県", "Fukushima", "東北", 59, 183, "snow ski coast agri industry",
        "郡山市:Koriyama いわき市:Iwaki~ 福島市:Fukushima 会津若松市:Aizuwakamatsu^ "
        "南相馬市:Minamisoma~ 白河市:Shirakawa 喜多方市:Kitakata",
    ),
    (
        "茨城県", "Ibaraki", "関東", 44, 287, "coast agri industry",
        "水戸市:Mito つくば市:Tsukuba 日立市:Hitachi~ 土浦市:Tsuchiura 古河市:Koga "
        "笠間市:Kasama 鉾田市:Hokota~",
    ),
    (
        "栃木県", "Tochigi", "関東", 25, 193, "snow_light agri industry tourism",
        "宇都宮市:Utsunomiya 小山市:Oyama 栃木市:Tochigi 足利市:Ashikaga 日光市:Nikko* "
        "那須塩原市:Nasushiobara* 那須町:Nasu*",
    ),
    (
        "群馬県", "Gunma", "関東", 35, 194, "snow_light ski agri industry tourism mountain",
        "高崎市:Takasaki 前橋市:Maebashi 太田市:Ota 伊勢崎市:Isesaki 桐生市:Kiryu "
        "沼田市:Numata*^ みなかみ町:Minakami*^ 嬬恋村:Tsumagoi*^",
    ),
    (
        "埼玉県", "Saitama", "関東", 63, 734, "urban industry",
        "さいたま市:Saitama 川口市:Kawaguchi# 川越市:Kawagoe 所沢市:Tokorozawa "
        "春日部市:Kasukabe 熊谷市:Kumagaya 秩父市:Chichibu",
    ),
    (
        "千葉県", "Chiba", "関東", 54, 628, "coast agri urban fishery",
        "千葉市:Chiba~ 船橋市:Funabashi~# 柏市:Kashiwa 成田市:Narita 木更津市:Kisarazu~ "
        "銚子市:Choshi~ 館山市:Tateyama~ いすみ市:Isumi~",
    ),
    (
        "東京都", "Tokyo", "関東", 62, 1405, "urban island industry",
        "渋谷区:Shibuya# 江東区:Koto~# 世田谷区:Setagaya# 八王子市:Hachioji 町田市:Machida "
        "立川市:Tachikawa 奥多摩町:Okutama 八丈町:Hachijo~",
    ),
    (
        "神奈川県", "Kanagawa", "関東", 33, 924, "urban coast tourism industry",
        "横浜市:Yokohama~ 川崎市:Kawasaki~# 相模原市:Sagamihara 藤沢市:Fujisawa~ "
        "横須賀市:Yokosuka~ 小田原市:Odawara~ 鎌倉市:Kamakura~ 箱根町:Hakone",
    ),
    (
        "新潟県", "Niigata", "中部", 30, 220, "snow ski coast agri fishery island industry",
        "新潟市:Niigata~ 長岡市:Nagaoka~ 上越市:Joetsu~^ 三条市:Sanjo 燕市:Tsubame "
        "佐渡市:Sado~ 十日町市:Tokamachi^ 湯沢町:Yuzawa^",
    ),
    (
        "富山県", "Toyama", "中部", 15, 103, "snow ski coast agri industry",
        "富山市:Toyama~ 高岡市:Takaoka~ 射水市:Imizu~ 南砺市:Nanto^ 黒部市:Kurobe~ 氷見市:Himi~",
    ),
    (
        "石川県", "Ishikawa", "中部", 19, 113, "snow coast fishery tourism aging",
        "金沢市:Kanazawa~ 白山市:Hakusan~ 小松市:Komatsu~ 加賀市:Kaga~ 七尾市:Nanao~ "
        "輪島市:Wajima~ 珠洲市:Suzu~",
    ),
    (
        "福井県", "Fukui", "中部", 17, 77, "snow coast industry",
        "福井市:Fukui~ 坂井市:Sakai~ 鯖江市:Sabae 敦賀市:Tsuruga~ 大野市:Ono 小浜市:Obama~",
    ),
    (
        "山梨県", "Yamanashi", "中部", 27, 81, "snow_light mountain tourism agri",
        "甲府市:Kofu 富士吉田市:Fujiyoshida* 北杜市:Hokuto* 笛吹市:Fuefuki 甲州市:Koshu "
        "富士河口湖町:Fujikawaguchiko",
    ),
    (
        "長野県", "Nagano", "中部", 77, 205, "snow ski mountain agri forest tourism",
        "長野市:Nagano^ 松本市:Matsumoto^ 上田市:Ueda^ 飯田市:Iida 佐久市:Saku 伊那市:Ina "
        "塩尻市:Shiojiri 白馬村:Hakuba^",
    ),
    (
        "岐阜県", "Gifu", "中部", 42, 198, "snow ski mountain forest tourism industry",
        "岐阜市:Gifu 大垣市:Ogaki 高山市:Takayama^ 多治見市:Tajimi 関市:Seki "
        "中津川市:Nakatsugawa 郡上市:Gujo^ 白川村:Shirakawa",
    ),
    (
        "静岡県", "Shizuoka", "中部", 35, 363, "coast fishery industry tourism agri",
        "浜松市:Hamamatsu~ 静岡市:Shizuoka~ 富士市:Fuji~ 沼津市:Numazu~ 磐田市:Iwata~ "
        "焼津市:Yaizu~ 掛川市:Kakegawa~ 熱海市:Atami~",
    ),
    (
        "愛知県", "Aichi", "中部", 54, 754, "urban industry agri",
        "名古屋市:Nagoya# 豊田市:Toyota 岡崎市:Okazaki 豊橋市:Toyohashi 一宮市:Ichinomiya "
        "春日井市:Kasugai 刈谷市:Kariya 常滑市:Tokoname",
    ),
    (
        "三重県", "Mie", "近畿", 29, 177, "coast fishery industry semicon tourism",
        "四日市市:Yokkaichi~ 津市:Tsu~ 鈴鹿市:Suzuka~ 松阪市:Matsusaka~ 伊勢市:Ise~ 伊賀市:Iga "
        "鳥羽市:Toba~ 尾鷲市:Owase~",
    ),
    (
        "滋賀県", "Shiga", "近畿", 19, 141, "snow_light agri industry",
        "大津市:Otsu 草津市:Kusatsu 彦根市:Hikone* 長浜市:Nagahama* 東近江市:Higashiomi "
        "甲賀市:Koka",
    ),
    (
        "京都府", "Kyoto", "近畿", 26, 258, "snow_light urban tourism coast",
        "京都市:Kyoto 宇治市:Uji 亀岡市:Kameoka 福知山市:Fukuchiyama* 舞鶴市:Maizuru~* "
        "京丹後市:Kyotango~* 与謝野町:Yosano*",
    ),
    (
        "大阪府", "Osaka", "近畿", 43, 884, "urban industry",
        "大阪市:Osaka# 堺市:Sakai 東大阪市:Higashiosaka# 豊中市:Toyonaka# 吹田市:Suita# "
        "枚方市:Hirakata 岸和田市:Kishiwada 泉佐野市:Izumisano",
    ),
    (
        "兵庫県", "Hyogo", "近畿", 41, 547, "snow_light ski coast urban industry island fishery",
        "神戸市:Kobe~ 姫路市:Himeji~ 尼崎市:Amagasaki~# 西宮市:Nishinomiya~ 豊岡市:Toyooka~*^ "
        "洲本市:Sumoto~ 淡路市:Awaji~ 香美町:Kami~*^",
    ),
    (
        "奈良県", "Nara", "近畿", 39, 132, "mountain tourism forest",
        "奈良市:Nara 橿原市:Kashihara 生駒市:Ikoma 大和郡山市:Yamatokoriyama 天理市:Tenri "
        "五條市:Gojo 十津川村:Totsukawa",
    ),
    (
        "和歌山県", "Wakayama", "近畿", 30, 92, "coast fishery mountain agri tourism forest aging",
        "和歌山市:Wakayama~ 田辺市:Tanabe~ 海南市:Kainan~ 新宮市:Shingu~ 有田市:Arida~ "
        "白浜町:Shirahama~",
    ),
    (
        "鳥取県", "Tottori", "中国", 19, 55, "snow ski coast agri aging",
        "鳥取市:Tottori~ 米子市:Yonago~ 倉吉市:Kurayoshi 境港市:Sakaiminato~ 智頭町:Chizu "
        "大山町:Daisen~^",
    ),
    (
        "島根県", "Shimane", "中国", 19, 67, "snow_light coast island aging forest fishery",
        "松江市:Matsue~ 出雲市:Izumo~ 浜田市:Hamada~ 益田市:Masuda~ 雲南市:Unnan* "
        "隠岐の島町:Okinoshima~ 海士町:Ama~",
    ),
    (
        "岡山県", "Okayama", "中国", 27, 189, "snow_light agri industry coast",
        "岡山市:Okayama~ 倉敷市:Kurashiki~ 津山市:Tsuyama* 玉野市:Tamano~ 真庭市:Maniwa* "
        "西粟倉村:Nishiawakura*",
    ),
    (
        "広島県", "Hiroshima", "中国", 23, 280,
        "snow_light ski coast fishery semicon industry island",
        "広島市:Hiroshima~ 福山市:Fukuyama~ 東広島市:Higashihiroshima~ 呉市:Kure~ "
        "尾道市:Onomichi~ 三次市:Miyoshi* 庄原市:Shobara*^",
    ),
    (
        "山口県", "Yamaguchi", "中国", 19, 134, "coast fishery industry aging",
        "下関市:Shimonoseki~ 山口市:Yamaguchi~ 宇部市:Ube~ 周南市:Shunan~ 岩国市:Iwakuni~ "
        "萩市:Hagi~ 長門市:Nagato~",
    ),
    (
        "徳島県", "Tokushima", "四国", 24, 72, "mountain forest agri aging coast",
        "徳島市:Tokushima~ 阿南市:Anan~ 鳴門市:Naruto~ 美馬市:Mima 三好市:Miyoshi "
        "神山町:Kamiyama 上勝町:Kamikatsu",
    ),
    (
        "香川県", "Kagawa", "四国", 17, 95, "coast island agri",
        "高松市:Takamatsu~ 丸亀市:Marugame~ 坂出市:Sakaide~ 観音寺市:Kanonji~ 三豊市:Mitoyo~ "
        "小豆島町:Shodoshima~",
    ),
    (
        "愛媛県", "Ehime", "四国", 20, 133, "coast fishery island agri",
        "松山市:Matsuyama~ 今治市:Imabari~ 新居浜市:Niihama~ 西条市:Saijo~ 宇和島市:Uwajima~ "
        "八幡浜市:Yawatahama~ 大洲市:Ozu~",
    ),
    (
        "高知県", "Kochi", "四国", 34, 69, "coast fishery forest mountain aging",
        "高知市:Kochi~ 南国市:Nankoku~ 四万十市:Shimanto~ 須崎市:Susaki~ 室戸市:Muroto~ "
        "土佐清水市:Tosashimizu~ 檮原町:Yusuhara",
    ),
    (
        "福岡県", "Fukuoka", "九州・沖縄", 60, 513, "urban coast industry semicon",
        "福岡市:Fukuoka~ 北九州市:Kitakyushu~ 久留米市:Kurume 飯塚市:Iizuka 大牟田市:Omuta~ "
        "糸島市:Itoshima~ 宗像市:Munakata~ 八女市:Yame",
    ),
    (
        "佐賀県", "Saga", "九州・沖縄", 20, 81, "agri coast fishery semicon",
        "佐賀市:Saga~ 唐津市:Karatsu~ 鳥栖市:Tosu 伊万里市:Imari~ 武雄市:Takeo 嬉野市:Ureshino",
    ),
    (
        "長崎県", "Nagasaki", "九州・沖縄", 21, 131, "coast island fishery aging tourism",
        "長崎市:Nagasaki~ 佐世保市:Sasebo~ 諫早市:Isahaya~ 大村市:Omura~ 島原市:Shimabara~ "
        "五島市:Goto~ 対馬市:Tsushima~ 壱岐市:Iki~",
    ),
    (
        "熊本県", "Kumamoto", "九州・沖縄", 45, 174, "agri semicon mountain tourism coast",
        "熊本市:Kumamoto~ 八代市:Yatsushiro~ 合志市:Koshi 菊池市:Kikuchi 天草市:Amakusa~ "
        "阿蘇市:Aso 人吉市:Hitoyoshi 菊陽町:Kikuyo",
    ),
    (
        "大分県", "Oita", "九州・沖縄", 18, 112, "tourism coast fishery semicon forest",
        "大分市:Oita~ 別府市:Beppu~ 中津市:Nakatsu~ 日田市:Hita 佐伯市:Saiki~ 由布市:Yufu "
        "竹田市:Taketa",
    ),
    (
        "宮崎県", "Miyazaki", "九州・沖縄", 26, 107, "agri forest coast fishery",
        "宮崎市:Miyazaki~ 都城市:Miyakonojo 延岡市:Nobeoka~ 日向市:Hyuga~ 日南市:Nichinan~ "
        "小林市:Kobayashi 高千穂町:Takachiho",
    ),
    (
        "鹿児島県", "Kagoshima", "九州・沖縄", 43, 159, "agri coast island fishery tourism",
        "鹿児島市:Kagoshima~ 霧島市:Kirishima~ 鹿屋市:Kanoya~ 薩摩川内市:Satsumasendai~ "
        "指宿市:Ibusuki~ 奄美市:Amami~ 屋久島町:Yakushima~",
    ),
    (
        "沖縄県", "Okinawa", "九州・沖縄", 41, 147, "coast island tourism fishery",
        "那覇市:Naha~# 沖縄市:Okinawa~ うるま市:Uruma~ 浦添市:Urasoe~# 名護市:Nago~ "
        "石垣市:Ishigaki~ 宮古島市:Miyakojima~ 竹富町:Taketomi~",
    ),
)  # fmt: skip

PREFECTURES: tuple[Prefecture, ...] = tuple(
    Prefecture(
        code=f"{i + 1:02d}",
        name=name,
        name_en=name_en,
        region=region,
        municipalities=municipalities,
        population=population,
        traits=tuple(traits.split()),
        cities=tuple(_city(entry) for entry in cities.split()),
    )
    for i, (name, name_en, region, municipalities, population, traits, cities) in enumerate(_RAW)
)

PREFECTURE_BY_NAME: dict[str, Prefecture] = {p.name: p for p in PREFECTURES}


def city_has(pref: Prefecture, city: City, trait: str) -> bool:
    """Whether a place trait holds for this city, not just somewhere in its prefecture."""
    if trait in ("coast", "ski"):
        return trait in city.traits
    if trait == "snow_light":
        return trait in pref.traits and "snow" in city.traits
    return trait in pref.traits
