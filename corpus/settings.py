"""One typed settings object for every stage, read from the environment (prefix AILEX_).

Nothing reads the environment at import time: callers ask for `get_settings()` (cached)
or build `Settings(...)` themselves, which is what the tests do.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MODEL_NAME = "multilingual-e5-small"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AILEX_", extra="ignore")

    data_dir: Path = Field(Path("data"), description="Where the store, blobs and index live.")
    sample: Path = Field(Path("../shared/corpus"), description="Folder of the sample corpus (documents.csv).")
    model: str = Field(
        "",
        description="sentence-transformers model: a local folder or a model name. "
        "Empty means the multilingual-e5-small folder built into AILEX_MODEL_CACHE.",
    )
    model_cache: Path = Field(
        Path.home() / ".cache" / "ailex", description="Folder for models built at install time."
    )
    encoder: Literal["onnx", "sentence-transformers", "fake"] = Field(
        "onnx", description="'onnx' runs the int8 ONNX export of the model (built by "
        "`ailex model build`; ~2x faster on CPU, vectors within cosine 0.997 of fp32); 'fake' is a tiny deterministic encoder for tests and dry runs."
    )
    batch_size: int = Field(32, ge=1, le=1024, description="Passages per embedding batch.")
    threads: int = Field(0, ge=0, description="Torch/FAISS threads; 0 lets the libraries decide.")
    index_exact_max: int = Field(
        80_000, ge=0, description="Vectors (passages plus sentence windows) up to which the index is exact "
        "(FAISS, fp16 vectors); above it IVF with 8-bit codes (~0.4 GB per million vectors, Recall@10 >= 0.95).",
    )
    sentence_vectors: bool = Field(
        True, description="Also embed each sentence of a passage and score the passage by its best sentence "
        "(better matching of single provisions; about 3× the embedding work).",
    )
    chunk_words: int = Field(160, ge=40, le=1000, description="Target passage length in words.")
    max_file_mb: int = Field(200, ge=1, description="Files larger than this are refused with status 'failed'.")
    # per-document extraction limits (pipeline/sandbox.py): a hostile file fails alone
    extract_timeout_s: float = Field(
        600.0, ge=0, description="Extraction time limit per document, in seconds (OCR of a long scan takes minutes): "
        "the document's child process is killed past it and the version fails with the reason. "
        "0 extracts in-process, with no time or memory limit.",
    )
    extract_memory_mb: int = Field(
        2048, ge=0, description="Memory (address space) limit per document's extraction process, in MB; 0 means none.",
    )
    extract_workers: int = Field(2, ge=1, le=32, description="Documents extracted in parallel (child processes).")
    host: str = Field("127.0.0.1", description="Address `ailex serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `ailex serve` listens on.")
    max_k: int = Field(100, ge=1, le=1000, description="Largest k the API accepts.")
    result_cache: int = Field(
        1024, ge=0, description="Search results kept per server process for identical requests; a new index "
        "snapshot empties it, and entries expire after 60 s. 0 turns it off.")
    admin_token: SecretStr = Field(
        SecretStr(""), description="Bearer token for state-changing API endpoints (re-index); empty turns them off.",
    )
    preferred_language: str = Field(
        "en", pattern=r"^[a-z]{2,3}$", description="Language whose copy of a provision a result shows when an act "
        "exists in several languages (the EU AI Act) and neither a language filter nor the query's own language "
        "decides (\"Article 50\" reads as English and French alike); the others are listed in `also_in`.",
    )
    min_score: float | None = Field(
        None, ge=0.0, le=1.0, description="Relevance cutoff on the dense similarity: weaker search hits are hidden "
        "and comparison columns say \"no good match\". Unset: the encoder's calibrated cutoff (0.83 for the "
        "built multilingual-e5-small, none for other models and the fake encoder); 0 turns it off.",
    )
    # -- crawling (crawlers/, `ailex crawl`, `ailex schedule`) --------------------------
    crawl_contact_url: str = Field(
        "", description="Contact URL (or mailto:) put in the crawler's User-Agent so site operators can "
        "reach you; set it before crawling live sites.",
    )
    crawl_concurrency_per_domain: int = Field(
        1, ge=1, le=2, description="Concurrent requests per site (politeness: 1, at most 2)."
    )
    crawl_download_delay: float = Field(
        1.0, ge=0.0, description="Seconds between requests to the same site (AutoThrottle may raise it)."
    )
    crawl_http_cache: bool = Field(False, description="Cache HTTP responses under DATA_DIR/httpcache (development).")
    crawl_min_relevance: float = Field(
        0.3, ge=0.0, le=1.0, description="AI-relevance score (0-1) a crawled document needs to enter the corpus; "
        "documents below it are counted as off_topic and not stored.",
    )
    crawl_schedule: Path = Field(
        Path("crawl_schedule.toml"), description="Config file of `ailex schedule`: jobs with spiders and cron schedules."
    )
    congress_api_key: SecretStr = Field(
        SecretStr(""), description="api.data.gov key for the congress.gov API v3 (required to crawl it live)."
    )
    govinfo_api_key: SecretStr = Field(
        SecretStr("DEMO_KEY"), description="api.data.gov key for the govinfo API (DEMO_KEY is heavily rate-limited)."
    )
    senado_cl_api_key: SecretStr = Field(
        SecretStr(""), description="Key of the Chilean Senate's bill-tracking API (restsil.senado.cl, `Apikey` "
        "header); without it the senado_cl spider uses the public tramitación web service only.",
    )

    # -- watches (`ailex watch`, feeds, e-mail digests, webhooks) ------------------------
    smtp_url: SecretStr = Field(
        SecretStr(""), description="Mail server for watch digests: smtp://host:port, smtp+starttls://user:pass@host:587 "
        "or smtps://user:pass@host:465; empty sends no e-mail (matches stay in feeds, the API and /new).",
    )
    smtp_from: str = Field("ailex@localhost", description="Sender address of watch e-mail digests.")
    public_url: str = Field(
        "", description="The address users reach the server at (e.g. https://ailex.example.org), for absolute "
        "links in e-mails, webhooks and feeds; empty: feeds use the request's address, e-mails http://HOST:PORT.",
    )

    # -- running at scale (`ailex crawl --distributed`, `ailex ingest-worker`, `ailex index --snapshot`) --
    redis_url: str = Field(
        "redis://127.0.0.1:6379/0", description="Redis holding the shared crawl frontier (request queues, "
        "duplicate filters, per-site politeness), the item queue and the index writer lock.",
    )
    redis_lease_seconds: int = Field(
        30, ge=2, le=3600, description="A crawler or ingest worker that has not sent a heartbeat for this long is "
        "dead: its in-flight requests or items go back to the queue for the others.",
    )
    concept_taxonomy: Path | None = Field(
        None, description="The concept taxonomy (YAML) that `ailex index` tags passages with; empty: the one "
        "shipped in pipeline/concepts/taxonomy.yaml. A file that fails validation stops `ailex index`.",
    )
    snapshot_root: Path | None = Field(
        None, description="API replicas: serve the newest complete snapshot in this folder (written by "
        "`ailex index --snapshot`) instead of AILEX_DATA_DIR, and switch when a newer one appears.",
    )

    @property
    def db_path(self) -> Path:
        return self.data_dir / "ailex.sqlite"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def model_path(self) -> str:
        """What to hand to SentenceTransformer(): the configured model or the built e5 folder."""
        return self.model or str(self.model_cache / DEFAULT_MODEL_NAME)


@lru_cache
def get_settings() -> Settings:
    return Settings()
