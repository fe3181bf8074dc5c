"""End to end through the real Scrapy engine (in child processes: one Twisted reactor per process):
every spider against the replay server, then the corpus and the index; a second run adds nothing."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from corpus.crawl_state import CrawlState
from corpus.store import Store
from tests.conftest import ROOT
from tests.crawl_helpers import RECORDINGS, SNAPSHOT

pytestmark = pytest.mark.slow

# documents parsed per spider from the recording (everything the recording answers along each chain)
EXPECTED_ITEMS = {"europarl": 10, "eurlex": 4, "uk_legislation": 5, "uk_bills": 41, "congress": 1, "govinfo": 7,
                  "senat": 11, "assemblee": 3, "ourcommons": 3,
                  # ../shared/snapshot-2: Brazil, Chile, Australia, South Africa
                  "camara_br": 1, "senado_br": 2, "senado_cl": 3, "camara_cl": 1, "parlinfo_au": 1, "parliament_za": 30}
REPLAY = [arg for folder in RECORDINGS for arg in ("--replay", str(folder))]  # both recordings, one crawl


def ailex(tmp_path, *args, check=True):
    env = {**os.environ, "AILEX_DATA_DIR": str(tmp_path / "data"), "AILEX_ENCODER": "fake",
           "AILEX_CRAWL_SCHEDULE": str(tmp_path / "none.toml")}
    proc = subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"ailex {' '.join(args)} exited {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return proc


def crawl_json(tmp_path, *args, check=True) -> dict:
    proc = ailex(tmp_path, "crawl", *args, "--json", check=check)
    return json.loads(proc.stdout)


def test_replay_crawl_all_then_recrawl_adds_nothing(tmp_path):
    first = crawl_json(tmp_path, "--all", *REPLAY, "--min-relevance", "0")
    runs = {r["spider"]: r for r in first["runs"]}
    assert {k: r["stats"]["items"] for k, r in runs.items()} == EXPECTED_ITEMS
    assert all(r["status"] == "ok" for r in runs.values()), {k: r["message"] for k, r in runs.items()}
    assert all(r["stats"]["new"] == EXPECTED_ITEMS[k] and r["stats"]["changed"] == 0 for k, r in runs.items())
    assert all(r["stats"]["structure_errors"] == 0 and r["stats"]["failed"] == 0 for r in runs.values())
    assert runs["europarl"]["stats"]["not_found"] > 0  # unrecorded URLs answered 404, like a real server

    store = Store(tmp_path / "data")
    docs = {d.source_key: d for d in store.documents()}
    assert len(docs) == sum(EXPECTED_ITEMS.values())
    ai_act = docs["https://eur-lex.europa.eu/procedure/EN/2021_106"]
    assert (ai_act.jurisdiction, ai_act.doc_type, ai_act.identifiers["procedure"]) == ("EU", "procedure", "2021/0106(COD)")
    assert ai_act.processing_status.value == "extracted"
    report = docs["https://www.europarl.europa.eu/doceo/document/A-9-2024-0163_EN.html"]
    assert report.doc_type == "committee_report" and report.date == "2024-04-04"
    bill = docs["https://bills.parliament.uk/bills/2818"]
    assert bill.current_version is None  # metadata-only record: no text to store
    state = CrawlState(store)
    links = state.links("https://oeil.europarl.europa.eu/oeil/en/procedure-file?reference=2024/2006(REG)")
    assert ("committee_report", "https://www.europarl.europa.eu/doceo/document/A-9-2024-0163_EN.html") in [
        (l.relation, l.to_key) for l in links]
    related = state.related_documents(docs["https://oeil.europarl.europa.eu/oeil/en/procedure-file?reference=2024/2006(REG)"].id)
    assert report.id in [r["id"] for r in related]
    versions = store.db.execute("SELECT COUNT(*) FROM versions").fetchone()[0]
    passages = store.counts()["passages"]
    assert first["index"]["count"] == passages > 0 and first["processed"] == versions
    # the UK spiders say "UK"; the store keeps ISO 3166 codes (corpus/jurisdictions.py)
    assert {"EU", "GB", "US", "FR", "CA", "BR", "CL", "AU", "ZA"} <= set(store.counts()["by_jurisdiction"])
    assert "UK" not in store.counts()["by_jurisdiction"]
    french = [p.text for d in docs.values() if d.jurisdiction == "FR" for p in store.passages(d.id)]
    assert french and not any("Ã" in t for t in french)  # pages read and stored with the right charset
    # the Brazilian proposal's timeline: 351 steps in order, archived last; its status says it became law
    from corpus.actions import ActionStore

    actions = ActionStore(store)
    pec = docs["https://www.camara.leg.br/propostas-legislativas/2088351"]
    steps = actions.timeline(pec.id)
    assert len(steps) == 351 and [a.date for a in steps] == sorted(a.date for a in steps)
    assert (steps[0].date, steps[0].stage.value, steps[-1].date, steps[-1].stage.value) == (
        "2016-06-15", "introduced", "2017-05-09", "archived")
    assert pec.status == "enacted"
    # the Australian Hansard, cut into speeches whose locator names the senator and the date
    hansard = docs["https://parlinfo.aph.gov.au/parlInfo/download/chamber/hansards/29206/toc_unixml/"
                   "Senate_2026_03_04.xml;fileType=text%2Fxml"]
    assert (hansard.doc_type, hansard.processing_status.value) == ("debate", "extracted")
    ai = [p for p in store.passages(hansard.id) if "talk briefly about artificial intelligence" in p.text]
    assert [p.locator for p in ai] == ["Statements by Senators › Petrol Prices, Artificial Intelligence › "
                                       "Senator David Pocock (IND), 4 March 2026"]
    question = docs["http://www.parliament.gov.za/live/commonrepository/Processed/20130812/529998_1.pdf"]
    assert question.doc_type == "question" and any(
        p.locator.startswith("Questions for Written Reply › Question 1971: Mr P J Groenewald (FF Plus)")
        for p in store.passages(question.id))
    timelines = store.db.execute("SELECT COUNT(*) FROM bill_actions").fetchone()[0]
    assert timelines == sum(actions.counts().values()) > 351
    store.close()

    # the status filter works on the normalised stages: the Senado bill's last step is its archiving
    found = json.loads(ailex(tmp_path, "search", "orçamento e gestão fiscal", "--status", "archived", "--mode",
                             "keyword", "--json").stdout)
    assert found["results"] and {r["document"]["status"] for r in found["results"]} == {"archived"}
    assert "PLS 229/2009" in found["results"][0]["document"]["title"]

    second = crawl_json(tmp_path, "--all", *REPLAY, "--min-relevance", "0")
    runs2 = {r["spider"]: r for r in second["runs"]}
    assert {k: (r["stats"]["new"], r["stats"]["changed"]) for k, r in runs2.items()} == {k: (0, 0) for k in EXPECTED_ITEMS}
    assert {k: r["stats"]["unchanged"] for k, r in runs2.items()} == EXPECTED_ITEMS
    assert sum(r["stats"]["not_modified"] for r in runs2.values()) > 50  # conditional requests answered 304
    assert all(runs2[s]["stats"]["not_modified"] > 0 for s in ("camara_br", "senado_br", "senado_cl", "camara_cl",
                                                              "parlinfo_au", "parliament_za"))
    assert second["processed"] == 0 and second["index"]["added"] == 0 and second["index"]["removed"] == 0
    store = Store(tmp_path / "data")
    assert len(store.documents()) == len(docs)
    assert store.db.execute("SELECT COUNT(*) FROM versions").fetchone()[0] == versions
    assert store.counts()["passages"] == passages
    assert store.db.execute("SELECT COUNT(*) FROM bill_actions").fetchone()[0] == timelines  # no step twice
    summary = CrawlState(store).summary()
    assert set(summary["last_runs"]) == set(EXPECTED_ITEMS) and summary["last_runs"]["senat"]["unchanged"] == 11


def test_default_relevance_keeps_the_ai_documents_only(tmp_path):
    out = crawl_json(tmp_path, "eurlex", "ourcommons", "govinfo", "parlinfo_au", "parliament_za", "senado_cl", *REPLAY,
                     "--no-index")
    runs = {r["spider"]: r["stats"] for r in out["runs"]}
    assert {k: (s["new"], s["off_topic"]) for k, s in runs.items()} == {
        "eurlex": (1, 3), "ourcommons": (1, 2), "govinfo": (0, 7), "parlinfo_au": (1, 0), "parliament_za": (0, 30),
        "senado_cl": (0, 3)}
    # off-topic records' documents are not downloaded: no question paper, no Chilean PDF is asked for (the 4
    # not found are the agenda's bills, not recorded)
    assert runs["parliament_za"]["requests"] == 4 and runs["senado_cl"]["not_found"] == 4
    store = Store(tmp_path / "data")
    assert sorted(d.title[:40] for d in store.documents()) == [
        "COM (2021) 206: Proposal for a REGULATIO", "Senate Hansard, Wednesday 4 March 2026 (",
        "Standing Committee on Science and Resear"]
    assert CrawlState(store).summary()["documents_off_topic"] == 12 + 30 + 3


def one_response(tmp_path, url: str, status: int, content_type: str, body: bytes):
    """A recording that holds a single response (everything else answers 404)."""
    rec = tmp_path / "rec"
    (rec / "bodies").mkdir(parents=True)
    (rec / "bodies" / "body").write_bytes(body)
    (rec / "responses.jsonl").write_text(json.dumps({
        "method": "GET", "url": url, "status": status, "content_type": content_type, "body": "bodies/body"}) + "\n")
    return rec


def test_changed_page_structure_fails_loudly(tmp_path):
    """A source that changed its pages: the procedure file now serves something else → structure_error, exit 1."""
    rec = one_response(tmp_path, "https://oeil.europarl.europa.eu/oeil/en/procedure-file?reference=2021/0106(COD)",
                       200, "text/html",
                       (SNAPSHOT / "bodies/eu/ep_howtheyvote/press-release_20221014IPR43206.html").read_bytes())
    proc = ailex(tmp_path, "crawl", "europarl", "--replay", str(rec), "--no-index", "--json",
                 "--arg", "sittings=", "--arg", "procedures=2021/0106(COD)", check=False)
    assert proc.returncode == 1
    [run] = json.loads(proc.stdout)["runs"]
    assert run["status"] == "structure_error" and run["stats"]["structure_errors"] == 1
    assert "zero items" in run["message"] and "no procedure reference" in run["message"]


def test_schedule_once_survives_a_failing_job(tmp_path):
    cfg = tmp_path / "schedule.toml"
    cfg.write_text(f'[[jobs]]\nname = "broken"\nspiders = ["no_such_spider"]\ncron = "0 3 * * *"\n\n'
                   f'[[jobs]]\nname = "canada"\nspiders = ["ourcommons"]\ncron = "*/5 * * * *"\nindex = false\n'
                   f'replay = "{SNAPSHOT}"\n')
    proc = ailex(tmp_path, "schedule", "--config", str(cfg), "--once", check=False)
    assert proc.returncode == 1
    assert "broken: exit 1" in proc.stdout and "canada: ok" in proc.stdout
    logs = tmp_path / "data" / "logs"
    text = (logs / "schedule.log").read_text()
    assert "job broken: exit 1" in text and "job canada: exit 0" in text
    assert len(list(logs.glob("canada-*.log"))) == 1
    store = Store(tmp_path / "data")
    assert [r.spider for r in CrawlState(store).runs()] == ["ourcommons"]


def test_server_errors_are_retried_with_backoff_then_fail_the_run(tmp_path):
    rec = one_response(tmp_path, "https://www.ourcommons.ca/Content/House/441/Debates/303/HAN303-E.XML",
                       503, "text/plain", b"Service Unavailable")
    proc = ailex(tmp_path, "crawl", "ourcommons", "--replay", str(rec), "--no-index", "--json",
                 "--arg", "sittings=441/303", "--arg", "evidence=", check=False)
    assert proc.returncode == 1
    [run] = json.loads(proc.stdout)["runs"]
    assert run["status"] == "failed" and "no page could be fetched" in run["message"]
    assert run["stats"]["retries"] == 3 and run["stats"]["failed"] == 1
    assert run["stats"]["requests"] == 5  # robots.txt + 1 + 3 retries
