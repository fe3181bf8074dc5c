"""Brazil, Senado Federal: open data (dadosabertos) — bill search → matéria → texts, movimentações, public page.

Seeds: watched bills by type/number/year (`-a bills=PLS/229/2009,PL/2338/2023`, searched with
`materia/pesquisa/lista`) and matérias by code (`-a materias=135061`). Each matéria becomes one
bill record carrying its movimentações as classified actions (crawlers/actions.py, SENADO_BR),
links to its texts (bill text, reports, opinions; amendments are counted, not linked one by one)
and, as its body, the public page on www25.senado.leg.br. A missing link of that chain (texts,
steps or page not published) drops only that part. The main texts (PDFs) of AI-relevant
matérias are fetched. These are the legacy `/materia` services (the newer `/processo` ones
carry the same data).
"""
from __future__ import annotations

from crawlers.actions import SENADO_BR, action
from crawlers.items import Link
from crawlers.relevance import fold
from crawlers.spiders.base import AilexSpider, StructureError, clean, load_json, require, strict

API = "http://legis.senado.leg.br/dadosabertos"
# texts worth a document of their own (the rest are linked or counted)
TEXT_TYPES = {"Medida Provisória": "bill", "Projeto de Lei de Conversão": "bill", "Avulso inicial da matéria": "bill",
              "Texto final": "bill", "Parecer": "committee_report", "Relatório Legislativo": "committee_report",
              "Voto em Separado": "opinion"}
SITUATIONS = {"sem eficacia": "lapsed", "transformada em norma juridica": "enacted",
              "transformado em norma juridica": "enacted", "vetado totalmente": "vetoed",
              "retirada pelo autor": "withdrawn", "rejeitada": "rejected"}


def public_page(code: str) -> str:
    return f"https://www25.senado.leg.br/web/atividade/materias/-/materia/{code}"


def as_list(value) -> list:
    """The Senado's JSON (converted from XML) gives one child as an object, several as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class SenadoBrSpider(AilexSpider):
    name = "senado_br"
    jurisdiction = "BR"
    allowed_domains = ["legis.senado.leg.br", "www25.senado.leg.br", "senado.leg.br"]
    bills = ("PLS/229/2009", "PL/2338/2023")  # the recorded PLS; Brazil's AI bill (PL 2338/2023)
    materias = ("135061",)  # MPV 868/2018 (recorded with its texts)
    routes = (
        (r"/dadosabertos/materia/pesquisa/lista", "parse_search"),
        (r"/dadosabertos/materia/textos/\d+", "parse_texts"),
        (r"/dadosabertos/materia/movimentacoes/\d+", "parse_steps"),
        (r"/dadosabertos/materia/\d+", "parse_materia"),
        (r"/web/atividade/materias/-/materia/\d+", "parse_page"),
        (r"/sdleg-getter/documento", "parse_text_document"),
    )

    def __init__(self, *args, bills: str | None = None, materias: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if bills is not None:
            self.bills = tuple(b.strip() for b in bills.split(",") if b.strip())
        if materias is not None:
            self.materias = tuple(m.strip() for m in materias.split(",") if m.strip())

    async def start(self):
        async for request in super().start():
            yield request
        for b in self.bills:
            sigla, numero, ano = b.split("/")
            yield self.request(f"{API}/materia/pesquisa/lista?sigla={sigla.lower()}&numero={numero}&ano={ano}")
        for code in self.materias:
            yield self.request(f"{API}/materia/{code}")

    @strict
    def parse_search(self, response):
        data = require(load_json(response).get("PesquisaBasicaMateria"), "PesquisaBasicaMateria")
        for m in as_list((data.get("Materias") or {}).get("Materia")):  # a search may find nothing
            code = require((m.get("IdentificacaoMateria") or {}).get("CodigoMateria"), "CodigoMateria")
            yield self.request(f"{API}/materia/{code}")

    @strict
    def parse_materia(self, response):
        m = require((load_json(response).get("DetalheMateria") or {}).get("Materia"), "DetalheMateria.Materia")
        ident = require(m.get("IdentificacaoMateria"), "IdentificacaoMateria")
        code = require(ident.get("CodigoMateria"), "CodigoMateria")
        require((m.get("DadosBasicosMateria") or {}).get("EmentaMateria"), "EmentaMateria")
        yield self.request(f"{API}/materia/textos/{code}", materia=m, on_missing="without_texts")

    # the chain texts → steps → public page; each step may be missing without losing the rest
    @strict
    def parse_texts(self, response, materia: dict):
        texts = (load_json(response).get("TextoMateria") or {}).get("Materia")
        if texts is None:
            raise StructureError("no TextoMateria.Materia")
        yield from self.without_texts(materia, as_list((texts.get("Textos") or {}).get("Texto")))

    def without_texts(self, materia: dict, texts: list | None = None):
        code = materia["IdentificacaoMateria"]["CodigoMateria"]
        yield self.request(f"{API}/materia/movimentacoes/{code}", materia=materia, texts=texts or [],
                           on_missing="without_steps")

    @strict
    def parse_steps(self, response, materia: dict, texts: list):
        m = require((load_json(response).get("MovimentacaoMateria") or {}).get("Materia"), "MovimentacaoMateria")
        rows = []
        for t in as_list((m.get("Tramitacoes") or {}).get("Tramitacao")):
            t = require(t.get("IdentificacaoTramitacao"), "IdentificacaoTramitacao")
            rows.append(t)
        rows.sort(key=lambda t: (require(t.get("DataTramitacao"), "DataTramitacao"), int(t.get("NumeroOrdemTramitacao") or 0)))
        actions = [
            action(t["DataTramitacao"], clean(t.get("TextoTramitacao")), SENADO_BR,
                   body=clean(((t.get("OrigemTramitacao") or {}).get("Local") or {}).get("NomeLocal")),
                   source_url=response.url)
            for t in rows if clean(t.get("TextoTramitacao"))
        ]
        yield from self.without_steps(materia, texts, actions)

    def without_steps(self, materia: dict, texts: list, actions: list | None = None):
        code = materia["IdentificacaoMateria"]["CodigoMateria"]
        yield self.request(public_page(code), materia=materia, texts=texts, actions=actions or [],
                           on_missing="without_page")

    @strict
    def parse_page(self, response, materia: dict, texts: list, actions: list):
        if not response.xpath("//body"):
            raise StructureError("public page without a body")
        yield from self.without_page(materia, texts, actions, response=response)

    def without_page(self, materia: dict, texts: list, actions: list, response=None):
        ident = materia["IdentificacaoMateria"]
        basic = materia.get("DadosBasicosMateria") or {}
        code = ident["CodigoMateria"]
        label = clean(ident.get("DescricaoIdentificacaoMateria")) or f"{ident.get('SiglaSubtipoMateria')} {code}"
        situation = ""
        for autuacao in as_list(((materia.get("SituacaoAtual") or {}).get("Autuacoes") or {}).get("Autuacao")):
            situation = clean((autuacao.get("Situacao") or {}).get("DescricaoSituacao")) or situation
        authors = [clean(a.get("NomeAutor")) for a in as_list((materia.get("Autoria") or {}).get("Autor"))]
        main, amendments = [], 0
        links = []
        for t in texts:
            kind = clean(t.get("DescricaoTipoTexto"))
            url = t.get("UrlTexto")
            if not url:
                continue
            if kind == "Emenda":
                amendments += 1
                continue
            links.append(Link("committee_report" if TEXT_TYPES.get(kind) == "committee_report" else "text", url))
            if kind in TEXT_TYPES and url not in {m["UrlTexto"] for m in main}:  # texts may share a file
                main.append(t)
        other = as_list(((materia.get("OutrosNumerosDaMateria") or {}).get("OutroNumeroDaMateria")))
        other_numbers = [f"{(o.get('IdentificacaoMateria') or {}).get('SiglaSubtipoMateria')} "
                         f"{int((o.get('IdentificacaoMateria') or {}).get('NumeroMateria') or 0)}/"
                         f"{(o.get('IdentificacaoMateria') or {}).get('AnoMateria')}" for o in other]
        record = self.item(
            source_url=public_page(code), title=f"{label}: {clean(basic.get('EmentaMateria'))}",
            doc_type="bill", language="pt", date=clean(basic.get("DataApresentacao"))[:10],
            status=SITUATIONS.get(fold(situation), "pending"), response=response,
            identifiers={"codigo_materia": str(code), "bill": label, "apelido": clean(basic.get("ApelidoMateria")),
                         "situacao": situation, "autores": "; ".join(a for a in authors if a),
                         "outros_numeros": "; ".join(other_numbers), "emendas": str(amendments) if amendments else ""},
            text=" ".join([clean(basic.get("EmentaMateria")), clean(basic.get("ExplicacaoEmentaMateria")),
                           clean(basic.get("IndexacaoMateria"))]),
            links=links, actions=actions,
        )
        yield record
        if self.wants_documents(record.relevance):
            for t in main:
                yield self.request(t["UrlTexto"], text=t, record=record)

    def parse_text_document(self, response, text: dict, record):
        kind = clean(text.get("DescricaoTipoTexto"))
        yield self.item(
            source_url=response.url, title=f"{record.identifiers['bill']}: {clean(text.get('DescricaoTexto')) or kind}",
            doc_type=TEXT_TYPES.get(kind, "other"), language="pt", date=clean(text.get("DataTexto"))[:10],
            status=record.status, response=response, parent_relevance=record.relevance,
            identifiers={"codigo_materia": record.identifiers["codigo_materia"], "bill": record.identifiers["bill"],
                         "codigo_texto": str(text.get("CodigoTexto") or ""), "tipo_texto": kind},
            links=[Link("text_of", record.source_url)],
        )
