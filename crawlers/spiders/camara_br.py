"""Brazil, Câmara dos Deputados: open-data API v2 — proposals → proposal → tramitações (its timeline).

Seeds: the default `/proposicoes` listing (the latest proposals; `-a max_pages=N` follows its
`next` link) and watched proposals by type/number/year (`-a proposals=PEC/241/2016,PL/2338/2023`,
searched with `/proposicoes?siglaTipo=…&numero=…&ano=…`). Each proposal becomes one bill record
with every procedural step as a classified action (crawlers/actions.py, CAMARA_BR); when its
steps cannot be fetched the record is still stored, without them. The full text (`urlInteiroTeor`,
a PDF on camara.leg.br) is fetched for AI-relevant proposals.
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from corpus.actions import Stage

from crawlers.actions import CAMARA_BR, action
from crawlers.items import Link
from crawlers.relevance import fold
from crawlers.spiders.base import AilexSpider, StructureError, clean, load_json, require, strict

API = "https://dadosabertos.camara.leg.br/api/v2"
BILL_TYPES = {"PL", "PLP", "PEC", "MPV", "PLV", "PDL", "PDC", "PLN", "PRC"}
SITUATIONS = {  # statusProposicao.descricaoSituacao → status, where it states an outcome
    "transformado em norma juridica": "enacted", "transformada em norma juridica": "enacted",
    "vetado totalmente": "vetoed", "retirado pelo(a) autor(a)": "withdrawn", "retirado pelo autor": "withdrawn",
    "arquivada": "archived",
}


def public_page(prop_id) -> str:
    """The proposal's page on camara.leg.br (the document's canonical URL)."""
    return f"https://www.camara.leg.br/propostas-legislativas/{prop_id}"


def search_url(sigla: str, numero: str, ano: str) -> str:
    # dataInicio: the API otherwise only searches the last 30 days
    return (f"{API}/proposicoes?siglaTipo={sigla}&numero={numero}&ano={ano}&ordem=ASC&ordenarPor=id"
            f"&dataInicio={ano}-01-01")


class CamaraBrSpider(AilexSpider):
    name = "camara_br"
    jurisdiction = "BR"
    allowed_domains = ["dadosabertos.camara.leg.br", "camara.leg.br", "www.camara.leg.br", "camara.gov.br",
                       "www.camara.gov.br"]
    seeds = (f"{API}/proposicoes",)
    proposals = ("PEC/241/2016", "PL/2338/2023")  # the recorded PEC; Brazil's AI bill in the Câmara
    routes = (
        (r"/api/v2/proposicoes/\d+/tramitacoes", "parse_steps"),
        (r"/api/v2/proposicoes/\d+$", "parse_proposal"),
        (r"/api/v2/proposicoes(\?|$)", "parse_listing"),
        (r"camara\.(leg|gov)\.br/proposicoesWeb/prop_mostrarintegra", "parse_full_text"),
    )

    def __init__(self, *args, proposals: str | None = None, max_pages: str = "1", **kwargs):
        super().__init__(*args, **kwargs)
        if proposals is not None:
            self.proposals = tuple(p.strip() for p in proposals.split(",") if p.strip())
        self.max_pages = int(max_pages)

    async def start(self):
        async for request in super().start():
            yield request
        for p in self.proposals:
            sigla, numero, ano = p.split("/")
            yield self.request(search_url(sigla.upper(), numero, ano))

    @strict
    def parse_listing(self, response, page: int = 1):
        data = load_json(response)
        if not isinstance(data.get("dados"), list):
            raise StructureError("no 'dados' list in the proposal listing")
        search = "siglaTipo" in parse_qs(urlsplit(response.url).query)
        if not data["dados"] and not search:  # a search may find nothing; the listing never does
            raise StructureError("empty proposal listing")
        for prop in data["dados"]:
            yield self.request(require(prop.get("uri"), "proposal uri"))
        nxt = next((l.get("href") for l in data.get("links") or [] if l.get("rel") == "next"), None)
        if nxt and not search and page < self.max_pages:
            yield self.request(nxt, page=page + 1)

    @strict
    def parse_proposal(self, response):
        prop = require(load_json(response).get("dados"), "proposal record ('dados')")
        require(prop.get("id"), "proposal id")
        require(prop.get("siglaTipo"), "siglaTipo")
        yield self.request(f"{API}/proposicoes/{prop['id']}/tramitacoes", prop=prop, on_missing="record")

    @strict
    def parse_steps(self, response, prop: dict):
        rows = load_json(response).get("dados")
        if not isinstance(rows, list):
            raise StructureError("no 'dados' list of tramitações")
        from_other_chamber = bool(prop.get("uriPropAnterior"))
        actions = []
        ordered = sorted(enumerate(rows), key=lambda r: (r[1].get("dataHora") or "", r[1].get("sequencia") or 0, r[0]))
        for _, row in ordered:
            what = clean(row.get("descricaoTramitacao"))
            despacho = clean(row.get("despacho"))
            a = action((require(row.get("dataHora"), "dataHora"))[:10], f"{what}: {despacho}" if despacho else what,
                       CAMARA_BR, body=row.get("siglaOrgao") or "", source_url=row.get("url") or response.url)
            if from_other_chamber and a.stage == Stage.passed_first_chamber:  # the Câmara revises a Senate bill
                a = a.model_copy(update={"stage": Stage.passed_second_chamber})
            actions.append(a)
        yield from self.record(prop, actions)

    def record(self, prop: dict, actions: list | None = None):
        """The proposal as a bill record (with its steps when they could be fetched)."""
        label = f"{prop['siglaTipo']} {prop.get('numero')}/{prop.get('ano')}"
        status_info = prop.get("statusProposicao") or {}
        situation = clean(status_info.get("descricaoSituacao"))
        full_text = prop.get("urlInteiroTeor")
        links = [Link("full_text", full_text)] if full_text else []
        if prop.get("uriPropPosterior"):
            links.append(Link("other_chamber", prop["uriPropPosterior"]))
        if prop.get("uriPropAnterior"):
            links.append(Link("other_chamber", prop["uriPropAnterior"]))
        item = self.item(
            source_url=public_page(prop["id"]), title=f"{label}: {clean(prop.get('ementa'))}",
            doc_type="bill" if prop["siglaTipo"] in BILL_TYPES else "other", language="pt",
            date=(prop.get("dataApresentacao") or "")[:10],
            status=SITUATIONS.get(fold(situation), "pending"),
            identifiers={"proposicao_id": str(prop["id"]), "bill": label, "sigla_tipo": prop["siglaTipo"],
                         "descricao_tipo": clean(prop.get("descricaoTipo")), "situacao": situation,
                         "orgao_atual": clean(status_info.get("siglaOrgao")), "regime": clean(status_info.get("regime"))},
            text=" ".join([clean(prop.get("ementa")), clean(prop.get("ementaDetalhada")), clean(prop.get("keywords"))]),
            links=links, actions=actions or [],
        )
        yield item
        if full_text and self.wants_documents(item.relevance):
            yield self.request(full_text, record=item)

    def parse_full_text(self, response, record):
        yield self.item(
            source_url=response.url, title=f"{record.identifiers['bill']} (inteiro teor)", doc_type=record.doc_type,
            language="pt", date=record.date, status=record.status, response=response,
            identifiers={k: record.identifiers[k] for k in ("proposicao_id", "bill")},
            parent_relevance=record.relevance, links=[Link("version_of", record.source_url)],
        )
