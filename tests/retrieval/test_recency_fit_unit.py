"""Fitting the recency prior replays the pipeline's own ranking steps on collected numbers:
a fresh answer beats a stale one only when the prior says so, "latest" questions take the
newest strong answer, refusals stay refusals, and the fit keeps a setting that helps."""

from __future__ import annotations

from assistant.retrieval.recency import NO_PRIOR, PriorSetting, RecencyPrior
from training.fit_recency import (
    ReaderAnswerer,
    ReplayReader,
    candidate_key,
    first_citation,
    fit,
    fit_evidence,
    replayed,
)

CONFIG = {"score_weights": None, "refusal_threshold": 0.3}


def row(question: str, candidates: list[tuple[str, str, float, float, bool]], number: int = 0) -> dict:
    """(article, date, retrieval score, reader relevance, holds the gold answer) per candidate."""
    return {
        "id": str(number),
        "question": question,
        "as_of": "2023-06-30",
        "gold_article": next((a for a, _, _, _, hit in candidates if hit), None),
        "candidates": [
            {"article": a, "sentence": position, "date": d, "retrieval": r, "reader": p, "hit": hit}
            for position, (a, d, r, p, hit) in enumerate(candidates)
        ],
    }


def answerer_for(rows: list[dict]) -> ReaderAnswerer:
    relevance = {candidate_key(c): c["reader"] for r in rows for c in r["candidates"]}
    return ReaderAnswerer(ReplayReader(CONFIG, relevance), CONFIG["refusal_threshold"])


STALE_VS_FRESH = [("stale", "2021-01-10", 0.9, 0.62, False), ("fresh", "2023-06-28", 0.8, 0.60, True)]


def test_without_a_prior_the_reader_order_wins_and_a_strong_prior_cites_the_fresh_article() -> None:
    item = replayed(row("Who won the election?", STALE_VS_FRESH))
    answerer = answerer_for([item.row])
    assert first_citation(item, NO_PRIOR, answerer).article_id == "stale"
    setting = PriorSetting(half_life_days=7, retrieval_weight=0.1, answer_weight=0.2)
    assert first_citation(item, RecencyPrior(plain=setting, cued=setting), answerer).article_id == "fresh"


def test_a_latest_question_takes_the_newest_strong_answer_even_without_a_prior() -> None:
    item = replayed(row("What is the latest count of the votes?", STALE_VS_FRESH))
    assert item.cued
    assert first_citation(item, NO_PRIOR, answerer_for([item.row])).article_id == "fresh"


def test_a_refusal_stays_a_refusal_under_any_prior() -> None:
    weak = [("a", "2023-06-29", 0.9, 0.1, True), ("b", "2023-06-30", 0.8, 0.2, False)]
    item = replayed(row("Who won the election?", weak))
    answerer = answerer_for([item.row])
    strong = PriorSetting(half_life_days=2, retrieval_weight=0.24, answer_weight=0.5)
    assert first_citation(item, RecencyPrior(plain=strong, cued=strong), answerer) is None
    assert first_citation(item, NO_PRIOR, answerer) is None


def test_fit_keeps_a_setting_that_lifts_first_citations_and_reports_held_out_figures() -> None:
    rows = [row("Who won the election?", STALE_VS_FRESH, n) for n in range(6)]
    items = [replayed(r) for r in rows]
    setting, report = fit(items, answerer_for(rows))
    assert setting.answer_weight > 0 or setting.retrieval_weight > 0
    assert report["held_out"]["without"]["first_citation_hit"] == 0.0
    assert report["held_out"]["with"]["first_citation_hit"] == 1.0


TWO_ARTICLES = [
    ("lone", "2023-06-29", 0.9, 0.64, False),  # the best single sentence, alone in its article
    ("story", "2023-06-29", 0.8, 0.60, True),
    ("story", "2023-06-29", 0.7, 0.55, False),  # a second strong sentence of the same story
]


def test_pooled_evidence_lets_an_article_with_two_strong_sentences_overtake_a_lone_one() -> None:
    item = replayed(row("Who won the election?", TWO_ARTICLES))
    answerer = answerer_for([item.row])
    assert first_citation(item, NO_PRIOR, answerer).article_id == "lone"
    assert first_citation(item, NO_PRIOR, answerer, evidence_weight=0.2).article_id == "story"
    refused = replayed(row("Who won the election?", [(a, d, r, p / 3, h) for a, d, r, p, h in TWO_ARTICLES]))
    assert first_citation(refused, NO_PRIOR, answerer_for([refused.row]), evidence_weight=0.8) is None


def test_the_evidence_weight_is_kept_only_when_it_helps_held_out_questions() -> None:
    rows = [row("Who won the election?", TWO_ARTICLES, n) for n in range(6)]
    weight, report = fit_evidence([replayed(r) for r in rows], NO_PRIOR, answerer_for(rows))
    assert weight > 0 and report["kept"]
    unhelpful = [
        row("Who won the election?", [(a, d, r, p, a == "lone") for a, d, r, p, _ in TWO_ARTICLES], n) for n in range(6)
    ]
    weight, report = fit_evidence([replayed(r) for r in unhelpful], NO_PRIOR, answerer_for(unhelpful))
    assert weight == 0.0 and not report["kept"]
