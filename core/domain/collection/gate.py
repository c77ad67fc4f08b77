"""The collection check every value entry passes (all channels: API, CLI, .xlsx, the
add-in, importers), decided under the bureau's log lock like the rest of the entry.

- After its period is closed, a value is refused, unless the unit holds an extension
  whose deadline has not passed, or the value is an appeal's correction (the appeal
  path does not consult the gate at all).
- While a round is open, a value recorded after the unit's deadline (the round's, or
  its extension's) is accepted and marked ``late``; an indicator the round requires
  evidence for must cite some.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.domain.collection import rounds
from core.domain.inputs.targets import Target
from core.domain.work import BureauWork
from core.kernel import clock
from core.kernel.errors import Conflict, FieldError, invalid


@dataclass(frozen=True)
class PeriodState:
    round: rounds.Round | None
    closed: bool
    extensions: dict[str, tuple[dt.datetime, str]]

    @property
    def idle(self) -> bool:
        """No round and not closed: collection does not govern this period."""
        return self.round is None and not self.closed


class EntryGate:
    """Checks rows of one unit of work; what it reads is remembered per period."""

    def __init__(self, work: BureauWork, at: dt.datetime | None = None) -> None:
        self.work = work
        self.at = at or clock.now()
        self._periods: dict[int, PeriodState] = {}

    def state(self, target: Target) -> PeriodState:
        found = self._periods.get(target.period.id)
        if found is None:
            closed_seq, round_ = rounds.period_state(self.work, target.cycle, target.period)
            closed = closed_seq is not None
            exts = rounds.extensions(self.work, target.period) if round_ or closed else {}
            found = self._periods[target.period.id] = PeriodState(round_, closed, exts)
        return found

    def admit(self, target: Target) -> bool:
        """Whether a value for ``target`` may be recorded now: refused (409) once its
        period is closed, unless the unit's extension is live; True when it is late.
        Checked before anything else about the row, so a clerk hears "closed" first."""
        state = self.state(target)
        if state.idle:
            return False
        unit = self._unit_code(target)
        extension = state.extensions.get(unit) if unit else None
        if state.closed:
            if extension is None or self.at > extension[0]:
                raise self._closed(target, extension)
            return False
        if unit not in state.round.units:
            return False
        return self.at > (extension[0] if extension else state.round.deadline)

    def require_evidence(self, target: Target, data: dict) -> None:
        """The round's evidence requirement, for a unit it asks figures of."""
        state = self.state(target)
        found = state.round
        if state.closed or found is None or self._unit_code(target) not in found.units:
            return
        if found.needs_evidence(target.indicator.code) and not data.get("evidence"):
            raise invalid(
                "evidence",
                "本轮收数要求上传佐证材料 (this round requires evidence for "
                f"{target.indicator.code}: attach a file and cite its SHA-256)",
            )

    def check_withdrawal(self, target: Target) -> None:
        """Withdrawing a value changes the period's figures too: refused once closed."""
        state = self.state(target)
        if state.closed:
            unit = self._unit_code(target)
            extension = state.extensions.get(unit) if unit else None
            if extension is None or self.at > extension[0]:
                raise self._closed(target, extension)

    def _unit_code(self, target: Target) -> str | None:
        subject = target.subject
        if subject.kind == "unit":
            return subject.code
        return subject.person.unit.code if subject.person and subject.person.unit else None

    def _closed(self, target: Target, extension) -> Conflict:
        where = f"{target.cycle.code}/{target.period.code}"
        ended = f"; its extension ended {clock.stamp(extension[0])}" if extension else ""
        return Conflict(
            f"{where} 填报已截止 ({where} is closed for collection)",
            [
                FieldError(
                    "period",
                    f"填报已截止 ({where} is closed{ended}: ask the office for an extension, "
                    "or file an appeal)",
                )
            ],
        )
