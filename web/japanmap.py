"""The map: Japan's 47 prefectures as points at their prefectural offices, drawn as SVG data.

No tile server and no shapes: each prefecture is a dot at its office's lat/lon (from
matcher.prefectures), land borders are faint lines between neighbours (which is enough for the
outline of Japan to appear), and 沖縄 sits in an inset as on most Japanese maps. The template
turns the returned data into SVG; nothing here writes markup.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from matcher import prefectures

LON0, LON1, LAT0, LAT1 = 128.4, 146.2, 30.7, 45.7
SCALE = 30.0  # pixels per degree of latitude
PAD = 14.0
COS = math.cos(math.radians(37.5))
WIDTH = round((LON1 - LON0) * COS * SCALE + 2 * PAD)
HEIGHT = round((LAT1 - LAT0) * SCALE + 2 * PAD)
OKINAWA = 47
INSET = (PAD, PAD, 96.0, 78.0)  # x, y, width, height of the 沖縄 box (empty sea off Korea)


@dataclass
class Dot:
    code: int
    x: float
    y: float
    label: str
    role: str = "idle"  # idle | origin | match | member
    kind: str | None = None
    count: int = 0
    names: list[str] = field(default_factory=list)

    @property
    def r(self) -> float:
        if self.role == "idle":
            return 3.2
        return 6.5 + min(self.count, 6) * 0.9


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    role: str  # border | link


def position(code: int) -> tuple[float, float]:
    if code == OKINAWA:
        x, y, w, h = INSET
        return x + w / 2, y + h / 2 + 6
    p = prefectures.get(code)
    return (
        round(PAD + (p.lon - LON0) * COS * SCALE, 1),
        round(PAD + (LAT1 - p.lat) * SCALE, 1),
    )


def _borders() -> list[Line]:
    lines = []
    for p in prefectures.PREFECTURES:
        for other in p.neighbours:
            if other > p.code:
                (x1, y1), (x2, y2) = position(p.code), position(other)
                lines.append(Line(x1, y1, x2, y2, "border"))
    return lines


BORDERS = _borders()


def build(
    points: Iterable[tuple[int, str, str | None]],
    *,
    origin: int | None = None,
    origin_label: str | None = None,
    links: Iterable[tuple[int, int]] | None = None,
    label=None,  # noqa: ANN001  (callable code → name in the page's language)
    role: str = "match",
) -> dict:
    """Data for the map template.

    ``points`` are (prefecture code, organisation name, kind) of what to mark; ``origin`` is the
    asking organisation's prefecture; ``links`` are pairs of codes to join (default: origin to
    every point).
    """
    label = label or prefectures.name
    dots = {p.code: Dot(p.code, *position(p.code), label(p.code)) for p in prefectures.PREFECTURES}
    kinds: dict[int, Counter[str]] = {}
    marked: list[int] = []
    for code, name, kind in points:
        dot = dots[code]
        dot.role, dot.count = role, dot.count + 1
        dot.names.append(name)
        kinds.setdefault(code, Counter())[kind or ""] += 1
        marked.append(code)
    for code, counter in kinds.items():
        dots[code].kind = counter.most_common(1)[0][0] or None
    if origin is not None:
        dot = dots[origin]
        dot.role = "origin"
        if origin_label:
            dot.names.insert(0, origin_label)
    if links is None:
        links = (
            [(origin, code) for code in dict.fromkeys(marked) if code != origin] if origin else []
        )
    link_lines = []
    for a, b in links:
        (x1, y1), (x2, y2) = position(a), position(b)
        link_lines.append(Line(x1, y1, x2, y2, "link"))
    ordered = sorted(dots.values(), key=lambda d: (d.role != "idle", d.role == "origin"))
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "inset": INSET,
        "borders": BORDERS,
        "links": link_lines,
        "dots": ordered,
        "marked": len(set(marked)),
    }
