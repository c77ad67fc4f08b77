"""A performance office for tests: one bureau driven through the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from core.services import (
    appeals,
    assessment,
    bureaus,
    cycles,
    indicators,
    people,
    plugins,
    results,
    schemes,
    templates,
    units,
    users,
    values,
)
from core.services.context import Context
from core.services.platform import Platform
from core.services.users import principal_named


class Office:
    """Bureau ``code`` with cycle ``2026`` (quarters and year) and the given plugins
    installed, driven as its office would, acting as ``system:test`` (experts and other
    users act as themselves through :meth:`as_user`)."""

    def __init__(
        self,
        platform: Platform,
        code: str = "test",
        plugins_installed: Iterable[str] = ("rules",),
        cycle_kinds: Sequence[str] = ("quarter", "year"),
    ) -> None:
        self.platform = platform
        self.code = code
        self.ctx = Context.system(platform, "system:test")
        bureaus.create(self.ctx, code, "测试局", "Test bureau")
        installed = {p["name"] for p in plugins.installed(self.ctx, code)}
        for name in plugins_installed:
            if name not in installed:
                plugins.install(self.ctx, code, name)
        self.cycle("2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31), list(cycle_kinds))

    # ------------------------------------------------------------------ set-up

    def cycle(self, code: str, start: dt.date, end: dt.date, kinds: list[str]) -> None:
        cycles.create(self.ctx, self.code, code, f"{code}年度", start, end, kinds)

    def units(self, *specs: tuple) -> None:
        """(code, name, group[, parent])"""
        for code, name, group, *parent in specs:
            above = parent[0] if parent else None
            units.create(self.ctx, self.code, code, name, "", parent=above, group=group)

    def people(self, *specs: tuple) -> None:
        """(code, name, unit, group)"""
        for code, name, unit, group in specs:
            people.create(self.ctx, self.code, code, name, unit, None, group)

    def indicators(self, *specs: tuple) -> None:
        """(code, name[, measure])"""
        for code, name, *measure in specs:
            indicators.create(self.ctx, self.code, code, name, "", measure[0] if measure else "")

    def users(self, role: str, *names: str, units_of: Sequence[str] = ()) -> None:
        for name in names:
            users.create(self.ctx, self.code, name, role, list(units_of))

    def configure(self, plugin: str, settings: dict[str, Any]) -> dict[str, Any]:
        return plugins.configure(self.ctx, self.code, plugin, settings)

    def scheme(self, doc: dict, cycle: str = "2026", publish: bool = True) -> dict:
        return schemes.import_scheme(self.ctx, self.code, cycle, doc, publish=publish)

    def template(self, name: str, cycle: str = "2026", publish: bool = True) -> dict:
        return templates.import_template(self.ctx, self.code, name, cycle, publish)

    def as_user(self, username: str) -> Context:
        return Context(self.platform, principal_named(self.platform, username, self.code))

    # ------------------------------------------------------------------ inputs

    def values(self, rows: Sequence[dict], cycle: str = "2026") -> dict:
        return values.record(self.ctx, self.code, [{"cycle": cycle, **r} for r in rows])

    def year(self, subject: str, kind: str = "unit", **given: str) -> dict:
        """Annual values of one subject: ``year("u1", i1="95", i2="3")``."""
        return self.values(
            [
                {kind: subject, "indicator": i, "period": "2026", "value": v}
                for i, v in given.items()
            ]
        )

    def ratings(self, rows: Sequence[dict]) -> list[int]:
        """Ratings; expert rows are submitted by each expert, as themselves."""
        rows = [{"cycle": "2026", "period": "2026", **r} for r in rows]
        seqs = []
        plain = [r for r in rows if r.get("role") != "expert"]
        if plain:
            seqs += assessment.submit_ratings(self.ctx, self.code, plain)["seqs"]
        for row in (r for r in rows if r.get("role") == "expert"):
            seqs += assessment.submit_ratings(self.as_user(row["rater"]), self.code, [row])["seqs"]
        return seqs

    def draw(
        self,
        indicator: str,
        size: int,
        seed: str,
        pool: list[str] | None = None,
        reason: str | None = None,
    ) -> list[str]:
        """The members drawn; a redraw gives a ``reason`` (before anyone has rated)."""
        drawn = assessment.draw_panel(
            self.ctx, self.code, "2026", indicator, size, pool, seed, reason=reason
        )
        return drawn["members"]

    def items(self, rows: Sequence[dict]) -> list[int]:
        rows = [{"cycle": "2026", "period": "2026", **r} for r in rows]
        return assessment.record_items(self.ctx, self.code, rows)["seqs"]

    def appeal(self, **row: Any) -> str:
        return appeals.file(self.ctx, self.code, {"cycle": "2026", "period": "2026", **row})["code"]

    # ------------------------------------------------------------------ results

    def results(self, cycle: str = "2026", period: str | None = None) -> dict[str, dict]:
        """Stored results by subject code (explanations included)."""
        rows = results.results(self.ctx, self.code, cycle, period, explain=True)
        return {row["subject"]: row for row in rows}

    def totals(self, cycle: str = "2026", period: str | None = None) -> dict[str, str]:
        return {code: row["total"] for code, row in self.results(cycle, period).items()}

    def outcomes(self, cycle: str = "2026") -> dict[str, dict]:
        return {row["subject"]: row for row in results.outcomes(self.ctx, self.code, cycle)}
