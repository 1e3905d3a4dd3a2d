"""End to end in a real browser: Playwright's Python package driving Debian's Chromium.

The app runs under waitress (as `musubi serve` does) on loopback. Screenshots of the main
pages go to screenshots/ (not committed). Without Chromium these tests are skipped with the
reason — except in CI (CI=true), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from conftest import COORDINATOR, make_app

CHROMIUM = os.environ.get("MUSUBI_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(__file__).resolve().parents[2] / "screenshots"

pytestmark = pytest.mark.browser


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {reason}: .ci/run installs it with apt")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():  # noqa: ANN201
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -e '.[dev]')")
    if not Path(CHROMIUM).exists():
        _missing(f"no Chromium at {CHROMIUM} (apt-get install -y chromium fonts-noto-cjk)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def live_server(corpus, tmp_path_factory):  # noqa: ANN001, ANN201
    """The app under waitress on a free loopback port, over a private copy of the corpus."""
    import waitress

    home = tmp_path_factory.mktemp("browser") / "home"
    shutil.copytree(corpus["home"], home)
    app = make_app(home, TESTING=False)
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    app.extensions["musubi"].store.close()


@pytest.fixture
def page(browser, live_server):  # noqa: ANN001, ANN201
    context = browser.new_context(
        base_url=live_server, viewport={"width": 1360, "height": 900}, locale="ja-JP"
    )
    page = context.new_page()
    errors: list[str] = []
    # A 4xx page is an answer; a failing script, stylesheet or image is a bug.
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type != "document"
            else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    # A CSP violation or a script error shows up here.
    assert not errors, errors


def shot(page, name: str) -> None:  # noqa: ANN001
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def login(page) -> None:  # noqa: ANN001
    page.goto("/login")
    page.fill("input[name=name]", COORDINATOR[0])
    page.fill("input[name=password]", COORDINATOR[1])
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()


def test_municipal_officer_searches_for_suppliers(page) -> None:  # noqa: ANN001
    page.goto("/")
    shot(page, "01-home")
    page.fill("textarea[name=text]", "独居高齢者の見守りを、訪問に頼らない仕組みで行いたい")
    page.press("textarea[name=text]", "Enter")  # musubi.js: Enter submits
    page.wait_for_selector("li.card.result")
    cards = page.locator("li.card.result")
    assert 1 <= cards.count() <= 10
    first = cards.first
    assert "⇔" in first.inner_text()
    assert page.locator(".map .tile-match").count() >= 1
    hint = page.locator("details.route summary").first
    if hint.count():
        hint.click()
        assert page.locator("details.route[open] .route-body").first.is_visible()
    shot(page, "02-search-results")
    # Filters: only startups in 九州・沖縄 (the change re-runs the search by itself).
    if page.locator("details.filters[open]").count() == 0:
        page.click("details.filters summary")
    with page.expect_navigation():
        page.uncheck("input[name=kind][value=company]")
    with page.expect_navigation():
        page.select_option("select[name=region]", "kyushu_okinawa")
    kinds = page.locator("li.card.result .kind").all_inner_texts()
    assert kinds and set(kinds) == {"スタートアップ"}
    # From a result to the supplier's page, with its partner proposals and map.
    page.locator("li.card.result h3 a").first.click()
    page.wait_for_selector("h1")
    assert page.locator(".map .tile-origin").count() == 1
    shot(page, "03-organisation")


def test_search_works_without_javascript(browser, live_server) -> None:  # noqa: ANN001
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    page.goto("/")
    page.fill("textarea[name=text]", "冬の道路除雪を省力化したい")
    page.click(".searchbox button[type=submit]")
    page.wait_for_selector("li.card.result")
    assert page.locator("li.card.result").count() >= 1
    context.close()


def test_english_switch(page) -> None:  # noqa: ANN001
    page.goto("/")
    page.click("a[hreflang=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    page.fill("textarea[name=text]", "snow clearing robot for mountain roads")
    page.click(".searchbox button[type=submit]")
    page.wait_for_selector("li.card.result")
    shot(page, "04-search-english")
    page.click("a[hreflang=ja]")


def test_coordinator_builds_saves_changes_status_and_exports(page) -> None:  # noqa: ANN001
    login(page)
    page.goto("/consortia/")
    page.fill("textarea[name=theme]", "独居高齢者の見守りと健康データの活用")
    page.click(".searchbox button[type=submit]")
    page.wait_for_selector("article.proposal")
    shot(page, "05-consortium-builder")
    page.locator("article.proposal").first.locator("input[name=reason]").fill("第一候補")
    page.locator("article.proposal").first.locator("form.save-form button").click()
    page.wait_for_selector("h1")
    assert "座組みを保存しました" in page.inner_text(".flashes")
    # Swap a member from the ranked alternatives.
    page.locator("a", has_text="入れ替え候補").first.click()
    page.wait_for_selector("table.table")
    page.locator("form.row-form input[name=reason]").first.fill("より近い自治体")
    page.locator("form.row-form button").first.click()
    page.wait_for_selector(".flashes")
    # Change the status with a reason.
    page.select_option("select[name=status]", "shortlisted")
    page.fill("form.status-form input[name=reason]", "テーマへの適合が高い")
    page.click("form.status-form button")
    page.wait_for_selector(".status-shortlisted")
    page.fill("textarea[name=text]", "来週、自治体に打診する")
    page.click("form.stack button[type=submit]")
    page.wait_for_selector("ul.notes")
    history = page.inner_text("ol.timeline")
    assert "状態を変更した" in history and "メンバーを入れ替えた" in history
    shot(page, "06-consortium-detail")
    with page.expect_download() as download:
        page.click("a:text('CSV')")
    csv = Path(download.value.path()).read_text("utf-8-sig")
    assert csv.startswith("proposal_id")
    page.click("a:text('印刷用ブリーフ')")
    page.wait_for_selector("body.brief")
    shot(page, "07-brief")
    page.goto("/consortia/board")
    assert page.locator(".status-shortlisted").count() >= 1
    shot(page, "08-board")


def test_import_with_errors_shows_rows_and_writes_nothing(page) -> None:  # noqa: ANN001
    login(page)
    page.goto("/import/")
    rows = (
        "id,kind,name,prefecture,description\n"
        "z-1,startup,株式会社テスト,福岡県,ドローン配送\n"
        "z-2,startup,株式会社テスト2,福丘県,ドローン配送\n"
        "z-3,宇宙人,テスト3,東京都,説明\n"
    ).encode("cp932")
    page.set_input_files(
        "input[type=file]", files=[{"name": "orgs.csv", "mimeType": "text/csv", "buffer": rows}]
    )
    page.click("form.upload button[type=submit]")
    page.wait_for_selector("section.problems")
    text = page.inner_text("section.problems")
    assert "福丘県" in text and "何も取り込んでいません" in text
    shot(page, "09-import-errors")
    page.goto("/orgs/z-1")
    assert "見つかりません" in page.inner_text("main")


# ---- on a phone (390×844), and what a coordinator and an officer rely on -------------------

PHONE = {"width": 390, "height": 844}
WIDEST = "document.documentElement.scrollWidth"


@pytest.fixture
def phone(browser, live_server):  # noqa: ANN001, ANN201
    context = browser.new_context(
        base_url=live_server, viewport=PHONE, locale="ja-JP", has_touch=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert not errors, errors


def save_a_consortium(page) -> str:  # noqa: ANN001
    """A freshly saved consortium's address (the page is logged in)."""
    page.goto("/consortia/?theme=独居高齢者の見守りと健康データの活用")
    page.wait_for_selector("article.proposal")
    page.locator("article.proposal").first.locator("input[name=reason]").fill("第一候補")
    page.locator("article.proposal").first.locator("form.save-form button").click()
    page.wait_for_selector(".proposal-head")
    return page.url


def test_no_page_scrolls_sideways_on_a_phone(phone) -> None:  # noqa: ANN001
    login(phone)
    saved = save_a_consortium(phone)
    pages = [
        "/?text=独居高齢者の見守りを、訪問に頼らない仕組みで行いたい",
        "/?mode=joint&org=mu-00001",
        "/orgs/mu-00001",
        "/orgs/",
        "/consortia/?theme=独居高齢者の見守りと健康データの活用",
        saved,
        "/consortia/board",
        "/import/",
    ]
    for url in pages:
        phone.goto(url)
        assert phone.evaluate(WIDEST) <= PHONE["width"], url
    # The import page with a table of problems, too.
    phone.goto("/import/")
    rows = "id,kind,name,prefecture,description\nz-1,宇宙人,とても長い名前の組織,福丘県,説明\n"
    phone.set_input_files(
        "input[type=file]",
        files=[{"name": "orgs.csv", "mimeType": "text/csv", "buffer": rows.encode()}],
    )
    phone.click("form.upload button[type=submit]")
    phone.wait_for_selector("section.problems")
    assert phone.evaluate(WIDEST) <= PHONE["width"]
    shot(phone, "10-import-errors-phone")


def test_the_first_result_is_on_the_first_phone_screen(phone) -> None:  # noqa: ANN001
    phone.goto("/")
    phone.fill("textarea[name=text]", "冬の道路除雪を省力化したい")
    phone.click(".searchbox button[type=submit]")
    phone.wait_for_selector("li.card.result")
    assert phone.locator("details.filters[open]").count() == 0  # default kinds filter nothing
    top = phone.locator("li.card.result").first.bounding_box()["y"]
    assert top + 60 <= PHONE["height"], top  # its name and strength are on screen, unscrolled
    shot(phone, "11-search-phone")


def test_a_long_challenge_is_counted_not_cut(phone) -> None:  # noqa: ANN001
    phone.goto("/")
    phone.fill("textarea[name=text]", "見守り" * 1000)
    counter = phone.locator("#text-count")
    assert "2,000" in counter.inner_text() and "3,000" in counter.inner_text()
    assert "短くしてください" in counter.inner_text()
    assert len(phone.input_value("textarea[name=text]")) == 3000  # nothing silently dropped
    phone.click(".searchbox button[type=submit]")
    assert phone.url.endswith("/")  # held back in the browser: the form says why
    phone.fill("textarea[name=text]", "見守り")
    assert counter.inner_text() == "3 / 2,000 文字"


def test_joint_procurement_from_a_municipality_name(page) -> None:  # noqa: ANN001
    page.goto("/?mode=joint")
    name = page.request.get("/api/orgs/mu-00001").json()["org"]["name"]
    page.fill("input[name=org]", name.split()[0])  # 香美町, without the department
    page.click(".searchbox button[type=submit]")
    page.wait_for_load_state()
    if page.locator(".choices").count():  # the name fits several: choose the one meant
        page.locator(".choice-list a", has_text=name).first.click()
        page.wait_for_load_state()
    assert "org=mu-00001" in page.url
    assert page.input_value("input[name=org]") == name
    assert page.locator("li.card.result").count() >= 1 or page.locator(".note").count() >= 1


def test_a_stale_edit_keeps_what_was_typed(browser, live_server) -> None:  # noqa: ANN001
    first = browser.new_context(base_url=live_server, locale="ja-JP").new_page()
    second = browser.new_context(base_url=live_server, locale="ja-JP").new_page()
    login(first)
    login(second)
    saved = save_a_consortium(first)
    second.goto(saved)
    first.goto(saved)
    first.select_option("select[name=status]", "shortlisted")
    first.fill("form.status-form input[name=reason]", "先に候補へ")
    first.click("form.status-form button")
    first.wait_for_selector(".status-shortlisted")
    # The second coordinator, on the page read before that change:
    second.select_option("select[name=status]", "declined")
    second.fill("form.status-form input[name=reason]", "予算が合わないため見送る")
    second.click("form.status-form button")
    second.wait_for_selector("section.conflict")
    assert (
        second.input_value("section.conflict textarea[name=reason]") == "予算が合わないため見送る"
    )
    assert "先に候補へ" in second.inner_text("section.conflict .changes")
    second.click("section.conflict button[type=submit]")
    second.wait_for_selector(".status-declined")
    assert "保存しました" in second.inner_text(".flashes")
    # Reloading a form's address lands on the page, not on an error.
    second.goto(saved + "/status")
    assert second.url == saved and second.locator("h1").count() == 1
    first.context.close()
    second.context.close()


def test_times_are_japan_time(page) -> None:  # noqa: ANN001
    from datetime import datetime, timedelta

    login(page)
    saved = save_a_consortium(page)
    pid = saved.rstrip("/").split("/")[-1]
    at = page.request.get(f"/api/consortia/{pid}").json()["proposal"]["updated_at"]
    utc = datetime.fromisoformat(at.replace("Z", "")[:19])
    t = utc + timedelta(hours=9)
    shown = page.locator(".proposal-head time").last.inner_text()
    assert shown == f"{t.year}年{t.month}月{t.day}日 {t:%H:%M}"
    assert "UTC" not in page.inner_text(".proposal-head")
    page.goto("/consortia/board")
    assert f"{t.year}年{t.month}月{t.day}日 {t:%H:%M}" in page.inner_text(".board")


def test_the_map_legend_matches_the_markers(page) -> None:  # noqa: ANN001
    page.goto("/?text=独居高齢者の見守り&top=30")
    page.wait_for_selector(".map .mk")
    fills = """sel => Object.fromEntries([...document.querySelectorAll(sel)].map(
        e => [e.classList[1], getComputedStyle(e).fill]))"""
    on_map = page.evaluate(fills, ".map svg[role=img] .mk")
    in_legend = page.evaluate(fills, ".map-legend .mk")
    assert on_map and on_map == in_legend  # same kinds, same colours
    assert len(set(on_map.values())) == len(on_map)  # each kind its own colour
    shapes = """sel => Object.fromEntries([...document.querySelectorAll(sel)].map(
        e => [e.classList[1], e.tagName + (e.getAttribute('points') || '').split(' ').length]))"""
    assert page.evaluate(shapes, ".map svg[role=img] .mk") == page.evaluate(
        shapes, ".map-legend .mk"
    )


FOCUSED = """(() => {
    const e = document.activeElement, r = e.getBoundingClientRect();
    return {top: r.top, height: r.height, sticky: !!e.closest('.masthead')};
})()"""


def test_keyboard_users_skip_to_the_content_and_see_what_has_focus(page) -> None:  # noqa: ANN001
    page.goto("/?text=独居高齢者の見守りを、訪問に頼らない仕組みで行いたい")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").bounding_box()["y"] >= 0  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # Going back up with Shift+Tab from the end of the page: the sticky header never covers
    # the element that has focus.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.locator("footer a").last.focus()
    header = page.locator(".masthead").bounding_box()
    for _ in range(25):
        page.keyboard.press("Shift+Tab")
        box = page.evaluate(FOCUSED)
        if not box["sticky"] and box["height"] > 0:
            assert box["top"] >= header["y"] + header["height"] - 1, box
