"""Seed corpus — builder: assembles deterministic organisation records in the import format."""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from typing import Any

from matcher.facts.kinds import KINDS

from .finance import FINANCE, financial_count, financial_institutions
from .names import NAMES, OrgType
from .phrases import PHRASES
from .places import PREFECTURES, City, Prefecture, city_has
from .themes import THEME_BY_KEY, THEMES, Theme

Record = dict[str, Any]
Labels = dict[str, dict[str, list[str]]]

# The shares of the five kinds the builder draws sum to one; financial institutions come beside
# them (seeds/finance.py: FINANCE.share more, from a random stream of their own), so adding them
# changed no organisation of the other kinds.
KIND_SHARES: dict[str, float] = {
    "municipality": 0.30,
    "company": 0.25,
    "startup": 0.25,
    "university": 0.12,
    "research_institute": 0.08,
    "financial_institution": FINANCE.share,
}
ID_PREFIXES: dict[str, str] = {
    "municipality": "mu",
    "company": "co",
    "startup": "st",
    "university": "un",
    "research_institute": "ri",
    "financial_institution": "fi",
}
DRAWN_KINDS: tuple[str, ...] = tuple(k for k in KINDS if k != "financial_institution")

# Regional editions of J-Startup, by the prefectures their bureau covers.
_REGIONAL_JSTARTUP: dict[str, str] = {
    "北海道": "J-Startup HOKKAIDO",
    **dict.fromkeys(
        ("青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県"), "J-Startup TOHOKU"
    ),
    **dict.fromkeys(
        ("富山県", "石川県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県"), "J-Startup CENTRAL"
    ),
    **dict.fromkeys(
        ("滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県"), "J-Startup KANSAI"
    ),
    **dict.fromkeys(("鳥取県", "島根県", "岡山県", "広島県", "山口県"), "J-Startup WEST"),
    **dict.fromkeys(
        ("福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県"), "J-Startup KYUSHU"
    ),
}

# Startups cluster in the ecosystem hubs far more than population alone suggests.
_STARTUP_HUBS: dict[str, float] = {
    "東京都": 1.6,
    "福岡県": 1.4,
    "大阪府": 1.2,
    "愛知県": 1.1,
    "宮城県": 1.1,
}

_ENV_THEMES = frozenset({"circular", "decarbon", "forestry", "aquaculture", "water_leak"})
_IT_INDUSTRIES = frozenset({"joho", "tsushin", "kyoiku", "finance", "capital"})
_PLAIN_INDUSTRIES = tuple(k for k, ind in NAMES.industries.items() if not ind.pattern)


def kind_counts(n_orgs: int) -> dict[str, int]:
    """Split ``n_orgs`` over the five drawn kinds by KIND_SHARES (largest remainder; each ≥1 when
    n ≥ 5); financial institutions come beside them (``financial_count``)."""
    raw = {kind: n_orgs * KIND_SHARES[kind] for kind in DRAWN_KINDS}
    counts = {kind: int(value) for kind, value in raw.items()}
    by_remainder = sorted(DRAWN_KINDS, key=lambda k: (-(raw[k] - counts[k]), KINDS.index(k)))
    for kind in by_remainder[: n_orgs - sum(counts.values())]:
        counts[kind] += 1
    if n_orgs >= len(DRAWN_KINDS):
        for kind in DRAWN_KINDS:
            if counts[kind] == 0:
                donor = max(DRAWN_KINDS, key=lambda k: counts[k])
                counts[donor] -= 1
                counts[kind] = 1
    return counts | {"financial_institution": financial_count(n_orgs)}


def _cumulative(weights: Sequence[float]) -> list[float]:
    total = 0.0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return out


def _prefecture_weight(kind: str, pref: Prefecture) -> float:
    if kind == "municipality":
        return pref.municipalities**0.6
    if kind == "company":
        return float(pref.population)
    if kind == "startup":
        return pref.population**1.15 * _STARTUP_HUBS.get(pref.name, 1.0)
    if kind == "university":
        return pref.population**0.9
    return pref.population**0.5


def _theme_weight(kind: str, pref: Prefecture, theme: Theme) -> float:
    weight = theme.weight * dict(theme.kind_bias).get(kind, 1.0)
    if theme.requires and not any(t in pref.traits for t in theme.requires):
        # A municipality cannot have a problem its geography rules out; a supplier elsewhere can
        # still serve it.
        if kind == "municipality":
            return 0.0
        weight *= 0.25
    for trait, factor in theme.affinity:
        if trait in pref.traits:
            weight *= factor
    return weight


def _prefectural_adjective(pref: Prefecture) -> str:
    if pref.name == "東京都":
        return "Tokyo Metropolitan"
    if pref.name == "北海道":
        return "Hokkaido"
    return f"{pref.name_en} Prefectural"


class _Fields(dict[str, Any]):
    """Template fields; a missing one is a number placeholder and draws a fresh value."""

    def __init__(self, fields: dict[str, Any], draw: Any) -> None:
        super().__init__(fields)
        self.draw = draw

    def __missing__(self, key: str) -> Any:
        return self.draw(key)


class _Builder:
    """One corpus build: owns the random stream and the names already taken."""

    def __init__(self, random_state: int) -> None:
        self.random_state = random_state
        self.rng = random.Random(random_state)
        self.random = self.rng.random
        self.used_names: set[str] = set()
        self.next_number: dict[str, int] = {}
        self.theme_cw: dict[tuple[str, str], list[float]] = {}
        for kind in DRAWN_KINDS:
            for pref in PREFECTURES:
                weights = [_theme_weight(kind, pref, t) for t in THEMES]
                self.theme_cw[kind, pref.name] = _cumulative(weights)
        self.city_cw: dict[str, list[float]] = {
            p.name: _cumulative([4.0, 2.0] + [1.0] * (len(p.cities) - 2)) for p in PREFECTURES
        }

    # -- random helpers -------------------------------------------------------------------

    def pick(self, seq: Sequence[Any]) -> Any:
        return seq[int(self.random() * len(seq))]

    def wpick(self, seq: Sequence[Any], cw: Sequence[float]) -> Any:
        return seq[min(bisect_right(cw, self.random() * cw[-1]), len(seq) - 1)]

    def chance(self, p: float) -> bool:
        return self.random() < p

    def count(self, weights: Sequence[float]) -> int:
        """1 + an index drawn with the given weights: how many needs/offers to write."""
        return 1 + self.wpick(range(len(weights)), _cumulative(weights))

    def lognormal(self, median: float, sigma: float, lo: int, hi: int) -> int:
        return max(lo, min(hi, int(self.rng.lognormvariate(math.log(median), sigma))))

    def number(self, key: str) -> int:
        """A fresh value for a number placeholder of themes.toml, so no two read the same."""
        r = self.random
        if key == "n":
            return 3 + int(r() * 28)
        if key == "big":
            return 50 * (2 + int(r() * 59))
        if key == "pct":
            return 28 + int(r() * 18)
        if key == "rate":
            return 5 * (3 + int(r() * 10))
        if key == "months":
            return (3, 3, 6, 6, 6, 12)[int(r() * 6)]
        if key == "years":
            return 2 + int(r() * 9)
        raise KeyError(key)

    def distinct(self, seq: Sequence[Any], taken: set[int]) -> int:
        """Index of an element of ``seq`` not in ``taken`` when one is left; marks it taken."""
        free = [i for i in range(len(seq)) if i not in taken]
        i = self.pick(free) if free else int(self.random() * len(seq))
        taken.add(i)
        return i

    # -- places and themes ----------------------------------------------------------------

    def prefectures_for(self, kind: str, count: int) -> list[Prefecture]:
        """Prefectures for ``count`` organisations: every prefecture once when count allows."""
        cw = _cumulative([_prefecture_weight(kind, p) for p in PREFECTURES])
        chosen: list[Prefecture] = []
        if count >= len(PREFECTURES):
            chosen = list(PREFECTURES)
        chosen += [self.wpick(PREFECTURES, cw) for _ in range(count - len(chosen))]
        self.rng.shuffle(chosen)
        return chosen

    def city_for(self, kind: str, pref: Prefecture, theme: Theme) -> City:
        if kind == "municipality":
            # A town raises 養殖 only on the coast, 除雪 only where it snows, 獣害 only
            # outside dense wards.
            fitting = [c for c in pref.cities if _city_fits(pref, c, theme)]
            return self.pick(fitting or pref.cities)
        return self.wpick(pref.cities, self.city_cw[pref.name])

    def theme_for(self, kind: str, pref: Prefecture) -> Theme:
        return self.wpick(THEMES, self.theme_cw[kind, pref.name])

    def secondary_theme(
        self,
        kind: str,
        pref: Prefecture,
        city: City,
        primary: Theme,
        p_related: float,
        dept: str = "",
    ) -> Theme:
        """Theme of a second need/offer: a related theme, another one, or the same again.

        A municipal department only raises challenges it is in charge of, so for municipalities
        a related theme must fit the city and be handled by ``dept``.
        """
        cw = self.theme_cw[kind, pref.name]
        if self.chance(p_related):
            allowed = [
                k
                for k in primary.related
                if _theme_weight(kind, pref, THEME_BY_KEY[k]) > 0
                and (
                    kind != "municipality"
                    or (
                        _city_fits(pref, city, THEME_BY_KEY[k])
                        and any(d.name == dept for d in THEME_BY_KEY[k].departments)
                    )
                )
            ]
            if allowed:
                return THEME_BY_KEY[self.pick(allowed)]
        if kind in ("university", "research_institute") and self.chance(0.3):
            return self.wpick(THEMES, cw)
        return primary

    # -- names ----------------------------------------------------------------------------

    def claim(self, candidates: Iterator[tuple[str, str, Any]]) -> tuple[str, str, Any]:
        """The first candidate (name, name_en, extra) whose name is free, else a numbered one."""
        first = None
        for candidate in candidates:
            if first is None:
                first = candidate
            if candidate[0] not in self.used_names:
                self.used_names.add(candidate[0])
                return candidate
        assert first is not None
        name, name_en, extra = first
        k = self.next_number.get(name, 2)
        while f"{name} {k}" in self.used_names:
            k += 1
        self.next_number[name] = k + 1
        self.used_names.add(f"{name} {k}")
        return f"{name} {k}", f"{name_en} {k}", extra

    def municipality_names(self, city: City, theme: Theme) -> Iterator[tuple[str, str, Any]]:
        small = city.name.endswith(("町", "村"))  # towns and villages are organised by 課
        depts = list(theme.departments)
        self.rng.shuffle(depts)
        for d in depts:
            unit = d.sections[0] if small else d.name
            yield f"{city.name} {unit}", f"{city.name_en}, {d.name_en}", (unit, d.name)
        for d in depts:
            for s in d.sections:
                unit = s if small else f"{d.name} {s}"
                yield f"{city.name} {unit}", f"{city.name_en}, {d.name_en}", (unit, d.name)
        d = depts[0]
        unit = f"{d.sections[0] if small else d.name} {theme.label}担当"
        yield f"{city.name} {unit}", f"{city.name_en}, {d.name_en}", (unit, d.name)

    def company_names(self, theme: Theme, city: City) -> Iterator[tuple[str, str, Any]]:
        first: tuple[str, str, Any] | None = None
        for attempt in range(10):
            key = self.pick(theme.industries if attempt < 6 else _PLAIN_INDUSTRIES)
            ind = NAMES.industries[key]
            stem, stem_en = self.pick(NAMES.company_stems)
            if ind.pattern:
                candidate = (
                    ind.pattern.format(stem=stem),
                    ind.pattern_en.format(stem=stem_en),
                    key,
                )
            elif self.chance(0.55):
                candidate = (f"{stem}{ind.part}株式会社", f"{stem_en} {ind.part_en} Co., Ltd.", key)
            else:
                candidate = (f"株式会社{stem}{ind.part}", f"{stem_en} {ind.part_en} Inc.", key)
            first = first or candidate
            yield candidate
        assert first is not None
        # Established firms do have branches; a branch is the natural way to repeat a name.
        yield f"{first[0]} {_short(city)}支社", f"{first[1]}, {city.name_en} Branch", first[2]

    def startup_names(self, theme: Theme, city: City) -> Iterator[tuple[str, str, Any]]:
        first: tuple[str, str, Any] | None = None
        for attempt in range(12):
            stems = theme.stems if attempt < 4 or self.chance(0.4) else NAMES.startup_stems
            stem, stem_en = self.pick(stems)
            roll = self.random()
            if roll < 0.15:
                candidate = (f"合同会社{stem}", f"{stem_en} LLC", None)
            else:
                suffix, suffix_en = self.pick(NAMES.startup_suffixes)
                if roll < 0.25:
                    candidate = (f"合同会社{stem}{suffix}", f"{stem_en} {suffix_en} LLC", None)
                elif roll < 0.7:
                    candidate = (f"株式会社{stem}{suffix}", f"{stem_en} {suffix_en} Inc.", None)
                else:
                    candidate = (f"{stem}{suffix}株式会社", f"{stem_en} {suffix_en} Inc.", None)
            first = first or candidate
            yield candidate
        assert first is not None
        yield f"{first[0]} {_short(city)}オフィス", f"{first[1]}, {city.name_en} Office", None

    def _org_types(self, types: Sequence[OrgType], domain: str) -> list[OrgType]:
        return [t for t in types if not t.domains or domain in t.domains]

    def university_names(
        self, theme: Theme, pref: Prefecture, city: City
    ) -> Iterator[tuple[str, str, Any]]:
        types = self._org_types(NAMES.university_types, theme.domain)
        first: tuple[str, str, Any] | None = None
        for _ in range(12):
            stem, stem_en = self.pick(NAMES.university_stems)
            org = NAMES.prefectural_university if self.chance(0.2) else self.pick(types)
            candidate = (
                org.pattern.format(stem=stem, pref=pref.name),
                org.pattern_en.format(stem=stem_en, pref_en=_prefectural_adjective(pref)),
                None,
            )
            first = first or candidate
            yield candidate
        assert first is not None
        # A large corpus runs out of university names; labs are what actually partner anyway.
        for lab in theme.labs:
            yield f"{first[0]} {lab}", first[1], None
        yield f"{first[0]} {_short(city)}キャンパス", f"{first[1]}, {city.name_en} Campus", None

    def institute_names(
        self, theme: Theme, pref: Prefecture, city: City
    ) -> Iterator[tuple[str, str, Any]]:
        stem_types = self._org_types(NAMES.research_types, theme.domain)
        pref_types = self._org_types(NAMES.prefectural_research_types, theme.domain)
        first: tuple[str, str, Any] | None = None
        for _ in range(12):
            if self.chance(0.3):
                org = self.pick(pref_types)
                form = self.pick(NAMES.prefectural_legal_forms)
                name = org.pattern.format(pref=pref.name)
                name_en = org.pattern_en.format(pref_en=_prefectural_adjective(pref))
                public = True
            else:
                org = self.pick(stem_types)
                form = self.pick(NAMES.research_legal_forms)
                stem, stem_en = self.pick(NAMES.research_stems)
                name = org.pattern.format(stem=stem)
                name_en = org.pattern_en.format(stem=stem_en)
                public = False
            candidate = (f"{form}{name}", name_en, public)
            first = first or candidate
            yield candidate
        assert first is not None
        yield f"{first[0]} {_short(city)}支所", f"{first[1]}, {city.name_en} Branch", None

    # -- texts ----------------------------------------------------------------------------

    def fill(self, template: str, ctx: dict[str, Any]) -> str:
        return template.format_map(_Fields(ctx, self.number))

    def tags_for(self, themes: Sequence[Theme], extra: Sequence[str] = ()) -> list[str]:
        tags: list[str] = []
        for i, theme in enumerate(themes):
            tags.append(theme.tags[0])
            rest = list(theme.tags[1:])
            self.rng.shuffle(rest)
            tags.extend(rest[: (2 + int(self.random() * 3)) if i == 0 else 1])
        tags.extend(extra)
        return list(dict.fromkeys(tags))

    def municipal_need(
        self, theme: Theme, ctx: dict[str, Any], taken: dict[str, set[int]]
    ) -> dict[str, Any]:
        ctx = {**ctx, "label": theme.label}
        title, problem = theme.needs[self.distinct(theme.needs, taken.setdefault(theme.key, set()))]
        context = theme.contexts[
            self.distinct(theme.contexts, taken.setdefault("ctx:" + theme.key, set()))
        ]
        trial = self.chance(theme.trial)
        budget = None
        if self.chance(0.9):
            lo, hi = theme.budget
            if trial:  # trial orders are small by design
                hi = min(hi, 5_000_000)
            budget = self.budget(max(lo, 300_000), min(hi, 30_000_000))
        # Context and problem always; then up to two of constraint, money, ask.
        extras = []
        if self.chance(0.7):
            extras.append(self.pick(theme.constraints))
        if trial and self.chance(0.5):
            extras.append(self.pick(PHRASES.trial_lines))
        elif budget and self.chance(0.4):
            ctx["budget"] = f"{budget // 10_000:,}万円"
            extras.append(self.pick(PHRASES.budget_lines))
        if self.chance(0.25):
            extras.append(self.pick(PHRASES.municipality_asks))
        if len(extras) > 2:
            del extras[int(self.random() * len(extras))]
        text = self.fill("".join([context, problem, *extras]), ctx)
        need: dict[str, Any] = {"title": title, "description": text}
        if budget is not None:
            need["budget_jpy"] = budget
        need["trial_order"] = trial
        return need

    def budget(self, lo: int, hi: int) -> int:
        value = math.exp(math.log(lo) + self.random() * (math.log(hi) - math.log(lo)))
        step = 100_000 if value < 5_000_000 else 500_000
        return int(min(hi, max(lo, round(value / step) * step)))

    def supplier_offer(
        self, theme: Theme, ctx: dict[str, Any], taken: dict[str, set[int]]
    ) -> dict[str, str]:
        ctx = {**ctx, "label": theme.label}
        i = self.distinct(theme.offers, taken.setdefault(theme.key, set()))
        title, method = theme.offers[i]
        sentences = [method, self.pick(theme.evidence[i])]
        roll = self.random()
        if roll < 0.6:
            sentences.append(self.pick(theme.records))
        elif roll < 0.85:
            sentences.append(self.pick(PHRASES.offer_practices))
        if len(sentences) < 4 and self.chance(0.3):
            sentences.append(self.pick(PHRASES.offer_closers))
        return {"title": title, "description": self.fill("".join(sentences), ctx)}

    def research_offer(
        self,
        theme: Theme,
        ctx: dict[str, Any],
        taken: dict[str, set[int]],
        university: bool,
        lab: str = "",
    ) -> dict[str, str]:
        lab = lab or self.pick(theme.labs)
        ctx = {
            **ctx,
            "label": theme.label,
            "lab": lab,
            "group": lab.replace("研究室", "研究グループ"),
            "field": self.pick(theme.fields),
        }
        i = self.distinct(theme.seeds, taken.setdefault(theme.key, set()))
        title, body = theme.seeds[i]
        leads = PHRASES.university_seed_leads if university else PHRASES.institute_seed_leads
        closers = PHRASES.university_seed_closers if university else PHRASES.institute_seed_closers
        sentences = [self.pick(leads) + body, self.pick(theme.results[i])]
        if self.chance(0.8):
            sentences.append(self.pick(closers))
        return {"title": title, "description": self.fill("".join(sentences), ctx)}

    def partner_needs(
        self,
        theme: Theme,
        ctx: dict[str, Any],
        purposes: Sequence[str],
        cw: Sequence[float],
        n: int,
    ) -> list[dict[str, str]]:
        ctx = {
            **ctx,
            "label": theme.label,
            "field": self.pick(theme.fields),
            "research": self.pick(theme.research),
        }
        chosen: list[str] = []
        while len(chosen) < n:
            purpose = self.wpick(purposes, cw)
            if purpose not in chosen:
                chosen.append(purpose)
        needs = []
        for purpose in chosen:
            titles, firsts, follows = PHRASES.partner_needs[purpose]
            i = int(self.random() * len(titles))
            text = firsts[i] + self.pick(follows)
            needs.append({"title": self.fill(titles[i], ctx), "description": self.fill(text, ctx)})
        return needs

    # -- records --------------------------------------------------------------------------

    def municipality(self, pref: Prefecture) -> tuple[Record, list[Theme], list[Theme]]:
        theme = self.theme_for("municipality", pref)
        city = self.city_for("municipality", pref, theme)
        name, name_en, (unit, dept) = self.claim(self.municipality_names(city, theme))
        # In running text the unit is written solid: 旭川市土木部雪対策課は、…
        ctx = {"city": city.name, "pref": pref.name, "dept": unit.replace(" ", "")}
        need_themes = [theme]
        for _ in range(self.count((0.4, 0.4, 0.2)) - 1):
            need_themes.append(self.secondary_theme("municipality", pref, city, theme, 0.55, dept))
        taken: dict[str, set[int]] = {}
        intro = self.fill(self.pick(PHRASES.municipality_intros), {**ctx, "label": theme.label})
        context_i = self.distinct(theme.contexts, taken.setdefault("ctx:" + theme.key, set()))
        description = intro + self.fill(theme.contexts[context_i], ctx)
        stances = list(PHRASES.municipality_stances)
        self.rng.shuffle(stances)
        for stance in stances[: 1 + (self.random() < 0.4)]:
            # Descriptions stay within four sentences; some intros and stances have two.
            if description.count("。") + stance.count("。") <= 4:
                description += stance
        needs = [self.municipal_need(t, ctx, taken) for t in need_themes]
        offers = []
        if self.chance(0.15):
            octx = {**ctx, "label": theme.label, "field": self.pick(theme.fields)}
            # The first sentence says what is offered; the others vary.
            first, *rest = PHRASES.municipality_offer_sentences
            self.rng.shuffle(rest)
            body = first + "".join(rest[: 1 + int(self.random() * 2)])
            offers.append(
                {
                    "title": self.fill(self.pick(PHRASES.municipality_offer_titles), octx),
                    "description": self.fill(body, octx),
                }
            )
        extra = []
        if any(n["trial_order"] for n in needs):
            extra.append("トライアル発注")
        if offers:
            extra.append("実証フィールド")
        record: Record = {
            "name": name,
            "name_en": name_en,
            "prefecture": pref.name,
            "city": city.name,
            "description": description,
            "tags": self.tags_for(_distinct(need_themes), extra),
            "offers": offers,
            "needs": needs,
            "certifications": [],
        }
        return record, need_themes, [theme] * len(offers)

    def supplier(self, kind: str, pref: Prefecture) -> tuple[Record, list[Theme], list[Theme]]:
        startup = kind == "startup"
        theme = self.theme_for(kind, pref)
        city = self.city_for(kind, pref, theme)
        if startup:
            name, name_en, industry_key = self.claim(self.startup_names(theme, city))
            founded = 2024 - int(self.rng.triangular(0, 14, 3))
            employees = self.lognormal(12, 0.75, 3, 80)
        else:
            name, name_en, industry_key = self.claim(self.company_names(theme, city))
            old = industry_key == "finance"
            founded = (1920 + int(self.random() * 40)) if old else (1925 + int(self.random() * 91))
            employees = self.lognormal(220, 1.0, 30, 5000)
        ctx: dict[str, Any] = {"city": city.name, "pref": pref.name, "founded": founded}
        if industry_key:
            ctx["industry"] = NAMES.industries[industry_key].description
        offer_themes = [theme]
        weights = (0.5, 0.35, 0.15) if startup else (0.35, 0.4, 0.25)
        for _ in range(self.count(weights) - 1):
            offer_themes.append(self.secondary_theme(kind, pref, city, theme, 0.25))
        taken: dict[str, set[int]] = {}
        offers = [self.supplier_offer(t, ctx, taken) for t in offer_themes]
        intros = PHRASES.startup_intros if startup else PHRASES.company_intros
        sentences = [
            self.pick(intros),
            self.pick(PHRASES.product_summaries),
        ]
        if self.chance(0.6 if startup else 0.5):
            sentences.append(
                self.pick(PHRASES.startup_closers if startup else PHRASES.company_closers)
            )
        description = self.fill(
            "".join(sentences), {**ctx, "label": theme.label, "offer": offers[0]["title"]}
        )
        pctx = {**ctx, "offer": offers[0]["title"]}
        needs: list[dict[str, str]] = []
        if startup and self.chance(0.45):
            purposes, cw = ("field", "funding", "research", "sales"), (0.35, 0.55, 0.8, 1.0)
            needs = self.partner_needs(theme, pctx, purposes, cw, 2 if self.chance(0.2) else 1)
        elif not startup and self.chance(0.35):
            purposes, cw = ("startup", "research", "field"), (0.4, 0.75, 1.0)
            needs = self.partner_needs(theme, pctx, purposes, cw, 2 if self.chance(0.15) else 1)
        record: Record = {
            "name": name,
            "name_en": name_en,
            "prefecture": pref.name,
            "city": city.name,
            "description": description,
            "tags": self.tags_for(_distinct(offer_themes)),
            "offers": offers,
            "needs": needs,
            "employees": employees,
            "founded": founded,
            "certifications": self.supplier_certifications(startup, pref, industry_key, theme),
            "public_sector_record": self.public_record(kind, founded),
        }
        return record, [theme] * len(needs), offer_themes

    def research(self, kind: str, pref: Prefecture) -> tuple[Record, list[Theme], list[Theme]]:
        university = kind == "university"
        theme = self.theme_for(kind, pref)
        city = self.city_for(kind, pref, theme)
        if university:
            name, name_en, _ = self.claim(self.university_names(theme, pref, city))
            public = False
            founded = 1949 + int(self.random() * 62)
            employees = self.lognormal(1200, 0.6, 300, 8000)
        else:
            name, name_en, public = self.claim(self.institute_names(theme, pref, city))
            founded = 1900 + int(self.random() * 116)
            employees = self.lognormal(120, 0.6, 20, 600)
        ctx: dict[str, Any] = {"city": city.name, "pref": pref.name, "founded": founded}
        offer_themes = [theme]
        weights = (0.3, 0.45, 0.25) if university else (0.35, 0.45, 0.2)
        for _ in range(self.count(weights) - 1):
            offer_themes.append(self.secondary_theme(kind, pref, city, theme, 0.5))
        taken: dict[str, set[int]] = {}
        # The description names the lab behind the first seed.
        lab = self.pick(theme.labs)
        offers = [
            self.research_offer(t, ctx, taken, university, lab if i == 0 else "")
            for i, t in enumerate(offer_themes)
        ]
        if university:
            intros = PHRASES.university_intros
        else:
            intros = PHRASES.public_institute_intros if public else PHRASES.institute_intros
        summaries = PHRASES.university_summaries if university else PHRASES.institute_summaries
        closers = PHRASES.university_closers if university else PHRASES.institute_closers
        sentences = [self.pick(intros), self.pick(summaries)]
        if self.chance(0.65):
            sentences.append(self.pick(closers))
        description = self.fill(
            "".join(sentences),
            {**ctx, "label": theme.label, "lab": lab, "seed": offers[0]["title"]},
        )
        needs: list[dict[str, str]] = []
        if self.chance(0.85 if university else 0.75):
            n = 2 if self.chance(0.2) else 1
            needs = self.partner_needs(
                theme, {**ctx, "seed": offers[0]["title"]}, ("industry", "site"), (0.55, 1.0), n
            )
        if university:
            kind_tags = ("研究シーズ", "産学連携")
        else:
            kind_tags = ("技術移転", "公設試験研究機関" if public else "受託研究")
        certifications = []
        if not university:
            if self.chance(0.25):
                certifications.append("ISO 9001")
            if self.chance(0.3):
                certifications.append("ISO/IEC 17025")
        record: Record = {
            "name": name,
            "name_en": name_en,
            "prefecture": pref.name,
            "city": city.name,
            "description": description,
            "tags": self.tags_for(_distinct(offer_themes), kind_tags),
            "offers": offers,
            "needs": needs,
            "employees": employees,
            "founded": founded,
            "certifications": certifications,
            "public_sector_record": self.public_record(kind, founded),
        }
        return record, [theme] * len(needs), offer_themes

    def supplier_certifications(
        self, startup: bool, pref: Prefecture, industry_key: str | None, theme: Theme
    ) -> list[str | dict[str, str]]:
        # 新事業分野開拓者認定 is granted by a prefecture (or a city): its issuer says whose
        # buyers may rely on it for a 随意契約.
        pioneer = {"name": "新事業分野開拓者認定", "issuer": pref.name}
        certs: list[str | dict[str, str]] = []
        if startup:
            if self.chance(0.06):
                certs.append("J-Startup")
            regional = _REGIONAL_JSTARTUP.get(pref.name)
            if regional and self.chance(0.15):
                certs.append(regional)
            if self.chance(0.15):
                certs.append(pioneer)
            if self.chance(0.1):
                certs.append("ISMS")
            if self.chance(0.03):
                certs.append("ISO 9001")
            if self.chance(0.03):
                certs.append("健康経営優良法人")
            return certs
        if self.chance(0.55):
            certs.append("ISO 9001")
        if self.chance(0.5 if theme.key in _ENV_THEMES else 0.2):
            certs.append("ISO 14001")
        if self.chance(0.5 if industry_key in _IT_INDUSTRIES else 0.15):
            certs.append("ISMS")
        if self.chance(0.3):
            certs.append("健康経営優良法人")
        if self.chance(0.05):
            certs.append(pioneer)
        return certs

    def public_record(self, kind: str, founded: int) -> int:
        age = max(0, 2025 - founded)
        if kind == "startup":
            value = age / 5 + self.rng.expovariate(1 / 1.5)
        elif kind == "company":
            value = age / 12 + self.rng.expovariate(1 / 5)
        elif kind == "university":
            value = 3 + self.rng.expovariate(1 / 6)
        else:
            value = 5 + self.rng.expovariate(1 / 8)
        return min(30, int(value))

    # -- corpus ---------------------------------------------------------------------------

    def build(self, n_orgs: int) -> tuple[list[Record], Labels]:
        counts = kind_counts(n_orgs)
        records: list[Record] = []
        labels: Labels = {}
        primary: list[str] = []
        for kind in DRAWN_KINDS:
            width = max(5, len(str(counts[kind])))
            for i, pref in enumerate(self.prefectures_for(kind, counts[kind]), start=1):
                if kind == "municipality":
                    body, need_themes, offer_themes = self.municipality(pref)
                elif kind in ("company", "startup"):
                    body, need_themes, offer_themes = self.supplier(kind, pref)
                else:
                    body, need_themes, offer_themes = self.research(kind, pref)
                org_id = f"{ID_PREFIXES[kind]}-{i:0{width}d}"
                records.append({"id": org_id, "kind": kind, **body, "collaborations": []})
                labels[org_id] = {
                    "themes": _keys(need_themes + offer_themes),
                    "needs": [t.key for t in need_themes],
                    "offers": [t.key for t in offer_themes],
                }
                primary.append(labels[org_id]["themes"][0])
        self.link(records, primary)
        banks, bank_labels = financial_institutions(records, self.random_state)
        return records + banks, labels | bank_labels

    def link(self, records: list[Record], primary: list[str]) -> None:
        """Add past collaborations: mostly same theme or same region, never self, no repeats."""
        by_theme: dict[str, list[int]] = {}
        by_region: dict[str, list[int]] = {}
        regions = [_REGION[r["prefecture"]] for r in records]
        for i, (theme, region) in enumerate(zip(primary, regions, strict=True)):
            by_theme.setdefault(theme, []).append(i)
            by_region.setdefault(region, []).append(i)
        how_many = {
            "municipality": (0.35, 0.3, 0.2, 0.15),
            "startup": (0.3, 0.35, 0.2, 0.15),
            "company": (0.15, 0.3, 0.25, 0.2, 0.1),
            "university": (0.1, 0.25, 0.3, 0.2, 0.15),
            "research_institute": (0.1, 0.3, 0.3, 0.2, 0.1),
        }
        cws = {kind: _cumulative(w) for kind, w in how_many.items()}
        n = len(records)
        for i, record in enumerate(records):
            cw = cws[record["kind"]]
            k = self.wpick(range(len(cw)), cw)
            if n < 2:
                break
            chosen: list[int] = []
            for _ in range(4 * k):
                if len(chosen) == k:
                    break
                roll = self.random()
                if roll < 0.45:
                    pool = by_theme[primary[i]]
                elif roll < 0.8:
                    pool = by_region[regions[i]]
                else:
                    pool = None
                j = self.pick(pool) if pool else int(self.random() * n)
                if j != i and j not in chosen:
                    chosen.append(j)
            record["collaborations"] = [records[j]["id"] for j in chosen]


_REGION: dict[str, str] = {p.name: p.region for p in PREFECTURES}


def _short(city: City) -> str:
    """A city as branch names use it: 旭川市 → 旭川, 津市 → 津."""
    return city.name[:-1] if len(city.name) > 1 and city.name[-1] in "市区町村" else city.name


def _city_fits(pref: Prefecture, city: City, theme: Theme) -> bool:
    if theme.rural and "dense" in city.traits:
        return False
    return not theme.requires or any(city_has(pref, city, t) for t in theme.requires)


def _distinct(themes: Sequence[Theme]) -> list[Theme]:
    """Themes without repeats, in first-seen order."""
    seen: set[str] = set()
    out = []
    for theme in themes:
        if theme.key not in seen:
            seen.add(theme.key)
            out.append(theme)
    return out


def _keys(themes: Sequence[Theme]) -> list[str]:
    return list(dict.fromkeys(t.key for t in themes))


def build_labelled_corpus(n_orgs: int, random_state: int = 0) -> tuple[list[Record], Labels]:
    """Build the corpus and, beside it, each record's themes (for evaluation, never imported).

    Returns (records, labels): records as in ``build_corpus``; labels maps each id to
    {"themes": [...], "needs": [...], "offers": [...]}, theme keys of the record overall
    (primary first) and of each need and offer in order.
    """
    if isinstance(n_orgs, bool) or not isinstance(n_orgs, int) or n_orgs < 0:
        raise ValueError(f"n_orgs must be a non-negative integer, got {n_orgs!r}")
    return _Builder(random_state).build(n_orgs)
