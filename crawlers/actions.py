"""Normalised bill stages from each source's own step descriptions.

After Open States' action categorizers (`Rule(pattern, classification)` lists per state): each
source has an ordered list of (regex, stage) rules matched against the step's text; the first
rule that matches wins, and a step no rule knows is `other` (kept, shown, but it never moves
the bill's status). Rules are matched case-insensitively on the accent-folded text, so
"Aprovação" and "Aprovacao" are the same word.

A document's `status` follows its latest classified action (`status_for`) unless the source's
metadata states a final outcome the steps do not show (an enacted law, a withdrawn bill).
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from corpus.actions import BillAction, Stage, in_order, latest_stage

from crawlers.relevance import fold

Rules = tuple[tuple[re.Pattern, Stage], ...]


def rules(*pairs: tuple[str, str]) -> Rules:
    """Compile (pattern, stage) pairs; patterns are written folded (lower case, no accents)."""
    for p, _ in pairs:
        assert p == fold(p), f"rule pattern not folded: {p!r}"
    return tuple((re.compile(p, re.S), Stage(s)) for p, s in pairs)


def classify(text: str, source_rules: Rules) -> Stage:
    folded = fold(text or "")
    for pattern, stage in source_rules:
        if pattern.search(folded):
            return stage
    return Stage.other


def action(date: str, description: str, source_rules: Rules, *, body: str = "", source_url: str = "",
           classify_text: str | None = None) -> BillAction:
    """A BillAction whose stage the rules give from `classify_text` (default: the description)."""
    return BillAction(date=date, body=" ".join((body or "").split()), description=description,
                      stage=classify(classify_text if classify_text is not None else description, source_rules),
                      source_url=source_url)


# Outcomes the metadata may state that outrank the latest step (a bill "transformed into law"
# whose last steps are clerical archiving is enacted, not archived).
FINAL = {"enacted", "in_force", "vetoed", "withdrawn", "defeated", "lapsed", "rejected"}


def status_for(actions: Iterable[BillAction], declared: str = "") -> str:
    """The document status: the declared one when it is a final outcome (or nothing is classified),
    else the stage of the latest classified action."""
    if declared in FINAL:
        return declared
    stage = latest_stage(in_order(actions))
    return stage.value if stage is not None else declared


# -- per-source rules ------------------------------------------------------------------------------
# Brazil, Câmara dos Deputados (API v2 tramitações): "descricaoTramitacao: despacho".
CAMARA_BR = rules(
    (r"^transformacao em norma juridica|^transformad[ao] em (norma juridica|lei)", "enacted"),
    (r"^veto\b|: vetad[ao] (total|parcial)", "vetoed"),
    (r"^arquivamento", "archived"),
    (r"^retirada pelo autor: retirad[ao] (a|esta) (proposicao|proposta|projeto)", "withdrawn"),
    (r"^remessa ao senado federal", "passed_first_chamber"),
    (r"^(remessa a sancao|envio a sancao)", "passed_second_chamber"),
    (r"^aprovacao de proposicao em plenario: aprovad[ao] (a|o) (proposta|projeto|substitutivo|redacao final)"
     r"(?!.*primeiro turno)", "passed_first_chamber"),
    (r"^aprovacao: aprovado o parecer", "reported"),
    (r"^apresentacao de proposicao", "introduced"),
    (r"^(distribuicao: a |designacao de relator|constituicao de comissao|recebimento: recebimento pela c(?!cp))",
     "in_committee"),
)

# Brazil, Senado Federal (dados abertos, movimentações): the step's text.
SENADO_BR = rules(
    (r"transformad[ao] (na|em) (lei|norma)|(lei|emenda constitucional) n[o. ]+\s*[\d.]+.*(sancionad|promulgad)",
     "enacted"),
    (r"\bvetad[ao]\b|veto (total|parcial)", "vetoed"),
    (r"retirad[ao] (definitivamente )?pel[oa] autor|retirada do projeto", "withdrawn"),
    (r"\barquivad[ao]\b|ao arquivo|a coarq\b|arquivamento", "archived"),
    (r"(^|\.\s+)a camara dos deputados\b|remetid[ao] a camara|encaminhando autografos", "passed_first_chamber"),
    (r"a sancao|remessa a sancao", "passed_second_chamber"),
    (r"a comissao aprova o relatorio|aprovad[ao] o parecer|passa a constituir o parecer", "reported"),
    (r"^(leitura|apresentacao) d[oa] (projeto|materia)|^materia lida", "introduced"),
    (r"distribuid[ao] a|designa o senador .* relator|recebid[ao] (n[ae]st?a )?comissao|a comissao de ", "in_committee"),
)

# Chile, Senado (tramitación): "etapa: step description".
SENADO_CL = rules(
    (r"publicad[ao] en el diario oficial|promulgad", "enacted"),
    (r"\bveto\b", "vetoed"),
    (r"retir[oa] (el|del) proyecto|retiro del proyecto", "withdrawn"),
    (r"archiv", "archived"),
    (r"oficio de ley (al ejecutivo|a s\.? ?e\.?)|^segundo tramite.*oficio (de )?aprobacion|^tercer tramite.*oficio",
     "passed_second_chamber"),
    (r"^primer tramite.*oficio de ley a (la )?camara revisora", "passed_first_chamber"),
    (r"informe de comision", "reported"),
    (r"ingreso de proyecto", "introduced"),
    (r"pasa a comision|cuenta de proyecto", "in_committee"),
)

# Chile, Cámara de Diputados (votes per boletín): "TRÁMITE: Tipo: Resultado: what was voted". A vote on
# the whole bill (nothing named) in the first trámite passes it; approving the Senate's changes in
# the third trámite passes it through Congress; votes on single articles or amendments are steps.
CAMARA_CL = rules(
    (r"^tercer tramite: [^:]+: aprobado: modificaciones (incorporadas|introducidas) por el senado", "passed_second_chamber"),
    (r"^primer tramite: (general|unica|particular): aprobado: ?$", "passed_first_chamber"),
    (r"^segundo tramite: (general|unica|particular): aprobado: ?$", "passed_second_chamber"),
)

# UK Parliament Bills API stages: "Stage description (House)". Third reading passes the bill in its
# house; the spider tells first from second chamber by the bill's originating house.
UK_BILLS = rules(
    (r"^royal assent", "enacted"),
    (r"^(1st|first) reading", "introduced"),
    (r"^(committee stage|2nd reading committee|grand committee|public bill committee|committee of the whole house)",
     "in_committee"),
    (r"^report stage", "reported"),
    (r"^(3rd|third) reading", "passed_first_chamber"),
    (r"^(consideration of (lords|commons) amendments|ping pong)", "passed_second_chamber"),
)

# congress.gov API v3 actions: "type: text" (types IntroReferral, Committee, Floor, President, BecameLaw …).
# Passage in the chamber the bill did not start in is mapped to the second chamber by the spider.
CONGRESS = rules(
    (r"became public law|^becamelaw:|signed by president", "enacted"),
    (r"vetoed by president|^veto:", "vetoed"),
    (r"^introreferral: introduced in (house|senate)", "introduced"),
    (r"referred to (the )?(house |senate )?(committee|subcommittee)|^introreferral: .*referred to", "in_committee"),
    (r"reported (by|with|to|favorably|an original)|ordered to be reported", "reported"),
    (r"passed/agreed to in (house|senate)|^floor: passed (house|senate)", "passed_first_chamber"),
    (r"presented to president", "passed_second_chamber"),
)

# European Parliament, Legislative Observatory key events.
OEIL = rules(
    (r"final act signed|final act published in official journal", "enacted"),
    (r"withdrawn|withdrawal", "withdrawn"),
    (r"lapsed|caduc", "archived"),
    (r"^(legislative proposal published|initial legislative proposal|non-legislative basic document published)",
     "introduced"),
    (r"committee referral announced in parliament", "in_committee"),
    (r"vote in committee|committee report tabled for plenary|approval in committee", "reported"),
    (r"decision by parliament|results of vote in parliament|text adopted by parliament", "passed_first_chamber"),
    (r"act adopted by council|council position", "passed_second_chamber"),
)

# France, Sénat and Assemblée nationale dossiers législatifs: one entry of the dossier's timeline
# ("Texte n° 114 adopté par le Sénat le 13 juillet 2017", "Rapport n° 607 … déposé le 4 juillet 2017").
# An adoption is a passage; `chamber_passages` tells the first chamber's from the later ones.
FRANCE = rules(
    (r"\bloi n.{0,3}\d{2,4}-\d+ du|promulg|publiee au journal officiel", "enacted"),
    (r"\bretir", "withdrawn"),
    (r"\bcaduc", "archived"),
    (r"\brejete", "other"),
    (r"\b(projet|proposition) de loi\b.{0,400}\bdeposee? (au senat |a l'assemblee nationale )?le|"
     r"^texte n.{0,300}\bdeposee? (au senat|a l'assemblee nationale)", "introduced"),
    (r"\b(adopte|modifie)e?s?\b.{0,200}\bpar (le senat|l'assemblee nationale)|texte adopte n|\bta n.? ?\d+",
     "passed_first_chamber"),
    (r"^(rapport|texte de la commission|resultat des travaux de la commission)\b|\brapport n.? ?\d+.{0,120}depose",
     "reported"),
    (r"\brenvoye(e)? a la commission|\bsaisie au fond", "in_committee"),
)


def chamber_passages(actions: list) -> list:
    """In a navette the first adoption passes the first chamber; every later one (the other chamber,
    new readings, the final reading) is a passage of the second. Also keeps one `introduced` only."""
    out, passed, introduced = [], False, False
    for a in actions:
        if a.stage in (Stage.passed_first_chamber, Stage.passed_second_chamber):
            a = a.model_copy(update={"stage": Stage.passed_second_chamber if passed else Stage.passed_first_chamber})
            passed = True
        elif a.stage == Stage.introduced:
            if introduced:  # the text transmitted to the other chamber is "déposé" there too
                a = a.model_copy(update={"stage": Stage.other})
            introduced = True
        out.append(a)
    return out
