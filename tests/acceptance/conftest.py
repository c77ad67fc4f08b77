"""A performance office at work: the services of a real platform on a real database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from core.services import (
    appeals,
    assessment,
    bureaus,
    cycles,
    indicators,
    results,
    schemes,
    units,
    users,
    values,
)
from core.services.context import Context
from tests.helpers import as_user


class Office:
    """One bureau with cycle 2026 (quarters and year), driven through the services the
    way its office would, acting as ``system:test`` (experts rate as themselves)."""

    def __init__(self, platform, code: str = "acc") -> None:
        self.platform = platform
        self.code = code
        self.ctx = Context.system(platform, "system:test")
        bureaus.create(self.ctx, code, "验收局", "Acceptance bureau")
        cycles.create(
            self.ctx, code, "2026", "2026年度", dt.date(2026, 1, 1), dt.date(2026, 12, 31),
            ["quarter", "year"],
        )  # fmt: skip

    def cycle(self, code: str, start: dt.date, end: dt.date, kinds: list[str]) -> None:
        cycles.create(self.ctx, self.code, code, f"{code}年度", start, end, kinds)

    def units(self, *specs: tuple) -> None:
        """(code, name, group[, parent])"""
        for code, name, group, *parent in specs:
            above = parent[0] if parent else None
            units.create(self.ctx, self.code, code, name, "", parent=above, group=group)

    def indicators(self, *specs: tuple) -> None:
        """(code, name[, measure])"""
        for code, name, *measure in specs:
            indicators.create(self.ctx, self.code, code, name, "", measure[0] if measure else "")

    def users(self, role: str, *names: str) -> None:
        for name in names:
            users.create(self.ctx, self.code, name, role)

    def scheme(self, doc: dict, cycle: str = "2026") -> None:
        schemes.import_scheme(self.ctx, self.code, cycle, doc, publish=True)

    def values(self, rows: Sequence[dict], cycle: str = "2026") -> list[int]:
        rows = [{"cycle": cycle, **r} for r in rows]
        return [e["seq"] for e in values.record(self.ctx, self.code, rows)["entries"]]

    def year(self, unit: str, **given) -> list[int]:
        """Annual values of one unit: ``year("u1", i1="95", i2="3")``."""
        return self.values(
            [{"unit": unit, "indicator": i, "period": "2026", "value": v} for i, v in given.items()]
        )

    def ratings(self, rows: Sequence[dict]) -> list[int]:
        """Ratings; expert ratings are submitted by each expert, as themselves."""
        rows = [{"cycle": "2026", "period": "2026", **r} for r in rows]
        seqs = []
        plain = [r for r in rows if r.get("role") != "expert"]
        if plain:
            seqs += assessment.submit_ratings(self.ctx, self.code, plain)["seqs"]
        for row in (r for r in rows if r.get("role") == "expert"):
            expert = as_user(self.platform, row["rater"], self.code)
            seqs += assessment.submit_ratings(expert, self.code, [row])["seqs"]
        return seqs

    def draw(self, indicator: str, size: int, seed: str) -> list[str]:
        return assessment.draw_panel(self.ctx, self.code, "2026", indicator, size, seed=seed)[
            "members"
        ]

    def items(self, rows: Sequence[dict]) -> list[int]:
        rows = [{"cycle": "2026", "period": "2026", **r} for r in rows]
        return assessment.record_items(self.ctx, self.code, rows)["seqs"]

    def results(self, cycle: str = "2026") -> dict[str, dict]:
        rows = results.results(self.ctx, self.code, cycle, explain=True)
        return {row["subject"]: row for row in rows}

    def outcomes(self, cycle: str = "2026") -> dict[str, dict]:
        return {row["subject"]: row for row in results.outcomes(self.ctx, self.code, cycle)}

    def appeal(self, **row) -> str:
        return appeals.file(self.ctx, self.code, {"cycle": "2026", "period": "2026", **row})["code"]

    def assign(self, code: str, reviewer: str) -> None:
        appeals.assign(self.ctx, self.code, code, reviewer)

    def decide(self, code: str, decision: str, reason: str, value=None, target=None) -> None:
        appeals.decide(self.ctx, self.code, code, decision, reason, value, target)


def totals(results: dict[str, dict]) -> dict[str, str]:
    return {unit: row["total"] for unit, row in results.items()}


@pytest.fixture
def office(platform) -> Office:
    return Office(platform)
