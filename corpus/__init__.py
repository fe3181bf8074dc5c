"""The shared contracts (typed records, settings) and the document store."""
