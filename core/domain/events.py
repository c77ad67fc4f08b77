"""The event catalogue and the one append path.

Every ledger entry is an event of a known **kind**: its name, the marshmallow schema its
``data`` must pass, and the projector that keeps a table in step with it. The core
declares its kinds with :func:`core_kind`; plugins add theirs through the
``jixiao_event_kinds`` hook. :class:`EventLog` is the only way business code appends:

1. every record is checked against the catalogue (an unknown kind, or ``data`` that
   fails its schema, is refused and nothing is written);
2. the records are appended to the log under its lock (:mod:`core.ledger.store`);
3. each entry is projected, in order;
4. then, still in the same transaction, the listeners hear of them: the plugins
   installed for the bureau and the webhook outbox.

Replay (:mod:`core.domain.replay`) applies the very same projectors to a database
rebuilt from the ledger alone, and refuses an entry of a kind it does not know rather
than silently dropping it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain.models import Bureau
from core.kernel.errors import FieldError, InvalidInput
from core.ledger.store import Appended, Record, append_many
from core.plugin_api import BureauRef, Event, EventKind

_CORE: dict[str, EventKind] = {}
BUREAU_CREATED = "bureau.created"

Listener = Callable[[Session, BureauRef | None, Sequence[Event]], None]


def core_kind(name: str, schema: type[Schema] | dict, title: str = "") -> Callable:
    """Declare a core event kind; used as a decorator on its projector (or called with
    ``project=None`` semantics by :func:`audit_kind`)."""

    def register(project: Callable | None) -> Callable | None:
        _CORE[name] = EventKind(name, _schema(name, schema), project, title)
        return project

    return register


def audit_kind(name: str, schema: type[Schema] | dict, title: str = "") -> None:
    """Declare a kind kept for the audit trail only: it changes no table."""
    core_kind(name, schema, title)(None)


def _schema(name: str, schema: type[Schema] | dict) -> type[Schema]:
    if isinstance(schema, dict):
        return Schema.from_dict(schema, name=f"{name}.data")
    return schema


def core_kinds() -> list[EventKind]:
    return list(_CORE.values())


class Catalogue:
    """Kind name → :class:`EventKind`: the core's kinds and every loaded plugin's
    (``plugin_kinds``: (plugin, kind) pairs; a plugin may not redefine a core kind)."""

    def __init__(
        self, kinds: Iterable[EventKind], plugin_kinds: Iterable[tuple[str, EventKind]] = ()
    ) -> None:
        self.kinds: dict[str, EventKind] = {}
        self.owners: dict[str, str] = {}
        for kind in kinds:
            self.kinds[kind.name] = kind
        for plugin, kind in plugin_kinds:
            if kind.name in self.kinds:
                raise ValueError(
                    f"plugin {plugin} declares event kind {kind.name!r}, which already exists"
                )
            self.kinds[kind.name] = kind
            self.owners[kind.name] = plugin
        self._schemas: dict[str, Schema] = {}

    def owner(self, name: str) -> str | None:
        """The plugin that declared a kind (None for the core's)."""
        return self.owners.get(name)

    def kind(self, name: str) -> EventKind:
        found = self.kinds.get(name)
        if found is None:
            raise InvalidInput(
                f"未知的事件类型 {name!r} (unknown event kind {name!r})",
                [
                    FieldError(
                        "kind", f"{name!r} 不在事件目录中 ({name!r} is not in the event catalogue)"
                    )
                ],
            )
        return found

    def check(self, record: Record) -> None:
        """Refuse a record whose kind is unknown or whose data fails the kind's schema."""
        schema = self._schemas.get(record.kind)
        if schema is None:
            schema = self._schemas[record.kind] = self.kind(record.kind).schema()
        errors = schema.validate(record.data)
        if errors:
            flat = list(_flatten(errors))
            detail = "; ".join(f"{f}: {r}" for f, r in flat[:5])
            raise InvalidInput(f"{record.kind}: {detail}", [FieldError(f, r) for f, r in flat])


def _flatten(messages: Any, prefix: str = "") -> Iterable[tuple[str, str]]:
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        yield prefix or "data", "; ".join(messages)
    else:
        yield prefix or "data", str(messages)


def event_of(bureau: str, entry: Appended) -> Event:
    return Event(
        bureau=bureau,
        seq=entry.seq,
        kind=entry.kind,
        data=entry.data,
        actor=entry.actor,
        ts=entry.ts,
        leaf_hash=entry.leaf_hash.hex(),
    )


def event_from_body(bureau: str, seq: int, body: bytes, leaf_hash: bytes) -> Event:
    """An event read back from a stored entry (for replay and redelivery)."""
    entry = json.loads(body)
    return Event(
        bureau=bureau,
        seq=seq,
        kind=entry["kind"],
        data=entry["data"],
        actor=entry["actor"],
        ts=entry["ts"],
        leaf_hash=bytes(leaf_hash).hex(),
    )


@dataclass
class EventLog:
    """Appending to one log inside the caller's transaction: check, append, project,
    then tell the listeners (see the module docstring).

    ``bureau`` is None for the platform log, whose entries change no table.
    ``on_projected`` collects what projectors report (the results they invalidated).
    """

    session: Session
    log_id: int
    bureau: BureauRef | None
    actor: str
    catalogue: Catalogue
    listeners: Sequence[Listener] = ()
    written: list[Event] = field(default_factory=list)

    def record(self, kind: str, data: dict, actor: str | None = None) -> Event:
        return self.record_many([Record(kind, data, actor or self.actor)])[0]

    def record_many(self, records: Sequence[Record]) -> list[Event]:
        if not records:
            return []
        for record in records:
            self.catalogue.check(record)
        appended = append_many(self.session, self.log_id, records)
        code = self.bureau.code if self.bureau else ""
        events = [event_of(code, entry) for entry in appended]
        for event in events:
            self._project(event)
        self.written.extend(events)
        for listener in self.listeners:
            listener(self.session, self.bureau, events)
        return events

    def _project(self, event: Event) -> None:
        project = self.catalogue.kind(event.kind).project
        if project is None:
            return
        if self.bureau is None and event.kind == BUREAU_CREATED:
            # the first entry of a bureau's log makes the bureau: from here on it has an id
            project(self.session, BureauRef(0, event.data["code"]), event)
            self.bureau = bureau_ref(self.session, event.data["code"])
            return
        if self.bureau is None:
            raise InvalidInput(
                f"{event.kind} 改动的是局的数据，不能记入平台台账 "
                f"({event.kind} changes bureau tables; not on the platform log)"
            )
        project(self.session, self.bureau, event)


def bureau_ref(session: Session, code: str) -> BureauRef:
    bureau_id = session.execute(select(Bureau.id).where(Bureau.code == code)).scalar_one()
    return BureauRef(bureau_id, code)


def project_stored(
    session: Session, catalogue: Catalogue, bureau: BureauRef | None, event: Event
) -> BureauRef | None:
    """Replay one stored entry (an unknown kind is an error, never skipped); returns the
    bureau, which the log's first entry creates."""
    project = catalogue.kind(event.kind).project
    if project is None:
        return bureau
    if bureau is None and event.kind == BUREAU_CREATED:
        project(session, BureauRef(0, event.data["code"]), event)
        return bureau_ref(session, event.data["code"])
    if bureau is None:
        raise InvalidInput(
            f"第 {event.seq} 条：{event.kind} 早于局的创建 "
            f"(seq {event.seq}: {event.kind} before the bureau was created)"
        )
    project(session, bureau, event)
    return bureau


def data_schema(fields: Mapping[str, Any], name: str) -> type[Schema]:
    """A schema refusing unknown fields, from a field mapping (for plugin authors too)."""
    return Schema.from_dict(dict(fields), name=name)


__all__ = [
    "Catalogue",
    "EventLog",
    "ValidationError",
    "audit_kind",
    "core_kind",
    "core_kinds",
    "data_schema",
    "event_from_body",
    "event_of",
    "project_stored",
]
