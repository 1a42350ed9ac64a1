"""Choose the reader's refusal threshold on held-out SQuAD train articles and store it with the weights.

Answerable case: a held-out question with the sentences of its own paragraph.
Unanswerable case: the same question with the ten sentences of *other* held-out
articles that BM25 ranks highest for it (on topic, but not the answer's article).
The threshold that maximises accuracy over both is written into reader.json.

    python -m eval.calibrate_reader [--weights assistant/reader/weights] [--questions 600]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
from pathlib import Path

from tqdm import tqdm

from assistant.config import _default_model_path
from assistant.reader import shipped_weights
from assistant.reader.inputs import ReaderInput
from assistant.reader.model import CONFIG_FILE
from assistant.reader.reader import load_reader
from eval.calibrate_refusal import sweep
from eval.reader_data import DevQuestion, held_out_questions, words

DISTRACTORS = 10


def distractors(questions: list[DevQuestion]) -> list[list[ReaderInput]]:
    """For each question, the best BM25 sentences from other held-out articles."""
    lexicon = sqlite3.connect(":memory:")
    lexicon.execute("CREATE VIRTUAL TABLE s USING fts5(text, context UNINDEXED, article UNINDEXED)")
    seen: set[tuple[int, str]] = set()
    for q in questions:
        for c in q.candidates:
            if (q.article, c.sentence) not in seen:
                seen.add((q.article, c.sentence))
                lexicon.execute("INSERT INTO s VALUES (?, ?, ?)", (c.sentence, c.context, q.article))
    result = []
    for q in questions:
        terms = " OR ".join(f'"{w}"' for w in sorted(words(q.question)))
        rows = (
            lexicon.execute(
                "SELECT text, context FROM s WHERE s MATCH ? AND article != ? ORDER BY rank LIMIT ?",
                (terms, q.article, DISTRACTORS),
            ).fetchall()
            if terms
            else []
        )
        result.append([ReaderInput(q.question, text, context) for text, context in rows])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=shipped_weights())
    parser.add_argument("--questions", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7, help="the seed the reader was trained with")
    args = parser.parse_args()

    questions = held_out_questions(args.seed)
    random.Random(args.seed).shuffle(questions)
    questions = questions[: args.questions]
    others = distractors(questions)
    reader = load_reader(args.weights, _default_model_path())
    scores: list[tuple[float, bool]] = []
    for question, wrong in tqdm(list(zip(questions, others, strict=True)), desc="scoring", unit="question"):
        scores.append((max(r.relevance for r in reader.read_inputs(question.candidates)), True))
        if wrong:
            scores.append((max(r.relevance for r in reader.read_inputs(wrong)), False))
    threshold, accuracy = sweep(scores)
    refused = [not answerable for score, answerable in scores if score < threshold]
    unanswerable = sum(1 for _, answerable in scores if not answerable)
    calibration = {
        "threshold": threshold,
        "accuracy": round(accuracy, 4),
        "refusal_precision": round(sum(refused) / max(len(refused), 1), 4),
        "refusal_recall": round(sum(refused) / max(unanswerable, 1), 4),
        "answerable": len(scores) - unanswerable,
        "unanswerable": unanswerable,
    }
    print(json.dumps(calibration))
    config_path = args.weights / CONFIG_FILE
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config.update(refusal_threshold=threshold, refusal_calibration=calibration)
    config_path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    print(f"refusal threshold {threshold:.4f} written to {config_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
