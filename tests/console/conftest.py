"""Console fixtures: users with known passwords, and a client that signs in like a
browser (reading the CSRF token from the page it was served)."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

PASSWORD = "correct horse battery staple"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def set_passwords(platform, bureau: str | None = None, password: str = PASSWORD) -> None:
    """Give every user (of ``bureau``) a password they need not change."""
    from core.domain import accounts
    from core.domain.models import Bureau, User

    with platform.db.transaction() as session:
        stmt = select(User)
        if bureau is not None:
            stmt = stmt.join(Bureau, User.bureau_id == Bureau.id).where(Bureau.code == bureau)
        for user in session.scalars(stmt):
            accounts.set_password(session, user, password, must_change=False)


def csrf(client, path: str = "/signin") -> str:
    page = client.get(path)
    found = TOKEN.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


class _FormReader(HTMLParser):
    """The fields of the forms on a page, by action, as a browser would send them
    (inputs but buttons and files, checked boxes, selected options)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, list[tuple[str, str]]] = {}
        self.fields: list[tuple[str, str]] | None = None
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: html.unescape(v or "") for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self.fields = self.forms.setdefault(a.get("action", ""), [])
        elif self.fields is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file") or (
                kind in ("checkbox", "radio") and "checked" not in a
            ):
                return
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self.select = a.get("name")
        elif tag == "option" and self.select and "selected" in a:
            self.fields.append((self.select, a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.fields = None
        elif tag == "select":
            self.select = None


def form_fields(client, path: str, action: str | None = None) -> dict[str, str]:
    """What a browser sends from the form on ``path`` that posts to ``action`` (by
    default to ``path`` itself): the hidden fields it carries, CSRF token included,
    and the values it shows. Several values of one name keep the last."""
    reader = _FormReader()
    reader.feed(client.get(path).get_data(as_text=True))
    return dict(reader.forms[action or path])


def sign_in(client, bureau: str, username: str, password: str = PASSWORD, **extra):
    data = {
        "csrf_token": csrf(client),
        "bureau": bureau,
        "username": username,
        "password": password,
    }
    return client.post("/signin", data=data, **extra)


@pytest.fixture
def demo(platform):
    """The demo bureau (schemes, values, ratings, results) with known passwords."""
    from core.services import setup

    setup.demo(platform)
    set_passwords(platform, "demo")
    return platform


def signed_in(app, bureau: str, username: str):
    client = app.test_client()
    answer = sign_in(client, bureau, username)
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    return client


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    """Argon2id with a small memory cost, so the suite signs in quickly (production
    keeps RFC 9106's parameters; every encoded hash names its own)."""
    from argon2 import PasswordHasher

    from core.domain import accounts

    quick = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "HASHER", quick)
    dummy = quick.hash("not a password of anyone's")
    monkeypatch.setattr(accounts, "dummy_hash", lambda: dummy)
