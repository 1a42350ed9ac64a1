"""Our own trained reader: one small cross-encoder that ranks sentences and points at the answer span."""

from assistant.answering.reader.reader import Reading, SentenceReader, load_default_reader, shipped_weights

__all__ = ["Reading", "SentenceReader", "load_default_reader", "shipped_weights"]
