"""`ailex index`, `ailex search`, `ailex eval`: the index and querying it."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from cli.common import (Concepts, DocTypes, Jurisdictions, Languages, StageProgress, Statuses, fail, ingest,
                        open_searcher, open_store, print_index, print_json, settings)
from corpus.text import split_values

MODES = ("semantic", "keyword", "hybrid")


def index_cmd(
    rebuild: bool = typer.Option(False, "--rebuild", help="Start from an empty index."),
    snapshot: Path = typer.Option(None, "--snapshot", help="Then also publish the index as a self-sufficient, "
                                  "checksummed snapshot DIR/<build id> for API replicas (AILEX_SNAPSHOT_ROOT).",
                                  file_okay=False),
    export_only: bool = typer.Option(False, "--export-only", help="With --snapshot: export the index as it is, "
                                     "embed nothing (where `ailex ingest-worker`s write the index)."),
) -> None:
    """Extract what is pending, embed new passages and publish a new index snapshot (incremental: unchanged
    text is never re-embedded)."""
    from pipeline.concepts.taxonomy import TaxonomyError
    from pipeline.encoders import EncoderError

    s = settings()
    if export_only:
        if snapshot is None:
            fail("--export-only needs --snapshot DIR")
        _export(s, snapshot)
        return
    try:
        report = ingest().run(rebuild=rebuild)
    except (EncoderError, TaxonomyError) as exc:  # TaxonomyError: the concept taxonomy is invalid (issue 14)
        fail(str(exc))
    print_index(report.index, report.after_publish)
    if snapshot is not None:
        _export(s, snapshot)


def search_cmd(
    query: str = typer.Argument(..., help="What to look for, in any language."),
    k: int = typer.Option(10, "-k", min=1, max=1000, help="How many passages."),
    lang: Languages = None,
    jurisdiction: Jurisdictions = None,
    doc_type: DocTypes = None,
    status: Statuses = None,
    unit_type: list[str] = typer.Option(None, "--unit-type", help="article, recital, annex, definition, heading, footnote, other."),
    date_from: str = typer.Option(None, "--from", help="Documents dated on or after YYYY-MM-DD."),
    date_to: str = typer.Option(None, "--to", help="Documents dated on or before YYYY-MM-DD."),
    mode: str = typer.Option("hybrid", "--mode", help="semantic, keyword or hybrid."),
    diversify: str = typer.Option(None, "--diversify", help="language or jurisdiction: interleave results."),
    concept: Concepts = None,
    as_json: bool = typer.Option(False, "--json", help="Print the API's JSON."),
) -> None:
    """Search passages from the command line."""
    from index.metadata import Filters
    from pipeline.units import UNIT_TYPES

    if mode not in MODES:
        fail(f"--mode must be one of {', '.join(MODES)}")
    unit_types = [v.lower() for v in split_values(unit_type)]
    if unknown := [v for v in unit_types if v not in UNIT_TYPES]:
        fail(f"--unit-type: unknown value {unknown[0]!r} (one of {', '.join(UNIT_TYPES)})")
    try:
        filters = Filters(
            language=split_values(lang), jurisdiction=split_values(jurisdiction), doc_type=split_values(doc_type),
            status=split_values(status), date_from=date.fromisoformat(date_from) if date_from else None,
            date_to=date.fromisoformat(date_to) if date_to else None, unit_type=unit_types,
            concept=split_values(concept),
        )
    except ValueError as exc:
        fail(f"bad date: {exc}")
    if diversify not in (None, "language", "jurisdiction"):
        fail("--diversify must be language or jurisdiction")
    from index.concept_tags import UnknownConcept

    try:
        result = open_searcher().search(query, k=k, filters=filters, mode=mode, diversify=diversify)  # type: ignore[arg-type]
    except UnknownConcept as exc:
        fail(f"--concept: {exc}")
    if as_json:
        from search_api.schemas import SearchResponse

        print_json(SearchResponse.from_result(result).model_dump(mode="json"))
        return
    typer.echo(f"{result.total} passages qualified; top {len(result.hits)} in {result.took_ms:.0f} ms")
    for h in result.hits:
        d = h.document
        # hybrid scores are reciprocal ranks (~0.016): the similarity says more to a reader
        shown = h.similarity if h.similarity is not None and mode == "hybrid" else h.score
        typer.secho(f"\n{h.rank}. [{shown:.3f}] {d.jurisdiction} · {d.doc_type} · {d.status} · {d.date} · "
                    f"{h.passage.language} · {h.passage.unit_type or '—'} · {h.passage.locator or '—'}"
                    + (f" · p. {h.passage.page_start}" if h.passage.page_start else ""), bold=True)
        typer.echo(f"   {d.title[:110]}")
        text = " ".join(h.passage.text.split())
        typer.echo(f"   {text[:400]}{'…' if len(text) > 400 else ''}")
        if d.source_url:
            typer.echo(f"   {d.source_url}")
        if h.concepts:
            typer.echo(f"   concepts: {', '.join(c['label'] for c in h.concepts)}")


def eval_cmd(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSONL with query, target_lang, target_text."),
    mode: str = typer.Option("hybrid", "--mode", help="semantic, keyword or hybrid."),
    no_language_filter: bool = typer.Option(False, "--no-language-filter", help="Search all languages."),
    diversify: str = typer.Option(None, "--diversify", help="language or jurisdiction: interleave results."),
    limit: int = typer.Option(0, "--limit", min=0, help="Only the first N items (0 = all)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    record: Path = typer.Option(None, "--record", help="Append the result (with git commit) to this JSONL file."),
) -> None:
    """Cross-lingual retrieval quality: Recall@1, Recall@10, MRR and latency per language pair."""
    from index.evaluate import evaluate, load_items

    if mode not in MODES:
        fail(f"--mode must be one of {', '.join(MODES)}")
    if diversify not in (None, "language", "jurisdiction"):
        fail("--diversify must be language or jurisdiction")
    try:
        items = load_items(path)
    except ValueError as exc:
        fail(str(exc))
    if limit:
        items = items[:limit]
    searcher = open_searcher()
    progress = StageProgress()
    progress.stage("evaluating", len(items))
    report = evaluate(searcher, items, mode=mode, language_filter=not no_language_filter,  # type: ignore[arg-type]
                      diversify=diversify, on_item=progress.advance)
    progress.finish()
    report["eval_file"] = path.name
    report["index"] = searcher.snapshot.manifest.build_id
    if record:
        _record(record, report)
    if as_json:
        print_json(report)
        return
    typer.echo(f"mode {mode}, language filter {'off' if no_language_filter else 'on'}, "
               f"diversify {diversify or 'off'}, {len(items)} items")
    typer.echo(f"{'pair':<10} {'n':>4} {'R@1':>6} {'R@10':>6} {'MRR':>6} {'p50 ms':>7} {'p95 ms':>7}")
    for key, s in [*report["pairs"].items(), ("overall", report["overall"])]:
        typer.echo(f"{key:<10} {s['items']:>4} {s['recall@1']:>6.3f} {s['recall@10']:>6.3f} {s['mrr']:>6.3f} "
                   f"{s['latency_ms_p50']:>7.1f} {s['latency_ms_p95']:>7.1f}")
    hubs = report["hubs"]
    typer.echo(f"\npassages in the top {report['k']} of more than {hubs['limit']:g} queries without holding their "
               f"target: {hubs['over_limit']}; most shown:")
    for h in hubs["most_shown"][:5]:
        typer.echo(f"  {h['queries']:>4}  {h['document_id']}  {h['locator'][:70] or '—'}")


def _export(s, root: Path) -> None:
    from index.publish import SnapshotError, export_snapshot, read_info

    store = open_store()
    try:
        folder = export_snapshot(store, s.index_dir, root)
    except SnapshotError as exc:
        fail(str(exc))
    finally:
        store.close()
    info = read_info(folder)
    typer.echo(f"snapshot {folder}: {info['passages']} passages, {info['documents']} documents, "
               f"checksum {info['checksum'][:16]}…")


def _record(path: Path, report: dict) -> None:
    import subprocess
    from datetime import datetime, timezone

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    entry = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "commit": commit, **report}
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")


def register(app: typer.Typer) -> None:
    app.command("index")(index_cmd)
    app.command("search")(search_cmd)
    app.command("eval")(eval_cmd)
