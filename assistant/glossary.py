"""Query expansion for the lexical side: English and everyday Swedish → the reports' words.

BM25 only finds words the report uses. A user asks about "complaints", "enkät" or "hemsidan";
the reports say "klagomålshantering", "medborgarundersökning", "webbsidan". This glossary maps
the field's vocabulary (GUIDE.md) and its common English and everyday equivalents onto the
report terms. Expansions only add candidates to the lexical list; ranking stays with BM25 and
fusion. Keys match at word starts, so inflections count ("complaints", "enkäten").

An English question is also embedded with its Swedish report words appended (`dense_query`):
the multilingual model places "How does the municipality handle complaints?" further from the
Swedish passage than "… klagomål klagomålshantering synpunkter". On the dev set this raised
English hybrid MRR@10 from 0.72 to 0.86; appending to Swedish questions did not help (their
report words are already matched by BM25, and the added words pull the vector off the question).

Measured on the same set and not kept (hybrid MRR@10 0.820 → after each): a general Swedish
thesaurus on the lexical side (Viggo Kann's Synlex, th_sv_SE_v2 in Debian's mythes-sv; its
entries are general language, "tjänst|post|befattning", so every query gained about three
off-topic terms: 0.785; as a half-credit match or for unknown words only: 0.80-0.82), dense
pseudo-relevance feedback (Rocchio on the top 2-8 passage vectors: 0.78-0.81), a lower lexical
weight for English questions (0.81-0.82: the glossary makes their lexical side useful) or for
queries with words the index lacks (0.81), and the best sentence as a list of its own in the
fusion (0.81-0.82).
"""
from __future__ import annotations

import re
from functools import lru_cache

from index.lexical import ENGLISH_STOP, SWEDISH_STOP, tokens

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
    # The field's everyday English, area by area. Keys that are also Swedish words or begin
    # Swedish ones (plan, service, budget, policy, process, total, strategi…, informera,
    # universitet, handling) are left out or written whole: they would expand Swedish queries.
    "municipality": "kommun", "municipalities": "kommuner", "municipal": "kommunal kommunala",
    "overall": "totalt sammanlagt övergripande", "evaluation": "utvärdering",
    "assessment": "bedömning utvärdering", "strategy": "strategi", "strategies": "strategier",
    "strategic": "strategisk strategiska", "guideline": "riktlinjer",
    "inform": "information informera", "measur*": "mäta mätning", "engagement": "engagemang hme",
    "publish*": "publicera redovisa", "proposal": "förslag medborgarförslag",
    "meeting": "möten sammanträden", "stream*": "direktsändning sänds", "minutes": "protokoll",
    "dialogue": "dialog medborgardialog", "consult*": "dialog medborgardialog",
    "participat*": "delaktighet deltagande", "train": "utbildning utbildas",
    "handle": "hantering", "handled": "hantering", "delegate": "delegation delegationsordning",
    "decentralized": "decentralisering", "decentralised": "decentralisering",
    "surplus": "överskott", "deficit": "underskott",
    "unit": "enheter resultatenheter", "department": "förvaltning förvaltningar",
    "director": "direktör kommundirektör", "chief executive": "kommundirektör",
    "fire": "räddningstjänst", "rescue": "räddningstjänst", "waste": "avfall", "energy": "energi",
    "climate": "klimat miljö", "refugee": "flyktingmottagande integration",
    "immigrant": "integration flyktingmottagande", "gender": "jämställdhet", "equality": "jämställdhet",
    "sick leave": "sjukfrånvaro", "wellness": "friskvård", "exercise": "friskvård",
    "fitness": "friskvård", "remote work": "distansarbete", "from home": "distansarbete",
    "union": "fackliga facket", "appraisal": "medarbetarsamtal utvecklingssamtal",
    "performance review": "medarbetarsamtal", "development plan": "utvecklingsplaner",
    "benefit": "förmåner personalförmåner", "attractive": "attraktiv",
    "visitor": "besöksnäring", "teacher": "lärare", "pupil": "elever", "students": "elever",
    "research*": "forskning forskarmedverkan universitet", "university": "universitet högskolor",
    "universities": "universitet högskolor",
    "brib*": "korruption mutor", "fraud": "oegentligheter korruption", "internal control": "internkontroll",
    "annual report": "årsredovisning", "financ*": "ekonomi ekonomisk", "econom*": "ekonomi",
    "assignment": "uppdrag", "satisf*": "nöjdhet nöjda", "freedom of choice": "valfrihet",
    "choice": "valfrihet", "role model": "förebilder goda exempel", "good example": "goda exempel",
    "best practice": "goda exempel", "neighbo*": "grannkommuner andra kommuner", "county": "länet",
    "partnership": "samverkan samarbete", "youth": "unga ungdomar", "young people": "unga ungdomar",
    "home care": "hemtjänst", "nursing home": "äldreboende äldreboenden",
    "disabilit*": "funktionsnedsättning lss", "housing": "bostäder", "owner": "ägardirektiv ägare",
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


_ENGLISH_ONLY = ENGLISH_STOP - SWEDISH_STOP
_SWEDISH_ONLY = SWEDISH_STOP - ENGLISH_STOP


def is_english(query: str) -> bool:
    """More English than Swedish function words ("how does the", not "hur har den")."""
    words = tokens(query)
    return sum(w in _ENGLISH_ONLY for w in words) > sum(w in _SWEDISH_ONLY for w in words)


def dense_query(query: str) -> str:
    """The text to embed for a query: an English one with its Swedish report words appended."""
    if not is_english(query):
        return query
    added = " ".join(dict.fromkeys(expansions(query).split()))
    return f"{query} {added}" if added else query
