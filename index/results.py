"""From a ranking to the hits a reader sees: cutoff, copies collapsed, groups interleaved,
passages and documents filled in, the matching sentence and the query's words marked.

Everything here reads the same snapshot the ranking came from (filter columns, duplicate
links, document table) and passage rows by id (immutable once written)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from corpus.families import ROLES, authority_key
from corpus.models import Document, Passage
from corpus.text import base_language, words
from index.diversify import collapse, interleave
from index.highlight import best_sentence_by_terms, term_spans
from index.provisions import unit_key
from index.retrieve import TOPIC_WORDS, Diversify, Mode, PassageRows, Ranking
from index.snapshot import Snapshot
from index.translations import language_copies
from index.units import unit_id
from pipeline.windows import sentence_windows

FACET_DEPTH = 100  # facets count the best hits this deep, not the whole corpus
# passage vectors of one family this close are one provision's copies (a reading with a few words
# changed, another format cut at other places); translations are matched by provision number instead
COPY_SIMILARITY = 0.95
OPERATIVE = frozenset({"article", "definition"})  # unit types that state the rule itself
OPERATIVE_MARGIN = 0.02  # an operative provision this close below a recital goes before it
OPERATIVE_LOOKAHEAD = 30  # how far down the ranking the operative provision may be



@dataclass
class Hit:
    rank: int
    score: float
    passage: Passage
    document: Document
    best_sentence: str | None = None
    highlights: list[tuple[int, int]] = field(default_factory=list)  # character spans of query terms
    also_in: list[tuple[int, Document]] = field(default_factory=list)  # the same text elsewhere (collapsed)
    similarity: float | None = None  # cosine of the passage's best unit to the query; None: found by words only
    concepts: list[dict] = field(default_factory=list)  # [{"id", "label", "score", "evidence"}] (issue 14)


@dataclass
class SearchResult:
    query: str
    mode: str
    took_ms: float
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    below_cutoff: int = 0  # ranked passages hidden by the relevance cutoff


@lru_cache(maxsize=4096)
def _windows(text: str, unit_type: str = "") -> list[str]:
    """A hit's sentences (to show the one that matched); the same passages come back often."""
    return sentence_windows(text, unit_type)


class ResultBuilder:
    def __init__(self, rows: PassageRows):
        self.rows = rows

    def passages(self, ids) -> dict[int, Passage]:
        return self.rows.passages_by_ids(list(ids))

    @staticmethod
    def document(snap: Snapshot, doc_id: str) -> Document:
        return snap.documents.get(doc_id)

    def build(self, snap: Snapshot, query: str, ranking: Ranking, k: int, mode: Mode, diversify: Diversify | None,
              collapse_duplicates: bool, cutoff: float, started: float,
              prefer_languages: tuple[str, ...] = ()) -> SearchResult:
        ranked = ranking.ranked
        hidden = 0
        if cutoff > 0 and mode != "keyword":
            kept = [(pid, s) for pid, s in ranked
                    if (pid in ranking.dense and ranking.dense[pid].score >= cutoff) or pid in ranking.words]
            hidden, ranked = len(ranked) - len(kept), kept
        cols = snap.columns
        facets = cols.facets(np.array([pid for pid, _ in ranked[:FACET_DEPTH]], np.int64))
        if snap.concepts is not None:  # issue 14: concepts among the same best hits
            facets["concept"] = snap.concepts.facet(np.array([pid for pid, _ in ranked[:FACET_DEPTH]], np.int64))
        # grouping needs only ids, duplicate links and filter columns; whole passages are read
        # for the hits shown (and their copies), not for the whole ranked list
        groups = collapse(ranked, lambda ps: cols.canonical_of(ps[0])) if collapse_duplicates \
            else [(ps, []) for ps in ranked]
        if collapse_duplicates:
            groups = self._family_copies(snap, groups, prefer_languages, limit=max(k * (8 if diversify else 3), 40))
        # a short query names a topic ("labelling of AI-generated content"): the rule first; a longer
        # one quotes or paraphrases a passage (a recital's sentence): that passage first
        if len(words(query)) <= TOPIC_WORDS:
            groups = self._operative_first(snap, groups, ranking)
        if diversify:
            column = "language" if diversify == "language" else "jurisdiction"
            group_of = lambda g: cols.value_of(column, g[0][0])  # noqa: E731
            # each group's turn comes in the order of its best match's similarity (words-only hits count
            # with their rank): a jurisdiction whose best provision is close is not shown after one that
            # only shares a word with the query
            def sim(g) -> float:  # a hit's similarity is its best copy's (a collapsed translation's, say)
                return max((ranking.dense[p].score for p in [g[0][0], *[c for c, _ in g[1]]] if p in ranking.dense),
                           default=-1.0)

            best: dict[str, float] = {}
            for g in groups:
                best[group_of(g)] = max(best.get(group_of(g), -1.0), sim(g))
            # groups take turns in the order of their best match (stable: each group keeps its ranking)
            groups = sorted(groups, key=lambda g: -best[group_of(g)])
            groups = interleave(groups, group_of)
        groups = groups[:k]
        passages = self.passages(pid for (pid, _), copies in groups for pid in [pid, *[c for c, _ in copies]])
        if collapse_duplicates:  # the provision in the act's other language texts, found or not
            groups = [(head, copies + [(c, 0.0) for c in language_copies(
                          snap, self.rows, passages[head[0]], {passages[p].document_id for p in [head[0], *[c for c, _ in copies]]})])
                      for head, copies in groups]
            passages |= self.passages(c for _, copies in groups for c, _ in copies if c not in passages)
        hits = []
        for (pid, score), copies in groups:
            p = passages[pid]
            sentences = _windows(p.text, p.unit_type)
            window = ranking.dense[p.id].window if p.id in ranking.dense else 0
            best = sentences[window - 1] if 0 < window <= len(sentences) else best_sentence_by_terms(sentences, query)
            hits.append(Hit(len(hits) + 1, score, p, snap.documents.get(p.document_id), best_sentence=best,
                            highlights=term_spans(p.text, query),
                            also_in=[(passages[c].id, snap.documents.get(passages[c].document_id)) for c, _ in copies],
                            similarity=ranking.dense[pid].score if pid in ranking.dense else None,
                            concepts=snap.concepts.hit_concepts(p.id, p.text, p.unit_type) if snap.concepts is not None else []))
        took = (time.perf_counter() - started) * 1000
        return SearchResult(query, mode, round(took, 2), ranking.total, hits, facets, hidden)

    def _family_copies(self, snap: Snapshot, groups: list, prefer: tuple[str, ...], limit: int) -> list:
        """One hit per provision of an act: the copies of a provision in the act's other documents
        (a reading's copy, another format, a translation: one family, corpus/families.py) are listed
        in the most authoritative one's `also_in` (the preferred languages in order, then final text
        over position, then official print). A reading's copy is recognised by its vector (a few words changed:
        cosine ≥ COPY_SIMILARITY), a translation by its provision number (index/provisions.py), since
        the best multilingual vectors of one provision in two languages are not that close. Only the
        first `limit` groups are compared: the page never shows more."""
        head, tail = groups[:limit], groups[limit:]
        rows = self.passages(pid for (pid, _), _ in head)
        kept: list[tuple[tuple[int, float], list]] = []
        info: list[tuple[str, np.ndarray | None, object, str]] = []
        for (pid, score), copies in head:
            p = rows.get(pid)
            family = snap.documents.family(p.document_id) if p is not None else None
            if family is None or len(family.members) < 2:
                kept.append(((pid, score), list(copies)))
                info.append(("", None, None, ""))
                continue
            try:
                vector = snap.index.vector(unit_id(pid, 0))
            except KeyError:  # a passage with no vector of its own (a heading)
                vector = None
            key = unit_key(p).key if p.unit_type in OPERATIVE or p.unit_type in ("recital", "annex") else None
            for n, (fam, other, other_key, language) in enumerate(info):
                if fam != family.id:
                    continue
                copy_text = vector is not None and other is not None and float(vector @ other) >= COPY_SIMILARITY
                translation = key is not None and key == other_key and language != p.language.split("-")[0]
                if copy_text or translation:
                    kept[n][1].extend([(pid, score), *copies])
                    break
            else:
                kept.append(((pid, score), list(copies)))
                info.append((family.id, vector, key, p.language.split("-")[0]))
        order = [base_language(lang) for lang in prefer if lang]

        def authority(pid: int, position: int) -> tuple:
            # the preferred languages first (an English question gets the English text of an act, be
            # it a translation; a Portuguese one with no Portuguese copy the fallback language's, never
            # whichever copy's id sorts first), then the final text over readings, positions and
            # format copies, then the official print over markup over conversions
            doc_id = snap.columns.value_of("document_id", pid)
            member = snap.documents.member(doc_id)
            language = base_language(snap.columns.value_of("language", pid))
            role = authority_key(member, order[0] if order else "") if member is not None else (len(ROLES), 1, 9, doc_id)
            rank = order.index(language) if language in order else len(order)
            return (rank, role[0], *role[2:], position)

        out = []
        for (pid, score), copies in kept:
            if copies:  # the representative takes the group's place in the ranking
                members = [pid, *[c for c, _ in copies]]
                best = min(range(len(members)), key=lambda n: authority(members[n], n))
                if best:
                    chosen = members[best]
                    copies = [(c, s) for c, s in [(pid, score), *copies] if c != chosen]
                    pid = chosen
            out.append(((pid, score), copies))
        return out + tail

    @staticmethod
    def _operative_first(snap: Snapshot, groups: list, ranking: Ranking) -> list:
        """Within one document, an operative provision (article, section, definition) that matches
        nearly as well as a recital or other non-operative passage ranked above it goes first: the
        reader cites the rule, the recital explains it (it stays on the page as context)."""
        if not ranking.dense:
            return groups
        cols = snap.columns
        out = list(groups)
        for i in range(len(out)):
            pid = out[i][0][0]
            if cols.value_of("unit_type", pid) in OPERATIVE or pid not in ranking.dense:
                continue
            doc, sim = cols.value_of("document_id", pid), ranking.dense[pid].score
            for j in range(i + 1, min(len(out), i + OPERATIVE_LOOKAHEAD)):
                other = out[j][0][0]
                if (cols.value_of("document_id", other) == doc and cols.value_of("unit_type", other) in OPERATIVE
                        and other in ranking.dense and ranking.dense[other].score >= sim - OPERATIVE_MARGIN):
                    out.insert(i, out.pop(j))
                    break
        return out
