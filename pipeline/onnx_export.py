"""Export the local multilingual-e5-small folder to ONNX and quantise it to int8, offline.

`build_onnx(st_folder, out)` reads the sentence-transformers folder that `ailex model build`
wrote (Transformer → mean Pooling → Normalize), exports one ONNX graph that does all three
(input_ids, attention_mask → unit-norm sentence_embedding, batch and sequence axes dynamic),
fuses the BERT-style subgraphs with onnxruntime's transformer optimiser, and quantises the
weights of every MatMul and attention projection to int8 (QInt8, per output channel, 7-bit
range; dynamic quantisation: activations are quantised per run). onnxruntime runs the result
as fused DynamicQuantizeMatMul / QAttention / SkipLayerNormalization / BiasGelu kernels.

`reduce_range` matters on AVX2 without VNNI: onnxruntime's u8×s8 kernel adds pairs of products
in int16 (vpmaddubsw), which can saturate with full-range weights; 7-bit weights cannot, and
they brought Recall@10 back to fp32's. Dev eval, passage vectors only (1,878 EN/FR/DE AI Act passages,
240 items; issue #8): fp32 graph Recall@10 0.842 / MRR 0.607; format 2 (full-range weights,
FFN output projections kept fp32) 0.817 / 0.606; all MatMuls full range 0.829 / 0.581; all
MatMuls reduce_range (format 3) 0.842 / 0.606, and 1.16x format 2's passages/s (interleaved,
~216-token passages; 3.2x torch fp32 in the same run). The folder it writes holds model.onnx,
tokenizer.json, the e5 prompts and a manifest; it is written to a temp folder and renamed at the
end, so a crash leaves nothing half-built, and a complete folder is left alone unless `force`.

Needs `onnx` and `onnxruntime` (and torch/transformers, which the project has anyway);
`pipeline.onnx_encoder` needs only onnxruntime and tokenizers to run the result.
"""
from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
import time
from pathlib import Path

from corpus.settings import DEFAULT_MODEL_NAME

log = logging.getLogger(__name__)

ONNX_DIR_SUFFIX = "-onnx-int8"
DEFAULT_ONNX_NAME = DEFAULT_MODEL_NAME + ONNX_DIR_SUFFIX
MANIFEST = "ailex-onnx.json"
MODEL_FILE = "model.onnx"
OPSET = 17
FORMAT_VERSION = 3  # bump when the graph or the manifest changes, so old folders get rebuilt
# the encoder's name (the embedding cache's and the index's model key): vectors of another
# format differ, so they must not be mixed with these
QUANT_TAG = "int8rr"


class OnnxBuildError(Exception):
    pass


def default_onnx_folder(st_folder: Path) -> Path:
    """The ONNX folder beside the sentence-transformers one (…/multilingual-e5-small-onnx-int8)."""
    st_folder = Path(st_folder)
    return st_folder.with_name(st_folder.name + ONNX_DIR_SUFFIX)


def read_manifest(folder: Path) -> dict | None:
    try:
        return json.loads((Path(folder) / MANIFEST).read_text())
    except (OSError, ValueError):
        return None


def is_onnx_built(folder: Path) -> bool:
    m = read_manifest(folder)
    return bool(m) and m.get("format") == FORMAT_VERSION and (Path(folder) / MODEL_FILE).exists()


def is_up_to_date(st_folder: Path, out: Path | None = None) -> bool:
    """True when `out` (default: beside `st_folder`) is complete and built from these weights."""
    st_folder = Path(st_folder)
    out = Path(out) if out else default_onnx_folder(st_folder)
    try:
        return is_onnx_built(out) and read_manifest(out).get("source_fingerprint") == _source_fingerprint(st_folder)
    except OnnxBuildError:
        return False


def _source_fingerprint(st_folder: Path) -> str:
    """Cheap identity of the source weights (size + first/last MiB), so a rebuilt model is noticed."""
    weights = next((st_folder / n for n in ("model.safetensors", "pytorch_model.bin") if (st_folder / n).exists()), None)
    if weights is None:
        raise OnnxBuildError(f"no model weights in {st_folder}: run `ailex model build`")
    h = hashlib.sha256(str(weights.stat().st_size).encode())
    with open(weights, "rb") as f:
        h.update(f.read(1 << 20))
        f.seek(max(0, weights.stat().st_size - (1 << 20)))
        h.update(f.read())
    return h.hexdigest()[:16]


def _pooling_config(st_folder: Path) -> None:
    """Refuse folders whose pipeline is not Transformer → mean Pooling → Normalize (what the graph does)."""
    try:
        modules = json.loads((st_folder / "modules.json").read_text())
        pooling_dir = next(m["path"] for m in modules if m["type"].endswith(".Pooling"))
        pooling = json.loads((st_folder / pooling_dir / "config.json").read_text())
    except (OSError, ValueError, StopIteration, KeyError) as exc:
        raise OnnxBuildError(f"{st_folder} is not a sentence-transformers folder with a Pooling module: {exc}") from exc
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    if kinds != ["Transformer", "Pooling", "Normalize"] or not pooling.get("pooling_mode_mean_tokens"):
        raise OnnxBuildError(f"{st_folder}: expected Transformer → mean Pooling → Normalize, found {kinds} {pooling}")


def _prompts(st_folder: Path) -> dict[str, str]:
    try:
        cfg = json.loads((st_folder / "config_sentence_transformers.json").read_text())
    except (OSError, ValueError):
        return {}
    return dict(cfg.get("prompts") or {})


def _max_seq_length(st_folder: Path) -> int:
    try:
        return int(json.loads((st_folder / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (OSError, ValueError, KeyError):
        return 512


def _export_fp32(st_folder: Path, path: Path) -> tuple[int, int]:
    """Export Transformer + masked mean pooling + L2 normalisation as one graph; return (hidden, heads)."""
    import torch
    import transformers
    from transformers import AutoModel

    transformers.logging.set_verbosity_error()
    # eager attention traces to plain MatMul/Softmax, which the ORT optimiser fuses into Attention
    model = AutoModel.from_pretrained(str(st_folder), local_files_only=True, attn_implementation="eager")
    model.eval()

    class Embedder(torch.nn.Module):
        def __init__(self, encoder):
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            summed = (hidden * mask).sum(dim=1)
            mean = summed / mask.sum(dim=1).clamp(min=1e-9)  # as sentence-transformers' Pooling
            return torch.nn.functional.normalize(mean, p=2, dim=1)  # as its Normalize

    wrapper = Embedder(model).eval()
    ids = torch.tensor([[0, 35378, 12, 10, 2], [0, 1294, 2, 1, 1]], dtype=torch.long)
    mask = (ids != 1).long()
    with torch.no_grad():
        torch.onnx.export(
            wrapper, (ids, mask), str(path), dynamo=False, opset_version=OPSET,
            input_names=["input_ids", "attention_mask"], output_names=["sentence_embedding"],
            dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
                          "sentence_embedding": {0: "batch"}},
            do_constant_folding=True,
        )
    return int(model.config.hidden_size), int(model.config.num_attention_heads)


def _optimise(src: Path, dst: Path, hidden: int, heads: int) -> bool:
    """Fuse attention / LayerNorm / GELU with onnxruntime's transformer optimiser (offline, CPU).
    Returns False (and copies the graph unchanged) when the optimiser is not usable."""
    try:
        from onnxruntime.transformers.optimizer import optimize_model

        opt = optimize_model(str(src), model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=0,
                             use_gpu=False)
        opt.save_model_to_file(str(dst))
        return True
    except Exception as exc:  # the unfused graph is correct, only slower
        log.warning("onnxruntime transformer optimiser failed (%s): keeping the unfused graph", exc)
        shutil.copyfile(src, dst)
        return False


def _quantise(src: Path, dst: Path, per_channel: bool) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # the fused Attention/SkipLayerNormalization nodes live in the com.microsoft domain, where ONNX
    # shape inference cannot type their outputs: every tensor here is float32
    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, per_channel=per_channel, reduce_range=True,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})


def build_onnx(st_folder: Path, out: Path | None = None, force: bool = False, per_channel: bool = True) -> Path:
    """Export + optimise + quantise `st_folder` into `out` (default: beside it, …-onnx-int8).

    Idempotent: a complete folder built from the same source weights is returned as is.
    Raises `OnnxBuildError` when the source is missing or onnx/onnxruntime are not installed."""
    st_folder = Path(st_folder)
    out = Path(out) if out else default_onnx_folder(st_folder)
    if not (st_folder / "config.json").exists():
        raise OnnxBuildError(f"model folder {st_folder} is missing or incomplete: run `ailex model build`")
    _pooling_config(st_folder)
    fingerprint = _source_fingerprint(st_folder)
    if not force and is_up_to_date(st_folder, out):
        return out
    try:
        import onnx  # noqa: F401  (the exporter and the quantiser need it)
        import onnxruntime
    except ImportError as exc:
        raise OnnxBuildError(
            f"{exc.name} is not installed: pip install onnxruntime==1.32.0 onnx==1.23.2"
        ) from exc
    if not (st_folder / "tokenizer.json").exists():
        raise OnnxBuildError(f"{st_folder} has no tokenizer.json")

    t0 = time.monotonic()
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in out.parent.glob(out.name + ".building-*"):  # left by a build that was killed
        if time.time() - stale.stat().st_mtime > 3600:
            shutil.rmtree(stale, ignore_errors=True)
    # a temp folder of our own: two processes building at once (parallel test runs) do not collide
    tmp = Path(tempfile.mkdtemp(prefix=out.name + ".building-", dir=out.parent))
    tmp.chmod(0o755)
    try:
        work = tmp / "work"
        work.mkdir()
        hidden, heads = _export_fp32(st_folder, work / "fp32.onnx")
        fused = _optimise(work / "fp32.onnx", work / "fused.onnx", hidden, heads)
        _quantise(work / "fused.onnx", tmp / MODEL_FILE, per_channel)
        shutil.rmtree(work)
        shutil.copyfile(st_folder / "tokenizer.json", tmp / "tokenizer.json")
        manifest = {
            "format": FORMAT_VERSION,
            "source_model": str(st_folder.resolve()),
            "source_name": st_folder.name,
            "source_fingerprint": fingerprint,
            "opset": OPSET,
            "exporter": "torch.onnx.export(dynamo=False)",
            "optimised": "onnxruntime.transformers.optimizer(bert)" if fused else None,
            "quantisation": {"method": "onnxruntime.quantization.quantize_dynamic", "weight_type": "QInt8",
                             "per_channel": per_channel, "reduce_range": True, "fp32_matmuls": 0,
                             "tag": QUANT_TAG},
            "inputs": ["input_ids", "attention_mask"],
            "output": "sentence_embedding",
            "pooling": "mean",
            "normalize": True,
            "dim": hidden,
            "max_seq_length": _max_seq_length(st_folder),
            "prompts": _prompts(st_folder),
            "onnxruntime": onnxruntime.__version__,
            "seconds": round(time.monotonic() - t0, 1),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1))  # written last: marks the folder complete
    except OnnxBuildError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    except Exception as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OnnxBuildError(f"ONNX export of {st_folder} failed: {type(exc).__name__}: {exc}") from exc
    if not force and is_up_to_date(st_folder, out):  # another process finished first
        shutil.rmtree(tmp, ignore_errors=True)
        return out
    old = Path(tempfile.mkdtemp(prefix=out.name + ".old-", dir=out.parent))
    if out.exists():
        out.rename(old / "prev")
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)
    return out
