"""One jurisdiction, one code: ISO 3166-1 alpha-2 for countries, ISO 3166-2 for their subdivisions
("US-CA", "GB-SCT"), and a short fixed name for the international organisations the corpus holds
("EU", "UN", "CoE").

Sources spell them differently: the UK's crawlers said "UK" where the imported documents said "GB",
so a `jurisdiction=GB` filter missed half of the United Kingdom. Every way in (CSV import, crawler
items, stored documents read back, filter values) goes through `normalize`, so the store, the
filter columns, the facets and the queries all speak one code."""
from __future__ import annotations

import re

# Not ISO 3166 but in use: the exceptionally reserved or transitional codes, and common spellings.
ALIASES = {
    "UK": "GB", "GBR": "GB", "UNITED KINGDOM": "GB", "GREAT BRITAIN": "GB",
    "EL": "GR",  # the EU's code for Greece
    "USA": "US", "U.S.": "US", "U.S.A.": "US", "UNITED STATES": "US",
    "KOR": "KR", "SOUTH KOREA": "KR", "CHN": "CN", "BRA": "BR", "CAN": "CA", "AUS": "AU", "DEU": "DE", "FRA": "FR",
}
# International organisations: not countries, kept under one spelling each.
ORGANISATIONS = {"EU": "EU", "UN": "UN", "COE": "CoE", "OECD": "OECD", "G7": "G7", "G20": "G20", "AU-UNION": "AU-Union"}
_SHAPE = re.compile(r"^(?P<country>[A-Z]{2,3})(?:[-_ ](?P<sub>[A-Z0-9]{1,3}))?$")


def normalize(code: str) -> str:
    """The canonical code for `code` ("uk" → "GB", "us-ca" → "US-CA", "coe" → "CoE"); anything
    that does not look like a code is returned trimmed, unchanged."""
    value = (code or "").strip()
    key = value.upper()
    if key in ORGANISATIONS:
        return ORGANISATIONS[key]
    if key in ALIASES:
        return ALIASES[key]
    m = _SHAPE.match(key)
    if not m:
        return value
    country = ALIASES.get(m["country"], m["country"])
    if len(country) != 2:
        return value
    return f"{country}-{m['sub']}" if m["sub"] else country


def same(a: str, b: str) -> bool:
    """Whether two spellings name one jurisdiction ("UK" and "gb")."""
    return normalize(a).casefold() == normalize(b).casefold()
