"""The browser chat (Gradio): streamed cited answers, a sources panel, filters and corpus management."""

from __future__ import annotations

import hashlib
import html
import math
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.answering.strictness import STRICTNESS_LEVELS, check_strictness
from assistant.assistant import Assistant
from assistant.config import MAX_QUESTION_CHARS
from assistant.dates import NO_LIMIT, TODAY, resolve_as_of
from assistant.errors import AssistantError, StoreDamagedError, UploadError, UploadTooLargeError
from assistant.ingest.loaders import SUPPORTED_SUFFIXES
from assistant.retrieval.question import validate_question
from assistant.schema import Answer, SearchFilters, StoredArticle
from assistant.server import conversations
from assistant.server.gradio_files import FOREIGN_FILE, AppFiles
from assistant.server.overview import ExampleQuestions, corpus_overview, newest_first
from assistant.server.render import (
    answer_markdown,
    conversation_markdown,
    escape_markdown,
    filter_chips_html,
    markdown_code,
    overview_html,
    report_markdown,
    sources_panel,
    stream_chunks,
)
from assistant.server.uploads import store_and_ingest

STREAM_PAUSE_S = 0.03  # between streamed chunks of an answer
TABLE_HEADERS = ["title", "date", "source", "sentences", "id"]
TABLE_COLUMN_WIDTHS = ["44%", "12%", "18%", "10%", "16%"]
TABLE_PAGE_ROWS = 25
MAX_WAITING = 20  # questions one page may have waiting at once
ANSWERING = "*…*"  # the bot message while its answer is being found
TITLE_ON_BUTTON = 60  # characters of a title on the confirm-delete button
# The question box is cleared on the page, only if it still holds the question just sent (never text typed since).
CLEAR_SENT_JS = "(current, sent) => (sent && current === sent ? '' : current)"
# Questions from several browser tabs overlap while answers stream; writes (ingest, delete) stay one at a time.
CHAT_CONCURRENCY = 8


def chat_filters(sources: list[str] | None, date_from: str | None, date_to: str | None) -> SearchFilters:
    """Filters from the chat's controls (FilterError names the bad field as the page labels it)."""
    return SearchFilters.parse(sources, date_from, date_to, labels=("From date", "To date"))


def article_rows(
    found: list[StoredArticle], query: str | None = None, page: int = 1
) -> tuple[list[list[Any]], int, str]:
    """One page of the Corpus table (the articles `query` found), newest first: (rows, the page shown, the count line)."""
    found = newest_first(found)
    pages = max(1, math.ceil(len(found) / TABLE_PAGE_ROWS))
    page = min(max(1, int(page or 1)), pages)
    first = (page - 1) * TABLE_PAGE_ROWS
    shown = found[first : first + TABLE_PAGE_ROWS]
    rows = [[a.title or a.id, a.date or "", a.source, a.sentence_count, a.id] for a in shown]
    what = f"{len(found):,} article{'' if len(found) == 1 else 's'}" + (" found" if query and query.strip() else "")
    where = f" · {first + 1}–{first + len(shown)} shown · page {page} of {pages}" if found else ""
    return rows, page, what + where


def shorten(text: str, limit: int = TITLE_ON_BUTTON) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def queued_markdown(waiting: list[dict[str, Any]]) -> str:
    """The questions sent and not yet answered, in the order they will be answered."""
    if not waiting:
        return ""
    items = "\n".join(f"{n}. {escape_markdown(item['question'])}" for n, item in enumerate(waiting, start=1))
    return f"**Waiting to be answered** (after the current answer):\n\n{items}"


def damage_banner(assistant: Assistant) -> str:
    """HTML (escaped) saying the index is damaged, why and how to repair it; empty when it is sound."""
    problems = assistant.problems
    if not problems:
        return ""
    items = "".join(f"<li>{html.escape(p.reason)} <code>{html.escape(p.path)}</code></li>" for p in problems)
    command = html.escape(assistant.index.repair_command())
    return (
        '<div class="nqa-damaged" role="alert"><strong>This index is damaged or out of step; answers may be '
        f"missing or refused.</strong><ul>{items}</ul>Stop the app and run <code>{command}</code>, then start it "
        "again (<code>assistant check</code> shows the details).</div>"
    )


def _readable(read: Callable[[], Any], default: Any) -> Any:
    """What `read` returns, or `default` when the catalog cannot be read (the page still loads, with the banner)."""
    try:
        return read()
    except StoreDamagedError:
        return default


def browser_secret(index_path: Path) -> tuple[str, str]:
    """The localStorage key and encryption secret of an index's conversations, the same across restarts.

    Gradio's default is a random secret per start, which would make every kept conversation
    unreadable after a restart. The secret reaches the page anyway (the browser decrypts), so
    deriving it from the index's path gives nothing away that a random one would keep.
    """
    digest = hashlib.sha256(str(index_path.resolve()).encode("utf-8", "surrogatepass")).hexdigest()
    return f"nqa-conversations-{digest[:12]}", digest[12:44]


def _user_message(text: str) -> dict[str, str]:
    return {"role": "user", "content": escape_markdown(text)}


def _bot_message(markdown: str) -> dict[str, str]:
    return {"role": "assistant", "content": markdown}


def build_ui(assistant: Assistant, app_files: AppFiles) -> gr.Blocks:
    """One Blocks app over a shared Assistant; every rendered string is escaped in render.py.

    `app_files` is the app's own Gradio folder: the upload handler reads only files its
    upload route stored there (never a path a client names), and deletes them once read.
    """

    def article_text(article_id: str) -> str | None:
        stored = assistant.article(article_id)
        return stored.text if stored else None

    examples = ExampleQuestions(assistant.ask)

    def example_questions(articles: list[Any]) -> list[str]:
        try:
            return examples.for_corpus(articles)
        except AssistantError:  # damaged or emptied meanwhile: no examples rather than a broken page
            return []

    def send(
        message: str | None,
        waiting: list[dict[str, Any]],
        sources: list[str] | None,
        date_from: str | None,
        date_to: str | None,
        as_of: str | None,
        strictness: str | None = None,
    ) -> tuple[Any, ...]:
        """Queue a question (with the filters set when it was sent); `drain` answers the queue in order.

        Returns the text to clear from the question box: the question when it was accepted, "" when
        it was not (the box keeps it, to be corrected). The box is cleared on the page, and only if
        it still holds that text, so nothing typed since is lost.
        """
        message = message or ""
        if len(waiting) >= MAX_WAITING:  # kept in the box, to be sent once the queue is shorter
            raise gr.Error(f"{MAX_WAITING} questions are already waiting; send this one when they are answered.")
        try:
            validate_question(message)
            filters = chat_filters(sources, date_from, date_to)
            day = resolve_as_of((as_of or "").strip() or TODAY, label="As of")
            level = check_strictness(strictness, label="Answer when")
        except AssistantError as exc:
            waiting.append({"question": message[:MAX_QUESTION_CHARS], "error": str(exc)})
            return "", queued_markdown(waiting)
        waiting.append({"question": message, "filters": filters, "as_of": day or NO_LIMIT, "strictness": level})
        return message, queued_markdown(waiting)

    def drain(
        chat: list[dict[str, Any]],
        answers: list[Answer],
        waiting: list[dict[str, Any]],
        store: Any,
        conversation: str | None,
    ) -> Iterator[tuple[Any, ...]]:
        """Answer the queued questions one after another, streaming each answer into the chat.

        `waiting` is this page's own list: questions sent while an answer streams join it and are
        answered here in turn. Nothing here writes to the question box. Each finished turn is
        kept in the browser's store of conversations (see conversations.py).
        """
        skip = gr.skip()
        if not waiting:  # a drain after one that answered everything: change nothing (an empty
            yield skip, skip, skip, skip, skip, skip, skip  # generator would blank the outputs)
            return
        chat = list(chat or [])
        while waiting:
            item = waiting.pop(0)
            message = item["question"]
            chat += [_user_message(message), _bot_message(ANSWERING)]
            yield chat, answers, skip, queued_markdown(waiting), skip, skip, skip
            error = item.get("error")
            answer = None
            if error is None:
                try:
                    answer = assistant.ask(
                        message,
                        history=[a.question for a in answers],
                        filters=item["filters"],
                        as_of=item["as_of"],
                        strictness=item.get("strictness"),
                    )
                except AssistantError as exc:
                    error = str(exc)
            store = conversations.record_turn(store, conversation, message, answer, error)
            conversation = conversations.current_id(store)
            kept = (store, conversation, gr.update(choices=conversations.choices(store), value=conversation))
            if answer is None:
                chat[-1] = _bot_message(f"⚠️ {escape_markdown(error or '')}")
                yield chat, answers, skip, queued_markdown(waiting), *kept
                continue
            answers = [*answers, answer]
            chunks = stream_chunks(answer_markdown(answer, len(answers) - 1))
            for number, partial in enumerate(chunks, start=1):
                chat[-1] = _bot_message(partial)
                if number < len(chunks):
                    yield chat, answers, skip, queued_markdown(waiting), skip, skip, skip
                    time.sleep(STREAM_PAUSE_S)
            yield chat, answers, sources_panel(answers, article_text), queued_markdown(waiting), *kept

    def new_conversation(waiting: list[dict[str, Any]], store: Any) -> tuple[Any, ...]:
        """An empty chat, no filters; the conversation just left stays listed under Recent conversations."""
        waiting.clear()
        store = {**(store if isinstance(store, dict) else conversations.empty_store()), "current": None}
        return (
            [],
            [],
            sources_panel([], article_text),
            queued_markdown(waiting),
            store,
            None,
            gr.update(choices=conversations.choices(store), value=None),
            [],
            "",
            "",
        )

    def open_conversation(conversation: str | None, store: Any) -> tuple[Any, ...]:
        """Show a kept conversation (on page load: the current one) with its sources."""
        conversation = conversation if conversations.holds(store, conversation) else None
        messages, answers = conversations.restore(store, conversation)
        if isinstance(store, dict):
            store = {**store, "current": conversation}
        return (
            messages,
            answers,
            sources_panel(answers, article_text),
            store,
            conversation,
            gr.update(choices=conversations.choices(store), value=conversation),
        )

    def on_load(query: str | None, page: int, store: Any) -> tuple[Any, ...]:
        """A page (re)load: the index as it is now, and the conversation the browser kept."""
        return *corpus_views(query, page), *open_conversation(conversations.current_id(store), store)

    def export_conversation(answers: list[Answer], store: Any, conversation: str | None) -> str:
        if not answers:
            raise gr.Error("Nothing to export yet: ask a question first.", print_exception=False)
        title = conversations.title_of(store, conversation) if conversation else answers[0].question
        return conversation_markdown(title, answers, date.today().isoformat())

    def corpus_views(query: str | None = None, page: int = 1) -> tuple[Any, ...]:
        """Every view of the index as it is now: the overview and examples, the article table (one page),
        the delete list (nothing chosen) and the Sources filter."""
        articles = _readable(assistant.articles, [])
        found = _readable(lambda: assistant.articles(query), []) if (query or "").strip() else articles
        rows, page, count = article_rows(found, query, page)
        questions = example_questions(articles) if articles and not assistant.problems else []
        overview = corpus_overview(articles)
        return (
            overview_html(overview),
            gr.update(samples=[[q] for q in questions], visible=bool(questions)),
            rows,
            page,
            count,
            gr.update(choices=[(f"{a.title or a.id} — {a.id}", a.id) for a in articles], value=None),
            gr.update(choices=list(overview.sources)),
        )

    def table_page(query: str | None, page: int) -> tuple[Any, ...]:
        return article_rows(_readable(lambda: assistant.articles(query), []), query, page)

    def ingest_files(
        uploaded: list[dict[str, Any]] | dict[str, Any] | None,
        query: str | None,
        progress: Any = gr.Progress(),  # noqa: B008 (Gradio injects progress via this default)
    ):
        # The event runs with preprocess=False: `uploaded` is Gradio's FileData list as sent,
        # so the original file names (orig_name) survive; the paths are checked here.
        items = uploaded if isinstance(uploaded, list) else [uploaded] if uploaded else []
        if not items:
            raise gr.Error("Choose one or more article files first.")
        accepted: list[tuple[str, Path]] = []
        for item in items:
            path = item.get("path") if isinstance(item, dict) else item
            real = app_files.uploaded(path)
            if real is None:
                raise gr.Error(f"Nothing was ingested: {FOREIGN_FILE}.", print_exception=False)
            name = item.get("orig_name") if isinstance(item, dict) else None
            accepted.append((name if isinstance(name, str) and name else real.name, real))
        try:
            limit = assistant.settings.max_upload_bytes
            total = sum(path.stat().st_size for _, path in accepted)
            if total > limit:
                raise UploadTooLargeError(f"the files come to {total:,} bytes; the limit per upload is {limit:,} bytes")
            files = [(name, path.read_bytes()) for name, path in accepted]
        except UploadError as exc:
            raise gr.Error(str(exc), print_exception=False) from exc
        finally:
            app_files.discard(path for _, path in accepted)  # the copy kept is the one in <index>/uploads

        def articles_done(done: int, total: int) -> None:  # one bar: the upload's articles
            progress((done, total), desc="Ingesting articles", unit="articles")

        articles_done(0, 0)
        try:
            report = store_and_ingest(assistant, files, on_progress=articles_done)
        except UploadError as exc:
            raise gr.Error(str(exc), print_exception=False) from exc
        return (report_markdown(report.to_dict()), None, *corpus_views(query))

    def ask_to_delete(article_id: str | None) -> tuple[Any, ...]:
        """First step of a delete: name the chosen article and show the confirm button (nothing deleted yet)."""
        stored = _readable(lambda: assistant.article(article_id), None) if article_id else None
        if stored is None:
            message = (
                "Pick an article to delete first." if not article_id else f"No article {markdown_code(article_id)}."
            )
            return message, None, gr.update(visible=False), gr.skip(), gr.skip()
        title = stored.title or stored.id
        return (
            "",
            stored.id,
            gr.update(visible=True),
            f"Delete **{escape_markdown(title)}** ({markdown_code(stored.id)})? It leaves the index and every list.",
            gr.update(value=f"Confirm delete {shorten(title)}"),
        )

    def confirm_delete(article_id: str | None, query: str | None) -> tuple[Any, ...]:
        """Second step: delete the article the confirmation named."""
        if not article_id:
            return "Pick an article to delete first.", None, gr.update(visible=False), *corpus_views(query)
        stored = _readable(lambda: assistant.article(article_id), None)
        try:
            assistant.delete(article_id)
        except AssistantError as exc:
            raise gr.Error(str(exc)) from exc
        title = stored.title if stored and stored.title else None
        named = f"**{escape_markdown(title)}** ({markdown_code(article_id)})" if title else markdown_code(article_id)
        return f"Deleted {named}.", None, gr.update(visible=False), *corpus_views(query)

    def hide_confirmation() -> tuple[Any, ...]:
        return None, gr.update(visible=False)

    def picked_row(rows: Any, event: gr.SelectData) -> str:
        """The id of the Corpus row clicked (its last column), for the whole-article view."""
        row = event.row_value if isinstance(event.row_value, list) else None
        return str(row[-1]) if row else ""

    def ask_api(
        question: str,
        history: list[str] | None = None,
        sources: list[str] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        as_of: str | None = None,
        strictness: str | None = None,
    ) -> dict:
        """Answer a question with cited sentences; the same JSON as POST /api/ask (as_of: default today;
        strictness: strict, balanced or lenient, default the server's)."""
        from assistant.server.api.models import ask_response

        try:
            filters = chat_filters(sources, date_from, date_to)
            day = resolve_as_of((as_of or "").strip() or TODAY, label="as_of")
            level = check_strictness(strictness)
            answer = assistant.ask(
                question, history=history or [], filters=filters, as_of=day or NO_LIMIT, strictness=level
            )
            return ask_response(answer).model_dump()
        except AssistantError as exc:
            raise gr.Error(str(exc)) from exc

    storage_key, secret = browser_secret(assistant.settings.index_path)
    first_views = corpus_views()  # also asks the example questions once: the models are warm before serving
    # Uploaded files nobody ingested are removed after an hour (and all of them at shutdown).
    with gr.Blocks(title="Newsroom QA", fill_width=True, delete_cache=(1800, 3600)) as ui:
        with gr.Row(elem_id="nqa-header"):
            gr.Markdown(
                "## Newsroom QA\nAnswers come only from the indexed articles; every sentence is cited.", scale=3
            )
            gr.HTML(
                '<p class="nqa-links"><a href="docs" target="_blank" rel="noopener">HTTP API docs</a></p>',
                elem_id="nqa-api-link",
                scale=1,
            )
        overview = gr.HTML(first_views[0], elem_id="nqa-overview")
        gr.HTML(damage_banner(assistant), elem_id="nqa-damaged", visible=bool(assistant.problems))
        answers = gr.State([])
        waiting = gr.State([])  # this page's questions sent and not yet answered (see send, drain)
        store = gr.BrowserState(conversations.empty_store(), storage_key=storage_key, secret=secret)
        conversation = gr.State(None)  # the id of the conversation shown (None: a new one)
        with gr.Tab("Chat", id="chat"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(
                        label="Conversation",
                        elem_id="nqa-chat",
                        height=420,
                        latex_delimiters=[],
                        feedback_options=None,
                        buttons=["copy"],
                        placeholder="Ask a question about the indexed articles, e.g. *Who mediated?*",
                    )
                    with gr.Row():
                        question = gr.Textbox(
                            elem_id="nqa-question",
                            show_label=False,
                            placeholder="Ask about the articles…",
                            scale=5,
                            max_lines=4,
                        )
                        as_of_box = gr.Textbox(
                            label="As of",
                            value=lambda: date.today().isoformat(),  # read on every page load
                            elem_id="nqa-as-of",
                            info="no article after this day is cited; 'none': no limit",
                            scale=1,
                            min_width=130,
                        )
                        ask_button = gr.Button("Ask", variant="primary", elem_id="nqa-ask", scale=1)
                    with gr.Row(elem_id="nqa-chips-row"):
                        chips = gr.HTML(filter_chips_html([], None, None), elem_id="nqa-chips")
                        clear_filters = gr.Button(
                            "Clear filters", size="sm", visible=False, elem_id="nqa-clear-filters", scale=0
                        )
                    example_list = gr.Dataset(
                        components=[gr.Textbox(visible=False)],
                        samples=first_views[1]["samples"],
                        visible=first_views[1]["visible"],
                        label="Try asking",
                        elem_id="nqa-examples",
                        layout="gallery",
                    )
                    queued = gr.Markdown(elem_id="nqa-queued")
                    sent = gr.Textbox(visible=False)  # the question last accepted, for CLEAR_SENT_JS
                    with gr.Row():
                        clear_button = gr.Button("New conversation", size="sm", elem_id="nqa-new", scale=0)
                        recent = gr.Dropdown(
                            label="Recent conversations",
                            choices=[],
                            value=None,
                            elem_id="nqa-recent",
                            scale=3,
                        )
                        export_button = gr.Button("Export (Markdown)", size="sm", elem_id="nqa-export", scale=0)
                    export_text = gr.Textbox(visible="hidden", elem_id="nqa-export-text")
                    with gr.Accordion("Filters", open=False, elem_id="nqa-filters") as filters_box:
                        source_filter = gr.Dropdown(
                            label="Sources",
                            choices=first_views[6]["choices"],
                            multiselect=True,
                            value=[],
                            elem_id="nqa-source-filter",
                        )
                        with gr.Row():
                            date_from = gr.Textbox(label="From (YYYY-MM-DD)", elem_id="nqa-date-from")
                            date_to = gr.Textbox(label="To (YYYY-MM-DD)", elem_id="nqa-date-to")
                        strictness = gr.Radio(
                            choices=[("default", ""), *((level, level) for level in STRICTNESS_LEVELS)],
                            value=assistant.settings.strictness or "",
                            label="Answer when",
                            info="strict: about 95 % of answers right, fewer answered; balanced: 90 %; "
                            "lenient: 80 %, more answered; default: the most accurate threshold",
                            elem_id="nqa-strictness",
                        )
                with gr.Column(scale=2):
                    sources_html = gr.HTML(sources_panel([], article_text), elem_id="nqa-sources")
            # Sending queues the question at once (every send counts, none is dropped while an answer
            # streams); one drain per page answers the queue in order ("always_last": a send during
            # a drain runs another after it, which finds what is left).
            send_inputs = [question, waiting, source_filter, date_from, date_to, as_of_box, strictness]
            kept_outputs = [store, conversation, recent]
            chat_outputs = [chatbot, answers, sources_html, queued, *kept_outputs]
            drains = []

            def sending(event: Callable[..., Any]) -> Any:
                return event(
                    send, send_inputs, [sent, queued], queue=False, trigger_mode="multiple", api_visibility="private"
                )

            def answer_when_sent(sent_event: Any) -> None:
                sent_event.success(None, [question, sent], question, js=CLEAR_SENT_JS, api_visibility="private")
                drains.append(
                    sent_event.then(
                        drain,
                        [chatbot, answers, waiting, store, conversation],
                        chat_outputs,
                        trigger_mode="always_last",
                        api_visibility="private",
                        concurrency_limit=CHAT_CONCURRENCY,
                        concurrency_id="chat",
                    )
                )

            for trigger in (question.submit, ask_button.click):
                answer_when_sent(sending(trigger))
            # An example question goes into the box and is asked at once, as if typed and sent.
            picked = example_list.click(
                lambda sample: sample[0], example_list, question, queue=False, api_visibility="private"
            )
            answer_when_sent(sending(picked.then))
            for trigger in (clear_button.click, chatbot.clear):  # chatbot.clear: the chat's own bin icon
                trigger(
                    new_conversation,
                    [waiting, store],
                    [*chat_outputs, source_filter, date_from, date_to],
                    cancels=drains,
                    api_visibility="private",
                )
            recent.input(
                open_conversation,
                [recent, store],
                [chatbot, answers, sources_html, *kept_outputs],
                cancels=drains,
                api_visibility="private",
            )
            export_button.click(
                export_conversation, [answers, store, conversation], export_text, api_visibility="private"
            ).success(None, export_text, None, js="(text) => window.nqaDownload(text)", api_visibility="private")
            filter_inputs = [source_filter, date_from, date_to]

            def show_filters(sources: list[str] | None, start: str | None, end: str | None) -> tuple[Any, ...]:
                active = bool(sources or (start or "").strip() or (end or "").strip())
                return filter_chips_html(sources or [], start, end), gr.update(visible=active)

            for control in filter_inputs:
                control.change(show_filters, filter_inputs, [chips, clear_filters], api_visibility="private")
            clear_filters.click(lambda: ([], "", ""), None, filter_inputs, api_visibility="private")

        with gr.Tab("Corpus", id="corpus") as corpus_tab:
            with gr.Row():
                with gr.Column(scale=2, min_width=280):
                    files = gr.File(
                        label=f"Article files ({', '.join(SUPPORTED_SUFFIXES)}, also .gz)",
                        file_count="multiple",
                        file_types=[*SUPPORTED_SUFFIXES, ".gz"],
                        type="filepath",
                        elem_id="nqa-upload",
                    )
                    ingest_button = gr.Button("Ingest files", variant="primary", elem_id="nqa-ingest")
                    report = gr.Markdown(elem_id="nqa-report")
                with gr.Column(scale=5):
                    search = gr.Textbox(
                        label="Search articles", placeholder="title, id or source", elem_id="nqa-search"
                    )
                    count = gr.Markdown(first_views[4], elem_id="nqa-count")
                    table = gr.Dataframe(
                        headers=TABLE_HEADERS,
                        value=first_views[2],
                        interactive=False,
                        wrap=True,
                        column_widths=TABLE_COLUMN_WIDTHS,
                        max_height=720,
                        elem_id="nqa-articles",
                    )
                    with gr.Row():
                        previous_page = gr.Button("← Newer", size="sm", elem_id="nqa-page-prev", scale=0)
                        next_page = gr.Button("Older →", size="sm", elem_id="nqa-page-next", scale=0)
                        gr.Markdown("Click a row to read the whole article.", elem_classes=["nqa-meta"])
                    page_number = gr.State(first_views[3])
                    opened = gr.Textbox(visible="hidden", elem_id="nqa-open-id")
                    with gr.Row():
                        to_delete = gr.Dropdown(
                            label="Article to delete",
                            choices=first_views[5]["choices"],
                            value=None,  # never a default: deleting starts from an explicit choice
                            scale=4,
                            elem_id="nqa-delete-choice",
                        )
                        delete_button = gr.Button("Delete…", variant="stop", scale=1, elem_id="nqa-delete")
                    with gr.Column(visible=False, elem_id="nqa-delete-confirm") as confirm_box:
                        confirm_text = gr.Markdown(elem_id="nqa-delete-question")
                        with gr.Row():
                            confirm_button = gr.Button("Confirm delete", variant="stop", elem_id="nqa-delete-yes")
                            cancel_button = gr.Button("Cancel", elem_id="nqa-delete-no")
                    delete_status = gr.Markdown(elem_id="nqa-delete-status")
                    to_be_deleted = gr.State(None)  # the article the confirmation names
            views = [overview, example_list, table, page_number, count, to_delete, source_filter]
            ingest_button.click(
                ingest_files,
                [files, search],
                [report, files, *views],
                api_visibility="private",
                preprocess=False,
                show_progress_on=[report],
            )
            search.change(lambda q: table_page(q, 1), search, [table, page_number, count], api_visibility="private")
            for button, step in ((previous_page, -1), (next_page, 1)):
                button.click(
                    lambda q, n, step=step: table_page(q, (n or 1) + step),
                    [search, page_number],
                    [table, page_number, count],
                    api_visibility="private",
                )
            table.select(picked_row, table, opened, api_visibility="private").success(
                None, opened, None, js="(id) => window.nqaOpenArticle(id)", api_visibility="private"
            )
            delete_button.click(
                ask_to_delete,
                to_delete,
                [delete_status, to_be_deleted, confirm_box, confirm_text, confirm_button],
                api_visibility="private",
            )
            confirm_button.click(
                confirm_delete,
                [to_be_deleted, search],
                [delete_status, to_be_deleted, confirm_box, *views],
                api_visibility="private",
            )
            for trigger in (cancel_button.click, to_delete.change):  # another choice needs its own confirmation
                trigger(hide_confirmation, None, [to_be_deleted, confirm_box], api_visibility="private")
            # Every list shows the index as it is now: on each page load, on opening the tab or the
            # filters (articles may have come or gone through another tab or the HTTP API since).
            corpus_tab.select(corpus_views, [search, page_number], views, api_visibility="private")
        filters_box.expand(
            lambda: gr.update(choices=_readable(assistant.sources, [])), None, source_filter, api_visibility="private"
        )
        ui.load(
            on_load,
            [search, page_number, store],
            [*views, chatbot, answers, sources_html, *kept_outputs],
            api_visibility="private",
        )

        gr.api(ask_api, api_name="ask", concurrency_limit=CHAT_CONCURRENCY, concurrency_id="chat")
    return ui
