"""`ailex concepts …` and `ailex landscape`: AI-policy concepts on every passage."""
from __future__ import annotations

import sys
from pathlib import Path

import typer

from cli.common import DocTypes, Jurisdictions, Languages, Statuses, fail, open_searcher, open_store, print_json, settings
from corpus.text import split_values

LABELLED = Path(__file__).resolve().parents[1] / "tests" / "data" / "concepts_labelled.jsonl"
FRESH = LABELLED.with_name("concepts_fresh.jsonl")  # labelled after the classifier was frozen, never fitted on

concepts_app = typer.Typer(help="The concept taxonomy and classifier: list, evaluate, refit.", no_args_is_help=True)


def _labelled_vectors(labelled: Path):
    """The labelled items found in the store (and those not found), with their vectors from the
    index being served and the definitions' vectors."""
    from index.concept_tags import unit_vectors
    from index.snapshot import IndexMissing, load_current
    from pipeline.concepts.classify import description_vectors
    from pipeline.concepts.evaluate import load_labelled, resolve
    from pipeline.concepts.taxonomy import TaxonomyError, load
    from pipeline.encoders import EncoderError, load_encoder

    s = settings()
    try:
        tax = load(s.concept_taxonomy)
    except TaxonomyError as exc:
        fail(str(exc))
    if not labelled.exists():
        fail(f"no labelled set at {labelled}")
    items, sha = load_labelled(labelled)
    found, missing = resolve(open_store(), items)
    try:
        snap = load_current(s.index_dir)
        encoder = load_encoder(s)
    except (IndexMissing, EncoderError) as exc:
        fail(str(exc))
    if missing:
        typer.secho(f"{len(missing)} of {len(items)} labelled passages are not in the store (re-chunked or not "
                    f"imported): measured on the {len(found)} found", fg=typer.colors.YELLOW, err=True)
    vectors = unit_vectors(snap.index, [it.passage_id for it in found])
    return tax, found, missing, sha, vectors, description_vectors(tax, encoder), encoder


@concepts_app.command("list")
def list_cmd(as_json: bool = typer.Option(False, "--json", help="Print the API's JSON.")) -> None:
    """The taxonomy with the number of passages tagged with each concept in the index being served."""
    searcher = open_searcher()
    tags = searcher.snapshot.concepts
    if tags is None:
        fail("the index being served has no concept tags: run `ailex index`")
    counts = tags.passage_counts()
    if as_json:
        print_json({"taxonomy_version": tags.taxonomy_version,
                    "concepts": [{"id": c, "label": tags.label(c), "definition": tags.definition(c),
                                  "passages": counts[c]} for c in tags.ids]})
        return
    typer.echo(f"taxonomy version {tags.taxonomy_version}")
    for c in tags.ids:
        typer.echo(f"{counts[c]:>6}  {c:<30} {tags.label(c)}")


@concepts_app.command("eval")
def eval_cmd(
    labelled: Path = typer.Option(LABELLED, "--labelled", help="The hand-labelled JSONL set."),
    fresh: Path = typer.Option(FRESH, "--fresh", help="A labelled set the shipped model was not fitted on: "
                               "its figures are measured with the frozen model (pipeline/concepts/model.json)."),
    record: Path = typer.Option(None, "--record", help="Write the figures (micro, per language, per concept) as JSON."),
) -> None:
    """Per-concept precision and recall of the classifier under grouped cross-validation on the
    labelled set, and of the shipped model on the fresh sample, with the vectors of the index
    being served (no re-encoding)."""
    import json

    from pipeline.concepts.classify import LEXICAL_VARIANT, ConceptModel
    from pipeline.concepts.evaluate import cross_validate, held_out

    def line(title: str, ev) -> None:
        m, en, non = ev.micro, ev.by_language["en"], ev.by_language["non-en"]
        typer.echo(f"{title}: micro P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f} "
                   f"(en F1 {en['f1']:.3f}, non-English F1 {non['f1']:.3f}); {ev.items} passages, {ev.missing} not found")

    tax, found, missing, _, vectors, desc, encoder = _labelled_vectors(labelled)
    out = {}
    for variant in (encoder.name, LEXICAL_VARIANT):
        ev = cross_validate(tax, found, vectors, desc, variant, missing=len(missing))
        out[variant] = ev.as_dict()
        line(f"{variant} (cross-validated)", ev)
    if fresh.exists():
        _, ffound, fmissing, _, fvectors, _, _ = _labelled_vectors(fresh)
        model = ConceptModel.load()
        for variant in (encoder.name, LEXICAL_VARIANT):
            ev = held_out(tax, model, ffound, fvectors, desc, variant, missing=len(fmissing))
            out[f"fresh:{variant}"] = ev.as_dict()
            line(f"{variant} (fresh sample, frozen model)", ev)
    best = out[encoder.name]["per_concept"]
    typer.echo(f"\n{'concept':<30} {'P':>6} {'R':>6} {'support':>8}")
    for c in tax.ids:
        typer.echo(f"{c:<30} {best[c]['precision']:>6.3f} {best[c]['recall']:>6.3f} {best[c]['support']:>8}")
    if record is not None:
        record.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
        typer.echo(f"wrote {record}", err=True)


@concepts_app.command("train")
def train_cmd(
    labelled: Path = typer.Option(LABELLED, "--labelled", help="The hand-labelled JSONL set."),
) -> None:
    """Refit the classifier (pipeline/concepts/model.json) on every labelled passage; the next
    `ailex index` re-tags the corpus from the stored vectors."""
    from pipeline.concepts.classify import MODEL_PATH
    from pipeline.concepts.evaluate import fit_model

    tax, found, missing, sha, vectors, desc, encoder = _labelled_vectors(labelled)
    if missing:
        fail(f"{len(missing)} labelled passages are missing from the store: import the whole sample corpus first")
    model = fit_model(tax, found, vectors, desc, encoder.name, sha)
    model.save(MODEL_PATH)
    typer.echo(f"wrote {MODEL_PATH} (variants: {', '.join(model.variants)})")


def landscape_cmd(
    concept: list[str] = typer.Option(None, "--concept", help="Only these concepts (repeatable or comma-separated)."),
    jurisdiction: Jurisdictions = None,
    lang: Languages = None,
    doc_type: DocTypes = None,
    status: Statuses = None,
    csv_path: Path = typer.Option(None, "--csv", help="Write the cells with a citation of each best passage to this CSV ('-': stdout)."),
    md_path: Path = typer.Option(None, "--md", help="The same as a Markdown table ('-': stdout)."),
    as_json: bool = typer.Option(False, "--json", help="Print the API's JSON."),
) -> None:
    """Which jurisdictions cover which concepts: passages and documents per (jurisdiction, concept)."""
    from index.concept_tags import UnknownConcept
    from index.landscape import build_landscape
    from index.metadata import Filters
    from search_api.exports import render
    from search_api.exports.landscape import landscape_table
    from search_api.views import jurisdiction_name

    searcher = open_searcher()
    filters = Filters(language=split_values(lang), jurisdiction=split_values(jurisdiction),
                      doc_type=split_values(doc_type), status=split_values(status))
    try:
        result = build_landscape(searcher, filters, split_values(concept), jurisdiction_name)
    except (UnknownConcept, LookupError) as exc:
        fail(str(exc))
    for path, fmt in ((csv_path, "csv"), (md_path, "md")):
        if path is None:
            continue
        data = render(landscape_table(result, searcher), fmt)  # type: ignore[arg-type]
        if str(path) == "-":
            sys.stdout.buffer.write(data)
            return
        Path(path).write_bytes(data)
        typer.echo(f"wrote {len(result['cells'])} cells to {path}", err=True)
    if as_json:
        print_json(result)
        return
    if csv_path is None and md_path is None:
        by_concept: dict[str, list[str]] = {}
        for cell in result["cells"]:
            by_concept.setdefault(cell["concept"], []).append(f"{cell['jurisdiction']} {cell['passages']}")
        for c in result["concepts"]:
            row = by_concept.get(c["id"], [])
            typer.echo(f"{c['label']:<45} {', '.join(row) if row else '—'}")


def register(app: typer.Typer) -> None:
    app.add_typer(concepts_app, name="concepts")
    app.command("landscape")(landscape_cmd)
