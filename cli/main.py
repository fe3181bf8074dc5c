"""Entry point of the `ailex` console script. Each command group lives in its own module
and registers itself here; commands stay thin and call the stages' plain functions."""
from __future__ import annotations

import logging

import typer

from cli import (compare_cmds, concept_cmds, corpus_cmds, crawl_cmds, crosswalk_cmds, index_cmds, ingest_cmds, model_cmds,
                 serve_cmds, watch_cmds)
from cli.common import configure_logging, settings

app = typer.Typer(
    name="ailex",
    help="Multilingual search over AI legislation for parliaments.\n\n"
    "Typical use: `ailex model build`, `ailex import ../shared/corpus/documents.csv`, `ailex index`, "
    "`ailex serve`. Every setting can be given as an AILEX_* environment variable (see README).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug detail on the terminal.")) -> None:
    """Progress and results go to the terminal; log lines (the libraries' included) go to
    AILEX_DATA_DIR/logs/ailex.log, and to the terminal only when they are warnings (or with -v)."""
    configure_logging(settings().data_dir, verbose)
    for name in ("sentence_transformers", "faiss", "transformers", "httpx"):  # chatter even in the log file
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.WARNING)


for module in (model_cmds, corpus_cmds, index_cmds, compare_cmds, crosswalk_cmds, concept_cmds, serve_cmds, crawl_cmds,
               ingest_cmds, watch_cmds):
    module.register(app)

if __name__ == "__main__":  # pragma: no cover
    app()
