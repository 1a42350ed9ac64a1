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
    filtered = client.predict(question="Who mediated?", sources=["No Such Paper"], api_name="/ask")
    assert filtered["refused"]


def test_bad_question_is_a_readable_error(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="empty"):
        client.predict(question="   ", api_name="/ask")
