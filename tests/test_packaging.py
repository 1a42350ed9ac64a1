"""What a wheel of the project ships: every package folder, the reader's weights, the prompts."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile

import pytest

from tests.conftest import REPO


def _listed_packages() -> set[str]:
    return set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])


def test_every_package_folder_is_listed_in_pyproject():
    folders = {".".join(path.parent.relative_to(REPO).parts) for path in (REPO / "assistant").rglob("__init__.py")}
    assert folders - _listed_packages() == set(), "add these packages to [tool.setuptools] packages"


@pytest.mark.slow
def test_the_wheel_carries_prompts_weights_and_samples(tmp_path):
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("newsroom_qa-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "assistant/prompts/grounded_answer.txt" in names
    assert "assistant/answering/reader/weights/reader.safetensors" in names
    assert "assistant/samples/demo_articles.jsonl" in names
    assert "assistant/retrieval/recency.json" in names  # the fitted recency prior
    assert {name.split("/")[0] for name in names} <= {
        "assistant",
        *(n.split("/")[0] for n in names if ".dist-info" in n),
    }
