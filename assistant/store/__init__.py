"""Storage backends: the Chroma vector store and the SQLite catalog with its BM25 index."""
