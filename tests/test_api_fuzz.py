"""The OpenAPI document tells the truth: `schemathesis run …/openapi.json --checks all`, the same
command a user would type, against a real uvicorn server on 127.0.0.1 over the small real corpus
(fake encoder), with zero failures allowed. Two configurations: the admin token set and given by
the client (every operation), and unset (the operations behind the token, which then answer
401/403 only).

Every operation the app's /openapi.json lists is run, so a router added later is fuzzed without
touching this file; the test also checks that schemathesis tested as many operations as the
schema has. All checks: no 5xx, documented status codes, content types, headers and bodies,
schema-valid requests accepted and invalid ones rejected, Allow headers, authentication enforced,
plus the stateful phase (links inferred between operations, e.g. the document list's ids fed to
/api/documents/{id}). Deterministic (fixed seed, derandomized generation, no example database)
and bounded: AILEX_FUZZ_EXAMPLES cases per operation and phase (default 100, schemathesis's own);
about 35 s on the shared 2-core machine for the 10 operations of today (about 2,000 requests).
AILEX_FUZZ_SEED=N explores other inputs for a deeper local run. Known limit of such deep runs
(schemathesis 4.32, seen at 400 examples): a "schema-violating request accepted" whose violation
does not survive serialisation to a query string (a number drawn for a string parameter is sent
as its digits, a null property of a form-exploded object is left out), so the request on the
wire is valid; read the request in the report before fixing anything."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from corpus.settings import Settings
from pipeline.encoders import FakeEncoder
from search_api.app import create_app

pytestmark = pytest.mark.slow

MAX_EXAMPLES = int(os.environ.get("AILEX_FUZZ_EXAMPLES", "100"))  # schemathesis's default
# another seed explores other inputs (a deeper local run); unset, generation is derandomized
SEED = os.environ.get("AILEX_FUZZ_SEED")
TOKEN = "fuzz-admin-token"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def _serve(data, token: str):
    import uvicorn

    app = create_app(Settings(data_dir=data, encoder="fake", admin_token=token), encoder=FakeEncoder())
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
    return app, f"http://127.0.0.1:{port}", server, thread


@pytest.fixture(scope="module", params=["admin-token-set", "admin-endpoints-off"])
def api(request, tmp_path_factory, small_corpus_template):
    """The server with the admin token set (and given by the client), and with it unset: then the
    admin endpoints answer 401/403 only, and just the operations behind the token are run."""
    data = tmp_path_factory.mktemp("fuzz") / "data"
    shutil.copytree(small_corpus_template, data)
    token = TOKEN if request.param == "admin-token-set" else ""
    app, url, server, thread = _serve(data, token)
    yield app, url, token
    server.should_exit = True
    thread.join(timeout=30)


def _operations(schema: dict, secured_only: bool) -> list[str]:
    return [op["operationId"] for item in schema["paths"].values() for method, op in item.items()
            if method in {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
            and (op.get("security") or not secured_only)]


def test_the_openapi_document_holds_under_every_check(api, tmp_path):
    app, url, token = api
    operations = _operations(app.openapi(), secured_only=not token)
    assert operations
    command = [str(SCHEMATHESIS), "run", f"{url}/openapi.json", "--checks", "all",
               *(["--header", f"Authorization: Bearer {token}"] if token else
                 [arg for op in operations for arg in ("--include-operation-id", op)]),
               *(["--seed", SEED] if SEED else ["--seed", "1", "--generation-deterministic"]),
               "--max-examples", str(MAX_EXAMPLES), "--workers", "1", "--request-timeout", "30",
               "--no-color", "--output-truncate", "false"]
    started = time.monotonic()
    # its own folder: schemathesis may write reports or read a schemathesis.toml from the working directory
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    out = run.stdout + run.stderr
    print(f"schemathesis: {time.monotonic() - started:.0f} s, {len(operations)} operations")
    assert run.returncode == 0, out[-20000:]
    tested = re.search(r"Tested:\s+(\d+)", out)
    assert tested and int(tested[1]) == len(operations), out[-5000:]
    summary = out.strip().splitlines()[-1]  # "No issues found in 20.1s", "1 warning in 1.3s" (endpoints off)
    assert not re.search(r"failure|error", summary), out[-5000:]
