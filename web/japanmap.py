"""The map: Japan as a prefecture tile map (タイルマップ), drawn as SVG data.

One square per prefecture on a grid that keeps each next to its neighbours (web/tilemap.tsv),
the convention of Japanese statistics graphics: every prefecture is the same size, so Kanto's
crowd reads as easily as Hokkaido, which spans 2×2 instead of being a lone dot. A prefecture
with results is outlined and holds one marker per kind of organisation there — each kind its
own shape and colour (colour-blind safe, and told apart without colour), the same as the
legend — and its count; the origin is outlined thick and starred. Lines join the origin to its
partners, or the members of a consortium. The template turns the returned data into SVG;
nothing here writes markup.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from matcher.facts.kinds import KINDS

TILE = 30.0  # one grid square, in SVG units
GAP = 2.0  # between squares
COLS, ROWS = 14, 12
WIDTH, HEIGHT = COLS * TILE, ROWS * TILE
MARK = 7.0  # a marker's size
DATA = Path(__file__).with_name("tilemap.tsv")
# Each kind's marker: a shape (told apart without colour) and, in the stylesheet, a colour.
SHAPES = {
    "municipality": "square",
    "company": "diamond",
    "startup": "triangle",
    "university": "circle",
    "research_institute": "down",
    "financial_institution": "plus",
}


@dataclass(frozen=True)
class Cell:
    code: int
    col: int
    row: int
    w: int
    h: int
    ja: str
    en: str


@cache
def cells() -> dict[int, Cell]:
    """The tile map's layout, by prefecture code."""
    out = {}
    for line in DATA.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, col, row, w, h, ja, en = line.split("\t")
        out[int(code)] = Cell(int(code), int(col), int(row), int(w), int(h), ja, en)
    return out


@dataclass
class Marker:
    kind: str
    shape: str
    points: str  # the SVG shape: polygon points, or "cx cy r" for a circle


@dataclass
class Tile:
    code: int
    x: float
    y: float
    w: float
    h: float
    ja: str
    en: str
    label: str  # the prefecture's name in the page's language
    role: str = "idle"  # idle | origin | what the marks are (match, member)
    names: list[str] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.names)

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    @property
    def big(self) -> bool:
        return self.w > TILE


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float


def build(
    points: Iterable[tuple[int, str, str | None]],
    *,
    origin: int | None = None,
    origin_label: str | None = None,
    links: Iterable[tuple[int, int]] = (),
    label: Callable[[int], str] = str,
    role: str = "match",
) -> dict:
    """Tiles for all 47 prefectures; those in ``points`` (prefecture code, name, kind) marked
    with a marker per kind, ``origin`` starred, lines from it to each marked prefecture (or
    the ``links`` given, between members). ``legend`` lists the kinds the markers show, in
    the order of matcher.facts.kinds.KINDS."""
    by_code: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    for code, name, kind in points:
        by_code[int(code)].append((name, kind))
    tiles = []
    for cell in cells().values():
        tile = Tile(
            cell.code,
            cell.col * TILE + GAP / 2,
            cell.row * TILE + GAP / 2,
            cell.w * TILE - GAP,
            cell.h * TILE - GAP,
            cell.ja,
            cell.en,
            label(cell.code),
        )
        found = by_code.get(cell.code, [])
        if found:
            tile.role = role
            tile.names = [name for name, _ in found]
            kinds = Counter(kind for _, kind in found if kind)
            tile.markers = _markers(tile, [k for k in KINDS if k in kinds])
        if cell.code == origin:
            tile.role = "origin"
            if origin_label:
                tile.names = [origin_label, *tile.names]
        tiles.append(tile)
    by = {t.code: t for t in tiles}
    pairs = list(links) or (
        [(origin, code) for code in by_code if code != origin] if origin else []
    )
    lines = [
        Line(by[a].cx, by[a].cy, by[b].cx, by[b].cy)
        for a, b in pairs
        if a in by and b in by and a != b
    ]
    shown = {m.kind for t in tiles for m in t.markers}
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "tiles": tiles,
        "links": lines,
        "legend": [(kind, SHAPES.get(kind, "circle")) for kind in KINDS if kind in shown],
        "origin": origin is not None,
        "role": role,
    }


def _markers(tile: Tile, kinds: list[str]) -> list[Marker]:
    """One marker per kind, in a row across the tile's lower half (two rows on 北海道)."""
    out = []
    per_row = 3 if not tile.big else 6
    for k, kind in enumerate(kinds[: per_row * (2 if tile.big else 1)]):
        row, col = divmod(k, per_row)
        n = min(len(kinds) - row * per_row, per_row)
        step = MARK + 2.0
        cx = tile.cx + (col - (n - 1) / 2) * step
        cy = tile.y + tile.h * (0.7 if not tile.big else 0.6) + row * step
        shape = SHAPES.get(kind, "circle")
        out.append(Marker(kind, shape, shape_points(shape, cx, cy, MARK)))
    return out


def shape_points(shape: str, cx: float, cy: float, size: float) -> str:
    """The SVG geometry of a marker of ``size`` centred on (cx, cy)."""
    h = size / 2
    if shape == "circle":
        return f"{cx:.1f} {cy:.1f} {h:.1f}"
    if shape == "square":
        corners = [(-h, -h), (h, -h), (h, h), (-h, h)]
    elif shape == "diamond":
        corners = [(0, -h * 1.25), (h * 1.25, 0), (0, h * 1.25), (-h * 1.25, 0)]
    elif shape == "triangle":
        corners = [(0, -h * 1.2), (h * 1.2, h), (-h * 1.2, h)]
    elif shape == "down":
        corners = [(-h * 1.2, -h), (h * 1.2, -h), (0, h * 1.2)]
    else:  # plus
        t = h / 2.5
        corners = [
            (-t, -h), (t, -h), (t, -t), (h, -t), (h, t), (t, t),
            (t, h), (-t, h), (-t, t), (-h, t), (-h, -t), (-t, -t),
        ]  # fmt: skip
    return " ".join(f"{cx + dx:.1f},{cy + dy:.1f}" for dx, dy in corners)
