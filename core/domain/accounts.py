"""Users, their roles and unit assignments, and API tokens.

Users and tokens are credentials, not assessment records, so they are plain tables; but
every grant, change and revocation is recorded in the bureau's log for the audit trail.
Usernames are unique within a bureau (platform admins: among platform admins), so a
bureau admin learns nothing about another bureau's users.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.domain import access
from core.domain.models import ApiToken, Bureau, User
from core.domain.organisation import check_code, get_person, get_unit
from core.domain.work import BureauWork
from core.kernel.errors import Conflict, FieldError, NotFound, invalid
from core.kernel.text import NAME_MAX, check_text


def find_user(session: Session, bureau_id: int | None, username: object) -> User | None:
    if not isinstance(username, str) or len(username) > 100:
        return None
    stmt = select(User).where(User.username == username).options(selectinload(User.units))
    stmt = stmt.where(
        User.bureau_id.is_(None) if bureau_id is None else User.bureau_id == bureau_id
    )
    return session.scalar(stmt)


def get_user(session: Session, bureau: Bureau | None, username: object) -> User:
    user = find_user(session, bureau.id if bureau else None, username)
    if user is None:
        where = f" in bureau {bureau.code}" if bureau else ""
        raise NotFound(f"no user {username!r}{where}", [FieldError("username", "unknown user")])
    return user


def _check_role(role: object, units: list[str]) -> str:
    if role not in access.ROLES or role == "platform_admin":
        roles = ", ".join(r for r in access.ROLES if r != "platform_admin")
        raise invalid("role", f"must be one of {roles}")
    if units and role not in access.UNIT_SCOPED_ROLES:
        raise invalid("units", f"only {', '.join(access.UNIT_SCOPED_ROLES)} are scoped to units")
    return str(role)


def create_user(
    work: BureauWork,
    username: object,
    role: object,
    units: list[str] = (),
    name: object = "",
    person: str | None = None,
) -> User:
    """A user of the bureau with one role; the grant is recorded in the bureau's log."""
    username = check_code(username, "username")
    units = list(units)
    role = _check_role(role, units)
    if find_user(work.session, work.bureau.id, username) is not None:
        raise Conflict(
            f"user {username!r} exists in this bureau",
            [FieldError("username", "already exists in this bureau")],
        )
    linked = get_person(work.session, work.bureau, person) if person else None
    user = User(
        username=username,
        name=check_text("name", name, NAME_MAX, required=False),
        role=role,
        bureau_id=work.bureau.id,
        person_id=linked.id if linked else None,
        units=[get_unit(work.session, work.bureau, u, "units") for u in units],
    )
    work.session.add(user)
    work.session.flush()
    data = {"username": username, "role": role, "units": sorted(units), "person": person}
    work.log.record("user.created", data)
    return user


def create_platform_admin(session: Session, username: object, name: object = "") -> User:
    """A platform admin (no bureau); the caller holds the platform log's lock."""
    username = check_code(username, "username")
    if find_user(session, None, username) is not None:
        raise Conflict(f"platform admin {username!r} exists", [FieldError("username", "exists")])
    user = User(
        username=username,
        name=check_text("name", name, NAME_MAX, required=False),
        role="platform_admin",
        bureau_id=None,
    )
    session.add(user)
    session.flush()
    return user


def list_users(session: Session, bureau: Bureau | None) -> list[User]:
    stmt = select(User).options(selectinload(User.units)).order_by(User.username)
    stmt = stmt.where(User.bureau_id.is_(None) if bureau is None else User.bureau_id == bureau.id)
    return list(session.scalars(stmt))


def issue_token(session: Session, user: User, label: object = "") -> tuple[ApiToken, str]:
    """A new bearer token; the clear token is returned once and never stored."""
    token = access.new_token()
    row = ApiToken(
        user_id=user.id,
        token_hash=access.hash_token(token),
        label=check_text("label", label, 100, required=False),
    )
    session.add(row)
    session.flush()
    return row, token


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    )


def revoke_token(session: Session, user: User, token_id: object) -> ApiToken:
    found = None
    if isinstance(token_id, int) and 0 < token_id < 2**53:
        found = session.get(ApiToken, token_id)
    if found is None or found.user_id != user.id:
        raise NotFound(
            f"no token {token_id!r} of {user.username}", [FieldError("token", "unknown")]
        )
    found.revoked = True
    session.flush()
    return found
