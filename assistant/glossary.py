"""Query expansion for the lexical side: English and everyday Swedish → the reports' words.

BM25 only finds words the report uses. A user asks about "complaints", "enkät" or "hemsidan";
the reports say "klagomålshantering", "medborgarundersökning", "webbsidan". This glossary maps
the field's vocabulary (GUIDE.md) and its common English and everyday equivalents onto the
report terms. Expansions only add candidates to the lexical list; ranking stays with BM25 and
fusion. Keys match at word starts, so inflections count ("complaints", "enkäten").
"""
from __future__ import annotations

import re
from functools import lru_cache

# English keys match whole words plus a plural/verb ending; a trailing * allows any ending.
ENGLISH: dict[str, str] = {
    "complaint": "klagomål klagomålshantering synpunkter synpunktshantering",
    "feedback": "synpunkter återkoppling",
    "citizen": "medborgare invånare", "resident": "invånare medborgare",
    "inhabitant": "invånare", "public": "medborgare allmänheten",
    "survey": "undersökning enkät medborgarundersökning brukarundersökning medarbetarundersökning",
    "user": "brukare", "client": "brukare", "customer": "kund brukare",
    "service declaration": "servicedeklarationer", "service guarantee": "servicedeklarationer",
    "manager": "chefer chef", "leader": "ledare ledarskap chefer", "leadership": "ledarskap",
    "contract": "avtal kontrakt chefsavtal", "agreement": "avtal",
    "employee": "medarbetare personal anställda", "staff": "personal medarbetare",
    "employer": "arbetsgivare", "salary": "lön lönesättning lönespridning",
    "salaries": "löner lönesättning lönespridning", "wage": "lön löner", "pay": "lön lönesättning",
    "recruit": "rekrytering", "skill": "kompetens kompetensutveckling",
    "competence": "kompetens kompetensförsörjning", "training": "utbildning kompetensutveckling",
    "twin town": "vänort", "sister city": "vänort", "twin city": "vänort",
    "international*": "internationellt internationella", "abroad": "internationellt andra länder",
    "cooperat*": "samarbete samverkan", "collaborat*": "samarbete samverkan", "network": "nätverk",
    "volunteer": "frivilliga frivilligkrafter volontär", "civil society": "civilsamhället",
    "association": "föreningsliv föreningar", "ngo": "frivilligkrafter civilsamhället",
    "business": "näringsliv företag", "companies": "bolag företag", "company": "bolag företag",
    "governance": "styrning styrmodell", "steering": "styrning", "goal": "mål", "objective": "mål",
    "target": "mål", "follow-up": "uppföljning", "follow up": "uppföljning",
    "monitor": "uppföljning", "indicator": "indikatorer", "budget": "budget",
    "council": "fullmäktige kommunfullmäktige", "board": "kommunstyrelse styrelse",
    "committee": "nämnd kommitté", "politician": "politiker förtroendevalda",
    "elected": "förtroendevalda", "democra*": "demokrati", "transparen*": "öppenhet offentlighet",
    "openness": "öppenhet", "corruption": "korruption", "ethic": "etik etiska",
    "accessib*": "tillgänglighet", "quality": "kvalitet kvalitetsarbete kvalitetsutveckling",
    "improvement": "förbättringar förbättringsområde förbättringsmöjligheter",
    "innovation": "innovationer kreativitet", "creativ*": "kreativitet",
    "efficien*": "effektivitet effektivitetsutveckling", "cost": "kostnader kostnadseffektiv",
    "result": "resultat", "compar*": "jämförelser jämföra", "benchmark": "jämförelser",
    "website": "webbsida webben", "web": "webben webbsida", "internet": "webben",
    "online": "webben", "live": "direktsändning", "broadcast": "direktsändning sänds",
    "social media": "facebook sociala medier", "newspaper": "kommuntidning lokaltidning",
    "communicat*": "kommunikation information", "culture": "kultur kulturliv",
    "environment": "miljö", "sustainab*": "hållbar utveckling", "tourism": "turism besöksnäring",
    "elderly": "äldre äldreboenden omsorg", "care": "omsorg vård",
    "school": "skola skolan", "education": "utbildning", "work environment": "arbetsmiljö",
    "diversity": "mångfald", "health": "friskvård hälsa", "full-time": "heltid",
    "full time": "heltid", "score": "poäng", "points": "poäng", "strength": "styrkor",
    "weakness": "förbättringsmöjligheter förbättringsområde", "evaluator": "utvärderare",
    "interview": "intervjuer", "responsib*": "ansvar", "digital": "digitalisering it-stöd",
    "contact cent*": "kontaktcenter kundcenter", "process mapping": "processkartläggning",
    "value": "värdegrund", "vision": "vision",
}
# Everyday Swedish → report wording; keys match word beginnings (Swedish inflects by suffix).
SWEDISH: dict[str, str] = {
    "enkät": "undersökning medborgarundersökning brukarundersökning",
    "hemsida": "webbsida webben", "nätet": "webben webbsida", "internet ": "webben",
    "ideell": "frivilliga frivilligkrafter civilsamhället föreningsliv",
    "förening": "föreningsliv", "volontär": "frivilliga frivilligkrafter",
    "lön": "lönesättning lönespridning", "klagomål": "synpunkter synpunktshantering",
    "klaga": "klagomål synpunkter", "anställd": "medarbetare personal",
    "personal": "medarbetare", "politiker": "förtroendevalda",
    "fullmäktige": "kf kommunfullmäktige", "äldreomsorg": "vård och omsorg vo äldreboenden",
    "direktsänd": "sänds", "sammanträde": "möten", "invånar": "medborgare",
    "medborgare": "invånare", "chefsavtal": "kontrakt avtal", "vänort": "internationellt",
}


def _english(key: str) -> str:
    if key.endswith("*"):
        return re.escape(key[:-1]) + r"\w*"
    return re.escape(key) + r"(?:s|es|ed|ing)?(?!\w)"


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    english = [(re.compile(r"(?<!\w)" + _english(k)), w) for k, w in ENGLISH.items()]
    swedish = [(re.compile(r"(?<!\w)" + re.escape(k.strip())), w) for k, w in SWEDISH.items()]
    return english + swedish


def matches(query: str) -> list[tuple[int, int, str]]:
    """(start, end, report words) for every glossary key found in the query."""
    lowered = query.lower()
    return [(m.start(), m.end(), words) for pattern, words in _patterns()
            for m in pattern.finditer(lowered)]


def expansions(query: str) -> str:
    """The report words to add to a query, as one string ('' when nothing matches)."""
    return " ".join(dict.fromkeys(words for _, _, words in matches(query)))
