"""Property-based fuzzing of the HTTP API from its own OpenAPI schema: no input may cause a 5xx.

Schemathesis (its CLI, in a subprocess, against the live server) generates valid
and invalid requests for every operation; each response must be a non-5xx,
declared in the schema, and match its documented body. The run is bounded by a
fixed number of examples per operation, with a hard timeout.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DEMO_CORPUS
from tests.live_server import start_server

EXAMPLES_PER_OPERATION = 60
TIME_BUDGET_S = 300  # a hard stop; the example count bounds a normal run
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory, embedder):
    """A throwaway index: fuzzing adds and deletes articles at random."""
    from assistant import Assistant

    assistant = Assistant.open(index="fuzz", index_dir=tmp_path_factory.mktemp("fuzz"), embedder=embedder)
    assistant.ingest([DEMO_CORPUS])
    server = start_server(assistant)
    yield server
    server.stop()


def test_no_generated_input_makes_the_api_fail(fuzz_server, tmp_path: Path):
    cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert cli, "schemathesis is installed with the test requirements"
    run = subprocess.run(
        [
            cli,
            "run",
            f"{fuzz_server.url}/openapi.json",
            "--checks",
            CHECKS,
            "--max-examples",
            str(EXAMPLES_PER_OPERATION),
            "--seed",
            "20260218",
            "--workers",
            "1",
            "--request-timeout",
            "60",
            "--report",
            "junit",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=TIME_BUDGET_S + 120,
    )
    summary = run.stdout[-6000:]
    assert run.returncode == 0, f"schemathesis found failures:\n{summary}\n{run.stderr[-2000:]}"
    assert "passed" in summary.lower()
