"""The expert pool the staffing office maintains (专家库, D-14) and how panels come from it.

Two ledger event kinds keep the pool on the record:

* ``staffing.expert.added`` — an expert (an ``expert`` user of the bureau) joins the
  pool: field of expertise, the organisation they work for, the term, and the units
  they must not rate (回避: their own employer, a unit they left recently…);
* ``staffing.expert.retired`` — leaves the pool, with the date and the reason.

No personal identifiers are recorded: the expert is their username; names, phone
numbers and ID numbers stay with the user record and the vault.

Their projector keeps the pool as the plugin's records (collection ``experts``, one
record per expert: the latest addition, and the retirement if any), so
:func:`pool_at` gives the pool on a date. A panel is drawn by the core (the pool ranked
by SHA-256(seed:member), recorded as ``panel.drawn``): ``jixiao staffing_office draw``
hands it the pool of the day, one draw per rated indicator (difficulty, precision)
with the *same* seed, so the same experts rate both. :func:`recusals` says which drawn
experts must not rate which unit (the core does not enforce it yet; see NEEDS.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.plugin_api import CODE, Event, PluginContext, RecordStore, chinese_first, read_csv

ADDED = "staffing.expert.added"
RETIRED = "staffing.expert.retired"
EXPERTISE = {
    "organisation": "机构编制",
    "public_admin": "公共管理",
    "finance": "财务审计",
    "law": "法律",
    "economy": "经济",
    "social": "社会事业",
    "digital": "信息化",
}
AFFILIATIONS = {
    "university": "高校",
    "research": "研究机构",
    "government": "党政机关",
    "institution": "事业单位",
    "enterprise": "企业",
    "other": "其他",
}
RETIREMENT_REASONS = {
    "term_ended": "任期届满",
    "own_request": "本人申请",
    "misconduct": "违反评审纪律",
    "conflict": "利益冲突",
    "other": "其他",
}


class SeparatedList(fields.List):
    """A list, or the same joined with ';' in one CSV cell (``a;b;c``)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(";") if part.strip()]
        return super()._deserialize(value, attr, data, **kwargs)


class ExpertAddedSchema(Schema):
    """``data`` of ``staffing.expert.added`` (also one row of the pool import)."""

    class Meta:
        ordered = True

    expert = fields.String(required=True, validate=validate.Length(min=1, max=100))
    expertise = fields.String(required=True, validate=validate.OneOf(EXPERTISE))
    affiliation = fields.String(required=True, validate=validate.Length(min=1, max=200))
    affiliation_kind = fields.String(required=True, validate=validate.OneOf(AFFILIATIONS))
    since = fields.Date(required=True)
    until = fields.Date(load_default=None, allow_none=True)
    recuse = SeparatedList(
        fields.String(validate=validate.Regexp(CODE.pattern + r"\Z")), load_default=list
    )

    @validates_schema
    def _term(self, data: dict, **_: Any) -> None:
        if data["until"] is not None and data["until"] < data["since"]:
            raise ValidationError("任期结束早于开始 (the term ends before it starts)", "until")


class ExpertRetiredSchema(Schema):
    """``data`` of ``staffing.expert.retired``."""

    class Meta:
        ordered = True

    expert = fields.String(required=True, validate=validate.Length(min=1, max=100))
    on = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(RETIREMENT_REASONS))
    note = fields.String(load_default="", validate=validate.Length(max=500))


@dataclass(frozen=True)
class PoolMember:
    expert: str
    expertise: str
    affiliation: str
    affiliation_kind: str
    since: dt.date
    until: dt.date | None
    recuse: tuple[str, ...]


def project_added(records: RecordStore, event: Event) -> None:
    """``staffing.expert.added`` → the expert's record (a new term replaces the old)."""
    records.put("experts", event.data["expert"], {**event.data, "added_seq": event.seq})


def project_retired(records: RecordStore, event: Event) -> None:
    """``staffing.expert.retired`` → the retirement noted on the expert's record."""
    found = records.get("experts", event.data["expert"])
    if found is not None:
        records.put("experts", event.data["expert"], {**found, "retired": dict(event.data)})


def pool_at(experts: Iterable[Mapping[str, Any]], on: dt.date) -> dict[str, PoolMember]:
    """The pool on a date, from the experts' records: added ``since`` ≤ ``on``, term not
    ended (``until`` ≥ ``on``), not retired on or before ``on``."""
    added = ExpertAddedSchema()
    members = {}
    for record in experts:
        retired = record.get("retired")
        if retired is not None and dt.date.fromisoformat(retired["on"]) <= on:
            continue
        row = added.load({k: record[k] for k in added.fields if k in record})
        if row["since"] <= on and (row["until"] is None or row["until"] >= on):
            members[row["expert"]] = PoolMember(**{**row, "recuse": tuple(row["recuse"])})
    return members


def panel_pool(members: Mapping[str, PoolMember], expertise: Sequence[str] = ()) -> list[str]:
    """The usernames to draw from (``draw_panel(pool=…)``), optionally only some fields."""
    return sorted(e for e, m in members.items() if not expertise or m.expertise in expertise)


def recusals(members: Mapping[str, PoolMember], panel: Sequence[str]) -> dict[str, list[str]]:
    """Unit → the drawn experts who must not rate it (回避)."""
    out: dict[str, list[str]] = {}
    for expert in sorted(panel):
        member = members.get(expert)
        for unit in member.recuse if member else ():
            out.setdefault(unit, []).append(expert)
    return out


ROSTER_MAX_BYTES = 4 * 1024 * 1024
"""A roster of experts is a few hundred lines; anything this large is not one."""


class Refused(ValidationError):
    """Entries of the pool refused, nothing recorded: ``errors`` as importers give them,
    ``{row, field, reason}`` (row: the line in the roster file, None for one entry), so a
    command can list each error once at its line. Still a ValidationError (keyed
    ``row 8.expert``) for any channel that knows only marshmallow's messages."""

    def __init__(self, errors: list[dict]) -> None:
        messages: dict[str, list[str]] = {}
        for e in errors:
            key = f"row {e['row']}.{e['field']}" if e["row"] is not None else e["field"]
            messages.setdefault(key, []).append(e["reason"])
        super().__init__(messages)
        self.errors = errors


@dataclass(frozen=True)
class Known:
    """What an entry of the pool must name, as the core's draw will check it: units of
    the bureau to recuse from, and the bureau's expert users (the draw refuses a pool
    naming anyone else, so an entry naming them broke every later draw until retired)."""

    units: frozenset[str]
    experts: frozenset[str]

    @classmethod
    def of(cls, ctx: PluginContext) -> Known:
        reader = ctx.reader
        if reader is None:
            return cls(frozenset(), frozenset())
        return cls(frozenset(u.code for u in reader.units()), frozenset(reader.experts()))

    def refusals(self, entry: Mapping[str, Any]) -> list[tuple[str, str]]:
        """(field, reason) for an entry's expert and recusals the bureau does not have;
        fields the entry lacks (refused by the schema already) are not looked at."""
        found = []
        expert = entry.get("expert")
        if expert is not None and expert not in self.experts:
            found.append(
                (
                    "expert",
                    f"不是本局的专家用户：{expert} (not an expert user of the bureau: {expert})",
                )
            )
        unknown = ", ".join(sorted(set(entry.get("recuse") or ()) - self.units))
        if unknown:
            found.append(("recuse", f"本局没有单位 {unknown} (unknown unit: {unknown})"))
        return found


def entries(
    lines: Iterable[tuple[int | None, Mapping[str, Any]]], known: Known
) -> tuple[list[dict], list[dict]]:
    """``staffing.expert.added`` data as the ledger records it (dates as text), or every
    error ``{row, field, reason}`` of every entry, in order (nothing unless all pass).
    Besides the schema, an entry must name an expert user and units of the bureau, and
    an expert once in a file (a second line would add them twice, the later term
    silently replacing the earlier)."""
    schema, rows, errors = ExpertAddedSchema(), [], []
    seen: dict[str, int | None] = {}
    for line, raw in lines:
        try:
            valid = loaded = schema.load(dict(raw))
            found = []
        except ValidationError as exc:
            loaded, valid = None, exc.valid_data or {}
            found = list(_flat(exc.normalized_messages()))
        expert = valid.get("expert")
        if expert in seen:
            first = seen[expert]
            found.append(("expert", f"与第{first}行重复 (duplicates line {first})"))
        elif expert is not None:
            seen[expert] = line
        found += known.refusals(valid)
        errors += [{"row": line, "field": name, "reason": reason} for name, reason in found]
        if loaded is not None and not found:
            rows.append(schema.dump(loaded))
    return ([], errors) if errors else (rows, [])


def _flat(messages: Mapping, prefix: str = "") -> Iterator[tuple[str, str]]:
    """marshmallow's messages as (field, reasons): ``recuse`` holds a message per bad
    code under its index (``recuse[1]``), which a join of the field's messages choked on."""
    for key, value in messages.items():
        if isinstance(key, int):
            name = f"{prefix}[{key}]"
        else:
            name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            yield from _flat(value, name)
        else:
            yield name, "; ".join(chinese_first(str(v)) for v in value)


def roster(data: bytes, filename: str, known: Known) -> tuple[list[dict], list[dict]]:
    """The pool kept in a spreadsheet (CSV, one expert a row, ``recuse`` as ``i3;i5``)
    → :func:`entries` (row = the line in the file)."""
    if len(data) > ROSTER_MAX_BYTES:
        reason = f"文件过大，上限 {ROSTER_MAX_BYTES} 字节 (larger than {ROSTER_MAX_BYTES} bytes)"
        return [], [{"row": None, "field": "file", "reason": reason}]
    try:
        lines = read_csv(data, filename)
    except ValueError as exc:
        return [], [{"row": None, "field": "file", "reason": str(exc)}]
    return entries(
        ((line, {k: v for k, v in raw.items() if v != ""}) for line, raw in lines), known
    )


def add(ctx: PluginContext, data: Mapping[str, Any]) -> Event:
    """Record ``staffing.expert.added`` (validated as a roster line is; dates as text)."""
    rows, errors = entries([(None, data)], Known.of(ctx))
    if errors:
        raise Refused(errors)
    return ctx.record(ADDED, rows[0])


def retire(ctx: PluginContext, expert: str, on: dt.date, reason: str, note: str = "") -> Event:
    """Record ``staffing.expert.retired`` for an expert of the pool."""
    found = ctx.records.get("experts", expert)
    if found is None:
        raise ValidationError(f"{expert}不在专家库中 (not in the pool)", "expert")
    if on.isoformat() < str(found.get("since", "")):
        raise ValidationError(
            f"退出日期早于入库日期 {found['since']} (before the expert joined)", "on"
        )
    data = {"expert": expert, "on": on.isoformat(), "reason": reason, "note": note}
    return ctx.record(RETIRED, ExpertRetiredSchema().dump(ExpertRetiredSchema().load(data)))


def import_roster(ctx: PluginContext, data: bytes, filename: str) -> list[Event]:
    """Add every expert of a roster file, or none (:class:`Refused`, by line)."""
    rows, errors = roster(data, filename, Known.of(ctx))
    if errors:
        raise Refused(errors)
    return [ctx.record(ADDED, row) for row in rows]


def describe(member: PoolMember) -> dict[str, Any]:
    return {
        "expert": member.expert,
        "expertise": member.expertise,
        "affiliation": member.affiliation,
        "affiliation_kind": member.affiliation_kind,
        "since": member.since.isoformat(),
        "until": member.until.isoformat() if member.until else None,
        "recuse": list(member.recuse),
    }
