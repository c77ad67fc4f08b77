"""Collection rounds for every channel (D-20): open a period's round, watch who has
reported, remind the late ones, grant extensions, close the period.

Status is worked out from the entry forms (what each unit's published scheme asks, or
the round's own list) and the recorded values: per indicator ``missing``,
``submitted``, ``warning`` (accepted with warnings) or ``returned`` (a reviewer
rejected it, so it is owed again), each possibly ``late``. Reminders and closing record
who still owed what, so webhooks can carry it to OA or SMS systems and the ledger keeps
it. Closing signs a checkpoint, so the figures as they stood at the close can be proved
later.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from core.domain.collection import rounds
from core.domain.models import Indicator, IndicatorValue, Subject, Unit, ValueWarning
from core.kernel import clock
from core.kernel.errors import Conflict, FieldError, InvalidInput, NotFound
from core.ledger.models import LedgerLog
from core.services import bureaus, ledger
from core.services.context import Context, Work
from core.services.forms import FormPlan

STATES = ("missing", "returned", "warning", "submitted")
OWED = ("missing", "returned")


@dataclass
class UnitStatus:
    """One unit's position in a round."""

    unit: Unit
    deadline: dt.datetime
    extension: tuple[dt.datetime, str] | None
    lines: list[dict[str, Any]] = field(default_factory=list)

    def count(self, state: str) -> int:
        return sum(1 for line in self.lines if line["state"] == state)

    @property
    def owed(self) -> list[str]:
        return [line["indicator"] for line in self.lines if line["state"] in OWED]

    def state(self) -> str:
        if not self.owed:
            return "complete"
        return "partial" if len(self.owed) < len(self.lines) else "not_started"

    def view(self, at: dt.datetime, detail: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "unit": self.unit.code,
            "name": self.unit.name,
            "group": self.unit.group_code,
            "deadline": clock.stamp(self.deadline),
            "extension": (
                {"deadline": clock.stamp(self.extension[0]), "reason": self.extension[1]}
                if self.extension
                else None
            ),
            "state": self.state(),
            "overdue": bool(self.owed) and at > self.deadline,
            "expected": len(self.lines),
            "submitted": len(self.lines) - len(self.owed),
            "late": sum(1 for line in self.lines if line["late"]),
            **{state: self.count(state) for state in ("missing", "returned", "warning")},
        }
        if detail:
            out["indicators"] = self.lines
        return out


def _values(work: Work, found: rounds.Round, unit_ids: list[int]) -> dict[tuple[int, str], Any]:
    """(unit id, indicator code) → the unit's current value row for the period."""
    rows = work.session.execute(
        select(Subject.unit_id, Indicator.code, IndicatorValue)
        .join(Subject, IndicatorValue.subject_id == Subject.id)
        .join(Indicator, IndicatorValue.indicator_id == Indicator.id)
        .where(
            IndicatorValue.period_id == found.period.id,
            Subject.kind == "unit",
            Subject.bureau_id == work.bureau.id,
        )
    )
    wanted = set(unit_ids)
    return {(uid, code): value for uid, code, value in rows if uid in wanted}


def _warnings(work: Work, found: rounds.Round) -> dict[int, list[str]]:
    """value seq → the warnings raised on it."""
    out: dict[int, list[str]] = defaultdict(list)
    for seq, message in work.session.execute(
        select(ValueWarning.value_seq, ValueWarning.message).where(
            ValueWarning.bureau_id == work.bureau.id,
            ValueWarning.period_id == found.period.id,
        )
    ):
        out[seq].append(message)
    return out


def unit_statuses(
    work: Work, found: rounds.Round, scope: frozenset[int] | None
) -> list[UnitStatus]:
    """Every unit of the round the caller may see, with each expected indicator's state."""
    plan = FormPlan(work, found.cycle, found.period)
    units = {
        u.code: u
        for u in work.session.scalars(
            select(Unit).where(Unit.bureau_id == work.bureau.id, Unit.code.in_(found.units))
        )
    }
    members = [
        units[c] for c in found.units if c in units and (scope is None or units[c].id in scope)
    ]
    values = _values(work, found, [u.id for u in members])
    warnings = _warnings(work, found)
    extensions = rounds.extensions(work, found.period)
    names = {code: i.name for code, i in plan.indicators.items()}
    out = []
    for unit in members:
        extension = extensions.get(unit.code)
        status = UnitStatus(unit, extension[0] if extension else found.deadline, extension)
        for code in plan.expected(unit):
            value = values.get((unit.id, code))
            raised = warnings.get(value.seq, []) if value else []
            if value is None:
                state = "missing"
            elif value.review == "rejected":
                state = "returned"
            else:
                state = "warning" if raised else "submitted"
            status.lines.append(
                {
                    "indicator": code,
                    "name": names.get(code, code),
                    "state": state,
                    "value": value.value if value else None,
                    "seq": value.seq if value else None,
                    "late": bool(value and value.late),
                    "review": value.review if value else None,
                    "warnings": raised,
                }
            )
        out.append(status)
    return out


def round_view(found: rounds.Round) -> dict[str, Any]:
    return {
        "cycle": found.cycle.code,
        "period": found.period.code,
        "state": "closed" if found.closed else "open",
        "deadline": clock.stamp(found.deadline),
        "units": found.units,
        "groups": found.groups,
        "indicators": found.indicators,
        "evidence": found.evidence,
        "remind_before": found.remind_before,
        "remind_overdue": found.remind_overdue,
        "opened_seq": found.seq,
        "closed_seq": found.closed_seq,
    }


def _outstanding(statuses: list[UnitStatus]) -> list[dict[str, Any]]:
    return [{"unit": s.unit.code, "missing": s.owed} for s in statuses if s.owed]


# --------------------------------------------------------------------------- office


def open_round(
    ctx: Context, bureau: str, cycle: str, period: str, spec: dict[str, Any]
) -> dict[str, Any]:
    """Open collection for a period (see :func:`core.domain.collection.rounds.open_round`)."""
    with ctx.writing(bureau, "collection.manage") as work:

        def assessed_units(found_cycle, found_period) -> list[str]:
            plan = FormPlan(work, found_cycle, found_period)
            units = work.session.scalars(
                select(Unit).where(Unit.bureau_id == work.bureau.id).order_by(Unit.code)
            )
            return [u.code for u in units if plan.expected(u)]

        rounds.open_round(work, cycle, period, spec, assessed_units)
        opened = rounds.get_round(work, cycle, period)
        if not any(status.lines for status in unit_statuses(work, opened, None)):
            raise InvalidInput(
                "本轮没有要收的数据 (the round would ask for nothing)",
                [
                    FieldError(
                        "indicators",
                        "本轮没有要填报的指标 (no unit's form asks anything for this period: "
                        "publish a scheme with leaves of this period's kind, or name indicators)",
                    )
                ],
            )
        return round_view(opened)


def extend(
    ctx: Context,
    bureau: str,
    cycle: str,
    period: str,
    unit: object,
    deadline: object,
    reason: object,
) -> dict[str, Any]:
    with ctx.writing(bureau, "collection.manage") as work:
        event = rounds.extend(work, cycle, period, unit, deadline, reason)
        return {**event.data, "seq": event.seq}


def close(
    ctx: Context, bureau: str, cycle: str, period: str, reason: object = None
) -> dict[str, Any]:
    """Close a period for collection and sign, in the same transaction, a checkpoint
    that covers the close; once committed, the checkpoint is time-stamped and sent to
    the configured witnesses (the answer says which cosigned)."""
    made: ledger.Made = []
    with ctx.writing(bureau, "collection.manage") as work:
        found_cycle, found_period = rounds.find_period(work, cycle, period)
        found = rounds.load_round(work, found_cycle, found_period)
        if found is None:
            raise Conflict(
                f"{found_cycle.code}/{found_period.code} 未开始收数 "
                f"(no collection round for {found_cycle.code}/{found_period.code})",
                [FieldError("period", "未开始收数 (no round to close: open one first)")],
            )
        outstanding = _outstanding(unit_statuses(work, found, None))
        event = rounds.close(work, found_cycle, found_period, reason, outstanding)
        log = work.session.get(LedgerLog, work.bureau.log_id)
        signed = ledger.sign(ctx, work.session, log, made)
        done = {
            "cycle": found_cycle.code,
            "period": found_period.code,
            "seq": event.seq,
            "outstanding": outstanding,
            "checkpoint": {"size": signed.size, "root": signed.root.hex()},
        }
        log_id = log.id
    attested = ledger.attest(ctx, made)
    done["checkpoint"].update(attested.get((log_id, signed.size), {}))
    return done


def listing(ctx: Context, bureau: str) -> list[dict[str, Any]]:
    """The bureau's collection rounds, open ones first."""
    with ctx.reading(bureau, "collection.read") as work:
        found = rounds.all_rounds(work)
        return [round_view(r) for r in sorted(found, key=lambda r: (r.closed, r.deadline))]


def status(
    ctx: Context, bureau: str, cycle: str, period: str, unit: str | None = None
) -> dict[str, Any]:
    """The office's view of a round: a summary, then each unit (and each indicator)."""
    with ctx.reading(bureau, "collection.read") as work:
        found = rounds.get_round(work, cycle, period)
        statuses = unit_statuses(work, found, work.unit_scope())
        if unit is not None:
            statuses = [s for s in statuses if s.unit.code == unit]
            if not statuses:
                raise NotFound(
                    f"单位 {unit!r} 不在本轮收数范围内 (unit {unit!r} is not in this round)",
                    [
                        FieldError(
                            "unit",
                            "本轮未向其收数（或不是您负责的单位） "
                            "(not asked for figures in this round (or not yours))",
                        )
                    ],
                )
        at = clock.now()
        return {
            **round_view(found),
            "as_of": clock.stamp(at),
            "summary": _summary(statuses, at),
            "indicators": _by_indicator(statuses),
            "units": [s.view(at) for s in statuses],
        }


def _summary(statuses: list[UnitStatus], at: dt.datetime) -> dict[str, int]:
    views = [s.view(at, detail=False) for s in statuses]
    out = {"units": len(views)}
    for state in ("complete", "partial", "not_started"):
        out[state] = sum(1 for v in views if v["state"] == state)
    out["overdue"] = sum(1 for v in views if v["overdue"])
    for key in ("expected", "submitted", "missing", "returned", "warning", "late"):
        out[key] = sum(v[key] for v in views)
    return out


def _by_indicator(statuses: list[UnitStatus]) -> list[dict[str, Any]]:
    totals: dict[str, dict[str, Any]] = {}
    for status_ in statuses:
        for line in status_.lines:
            row = totals.setdefault(
                line["indicator"],
                {"indicator": line["indicator"], "name": line["name"], "expected": 0, "late": 0}
                | dict.fromkeys(STATES, 0),
            )
            row["expected"] += 1
            row[line["state"]] += 1
            row["late"] += int(line["late"])
    return list(totals.values())


# --------------------------------------------------------------------------- reporters


def todo(ctx: Context, bureau: str) -> list[dict[str, Any]]:
    """What the caller's units still owe, across open rounds (and closed periods a unit
    holds an extension for), nearest deadline first."""
    with ctx.reading(bureau, "collection.read") as work:
        at = clock.now()
        items = []
        for found in rounds.all_rounds(work):
            for status_ in unit_statuses(work, found, work.unit_scope()):
                if found.closed and (status_.extension is None or status_.extension[0] < at):
                    continue
                lines = [line for line in status_.lines if line["state"] != "submitted"]
                if not lines:
                    continue
                items.append(
                    {
                        "cycle": found.cycle.code,
                        "period": found.period.code,
                        "unit": status_.unit.code,
                        "name": status_.unit.name,
                        "deadline": clock.stamp(status_.deadline),
                        "days_left": (status_.deadline - at).days,
                        "overdue": at > status_.deadline,
                        "items": lines,
                    }
                )
        return sorted(items, key=lambda i: (i["deadline"], i["unit"]))


# --------------------------------------------------------------------------- reminders


def due_keys(found: rounds.Round, at: dt.datetime, sent: set[str]) -> list[tuple[str, list[str]]]:
    """The reminder slots due at ``at`` and not yet sent: ``before:N`` once the deadline
    is N days away, ``overdue:N`` N days after it. Several slots due at once (a run
    missed, or a round opened late) make one reminder, as ("before"|"overdue", keys)."""
    day = dt.timedelta(days=1)
    before = [
        f"before:{n}"
        for n in found.remind_before
        if found.deadline - n * day <= at < found.deadline and f"before:{n}" not in sent
    ]
    overdue = [
        f"overdue:{n}"
        for n in sorted(found.remind_overdue)
        if at >= found.deadline + n * day and f"overdue:{n}" not in sent
    ]
    return [(when, keys) for when, keys in (("before", before), ("overdue", overdue)) if keys]


def remind(ctx: Context, bureau: str) -> list[dict[str, Any]]:
    """Record the reminders due now in one bureau (each slot once, however often this
    runs); returns them. Units holding an extension are not reminded of the round's
    deadline."""
    out = []
    with ctx.writing(bureau, "collection.manage") as work:
        at = clock.now()
        for found in rounds.open_rounds(work):
            due = due_keys(found, at, rounds.reminders_sent(work, found.period))
            if not due:
                continue
            owing = [s for s in unit_statuses(work, found, None) if s.owed and s.extension is None]
            for when, keys in due:
                if owing:
                    event = rounds.remind(work, found, when, keys, _outstanding(owing))
                    out.append({**event.data, "seq": event.seq})
    return out


def remind_all(ctx: Context) -> list[dict[str, Any]]:
    """Reminders due in every bureau (the server's reminder thread, or cron)."""
    out = []
    for found in bureaus.listing(ctx):
        out.extend(remind(ctx, found["code"]))
    return out
