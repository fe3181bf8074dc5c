"""`ailex serve`: the search API and page."""
from __future__ import annotations

import functools
from pathlib import Path

import typer

from cli.common import settings


def serve_cmd(
    host: str = typer.Option(None, help="Address to listen on [default: AILEX_HOST, 127.0.0.1]."),
    port: int = typer.Option(None, help="Port [default: AILEX_PORT, 8000]."),
    workers: int = typer.Option(1, min=1, help="Processes (each loads the model and index)."),
    snapshots: Path = typer.Option(None, "--snapshots", help="Serve as a replica: the newest complete snapshot "
                                   "in DIR (from `ailex index --snapshot DIR`), switching to newer ones "
                                   "[default: AILEX_SNAPSHOT_ROOT]", file_okay=False, show_default=False),
) -> None:
    """Serve the search page at / and the API at /api (OpenAPI docs at /docs)."""
    import os

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from search_api.app import create_app

    s = settings()
    if snapshots is not None:
        s = s.model_copy(update={"snapshot_root": snapshots.resolve()})
    # one FAISS/torch thread per request thread: more threads make single queries slower here
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    host, port = host or s.host, port or s.port
    typer.echo(f"serving http://{host}:{port}/ (API at /api, docs at /docs; Ctrl-C stops)", err=True)
    # the app factory gets the settings object itself; with several workers uvicorn pickles the
    # config (factory and settings included) into each spawned process
    config = uvicorn.Config(functools.partial(create_app, s), factory=True, host=host, port=port,
                            workers=workers, log_level="info")
    if workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        uvicorn.Server(config).run()


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_cmd)
