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


# The everyday word for each area: what `--area` lists in its help and in its error.
SHORT_NAMES: dict[int, str] = {1: "demokrati", 2: "brukarorientering", 3: "styrning", 4: "ledarskap",
                               5: "effektivitet", 6: "personal", 7: "verksamhetsutveckling",
                               8: "samhällsbyggare"}

# More words people use for an area, besides the words of its names in both area sets. Only
# words that belong to one area: "uppföljning" or "utveckling" would fit several.
AREA_WORDS: dict[int, tuple[str, ...]] = {
    1: ("demokrati", "offentlighet", "medborgare", "medborgardialog", "förtroendevalda"),
    2: ("brukarorientering", "brukare", "brukarfokus", "tillgänglighet", "bemötande", "service"),
    3: ("styrning", "politisk styrning", "kontroll"),
    4: ("ledarskap", "chefer", "chefskap", "ansvar", "delegation", "medarbetarskap"),
    5: ("effektivitet", "resultat"),
    6: ("personal", "personalpolitik", "arbetsgivare", "arbetsgivarpolitik", "arbetsliv",
        "kompetensförsörjning"),
    7: ("verksamhetsutveckling", "kvalitet", "kvalitetsutveckling", "ständiga förbättringar"),
    8: ("samhällsbyggare", "samhällsbyggnad", "samhällsutveckling", "näringsliv"),
}

AREA_CHOICES = ", ".join(f"{n} {w}" for n, w in SHORT_NAMES.items())

_MIN_PREFIX = 3
_NOT_AREA_WORDS = frozenset({"och", "samt", "som", "mellan", "kommun", "kommunen", "the", "and", "municipality"})


def _plain(text: str) -> str:
    """`fold` without diacritics, so `samhallsbyggare` finds `samhällsbyggare`."""
    return "".join(c for c in unicodedata.normalize("NFKD", fold(text)) if not unicodedata.combining(c))


def _area_phrases() -> dict[int, set[str]]:
    return {a.number: {_plain(n) for n in (a.name, a.english, *a.names_2010, *a.names_2020,
                                           *AREA_WORDS[a.number])} for a in AREAS}


def parse_area_argument(value: str) -> int:
    """Interpret a user's `--area` value: a number 1-8 ("4", "område 4"), a name of the area in
    either area set (or the start of one), or a word people use for it ("demokrati", "personal",
    "samhällsbyggare", "kvalitet"). Accents may be left out. Raises ValueError with a one-line
    Swedish message that lists the accepted names."""
    plain = re.sub(r"^(?:omr(?:ade|adet)?)\s+(?=\d)", "", _plain(value))
    if plain.isdigit() and int(plain) in BY_NUMBER:
        return int(plain)
    phrases = _area_phrases()
    words = [w for w in plain.split() if w not in _NOT_AREA_WORDS]
    steps = (
        {n for n, p in phrases.items() if plain in p},
        {n for n, p in phrases.items() if len(plain) >= _MIN_PREFIX and any(x.startswith(plain) for x in p)},
        set.intersection(*[{n for n, p in phrases.items()
                            if len(w) >= _MIN_PREFIX and any(k.startswith(w) for x in p for k in x.split())}
                           for w in words]) if words else set(),
    )
    for hits in steps:
        if len(hits) == 1:
            return hits.pop()
    several = next((sorted(h) for h in steps if h), None)
    if several:
        fits = ", ".join(f"{n} {SHORT_NAMES[n]}" for n in several)
        raise ValueError(f"otydligt område {value!r} (passar {fits}): ange ett nummer 1–8 eller ett namn: "
                         f"{AREA_CHOICES}")
    raise ValueError(f"okänt område {value!r}: ange ett nummer 1–8 eller ett namn: {AREA_CHOICES}")
