"""`assistant` command line: ingest, ask, chat, articles, delete, eval, demo, sync, check, repair, migrate,
export, serve.

Heavy libraries load only inside commands, so `--help` and input errors are instant.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.answering.strictness import STRICTNESS_LEVELS
from assistant.config import DEMO_QA
from assistant.errors import ConfigError, FilterError
from assistant.schema import Answer, SearchFilters

if TYPE_CHECKING:
    from assistant.assistant import Assistant
    from assistant.config import Settings
    from assistant.server.client import AppClient

EXIT_USAGE = 2  # a mistake in the command, or nothing to work on (an empty or unknown index)
EXIT_DAMAGED = 3  # the store is damaged or out of step: `assistant check` / `assistant repair`
EXIT_BUSY = 4  # another process owns the index and the command could not go through it


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="Grounded, cited answers over news articles.")
    parser.add_argument("--index", help="index name under the index folder (default: demo, env ASSISTANT_INDEX)")
    parser.add_argument("--index-dir", help="folder holding indexes (default: ./indexes, env ASSISTANT_INDEX_DIR)")
    parser.add_argument(
        "--chroma-url", help="use a Chroma server, e.g. http://127.0.0.1:8000 (env ASSISTANT_CHROMA_URL)"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    ingest = commands.add_parser("ingest", help="index files or folders (.txt .md .html .json .jsonl, also .gz)")
    ingest.add_argument("paths", nargs="+")
    ingest.add_argument("--json", action="store_true", help="print the report as JSON")
    ingest.add_argument("--quiet", action="store_true", help="no progress bar")

    ask = commands.add_parser("ask", help="answer one question with cited sentences")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="machine-readable output")
    _add_filters(ask)

    chat = commands.add_parser("chat", help="interactive question answering in the terminal")
    _add_filters(chat)

    articles = commands.add_parser("articles", help="list indexed articles")
    articles.add_argument("--json", action="store_true")

    delete = commands.add_parser("delete", help="remove an article from every index")
    delete.add_argument("article_id")

    evaluate = commands.add_parser(
        "eval",
        help="score the assistant and two baselines on a Q&A set (our JSONL, SQuAD JSON, RealTimeQA JSONL)",
        description="Datasets that bring their articles (SQuAD, RealTimeQA) are indexed into "
        "--index (default eval-<dataset>); our JSONL set is asked against --index (default demo).",
    )
    evaluate.add_argument(
        "dataset", nargs="?", default=str(DEMO_QA), help="default: the project's set, eval/demo_qa.jsonl"
    )
    evaluate.add_argument("--limit", type=int, help="ask N questions spread evenly over the set")
    evaluate.add_argument(
        "--mode",
        choices=("open", "reader"),
        default="open",
        help="open: full retrieval over every document; reader: only each question's gold article",
    )
    evaluate.add_argument("--report", metavar="DIR", help="write report.md, report.json, items.jsonl and plots here")
    evaluate.add_argument(
        "--systems",
        default="ours,llama-index,bm25",
        help="comma-separated: ours, heuristic (ours with the rule-based answerer), ours-no-as-of (ours with no "
        "as-of day), llama-index, bm25 "
        "(default ours,llama-index,bm25)",
    )
    evaluate.add_argument("--since", metavar="YYYY-MM-DD", help="only questions asked on or after this date")
    evaluate.add_argument(
        "--as-of",
        default="question",
        metavar="question|none|YYYY-MM-DD",
        help="question (default): dated questions are asked as of their own day (RealTimeQA, eval/time_qa.jsonl); "
        "none: no time limit (the system ours-no-as-of does this beside ours); or one day for every question",
    )
    evaluate.add_argument("--json", action="store_true", help="print report.json's content instead of a table")

    commands.add_parser("demo", help="build the demo index from the bundled sample articles")

    sync = commands.add_parser("sync", help="reconcile the local catalog (and BM25 index) with a Chroma server")
    sync.add_argument("--force", action="store_true", help="read every record even when the store looks unchanged")

    migrate = commands.add_parser(
        "migrate",
        help="copy an embedded index onto a Chroma server (vectors as stored, no re-embedding) and verify the copy",
        description="Copies every record of the embedded index --index into the collection sentences-<index> on "
        "the server, builds that server's local catalog cache, then checks record count, ids, articles and "
        "sentence counts against the source (exit 1 if they differ). The embedded index is only read.",
    )
    migrate.add_argument("--to", required=True, metavar="URL", help="the Chroma server, e.g. http://127.0.0.1:8000")
    migrate.add_argument(
        "--replace", action="store_true", help="empty the destination first if it holds records of another index"
    )
    migrate.add_argument("--quiet", action="store_true", help="no progress bar")

    export = commands.add_parser(
        "export",
        help="back up every article as JSON lines (.jsonl, or gzipped .jsonl.gz) that ingest reads back",
        description="Writes id, title, date, source, url, category and text of every article (plus its content "
        "hash and sentence count), atomically. `assistant --index NAME ingest FILE` rebuilds the same articles "
        "with the same ids.",
    )
    export.add_argument("path", help="where to write, e.g. backup.jsonl.gz")

    check = commands.add_parser(
        "check", help="compare the catalog and the vector store in full; exit 0 when sound, 1 when not"
    )
    check.add_argument("--json", action="store_true", help="print the report as JSON")

    repair = commands.add_parser(
        "repair", help="fix what `check` finds (rebuilds the lost side from the other; keeps damaged files aside)"
    )
    repair.add_argument("--json", action="store_true", help="print what was done and the check after, as JSON")
    repair.add_argument("--quiet", action="store_true", help="no progress bar")

    serve = commands.add_parser(
        "serve",
        help="start the browser app and the HTTP API (an empty demo index gets the demo articles on first start)",
    )
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1, env ASSISTANT_HOST)")
    serve.add_argument("--port", type=int, help="port (default 7860, env ASSISTANT_PORT)")
    serve.add_argument(
        "--reset-demo",
        action="store_true",
        help="re-add the bundled demo articles (they are otherwise built only on the first start of an empty demo index)",
    )
    # Also accepted after `serve` (so `python app.py --index NAME` works); SUPPRESS keeps values given before it.
    serve.add_argument("--index", default=argparse.SUPPRESS, help="as the global --index")
    serve.add_argument("--index-dir", default=argparse.SUPPRESS, help="as the global --index-dir")
    serve.add_argument("--chroma-url", default=argparse.SUPPRESS, help="as the global --chroma-url")
    return parser


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of",
        default="today",
        metavar="YYYY-MM-DD",
        help="answer as of this day: no article dated after it is cited (default today; 'none': no limit)",
    )
    parser.add_argument(
        "--source", action="append", help="only this source, in any case (repeatable; an unknown one is an error)"
    )
    parser.add_argument("--since", help="only articles dated on/after YYYY-MM-DD")
    parser.add_argument("--until", help="only articles dated on/before YYYY-MM-DD")
    parser.add_argument(
        "--strictness",
        type=str.lower,
        choices=STRICTNESS_LEVELS,
        help="how sure the reader must be to answer: about 95, 90 or 80 %% of answers right "
        "(default: ASSISTANT_STRICTNESS, else the threshold calibrated for accuracy); "
        "stricter answers fewer questions",
    )


def _filters(args: argparse.Namespace) -> SearchFilters:
    return SearchFilters.parse(args.source, args.since, args.until, labels=("--since", "--until"))


def _as_of(args: argparse.Namespace) -> None:
    """Check --as-of before any model loads (FilterError: exit 2)."""
    from assistant.dates import resolve_as_of

    resolve_as_of(args.as_of, label="--as-of")


class _UsageError(Exception):
    pass


def _settings(args: argparse.Namespace) -> Settings:
    from assistant.config import Settings

    return Settings.from_env().with_overrides(
        index_name=args.index, index_dir=Path(args.index_dir) if args.index_dir else None, chroma_url=args.chroma_url
    )


def _open(args: argparse.Namespace, create: bool = False, damaged_ok: bool = False) -> Assistant:
    """The index, opened here (holding its writer lock for this command). Read-only commands never create one.

    A damaged or out-of-step index is StoreDamagedError unless `damaged_ok`.
    """
    from assistant import Assistant

    assistant = Assistant(_settings(args), create=create, command=f"assistant {args.command}", damaged_ok=damaged_ok)
    if not damaged_ok and assistant.problems:
        try:
            assistant.index.raise_if_damaged()
        finally:
            assistant.close()
    return assistant


def _open_or_route(args: argparse.Namespace, create: bool = False) -> Assistant | AppClient:
    """The index, or, when a running app owns it, a client that sends this command through that app's API.

    The lock is looked at before any model loads, so routing costs no model start.
    """
    from assistant.errors import IndexBusyError, IndexNotFoundError
    from assistant.store.layout import index_exists, store_folder
    from assistant.store.lock import IndexLock

    settings = _settings(args)
    if not create and not settings.chroma_url and not index_exists(settings):
        from assistant.store.index import not_found_message

        raise IndexNotFoundError(not_found_message(settings))
    holder = IndexLock(store_folder(settings)).holder()
    if holder is None or not holder.url:
        try:
            return _open(args, create)
        except IndexBusyError as exc:
            holder = exc.owner
            if holder is None or not getattr(holder, "url", None):
                raise
    from assistant.server.client import AppClient

    client = AppClient(holder, settings.credentials())
    print(f"(sent {client.describe()})", file=sys.stderr)
    return client


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Text safe to print to a terminal: control characters (escape sequences) shown as \\xNN."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def also_reported_text(copies: list[dict]) -> str:
    """ "Coastal Wire Service (2026-10-13), ..." for a citation's other copies of the story."""
    return ", ".join(
        f"{c.get('source') or c.get('title') or c.get('article_id')}" + (f" ({c['date']})" if c.get("date") else "")
        for c in copies
    )


def format_answer(answer: Answer) -> str:
    lines = [answer.text]
    if answer.short_answer:
        lines.insert(0, f"Short answer: {answer.short_answer}")
    if answer.standalone_question:
        lines.insert(0, f"(understood as: {answer.standalone_question})")
    elif answer.leaned_on:
        lines.insert(0, f"(follow-up to: {answer.leaned_on})")
    if answer.reported:
        lines.append(f"({answer.reported}, before {answer.as_of})")
    for c in answer.citations:
        when = f", {c.date}" if c.date else ""
        lines.append(
            f"  [{c.number}] {c.title or c.article_id}{when} — {c.article_id}, sentence {c.sentence_number} "
            f"(chars {c.start}-{c.end}, score {c.score:.2f})"
        )
        if c.also_reported_by:
            lines.append(f"      also reported by: {also_reported_text(c.also_reported_by)}")
    if answer.refused and answer.nearest:
        lines.append("Nearest passages (not an answer):")
        lines += [f"  - {p.sentence} ({p.title or p.article_id})" for p in answer.nearest]
    return printable("\n".join(lines))


def _cmd_ask(args: argparse.Namespace) -> int:
    from assistant.retrieval.question import validate_question

    validate_question(args.question)  # fail fast, before loading any model
    filters = _filters(args)
    _as_of(args)
    answer = _open_or_route(args).ask(args.question, filters=filters, as_of=args.as_of, strictness=args.strictness)
    print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2) if args.json else format_answer(answer))
    return 0


def _cmd_chat(args: argparse.Namespace) -> int:
    from assistant import InvalidQuestionError

    filters = _filters(args)
    _as_of(args)
    assistant = _open_or_route(args)
    history: list[str] = []
    print(f"Ask about the {assistant.counts()['articles']} indexed articles (empty line or Ctrl-D quits).")
    while True:
        try:
            question = input("\n? ").strip()
        except EOFError:
            break
        if not question:
            break
        try:
            answer = assistant.ask(
                question, history=history, filters=filters, as_of=args.as_of, strictness=args.strictness
            )
        except (InvalidQuestionError, FilterError) as exc:
            print(f"error: {exc}")
            continue
        history.append(question)
        print(format_answer(answer))
    return 0


def _cmd_ingest(args: argparse.Namespace) -> int:
    report = _open_or_route(args, create=True).ingest(args.paths, progress=not args.quiet)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(f"{report.summary()}; {report.sentences_indexed} sentences indexed in {report.seconds:.1f}s")
    for origin, reason in report.skipped:
        print(printable(f"  skipped {origin}: {reason}"))
    for origin, message in report.cleaned:
        print(printable(f"  cleaned {origin}: {message}"))
    return 0


def _cmd_articles(args: argparse.Namespace) -> int:
    rows = _open_or_route(args).articles()
    if args.json:
        print(json.dumps([{k: v for k, v in vars(r).items() if k not in ("text", "hash")} for r in rows], indent=2))
        return 0
    for row in rows:
        print(
            printable(f"{row.id}\t{row.date or '-'}\t{row.source or '-'}\t{row.sentence_count} sentences\t{row.title}")
        )
    print(f"{len(rows)} articles")
    return 0


def _cmd_delete(args: argparse.Namespace) -> int:
    _open_or_route(args).delete(args.article_id)
    print(printable(f"deleted {args.article_id}"))
    return 0


def _eval_as_of(value: str) -> str:
    """--as-of of eval: question, none, or a day (FilterError, exit 2, for anything else)."""
    from assistant.dates import NO_LIMIT, resolve_as_of

    lowered = value.strip().lower()
    if lowered in ("question", NO_LIMIT):
        return lowered
    day = resolve_as_of(value, label="--as-of")
    return day.isoformat() if day else NO_LIMIT


def _cmd_eval(args: argparse.Namespace) -> int:
    if not Path(args.dataset).is_file():
        raise _UsageError(f"no such dataset: {args.dataset}")
    if args.limit is not None and args.limit < 1:
        raise _UsageError("--limit must be at least 1")
    systems = [name.strip() for name in args.systems.split(",") if name.strip()]
    from assistant.evaluation.datasets import check_since
    from assistant.evaluation.runner import run_evaluation
    from assistant.evaluation.systems import check_systems

    try:
        check_since(args.since)
        check_systems(systems)
    except ValueError as exc:
        raise _UsageError(str(exc)) from exc
    from assistant.evaluation import load_dataset
    from assistant.evaluation.report import print_table

    try:
        dataset = load_dataset(args.dataset)
    except (ValueError, KeyError) as exc:
        raise _UsageError(f"cannot read {args.dataset} as a Q&A set: {exc}") from exc
    try:
        run = run_evaluation(
            dataset,
            mode=args.mode,
            limit=args.limit,
            systems=systems,
            index=args.index,
            index_dir=args.index_dir,
            chroma_url=args.chroma_url,
            report_dir=args.report,
            since=args.since,
            as_of=_eval_as_of(args.as_of),
        )
    except ValueError as exc:
        raise _UsageError(str(exc)) from exc
    if args.json:
        print(json.dumps(run.to_dict(), indent=2))
    else:
        print_table(run)
    if args.report:
        print(f"report: {Path(args.report) / 'report.md'}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from assistant.config import DEMO_CORPUS
    from assistant.server.client import AppClient

    target = _open_or_route(args, create=True)
    report = (
        target.ingest([DEMO_CORPUS], progress=True) if isinstance(target, AppClient) else target.seed_demo(reset=True)
    )
    print(f"demo index: {report.summary() if report else 'nothing to do'}")
    return 0


def _cmd_sync(args: argparse.Namespace) -> int:
    report = _open(args).sync(force=args.force)
    if not report.reconciled:
        print("in step with the vector store: nothing to do")
        return 0
    print(f"pulled {len(report.pulled)} article(s) from the vector store, dropped {len(report.dropped)}")
    for article_id in report.dropped:
        print(printable(f"  dropped {article_id} (no longer in the vector store)"))
    for article_id in report.kept:
        print(printable(f"  kept {article_id}: not in the vector store, but this catalog is its only copy"))
    return 0


def _cmd_migrate(args: argparse.Namespace) -> int:
    if args.chroma_url:
        raise _UsageError("migrate copies an embedded index: give the server as --to, not --chroma-url")
    from assistant.store.migrate import MigrationRefusedError

    try:
        report = _open(args).migrate_to(args.to, replace=args.replace, progress=not args.quiet)
    except MigrationRefusedError as exc:
        raise _UsageError(str(exc)) from exc
    print(
        printable(
            f"copied {report.copied} records to {report.collection!r} on {report.url} in {report.seconds:.1f}s "
            f"({report.records_per_second:.0f} records/s)"
        )
    )
    print(
        f"server: {report.destination_records} records, {report.destination_articles} articles, "
        f"{report.sentences} sentences; source: {report.source_records} records, {report.source_articles} articles"
    )
    if not report.verified:
        for problem in report.problems:
            print(printable(f"verification failed: {problem}"), file=sys.stderr)
        return 1
    print(f"verified: same record ids, articles and sentence counts; use --chroma-url {report.url}")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from assistant.store.backup import export_articles

    report = export_articles(_open(args).index.catalog, args.path)
    print(printable(f"exported {report.written} articles to {report.path}"))
    if report.changed_on_restore:
        print(
            printable(
                f"  {len(report.changed_on_restore)} article(s) were stored uncleaned (given as objects, not files) and "
                f"would be cleaned when ingested again, e.g. {report.changed_on_restore[0]}"
            )
        )
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    with _open(args, damaged_ok=True) as assistant:
        report = assistant.check()
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(printable("\n".join(report.lines())))
    return 0 if report.ok else 1


def _cmd_repair(args: argparse.Namespace) -> int:
    with _open(args, damaged_ok=True) as assistant:
        report = assistant.repair(progress=not (args.quiet or args.json))
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return 0 if report.after is not None and report.after.ok else 1
    lines = [f"repaired: {action}" for action in report.actions] or ["nothing to repair"]
    lines += [f"not repaired: {reason}" for reason in report.unrepairable]
    lines.append("check after repair:")
    lines += [f"  {line}" for line in (report.after.lines() if report.after else ["not run"])]
    print(printable("\n".join(lines)))
    return 0 if report.after is not None and report.after.ok else 1


def _cmd_serve(args: argparse.Namespace) -> int:
    from assistant.config import Settings
    from assistant.server import serve

    auth = Settings.from_env().credentials()  # a bad ASSISTANT_AUTH stops here, before any model loads
    # a damaged index is served degraded: /healthz and the page say so
    assistant = _open(args, create=True, damaged_ok=True)
    for problem in assistant.problems:
        print(
            printable(f"warning: {problem.reason} ({problem.path}); run `{assistant.index.repair_command()}`"),
            file=sys.stderr,
        )
    if assistant.settings.index_name == "demo" and not assistant.problems:
        report = assistant.seed_demo(reset=args.reset_demo)
        if report is not None:
            print(f"Demo index: {report.summary()}")
    elif args.reset_demo and assistant.settings.index_name != "demo":
        raise _UsageError("--reset-demo is for the demo index (--index demo)")
    try:
        serve(
            assistant, host=args.host or assistant.settings.host, port=args.port or assistant.settings.port, auth=auth
        )
    finally:
        assistant.close()
    return 0


_COMMANDS = {
    "ask": _cmd_ask,
    "chat": _cmd_chat,
    "ingest": _cmd_ingest,
    "articles": _cmd_articles,
    "delete": _cmd_delete,
    "eval": _cmd_eval,
    "demo": _cmd_demo,
    "sync": _cmd_sync,
    "migrate": _cmd_migrate,
    "export": _cmd_export,
    "check": _cmd_check,
    "repair": _cmd_repair,
    "serve": _cmd_serve,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from assistant.errors import (
        ArticleNotFoundError,
        AssistantError,
        EmptyIndexError,
        IndexBusyError,
        IndexNotFoundError,
        InvalidQuestionError,
        StoreDamagedError,
    )

    try:
        return _COMMANDS[args.command](args)
    except (InvalidQuestionError, FilterError, ConfigError, _UsageError, IndexNotFoundError, EmptyIndexError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except StoreDamagedError as exc:
        print(printable(str(exc)), file=sys.stderr)
        return EXIT_DAMAGED
    except IndexBusyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BUSY
    except ArticleNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
