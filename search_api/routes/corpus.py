"""GET /corpus (page) and /api/corpus (JSON): what is in the corpus and how the last crawls went."""
from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from search_api.deps import CrawlStateDep, SettingsDep, StoreDep
from search_api.routes.health import index_info
from corpus.activity import ai_activity
from search_api.schemas import ActivityOut, CorpusOut, CrawlRunOut
from search_api.views import templates

router = APIRouter(tags=["corpus"])


def _ranked(values) -> dict[str, int]:
    return dict(sorted(Counter(values).items(), key=lambda x: (-x[1], x[0])))


def corpus_summary(request: Request, store, crawl, settings) -> CorpusOut:
    docs = store.documents()
    counts = store.counts()
    return CorpusOut(
        documents=counts["documents"], passages=counts["passages"],
        by_jurisdiction=_ranked(d.jurisdiction for d in docs),
        by_language=_ranked(d.language or "unknown" for d in docs),
        by_doc_type=_ranked(d.doc_type for d in docs),
        by_status=_ranked(d.status or "unknown" for d in docs),
        by_processing_status=counts["by_status"], passages_by_language=counts["by_language"],
        index=index_info(request, settings),
        last_crawls=[CrawlRunOut(
            spider=r.spider, run=r.id, status=r.status, started_at=r.started_at.isoformat(timespec="minutes"),
            finished_at=r.finished_at.isoformat(timespec="minutes") if r.finished_at else None, replay=r.replay,
            message=r.message, **{k: int(r.stats.get(k, 0) or 0) for k in ("items", "new", "changed", "failed")},
        ) for r in crawl.latest_runs()],
        ai_activity=[ActivityOut(**a.model_dump(exclude={"schema_version"}))
                     for a in ai_activity(store, settings.crawl_min_relevance)],
    )


@router.get("/api/corpus", response_model=CorpusOut)
def corpus_json(request: Request, store: StoreDep, crawl: CrawlStateDep, settings: SettingsDep) -> CorpusOut:
    """Documents per jurisdiction, language, type and status; passages per language; the last crawl per source."""
    return corpus_summary(request, store, crawl, settings)


@router.get("/corpus", response_class=HTMLResponse, include_in_schema=False)
def corpus_page(request: Request, store: StoreDep, crawl: CrawlStateDep, settings: SettingsDep) -> HTMLResponse:
    return templates.TemplateResponse(request, "corpus.html", {
        "nav": "corpus", "c": corpus_summary(request, store, crawl, settings)})
