"""What kind of passage a query asks for: strengths, improvements, scores or the total.

"Vad kan Enköping förbättra …" wants Förbättringsmöjligheter, "Vilken poäng fick …" the score
passages, "totalpoäng" the summary table. Cues match word beginnings so inflections count
(`styrkorna`, `poängen`). The result is a per-section weight used in fusion: a nudge, not a
filter (the user's `--section` is the filter). Score tables read like questions ("Informeras
invånarna om …?"), so without a score cue they are nudged down, or they crowd out the prose
that answers a question; so is the introduction, unless the question is about the evaluation.
"""
from __future__ import annotations

import re

from corpus.models import SCORE_SECTIONS, SectionKind

BOOST = 1.3
OVERALL_BOOST = 2.5
TABLE_PENALTY = 0.6
_STRENGTH = ("styrk", "starka", "starkt", "bra på", "arbetar bra", "gott exempel", "goda exempel",
             "förebild", "strength", "good at", "does well")
_IMPROVEMENT = ("förbättr", "utvecklingsområd", "svaghet", "brist", "kan bli bättre",
                "bör utveckla", "improve", "weakness", "recommend")
_SCORE = ("poäng", "totalpoäng", "lägst", "högst", "sämst", "score", "points", "resultat per",
          "procent", "totalresultat", "slutresultat", "overall result", "total result")
# Chapters 1-2 (Inledning) mostly describe Kommunkompassen itself, the same in every report:
# nudged down like Allmänt unless the question is about the evaluation.
INTRO_PENALTY = 0.7
_EVALUATION = ("utvärder", "kommunkompass", "intervju", "gransk", "rapport", "metod", "evaluat",
               "interview", "assess", "report", "method")
_OVERALL = ("total", "sammanlagd", "sammanlagt", "lägst", "högst", "sämst", "bäst", "vilket område",
            "vilka områden", "alla områden", "overall")


def _has(lowered: str, cues: tuple[str, ...]) -> bool:
    return any(re.search(r"(?<!\w)" + re.escape(cue), lowered) for cue in cues)


def section_weights(query: str) -> dict[str, float]:
    lowered = query.lower()
    weights: dict[str, float] = {}
    if _has(lowered, _STRENGTH):
        weights[SectionKind.STYRKOR.value] = BOOST
    if _has(lowered, _IMPROVEMENT):
        weights[SectionKind.FORBATTRINGSMOJLIGHETER.value] = BOOST
    score = _has(lowered, _SCORE)
    for kind in SCORE_SECTIONS:
        weights[kind.value] = BOOST if score else TABLE_PENALTY
    if score and _has(lowered, _OVERALL):
        weights[SectionKind.RESULTAT.value] = OVERALL_BOOST
    if not _has(lowered, _EVALUATION):
        weights[SectionKind.INLEDNING.value] = INTRO_PENALTY
    return weights
