"""AI-policy concepts: the taxonomy (taxonomy.yaml) and the passage classifier (classify.py).

Imports only `corpus`, like every pipeline module; the index stage calls the classifier on the
vectors it already holds (index/concept_tags.py)."""
