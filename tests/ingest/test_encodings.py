"""Files that are not UTF-8 (docs/ingest.md, "Encodings"): read in the encoding detected, which the report names."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from assistant.ingest.encodings import decode_document
from assistant.ingest.loaders import Skipped
from tests.ingest.loading import load_split

CP1252_TEXT = "“Our café is open again,” said the owner, José Núñez. It’s 12 € a plate – cheaper than before…"
LATIN1_TEXT = "Le café de la gare a rouvert ses portes à Genève. Les propriétaires étaient très contents de l'accueil."


@pytest.mark.parametrize(
    ("name", "data", "text", "note"),
    [
        ("cp1252.txt", CP1252_TEXT.encode("cp1252"), CP1252_TEXT, "read as windows-1252 (not UTF-8)"),
        ("latin1.txt", LATIN1_TEXT.encode("latin-1"), LATIN1_TEXT, "read as ISO-8859-1 (not UTF-8)"),
        ("short.txt", "caf\xe9 society".encode("latin-1"), "café society", "read as ISO-8859-1 (not UTF-8)"),
        ("bom.txt", codecs.BOM_UTF8 + CP1252_TEXT.encode(), CP1252_TEXT, None),
        ("page.html", f"<p>{CP1252_TEXT}</p>".encode("cp1252"), CP1252_TEXT, "read as windows-1252 (not UTF-8)"),
        ("story.md", f"# Café\n\n{LATIN1_TEXT}".encode("latin-1"), LATIN1_TEXT, "read as ISO-8859-1 (not UTF-8)"),
    ],
)
def test_text_in_other_encodings_is_read_with_the_right_characters(tmp_path, name, data, text, note):
    path = tmp_path / name
    path.write_bytes(data)
    articles, skipped, notes = load_split(path)
    assert not skipped
    assert [a.text for a in articles] == [text]
    assert [n.message for n in notes] == ([note] if note else [])


def test_a_non_western_single_byte_encoding_is_not_forced_into_windows_1252(tmp_path):
    text = "Новости: в Казани открылась новая трамвайная линия. Жители города довольны."
    path = tmp_path / "novosti.txt"
    path.write_bytes(text.encode("cp1251"))
    articles, _, notes = load_split(path)
    assert [a.text for a in articles] == [text]
    assert [n.message for n in notes] == ["read as windows-1251 (not UTF-8)"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file (contains NUL bytes)"),
        (bytes(range(1, 256)) * 8, "not text: not valid UTF-8 (bad byte at offset 127) and no other encoding fits"),
        ("Café".encode("utf-16"), "binary file (contains NUL bytes)"),  # UTF-16 is not read, as before
        (b"\xff\xfe not text", "starts with a UTF-16 byte order mark: UTF-16 files are not read (save it as UTF-8)"),
        (
            "日本語のテキスト".encode("utf-16"),
            "starts with a UTF-16 byte order mark: UTF-16 files are not read (save it as UTF-8)",
        ),
    ],
)
def test_binary_and_undecodable_files_are_still_skipped(tmp_path, data, reason):
    path = tmp_path / "junk.txt"
    path.write_bytes(data)
    (tmp_path / "zz_good.txt").write_text("Still read.", encoding="utf-8")
    articles, skipped, notes = load_split(path, tmp_path / "zz_good.txt")
    assert [a.text for a in articles] == ["Still read."]
    assert skipped == [Skipped(str(path), reason)] and not notes


def test_utf8_is_the_fast_path():
    decoded = decode_document("Genève – “quoted”".encode())
    assert (decoded.text, decoded.encoding, decoded.note) == ("Genève – “quoted”", None, None)


def test_the_ingest_report_names_the_encoding(tmp_path, make_assistant):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "cafe.txt").write_bytes(f"Café reopens\n\n{CP1252_TEXT}".encode("cp1252"))
    (folder / "gare.txt").write_bytes(LATIN1_TEXT.encode("latin-1"))
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assistant = make_assistant()
    report = assistant.ingest([folder])
    assert len(report.added) == 2
    assert report.skipped == [(str(folder / "image.txt"), "binary file (contains NUL bytes)")]
    assert sorted((Path(o).name, m) for o, m in report.cleaned) == [
        ("cafe.txt", "read as windows-1252 (not UTF-8)"),
        ("gare.txt", "read as ISO-8859-1 (not UTF-8)"),
    ]
    cafe = next(a for a in map(assistant.article, report.added) if a.title == "Café reopens")
    assert cafe.text == CP1252_TEXT
    top = assistant.retrieve("Who owns the café?", k=1)[0]
    assert "José Núñez" in top.sentence


def test_nul_bytes_that_are_valid_utf8_are_still_a_binary_file():
    assert decode_document(b"\x00\x01\x02\x03") == "binary file (contains NUL bytes)"
