"""No citation from the future, over 200 real RealTimeQA questions (real model, real on-disk index).

Each question is asked as of its own date. The index is a bounded pool read at run time from
../shared/data (never copied): each question's support article, and articles published after
the question's date on the same topic: the question's own retrieved articles dated later, and
the later articles of the whole RealTimeQA pool that share the most rare words with the
question, its answer and its support sentence. Articles are cut to a few sentences (the lead,
the support sentence, the sentences nearest the question) so the pool embeds in 1-1.5 minutes on
2 cores. Then no citation, no listed copy, no nearest passage and no ranked sentence may
come from an article dated after the question, while with no as-of day those later articles do
rank for most questions (so the test can fail).
"""

from __future__ import annotations

import collections
import functools
import gzip
import json
import math
import re
import time
from dataclasses import dataclass

import pytest

from assistant.evaluation.corpora import RTQA_POOL, RTQA_QUESTIONS
from assistant.evaluation.datasets import spread
from assistant.ingest.sentences import split_sentences
from assistant.retrieval.question import stopwords
from assistant.schema import Article

QUESTIONS = 200
LATER_PER_QUESTION = 2  # later articles chosen by shared words, beyond the question's own later ones
LEAD = 3  # sentences kept from the start of each article
NEAREST = 1  # and the sentences of a later article sharing most words with its question
COMMON = 0.2  # words in more than this share of the pool's articles do not choose articles

pytestmark = [
    pytest.mark.slow,
    pytest.mark.shared_data,
    pytest.mark.skipif(
        not (RTQA_QUESTIONS.exists() and RTQA_POOL.exists()),
        reason=f"../shared/data is absent on this machine: needs {RTQA_QUESTIONS} and {RTQA_POOL}",
    ),
]

_WORD = re.compile(r"[a-z][a-z0-9'’-]{2,}")
_NEWS_WORDS = "also according one two new year years week weeks last first recent recently"


@functools.cache
def _stop() -> frozenset[str]:
    return stopwords() | frozenset(_NEWS_WORDS.split())


def _words(text: str) -> set[str]:
    stop = _stop()
    return {w for w in _WORD.findall(text.lower()) if w not in stop}


def _day(value: str | None) -> str:
    """'2022/06/10' or '2024-08-15' -> '2022-06-10' ('' when missing)."""
    return (value or "").replace("/", "-")[:10]


@dataclass
class Asked:
    id: str
    question: str
    day: str
    support: str  # the article the answer was found in
    sentence: str  # the support sentence
    start: int  # where it starts in the article
    later: list[str]  # pool articles on its topic dated after `day`


def _read() -> tuple[list[dict], dict[str, dict]]:
    rows = [json.loads(line) for line in RTQA_QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    with gzip.open(RTQA_POOL, "rt", encoding="utf-8") as handle:
        articles = {row["id"]: row for row in map(json.loads, handle)}
    return rows, articles


def _choose(rows: list[dict], articles: dict[str, dict]) -> list[Asked]:
    """QUESTIONS dated questions spread evenly over the set (every 7th or so, in file order), each with
    the later articles on its topic."""
    dated = [r for r in rows if _day(r.get("question_date")) and (r.get("support") or {}).get("doc_id") in articles]
    chosen = spread(dated, QUESTIONS)
    ids = list(articles)
    days = [_day(articles[i].get("publish_date")) for i in ids]
    words = [_words(articles[i]["title"] + " " + articles[i]["text"][:1000]) for i in ids]
    counts = collections.Counter(w for found in words for w in found)
    postings: dict[str, list[int]] = collections.defaultdict(list)
    for number, found in enumerate(words):
        for word in found:
            postings[word].append(number)
    asked = []
    for row in chosen:
        day = _day(row["question_date"])
        own = [i for i in row.get("retrieved_doc_ids", []) if i in articles and _day(articles[i]["publish_date"]) > day]
        scores: collections.Counter[int] = collections.Counter()
        for word in _words(f"{row['question']} {row['answer']} {row['support']['sentence']}"):
            if 0 < counts[word] < COMMON * len(ids):
                weight = math.log(len(ids) / counts[word])
                for number in postings[word]:
                    if days[number] > day:
                        scores[number] += weight
        shared = [ids[n] for n, _ in scores.most_common(LATER_PER_QUESTION)]
        support = row["support"]
        asked.append(
            Asked(
                row["question_id"],
                row["question"],
                day,
                support["doc_id"],
                support["sentence"],
                int(support.get("sentence_start") or 0),
                list(dict.fromkeys(own + shared)),
            )
        )
    return asked


def _cut(row: dict, keep: set[int], near: str) -> Article:
    """The article with its lead, the sentences numbered in `keep`, and the NEAREST sharing most words with `near`."""
    sentences = split_sentences(row["text"])
    wanted = _words(near)
    nearest = sorted(range(len(sentences)), key=lambda n: -len(_words(sentences[n].text) & wanted))[:NEAREST]
    kept = sorted(set(range(min(LEAD, len(sentences)))) | keep | set(nearest))
    return Article(
        id=row["id"],
        title=row["title"],
        text=" ".join(sentences[n].text for n in kept),
        date=_day(row["publish_date"]) or None,
        source="RealTimeQA pool",
    )


def _pool(asked: list[Asked], articles: dict[str, dict]) -> list[Article]:
    keep: dict[str, set[int]] = collections.defaultdict(set)
    near: dict[str, str] = collections.defaultdict(str)
    for a in asked:
        sentences = split_sentences(articles[a.support]["text"])
        holding = [n for n, s in enumerate(sentences) if s.start <= a.start < s.end or a.sentence in s.text]
        keep[a.support].update(n + d for n in holding[:1] for d in (-1, 0, 1) if 0 <= n + d < len(sentences))
        for article_id in a.later:
            keep.setdefault(article_id, set())
            near[article_id] += f" {a.question} {a.sentence}"
    return [_cut(articles[i], keep[i], near[i]) for i in keep]


@pytest.fixture(scope="module")
def rtqa(tmp_path_factory, embedder):
    from assistant import Assistant

    started = time.perf_counter()
    rows, articles = _read()
    asked = _choose(rows, articles)
    pool = _pool(asked, articles)
    del rows, articles
    chosen = time.perf_counter() - started
    assistant = Assistant.open(index="rtqa-as-of", index_dir=tmp_path_factory.mktemp("rtqa-as-of"), embedder=embedder)
    report = assistant.ingest(pool)
    print(
        f"\nRealTimeQA as-of pool: {len(asked)} questions, {len(pool)} articles, "
        f"{report.sentences_indexed} sentences; chosen in {chosen:.1f} s, embedded and indexed in {report.seconds:.1f} s"
    )
    yield assistant, asked, {a.id: a.date for a in pool}
    assistant.close()


def test_no_citation_or_nearest_passage_is_ever_dated_after_the_question(rtqa):
    assistant, asked, dates = rtqa
    started = time.perf_counter()
    answered = 0
    for a in asked:
        answer, passages = assistant.ask_ranked(a.question, as_of=a.day, k=10)
        assert answer.as_of == a.day
        seen = [(c.article_id, c.date) for c in answer.citations]
        seen += [(copy["article_id"], copy["date"]) for c in answer.citations for copy in c.also_reported_by]
        seen += [(p.article_id, p.date) for p in [*answer.nearest, *passages]]
        late = [(i, day) for i, day in seen if (day or "") > a.day or (dates[i] or "") > a.day]
        assert not late, f"{a.id} asked as of {a.day} ({a.question!r}) cites or ranks later articles: {late}"
        answered += not answer.refused
    print(
        f"\n{len(asked)} questions asked as of their day in {time.perf_counter() - started:.1f} s ({answered} answered)"
    )
    assert answered >= len(asked) // 4  # the as-of limit does not turn everything into a refusal


def test_the_pool_holds_later_articles_that_rank_when_no_as_of_day_keeps_them_out(rtqa):
    assistant, asked, dates = rtqa
    with_later = [a for a in asked if a.later]
    assert len(with_later) >= 0.9 * len(asked)
    ranked_later = 0
    for a in with_later:
        passages = assistant.retrieve(a.question, k=10, as_of=None)
        ranked_later += any((dates[p.article_id] or "") > a.day for p in passages)
    print(f"\nwith no as-of day, a later article ranks in the top 10 for {ranked_later} of {len(asked)} questions")
    assert ranked_later >= 0.75 * len(asked)
