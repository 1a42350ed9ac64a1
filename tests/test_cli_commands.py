"""The `assistant` commands a user types: demo, ask with filters, chat, sync, --chroma-url, serve --help.

Most run `assistant.cli.main` in this process (the shared embedder cache keeps one loaded model);
only the two `--help` checks start subprocesses, since they must not load a model at all.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli import main
from tests.conftest import REPO

MEDIATED = "The talks are being mediated by Witkoff and Jared Kushner, the US president’s son-in-law."
NOT_FOUND = "I couldn't find that in the indexed articles."


def _isolate(patch: pytest.MonkeyPatch, index_dir: Path) -> None:
    """Indexes under `index_dir`, embedded Chroma, the default index name: nothing touches ./indexes."""
    patch.setenv("ASSISTANT_INDEX_DIR", str(index_dir))
    for name in ("ASSISTANT_INDEX", "ASSISTANT_CHROMA_URL", "ASSISTANT_ANSWERER", "ASSISTANT_READER_THRESHOLD"):
        patch.delenv(name, raising=False)


def _main(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(args))
    return code, out.getvalue()


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory, embedder):
    """`assistant demo` run twice on a fresh index folder: (folder, [(exit code, stdout), ...])."""
    home = tmp_path_factory.mktemp("cli-home")
    with pytest.MonkeyPatch.context() as patch:
        _isolate(patch, home)
        runs = [_main("demo"), _main("demo")]
    return home, runs


@pytest.fixture
def cli(demo_home, monkeypatch, capsys):
    """Run `assistant ARGS...` in-process on the demo index; returns (exit code, stdout, stderr)."""
    _isolate(monkeypatch, demo_home[0])

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_demo_builds_the_index_then_finds_it_unchanged(demo_home):
    home, ((first_code, first), (second_code, second)) = demo_home
    assert first_code == 0 and "demo index: added 6" in first
    assert second_code == 0 and "demo index: added 0, updated 0, unchanged 6" in second
    assert (home / "demo").is_dir()  # ASSISTANT_INDEX_DIR was honoured


def test_ask_with_date_and_source_filters(cli):
    code, out, err = cli("ask", "--since", "2026/02/18", "--json", "Who mediated?")  # slashes used to crash
    assert code == 0, err
    answer = json.loads(out)
    assert not answer["refused"] and "Witkoff" in answer["short_answer"]
    assert answer["citations"][0]["article_id"] == "geneva-peace-talks"
    assert answer["citations"][0]["sentence"] == MEDIATED

    # The bounds are inclusive: the Geneva article is dated exactly 2026-02-18.
    code, out, _ = cli("ask", "--since", "2026-02-18", "--until", "2026/02/18", "Who mediated?")
    assert code == 0 and "geneva-peace-talks, sentence" in out and MEDIATED in out

    # An unknown source is an error that lists the index's sources, not a bare refusal.
    code, out, err = cli("ask", "--source", "No Such Wire", "--json", "Who mediated?")
    assert code == 2 and out == ""
    assert err.startswith("error: unknown source 'No Such Wire'; the index holds: Agency, ")
    code, out, _ = cli("ask", "--source", "agency", "--json", "Who mediated?")  # any case, the stored spelling
    assert code == 0 and json.loads(out)["citations"][0]["sentence"] == MEDIATED

    # A refusal under filters names them.
    code, out, _ = cli("ask", "--until", "2026-01-01", "Who mediated?")
    assert code == 0 and "geneva-peace-talks" not in out
    assert out.startswith("No article matching the filters (until 2026-01-01) answers this question.")

    # A reversed range names both options, before any model loads.
    code, out, err = cli("ask", "--since", "2026-03-05", "--until", "2026-03-01", "Who mediated?")
    assert code == 2 and out == ""
    assert err.startswith("error: --since 2026-03-05 is after --until 2026-03-01")

    code, out, err = cli("ask", "--since", "not-a-date", "Who mediated?")
    assert code == 2 and out == ""
    assert err.startswith("error: --since") and "not-a-date" in err


def test_chat_answers_a_follow_up_from_history(cli, monkeypatch):
    lines = iter(["Where were the talks held?", "x" * 2001, "Who mediated them?", ""])

    def typed(prompt: str = "") -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("builtins.input", typed)
    code, out, err = cli("chat")
    assert code == 0, err
    assert out.startswith("Ask about the 6 indexed articles")
    assert next(lines, None) is None  # read every line, and the empty line ended the chat
    first, follow_up = out.split("(understood as:")
    assert "Short answer: Geneva" in first and "mediated" not in first
    assert "error: the question" in first  # the over-long line is reported, and the chat goes on
    assert "talks" in follow_up.splitlines()[0]  # the follow-up was rewritten with the earlier question
    assert "mediated by Witkoff" in follow_up and "geneva-peace-talks, sentence" in follow_up


def test_strictness_from_the_command_line(cli):
    question = "How much did Lumentra earn per share in the quarter?"
    code, out, err = cli("ask", "--strictness", "strict", "--json", question)
    assert code == 0, err
    assert json.loads(out)["refused"]
    code, out, _ = cli("ask", "--strictness", "lenient", question)
    assert code == 0 and "Short answer: $1.47" in out
    with pytest.raises(SystemExit) as exit_info:
        cli("ask", "--strictness", "paranoid", question)
    assert exit_info.value.code == 2


def test_sync_on_an_embedded_index_has_nothing_to_do(cli):
    code, out, err = cli("sync")
    assert (code, out, err) == (0, "in step with the vector store: nothing to do\n", "")


def test_chroma_url_demo_then_ask(chroma_url, tmp_path, monkeypatch):
    _isolate(monkeypatch, tmp_path / "local")
    code, out = _main("--chroma-url", chroma_url, "demo")
    assert code == 0 and "demo index: added 6" in out

    code, out = _main("--chroma-url", chroma_url, "ask", "--json", "Who mediated?")
    answer = json.loads(out)
    assert code == 0 and answer["citations"][0]["article_id"] == "geneva-peace-talks"
    assert "Witkoff" in answer["short_answer"]

    # A second local folder has no catalog yet: the articles come from the server.
    code, out = _main("--chroma-url", chroma_url, "--index-dir", str(tmp_path / "elsewhere"), "articles", "--json")
    assert code == 0 and "geneva-peace-talks" in {row["id"] for row in json.loads(out)}
    assert len(json.loads(out)) == 6


def test_app_py_is_serve_and_help_lists_host_and_port(tmp_path):
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(tmp_path)}
    shim = subprocess.run(
        [sys.executable, "app.py", "--help"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    serve = subprocess.run(
        [sys.executable, "-m", "assistant", "serve", "--help"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    for done in (shim, serve):
        assert done.returncode == 0, done.stderr
        assert "--host" in done.stdout and "--port" in done.stdout
    assert shim.stdout == serve.stdout  # the shim is `assistant serve`, options and all
    assert list(tmp_path.iterdir()) == []  # help opened no index


def test_read_only_commands_never_create_an_index(cli, demo_home):
    for command in (["ask", "Who mediated?"], ["articles"], ["chat"]):
        code, out, err = cli("--index", "demoo", *command)
        assert code == 2 and out == ""
        assert "no index named 'demoo'" in err and "indexes there: demo" in err
    assert not (demo_home[0] / "demoo").exists()


def test_an_empty_index_says_so_instead_of_refusing(cli, demo_home, tmp_path, geneva_record):
    story = tmp_path / "story.json"
    story.write_text(json.dumps(geneva_record), encoding="utf-8")
    assert cli("--index", "emptied", "ingest", "--quiet", str(story))[0] == 0
    assert cli("--index", "emptied", "delete", "geneva-peace-talks")[0] == 0
    code, out, err = cli("--index", "emptied", "ask", "Who mediated?")
    assert code == 2 and NOT_FOUND not in out
    assert "has no articles yet" in err and "assistant --index emptied ingest PATH" in err


def test_the_http_api_answers_409_for_an_empty_index(make_assistant):
    from fastapi.testclient import TestClient

    from assistant.server import create_app

    with TestClient(create_app(make_assistant("nothing"))) as client:
        reply = client.post("/api/ask", json={"question": "Who mediated?"})
        assert reply.status_code == 409 and "has no articles yet" in reply.json()["detail"]
        assert client.post("/api/retrieve", json={"question": "Who mediated?"}).status_code == 409
