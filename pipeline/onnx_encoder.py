"""multilingual-e5-small as int8 ONNX, run by onnxruntime with the `tokenizers` library (no torch).

The folder comes from `pipeline.onnx_export.build_onnx` (`ailex model build`): its graph already
does mean pooling over the attention mask and L2 normalisation, so a run returns unit-norm
sentence embeddings. The e5 prompts ("passage: " / "query: ") come from the folder's manifest.

Batching. Dynamic int8 quantisation picks one activation scale per tensor at run time, so a
padded batch would make a text's vector depend on its batch-mates (and on padding) by ~1e-2.
By default every text therefore runs alone (`batch_tokens=0`): no padding at all, vectors that
are exactly batch-independent (the encoder contract), and the cores are kept busy by running
texts in parallel, one single-threaded onnxruntime call per worker thread, longest first. With
`batch_tokens > 0` texts are instead sorted by token length and packed into padded batches of at
most `batch_tokens` tokens (and `batch_size` rows): slightly faster on some machines, no longer
bit-for-bit batch-independent (cosine to the unbatched vector > 0.995, tests/test_onnx_encoder.py).
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from corpus.settings import DEFAULT_MODEL_NAME
from pipeline.encoders import E5_SMALL_MIN_SCORE, EncoderError
from pipeline.onnx_export import MODEL_FILE, is_onnx_built, read_manifest

PAD_ID = 1  # XLM-R <pad>


class OnnxEncoder:
    def __init__(
        self,
        folder: str | Path,
        batch_size: int = 32,
        threads: int = 0,
        max_length: int | None = None,
        batch_tokens: int = 0,
    ):
        folder = Path(folder)
        if not is_onnx_built(folder):
            raise EncoderError(f"no complete ONNX model in {folder}: run `ailex model build`")
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise EncoderError(
                f"{exc.name} is not installed (pip install onnxruntime==1.32.0), "
                "or set AILEX_ENCODER=sentence-transformers"
            ) from exc

        manifest = read_manifest(folder) or {}
        self.folder = folder
        self.dim = int(manifest["dim"])
        q = manifest.get("quantisation") or {}
        # the tag changes with the quantisation recipe, so the embedding cache and the index (keyed by
        # this name) never mix vectors of two recipes: format 3 is "int8rr" (onnx_export.QUANT_TAG)
        self.name = f"{manifest.get('source_name', folder.name)}-onnx-{q.get('tag', 'int8') if q else 'fp32'}"
        source = manifest.get("source_name", folder.name)
        self.min_score = E5_SMALL_MIN_SCORE if source == DEFAULT_MODEL_NAME else 0.0
        prompts = manifest.get("prompts") or {}
        self._query_prompt = prompts.get("query", "")
        self._passage_prompt = prompts.get("document", "")
        self.max_length = int(max_length or manifest.get("max_seq_length", 512))
        self.batch_size = max(1, int(batch_size))
        self.batch_tokens = max(0, int(batch_tokens))
        self.threads = int(threads) or (os.cpu_count() or 1)

        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(self.max_length)
        self._tok_lock = threading.Lock()  # a Tokenizer's truncation/padding state is shared; keep calls serial

        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.inter_op_num_threads = 1
        # singletons run in parallel from `threads` Python threads, each onnxruntime call on one
        # core; padded batches run one at a time on all `threads` cores
        opts.intra_op_num_threads = 1 if not self.batch_tokens else self.threads
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")  # do not burn a shared CPU
        self._session = ort.InferenceSession(str(folder / MODEL_FILE), opts, providers=["CPUExecutionProvider"])
        self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="onnx-enc") if self.threads > 1 else None

    # -- helpers -------------------------------------------------------------------------
    def _tokenize(self, texts: list[str]) -> list[list[int]]:
        with self._tok_lock:
            return [e.ids for e in self._tokenizer.encode_batch(texts)]

    def _run(self, rows: list[list[int]]) -> np.ndarray:
        width = max(len(r) for r in rows)
        ids = np.full((len(rows), width), PAD_ID, np.int64)
        mask = np.zeros((len(rows), width), np.int64)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = r
            mask[i, : len(r)] = 1
        out = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return np.asarray(out, dtype=np.float32)

    def batches(self, lengths: list[int]) -> list[list[int]]:
        """Indices grouped into runs: singletons, or longest-first padded batches under the token budget."""
        order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
        if not self.batch_tokens:
            return [[i] for i in order]
        out: list[list[int]] = []
        cur: list[int] = []
        for i in order:
            width = lengths[cur[0]] if cur else lengths[i]  # longest first: the first row sets the width
            if cur and ((len(cur) + 1) * width > self.batch_tokens or len(cur) >= self.batch_size):
                out.append(cur)
                cur = []
            cur.append(i)
        if cur:
            out.append(cur)
        return out

    def _encode(self, texts: list[str], prompt: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        rows = self._tokenize([prompt + t for t in texts])
        groups = self.batches([len(r) for r in rows])
        work = [[rows[i] for i in g] for g in groups]
        if self._pool and len(work) > 1:
            results = list(self._pool.map(self._run, work))
        else:
            results = [self._run(w) for w in work]
        out = np.empty((len(texts), self.dim), np.float32)
        for g, vecs in zip(groups, results):
            out[g] = vecs
        # the graph normalises already; renormalise so float error never leaves the unit sphere
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts), self._passage_prompt)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts), self._query_prompt)

    def token_lengths(self, texts: list[str], prompt: str = "passage: ") -> list[int]:
        return [len(r) for r in self._tokenize([prompt + t for t in texts])]

    def close(self) -> None:
        if self._pool:
            self._pool.shutdown(wait=False)
            self._pool = None

    def __repr__(self) -> str:
        return f"OnnxEncoder({str(self.folder)!r}, threads={self.threads}, batch_tokens={self.batch_tokens})"

