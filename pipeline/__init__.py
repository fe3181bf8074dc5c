"""Processing stages: extract text, detect language, cut passages, embed. Imports `corpus` only."""
