"""The AI-policy concept taxonomy (`taxonomy.yaml` beside this module): loading and validation.

A taxonomy that fails validation raises `TaxonomyError` naming the concept and what is wrong,
so `ailex index` stops before writing anything rather than publishing a half-tagged snapshot."""
from __future__ import annotations

import hashlib
import re
from functools import cached_property
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from corpus.models import Record

DEFAULT_PATH = Path(__file__).with_name("taxonomy.yaml")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
LABEL_LANGUAGES = ("en", "fr", "es")


class TaxonomyError(ValueError):
    pass


class Labels(BaseModel):
    model_config = ConfigDict(extra="forbid")
    en: str
    fr: str
    es: str


class Concept(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    label: Labels
    definition: str
    eu_ai_act: list[str] = Field(default_factory=list)
    # precise legal terms per language code (regular expressions, matched case-insensitively)
    terms: dict[str, list[str]] = Field(default_factory=dict)


class Taxonomy(Record):
    taxonomy_version: str
    concepts: list[Concept]
    fingerprint: str = ""  # sha256 of the file: tags computed from another file are stale

    @cached_property
    def by_id(self) -> dict[str, Concept]:
        return {c.id: c for c in self.concepts}

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.concepts]

    def label(self, concept_id: str, lang: str = "en") -> str:
        return getattr(self.by_id[concept_id].label, lang, self.by_id[concept_id].label.en)

    def unknown(self, ids: list[str]) -> list[str]:
        return [i for i in ids if i not in self.by_id]


def _concept_name(raw: object, n: int) -> str:
    if isinstance(raw, dict) and raw.get("id"):
        return f"concept '{raw['id']}'"
    return f"concept #{n + 1} (no id)"


def parse(data: object, fingerprint: str = "", source: str = "taxonomy") -> Taxonomy:
    """Validate a parsed taxonomy document; every error names the concept it is about."""
    if not isinstance(data, dict):
        raise TaxonomyError(f"{source}: expected a mapping with taxonomy_version and concepts")
    version = data.get("taxonomy_version")
    if version is None or not str(version).strip():
        raise TaxonomyError(f"{source}: taxonomy_version is missing")
    raw_concepts = data.get("concepts")
    if not isinstance(raw_concepts, list) or not raw_concepts:
        raise TaxonomyError(f"{source}: concepts must be a non-empty list")
    seen: set[str] = set()
    concepts = []
    for n, raw in enumerate(raw_concepts):
        name = _concept_name(raw, n)
        if not isinstance(raw, dict):
            raise TaxonomyError(f"{source}: {name} is not a mapping")
        cid = raw.get("id")
        if not isinstance(cid, str) or not ID_PATTERN.match(cid):
            raise TaxonomyError(f"{source}: {name}: id must be lower-case words joined by hyphens")
        if cid in seen:
            raise TaxonomyError(f"{source}: {name}: duplicate id")
        seen.add(cid)
        label = raw.get("label")
        if not isinstance(label, dict):
            raise TaxonomyError(f"{source}: {name}: label is missing")
        for lang in LABEL_LANGUAGES:
            if not str(label.get(lang) or "").strip():
                raise TaxonomyError(f"{source}: {name}: label.{lang} is missing")
        if not str(raw.get("definition") or "").strip():
            raise TaxonomyError(f"{source}: {name}: definition is missing")
        for lang, terms in (raw.get("terms") or {}).items():
            for term in terms or []:
                if re.search(r"\\[A-Z]", term):
                    raise TaxonomyError(f"{source}: {name}: term {term!r} ({lang}): upper-case escapes are not "
                                        "allowed (terms are matched lower-cased)")
                try:
                    re.compile(term)
                except re.error as exc:
                    raise TaxonomyError(f"{source}: {name}: term {term!r} ({lang}) is not a valid pattern: {exc}")
        try:
            concepts.append(Concept.model_validate({**raw, "definition": " ".join(str(raw["definition"]).split())}))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"])
            raise TaxonomyError(f"{source}: {name}: {where}: {first['msg']}") from None
    return Taxonomy(taxonomy_version=str(version), concepts=concepts, fingerprint=fingerprint)


def load(path: Path | None = None) -> Taxonomy:
    """The taxonomy in `path` (default: the one shipped beside this module)."""
    path = Path(path or DEFAULT_PATH)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TaxonomyError(f"cannot read the concept taxonomy {path}: {exc}") from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"{path}: not valid YAML: {exc}") from None
    return parse(data, hashlib.sha256(raw).hexdigest(), str(path))
