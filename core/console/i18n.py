"""Chinese first, English available (Flask-Babel).

Message ids are English; ``translations/zh_CN`` translates every one of them (a test
fails on any untranslated string) and ``en`` is the identity. The language is the
``lang`` cookie the switch in the page header sets, else zh_CN: offices expect Chinese,
and a browser's Accept-Language says little about the reader of a shared office PC.

Catalogs are kept as ``.po`` text in the repository and compiled to ``.mo`` in the
instance folder when the app starts (only when a ``.po`` is newer), so nothing binary
is committed and an installed package needs no build step.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, request
from flask_babel import Babel

SOURCE = Path(__file__).resolve().parent / "translations"
LOCALES = ("zh_CN", "en")
DEFAULT = "zh_CN"
LANG_COOKIE = "lang"


def select_locale() -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    return chosen if chosen in LOCALES else DEFAULT


def compile_catalogs(target: Path) -> Path:
    """``.po`` → ``.mo`` under ``target`` where missing or older than the source."""
    for po in SOURCE.glob("*/LC_MESSAGES/messages.po"):
        # Babel reads zh_CN as zh_Hans_CN and looks for the catalog under that name
        mo = target / str(Locale.parse(po.parts[-3])) / "LC_MESSAGES" / "messages.mo"
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.parts[-3])
        # a temporary file of this process's own: gunicorn's workers start together and
        # compile at once (a shared "messages.tmp" was renamed away under the other)
        with tempfile.NamedTemporaryFile("wb", dir=mo.parent, suffix=".tmp", delete=False) as fh:
            write_mo(fh, catalog)
        Path(fh.name).replace(mo)
    return target


def init_app(app: Flask) -> None:
    folder = compile_catalogs(Path(app.instance_path) / "translations")
    app.config.update(
        BABEL_DEFAULT_LOCALE=DEFAULT,
        BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",
        BABEL_TRANSLATION_DIRECTORIES=str(folder),
    )
    Babel(app, locale_selector=select_locale)
