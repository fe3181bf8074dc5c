"""The README must match the code: every setting and every command is documented,
and the stages keep the one-way data flow the README describes."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from corpus.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")

# which earlier stages each package may import
ALLOWED = {
    "corpus": set(),
    "crawlers": {"corpus"},
    "pipeline": {"corpus"},
    "index": {"corpus", "pipeline"},
    "search_api": {"corpus", "pipeline", "index"},
}
STAGES = set(ALLOWED) | {"cli"}


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_in_the_readme(name):
    assert f"`AILEX_{name.upper()}`" in README, f"AILEX_{name.upper()} is not documented in README.md"


def test_every_command_is_in_the_readme():
    from typer.main import get_command

    from cli.main import app

    group = get_command(app)
    for name, cmd in group.commands.items():
        subs = getattr(cmd, "commands", None)
        for full in ([f"{name} {s}" for s in subs] if subs else [name]):
            assert f"`ailex {full}" in README, f"`ailex {full}` is not documented in README.md"


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_stages_only_import_earlier_stages(package):
    bad = []
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for n in names:
                top = n.split(".")[0]
                if top in STAGES and top != package and top not in ALLOWED[package]:
                    bad.append(f"{path.relative_to(ROOT)} imports {n}")
    assert not bad, bad
