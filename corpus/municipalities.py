"""Sweden's 290 municipalities and 21 regions (package data, `corpus/data/municipalities.tsv`).

Used where a report is read (its municipality's name and report id) and where a question is
read (a municipality named in it becomes a filter). Every form people and reports write is
known: the name ("Västerås"), its genitive ("Västerås", "Enköpings"), the official name
("Västerås stad"), "X kommun", "X stad" and "Region X". A name the list does not hold (a
fictional test municipality, a renamed one) is kept as the report writes it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .taxonomy import fold

DATA = "data/municipalities.tsv"


def genitive(name: str) -> str:
    """Swedish genitive of a place name: `Enköpings`, but `Västerås`, `Kramfors` unchanged."""
    return name if name[-1:].lower() in ("s", "x", "z") else name + "s"


@dataclass(frozen=True)
class Municipality:
    code: str  # kommunkod ("0381") or länskod for a region ("12")
    kind: str  # "kommun" | "region"
    name: str  # "Enköping", "Västerås"; a region: "Skåne"
    official: str  # "Enköpings kommun", "Västerås stad", "Region Skåne"
    county: str  # "Uppsala län"
    group: str | None  # SKR's municipality group (2017), e.g. "B3 Större stad"; None if unknown

    @property
    def genitive(self) -> str:
        return genitive(self.name)

    @property
    def forms(self) -> tuple[str, ...]:
        """Every way the name is written, longest first."""
        g = self.genitive
        if self.kind == "region":
            forms = {self.official, f"Region {self.name}", f"Regionen {self.name}",
                     f"Landstinget i {self.county}"}
        else:
            stem = re.sub(r" (?:kommun|stad)$", "", self.official)  # "Falu" of "Falu kommun"
            forms = {self.official, f"{g} kommun", f"{g} stad", g, self.name, stem}
        return tuple(sorted(forms, key=lambda f: (-len(f), f)))


@lru_cache(maxsize=1)
def all_places() -> tuple[Municipality, ...]:
    text = resources.files("corpus").joinpath(DATA).read_text(encoding="utf-8")
    rows = [line.split("\t") for line in text.splitlines()[1:] if line.strip()]
    return tuple(Municipality(code, kind, name, official, county, group or None)
                 for code, kind, name, official, county, group in
                 (row + [""] * (6 - len(row)) for row in rows))


def municipalities() -> tuple[Municipality, ...]:
    return tuple(m for m in all_places() if m.kind == "kommun")


@lru_cache(maxsize=1)
def _by_form() -> dict[str, Municipality]:
    """Folded form -> municipality; where a form is shared (Gotland the municipality and the
    region), the municipality wins, since reports evaluate municipalities."""
    table: dict[str, Municipality] = {}
    for place in sorted(all_places(), key=lambda p: p.kind != "region"):
        for form in place.forms:
            table[fold(form)] = place
    return table


def lookup(text: str) -> Municipality | None:
    """The municipality (or region) that `text` names in any of its forms, any case:
    `ENKÖPINGS` → Enköping, `Västerås stad` → Västerås, `Region Skåne` → Skåne."""
    return _by_form().get(fold(text))


@lru_cache(maxsize=1)
def _form_pattern() -> re.Pattern[str]:
    forms = sorted(_by_form(), key=len, reverse=True)
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(f) for f in forms) + r")(?!\w)")


# Municipality names that are also ordinary words; they name the place only within a sentence.
_COMMON_WORDS = {"mark", "vara", "ale", "sala", "bjuv", "hylte"}


def find_in_text(text: str) -> list[tuple[Municipality, str]]:
    """Municipalities named in a question, with the words that named them (longest forms first:
    `Upplands Väsby`, not `Väsby`). Only capitalised mentions count, so the common nouns among
    the names ("Ale", "Mark", "Bjurholm" aside: "mark", "tranås") are not taken for places."""
    found: list[tuple[Municipality, str]] = []
    folded = fold(text)
    capitalised = {w.lower() for w in re.findall(r"\w+", text) if w[:1].isupper()}
    for match in _form_pattern().finditer(folded):
        form = match.group(1)
        words = form.split()
        if not all(w in capitalised or w in ("kommun", "stad", "region", "regionen", "i", "län",
                                             "landstinget") for w in words):
            continue
        if not any(w in capitalised for w in words):
            continue
        if form in _COMMON_WORDS and not re.search(r"\w", folded[:match.start()]):
            continue  # "Mark och vatten …", "Vara tydlig …": a word, not the municipality
        place = _by_form()[form]
        if all(place is not p for p, _ in found):
            found.append((place, form))
    return found
