"""Who is signed in, and the checks every console request passes first.

* The session cookie (``jixiao_session``) carries a random token the sessions service
  resolves to a principal; it is HttpOnly, SameSite=Lax, and Secure whenever the request
  came over HTTPS (or ``JIXIAO_COOKIE_SECURE=1`` says the proxy terminates TLS).
* CSRF: every non-GET request must carry ``csrf_token`` (a form field, or the
  ``X-CSRF-Token`` header htmx sends) equal to an HMAC of the session (or, before
  sign-in, of a random pre-session cookie) under a key kept in the instance folder.
  Synchroniser tokens bound to the session need no state of their own and no
  dependency; the API is not affected (bearer tokens, no cookies, nothing ambient).
* Pages need a signed-in user, except sign-in itself, the language switch and static
  files; a user whose password was reset is sent to change it first.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, g, redirect, request, url_for
from werkzeug.exceptions import BadRequest

from core.console import inputs
from core.services import sessions
from core.services.context import Context
from core.services.platform import Platform

COOKIE = "jixiao_session"
PRE_COOKIE = "jixiao_pre"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
PUBLIC = {
    "console.account.signin",
    "console.account.language",
    "console.vendor",
    "console.static",
}
PASSWORD_FREE = PUBLIC | {"console.account.password", "console.account.signout"}
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class CsrfRefused(BadRequest):
    description = "表单已失效，请刷新页面后重试 (the form is stale or forged: reload the page)"


def platform() -> Platform:
    return current_app.extensions["jixiao"]


def ctx() -> Context:
    """The service context of this request: the signed-in user's principal. Never for
    a form with unreadable fields no view took to show (:mod:`core.console.inputs`)."""
    inputs.form()
    return Context(platform(), g.principal)


def signed_in() -> sessions.Resumed | None:
    return g.get("console_user")


def _key() -> bytes:
    found = current_app.extensions.get("jixiao_console_key")
    if found is None:
        path = Path(platform().instance) / "secrets" / "console.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(secrets.token_bytes(32))
            except FileExistsError:
                pass  # another worker made it first
        found = current_app.extensions["jixiao_console_key"] = path.read_bytes()
    return found


def csrf_token() -> str:
    """The token forms carry (see the module doc)."""
    user = signed_in()
    if user is not None:
        basis = "s:" + user.token_hash
    else:
        pre = request.cookies.get(PRE_COOKIE) or g.get("new_pre")
        if not pre or len(pre) > 100:
            pre = g.new_pre = secrets.token_urlsafe(24)
        basis = "a:" + pre
    return hmac.new(_key(), basis.encode(), hashlib.sha256).hexdigest()


def secure_cookies() -> bool:
    return request.is_secure or os.environ.get("JIXIAO_COOKIE_SECURE") == "1"


def set_session_cookie(response, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(sessions.LIFETIME.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=secure_cookies(),
        path="/",
    )


def clear_session_cookie(response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Lax")


def safe_next(target: str | None) -> str | None:
    """A same-site path to return to after sign-in (never another host), of printable
    ASCII only, as the console's own addresses are: a line break would end the Location
    header it goes into (a header injection werkzeug refuses with a 500)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if len(target) > 2000 or not all("!" <= ch <= "~" for ch in target):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc or "\\" in target else target


def _load_user() -> None:
    g.console_user = sessions.resume(platform(), request.cookies.get(COOKIE))
    if g.console_user is not None:
        g.principal = g.console_user.principal


def _check_csrf() -> None:
    if request.method in SAFE_METHODS:
        return
    given = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    if not hmac.compare_digest(given.encode(), csrf_token().encode()):
        raise CsrfRefused()


def before_console_request():
    _load_user()
    _check_csrf()
    endpoint = request.endpoint or ""
    user = signed_in()
    if user is None and endpoint not in PUBLIC:
        if request.method in SAFE_METHODS and not request.headers.get("HX-Request"):
            return redirect(url_for("console.account.signin", next=request.full_path.rstrip("?")))
        from core.api.context import Unauthorised

        raise Unauthorised("请先登录 (sign in first)")
    if user is not None and user.must_change and endpoint not in PASSWORD_FREE:
        return redirect(url_for("console.account.password"))
    return None


def after_console_request(response):
    pre = g.get("new_pre")
    if pre:
        response.set_cookie(
            PRE_COOKIE, pre, httponly=True, samesite="Lax", secure=secure_cookies(), path="/"
        )
    headers = response.headers
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; object-src 'self'; frame-src 'self'; "
        "frame-ancestors 'self'; form-action 'self'; base-uri 'none'",
    )
    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        headers.setdefault("Cache-Control", "no-store")
    return response


def protect(bp: Blueprint) -> None:
    """Give a blueprint (the console's, a plugin's page) the console's checks (once)."""
    if getattr(bp, "jixiao_protected", False):
        return
    bp.before_request(before_console_request)
    bp.after_request(after_console_request)
    bp.jixiao_protected = True


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csrf_token"] = csrf_token
