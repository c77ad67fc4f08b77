"""Bureaus, units, people, indicators, users and tokens: validated, then recorded."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain import access
from core.domain.models import ApiToken, Bureau, Indicator, Person, Unit, User
from core.domain.projections import record
from core.kernel.errors import Conflict, FieldError, InvalidInput, NotFound, invalid
from core.kernel.privacy import PII_FIELDS, is_id_card, normalise
from core.ledger.store import Record, create_log, origin_for
from core.services.platform import Platform

CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def check_code(value: str, field: str = "code") -> str:
    if not isinstance(value, str) or not CODE.fullmatch(value):
        raise invalid(field, "use 1–64 letters, digits, '_', '.' or '-', starting alphanumeric")
    return value


def check_new(session: Session, model: type, code: str, name: str, bureau: Bureau | None) -> None:
    """The checks every new coded record gets: the code's form, a name, no duplicate
    (within the bureau, or platform-wide for bureaus)."""
    check_code(code)
    if not name.strip():
        raise invalid("name", "must not be empty")
    stmt = select(model.id).where(model.code == code)
    if bureau is not None:
        stmt = stmt.where(model.bureau_id == bureau.id)
    if session.scalar(stmt):
        raise Conflict(
            f"{model.__name__.lower()} {code!r} exists", [FieldError("code", "already exists")]
        )


def get_bureau(session: Session, code: str) -> Bureau:
    bureau = session.scalar(select(Bureau).where(Bureau.code == code))
    if bureau is None:
        raise NotFound(f"no bureau {code!r}", [FieldError("bureau", f"unknown bureau {code!r}")])
    return bureau


def get_unit(session: Session, bureau: Bureau, code: str, field: str = "unit") -> Unit:
    unit = session.scalar(select(Unit).where(Unit.bureau_id == bureau.id, Unit.code == code))
    if unit is None:
        raise invalid(field, f"unknown unit {code!r} in bureau {bureau.code}")
    return unit


def get_indicator(session: Session, bureau: Bureau, code: str) -> Indicator:
    found = session.scalar(
        select(Indicator).where(Indicator.bureau_id == bureau.id, Indicator.code == code)
    )
    if found is None:
        raise invalid("indicator", f"unknown indicator {code!r}")
    return found


def create_bureau(
    session: Session,
    platform: Platform,
    code: str,
    name: str,
    name_en: str = "",
    actor: str = "system",
) -> Bureau:
    """A new bureau with its own log; default plugins are installed in the same transaction."""
    check_new(session, Bureau, code, name, None)
    log = create_log(session, origin_for(code))
    default = [p.strip() for p in str(platform.config["DEFAULT_PLUGINS"]).split(",") if p.strip()]
    records = [Record("bureau.created", {"code": code, "name": name, "name_en": name_en}, actor)]
    for plugin in default:
        info = platform.plugins.info(plugin)
        records.append(
            Record("plugin.installed", {"plugin": plugin, "version": info.version}, actor)
        )
    record(session, log.id, records)
    return get_bureau(session, code)


def create_unit(
    session: Session,
    bureau: Bureau,
    code: str,
    name: str,
    name_en: str = "",
    parent: str | None = None,
    group: str | None = None,
    actor: str = "system",
) -> Unit:
    check_new(session, Unit, code, name, bureau)
    if parent is not None:
        get_unit(session, bureau, parent, "parent")
    if group is not None:
        check_code(group, "group")
    data = {"code": code, "name": name, "name_en": name_en, "parent": parent, "group": group}
    record(session, bureau.log_id, [Record("unit.created", data, actor)])
    return get_unit(session, bureau, code)


def regroup_unit(
    session: Session, bureau: Bureau, code: str, group: str | None, actor: str = "system"
) -> Unit:
    """Move a unit to another assessment group (D-03), as a ledger event: the group it
    was ranked in before stays on the record."""
    unit = get_unit(session, bureau, code)
    if group is not None:
        check_code(group, "group")
    if unit.group_code == group:
        return unit
    data = {"code": code, "group": group, "previous": unit.group_code}
    record(session, bureau.log_id, [Record("unit.regrouped", data, actor)])
    return get_unit(session, bureau, code)


def _identifiers(platform: Platform, identifiers: dict[str, str]) -> dict[str, str]:
    errors = [
        FieldError(k, "not a personal identifier field") for k in identifiers if k not in PII_FIELDS
    ]
    card = identifiers.get("id_card")
    if card and not is_id_card(normalise("id_card", card)):
        errors.append(FieldError("id_card", "not a valid resident ID-card number"))
    if errors:
        raise InvalidInput("invalid personal identifiers", errors)
    return {k: normalise(k, v) for k, v in identifiers.items() if v}


def create_person(
    session: Session,
    platform: Platform,
    bureau: Bureau,
    code: str,
    name: str,
    unit: str | None = None,
    identifiers: dict[str, str] | None = None,
    actor: str = "system",
) -> Person:
    """A staff member; identifiers go encrypted to the table and as keyed hashes to the ledger."""
    check_new(session, Person, code, name, bureau)
    if unit is not None:
        get_unit(session, bureau, unit)
    clear = _identifiers(platform, identifiers or {})
    digests = {k: platform.vault.digest(k, v) for k, v in sorted(clear.items())}
    data = {"code": code, "name": name, "unit": unit, "identifiers": digests}
    record(session, bureau.log_id, [Record("person.created", data, actor)])
    person = session.scalar(
        select(Person).where(Person.bureau_id == bureau.id, Person.code == code)
    )
    person.pii_cipher = platform.vault.seal(clear) if clear else None
    return person


def create_indicator(
    session: Session,
    bureau: Bureau,
    code: str,
    name: str,
    name_en: str = "",
    measure: str = "",
    actor: str = "system",
) -> Indicator:
    check_new(session, Indicator, code, name, bureau)
    data = {"code": code, "name": name, "name_en": name_en, "measure": measure}
    record(session, bureau.log_id, [Record("indicator.created", data, actor)])
    return session.scalar(
        select(Indicator).where(Indicator.bureau_id == bureau.id, Indicator.code == code)
    )


def create_user(
    session: Session,
    username: str,
    role: str,
    bureau: Bureau | None,
    units: list[str] = (),
    name: str = "",
    actor: str = "system",
) -> User:
    """A user with one role; the grant is recorded in the bureau's log (or the platform's)."""
    check_code(username, "username")
    if role not in access.ROLES:
        raise invalid("role", f"must be one of {', '.join(access.ROLES)}")
    if (role == "platform_admin") != (bureau is None):
        raise invalid("bureau", "platform admins have no bureau; every other role needs one")
    if units and role not in access.UNIT_SCOPED_ROLES:
        raise invalid("units", f"only {', '.join(access.UNIT_SCOPED_ROLES)} are scoped to units")
    if session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(f"user {username!r} exists", [FieldError("username", "already exists")])
    user = User(
        username=username,
        name=name,
        role=role,
        bureau_id=bureau.id if bureau else None,
        units=[get_unit(session, bureau, u, "units") for u in units],
    )
    session.add(user)
    session.flush()
    if bureau is not None:
        data = {"username": username, "role": role, "units": sorted(units)}
        record(session, bureau.log_id, [Record("user.created", data, actor)])
    return user


def create_token(session: Session, username: str, label: str = "", actor: str = "system") -> str:
    """Issue a bearer token; the clear token is returned once and never stored."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user {username!r}", [FieldError("username", "unknown user")])
    token = access.new_token()
    session.add(ApiToken(user_id=user.id, token_hash=access.hash_token(token), label=label))
    session.flush()
    if user.bureau is not None:
        data = {"username": username, "label": label}
        record(session, user.bureau.log_id, [Record("token.created", data, actor)])
    return token
