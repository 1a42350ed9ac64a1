"""Turn answers into chat Markdown and source-panel HTML, escaping every untrusted string.

Article text and user input are untrusted: everything here goes through
`html.escape` (and Markdown escaping for chat messages), so a `<script>` in an
article shows up as literal text and never runs. Only http(s) links are linked.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from assistant.schema import Answer, Citation, Passage

if TYPE_CHECKING:
    from assistant.server.overview import CorpusOverview

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$])")
CONTEXT_CHARS = 400  # at most this much of the paragraph on each side of a cited sentence


def escape_html(text: str) -> str:
    return html.escape(text, quote=True)


def escape_markdown(text: str) -> str:
    """Literal text inside a Markdown message: <, > and & as entities, Markdown punctuation backslashed.

    Quotes stay as they are: `&#x27;` would be mangled by the backslashes (`#`), and
    quotes are inert in the text nodes Markdown produces.
    """
    return _MARKDOWN_SPECIALS.sub(r"\\\1", html.escape(text, quote=False)).replace("\n", "  \n")


def markdown_code(text: str) -> str:
    """Literal text as a Markdown code span: nothing inside is escaped (a backslash there would show).

    The fence is one backtick longer than the longest run of backticks in the text, padded with a
    space where the text starts or ends with a backtick; line breaks become spaces (a span is one line).
    Markdown renders a code span's content as text, so `<`, `>` and `&` stay literal without entities.
    """
    text = re.sub(r"[\r\n]+", " ", text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def safe_url(url: str) -> str | None:
    """The url if it is a plain http(s) link, else None (no javascript:, data:, ...)."""
    parsed = urlparse(url.strip())
    return url.strip() if parsed.scheme in {"http", "https"} and parsed.netloc else None


def citation_anchor(turn: int, number: int) -> str:
    """DOM id of one citation in the sources panel; the chat's [n] links point here."""
    return f"cite-{turn}-{number}"


@dataclass(frozen=True)
class Context:
    """The paragraph around a cited sentence, split so the sentence can be highlighted."""

    before: str
    sentence: str
    after: str


def paragraph_context(text: str, start: int, end: int, limit: int = CONTEXT_CHARS) -> Context:
    """The cited span with the rest of its paragraph, trimmed to `limit`.

    Where the sentence is a paragraph of its own (wire copy often is), the paragraphs before
    and after it stand in, so the reader still sees its neighbours.
    """
    para_start = text.rfind("\n", 0, start) + 1
    para_end = text.find("\n", end)
    para_end = len(text) if para_end == -1 else para_end
    if not text[para_start:start].strip():
        para_start = _neighbour_start(text, para_start)
    if not text[end:para_end].strip():
        para_end = _neighbour_end(text, para_end)
    before, after = text[para_start:start], text[end:para_end]
    if len(before) > limit:
        before = "…" + before[-limit:].split(" ", 1)[-1]
    if len(after) > limit:
        after = after[:limit].rsplit(" ", 1)[0] + "…"
    return Context(before, text[start:end], after)


def _neighbour_start(text: str, para_start: int) -> int:
    """Start of the nearest non-blank paragraph before `para_start` (or `para_start` when there is none)."""
    cursor = para_start - 1
    while cursor > 0:
        begin = text.rfind("\n", 0, cursor) + 1
        if text[begin:cursor].strip():
            return begin
        cursor = begin - 1
    return para_start


def _neighbour_end(text: str, para_end: int) -> int:
    """End of the nearest non-blank paragraph after `para_end` (or `para_end` when there is none)."""
    cursor = para_end + 1
    while cursor < len(text):
        finish = text.find("\n", cursor)
        finish = len(text) if finish == -1 else finish
        if text[cursor:finish].strip():
            return finish
        cursor = finish + 1
    return para_end


def answer_markdown(answer: Answer, turn: int) -> str:
    """The chat message: short answer, cited sentences each followed by a [n] link, or a refusal."""
    understood = understood_markdown(answer)
    if answer.refused:
        lines = [understood] if understood else []
        lines.append(f"**Not found.** {escape_markdown(answer.text)}")
        if answer.nearest:
            lines.append("The nearest passages are listed under *Sources* — they are **not an answer**.")
        return "\n\n".join(lines)
    parts = [understood] if understood else []
    if answer.short_answer:
        parts.append(f"**{escape_markdown(answer.short_answer)}**")
    cited = " ".join(
        f"{escape_markdown(c.sentence)} [\\[{c.number}\\]](#{citation_anchor(turn, c.number)})"
        for c in answer.citations
    )
    parts.append(cited)
    if answer.reported:
        parts.append(f"*{escape_markdown(answer.reported)}, before {escape_markdown(answer.as_of or '')}*")
    also = [
        f"\\[{c.number}\\] "
        + ", ".join(
            escape_markdown(str(x.get("source") or x.get("title") or x.get("article_id") or ""))
            + (f" ({escape_markdown(str(x['date']))})" if x.get("date") else "")
            for x in c.also_reported_by
        )
        for c in answer.citations
        if c.also_reported_by
    ]
    if also:
        parts.append(f"*Also reported by: {'; '.join(also)}*")
    if answer.filters_applied:
        parts.append(f"*Filters: {escape_markdown(answer.filters_applied)}*")
    return "\n\n".join(parts)


def understood_markdown(answer: Answer) -> str:
    """How a follow-up was read: the readable rewrite, else the earlier question it leaned on; "" otherwise."""
    if answer.standalone_question and answer.standalone_question != answer.question:
        return f"*Understood as: {escape_markdown(answer.standalone_question)}*"
    if answer.leaned_on:
        return f"*Follow-up to: {escape_markdown(answer.leaned_on)}*"
    return ""


def stream_chunks(message: str, words_per_chunk: int = 4) -> list[str]:
    """Growing prefixes of `message`, cut at spaces so Markdown tokens stay whole."""
    tokens = re.split(r"(?<= )", message)
    prefixes = []
    for end in range(words_per_chunk, len(tokens), words_per_chunk):
        prefixes.append("".join(tokens[:end]))
    prefixes.append(message)
    return prefixes


ArticleText = Callable[[str], str | None]


def _source_line(title: str, article_id: str, date: str | None, source: str) -> str:
    bits = [f"<strong>{escape_html(title or article_id)}</strong>"]
    bits += [escape_html(x) for x in (date, source) if x]
    return " · ".join(bits)


def _highlighted(text: str | None, sentence: str, start: int, end: int) -> str:
    if text is None or text[start:end] != sentence:  # article changed or gone: show the sentence alone
        return f'<mark class="nqa-cited">{escape_html(sentence)}</mark>'
    ctx = paragraph_context(text, start, end)
    return (
        f'{escape_html(ctx.before)}<mark class="nqa-cited">{escape_html(ctx.sentence)}</mark>{escape_html(ctx.after)}'
    )


def _link(url: str) -> str:
    safe = safe_url(url)
    if not safe:
        return escape_html(url) if url else ""
    return f'<a href="{escape_html(safe)}" target="_blank" rel="noopener noreferrer nofollow">{escape_html(safe)}</a>'


def open_article_button(article_id: str, start: int | None = None, end: int | None = None) -> str:
    """A button the page script turns into the whole-article view (the cited span highlighted, when given)."""
    span = f' data-start="{start}" data-end="{end}"' if start is not None and end is not None else ""
    return (
        f'<button type="button" class="nqa-open-article" data-article="{escape_html(article_id)}"{span}>'
        "Open whole article</button>"
    )


def citation_html(citation: Citation, turn: int, article_text: ArticleText, open_: bool = False) -> str:
    meta = [escape_html(citation.article_id), f"sentence {citation.sentence_number}"]
    if citation.url:
        meta.append(_link(citation.url))
    meta.append(open_article_button(citation.article_id, citation.start, citation.end))
    return (
        f'<details class="nqa-source" id="{citation_anchor(turn, citation.number)}"{" open" if open_ else ""}>'
        f'<summary><span class="nqa-num">[{citation.number}]</span> '
        f"{_source_line(citation.title, citation.article_id, citation.date, citation.source)}</summary>"
        f'<p class="nqa-context">'
        f"{_highlighted(article_text(citation.article_id), citation.sentence, citation.start, citation.end)}</p>"
        f'<p class="nqa-meta">{" · ".join(meta)}</p>{also_reported_html(citation)}</details>'
    )


def also_reported_html(citation: Citation) -> str:
    """The other copies of the cited story (syndicated, re-published), escaped; empty when there are none."""
    if not citation.also_reported_by:
        return ""
    items = [
        f'<span title="{escape_html(str(c.get("title") or c.get("article_id") or ""))}">'
        f"{escape_html(str(c.get('source') or c.get('title') or c.get('article_id') or ''))}"
        + (f" ({escape_html(str(c['date']))})" if c.get("date") else "")
        + "</span>"
        for c in citation.also_reported_by
    ]
    return f'<p class="nqa-meta nqa-also">Also reported by: {", ".join(items)}</p>'


def nearest_html(passage: Passage) -> str:
    return (
        '<li class="nqa-nearest-item">'
        f"<q>{escape_html(passage.sentence)}</q> "
        f'<span class="nqa-meta">{_source_line(passage.title, passage.article_id, passage.date, passage.source)}'
        f" · sentence {passage.sentence_number}</span></li>"
    )


def turn_html(answer: Answer, turn: int, article_text: ArticleText) -> str:
    """Sources of one answer: every citation, or the nearest passages of a refusal.

    It also holds the answer as plain text with its numbered sources (escaped, in a <template>
    the page never shows): the chat's Copy button copies that, not the message's Markdown.
    """
    head = (
        f'<div class="nqa-turn" data-turn="{turn}"><p class="nqa-question">Q{turn + 1}: {escape_html(answer.question)}</p>'
        f'<template class="nqa-copy" data-turn="{turn}">{escape_html(answer_plain_text(answer))}</template>'
    )
    if answer.refused:
        items = "".join(nearest_html(p) for p in answer.nearest) or "<li>No passages came close.</li>"
        body = (
            '<div class="nqa-nearest"><h4>Nearest passages — not an answer</h4>'
            f'<p class="nqa-meta">Nothing in the indexed articles answers this question.</p><ol>{items}</ol></div>'
        )
    else:
        body = "".join(citation_html(c, turn, article_text, open_=c.number == 1) for c in answer.citations)
    return head + body + "</div>"


def sources_panel(answers: Sequence[Answer], article_text: ArticleText) -> str:
    """The newest answer's sources in full; earlier answers folded away but still linkable."""
    if not answers:
        return '<div class="nqa-sources"><p class="nqa-meta">Sources of the answer appear here.</p></div>'
    latest = len(answers) - 1
    parts = ['<div class="nqa-sources"><h3>Sources</h3>', turn_html(answers[latest], latest, article_text)]
    if latest:
        earlier = "".join(turn_html(answers[t], t, article_text) for t in range(latest - 1, -1, -1))
        parts.append(f'<details class="nqa-earlier"><summary>Earlier answers</summary>{earlier}</details>')
    parts.append("</div>")
    return "".join(parts)


def source_line_text(citation: Citation) -> str:
    """One numbered source as plain text: [n] title — source, date, url (sentence N of article-id)."""
    details = [x for x in (citation.source, citation.date or "", citation.url) if x]
    where = f"sentence {citation.sentence_number} of {citation.article_id}"
    title = citation.title or citation.article_id
    return f"[{citation.number}] {title}" + (f" — {', '.join(details)}" if details else "") + f" ({where})"


def answer_plain_text(answer: Answer) -> str:
    """An answer as clean text (no Markdown escapes) followed by its numbered sources: what Copy gives."""
    if answer.refused:
        return f"Not found. {answer.text}"
    parts = [answer.short_answer] if answer.short_answer else []
    parts.append(" ".join(f"{c.sentence} [{c.number}]" for c in answer.citations))
    if answer.reported:
        parts.append(f"({answer.reported}, before {answer.as_of})")
    if answer.filters_applied:
        parts.append(f"(filters: {answer.filters_applied})")
    parts.append("Sources:\n" + "\n".join(source_line_text(c) for c in answer.citations))
    return "\n\n".join(parts)


_TAG_LIKE = re.compile(r"<(?=[A-Za-z/!?])")


def conversation_markdown(title: str, answers: Sequence[Answer], exported: str) -> str:
    """A conversation as a Markdown document: each question, its answer and numbered sources.

    The text is the articles' own, kept readable; only what could open an HTML tag is neutralised
    (`<` before a letter becomes `&lt;`), so the file renders as text in any Markdown viewer.
    """
    lines = [f"# {title}", "", f"Exported {exported} from Newsroom QA.", ""]
    for number, answer in enumerate(answers, start=1):
        lines += [f"## {number}. {answer.question}", ""]
        if answer.as_of:
            lines += [f"*As of {answer.as_of}*", ""]
        lines += [answer_plain_text(answer).replace("\nSources:\n", "\n**Sources**\n\n").replace("\n[", "\n- ["), ""]
    return _TAG_LIKE.sub("&lt;", "\n".join(lines).rstrip() + "\n")


def report_markdown(report_dict: dict) -> str:
    """An ingest report as Markdown, with file names and reasons escaped."""
    lines = [
        f"**Ingested:** {len(report_dict['added'])} added, {len(report_dict['updated'])} updated, "
        f"{len(report_dict['unchanged'])} unchanged, {len(report_dict['skipped'])} skipped "
        f"({report_dict['sentences_indexed']} sentences in {report_dict['seconds']:.1f} s)"
    ]
    for origin, reason in report_dict["skipped"]:
        lines.append(f"- skipped {escape_markdown(origin)}: {escape_markdown(reason)}")
    for origin, message in report_dict["cleaned"]:
        lines.append(f"- cleaned {escape_markdown(origin)}: {escape_markdown(message)}")
    return "\n".join(lines)


SOURCES_NAMED = 6  # on the first screen; the rest are counted


def overview_html(overview: CorpusOverview) -> str:
    """The first screen's line about the corpus (count, sources, dates, newest), or how to fill an empty index."""
    if not overview.articles:
        return (
            '<div class="nqa-overview nqa-empty"><strong>The index is empty.</strong> Add articles in the '
            "<em>Corpus</em> tab (upload .txt, .md, .html, .json or .jsonl files, also .gz), or from a terminal: "
            "<code>assistant ingest PATH</code>. Questions are answered only from the articles added.</div>"
        )
    parts = [f"<strong>{overview.articles:,} article{'' if overview.articles == 1 else 's'}</strong> indexed"]
    if overview.sources:
        named = ", ".join(escape_html(s) for s in overview.sources[:SOURCES_NAMED])
        more = len(overview.sources) - SOURCES_NAMED
        count = len(overview.sources)
        parts.append(f"{count} source{'' if count == 1 else 's'}: {named}" + (f" and {more} more" if more > 0 else ""))
    if overview.first_date:
        span = (
            overview.first_date
            if overview.first_date == overview.last_date
            else f"{overview.first_date} to {overview.last_date}"
        )
        parts.append(f"dated {span}")
    if overview.newest is not None:
        parts.append(
            f"newest: <em>{escape_html(overview.newest.title or overview.newest.id)}</em> ({escape_html(overview.newest.date or '')})"
        )
    return f'<div class="nqa-overview">{" · ".join(parts)}</div>'


def filter_chips_html(sources: Sequence[str], date_from: str | None, date_to: str | None) -> str:
    """The active filters as chips beside the question box (escaped); empty when none is set."""
    chips = [f"source: {s}" for s in sources]
    start, end = (date_from or "").strip(), (date_to or "").strip()
    if start and end:
        chips.append(f"dates: {start} to {end}")
    elif start:
        chips.append(f"from {start}")
    elif end:
        chips.append(f"until {end}")
    if not chips:
        return ""
    items = "".join(f'<span class="nqa-chip">{escape_html(chip)}</span>' for chip in chips)
    return f'<div class="nqa-chips" aria-label="Active filters"><span class="nqa-meta">Filters on:</span> {items}</div>'
