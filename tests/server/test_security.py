"""Hostile input against the real app on a free loopback port (issue 16, the server's part).

Finding 1: the server reads only files the client uploaded (no FileData path it names);
Gradio's files live in the app's own folder and nothing in the shared temp folder is
served. Finding 4: no 500s (lone surrogates, deep JSON, corrupt gzip). Finding 5: no
silent loss (same names, colliding clean names, no server paths in reports). Finding 7:
Unicode and long file names, history limits apart from the question's. Finding 8: no
leftover uploads. Plus: SIGTERM ends `assistant serve` within seconds.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO, serve_demo_copy, synthetic_articles
from tests.live_server import free_port, start_server

FILE_META = {"_type": "gradio.FileData"}
SECRET = "The secret deploy token is 7f3a-kestrel-99."
GOOD_TEXT = b"Harbour pilot retires\n\nThe harbour pilot, Ada Varga, retired on Friday after 30 years."


@pytest.fixture(scope="module")
def server(tmp_path_factory, embedder):
    """The app over its own index: these tests add articles and count them."""
    yield from serve_demo_copy(tmp_path_factory, embedder, "sec")


@pytest.fixture(scope="module")
def api(server):
    with httpx.Client(base_url=server.url, timeout=120) as client:
        yield client


@pytest.fixture
def cleanup(server):
    """Articles a test adds are deleted afterwards, so counts stay comparable."""
    before = {a.id for a in server.assistant.articles()}
    yield
    for article in server.assistant.articles():
        if article.id not in before:
            server.assistant.delete(article.id)


def index_path(server) -> Path:
    return Path(server.assistant.settings.index_path)


def total(api: httpx.Client) -> int:
    return api.get("/api/articles", params={"limit": 1}).json()["total"]


def stored_uploads(server) -> list[str]:
    folder = index_path(server) / "uploads"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def gradio_fn(api: httpx.Client, api_name: str) -> int:
    """The fn_index of a UI event, looked up in the app's config (not hard-coded)."""
    dependencies = api.get("/config").json()["dependencies"]
    return next(d.get("id", n) for n, d in enumerate(dependencies) if d.get("api_name") == api_name)


def gradio_call(api: httpx.Client, fn_index: int, data: list) -> tuple[int, dict]:
    """Join the queue as the browser does and wait for the event's end: (join status, final message)."""
    session = secrets.token_hex(8)
    joined = api.post("/gradio_api/queue/join", json={"fn_index": fn_index, "session_hash": session, "data": data})
    if joined.status_code != 200:
        return joined.status_code, joined.json()
    with api.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                message = json.loads(line[5:])
                if message.get("msg") in {"process_completed", "unexpected_error"}:
                    return joined.status_code, message
    raise AssertionError("the event never completed")


def gradio_upload(api: httpx.Client, name: str, data: bytes) -> str:
    response = api.post("/gradio_api/upload", files=[("files", (name, data, "application/octet-stream"))])
    assert response.status_code == 200, response.text
    return response.json()[0]


def file_data(path: str, name: str | None = None) -> dict:
    return {"path": path, "orig_name": name, "meta": FILE_META}


# --- finding 1: only files the client uploaded ----------------------------------------------------


def test_upload_event_refuses_any_path_the_client_names(server, api, tmp_path):
    """The exact attack: a FileData naming <repo>/README.md sent to the upload event."""
    ingest_fn = gradio_fn(api, "ingest_files")
    before_total, before_uploads = total(api), stored_uploads(server)
    secret_file = tmp_path / "secret_notes.txt"
    secret_file.write_text(SECRET, encoding="utf-8")
    attacks = [
        str(REPO / "README.md"),
        str(secret_file),
        f"{REPO}/assistant/../README.md",
        "/dev/zero",  # Gradio would hash it forever before copying
        f"{server.url}/healthz",  # Gradio would download a URL
    ]
    for path in attacks:
        status, body = gradio_call(api, ingest_fn, [[file_data(path, "README.md")], ""])
        assert status == 400 and "not uploaded to this app" in body["detail"], (path, body)

    # The chat's Chatbot input carries FileData too; the same guard covers every input of every event.
    chat = [{"role": "user", "content": [{"file": file_data(str(secret_file)), "alt_text": None}]}]
    status, body = gradio_call(api, gradio_fn(api, "drain"), [chat, None, None])  # chatbot, answers, waiting
    assert status == 400 and "not uploaded to this app" in body["detail"]

    # A file inside the app's own folder that its upload route did not store: the handler's allow-list.
    own_folder = Path(gradio_upload(api, "probe.txt", b"Probe text.")).parents[1]
    planted = own_folder / "planted" / "secret_notes.txt"
    planted.parent.mkdir()
    planted.write_text(SECRET, encoding="utf-8")
    status, message = gradio_call(api, ingest_fn, [[file_data(str(planted), "secret_notes.txt")], ""])
    assert status == 200 and message["success"] is False
    assert "not uploaded to this app" in json.dumps(message["output"])
    shutil.rmtree(planted.parent)

    assert total(api) == before_total
    assert stored_uploads(server) == before_uploads
    index = index_path(server)
    assert not [p for p in index.rglob("*") if p.is_file() and p.name in {"README.md", "secret_notes.txt"}]
    answer = api.post("/api/ask", json={"question": "What is the secret deploy token?"}).json()
    assert "kestrel" not in json.dumps(answer)


def test_gradio_files_stay_in_the_apps_own_folder(server, api, cleanup):
    from assistant.server.gradio_files import TEMP_PARENT, shared_gradio_folder

    shared = shared_gradio_folder() / secrets.token_hex(16)
    shared.mkdir(parents=True)
    planted = shared / "planted.txt"
    planted.write_text(SECRET, encoding="utf-8")
    try:
        assert api.get(f"/gradio_api/file={planted}").status_code == 403  # another process's file
    finally:
        shutil.rmtree(shared)

    temp_path = Path(gradio_upload(api, "harbour-pilot.txt", GOOD_TEXT))
    assert temp_path.is_relative_to(index_path(server).resolve() / TEMP_PARENT)
    assert not temp_path.is_relative_to(shared_gradio_folder())
    status, message = gradio_call(
        api, gradio_fn(api, "ingest_files"), [[file_data(str(temp_path), "harbour-pilot.txt")], ""]
    )
    assert status == 200 and message["success"], message
    assert "1 added" in message["output"]["data"][0]
    assert not temp_path.exists()  # deleted once read: the kept copy is in uploads/
    assert "harbour-pilot.txt" in stored_uploads(server)
    assert api.get(f"/gradio_api/file={temp_path}").status_code == 403


def test_the_apps_gradio_folder_is_removed_at_shutdown(server):
    extra = start_server(server.assistant)
    try:
        with httpx.Client(base_url=extra.url, timeout=60) as client:
            folder = Path(gradio_upload(client, "left-behind.txt", GOOD_TEXT)).parents[1]
        assert folder.is_dir() and folder.name.startswith(f"{os.getpid()}-")
    finally:
        extra.stop()
    assert not folder.exists()


# --- finding 4: no 500s -----------------------------------------------------------------------------

SURROGATE = '"\\ud800"'  # a lone surrogate, as a JSON escape


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/ask", '{"question": S}'),
        ("/api/ask", '{"question": "Who mediated?", "history": [S]}'),
        ("/api/ask", '{"question": "Who mediated?", "history": [{"role": "user", "content": S}]}'),
        ("/api/ask", '{"question": "Who mediated?", "history": [{"role": S, "content": "x"}]}'),
        ("/api/ask", '{"question": "Who mediated?", "filters": {"sources": [S]}}'),
        ("/api/ask", '{"question": "Who mediated?", "filters": {"article_ids": [S]}}'),
        ("/api/ask", '{"question": "Who mediated?", "filters": {"date_from": S}}'),
        ("/api/ask", '{S: "Who mediated?"}'),
        ("/api/retrieve", '{"question": S, "k": 3}'),
        ("/api/retrieve", '{"question": "Who mediated?", "filters": {"date_to": S}}'),
        ("/api/articles", '{"articles": [{"text": S}]}'),
        ("/api/articles", '{"articles": [{"text": "Fine text.", "title": S}]}'),
        ("/api/articles", '{"articles": [{"text": "Fine text.", "id": S}]}'),
        ("/api/articles", '{"articles": [{"text": "Fine text.", "date": S, "source": S, "url": S, "category": S}]}'),
        ("/api/articles", '{"articles": [{"text": "Fine text.", S: 1}]}'),
    ],
)
def test_a_lone_surrogate_in_any_string_field_is_a_422(api, path, body):
    response = api.post(
        path, content=body.replace("S", SURROGATE).encode(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["detail"]


def test_a_lone_surrogate_elsewhere_is_never_a_500(api):
    assert api.get("/api/articles?q=%ED%A0%80").status_code in {200, 422}
    assert api.get("/api/articles/%ED%A0%80").status_code in {404, 422}
    data = '{"fn_index": N, "session_hash": "s", "data": [S]}'.replace("N", str(gradio_fn(api, "ask")))
    data = data.replace("S", SURROGATE)
    refused = api.post("/gradio_api/queue/join", content=data.encode(), headers={"content-type": "application/json"})
    assert refused.status_code == 400 and "surrogate" in refused.json()["detail"]


def test_json_nested_100k_levels_is_a_4xx_with_a_reason(api):
    deep = "[" * 100_000 + "]" * 100_000
    for path, status in (("/api/articles", 422), ("/api/ask", 400), ("/api/retrieve", 400)):
        response = api.post(path, content=deep.encode(), headers={"content-type": "application/json"})
        assert response.status_code == status, (path, response.text)
        assert response.json()["detail"]
    nested = '{"articles": [{"text": ' + "[" * 100_000 + "]" * 100_000 + "}]}"
    response = api.post("/api/articles", content=nested.encode(), headers={"content-type": "application/json"})
    assert response.status_code == 422 and "deep" in json.dumps(response.json())
    assert api.post("/gradio_api/queue/join", content=deep.encode()).status_code == 400


def test_a_bad_file_never_costs_the_good_one(server, api, cleanup):
    files = [
        ("files", ("deep.json", b"[" * 100_000 + b"]" * 100_000, "application/json")),
        ("files", ("good.txt", GOOD_TEXT, "text/plain")),
        ("files", ("deep-lines.jsonl", b'{"text": ' + b"[" * 50_000 + b"]" * 50_000 + b"}\n", "application/json")),
        ("files", ("corrupt.txt.gz", gzip.compress(b"x" * 5000)[:12] + b"\xff" * 64, "application/gzip")),
    ]
    response = api.post("/api/articles", files=files)
    assert response.status_code == 200, response.text
    report = response.json()
    assert len(report["added"]) == 1 and api.get(f"/api/articles/{report['added'][0]}").status_code == 200
    skipped = {s["origin"].split(":")[0] for s in report["skipped"]}
    assert skipped == {"deep.json", "deep-lines.jsonl", "corrupt.txt.gz"}, report
    assert all(s["reason"] for s in report["skipped"])

    # The same corrupt file through the browser upload: a skip in the report, not an error.
    temp_path = gradio_upload(api, "corrupt.txt.gz", files[3][1][1])
    status, message = gradio_call(api, gradio_fn(api, "ingest_files"), [[file_data(temp_path, "corrupt.txt.gz")], ""])
    assert status == 200 and message["success"] and "1 skipped" in message["output"]["data"][0]


def test_a_loader_fault_on_one_file_is_a_skip_for_that_file(server, api, cleanup, monkeypatch):
    """Should a loader still raise on some input, the request falls back to one file at a time."""
    real_ingest = server.assistant.ingest

    def fragile_ingest(sources, progress=False, on_progress=None):
        if any(Path(s).name == "boom.json" for s in sources if isinstance(s, (str, Path))):
            raise RecursionError("maximum recursion depth exceeded")
        return real_ingest(sources, progress=progress, on_progress=on_progress)

    monkeypatch.setattr(server.assistant, "ingest", fragile_ingest)
    files = [
        ("files", ("boom.json", b'{"text": "never read"}', "application/json")),
        ("files", ("fine.txt", GOOD_TEXT, "text/plain")),
    ]
    response = api.post("/api/articles", files=files)
    assert response.status_code == 200, response.text
    report = response.json()
    assert len(report["added"]) == 1
    assert report["skipped"] == [{"origin": "boom.json", "reason": "could not be read (RecursionError)"}]
    assert "boom.json" not in stored_uploads(server)


# --- finding 5: no silent loss ----------------------------------------------------------------------


def test_same_and_colliding_names_get_distinct_files_and_ids(server, api, cleanup):
    files = [
        ("files", ("desk1/story.txt", b"Desk one story\n\nThe ferry to Arlow was cancelled on Monday.", "text/plain")),
        ("files", ("desk2/story.txt", b"Desk two story\n\nThe Brenmoor library reopened on Tuesday.", "text/plain")),
        ("files", ("report (1).txt", b"Report one\n\nThe Castleford council met on Wednesday.", "text/plain")),
        ("files", ("report [1].txt", b"Report two\n\nThe Dunmere harbour was dredged on Thursday.", "text/plain")),
        ("files", ("a<b.txt", b"Angle one\n\nEastwick bus routes changed on Friday.", "text/plain")),
        ("files", ("a>b.txt", b"Angle two\n\nFallon water rates rose on Saturday.", "text/plain")),
    ]
    response = api.post("/api/articles", files=files)
    report = response.json()
    assert response.status_code == 200 and len(set(report["added"])) == 6 and not report["skipped"], report
    names = stored_uploads(server)
    assert {"story.txt", "story-2.txt", "report (1).txt", "report [1].txt"} <= set(names)
    assert len([n for n in names if n.startswith("ab-")]) == 2  # cleaned names carry a hash of the original
    for question, expected in (
        ("What happened to the ferry to Arlow?", "Arlow"),
        ("When did the Brenmoor library reopen?", "Brenmoor"),
    ):
        answer = api.post("/api/ask", json={"question": question}).json()
        assert expected in answer["answer"]

    twice = [
        ("files", ("first.jsonl", b'{"id": "dup-story", "text": "The Glenrock bridge opened."}\n', "application/json")),
        ("files", ("second.jsonl", b'{"id": "dup-story", "text": "The Harwich bridge closed."}\n', "application/json")),
    ]
    response = api.post("/api/articles", files=twice)
    report = response.json()
    assert report["added"] == ["dup-story"] and report["skipped"][0]["origin"] == "second.jsonl:1"
    assert "first.jsonl" in report["skipped"][0]["reason"]
    assert str(index_path(server)) not in response.text and str(index_path(server).resolve()) not in response.text


# --- finding 7: Unicode and long names; history limits of its own ------------------------------------


def test_unicode_and_long_file_names_are_accepted(server, api, cleanup):
    long_txt = "x" * 250 + ".txt"
    long_gz = "y" * 245 + ".jsonl.gz"
    files = [
        ("files", ("日本語.txt", "東京\n\nThe Tokyo press office opened on Monday.".encode(), "text/plain")),
        ("files", ("новости.txt", "Новости\n\nThe Kazan tram line reopened on Tuesday.".encode(), "text/plain")),
        ("files", (long_txt, b"Long name\n\nThe Skerry Point lighthouse was painted on Wednesday.", "text/plain")),
        ("files", (long_gz, gzip.compress(b'{"text": "The Orrin dam opened on Friday."}\n'), "application/gzip")),
    ]
    response = api.post("/api/articles", files=files)
    report = response.json()
    assert response.status_code == 200 and len(report["added"]) == 4 and not report["skipped"], report
    names = stored_uploads(server)
    assert {"日本語.txt", "новости.txt"} <= set(names)
    shortened = sorted(n for n in names if n.startswith(("xxx", "yyy")))
    assert len(shortened) == 2 and all(len(n.encode()) <= 200 for n in shortened), shortened
    assert shortened[0].endswith(".txt") and shortened[1].endswith(".jsonl.gz")  # the suffix survives


def test_a_long_history_does_not_count_toward_the_question(api):
    """13 characters of question, one 2,000-character turn before it: once refused as a 2,014-character question."""
    words = " ".join(f"q{n:04d}" for n in range(400))[:2000]  # distinct content words, all carried by a follow-up
    answered = api.post("/api/ask", json={"question": "Who did that?", "history": [words]})
    assert answered.status_code == 200, answered.text


def test_history_limits_have_messages_of_their_own(api):
    def refusal(payload: dict) -> str:
        response = api.post("/api/ask", json=payload)
        assert response.status_code == 422, response.text
        return json.dumps(response.json()["detail"])

    assert "history turn 0 is 2,001 characters long" in refusal({"question": "Who?", "history": ["x" * 2001]})
    assert "history turn 1 is 2,001" in refusal(
        {"question": "Who?", "history": ["ok", {"role": "assistant", "content": "y" * 2001}]}
    )
    assert "history has 51 turns" in refusal({"question": "Who?", "history": ["and it?"] * 51})
    assert "22,000 characters in all" in refusal({"question": "Who?", "history": ["z" * 2000] * 11})
    assert "at most 2000 characters" in refusal({"question": "q" * 2001})


# --- finding 8: no leftovers ------------------------------------------------------------------------


def test_skipped_uploads_are_not_kept(server, api, cleanup):
    before = stored_uploads(server)
    files = [
        ("files", ("bad.json", b'{"text": ', "application/json")),
        ("files", ("bomb.txt.gz", gzip.compress(b"a" * 50_000_000), "application/gzip")),
        ("files", ("empty.md", b"   \n", "text/markdown")),
        ("files", ("kept.txt", GOOD_TEXT, "text/plain")),
    ]
    response = api.post("/api/articles", files=files)
    assert response.status_code == 200 and len(response.json()["added"]) == 1, response.text
    assert {s["origin"] for s in response.json()["skipped"]} >= {"bad.json", "empty.md"}
    assert set(stored_uploads(server)) - set(before) == {"kept.txt"}

    # A bad new version of a stored file is dropped and the earlier one put back.
    again = api.post("/api/articles", files=[("files", ("kept.txt", b"\xff\xfe not text", "text/plain"))])
    assert again.status_code == 200 and again.json()["skipped"]
    assert (index_path(server) / "uploads" / "kept.txt").read_bytes() == GOOD_TEXT
    assert set(stored_uploads(server)) - set(before) == {"kept.txt"}


# --- SIGTERM ----------------------------------------------------------------------------------------


def test_sigterm_stops_the_app_within_seconds_while_a_request_runs(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant", "--index-dir", str(tmp_path), "serve", "--port", str(port)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 240  # the demo index is built on first start
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            assert time.monotonic() < deadline, "the app did not start"
            time.sleep(0.5)
        assert list((tmp_path / "demo" / ".gradio-tmp").iterdir())  # the app's folder, while it runs

        def slow_request() -> None:  # ingesting 1,000 articles takes far longer than the test waits
            with contextlib.suppress(httpx.HTTPError):  # the server goes away mid-request
                httpx.post(f"{url}/api/articles", json={"articles": synthetic_articles(1000)}, timeout=120)

        threading.Thread(target=slow_request, daemon=True).start()
        time.sleep(2)
        assert process.poll() is None
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        elapsed = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    print(f"\nSIGTERM -> exit in {elapsed:.1f} s (exit status {process.returncode})")
    assert elapsed < 10
    assert not list((tmp_path / "demo" / ".gradio-tmp").iterdir())  # removed at shutdown
