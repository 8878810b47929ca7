"""What a sentence or list item says about the municipality: strength, begun, or lacking.

Swedish evaluation reports write absence as negation ("Kommunen har inte tagit fram några
servicedeklarationer", "Det saknas …", "Någon … finns inte", "Inga … har genomförts"), often in
another clause than the topic word ("När det gäller X har man ännu inte kommit igång"). So the
cue counts anywhere in the sentence, except that a contrast ("…, men …", "medan", "däremot")
splits it: then only the clause holding the topic counts. "inte bara … utan också" and
"inte minst" are not negation.

Where a unit stands counts as much as its words: a Styrkor item is a strength, a
Förbättringsmöjligheter item an improvement area (begun at best), the generic Allmänt text says
nothing about the municipality and score tables are not text evidence (scores count elsewhere).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.models import SectionKind

# Stances, with the sign and weight they carry into a report's strength.
STRONG, DESCRIBED, PARTIAL, IMPROVE, LACKING = "styrka", "beskrivning", "delvis", "förbättring", "saknas"
VALUE = {STRONG: 1.0, DESCRIBED: 0.7, PARTIAL: 0.25, IMPROVE: -0.45, LACKING: -1.0}

# Sections that are evidence about the municipality, and how much.
SECTION_WEIGHT = {
    SectionKind.STYRKOR.value: 1.0,
    SectionKind.FORBATTRINGSMOJLIGHETER.value: 1.0,
    SectionKind.SAMMANFATTNING.value: 1.0,
    SectionKind.INLEDNING.value: 0.8,  # chapter 2's summary; chapter 1 is generic but rarely on topic
    SectionKind.TEXT.value: 0.8,
    SectionKind.ALLMANT.value: 0.0,  # the same text in every report
    SectionKind.POANG.value: 0.0,
    SectionKind.RESULTAT.value: 0.0,
    SectionKind.DELFRAGOR.value: 0.0,
}

_NOT_NEGATION = re.compile(r"\b(?:inte bara|inte enbart|inte endast|inte minst|inte heller ovanligt|"
                           r"utan tvekan|ingen tvekan|inget tvivel|inte ovanligt)\b")
_NEGATION = re.compile(r"\b(?:inte|ej|icke|aldrig|saknar|saknas|saknade|saknades|inga|ingen|inget|"
                       r"avsaknad|varken|uteblivit|utebliven|frånvarande)\b")
_HEDGE = re.compile(
    r"\b(?:bör|borde|behöver|delvis|vissa|några|en del|ett par|enstaka|ojämn\w*|varier\w*|"
    r"skiftande|påbörja\w*|pågår|på gång|bristande|bristfällig\w*|svag|svaga|sporadisk\w*|"
    r"otydlig\w*|tidigt skede|planer\w*|i begynnelsen|i sin linda|ännu|"
    r"begränsa\w*|sällan|splittra\w*|fragment\w*|osystematisk\w*|inte fullt|utvecklingsområde\w*|"
    r"förbättringsområde\w*|kan utvecklas|kan förbättras|i liten utsträckning|mindre utvecklad\w*|"
    r"ett första steg|första steg|pilot\w*|försök\w*|ad hoc)\b")
_ANAPHOR = re.compile(r"\b(?:sådan|sådant|sådana|detta|dessa)\b")
_WHOLE = (r"(?:samlad|samlat|samlade|övergripande|gemensam|gemensamt|gemensamma|kommungemensam\w*|"
          r"enhetlig\w*|systematisk\w*|fullt|genomgående|konsekvent\w*|tillräcklig\w*|"
          r"tydlig\w*|strukturerad\w*|långsiktig\w*)")
_ALL = r"(?:alla|samtliga|helt|hela|alltid|överallt)"  # partial only after inte/ej: "inte i alla"
_PARTLY = re.compile(r"\s+(?:\w+\s+){0,3}?" + _WHOLE + r"\b")
_PARTLY_ALL = re.compile(r"\s+(?:\w+\s+){0,2}?" + _ALL + r"\b")
_PARTLY_BEFORE = re.compile(r"\b" + _WHOLE + r"\s+(?:\w+\s+){0,2}$")
_CONTRAST = re.compile(r",?\s+\b(?:men|medan|däremot|dock|samtidigt som|även om)\b\s+")
_DISCUSSED = re.compile(r"\b(?:diskuter\w*|nämn\w*|togs upp|tagits upp|på tal|utretts|utreds|"
                        r"påpekat|påtalat|efterfrågat|önskemål|planer|har funnits|aktualiserat\w*)\b")


@dataclass(frozen=True)
class Stance:
    label: str  # STRONG | DESCRIBED | PARTIAL | IMPROVE | LACKING
    value: float  # VALUE[label]
    cue: str | None  # the word that decided it ("inte", "bör"), for the explanation


def _plain(clause: str) -> Stance:
    """The stance of a clause from its own words."""
    clause = _NOT_NEGATION.sub(" ", clause)
    negation = _NEGATION.search(clause)
    if negation:
        # "saknas en övergripande strategi", "följs inte upp systematiskt", "inte i alla
        # verksamheter": what is missing is the whole, so the thing is there in part.
        after = clause[negation.end():negation.end() + 40]
        if (_PARTLY.match(after) or _PARTLY_BEFORE.search(clause[max(0, negation.start() - 25):negation.start()])
                or (negation.group(0) in ("inte", "ej") and _PARTLY_ALL.match(after))):
            return Stance(PARTIAL, VALUE[PARTIAL], negation.group(0))
        return Stance(LACKING, VALUE[LACKING], negation.group(0))
    hedge = _HEDGE.search(clause)
    if hedge:
        return Stance(PARTIAL, VALUE[PARTIAL], hedge.group(0))
    return Stance(DESCRIBED, VALUE[DESCRIBED], None)


def _contrasted(text: str, topic_terms: frozenset[str], stem) -> Stance | None:
    """Evaluators qualify with a contrast: "X finns, men följs inte upp" is X in part;
    "X har diskuterats, men inget beslut har fattats" is no X; "Y fungerar, men X saknas"
    (the topic only after the contrast) is what that clause says."""
    match = _CONTRAST.search(text)
    if match is None:
        return None
    first, second = text[:match.start()], text[match.end():]
    if match.group(0).strip(" ,") == "även om":
        first, second = second, first  # "X är få, även om användningen ökar"
    in_first = bool(topic_terms & set(stem(first)))
    in_second = bool(topic_terms & set(stem(second)))
    if in_second and not in_first and topic_terms:
        return _plain(second)
    head, tail = _plain(first), _plain(second)
    if head.label == LACKING:
        return head
    if tail.label == LACKING and _DISCUSSED.search(first):
        return tail  # talked about, but not done
    cue = tail.cue or match.group(0).strip(" ,")
    return Stance(PARTIAL, VALUE[PARTIAL], cue)


def stance_of(text: str, section: str, topic_terms: frozenset[str] = frozenset(),
              stem=lambda text: []) -> Stance:
    """The stance of one unit (a sentence or a list item) in its section."""
    lowered = text.lower()
    if section == SectionKind.STYRKOR.value:
        return Stance(STRONG, VALUE[STRONG], None)
    if section == SectionKind.FORBATTRINGSMOJLIGHETER.value:
        return Stance(IMPROVE, VALUE[IMPROVE], None)
    contrasted = _contrasted(lowered, topic_terms, stem)
    if contrasted is not None:
        return contrasted
    return _plain(lowered)
