"""The map: Japan as a prefecture tile map, markers whose shapes and colours the legend repeats."""

from __future__ import annotations

import re

from matcher.facts import prefectures
from matcher.facts.kinds import KINDS
from web import japanmap

KANTO = (8, 9, 10, 11, 12, 13, 14)


def _crowded() -> list[tuple[int, str, str]]:
    """Every prefecture marked, Kanto with every kind and 東京都 most of all."""
    points = [(code, f"org {code}", "company") for code in range(1, 48)]
    points += [(code, f"{kind} {code}", kind) for code in KANTO for kind in KINDS]
    return points + [(13, "tokyo startup", "startup")] * 12


def _overlap(a: japanmap.Tile, b: japanmap.Tile) -> bool:
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h


def test_every_prefecture_is_one_tile_and_none_overlap() -> None:
    data = japanmap.build([])
    tiles = data["tiles"]
    assert sorted(t.code for t in tiles) == list(range(1, 48))
    for i, a in enumerate(tiles):
        assert not any(_overlap(a, b) for b in tiles[i + 1 :]), a.ja
        assert 0 <= a.x and a.x + a.w <= data["width"] and 0 <= a.y and a.y + a.h <= data["height"]
    hokkaido = next(t for t in tiles if t.code == 1)
    assert hokkaido.big and hokkaido.w > 1.5 * japanmap.TILE  # 2×2, not a lone dot


def test_neighbours_stay_next_to_each_other() -> None:
    cells = japanmap.cells()

    def touching(a: int, b: int) -> bool:
        p, q = cells[a], cells[b]
        cols = p.col <= q.col + q.w and q.col <= p.col + p.w
        rows = p.row <= q.row + q.h and q.row <= p.row + p.h
        return cols and rows

    # A few borders anyone would check: 東京⇔神奈川, 大阪⇔京都, 福岡⇔佐賀, 青森⇔岩手, 広島⇔岡山.
    for a, b in [(13, 14), (27, 26), (40, 41), (2, 3), (34, 33)]:
        assert touching(a, b), (cells[a].ja, cells[b].ja)
    assert {c.ja for c in cells.values()} == {
        prefectures.name(code).removesuffix("都").removesuffix("府").removesuffix("県")
        if code != 1
        else "北海道"
        for code in range(1, 48)
    }


def test_markers_one_per_kind_with_a_shape_each_and_the_legend_lists_them() -> None:
    data = japanmap.build(_crowded(), origin=14, origin_label="横浜市")
    tokyo = next(t for t in data["tiles"] if t.code == 13)
    assert tokyo.count == 1 + len(KINDS) + 12
    assert [m.kind for m in tokyo.markers] == list(KINDS[:3])  # three fit a square tile
    shown = {m.kind for t in data["tiles"] for m in t.markers}
    assert {kind for kind, _ in data["legend"]} == shown
    assert len({japanmap.SHAPES[k] for k in KINDS}) == len(KINDS)  # told apart without colour
    origin = [t for t in data["tiles"] if t.role == "origin"]
    assert [t.code for t in origin] == [14] and origin[0].names[0] == "横浜市"
    assert len(data["links"]) == 46  # from the origin to every other marked prefecture


def test_every_kind_has_its_own_marker_colour() -> None:
    css = (japanmap.DATA.parent / "static" / "musubi.css").read_text("utf-8")
    colours = {
        k: re.search(rf"\.mk-{k} {{ fill: (#[0-9a-f]{{6}}); }}", css).group(1) for k in KINDS
    }
    assert len(set(colours.values())) == len(KINDS)


def test_page_legend_matches_the_markers(client) -> None:  # noqa: ANN001
    html = client.get("/", query_string={"text": "見守り", "top": "30"}).text
    figure = html[html.index('<figure class="map">') : html.index("</figure>")]
    svg, legend = figure.split("</svg>", 1)
    marked = set(re.findall(r'class="mk mk-(\w+)"', svg))
    listed = set(re.findall(r'class="mk mk-(\w+)"', legend))
    assert marked and marked == listed
    assert svg.count('class="tile ') == 47
