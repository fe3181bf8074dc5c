"""Imported once by the extraction forkserver (pipeline.sandbox): the parsers and langdetect's
language profiles are loaded there, so every per-document child starts warm."""
from __future__ import annotations

import sys

import pypdf  # noqa: F401  (imported lazily by the PDF extractor otherwise)
from langdetect import detector_factory

import pipeline.chunk  # noqa: F401
import pipeline.extract.html  # noqa: F401
import pipeline.extract.pdf  # noqa: F401
import pipeline.extract.text  # noqa: F401
import pipeline.extract.xml  # noqa: F401
import pipeline.sandbox  # noqa: F401

detector_factory.init_factory()

# In the forkserver only: die with the process that started it. Its children (one per document)
# die with the forkserver (pipeline.sandbox._child), so a `kill -9` of `ailex import` leaves no
# extraction running behind it. (multiprocessing alone would keep the forkserver up until every
# running child finished: each child holds the caller's "alive" pipe.)
if "multiprocessing.forkserver" in " ".join(getattr(sys, "orig_argv", [])):
    from pipeline.sandbox import _die_with_parent

    _die_with_parent()
