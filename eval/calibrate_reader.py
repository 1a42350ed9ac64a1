"""Fit how reader and retrieval scores combine, and the refusal threshold, on held-out SQuAD train articles.

The held-out articles (never trained on) are split in two; one half is indexed in a
real on-disk index. Questions about that half are answerable, questions about the
other half are not (their article is absent). For every question the assistant's
retrieval gives its candidates and the reader reads them; then
- a logistic regression over (reader logit, retrieval score) learns which candidate
  holds the answer: that is the score the assistant ranks and refuses on;
- the refusal threshold on the best candidate's score is the cut that maximises
  accuracy (answerable answered, unanswerable refused).
Both go into the reader's reader.json.

    python -m eval.calibrate_reader [--weights assistant/reader/weights] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.answer import context_of
from assistant.config import _default_model_path
from assistant.evaluation.harness import spread
from assistant.evaluation.metrics import normalise_answer
from assistant.reader import shipped_weights
from assistant.reader.model import CONFIG_FILE
from assistant.reader.reader import combined_score, load_reader, logit
from assistant.schema import Article
from eval.calibrate_refusal import sweep
from eval.reader_data import held_out_paragraphs

CANDIDATES = 10


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=shipped_weights())
    parser.add_argument("--seed", type=int, default=7, help="the seed the reader was trained with")
    parser.add_argument("--questions", type=int, default=1000, help="spread evenly over the held-out questions")
    args = parser.parse_args()

    from sklearn.linear_model import LogisticRegression

    from assistant import Assistant

    paragraphs = held_out_paragraphs(args.seed)
    articles = sorted({number for number, _, _ in paragraphs})
    indexed = set(articles[::2])
    reader = load_reader(args.weights, _default_model_path())
    features, labels, per_question = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        assistant = Assistant.open(index="calibration", index_dir=folder, answerer="heuristic")
        assistant.ingest(
            [
                Article(id=f"dev-{number}-{n}", text=p["context"], title=title)
                for n, (number, title, p) in enumerate(paragraphs)
                if number in indexed
            ],
            progress=True,
        )
        every = [(qa, number in indexed) for number, _, p in paragraphs for qa in p["qas"]]
        questions = spread(every, args.questions)
        for qa, answerable in tqdm(questions, desc="retrieve + read", unit="question"):
            passages = assistant.retrieve(qa["question"], k=CANDIDATES)
            if not passages:
                continue
            readings = reader.read(qa["question"], [p.sentence for p in passages], [context_of(p) for p in passages])
            golds = {normalise_answer(a["text"]) for a in qa["answers"]}
            rows = []
            for passage, reading in zip(passages, readings, strict=True):
                holds = answerable and any(g and g in normalise_answer(passage.sentence) for g in golds)
                rows.append([reading.relevance, passage.score])
                labels.append(int(holds))
            features.extend(rows)
            per_question.append((rows, answerable))
    model = LogisticRegression().fit(np.array([[logit(r), s] for r, s in features]), np.array(labels))
    weights = {
        "reader": float(model.coef_[0][0]),
        "retrieval": float(model.coef_[0][1]),
        "bias": float(model.intercept_[0]),
    }

    best_scores = [
        (max(combined_score(r, s, weights) for r, s in rows), answerable) for rows, answerable in per_question
    ]
    threshold, accuracy = sweep(best_scores)
    refused = [not answerable for score, answerable in best_scores if score < threshold]
    unanswerable = sum(1 for _, answerable in best_scores if not answerable)
    calibration = {
        "threshold": threshold,
        "accuracy": round(accuracy, 4),
        "refusal_precision": round(sum(refused) / max(len(refused), 1), 4),
        "refusal_recall": round(sum(refused) / max(unanswerable, 1), 4),
        "answerable": len(best_scores) - unanswerable,
        "unanswerable": unanswerable,
        "candidates": len(labels),
    }
    print("score weights:", json.dumps(weights))
    print("refusal:", json.dumps(calibration))
    config_path = args.weights / CONFIG_FILE
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config.update(score_weights=weights, refusal_threshold=threshold, refusal_calibration=calibration)
    config_path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    print(f"written to {config_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
