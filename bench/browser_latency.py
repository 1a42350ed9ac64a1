"""What a person waits for in the browser: send → first text and send → full answer, from Playwright.

    python bench/browser_latency.py [--questions 24] [--json bench/results/browser_latency.json]

Starts the app as a user does (`python app.py`, its own process) over a fresh copy of the demo
index, opens it in Debian's Chromium and asks the project's own questions (eval/demo_qa.jsonl,
without follow-ups) one after another. Times are taken in the page: from the Enter key to the
first answer text streamed into the chat, and to the sources panel showing the answer (the last
chunk). The first question after the start is reported apart (the models are warmed before the
app listens), with the time from launch until /healthz answered. Needs /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

# Installed in the page before each question: timestamps of the first streamed text and of the sources.
OBSERVE = """(turn) => {
  window.__nqa = { sent: performance.now(), first: null, full: null };
  const bots = () => document.querySelectorAll('#nqa-chat [data-testid="bot"]');
  const observer = new MutationObserver(() => {
    const bot = bots()[turn];
    if (window.__nqa.first === null && bot && bot.innerText.trim() && bot.innerText.trim() !== '…') {
      window.__nqa.first = performance.now();
    }
    if (document.querySelector(`#nqa-sources .nqa-turn[data-turn="${turn}"]`)) {
      window.__nqa.full = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document.body, { childList: true, subtree: true, characterData: true });
}"""


def questions(limit: int) -> list[str]:
    rows = [json.loads(line) for line in (REPO / "eval" / "demo_qa.jsonl").read_text(encoding="utf-8").splitlines()]
    return [r["question"] for r in rows if not r.get("follow_up_of")][:limit]


def ask(page, question: str, turn: int) -> tuple[float, float]:
    box = page.locator("#nqa-question textarea")
    box.fill(question)
    page.evaluate(OBSERVE, turn)
    box.press("Enter")
    page.wait_for_function("() => window.__nqa.full !== null && window.__nqa.first !== null", timeout=120_000)
    timing = page.evaluate("() => window.__nqa")
    return timing["first"] - timing["sent"], timing["full"] - timing["sent"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=24)
    parser.add_argument("--json", type=Path, default=REPO / "bench" / "results" / "browser_latency.json")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from tests.live_server import start_app_process

    with tempfile.TemporaryDirectory() as folder:
        launched = time.perf_counter()
        app = start_app_process(folder)  # the demo index is built on its first start, then models warm
        ready_s = time.perf_counter() - launched
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": 1300, "height": 950})
                page.goto(app.url)
                page.locator("#nqa-question textarea").wait_for()
                asked = questions(args.questions + 1)
                timings = [ask(page, question, turn) for turn, question in enumerate(asked)]
                browser.close()
        finally:
            app.stop()
    first, rest = timings[0], timings[1:]
    result = {
        "launch_to_ready_s": round(ready_s, 2),
        "first_question_ms": {"first_text": round(first[0]), "full_answer": round(first[1])},
        "questions": len(rest),
        "median_ms": {
            "first_text": round(statistics.median(t[0] for t in rest)),
            "full_answer": round(statistics.median(t[1] for t in rest)),
        },
        "max_ms": {"first_text": round(max(t[0] for t in rest)), "full_answer": round(max(t[1] for t in rest))},
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
