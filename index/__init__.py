"""Vector index (FAISS) over passage embeddings, with the metadata that filters need.

Imports `corpus` and `pipeline.encoders` only."""
