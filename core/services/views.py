"""Plain views of records, as every channel shows them (no ORM objects leave services)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.kernel.privacy import Vault, mask

if TYPE_CHECKING:
    from core.domain.models import Bureau, Cycle, Indicator, Person, Unit, User


def bureau(b: Bureau) -> dict[str, Any]:
    return {"code": b.code, "name": b.name, "name_en": b.name_en, "entries": b.log.size}


def unit(u: Unit) -> dict[str, Any]:
    return {
        "code": u.code,
        "name": u.name,
        "name_en": u.name_en,
        "parent": u.parent.code if u.parent else None,
        "group": u.group_code,
    }


def person(p: Person, vault: Vault | None) -> dict[str, Any]:
    """A member of staff; identifiers only masked, and only when ``vault`` is given
    (to those who manage people)."""
    identifiers = {}
    if vault is not None and p.pii_cipher:
        identifiers = {k: mask(v) for k, v in vault.open(p.pii_cipher).items()}
    return {
        "code": p.code,
        "name": p.name,
        "unit": p.unit.code if p.unit else None,
        "group": p.group_code,
        "identifiers": identifiers,
    }


def indicator(i: Indicator) -> dict[str, Any]:
    return {"code": i.code, "name": i.name, "name_en": i.name_en, "measure": i.measure}


def cycle(c: Cycle) -> dict[str, Any]:
    return {
        "code": c.code,
        "name": c.name,
        "start": c.start.isoformat(),
        "end": c.end.isoformat(),
        "periods": [
            {"code": p.code, "kind": p.kind, "start": p.start.isoformat(), "end": p.end.isoformat()}
            for p in c.periods
        ],
    }


def user(u: User) -> dict[str, Any]:
    return {
        "username": u.username,
        "name": u.name,
        "role": u.role,
        "units": sorted(x.code for x in u.units),
        "person": u.person.code if u.person else None,
    }


def event(e: Any) -> dict[str, Any]:
    return {"seq": e.seq, "kind": e.kind, "leaf_hash": e.leaf_hash}
