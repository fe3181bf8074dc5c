"""Watches: saved searches and followed documents, what they matched, and what was delivered.

Beside the document store (same SQLite file), like `corpus/crawl_state.py`; re-indexing never
touches these tables, so a watch and its history survive every rebuild.

- `watches`: one row per watch. A saved search keeps its query vector (encoded once, when the
  watch is made, by the model named beside it) so matching never re-encodes anything, and
  `seen_through`: the highest passage id it has been matched against. Passage ids only grow and
  a passage is never re-activated, so "new since the last run" is exactly "id > seen_through"
  (the same set as "in the new snapshot and not in the previous one", and it survives a crash
  between publishing and matching).
- `watch_matches`: what a watch found, once: UNIQUE (watch_id, key), where the key names the
  content (document, locator, text hash) or the event (a version, a linked document), so a
  re-index, a re-crawl of an unchanged page, a re-extraction or a restart reports nothing twice.
- `watch_deliveries`: per match and channel (email, webhook), pending until sent; a failed send
  stays pending with its error and is retried on a later run, so no match is lost.

The checks that need the index (filter values known, query vector) are in index/watch_match.py.
"""
from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal, NamedTuple

from pydantic import Field, ValidationInfo, field_validator, model_validator

from corpus.models import Record, utcnow
from corpus.store import Store
from corpus.text import PY_SPACE

WATCH_SCHEMA = """
CREATE TABLE IF NOT EXISTS watches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    spec TEXT NOT NULL,
    query_model TEXT NOT NULL DEFAULT '',
    query_vector BLOB,
    model_cutoff REAL NOT NULL DEFAULT 0,
    seen_through INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    last_run_at TEXT,
    schema_version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS watch_matches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    watch_id INTEGER NOT NULL REFERENCES watches(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    document_id TEXT NOT NULL,
    version_id INTEGER,
    passage_id INTEGER,
    previous_passage_id INTEGER,
    previous_version_id INTEGER,
    score REAL,
    build_id TEXT NOT NULL DEFAULT '',
    matched_at TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    UNIQUE (watch_id, key)
);
CREATE INDEX IF NOT EXISTS watch_matches_watch ON watch_matches(watch_id, id);
CREATE TABLE IF NOT EXISTS watch_deliveries (
    match_id INTEGER NOT NULL REFERENCES watch_matches(id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    next_attempt_at TEXT NOT NULL DEFAULT '',
    claimed_until TEXT NOT NULL DEFAULT '',
    sent_at TEXT,
    schema_version INTEGER NOT NULL,
    PRIMARY KEY (match_id, channel)
);
CREATE INDEX IF NOT EXISTS watch_deliveries_pending ON watch_deliveries(status, channel);
"""

WATCH_SCHEMA_VERSION = 1
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
CONCEPT_ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
EMAIL = re.compile(rf"[^@,;<>{PY_SPACE}]+@[^@,;<>{PY_SPACE}]+")  # matched whole, after strip()
WEBHOOK_URL = re.compile(rf"[hH][tT][tT][pP][sS]?://[^/?#{PY_SPACE}]+(?:[/?#][^{PY_SPACE}]*)?")  # whole, after strip()
MAX_QUERY = 1000
CLAIM = timedelta(minutes=10)  # a delivery being sent by one process is left alone by others this long

WatchKind = Literal["search", "document"]
MatchKind = Literal["new", "changed", "version", "linked"]
Channel = Literal["email", "webhook"]


class WatchError(ValueError):
    """A watch that cannot be made as asked; the message says which field and why."""


class WatchExists(WatchError):
    pass


class WatchSpec(Record):
    """What a user asks to watch: a saved search (query + filters) or a followed document."""

    schema_version: int = WATCH_SCHEMA_VERSION
    name: str = Field(description="Letters, digits, '-' and '_' (it is part of the feed URL).")
    kind: WatchKind = "search"
    query: str = ""
    language: list[str] = Field(default_factory=list)
    jurisdiction: list[str] = Field(default_factory=list)
    doc_type: list[str] = Field(default_factory=list)
    status: list[str] = Field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None
    mode: Literal["semantic", "keyword", "hybrid"] = "hybrid"
    min_score: float | None = Field(None, ge=0.0, le=1.0, description="Dense similarity cutoff; default "
                                    "AILEX_MIN_SCORE or the model's calibrated one.")
    concepts: list[str] = Field(default_factory=list)
    document_id: str = Field("", description="The followed document (kind 'document').")
    webhook_url: str = ""
    email: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not NAME.match(v):
            raise ValueError(f"{v!r} is not a watch name: use 1-64 letters, digits, '-' or '_', starting with a "
                             "letter or digit")
        return v

    @field_validator("query")
    @classmethod
    def _query(cls, v: str) -> str:
        v = " ".join(v.split())
        if len(v) > MAX_QUERY:
            raise ValueError(f"at most {MAX_QUERY} characters")
        return v

    @field_validator("language", "jurisdiction", "doc_type", "status", "concepts")
    @classmethod
    def _values(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(s.strip() for s in v if s.strip()))

    @field_validator("concepts")
    @classmethod
    def _concepts(cls, v: list[str]) -> list[str]:
        bad = [c for c in v if not CONCEPT_ID.match(c)]
        if bad:
            raise ValueError(f"not concept ids: {', '.join(bad)} (ids look like 'synthetic-content')")
        return v

    @field_validator("webhook_url", "email")
    @classmethod
    def _address(cls, v: str, info: ValidationInfo) -> str:
        v = v.strip()
        pattern, what = (WEBHOOK_URL, "an http(s) URL") if info.field_name == "webhook_url" else (EMAIL, "one e-mail address")
        if v and not pattern.fullmatch(v):
            raise ValueError(f"{v!r} is not {what}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> "WatchSpec":
        if self.kind == "search" and not self.query:
            raise ValueError("query: a saved search needs a query (it is empty)")
        if self.kind == "document" and not self.document_id:
            raise ValueError("document_id: a followed document needs its id")
        return self  # a reversed period is checked with what could never match (index/watch_match.py)

    @classmethod
    def parse(cls, **fields) -> "WatchSpec":
        """Validate, turning pydantic's errors into one readable WatchError (field: problem; …)."""
        from pydantic import ValidationError

        try:
            return cls(**fields)
        except ValidationError as exc:
            raise WatchError("; ".join(
                (f"{'.'.join(str(p) for p in e['loc'])}: " if e["loc"] else "")
                + e["msg"].removeprefix("Value error, ") for e in exc.errors())) from None

    def filters_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("language", "jurisdiction", "doc_type", "status") if getattr(self, k)} | (
            {"date_from": self.date_from.isoformat()} if self.date_from else {}) | (
            {"date_to": self.date_to.isoformat()} if self.date_to else {})


class Watch(WatchSpec):
    id: int
    created_at: datetime
    last_run_at: datetime | None = None
    seen_through: int = Field(0, description="Passages with ids up to this one have been matched.")
    query_model: str = Field("", description="The model the stored query vector comes from.")
    model_cutoff: float = Field(0.0, description="That model's calibrated similarity cutoff.")
    query_vector: bytes | None = Field(None, exclude=True, repr=False)


class WatchMatch(Record):
    schema_version: int = WATCH_SCHEMA_VERSION
    id: int
    watch_id: int
    watch: str
    key: str
    kind: MatchKind
    document_id: str
    version_id: int | None = None
    passage_id: int | None = None
    previous_passage_id: int | None = None
    previous_version_id: int | None = None
    score: float | None = None
    build_id: str = ""
    matched_at: datetime


class MatchDraft(NamedTuple):
    """A match a run found, before the store gives it an id (or finds its key known). A plain
    tuple, not a pydantic record: a run can find tens of thousands (1,000 watches x 1,000 new
    passages at the model's cutoff), and the stored `WatchMatch` is the record others read."""

    key: str
    kind: MatchKind
    document_id: str
    version_id: int | None = None
    passage_id: int | None = None
    previous_passage_id: int | None = None
    previous_version_id: int | None = None
    score: float | None = None


@dataclass
class Recorded:
    ids: list[int] = field(default_factory=list)  # the new matches' ids, ascending
    by_kind: dict[str, int] = field(default_factory=dict)


class WatchDelivery(Record):
    schema_version: int = WATCH_SCHEMA_VERSION
    match_id: int
    channel: Channel
    status: Literal["pending", "sent"] = "pending"
    attempts: int = 0
    last_error: str = ""
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None


class WatchStore:
    """Thin accessor over the watch tables of one store."""

    def __init__(self, store: Store):
        self.store = store
        present = {r[0] for r in store.db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'watch%'")}
        if present >= {"watches", "watch_matches", "watch_deliveries"}:
            return  # made before: no write lock taken (a replica's store copy may be read-only)
        with store.transaction() as db:
            for statement in WATCH_SCHEMA.split(";"):  # not executescript: it would COMMIT early
                if statement.strip():
                    db.execute(statement)

    @property
    def db(self) -> sqlite3.Connection:
        return self.store.db

    # -- watches ---------------------------------------------------------------------------
    def add(self, spec: WatchSpec, seen_through: int, query_vector: bytes | None = None, query_model: str = "",
            model_cutoff: float = 0.0) -> Watch:
        fields = spec.model_dump(mode="json", exclude={"schema_version", "name", "kind"})
        try:
            with self.store.transaction() as db:
                db.execute(
                    """INSERT INTO watches (name, kind, spec, query_model, query_vector, model_cutoff, seen_through,
                           created_at, schema_version) VALUES (?,?,?,?,?,?,?,?,?)""",
                    (spec.name, spec.kind, json.dumps(fields, ensure_ascii=False, sort_keys=True), query_model,
                     query_vector, model_cutoff, int(seen_through), utcnow().isoformat(), WATCH_SCHEMA_VERSION))
        except sqlite3.IntegrityError:
            raise WatchExists(f"name: a watch named {spec.name!r} already exists (remove it first)") from None
        return self.get(spec.name)

    def get(self, name: str) -> Watch:
        row = self.db.execute("SELECT * FROM watches WHERE name=?", (name,)).fetchone()
        if row is None:
            raise KeyError(name)
        return _watch(row)

    def list(self) -> list[Watch]:
        return [_watch(r) for r in self.db.execute("SELECT * FROM watches ORDER BY name")]

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM watches").fetchone()[0]

    def remove(self, name: str) -> bool:
        """Delete a watch with its matches and their delivery state."""
        with self.store.transaction() as db:
            return db.execute("DELETE FROM watches WHERE name=?", (name,)).rowcount > 0

    def set_vector(self, watch_id: int, vector: bytes, model: str, cutoff: float) -> None:
        with self.store.transaction() as db:
            db.execute("UPDATE watches SET query_vector=?, query_model=?, model_cutoff=? WHERE id=?",
                       (vector, model, cutoff, watch_id))

    # -- matches ---------------------------------------------------------------------------
    def record(self, found: dict[int, list[MatchDraft]], seen_through: int, build_id: str,
               channels: dict[int, list[str]]) -> Recorded:
        """Store what a run found for each watch id (a key already known is skipped), queue each new
        match on the watch's channels, and move every listed watch's mark to `seen_through`, in one
        transaction: a crash leaves either all of it or none, and never a match without its
        deliveries. The writer holds the database (BEGIN IMMEDIATE) and ids only grow
        (AUTOINCREMENT), so the new matches are exactly those above the highest id before."""
        now = utcnow().isoformat()
        with self.store.transaction() as db:
            before = db.execute("SELECT COALESCE(MAX(id), 0) FROM watch_matches").fetchone()[0]
            db.executemany(
                """INSERT OR IGNORE INTO watch_matches (watch_id, key, kind, document_id, version_id, passage_id,
                       previous_passage_id, previous_version_id, score, build_id, matched_at, schema_version)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?,?)""",
                ((watch_id, *d, build_id, now, WATCH_SCHEMA_VERSION) for watch_id, drafts in found.items() for d in drafts))
            new = db.execute("SELECT id, watch_id, kind FROM watch_matches WHERE id > ? ORDER BY id", (before,)).fetchall()
            db.executemany("INSERT OR IGNORE INTO watch_deliveries (match_id, channel, schema_version) VALUES (?,?,?)",
                           ((r[0], c, WATCH_SCHEMA_VERSION) for r in new for c in channels.get(r[1], [])))
            ids = list(found)
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                db.execute(f"UPDATE watches SET seen_through=MAX(seen_through, ?), last_run_at=? "
                           f"WHERE id IN ({','.join('?' * len(chunk))})", [int(seen_through), now, *chunk])
        kinds: dict[str, int] = {}
        for r in new:
            kinds[r[2]] = kinds.get(r[2], 0) + 1
        return Recorded([r[0] for r in new], kinds)

    def matches_by_ids(self, ids: list[int]) -> list[WatchMatch]:
        out: list[WatchMatch] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            out += [_match(r) for r in self.db.execute(
                f"""SELECT m.*, w.name AS watch FROM watch_matches m JOIN watches w ON w.id = m.watch_id
                    WHERE m.id IN ({','.join('?' * len(chunk))}) ORDER BY m.id""", chunk)]
        return out

    def matches(self, watch_id: int, limit: int = 50, offset: int = 0) -> list[WatchMatch]:
        """A watch's matches, newest first."""
        rows = self.db.execute(
            """SELECT m.*, w.name AS watch FROM watch_matches m JOIN watches w ON w.id = m.watch_id
               WHERE m.watch_id=? ORDER BY m.id DESC LIMIT ? OFFSET ?""", (watch_id, limit, offset))
        return [_match(r) for r in rows]

    def match_count(self, watch_id: int) -> int:
        return self.db.execute("SELECT COUNT(*) FROM watch_matches WHERE watch_id=?", (watch_id,)).fetchone()[0]

    def feed_state(self, watch_id: int) -> tuple[int, int]:
        """(matches, newest match id): what a watch's feed depends on, for its ETag (one indexed read)."""
        row = self.db.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM watch_matches WHERE watch_id=?",
                              (watch_id,)).fetchone()
        return int(row[0]), int(row[1])

    # -- deliveries ------------------------------------------------------------------------
    def claim(self, channel: str, now: datetime | None = None) -> dict[int, list[WatchMatch]]:
        """Pending deliveries on `channel` that are due, by watch id, claimed for CLAIM so that two
        processes running watches at once do not send the same message twice."""
        now = now or utcnow()
        with self.store.transaction() as db:
            rows = db.execute(
                """SELECT match_id FROM watch_deliveries WHERE status='pending' AND channel=?
                       AND next_attempt_at <= ? AND claimed_until <= ? ORDER BY match_id""",
                (channel, now.isoformat(), now.isoformat())).fetchall()
            ids = [r[0] for r in rows]
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                db.execute(f"UPDATE watch_deliveries SET claimed_until=? WHERE channel=? "
                           f"AND match_id IN ({','.join('?' * len(chunk))})",
                           [(now + CLAIM).isoformat(), channel, *chunk])
        out: dict[int, list[WatchMatch]] = {}
        for m in self.matches_by_ids(ids):
            out.setdefault(m.watch_id, []).append(m)
        return out

    def delivered(self, channel: str, match_ids: list[int]) -> None:
        now = utcnow().isoformat()
        with self.store.transaction() as db:
            db.executemany("""UPDATE watch_deliveries SET status='sent', sent_at=?, attempts=attempts+1,
                                  last_error='', claimed_until='' WHERE match_id=? AND channel=?""",
                           [(now, i, channel) for i in match_ids])

    def failed(self, channel: str, match_ids: list[int], error: str, retry_after: timedelta) -> None:
        """Keep the deliveries pending, with the error, until `retry_after` from now."""
        when = (utcnow() + retry_after).isoformat()
        with self.store.transaction() as db:
            db.executemany("""UPDATE watch_deliveries SET attempts=attempts+1, last_error=?, next_attempt_at=?,
                                  claimed_until='' WHERE match_id=? AND channel=?""",
                           [(error[:2000], when, i, channel) for i in match_ids])

    def release(self, channel: str, match_ids: list[int]) -> None:
        """Give claimed deliveries back untried (a run that ran out of time)."""
        with self.store.transaction() as db:
            db.executemany("UPDATE watch_deliveries SET claimed_until='' WHERE match_id=? AND channel=?",
                           [(i, channel) for i in match_ids])

    def deliveries(self, match_id: int) -> list[WatchDelivery]:
        rows = self.db.execute("SELECT * FROM watch_deliveries WHERE match_id=? ORDER BY channel", (match_id,))
        return [_delivery(r) for r in rows]

    def pending(self, watch_id: int | None = None) -> dict[str, int]:
        """Deliveries not sent yet, per channel (of one watch, or all)."""
        sql = ("SELECT d.channel, COUNT(*) FROM watch_deliveries d JOIN watch_matches m ON m.id = d.match_id "
               "WHERE d.status='pending'")
        args: list = []
        if watch_id is not None:
            sql += " AND m.watch_id=?"
            args.append(watch_id)
        return {r[0]: r[1] for r in self.db.execute(sql + " GROUP BY d.channel", args)}

    # -- what is new in the corpus ------------------------------------------------------------
    def recent_versions(self, limit: int = 50) -> list[dict]:
        """The newest processed versions (pending ones are not readable yet), newest first, each with
        the version before it: none for a new document, one for a new version."""
        rows = self.db.execute(
            """SELECT v.id AS version_id, v.document_id, v.fetched_at, v.processing_status, v.sha256,
                      (SELECT MAX(p.id) FROM versions p WHERE p.document_id = v.document_id AND p.id < v.id)
                          AS previous_version_id
               FROM versions v WHERE v.processing_status != 'pending' ORDER BY v.id DESC LIMIT ?""",
            (limit,)).fetchall()
        return [dict(r) for r in rows]

    def versions_state(self) -> tuple[int, int]:
        """(versions, newest version id): what the feed of new documents depends on."""
        row = self.db.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM versions "
                              "WHERE processing_status != 'pending'").fetchone()
        return int(row[0]), int(row[1])


def _watch(row: sqlite3.Row) -> Watch:
    d = dict(row)
    spec = json.loads(d.pop("spec"))
    return Watch.model_validate({**spec, **d})


def _match(row: sqlite3.Row) -> WatchMatch:
    return WatchMatch.model_validate(dict(row))


def _delivery(row: sqlite3.Row) -> WatchDelivery:
    d = dict(row)
    d.pop("claimed_until", None)
    d["next_attempt_at"] = d.get("next_attempt_at") or None
    return WatchDelivery.model_validate(d)
