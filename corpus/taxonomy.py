"""The canonical area taxonomy and the crosswalk from the 2010 and 2020 area sets.

The canonical numbering is the 2010 one (used by most reports so far). The 2020 revision
renamed and renumbered the areas; the crosswalk (GUIDE.md) is inferred from the names.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Area:
    number: int
    name: str  # canonical Swedish name
    english: str
    names_2010: tuple[str, ...]
    number_2020: int
    names_2020: tuple[str, ...]


AREAS: tuple[Area, ...] = (
    Area(1, "Offentlighet och demokrati", "Public access and democracy",
         ("Offentlighet och demokrati",), 1,
         ("Samspel mellan förtroendevalda och medborgare",)),
    Area(2, "Tillgänglighet och brukarorientering", "Accessibility and user orientation",
         ("Tillgänglighet och brukarorientering", "Tillgänglighet, bemötande och brukarorientering",
          "Brukarfokus, tillgänglighet och bemötande", "Tillgänglighet"), 5,
         ("Brukarens fokus",)),
    Area(3, "Politisk styrning och kontroll", "Political governance and control",
         ("Politisk styrning och kontroll",), 3, ("Styrning och kontroll",)),
    Area(4, "Ledarskap, ansvar och delegation", "Leadership, responsibility and delegation",
         ("Ledarskap, ansvar och delegation",), 8,
         ("Chefs- och ledarskap samt medarbetarskap",)),
    Area(5, "Resultat och effektivitet", "Results and efficiency",
         ("Resultat och effektivitet",), 4, ("Effektivitet",)),
    Area(6, "Kommunen som arbetsgivare", "The municipality as employer",
         ("Kommunen som arbetsgivare", "Kommunen som arbetsgivare personalpolitik",
          "Kommunen som arbetsgivare - personalpolitik"), 7, ("Arbetsliv",)),
    Area(7, "Verksamhetsutveckling", "Continuous improvement",
         ("Verksamhetsutveckling", "Ständiga förbättringar"), 6, ("Kvalitetsutveckling",)),
    Area(8, "Kommunen som samhällsbyggare", "The municipality as community builder",
         ("Kommunen som samhällsbyggare", "Kommun som samhällsbyggare"), 2,
         ("Samhällsutveckling",)),
)

BY_NUMBER: dict[int, Area] = {a.number: a for a in AREAS}


def fold(text: str) -> str:
    """Lower-case, strip punctuation and squeeze spaces; keeps å/ä/ö (they are letters here)."""
    text = unicodedata.normalize("NFC", text).lower()
    text = re.sub(r"[^\w\s]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def area_name(number: int) -> str:
    return BY_NUMBER[number].name


def match_area(name: str, version: int = 2010) -> int | None:
    """Canonical area number for an area name as written in a report, or None.

    Accepts extra words after the name (`Kommunen som arbetsgivare personalpolitik`).
    """
    folded = fold(name)
    best: tuple[int, int] | None = None  # (length of matched name, area)
    for area in AREAS:
        names = area.names_2010 if version == 2010 else area.names_2020
        for candidate in names:
            key = fold(candidate)
            if folded == key or folded.startswith(key + " ") or key.startswith(folded + " "):
                if best is None or len(key) > best[0]:
                    best = (len(key), area.number)
    return best[1] if best else None


def parse_area_argument(value: str) -> int:
    """Interpret a user's `--area` value: a canonical number 1-8 or a (prefix of a) name."""
    value = value.strip()
    if value.isdigit():
        number = int(value)
        if number in BY_NUMBER:
            return number
        raise ValueError(f"okänt område {value!r}: ange ett nummer 1–8")
    folded = fold(value)
    hits = {a.number for a in AREAS
            for n in (a.name, a.english, *a.names_2010, *a.names_2020)
            if folded and fold(n).startswith(folded)}
    if len(hits) == 1:
        return hits.pop()
    raise ValueError(f"okänt område {value!r}: ange ett nummer 1–8 eller ett områdesnamn")
