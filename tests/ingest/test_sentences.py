from assistant.ingest.sentences import sentence_window, split_sentences


def test_offsets_are_exact_and_lines_are_paragraphs(geneva_record):
    text = geneva_record["text"]
    sentences = split_sentences(text)
    assert all(text[s.start : s.end] == s.text for s in sentences)
    assert all("\n" not in s.text for s in sentences)
    # "...wrote to X." ends a line: the next line must start a new sentence.
    assert any(s.text.startswith("Just before the end of the talks was announced") for s in sentences)


def test_abbreviations_decimals_and_quotes_do_not_split():
    text = "Dr. Lee met U.S. officials at 9 a.m. on Monday. Prices rose 3.2% to $1.5 billion.\n“We will go,” he said. Then he left."
    texts = [s.text for s in split_sentences(text)]
    assert texts == [
        "Dr. Lee met U.S. officials at 9 a.m. on Monday.",
        "Prices rose 3.2% to $1.5 billion.",
        "“We will go,” he said.",
        "Then he left.",
    ]


def test_window_holds_neighbours():
    sentences = split_sentences("One is here. Two is here. Three is here.")
    assert sentence_window(sentences, 0, 1) == "One is here. Two is here."
    assert sentence_window(sentences, 1, 1) == "One is here. Two is here. Three is here."
