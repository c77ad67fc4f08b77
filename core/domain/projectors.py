"""The organisation's event kinds and their projectors: bureaus, units, people, cycles,
indicators, plugin installations and settings, and the audit-only kinds of access.

Each kind is declared with the schema of its ``data`` (checked at append) and the
projector that keeps its table in step; replay runs the same projectors on a database
rebuilt from the ledger (:mod:`core.domain.replay`).
"""

from __future__ import annotations

import datetime as dt
import json

from marshmallow import fields, validate
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain.assessment.projectors import ANY_CYCLE, invalidate
from core.domain.events import audit_kind, core_kind
from core.domain.lookups import subject_id, unit_id
from core.domain.models import (
    Bureau,
    Cycle,
    Indicator,
    Period,
    Person,
    PluginInstallation,
    Subject,
    Unit,
)
from core.ledger.models import LedgerLog
from core.ledger.store import origin_for
from core.plugin_api import BureauRef, Event

Str = fields.String


def _req() -> fields.String:
    return Str(required=True)


def _opt() -> fields.String:
    return Str(load_default=None, allow_none=True)


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@core_kind(
    "bureau.created",
    {"code": _req(), "name": _req(), "name_en": Str(), "suite": Str()},
    "局创建 (bureau created)",
)
def bureau_created(session: Session, bureau: BureauRef, event: Event) -> None:
    d = event.data
    log_id = session.execute(
        select(LedgerLog.id).where(LedgerLog.origin == origin_for(d["code"]))
    ).scalar_one()
    session.add(Bureau(code=d["code"], name=d["name"], name_en=d.get("name_en", ""), log_id=log_id))
    session.flush()


@core_kind(
    "unit.created",
    {"code": _req(), "name": _req(), "name_en": Str(), "parent": _opt(), "group": _opt()},
    "单位创建 (unit created)",
)
def unit_created(session: Session, bureau: BureauRef, event: Event) -> None:
    d = event.data
    unit = Unit(
        bureau_id=bureau.id,
        code=d["code"],
        name=d["name"],
        name_en=d.get("name_en", ""),
        parent_id=unit_id(session, bureau.id, d.get("parent")),
        group_code=d.get("group"),
    )
    session.add(unit)
    session.flush()
    subject = Subject(bureau_id=bureau.id, kind="unit", code=unit.code, unit_id=unit.id)
    session.add(subject)
    session.flush()
    invalidate(session, ANY_CYCLE, subject.id)


@core_kind(
    "unit.regrouped",
    {"code": _req(), "group": _opt(), "previous": _opt()},
    "单位调组 (unit moved to another group)",
)
def unit_regrouped(session: Session, bureau: BureauRef, event: Event) -> None:
    unit = session.get(Unit, unit_id(session, bureau.id, event.data["code"]))
    unit.group_code = event.data["group"]
    session.flush()
    invalidate(session, ANY_CYCLE, subject_id(session, bureau.id, "unit", unit.code))


@core_kind(
    "person.created",
    {
        "code": _req(),
        "name": _req(),
        "unit": _opt(),
        "group": _opt(),
        "identifiers": fields.Dict(keys=Str(), values=Str()),
    },
    "人员登记 (person registered)",
)
def person_created(session: Session, bureau: BureauRef, event: Event) -> None:
    d = event.data
    person = Person(
        bureau_id=bureau.id,
        code=d["code"],
        name=d["name"],
        unit_id=unit_id(session, bureau.id, d.get("unit")),
        group_code=d.get("group"),
        pii_digest=json.dumps(d.get("identifiers", {}), sort_keys=True),
    )
    session.add(person)
    session.flush()
    subject = Subject(
        bureau_id=bureau.id,
        kind="person",
        code=person.code,
        unit_id=person.unit_id,
        person_id=person.id,
    )
    session.add(subject)
    session.flush()
    invalidate(session, ANY_CYCLE, subject.id)


@core_kind(
    "person.regrouped",
    {"code": _req(), "group": _opt(), "previous": _opt()},
    "人员调组 (person moved to another group)",
)
def person_regrouped(session: Session, bureau: BureauRef, event: Event) -> None:
    person = session.scalar(
        select(Person).where(Person.bureau_id == bureau.id, Person.code == event.data["code"])
    )
    person.group_code = event.data["group"]
    session.flush()
    invalidate(session, ANY_CYCLE, subject_id(session, bureau.id, "person", person.code))


@core_kind(
    "cycle.created",
    {
        "code": _req(),
        "name": _req(),
        "start": _req(),
        "end": _req(),
        "periods": fields.List(fields.Dict(), required=True),
    },
    "考核周期创建 (cycle created)",
)
def cycle_created(session: Session, bureau: BureauRef, event: Event) -> None:
    d = event.data
    cycle = Cycle(
        bureau_id=bureau.id,
        code=d["code"],
        name=d["name"],
        start=_date(d["start"]),
        end=_date(d["end"]),
    )
    cycle.periods = [
        Period(code=p["code"], kind=p["kind"], start=_date(p["start"]), end=_date(p["end"]))
        for p in d["periods"]
    ]
    session.add(cycle)
    session.flush()


@core_kind(
    "indicator.created",
    {"code": _req(), "name": _req(), "name_en": Str(), "measure": Str()},
    "指标创建 (indicator created)",
)
def indicator_created(session: Session, bureau: BureauRef, event: Event) -> None:
    d = event.data
    session.add(
        Indicator(
            bureau_id=bureau.id,
            code=d["code"],
            name=d["name"],
            name_en=d.get("name_en", ""),
            measure=d.get("measure", ""),
        )
    )
    session.flush()


@core_kind("plugin.installed", {"plugin": _req(), "version": Str()}, "插件安装 (plugin installed)")
def plugin_installed(session: Session, bureau: BureauRef, event: Event) -> None:
    d = event.data
    session.add(
        PluginInstallation(
            bureau_id=bureau.id,
            plugin=d["plugin"],
            version=d.get("version", ""),
            seq=event.seq,
            settings="{}",
        )
    )
    session.flush()
    invalidate(session, ANY_CYCLE, None)


@core_kind("plugin.uninstalled", {"plugin": _req()}, "插件卸载 (plugin uninstalled)")
def plugin_uninstalled(session: Session, bureau: BureauRef, event: Event) -> None:
    row = session.get(PluginInstallation, (bureau.id, event.data["plugin"]))
    if row is not None:
        session.delete(row)
        session.flush()
    invalidate(session, ANY_CYCLE, None)


@core_kind(
    "plugin.configured",
    {"plugin": _req(), "settings": fields.Dict(required=True)},
    "插件设置 (plugin settings changed)",
)
def plugin_configured(session: Session, bureau: BureauRef, event: Event) -> None:
    row = session.get(PluginInstallation, (bureau.id, event.data["plugin"]))
    row.settings = json.dumps(event.data["settings"], sort_keys=True, ensure_ascii=False)
    session.flush()
    invalidate(session, ANY_CYCLE, None)


# Credentials are not projections (see core.domain.models), but granting and revoking
# access is on the record.
audit_kind(
    "user.created",
    {"username": _req(), "role": _req(), "units": fields.List(Str()), "person": _opt()},
    "用户创建 (user created)",
)
audit_kind(
    "user.updated",
    {
        "username": _req(),
        "role": Str(),
        "units": fields.List(Str()),
        "person": _opt(),
        "disabled": fields.Boolean(),
        "password_reset": fields.Boolean(),
    },
    "用户变更 (user changed)",
)
audit_kind("token.created", {"username": _req(), "label": Str()}, "令牌签发 (token issued)")
audit_kind(
    "token.revoked", {"username": _req(), "token": fields.Integer()}, "令牌吊销 (token revoked)"
)
audit_kind(
    "webhook.endpoint.disabled",
    {"endpoint": fields.Integer(required=True), "url": _req(), "reason": _req()},
    "推送地址停用 (webhook endpoint disabled)",
)
audit_kind(
    "checkpoint.recorded",
    {"origin": _req(), "size": fields.Integer(required=True), "root": _req()},
    "检查点登记 (checkpoint anchored)",
)
audit_kind(
    "ledger.verification_failed",
    {
        "bureau": _req(),
        "origin": _req(),
        "first_bad_seq": fields.Integer(allow_none=True),
        "last_bad_seq": fields.Integer(allow_none=True),
        "reason": _req(),
        "detail": Str(),
    },
    "账本校验失败 (ledger verification failed)",
)
audit_kind(
    "ledger.policy.set",
    {
        "min_witnesses": fields.Integer(
            required=True, allow_none=True, strict=True, validate=validate.Range(0, 64)
        ),
        "public": fields.Boolean(required=True),
    },
    "账本策略设定 (ledger policy set: witnesses required, public tiles)",
)
