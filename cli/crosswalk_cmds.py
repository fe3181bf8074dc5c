"""`ailex crosswalk` (two documents provision by provision) and `ailex diff` (what changed between
two versions or two readings), with CSV, Markdown and Word exports."""
from __future__ import annotations

from pathlib import Path

import typer

from cli.common import fail, open_store, print_json, settings


def _write(table, csv_path: Path | None, md_path: Path | None, docx_path: Path | None) -> bool:
    """Write the requested exports; True when any was asked for."""
    from search_api.exports import render

    wrote = False
    for fmt, path in (("csv", csv_path), ("md", md_path), ("docx", docx_path)):
        if path is None:
            continue
        data = render(table, fmt)
        if str(path) == "-":
            typer.echo(data.decode("utf-8"), nl=False)
        else:
            Path(path).write_bytes(data)
            typer.echo(f"wrote {len(table.rows)} rows to {path}", err=True)
        wrote = True
    return wrote


def crosswalk_cmd(
    from_id: str = typer.Argument(..., metavar="FROM", help="Document id whose provisions make the rows."),
    to_id: str = typer.Argument(..., metavar="TO", help="Document id to find their counterparts in."),
    units: str = typer.Option("article", "--units", help="article, recital, annex or all."),
    align: str = typer.Option(None, "--align", help="order (one text: versions, translations) or best (two laws); "
                                                    "default: read from the documents."),
    csv_path: Path = typer.Option(None, "--csv", help="Write the crosswalk with full citations to this CSV file ('-': stdout)."),
    md_path: Path = typer.Option(None, "--md", help="Write it as Markdown."),
    docx_path: Path = typer.Option(None, "--docx", help="Write it as a Word document."),
    as_json: bool = typer.Option(False, "--json", help="Print the API's JSON."),
) -> None:
    """Two documents side by side, provision by provision (any two languages): each unit's counterparts,
    a match class (equivalent / partial / none) and what nothing maps to."""
    from corpus.citation import Versions
    from index.crosswalk import NoText, UnknownDocument, crosswalk
    from index.snapshot import IndexMissing, load_current
    from search_api.exports.tables import crosswalk_table

    if units not in ("article", "recital", "annex", "all"):
        fail("--units: article, recital, annex or all")
    if align not in (None, "order", "best"):
        fail("--align: order or best")
    if from_id == to_id:
        fail("give two different documents")
    store = open_store()
    try:
        snap = load_current(settings().index_dir)
        cw = crosswalk(snap, store, from_id, to_id, units, align)
    except IndexMissing as exc:
        fail(str(exc))
    except UnknownDocument as exc:
        fail(f"no document {exc.args[0]!r} in the index")
    except NoText as exc:
        fail(str(exc))
    versions = Versions(store)
    if _write(crosswalk_table(cw, versions), csv_path, md_path, docx_path) and not as_json:
        return
    if as_json:
        from search_api.analysis_schemas import CrosswalkResponse

        print_json(CrosswalkResponse.of(cw, versions).model_dump(by_alias=True))
        return
    typer.secho(f"{cw.source.title}\n  → {cw.target.title}", bold=True)
    for r in cw.rows:
        head = r.unit.locator.split(" › ")[-1] or r.unit.label or "(front matter)"
        targets = "; ".join(f"{c.unit.locator.split(' › ')[-1]} ({c.similarity:.3f})" for c in r.counterparts) or "—"
        color = {"equivalent": typer.colors.GREEN, "partial": typer.colors.YELLOW}.get(r.match)
        typer.echo(f"{head[:60]:<60} " + typer.style(f"{r.match:<10}", fg=color) + f" {targets}")
    s = cw.summary()
    typer.echo(f"\n{s['equivalent']} equivalent, {s['partial']} partial, {s['none']} none (coverage {s['coverage']:.0%}); "
               f"{len(cw.unmatched)} units of the second document unmatched; alignment: {cw.align}; {cw.took_ms:.0f} ms")


def diff_cmd(
    document: str = typer.Argument(..., metavar="DOC", help="The document (its versions are compared), or the earlier reading."),
    other: str = typer.Argument(None, metavar="[LATER_DOC]", help="The later reading, held as another document."),
    from_version: int = typer.Option(None, "--from-version", help="Version id to compare from (default: the previous one)."),
    to_version: int = typer.Option(None, "--to-version", help="Version id to compare to (default: the current one)."),
    csv_path: Path = typer.Option(None, "--csv", help="Write the changed units with redlines and citations to this CSV file."),
    md_path: Path = typer.Option(None, "--md", help="Write them as Markdown."),
    docx_path: Path = typer.Option(None, "--docx", help="Write them as a Word document."),
    as_json: bool = typer.Option(False, "--json", help="Print the API's JSON."),
) -> None:
    """What changed between two versions of a document (`ailex diff DOC`) or two readings held as
    documents (`ailex diff EARLIER LATER`), unit by unit with word-level redlines."""
    from corpus.citation import Versions
    from index.diff import NothingToCompare, UnknownVersion, current_reading, diff, previous_and_current
    from search_api.exports.tables import diff_table

    store = open_store()

    def get(doc_id: str):
        try:
            return store.get_document(doc_id)
        except KeyError:
            fail(f"no document {doc_id!r}")

    try:
        if other is None:
            d = diff(*previous_and_current(store, get(document), from_version, to_version))
        else:
            if from_version or to_version:
                fail("--from-version/--to-version compare versions of one document: give one DOC")
            d = diff(current_reading(store, get(document)), current_reading(store, get(other)))
    except UnknownVersion as exc:
        fail(f"no version {exc.args[0]} of {document!r}")
    except NothingToCompare as exc:
        fail(str(exc))
    if _write(diff_table(d, Versions(store)), csv_path, md_path, docx_path) and not as_json:
        return
    if as_json:
        from search_api.analysis_schemas import DiffResponse

        print_json(DiffResponse.of(d).model_dump(by_alias=True))
        return
    typer.secho(f"{d.old.label}\n  → {d.new.label}", bold=True)
    for u in d.units:
        if u.status == "unchanged":
            continue
        where = u.new.locator if u.new else u.old.locator
        typer.secho(f"\n{u.status}: {where or '(front matter)'}" + (f" ({u.similarity:.0%} the same)" if u.status in ("changed", "moved") else ""), bold=True)
        typer.echo("".join(t if op == "equal" else typer.style(f"[-{t}-]", fg=typer.colors.RED) if op == "delete"
                           else typer.style(f"{{+{t}+}}", fg=typer.colors.GREEN) for op, t in u.redline))
    typer.echo("\n" + ", ".join(f"{n} {k}" for k, n in d.summary().items()))


def register(app: typer.Typer) -> None:
    app.command("crosswalk")(crosswalk_cmd)
    app.command("diff")(diff_cmd)
