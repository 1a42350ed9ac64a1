"""Same story, told again: fold the copies of one story (syndicated wire copy, a re-published update) into one citation.

Copies are articles whose texts' 5-word shingles overlap by more than half (estimated
from MinHash signatures, store/copies.py). After ranking, a passage whose article is a
copy of a better-ranked passage's article is folded into it, so the story is cited once:

- with an as-of day, the citation comes from the copy closest before it (the newest
  copy not dated after it; undated copies last; ties keep the better-ranked one), among
  the copies that have the sentence: the same text (whitespace and case aside), or a
  candidate sentence of that copy scoring as strongly as `prefer_in_time` asks
  (STRONG_SHARE of the folded passage's score, and the refusal threshold);
- with none, the best-scoring copy keeps it;
- the other copies (none dated after the as-of day) are listed on the citation as
  `also_reported_by`: article id, title, source and date, oldest first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Protocol

from assistant.retrieval.as_of import STRONG_SHARE
from assistant.schema import Answer, Passage, SearchFilters, SentenceRow
from assistant.store.records import date_to_int

PassageKey = tuple[str, int]


class CopyStore(Protocol):
    def copies_of(self, article_id: str) -> list[str]: ...
    def briefs(self, article_ids: Iterable[str]) -> dict[str, tuple[str, str | None, str]]: ...
    def matching_sentence(self, article_id: str, sentence: str) -> SentenceRow | None: ...


@dataclass
class Folded:
    """Passages with copies folded, what each kept one stands for, and which articles stand for their story."""

    passages: list[Passage]
    also: dict[PassageKey, list[dict[str, Any]]] = field(default_factory=dict)
    moved: dict[PassageKey, PassageKey] = field(default_factory=dict)  # kept copy's sentence -> the one ranked
    kept: set[str] = field(default_factory=set)  # articles that stand for their story (all their sentences stay)
    absorbed: set[str] = field(default_factory=set)  # copies folded into a kept article (their sentences go)

    def drop_copies(self, passages: list[Passage], store: CopyStore) -> list[Passage]:
        """Further passages, less those of copies folded into a kept article (no copy is chosen among them)."""
        remaining = []
        for passage in passages:
            if passage.article_id in self.absorbed:
                continue
            if passage.article_id not in self.kept:
                self.kept.add(passage.article_id)
                self.absorbed.update(a for a in store.copies_of(passage.article_id) if a not in self.kept)
            remaining.append(passage)
        return remaining

    def cite(self, answer: Answer) -> Answer:
        """The answer with each citation's other copies listed."""
        if not self.also or answer.refused:
            return answer
        citations = [
            replace(c, also_reported_by=list(self.also.get((c.article_id, c.sentence_index), [])))
            for c in answer.citations
        ]
        return replace(answer, citations=citations)


def fold_copies(
    passages: list[Passage],
    store: CopyStore,
    as_of: date | None,
    filters: SearchFilters,
    floor: float,
    share: float = STRONG_SHARE,
) -> Folded:
    """Fold ranked passages (best first) whose articles are copies of a better-ranked one's (see the module)."""
    day = as_of.isoformat() if as_of else None
    folded = Folded([])
    for passage in passages:
        if passage.article_id in folded.absorbed:
            continue
        if passage.article_id in folded.kept:  # another sentence of an article already standing for its story
            folded.passages.append(passage)
            continue
        others = [a for a in store.copies_of(passage.article_id) if a not in folded.kept | folded.absorbed]
        if not others:
            folded.kept.add(passage.article_id)
            folded.passages.append(passage)
            continue
        briefs = store.briefs([passage.article_id, *others])
        visible = [a for a in others if a in briefs and _not_after(briefs[a][1], day)]
        chosen = passage
        if day is not None and visible:
            chosen = _closest_copy(
                passage, visible, passages, store, briefs, filters, max(passage.score * share, floor)
            )
        if chosen is not passage:
            folded.moved[_key(chosen)] = _key(passage)
        folded.kept.add(chosen.article_id)
        folded.absorbed.update({passage.article_id, *others} - {chosen.article_id})
        folded.passages.append(chosen)
        listed = [a for a in [passage.article_id, *visible] if a != chosen.article_id and a in briefs]
        folded.also[_key(chosen)] = [
            {"article_id": a, "title": briefs[a][0], "source": briefs[a][2], "date": briefs[a][1]}
            for a in sorted(listed, key=lambda a: (briefs[a][1] or "", a))
        ]
    return folded


def _closest_copy(
    passage: Passage,
    copies: list[str],
    ranked: list[Passage],
    store: CopyStore,
    briefs: dict[str, tuple[str, str | None, str]],
    filters: SearchFilters,
    strong: float,
) -> Passage:
    """The passage from the copy closest before as_of that has the sentence (`passage` itself when none is later)."""
    candidates = [passage]
    wanted = _normal(passage.sentence)
    for article_id in copies:
        own = [p for p in ranked if p.article_id == article_id]
        same = next((p for p in own if _normal(p.sentence) == wanted), None)
        if same is None:
            _, day, source = briefs[article_id]
            row = (
                store.matching_sentence(article_id, passage.sentence)
                if admits(filters, article_id, day, source)
                else None
            )
            same = _from_row(row, passage) if row is not None else None
        if same is None and own and own[0].score >= strong:
            same = own[0]  # the copy's best-scoring sentence, as strong as the time preference asks
        if same is not None:
            candidates.append(same)
    return sorted(candidates, key=lambda p: p.date or "", reverse=True)[0]  # stable: ties keep the ranked one


def admits(filters: SearchFilters, article_id: str, day: str | None, source: str) -> bool:
    """Whether an article with this date and source passes the question's filters (as the searches apply them)."""
    if filters.sources and source not in filters.sources:
        return False
    if filters.article_ids and article_id not in filters.article_ids:
        return False
    number = date_to_int(day)
    if filters.date_from and (number is None or number < (date_to_int(filters.date_from) or 0)):
        return False
    if filters.date_to and (number is None or number > (date_to_int(filters.date_to) or 0)):
        return False
    return not (filters.as_of and number is not None and number > (date_to_int(filters.as_of) or 0))


def _not_after(day: str | None, as_of: str | None) -> bool:
    return as_of is None or not day or day[:10] <= as_of


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def _key(passage: Passage) -> PassageKey:
    return passage.article_id, passage.sentence_index


def _from_row(row: SentenceRow, scored: Passage) -> Passage:
    """The same sentence in another copy, scored as the one ranked."""
    return row.as_passage(scored.score, dict(scored.scores))
