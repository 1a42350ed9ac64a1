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
from urllib.parse import urlparse

from assistant.schema import Answer, Citation, Passage

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
    """The cited span with the rest of its paragraph (one line of the article), trimmed to `limit`."""
    para_start = text.rfind("\n", 0, start) + 1
    para_end = text.find("\n", end)
    para_end = len(text) if para_end == -1 else para_end
    before, after = text[para_start:start], text[end:para_end]
    if len(before) > limit:
        before = "…" + before[-limit:].split(" ", 1)[-1]
    if len(after) > limit:
        after = after[:limit].rsplit(" ", 1)[0] + "…"
    return Context(before, text[start:end], after)


def answer_markdown(answer: Answer, turn: int) -> str:
    """The chat message: short answer, cited sentences each followed by a [n] link, or a refusal."""
    if answer.refused:
        lines = [f"**Not found.** {escape_markdown(answer.text)}"]
        if answer.nearest:
            lines.append("The nearest passages are listed under *Sources* — they are **not an answer**.")
        return "\n\n".join(lines)
    parts = []
    if answer.standalone_question and answer.standalone_question != answer.question:
        parts.append(f"*Understood as: {escape_markdown(answer.standalone_question)}*")
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
    return "\n\n".join(parts)


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


def citation_html(citation: Citation, turn: int, article_text: ArticleText, open_: bool = False) -> str:
    meta = [escape_html(citation.article_id), f"sentence {citation.sentence_number}"]
    if citation.url:
        meta.append(_link(citation.url))
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
    """Sources of one answer: every citation, or the nearest passages of a refusal."""
    head = f'<div class="nqa-turn" data-turn="{turn}"><p class="nqa-question">Q{turn + 1}: {escape_html(answer.question)}</p>'
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
