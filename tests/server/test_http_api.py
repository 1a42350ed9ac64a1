"""The HTTP API over real HTTP: answers, corpus management, and 4xx (never 5xx) on bad input."""

from __future__ import annotations

import gzip
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import httpx
import pytest

from tests.live_server import start_server

MEDIATED = "The talks are being mediated by Witkoff and Jared Kushner"


@pytest.fixture(scope="module")
def api(demo_server):
    with httpx.Client(base_url=demo_server.url, timeout=60) as client:
        yield client


def _error_detail(response: httpx.Response) -> object:
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail"}, body
    return body["detail"]


def test_health_and_docs(api):
    health = api.get("/healthz").json()
    assert health["status"] == "ok" and health["articles"] >= 6 and health["sentences"] > 50
    docs = api.get("/docs")
    assert docs.status_code == 200 and "cdn" not in docs.text.lower()  # works offline
    scripts = [part.split('"')[0] for part in docs.text.split('src="')[1:]]
    assert scripts and all(api.get(src).status_code == 200 for src in scripts)
    paths = api.get("/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/retrieve", "/api/articles", "/api/articles/{article_id}", "/healthz"} <= set(paths)


def test_ask_cites_the_exact_sentence(api):
    body = api.post("/api/ask", json={"question": "Who mediated?"}).json()
    assert not body["refused"]
    assert "Witkoff" in body["short_answer"] and "Kushner" in body["short_answer"]
    first = body["citations"][0]
    assert first["article_id"] == "geneva-peace-talks" and first["sentence"].startswith(MEDIATED)
    article = api.get(f"/api/articles/{first['article_id']}").json()
    assert article["text"][first["start"] : first["end"]] == first["sentence"]


def test_follow_up_uses_history(api):
    history = ["Where were the talks held?"]
    body = api.post("/api/ask", json={"question": "Who mediated them?", "history": history}).json()
    assert body["standalone_question"] and "talks" in body["standalone_question"]
    assert body["citations"][0]["sentence"].startswith(MEDIATED)
    as_messages = [{"role": "user", "content": history[0]}, {"role": "assistant", "content": "In Geneva."}]
    again = api.post("/api/ask", json={"question": "Who mediated them?", "history": as_messages}).json()
    assert again["citations"] == body["citations"]


def test_filters_restrict_sources_and_dates(api):
    other_source = api.post("/api/ask", json={"question": "Who mediated?", "filters": {"sources": ["No Such Paper"]}})
    assert other_source.status_code == 422 and "unknown source" in other_source.json()["detail"]
    too_early = api.post("/api/ask", json={"question": "Who mediated?", "filters": {"date_to": "2001-01-01"}}).json()
    assert too_early["refused"] and too_early["nearest"] == [] and "until 2001-01-01" in too_early["answer"]
    in_range = api.post(
        "/api/ask",
        json={"question": "Who mediated?", "filters": {"sources": ["Agency"], "date_from": "2026-02-01"}},
    ).json()
    assert in_range["citations"][0]["sentence"].startswith(MEDIATED)


def test_article_filter_keeps_retrieval_inside_the_chosen_articles(api):
    only_aurora = {"article_ids": ["aurora-2-launch"]}
    passages = api.post("/api/retrieve", json={"question": "Who mediated?", "k": 5, "filters": only_aurora}).json()
    assert passages["passages"] and {p["article_id"] for p in passages["passages"]} == {"aurora-2-launch"}
    geneva = api.post(
        "/api/ask", json={"question": "Who mediated?", "filters": {"article_ids": ["geneva-peace-talks"]}}
    ).json()
    assert geneva["citations"][0]["sentence"].startswith(MEDIATED)


def test_unanswerable_question_is_refused_with_nearest_passages(api):
    body = api.post("/api/ask", json={"question": "What is the boiling point of liquid nitrogen on Mars?"}).json()
    assert body["refused"] and body["citations"] == [] and body["short_answer"] is None


def test_retrieve_returns_k_ranked_passages(api):
    passages = api.post("/api/retrieve", json={"question": "Who mediated?", "k": 3}).json()["passages"]
    assert len(passages) == 3
    assert [p["score"] for p in passages] == sorted((p["score"] for p in passages), reverse=True)
    assert passages[0]["sentence"].startswith(MEDIATED)


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("/api/ask", {"question": ""}),
        ("/api/ask", {"question": "   \n "}),
        ("/api/ask", {"question": "x" * 2001}),
        ("/api/ask", {"question": 42}),
        ("/api/ask", {}),
        ("/api/ask", {"question": "Who?", "history": "not a list"}),
        ("/api/ask", {"question": "Who?", "filters": {"date_from": "last tuesday"}}),
        ("/api/ask", {"question": "Who?", "surprise": True}),
        ("/api/retrieve", {"question": "Who?", "k": 0}),
        ("/api/retrieve", {"question": "Who?", "k": "many"}),
        ("/api/articles", {"articles": []}),
        ("/api/articles", {"articles": [{"title": "no text"}]}),
        ("/api/articles", [1, 2, 3]),
    ],
)
def test_bad_json_input_is_a_422_with_a_message(api, path, payload):
    response = api.post(path, json=payload)
    assert response.status_code == 422, response.text
    assert _error_detail(response)


def test_malformed_json_is_a_4xx_not_a_crash(api):
    for path in ("/api/ask", "/api/articles"):
        response = api.post(path, content=b'{"question": ', headers={"content-type": "application/json"})
        assert response.status_code == 422
        assert _error_detail(response)


def test_unknown_article_is_404(api):
    for response in (api.get("/api/articles/no-such-article"), api.delete("/api/articles/no-such-article")):
        assert response.status_code == 404
        assert "no-such-article" in _error_detail(response)


def test_add_ask_and_delete_json_articles(api):
    article = {
        "id": "harbour-ferry",
        "title": "Harbour ferry returns",
        "text": "The Kestrel ferry resumed service on Monday. Captain Ilse Brandt piloted the first crossing.",
        "date": "2026-03-02",
        "source": "Coast Gazette",
    }
    report = api.post("/api/articles", json={"articles": [article]}).json()
    assert report["added"] == ["harbour-ferry"] and report["sentences_indexed"] == 2
    assert api.post("/api/articles", json={"articles": [article]}).json()["unchanged"] == ["harbour-ferry"]
    listed = api.get("/api/articles", params={"q": "ferry"}).json()
    assert [a["id"] for a in listed["articles"]] == ["harbour-ferry"] and listed["total"] == 1
    answer = api.post("/api/ask", json={"question": "Who piloted the first ferry crossing?"}).json()
    assert answer["citations"][0]["article_id"] == "harbour-ferry" and "Brandt" in answer["answer"]

    assert api.delete("/api/articles/harbour-ferry").json() == {"deleted": "harbour-ferry"}
    assert api.get("/api/articles/harbour-ferry").status_code == 404
    after = api.post("/api/ask", json={"question": "Who piloted the first ferry crossing?"}).json()
    assert all(c["article_id"] != "harbour-ferry" for c in after["citations"])


def test_article_ids_may_contain_slashes(api):
    article = {
        "id": "2026/03/tram-strike",
        "title": "Tram strike",
        "text": "Tram drivers in Olvera walked out on Monday.",
    }
    assert api.post("/api/articles", json={"articles": [article]}).json()["added"] == ["2026/03/tram-strike"]
    assert api.get("/api/articles/2026/03/tram-strike").json()["title"] == "Tram strike"
    assert api.delete("/api/articles/2026/03/tram-strike").status_code == 200
    assert api.get("/api/articles/2026/03/tram-strike").status_code == 404


def test_file_upload_reports_what_happened_to_each_file(api):
    html = b"<html><head><title>Dam opens</title><script>alert(1)</script></head><body><p>The Orrin dam opened on Friday after six years of work.</p></body></html>"
    files = [
        ("files", ("dam.html", html, "text/html")),
        ("files", ("notes.txt.gz", gzip.compress(b"Tollbridge fares rose by 40 cents in May."), "application/gzip")),
        ("files", ("latin1.txt", "Caf\xe9 prices rose.".encode("latin-1"), "text/plain")),
    ]
    report = api.post("/api/articles", files=files).json()
    assert len(report["added"]) == 3 and report["skipped"] == []
    notes = {note["origin"]: note["reason"] for note in report["cleaned"]}
    assert "dam.html" in notes and notes["latin1.txt"] == "read as ISO-8859-1 (not UTF-8)"
    answer = api.post("/api/ask", json={"question": "When did the Orrin dam open?"}).json()
    assert "Friday" in answer["answer"] and "alert" not in answer["answer"]
    again = api.post("/api/articles", files=files[:1]).json()
    assert again["unchanged"] == report["added"][:1]


def test_upload_limits(api, demo_server, monkeypatch):
    unsupported = api.post("/api/articles", files=[("files", ("tool.exe", b"MZ...", "application/octet-stream"))])
    assert unsupported.status_code == 415 and "unsupported file type" in _error_detail(unsupported)
    server_assistant = demo_server.assistant
    monkeypatch.setattr(server_assistant, "settings", replace(server_assistant.settings, max_upload_mb=0.01))
    big = api.post("/api/articles", files=[("files", ("big.txt", b"word " * 5000, "text/plain"))])
    assert big.status_code == 413 and "limit" in _error_detail(big)
    chunked = api.post(
        "/api/articles", content=iter([b'{"articles": []}']), headers={"content-type": "application/json"}
    )
    assert chunked.status_code == 411
    wrong_type = api.post("/api/articles", content=b"hello", headers={"content-type": "text/plain"})
    assert wrong_type.status_code == 415


def test_fifty_concurrent_questions_all_succeed(api):
    questions = ["Who mediated?", "Where were the talks held?", "How long did Tuesday's negotiations last?"] * 17

    def ask(question: str) -> int:
        return api.post("/api/ask", json={"question": question}).status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(ask, questions[:50]))
    assert statuses == [200] * 50


def test_basic_auth_guards_ui_and_api(demo_server):
    server = start_server(demo_server.assistant, auth=("editor", "s3cret"))
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            denied = client.post("/api/ask", json={"question": "Who mediated?"})
            assert denied.status_code == 401 and denied.headers["www-authenticate"].startswith("Basic")
            assert client.get("/").status_code == 401
            assert client.get("/", auth=("editor", "wrong")).status_code == 401
            assert client.get("/healthz").status_code == 200
            allowed = client.post("/api/ask", json={"question": "Who mediated?"}, auth=("editor", "s3cret"))
            assert allowed.status_code == 200 and json.loads(allowed.text)["citations"]
    finally:
        server.stop()


@pytest.mark.parametrize("path", ["/api/ask", "/api/retrieve"])
def test_a_question_path_with_the_wrong_method_is_405_not_404(api, path):
    reply = api.get(path)
    assert reply.status_code == 405 and reply.headers["allow"] == "POST"
    assert "POST" in reply.json()["detail"]


def test_the_docs_examples_are_real_requests_that_answer(api):
    schemas = api.get("/openapi.json").json()["components"]["schemas"]
    for name, path in (("AskRequest", "/api/ask"), ("RetrieveRequest", "/api/retrieve")):
        examples = schemas[name]["examples"]
        assert examples and all("string" not in json.dumps(example) for example in examples)
        for example in examples:
            reply = api.post(path, json=example)
            assert reply.status_code == 200, (example, reply.text)
            body = reply.json()
            assert body["passages"] if path == "/api/retrieve" else not body["refused"], example
