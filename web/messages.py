"""Messages in the page's language: one table from a code to its Japanese msgid.

``MatchError`` and ``CurationError`` (matcher) and ``BadRequest`` (web) carry a stable ``code``
and the ``params`` their English message quotes; so do the ``Notice``s that say why a result is
empty or short (a consortium's empty roles, a saved proposal's broken constraints). Pages show
the wording below, translated like every other msgid by the English catalogue; the API shows the
English one. Field names are said as the forms label them, never as CLI flags. A code that is not
here keeps its own English text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import force_locale, gettext

from matcher.curation.workflow import STATUS_LABELS
from matcher.facts.kinds import KIND_LABELS
from matcher.modes.consortium.roles import ROLES
from web.labels import kind_label, lang, prefecture_label, region_label

MESSAGES: dict[str, str] = {
    # matcher: every match mode
    "unknown_org": (
        "「%(org)s」という名前やIDの組織は見つかりません。名前の一部(鯖江)や読み(さばえ)でも"
        "探せます。"
    ),
    "ambiguous_org": "「%(org)s」に当てはまる組織が複数あります。次から選んでください。",
    "empty_text": "「%(field)s」が空です。文章で書いてください(例: 独居高齢者の見守り)。",
    "out_of_range": "「%(field)s」の %(value)s は範囲外です。%(lo)s〜%(hi)s で指定してください。",
    "unknown_prefecture": (
        "都道府県「%(value)s」が見つかりません。"
        "福岡県・福岡・40・Fukuoka のように指定してください。"
    ),
    "unknown_region": "地域「%(value)s」が見つかりません。%(regions)s から選んでください。",
    "region_is_prefecture": (
        "「%(value)s」は地域ではなく都道府県(%(prefecture)s)です。"
        "地域なら %(region)s を、都道府県は「都道府県」で選んでください。"
    ),
    # matcher.modes.procurement and matcher.modes.joint
    "unknown_kind": "種別「%(value)s」はありません。%(kinds)s から選んでください。",
    "bad_prefer": "距離の重み「%(value)s」は指定できません。near か far を指定してください。",
    "need_without_org": "課題の番号は、その課題を持つ組織のIDと一緒に指定してください。",
    "text_and_org": (
        "課題の文章と登録済みの課題(組織のID)は、どちらか一方だけを指定してください。"
    ),
    "no_needs_to_match": (
        "%(name)s(%(org)s)には登録された課題がありません。課題を文章で書いて検索してください。"
    ),
    "need_out_of_range": (
        "課題の番号 %(number)s はありません。%(name)s(%(org)s)の課題は次のとおりです: %(needs)s"
    ),
    "joint_needs_municipality": (
        "%(name)s(%(org)s)は%(kind)sです。共同調達の相手は自治体のIDから探します。"
    ),
    "no_needs_to_share": (
        "%(name)s(%(org)s)には登録された課題がないため、共同調達の相手を探せません。"
    ),
    # matcher.modes.consortium
    "unknown_role": "役割「%(value)s」はありません。%(roles)s から選んでください。",
    "role_required": "役割を指定してください。%(roles)s から選んでください。",
    "role_count_out_of_range": (
        "役割「%(role)s」に %(count)s 人は指定できません。1つの役割は1〜%(max)s 人です。"
    ),
    "roles_overlap": (
        "役割「%(role)s」と「%(other)s」はどちらも%(kind)sを取ります。どちらか一方にしてください。"
    ),
    "neighbours_need_prefecture": "隣接県を含めるには、都道府県も指定してください。",
    "too_few_prefectures": (
        "メンバーの所在地は %(prefectures)s の %(count)s 都道府県だけですが、座組みは "
        "%(min)s 都道府県以上にまたがります。地域を広げるか、「最低の都道府県数」を下げてください。"
    ),
    "no_orgs_in_places": "%(prefectures)s には登録された組織がありません。地域を広げてください。",
    "min_below_one": "「最低の都道府県数」と「最低の種別数」は1以上にしてください。",
    "role_kind_mismatch": (
        "%(name)s(%(org)s)は%(kind)sです。役割「%(role)s」に入れるのは %(kinds)s です。"
    ),
    "org_not_indexed": (
        "%(name)s(%(org)s)はまだ索引にありません。取り込み後の索引の更新を待ってください。"
    ),
    "store_changed": "%(org)s はこの検索の途中で更新されました。もう一度検索してください。",
    # matcher.curation: saved proposals on the board
    "proposal_not_found": "保存された座組み #%(id)s は見つかりません。",
    "conflict": (
        "座組み #%(proposal)s は %(at)s に %(by)s が変更しました"
        "(いまの版は %(current)s、読み込んだ版は %(expected)s)。"
        "あなたの変更はまだ保存していません。変更点を確かめて、もう一度送ってください。"
    ),
    "reason_required": "「理由」を書いてください。変更はその理由とともに履歴に残ります。",
    "unknown_status": "状態「%(value)s」はありません。%(statuses)s から選んでください。",
    "invalid_transition": (
        "座組み #%(proposal)s は「%(status)s」です。移せるのは %(allowed)s で、"
        "「%(to)s」には移せません。"
    ),
    "proposal_closed": (
        "座組み #%(proposal)s は「%(status)s」です。メンバーを変えるには、"
        "理由を書いて状態を「提案」に戻してください。"
    ),
    "no_members": "メンバーのいない座組みは保存できません。",
    "last_member": (
        "%(org)s は座組み #%(proposal)s の最後のメンバーです。"
        "外す代わりに「見送り」にしてください。"
    ),
    "already_a_member": "%(org)s はすでに座組み #%(proposal)s のメンバーです。",
    "empty_note": "メモが空です。書いてから追加してください。",
    "unknown_export_format": (
        "書き出しの形式「%(value)s」はありません。%(formats)s から選んでください。"
    ),
    "unknown_coordinator": (
        "コーディネーター「%(name)s」は登録されていません。管理者に登録を依頼してください。"
    ),
    # web.auth: logins refused for a while
    "account_locked": (
        "ログインの失敗が続いたため、このアカウントは一時的にロックされています。"
        "%(minutes)s 分後にもう一度お試しください。"
    ),
    "too_many_logins": (
        "このアドレスからのログインの失敗が多すぎます。%(minutes)s 分後にもう一度お試しください。"
    ),
    # Notices: why a result is empty or short, in the forms' words
    "no_suppliers": (
        "%(kind)sの組織が索引にありません。「種別」を増やすか、組織を取り込んでください。"
    ),
    "no_suppliers_in_places": (
        "%(prefectures)s には、%(kind)sの組織が索引にありません。"
        "「都道府県」「地域」を広げるか、「種別」を増やしてください。"
    ),
    "no_partners_elsewhere": (
        "%(prefecture)s以外に、分野の異なる組織が見つかりません。"
        "「同じ分野も含める」か「同じ都道府県も含める」を選んでください。"
    ),
    "no_partners": "分野の異なる組織が見つかりません。「同じ分野も含める」を選んでください。",
    "no_partners_outside": (
        "%(prefecture)s以外に組織が見つかりません。「同じ都道府県も含める」を選んでください。"
    ),
    "no_partners_indexed": (
        "ほかの組織が索引にありません。組織を取り込み、索引を作り直してください。"
    ),
    "nothing_fits": (
        "この課題に合う候補は見つかりませんでした。1位の候補でも、課題との関連は無関係な文と"
        "ほとんど変わりません。「都道府県」「地域」や「種別」を広げるか、課題を別の言葉で"
        "書いてください。"
    ),
    "weak_fits": (
        "%(shown)s件中%(weak)s件は、課題との関連が無関係な文とほとんど変わりません"
        "(「課題との関連が弱い」)。この条件に合う組織は少ないようです。"
        "「都道府県」「地域」や「種別」を広げるか、課題を別の言葉で書いてください。"
    ),
    "no_joint_partners": "%(prefecture)s以外に、課題が登録された自治体はありません。",
    "roles_left_empty": "埋まらなかった役割: %(role)s。",
    "no_proposal_in_places": (
        "%(places)s では、%(min_prefectures)s 都道府県以上・%(min_kinds)s 種別以上の条件を満たす"
        "座組みがありません。「地域」を広げるか、最低の数を下げてください。"
    ),
    "fewer_proposals": (
        "互いに異なる座組みは %(count)s 件でした(%(top)s 件を求めました)。"
        "ほかのチームは、どれもこれらとメンバーの半分以上が重なります。"
    ),
    "vague_theme": (
        "テーマが漠然としています。解決したい課題を具体的に書いてください(例: 独居高齢者の見守り)。"
    ),
    "role_none_indexed": "%(places)s には、索引にある%(kind)sがありません。",
    "spans_too_few_prefectures": (
        "メンバーの所在地は %(count)s 都道府県で、求めた %(min)s 都道府県に足りません。"
    ),
    "has_too_few_kinds": "メンバーの種別は %(count)s つで、求めた %(min)s 種別に足りません。",
    "too_few_kinds": (
        "座組みをつくれません。%(places)s で候補のいる役割は %(role)s だけで、座組みには "
        "%(min)s 種別が必要です。「地域」を広げるか、「最低の種別数」を下げてください。"
    ),
    "weak_members": "最初の提案で、テーマとの適合が弱いメンバー: %(names)s。確かめてください。",
    "aspects_uncovered": "最初の提案で、どのメンバーも担っていない観点: %(aspects)s。",
    "roles_left_open": (
        "最初の提案では、%(role)s を空けました。無関係な文と変わらない適合の候補しかいません。"
    ),
    "weak_member": (
        "適合が弱い: %(name)s(%(org)s)のテーマへの適合度は %(fit)s です"
        "(この役割の典型的な候補は %(typical)s)。確かめるか、ほかを探してください。"
    ),
    # web.params: the query string and form fields
    "not_text": "「%(field)s」は文字列で指定してください。",
    "unpaired_surrogate": (
        "「%(field)s」に文字として扱えない符号(対になっていないサロゲート)が含まれています。"
    ),
    "json_too_deep": "JSONの入れ子が深すぎます。数階層までのオブジェクトを送ってください。",
    "nul_character": "「%(field)s」に使えない文字(NUL)が含まれています。",
    "too_long": "「%(field)s」が長すぎます(%(length)s 文字)。%(limit)s 文字以内にしてください。",
    "not_integer": "「%(field)s」の「%(value)s」は整数ではありません。",
    "not_yes_no": "「%(field)s」の「%(value)s」は、はい・いいえの値ではありません。",
    "wrong_json_type": "「%(field)s」は JSON の %(type)s で指定してください。",
    "too_many_values": "「%(field)s」が %(count)s 個あります。%(limit)s 個までにしてください。",
    "org_required": "「%(field)s」を指定してください(組織のID、例: mu-00001)。",
    # web: consortia, import, the JSON API
    "no_such_proposal": (
        "提案 %(k)s はもうありません(この条件の提案は %(count)s 件です)。もう一度検索してください。"
    ),
    "unknown_action": "操作「%(value)s」はできません。add・remove・swap のいずれかです。",
    "not_a_member": "%(org)s はこの座組み(#%(proposal)s)のメンバーではありません。",
    "member_or_role_required": (
        "入れ替えるメンバー(member)か、追加する役割(role)を指定してください: %(roles)s"
    ),
    "file_required": "ファイルを選んでください(JSONL または CSV)。",
    "empty_upload": "ファイルが空です。JSONL または CSV のファイルを選んでください。",
    "unsupported_format": (
        "形式「%(value)s」には対応していません。jsonl か csv を指定してください。"
    ),
    "unknown_format": (
        "ファイルの形式が分かりません。名前を .jsonl か .csv にするか、形式を指定してください。"
    ),
    "unsupported_upload": (
        "ファイルは multipart の file 欄で送るか、Content-Type を application/x-ndjson か "
        "text/csv にして本文として送ってください。"
    ),
    "json_required": "Content-Type: application/json で JSON オブジェクトを送ってください。",
    "not_json_object": "本文が JSON オブジェクトではありません(壊れた JSON、配列や値だけ)。",
    "version_required": "version(読み込んだときの版)を指定してください。",
}

# Input names as the forms label them (msgids too), for the ``field`` parameter.
FIELD_LABELS: dict[str, str] = {
    "text": "解決したい課題",
    "theme": "テーマ",
    "org": "組織のID",
    "member": "メンバー",
    "need": "課題の番号",
    "top": "件数",
    "budget": "予算(円)",
    "kind": "種別",
    "prefecture": "都道府県",
    "region": "地域",
    "role": "役割",
    "min_prefectures": "最低の都道府県数",
    "min_kinds": "最低の種別数",
    "trial_order": "トライアル発注可",
    "same_prefecture": "同じ都道府県も含める",
    "same_kind": "同じ分野も含める",
    "new_only": "過去の連携先を除く",
    "q": "名前またはID",
    "page": "ページ",
    "reason": "理由",
    "note": "メモ",
    "status": "状態",
    "format": "形式",
}


# Route hints on result cards (matcher.modes.procurement.route_hints: RouteHint.code and
# .params): who may buy how from whom, and on whose certification.
ROUTE_HINTS: dict[str, str] = {
    "trial_order_startup": (
        "予算 %(budget)s 円は試行導入の規模(目安 %(limit)s 円以下)で、%(name)s はスタートアップ"
        "です。新商品を試しに買うトライアル発注の相手になり得ます。"
    ),
    "trial_order_small": (
        "予算 %(budget)s 円は試行導入の規模(目安 %(limit)s 円以下)で、%(name)s は従業員 "
        "%(employees)s 人の中小企業です。新商品を試しに買うトライアル発注の相手になり得ます。"
    ),
    "negotiated_unknown_issuer": (
        "%(name)s は「%(certification)s」を受けていますが、認定した団体の記載がありません。"
        "随意契約に使えるのは、買う団体自身(またはその都道府県、認定を共有するアライアンス)の"
        "認定だけです。認定した団体を確かめてください。"
    ),
    "negotiated_applies": (
        "%(name)s は %(issuer)s の「%(certification)s」を受けており、%(buyer)s はこの認定による"
        "随意契約ができます。"
    ),
    "negotiated_prefecture_issuer": (
        "%(name)s は %(issuer)s の「%(certification)s」を受けています。随意契約に使えるのは、"
        "買う団体が %(issuer)s 自身かその市区町村、または認定を共有するアライアンスの構成団体の"
        "ときだけです。"
    ),
    "negotiated_issuer": (
        "%(name)s は %(issuer)s の「%(certification)s」を受けています。随意契約に使えるのは、"
        "買う団体が %(issuer)s 自身、または認定を共有するアライアンスの構成団体のときだけです。"
    ),
}

# Import problems (matcher.ingest: Problem.code and .params), said beside the row and field
# they are about; the page adds the line, so the wording does not repeat it.
IMPORT_PROBLEMS: dict[str, str] = {
    "import_unknown_field": "知らない項目です。使える項目: %(allowed)s",
    "import_required_empty": "必須の項目が空です。",
    "import_required_missing": "必須の項目がありません。",
    "import_bad_partner_id": "%(value)s は組織のIDとして使えません。",
    "import_self_partner": "自分自身を過去の連携先にはできません。",
    "import_not_text": "文字列で書いてください(%(value)s は %(type)s です)。",
    "import_surrogate": (
        "文字として扱えない符号(%(char)s)があります。ファイルが途中で切れたか、"
        "変換に失敗しています。"
    ),
    "import_too_long": "長すぎます(%(length)s 文字)。%(limit)s 文字以内にしてください。",
    "import_bad_url": (
        "%(value)s はウェブのアドレスではありません。https:// か http:// で始めてください。"
    ),
    "import_not_list": "リストで書いてください(いまは %(type)s です)。",
    "import_too_many": "%(count)s 件あります。%(limit)s 件までです。",
    "import_bad_id": (
        "ID %(value)s は使えません。英数字とハイフン・下線・ピリオドで、"
        "英数字から始めてください(例: st-001)。"
    ),
    "import_unknown_kind": "種別 %(value)s はありません。%(kinds)s から選んでください。",
    "import_unknown_prefecture": (
        "都道府県 %(value)s が見つかりません。福岡県・福岡・40・Fukuoka のように書いてください。"
    ),
    "import_not_integer": "整数で書いてください(いまは %(value)s です)。",
    "import_out_of_range": "%(value)s は範囲外です。%(lo)s〜%(hi)s で書いてください。",
    "import_not_boolean": "true か false で書いてください(いまは %(value)s です)。",
    "import_not_objects": "オブジェクトのリストで書いてください(いまは %(type)s です)。",
    "import_not_object": "%(allowed)s を持つオブジェクトで書いてください。",
    "import_not_found": "ファイル %(file)s が見つかりません。",
    "import_directory": "%(file)s はフォルダーです。ファイルを選んでください。",
    "import_unreadable": "ファイル %(file)s を読めません(%(error)s)。",
    "import_binary": "%(file)s はJSONLやCSVではなく、バイナリのファイルのようです。",
    "import_undecodable": (
        "%(file)s はUTF-8でもCP932でも読めません(%(offset)s バイト目)。"
        "UTF-8で保存し直してください。"
    ),
    "import_bad_encoding": "%(file)s を %(encoding)s として読めません(%(offset)s バイト目)。",
    "import_invalid_json": "JSONとして読めません(%(column)s 文字目: %(error)s)。",
    "import_too_deep": "JSONの入れ子が深すぎます。",
    "import_not_json_object": "1行に1つのJSONオブジェクトを書いてください(いまは %(type)s です)。",
    "import_bad_csv": "CSVとして読めません(%(error)s)。",
    "import_too_many_cells": "列が %(count)s 個あります。見出しは %(columns)s 列です。",
    "import_json_cell": "このセルのJSONが読めません(%(column)s 文字目: %(error)s)。",
    "import_unknown_columns": "知らない列 %(columns)s があります。使える列: %(allowed)s",
    "import_missing_columns": "必須の列 %(columns)s がありません。",
    "import_duplicated_columns": "列 %(columns)s が2回以上あります。",
    "import_duplicate_id": "ID %(value)s は %(first)s 行目にもあります。IDは1件に1つです。",
    "import_no_records": "ファイルに組織が1件もありません。",
}


def _labelled(key: str, label: str) -> str:
    return label if label == key else f"{label} ({key})"


def _value(name: str, value: Any, names: bool = False) -> str:
    """One parameter as the page says it: labels for fields (``names``: the input's name), kinds,
    roles, statuses and places."""
    if name == "places" and not value:
        return gettext("全国")

    if isinstance(value, (tuple, list)):
        return ("、" if lang() == "ja" else ", ").join(_value(name, v) for v in value)
    if name == "field":
        return gettext(FIELD_LABELS[value]) if value in FIELD_LABELS and not names else str(value)
    if name == "kind":
        return kind_label(value)
    if name == "kinds":
        return _labelled(value, kind_label(value)) if value in KIND_LABELS else str(value)
    if name in ("role", "other", "roles"):
        label = gettext(ROLES[value].label) if value in ROLES else str(value)
        return _labelled(value, label) if name == "roles" else label
    if name in ("status", "statuses", "to", "allowed"):
        label = gettext(STATUS_LABELS[value]) if value in STATUS_LABELS else str(value)
        return _labelled(value, label) if name == "statuses" else label
    if name in ("prefecture", "prefectures", "places"):
        return prefecture_label(value)
    if name in ("region", "regions"):
        return _labelled(value, region_label(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def say(code: str, params: Mapping[str, Any], fallback: str, *, names: bool = False) -> str:
    """The wording of ``code`` with ``params`` in the page's language, or ``fallback`` when the
    code has none; ``names`` says fields by the input's name (``top``) instead of the form's
    label (件数)."""
    msgid = MESSAGES.get(code) or IMPORT_PROBLEMS.get(code) or ROUTE_HINTS.get(code)
    if msgid is None:
        return fallback
    try:
        return gettext(msgid) % {k: _value(k, v, names) for k, v in params.items()}
    except (KeyError, TypeError, ValueError):
        # A parameter the wording expects is missing: the English text still says it all.
        return fallback


def localise(error: Exception, *, names: bool = False) -> str:
    """``error``'s message in the page's language, or its own message if its code has none."""
    return say(getattr(error, "code", ""), getattr(error, "params", {}), str(error), names=names)


def notices(result: Mapping[str, Any]) -> str:
    """A result's ``notices`` (``{"code", "params"}`` each, as ``to_json`` gives them) in the
    page's language, one sentence after another; its English ``note`` if any code has no
    wording here."""
    english_note = result.get("note") or ""
    items = result.get("notices") or ()
    said = [say(n["code"], n["params"], "") for n in items]
    if not said or not all(said):
        return english_note
    return ("" if lang() == "ja" else " ").join(said)


def english(error: Exception) -> str:
    """``error``'s message in the web's English wording with the inputs' names: the API's."""
    with force_locale("en"):
        return localise(error, names=True)
