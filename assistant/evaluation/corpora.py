"""Real corpora from the shared data folder (read at run time, never copied): paths and loaders.

Benchmarks, training and tests take their paths from here (`config.shared_data`), and
each checks that a file exists before using it.
"""

from __future__ import annotations

import gzip
import json
import random

from assistant.config import shared_data
from assistant.schema import Article

BBC = shared_data("news", "bbc_articles.jsonl.gz")
RTQA_POOL = shared_data("news", "realtimeqa_dev_articles.jsonl.gz")
RTQA_QUESTIONS = shared_data("qa", "realtimeqa_dev.jsonl")
SQUAD_DEV = shared_data("qa", "squad_dev_v1.1.json.gz")
SQUAD_TRAIN = shared_data("qa", "squad_train_v1.1.json.gz")


def load_bbc(limit: int | None) -> list[Article]:
    articles = []
    with gzip.open(BBC, "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            articles.append(
                Article(
                    id=f"bbc-{row['id']}",
                    title=row["title"],
                    text=row["text"],
                    source="BBC",
                    category=row.get("category", ""),
                )
            )
            if limit and len(articles) >= limit:
                break
    return articles


def questions_from(articles: list[Article], count: int, seed: int = 13) -> list[str]:
    """Questions built from headlines: realistic wording, no gold needed for latency."""
    rng = random.Random(seed)
    stems = ["What happened with", "Who is involved in", "Why did", "When did", "How much did"]
    picks = rng.sample(articles, min(count, len(articles)))
    return [f"{rng.choice(stems)} {a.title.lower()}?" for a in picks]
