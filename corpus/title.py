"""The title page: municipality (base and genitive form), kind, month, year, evaluators."""
from __future__ import annotations

import re
import unicodedata

MONTHS = {m: i for i, m in enumerate(
    ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
     "oktober", "november", "december"), start=1)}
# Municipalities whose name itself ends in -s: everywhere else a final s in a title is genitive.
_NAMES_ENDING_IN_S = {
    "alingsås", "bengtsfors", "bollnäs", "borås", "degerfors", "grums", "hagfors", "hofors",
    "hällefors", "höganäs", "kramfors", "munkfors", "mönsterås", "robertsfors", "sotenäs",
    "storfors", "strängnäs", "torsås", "tranås", "vännäs", "västerås", "ljusnarsberg",
}
TITLE = re.compile(
    r"(?:ANALYS AV\s+)?(?P<name>[A-ZÅÄÖÉ][A-ZÅÄÖÉ\- ]*?)\s+(?P<kind>KOMMUN|STAD|REGION)"
    r"(?:\s+(?P<month>" + "|".join(m.upper() for m in MONTHS) + r"))?\s+(?P<year>(?:19|20)\d\d)")


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def municipality_names(name_in_title: str) -> tuple[str, str]:
    """(`Enköping`, `Enköpings`) from `ENKÖPINGS`: base name and the genitive used in titles."""
    words = [w.capitalize() if not w.isupper() or len(w) > 1 else w
             for w in name_in_title.lower().split()]
    words = ["-".join(p.capitalize() for p in w.split("-")) for w in words]
    genitive = " ".join(words)
    base = genitive
    if base.lower().endswith("s") and base.lower() not in _NAMES_ENDING_IN_S:
        base = base[:-1]
    return base, genitive


def evaluators(text: str) -> list[str]:
    """`Leif Eldås och Lotta Ricklander, SKL Anna Marnell, Katrineholms kommun` → 3 people."""
    text = re.sub(r"(?i)^utvärderare:\s*", "", text.strip())
    org_re = re.compile(r"^(SKL|SKR|Sveriges Kommuner och \w+|(?:senior )?konsult(?: \(\w+\))?|"
                        r"[A-ZÅÄÖ][\w\-]+ (?:kommun|stad|län)|Landstinget i [\w ]+ län|Lt \w+)"
                        r"(?:\s+(?P<rest>[A-ZÅÄÖ].*))?$")
    people: list[str] = []
    pending: list[str] = []
    for part in re.split(r",\s*|\s+och\s+", text):
        part = part.strip()
        if not part:
            continue
        match = org_re.match(part)
        if match:
            org = part[:match.start("rest")].strip() if match.group("rest") else part
            people += [f"{name} ({org})" for name in pending]
            pending = [match.group("rest")] if match.group("rest") else []
        else:
            pending.append(part)
    return people + pending
