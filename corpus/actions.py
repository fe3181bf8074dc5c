"""Bill timelines: the actions of a document (introduced, referred to committee, passed …) in order.

A bill's life is a sequence of actions, each with its date, the body that acted (chamber,
committee), the source's own description, a normalised stage and the page it comes from.
Spiders attach `BillAction`s to their items (crawlers/actions.py classifies each source's
steps into `Stage`); the corpus pipeline stores them here, once per document, replacing the
previous list only when it changed, so a re-crawl never duplicates a step.

Table `bill_actions` lives in the store's SQLite file (created idempotently, like the crawl
tables); `seq` is the order oldest first (date, then the source's own order within a day).
"""
from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterable
from enum import StrEnum

from pydantic import Field, field_validator

from corpus.models import Record
from corpus.store import Store

ACTIONS_SCHEMA_VERSION = 1


class Stage(StrEnum):
    """Where an action puts a bill; after Open States' action classifications, coarser."""

    introduced = "introduced"
    in_committee = "in_committee"  # referred to, or being examined by, a committee
    reported = "reported"  # the committee adopted its report
    passed_first_chamber = "passed_first_chamber"
    passed_second_chamber = "passed_second_chamber"
    enacted = "enacted"  # signed, promulgated, published as law
    vetoed = "vetoed"
    withdrawn = "withdrawn"
    archived = "archived"  # filed away, lapsed at the end of a term
    other = "other"


STAGES = tuple(s.value for s in Stage)
_ISO = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class BillAction(Record):
    schema_version: int = ACTIONS_SCHEMA_VERSION
    date: str = Field(description="ISO date (YYYY-MM-DD, or a prefix when the source gives less).")
    body: str = Field("", description="Who acted: chamber, committee, plenary.")
    description: str = Field(description="The source's own words for the step.")
    stage: Stage = Stage.other
    source_url: str = ""

    @field_validator("date")
    @classmethod
    def _iso(cls, value: str) -> str:
        if not _ISO.match(value or ""):
            raise ValueError(f"date is not ISO: {value!r}")
        return value

    @field_validator("description")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        value = " ".join((value or "").split())
        if not value:
            raise ValueError("empty description")
        return value


ACTIONS_SCHEMA = """
CREATE TABLE IF NOT EXISTS bill_actions (
    document_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    date TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL,
    stage TEXT NOT NULL,
    source_url TEXT NOT NULL DEFAULT '',
    schema_version INTEGER NOT NULL,
    PRIMARY KEY (document_id, seq)
);
CREATE TABLE IF NOT EXISTS bill_action_sets (
    document_id TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    count INTEGER NOT NULL,
    schema_version INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS bill_actions_stage ON bill_actions(stage);
"""


def in_order(actions: Iterable[BillAction]) -> list[BillAction]:
    """Oldest first; actions of the same day keep the order the source gave them."""
    return sorted(actions, key=lambda a: a.date)  # sorted() is stable


def digest(actions: Iterable[BillAction]) -> str:
    """What identifies a timeline: changes when any step changes, not when it is re-crawled."""
    rows = [a.model_dump(mode="json", exclude={"schema_version"}) for a in actions]
    return hashlib.sha256(json.dumps(rows, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def latest_stage(actions: list[BillAction]) -> Stage | None:
    """The stage of the last classified action (oldest-first list); `other` steps do not move a bill."""
    for action in reversed(actions):
        if action.stage != Stage.other:
            return action.stage
    return None


class ActionStore:
    """Accessor over the bill-action tables of one store."""

    def __init__(self, store: Store):
        self.store = store
        with store.transaction() as db:
            for statement in ACTIONS_SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)

    @property
    def db(self) -> sqlite3.Connection:
        return self.store.db

    def replace(self, document_id: str, actions: list[BillAction]) -> bool:
        """Make `actions` (oldest first) the document's timeline. Returns False, writing nothing,
        when the stored timeline is the same (a re-crawl)."""
        new = digest(actions)
        row = self.db.execute("SELECT digest FROM bill_action_sets WHERE document_id=?", (document_id,)).fetchone()
        if row is not None and row[0] == new:
            return False
        with self.store.transaction() as db:
            db.execute("DELETE FROM bill_actions WHERE document_id=?", (document_id,))
            db.executemany(
                """INSERT INTO bill_actions (document_id, seq, date, body, description, stage, source_url,
                       schema_version) VALUES (?,?,?,?,?,?,?,?)""",
                [(document_id, i, a.date, a.body, a.description, a.stage.value, a.source_url, ACTIONS_SCHEMA_VERSION)
                 for i, a in enumerate(actions)],
            )
            db.execute(
                """INSERT INTO bill_action_sets (document_id, digest, count, schema_version) VALUES (?,?,?,?)
                   ON CONFLICT(document_id) DO UPDATE SET digest=excluded.digest, count=excluded.count""",
                (document_id, new, len(actions), ACTIONS_SCHEMA_VERSION),
            )
        return True

    def timeline(self, document_id: str) -> list[BillAction]:
        rows = self.db.execute(
            "SELECT date, body, description, stage, source_url, schema_version FROM bill_actions "
            "WHERE document_id=? ORDER BY seq", (document_id,)).fetchall()
        return [BillAction.model_validate(dict(r)) for r in rows]

    def counts(self) -> dict[str, int]:
        """Actions per document id (documents with a timeline only)."""
        return {r[0]: r[1] for r in self.db.execute("SELECT document_id, count FROM bill_action_sets")}
