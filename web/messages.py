"""Error messages in the page's language: one table from an error's code to its Japanese msgid.

``MatchError`` (matcher) and ``BadRequest`` (web) carry a stable ``code`` and the ``params``
their English message quotes. Pages show the wording below, translated like every other msgid
by the English catalogue; the API shows the English one. Field names are said as the forms label
them, never as CLI flags. An error whose code is not here keeps its own English message.
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale, gettext

from matcher.render import KIND_LABELS

MESSAGES: dict[str, str] = {
    # matcher: every match mode
    "unknown_org": "組織 %(org)s は見つかりません。IDは組織の一覧で確認できます。",
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
    # matcher.procurement and matcher.joint
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
        "課題の番号 %(need)s はありません。%(name)s(%(org)s)の課題は次のとおりです: %(needs)s"
    ),
    "joint_needs_municipality": (
        "%(name)s(%(org)s)は%(kind)sです。共同調達の相手は自治体のIDから探します。"
    ),
    "no_needs_to_share": (
        "%(name)s(%(org)s)には登録された課題がないため、共同調達の相手を探せません。"
    ),
    # matcher.consortium
    "unknown_role": "役割「%(value)s」はありません。%(roles)s から選んでください。",
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
    # web.params: the query string and form fields
    "not_text": "「%(field)s」は文字列で指定してください。",
    "nul_character": "「%(field)s」に使えない文字(NUL)が含まれています。",
    "too_long": "「%(field)s」が長すぎます(%(length)s 文字)。%(limit)s 文字以内にしてください。",
    "not_integer": "「%(field)s」の「%(value)s」は整数ではありません。",
    "not_yes_no": "「%(field)s」の「%(value)s」は、はい・いいえの値ではありません。",
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
    "include_known": "過去の連携先も同列に",
    "q": "名前またはID",
    "page": "ページ",
    "reason": "理由",
    "note": "メモ",
    "status": "状態",
    "format": "形式",
}


def _labelled(key: str, label: str) -> str:
    return label if label == key else f"{label} ({key})"


def _value(name: str, value: Any, names: bool = False) -> str:
    """One parameter as the page says it: labels for fields (``names``: the input's name), kinds,
    roles and places."""
    from matcher.consortium import ROLES
    from web.i18n import kind_label, lang, prefecture_label, region_label

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
    if name in ("prefecture", "prefectures"):
        return prefecture_label(value)
    if name in ("region", "regions"):
        return _labelled(value, region_label(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def localise(error: Exception, *, names: bool = False) -> str:
    """``error``'s message in the page's language, or its own message if its code has none;
    ``names`` says fields by the input's name (``top``) instead of the form's label (件数)."""
    msgid = MESSAGES.get(getattr(error, "code", ""))
    if msgid is None:
        return str(error)
    params = getattr(error, "params", {})
    try:
        return gettext(msgid) % {k: _value(k, v, names) for k, v in params.items()}
    except (KeyError, TypeError, ValueError):
        # A parameter the wording expects is missing: the English message still says it all.
        return str(error)


def english(error: Exception) -> str:
    """``error``'s message in the web's English wording with the inputs' names: the API's."""
    with force_locale("en"):
        return localise(error, names=True)
