"""Filters over real HTTP are never silent (422s naming the field, refusals naming the filters), and a
follow-up's response carries a readable standalone question and the earlier question it leaned on."""

from __future__ import annotations

import httpx
import pytest

from tests.server import test_http_api as http_api_tests
from tests.server.test_http_api import MEDIATED

api = http_api_tests.api  # one client over the module's demo server


def _detail(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail"} and isinstance(body["detail"], str), body
    return body["detail"]


@pytest.mark.parametrize("path", ["/api/ask", "/api/retrieve"])
def test_a_reversed_date_range_is_a_422_naming_both_fields(api, path):
    filters = {"date_from": "2026-03-05", "date_to": "2026-03-01"}
    detail = _detail(api.post(path, json={"question": "Who mediated?", "filters": filters}))
    assert "date_from 2026-03-05 is after date_to 2026-03-01" in detail


@pytest.mark.parametrize("path", ["/api/ask", "/api/retrieve"])
def test_an_unknown_source_is_a_422_listing_the_index_sources(api, path):
    detail = _detail(api.post(path, json={"question": "Who mediated?", "filters": {"sources": ["No Such Paper"]}}))
    assert detail.startswith("unknown source 'No Such Paper'; the index holds: ")
    assert "Agency" in detail and "Science Ledger" in detail


def test_a_source_in_another_case_answers_and_the_filters_are_reported(api):
    body = api.post("/api/ask", json={"question": "Who mediated?", "filters": {"sources": ["agency"]}}).json()
    assert body["citations"][0]["sentence"].startswith(MEDIATED)
    assert body["filters_applied"] == "source: Agency"
    plain = api.post("/api/ask", json={"question": "Who mediated?"}).json()
    assert plain["filters_applied"] is None


def test_a_refusal_under_filters_names_them(api):
    filters = {"sources": ["Agency"], "date_from": "2026-03-01"}
    body = api.post("/api/ask", json={"question": "Who mediated?", "filters": filters}).json()
    assert body["refused"] and body["citations"] == []
    assert "matches the filters (source: Agency; from 2026-03-01)" in body["answer"]
    assert body["filters_applied"] == "source: Agency; from 2026-03-01"


def test_article_ids_filter_is_documented(api):
    schema = api.get("/openapi.json").json()
    filters = schema["components"]["schemas"]["Filters"]
    assert "GET /api/articles" in filters["properties"]["article_ids"]["description"]
    ask_body = schema["components"]["schemas"]["AskRequest"]
    assert any("article_ids" in (example.get("filters") or {}) for example in ask_body["examples"])
    response = schema["components"]["schemas"]["AskResponse"]["properties"]
    assert {"standalone_question", "leaned_on", "filters_applied"} <= set(response)
    # The documented example works as documented.
    example = next(e for e in ask_body["examples"] if "article_ids" in (e.get("filters") or {}))
    body = api.post("/api/ask", json=example).json()
    assert {c["article_id"] for c in body["citations"]} == {"geneva-peace-talks"}
    assert body["filters_applied"] == "article: geneva-peace-talks"


def test_a_follow_up_response_is_readable(api):
    history = ["Where were the talks held?", "Who mediated them?"]
    body = api.post("/api/ask", json={"question": "How long did they last on Tuesday?", "history": history}).json()
    assert "six hours" in body["answer"]
    assert body["standalone_question"] == "How long did the talks last on Tuesday?"
    assert body["leaned_on"] == "Who mediated them?"
    elliptic = api.post(
        "/api/ask",
        json={
            "question": "And before the pandemic?",
            "history": ["How many passengers did Harbor Metro carry last year?"],
        },
    ).json()
    assert elliptic["standalone_question"] is None
    assert elliptic["leaned_on"] == "How many passengers did Harbor Metro carry last year?"
    after_chinese = api.post(
        "/api/ask", json={"question": "Who mediated them?", "history": ["Where were the talks held?", "谁主持了谈判？"]}
    ).json()
    assert after_chinese["leaned_on"] == "Where were the talks held?"
    assert after_chinese["citations"][0]["sentence"].startswith(MEDIATED)


def test_strictness_is_chosen_per_request_and_an_unknown_one_is_a_422(api):
    question = "How much did Lumentra earn per share in the quarter?"
    strict = api.post("/api/ask", json={"question": question, "strictness": "strict"}).json()
    lenient = api.post("/api/ask", json={"question": question, "strictness": "lenient"}).json()
    assert strict["refused"] and strict["strictness"] == "strict"
    assert not lenient["refused"] and lenient["short_answer"] == "$1.47" and lenient["strictness"] == "lenient"
    response = api.post("/api/ask", json={"question": question, "strictness": "paranoid"})
    assert response.status_code == 422 and "strictness" in response.text
