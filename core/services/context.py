"""One way in: the context of a service call and its unit of work.

A channel (API view, CLI command, Excel endpoint, console page, a plugin's command)
builds a :class:`Context` from the platform and the acting principal and calls a
service with it. The service opens a unit of work on one bureau::

    with ctx.writing("demo", "values.record") as work:
        ...  # lookups, checks and work.log.record(...)

which, in this order: opens a transaction; finds the bureau (404 if the principal may
not see it, so codes cannot be probed); checks the bureau-level permission; **takes the
bureau's log lock**, so every check made afterwards reads the bureau's state as of the
lock and PostgreSQL behaves as SQLite (whose ``BEGIN IMMEDIATE`` serialises writers
anyway); and on leaving, runs the pre-commit steps (results refresh) and commits, or
rolls back everything. Errors come out as one family (:mod:`core.kernel.errors`),
which each channel maps once.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from core.domain.access import Principal
from core.domain.access import current as current_principal
from core.domain.models import Bureau
from core.kernel.errors import (
    Conflict,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    ServiceError,
    field_errors,
)
from core.kernel.privacy import PersonalDataError
from core.kernel.queries import fetch, find, first_entities
from core.ledger.models import LedgerLog
from core.services.platform import Platform

if TYPE_CHECKING:
    from core.domain.events import EventLog
    from core.domain.models import Subject
    from core.plugin_api import BureauRef, Event, PluginContext


def _record_store(session: Session, bureau_id: int, plugin: str) -> Any:
    from core.domain.plugin_records import RecordStore

    return RecordStore(session, bureau_id, plugin)


@functools.cache
def _installed() -> Select:
    """The plugins a bureau installed, with its settings. Built once, on first use: every
    unit of work that checks or notifies asks it."""
    from core.domain.models import PluginInstallation

    return select(PluginInstallation.plugin, PluginInstallation.settings).where(
        PluginInstallation.bureau_id == bindparam("bureau")
    )


@functools.cache
def _bureau_locked() -> Select:
    """The bureau and its log's lock together: every write begins with it. Built once,
    on the first write (a command that only reads loads no part of the write path)."""
    from core.ledger.store import locking

    return locking(
        select(Bureau, LedgerLog)
        .join(LedgerLog, LedgerLog.id == Bureau.log_id)
        .where(Bureau.code == bindparam("code"))
    )


@dataclass(frozen=True)
class Context:
    """Who calls, on which platform: the first argument of every service."""

    platform: Platform
    principal: Principal

    @classmethod
    def system(cls, platform: Platform, name: str) -> Context:
        return cls(platform, Principal.system(name))

    @contextmanager
    def writing(self, bureau: str, permission: str) -> Iterator[Work]:
        """A unit of work that may append to ``bureau``'s log (see the module doc)."""
        with self._session(write=True) as session:
            found = self._bureau(session, bureau, lock=True)
            self.principal.require(permission, found.id)
            ctx = self.as_it_stands(session)
            ctx.principal.require(permission, found.id)
            work = Work(ctx, session, found, writable=True)
            yield work
            work.finish()
        work.committed()

    @contextmanager
    def reading(self, bureau: str, permission: str) -> Iterator[Work]:
        """A read-only unit of work on ``bureau`` (no lock, no write lock on SQLite)."""
        with self._session(write=False) as session:
            found = self._bureau(session, bureau)
            self.principal.require(permission, found.id)
            yield Work(self, session, found)

    @contextmanager
    def current(self, bureau: str, permission: str) -> Iterator[Work]:
        """A unit of work for reading results: read-only if the stored results are up
        to date, else first brought up to date under the bureau's lock (so a reader
        always sees every write acknowledged before it asked)."""
        from core.domain.assessment.standings import has_pending

        with self.reading(bureau, permission) as work:
            if not has_pending(work.session, work.bureau):
                yield work
                return
        with self.writing(bureau, permission) as work:
            work.refresh_results()
            yield work

    def catch_up(self, bureau: str) -> int:
        """Refresh a bureau's stored results now (the server's refresher, replay)."""
        with self.writing(bureau, "bureau.read") as work:
            return work.refresh_results()

    @contextmanager
    def platform_writing(self, lock: bool = True) -> Iterator[PlatformWork]:
        """Work on the platform itself (bureaus, platform admins), under the platform
        log's lock: the platform-wide uniqueness checks run after it is taken.
        ``lock=False`` is for work that takes a bureau's log lock first (locks are
        always taken bureau first, platform second)."""
        from core.ledger.store import lock_log, platform_log

        with self._session(write=True) as session:
            log = platform_log(session)
            if lock:
                lock_log(session, log.id)
            yield PlatformWork(self.as_it_stands(session), session, log.id)

    def as_it_stands(self, session: Session) -> Context:
        """This context with its principal re-read under the lock just taken (a token
        revoked or a unit taken away by a write that committed first applies)."""
        fresh = current_principal(session, self.principal)
        return self if fresh == self.principal else replace(self, principal=fresh)

    @contextmanager
    def platform_reading(self) -> Iterator[PlatformWork]:
        with self._session(write=False) as session:
            yield PlatformWork(self, session, None)

    @contextmanager
    def _session(self, write: bool) -> Iterator[Session]:
        db = self.platform.db
        factory = db.sessions if write else db.read_sessions
        with factory() as session:
            try:
                with session.begin():
                    yield session
            except ServiceError:
                raise
            except IntegrityError as exc:
                # A uniqueness check that raced past the lock (a bug, but not the
                # caller's fault): refuse, never answer 500.
                raise Conflict(
                    "此更改与同时进行的另一更改冲突，请重试 "
                    "(the change conflicts with one made at the same time; try again)",
                    [FieldError("body", "并发更改冲突 (conflicting concurrent change)")],
                ) from exc
            except OperationalError as exc:
                if "deadlock" in str(exc).lower() or "could not serialize" in str(exc):
                    raise Conflict(
                        "系统繁忙：此更改与另一更改冲突，请重试 "
                        "(busy: the change collided with another; try again)"
                    ) from exc
                raise
            except Exception as exc:
                refusal = _refusal(exc)
                if refusal is None:
                    raise
                raise refusal from exc

    def _bureau(self, session: Session, code: str, lock: bool = False) -> Bureau:
        """The bureau named, 404 if the principal may not see it; with ``lock``, its
        log's lock taken in the same statement (the checks come after it, so a refused
        caller holds the lock only until its transaction rolls back)."""
        found = None
        if isinstance(code, str) and len(code) <= 64:
            if lock:
                row = first_entities(session, _bureau_locked(), {"code": code}, fresh=True)
                if row is not None:
                    from core.ledger.store import hold_lock

                    found, log = row
                    hold_lock(session, log)
            else:
                found = find(session, Bureau, code=code)
        if found is None or not self.principal.sees(found.id):
            raise NotFound(
                f"没有局 {code!r} (no bureau {code!r})",
                [FieldError("bureau", f"没有局 {code!r} (unknown bureau {code!r})")],
            )
        return found


def _refusal(exc: Exception) -> ServiceError | None:
    """The refusal a domain error stands for (input the ledger or a schema would not
    take, a plugin that cannot answer), or None for a real fault. The classes are
    imported here, when something failed, so a command's start does not load them."""
    from marshmallow import ValidationError

    from core.domain.plugin_host import PluginError, PluginNotLoaded
    from core.ledger.tlog import CanonicalError

    if isinstance(exc, CanonicalError | PersonalDataError | ValidationError):
        return _invalid(exc)
    if isinstance(exc, PluginNotLoaded):
        return Conflict(str(exc), [FieldError("plugins", "请重启服务器 (restart the server)")])
    if isinstance(exc, PluginError):
        return Conflict(str(exc), [FieldError("plugins", str(exc))])
    return None


def _invalid(exc: Exception) -> InvalidInput:
    from marshmallow import ValidationError

    if isinstance(exc, ValidationError):
        errors = field_errors(exc.normalized_messages())
        if len(errors) == 1:
            return InvalidInput(str(errors[0]), errors)
        count = len(errors)
        return InvalidInput(
            f"{count} 处输入有误，未写入任何数据 ({count} problems; nothing was written)", errors
        )
    if isinstance(exc, InvalidInput):
        return exc
    return InvalidInput(str(exc), [FieldError("body", str(exc))])


@dataclass
class Work:
    """One unit of work on one bureau: the session, the bureau, the principal, and
    (memoised for the unit of work) the bureau's plugins and their contributions."""

    ctx: Context
    session: Session
    bureau: Bureau
    dirty: dict[str, Any] = field(default_factory=dict)
    """Scratch space of the unit of work's steps."""
    writable: bool = False
    """Opened by ``writing``: it holds the bureau's log lock and may append."""
    _after_commit: list[Callable[[], None]] = field(default_factory=list)

    @property
    def platform(self) -> Platform:
        return self.ctx.platform

    @property
    def principal(self) -> Principal:
        return self.ctx.principal

    @property
    def actor(self) -> str:
        return self.principal.actor

    @cached_property
    def ref(self) -> BureauRef:
        from core.plugin_api import BureauRef

        return BureauRef(self.bureau.id, self.bureau.code)

    # ------------------------------------------------------------------ permissions

    def require(self, permission: str, unit_id: int | None = None) -> None:
        """The one permission check: bureau and, for unit-scoped roles, the unit."""
        self.principal.require(permission, self.bureau.id, unit_id)

    def can(self, permission: str, unit_id: int | None = None) -> bool:
        return self.principal.can(permission, self.bureau.id, unit_id)

    def can_for(self, permission: str, subject: Subject) -> bool:
        """``permission`` on a subject: for unit-scoped roles, one of their units' (a
        member of staff with no unit is in none)."""
        return self.principal.can_for_subject(permission, self.bureau.id, subject.unit_id)

    def require_for(self, permission: str, subject: Subject) -> None:
        if not self.can_for(permission, subject):
            raise Forbidden(
                f"无权操作 {subject.code} (role {self.principal.role} may not {permission} "
                f"for {subject.kind} {subject.code})"
            )

    def unit_scope(self) -> frozenset[int] | None:
        """Units this principal's reads are limited to (None: the whole bureau)."""
        return self.principal.unit_scope()

    # ------------------------------------------------------------------ the log

    @cached_property
    def log(self) -> EventLog:
        from core.domain.events import EventLog

        return EventLog(
            self.session,
            self.bureau.log_id,
            self.ref,
            self.actor,
            self.platform.catalogue,
            [self._notify],
        )

    def _notify(self, session: Session, bureau: BureauRef | None, events: list[Event]) -> None:
        self.platform.plugins.listen(self.installed, self.context_for, events)
        for listener in self.platform.listeners:
            listener(session, bureau, events)

    def record(self, kind: str, data: dict) -> Event:
        return self.log.record(kind, data)

    # ------------------------------------------------------------------ plugins

    @cached_property
    def _installations(self) -> dict[str, str]:
        found = dict(fetch(self.session, _installed(), {"bureau": self.bureau.id}))
        self.platform.plugins.ensure_loaded(found)
        return found

    @property
    def installed(self) -> list[str]:
        return sorted(self._installations)

    def forget_plugins(self) -> None:
        """After an install, uninstall or configure in this unit of work."""
        for name in ("_installations", "_contexts", "_contributions"):
            self.__dict__.pop(name, None)

    @cached_property
    def _contexts(self) -> dict[str, PluginContext]:
        return {}

    def context_for(self, plugin: str) -> PluginContext:
        found = self._contexts.get(plugin)
        if found is None:
            from core.plugin_api import PluginContext

            raw = json.loads(self._installations.get(plugin) or "{}")
            settings = (
                self.platform.plugins.load_settings(plugin, raw)
                if plugin in self._installations
                else {}
            )
            found = self._contexts[plugin] = PluginContext(
                plugin=plugin,
                bureau=self.bureau.code,
                settings=settings,
                reader=self.reader,
                session=self.session,
                record=self._recorder_for(plugin),
                records=_record_store(self.session, self.bureau.id, plugin),
                regroup=self._regroup,
            )
        return found

    def _regroup(self, person: str, group: str | None) -> None:
        """``PluginContext.regroup``: the core's own step, in this unit of work."""
        from core.domain import organisation

        self.require("people.manage")
        organisation.regroup_person(self, person, group)

    def _recorder_for(self, plugin: str) -> Callable[[str, dict], Event]:
        def record(kind: str, data: dict) -> Event:
            owner = self.platform.catalogue.owner(kind)
            if owner != plugin:
                raise InvalidInput(
                    f"插件 {plugin} 只能记录其声明的事件类型，不能记录 {kind} "
                    f"(plugin {plugin} may record only the event kinds it declares, not {kind})"
                )
            return self.log.record(kind, data, f"plugin:{plugin}")

        return record

    @cached_property
    def _contributions(self) -> dict[str, Any]:
        return {}

    def collect(self, hook: str) -> list[tuple[str, Any]]:
        """(plugin, item) pairs of a collection hook, from the bureau's plugins."""
        found = self._contributions.get(hook)
        if found is None:
            found = self._contributions[hook] = self.platform.plugins.collect(
                hook, self.installed, self.context_for
            )
        return found

    def contributions(self, hook: str) -> dict[str, Any]:
        """name → item of a collection hook, from the bureau's installed plugins."""
        return {item.name: item for _, item in self.collect(hook)}

    def contributor(self, hook: str, name: str) -> str | None:
        return next((plugin for plugin, item in self.collect(hook) if item.name == name), None)

    @cached_property
    def reader(self) -> Any:
        from core.services.reader import Reader

        return Reader(self)

    # ------------------------------------------------------------------ commit

    def finish(self) -> None:
        """Before commit: note which stored results what was written makes stale."""
        from core.domain.assessment import standings

        standings.mark_pending(self.session, self.bureau)

    def refresh_results(self) -> int:
        """Bring the bureau's stored results up to date (the unit of work holds the
        log lock); returns how many subjects were rescored."""
        from core.domain.assessment import standings

        return standings.refresh_pending(
            self.session,
            self.bureau,
            self.contributions("jixiao_rule_types"),
            self.contributions("jixiao_post_processors"),
            self.platform.results_cache,
            self._after_commit.append,
        )

    def committed(self) -> None:
        for step in self._after_commit:
            step()


@dataclass
class PlatformWork:
    """Work on the platform itself, under the platform log's lock when writing."""

    ctx: Context
    session: Session
    log_id: int | None

    @property
    def platform(self) -> Platform:
        return self.ctx.platform

    @property
    def principal(self) -> Principal:
        return self.ctx.principal

    def require_platform_admin(self) -> None:
        if not self.principal.everywhere:
            raise Forbidden("只有平台管理员可以执行此操作 (only a platform admin may do this)")

    @cached_property
    def log(self) -> EventLog:
        from core.domain.events import EventLog

        if self.log_id is None:
            raise InvalidInput("只读的工作单元不能写入 (a read-only unit of work cannot append)")
        return EventLog(
            self.session, self.log_id, None, self.principal.actor, self.platform.catalogue
        )

    def bureau_log(self, log: LedgerLog) -> EventLog:
        """The log of a bureau being created in this unit of work."""
        from core.domain.events import EventLog

        return EventLog(
            self.session,
            log.id,
            None,
            self.principal.actor,
            self.platform.catalogue,
        )
