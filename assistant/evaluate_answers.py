"""Answer quality on the Swedish evaluation sets: fact correctness, abstention, passage answers
and precedent wording.

- `answers_{dev,holdout}.jsonl`: "fact" questions are correct when every `expect` value is in
  the answer's first line (and the answer came from the tables); "unanswerable" ones must get no
  answer (`kind == "none"`); "passage" ones must get an answer one of whose quotes holds one
  of the `expect` fragments.
- Abstention is measured over every question of the set: the unanswerable ones, and as
  answerable the fact and passage questions plus the retrieval set's questions (they all
  have an answer in the sample). Precision: of the questions it declined, how many had no
  answer; recall: of those with no answer, how many it declined.
- `wording_{dev,holdout}.jsonl`: a hit when one of the top 5 wordings holds an `expect` fragment.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from index.records import Filters

from .evaluate import DATA, SAMPLE_REPORT_ID, load_questions
from .kompass import Kompass

ANSWER_SETS = {"dev": DATA / "answers_dev.jsonl", "holdout": DATA / "answers_holdout.jsonl"}
WORDING_SETS = {"dev": DATA / "wording_dev.jsonl", "holdout": DATA / "wording_holdout.jsonl"}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@dataclass
class AnswerScores:
    facts: tuple[int, int] = (0, 0)  # correct, of
    passages: tuple[int, int] = (0, 0)
    abstained_right: int = 0  # unanswerable and declined
    abstained_wrong: int = 0  # answerable and declined (false abstention)
    answered_wrong: int = 0  # unanswerable and answered (false answer)
    unanswerable: int = 0
    answerable: int = 0
    wording: tuple[int, int] = (0, 0)
    failures: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        declined = self.abstained_right + self.abstained_wrong
        return self.abstained_right / declined if declined else 1.0

    @property
    def recall(self) -> float:
        return self.abstained_right / self.unanswerable if self.unanswerable else 1.0


def _ask(kompass: Kompass, question: str):
    understood = kompass.understand(question, Filters(report_id=SAMPLE_REPORT_ID))
    return kompass.ask(understood.topic, filters=understood.filters)


def evaluate_answers(kompass: Kompass, name: str, retrieval_set: Path) -> AnswerScores:
    scores = AnswerScores()
    facts = [0, 0]
    passages = [0, 0]
    for row in _rows(ANSWER_SETS[name]):
        answer = _ask(kompass, row["query"])
        declined = answer.kind == "none"
        if row["kind"] == "unanswerable":
            scores.unanswerable += 1
            if declined:
                scores.abstained_right += 1
            else:
                scores.answered_wrong += 1
                scores.failures.append(f"{row['id']} answered")
            continue
        scores.answerable += 1
        if declined:
            scores.abstained_wrong += 1
        if row["kind"] == "fact":
            line = _norm(answer.text.splitlines()[0]) if answer.text else ""
            ok = answer.kind == "fact" and all(_norm(v) in line for v in row["expect"])
            facts = [facts[0] + ok, facts[1] + 1]
        else:
            quotes = " ".join(_norm(c.quote) for c in answer.citations)
            ok = not declined and any(_norm(v) in quotes for v in row["expect"])
            passages = [passages[0] + ok, passages[1] + 1]
        if not ok:
            scores.failures.append(f"{row['id']} wrong" + (" (declined)" if declined else ""))
    for question in load_questions(retrieval_set):
        scores.answerable += 1
        if _ask(kompass, question.query).kind == "none":
            scores.abstained_wrong += 1
            scores.failures.append(f"{question.id} declined")
    hits = [0, 0]
    for row in _rows(WORDING_SETS[name]):
        given = Filters(report_id=SAMPLE_REPORT_ID)
        result = kompass.wording(row["query"], top=5, filters=given)
        texts = " ".join(_norm(" ".join([e.text, *e.variants])) for e in result.entries[:5])
        ok = any(_norm(v) in texts for v in row["expect"])
        hits = [hits[0] + ok, hits[1] + 1]
        if not ok:
            scores.failures.append(f"{row['id']} wording missed")
    scores.facts, scores.passages, scores.wording = tuple(facts), tuple(passages), tuple(hits)  # type: ignore[assignment]
    return scores


def format_answers(scores: AnswerScores) -> str:
    def share(pair: tuple[int, int]) -> str:
        return f"{pair[0]}/{pair[1]} ({pair[0] / pair[1]:.0%})" if pair[1] else "–"

    lines = [
        f"fact answers correct:      {share(scores.facts)}",
        f"passage answers correct:   {share(scores.passages)}",
        f"abstention precision:      {scores.precision:.3f}   recall: {scores.recall:.3f}",
        f"  false abstentions:       {scores.abstained_wrong} of {scores.answerable} answerable",
        f"  false answers:           {scores.answered_wrong} of {scores.unanswerable} unanswerable",
        f"wording hit@5:             {share(scores.wording)}",
    ]
    if scores.failures:
        lines.append("failures: " + ", ".join(scores.failures))
    return "\n".join(lines)
