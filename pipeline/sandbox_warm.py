"""Imported once by the extraction forkserver (pipeline.sandbox): the parsers and langdetect's
language profiles are loaded there, so every per-document child starts warm."""
from __future__ import annotations

import pypdf  # noqa: F401  (imported lazily by the PDF extractor otherwise)
from langdetect import detector_factory

import pipeline.chunk  # noqa: F401
import pipeline.extract.html  # noqa: F401
import pipeline.extract.pdf  # noqa: F401
import pipeline.extract.text  # noqa: F401
import pipeline.extract.xml  # noqa: F401
import pipeline.sandbox  # noqa: F401

detector_factory.init_factory()
