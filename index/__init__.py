"""Storage and retrieval primitives: embedders, the lexical analyser, stores, the FAISS index."""
