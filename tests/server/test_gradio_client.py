"""The Gradio app's own API, called the way other Python programs would: gradio_client over HTTP."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def client(demo_server):
    from gradio_client import Client

    return Client(f"{demo_server.url}/", verbose=False)


def test_ask_round_trip(client):
    result = client.predict(question="Who mediated?", api_name="/ask")
    assert not result["refused"]
    assert "Witkoff" in result["short_answer"] and "Kushner" in result["short_answer"]
    assert result["citations"][0]["article_id"] == "geneva-peace-talks"


def test_follow_up_and_filters_round_trip(client):
    result = client.predict(question="Who mediated them?", history=["Where were the talks held?"], api_name="/ask")
    assert "talks" in result["standalone_question"]
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="unknown source 'No Such Paper'; the index holds: Agency"):
        client.predict(question="Who mediated?", sources=["No Such Paper"], api_name="/ask")
    filtered = client.predict(question="Who mediated?", sources=["Agency"], date_from="2026-03-01", api_name="/ask")
    assert filtered["refused"] and filtered["filters_applied"] == "source: Agency; from 2026-03-01"


def test_bad_question_is_a_readable_error(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="empty"):
        client.predict(question="   ", api_name="/ask")
