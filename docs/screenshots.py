"""Screenshots of the README's tour, on a desktop (1366×900) and a phone (390×844).

    python docs/screenshots.py            # writes docs/screenshots/*.png

Builds the seed corpus (300 organisations, the hashing encoder: seconds, no model) in a
temporary home, serves it under waitress on loopback, and drives Debian's Chromium
(/usr/bin/chromium, or MUSUBI_CHROMIUM) through Playwright: search, an organisation, the
consortium builder, a saved consortium, the board and the import page. Each shot is the first
screen, as a visitor sees it. For every page it prints the page's width on the phone (wider
than 390 means sideways scrolling) and where the first result starts. With pngquant on the
PATH (``apt-get install pngquant``) the images are reduced to 64 colours to keep them small.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import seeds  # noqa: E402
from matcher.index.indexing import refresh_index  # noqa: E402
from matcher.ingest.importer import write_records  # noqa: E402
from matcher.ingest.records import validate  # noqa: E402
from matcher.settings import load_settings  # noqa: E402
from matcher.store.accounts import create_coordinator  # noqa: E402
from matcher.store.session import open_store  # noqa: E402
from web import create_app  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("MUSUBI_CHROMIUM", "/usr/bin/chromium")
MUSUBI = {"encoder": "hashing"}
USER = ("tour", "tour password 2026")
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
CHALLENGE = "独居高齢者の見守りを、訪問に頼らない仕組みで行いたい"
THEME = "独居高齢者の見守りと健康データの活用"


def build_home(home: Path) -> None:
    settings = load_settings({"home": str(home), **MUSUBI}, environ={})
    store = open_store(settings)
    records = [validate(raw, n)[0] for n, raw in enumerate(seeds.build_corpus(300), start=1)]
    write_records(store, records)
    refresh_index(store, settings)
    create_coordinator(store, *USER)
    store.close()


def serve(home: Path) -> str:
    import waitress

    app = create_app({"SECRET_KEY": "tour", "MUSUBI": {"home": str(home), **MUSUBI}})
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{server.effective_port}"


def save_consortium(page) -> str:  # noqa: ANN001
    """Log in, build a consortium and save it; the saved page's address."""
    page.goto("/login")
    page.fill("input[name=name]", USER[0])
    page.fill("input[name=password]", USER[1])
    page.click("form.stack button[type=submit]")
    page.goto("/consortia/")
    page.fill("textarea[name=theme]", THEME)
    page.click(".searchbox button[type=submit]")
    page.wait_for_selector("article.proposal")
    page.locator("article.proposal").first.locator("input[name=reason]").fill("第一候補")
    page.locator("article.proposal").first.locator("form.save-form button").click()
    page.wait_for_selector(".flashes")
    page.fill("textarea[name=text]", "来週、自治体に打診する")
    page.click("form.stack button[type=submit]")
    page.wait_for_selector("ul.notes")
    return page.url


def shrink(path: Path) -> None:
    if shutil.which("pngquant"):
        subprocess.run(["pngquant", "--force", "--ext", ".png", "64", str(path)], check=True)


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        build_home(home)
        base = serve(home)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            saved = None
            for size, (width, height) in SIZES.items():
                context = browser.new_context(
                    base_url=base, viewport={"width": width, "height": height}, locale="ja-JP"
                )
                page = context.new_page()
                saved = saved or save_consortium(page)
                if size == "phone":
                    page.goto("/login")
                    if page.locator("input[name=name]").count():
                        page.fill("input[name=name]", USER[0])
                        page.fill("input[name=password]", USER[1])
                        page.click("form.stack button[type=submit]")
                pages = {
                    "search": f"/?text={CHALLENGE}",
                    "organisation": "/orgs/mu-00001",
                    "consortium-builder": f"/consortia/?theme={THEME}",
                    "saved-consortium": saved.removeprefix(base),
                    "board": "/consortia/board",
                    "import": "/import/",
                }
                for name, path in pages.items():
                    page.goto(path)
                    page.wait_for_load_state()
                    wide = page.evaluate("document.documentElement.scrollWidth")
                    first = page.evaluate(
                        "(() => { const c = document.querySelector('li.card.result, "
                        "article.proposal'); return c ? Math.round(c.getBoundingClientRect()"
                        ".top + scrollY) : null })()"
                    )
                    print(f"{size:8} {name:20} page width {wide:5} first result at {first}")
                    shot = OUT / f"{name}-{size}.png"
                    page.screenshot(path=str(shot))
                    shrink(shot)
                context.close()
            browser.close()


if __name__ == "__main__":
    main()
