"""Training pairs for the reader, from SQuAD train and RealTimeQA 2022-2023 (never dev or 2024 data).

Each question gives one positive (the sentence holding the answer, with the answer's
character span) and hard negatives: the paragraph's other sentences sharing most words
with the question (one by default), and the best BM25 sentence of another paragraph.
With `titles`, every input carries its article's title (reader v2); with `swap_share`, that
share of questions also gives the gold sentence as a negative for the question with one of
its names or numbers swapped (`training.unanswerable`): on topic, but not answered there.
A fixed share of SQuAD train articles is held out as the dev split for metrics and
refusal calibration.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import sqlite3
from dataclasses import dataclass, field, replace
from pathlib import Path

from tqdm import tqdm

from assistant.answering.reader.inputs import ReaderInput
from assistant.config import shared_data
from assistant.ingest.sentences import split_sentences
from assistant.schema import Sentence
from training.unanswerable import NamePool, swap_entity

SHARED_QA = shared_data("qa")
TRAIN_YEARS = ("2022", "2023")  # RealTimeQA 2024 questions are for evaluation only
MIN_SUPPORT_OVERLAP = 6
DEV_SHARE = 0.02  # SQuAD train articles held out for dev metrics and refusal calibration
NEWS_REPEATS = 2  # the news pairs are few; seeing them twice weighs the news domain up a little
_WORD = re.compile(r"\w{4,}")


@dataclass(frozen=True)
class Pair:
    """A reader input with its label and, for positives, the answer's span in the sentence."""

    item: ReaderInput
    label: float
    answer_start: int = -1
    answer_end: int = -1
    group: int = -1  # the question it belongs to: pairs of one question are ranked against each other


@dataclass
class DevQuestion:
    """A held-out question with all sentences of its paragraph, for ranking and span metrics."""

    question: str
    answers: list[str]
    gold_index: int
    candidates: list[ReaderInput] = field(default_factory=list)
    article: int = -1  # which held-out SQuAD article it comes from
    swapped: str | None = None  # the question with a name or number swapped: the gold sentence no longer answers it


@dataclass
class TrainingData:
    train: list[Pair]
    dev: list[DevQuestion]
    counts: dict[str, int]


def words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def neighbours(sentences: list[Sentence], index: int) -> str:
    before = sentences[index - 1].text if index > 0 else ""
    after = sentences[index + 1].text if index + 1 < len(sentences) else ""
    return f"{before} {after}".strip()


def as_input(question: str, sentences: list[Sentence], index: int, title: str = "") -> ReaderInput:
    return ReaderInput(question, sentences[index].text, neighbours(sentences, index), title)


def squad_title(topic: dict) -> str:
    """SQuAD titles are Wikipedia page names: "University_of_Notre_Dame" reads "University of Notre Dame"."""
    return str(topic.get("title", "")).replace("_", " ")


def hardest_others(question: str, sentences: list[Sentence], skip: int, count: int = 1) -> list[int]:
    """The paragraph's `count` other sentences sharing most words with the question, most first."""
    asked = words(question)
    others = sorted((s for s in sentences if s.index != skip), key=lambda s: -len(asked & words(s.text)))
    return [s.index for s in others[:count]]


def build(
    questions: int,
    seed: int,
    skip: int = 0,
    dev_share: float = DEV_SHARE,
    bm25_share: float = 0.6,
    paragraph_negatives: int = 1,
    titles: bool = False,
    swap_share: float = 0.0,
) -> TrainingData:
    """Pairs from `questions` SQuAD train questions after the first `skip` (in the seed's order),
    each with up to `paragraph_negatives` other sentences of its paragraph as negatives."""
    rng = random.Random(seed)
    train, dev, counts = [], [], {}
    recipe = Recipe(bm25_share, paragraph_negatives, titles, swap_share)
    squad_train, dev_questions = _squad(SHARED_QA / "squad_train_v1.1.json.gz", questions, skip, rng, dev_share, recipe)
    train.extend(squad_train)
    dev.extend(dev_questions)
    counts["squad_pairs"] = len(squad_train)
    counts["squad_positives"] = sum(1 for p in squad_train if p.label > 0)
    counts["squad_swapped_negatives"] = sum(1 for p in squad_train if p.group <= SWAP_GROUPS)
    news = _realtimeqa(SHARED_QA / "realtimeqa_dev.jsonl", rng, titles)
    for copy in range(NEWS_REPEATS):  # each copy is its own group, so one batch never holds a question twice
        train.extend(replace(p, group=p.group - copy * 1_000_000) for p in news)
    counts["news_pairs"] = len(news) * NEWS_REPEATS
    counts["news_positives"] = sum(1 for p in news if p.label > 0)
    counts["dev_questions"] = len(dev)
    rng.shuffle(train)
    return TrainingData(train, dev, counts)


@dataclass(frozen=True)
class Recipe:
    """How the pairs of one question are made."""

    bm25_share: float = 0.6
    paragraph_negatives: int = 1
    titles: bool = False
    swap_share: float = 0.0


SWAP_GROUPS = -10_000_000  # swapped questions get groups of their own below this: no listwise partner


def _squad(
    path: Path, questions: int, skip: int, rng: random.Random, dev_share: float, recipe: Recipe
) -> tuple[list[Pair], list[DevQuestion]]:
    lexicon = sqlite3.connect(":memory:")
    lexicon.execute("CREATE VIRTUAL TABLE s USING fts5(text, paragraph UNINDEXED, position UNINDEXED)")
    paragraphs: list[tuple[bool, list[Sentence], list[dict], int]] = []
    titles: dict[int, str] = {}
    for number, (held_out, topic) in enumerate(
        tqdm(split_topics(path, rng, dev_share), desc="splitting SQuAD train", unit="article")
    ):
        titles[number] = squad_title(topic) if recipe.titles else ""
        for paragraph in topic["paragraphs"]:
            sentences = split_sentences(paragraph["context"])
            key = len(paragraphs)
            paragraphs.append((held_out, sentences, paragraph["qas"], number))
            if not held_out:
                lexicon.executemany(
                    "INSERT INTO s(text, paragraph, position) VALUES (?, ?, ?)",
                    [(s.text, key, s.index) for s in sentences],
                )
    asked = [(key, qa) for key, (_, _, qas, _) in enumerate(paragraphs) for qa in qas]
    rng.shuffle(asked)
    pool = NamePool(qa["question"] for key, qa in asked if not paragraphs[key][0])
    swaps = random.Random(rng.random())  # its own stream: the other pairs stay as without swaps
    train: list[Pair] = []
    dev: list[DevQuestion] = []
    used = usable = 0
    for key, qa in tqdm(asked, desc="building pairs", unit="question"):
        held_out, sentences, _, article = paragraphs[key]
        title = titles[article]
        answer = qa["answers"][0]
        start = int(answer["answer_start"])
        end = start + len(answer["text"])
        gold = next((s for s in sentences if s.start <= start < s.end), None)
        if gold is None or end > gold.end:
            continue  # the answer crosses a sentence boundary: no single sentence to cite
        if not held_out:
            usable += 1
            if usable <= skip or used >= questions:
                continue
        if held_out:
            candidates = [as_input(qa["question"], sentences, s.index, title) for s in sentences]
            shown = f"{candidates[gold.index].sentence} {title} {candidates[gold.index].context}"
            swapped = swap_entity(qa["question"], shown, pool, random.Random(len(dev)))
            dev.append(
                DevQuestion(
                    qa["question"], [a["text"] for a in qa["answers"]], gold.index, candidates, article, swapped
                )
            )
            continue
        used += 1
        group = len(train)
        train.append(
            Pair(
                as_input(qa["question"], sentences, gold.index, title), 1.0, start - gold.start, end - gold.start, group
            )
        )
        negatives = [
            as_input(qa["question"], sentences, other, title)
            for other in hardest_others(qa["question"], sentences, gold.index, recipe.paragraph_negatives)
        ]
        if rng.random() < recipe.bm25_share and (found := _bm25_elsewhere(lexicon, qa["question"], key)):
            paragraph, position = found
            elsewhere = paragraphs[paragraph]
            negatives.append(as_input(qa["question"], elsewhere[1], position, titles[elsewhere[3]]))
        if recipe.swap_share and swaps.random() < recipe.swap_share:
            gold_input = as_input(qa["question"], sentences, gold.index, title)
            shown = f"{gold_input.sentence} {title} {gold_input.context}"
            if swapped := swap_entity(qa["question"], shown, pool, swaps):
                train.append(Pair(replace(gold_input, question=swapped), 0.0, group=SWAP_GROUPS - group))
        # A sentence that also contains the answer text is no clean negative.
        train.extend(Pair(n, 0.0, group=group) for n in negatives if answer["text"].lower() not in n.sentence.lower())
    return train, dev


def split_topics(path: Path, rng: random.Random, dev_share: float) -> list[tuple[bool, dict]]:
    """SQuAD train articles, each marked held out (dev) or not; the first draws of `rng` decide."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        topics = json.load(handle)["data"]
    return [(rng.random() < dev_share, topic) for topic in topics]


def held_out_paragraphs(seed: int, dev_share: float = DEV_SHARE) -> list[tuple[int, str, dict]]:
    """(article number, article title, SQuAD paragraph) for every paragraph of the dev split."""
    topics = split_topics(SHARED_QA / "squad_train_v1.1.json.gz", random.Random(seed), dev_share)
    return [
        (number, topic.get("title", ""), paragraph)
        for number, (held_out, topic) in enumerate(topics)
        if held_out
        for paragraph in topic["paragraphs"]
    ]


def _bm25_elsewhere(lexicon: sqlite3.Connection, question: str, paragraph: int) -> tuple[int, int] | None:
    terms = " OR ".join(f'"{w}"' for w in sorted(words(question)))
    if not terms:
        return None
    row = lexicon.execute(
        "SELECT paragraph, position FROM s WHERE s MATCH ? AND paragraph != ? ORDER BY rank LIMIT 1",
        (terms, paragraph),
    ).fetchone()
    return (int(row[0]), int(row[1])) if row else None


def _realtimeqa(path: Path, rng: random.Random, titles: bool = False) -> list[Pair]:
    """News-domain pairs from quiz questions dated 2022-2023 whose support sentence is reliable."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    wanted = [
        r
        for r in rows
        if str(r.get("question_date", ""))[:4] in TRAIN_YEARS
        and (r.get("support") or {}).get("overlap", 0) >= MIN_SUPPORT_OVERLAP
    ]
    needed = {r["support"]["doc_id"] for r in wanted} | {d for r in wanted for d in r["retrieved_doc_ids"][:3]}
    texts: dict[str, str] = {}
    headlines: dict[str, str] = {}
    with gzip.open(path.parent.parent / "news" / "realtimeqa_dev_articles.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record["id"] in needed:
                texts[record["id"]] = record["text"]
                headlines[record["id"]] = str(record.get("title") or "") if titles else ""
    split = {doc: split_sentences(text) for doc, text in tqdm(texts.items(), desc="splitting news", unit="article")}
    pairs: list[Pair] = []
    for row in wanted:
        support = row["support"]
        sentences = split.get(support["doc_id"], [])
        start = int(support["answer_start"])
        end = start + len(row["answer"])
        gold = next((s for s in sentences if s.start <= start < s.end), None)
        if gold is None or end > gold.end:
            continue
        question = row["question"]
        group = -len(pairs) - 2  # negative ids keep news groups apart from SQuAD ones
        title = headlines.get(support["doc_id"], "")
        pairs.append(
            Pair(as_input(question, sentences, gold.index, title), 1.0, start - gold.start, end - gold.start, group)
        )
        for other in hardest_others(question, sentences, gold.index):
            pairs.append(Pair(as_input(question, sentences, other, title), 0.0, group=group))
        elsewhere = [d for d in row["retrieved_doc_ids"][:3] if d != support["doc_id"] and split.get(d)]
        if elsewhere:
            doc = rng.choice(elsewhere)
            for pick in hardest_others(question, split[doc], -1):
                if row["answer"].lower() not in split[doc][pick].text.lower():
                    pairs.append(Pair(as_input(question, split[doc], pick, headlines.get(doc, "")), 0.0, group=group))
    return pairs
