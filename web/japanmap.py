"""The map: Japan's 47 prefectures as points at their prefectural offices, drawn as SVG data.

No tile server and no shapes: each prefecture is a dot at its office's lat/lon (from
matcher.facts.prefectures), land borders are faint lines between neighbours (which is enough for the
outline of Japan to appear), and 沖縄 sits in an inset as on most Japanese maps. Each marked
prefecture has one label (its name, ×count); labels are placed greedily so that none overlaps
another label or a marked dot — in Kanto, where the offices sit a few pixels apart, they move
out to the sea with a leader line back to their dot. The template turns the returned data into
SVG; nothing here writes markup.
"""

from __future__ import annotations

import itertools
import math
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from matcher.facts import prefectures

LON0, LON1, LAT0, LAT1 = 128.4, 146.2, 30.7, 45.7
SCALE = 30.0  # pixels per degree of latitude
PAD = 14.0
COS = math.cos(math.radians(37.5))
WIDTH = round((LON1 - LON0) * COS * SCALE + 2 * PAD)
HEIGHT = round((LAT1 - LAT0) * SCALE + 2 * PAD)
OKINAWA = 47
INSET = (PAD, PAD, 96.0, 78.0)  # x, y, width, height of the 沖縄 box (empty sea off Korea)
# Label metrics for the stylesheet's 11px bold text with its 3px white halo: a wide (CJK)
# character is 1 em, anything else at most 0.64 em; the box is the glyphs plus the halo.
FONT = 11.0
LABEL_H = 17.0
HALO = 2.0
BASELINE = 13.0  # from the top of a label's box to its baseline (CJK fonts ascend 1.16 em)
# Where a label may go around its dot, in order of preference (degrees, 0 = east, 90 = south):
# beside the dot first, then above and below, then outward ring by ring.
ANGLES = (0, 180, -30, 30, 150, -150, -60, 60, 120, -120, -90, 90)
RING = 13.0  # pixels between rings of candidate positions
RINGS = 24


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
    text: str = ""  # the label on the map ("" for an idle dot)
    box: Box | None = None  # where the label sits
    leader: Line | None = None  # from the dot to a label placed away from it

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
    role: str  # border | link | leader


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.x < other.x + other.w
            and other.x < self.x + self.w
            and self.y < other.y + other.h
            and other.y < self.y + self.h
        )

    @property
    def baseline(self) -> float:
        return round(self.y + BASELINE, 1)

    @property
    def text_x(self) -> float:
        return round(self.x + HALO, 1)


def text_width(text: str) -> float:
    """A generous width of ``text`` in the map's label font: CJK 1 em, the rest 0.64 em."""
    wide = sum(1 for c in text if unicodedata.east_asian_width(c) in "WF")
    return FONT * (wide + 0.64 * (len(text) - wide))


def _candidates(dot: Dot, w: float, h: float):  # noqa: ANN202
    """Boxes of size w×h around ``dot``, nearest first: (box, whether it needs a leader)."""
    for ring in range(RINGS):
        gap = dot.r + 2 + ring * RING
        for angle in ANGLES:
            dx, dy = math.cos(math.radians(angle)), math.sin(math.radians(angle))
            px, py = dot.x + gap * dx, dot.y + gap * dy
            x = px if dx > 0.3 else px - w if dx < -0.3 else px - w / 2
            y = py if dy > 0.3 else py - h if dy < -0.3 else py - h / 2
            yield Box(round(x, 1), round(y, 1), w, h), ring > 0


def _free(box: Box, taken: list[Box], width: float, height: float) -> bool:
    inside = 0 <= box.x and box.x + box.w <= width and 0 <= box.y and box.y + box.h <= height
    return inside and not any(box.overlaps(t) for t in taken)


def place_labels(
    dots: Iterable[Dot], reserved: Iterable[Box] = (), width: float = WIDTH, height: float = HEIGHT
) -> None:
    """Give every marked dot a label box that overlaps no other label, no marked dot and nothing
    ``reserved``, inside the map.

    The origin goes first, then the prefectures with the most results: when space runs short
    the labels that matter most sit nearest their dots.
    """
    marked = [d for d in dots if d.text]
    taken = [*reserved, *(Box(d.x - d.r, d.y - d.r, 2 * d.r, 2 * d.r) for d in marked)]
    for dot in sorted(marked, key=lambda d: (d.role != "origin", -d.count, d.code)):
        # Candidates are made lazily: the first or second ring nearly always has room, and
        # all 288 positions for every label cost as much as the search itself.
        options = _candidates(dot, text_width(dot.text) + 2 * HALO, LABEL_H)
        beside = next(options)
        # Nowhere free (it does not happen with 47 prefectures): beside the dot, as before.
        box, far = next(
            (o for o in itertools.chain([beside], options) if _free(o[0], taken, width, height)),
            beside,
        )
        dot.box = box
        taken.append(box)
        if far:
            # From the dot's edge towards the nearest point of its label.
            nx = min(max(dot.x, box.x), box.x + box.w)
            ny = min(max(dot.y, box.y), box.y + box.h)
            dist = math.hypot(nx - dot.x, ny - dot.y) or 1.0
            sx, sy = dot.x + (nx - dot.x) * dot.r / dist, dot.y + (ny - dot.y) * dot.r / dist
            dot.leader = Line(round(sx, 1), round(sy, 1), round(nx, 1), round(ny, 1), "leader")


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
    for dot in dots.values():
        if dot.role != "idle":
            dot.text = dot.label + (f" ×{dot.count}" if dot.count > 1 else "")
    ordered = sorted(dots.values(), key=lambda d: (d.role != "idle", d.role == "origin"))
    x, y, _, _ = INSET  # the inset's own caption, 10px at (x + 6, y + 14)
    caption = Box(x + 4, y + 2, text_width(label(OKINAWA)) * 10 / FONT + 2 * HALO + 2, LABEL_H)
    place_labels(ordered, reserved=[caption])
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "inset": INSET,
        "borders": BORDERS,
        "links": link_lines,
        "leaders": [d.leader for d in ordered if d.leader],
        "dots": ordered,
        "marked": len(set(marked)),
    }
