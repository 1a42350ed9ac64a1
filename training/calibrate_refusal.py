"""Choose the heuristic answerer's refusal threshold (Settings.refusal_threshold) from the project's set.

Runs every question through the heuristic answerer with refusals switched off, records
the best sentence score, then picks the threshold that maximises refusal accuracy
(answerable questions answered, unanswerable ones refused); ties go to the lower
threshold, which refuses less. The reader's own threshold is chosen by
`training.calibrate_reader`. Usage: python -m training.calibrate_refusal [eval/demo_qa.jsonl]
"""

from __future__ import annotations

import sys
import tempfile

from assistant import Assistant
from assistant.config import DEMO_CORPUS
from assistant.evaluation import evaluate, load_qa


def sweep(scores: list[tuple[float, bool]], unanswerable_share: float | None = None) -> tuple[float, float]:
    """(threshold, accuracy) maximising accuracy over candidate cut points.

    With `unanswerable_share`, accuracy is weighted as if that share of questions were
    unanswerable, whatever the mix in `scores`."""
    unanswerable = sum(1 for _, answerable in scores if not answerable)
    answerable = len(scores) - unanswerable
    if unanswerable_share is None or not unanswerable or not answerable:
        weights = {True: 1 / len(scores), False: 1 / len(scores)}
    else:
        weights = {True: (1 - unanswerable_share) / answerable, False: unanswerable_share / unanswerable}
    cuts = sorted({round(s, 4) for s, _ in scores} | {0.0})
    best = (0.0, -1.0)
    for cut in cuts:
        accuracy = sum(weights[a] for score, a in scores if (score >= cut) == a)
        if accuracy > best[1]:
            best = (cut, accuracy)
    return best


def main(dataset: str = "eval/demo_qa.jsonl") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        # The heuristic answerer's scores are the ones this threshold is compared with.
        assistant = Assistant.open(index="calibration", index_dir=tmp, answerer="heuristic", refusal_threshold=-1.0)
        assistant.ingest([DEMO_CORPUS])
        summary = evaluate(assistant, load_qa(dataset), progress=True)
    scores = [(r.top_score, r.answerable) for r in summary.items]
    threshold, accuracy = sweep(scores)
    print(f"questions: {len(scores)}  best threshold: {threshold:.4f}  refusal accuracy: {accuracy:.3f}")
    for cut in (0.35, 0.40, 0.45, 0.50, 0.55, 0.60):
        acc = sum((s >= cut) == a for s, a in scores) / len(scores)
        print(f"  threshold {cut:.2f}: accuracy {acc:.3f}")


if __name__ == "__main__":
    main(*sys.argv[1:])
