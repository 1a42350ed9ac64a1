"""Same story, told again: copies of one article are cited once, with the others listed (real model, on-disk index)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from assistant.cli import format_answer
from assistant.config import PROJECT_ROOT
from assistant.ingest.minhash import estimated_jaccard, jaccard, minhash, shingles, signature, signature_values
from assistant.schema import Article, Citation
from assistant.server.render import answer_markdown, citation_html
from assistant.store.catalog import Catalog
from assistant.store.copies import BANDS, band_buckets

STORY = PROJECT_ROOT / "assistant" / "samples" / "dated_story_articles.jsonl"
RAIL = "Which rail terminal did the Velmouth port strike spread to?"


def _story() -> dict[str, Article]:
    rows = [json.loads(line) for line in STORY.read_text(encoding="utf-8").splitlines()]
    return {
        r["id"]: Article(id=r["id"], text=r["text"], title=r["title"], date=r["date"], source=r["source"]) for r in rows
    }


# --- shingles, signatures, bands ------------------------------------------------------------
def test_shingles_are_five_lowercased_words_and_a_short_text_is_one():
    assert shingles("The Cat sat on the mat today") == {
        "the cat sat on the",
        "cat sat on the mat",
        "sat on the mat today",
    }
    assert shingles("Three short words") == {"three short words"}
    assert shingles("  ") == set()


def test_the_estimate_follows_the_exact_jaccard_of_the_story_and_its_wire_copies():
    story = _story()
    pairs = {
        ("velmouth-strike-escalates", "velmouth-strike-escalates-wire"),
        ("velmouth-strike-ends", "velmouth-strike-ends-wire"),
    }
    for a in story:
        for b in story:
            if a >= b:
                continue
            exact = jaccard(shingles(story[a].text), shingles(story[b].text))
            estimate = estimated_jaccard(
                signature_values(signature(story[a].text)), signature_values(signature(story[b].text))
            )
            assert abs(estimate - exact) < 0.15, (a, b, exact, estimate)
            assert (estimate > 0.5) == ((a, b) in pairs), (a, b, exact, estimate)


def test_signatures_are_stable_and_equal_texts_share_every_band():
    text = _story()["velmouth-strike-begins"].text
    assert signature(text) == signature(text) and len(signature(text)) == 512
    assert np.array_equal(signature_values(signature(text)), minhash(text).hashvalues)
    buckets = band_buckets(signature(text))
    assert len(buckets) == BANDS == len(set(buckets))
    assert band_buckets(signature("")) == []  # an empty text is nobody's copy
    with pytest.raises(ValueError):
        signature_values(b"short")


def test_catalog_keeps_signatures_in_step_and_fills_in_missing_ones(tmp_path):
    from assistant.ingest.pipeline import prepare

    story = _story()
    catalog = Catalog(tmp_path / "catalog.sqlite")
    ids = ["velmouth-strike-ends", "velmouth-strike-ends-wire", "velmouth-strike-begins"]
    catalog.commit_articles([prepare(story[i], 1) for i in ids])
    assert [a for a, _ in catalog.copies("velmouth-strike-ends")] == ["velmouth-strike-ends-wire"]
    assert catalog.copies("velmouth-strike-begins") == []
    # an article rewritten without a signature (a catalog rebuilt from vectors) gets one when first needed
    catalog.commit_articles([prepare(story["velmouth-strike-ends-wire"], 1, signatures=False)])
    assert catalog.signature_of("velmouth-strike-ends-wire") is None
    assert [a for a, _ in catalog.copies("velmouth-strike-ends")] == ["velmouth-strike-ends-wire"]
    assert catalog.signature_of("velmouth-strike-ends-wire") == signature(story["velmouth-strike-ends-wire"].text)
    catalog.delete_articles(["velmouth-strike-ends-wire"])
    assert catalog.copies("velmouth-strike-ends") == []
    rows = catalog._conn.execute("SELECT count(*) FROM article_bands WHERE article_id = 'velmouth-strike-ends-wire'")
    assert rows.fetchone()[0] == 0
    catalog.close()


def test_an_older_catalog_without_the_tables_opens_and_gets_signatures(tmp_path):
    from assistant.ingest.pipeline import prepare

    story = _story()
    path = tmp_path / "catalog.sqlite"
    catalog = Catalog(path)
    catalog.commit_articles(
        [prepare(story[i], 1, signatures=False) for i in ("velmouth-strike-ends", "velmouth-strike-ends-wire")]
    )
    catalog._conn.executescript("DROP TABLE article_minhash; DROP TABLE article_bands;")  # as written before them
    catalog.close()
    reopened = Catalog(path)
    assert reopened.ensure_signatures() == 2
    assert [a for a, _ in reopened.copies("velmouth-strike-ends-wire")] == ["velmouth-strike-ends"]
    reopened.close()


# --- answers ---------------------------------------------------------------------------------
@pytest.fixture
def story_assistant(make_assistant):
    assistant = make_assistant("copies")
    assistant.ingest([STORY])
    yield assistant
    assistant.close()


def test_two_syndicated_copies_give_one_citation_with_the_other_listed(story_assistant):
    answer, passages = story_assistant.ask_ranked(RAIL, as_of="2026-10-14", k=10)
    assert not answer.refused and "Kessel Road" in answer.citations[0].sentence
    cited = [c.article_id for c in answer.citations]
    assert len([a for a in cited if a.startswith("velmouth-strike-escalates")]) == 1
    first = answer.citations[0]
    other = ({"velmouth-strike-escalates", "velmouth-strike-escalates-wire"} - {first.article_id}).pop()
    assert [c["article_id"] for c in first.also_reported_by] == [other]
    assert {"title", "source", "date"} <= set(first.also_reported_by[0])
    ranked_articles = [p.article_id for p in passages]
    assert not {"velmouth-strike-escalates", "velmouth-strike-escalates-wire"} <= set(ranked_articles)
    assert "also reported by: " in format_answer(answer)


def test_as_of_picks_the_copy_not_after_it(story_assistant):
    question = "How long did the Velmouth port strike last?"
    on_19 = story_assistant.ask(question, as_of="2026-10-19")
    on_20 = story_assistant.ask(question, as_of="2026-10-21")
    assert on_19.citations[0].article_id == "velmouth-strike-ends"  # the wire copy is dated 10-20
    assert on_19.citations[0].also_reported_by == []  # the later copy is not listed before it was published
    assert on_20.citations[0].article_id == "velmouth-strike-ends-wire"  # the newest copy not after as_of
    assert "14 days" in on_20.citations[0].sentence
    assert [c["article_id"] for c in on_20.citations[0].also_reported_by] == ["velmouth-strike-ends"]
    unlimited = story_assistant.ask(question, as_of=None)
    assert len({c.article_id for c in unlimited.citations} & {"velmouth-strike-ends", "velmouth-strike-ends-wire"}) == 1


def test_deleting_one_copy_leaves_the_other_answering(story_assistant):
    before = story_assistant.ask(RAIL, as_of="2026-10-14")
    kept = before.citations[0].article_id
    story_assistant.delete(kept)
    after = story_assistant.ask(RAIL, as_of="2026-10-14")
    assert not after.refused and after.citations[0].article_id != kept
    assert after.citations[0].article_id.startswith("velmouth-strike-escalates")
    assert after.citations[0].also_reported_by == []


def test_an_updated_article_has_its_signature_replaced(story_assistant):
    catalog = story_assistant.index.catalog
    wire = story_assistant.article("velmouth-strike-ends-wire")
    assert [a for a, _ in catalog.copies("velmouth-strike-ends-wire")] == ["velmouth-strike-ends"]
    rewritten = "A different story entirely: the harbour festival opened with boat races and a brass band on the quay."
    report = story_assistant.ingest(
        [Article(id=wire.id, text=rewritten, title=wire.title, date=wire.date, source=wire.source)]
    )
    assert report.updated == [wire.id]
    assert catalog.signature_of(wire.id) == signature(rewritten)
    assert catalog.copies(wire.id) == [] and catalog.copies("velmouth-strike-ends") == []
    answer = story_assistant.ask("How long did the Velmouth port strike last?", as_of="2026-10-21")
    assert answer.citations[0].article_id == "velmouth-strike-ends" and answer.citations[0].also_reported_by == []


def test_copies_are_shown_escaped_in_the_app_and_carried_by_the_api():
    from assistant.server.api.models import ask_response

    hostile = {"article_id": "x", "title": "<b>t</b>", "source": "<script>alert(1)</script>", "date": "2026-10-13"}
    citation = Citation(1, "a", "T", "2026-10-13", "S", "", "Sentence.", 0, 0, 9, 0.9, also_reported_by=[hostile])
    html = citation_html(citation, 0, lambda _: None)
    assert "Also reported by" in html and "<script>" not in html and "&lt;script&gt;" in html
    from assistant.schema import Answer

    answer = Answer("q?", "Sentence. [1]", [citation])
    assert "<script>" not in answer_markdown(answer, 0)
    assert "Also reported by" in answer_markdown(answer, 0)
    response = ask_response(answer)
    assert response.model_dump()["citations"][0]["also_reported_by"] == [hostile]
    plain = replace(citation, also_reported_by=[])
    assert "Also reported by" not in citation_html(plain, 0, lambda _: None)
