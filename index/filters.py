"""Search filters, rendered as SQL over the passages table (and its report)."""
from __future__ import annotations

from dataclasses import dataclass

from corpus.models import SectionKind


@dataclass(frozen=True)
class Filters:
    """Search filters; None means "any"."""

    municipality: str | None = None  # folded key, e.g. "enköping"
    year_from: int | None = None
    year_to: int | None = None
    area: int | None = None
    section: SectionKind | None = None
    report_id: str | None = None

    def _conditions(self, alias: str) -> list[tuple[str, object]]:
        """(condition on the passages table, value) for each filter that is set."""
        in_reports = f"{alias}.report_id IN (SELECT report_id FROM reports WHERE {{}} ?)"
        section = self.section.value if self.section else None
        candidates = [
            (in_reports.format("municipality_key ="), self.municipality),
            (in_reports.format("year >="), self.year_from),
            (in_reports.format("year <="), self.year_to),
            (f"{alias}.area = ?", self.area),
            (f"{alias}.section = ?", section),
            (f"{alias}.report_id = ?", self.report_id),
        ]
        return [c for c in candidates if c[1] is not None]

    def sql(self, alias: str = "p") -> tuple[str, list[object]]:
        """A WHERE fragment over the passages table (and its report) plus its parameters."""
        conditions = self._conditions(alias)
        return " AND ".join(c[0] for c in conditions) or "1", [c[1] for c in conditions]
