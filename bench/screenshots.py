"""The screenshots in the README and docs/: the app as a new user meets it, in Debian's Chromium.

    python bench/screenshots.py [--out docs]

Starts the app (`python app.py`, its own process) over a fresh demo index and saves:
first-screen.png (the corpus overview and example questions), answer-article.png (an answer
with its whole-article view open), corpus.png (the Corpus tab at 1400 px) and
corpus-mobile.png (the same at 390 px). Needs /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DESKTOP = {"width": 1400, "height": 900}
MOBILE = {"width": 390, "height": 844}


def shoot(url: str, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for name, viewport in (("", DESKTOP), ("-mobile", MOBILE)):
            page = browser.new_page(viewport=viewport)
            page.goto(url)
            page.locator("#nqa-question textarea").wait_for()
            page.wait_for_function("() => !document.querySelector('.eta-bar, .wrap.pending')", timeout=60_000)
            page.wait_for_timeout(800)
            if not name:
                saved.append(out / "first-screen.png")
                page.screenshot(path=str(saved[-1]))
                box = page.locator("#nqa-question textarea")
                box.fill("Who mediated?")
                box.press("Enter")
                page.locator("#nqa-sources .nqa-turn[data-turn='0']").wait_for(timeout=120_000)
                page.locator("#nqa-sources button.nqa-open-article").first.click()
                page.locator("dialog.nqa-article mark").wait_for()
                page.wait_for_timeout(500)
                saved.append(out / "answer-article.png")
                page.screenshot(path=str(saved[-1]))
                page.keyboard.press("Escape")
            page.get_by_role("tab", name="Corpus").click()
            page.locator("#nqa-articles").wait_for()
            page.wait_for_timeout(800)
            saved.append(out / f"corpus{name}.png")
            page.screenshot(path=str(saved[-1]), full_page=bool(name))
            page.close()
        browser.close()
    return saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs")
    args = parser.parse_args()
    from tests.live_server import start_app_process

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        app = start_app_process(folder)
        try:
            for path in shoot(app.url, args.out):
                print(path)
        finally:
            app.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
