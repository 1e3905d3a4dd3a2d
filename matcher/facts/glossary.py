"""English challenges read in Japanese: a bilingual glossary of regional-policy vocabulary.

Profiles here are Japanese, and no encoder that ships with Musubi reads across languages, so an
English challenge (“Bears keep wandering into town at dawn”) would match English profiles only.
Its words are looked up in this glossary of what municipal challenges and supplier offers talk
about, and the Japanese terms are searched beside the English text — dictionary-based
cross-language retrieval. A multilingual ``st:`` model, where one is installed, does better.
"""

from __future__ import annotations

import re
from functools import lru_cache

from embeddings import japanese_share
from matcher.facts import terms

# English word or phrase | Japanese terms. Phrases win over their words (“snow removal”
# before “snow”); several Japanese terms cover the spellings profiles use (熊 and クマ).
_ENTRIES = """
elderly | 高齢者
older people | 高齢者
senior | 高齢者
senior citizen | 高齢者
aged | 高齢者
living alone | 独居 一人暮らし
live alone | 独居 一人暮らし
lonely death | 孤独死
isolation | 孤立
loneliness | 孤独 孤立
watch over | 見守り
monitoring | 見守り 監視 モニタリング
monitor | 見守り 監視 モニタリング
check on | 安否確認 見守り
safety check | 安否確認
information | 情報
message | 情報 伝達 連絡
inform | 情報伝達 周知 知らせ
announcement | 周知 放送 お知らせ
announce | 周知 放送
broadcast | 放送 防災無線
disaster radio | 防災無線
evacuation order | 避難指示 避難情報
reach | 届く 伝達
wellbeing | 安否 健康
dementia | 認知症
wander | 徘徊 出没
nursing care | 介護
care | 介護 ケア
caregiver | 介護職員 介護人材
care worker | 介護職員 介護人材
nursing home | 介護施設
hospital | 病院 医療機関
clinic | 診療所 クリニック
doctor | 医師
nurse | 看護師
medical | 医療
healthcare | 医療 ヘルスケア
health | 健康
health checkup | 健診 健康診断
telemedicine | オンライン診療 遠隔医療
remote medical | 遠隔医療 オンライン診療
online consultation | オンライン診療
pharmacy | 薬局
medicine | 薬 医療
ambulance | 救急車 救急
emergency | 救急 緊急
frailty | フレイル
exercise | 運動
child | 子ども 児童
children | 子ども 児童
kid | 子ども
student | 児童 生徒 学生
pupil | 児童 生徒
school | 学校 小学校 通学
way to school | 通学路 登下校
school route | 通学路
commute to school | 通学 登下校
school bus | スクールバス
parent | 保護者
childcare | 子育て 保育
child care | 子育て 保育
nursery | 保育所 保育園
kindergarten | 幼稚園
daycare | 保育
after-school | 放課後 学童
bullying | いじめ
truancy | 不登校
education | 教育
teacher | 教員 教師
learning | 学習
pregnancy | 妊娠 妊産婦
birth rate | 出生率 少子化
declining birthrate | 少子化
population decline | 人口減少
depopulation | 過疎 人口減少
depopulated | 過疎
ageing | 高齢化
aging | 高齢化
migration | 移住
relocation | 移住
move to | 移住
young people | 若者
youth | 若者
labour shortage | 人手不足 担い手不足
labor shortage | 人手不足 担い手不足
shortage | 不足
worker | 担い手 人材 作業員
workforce | 人材 担い手
staff | 職員 人員
successor | 後継者
business succession | 事業承継
employment | 雇用 就労
job | 仕事 雇用
traffic | 交通
traffic accident | 交通事故
accident | 事故
car | 車 自動車 車両
vehicle | 車両 自動車
speed | 速度 スピード
speeding | 速度超過 スピード
crossing | 交差点 横断歩道
crosswalk | 横断歩道
intersection | 交差点
pedestrian | 歩行者
road | 道路
street | 道路 街路
road surface | 路面
pothole | 路面 ポットホール 舗装
pavement | 舗装
sidewalk | 歩道
signal | 信号
traffic light | 信号機
dangerous | 危険 危ない
danger | 危険
hazard | 危険 ハザード
risk | リスク 危険
safety | 安全
safe | 安全
near miss | ヒヤリハット
police | 警察
data | データ
camera | カメラ
sensor | センサー
ai | AI 人工知能
image | 画像
video | 映像 動画
analysis | 分析 解析
analyse | 分析 解析
analyze | 分析 解析
visualise | 可視化 見える化
visualize | 可視化 見える化
map | 地図 マップ
bus | バス 路線バス
bus route | バス路線 路線バス
public transport | 公共交通
transport | 交通 移動
transportation | 交通 移動手段
mobility | 移動 モビリティ
on-demand | オンデマンド デマンド交通
on demand | オンデマンド デマンド交通
demand-responsive | デマンド交通
ride sharing | ライドシェア
rideshare | ライドシェア
taxi | タクシー
driver | 運転手 ドライバー
shopping | 買い物
grocery | 買い物 食料品 日用品
daily necessities | 日用品
shopping refugees | 買い物弱者 買い物難民
train | 鉄道 列車
railway | 鉄道
station | 駅
autonomous driving | 自動運転
self-driving | 自動運転
drone | ドローン
delivery | 配送 物流 配達
logistics | 物流
parcel | 荷物 配送
mountain | 山間部 山
mountainous | 山間部 中山間地域
remote island | 離島
island | 離島 島
village | 集落 村
hamlet | 集落
rural | 農村 中山間地域 地方
countryside | 農村 地方
town | 町 まち
city | 市 都市
snow | 雪 積雪
snow removal | 除雪 排雪
snowplow | 除雪車
snowplough | 除雪車
clear snow | 除雪
snowfall | 降雪 積雪
heavy snow | 豪雪 大雪
ice | 凍結
icy | 凍結
freeze | 凍結
ski | スキー
ski resort | スキー場
disaster | 災害 防災
disaster prevention | 防災
evacuation | 避難
evacuate | 避難
shelter | 避難所
flood | 洪水 浸水 水害
flooding | 洪水 浸水 冠水
inundation | 浸水
heavy rain | 大雨 豪雨
river | 河川 川
water level | 水位
landslide | 土砂災害 土砂崩れ
earthquake | 地震
tsunami | 津波
typhoon | 台風
fire | 火災
wildfire | 山火事 林野火災
warning | 警報 注意喚起
warn | 警報 注意喚起 通知
alert | 警報 アラート 通知
notify | 通知
notification | 通知
resident | 住民
citizen | 市民 住民
neighbourhood | 地域 近所
neighborhood | 地域 近所
community | 地域 コミュニティ
residential | 住宅地 住宅
residential area | 住宅地
response team | 対応 出動
dawn | 早朝 明け方
night | 夜間
early morning | 早朝
bear | 熊 クマ
deer | 鹿 シカ
boar | イノシシ
wild boar | イノシシ
monkey | 猿 サル
wildlife | 野生動物 鳥獣
wild animal | 野生動物 鳥獣
animal | 動物 鳥獣
crop damage | 農作物被害 鳥獣被害
pest | 害獣 害虫
trap | わな 罠
sighting | 出没 目撃
appear | 出没
appearance | 出没
shows up | 出没
intrusion | 侵入
detect | 検知
detection | 検知 検出
farm | 農業 農地 農家
farmer | 農家 農業者
farming | 農業
agriculture | 農業
agricultural | 農業 農作物
crop | 農作物 作物
rice | 米 稲作
paddy | 水田
field | 圃場 畑
orchard | 果樹園
fruit | 果樹 果物
vegetable | 野菜
greenhouse | ハウス 施設園芸
spraying | 散布 防除
pesticide | 農薬
fertiliser | 肥料
fertilizer | 肥料
abandoned farmland | 耕作放棄地
forest | 森林 山林
forestry | 林業
timber | 木材
tree | 樹木 木
thinning | 間伐
boundary | 境界
survey | 調査 測量
fishery | 漁業 水産業
fishing | 漁業
fisherman | 漁業者 漁師
fish | 魚 水産
aquaculture | 養殖
seaweed | 海藻 藻場
port | 港
harbour | 港
harbor | 港
coast | 海岸 沿岸
beach | 海岸 砂浜
marine | 海洋 水産
vacant house | 空き家
vacant home | 空き家
empty house | 空き家
abandoned house | 空き家
unoccupied | 空き家 空き
vacant | 空き
house | 家 住宅 家屋
housing | 住宅
home | 家 住宅 自宅
building | 建物 建築物
owner | 所有者
landlord | 所有者
roof | 屋根
collapse | 倒壊 崩落
dilapidated | 老朽 危険空き家
demolition | 解体 除却
renovation | 改修 リノベーション
repair | 修繕 補修 修理
maintenance | 維持管理 保守 点検
inspection | 点検 検査
inspect | 点検
bridge | 橋梁 橋
tunnel | トンネル
infrastructure | インフラ 社会資本
ageing infrastructure | インフラ老朽化
deterioration | 劣化 老朽化
aging facilities | 老朽化施設
public facility | 公共施設
city hall | 庁舎 市役所
town hall | 庁舎 役場
government building | 庁舎
water | 水道 水
water supply | 水道 上水道
water pipe | 水道管 配水管
pipe | 管 配管 水道管
leak | 漏水 漏れ 雨漏り
leakage | 漏水
sewage | 下水道 下水
sewer | 下水道
wastewater | 排水 下水
garbage | ごみ
waste | 廃棄物 ごみ
trash | ごみ
litter | ごみ ポイ捨て
recycling | リサイクル 資源化
food waste | 食品ロス 生ごみ
food loss | 食品ロス
collection | 収集 回収
energy | エネルギー
electricity | 電力 電気
power | 電力
power outage | 停電
solar | 太陽光
solar panel | 太陽光パネル 太陽光発電 ソーラーパネル
solar power | 太陽光発電
renewable | 再生可能エネルギー 再エネ
renewable energy | 再生可能エネルギー 再エネ
wind power | 風力発電
biomass | バイオマス
battery | 蓄電池 電池
storage battery | 蓄電池
decarbonisation | 脱炭素
decarbonization | 脱炭素
carbon neutral | カーボンニュートラル 脱炭素
emissions | 排出 CO2
co2 | CO2 二酸化炭素
energy saving | 省エネ
electric vehicle | 電気自動車 EV
ev | EV 電気自動車
heating | 暖房 熱供給
upfront cost | 初期費用 初期投資
upfront investment | 初期投資 初期費用
initial cost | 初期費用 初期投資
initial investment | 初期投資
budget | 予算
cost | 費用 コスト
expensive | 高額 費用
subsidy | 補助金
grant | 補助金 交付金
funding | 資金 財源
fund | 資金 基金
finance | 財政 資金
tax | 税 税金
hometown tax | ふるさと納税
furusato nozei | ふるさと納税
donation | 寄附
procurement | 調達
tender | 入札
contract | 契約
trial | 実証 試行 トライアル
pilot | 実証 試行
demonstration | 実証
tourism | 観光
tourist | 観光客
visitor | 観光客 来訪者
foreign visitors | 訪日外国人 インバウンド
inbound | インバウンド 訪日外国人
foreigner | 外国人
foreign residents | 外国人住民 在住外国人
foreign tourist | 訪日外国人 インバウンド 外国人観光客
multilingual | 多言語
interpreter | 通訳
interpretation | 通訳
interpreting | 通訳
talk | 会話
conversation | 会話
communicate | コミュニケーション 伝達
communication | コミュニケーション 伝達
restaurant | 飲食店
menu | メニュー
food | 食 食品
meal | 食事
signage | 案内表示 サイン
sign | 標識 案内表示
guide | 案内 ガイド
guidance | 案内
translation | 翻訳 多言語
language | 言語
sightseeing | 観光
hot spring | 温泉
inn | 旅館 宿泊
accommodation | 宿泊
hotel | ホテル 宿泊
festival | 祭り イベント
event | イベント
culture | 文化
cultural property | 文化財
heritage | 文化財 遺産
local products | 特産品 地場産品
specialty | 特産品 名産
brand | ブランド
promotion | 振興 プロモーション 誘客
shopping street | 商店街
shop | 店舗 商店
store | 店舗
small business | 中小企業 小規模事業者
manufacturing | 製造業 ものづくり
factory | 工場
industry | 産業 工業
startup | スタートアップ
company | 企業
university | 大学
research | 研究
technology | 技術
digital | デジタル DX
dx | DX デジタル
digital transformation | DX デジタル化
online | オンライン 電子
application | 申請
procedure | 手続き
paperwork | 書類 事務
document | 書類 文書
front desk | 窓口
queue | 待ち時間 行列
waiting time | 待ち時間
administrative | 行政 事務
administration | 行政
government | 行政 自治体
municipality | 自治体 市町村
municipal | 自治体 市町村
local government | 自治体 地方自治体
official | 職員
efficiency | 効率化
efficient | 効率 効率化
streamline | 効率化
automation | 自動化
automate | 自動化
manual | 手作業 人手
by hand | 手作業
one by one | 一軒ずつ 一件ずつ
register | 台帳 登録
ledger | 台帳
database | データベース 台帳
record | 記録 台帳
update | 更新
chatbot | チャットボット
smartphone | スマートフォン スマホ
app | アプリ
internet | インターネット 通信
network | ネットワーク 通信
broadband | 光回線 通信
cashless | キャッシュレス
payment | 決済 支払い
mynumber | マイナンバー
my number | マイナンバー
library | 図書館
sports | スポーツ
park | 公園
playground | 遊具 公園
noise | 騒音
air pollution | 大気汚染
environment | 環境
climate | 気候
heat | 暑さ 熱
heatstroke | 熱中症
cold | 寒さ 寒冷
weather | 気象 天気
forecast | 予測 予報
prediction | 予測
predict | 予測
real time | リアルタイム
realtime | リアルタイム
right away | すぐ 即時 リアルタイム
immediately | 即時 すぐ
location | 位置 場所
gps | GPS 位置情報
tracking | 追跡 位置情報
security | 防犯 セキュリティ
crime | 犯罪 防犯
crime prevention | 防犯
suspicious | 不審
fraud | 詐欺
poverty | 貧困
welfare | 福祉
disability | 障害 障がい
disabled | 障害者 障がい者
wheelchair | 車いす
barrier-free | バリアフリー
accessibility | バリアフリー アクセシビリティ
cemetery | 墓地
funeral | 葬儀
""".strip().splitlines()

_GLOSSARY = dict(tuple(part.strip() for part in line.split("|")) for line in _ENTRIES)
_LONGEST = max(len(key.split()) for key in _GLOSSARY)
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_POSSESSIVE = re.compile(r"'s\b")


def _forms(word: str) -> list[str]:
    """The word and what it may be inflected from (bears → bear, wandering → wander)."""
    forms = [word]
    for suffix, base in (
        ("ies", "y"),
        ("es", ""),
        ("s", ""),
        ("ing", ""),
        ("ing", "e"),
        ("ed", ""),
        ("ed", "e"),
        ("ly", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            forms.append(word[: len(word) - len(suffix)] + base)
    return forms


def _lookup(words: list[str]) -> str | None:
    """The Japanese terms of these words as one glossary entry, the last word in any form."""
    *head, last = words
    for form in _forms(last):
        japanese = _GLOSSARY.get(" ".join([*head, form]))
        if japanese:
            return japanese
    return None


@lru_cache(maxsize=4_096)
def gloss(text: str) -> str:
    """Japanese terms for the English words of ``text``, space-separated; "" for Japanese text.

    Longest phrases first, each word used once: “snow removal” gives 除雪 排雪, not 雪 積雪 too.
    """
    if japanese_share(text) >= 0.5:
        return ""
    words = _WORD.findall(_POSSESSIVE.sub("", text.lower().replace("’", "'")))
    found: list[str] = []
    i = 0
    while i < len(words):
        for n in range(min(_LONGEST, len(words) - i), 0, -1):
            japanese = _lookup(words[i : i + n])
            if japanese:
                found.extend(t for t in japanese.split() if t not in found)
                i += n
                break
        else:
            i += 1
    return " ".join(found)


# AI, IoT, LGWAN, GIS: written the same in Japanese profiles as in English text.
_ACRONYM = re.compile(r"[A-Za-z0-9]*[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*")


def key_terms_of(text: str) -> tuple[str, ...]:
    """Key terms of a text that may be English, as evidence against Japanese profiles.

    Japanese text: its key terms. English text: its Japanese words, its acronyms and the terms
    of its glossary reading; English words would only dilute the coverage of documents that
    never contain them.
    """
    reading = gloss(text)
    if not reading:
        return terms.key_terms(text)
    own = (t for t in terms.key_terms(text) if japanese_share(t) or _ACRONYM.fullmatch(t))
    return tuple(dict.fromkeys((*own, *terms.key_terms(reading))))
