"""What duplicate detection (pipeline/dedupe.py) remembers between runs, in the store.

Linking a passage to an earlier copy needs the earlier passages' shingles. Keeping them here
(sampled word 5-gram hashes, one row each, written once when a passage is first compared) makes
each run compare only the passages that are new since the last one, instead of re-reading and
re-shingling the whole corpus at every publish."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from corpus.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS dedupe_shingles (
    language TEXT NOT NULL,
    shingle INTEGER NOT NULL,
    passage_id INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS dedupe_shingles_value ON dedupe_shingles(language, shingle);
CREATE TABLE IF NOT EXISTS dedupe_exact (
    language TEXT NOT NULL,
    normal_sha TEXT NOT NULL,
    passage_id INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS dedupe_exact_value ON dedupe_exact(language, normal_sha);
-- passages already compared (linked or not); a passage absent here is compared at the next run
CREATE TABLE IF NOT EXISTS dedupe_done (passage_id INTEGER PRIMARY KEY);
"""


class DuplicateIndex:
    def __init__(self, store: Store):
        self.store = store
        store.db.executescript(SCHEMA)

    def pending(self) -> list[tuple[int, str, str, str]]:
        """(id, document id, language, text) of the active passages to compare now, by id: those
        never compared, and those whose canonical passage has been retired since (they are
        compared again, so they point at a live copy or become canonical themselves)."""
        db = self.store.db
        with self.store.transaction():
            db.execute("""DELETE FROM dedupe_done WHERE passage_id IN (
                              SELECT p.id FROM passages p JOIN passages c ON c.id = p.duplicate_of
                              WHERE p.active = 1 AND c.active = 0)""")
        rows = db.execute("""SELECT p.id, p.document_id, p.language, p.text FROM passages p
                             WHERE p.active = 1 AND p.id NOT IN (SELECT passage_id FROM dedupe_done)
                             ORDER BY p.id""").fetchall()
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    def _lookup(self, sql: str, pairs: Iterable[tuple[str, object]], temp: str, kind: str) -> list[tuple]:
        db = self.store.db
        db.execute(f"CREATE TEMP TABLE IF NOT EXISTS {temp} (language TEXT, value {kind})")
        db.execute(f"DELETE FROM {temp}")
        db.executemany(f"INSERT INTO {temp} VALUES (?, ?)", list(pairs))
        out = db.execute(sql).fetchall()
        db.execute(f"DELETE FROM {temp}")
        return [tuple(r) for r in out]

    def shingle_owners(self, pairs: Iterable[tuple[str, int]]) -> list[tuple[str, int, int, str]]:
        """(language, shingle, passage id, document id) of active, compared, canonical passages that
        hold any of the (language, shingle) pairs."""
        return self._lookup("""SELECT s.language, s.shingle, s.passage_id, p.document_id
                               FROM (SELECT DISTINCT language, value FROM temp.dedupe_want_shingles) w
                               JOIN dedupe_shingles s ON s.language = w.language AND s.shingle = w.value
                               JOIN passages p ON p.id = s.passage_id
                               WHERE p.active = 1 AND p.duplicate_of IS NULL ORDER BY s.passage_id""",
                            pairs, "dedupe_want_shingles", "INTEGER")

    def exact_owners(self, pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str, int, str]]:
        """(language, normalised-text hash, passage id, document id) of the first active passage
        holding each text."""
        return self._lookup("""SELECT e.language, e.normal_sha, MIN(e.passage_id), p.document_id
                               FROM (SELECT DISTINCT language, value FROM temp.dedupe_want_exact) w
                               JOIN dedupe_exact e ON e.language = w.language AND e.normal_sha = w.value
                               JOIN passages p ON p.id = e.passage_id
                               WHERE p.active = 1 GROUP BY e.language, e.normal_sha""",
                            pairs, "dedupe_want_exact", "TEXT")

    def record(self, compared: Sequence[int], links: dict[int, int],
               shingles: Sequence[tuple[str, int, int]], exact: Sequence[tuple[str, str, int]]) -> None:
        """Store one run: each compared passage's link (or none), and the shingles and text hashes of
        the passages later ones may copy."""
        with self.store.transaction() as db:
            db.executemany("UPDATE passages SET duplicate_of=? WHERE id=?",
                           [(links.get(pid), pid) for pid in compared])
            db.executemany("INSERT INTO dedupe_shingles (language, shingle, passage_id) VALUES (?,?,?)", shingles)
            db.executemany("INSERT INTO dedupe_exact (language, normal_sha, passage_id) VALUES (?,?,?)", exact)
            # rows of retired passages stay: every lookup joins on active passages, and deleting them
            # would cost a scan of the whole table per run
            db.executemany("INSERT OR IGNORE INTO dedupe_done (passage_id) VALUES (?)", [(p,) for p in compared])

    def reset(self) -> None:
        """Forget every comparison: the next run compares the whole corpus again."""
        with self.store.transaction() as db:
            for table in ("dedupe_shingles", "dedupe_exact", "dedupe_done"):
                db.execute(f"DELETE FROM {table}")
            db.execute("UPDATE passages SET duplicate_of=NULL WHERE duplicate_of IS NOT NULL")
