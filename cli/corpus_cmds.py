"""`ailex import`, `ailex process`, `ailex status`: the document store."""
from __future__ import annotations

from pathlib import Path

import typer

from cli.common import StageProgress, fail, ingest, open_store, print_index, print_json, settings


def import_cmd(
    csv_path: Path = typer.Argument(
        None, help="CSV of documents (path, title, jurisdiction, doc_type, status, language, date, "
        "source_url). Default: AILEX_SAMPLE/documents.csv.", show_default=False,
    ),
    process: bool = typer.Option(True, "--process/--no-process", help="Extract and chunk after importing."),
    index: bool = typer.Option(True, "--index/--no-index", help="Then embed and publish a new index snapshot."),
) -> None:
    """Import documents listed in a CSV, extract and cut passages, and publish the index.

    Re-importing an unchanged file does nothing (content hash); a changed file becomes
    a new version. Rows that cannot be imported are listed with their reason."""
    from corpus.importer import ImportError_, import_csv

    path = csv_path or settings().sample / "documents.csv"
    store = open_store()
    progress = StageProgress()
    progress.stage("import")
    try:
        report = import_csv(store, path, on_row=lambda p, outcome: progress.advance(note=p),
                            max_bytes=settings().max_file_mb * 1024 * 1024)
    except ImportError_ as exc:
        fail(str(exc))
    progress.finish(f"{report.total} documents: {report.new} new, {report.changed} changed, "
                    f"{report.unchanged} unchanged, {len(report.errors)} errors")
    for row, reason in report.errors:
        typer.secho(f"  {row}: {reason}", fg=typer.colors.YELLOW, err=True)
    if process:
        _ingest(store, index=index)
    if report.errors:
        raise typer.Exit(1)


def process_cmd(redo: bool = typer.Option(False, "--redo", help="Re-extract every document, not only pending ones.")) -> None:
    """Extract text and cut passages for documents still pending (all with --redo); `ailex index` publishes them."""
    _ingest(open_store(), redo=redo, index=False)


def _ingest(store, redo: bool = False, index: bool = True) -> None:
    run = ingest(store)
    report = run.run(redo=redo, index=index)
    for doc_id, status, reason in report.processed.failures:
        typer.secho(f"  {doc_id}: {status} ({reason[:100]})", fg=typer.colors.YELLOW, err=True)
    if report.index is not None:
        print_index(report.index, report.after_publish)


def status_cmd(
    as_json: bool = typer.Option(False, "--json", help="Print JSON (keys: documents, passages, by_status, "
                                 "by_jurisdiction, by_language, index, problems)."),
    documents: bool = typer.Option(False, "--documents", help="One line per document with its statistics."),
) -> None:
    """What is in the corpus: documents and passages by status, jurisdiction and language."""
    from corpus.crawl_state import CrawlState
    from index import snapshots
    from index.manifest import Manifest

    store = open_store()
    counts = store.counts()
    folder = snapshots.current(settings().index_dir)
    counts["index"] = Manifest.read(folder).model_dump() if folder else None
    counts["problems"] = [
        {"id": d.id, "title": d.title, "status": d.processing_status.value, "reason": d.reason}
        for d in store.documents() if d.processing_status.value not in ("extracted",)
    ]
    counts["crawl"] = CrawlState(store).summary()
    if documents:
        counts["per_document"] = store.document_stats()
    if as_json:
        print_json(counts)
        return
    typer.echo(f"documents: {counts['documents']}    passages: {counts['passages']}")
    for key in ("by_status", "by_jurisdiction", "by_language"):
        typer.echo(f"{key.replace('_', ' ')}: " + ", ".join(f"{k} {v}" for k, v in counts[key].items()))
    idx = counts["index"]
    typer.echo(f"index: {idx['count']} passages, model {idx['model']}, built {idx['built_at']}" if idx
               else "index: none (run `ailex index`)")
    runs = counts["crawl"].get("last_runs", {})
    if runs:
        typer.echo("last crawls: " + ", ".join(
            f"{name} {r.get('status', '?')} ({r.get('finished_at') or r.get('started_at', '')})" for name, r in runs.items()))
    for p in counts["problems"]:
        typer.secho(f"  {p['status']:<10} {p['id']}  {p['title'][:60]}  {p['reason'][:80]}", fg=typer.colors.YELLOW)
    if documents:
        typer.echo(f"\n{'id':<16} {'status':<10} {'pages':>5} {'passages':>8} {'words':>7}  languages  title")
        for d in counts["per_document"]:
            langs = ",".join(f"{k}:{v}" for k, v in d["languages"].items())
            typer.echo(f"{d['id']:<16} {d['status']:<10} {d['pages'] or '':>5} {d['passages']:>8} "
                       f"{d['words']:>7}  {langs:<10} {d['title'][:50]}")


def register(app: typer.Typer) -> None:
    app.command("import")(import_cmd)
    app.command("process")(process_cmd)
    app.command("status")(status_cmd)
