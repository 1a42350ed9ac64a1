"""The BBC news corpus from ../shared (read at run time, never copied) and questions over it."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

from assistant import Article

BBC = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "news" / "bbc_articles.jsonl.gz"


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
