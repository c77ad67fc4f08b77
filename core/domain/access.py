"""Users, roles, bearer tokens and the permission matrix.

Tokens are random 256-bit strings shown once; only their SHA-256 is stored. Every
permission check names a bureau, and only a platform admin crosses bureaus. Reporters
are further limited to the units they are assigned to.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, Select, bindparam, select
from sqlalchemy.orm import Session

from core.kernel.errors import Forbidden
from core.kernel.queries import fetch, fetch_now

if TYPE_CHECKING:
    from core.domain.models import User

TOKEN_PREFIX = "jx_"
TOKEN, SESSION = "token", "session"
"""Kinds of :attr:`Principal.credential`: an API token, a console session."""

ROLES = ("platform_admin", "bureau_admin", "reporter", "reviewer", "expert", "auditor")
SYSTEM = "system"

# What each role may do inside its own bureau. ``platform_admin`` may do everything,
# everywhere. "values.record" for a reporter is limited to its units.
PERMISSIONS: dict[str, frozenset[str]] = {
    "bureau_admin": frozenset(
        {
            "bureau.read",
            "bureau.manage",
            "people.manage",
            "values.read",
            "values.record",
            "ledger.read",
            "ledger.verify",
            "ledger.checkpoint",
            "plugins.manage",
            "users.manage",
            "webhooks.manage",
            "ratings.submit",
            "panels.draw",
            "items.record",
            "reviews.decide",
            "evidence.attach",
            "results.read",
            "appeals.file",
            "appeals.read",
            "appeals.assign",
            "appeals.decide",
            "collection.manage",
            "collection.read",
        }
    ),
    "reporter": frozenset(
        {
            "bureau.read",
            "collection.read",
            "values.read",
            "values.record",
            "evidence.attach",
            "appeals.file",
            "appeals.read",
            "results.read",
        }
    ),
    "reviewer": frozenset(
        {
            "bureau.read",
            "values.read",
            "ledger.read",
            "ratings.submit",
            "items.record",
            "reviews.decide",
            "evidence.attach",
            "results.read",
            "appeals.read",
            "appeals.decide",
            "collection.read",
        }
    ),
    "expert": frozenset({"bureau.read", "ratings.submit"}),
    "auditor": frozenset(
        {
            "bureau.read",
            "values.read",
            "ledger.read",
            "ledger.verify",
            "results.read",
            "appeals.read",
            "collection.read",
        }
    ),
}
UNIT_SCOPED_ROLES = frozenset({"reporter"})


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Principal:
    """Who is acting: a signed-in user, or the system itself under an explicit name.

    Nothing means "superuser by omission": work done by the platform itself (the demo,
    migrations, the command line run by the operator without ``--as``) acts as a
    :meth:`system` principal whose name goes into the ledger's ``actor``.
    """

    name: str
    role: str
    bureau_id: int | None = None
    unit_ids: frozenset[int] = frozenset()
    user_id: int | None = None
    person_id: int | None = None
    credential: tuple[str, str] | None = field(default=None, compare=False, repr=False)
    """How the user proved who they are: ("token", hash), ("session", hash), or None
    (the CLI's ``--as USER``). A write re-reads it under the bureau's lock
    (:func:`current`), so a revoked token or a changed role stops writes in flight."""

    @classmethod
    def system(cls, name: str) -> Principal:
        """The platform acting on its own account, e.g. ``system:demo``, ``cli:root``."""
        return cls(name, SYSTEM)

    @property
    def is_system(self) -> bool:
        return self.role == SYSTEM

    @property
    def actor(self) -> str:
        return self.name if self.is_system else f"user:{self.name}"

    @property
    def username(self) -> str:
        return self.name

    @property
    def everywhere(self) -> bool:
        """May act in every bureau: the system and platform admins."""
        return self.role in (SYSTEM, "platform_admin")

    def can(self, permission: str, bureau_id: int, unit_id: int | None = None) -> bool:
        if self.everywhere:
            return True
        if self.bureau_id != bureau_id or permission not in PERMISSIONS.get(self.role, ()):
            return False
        if unit_id is not None and self.role in UNIT_SCOPED_ROLES:
            return unit_id in self.unit_ids
        return True

    def require(self, permission: str, bureau_id: int, unit_id: int | None = None) -> None:
        if not self.can(permission, bureau_id, unit_id):
            raise Forbidden(f"无权进行此操作 (role {self.role} may not {permission} here)")

    def can_for_subject(self, permission: str, bureau_id: int, unit_id: int | None) -> bool:
        """``permission`` on a subject (a unit, or a member of staff) whose unit is
        ``unit_id``. A unit-scoped principal acts only for subjects of its units, and a
        member of staff assigned to no unit is in none of them (to :meth:`can`, no unit
        means the bureau as a whole)."""
        if unit_id is None and self.role in UNIT_SCOPED_ROLES:
            return False
        return self.can(permission, bureau_id, unit_id)

    def sees(self, bureau_id: int) -> bool:
        return self.everywhere or self.bureau_id == bureau_id

    def unit_scope(self) -> frozenset[int] | None:
        """The units this principal's reads are limited to, or None for the whole bureau."""
        return self.unit_ids if self.role in UNIT_SCOPED_ROLES else None


def principal_for(user: User, credential: tuple[str, str] | None = None) -> Principal:
    # Assigned units limit only unit-scoped roles; others skip the query.
    scoped = user.role in UNIT_SCOPED_ROLES
    return Principal(
        user.username,
        user.role,
        user.bureau_id,
        frozenset(u.id for u in user.units) if scoped else frozenset(),
        user.id,
        user.person_id,
        credential,
    )


def authenticate(engine: Engine, token: str) -> Principal | None:
    """The principal a bearer token stands for, or None: the read every API request
    makes before anything else, so it goes straight to the driver
    (:func:`core.kernel.queries.fetch_now`); a write reads the token again under its
    bureau's lock (:func:`current`)."""
    credential = (TOKEN, hash_token(token))
    return _token_principal(lambda stmt, params: fetch_now(engine, stmt, params), credential)


@functools.cache
def _token_statements() -> tuple[Select, Select]:
    """The token's user, and a user's units: built once, on the first token (every API
    request runs them), not at import, so that commands never asked for a token do not
    load the access tables."""
    from core.domain.models import ApiToken, User, UserUnit

    token_user = (
        select(User.id, User.username, User.role, User.bureau_id, User.person_id)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == bindparam("digest"), ApiToken.revoked.is_(False))
    )
    return token_user, select(UserUnit.unit_id).where(UserUnit.user_id == bindparam("user"))


Fetch = Callable[[Select, dict[str, Any]], Sequence[Any]]


def _token_principal(fetch: Fetch, credential: tuple[str, str]) -> Principal | None:
    token_user, user_units = _token_statements()
    found = fetch(token_user, {"digest": credential[1]})
    if not found:
        return None
    user_id, username, role, bureau_id, person_id = found[0]
    # Assigned units limit only unit-scoped roles; others skip the query.
    units = (
        frozenset(unit for (unit,) in fetch(user_units, {"user": user_id}))
        if role in UNIT_SCOPED_ROLES
        else frozenset()
    )
    return Principal(username, role, bureau_id, units, user_id, person_id, credential)


def current(session: Session, principal: Principal) -> Principal:
    """The principal as it stands now. A request is authenticated before its unit of
    work begins; a write calls this again after taking the bureau's lock, so a token
    revoked, a session ended or a role or unit taken away by a write that committed
    first applies to it (PostgreSQL then behaves as SQLite, which serialises writes)."""
    from core.domain.models import ConsoleSession, User

    if principal.user_id is None:
        return principal
    kind, digest = principal.credential or ("", "")
    if kind == TOKEN:
        found = _token_principal(lambda stmt, params: fetch(session, stmt, params), (TOKEN, digest))
        if found is None or found.user_id != principal.user_id:
            raise _revoked()
        return found
    if kind == SESSION:
        row = session.get(ConsoleSession, digest)
        expires = row.expires_at if row is not None else None
        if expires is not None and expires.tzinfo is None:
            expires = expires.replace(tzinfo=dt.UTC)
        live = expires is not None and expires > dt.datetime.now(dt.UTC)
        user = session.get(User, row.user_id) if live else None
    else:
        user = session.get(User, principal.user_id)
    if user is None or user.id != principal.user_id:
        raise _revoked()
    return principal_for(user, principal.credential)


def _revoked() -> Forbidden:
    return Forbidden(
        "凭据已被撤销或已过期，请重新登录 (the token or session was revoked or has "
        "expired; sign in again)"
    )
