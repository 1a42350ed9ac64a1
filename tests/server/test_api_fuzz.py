"""Property-based fuzzing of the HTTP API from its own OpenAPI schema: no input may cause a 5xx.

Schemathesis (its CLI, in a subprocess, against the live server) generates valid
and invalid requests for every operation; each response must be a non-5xx,
declared in the schema, and match its documented body. The run is bounded by a
fixed number of examples per operation, with a hard timeout. The upload route,
POST /api/articles, gets a run of its own with more examples, in both of its
bodies (JSON articles and multipart files); tests/server/schemathesis_hooks.py
turns the generated file parts into article files of every kind under hostile names.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, serve_demo_copy

EXAMPLES_PER_OPERATION = 60
UPLOAD_EXAMPLES = 200
TIME_BUDGET_S = 300  # a hard stop; the example count bounds a normal run
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory, embedder):
    """A throwaway index: fuzzing adds and deletes articles at random."""
    yield from serve_demo_copy(tmp_path_factory, embedder, "fuzz")


def run_schemathesis(url: str, report_dir: Path, examples: int, *extra: str) -> subprocess.CompletedProcess:
    cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert cli, "schemathesis is installed with the test requirements"
    return subprocess.run(
        [
            cli,
            "run",
            f"{url}/openapi.json",
            "--checks",
            CHECKS,
            "--max-examples",
            str(examples),
            "--seed",
            "20260218",
            "--workers",
            "1",
            "--request-timeout",
            "60",
            "--report",
            "junit,vcr",
            "--report-dir",
            str(report_dir),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=TIME_BUDGET_S + 120,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "SCHEMATHESIS_HOOKS": "tests.server.schemathesis_hooks"},
    )


def test_no_generated_input_makes_the_api_fail(fuzz_server, tmp_path: Path):
    run = run_schemathesis(fuzz_server.url, tmp_path, EXAMPLES_PER_OPERATION)
    summary = run.stdout[-6000:]
    assert run.returncode == 0, f"schemathesis found failures:\n{summary}\n{run.stderr[-2000:]}"
    assert "passed" in summary.lower()


def test_the_upload_route_takes_generated_json_and_files_without_failing(fuzz_server, tmp_path: Path):
    run = run_schemathesis(fuzz_server.url, tmp_path, UPLOAD_EXAMPLES, "--include-name", "POST /api/articles")
    summary = run.stdout[-6000:]
    assert run.returncode == 0, f"schemathesis found failures:\n{summary}\n{run.stderr[-2000:]}"
    (cassette,) = tmp_path.glob("vcr-*.yaml")
    sent: Counter[tuple[str, str]] = Counter()
    for interaction in yaml.safe_load(cassette.read_text(encoding="utf-8"))["http_interactions"]:
        request = interaction["request"]
        if request["method"] != "POST":
            continue
        content_type = (request.get("headers") or {}).get("Content-Type", [""])[0].split(";")[0]
        sent[(content_type, str(interaction["response"]["status"]["code"]))] += 1
    print(f"\nPOST /api/articles (content type, status) -> requests: {dict(sent)}")
    assert any(kind == "application/json" for kind, _ in sent), sent
    assert sent[("multipart/form-data", "200")] > 0, sent  # generated files reached the loaders
