"""Settings a deployment sets (ASSISTANT_* variables, reader knobs, upload limit, basic auth) and the
library surface around them (context manager, llama-index query engine)."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import httpx
import pytest

from assistant import Assistant
from assistant.config import DEMO_CORPUS, ENVIRONMENT, Settings, _stated_windows, _strictness, _switch
from tests.conftest import REPO
from tests.live_server import start_server

MEDIATED = "The talks are being mediated by Witkoff and Jared Kushner, the US president’s son-in-law."


def _value_for(name: str, parse, tmp_path: Path) -> str:
    """A valid value for one variable, chosen by its parser (and unlike every default)."""
    if parse is Path:
        return str(tmp_path / name.lower())
    if parse is int:
        return "17"
    if parse is float:
        return "0.25"
    if parse is _switch:
        return "off"  # the switches default to on
    if parse is _strictness:
        return "strict"  # the default is no level
    if parse is _stated_windows:
        return "weigh"  # the default filters
    assert parse("check") == "check", f"{name}: add a value for its parser {parse!r} to this test"
    return f"user:{name.lower()}"


def test_every_environment_variable_sets_its_settings_field(tmp_path, monkeypatch):
    fields = {f.name for f in dataclasses.fields(Settings)}
    targets = [field_name for field_name, _ in ENVIRONMENT.values()]
    assert set(targets) <= fields, set(targets) - fields
    assert len(set(targets)) == len(targets)  # no two variables fight over one field

    environ = {name: _value_for(name, parse, tmp_path) for name, (_, parse) in ENVIRONMENT.items()}
    settings, defaults = Settings.from_env(environ), Settings()
    for name, (field_name, parse) in ENVIRONMENT.items():
        value = getattr(settings, field_name)
        assert value == parse(environ[name]) and value != getattr(defaults, field_name), name
    untouched = fields - set(targets)
    assert {f: getattr(settings, f) for f in untouched} == {f: getattr(defaults, f) for f in untouched}

    # An explicit mapping is the whole environment: os.environ is not read.
    monkeypatch.setenv("ASSISTANT_PORT", "9999")
    assert Settings.from_env({}).port == Settings().port
    assert Settings.from_env().port == 9999
    assert Settings.from_env({"ASSISTANT_PORT": ""}).port == Settings().port  # empty means unset


@pytest.mark.parametrize(
    ("name", "value"),
    [("ASSISTANT_PORT", "abc"), ("ASSISTANT_READER_CANDIDATES", "1.5"), ("ASSISTANT_MAX_UPLOAD_MB", "lots")],
)
def test_a_bad_value_names_its_variable(name, value):
    with pytest.raises(ValueError, match=name) as caught:
        Settings.from_env({name: value})
    assert repr(value) in str(caught.value)


def test_upload_limit_default_and_override():
    assert Settings().max_upload_bytes == 20 * 1024 * 1024
    assert Settings.from_env({"ASSISTANT_MAX_UPLOAD_MB": "0.5"}).max_upload_bytes == 524288


def test_the_server_enforces_the_configured_upload_limit(make_assistant):
    assistant = make_assistant("upload", max_upload_mb=0.001)  # 1,048 bytes
    server = start_server(assistant)
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            big = {"articles": [{"id": "big", "title": "Big", "text": "The ferry sank. " * 100}]}
            too_big = client.post("/api/articles", json=big)
            assert too_big.status_code == 413 and "1,048 bytes" in too_big.json()["detail"]
            small = {"articles": [{"id": "small", "title": "Small", "text": "The Kestrel ferry sank on Monday."}]}
            accepted = client.post("/api/articles", json=small)
            assert accepted.status_code == 200, accepted.text
        assert [a.id for a in assistant.articles()] == ["small"]
    finally:
        server.stop()


def _reader_scored(assistant: Assistant) -> tuple[object, int]:
    answer, passages = assistant.ask_ranked("Who mediated?", k=30)
    return answer, sum("reader" in p.scores for p in passages)


def test_reader_candidates_and_threshold_settings(make_assistant):
    default = make_assistant("reader")
    default.ingest([DEMO_CORPUS])
    answer, read = _reader_scored(default)
    assert read == 10 and not answer.refused and answer.citations[0].sentence == MEDIATED

    wide = make_assistant("reader", reader_candidates=20)
    answer, read = _reader_scored(wide)
    assert read == 20 and answer.citations[0].sentence == MEDIATED

    strict = make_assistant("reader", reader_refusal_threshold=0.99)
    refused = strict.ask("Who mediated?")
    assert refused.refused and not refused.citations


def test_basic_auth_guards_every_route_but_healthz(demo_assistant):
    server = start_server(demo_assistant, auth=("u", "p"))
    ask = {"question": "Who mediated?"}
    guarded = [
        ("GET", "/", None),
        ("GET", "/docs", None),
        ("GET", "/openapi.json", None),
        ("GET", "/api/articles", None),
        ("GET", "/api/articles/geneva-peace-talks", None),
        ("POST", "/api/ask", ask),
        ("POST", "/api/retrieve", ask),
        ("POST", "/api/articles", {}),  # an empty body: harmless even if it got through
        ("DELETE", "/api/articles/x", None),  # no such article: harmless too
        ("GET", "/gradio_api/info", None),
        ("POST", "/gradio_api/queue/join", {}),
    ]
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            for method, path, body in guarded:
                for auth in (None, ("u", "wrong"), ("wrong", "p")):
                    denied = client.request(method, path, json=body, auth=auth)
                    assert denied.status_code == 401, (method, path, auth, denied.status_code)
                    assert denied.headers["www-authenticate"].startswith("Basic")
                    assert denied.json() == {"detail": "authentication required"}
            broken = client.get("/api/articles", headers={"Authorization": "Basic not-base64!"})
            assert broken.status_code == 401

            health = client.get("/healthz")
            assert health.status_code == 200 and health.json()["articles"] == 6

            listed = client.get("/api/articles", auth=("u", "p"))
            assert listed.status_code == 200 and listed.json()["total"] == 6
            answered = client.post("/api/ask", json=ask, auth=("u", "p"))
            assert answered.status_code == 200 and answered.json()["citations"][0]["sentence"] == MEDIATED
            assert client.get("/", auth=("u", "p")).status_code == 200
            assert client.get("/gradio_api/info", auth=("u", "p")).status_code == 200
    finally:
        server.stop()
    assert demo_assistant.counts()["articles"] == 6


def test_assistant_as_a_context_manager_closes_its_catalog(tmp_path, embedder):
    with Assistant.open(index="ctx", index_dir=tmp_path, embedder=embedder) as assistant:
        assert assistant.ingest([DEMO_CORPUS]).added
        assert assistant.ask("Who mediated?").citations[0].sentence == MEDIATED
    with pytest.raises(sqlite3.ProgrammingError):
        assistant.articles()

    with Assistant.open(index="ctx", index_dir=tmp_path, embedder=embedder) as reopened:
        assert len(reopened.articles()) == 6 and reopened.counts()["articles"] == 6
        assert reopened.ask("Who mediated?").citations[0].sentence == MEDIATED


def test_query_engine_uses_the_project_prompt_and_leaves_llama_index_globals(demo_assistant):
    import llama_index.core
    from llama_index.core.llms import MockLLM

    prompt_file = (REPO / "prompts" / "grounded_answer.txt").read_text(encoding="utf-8")
    distinctive = "You answer questions about news articles using only the numbered sentences below."
    assert distinctive in prompt_file
    globals_before = (llama_index.core.Settings._llm, llama_index.core.Settings._embed_model)

    engine = demo_assistant.as_query_engine(MockLLM(max_tokens=8))
    response = engine.query("Who mediated?")
    assert MEDIATED in [n.node.get_content() for n in response.source_nodes]
    assert response.source_nodes[0].node.metadata["article_id"] == "geneva-peace-talks"
    templates = [p.get_template() for p in engine.get_prompts().values()]
    assert prompt_file in templates

    # With no token limit MockLLM echoes its prompt: the one sent is our template, filled in.
    echoed = demo_assistant.as_query_engine(MockLLM()).query("Who mediated?").response
    assert distinctive in echoed and MEDIATED in echoed and "Question: Who mediated?" in echoed

    assert (llama_index.core.Settings._llm, llama_index.core.Settings._embed_model) == globals_before
