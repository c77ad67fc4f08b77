"""Read access for plugins (:class:`core.plugin_api.BureauReader`), inside the caller's
unit of work: a listener sees what was just written, and nothing of another bureau."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from core.domain.assessment import standings
from core.domain.cycles import get_cycle, get_period
from core.domain.inputs.ratings import expert_users
from core.domain.lookups import indicator_id, period_id, subject_id
from core.domain.models import EvidenceFile, Indicator, IndicatorValue, Person, Unit
from core.plugin_api import PersonInfo, UnitInfo


class Reader:
    def __init__(self, work: Any) -> None:
        self._work = work

    @property
    def _session(self):
        return self._work.session

    @property
    def _bureau(self):
        return self._work.bureau

    def units(self) -> list[UnitInfo]:
        parent = aliased(Unit)
        rows = self._session.execute(
            select(Unit.code, Unit.name, Unit.group_code, parent.code)
            .outerjoin(parent, Unit.parent_id == parent.id)
            .where(Unit.bureau_id == self._bureau.id)
            .order_by(Unit.code)
        )
        return [UnitInfo(*row) for row in rows]

    def people(self) -> list[PersonInfo]:
        rows = self._session.execute(
            select(Person.code, Person.name, Unit.code, Person.group_code)
            .outerjoin(Unit, Person.unit_id == Unit.id)
            .where(Person.bureau_id == self._bureau.id)
            .order_by(Person.code)
        )
        return [PersonInfo(*row) for row in rows]

    def indicator_codes(self) -> list[str]:
        return list(
            self._session.scalars(
                select(Indicator.code)
                .where(Indicator.bureau_id == self._bureau.id)
                .order_by(Indicator.code)
            )
        )

    def value(self, subject: str, indicator: str, cycle: str, period: str) -> str | None:
        bureau_id = self._bureau.id
        sid = subject_id(self._session, bureau_id, "unit", subject) or subject_id(
            self._session, bureau_id, "person", subject
        )
        key = (
            sid,
            indicator_id(self._session, bureau_id, indicator),
            period_id(self._session, bureau_id, cycle, period),
        )
        if None in key:
            return None
        row = self._session.get(IndicatorValue, key)
        return row.value if row else None

    def results(self, cycle: str, period: str | None = None, explain: bool = False) -> list[dict]:
        """Stored results; in a writing unit of work, first brought up to date with
        everything written so far (a reading one was opened current already)."""
        if self._work.writable:
            self._work.refresh_results()
        found = get_cycle(self._session, self._bureau, cycle)
        window = get_period(self._session, found, period).code if period else standings.CYCLE
        return standings.result_rows(
            self._session, self._bureau, found, window, with_explanation=explain
        )

    def experts(self) -> list[str]:
        return expert_users(self._work)

    def unattached(self, unit: str, digests: Sequence[str]) -> list[str]:
        given = [d for d in digests if isinstance(d, str)]
        attached = set(
            self._session.scalars(
                select(EvidenceFile.sha256)
                .join(Unit, EvidenceFile.unit_id == Unit.id)
                .where(
                    EvidenceFile.bureau_id == self._bureau.id,
                    Unit.bureau_id == self._bureau.id,
                    Unit.code == unit,
                    EvidenceFile.sha256.in_(sorted(set(given))),
                )
            )
        )
        return [d for d in digests if d not in attached]
