"""Signing in to the console: passwords, browser sessions and throttling.

A browser signs in with a bureau code, a username and a password (platform admins leave
the bureau empty). What holds:

* **Throttling by client address.** More than :data:`ADDRESS_LIMIT` failed sign-ins from
  one address within :data:`WINDOW` are refused before any password is checked (429),
  so one machine cannot try passwords across many accounts.
* **Lock per account.** :data:`MAX_FAILURES` wrong passwords in a row lock the account
  for :data:`LOCK_FOR`, whatever the address (a distributed guesser gains nothing); a
  bureau admin's password reset unlocks it.
* **No user enumeration.** An unknown bureau or user costs the same hash verification and
  gets the same answer as a wrong password.
* **Sessions.** The cookie carries a random 256-bit token; only its SHA-256 is stored.
  A session ends on sign-out, after :data:`IDLE` without a request, after
  :data:`LIFETIME` in any case, and whenever the user's password or grant changes.

Sign-ins are credentials, not assessment records, so they are kept in their own tables
(sessions with their address and time; failures for the window); password resets and
changes of role are on the bureau's record (``user.updated``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from core.domain import access, accounts
from core.domain.access import Principal
from core.domain.models import Bureau, ConsoleSession, LoginFailure, User, UserCredential
from core.kernel.errors import FieldError, ServiceError, invalid
from core.services.context import Context
from core.services.platform import Platform

MAX_FAILURES = 5
LOCK_FOR = dt.timedelta(minutes=15)
ADDRESS_LIMIT = 20
WINDOW = dt.timedelta(minutes=15)
IDLE = dt.timedelta(hours=2)
LIFETIME = dt.timedelta(hours=12)
TOUCH_EVERY = dt.timedelta(minutes=1)  # seen_at is written at most this often


class SignInRefused(ServiceError):
    """Wrong bureau, username or password (one answer for all three), or a locked account."""

    status = 401
    title = "Unauthorized"
    reason = "invalid"


class AccountLocked(SignInRefused):
    reason = "locked"


class TooManyAttempts(SignInRefused):
    status = 429
    title = "Too Many Requests"
    reason = "throttled"


@dataclass(frozen=True)
class SignedIn:
    """A browser session just opened: the cookie's token (only here, once)."""

    token: str
    principal: Principal
    must_change: bool


@dataclass(frozen=True)
class Resumed:
    """The signed-in user of a request, and what the session carries for it."""

    principal: Principal
    bureau: str | None
    name: str
    must_change: bool
    token_hash: str
    flashes: list[list[str]]
    session_data: dict[str, Any]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def _address(address: object) -> str:
    return str(address or "")[:64]


def _find(session: Session, bureau: object, username: object) -> User | None:
    if bureau in (None, ""):
        return accounts.find_user(session, None, username)
    if not isinstance(bureau, str) or len(bureau) > 64:
        return None
    found = session.scalar(select(Bureau.id).where(Bureau.code == bureau))
    return accounts.find_user(session, found, username) if found is not None else None


def split_login(name: object, bureau: object) -> tuple[str, str]:
    """``user@bureau`` in the username field stands for both fields."""
    name = name.strip() if isinstance(name, str) else ""
    bureau = bureau.strip() if isinstance(bureau, str) else ""
    if "@" in name and not bureau:
        name, _, bureau = name.rpartition("@")
    return name, bureau


def sign_in(
    platform: Platform, bureau: object, username: object, password: object, address: object
) -> SignedIn:
    """Check the password and open a session, or refuse (see the module doc)."""
    address = _address(address)
    at = accounts.now()
    refusal: SignInRefused | None = None
    with platform.db.transaction() as session:
        recent = session.scalar(
            select(func.count())
            .select_from(LoginFailure)
            .where(LoginFailure.address == address, LoginFailure.at > at - WINDOW)
        )
        if recent >= ADDRESS_LIMIT:
            raise TooManyAttempts(
                "登录失败次数过多，请稍后再试 (too many failed sign-ins from this address; "
                "try again later)",
                [FieldError("password", "尝试次数过多 (throttled)")],
            )
        user = _find(session, bureau, username)
        credential = session.get(UserCredential, user.id) if user is not None else None
        locked = credential is not None and (_aware(credential.locked_until) or at) > at
        if locked:
            refusal = AccountLocked(
                "账户已临时锁定，请稍后再试或请管理员重置密码 (the account is locked after "
                "repeated failures; try later or ask a bureau admin to reset the password)",
                [FieldError("username", "已锁定 (locked)")],
            )
        elif not accounts.password_matches(credential, password):
            refusal = SignInRefused(
                "局代码、用户名或密码错误 (wrong bureau, username or password)",
                [
                    FieldError(
                        "password", "局代码、用户名或密码错误 (wrong bureau, username or password)"
                    )
                ],
            )
            if credential is not None:
                credential.failures += 1
                if credential.failures >= MAX_FAILURES:
                    credential.locked_until = at + LOCK_FOR
                    credential.failures = 0
        if refusal is not None:
            session.add(LoginFailure(address=address, username=str(username)[:200], at=at))
            session.execute(delete(LoginFailure).where(LoginFailure.at < at - WINDOW))
        else:
            credential.failures = 0
            credential.locked_until = None
            accounts.rehash_if_needed(credential, password)
            token = secrets.token_urlsafe(32)
            session.add(
                ConsoleSession(
                    token_hash=_hash(token),
                    user_id=user.id,
                    created_at=at,
                    seen_at=at,
                    expires_at=at + LIFETIME,
                    address=address,
                    data="{}",
                )
            )
            session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < at))
            signed = SignedIn(
                token,
                access.principal_for(user, (access.SESSION, _hash(token))),
                credential.must_change,
            )
    if refusal is not None:
        raise refusal
    return signed


def resume(platform: Platform, token: object) -> Resumed | None:
    """The session a cookie names, if it is still open (touching it at most once a
    minute, so reading pages costs no write); its pending messages are handed over
    once."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    at = accounts.now()
    with platform.db.read_sessions() as session, session.begin():
        row = session.get(ConsoleSession, _hash(token))
        if row is None:
            return None
        seen = _aware(row.seen_at)
        if _aware(row.expires_at) <= at or seen + IDLE <= at:
            return None
        user = session.scalar(
            select(User).where(User.id == row.user_id).options(selectinload(User.units))
        )
        credential = session.get(UserCredential, user.id)
        bureau = session.get(Bureau, user.bureau_id) if user.bureau_id else None
        data = json.loads(row.data or "{}")
        resumed = Resumed(
            access.principal_for(user, (access.SESSION, row.token_hash)),
            bureau.code if bureau else None,
            user.name or user.username,
            bool(credential and credential.must_change),
            row.token_hash,
            data.pop("flashes", []),
            data,
        )
        stale = seen + TOUCH_EVERY <= at
    if stale or resumed.flashes:
        with platform.db.transaction() as session:
            row = session.get(ConsoleSession, resumed.token_hash)
            if row is not None:
                row.seen_at = at
                row.data = json.dumps(resumed.session_data, ensure_ascii=False)
    return resumed


def flash(platform: Platform, token_hash: str, kind: str, message: str) -> None:
    """A message shown on the session's next page (after a redirect)."""
    with platform.db.transaction() as session:
        row = session.get(ConsoleSession, token_hash)
        if row is not None:
            data = json.loads(row.data or "{}")
            data.setdefault("flashes", []).append([kind, message[:2000]])
            row.data = json.dumps(data, ensure_ascii=False)


def sign_out(platform: Platform, token: object) -> None:
    if isinstance(token, str) and len(token) <= 100:
        with platform.db.transaction() as session:
            session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == _hash(token)))


def change_password(ctx: Context, current: object, new: object, address: object = "") -> SignedIn:
    """The signed-in user changes their own password: the current one is required, every
    session of theirs ends, and a new one is opened for this browser. Recorded in the
    bureau's log as ``user.updated`` (``password_reset`` false: set by the user)."""
    principal = ctx.principal
    if principal.user_id is None:
        raise invalid("password", "只有用户才有密码 (only a user has a password)")
    bureau = None
    if principal.bureau_id is not None:
        with ctx.platform.db.read_sessions() as session, session.begin():
            bureau = session.get(Bureau, principal.bureau_id).code
    unit = ctx.writing(bureau, "bureau.read") if bureau else ctx.platform_writing()
    with unit as work:
        user = work.session.get(User, principal.user_id)
        credential = work.session.get(UserCredential, user.id)
        if not accounts.password_matches(credential, current):
            raise invalid("current", "当前密码不正确 (the current password is wrong)")
        if new == current:
            raise invalid("password", "新密码须与当前密码不同 (choose a different password)")
        accounts.set_password(work.session, user, new, must_change=False)
        if bureau is not None:
            work.log.record("user.updated", {"username": user.username, "password_reset": False})
    return sign_in(ctx.platform, bureau or "", principal.username, new, address)


def set_password(ctx: Context, bureau: str | None, username: object, password: object) -> dict:
    """A bureau admin sets (resets) a user's password; the user must change it at the
    next sign-in. Unlocks the account, ends the user's sessions, and is recorded as
    ``user.updated`` with ``password_reset``. Platform admins: ``bureau`` None."""
    if bureau is None:
        with ctx.platform_writing() as work:
            work.require_platform_admin()
            user = accounts.get_user(work.session, None, username)
            accounts.set_password(work.session, user, password, must_change=True)
            return {"username": user.username, "must_change": True}
    with ctx.writing(bureau, "users.manage") as work:
        user = accounts.get_user(work.session, work.bureau, username)
        accounts.set_password(work.session, user, password, must_change=True)
        work.log.record("user.updated", {"username": user.username, "password_reset": True})
        return {"username": user.username, "must_change": True}


def demo_passwords(platform: Platform, bureau: str) -> dict[str, str]:
    """Random passwords for every user of a demo bureau (``jixiao init --demo`` writes
    them to the instance folder, never to the log); not to be changed at first sign-in,
    so a visitor can try each role at once."""
    ctx = Context.system(platform, "system:demo")
    out = {}
    with ctx.writing(bureau, "users.manage") as work:
        for user in accounts.list_users(work.session, work.bureau):
            out[user.username] = secrets.token_urlsafe(12)
            accounts.set_password(work.session, user, out[user.username], must_change=False)
            work.log.record("user.updated", {"username": user.username, "password_reset": True})
    return out


def account_state(ctx: Context, bureau: str) -> dict[str, dict[str, Any]]:
    """username → password set?, locked until, sessions open: for the users page."""
    at = accounts.now()
    with ctx.reading(bureau, "users.manage") as work:
        rows = work.session.execute(
            select(User.username, UserCredential.locked_until, UserCredential.must_change)
            .outerjoin(UserCredential, UserCredential.user_id == User.id)
            .where(User.bureau_id == work.bureau.id)
        )
        sessions = dict(
            work.session.execute(
                select(User.username, func.count())
                .join(ConsoleSession, ConsoleSession.user_id == User.id)
                .where(User.bureau_id == work.bureau.id, ConsoleSession.expires_at > at)
                .group_by(User.username)
            ).all()
        )
        out = {}
        for username, locked, must_change in rows:
            locked = _aware(locked)
            out[username] = {
                "password": must_change is not None,
                "must_change": bool(must_change),
                "locked": locked is not None and locked > at,
                "sessions": sessions.get(username, 0),
            }
        return out
