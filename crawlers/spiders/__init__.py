"""One module per source. `SPIDERS` maps spider names to classes (what `ailex crawl --list` shows)."""
from __future__ import annotations

from crawlers.spiders.assemblee import AssembleeSpider
from crawlers.spiders.camara_br import CamaraBrSpider
from crawlers.spiders.camara_cl import CamaraClSpider
from crawlers.spiders.congress import CongressSpider
from crawlers.spiders.eurlex import EurlexSpider
from crawlers.spiders.europarl import EuroparlSpider
from crawlers.spiders.govinfo import GovinfoSpider
from crawlers.spiders.ourcommons import OurCommonsSpider
from crawlers.spiders.parliament_za import ParliamentZaSpider
from crawlers.spiders.parlinfo_au import ParlinfoAuSpider
from crawlers.spiders.senado_br import SenadoBrSpider
from crawlers.spiders.senado_cl import SenadoClSpider
from crawlers.spiders.senat import SenatSpider
from crawlers.spiders.uk_bills import UkBillsSpider
from crawlers.spiders.uk_legislation import UkLegislationSpider

import sys

SPIDERS = {
    cls.name: cls
    for cls in (EuroparlSpider, EurlexSpider, UkLegislationSpider, UkBillsSpider, CongressSpider, GovinfoSpider,
                SenatSpider, AssembleeSpider, OurCommonsSpider, CamaraBrSpider, SenadoBrSpider, SenadoClSpider,
                CamaraClSpider, ParlinfoAuSpider, ParliamentZaSpider)
}


def describe(name: str) -> str:
    """First line of the spider module's docstring (what `ailex crawl --list` prints)."""
    doc = SPIDERS[name].__doc__ or sys.modules[SPIDERS[name].__module__].__doc__ or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""
