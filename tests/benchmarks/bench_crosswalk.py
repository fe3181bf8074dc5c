"""Crosswalks and diffs in-process over a built corpus: time against the 2 s target, and the figures
behind the crosswalk's scoring and match classes (README, Crosswalks).

    .venv/bin/python tests/benchmarks/bench_crosswalk.py --data DIR [--repeats 5]

DIR is a data folder indexed with the real model (`make demo` builds one; the AI Act in English,
French and German, its Parliament position, Brazil's PL 2338, Korea's AI Basic Act and Colorado SB
24-205 must be in it). Runs, interleaved: the whole English AI Act (recitals, articles, annexes)
against each of those documents, each of those against the AI Act (articles), and the diff of
the Parliament's position against the Regulation. Then, once: how many units of the English AI Act
meet the same number in French and German, the CSLS scores of those aligned pairs, the match
classes per pair, and how cosine and CSLS rank a reading list of Brazil ↔ AI Act article pairs.
Writes OUT/crosswalk.md and OUT/crosswalk.json (tests/benchmarks/common.py). Not collected by pytest."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.common import DEFAULT_OUT, interleaved, machine_info, mmm, table, write_section  # noqa: E402

TITLES = {  # document → how to find it in any data folder (by its source file)
    "AI Act EN": "ai_act/AI_Act-EN.txt", "AI Act FR": "ai_act/AI_Act-FR.txt", "AI Act DE": "ai_act/AI_Act-DE.txt",
    "EP position": "EP_P9_TA-2024-0138", "Brazil PL 2338": "PL2338_2023", "Korea AI Basic Act": "AI_Basic_Act_committee",
    "Colorado SB 24-205": "SB24-205",
}
# Brazil's PL 2338 article → the AI Act articles a reader would put beside it (read in both texts)
READING_LIST = {1: {1}, 4: {3}, 5: {86, 26}, 7: {50, 26, 86, 13}, 8: {86}, 10: {14, 86}, 13: {6, 9, 27}, 14: {5}, 15: {5},
                17: {6, 7}, 18: {7}, 19: {9, 17, 10}, 20: {10, 11, 12, 14, 15}, 21: {26, 27}, 22: {27}, 23: {27},
                24: {27, 9}, 25: {27, 9}, 26: {27}, 30: {95, 56}, 31: {73}, 32: {70}, 33: {70}, 34: {70, 74}, 36: {99},
                37: {99}, 38: {57, 58}, 39: {57, 58}, 40: {57, 58}, 41: {60, 61, 59}, 42: {53}, 43: {71, 49}}
TARGET_S = 2.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    from corpus.store import Store
    from index.crosswalk import EQUIVALENT, PARTIAL, coverage, crosswalk, csls, document_units, unit_vectors
    from index.diff import current_reading, diff
    from index.provisions import select
    from index.snapshot import load_current

    store = Store(args.data)
    snap = load_current(args.data / "index")
    ids = {}
    for name, key in TITLES.items():
        found = [d.id for d in store.documents() if key in d.source_key]
        if not found:
            raise SystemExit(f"{args.data} has no document for {name} ({key})")
        ids[name] = found[0]
    en = ids["AI Act EN"]
    others = [n for n in TITLES if n != "AI Act EN"]

    runs = {f"AI Act EN → {n} (all units)": (lambda n=n: _ms(lambda: crosswalk(snap, store, en, ids[n], "all"))) for n in others}
    runs |= {f"{n} → AI Act EN (articles)": (lambda n=n: _ms(lambda: crosswalk(snap, store, ids[n], en))) for n in
             ("Brazil PL 2338", "Korea AI Basic Act", "Colorado SB 24-205")}
    reading = (current_reading(store, store.get_document(ids["EP position"])), current_reading(store, store.get_document(en)))
    runs["diff: EP position → Regulation (EN)"] = lambda: _ms(lambda: diff(*reading))
    timings = interleaved(runs, args.repeats)

    # the figures behind the scoring and the thresholds
    same, aligned_scores = {}, {}
    for lang in ("FR", "DE"):
        cw = crosswalk(snap, store, en, ids[f"AI Act {lang}"], "all")
        wanted = [r for r in cw.rows if (r.unit.kind == "article" and 1 <= int(r.unit.key.number) <= 113)
                  or (r.unit.kind == "recital")]
        same[lang] = (sum(1 for r in wanted if r.counterparts and r.counterparts[0].unit.key.same_number(r.unit.key)), len(wanted))
        aligned_scores[lang] = [c.score for r in cw.rows if r.unit.kind == "article" for c in r.counterparts[:1]]
        best = crosswalk(snap, store, en, ids[f"AI Act {lang}"], "all", align="best")
        same[f"{lang} best"] = (sum(1 for r in best.rows if (r.unit.kind == "article" and 1 <= int(r.unit.key.number) <= 113
                                                           or r.unit.kind == "recital") and r.counterparts
                                    and r.counterparts[0].unit.key.same_number(r.unit.key)), len(wanted))
    classes = {}
    for n in ("Brazil PL 2338", "Korea AI Basic Act", "Colorado SB 24-205", "EP position"):
        classes[n] = crosswalk(snap, store, ids[n], en).summary()
    br, eu = select(document_units(snap, store, ids["Brazil PL 2338"]), "article"), select(document_units(snap, store, en), "article")
    cos = unit_vectors(snap, br) @ unit_vectors(snap, eu).T
    ranking = {}
    both = (cos + coverage(snap, br, eu)) / 2
    for name, score in (("cosine", cos), ("CSLS (k=10)", csls(cos)),
                        ("CSLS of cosine and sentence coverage (what `best` uses)", csls(both))):
        top1 = top3 = n = 0
        for i, u in enumerate(br):
            gold = READING_LIST.get(int(u.key.number)) if u.key.number.isdigit() else None
            if not gold:
                continue
            order = [int(eu[j].key.number) for j in np.argsort(-score[i])[:3]]
            n, top1, top3 = n + 1, top1 + (order[0] in gold), top3 + bool(set(order) & gold)
        ranking[name] = (top1, top3, n)

    info = machine_info()
    rows = [[name, mmm(s, 0), f"{s['median'] / 1000 / TARGET_S:.2f}"] for name, s in timings.items()]
    md = [f"## Crosswalks and diffs (issue 15)", "",
          f"    .venv/bin/python tests/benchmarks/bench_crosswalk.py --data {args.data}", "",
          f"In-process (snapshot and store already open), {args.repeats} interleaved repeats; {info['cpu']}, "
          f"{info['cores']} cores ({', '.join(info['simd'])}), load average {info['load_average'][0]:.1f} when measured, "
          f"{time.strftime('%Y-%m-%d')}. Target: the whole AI Act against another document in ≤ {TARGET_S:.0f} s.", "",
          table(["request", "ms (min / median / max)", "median ÷ 2 s target"], rows), "",
          "Alignment and scoring (the figures behind README, Crosswalks):", "",
          table(["check", "result"], [
              [f"EN → {lang}: Articles 1–113 and Recitals 1–180 on the same number, in order", f"{a}/{b}"]
              for lang, (a, b) in same.items() if "best" not in lang] + [
              [f"EN → {lang.split()[0]}: the same, best match per unit instead (no order)", f"{a}/{b}"]
              for lang, (a, b) in same.items() if "best" in lang] + [
              [f"EN → {lang}: CSLS of aligned articles, 1st / 10th / 25th / 50th percentile",
               " / ".join(f"{v:.3f}" for v in np.percentile(v, [1, 10, 25, 50]))] for lang, v in aligned_scores.items()] + [
              [f"EN → {lang}: aligned articles at or above EQUIVALENT ({EQUIVALENT})",
               f"{np.mean(np.array(v) >= EQUIVALENT):.0%}"] for lang, v in aligned_scores.items()] + [
              [f"Brazil → AI Act, reading list of {n} articles, {name}: top-1 / top-3", f"{t1} / {t3}"]
              for name, (t1, t3, n) in ranking.items()] + [
              [f"{name} → AI Act EN (articles): equivalent / partial / none, coverage",
               f"{s['equivalent']} / {s['partial']} / {s['none']}, {s['coverage']:.0%}"] for name, s in classes.items()]),
          "", f"Thresholds: equivalent ≥ {EQUIVALENT}, partial ≥ {PARTIAL} (CSLS; in order mode every aligned unit "
              f"at or above {PARTIAL} is equivalent)."]
    write_section(args.out, "crosswalk", "\n".join(md), {"timings": timings, "same_number": same, "classes": classes,
                                                          "ranking": ranking})
    print("\n".join(md))
    return 0


def _ms(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


if __name__ == "__main__":
    raise SystemExit(main())
