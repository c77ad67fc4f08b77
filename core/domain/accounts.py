"""Users, their roles and unit assignments, and API tokens.

Users and tokens are credentials, not assessment records, so they are plain tables; but
every grant, change and revocation is recorded in the bureau's log for the audit trail.
Usernames are unique within a bureau (platform admins: among platform admins), so a
bureau admin learns nothing about another bureau's users.

Console passwords are hashed with Argon2id (RFC 9106, the first choice of OWASP's password
storage guidance): memory-hard, so a stolen table is costly to guess at on GPUs, and each
encoded hash carries its parameters, so raising them later rehashes on the next sign-in.
"""

from __future__ import annotations

import datetime as dt
import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from core.domain import access
from core.domain.models import ApiToken, Bureau, ConsoleSession, User, UserCredential
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
        raise NotFound(
            f"没有用户 {username!r} (no user {username!r}{where})",
            [FieldError("username", "没有此用户 (unknown user)")],
        )
    return user


def _check_role(role: object, units: list[str]) -> str:
    if role not in access.ROLES or role == "platform_admin":
        roles = ", ".join(r for r in access.ROLES if r != "platform_admin")
        raise invalid("role", f"须为以下之一：{roles} (must be one of {roles})")
    if units and role not in access.UNIT_SCOPED_ROLES:
        scoped = ", ".join(access.UNIT_SCOPED_ROLES)
        raise invalid(
            "units",
            f"只有以下角色可限定单位：{scoped} (only these roles are scoped to units: {scoped})",
        )
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
            f"本局已有用户 {username!r} (user {username!r} exists in this bureau)",
            [FieldError("username", "本局已有此用户 (already exists in this bureau)")],
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
        raise Conflict(
            f"平台管理员 {username!r} 已存在 (platform admin {username!r} exists)",
            [FieldError("username", "已存在 (exists)")],
        )
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


def revoke_token(session: Session, user: User, token_id: object) -> tuple[ApiToken, bool]:
    """Revoke one of ``user``'s tokens; returns it and whether this call revoked it (a
    token revoked already stays so, and nothing more is recorded)."""
    found = None
    if isinstance(token_id, int) and 0 < token_id < 2**53:
        found = session.get(ApiToken, token_id)
    if found is None or found.user_id != user.id:
        raise NotFound(
            f"{user.username} 没有令牌 {token_id!r} (no token {token_id!r} of {user.username})",
            [FieldError("token", "没有此令牌 (unknown)")],
        )
    if found.revoked:
        return found, False
    found.revoked = True
    session.flush()
    return found, True


# --------------------------------------------------------------------------- passwords

PASSWORD_MIN = 10
PASSWORD_MAX = 256
HASHER = PasswordHasher()  # Argon2id, RFC 9106 "second recommended" (64 MiB, t=3, p=4)


@functools.cache
def dummy_hash() -> str:
    """A hash to verify against when there is no credential. Made on first use, not at
    import: an Argon2id hash costs ~100 ms, which every CLI command would pay."""
    return HASHER.hash("not a password of anyone's")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def check_password(password: object, username: str) -> str:
    """A new password: 10 to 256 characters, not the username, not one repeated
    character. Length matters most (NIST SP 800-63B); no composition rules."""
    if not isinstance(password, str) or not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise invalid(
            "password",
            f"密码长度须为{PASSWORD_MIN}至{PASSWORD_MAX}个字符 "
            f"(between {PASSWORD_MIN} and {PASSWORD_MAX} characters)",
        )
    if password.strip().lower() == username.lower() or len(set(password)) < 4:
        raise invalid("password", "密码过于简单 (too easy to guess)")
    return password


def set_password(session: Session, user: User, password: object, must_change: bool) -> None:
    """Store a new password hash, clear failures and any lock, and end the user's
    browser sessions (a reset must sign out whoever knew the old password)."""
    password = check_password(password, user.username)
    found = session.get(UserCredential, user.id)
    if found is None:
        found = UserCredential(user_id=user.id)
        session.add(found)
    found.password_hash = HASHER.hash(password)
    found.changed_at = now()
    found.must_change = must_change
    found.failures = 0
    found.locked_until = None
    session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user.id))
    session.flush()


def password_matches(credential: UserCredential | None, password: object) -> bool:
    """Whether ``password`` is the credential's; without one, a hash is still verified
    (against a dummy) so a missing user takes as long as a wrong password."""
    text = password if isinstance(password, str) and len(password) <= PASSWORD_MAX else ""
    try:
        return HASHER.verify(credential.password_hash if credential else dummy_hash(), text) and (
            credential is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def rehash_if_needed(credential: UserCredential, password: str) -> None:
    if HASHER.check_needs_rehash(credential.password_hash):
        credential.password_hash = HASHER.hash(password)


def update_user(
    work: BureauWork, user: User, role: object = None, units: list[str] | None = None
) -> User:
    """Change a user's role and/or unit assignments (recorded as ``user.updated``). A
    changed grant ends the user's browser sessions, so it applies at once."""
    new_role = user.role if role in (None, "") else role
    codes = sorted(u.code for u in user.units) if units is None else sorted(set(units))
    if new_role not in access.UNIT_SCOPED_ROLES and units is None:
        codes = []
    new_role = _check_role(new_role, codes)
    changed: dict = {}
    if new_role != user.role:
        user.role = new_role
        changed["role"] = new_role
    if codes != sorted(u.code for u in user.units):
        user.units = [get_unit(work.session, work.bureau, u, "units") for u in codes]
        changed["units"] = codes
    if not changed:
        raise Conflict(
            "没有需要更改的内容 (nothing to change)",
            [FieldError("role", "角色和单位均未改变 (role and units are unchanged)")],
        )
    work.session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user.id))
    work.session.flush()
    work.log.record("user.updated", {"username": user.username, **changed})
    return user
