"""A performance office at work: the services of a real platform on a real database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from core.domain import cycles, organisation
from core.domain.assessment import appeals, collection, reporting, service
from core.domain.models import Bureau
from core.domain.values import record_values


class Office:
    """One bureau with cycle 2026 (quarters and year), driven the way its office would."""

    def __init__(self, platform, code: str = "acc") -> None:
        self.platform = platform
        self.code = code
        with platform.db.transaction() as s:
            organisation.create_bureau(s, platform, code, "验收局", "Acceptance bureau")
            cycles.create_cycle(
                s,
                self.bureau(s),
                "2026",
                "2026年度",
                dt.date(2026, 1, 1),
                dt.date(2026, 12, 31),
                ["quarter", "year"],
            )

    def bureau(self, s) -> Bureau:
        return organisation.get_bureau(s, self.code)

    def units(self, *specs: tuple) -> None:
        """(code, name, group[, parent])"""
        with self.platform.db.transaction() as s:
            for code, name, group, *parent in specs:
                organisation.create_unit(
                    s,
                    self.bureau(s),
                    code,
                    name,
                    "",
                    parent=parent[0] if parent else None,
                    group=group,
                )

    def indicators(self, *specs: tuple) -> None:
        """(code, name[, measure])"""
        with self.platform.db.transaction() as s:
            for code, name, *measure in specs:
                organisation.create_indicator(
                    s, self.bureau(s), code, name, "", measure[0] if measure else ""
                )

    def users(self, role: str, *names: str) -> None:
        with self.platform.db.transaction() as s:
            for name in names:
                organisation.create_user(s, name, role, self.bureau(s))

    def scheme(self, doc: dict, cycle: str = "2026") -> None:
        with self.platform.db.transaction() as s:
            b = self.bureau(s)
            found = service.import_scheme(s, self.platform, b, cycle, doc, "test")
            service.publish_scheme(s, b, cycle, found.code, found.version, "test")

    def values(self, rows: Sequence[dict], cycle: str = "2026") -> list[int]:
        with self.platform.db.transaction() as s:
            rows = [{"cycle": cycle, **r} for r in rows]
            done = record_values(s, self.platform, self.bureau(s), rows, None, "test")
            return [e.seq for e in done.entries]

    def year(self, unit: str, **values) -> list[int]:
        """Annual values of one unit: ``year("u1", i1="95", i2="3")``."""
        return self.values(
            [
                {"unit": unit, "indicator": i, "period": "2026", "value": v}
                for i, v in values.items()
            ]
        )

    def ratings(self, rows: Sequence[dict]) -> list[int]:
        with self.platform.db.transaction() as s:
            rows = [{"cycle": "2026", "period": "2026", **r} for r in rows]
            return [e.seq for e in collection.submit_ratings(s, self.bureau(s), rows, None, "test")]

    def draw(self, indicator: str, size: int, seed: str) -> list[str]:
        with self.platform.db.transaction() as s:
            _, members = collection.draw_panel(
                s, self.bureau(s), "2026", indicator, size, "test", seed=seed
            )
            return members

    def items(self, rows: Sequence[dict]) -> None:
        with self.platform.db.transaction() as s:
            rows = [{"cycle": "2026", "period": "2026", **r} for r in rows]
            collection.record_items(s, self.bureau(s), rows, "test")

    def results(self, cycle: str = "2026") -> dict[str, dict]:
        with self.platform.db.transaction() as s:
            computed = reporting.compute(s, self.platform, self.bureau(s), cycle)
            return {row["unit"]: row for row in computed.rows()}

    def outcomes(self, cycle: str = "2026") -> dict[str, dict]:
        with self.platform.db.transaction() as s:
            rows = reporting.outcomes(s, self.platform, self.bureau(s), cycle)
            return {row["unit"]: row for row in rows}

    def appeal(self, **row) -> str:
        with self.platform.db.transaction() as s:
            found = appeals.file_appeal(
                s, self.bureau(s), {"cycle": "2026", "period": "2026", **row}, None, "test", 48
            )
            return found.code

    def assign(self, code: str, reviewer: str) -> None:
        with self.platform.db.transaction() as s:
            appeals.assign_appeal(s, self.bureau(s), code, reviewer, "test")

    def decide(self, code: str, decision: str, reason: str, value=None) -> None:
        with self.platform.db.transaction() as s:
            appeals.decide_appeal(
                s, self.platform, self.bureau(s), code, decision, reason, value, None, "test"
            )


def totals(results: dict[str, dict]) -> dict[str, str]:
    return {unit: row["total"] for unit, row in results.items()}


@pytest.fixture
def office(platform) -> Office:
    return Office(platform)
