"""Questions a passage does not answer although it is on their topic: the reader must learn "not in this text".

`swap_entity` rewrites a question so that the passage that answered it no longer does: a
name in it (a capitalised phrase found in the passage or its title) becomes another name of
the same shape taken from other questions, or a number in it becomes another number. The
rewritten question keeps the topic and the wording, so only reading decides. Training pairs
it with the original passage as a negative (`training.reader_data`); the report set is made
the same way from SQuAD dev (`python -m training.unanswerable`, plus questions asked of another
paragraph of their article), never trained on.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable

# A capitalised phrase not at the start of the question: "Notre Dame", "the Super Bowl" -> "Super Bowl".
NAME = re.compile(r"(?<![\w.])(?:[A-Z][\w'’.-]*[a-z0-9][\w'’.-]*)(?:\s+(?:of\s+|de\s+|the\s+)?[A-Z][\w'’.-]+)*")
NUMBER = re.compile(r"(?<![\w.,])\d[\d,]*(?:\.\d+)?(?![\w])")
QUESTION_WORDS = {"What", "Who", "Whom", "Whose", "When", "Where", "Which", "Why", "How", "In", "On", "The", "A", "An"}


def names(question: str) -> list[str]:
    """The capitalised phrases of a question, without its first word."""
    found = []
    for match in NAME.finditer(question):
        if match.start() == 0 and match.group().split()[0] in QUESTION_WORDS:
            continue
        found.append(match.group())
    return found


class NamePool:
    """Names seen in other questions, by number of words, to swap in."""

    def __init__(self, questions: Iterable[str]) -> None:
        self.by_length: dict[int, list[str]] = {}
        for question in questions:
            for name in names(question):
                self.by_length.setdefault(len(name.split()), []).append(name)

    def other(self, name: str, avoid: str, rng: random.Random, tries: int = 8) -> str | None:
        candidates = self.by_length.get(len(name.split())) or []
        for _ in range(tries if candidates else 0):
            pick = rng.choice(candidates)
            if pick.lower() != name.lower() and pick.lower() not in avoid:
                return pick
        return None


def other_number(text: str, rng: random.Random) -> str:
    """Another number of the same look: a year moves by a few years, anything else by a factor."""
    plain = text.replace(",", "")
    if re.fullmatch(r"1[5-9]\d\d|20\d\d", plain):
        return str(int(plain) + rng.choice([-7, -5, -3, -2, 2, 3, 5, 7]))
    value = float(plain)
    changed = value * rng.choice([0.5, 2, 3, 1.5]) + rng.choice([1, 2, 3])
    return (
        f"{changed:.{len(plain.split('.')[1])}f}"
        if "." in plain
        else f"{int(changed):,}"
        if "," in text
        else str(int(changed))
    )


def swap_entity(question: str, passage: str, pool: NamePool, rng: random.Random) -> str | None:
    """The question with one name or number that ties it to `passage` replaced (None: nothing to swap)."""
    seen = passage.lower()
    options = [(m.start(), m.end(), "name") for m in _spans(question) if m.group().lower() in seen]
    options += [(m.start(), m.end(), "number") for m in NUMBER.finditer(question) if m.group() in passage]
    if not options:
        return None
    start, end, kind = rng.choice(options)
    original = question[start:end]
    replacement = pool.other(original, seen, rng) if kind == "name" else other_number(original, rng)
    if not replacement or replacement.lower() in seen:
        return None
    return question[:start] + replacement + question[end:]


def _spans(question: str) -> list[re.Match[str]]:
    return [m for m in NAME.finditer(question) if not (m.start() == 0 and m.group().split()[0] in QUESTION_WORDS)]


def report_set(squad: dict, rng: random.Random, swap_share: float = 0.5, moved_share: float = 0.25) -> dict:
    """SQuAD v2-style JSON from SQuAD v1.1 `squad`: every original question, plus unanswerable ones
    marked `is_impossible`: a swapped question against its own paragraph (for `swap_share` of the
    questions), and a question asked of another paragraph of its article that does not hold its
    answer (`moved_share`)."""
    pool = NamePool(qa["question"] for topic in squad["data"] for p in topic["paragraphs"] for qa in p["qas"])
    title_of = {id(topic): str(topic.get("title", "")).replace("_", " ") for topic in squad["data"]}
    counts = {"answerable": 0, "swapped": 0, "moved": 0}
    topics = []
    for topic in squad["data"]:
        paragraphs = [{"context": p["context"], "qas": []} for p in topic["paragraphs"]]
        for number, paragraph in enumerate(topic["paragraphs"]):
            shown = f"{paragraph['context']} {title_of[id(topic)]}"
            for qa in paragraph["qas"]:
                paragraphs[number]["qas"].append(qa)
                counts["answerable"] += 1
                if rng.random() < swap_share and (swapped := swap_entity(qa["question"], shown, pool, rng)):
                    paragraphs[number]["qas"].append(_impossible(qa, swapped, "swapped"))
                    counts["swapped"] += 1
                if rng.random() < moved_share:
                    answers = {a["text"].lower() for a in qa["answers"]}
                    others = [
                        n
                        for n, p in enumerate(topic["paragraphs"])
                        if n != number and not any(a in p["context"].lower() for a in answers)
                    ]
                    if others:
                        paragraphs[rng.choice(others)]["qas"].append(_impossible(qa, qa["question"], "moved"))
                        counts["moved"] += 1
        topics.append({"title": topic.get("title", ""), "paragraphs": paragraphs})
    return {"version": "v2.0-style, made from SQuAD v1.1 dev", "counts": counts, "data": topics}


def _impossible(qa: dict, question: str, kind: str) -> dict:
    return {"id": f"{qa['id']}-{kind}", "question": question, "answers": [], "is_impossible": True}


def main(argv: list[str] | None = None) -> int:
    """Write the report set: python -m training.unanswerable [--out build/squad_dev_unanswerable.json]"""
    import argparse
    import gzip
    import json
    from pathlib import Path

    from assistant.config import shared_data

    parser = argparse.ArgumentParser(description="unanswerable questions on the topic of SQuAD dev paragraphs")
    parser.add_argument("--squad", type=Path, default=shared_data("qa") / "squad_dev_v1.1.json.gz")
    parser.add_argument("--out", type=Path, default=Path("build/squad_dev_unanswerable.json"))
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    with gzip.open(args.squad, "rt", encoding="utf-8") as handle:
        squad = json.load(handle)
    made = report_set(squad, random.Random(args.seed))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(made), encoding="utf-8")
    print(f"{made['counts']} written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
