"""The document store: content-addressed blobs on disk plus SQLite (WAL) for records.

Blobs are written through a temp file, fsync and rename, so a crash never leaves a
half-written original. Every version row has a processing status, so nothing is lost
silently: a file that cannot be read is still stored, with the reason.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from corpus import jurisdictions
from corpus.models import (
    SCHEMA_VERSION,
    Document,
    DocumentMeta,
    Passage,
    PassageDraft,
    ProcessingStatus,
    Version,
    utcnow,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    source_key TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    jurisdiction TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT '',
    date TEXT NOT NULL DEFAULT '',
    source_url TEXT NOT NULL DEFAULT '',
    identifiers TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    current_version INTEGER,
    schema_version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id TEXT NOT NULL REFERENCES documents(id),
    sha256 TEXT NOT NULL,
    content_type TEXT NOT NULL,
    filename TEXT NOT NULL,
    size INTEGER NOT NULL,
    fetched_at TEXT NOT NULL,
    processing_status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    pages INTEGER,
    schema_version INTEGER NOT NULL,
    UNIQUE (document_id, sha256)
);
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id TEXT NOT NULL REFERENCES documents(id),
    version_id INTEGER NOT NULL REFERENCES versions(id),
    seq INTEGER NOT NULL,
    text TEXT NOT NULL,
    language TEXT NOT NULL,
    locator TEXT NOT NULL DEFAULT '',
    page_start INTEGER,
    page_end INTEGER,
    text_sha TEXT NOT NULL,
    duplicate_of INTEGER,
    active INTEGER NOT NULL DEFAULT 1,
    schema_version INTEGER NOT NULL,
    unit_type TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS passages_active ON passages(active, id);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(document_id, seq);
CREATE INDEX IF NOT EXISTS passages_sha ON passages(text_sha);
CREATE TABLE IF NOT EXISTS embeddings (
    text_sha TEXT NOT NULL,
    model TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (text_sha, model)
);
"""


class StoreError(Exception):
    pass


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def text_sha(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def document_id_for(jurisdiction: str, source_key: str) -> str:
    """Readable and stable: the jurisdiction, then a hash of where the document comes from."""
    slug = "".join(c if c.isalnum() else "-" for c in jurisdiction.lower()).strip("-") or "doc"
    return f"{slug}-{hashlib.sha1(source_key.encode('utf-8')).hexdigest()[:10]}"


def atomic_write(path: Path, data: bytes) -> None:
    """Write via temp file + fsync + rename, so readers see the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class Store:
    """One store per data folder. Connections are per thread (FastAPI runs sync code in threads)."""

    def __init__(self, data_dir: Path | str):
        self.data_dir = Path(data_dir)
        self.blob_dir = self.data_dir / "blobs"
        self.db_path = self.data_dir / "ailex.sqlite"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self.db.executescript(SCHEMA)  # DDL only, idempotent; executescript manages its own transaction
        self._migrate()

    def _migrate(self) -> None:
        """Columns added since a store was created, added in place (idempotent): an existing
        database keeps its rows; `pipeline.units.backfill_unit_types` fills the unit types of
        passages written before they existed (the next `ailex index` runs it)."""
        columns = {r[1] for r in self.db.execute("PRAGMA table_info(passages)")}
        if "unit_type" not in columns:
            with self.transaction() as db:
                db.execute("ALTER TABLE passages ADD COLUMN unit_type TEXT NOT NULL DEFAULT ''")
        # one code per jurisdiction ("UK" → "GB"); document ids stay as they are (they name the
        # document in links, snapshots and URLs), so nothing that refers to one has to change
        renamed = {v: jurisdictions.normalize(v) for (v,) in self.db.execute("SELECT DISTINCT jurisdiction FROM documents")}
        if any(old != new for old, new in renamed.items()):
            with self.transaction() as db:
                for old, new in renamed.items():
                    if old != new:
                        db.execute("UPDATE documents SET jurisdiction=? WHERE jurisdiction=?", (new, old))

    # -- connections -------------------------------------------------------
    @property
    def db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- blobs -------------------------------------------------------------
    def blob_path(self, sha: str) -> Path:
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            raise StoreError(f"not a sha256: {sha!r}")
        return self.blob_dir / sha[:2] / sha

    def put_blob(self, data: bytes) -> str:
        sha = sha256_bytes(data)
        path = self.blob_path(sha)
        if not path.exists():
            atomic_write(path, data)
        return sha

    def read_blob(self, sha: str) -> bytes:
        return self.blob_path(sha).read_bytes()

    # -- documents and versions ---------------------------------------------
    def upsert_document(self, meta: DocumentMeta) -> Document:
        now = utcnow().isoformat()
        with self.transaction() as db:
            # a known source keeps its id, even when its jurisdiction's spelling changed ("uk-…" ids stay)
            doc_id = self._id_for_source(db, meta.source_key) or document_id_for(meta.jurisdiction, meta.source_key)
            db.execute(
                """INSERT INTO documents (id, source_key, title, jurisdiction, doc_type, status, language,
                       date, source_url, identifiers, created_at, updated_at, schema_version)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
                   ON CONFLICT(source_key) DO UPDATE SET title=excluded.title,
                       jurisdiction=excluded.jurisdiction, doc_type=excluded.doc_type,
                       status=excluded.status, language=excluded.language, date=excluded.date,
                       source_url=excluded.source_url, identifiers=excluded.identifiers,
                       updated_at=CASE WHEN documents.title IS NOT excluded.title
                                        OR documents.status IS NOT excluded.status
                                        OR documents.date IS NOT excluded.date
                                        OR documents.source_url IS NOT excluded.source_url
                                  THEN excluded.updated_at ELSE documents.updated_at END""",
                (doc_id, meta.source_key, meta.title, meta.jurisdiction, meta.doc_type, meta.status,
                 meta.language, meta.date, meta.source_url, json.dumps(meta.identifiers, sort_keys=True),
                 now, now, SCHEMA_VERSION),
            )
        return self.get_document(doc_id)

    @staticmethod
    def _id_for_source(db: sqlite3.Connection, source_key: str) -> str | None:
        row = db.execute("SELECT id FROM documents WHERE source_key=?", (source_key,)).fetchone()
        return row[0] if row else None

    def document_id_by_source(self, source_key: str) -> str | None:
        """The id of the document stored from `source_key`, or None."""
        return self._id_for_source(self.db, source_key)

    def add_version(
        self, document_id: str, data: bytes, content_type: str, filename: str
    ) -> tuple[Version, bool]:
        """Store `data` as the document's current version. Returns (version, created).

        The same bytes again are a no-op; different bytes become a new version."""
        sha = self.put_blob(data)
        with self.transaction() as db:
            row = db.execute(
                "SELECT * FROM versions WHERE document_id=? AND sha256=?", (document_id, sha)
            ).fetchone()
            created = row is None
            if created:
                cur = db.execute(
                    """INSERT INTO versions (document_id, sha256, content_type, filename, size, fetched_at,
                           processing_status, schema_version) VALUES (?,?,?,?,?,?,?,?)""",
                    (document_id, sha, content_type, filename, len(data), utcnow().isoformat(),
                     ProcessingStatus.pending.value, SCHEMA_VERSION),
                )
                version_id = cur.lastrowid
            else:
                version_id = row["id"]
            db.execute(
                "UPDATE documents SET current_version=?, updated_at=CASE WHEN current_version IS ? "
                "THEN updated_at ELSE ? END WHERE id=?",
                (version_id, version_id, utcnow().isoformat(), document_id),
            )
        return self.get_version(version_id), created

    def get_document(self, doc_id: str) -> Document:
        row = self.db.execute(
            """SELECT d.*, v.processing_status AS processing_status, v.reason AS reason
               FROM documents d LEFT JOIN versions v ON v.id = d.current_version WHERE d.id=?""",
            (doc_id,),
        ).fetchone()
        if row is None:
            raise KeyError(doc_id)
        return _document(row)

    def documents(self) -> list[Document]:
        rows = self.db.execute(
            """SELECT d.*, v.processing_status AS processing_status, v.reason AS reason
               FROM documents d LEFT JOIN versions v ON v.id = d.current_version ORDER BY d.id"""
        ).fetchall()
        return [_document(r) for r in rows]

    def get_version(self, version_id: int) -> Version:
        row = self.db.execute("SELECT * FROM versions WHERE id=?", (version_id,)).fetchone()
        if row is None:
            raise KeyError(version_id)
        return Version.model_validate(dict(row))

    def versions(self, document_id: str) -> list[Version]:
        rows = self.db.execute(
            "SELECT * FROM versions WHERE document_id=? ORDER BY id", (document_id,)
        ).fetchall()
        return [Version.model_validate(dict(r)) for r in rows]

    def current_versions(self, statuses: Sequence[ProcessingStatus] | None = None) -> list[Version]:
        sql = "SELECT v.* FROM versions v JOIN documents d ON d.current_version = v.id"
        args: list = []
        if statuses:
            sql += f" WHERE v.processing_status IN ({','.join('?' * len(statuses))})"
            args = [s.value for s in statuses]
        return [Version.model_validate(dict(r)) for r in self.db.execute(sql + " ORDER BY v.id", args)]

    def set_version_status(
        self, version_id: int, status: ProcessingStatus, reason: str = "", pages: int | None = None
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE versions SET processing_status=?, reason=?, pages=COALESCE(?, pages) WHERE id=?",
                (status.value, reason[:2000], pages, version_id),
            )

    # -- passages ----------------------------------------------------------
    def replace_passages(self, version: Version, drafts: Iterable[PassageDraft]) -> int:
        """Make `drafts` the document's searchable passages, retiring every older set.

        One transaction: a reader sees the old passages or the new ones, never a mix."""
        rows = [
            (version.document_id, version.id, d.seq, d.text, d.language, d.locator, d.page_start,
             d.page_end, text_sha(d.text), SCHEMA_VERSION, d.unit_type)
            for d in drafts
        ]
        with self.transaction() as db:
            db.execute("UPDATE passages SET active=0 WHERE document_id=? AND active=1", (version.document_id,))
            db.executemany(
                """INSERT INTO passages (document_id, version_id, seq, text, language, locator, page_start,
                       page_end, text_sha, schema_version, unit_type) VALUES (?,?,?,?,?,?,?,?,?,?,?)""",
                rows,
            )
        return len(rows)

    def passages(self, document_id: str | None = None, active: bool = True) -> list[Passage]:
        sql = "SELECT * FROM passages WHERE active=?"
        args: list = [int(active)]
        if document_id is not None:
            sql += " AND document_id=?"
            args.append(document_id)
        return [_passage(r) for r in self.db.execute(sql + " ORDER BY document_id, seq", args)]

    def _rows_by_ids(self, columns: str, ids: Sequence[int]) -> Iterator[sqlite3.Row]:
        """Passage rows for `ids`, in chunks under SQLite's limit on bound parameters."""
        ids = [int(i) for i in ids]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            yield from self.db.execute(f"SELECT {columns} FROM passages WHERE id IN ({','.join('?' * len(chunk))})", chunk)

    def passages_by_ids(self, ids: Sequence[int]) -> dict[int, Passage]:
        return {r["id"]: _passage(r) for r in self._rows_by_ids("*", ids)}

    def passages_without_unit_type(self, limit: int = 5000) -> list[Passage]:
        """Active passages written before unit types existed (the migration's backlog)."""
        rows = self.db.execute("SELECT * FROM passages WHERE active=1 AND unit_type='' ORDER BY id LIMIT ?", (limit,))
        return [_passage(r) for r in rows]

    def set_unit_types(self, types: dict[int, str]) -> None:
        """Fill in the derived unit type of passages stored without one (the text never changes)."""
        with self.transaction() as db:
            db.executemany("UPDATE passages SET unit_type=? WHERE id=? AND unit_type=''",
                           [(t, pid) for pid, t in types.items()])

    def active_passage_ids(self) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT id FROM passages WHERE active=1 ORDER BY id")]

    # -- embedding cache -------------------------------------------------------
    def cached_embeddings(self, model: str, shas: Sequence[str]) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for start in range(0, len(shas), 500):
            chunk = list(shas[start : start + 500])
            q = f"SELECT text_sha, vector FROM embeddings WHERE model=? AND text_sha IN ({','.join('?' * len(chunk))})"
            out.update({r[0]: r[1] for r in self.db.execute(q, [model, *chunk])})
        return out

    def cache_embeddings(self, model: str, items: Iterable[tuple[str, bytes]]) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO embeddings (text_sha, model, vector) VALUES (?,?,?)",
                [(sha, model, vec) for sha, vec in items],
            )

    # -- reporting -----------------------------------------------------------
    def document_stats(self) -> list[dict]:
        """Per document: status, pages, passages, words and passage languages."""
        langs: dict[str, dict[str, int]] = {}
        for r in self.db.execute(
            "SELECT document_id, language, COUNT(*) FROM passages WHERE active=1 GROUP BY 1, 2 ORDER BY 3 DESC"
        ):
            langs.setdefault(r[0], {})[r[1]] = r[2]
        rows = self.db.execute(
            """SELECT d.id, d.title, COALESCE(v.processing_status, 'no_version') AS status, v.pages,
                      COUNT(p.id) AS passages,
                      COALESCE(SUM(LENGTH(p.text) - LENGTH(REPLACE(p.text, ' ', '')) + 1), 0) AS words
               FROM documents d LEFT JOIN versions v ON v.id = d.current_version
               LEFT JOIN passages p ON p.document_id = d.id AND p.active = 1
               GROUP BY d.id ORDER BY d.id"""
        )
        return [dict(r) | {"languages": langs.get(r["id"], {})} for r in rows]

    def document_counts(self) -> dict[str, dict]:
        """Per document id: stored versions, active passages and their languages ({lang: passages})."""
        out = {r[0]: {"versions": r[1], "passages": 0, "languages": {}}
               for r in self.db.execute("SELECT document_id, COUNT(*) FROM versions GROUP BY 1")}
        for doc_id, lang, n in self.db.execute(
            "SELECT document_id, language, COUNT(*) FROM passages WHERE active=1 GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2"
        ):
            entry = out.setdefault(doc_id, {"versions": 0, "passages": 0, "languages": {}})
            entry["passages"] += n
            entry["languages"][lang] = n
        return out

    def counts(self) -> dict:
        db = self.db
        by = lambda sql: {r[0]: r[1] for r in db.execute(sql)}  # noqa: E731
        return {
            "documents": db.execute("SELECT COUNT(*) FROM documents").fetchone()[0],
            "passages": db.execute("SELECT COUNT(*) FROM passages WHERE active=1").fetchone()[0],
            "by_status": by(
                """SELECT COALESCE(v.processing_status, 'no_version'), COUNT(*) FROM documents d
                   LEFT JOIN versions v ON v.id = d.current_version GROUP BY 1 ORDER BY 1"""
            ),
            "by_jurisdiction": by("SELECT jurisdiction, COUNT(*) FROM documents GROUP BY 1 ORDER BY 1"),
            "by_language": by(
                "SELECT language, COUNT(*) FROM passages WHERE active=1 GROUP BY 1 ORDER BY 2 DESC"
            ),
        }

    # -- duplicates (pipeline.dedupe writes them) ---------------------------------
    def duplicate_map(self) -> dict[int, int]:
        """{passage id: the passage it copies} over active passages (one indexed column read)."""
        return {r[0]: r[1] for r in self.db.execute(
            "SELECT id, duplicate_of FROM passages WHERE active=1 AND duplicate_of IS NOT NULL")}

def _document(row: sqlite3.Row) -> Document:
    d = dict(row)
    d["identifiers"] = json.loads(d.get("identifiers") or "{}")
    d["processing_status"] = d.get("processing_status") or ProcessingStatus.pending.value
    d["reason"] = d.get("reason") or ""
    return Document.model_validate(d)


def _passage(row: sqlite3.Row) -> Passage:
    d = dict(row)
    d.pop("active", None)
    return Passage.model_validate(d)

