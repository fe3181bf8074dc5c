"""Which FAISS index a corpus gets, by its size, and the parameters of the approximate one.

Measured on this project's 2-core machine with vectors from multilingual-e5's distribution
(tests/benchmarks/bench_scale.py, BENCHMARKS.md "Scale"):

* exact search reads every vector per query (memory-bandwidth bound: ~1.4 ms at 10k,
  ~6-14 ms at 100k, ~60 ms at 1M units as float32): perfect, and fast enough up to `EXACT_MAX`
  units. New exact indexes store the vectors as fp16 (`IDMap2,SQfp16`, kind `EXACT_FP16`): a
  query reads half the bytes, and on the sample corpus (55.6k e5 vectors x 384, k ~1165, one
  thread) a query took 3.5-4.5 ms (p50, two runs) against 5.5-6.8 ms for float32 `IDMap2,Flat`,
  with Recall@10 1.0 against float32 (top-10 scores within 5e-5; flat SQ8 was slower, 4.6 ms, at
  recall 0.9885). Filtered queries gain less (30% of ids allowed: 6.2 against 7.1 ms; 2,000 ids:
  the same 2.1 ms). It needs no training, and halves the vectors' memory (768 bytes a unit, the
  sample corpus's file 43 MB instead of 86). Float32 `IDMap2,Flat`
  (kind `EXACT`) is what older snapshots hold: still loaded and searched as exact;
* above it, IVF with 8-bit scalar quantisation (`IndexIVFScalarQuantizer`, inner product, on
  residuals): 384 bytes of code + 8 of id per unit, ~0.40 GB per million units against 1.54 GB as
  float32; it supports `add_with_ids` and `remove_ids`, so updates stay incremental. With
  nlist ≈ 2·sqrt(N) and nprobe 64, Recall@10 against exact search is ≥ 0.95 at 100k and 1M units
  at ~1-2 ms a query. HNSW was rejected: its links cost ~256 bytes/unit at M=32 (over the
  0.6 GB/M budget with SQ8 codes), building 1M takes ~6 min here, and it cannot remove.

A unit count is vectors (passages plus sentence windows), not passages."""
from __future__ import annotations

import math

EXACT_FP16 = "faiss-idmap2-sqfp16-ip"  # exact search over fp16 vectors: what new exact indexes get
EXACT = "faiss-idmap2-flat-ip"  # float32 exact search: older snapshots' kind, still loaded and searched
IVF_SQ8 = "faiss-ivf-sq8-ip"
KINDS = (EXACT_FP16, EXACT, IVF_SQ8)
EXACT_KINDS = (EXACT_FP16, EXACT)  # every vector scored (no lists to probe, no retraining)

# default of AILEX_INDEX_EXACT_MAX: derived from the query target (index-only p50 <= 5 ms). Exact
# search reads every vector: 80k x 1.5 KB = 123 MB as float32, ~5 ms at the ~25 GB/s one core gets
# here (half that as fp16, which leaves headroom). The whole sample corpus (~55k units with sentence
# windows) stays exact.
EXACT_MAX = 80_000
# Back to exact only below half the threshold, so a corpus hovering at the line does not
# rebuild on every update.
HYSTERESIS = 0.5
RETRAIN_GROWTH = 4.0  # retrain the IVF when the corpus has grown past 4x the units it was trained on
MIN_POINTS_PER_LIST = 39  # FAISS's own floor for k-means
TRAIN_POINTS_PER_LIST = 64  # training sample: 64 x nlist units (k-means cost is nlist x sample)


def choose_kind(units: int, exact_max: int = EXACT_MAX, current: str | None = None) -> str:
    """The index kind for a corpus of `units` vectors (with hysteresis when one exists). An exact
    index is always `EXACT_FP16`, so a float32 `EXACT` one (older snapshots) differs from the
    answer and `ailex index` rebuilds it once from the embedding cache, without re-embedding."""
    if current == IVF_SQ8 and units >= exact_max * HYSTERESIS:
        return IVF_SQ8
    return EXACT_FP16 if units <= exact_max else IVF_SQ8


def choose_nlist(units: int) -> int:
    """About 2·sqrt(N) inverted lists (512 at 100k, 2048 at 1M), as a power of two, never more than
    k-means can train. 4·sqrt(N) made k-means on 1M take minutes on 2 cores for little gain."""
    target = 2 * math.sqrt(max(units, 1))
    nlist = 1 << max(0, round(math.log2(target)))
    return max(1, min(nlist, units // MIN_POINTS_PER_LIST))


NPROBE = 64


def choose_nprobe(nlist: int) -> int:
    """Lists scanned per query. At 100k (nlist 512) nprobe 32 gave Recall@10 0.94, 48 0.946, 64
    0.97; at 1M (nlist 2048) 32 gave 0.955, 64 0.971, 128 0.975 (the 8-bit codes cap it near 0.985)."""
    return max(1, min(nlist, NPROBE))


def needs_retrain(units: int, trained_on: int) -> bool:
    return trained_on > 0 and units > RETRAIN_GROWTH * trained_on
