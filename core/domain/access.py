"""Users, roles, bearer tokens and the permission matrix.

Tokens are random 256-bit strings shown once; only their SHA-256 is stored. Every
permission check names a bureau, and only a platform admin crosses bureaus. Reporters
are further limited to the units they are assigned to.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain.models import ApiToken, User
from core.kernel.errors import Forbidden

TOKEN_PREFIX = "jx_"

ROLES = ("platform_admin", "bureau_admin", "reporter", "reviewer", "expert", "auditor")

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
        }
    ),
    "reporter": frozenset(
        {
            "bureau.read",
            "values.read",
            "values.record",
            "evidence.attach",
            "appeals.file",
            "appeals.read",
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
    """Who is calling: enough to decide every permission without another query."""

    user_id: int
    username: str
    role: str
    bureau_id: int | None
    unit_ids: frozenset[int]

    @property
    def actor(self) -> str:
        return f"user:{self.username}"

    def can(self, permission: str, bureau_id: int, unit_id: int | None = None) -> bool:
        if self.role == "platform_admin":
            return True
        if self.bureau_id != bureau_id or permission not in PERMISSIONS.get(self.role, ()):
            return False
        if unit_id is not None and self.role in UNIT_SCOPED_ROLES:
            return unit_id in self.unit_ids
        return True

    def require(self, permission: str, bureau_id: int, unit_id: int | None = None) -> None:
        if not self.can(permission, bureau_id, unit_id):
            raise Forbidden(f"role {self.role} may not {permission} here")

    def sees(self, bureau_id: int) -> bool:
        return self.role == "platform_admin" or self.bureau_id == bureau_id


def principal_for(user: User) -> Principal:
    return Principal(
        user.id, user.username, user.role, user.bureau_id, frozenset(u.id for u in user.units)
    )


def authenticate(session: Session, token: str) -> Principal | None:
    row = session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(token), ApiToken.revoked.is_(False)
        )
    )
    return principal_for(row.user) if row else None
