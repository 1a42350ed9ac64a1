"""Fit how reader and retrieval scores combine, and the refusal threshold, on held-out SQuAD train articles.

The held-out articles (never trained on) are split in two; the paragraphs of one half
are indexed in a real on-disk index, except every third paragraph. That gives three
kinds of question:
- answerable: its paragraph is indexed;
- unanswerable on the same topic: its article is indexed but not the paragraph that
  answers it (a question whose answer still turns up among the candidates is dropped);
- unanswerable off topic: its article is absent.
Half the questions are answerable; the other half is split between the two
unanswerable kinds. For every question the assistant's retrieval gives its candidates
and the reader reads them; then
- a logistic regression over (reader logit, retrieval score) learns which candidate
  holds the answer: that is the score the assistant ranks and refuses on;
- the refusal threshold on the best candidate's score is the cut that maximises
  accuracy (answerable answered, unanswerable refused), weighted as if a third of the
  questions were unanswerable (as in SQuAD 2.0): users mostly ask what the news says,
  so a wrong refusal should weigh more than in a half-and-half mix.
- each strictness level's threshold is the lowest cut whose answers hold the answer in
  their first citation at the level's precision target, on the same weighted mix
  (assistant/answering/strictness.py); `--plot` draws the risk-coverage curve.
All go into the reader's reader.json. It also prints how often the gold sentence comes
first among the answerable questions' candidates, by the reader alone and by the
combined score.

    python -m training.calibrate_reader [--weights assistant/answering/reader/weights] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.answering.reader import shipped_weights
from assistant.answering.reader.model import CONFIG_FILE
from assistant.answering.reader.reader import combined_score, load_reader, logit
from assistant.answering.reading import context_of
from assistant.answering.strictness import PRECISION_TARGETS, Outcome, risk_coverage, threshold_for
from assistant.config import bundled_model_path
from assistant.evaluation.datasets import spread
from assistant.evaluation.metrics import normalise_answer
from assistant.schema import Article
from training.calibrate_refusal import sweep
from training.reader_data import held_out_paragraphs

CANDIDATES = 10


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=shipped_weights())
    parser.add_argument("--seed", type=int, default=7, help="the seed the reader was trained with")
    parser.add_argument("--questions", type=int, default=1000, help="spread evenly over the held-out questions")
    parser.add_argument(
        "--unanswerable-share",
        type=float,
        default=1 / 3,
        help="the share of unanswerable questions the threshold is tuned for (SQuAD 2.0 has about a third)",
    )
    parser.add_argument("--plot", type=Path, help="draw the risk-coverage curve into this PNG")
    parser.add_argument(
        "--keep-weights",
        action="store_true",
        help="keep the score weights and threshold in reader.json; only measure the strictness levels under them",
    )
    args = parser.parse_args()

    from sklearn.linear_model import LogisticRegression

    from assistant import Assistant

    paragraphs = held_out_paragraphs(args.seed)
    articles = sorted({number for number, _, _ in paragraphs})
    indexed_articles = set(articles[::2])
    kinds: dict[str, list[dict]] = {"answerable": [], "same topic": [], "off topic": []}
    indexed: list[Article] = []
    for n, (number, title, paragraph) in enumerate(paragraphs):
        if number not in indexed_articles:
            kinds["off topic"].extend(paragraph["qas"])
        elif n % 3 == 2:
            kinds["same topic"].extend(paragraph["qas"])
        else:
            kinds["answerable"].extend(paragraph["qas"])
            indexed.append(Article(id=f"dev-{number}-{n}", text=paragraph["context"], title=title))
    share = {"answerable": 0.5, "same topic": 0.25, "off topic": 0.25}
    questions = [(qa, kind) for kind, qas in kinds.items() for qa in spread(qas, int(args.questions * share[kind]))]
    reader = load_reader(args.weights, bundled_model_path())
    features, labels, per_question = [], [], []
    first = {"reader": 0, "combined": 0, "questions": 0}
    with tempfile.TemporaryDirectory() as folder:
        assistant = Assistant.open(index="calibration", index_dir=folder, answerer="heuristic")
        assistant.ingest(indexed, progress=True)
        for qa, kind in tqdm(questions, desc="retrieve + read", unit="question"):
            passages = assistant.retrieve(qa["question"], k=CANDIDATES)
            if not passages:
                continue
            golds = {normalise_answer(a["text"]) for a in qa["answers"]}
            holds = [any(g and g in normalise_answer(p.sentence) for g in golds) for p in passages]
            if kind == "same topic" and any(holds):
                continue  # another paragraph of the article answers it after all
            readings = reader.read(
                qa["question"],
                [p.sentence for p in passages],
                [context_of(p) for p in passages],
                [p.title for p in passages],
            )
            answerable = kind == "answerable"
            rows = [[reading.relevance, passage.score] for passage, reading in zip(passages, readings, strict=True)]
            features.extend(rows)
            labels.extend(int(answerable and h) for h in holds)
            per_question.append((rows, answerable, holds, kind))
    config_path = args.weights / CONFIG_FILE
    config = json.loads(config_path.read_text(encoding="utf-8"))
    if args.keep_weights:
        weights = config["score_weights"]
    else:
        model = LogisticRegression().fit(np.array([[logit(r), s] for r, s in features]), np.array(labels))
        weights = {
            "reader": float(model.coef_[0][0]),
            "retrieval": float(model.coef_[0][1]),
            "bias": float(model.intercept_[0]),
        }
    for rows, answerable, holds, _ in per_question:
        if answerable and any(holds):
            first["questions"] += 1
            first["reader"] += holds[max(range(len(rows)), key=lambda i: rows[i][0])]
            first["combined"] += holds[max(range(len(rows)), key=lambda i: combined_score(*rows[i], weights))]
    print("answer-holding sentence first:", json.dumps(first))

    best_scores = [
        (max(combined_score(r, s, weights) for r, s in rows), answerable) for rows, answerable, *_ in per_question
    ]
    threshold, accuracy = sweep(best_scores, args.unanswerable_share)
    refused = [not answerable for score, answerable in best_scores if score < threshold]
    unanswerable = sum(1 for _, answerable in best_scores if not answerable)
    calibration = {
        "threshold": threshold,
        "accuracy": round(accuracy, 4),  # weighted to --unanswerable-share
        "unanswerable_share": round(args.unanswerable_share, 4),
        "refusal_precision": round(sum(refused) / max(len(refused), 1), 4),
        "refusal_recall": round(sum(refused) / max(unanswerable, 1), 4),
        "answerable": len(best_scores) - unanswerable,
        "unanswerable": unanswerable,
        "unanswerable_same_topic": sum(1 for *_, kind in per_question if kind == "same topic"),
        "candidates": len(labels),
    }
    print("score weights:", json.dumps(weights))
    print("refusal:", json.dumps(calibration))
    strictness = strictness_levels(per_question, weights, args.unanswerable_share, args.plot)
    print("strictness:", json.dumps(strictness["thresholds"]))
    calibration["answer_first"] = first
    if not args.keep_weights:
        config.update(score_weights=weights, refusal_threshold=threshold, refusal_calibration=calibration)
    config.update(strictness_thresholds=strictness["thresholds"], strictness_calibration=strictness)
    config_path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    print(f"written to {config_path}")
    return 0


def strictness_levels(
    per_question: list, weights: dict[str, float], unanswerable_share: float, plot: Path | None
) -> dict:
    """The threshold of each strictness level (its precision target met with the most answered) and the
    risk-coverage curve they come from, over the calibration questions weighted to the realistic mix."""
    outcomes = []
    for rows, answerable, holds, _ in per_question:
        scores = [combined_score(r, s, weights) for r, s in rows]
        best = max(range(len(scores)), key=lambda i: scores[i])
        outcomes.append(Outcome(scores[best], answerable and holds[best], answerable))
    curve = risk_coverage(outcomes, unanswerable_share)
    levels = {level: threshold_for(curve, target) for level, target in PRECISION_TARGETS.items()}
    if plot:
        plot_risk_coverage(curve, levels, plot)
    step = max(1, len(curve) // 40)
    return {
        "thresholds": {level: point.threshold for level, point in levels.items()},
        "levels": {level: vars(point) for level, point in levels.items()},
        "precision_targets": PRECISION_TARGETS,
        "unanswerable_share": round(unanswerable_share, 4),
        "questions": len(outcomes),
        "curve": [
            {"threshold": p.threshold, "coverage": round(p.coverage, 4), "precision": round(p.precision, 4)}
            for p in curve[::step]
        ],
    }


def plot_risk_coverage(curve: list, levels: dict, path: Path) -> None:
    """Precision of the answers against the share of questions answered, with each level marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(figsize=(6, 4))
    axes.plot([p.coverage * 100 for p in curve], [p.precision * 100 for p in curve], color="tab:blue")
    for level, point in levels.items():
        axes.plot(point.coverage * 100, point.precision * 100, "o", label=f"{level}: threshold {point.threshold}")
    axes.set(
        xlabel="questions answered (%)",
        ylabel="answers with a right first citation (%)",
        title="Risk-coverage on the calibration questions",
        ylim=(50, 101),
    )
    axes.grid(alpha=0.3)
    axes.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    raise SystemExit(main())
