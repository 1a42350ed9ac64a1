"""Conversations kept in the browser (Gradio BrowserState): the stored shape, restoring, listing, export.

What comes back from the browser is untrusted: it is read defensively (wrong shapes are dropped)
and re-rendered through render.py, which escapes every string, exactly like a fresh answer.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from typing import Any

from assistant.schema import Answer, Citation, Passage
from assistant.server.render import answer_markdown, escape_markdown

MAX_CONVERSATIONS = 20  # the oldest beyond this are forgotten
MAX_TURNS = 50  # per conversation
TITLE_CHARS = 80
Store = dict[str, Any]  # {"conversations": [{"id", "title", "updated", "turns": [...]}], "current": id | None}


def empty_store() -> Store:
    return {"conversations": [], "current": None}


def _conversations(store: Any) -> list[dict[str, Any]]:
    if not isinstance(store, dict) or not isinstance(store.get("conversations"), list):
        return []
    return [c for c in store["conversations"] if isinstance(c, dict) and isinstance(c.get("id"), str)]


def _compact(answer: Answer) -> dict[str, Any]:
    """An answer as stored: passages without their context windows and score breakdowns (the bulk)."""
    data = answer.to_dict()
    for passage in data["nearest"]:
        passage["window"], passage["scores"] = "", {}
    return data


def record_turn(
    store: Any, conversation_id: str | None, question: str, answer: Answer | None, error: str | None
) -> Store:
    """The store with one more turn in conversation `conversation_id` (a new one when None); it becomes current."""
    conversations = _conversations(store)
    found = next((c for c in conversations if c["id"] == conversation_id), None) if conversation_id else None
    if found is None:
        found = {"id": conversation_id or uuid.uuid4().hex[:12], "title": question[:TITLE_CHARS], "turns": []}
    else:
        conversations.remove(found)
    turns = [t for t in found.get("turns", []) if isinstance(t, dict)]
    turns.append({"question": question, "answer": _compact(answer) if answer else None, "error": error})
    found = {**found, "turns": turns[-MAX_TURNS:], "updated": time.strftime("%Y-%m-%d %H:%M")}
    return {"conversations": [found, *conversations][:MAX_CONVERSATIONS], "current": found["id"]}


def holds(store: Any, conversation_id: str | None) -> bool:
    """Whether the store keeps a conversation with this id."""
    return any(c["id"] == conversation_id for c in _conversations(store))


def current_id(store: Any) -> str | None:
    current = store.get("current") if isinstance(store, dict) else None
    return current if holds(store, current) else None


def choices(store: Any) -> list[tuple[str, str]]:
    """(label, id) of the kept conversations, most recent first."""
    return [
        (f"{c.get('updated', '')} · {str(c.get('title', ''))[:TITLE_CHARS]}", c["id"]) for c in _conversations(store)
    ]


def _from_dict(kind: type, data: dict[str, Any]) -> Any:
    names = {f.name for f in dataclasses.fields(kind) if f.init}
    return kind(**{k: v for k, v in data.items() if k in names})


def answer_from_dict(data: Any) -> Answer | None:
    """An Answer from its stored dict, or None when the dict is not one (tampered with, or an older shape)."""
    try:
        values = dict(data)
        values["citations"] = [_from_dict(Citation, dict(c)) for c in values.get("citations") or []]
        values["nearest"] = [_from_dict(Passage, dict(p)) for p in values.get("nearest") or []]
        answer = _from_dict(Answer, values)
        answer_markdown(answer, 0)  # every field renders (a wrong type fails here, not in the page)
        return answer
    except (TypeError, ValueError, AttributeError, KeyError):
        return None


def restore(store: Any, conversation_id: str | None) -> tuple[list[dict[str, str]], list[Answer]]:
    """The chat messages and answers of one kept conversation (empty when it is not there)."""
    found = next((c for c in _conversations(store) if c["id"] == conversation_id), None)
    messages: list[dict[str, str]] = []
    answers: list[Answer] = []
    for turn in (found or {}).get("turns", []):
        if not isinstance(turn, dict) or not isinstance(turn.get("question"), str):
            continue
        messages.append({"role": "user", "content": escape_markdown(turn["question"])})
        answer = answer_from_dict(turn["answer"]) if turn.get("answer") else None
        if answer is not None:
            answers.append(answer)
            messages.append({"role": "assistant", "content": answer_markdown(answer, len(answers) - 1)})
        else:
            messages.append({"role": "assistant", "content": f"⚠️ {escape_markdown(str(turn.get('error') or ''))}"})
    return messages, answers


def title_of(store: Any, conversation_id: str | None) -> str:
    found = next((c for c in _conversations(store) if c["id"] == conversation_id), None)
    return str(found.get("title") or "Conversation") if found else "Conversation"
