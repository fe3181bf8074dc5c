"""XML legislation: a generic text walk for now."""
from __future__ import annotations

import re

from lxml import etree

from pipeline.extract import Block, Extraction


def parse(data: bytes):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True, huge_tree=False)
    return etree.fromstring(data, parser=parser)


def extract_xml(data: bytes) -> Extraction:
    root = parse(data)
    blocks = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        text = (el.text or "").strip()
        if text:
            blocks.append(Block(text=re.sub(r"\s+", " ", text)))
    return Extraction(blocks=blocks, method="xml")
