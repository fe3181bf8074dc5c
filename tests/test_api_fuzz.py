"""Property/fuzz test of the OpenAPI schema with schemathesis: every operation, generated
parameters (valid and not), against a real uvicorn server on 127.0.0.1 over the small real
corpus with the fake encoder.

Checks: never a 5xx, the Content-Type is the one documented, and every documented response
(200s and the readable 422s) matches its schema. Bounded: MAX_EXAMPLES per operation,
derandomized, so the file runs in well under two minutes. (Undocumented 404/403/401 statuses
are expected answers — unknown document, admin endpoints off — and carry no schema to check.)"""
from __future__ import annotations

import os
import shutil
import socket
import threading
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, settings as hsettings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from corpus.settings import Settings
from pipeline.encoders import FakeEncoder
from search_api.app import create_app

pytestmark = pytest.mark.slow

MAX_EXAMPLES = int(os.environ.get("AILEX_FUZZ_EXAMPLES", "25"))  # more for a deeper local run

# the schema is the app's own (no request needed to build it)
schema = schemathesis.openapi.from_dict(create_app(Settings(encoder="fake"), encoder=FakeEncoder()).openapi())


@pytest.fixture(scope="module")
def api_url(tmp_path_factory, small_corpus_template):
    import uvicorn

    data = tmp_path_factory.mktemp("fuzz") / "data"
    shutil.copytree(small_corpus_template, data)
    app = create_app(Settings(data_dir=data, encoder="fake"), encoder=FakeEncoder())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the API server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


@schema.parametrize()
@hsettings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
           suppress_health_check=list(HealthCheck))
def test_openapi_schema_holds(case, api_url):
    case.call_and_validate(base_url=api_url, checks=[not_a_server_error, content_type_conformance,
                                                     response_schema_conformance])
