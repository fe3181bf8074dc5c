"""Crawl infrastructure: replay server, URL normalisation, relevance, crawl state, pipeline,
conditional requests, backoff, schedules. Fast: no reactor, no network beyond 127.0.0.1."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import datetime, timezone
from email.utils import format_datetime

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from corpus.crawl_state import CrawlState, DocumentLink, HttpValidators
from crawlers.items import DocumentItem, Link
from crawlers.middlewares import ConditionalRequestMiddleware, backoff_delay, retry_after_seconds
from crawlers.pipelines import CorpusPipeline
from crawlers.relevance import score
from crawlers.replay import ORIGINAL_URL_HEADER, ReplayServer, normalise_url
from crawlers.schedule import Cron, ScheduleError, load_jobs
from crawlers.spiders import SPIDERS, describe
from crawlers.spiders.base import AilexSpider
from tests.crawl_helpers import RECORDINGS, SNAPSHOT, SNAPSHOT_2


def test_normalise_url_is_exact_and_order_free():
    a = normalise_url("https://api.govinfo.gov/collections/BILLS/2018-01-01T00:00:00Z/?pageSize=100&offset=0&api_key=X")
    b = normalise_url("https://API.govinfo.gov:443/collections/BILLS/2018-01-01T00%3A00%3A00Z/?offset=0&pageSize=100")
    assert a == b == "https://api.govinfo.gov/collections/BILLS/2018-01-01T00:00:00Z/?offset=0&pageSize=100"
    assert normalise_url("http://x.org/a?reference=2024/2006(REG)") == normalise_url(
        "http://x.org/a?reference=2024%2F2006%28REG%29")
    assert normalise_url("http://x.org/a") != normalise_url("https://x.org/a")  # scheme matters


def _get(server, url, headers=None):
    req = urllib.request.Request(server.base_url + "/whatever", headers={ORIGINAL_URL_HEADER: url, **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def test_replay_server_answers_from_the_recording():
    with ReplayServer(SNAPSHOT) as server:
        assert len(server.recording) == 106
        status, headers, body = _get(server, "https://bills-api.parliament.uk/api/v1/Bills/2818")
        assert status == 200 and headers["Content-Type"] == "application/json"
        assert json.loads(body)["shortTitle"] == "Abolition of Business Rates Bill"
        etag = headers["ETag"]
        status, _, body = _get(server, "https://bills-api.parliament.uk/api/v1/Bills/2818", {"If-None-Match": etag})
        assert (status, body) == (304, b"")
        assert _get(server, "https://bills-api.parliament.uk/robots.txt")[0] == 404
        assert _get(server, "https://bills-api.parliament.uk/api/v1/Bills/9999")[0] == 404
        status, headers, _ = _get(server, "http://www.assemblee-nationale.fr/14/dossiers/sante.asp")
        assert headers["Content-Type"] == "text/html; charset=iso-8859-1"
        assert server.hits[-1] == ("http://www.assemblee-nationale.fr/14/dossiers/sante.asp", 200)


def test_replay_serves_several_recordings_at_once(tmp_path):
    with ReplayServer(list(RECORDINGS)) as server:
        assert len(server.recording) == 106 + 22
        assert _get(server, "https://bills-api.parliament.uk/api/v1/Bills/2818")[0] == 200
        status, headers, body = _get(server, "https://dadosabertos.camara.leg.br/api/v2/proposicoes/2088351")
        assert status == 200 and json.loads(body)["dados"]["siglaTipo"] == "PEC"
        # the Brazilian full text was not recorded: a 404 like any unrecorded URL
        assert _get(server, "http://www.camara.gov.br/proposicoesWeb/prop_mostrarintegra?codteor=1468431")[0] == 404
    # a URL recorded in two folders answers from the first one given
    (tmp_path / "bodies").mkdir()
    (tmp_path / "bodies" / "b").write_bytes(b"{}")
    (tmp_path / "responses.jsonl").write_text(json.dumps({
        "method": "GET", "url": "https://bills-api.parliament.uk/api/v1/Bills/2818", "status": 200,
        "content_type": "application/json", "body": "bodies/b"}) + "\n")
    with ReplayServer([tmp_path, SNAPSHOT]) as server:
        assert _get(server, "https://bills-api.parliament.uk/api/v1/Bills/2818")[2] == b"{}"
    with ReplayServer([SNAPSHOT, tmp_path]) as server:
        assert json.loads(_get(server, "https://bills-api.parliament.uk/api/v1/Bills/2818")[2])["billId"] == 2818
    cfg = tmp_path / "s.toml"
    cfg.write_text(f'[[jobs]]\nname="x"\nspiders=["camara_br"]\ncron="0 3 * * *"\n'
                   f'replay=["{SNAPSHOT}", "{SNAPSHOT_2}"]\n')
    [job] = load_jobs(cfg)
    assert job.command()[-4:] == ["--replay", str(SNAPSHOT), "--replay", str(SNAPSHOT_2)]


def test_relevance_is_multilingual_and_careful():
    assert score("Artificial Intelligence Act").score == 0.865
    assert score("Projet de loi sur l'intelligence artificielle").terms == ["intelligence artificielle"]
    assert score("Gesetz über Künstliche Intelligenz").terms == ["kunstliche intelligenz"]
    assert score("Ley de inteligencia artificial").score > 0.8
    assert score("Harbour Revision Order 2015").score == 0.0
    assert score("Rapport", "J'ai dit que j'ai vu").score == 0.0  # "ai" in French text is not AI
    assert score("Bill", "Representative from IA and KI chemistry").score == 0.0  # IA/KI count in titles only
    assert score("Loi relative à l'IA").terms == ["ia"]
    assert score("Hearing", "We discussed AI. AI and machine learning.").score > 0.3
    assert score("x").at_least(0.7).score == 0.7  # a relevant parent's score is inherited
    # Portuguese and Spanish terms the Brazilian and Chilean sources use
    assert score("PL 2338/2023: Dispõe sobre o uso da Inteligência Artificial").score > 0.8
    assert "sistemas de inteligencia artificial" in score("Regula", "o uso de sistemas de inteligência artificial").terms
    assert score("Proyecto de ley", "regula las decisiones automatizadas y la IA generativa").terms == [
        "decisiones automatizadas", "ia generativa"]
    assert score("Boletín 18216-05", "ResumenIA: el proyecto").score == 0.0  # a field name is not AI


def test_cron_and_schedule_config(tmp_path):
    c = Cron.parse("*/15 3 * * 1-5")
    assert c.matches(datetime(2026, 11, 25, 3, 30, tzinfo=timezone.utc))  # Wednesday
    assert not c.matches(datetime(2026, 11, 29, 3, 30, tzinfo=timezone.utc))  # Sunday
    assert not c.matches(datetime(2026, 11, 25, 4, 0, tzinfo=timezone.utc))
    assert Cron.parse("0 6 1 * 0").matches(datetime(2026, 11, 29, 6, 0, tzinfo=timezone.utc))  # dom OR dow
    with pytest.raises(ScheduleError):
        Cron.parse("61 * * * *")
    cfg = tmp_path / "s.toml"
    cfg.write_text('[[jobs]]\nname="eu"\nspiders=["europarl","eurlex"]\ncron="0 3 * * *"\nargs={sittings="2024-04-24"}\n'
                   '[[jobs]]\nname="all"\nall=true\ncron="30 4 * * 0"\nindex=false\nreplay="snap"\n')
    eu, everything = load_jobs(cfg)
    assert eu.command()[3:] == ["crawl", "europarl", "eurlex", "--arg", "sittings=2024-04-24"]
    assert everything.spiders == list(SPIDERS) and everything.command()[-3:] == ["--no-index", "--replay",
                                                                                   str(tmp_path / "snap")]
    cfg.write_text('[[jobs]]\nname="x"\ncron="0 3 * * *"\n')
    with pytest.raises(ScheduleError, match="lists no spiders"):
        load_jobs(cfg)


def test_backoff_and_retry_after():
    assert retry_after_seconds(b"120") == 120.0
    now = datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp()
    assert retry_after_seconds(format_datetime(datetime(2026, 1, 1, 0, 0, 30, tzinfo=timezone.utc), usegmt=True),
                               now=now) == 30.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
    assert backoff_delay(0, 2.0, 120.0, retry_after=300.0) == 120.0  # capped
    assert 2.0 <= backoff_delay(1, 2.0, 120.0) <= 4.0  # 2 * 2**1 with jitter in [50%, 100%]


def test_crawl_state_runs_links_validators(store):
    state = CrawlState(store)
    run_id = state.start_run("senat", replay=True)
    run = state.finish_run(run_id, "ok", {"requests": 3, "items": 1, "new": 1})
    assert (run.status, run.replay, run.stats["items"]) == ("ok", True, 1)
    assert state.add_links([DocumentLink(from_key="a", to_key="b", relation="text", spider="senat")]) == 1
    assert state.add_links([DocumentLink(from_key="a", to_key="b", relation="text", spider="senat")]) == 0
    state.save_validators(HttpValidators(url="http://x/", etag='"e1"', sha256="0" * 64))
    assert state.validators("http://x/").etag == '"e1"'
    summary = state.summary()
    assert summary["last_runs"]["senat"]["items"] == 1 and summary["links"] == 1
    CrawlState(store)  # idempotent schema


def _pipeline(settings, min_relevance=0.3):
    class Dummy(AilexSpider):
        name = "dummy"

    crawler = get_crawler(Dummy, {"AILEX_DATA_DIR": str(settings.data_dir), "AILEX_MIN_RELEVANCE": min_relevance})
    crawler.spider = Dummy.from_crawler(crawler)
    pipe = CorpusPipeline.from_crawler(crawler)
    pipe.open_spider()
    return pipe, crawler.stats


def _item(body=b"<html><body>AI text</body></html>", relevance=0.9, title="AI Act"):
    return DocumentItem(source_url="https://example.org/doc", title=title, jurisdiction="EU", doc_type="bill",
                        date="2024-01-02", body=body, content_type="text/html", filename="doc.html",
                        relevance=relevance, links=[Link("procedure", "https://example.org/proc")])


def test_pipeline_new_unchanged_changed_off_topic(settings, store):
    pipe, stats = _pipeline(settings)
    pipe.process_item(_item())
    pipe.process_item(_item())
    pipe.process_item(_item(body=b"<html><body>AI text, amended</body></html>"))
    pipe.process_item(_item(title="AI Act (corrigendum)", body=b"<html><body>AI text, amended</body></html>"))
    off = _item(relevance=0.1)
    off.source_url = "https://example.org/other"
    pipe.process_item(off)
    pipe.close_spider()
    got = {k: stats.get_value(f"ailex/{k}") for k in ("items", "new", "unchanged", "changed", "off_topic")}
    assert got == {"items": 5, "new": 1, "unchanged": 1, "changed": 2, "off_topic": 1}
    [doc] = store.documents()
    assert doc.title == "AI Act (corrigendum)" and len(store.versions(doc.id)) == 2
    state = CrawlState(store)
    assert [(l.to_key, l.relation) for l in state.links("https://example.org/doc")] == [("https://example.org/proc", "procedure")]
    assert state.seen("https://example.org/other")["document_id"] is None


def test_pipeline_drops_invalid_items(settings):
    from scrapy.exceptions import DropItem

    pipe, stats = _pipeline(settings)
    bad = _item()
    bad.doc_type = "memo"
    with pytest.raises(DropItem, match="unknown doc_type"):
        pipe.process_item(bad)
    assert stats.get_value("ailex/failed") == 1


def test_conditional_requests_turn_304_into_the_stored_body(settings, store):
    crawler = get_crawler(AilexSpider, {"AILEX_DATA_DIR": str(settings.data_dir)})
    mw = ConditionalRequestMiddleware.from_crawler(crawler)
    url = "https://example.org/page"
    first = Request(url)
    assert mw.process_request(first) is None and b"If-None-Match" not in first.headers
    body = b"<html><body>hello</body></html>"
    ok = HtmlResponse(url, status=200, body=body, headers={"ETag": '"v1"', "Content-Type": "text/html"}, request=first)
    assert mw.process_response(first, ok) is ok
    again = Request(url)
    mw.process_request(again)
    assert again.headers["If-None-Match"] == b'"v1"'
    restored = mw.process_response(again, Response(url, status=304, request=again))
    assert restored.status == 200 and restored.body == body and "not_modified" in restored.flags
    assert isinstance(restored, HtmlResponse) and restored.css("body::text").get() == "hello"
    assert crawler.stats.get_value("ailex/not_modified") == 1
    mw.close_spider()


def test_every_spider_declares_what_the_base_needs():
    assert set(SPIDERS) == {"europarl", "eurlex", "uk_legislation", "uk_bills", "congress", "govinfo", "senat",
                            "assemblee", "ourcommons", "camara_br", "senado_br", "senado_cl", "camara_cl",
                            "parlinfo_au", "parliament_za"}
    for name, cls in SPIDERS.items():
        assert cls.jurisdiction in {"EU", "UK", "US", "FR", "CA", "BR", "CL", "AU", "ZA"} and cls.routes, name
        assert describe(name), name


def test_live_settings_are_polite(settings):
    from crawlers.settings import scrapy_settings

    s = scrapy_settings(settings.model_copy(update={"crawl_contact_url": "https://example.org/ailex"}))
    assert s["ROBOTSTXT_OBEY"] and s["AUTOTHROTTLE_ENABLED"] and s["CONCURRENT_REQUESTS_PER_DOMAIN"] == 1
    assert s["DOWNLOAD_DELAY"] == 1.0 and "DOWNLOAD_HANDLERS" not in s and not s["HTTPCACHE_ENABLED"]
    assert "+https://example.org/ailex" in s["USER_AGENT"] and s["USER_AGENT"].startswith("ailex-crawler/")
    assert s["DOWNLOADER_MIDDLEWARES"]["crawlers.middlewares.BackoffRetryMiddleware"] == 550
    assert s["AILEX_MIN_RELEVANCE"] == 0.3 and s["AILEX_GOVINFO_API_KEY"] == "DEMO_KEY"
    replay = scrapy_settings(settings, replay_url="http://127.0.0.1:1", http_cache=True)
    assert replay["DOWNLOAD_HANDLERS"]["https"] == "crawlers.middlewares.ReplayDownloadHandler"
    assert replay["ROBOTSTXT_OBEY"] and replay["AUTOTHROTTLE_ENABLED"] and replay["HTTPCACHE_ENABLED"]


def test_scheduled_windows():
    from crawlers.spiders.europarl import EuroparlSpider
    from crawlers.spiders.govinfo import GovinfoSpider
    from tests.crawl_helpers import make_spider

    ep = make_spider(EuroparlSpider, sittings="", days="3")
    assert len(ep.sittings) == 3
    gi = make_spider(GovinfoSpider, since="7d")
    assert gi.since.endswith("T00:00:00Z") and gi.since[:4].isdigit()


def test_spider_arguments_can_target_one_spider():
    from crawlers.runner import args_for

    args = {"max_pages": "2", "europarl.sittings": "2024-04-24", "ourcommons.sittings": "441/303"}
    assert args_for("europarl", args) == {"max_pages": "2", "sittings": "2024-04-24"}
    assert args_for("ourcommons", args) == {"max_pages": "2", "sittings": "441/303"}
    assert args_for("senat", args) == {"max_pages": "2"}
