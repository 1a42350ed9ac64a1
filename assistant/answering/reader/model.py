"""The reader network: the MiniLM-L6 encoder with a relevance head and a span head.

One forward pass over (question, sentence) gives a relevance logit from [CLS] and a
start/end logit per token. The shipped file leaves out the word-embedding table, which
training keeps frozen: it is read from the bundled all-MiniLM-L6-v2 weights at load time.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import torch
from torch import nn

WEIGHTS_FILE = "reader.safetensors"
CONFIG_FILE = "reader.json"
FROZEN_PREFIX = "encoder.embeddings.word_embeddings."


class ReaderModel(nn.Module):
    """Encoder + two linear heads; see the module docstring."""

    def __init__(self, encoder: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        self.relevance = nn.Linear(hidden, 1)
        self.span = nn.Linear(hidden, 2)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        states = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        relevance = self.relevance(states[:, 0]).squeeze(-1)
        start, end = self.span(states).unbind(-1)
        return relevance, start, end


def from_encoder(encoder_path: str | Path) -> ReaderModel:
    """A fresh reader on top of the pretrained sentence encoder (the starting point for training)."""
    from transformers import AutoModel

    model = ReaderModel(AutoModel.from_pretrained(str(encoder_path)))
    model.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    return model


def embedding_digest(model: ReaderModel) -> str:
    """Fingerprint of the frozen word embeddings, checked when shipped weights are loaded."""
    table = model.encoder.embeddings.word_embeddings.weight.detach().float().contiguous()
    return hashlib.sha256(table.numpy().tobytes()).hexdigest()[:16]


def save(model: ReaderModel, folder: Path, info: dict[str, Any]) -> Path:
    """Write fp16 weights (without the frozen embedding table) and the reader's config."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    tensors = {
        name: tensor.detach().half().contiguous()
        for name, tensor in model.state_dict().items()
        if not name.startswith(FROZEN_PREFIX)
    }
    save_file(tensors, str(folder / WEIGHTS_FILE))
    config = {**info, "word_embeddings_sha256_16": embedding_digest(model)}
    (folder / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return folder / WEIGHTS_FILE


def read_config(folder: Path) -> dict[str, Any]:
    return json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))


def load(folder: Path, encoder_path: str | Path) -> tuple[ReaderModel, dict[str, Any]]:
    """Rebuild the reader from shipped weights plus the bundled encoder's embedding table."""
    from safetensors.torch import load_file

    config = read_config(folder)
    model = from_encoder(encoder_path)
    expected = config.get("word_embeddings_sha256_16")
    if expected and embedding_digest(model) != expected:
        raise ValueError(f"{encoder_path} is not the encoder the reader in {folder} was trained on")
    state = {name: tensor.float() for name, tensor in load_file(str(folder / WEIGHTS_FILE)).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or any(not name.startswith(FROZEN_PREFIX) for name in missing):
        raise ValueError(f"reader weights in {folder} do not match the model: {missing or unexpected}")
    return model.eval(), config
