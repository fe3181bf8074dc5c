"""One module per source. `SPIDERS` maps spider names to classes (what `ailex crawl --list` shows)."""
from __future__ import annotations

from crawlers.spiders.assemblee import AssembleeSpider
from crawlers.spiders.congress import CongressSpider
from crawlers.spiders.eurlex import EurlexSpider
from crawlers.spiders.europarl import EuroparlSpider
from crawlers.spiders.govinfo import GovinfoSpider
from crawlers.spiders.ourcommons import OurCommonsSpider
from crawlers.spiders.senat import SenatSpider
from crawlers.spiders.uk_bills import UkBillsSpider
from crawlers.spiders.uk_legislation import UkLegislationSpider

SPIDERS = {
    cls.name: cls
    for cls in (EuroparlSpider, EurlexSpider, UkLegislationSpider, UkBillsSpider, CongressSpider, GovinfoSpider,
                SenatSpider, AssembleeSpider, OurCommonsSpider)
}
