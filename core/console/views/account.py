"""Signing in and out, changing one's password, choosing the language."""

from __future__ import annotations

from flask import Blueprint, g, make_response, redirect, request, url_for
from flask_babel import gettext as _

from core.console import auth, inputs
from core.console.i18n import LANG_COOKIE, LOCALES
from core.console.rendering import field_errors, flash, page
from core.kernel.errors import InvalidInput
from core.services import bureaus, sessions

bp = Blueprint("account", __name__)
BUREAU_COOKIE = "jixiao_bureau"


@bp.get("/")
def home():
    """The signed-in user's overview; platform admins choose a bureau."""
    user = auth.signed_in()
    if user is None:
        return redirect(url_for(".signin"))
    if user.bureau:
        return redirect(url_for("console.overview.index", bureau=user.bureau))
    return page("bureaus.html", bureaus=bureaus.listing(auth.ctx()))


@bp.route("/signin", methods=["GET", "POST"])
def signin():
    given_next = auth.safe_next(request.values.get("next"))
    if request.method == "GET":
        if auth.signed_in() is not None:
            return redirect(given_next or url_for(".home"))
        return page("signin.html", bureau=request.cookies.get(BUREAU_COOKIE, ""), next=given_next)
    username, bureau = sessions.split_login(
        request.form.get("username"), request.form.get("bureau")
    )
    password = request.form.get("password")
    unreadable = inputs.problems()  # before sign_in: an unreadable name is no failed attempt
    if unreadable:
        return page("signin.html", status=422, bureau=bureau, username=username, next=given_next,
                    errors=unreadable)  # fmt: skip
    try:
        signed = sessions.sign_in(auth.platform(), bureau, username, password, request.remote_addr)
    except sessions.SignInRefused as exc:
        messages = {
            "invalid": _("Wrong bureau code, username or password."),
            "locked": _(
                "This account is locked after repeated failures. Try again in 15 minutes "
                "or ask your bureau admin to reset the password."
            ),
            "throttled": _("Too many failed sign-ins from this computer. Try again later."),
        }
        return page(
            "signin.html",
            status=exc.status,
            bureau=bureau,
            username=username,
            next=given_next,
            error=messages[exc.reason],
        )
    response = make_response(redirect(given_next or url_for(".home")))
    auth.set_session_cookie(response, signed.token)
    response.set_cookie(
        BUREAU_COOKIE, bureau, max_age=3600 * 24 * 365, httponly=True, samesite="Lax",
        secure=auth.secure_cookies(),
    )  # fmt: skip
    return response


@bp.post("/signout")
def signout():
    sessions.sign_out(auth.platform(), request.cookies.get(auth.COOKIE))
    response = make_response(redirect(url_for(".signin")))
    auth.clear_session_cookie(response)
    return response


@bp.route("/account/password", methods=["GET", "POST"])
def password():
    if request.method == "GET":
        return page("password.html", errors={})
    new, again = request.form.get("password", ""), request.form.get("password_again", "")
    try:
        inputs.form()
        if new != again:
            differ = {"password_again": [_("The two entries differ.")]}
            return page("password.html", 422, errors=differ)
        signed = sessions.change_password(
            auth.ctx(), request.form.get("current"), new, request.remote_addr
        )
    except InvalidInput as exc:
        return page("password.html", 422, errors=field_errors(exc))
    g.console_user = sessions.resume(auth.platform(), signed.token)
    flash("ok", _("Your password was changed; other sessions were signed out."))
    response = make_response(redirect(url_for(".home")))
    auth.set_session_cookie(response, signed.token)
    return response


@bp.post("/lang")
def language():
    chosen = request.form.get("lang")
    back = auth.safe_next(request.form.get("next")) or url_for(".home")
    response = make_response(redirect(back))
    if chosen in LOCALES:
        response.set_cookie(
            LANG_COOKIE, chosen, max_age=3600 * 24 * 365, samesite="Lax",
            secure=auth.secure_cookies(),
        )  # fmt: skip
    return response
