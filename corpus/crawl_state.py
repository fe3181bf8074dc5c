"""What the crawlers remember between runs, beside the document store (same SQLite file).

- `crawl_runs`: one row per spider per run, with request and item statistics (`ailex status`).
- `http_validators`: ETag / Last-Modified per URL and the sha256 of the body they validate
  (the body itself is a blob in the store), so a re-crawl asks "changed since?" and a 304
  is answered from the stored body.
- `crawl_documents`: every document a spider parsed, stored or not, with its AI-relevance
  score and matched terms (off-topic documents are remembered, not stored in the corpus).
- `document_links`: relations between documents by source key (a bill and its committee
  report, its text versions, the other chamber's dossier); the target may not be stored yet.

Tables are created with CREATE TABLE IF NOT EXISTS on the store's database; the records below
carry `schema_version` like the ones in corpus.models.
"""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from pydantic import BaseModel, Field

from corpus.models import Record, utcnow
from corpus.store import Store

CRAWL_SCHEMA = """
CREATE TABLE IF NOT EXISTS crawl_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    spider TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL DEFAULT 'running',
    replay INTEGER NOT NULL DEFAULT 0,
    stats TEXT NOT NULL DEFAULT '{}',
    message TEXT NOT NULL DEFAULT '',
    schema_version INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS crawl_runs_spider ON crawl_runs(spider, id);
CREATE TABLE IF NOT EXISTS http_validators (
    url TEXT PRIMARY KEY,
    etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    sha256 TEXT NOT NULL,
    content_type TEXT NOT NULL DEFAULT '',
    fetched_at TEXT NOT NULL,
    schema_version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS crawl_documents (
    source_key TEXT PRIMARY KEY,
    spider TEXT NOT NULL,
    document_id TEXT,
    relevance REAL NOT NULL,
    terms TEXT NOT NULL DEFAULT '[]',
    meta_sha TEXT NOT NULL DEFAULT '',
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    schema_version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS document_links (
    from_key TEXT NOT NULL,
    to_key TEXT NOT NULL,
    relation TEXT NOT NULL,
    spider TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    PRIMARY KEY (from_key, to_key, relation)
);
CREATE INDEX IF NOT EXISTS document_links_to ON document_links(to_key);
"""

CRAWL_SCHEMA_VERSION = 1

# Counters every run reports (others may be added; readers must tolerate missing keys).
RUN_COUNTERS = (
    "requests",  # requests sent (robots.txt and retries included)
    "responses",  # responses received
    "not_modified",  # 304 answers to conditional requests
    "not_found",  # 404/410 answers
    "failed",  # requests that failed for good (other HTTP errors, network errors, callback errors)
    "items",  # documents parsed
    "new",  # documents or versions stored for the first time
    "changed",  # documents that got a new version or new metadata
    "unchanged",  # documents seen again with the same content and metadata
    "off_topic",  # parsed but below the AI-relevance threshold: not stored
    "structure_errors",  # pages where the parser expected items and found none
)


class CrawlRun(Record):
    schema_version: int = CRAWL_SCHEMA_VERSION
    id: int
    spider: str
    started_at: datetime
    finished_at: datetime | None = None
    status: str = Field("running", description="running, ok, structure_error, failed")
    replay: bool = False
    stats: dict[str, int | float | str] = Field(default_factory=dict)
    message: str = ""


class DocumentLink(Record):
    schema_version: int = CRAWL_SCHEMA_VERSION
    from_key: str
    to_key: str
    relation: str = Field(description="e.g. procedure_document, text_version, committee_report, other_chamber")
    spider: str = ""


class HttpValidators(BaseModel):
    url: str
    etag: str = ""
    last_modified: str = ""
    sha256: str
    content_type: str = ""


class CrawlState:
    """Thin accessor over the crawl tables of one store."""

    def __init__(self, store: Store):
        self.store = store
        with store.transaction() as db:
            for statement in CRAWL_SCHEMA.split(";"):  # not executescript: it would COMMIT early
                if statement.strip():
                    db.execute(statement)

    @property
    def db(self) -> sqlite3.Connection:
        return self.store.db

    # -- runs ------------------------------------------------------------------
    def start_run(self, spider: str, replay: bool = False) -> int:
        with self.store.transaction() as db:
            cur = db.execute(
                "INSERT INTO crawl_runs (spider, started_at, replay, schema_version) VALUES (?,?,?,?)",
                (spider, utcnow().isoformat(), int(replay), CRAWL_SCHEMA_VERSION),
            )
            return int(cur.lastrowid)

    def finish_run(self, run_id: int, status: str, stats: dict, message: str = "") -> CrawlRun:
        with self.store.transaction() as db:
            db.execute(
                "UPDATE crawl_runs SET finished_at=?, status=?, stats=?, message=? WHERE id=?",
                (utcnow().isoformat(), status, json.dumps(stats, sort_keys=True, default=str), message[:2000],
                 run_id),
            )
        return self.get_run(run_id)

    def get_run(self, run_id: int) -> CrawlRun:
        row = self.db.execute("SELECT * FROM crawl_runs WHERE id=?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(run_id)
        return _run(row)

    def runs(self, spider: str | None = None, limit: int = 50) -> list[CrawlRun]:
        sql, args = "SELECT * FROM crawl_runs", []
        if spider:
            sql += " WHERE spider=?"
            args.append(spider)
        rows = self.db.execute(sql + " ORDER BY id DESC LIMIT ?", [*args, limit]).fetchall()
        return [_run(r) for r in rows]

    def latest_runs(self) -> list[CrawlRun]:
        """The most recent run of every spider (what `ailex status` shows)."""
        rows = self.db.execute(
            "SELECT * FROM crawl_runs WHERE id IN (SELECT MAX(id) FROM crawl_runs GROUP BY spider) ORDER BY spider"
        ).fetchall()
        return [_run(r) for r in rows]

    def summary(self) -> dict:
        """JSON-able block for `ailex status`: last run per spider plus link/validator counts."""
        return {
            "last_runs": {
                r.spider: {
                    "run": r.id,
                    "status": r.status,
                    "started_at": r.started_at.isoformat(),
                    "finished_at": r.finished_at.isoformat() if r.finished_at else None,
                    "replay": r.replay,
                    **{k: r.stats.get(k, 0) for k in RUN_COUNTERS},
                    **({"message": r.message} if r.message else {}),
                }
                for r in self.latest_runs()
            },
            "documents_seen": self.db.execute("SELECT COUNT(*) FROM crawl_documents").fetchone()[0],
            "documents_off_topic": self.db.execute(
                "SELECT COUNT(*) FROM crawl_documents WHERE document_id IS NULL"
            ).fetchone()[0],
            "links": self.db.execute("SELECT COUNT(*) FROM document_links").fetchone()[0],
            "validated_urls": self.db.execute("SELECT COUNT(*) FROM http_validators").fetchone()[0],
        }

    # -- HTTP validators ---------------------------------------------------------
    def validators(self, url: str) -> HttpValidators | None:
        row = self.db.execute("SELECT * FROM http_validators WHERE url=?", (url,)).fetchone()
        if row is None:
            return None
        d = dict(row)
        d.pop("fetched_at", None)
        d.pop("schema_version", None)
        return HttpValidators.model_validate(d)

    def save_validators(self, v: HttpValidators) -> None:
        with self.store.transaction() as db:
            db.execute(
                """INSERT INTO http_validators (url, etag, last_modified, sha256, content_type, fetched_at,
                       schema_version) VALUES (?,?,?,?,?,?,?)
                   ON CONFLICT(url) DO UPDATE SET etag=excluded.etag, last_modified=excluded.last_modified,
                       sha256=excluded.sha256, content_type=excluded.content_type, fetched_at=excluded.fetched_at""",
                (v.url, v.etag, v.last_modified, v.sha256, v.content_type, utcnow().isoformat(),
                 CRAWL_SCHEMA_VERSION),
            )

    # -- documents seen ----------------------------------------------------------
    def seen(self, source_key: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM crawl_documents WHERE source_key=?", (source_key,)).fetchone()

    def remember(
        self, source_key: str, spider: str, relevance: float, terms: list[str], meta_sha: str,
        document_id: str | None,
    ) -> None:
        now = utcnow().isoformat()
        with self.store.transaction() as db:
            db.execute(
                """INSERT INTO crawl_documents (source_key, spider, document_id, relevance, terms, meta_sha,
                       first_seen, last_seen, schema_version) VALUES (?,?,?,?,?,?,?,?,?)
                   ON CONFLICT(source_key) DO UPDATE SET spider=excluded.spider,
                       document_id=COALESCE(excluded.document_id, crawl_documents.document_id),
                       relevance=excluded.relevance, terms=excluded.terms, meta_sha=excluded.meta_sha,
                       last_seen=excluded.last_seen""",
                (source_key, spider, document_id, relevance, json.dumps(terms, ensure_ascii=False), meta_sha,
                 now, now, CRAWL_SCHEMA_VERSION),
            )

    def relevance(self, source_key: str) -> float | None:
        row = self.seen(source_key)
        return None if row is None else float(row["relevance"])

    # -- links -------------------------------------------------------------------
    def add_links(self, links: list[DocumentLink]) -> int:
        """Insert links not known yet; returns how many were new."""
        if not links:
            return 0
        now = utcnow().isoformat()
        with self.store.transaction() as db:
            before = db.total_changes
            db.executemany(
                """INSERT OR IGNORE INTO document_links (from_key, to_key, relation, spider, first_seen,
                       schema_version) VALUES (?,?,?,?,?,?)""",
                [(l.from_key, l.to_key, l.relation, l.spider, now, CRAWL_SCHEMA_VERSION) for l in links],
            )
            return db.total_changes - before

    def links(self, source_key: str | None = None) -> list[DocumentLink]:
        """Links from or to `source_key` (all links when None)."""
        sql, args = "SELECT * FROM document_links", []
        if source_key is not None:
            sql += " WHERE from_key=? OR to_key=?"
            args = [source_key, source_key]
        rows = self.db.execute(sql + " ORDER BY from_key, relation, to_key", args).fetchall()
        return [DocumentLink.model_validate({k: r[k] for k in ("from_key", "to_key", "relation", "spider")})
                for r in rows]

    def related_documents(self, document_id: str) -> list[dict]:
        """Stored documents linked to a stored document, in either direction (for the API)."""
        row = self.db.execute("SELECT source_key FROM documents WHERE id=?", (document_id,)).fetchone()
        if row is None:
            raise KeyError(document_id)
        key = row[0]
        rows = self.db.execute(
            """SELECT l.relation, 'out' AS direction, d.id, d.title, d.doc_type FROM document_links l
                   JOIN documents d ON d.source_key = l.to_key WHERE l.from_key = ?
               UNION
               SELECT l.relation, 'in' AS direction, d.id, d.title, d.doc_type FROM document_links l
                   JOIN documents d ON d.source_key = l.from_key WHERE l.to_key = ?
               ORDER BY 1, 3""",
            (key, key),
        ).fetchall()
        return [dict(r) for r in rows]


def _run(row: sqlite3.Row) -> CrawlRun:
    d = dict(row)
    d["stats"] = json.loads(d.get("stats") or "{}")
    d["replay"] = bool(d.get("replay"))
    return CrawlRun.model_validate(d)
