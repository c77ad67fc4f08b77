"""Tables of who may do what: users, their units, API tokens, console credentials,
sessions and sign-in failures (credentials, not assessment records)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.domain.models.bureaus import Bureau, utc_now
from core.domain.models.organisation import Person, Unit
from core.kernel.db import Base


class User(Base):
    """A user of one bureau (or a platform admin, with no bureau). Usernames are unique
    within a bureau, so one bureau learns nothing of another's users; ``person_id``
    links a user to their staff record, for their own results (D-43)."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("bureau_id", "username"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(32))
    bureau_id: Mapped[int | None] = mapped_column(ForeignKey("bureaus.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    bureau: Mapped[Bureau | None] = relationship()
    person: Mapped[Person | None] = relationship()
    units: Mapped[list[Unit]] = relationship(secondary="user_units")


class UserUnit(Base):
    """The units a reporter may record values for."""

    __tablename__ = "user_units"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    user: Mapped[User] = relationship()


class UserCredential(Base):
    """A user's console password (an Argon2id hash, never the password) and the state of
    failed sign-ins: ``failures`` in a row, and ``locked_until`` once they reach the limit.
    Credentials, not a projection (see the module doc)."""

    __tablename__ = "user_credentials"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    must_change: Mapped[bool] = mapped_column(Boolean, default=False)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ConsoleSession(Base):
    """A signed-in browser: the cookie holds a random token, this row only its SHA-256,
    so a leaked table signs nobody in. Ended by sign-out, expiry, or a password change."""

    __tablename__ = "console_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    address: Mapped[str] = mapped_column(String(64), default="")
    data: Mapped[str] = mapped_column(Text, default="{}")


class LoginFailure(Base):
    """One failed sign-in, for throttling by client address (kept for the window only)."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    username: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now, index=True)
