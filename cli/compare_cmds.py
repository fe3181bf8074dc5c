"""`ailex compare`: the best matching provision in each jurisdiction."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import typer

from cli.common import Languages, fail, open_searcher, print_json
from corpus.text import split_values


def compare_cmd(
    query: str = typer.Argument(None, help="A provision as free text (or use --passage)."),
    passage: int = typer.Option(None, "--passage", help="Compare from an existing passage id instead."),
    jurisdiction: list[str] = typer.Option(None, "--jurisdiction", help="Columns to show, e.g. EU,BR,US-CO."),
    lang: Languages = None,
    csv_path: Path = typer.Option(None, "--csv", help="Write the table with full citations to this CSV file ('-' for stdout)."),
    as_json: bool = typer.Option(False, "--json", help="Print the API's JSON."),
) -> None:
    """For a provision, the best matching passage in each jurisdiction, best first, with citations."""
    from index.compare import UnknownPassage, citation, compare
    from search_api.exports import render
    from search_api.exports.tables import compare_table
    from index.metadata import Filters

    if (query is None) == (passage is None):
        fail("give a query or --passage ID (one of them)")
    searcher = open_searcher()
    try:
        result = compare(searcher, query=query, passage_id=passage, jurisdictions=split_values(jurisdiction) or None,
                         filters=Filters(language=split_values(lang)), min_score=searcher.min_score)
    except UnknownPassage:
        fail(f"no passage {passage} in the index")
    today = date.today()
    if csv_path is not None:
        data = render(compare_table(result), "csv")
        if str(csv_path) == "-":
            sys.stdout.write(data.decode("utf-8"))
            return
        Path(csv_path).write_bytes(data)
        typer.echo(f"wrote {len(result.matches)} rows to {csv_path}", err=True)
    if as_json:
        from search_api.schemas import CompareMatch

        print_json({"query": result.query, "matches": [CompareMatch.from_match(m, today).model_dump() for m in result.matches],
                    "no_match": result.missing})
        return
    if csv_path is None:
        for m in result.matches:
            typer.secho(f"{m.jurisdiction:<7} {m.score:.3f}  {m.passage.locator or '—'}  ({m.passage.language})", bold=True)
            text = " ".join(m.passage.text.split())
            typer.echo(f"        {text[:300]}{'…' if len(text) > 300 else ''}")
            typer.echo(f"        {citation(m, today)}\n")
        if result.missing:
            typer.echo(f"no good match: {', '.join(result.missing)}")


def register(app: typer.Typer) -> None:
    app.command("compare")(compare_cmd)
