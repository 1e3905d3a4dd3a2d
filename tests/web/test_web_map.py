"""The map: one label per marked prefecture, none overlapping, even when Kanto is crowded."""

from __future__ import annotations

import pytest

from web import japanmap

KANTO = (8, 9, 10, 11, 12, 13, 14, 19, 22)  # and 山梨・静岡, whose offices are as close


def _crowded() -> list[tuple[int, str, str]]:
    """Every prefecture marked, Kanto several times and 東京都 most of all."""
    points = [(code, f"org {code}", "company") for code in range(1, 48)]
    points += [(code, f"startup {code}", "startup") for code in KANTO] * 3
    return points + [(13, "tokyo startup", "startup")] * 12


@pytest.mark.parametrize("origin", [None, 14])
def test_no_two_labels_overlap_when_kanto_is_crowded(origin: int | None) -> None:
    data = japanmap.build(_crowded(), origin=origin, origin_label="横浜市")
    marked = [d for d in data["dots"] if d.role != "idle"]
    boxes = [d.box for d in marked]
    assert len(boxes) == 47 and all(boxes)
    for i, a in enumerate(boxes):
        assert not any(a.overlaps(b) for b in boxes[i + 1 :]), marked[i].text
        assert 0 <= a.x and a.x + a.w <= data["width"] and 0 <= a.y and a.y + a.h <= data["height"]
    for dot in marked:
        circle = japanmap.Box(dot.x - dot.r, dot.y - dot.r, 2 * dot.r, 2 * dot.r)
        assert not any(circle.overlaps(b) for b in boxes), dot.text


def test_labels_carry_counts_and_far_labels_a_leader() -> None:
    data = japanmap.build(_crowded())
    tokyo = next(d for d in data["dots"] if d.code == 13)
    assert tokyo.text == "東京都 ×16"
    far = [d for d in data["dots"] if d.leader]
    assert far and data["leaders"] == [d.leader for d in data["dots"] if d.leader]
    for dot in far:  # the leader ends on its label's edge
        end = (dot.leader.x2, dot.leader.y2)
        assert dot.box.x <= end[0] <= dot.box.x + dot.box.w
        assert dot.box.y <= end[1] <= dot.box.y + dot.box.h


def test_label_width_counts_wide_characters_as_one_em() -> None:
    assert japanmap.text_width("東京都") == pytest.approx(3 * japanmap.FONT)
    assert japanmap.text_width("Tokyo") == pytest.approx(5 * 0.64 * japanmap.FONT)


def test_page_map_has_one_label_per_marked_prefecture(client) -> None:  # noqa: ANN001
    html = client.get("/", query_string={"text": "見守り", "region": "kanto", "top": "30"}).text
    start = html.index('<figure class="map">')
    svg = html[start : html.index("</svg>", start)]
    assert svg.count("<text ") - 1 == svg.count('class="pin pin-match')  # 1: the inset's caption
    assert '<g class="leaders">' in svg
