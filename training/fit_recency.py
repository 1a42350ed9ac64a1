"""Fit the recency prior (assistant/retrieval/recency.py) on RealTimeQA questions dated 2022-2023.

    python -m assistant --index rtqa ingest ../shared/data/news/realtimeqa_dev_articles.jsonl.gz   # once
    python -m training.fit_recency collect      # retrieval + reader over every 2022-2023 question (~10 min)
    python -m training.fit_recency fit          # grid search, writes assistant/retrieval/recency.json
    python -m training.fit_recency collect --windows weigh && python -m training.fit_recency fit --windows weigh

`collect` asks each question as of its own day with the prior off, keeps every scored
candidate (retrieval score, article date, the reader's relevance for each, whether it holds
the gold answer) in build/recency/candidates.jsonl.gz. `fit` replays the pipeline's own ranking
steps on those numbers for each setting of the grid (the prior's term on the retrieval score,
the top candidates read, the answer probability, `order_answers`, refusal at the calibrated
threshold), with the collected relevances standing in for the reader, and keeps, separately for questions with and without a time
cue, the setting with the most questions whose first citation holds the gold answer on
the odd-numbered questions, reporting the even-numbered ones as held out. Each way a stated
window can act (`Settings.stated_windows`: "filter", the default, or "weigh") has its own
candidates and its own entry in recency.json; with "weigh" the collected candidates of a
question that states a window are those found inside it and those found without it, and the
grid includes the weight those inside gain. The evidence weight is fitted with the default. 2024 questions are
never read here: they are the report set.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from tqdm import tqdm

from assistant.answering.evidence import FITTED as EVIDENCE
from assistant.answering.reader.reader import Reading
from assistant.answering.reading import ReaderAnswerer
from assistant.config import STATED_WINDOWS
from assistant.evaluation.corpora import RTQA_QUESTIONS
from assistant.evaluation.datasets import load_realtimeqa
from assistant.evaluation.metrics import answer_hit
from assistant.retrieval.question import Question, analyse
from assistant.retrieval.recency import FITTED, NO_PRIOR, PriorSetting, RecencyPrior, has_time_cue, order_answers
from assistant.retrieval.temporal import TimeScope, Window, resolve_time
from assistant.schema import Passage

REPO = Path(__file__).resolve().parent.parent
CANDIDATES = REPO / "build" / "recency" / "candidates-{windows}.jsonl.gz"
FIT_YEARS = ("2022", "2023")
HALF_LIVES = (2.0, 4.0, 7.0, 14.0, 30.0, 60.0, 120.0, 365.0)
RETRIEVAL_WEIGHTS = (0.0, 0.02, 0.04, 0.06, 0.08, 0.12, 0.16, 0.24)
ANSWER_WEIGHTS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5)
# Added to candidates inside a window the question states; 1.0 is about a hard filter.
WINDOW_WEIGHTS = (0.0, 0.03, 0.06, 0.12, 0.25, 1.0)
WINDOWS_SAY = {
    "filter": "filter: a stated window filters the search (asked again without it when it finds nothing)",
    "weigh": "weigh: a stated window is searched beside the as-of limit alone, and its articles gain the window weight",
}
# Questions with no time word get a mild prior: on the retrieval score only, at most this weight.
# Fitted freely (weight 0.3 on the answer order), it took the demo's "Where were the talks held?",
# asked months after the talks, to fresher articles about other things.
MILD_RETRIEVAL_WEIGHT = 0.04
EVIDENCE_WEIGHTS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8)


def collect(index: str, out: Path, limit: int | None, windows: str = "filter") -> int:
    """Write every 2022-2023 question's scored candidates (prior off) with the reader's relevance."""
    from assistant import Assistant
    from assistant.answering.reading import context_of

    items = [i for i in load_realtimeqa(RTQA_QUESTIONS, pool=Path("/nonexistent")).items if i.answerable]
    items = [i for i in items if (i.date or "")[:4] in FIT_YEARS][:limit]
    out.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with Assistant.open(index=index, create=False, recency_prior=False, stated_windows=windows) as assistant:
        reader = assistant.answerer.reader  # type: ignore[attr-defined]
        with gzip.open(out, "wt", encoding="utf-8") as handle:
            for item in tqdm(items, desc="Questions", unit=" q"):
                found = assistant.candidates(item.question, as_of=item.date)
                passages = found.passages
                readings = reader.read(
                    found.parsed.text,
                    [p.sentence for p in passages],
                    [context_of(p) for p in passages],
                    [p.title for p in passages],
                )
                row = {
                    "id": item.id,
                    "question": found.follow_up.searched,
                    "as_of": item.date,
                    "windows": windows,
                    "gold_article": item.article_id,
                    "candidates": [
                        {
                            "article": p.article_id,
                            "sentence": p.sentence_index,
                            "date": p.date,
                            "retrieval": p.score,
                            "reader": round(r.relevance, 5),
                            "hit": answer_hit(p.sentence, item.answers),
                        }
                        for p, r in zip(passages, readings, strict=True)
                    ],
                }
                handle.write(json.dumps(row) + "\n")
                written += 1
    return written


class ReplayReader:
    """The reader's relevances as collected, handed back for the same candidates (no model run)."""

    def __init__(self, config: dict[str, Any], relevance: dict[str, float]) -> None:
        self.config = config
        self.relevance = relevance

    def read(self, question: str, sentences: Sequence[str], *_: Any) -> list[Reading]:
        return [Reading(self.relevance[s], None) for s in sentences]


@dataclass
class Replayed:
    """One collected question, ready for the pipeline's own ranking steps."""

    row: dict
    as_of: date
    scope: TimeScope
    question: Question
    passages: list[Passage]
    hits: dict[str, bool]

    @property
    def cued(self) -> bool:
        return has_time_cue(self.scope)

    @property
    def window(self) -> Window | None:
        """The window the question states, as `Assistant.candidates` weighs it (None: none stated,
        or collected with windows that filter, where nothing outside it is left to weigh against)."""
        weigh = self.row.get("windows") == "weigh"
        return self.scope.article_window() if weigh and self.scope.is_hard else None


def candidate_key(candidate: dict) -> str:
    """A collected candidate's stand-in for its sentence text (the replay's reader looks it up)."""
    return f"{candidate['article']}#{candidate['sentence']}"


def replayed(row: dict) -> Replayed:
    """Passages rebuilt from a collected row (the sentence key stands in for its text)."""
    as_of = date.fromisoformat(row["as_of"])
    passages, hits = [], {}
    for c in row["candidates"]:
        key = candidate_key(c)
        passages.append(Passage(c["article"], c["sentence"], key, 0, 0, "", c["date"], "", "", key, c["retrieval"]))
        hits[key] = c["hit"]
    scope = resolve_time(row["question"], as_of)
    return Replayed(row, as_of, scope, analyse(row["question"]), passages, hits)


def first_citation(
    item: Replayed, prior: RecencyPrior, answerer: ReaderAnswerer, evidence_weight: float = 0.0
) -> Passage | None:
    """The candidate `ask` would cite first under `prior` (None: refused), through the pipeline's own
    steps: the prior on retrieval scores, the reader's ranking, then `order_answers`. (Folding copies of
    one story is left out: it needs the index, and it never changes which story is cited first.)"""
    candidates = prior.rescore_retrieval(item.passages, item.as_of, item.cued, item.window)
    ranking = answerer.rank(item.question, candidates[: answerer.candidates])
    floor = answerer.refusal_threshold
    ranked = order_answers(prior, ranking.passages, item.as_of, item.scope, floor, evidence_weight)
    return ranked[0] if ranked and ranked[0].score >= floor else None


def score(
    items: list[Replayed], prior: RecencyPrior, answerer: ReaderAnswerer, evidence_weight: float = 0.0
) -> dict[str, float]:
    """Share of questions whose first citation holds the gold answer / is from the gold article."""
    firsts = [first_citation(item, prior, answerer, evidence_weight) for item in items]
    n = max(len(items), 1)
    return {
        "first_citation_hit": sum(bool(f and i.hits[f.sentence]) for f, i in zip(firsts, items, strict=True)) / n,
        "first_citation_article": sum(
            bool(f and f.article_id == i.row["gold_article"]) for f, i in zip(firsts, items, strict=True)
        )
        / n,
        "questions": len(items),
    }


def both(setting: PriorSetting) -> RecencyPrior:
    """A prior with `setting` for either kind of question (each fit sees one kind)."""
    return RecencyPrior(plain=setting, cued=setting)


def fit(rows: list[Replayed], answerer: ReaderAnswerer, mild: bool = False) -> tuple[PriorSetting, dict]:
    """The grid setting with the best first-citation hit rate on odd rows, kept only if it also helps
    on the even rows (held out); otherwise no prior."""
    train, held_out = rows[1::2], rows[0::2]
    best, best_value = PriorSetting(), -1.0
    windows = WINDOW_WEIGHTS if any(row.window for row in rows) else (0.0,)
    grid = list(itertools.product(HALF_LIVES, RETRIEVAL_WEIGHTS, ANSWER_WEIGHTS, windows))
    if mild:  # only a nudge to what is read: a fresher sentence never overtakes a clearly better answer
        grid = [(h, r, a, w) for h, r, a, w in grid if r <= MILD_RETRIEVAL_WEIGHT and a == 0.0]
    for half_life, w_retrieval, w_answer, w_window in tqdm(grid, desc="Grid", unit=" settings", leave=False):
        setting = PriorSetting(half_life, w_retrieval, w_answer, w_window)
        value = score(train, both(setting), answerer)["first_citation_hit"]
        if value > best_value + 1e-9:  # ties keep the earlier (shorter half-life, smaller weights) setting
            best, best_value = setting, value
    report = compare(
        train,
        held_out,
        lambda items: score(items, NO_PRIOR, answerer),
        lambda items: score(items, both(best), answerer),
    )
    return (best if report["kept"] else PriorSetting()), report


def fit_evidence(rows: list[Replayed], prior: RecencyPrior, answerer: ReaderAnswerer) -> tuple[float, dict]:
    """The weight of evidence pooled per article (answering/evidence.py), on top of `prior`: best on
    the odd rows, kept only if it also helps on the even rows."""
    train, held_out = rows[1::2], rows[0::2]
    values = {w: score(train, prior, answerer, w)["first_citation_hit"] for w in EVIDENCE_WEIGHTS}
    best = max(EVIDENCE_WEIGHTS, key=lambda w: (values[w], -w))  # ties keep the smaller weight
    report = compare(
        train, held_out, lambda items: score(items, prior, answerer), lambda items: score(items, prior, answerer, best)
    )
    report["weight"] = best
    return (best if report["kept"] else 0.0), report


def compare(
    train: list[Replayed],
    held_out: list[Replayed],
    without: Callable[[list[Replayed]], dict[str, float]],
    with_: Callable[[list[Replayed]], dict[str, float]],
) -> dict:
    """Scores without and with a fitted setting on both halves; `kept` when it helps the held-out half."""
    report: dict = {
        part: {"without": without(items), "with": with_(items)}
        for part, items in (("fit", train), ("held_out", held_out))
    }
    report["kept"] = (
        report["held_out"]["with"]["first_citation_hit"] > report["held_out"]["without"]["first_citation_hit"]
    )
    return report


def show(report: dict) -> None:
    for part in ("fit", "held_out"):
        print(f"  {part}: without {report[part]['without']}  with {report[part]['with']}")
    print(f"  kept: {report['kept']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=("collect", "fit"))
    parser.add_argument("--index", default="rtqa", help="the index holding the RealTimeQA pool")
    parser.add_argument("--windows", choices=STATED_WINDOWS, default="filter", help="what a stated window does")
    parser.add_argument("--candidates", type=Path, help=f"default: {CANDIDATES}")
    parser.add_argument("--limit", type=int, help="collect: only the first N questions")
    parser.add_argument("--out", type=Path, default=FITTED, help="fit: where to write the prior")
    args = parser.parse_args(argv)
    candidates = args.candidates or Path(str(CANDIDATES).format(windows=args.windows))
    if args.step == "collect":
        print(f"{collect(args.index, candidates, args.limit, args.windows)} questions written to {candidates}")
        return 0

    from assistant.answering.reader import shipped_weights
    from assistant.answering.reader.model import read_config

    config = read_config(shipped_weights())
    with gzip.open(candidates, "rt", encoding="utf-8") as handle:
        rows = [replayed(json.loads(line)) for line in handle]
    relevance = {candidate_key(c): c["reader"] for item in rows for c in item.row["candidates"]}
    answerer = ReaderAnswerer(ReplayReader(config, relevance), float(config["refusal_threshold"]))
    fitted, reports = {}, {}
    for name, cued in (("plain", False), ("cued", True)):
        subset = [r for r in rows if r.cued == cued]
        fitted[name], reports[name] = fit(subset, answerer, mild=not cued)
        print(f"{name}: {len(subset)} questions, {fitted[name]}")
        show(reports[name])
    prior = RecencyPrior(plain=fitted["plain"], cued=fitted["cued"])
    if args.windows == "filter":  # the default way: the evidence weight is fitted on top of it
        weight, evidence_report = fit_evidence(rows, prior, answerer)
        print(f"evidence pooled per article: weight {evidence_report['weight']}")
        show(evidence_report)
        write_json(
            EVIDENCE,
            {
                "weight": weight,
                "fitted_on": "the same questions and split as the recency prior, with the fitted prior applied",
                "grid": EVIDENCE_WEIGHTS,
                "results": evidence_report,
            },
        )
    grid = {"half_life_days": HALF_LIVES, "retrieval_weight": RETRIEVAL_WEIGHTS, "answer_weight": ANSWER_WEIGHTS}
    if args.windows == "weigh":
        grid["window_weight"] = WINDOW_WEIGHTS
    shipped = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else {}
    shipped[args.windows] = {
        "prior": prior.to_dict(),
        "fitted_on": f"RealTimeQA dev questions dated {'-'.join(FIT_YEARS)} ({len(rows)}), over the "
        "whole article pool, as of each question's day; odd-numbered questions fit, even-numbered held out",
        "objective": "first citation holds the gold answer",
        "grid": grid,
        "results": reports,
        "windows": WINDOWS_SAY[args.windows],
    }
    write_json(args.out, shipped)
    return 0


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    sys.exit(main())
