"""The `ailex` command on real documents (fake encoder): import → index → search → status."""
from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from cli.main import app
from corpus.settings import get_settings


@pytest.fixture
def run(settings, monkeypatch):
    monkeypatch.setenv("AILEX_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("AILEX_ENCODER", "fake")
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str, code: int = 0):
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, (result.output, result.exception)
        return result

    yield invoke
    get_settings.cache_clear()


def test_import_index_search_status(run, small_csv):
    out = run("import", str(small_csv)).output
    # one command: import, extraction, embedding and a published index, one progress line per stage
    assert "4 new" in out and "extraction: 4 documents" in out and "index: " in out and "passages;" in out
    again = run("import", str(small_csv)).output
    assert "4 unchanged" in again and "up to date" in again
    assert "up to date" in run("index").output
    assert "index: none" not in run("status").output
    res = json.loads(run("search", "facial recognition", "--jurisdiction", "US-MD", "-k", "3", "--json").output)
    assert len(res["results"]) == 3 and {r["document"]["jurisdiction"] for r in res["results"]} == {"US-MD"}
    human = run("search", "generative AI services", "--lang", "zh", "-k", "2").output
    assert "CN" in human and "zh-cn" in human
    status = json.loads(run("status", "--json").output)
    assert status["documents"] == 4
    assert set(status) >= {"documents", "passages", "by_status", "by_jurisdiction", "by_language"}
    assert status["by_status"] == {"extracted": 4} and status["index"]["count"] == status["passages"]
    per_doc = json.loads(run("status", "--json", "--documents").output)["per_document"]
    assert all(d["passages"] > 0 and d["words"] > 0 for d in per_doc)


def test_compare_writes_csv_with_citations(run, small_csv, tmp_path):
    import csv

    run("import", str(small_csv))
    run("index")
    out = tmp_path / "cmp.csv"
    run("compare", "facial recognition by law enforcement", "--jurisdiction", "US-MD,CN", "--csv", str(out))
    rows = list(csv.DictReader(open(out, encoding="utf-8")))
    assert sorted(r["jurisdiction"] for r in rows) == ["CN", "US-MD"]
    assert all(r["citation"].startswith(r["title"]) and r["text"] for r in rows)
    human = run("compare", "facial recognition by law enforcement", "--jurisdiction", "US-MD").output
    assert human.startswith("US-MD") and "retrieved" in human
    assert "one of them" in run("compare", code=1).output


def test_errors_are_readable(run, tmp_path):
    assert "does not exist" in run("import", str(tmp_path / "missing.csv"), code=1).output
    assert "ailex index" in run("search", "anything", code=1).output
    assert "--mode" in run("search", "x", "--mode", "fuzzy", code=1).output


COMMANDS = ("import", "process", "status", "index", "search", "eval", "compare", "serve", "crawl", "schedule",
            "ingest-worker", "model build")


def test_help_lists_every_command(run):
    """Each command is registered and listed as a command of its own (the app's help text names
    several of them in prose too, so finding the word in the output would prove nothing)."""
    import click
    import typer

    group = typer.main.get_command(app)
    registered = set(group.list_commands(click.Context(group)))
    assert {c.split()[0] for c in COMMANDS} <= registered
    listed = {line.strip("│ ").split()[0] for line in run("--help").output.split("Commands")[-1].splitlines()
              if re.match(r"^\W{0,3}[a-z][a-z-]+ {2,}\S", line)}
    assert {c.split()[0] for c in COMMANDS} <= listed


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_answers_its_own_help(run, command):
    """`ailex COMMAND --help` parses the command's options and prints its own usage line."""
    out = run(*command.split(), "--help").output
    assert re.search(rf"Usage: ailex {command} \[OPTIONS\]", out), out
