"""`ailex watch …`: saved searches and followed documents that report what new documents bring."""
from __future__ import annotations

from datetime import datetime

import typer

from cli.common import Concepts, DocTypes, Jurisdictions, Languages, Statuses, fail, open_store, print_json, settings
from corpus.text import split_values

MODES = ("hybrid", "semantic", "keyword")


def _create(spec_fields: dict, as_json: bool) -> None:
    from corpus.watches import WatchError, WatchSpec
    from index.watch_match import create_watch
    from pipeline.encoders import EncoderError

    try:
        spec = WatchSpec.parse(**spec_fields)
        watch = create_watch(settings(), open_store(), spec)
    except (WatchError, EncoderError) as exc:
        fail(str(exc))
    if as_json:
        print_json(_watch_json(watch))
        return
    what = f'"{watch.query}"' if watch.kind == "search" else f"document {watch.document_id}"
    typer.echo(f"watch {watch.name} added: {what}; it reports passages published after passage {watch.seen_through}")
    typer.echo(f"  feed: /feeds/watches/{watch.name}.atom   matches: /api/watches/{watch.name}/matches")


def add_cmd(
    name: str = typer.Argument(..., help="Name of the watch (letters, digits, '-', '_'); also its feed's name."),
    query: str = typer.Argument(..., help='What to watch for, as in a search: words, "exact phrases", title:word.'),
    lang: Languages = None,
    jurisdiction: Jurisdictions = None,
    doc_type: DocTypes = None,
    status: Statuses = None,
    date_from: datetime = typer.Option(None, "--from", formats=["%Y-%m-%d"], help="Documents dated on or after."),
    date_to: datetime = typer.Option(None, "--to", formats=["%Y-%m-%d"], help="Documents dated on or before."),
    mode: str = typer.Option("hybrid", "--mode", help="semantic (meaning), keyword (every word) or hybrid (either)."),
    concept: Concepts = None,
    min_score: float = typer.Option(None, "--min-score", help="Similarity cutoff (0-1) [default: AILEX_MIN_SCORE "
                                    "or the model's calibrated one]."),
    webhook: str = typer.Option("", "--webhook", help="POST each run's new matches as JSON to this URL."),
    email: str = typer.Option("", "--email", help="E-mail each run's new matches to this address (AILEX_SMTP_URL)."),
    as_json: bool = typer.Option(False, "--json", help="Print the watch as JSON."),
) -> None:
    """Save a search as a watch: every later index reports its new (or changed) matching passages, once."""
    if mode not in MODES:
        fail(f"--mode: {mode!r} is not one of {', '.join(MODES)}")
    _create(dict(name=name, kind="search", query=query, language=split_values(lang),
                 jurisdiction=split_values(jurisdiction), doc_type=split_values(doc_type), status=split_values(status),
                 date_from=date_from.date() if date_from else None, date_to=date_to.date() if date_to else None,
                 mode=mode, concepts=split_values(concept), min_score=min_score, webhook_url=webhook, email=email),
            as_json)


def follow_cmd(
    name: str = typer.Argument(..., help="Name of the watch."),
    document_id: str = typer.Argument(..., help="The document to follow (its id, as in /documents/ID)."),
    webhook: str = typer.Option("", "--webhook", help="POST each run's news as JSON to this URL."),
    email: str = typer.Option("", "--email", help="E-mail each run's news to this address (AILEX_SMTP_URL)."),
    as_json: bool = typer.Option(False, "--json", help="Print the watch as JSON."),
) -> None:
    """Follow a document: report each new version with new text and each new linked document."""
    _create(dict(name=name, kind="document", document_id=document_id, webhook_url=webhook, email=email), as_json)


def _watch_json(w, ws=None) -> dict:
    out = w.model_dump(mode="json", exclude={"schema_version"})
    if ws is not None:
        out["matches"] = ws.match_count(w.id)
        out["pending_deliveries"] = ws.pending(w.id)
    return out


def list_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON (a list of watches).")) -> None:
    """The watches, with how many matches each has recorded and deliveries still pending."""
    from corpus.watches import WatchStore

    ws = WatchStore(open_store())
    watches = ws.list()
    if as_json:
        print_json([_watch_json(w, ws) for w in watches])
        return
    if not watches:
        typer.echo('no watches: add one with `ailex watch add NAME "QUERY"` or `ailex watch follow NAME DOC_ID`')
    for w in watches:
        what = f'"{w.query}" ({w.mode})' if w.kind == "search" else f"follows {w.document_id}"
        filters = " ".join(f"{k}={','.join(v) if isinstance(v, list) else v}" for k, v in w.filters_dict().items())
        extra = [filters] if filters else []
        extra += [f"concepts={','.join(w.concepts)}"] if w.concepts else []
        extra += [f"min_score={w.min_score}"] if w.min_score is not None else []
        extra += [c for c, on in (("email", w.email), ("webhook", w.webhook_url)) if on]
        pending = ws.pending(w.id)
        typer.secho(f"{w.name}", bold=True, nl=False)
        typer.echo(f"  {what}{'  ' + ' '.join(extra) if extra else ''}")
        n = ws.match_count(w.id)
        typer.echo(f"    {n} match{'es' if n != 1 else ''}; last run {w.last_run_at.isoformat() if w.last_run_at else 'never'}"
                   + (f"; pending: {', '.join(f'{n} {c}' for c, n in pending.items())}" if pending else ""))


def remove_cmd(name: str = typer.Argument(..., help="Name of the watch.")) -> None:
    """Delete a watch with its recorded matches."""
    from corpus.watches import WatchStore

    if not WatchStore(open_store()).remove(name):
        fail(f"no watch named {name!r} (see `ailex watch list`)")
    typer.echo(f"watch {name} removed")


def run_cmd(
    as_json: bool = typer.Option(False, "--json", help="Print JSON: the run's summary and its new matches."),
    deliver: bool = typer.Option(True, "--deliver/--no-deliver", help="Send pending e-mails and webhooks."),
) -> None:
    """Match the watches against what the index holds that they have not seen, record and print it.

    Publishing an index (import, crawl, ingest worker, admin re-index) runs this already; run it by
    hand after making watches on an existing index, or to retry deliveries."""
    from index.watch_delivery import base_url, describe
    from index.watch_match import run_watches

    store = open_store()
    run = run_watches(settings(), store, deliver=deliver)
    if run.watches and not run.build_id:
        fail("no index yet: run `ailex index` (or import documents) first")
    views = describe(store, run.matches(store), base_url(settings()))
    if as_json:
        print_json({**run.summary(), "matches": [v.as_json() for v in views]})
        return
    if not run.watches:
        typer.echo("no watches")
        return
    typer.echo(f"{run.watches} watches over {run.new_passages} new passages: {len(run.match_ids)} new matches "
               f"in {run.seconds:.2f} s")
    for v in views:
        typer.secho(f"[{v.match.watch}] {v.title}", bold=True)
        if v.snippet:
            typer.echo(f"    {v.snippet}")
        typer.echo(f"    {v.passage_url}" + (f"  (changes: {v.diff_url})" if v.diff_url else ""))
    for channel, counts in (run.delivery or {}).items():
        if counts.get("messages") or counts.get("failed"):
            typer.echo(f"{channel}: {counts['messages']} sent, {counts['failed']} failed (kept for the next run)")


def register(app: typer.Typer) -> None:
    watch_app = typer.Typer(help="Watches: saved searches and followed documents, with feeds, e-mail and webhooks.",
                            no_args_is_help=True)
    app.add_typer(watch_app, name="watch")
    watch_app.command("add")(add_cmd)
    watch_app.command("follow")(follow_cmd)
    watch_app.command("list")(list_cmd)
    watch_app.command("remove")(remove_cmd)
    watch_app.command("run")(run_cmd)
