"""/healthz on a damaged index: the app still starts and serves, says `degraded` and why; damaged reads are 503s."""

from __future__ import annotations

import shutil

import httpx

from tests.live_server import start_server
from tests.store.test_health import build_big_index, remove_segments


def test_healthz_is_degraded_and_questions_are_503(tmp_path):
    from assistant import Assistant
    from tests.fakes import HashEmbedder

    index = build_big_index(tmp_path / "indexes", articles=200)
    healthy = tmp_path / "healthy"
    shutil.copytree(tmp_path / "indexes", healthy)
    remove_segments(index)
    assistant = Assistant.open(index="big", index_dir=tmp_path / "indexes", embedder=HashEmbedder())
    server = start_server(assistant)
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            health = client.get("/healthz").json()
            assert health["status"] == "degraded" and health["index"] == "big"
            assert "repair" in health["reason"] and health["problems"][0]["kind"] == "vectors_unsearchable"
            assert health["sentences"] == 1800
            asked = client.post("/api/ask", json={"question": "What did the Castleford council debate?"})
            assert asked.status_code == 503 and "repair" in asked.json()["detail"]
            page = client.get("/").text
            assert "nqa-damaged" in page and "This index is damaged" in page
    finally:
        server.stop()
        assistant.close()

    with Assistant.open(index="big", index_dir=healthy, embedder=HashEmbedder()) as sound:
        server = start_server(sound)
        try:
            health = httpx.get(f"{server.url}/healthz", timeout=60).json()
            assert health["status"] == "ok" and health.get("reason") is None and health["problems"] == []
        finally:
            server.stop()
