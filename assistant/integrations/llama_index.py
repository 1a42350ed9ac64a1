"""A llama-index BaseRetriever over our retriever, so it plugs into query engines."""

from __future__ import annotations

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeRelationship, NodeWithScore, QueryBundle, RelatedNodeInfo, TextNode

from assistant.retrieval.retriever import SentenceRetriever
from assistant.schema import Passage, SearchFilters
from assistant.store.records import sentence_key

HIDDEN_FROM_PROMPTS = ["window"]


def passage_to_node(passage: Passage) -> NodeWithScore:
    """A cited sentence as a llama-index node (id `article::index`, exact offsets, the article
    as its source node); the window sits in metadata['window']."""
    node = TextNode(
        id_=sentence_key(passage.article_id, passage.sentence_index),
        text=passage.sentence,
        start_char_idx=passage.start,
        end_char_idx=passage.end,
        metadata={
            "article_id": passage.article_id,
            "sentence_index": passage.sentence_index,
            "title": passage.title,
            "date": passage.date or "",
            "source": passage.source,
            "url": passage.url,
            "window": passage.window,
        },
        excluded_embed_metadata_keys=HIDDEN_FROM_PROMPTS,
        excluded_llm_metadata_keys=HIDDEN_FROM_PROMPTS,
    )
    node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=passage.article_id)
    return NodeWithScore(node=node, score=passage.score)


class LlamaIndexSentenceRetriever(BaseRetriever):
    """Returns NodeWithScore per cited sentence, best first."""

    def __init__(self, retriever: SentenceRetriever, k: int = 5, filters: SearchFilters | None = None) -> None:
        super().__init__()
        self._inner = retriever
        self._k = k
        self._filters = filters

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        passages = self._inner.retrieve(query_bundle.query_str, k=self._k, filters=self._filters)
        return [passage_to_node(p) for p in passages]
