"""No untranslated string: every message the console's code and templates use has a
zh_CN translation, and templates hold no text outside the translation calls."""

from __future__ import annotations

import io
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

CONSOLE = Path(__file__).resolve().parents[2] / "core" / "console"
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.loopcontrols"}}


def _extracted() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        CONSOLE, METHODS, options_map=OPTIONS, keywords={"_": None, "gettext": None}
    ):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def _catalog(locale: str):
    path = CONSOLE / "translations" / locale / "LC_MESSAGES" / "messages.po"
    return read_po(io.BytesIO(path.read_bytes()), locale=locale)


def test_every_message_has_a_chinese_translation():
    used = _extracted()
    assert len(used) > 200  # the extraction found the console's strings
    catalog = _catalog("zh_CN")
    missing = [f"{m!r} ({where[0]})" for m, where in used.items()
               if not (catalog.get(m) and catalog.get(m).string)]  # fmt: skip
    assert not missing, "untranslated (run `make translations`, then translate):\n" + "\n".join(
        missing
    )
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy translations: {fuzzy}"


def test_placeholders_survive_translation():
    catalog = _catalog("zh_CN")
    for message in catalog:
        if message.id:
            names = sorted(re.findall(r"%\((\w+)\)s", message.id))
            assert names == sorted(re.findall(r"%\((\w+)\)s", message.string)), message.id


BLOCKS = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
TAGS = re.compile(r"<!--.*?-->|<(script|style)\b.*?</\1>|<[^>]*>", re.S | re.I)
ALLOWED = re.compile(r"^[\s·|:：;；,，、()（）\[\]/#%–—→≥≤@…*+.\-<>=&;0-9]*$")


def test_templates_have_no_bare_text():
    """Text between tags, outside ``{{ _('…') }}``, would escape translation."""
    problems = []
    for path in sorted((CONSOLE / "templates").rglob("*.html")):
        source = BLOCKS.sub(" ", path.read_text(encoding="utf-8"))
        text = TAGS.sub(" ", source).replace("&nbsp;", " ")
        for line in text.splitlines():
            bare = line.strip()
            if bare and not ALLOWED.match(bare):
                problems.append(f"{path.relative_to(CONSOLE)}: {bare!r}")
    assert not problems, "\n".join(problems)


def test_a_page_in_each_language(app):
    client = app.test_client()
    chinese = client.get("/signin").get_data(as_text=True)
    assert "局代码" in chinese and "Bureau code" not in chinese
    client.set_cookie("lang", "en")
    english = client.get("/signin").get_data(as_text=True)
    assert "Bureau code" in english and "局代码" not in english
