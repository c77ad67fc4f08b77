"""User administration (用户管理) for bureau admins: users, roles, unit assignments,
password resets and API tokens. New passwords and tokens are shown once, never stored
in the clear. A refused form comes back with each error beside its field in that form
(a user's row for the per-user forms) and what was typed into it."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, request

from core.console import auth, inputs
from core.console.rendering import field_errors, page
from core.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError
from core.services import sessions, units, users

bp = Blueprint("admin", __name__, url_prefix="/bureaus/<bureau>/users")
ROLES = ("bureau_admin", "reporter", "reviewer", "expert", "auditor")
Refused = (InvalidInput, Conflict, NotFound, Forbidden)


def _users_page(bureau: str, errors: dict | None = None, status: int = 200, shown=None,
                given: dict | None = None, form: str = "create"):  # fmt: skip
    """The page. ``form`` names the form refused (``create``, or ``grant:<user>``,
    ``password:<user>``, ``tokens:<user>`` for a user's row), whose fields show
    ``errors`` and ``given`` (what was typed)."""
    c = auth.ctx()
    found = users.listing(c, bureau)
    return page(
        "users.html",
        status=status,
        users=found,
        state=sessions.account_state(c, bureau),
        tokens={u["username"]: users.tokens(c, bureau, u["username"]) for u in found},
        unit_list=units.listing(c, bureau),
        roles=ROLES,
        errors=errors or {},
        shown=shown,
        given=given or {},
        form=form,
    )


def _typed() -> dict[str, Any]:
    """What a user form holds: text fields, and the units chosen (several)."""
    f = request.form
    return {**{k: f.get(k, "") for k in ("username", "name", "role", "label")},
            "units": f.getlist("units")}  # fmt: skip


def _refused(bureau: str, exc: ServiceError, form: str):
    return _users_page(bureau, field_errors(exc), exc.status, given=_typed(), form=form)


@bp.get("/", endpoint="users")
def users_page(bureau: str):
    return _users_page(bureau)


@bp.post("/")
def create(bureau: str):
    f = request.form
    password = f.get("password") or secrets.token_urlsafe(12)
    try:
        inputs.form()
        done = users.create(
            auth.ctx(), bureau, f.get("username"), f.get("role"), f.getlist("units"),
            f.get("name", ""), None, password,
        )  # fmt: skip
    except Refused as exc:
        return _refused(bureau, exc, "create")
    shown = {"what": "password", "username": done["username"], "secret": password}
    return _users_page(bureau, shown=shown)


@bp.post("/<username>/grant")
def grant(bureau: str, username: str):
    f = request.form
    try:
        inputs.form()
        users.update(auth.ctx(), bureau, username, f.get("role"), f.getlist("units"))
    except Refused as exc:
        return _refused(bureau, exc, f"grant:{username}")
    return _users_page(bureau, shown={"what": "grant", "username": username, "secret": ""})


@bp.post("/<username>/password")
def reset(bureau: str, username: str):
    password = request.form.get("password") or secrets.token_urlsafe(12)
    try:
        inputs.form()
        sessions.set_password(auth.ctx(), bureau, username, password)
    except Refused as exc:
        return _refused(bureau, exc, f"password:{username}")
    shown = {"what": "password", "username": username, "secret": password}
    return _users_page(bureau, shown=shown)


@bp.post("/<username>/tokens")
def create_token(bureau: str, username: str):
    try:
        inputs.form()
        done = users.create_token(auth.ctx(), bureau, username, request.form.get("label", ""))
    except Refused as exc:
        return _refused(bureau, exc, f"tokens:{username}")
    shown = {"what": "token", "username": username, "secret": done["token"]}
    return _users_page(bureau, shown=shown)


@bp.post("/<username>/tokens/<int:token>/revoke")
def revoke_token(bureau: str, username: str, token: int):
    try:
        inputs.form()
        users.revoke_token(auth.ctx(), bureau, username, token)
    except Refused as exc:
        return _refused(bureau, exc, f"tokens:{username}")
    return _users_page(bureau, shown={"what": "revoked", "username": username, "secret": ""})
