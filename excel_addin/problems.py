"""A problem found in a workbook, named by sheet and cell, in Chinese with English
alongside: what the annotated copy, the 错误 sheet, the API and the add-in show."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    field: str
    reason: str
    sheet: str | None = None
    cell: str | None = None
    row: int | None = None
    """The row of the entry form (1 = the first indicator), when it concerns one."""

    @property
    def where(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or "-"

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


class WorkbookRefused(Exception):
    """Problems that keep a workbook from being submitted (nothing was written)."""

    def __init__(self, problems: list[Problem], status: int = 422) -> None:
        super().__init__("; ".join(str(p) for p in problems[:5]))
        self.problems = problems
        self.status = status
