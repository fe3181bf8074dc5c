"""Every recorded HTTP response either extracts or gets a status: nothing else escapes `extract`."""
from __future__ import annotations

import json

from corpus.models import ProcessingStatus
from pipeline.extract import Extraction, ExtractionError, extract


def test_every_snapshot_body_extracts_or_gets_a_status(shared):
    outcomes = {}
    lines = [(folder, line) for folder in ("snapshot", "snapshot-2")
             for line in (shared / folder / "responses.jsonl").read_text(encoding="utf-8").splitlines()]
    for folder, line in lines:
        rec = json.loads(line)
        if not rec.get("body"):
            continue
        data = (shared / folder / rec["body"]).read_bytes()
        try:
            result = extract(data, rec["content_type"], rec["body"].rsplit("/", 1)[-1])
            assert isinstance(result, Extraction) and result.blocks
            outcomes[rec["body"]] = "extracted"
        except ExtractionError as err:
            assert err.status in (ProcessingStatus.failed, ProcessingStatus.empty) and err.reason
            outcomes[rec["body"]] = err.status.value
    assert len(outcomes) >= 128
    html_xml = [k for k in outcomes if k.endswith((".html", ".xml"))]
    assert sum(outcomes[k] == "extracted" for k in html_xml) >= len(html_xml) - 1
    assert outcomes["bodies/ca/ourcommons_openparliament/Hansard_44-1-303-en.xml"] == "extracted"
    assert outcomes["bodies/au/parlinfo_senate_2026-03-04_hansard.xml"] == "extracted"
    assert outcomes["bodies/za/parliament_question_paper_529998_1.pdf"] == "extracted"
