"""Bureaus' units, people and indicators: looked up by code, validated, then recorded.

Every function that writes takes the unit of work (:class:`core.domain.work.BureauWork`),
which holds the bureau's log lock already: a "does this code exist?" check here cannot be
overtaken by a concurrent write of the same code, on SQLite or PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.domain.models import Bureau, Indicator, Person, Subject, Unit
from core.domain.work import BureauWork
from core.kernel.errors import Conflict, FieldError, InvalidInput, NotFound, invalid
from core.kernel.privacy import PII_FIELDS, Vault, is_id_card, normalise
from core.kernel.queries import find
from core.kernel.text import CODE, CODE_MAX, CODE_RULE, NAME_MAX, check_text


def check_code(value: object, field: str = "code", row: int | None = None) -> str:
    if not isinstance(value, str) or not CODE.fullmatch(value):
        raise invalid(field, CODE_RULE, row)
    return value


NOUNS_ZH = {"bureau": "局", "cycle": "周期", "unit": "单位", "person": "人员", "indicator": "指标"}
"""What :func:`check_new` creates, as its refusal names it in Chinese."""


def check_new(
    session: Session, model: type, code: object, name: object, bureau_id: int | None
) -> tuple[str, str]:
    """The checks every new coded record gets: the code's form, a name, no duplicate
    (within the bureau, or platform-wide for bureaus); returns (code, name)."""
    code = check_code(code)
    name = check_text("name", name, NAME_MAX)
    # Codes are looked up exactly, so "U1" beside "u1" would be two units a clerk cannot
    # tell apart in a spreadsheet: a code differing from an existing one only in case is
    # refused like the same code, naming the one that exists.
    stmt = select(model.code).where(func.lower(model.code) == code.lower())
    if bureau_id is not None:
        stmt = stmt.where(model.bureau_id == bureau_id)
    existing = session.scalar(stmt.limit(1))
    if existing is not None:
        noun = model.__name__.lower()
        noun_zh = NOUNS_ZH.get(noun, noun)
        if existing == code:
            reason = "已存在 (already exists)"
        else:
            reason = (
                f"与已有的 {existing!r} 仅大小写不同 "
                f"(differs from the existing {existing!r} only in case)"
            )
        raise Conflict(
            f"{noun_zh} {code!r} 已存在 ({noun} {existing!r} exists)",
            [FieldError("code", reason)],
        )
    return code, name


def _lookup_code(value: object) -> str | None:
    """A code as given by a caller, or None when it cannot be one (so a lookup answers
    "unknown", never a database error on NUL or a megabyte of text)."""
    if isinstance(value, str) and 0 < len(value) <= CODE_MAX and CODE.fullmatch(value):
        return value
    return None


def get_bureau(session: Session, code: str) -> Bureau:
    found = None
    if _lookup_code(code):
        found = session.scalar(select(Bureau).where(Bureau.code == code))
    if found is None:
        raise NotFound(
            f"没有局 {code!r} (no bureau {code!r})",
            [FieldError("bureau", f"没有局 {code!r} (unknown bureau {code!r})")],
        )
    return found


def get_unit(
    session: Session, bureau: Bureau, code: object, field: str = "unit", row: int | None = None
) -> Unit:
    found = None
    if _lookup_code(code):
        found = find(session, Unit, bureau_id=bureau.id, code=code)
    if found is None:
        raise invalid(field, f"没有单位 {code!r} (unknown unit in bureau {bureau.code})", row)
    return found


def get_person(
    session: Session, bureau: Bureau, code: object, field: str = "person", row: int | None = None
) -> Person:
    found = None
    if _lookup_code(code):
        found = find(session, Person, bureau_id=bureau.id, code=code)
    if found is None:
        raise invalid(field, f"没有人员 {code!r} (unknown person in bureau {bureau.code})", row)
    return found


def get_indicator(
    session: Session, bureau: Bureau, code: object, row: int | None = None
) -> Indicator:
    found = None
    if _lookup_code(code):
        found = find(session, Indicator, bureau_id=bureau.id, code=code)
    if found is None:
        raise invalid("indicator", f"没有指标 {code!r} (unknown indicator)", row)
    return found


def get_subject(session: Session, bureau: Bureau, row: dict) -> Subject:
    """The subject a row names: ``person`` (a member of staff) or ``unit``, not both."""
    if row.get("person") not in (None, ""):
        if row.get("unit") not in (None, ""):
            person = get_person(session, bureau, row["person"])
            unit = person.unit.code if person.unit else None
            if unit != row["unit"]:
                raise invalid(
                    "person",
                    f"{person.code} 属于单位 {unit}，不属于 {row['unit']} "
                    f"({person.code} belongs to unit {unit}, not {row['unit']})",
                )
        kind, code = "person", get_person(session, bureau, row["person"]).code
    else:
        kind, code = "unit", get_unit(session, bureau, row.get("unit")).code
    return session.execute(
        select(Subject).where(
            Subject.bureau_id == bureau.id, Subject.kind == kind, Subject.code == code
        )
    ).scalar_one()


def subject_ref(subject: Subject) -> dict[str, str]:
    """How entries name a subject: ``{"unit": code}`` or ``{"person": code}``."""
    return {subject.kind: subject.code}


# --------------------------------------------------------------------------- writes


def create_unit(
    work: BureauWork,
    code: object,
    name: object,
    name_en: object = "",
    parent: str | None = None,
    group: str | None = None,
) -> Unit:
    code, name = check_new(work.session, Unit, code, name, work.bureau.id)
    if parent is not None:
        get_unit(work.session, work.bureau, parent, "parent")
    if group is not None:
        check_code(group, "group")
    data = {
        "code": code,
        "name": name,
        "name_en": check_text("name_en", name_en, NAME_MAX, required=False),
        "parent": parent,
        "group": group,
    }
    work.log.record("unit.created", data)
    return get_unit(work.session, work.bureau, code)


def regroup_unit(work: BureauWork, code: str, group: str | None) -> Unit:
    """Move a unit to another assessment group (D-03), as a ledger event: the group it
    was ranked in before stays on the record."""
    unit = get_unit(work.session, work.bureau, code)
    if group is not None:
        check_code(group, "group")
    if unit.group_code != group:
        data = {"code": unit.code, "group": group, "previous": unit.group_code}
        work.log.record("unit.regrouped", data)
    return unit


def _identifiers(identifiers: dict[str, object]) -> dict[str, str]:
    errors = [
        FieldError(k, "不是个人身份信息字段 (not a personal identifier field)")
        for k in identifiers
        if k not in PII_FIELDS
    ]
    clear: dict[str, str] = {}
    for key, value in identifiers.items():
        if key in PII_FIELDS and value not in (None, ""):
            try:
                # these hold identifiers by design: encrypted, only their keyed hash recorded
                clear[key] = normalise(key, check_text(key, value, 500, personal=False))
            except InvalidInput as exc:
                errors.extend(exc.errors)
    card = clear.get("id_card")
    if card and not is_id_card(card):
        errors.append(
            FieldError("id_card", "不是有效的居民身份证号 (not a valid resident ID-card number)")
        )
    if errors:
        raise InvalidInput("个人身份信息有误 (invalid personal identifiers)", errors)
    return clear


def create_person(
    work: BureauWork,
    vault: Vault,
    code: object,
    name: object,
    unit: str | None = None,
    identifiers: dict[str, object] | None = None,
    group: str | None = None,
) -> Person:
    """A member of staff; identifiers go encrypted to the table and as keyed hashes to
    the ledger (D-41). ``group`` is their assessment group when schemes assess people."""
    code, name = check_new(work.session, Person, code, name, work.bureau.id)
    if unit is not None:
        get_unit(work.session, work.bureau, unit)
    if group is not None:
        check_code(group, "group")
    clear = _identifiers(identifiers or {})
    digests = {k: vault.digest(k, v) for k, v in sorted(clear.items())}
    data = {"code": code, "name": name, "unit": unit, "identifiers": digests}
    if group is not None:
        data["group"] = group
    work.log.record("person.created", data)
    person = get_person(work.session, work.bureau, code)
    person.pii_cipher = vault.seal(clear) if clear else None
    return person


def regroup_person(work: BureauWork, code: str, group: str | None) -> Person:
    person = get_person(work.session, work.bureau, code)
    if group is not None:
        check_code(group, "group")
    if person.group_code != group:
        data = {"code": person.code, "group": group, "previous": person.group_code}
        work.log.record("person.regrouped", data)
    return person


def create_indicator(
    work: BureauWork, code: object, name: object, name_en: object = "", measure: object = ""
) -> Indicator:
    code, name = check_new(work.session, Indicator, code, name, work.bureau.id)
    data = {
        "code": code,
        "name": name,
        "name_en": check_text("name_en", name_en, NAME_MAX, required=False),
        "measure": check_text("measure", measure, 32, required=False),
    }
    work.log.record("indicator.created", data)
    return get_indicator(work.session, work.bureau, code)
