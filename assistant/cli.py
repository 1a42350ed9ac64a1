"""`assistant` command line: ingest, ask, chat, articles, delete, eval, demo, sync, check, repair, serve.

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

from assistant.config import DEMO_QA
from assistant.errors import ConfigError, FilterError
from assistant.schema import Answer, SearchFilters

if TYPE_CHECKING:
    from assistant.assistant import Assistant

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
        help="comma-separated: ours, heuristic (ours with the rule-based answerer), llama-index, bm25 "
        "(default ours,llama-index,bm25)",
    )
    evaluate.add_argument("--since", metavar="YYYY-MM-DD", help="only questions asked on or after this date")
    evaluate.add_argument("--json", action="store_true", help="print report.json's content instead of a table")

    commands.add_parser("demo", help="build the demo index from the bundled sample articles")

    sync = commands.add_parser("sync", help="reconcile the local catalog (and BM25 index) with a Chroma server")
    sync.add_argument("--force", action="store_true", help="read every record even when the store looks unchanged")

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
        "serve", help="start the browser app and the HTTP API (the demo index is built or refreshed first)"
    )
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1, env ASSISTANT_HOST)")
    serve.add_argument("--port", type=int, help="port (default 7860, env ASSISTANT_PORT)")
    # Also accepted after `serve` (so `python app.py --index NAME` works); SUPPRESS keeps values given before it.
    serve.add_argument("--index", default=argparse.SUPPRESS, help="as the global --index")
    serve.add_argument("--index-dir", default=argparse.SUPPRESS, help="as the global --index-dir")
    serve.add_argument("--chroma-url", default=argparse.SUPPRESS, help="as the global --chroma-url")
    return parser


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", action="append", help="only this source (repeatable)")
    parser.add_argument("--since", help="only articles dated on/after YYYY-MM-DD")
    parser.add_argument("--until", help="only articles dated on/before YYYY-MM-DD")


def _filters(args: argparse.Namespace) -> SearchFilters:
    return SearchFilters.parse(args.source, args.since, args.until, labels=("--since", "--until"))


class _UsageError(Exception):
    pass


def _open(args: argparse.Namespace, damaged_ok: bool = False) -> Assistant:
    """The index the arguments name; a damaged or out-of-step one is StoreDamagedError unless `damaged_ok`."""
    from assistant import Assistant

    assistant = Assistant.open(
        index=args.index, index_dir=args.index_dir, chroma_url=args.chroma_url, damaged_ok=damaged_ok
    )
    if not damaged_ok and assistant.problems:
        try:
            assistant.index.raise_if_damaged()
        finally:
            assistant.close()
    return assistant


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Text safe to print to a terminal: control characters (escape sequences) shown as \\xNN."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def format_answer(answer: Answer) -> str:
    lines = [answer.text]
    if answer.short_answer:
        lines.insert(0, f"Short answer: {answer.short_answer}")
    if answer.standalone_question:
        lines.insert(0, f"(understood as: {answer.standalone_question})")
    for c in answer.citations:
        when = f", {c.date}" if c.date else ""
        lines.append(
            f"  [{c.number}] {c.title or c.article_id}{when} — {c.article_id}, sentence {c.sentence_index + 1} "
            f"(chars {c.start}-{c.end}, score {c.score:.2f})"
        )
    if answer.refused and answer.nearest:
        lines.append("Nearest passages (not an answer):")
        lines += [f"  - {p.sentence} ({p.title or p.article_id})" for p in answer.nearest]
    return printable("\n".join(lines))


def _cmd_ask(args: argparse.Namespace) -> int:
    from assistant.retrieval.question import validate_question

    validate_question(args.question)  # fail fast, before loading any model
    filters = _filters(args)
    answer = _open(args).ask(args.question, filters=filters)
    print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2) if args.json else format_answer(answer))
    return 0


def _cmd_chat(args: argparse.Namespace) -> int:
    from assistant import InvalidQuestionError

    filters = _filters(args)
    assistant = _open(args)
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
            answer = assistant.ask(question, history=history, filters=filters)
        except InvalidQuestionError as exc:
            print(f"error: {exc}")
            continue
        history.append(question)
        print(format_answer(answer))
    return 0


def _cmd_ingest(args: argparse.Namespace) -> int:
    report = _open(args).ingest(args.paths, progress=not args.quiet)
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
    rows = _open(args).articles()
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
    _open(args).delete(args.article_id)
    print(printable(f"deleted {args.article_id}"))
    return 0


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

    report = _open(args).ingest([DEMO_CORPUS], progress=True)
    print(f"demo index: {report.summary()}")
    return 0


def _cmd_sync(args: argparse.Namespace) -> int:
    report = _open(args).sync(force=args.force)
    if not report.reconciled:
        print("in step with the vector store: nothing to do")
        return 0
    print(f"pulled {len(report.pulled)} article(s) from the vector store, dropped {len(report.dropped)}")
    for article_id in report.dropped:
        print(printable(f"  dropped {article_id} (no longer in the vector store)"))
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
    from assistant.config import DEMO_CORPUS, Settings
    from assistant.server import serve

    auth = Settings.from_env().credentials()  # a bad ASSISTANT_AUTH stops here, before any model loads
    assistant = _open(args, damaged_ok=True)  # a damaged index is served degraded: /healthz and the page say so
    for problem in assistant.problems:
        print(
            printable(f"warning: {problem.reason} ({problem.path}); run `{assistant.index.repair_command()}`"),
            file=sys.stderr,
        )
    if assistant.settings.index_name == "demo" and not assistant.problems:
        report = assistant.ingest([DEMO_CORPUS])
        print(f"Demo index: {report.summary()}")
    serve(assistant, host=args.host or assistant.settings.host, port=args.port or assistant.settings.port, auth=auth)
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
