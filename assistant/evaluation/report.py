"""An evaluation run as a person reads it: a terminal table, report.md, report.json and plots."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from assistant.evaluation.results import OUTCOMES, EvalRun, passed_differently
from assistant.evaluation.systems import BuildStats

# (label, key in EvalSummary, how to show it)
ROWS: tuple[tuple[str, str, str], ...] = (
    ("answer hit (gold answer in the answer)", "answer_hit", "pct"),
    ("answer length, median words", "answer_words_p50", "int"),
    ("gold answer in the first cited unit", "first_citation_hit", "pct"),
    ("short answer EM", "short_em", "pct"),
    ("short answer F1", "short_f1", "pct"),
    ("citation precision", "citation_precision", "pct"),
    ("citation recall (gold sentence cited)", "citation_recall", "pct"),
    ("first citation is the gold sentence", "first_citation_gold", "pct"),
    ("first citation is from the gold article", "first_citation_article", "pct"),
    ("sentence recall@1", "sentence_recall_at_1", "pct"),
    ("sentence recall@5", "sentence_recall_at_5", "pct"),
    ("sentence recall@10", "sentence_recall_at_10", "pct"),
    ("sentence MRR@30", "sentence_mrr", "num"),
    ("article recall@1", "article_recall_at_1", "pct"),
    ("article recall@5", "article_recall_at_5", "pct"),
    ("article recall@10", "article_recall_at_10", "pct"),
    ("article MRR@30", "article_mrr", "num"),
    ("refusal precision", "refusal_precision", "pct"),
    ("refusal recall", "refusal_recall", "pct"),
    ("latency p50 (ms)", "latency_p50_ms", "ms"),
    ("latency p95 (ms)", "latency_p95_ms", "ms"),
)


def _show(value: Any, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "pct":
        return f"{100 * value:.1f}"
    if kind in ("ms", "int"):
        return f"{value:.0f}"
    return f"{value:.3f}"


def metric_rows(run: EvalRun) -> list[list[str]]:
    """One row per metric, one column per system (refusal rows only when there are unanswerables)."""
    names = list(run.summaries)
    has_unanswerable = any(s.unanswerable for s in run.summaries.values())
    rows = []
    for label, key, kind in ROWS:
        if key.startswith("refusal") and not has_unanswerable:
            continue
        rows.append([label, *(_show(getattr(run.summaries[n], key), kind) for n in names)])
    rows.append(["index build", *(_build_cell(run.builds[n]) for n in names)])
    return rows


def _build_cell(build: BuildStats) -> str:
    if build.note:
        return build.note
    done = f"{build.units:,} {build.unit_name}"
    return f"{done} (reused)" if build.reused else f"{done}, {build.per_second:.0f}/s"


def print_table(run: EvalRun) -> None:
    from rich.console import Console
    from rich.table import Table

    asked = f" (since {run.since})" if run.since else ""
    table = Table(
        title=f"{run.dataset} · {run.mode} mode · {run.questions:,} questions{asked} · {run.documents:,} documents"
    )
    table.add_column("metric (%, unless marked)")
    for name in run.summaries:
        table.add_column(name, justify="right")
    for row in metric_rows(run):
        table.add_row(*row)
    console = Console()
    console.width = max(console.width, 110)  # metric names stay on one line
    console.print(table)
    shares = _outcome_shares(run)
    if shares:
        outcomes = Table(title="where the answers go (% of answerable questions with a gold article)")
        outcomes.add_column("outcome")
        for name in shares:
            outcomes.add_column(name, justify="right")
        for outcome in OUTCOMES:
            outcomes.add_row(outcome, *(_show(shares[n].get(outcome), "pct") for n in shares))
        console.print(outcomes)


def _outcome_shares(run: EvalRun) -> dict[str, dict[str, float]]:
    """Each system's outcome shares (EvalSummary.outcomes), computed once; systems with none left out."""
    shares = {name: summary.outcomes() for name, summary in run.summaries.items()}
    return {name: share for name, share in shares.items() if share}


def write_report(run: EvalRun, folder: Path) -> dict[str, Path]:
    """report.json, items.jsonl, three plots and report.md that shows them; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": folder / "report.json",
        "items": folder / "items.jsonl",
        "recall": folder / "recall_at_k.png",
        "latency": folder / "latency.png",
        "types": folder / "accuracy_by_type.png",
        "risk_coverage": folder / "risk_coverage.png",
        "markdown": folder / "report.md",
    }
    paths["json"].write_text(json.dumps(run.to_dict(), indent=2), encoding="utf-8")
    with paths["items"].open("w", encoding="utf-8") as handle:
        for name, summary in run.summaries.items():
            for item in summary.items:
                handle.write(json.dumps({"system": name, **asdict(item)}, ensure_ascii=False) + "\n")
    _plot_recall(run, paths["recall"])
    _plot_latency(run, paths["latency"])
    _plot_types(run, paths["types"])
    _plot_risk_coverage(run, paths["risk_coverage"])
    paths["markdown"].write_text(_markdown(run), encoding="utf-8")
    return paths


def _markdown(run: EvalRun) -> str:
    names = list(run.summaries)
    lines = [
        f"# Evaluation: {run.dataset} ({run.mode} mode)",
        "",
        f"{run.questions:,} questions{f' asked since {run.since}' if run.since else ''} over {run.documents:,} "
        f"documents, index `{run.index}`, finished {run.finished}.",
        "Percentages unless marked. Units are sentences for ours and BM25, default chunks for llama-index "
        "(a chunk holds many sentences, so its sentence recall counts any chunk containing the gold sentence).",
        "",
        "| metric | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
        *("| " + " | ".join(row) + " |" for row in metric_rows(run)),
        "",
        "## Retrieval: recall@k",
        "![recall@k](recall_at_k.png)",
        "",
        "## Latency per question",
        "![latency](latency.png)",
        "",
        "## When to answer: risk-coverage",
        "Each refusal threshold on a system's top score answers some share of the questions; the curve is "
        "the share of those answers whose best unit holds the gold answer. The dot is where the run answered.",
        "![risk-coverage](risk_coverage.png)",
        "",
        "## Answer hit by question type",
        "![by type](accuracy_by_type.png)",
        "",
        "| type | questions | " + " | ".join(names) + " |",
        "|---|---:|" + "---:|" * len(names),
    ]
    by_type = {n: run.summaries[n].by_type() for n in names}
    for qtype, info in by_type[names[0]].items():
        hits = [_show(by_type[n].get(qtype, {}).get("answer_hit"), "pct") for n in names]
        lines.append(f"| {qtype} | {info['questions']} | " + " | ".join(hits) + " |")
    lines += _outcome_table(run)
    lines += _differences(run, "ours", "heuristic")
    lines += ["", "Per-question results: `items.jsonl`; all figures: `report.json`.", ""]
    return "\n".join(lines)


def _outcome_table(run: EvalRun) -> list[str]:
    """Where answerable questions end up: the first citation, a later one, a wrong sentence of the
    right article, a refusal, or an article retrieval never found."""
    shares = _outcome_shares(run)
    if not shares:
        return []
    names = list(shares)
    lines = [
        "",
        "## Where the answers go",
        "",
        "Answerable questions with a gold article, each counted once, in the first bucket that fits.",
        "",
        "| outcome | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for outcome in OUTCOMES:
        lines.append(f"| {outcome} | " + " | ".join(_show(shares[n].get(outcome), "pct") for n in names) + " |")
    return lines


def _differences(run: EvalRun, first: str, second: str, shown: int = 20) -> list[str]:
    """Questions one system passes (gold sentence cited first, or rightly refused) and the other fails."""
    if first not in run.summaries or second not in run.summaries:
        return []
    gained, lost = passed_differently(run.summaries[first].items, run.summaries[second].items)
    lines = [
        "",
        f"## {first} against {second}, question by question",
        "",
        f"Passed (gold sentence cited first, or rightly refused) by {first} only: {len(gained)}; "
        f"by {second} only: {len(lost)}.",
    ]
    for title, items in ((f"Passed by {second} only", lost), (f"Passed by {first} only", gained)):
        if items:
            lines += ["", f"{title} (first {min(shown, len(items))}):", ""]
            lines += [f"- `{i.id}` {i.question}" for i in items[:shown]]
    return lines


def _figure(columns: int = 1) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt, *plt.subplots(1, columns, figsize=(5.5 * columns, 4), squeeze=False)


def _save(plt: Any, fig: Any, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_recall(run: EvalRun, path: Path) -> None:
    plt, fig, axes = _figure(2)
    for ax, kind in zip(axes[0], ("sentence", "article"), strict=True):
        for name, summary in run.summaries.items():
            curve = summary.recall_curve(kind)
            if curve:
                ax.plot(range(1, len(curve) + 1), [100 * v for v in curve], marker="o", label=name)
        ax.set(title=f"gold {kind} within the top k", xlabel="k", ylabel="recall (%)", ylim=(0, 100))
        ax.grid(alpha=0.3)
        ax.legend()
    _save(plt, fig, path)


def _plot_latency(run: EvalRun, path: Path) -> None:
    import numpy as np

    plt, fig, axes = _figure()
    ax = axes[0][0]
    everything = [r.seconds * 1000 for s in run.summaries.values() for r in s.items] or [1.0]
    bins = np.geomspace(max(min(everything), 0.1), max(everything) * 1.01, 40)
    for name, summary in run.summaries.items():
        ax.hist([r.seconds * 1000 for r in summary.items], bins=bins, alpha=0.55, label=name)
    ax.set(xscale="log", xlabel="ms per question (log scale)", ylabel="questions", title="latency per question")
    ax.legend()
    _save(plt, fig, path)


def _plot_risk_coverage(run: EvalRun, path: Path) -> None:
    """Precision of the answers (gold answer in the first citation) against the share of questions
    answered, for every refusal threshold on each system's top score; a dot where the run answered."""
    from assistant.answering.strictness import Outcome, risk_coverage

    plt, fig, axes = _figure()
    ax = axes[0][0]
    for name, summary in run.summaries.items():
        items = summary.items
        if not items:
            continue
        curve = risk_coverage([Outcome(i.top_score, i.top_correct, i.answerable) for i in items])
        (line,) = ax.plot([100 * p.coverage for p in curve], [100 * p.precision for p in curve], label=name)
        answered = [i for i in items if not i.refused]
        if answered:
            right = sum(i.top_correct for i in answered) / len(answered)
            ax.plot(100 * len(answered) / len(items), 100 * right, "o", color=line.get_color())
    ax.set(
        xlabel="questions answered (%)",
        ylabel="answers with the gold answer first (%)",
        title="risk-coverage (dot: as answered)",
        ylim=(0, 101),
        xlim=(0, 101),
    )
    ax.grid(alpha=0.3)
    ax.legend()
    _save(plt, fig, path)


def _plot_types(run: EvalRun, path: Path) -> None:
    import numpy as np

    plt, fig, axes = _figure()
    ax = axes[0][0]
    names = list(run.summaries)
    by_type = {n: run.summaries[n].by_type() for n in names}
    types = list(by_type[names[0]])
    width = 0.8 / max(len(names), 1)
    for offset, name in enumerate(names):
        values = [100 * by_type[name].get(t, {}).get("answer_hit", 0.0) for t in types]
        ax.bar(np.arange(len(types)) + offset * width, values, width, label=name)
    ax.set_xticks(np.arange(len(types)) + width * (len(names) - 1) / 2, types, rotation=30, ha="right")
    ax.set(ylabel="answer hit (%)", ylim=(0, 100), title="answer hit by question type")
    ax.legend(ncols=len(names), loc="upper center", bbox_to_anchor=(0.5, -0.28), frameon=False)  # clear of the bars
    _save(plt, fig, path)
