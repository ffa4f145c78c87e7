"""Kosovo's seven regions (districts) and the municipalities in each: the one place.

Reports that leave the NGO count people by region, never by municipality or village:
a municipality's count is often small enough to point at a family.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

#: region code -> the municipality codes of the family intake form in it
REGIONS: dict[str, tuple[str, ...]] = {
    "prishtine": (
        "prishtine",
        "drenas",
        "fushe_kosove",
        "gracanice",
        "lipjan",
        "obiliq",
        "podujeve",
    ),
    "mitrovice": (
        "mitrovice_jug",
        "mitrovice_veri",
        "leposaviq",
        "skenderaj",
        "vushtrri",
        "zubin_potok",
        "zvecan",
    ),
    "peje": ("peje", "istog", "kline"),
    "prizren": ("prizren", "dragash", "malisheve", "mamushe", "suhareke"),
    "ferizaj": ("ferizaj", "hani_i_elezit", "kacanik", "shtime", "shterpce"),
    "gjilan": (
        "gjilan",
        "kamenice",
        "kllokot",
        "novoberde",
        "partesh",
        "ranillug",
        "viti",
    ),
    "gjakove": ("gjakove", "decan", "junik", "rahovec"),
}
#: region code -> its name, translated
REGION_NAMES = {
    "prishtine": _l("Pristina region"),
    "mitrovice": _l("Mitrovica region"),
    "peje": _l("Peja region"),
    "prizren": _l("Prizren region"),
    "ferizaj": _l("Ferizaj region"),
    "gjilan": _l("Gjilan region"),
    "gjakove": _l("Gjakova region"),
}
UNKNOWN = "unknown"

_BY_MUNICIPALITY = {m: region for region, ms in REGIONS.items() for m in ms}


def region_of(municipality: str) -> str:
    """Return the region of a municipality code ("unknown" when not recorded)."""
    return _BY_MUNICIPALITY.get(municipality, UNKNOWN)
