"""Report text → `Report`: title metadata, the eight areas, their sections and score tables.

Works on the flat text of a KommunKompassen report (2010 area set) as a transcript gives it:
chapter 1-2 prose with the summary score table, chapter 3 with `Område N <namn> Rubriker …
Poäng NN Allmänt … Sammanfattning … Styrkor … Förbättringsmöjligheter …` for each area, and
chapter 4 with the per-question table.
"""
from __future__ import annotations

import re
from pathlib import Path

from .bullets import BULLET
from .errors import NotAReportError
from .lists import Piece, read_two_columns
from .models import AreaResult, QuestionScore, Report, Span
from .pages import PageStream, split_pages
from .document import Document
from .taxonomy import AREAS, match_area
from .title import LOOKS_LIKE_REPORT, Title, parse_title, slugify

_SECTION_MARKERS = ("Allmänt", "Sammanfattning", "Styrkor", "Förbättringsmöjligheter")
_TRIPLE = re.compile(r"(?<![\d.])(\d{1,3}) (\d{1,3}) (\d{1,3}) ?%")
_QUESTION = re.compile(r"(?<![\d.])([1-8])\.(\d{1,2}) ")


def _find(pattern: str, text: str, start: int = 0, end: int | None = None) -> re.Match[str] | None:
    return re.compile(pattern).search(text, start, len(text) if end is None else end)


class _Parser:
    def __init__(self, document: Document):
        self.document = document
        self.stream: PageStream = (PageStream(list(document.pages), document.header)
                                   if document.pages else split_pages(document.text))
        self.text = self.stream.text
        # A .docx without Word's page marks, or a text without running headers, has no pages.
        self.pages_known = document.pages_known and (bool(document.pages) or self.stream.header is not None)
        self.warnings: list[str] = []
        self._names: set[str] = set()
        self._lists: list[tuple[AreaResult, tuple[int, int], tuple[int, int] | None]] = []

    # -- helpers -----------------------------------------------------------------------
    def is_proper(self, token: str) -> bool:
        """A name: a capitalised word that the report's prose also capitalises mid-sentence."""
        return token.strip(".,;:?!()") in self._names

    def learn_names(self, spans: list[Span]) -> None:
        lower = {w for s in spans for w in re.findall(r"\b[a-zåäöé][\w\-]*", s.text)}
        for span in spans:
            for previous, word in re.findall(r"(\S+)\s+([A-ZÅÄÖ][\w\-]+)", span.text):
                mid_sentence = previous[-1].isalpha() and previous[-1].islower() or previous.endswith(",")
                if mid_sentence and word.lower() not in lower:
                    self._names.add(word)

    def span(self, start: int, end: int) -> Span | None:
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and self.text[end - 1].isspace():
            end -= 1
        if start >= end:
            return None
        return Span(self.text[start:end], self.stream.page_at(start), self.stream.page_at(end - 1))

    def pieces(self, start: int, end: int) -> list[Piece]:
        bounds = [start, *self.stream.page_breaks(start, end), end]
        result = []
        for a, b in zip(bounds, bounds[1:]):
            span = self.span(a, b)
            if span:
                result.append(Piece(span.text, span.page_start))
        return result

    # -- parts of the report -----------------------------------------------------------
    def title(self) -> Title | None:
        breaks = self.stream.page_breaks(0, len(self.text))
        head = self.text[: breaks[0] if breaks else min(len(self.text), 600)]
        found = parse_title(head, self.text)
        if found is None and self.document.page_title:
            found = parse_title(self.document.page_title, self.text)
        return found

    def summary_table(self, start: int, end: int) -> tuple[dict[int, int], dict[int, str], int | None,
                                                          tuple[int, int] | None]:
        """Chapter 2 table: `1. Offentlighet och demokrati 54 2. … TOTALT 434`."""
        total_match = _find(r"TOTALT\s+(\d{2,3})", self.text, start, end)
        if total_match is None:
            return {}, {}, None, None
        table_start = _find(r"(?:Tabell 1|Resultat \d{4})", self.text, start, total_match.start())
        from_pos = table_start.start() if table_start else max(start, total_match.start() - 600)
        scores: dict[int, int] = {}
        names: dict[int, str] = {}
        for m in re.finditer(r"(?<!\d)([1-8])\.\s+([^\d]+?)\s+(\d{1,3})(?!\d|\.\d)",
                             self.text[from_pos:total_match.start()]):
            area = match_area(m.group(2)) or match_area(m.group(2), 2020) or int(m.group(1))
            scores[area] = int(m.group(3))
            names[area] = m.group(2).strip()
        # The chart residue after the total ("100 Enköpings kommun 2016-434 p 80 60 …") goes too.
        residue = re.match(r"[\s\d]*(?:[^\d]{0,60}?\d{4}\s*-\s*\d{2,3} p)?[\s\d]*",
                           self.text[total_match.end():end])
        table_end = total_match.end() + (residue.end() if residue else 0)
        return scores, names, int(total_match.group(1)), (from_pos, table_end)

    def inledning(self, start: int, end: int, cut: tuple[int, int] | None) -> list[Span]:
        ranges = [(start, end)] if cut is None else [(start, cut[0]), (cut[1], end)]
        spans = []
        for a, b in ranges:
            for piece in self.pieces(a, b):
                text = _strip_chart_residue(piece.text)
                if text:
                    spans.append(Span(text, piece.page, piece.page))
        return spans

    def area(self, number: int, start: int, end: int) -> AreaResult:
        header = _find(r"Område\s+[1-8]\s+", self.text, start, end)
        assert header is not None
        pos = header.end()
        markers: dict[str, re.Match[str]] = {}
        cursor = pos
        for marker in ("Rubriker", *_SECTION_MARKERS):
            # A bullet, a heading or a table cell may follow the marker.
            pattern = (r"(?<![\w])" + marker + r"(?=\s+(?:•\s*)?[A-ZÅÄÖ0-9]|\s+•|\s*$)")
            m = _find(pattern, self.text, cursor, end)
            if m:
                markers[marker] = m
                cursor = m.end()
        name_end = min((m.start() for m in markers.values()), default=end)
        poang = _find(r"Poäng\b", self.text, pos, end)
        if poang and poang.start() < name_end:
            name_end = poang.start()
        name = self.text[pos:name_end].strip()
        canonical = match_area(name) or match_area(name, 2020) or number
        result = AreaResult(area=canonical, name_in_report=name, page=self.stream.page_at(start))

        # Rubriker and Poäng: "Rubriker A B C Poäng 54" or, as a table, "Rubriker Poäng A B C 55".
        block_end = markers["Allmänt"].start() if "Allmänt" in markers else end
        block = self.text[name_end:block_end]
        # "Poäng 54" or, laid out as a table, the number alone somewhere among the Rubriker.
        score = re.search(r"Poäng\s+(\d{1,3})\b", block) or re.search(r"(?<![\d.,])\b(\d{1,3})\b(?![.,]\d)", block)
        if score and int(score.group(1)) <= 100:
            result.score = int(score.group(1))
            block = block[:score.start(1)] + " " + block[score.end(1):]
        rubriker_text = re.sub(r"^\s*Rubriker\s*", "", block)
        rubriker_text = re.sub(r"\bPoäng\b", " ", rubriker_text)
        result.rubriker = _split_headings(rubriker_text)
        if result.score is None:
            self.warnings.append(f"Område {canonical}: ingen poäng hittades")

        def section(marker: str, following: str | None) -> tuple[int, int] | None:
            if marker not in markers:
                return None
            a = markers[marker].end()
            b = markers[following].start() if following and following in markers else end
            return a, b

        for marker, following, target in (("Allmänt", "Sammanfattning", result.allmant),
                                           ("Sammanfattning", "Styrkor", result.sammanfattning)):
            bounds = section(marker, following)
            if bounds:
                target += [Span(p.text, p.page, p.page) for p in self.pieces(*bounds)]
            else:
                self.warnings.append(f"Område {canonical}: avsnittet {marker} saknas")
        left = section("Styrkor", "Förbättringsmöjligheter")
        right = section("Förbättringsmöjligheter", None)
        if left:
            # Read once every area's prose is known: it tells names from item starts.
            self._lists.append((result, left, right))
            if not right:
                self.warnings.append(f"Område {canonical}: avsnittet Förbättringsmöjligheter saknas")
        else:
            self.warnings.append(f"Område {canonical}: avsnitten Styrkor/Förbättringsmöjligheter saknas")
        return result

    def read_lists(self) -> None:
        """Each area's lists from the reader's table, matched by document order and content
        (never by page: a .docx without page marks has every table on "page 1")."""
        unused = list(self.document.tables)
        for result, left, right in self._lists:
            section = re.sub(r"\s+", " ", self.text[left[0]:(right or left)[1]])
            table = next((t for t in unused if _table_in(t, section)), None)
            if table is not None:  # the reader saw the columns: no guessing needed
                unused = unused[unused.index(table) + 1:]
                result.styrkor, result.forbattringsmojligheter = list(table.left), list(table.right)
                continue
            result.styrkor, result.forbattringsmojligheter = read_two_columns(
                self.pieces(*left), self.pieces(*right) if right else [], self.is_proper)

    def questions(self, start: int, end: int, areas: dict[int, AreaResult]) -> None:
        """Chapter 4: `1. Offentlighet och demokrati Uppnått Max Procent 1.1 … 9 15 60% …`."""
        heads = list(re.finditer(r"(?<![\d.])([1-8])\.\s+([^\d]+?)\s+Uppnått\s+Max\s+Procent",
                                 self.text[start:end]))
        for i, head in enumerate(heads):
            a = start + head.end()
            b = start + heads[i + 1].start() if i + 1 < len(heads) else end
            canonical = match_area(head.group(2)) or match_area(head.group(2), 2020) or int(head.group(1))
            area = areas.get(canonical)
            if area is None or area.questions:
                continue  # an area without a chapter 3 entry, or a repeated table
            self._question_rows(area, int(head.group(1)), a, b)

    def _question_rows(self, area: AreaResult, number: int, start: int, end: int) -> None:
        # Rows can arrive interleaved ("2.1 Q? 2.2 Q? 8 15 50% 13 25 53%"): scores are
        # handed out to the questions still waiting for one, in order.
        text = self.text[start:end]
        events = sorted([(m.start(), "q", m) for m in _QUESTION.finditer(text)
                         if int(m.group(1)) == number]
                        + [(m.start(), "s", m) for m in _TRIPLE.finditer(text)],
                        key=lambda e: e[0])
        pending: list[tuple[str, str, int]] = []
        rows: list[QuestionScore] = []
        for i, (pos, kind, m) in enumerate(events):
            if kind == "q":
                following = events[i + 1][0] if i + 1 < len(events) else len(text)
                question = text[m.end():following].strip()
                pending.append((f"{m.group(1)}.{m.group(2)}", question,
                                self.stream.page_at(start + pos)))
            elif pending:
                num, question, page = pending.pop(0)
                achieved, maximum, percent = (int(g) for g in m.groups())
                rows.append(QuestionScore(num, question, achieved, maximum, percent, page))
            elif area.question_total is None:
                area.question_total = int(m.group(1))
        rows += [QuestionScore(num, q, None, None, None, page) for num, q, page in pending]
        area.questions = sorted(rows, key=lambda r: tuple(int(x) for x in r.number.split(".")))

    # -- whole report ------------------------------------------------------------------
    def parse(self) -> Report:
        if not self.pages_known:
            self.warnings.append("filen anger inga sidbrytningar eller sidnummer; källhänvisningar "
                                 "anger område och avsnitt i stället för sida")
        title = self.title()
        text = self.text
        header = self.stream.header
        if title is None:
            if not LOOKS_LIKE_REPORT.search(text[:20000]):
                raise NotAReportError(
                    f"{self.document.path}: ingen Kommunkompass-rapport (ingen titel av typen "
                    "'KommunKompassen ANALYS AV <NAMN> KOMMUN <ÅR>' och inga 'Område 1 …')")
            self.warnings.append("titeln känns inte igen: kommun och år saknas")
            stem = Path(self.document.path).stem
            title = Title(stem, stem, "kommun", None, None, [], "")
        year = title.year or (int(header.date[:4]) if header else None)
        if title.year is None:
            self.warnings.append("året står inte i titeln" + (f"; {year} från sidhuvudet" if year else ""))
        area_heads = [m for m in re.finditer(r"Område\s+([1-8])\s+[A-ZÅÄÖ]", text)]
        # Keep the first run 1..8 in order (later mentions of "Område 3" in prose are not heads).
        heads: list[re.Match[str]] = []
        for m in area_heads:
            if int(m.group(1)) == len(heads) + 1:
                heads.append(m)
        if len(heads) < 3:
            if not LOOKS_LIKE_REPORT.search(text[:20000]) and not self.warnings:
                raise NotAReportError(
                    f"{self.document.path}: hittar inte rapportens områden ('Område 1 …'); "
                    "är det en Kommunkompass-rapport?")
            self.warnings.append("rapportens områden ('Område 1 …') känns inte igen; texten indexeras "
                                 "som löptext utan områden")
            return self._report(title, year, areas={}, scores={}, names={}, total=None,
                                inledning=[], unplaced=self.pieces_as_spans(0, len(text)))
        chapter4 = _find(r"\b4\s+Översikt av poäng|(?<![\d.])1\.\s+[^\d]{5,80}?\s+Uppnått\s+Max\s+Procent",
                         text, heads[-1].end())
        ch3_end = chapter4.start() if chapter4 else len(text)
        first_page_end = (self.stream.page_breaks(0, len(text)) or [0])[0]
        intro_start = first_page_end
        scores, summary_names, total, cut = self.summary_table(intro_start, heads[0].start())
        chapter3 = _find(r"\b3\s+Genomgång", text, intro_start, heads[0].start())
        intro_end = chapter3.start() if chapter3 else heads[0].start()
        inledning = self.inledning(intro_start, intro_end, cut)
        title_span = self.span(0, first_page_end)
        if title_span:
            inledning.insert(0, title_span)

        areas: dict[int, AreaResult] = {}
        for i, head in enumerate(heads):
            end = heads[i + 1].start() if i + 1 < len(heads) else ch3_end
            area = self.area(int(head.group(1)), head.start(), end)
            areas[area.area] = area
        self.learn_names(inledning + [s for a in areas.values() for s in a.allmant + a.sammanfattning])
        self.read_lists()
        if chapter4:
            self.questions(chapter4.start(), len(text), areas)

        for number in range(1, 9):
            if number not in areas:
                self.warnings.append(f"Område {number} saknas i rapporten")
        for number, area in areas.items():
            if number in scores and area.score is not None and scores[number] != area.score:
                self.warnings.append(f"Område {number}: poängen {area.score} i kapitel 3 skiljer "
                                     f"sig från {scores[number]} i sammanställningen")
            if area.score is None and number in scores:
                area.score = scores[number]
        if total is None and len(scores) == 8:
            total = sum(scores.values())
        if total is None:
            self.warnings.append("ingen totalpoäng hittades")

        return self._report(title, year, areas, scores, summary_names, total, inledning, [])

    def pieces_as_spans(self, start: int, end: int) -> list[Span]:
        return [Span(p.text, p.page, p.page) for p in self.pieces(start, end)]

    def _report(self, title: Title, year: int | None, areas: dict[int, AreaResult],
                scores: dict[int, int], names: dict[int, str], total: int | None,
                inledning: list[Span], unplaced: list[Span]) -> Report:
        header = self.stream.header
        return Report(
            report_id=f"{slugify(title.municipality)}-{year or 'utan-ar'}",
            municipality=title.municipality, display_name=title.display_name, kind=title.kind,
            year=year, month=title.month, title=title.text, evaluators=title.evaluators,
            publisher=header.publisher if header else None, date=header.date if header else None,
            page_count=(header.total if header else self.stream.last_page) if self.pages_known else None,
            areas=[areas[n] for n in sorted(areas)], total_score=total,
            summary_scores=scores, summary_names=names, inledning=inledning, unplaced=unplaced,
            source_path=self.document.path, source_sha256=self.document.sha256,
            warnings=self.warnings, pages_known=self.pages_known,
        )


def _table_in(table, section: str) -> bool:
    """The table's items are what this Styrkor … Förbättringsmöjligheter text holds."""
    items = [i.text for i in (*table.left[:1], *table.right[:1])]
    return bool(items) and all(re.sub(r"\s+", " ", i) in section for i in items)


def _split_headings(text: str) -> list[str]:
    """`Personalstrategi Rekrytering Kompetens- och medarbetarutveckling` → 3 headings; where the
    reader saw the list's bullets (`• Personalstrategi • Rekrytering …`), they separate them."""
    parts = [h for h in (part.strip() for part in text.split(BULLET)) if h]
    if len(parts) >= 2:  # a bulleted list: the bullets are the truth
        return parts
    text = " ".join(parts)
    headings: list[list[str]] = []
    for token in text.split():
        previous = headings[-1][-1] if headings else ""
        if (not headings or (token[0].isupper()
                             and previous.lower() not in {"och", "för", "av", "med", "i", "om"}
                             and not previous.endswith(("-", "/", ",")))):
            headings.append([token])
        else:
            headings[-1].append(token)
    return [" ".join(h) for h in headings]


_AREA_LABEL = "|".join(sorted({re.escape(n) for a in AREAS for n in (*a.names_2010, a.name)},
                              key=len, reverse=True))


def _strip_chart_residue(text: str) -> str:
    """Drop the axis labels and tick numbers a chart leaves in extracted text."""
    text = re.sub(r"(?:\b[1-8]\.\s+(?:" + _AREA_LABEL + r")\s*)+", " ", text)
    text = re.sub(r"(?:\b\d{1,3}\s+){3,}\d{1,3}\b", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def parse_report(document: Document) -> Report:
    return _Parser(document).parse()


def parse_file(path: Path) -> Report:
    from .readers import read_document
    return parse_report(read_document(path))
