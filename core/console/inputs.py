"""Form fields as the console reads them: decoded strictly, held to the platform's text
rules, and refused beside the field they concern.

A form body is read here, field by field, before anything else looks at it:

* every name and value must be UTF-8, percent-escapes included. Werkzeug keeps an
  escape that is not UTF-8 as literal text (``%ED%A0%80abc``, an encoded lone
  surrogate, reached the ledger as those twelve characters) and drops a whole body
  holding a raw invalid byte (the CSRF check then failed with a bare 400);
* every value is held to :func:`core.kernel.text.problem` (no lone surrogates, control
  characters, bidirectional controls or Unicode noncharacters; tab and line breaks
  allowed), the rule every channel applies.

What views read then holds U+FFFD where an unreadable character was, so nothing
unreadable goes further and the form can be shown again with the rest of the input.
The app-wide request guard (``core.api``) would otherwise refuse such a request before
any view runs, with a bare error page and the user's input lost; it still sees every
field (now readable), and still guards the path and the query. The problems wait for
the view: it takes them (:func:`problems`, :func:`form`) and re-renders the form with
each beside its field. A view that does not cannot act on the input: the first
service context it asks for (:func:`core.console.auth.ctx`) raises them instead.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import g, request
from werkzeug.datastructures import MultiDict

from core.kernel.errors import FieldError, InvalidInput
from core.kernel.text import problem

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
REPLACEMENT = "\ufffd"
NOT_UTF8 = "不是有效的 UTF-8 文本 (is not valid UTF-8 text)"


def _readable(text: str) -> str:
    """``text`` with each character the rules refuse replaced by U+FFFD (for showing
    the input again; the decision is :func:`core.kernel.text.problem`'s)."""
    return "".join(REPLACEMENT if problem(c) is not None else c for c in text)


def _decode(raw: bytes) -> tuple[str, str | None]:
    """Percent-decoded bytes as text, and why they are not acceptable text (or None).
    An encoded surrogate decodes to itself, so the kernel's rule names it as the API
    does; anything else that is not UTF-8 is refused as such."""
    try:
        text = raw.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace"), NOT_UTF8
    return text, problem(text)


def _urlencoded(body: bytes) -> list[tuple[str, str, str | None]]:
    """(name, value, problem) of each field, split as ``urllib.parse.parse_qsl`` (what
    werkzeug uses) splits, but decoded strictly."""
    out = []
    for chunk in body.split(b"&"):
        if not chunk:
            continue
        name, _, value = chunk.partition(b"=")
        key, key_problem = _decode(unquote_to_bytes(name.replace(b"+", b" ")))
        text, text_problem = _decode(unquote_to_bytes(value.replace(b"+", b" ")))
        out.append((key, text, key_problem or text_problem))
    return out


def screen(endpoint: str | None, values: dict | None) -> None:
    """Read a form body once, strictly (see the module doc). Registered as the console
    blueprint's URL value preprocessor because those run before every
    ``before_request`` function, the app's request guard included."""
    g.input_problems = {}
    if request.method in ("GET", "HEAD", "OPTIONS") or request.mimetype not in FORM_TYPES:
        return
    if request.mimetype == FORM_TYPES[0]:
        body = request.get_data(cache=True)  # werkzeug parses the cached copy next
        fields = _urlencoded(body)
    else:  # multipart: werkzeug decoded each part already (invalid bytes as U+FFFD)
        fields = [(k, v, problem(k) or problem(v)) for k, v in request.form.items(multi=True)]
    _ = request.files  # werkzeug parses files and form together; keep its files
    kept = []
    for name, value, why in fields:
        if why is not None:
            name, value = _readable(name), _readable(value)
            g.input_problems.setdefault(name, []).append(why)
        kept.append((name, value))
    request.form = SingleValued(kept)


SENT_TWICE = "只能填写一个值，却收到多个 (one value expected; the form sent several)"


class SingleValued(MultiDict):
    """The form as views read it. A field read as one value (``form["x"]``,
    ``form.get("x")``) that was sent more than once is a problem of that field, shown
    beside it like an unreadable one (werkzeug answers the first value and drops the
    rest: ``quantity=1&quantity=5`` had recorded 1, and two usernames signed in the
    first); fields a form sends as a list (a multiple select) are read with
    ``getlist``."""

    def __getitem__(self, key: str) -> str:
        if dict.__contains__(self, key) and len(dict.__getitem__(self, key)) > 1:
            found = g.setdefault("input_problems", {}).setdefault(key, [])
            if SENT_TWICE not in found:
                found.append(SENT_TWICE)
        return super().__getitem__(key)


def problems() -> dict[str, list[str]]:
    """The form's unreadable fields (name → reasons), taken by the view to show them
    beside the fields: from here on, services may be called (to draw the page)."""
    found = g.get("input_problems") or {}
    g.input_problems = {}
    return found


def form() -> MultiDict:
    """The form, or InvalidInput naming each unreadable field: called first in a view's
    ``try``, whose handler shows the service's refusals beside their fields too (and by
    :func:`core.console.auth.ctx`, to raise what no view took)."""
    found = problems()
    if found:
        errors = [FieldError(name, why) for name, reasons in found.items() for why in reasons]
        raise InvalidInput(f"{errors[0].field}: {errors[0].reason}", errors)
    return request.form
