"""Users, roles, unit assignments, one-time passwords and API tokens (bureau admins
manage their bureau's; platform admins and the operator, the platform admins).

Every grant, token and revocation is also on the bureau's record. A bureau admin works
only within the bureau: usernames are unique per bureau, so creating a name that exists
elsewhere succeeds and reveals nothing.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select

from core.domain import access, accounts
from core.domain.access import Principal
from core.domain.models import User
from core.kernel.errors import FieldError, Forbidden, NotFound
from core.services import sessions, views
from core.services.context import Context


def create(
    ctx: Context,
    bureau: str,
    username: object,
    role: object,
    units: list[str] = (),
    name: object = "",
    person: str | None = None,
    password: object = None,
) -> dict[str, Any]:
    """A user of the bureau; with ``password``, also a console password the user must
    change at the first sign-in (both or neither are written)."""
    with ctx.writing(bureau, "users.manage") as work:
        user = accounts.create_user(work, username, role, list(units), name, person)
        if password is not None:
            accounts.set_password(work.session, user, password, must_change=True)
        return views.user(user)


def update(
    ctx: Context, bureau: str, username: object, role: object = None, units: list[str] | None = None
) -> dict[str, Any]:
    """Change a user's role and unit assignments (recorded as ``user.updated``); the
    user's browser sessions end so the new grant applies at once."""
    with ctx.writing(bureau, "users.manage") as work:
        user = accounts.get_user(work.session, work.bureau, username)
        if user.id == ctx.principal.user_id and role not in (None, "", user.role):
            raise Forbidden(
                "局管理员不能更改自己的角色 (a bureau admin cannot change their own role)",
                [FieldError("role", "请由另一位局管理员操作 (ask another bureau admin)")],
            )
        return views.user(accounts.update_user(work, user, role, units))


def create_platform_admin(ctx: Context, username: object, name: object = "") -> dict[str, Any]:
    with ctx.platform_writing() as work:
        work.require_platform_admin()
        return views.user(accounts.create_platform_admin(work.session, username, name))


def one_time_password() -> str:
    """A random password to hand over once (16 URL-safe characters, 96 bits): it is
    valid only until the first sign-in, which must replace it."""
    return secrets.token_urlsafe(12)


def reset_password(ctx: Context, bureau: str | None, username: object) -> dict[str, Any]:
    """Give a user a new one-time password, in the answer once, to be changed at the next
    sign-in. It is the bureau admin's reset (:func:`core.services.sessions.set_password`:
    unlocks the account, ends the user's sessions, recorded for bureau users); with
    ``bureau`` None it is a platform admin's, for platform admins, and the operator's way
    to give a platform admin (who has no bureau admin above them) a console password."""
    password = one_time_password()
    done = sessions.set_password(ctx, bureau, username, password)
    return {**done, "password": password}


def listing(ctx: Context, bureau: str | None) -> list[dict[str, Any]]:
    """A bureau's users (``bureau`` None: the platform admins, for platform admins)."""
    if bureau is None:
        with ctx.platform_reading() as work:
            work.require_platform_admin()
            return [views.user(u) for u in accounts.list_users(work.session, None)]
    with ctx.reading(bureau, "users.manage") as work:
        return [views.user(u) for u in accounts.list_users(work.session, work.bureau)]


def _token_view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "label": row.label,
        "created_at": row.created_at.isoformat(),
        "revoked": row.revoked,
    }


def create_token(
    ctx: Context, bureau: str | None, username: object, label: object = ""
) -> dict[str, Any]:
    """A new bearer token for a user; the clear token is in the answer, once."""
    if bureau is None:
        with ctx.platform_writing() as work:
            work.require_platform_admin()
            user = accounts.get_user(work.session, None, username)
            row, token = accounts.issue_token(work.session, user, label)
            return {**_token_view(row), "username": user.username, "token": token}
    with ctx.writing(bureau, "users.manage") as work:
        user = accounts.get_user(work.session, work.bureau, username)
        row, token = accounts.issue_token(work.session, user, label)
        work.log.record("token.created", {"username": user.username, "label": row.label})
        return {**_token_view(row), "username": user.username, "token": token}


def tokens(ctx: Context, bureau: str | None, username: object) -> list[dict[str, Any]]:
    if bureau is None:
        with ctx.platform_reading() as work:
            work.require_platform_admin()
            user = accounts.get_user(work.session, None, username)
            return [_token_view(t) for t in accounts.list_tokens(work.session, user)]
    with ctx.reading(bureau, "users.manage") as work:
        user = accounts.get_user(work.session, work.bureau, username)
        return [_token_view(t) for t in accounts.list_tokens(work.session, user)]


def revoke_token(ctx: Context, bureau: str | None, username: object, token_id: object) -> dict:
    if bureau is None:
        with ctx.platform_writing() as work:
            work.require_platform_admin()
            user = accounts.get_user(work.session, None, username)
            return _token_view(accounts.revoke_token(work.session, user, token_id)[0])
    with ctx.writing(bureau, "users.manage") as work:
        user = accounts.get_user(work.session, work.bureau, username)
        row, revoked = accounts.revoke_token(work.session, user, token_id)
        if revoked:  # revoking again (a retry, a second click) records nothing more
            work.log.record("token.revoked", {"username": user.username, "token": row.id})
        return _token_view(row)


def authenticate(platform: Any, token: str) -> Principal | None:
    """The principal a bearer token stands for, or None."""
    if not token or len(token) > 200:
        return None
    return access.authenticate(platform.db.engine, token)


def principal_named(platform: Any, username: str, bureau: str | None) -> Principal:
    """A user as a principal (the CLI's ``--as USER``), with that user's permissions."""
    from core.domain.organisation import get_bureau

    with platform.db.read_sessions() as session, session.begin():
        found = None
        if bureau is not None:
            found = accounts.find_user(session, get_bureau(session, bureau).id, username)
        else:
            matches = [u for u in session.scalars(select(User).where(User.username == username))]
            if len(matches) > 1:
                raise Forbidden(
                    f"{username!r} 存在于多个局中，请同时指明局 "
                    f"({username!r} exists in several bureaus; name the bureau too)",
                    [FieldError("as", "请用 用户名@局代码 (use USER@BUREAU)")],
                )
            found = matches[0] if matches else None
        if found is None:
            raise NotFound(
                f"没有用户 {username!r} (no user {username!r})",
                [FieldError("as", "没有此用户 (unknown user)")],
            )
        return access.principal_for(found)
