"""`ailex eval`: cross-lingual retrieval quality on a JSONL of (query, target_text) items.

A hit is a returned passage in `target_lang` that holds at least 60 % of the target text's
lowercased word 4-grams (so passage boundaries and whitespace do not decide the score)."""
from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from corpus.text import WORD
from index.metadata import Filters
from index.search import Mode, Searcher

NGRAM = 4
HOLD_FRACTION = 0.6


def ngrams(text: str, n: int = NGRAM) -> set[tuple[str, ...]]:
    words = WORD.findall(text.lower())
    n = min(n, len(words)) or 1
    return {tuple(words[i : i + n]) for i in range(max(1, len(words) - n + 1))}


def holds(passage: str, target: str) -> bool:
    want = ngrams(target)
    if not want:
        return False
    n = len(next(iter(want)))
    return len(want & ngrams(passage, n)) >= HOLD_FRACTION * len(want)


@dataclass
class PairStats:
    n: int = 0
    r1: int = 0
    r10: int = 0
    rr: float = 0.0
    ms: list[float] = field(default_factory=list)

    def as_dict(self) -> dict:
        ms = sorted(self.ms) or [0.0]
        return {
            "items": self.n,
            "recall@1": round(self.r1 / max(self.n, 1), 4),
            "recall@10": round(self.r10 / max(self.n, 1), 4),
            "mrr": round(self.rr / max(self.n, 1), 4),
            "latency_ms_p50": round(statistics.median(ms), 2),
            "latency_ms_p95": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 2),
        }


def load_items(path: Path) -> list[dict]:
    items = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{lineno}: not JSON ({exc.msg})") from exc
            missing = [k for k in ("query", "target_lang", "target_text") if k not in item]
            if missing:
                raise ValueError(f"{path}:{lineno}: missing {', '.join(missing)}")
            items.append(item)
    return items


def evaluate(
    searcher: Searcher,
    items: list[dict],
    k: int = 10,
    mode: Mode = "hybrid",
    language_filter: bool = True,
    diversify: str | None = None,
    on_item: Callable[[], None] | None = None,
) -> dict:
    pairs: dict[str, PairStats] = {}
    overall = PairStats()
    strict = PairStats()  # the hits themselves only, not the copies listed in their `also_in`
    # how often each passage shows in a top k without holding that query's target: a "hub" sits close
    # to many queries whatever they ask (footnotes, tables of contents, boilerplate)
    shown: Counter[int] = Counter()
    where: dict[int, tuple[str, str]] = {}
    for item in items:
        filters = Filters(language=[item["target_lang"]]) if language_filter else Filters()
        result = searcher.search(item["query"], k=k, filters=filters, mode=mode, diversify=diversify)  # type: ignore[arg-type]
        def target(p) -> bool:
            return p.language.startswith(item["target_lang"]) and holds(p.text, item["target_text"])

        # a hit holds the target, or lists it among its copies (the same provision in another document
        # of the act's family, e.g. the French text under an English query: shown, linked, citable)
        copies = searcher.results.passages(c for h in result.hits for c, _ in h.also_in)
        hit_rank = next((h.rank for h in result.hits if target(h.passage)), None)
        rank = next((h.rank for h in result.hits
                     if target(h.passage) or any(c in copies and target(copies[c]) for c, _ in h.also_in)), None)
        for h in result.hits:
            if not holds(h.passage.text, item["target_text"]):
                shown[h.passage.id] += 1
                where[h.passage.id] = (h.document.id, h.passage.locator)
        key = f"{item.get('query_lang', '?')}→{item['target_lang']}"
        for stats, found in ((pairs.setdefault(key, PairStats()), rank), (overall, rank), (strict, hit_rank)):
            stats.n += 1
            stats.ms.append(result.took_ms)
            if found is not None:
                stats.r1 += found == 1
                stats.r10 += found <= 10
                stats.rr += 1.0 / found
        if on_item:
            on_item()
    return {
        "mode": mode,
        "language_filter": language_filter,
        "diversify": diversify,
        "k": k,
        "overall": overall.as_dict(),
        "overall_hits_only": strict.as_dict(),
        "pairs": {key: s.as_dict() for key, s in sorted(pairs.items())},
        "hubs": hub_report(shown, where, len(items)),
    }


HUB_SHARE = 0.02  # a passage in the top k of more than 2 % of the queries without holding their target


def hub_report(shown: Counter, where: dict[int, tuple[str, str]], queries: int, top: int = 10) -> dict:
    limit = HUB_SHARE * queries
    return {
        "queries": queries,
        "limit": round(limit, 2),
        "over_limit": sum(1 for n in shown.values() if n > limit),
        "most_shown": [{"passage_id": pid, "document_id": where[pid][0], "locator": where[pid][1], "queries": n}
                       for pid, n in shown.most_common(top)],
    }
