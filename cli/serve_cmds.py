"""`ailex serve`: the search API and page."""
from __future__ import annotations

from pathlib import Path

import typer

from cli.common import settings


def register(app: typer.Typer) -> None:
    @app.command("serve")
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

        from corpus.settings import get_settings

        if snapshots is not None:  # the app factory (in every worker process) reads it from the environment
            os.environ["AILEX_SNAPSHOT_ROOT"] = str(snapshots.resolve())
            get_settings.cache_clear()
        s = settings()
        # one FAISS/torch thread per request thread: more threads make single queries slower here
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        uvicorn.run("search_api.app:create_app", factory=True, host=host or s.host, port=port or s.port,
                    workers=workers, log_level="info")
