"""Shared fixtures: a temp data folder, the fake encoder, the real corpus in ../shared."""
from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("AILEX_SHARED", ROOT.parent / "shared")).resolve()


def require_shared() -> Path:
    """The real data must be there: tests that need it fail loudly, never skip."""
    if not (SHARED / "corpus" / "documents.csv").exists():
        pytest.fail(
            f"../shared is missing (looked in {SHARED}): these tests read the real corpus, snapshot "
            "and eval set in place. Put the shared folder beside the repository or set AILEX_SHARED.",
            pytrace=False,
        )
    return SHARED


@pytest.fixture(scope="session")
def shared() -> Path:
    return require_shared()


@pytest.fixture(scope="session")
def corpus_rows(shared) -> dict[str, dict]:
    with open(shared / "corpus" / "documents.csv", newline="", encoding="utf-8") as f:
        return {row["path"]: row for row in csv.DictReader(f)}


@pytest.fixture
def settings(tmp_path):
    from corpus.settings import Settings

    return Settings(data_dir=tmp_path / "data", encoder="fake", sample=SHARED / "corpus")


@pytest.fixture
def store(settings):
    from corpus.store import Store

    s = Store(settings.data_dir)
    yield s
    s.close()


SMALL_DOCS = (
    "cn/genai_interim_measures_EN_translation.txt",
    "us-md/HB338_2024_facial_recognition.md",
    "us-ca/SB53_2025_chaptered.txt",
    "cn/genai_interim_measures_cac.htm",
)


def write_csv(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _small_rows(shared: Path, corpus_rows: dict[str, dict]) -> list[dict]:
    return [dict(corpus_rows[p], path=str(shared / "corpus" / p)) for p in SMALL_DOCS]


@pytest.fixture
def small_csv(tmp_path, shared, corpus_rows) -> Path:
    """A CSV naming four small real documents (by absolute path into ../shared)."""
    return write_csv(tmp_path / "small.csv", _small_rows(shared, corpus_rows))


@pytest.fixture(scope="session")
def small_corpus_template(tmp_path_factory, shared, corpus_rows) -> Path:
    """Four real documents imported, extracted and indexed with the fake encoder, once."""
    from corpus.importer import import_csv
    from corpus.settings import Settings
    from corpus.store import Store
    from index.ingest import Ingest
    from pipeline.encoders import FakeEncoder

    root = tmp_path_factory.mktemp("small")
    settings = Settings(data_dir=root / "data", encoder="fake")
    store = Store(settings.data_dir)
    import_csv(store, write_csv(root / "small.csv", _small_rows(shared, corpus_rows)))
    Ingest(settings, store, FakeEncoder()).run()
    store.close()
    return settings.data_dir


@pytest.fixture
def small_corpus(settings, small_corpus_template):
    """A private copy of the small corpus in this test's data folder (tests may change it)."""
    import shutil

    from corpus.store import Store

    shutil.copytree(small_corpus_template, settings.data_dir, dirs_exist_ok=True)
    s = Store(settings.data_dir)
    yield s
    s.close()


@pytest.fixture(scope="session")
def real_encoder():
    """The real multilingual-e5-small built by `ailex model build` (make test builds it first)."""
    from corpus.settings import Settings
    from pipeline.encoders import SentenceTransformerEncoder
    from pipeline.model_build import is_built

    path = Settings().model_path
    if not is_built(Path(path)) and not Path(path).exists():
        pytest.fail(f"the model is not built at {path}: run `make install` (ailex model build)", pytrace=False)
    return SentenceTransformerEncoder(path, batch_size=32)


@pytest.fixture(scope="session")
def onnx_encoder(real_encoder):
    """The int8 ONNX export of the same model (`ailex model build` makes it; built here when missing)."""
    from corpus.settings import Settings
    from pipeline.onnx_encoder import OnnxEncoder
    from pipeline.onnx_export import OnnxBuildError, build_onnx

    try:
        folder = build_onnx(Path(Settings().model_path))  # idempotent: returns at once when up to date
    except OnnxBuildError as exc:
        pytest.fail(f"cannot build the ONNX model: {exc}", pytrace=False)
    encoder = OnnxEncoder(folder, threads=2)
    yield encoder
    encoder.close()


# The real-model corpus: the AI Act in the eval's three languages, the documents that the topic
# queries (tests/test_topics.py) expect, and the hub-prone documents of the sample corpus (the
# Australian Senate report's footnotes, the European Parliament's first-reading copy of the Act, the
# Council of Europe methodology, the Taiwanese draft and the Chinese report whose sentences sit close
# to many queries); built once per session with the real encoder. The whole sample corpus (what
# `make demo` builds) would take ~16 min of embedding on a 2-core AVX2 machine; its figures are in
# the README.
REAL_DOCS = (
    "eu/ai_act/AI_Act-EN.txt", "eu/ai_act/AI_Act-FR.txt", "eu/ai_act/AI_Act-DE.txt",
    "us-co/SB24-205_signed.pdf", "us-md/HB338_2024_facial_recognition.md", "us-ca/SB942_2024_chaptered.pdf",
    "us-ca/AB2013_2024_chaptered.pdf", "us-ca/SB53_2025_chaptered.txt", "us-tn/ELVIS_Act_HB2091_SB2096.pdf",
    "br/PL2338_2023_Senado.pdf", "cn/genai_interim_measures_EN_translation.txt",
    "kr/AI_Basic_Act_committee_alternative_bill_6772.pdf",
    "au/Senate_Select_Committee_Adopting_AI_final_report.pdf", "eu/EP_P9_TA-2024-0138_AI_Act_legislative_resolution.pdf",
    "coe/HUDERIA_methodology_CAI_2024_16rev2.pdf", "tw/AI_Basic_Act_draft.pdf",
    "cn/AI_risk_governance_report_2024_encrypted.pdf", "ca/C-27_E_parl.ca.xml",
)


@pytest.fixture(scope="session")
def real_searcher(tmp_path_factory, shared, corpus_rows):
    from corpus.importer import import_csv
    from corpus.settings import Settings
    from corpus.store import Store
    from index.ingest import Ingest
    from index.search import Searcher
    from pipeline.encoders import load_encoder

    root = tmp_path_factory.mktemp("real")
    settings = Settings(data_dir=root / "data")
    if os.environ.get("AILEX_TEST_REAL_CORPUS"):  # development: a copy of a corpus built from REAL_DOCS before
        import shutil

        shutil.copytree(os.environ["AILEX_TEST_REAL_CORPUS"], settings.data_dir)
    store = Store(settings.data_dir)
    # the source key is the corpus path, not the absolute one: document ids (and so every tie broken
    # by id) are the same on every machine, wherever ../shared is mounted
    rows = [dict(corpus_rows[p], path=str(shared / "corpus" / p), source_key=f"file:{p}") for p in REAL_DOCS]
    report = import_csv(store, write_csv(root / "real.csv", rows))
    assert not report.errors, report.errors
    encoder = load_encoder(settings)
    Ingest(settings, store, encoder).run()
    return Searcher(settings, store, encoder)
