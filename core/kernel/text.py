"""Rules for text a user gives us, the same in every channel and on both databases.

Recorded text must be something a person can read back and a database can store:

* no lone UTF-16 surrogates (not Unicode; PostgreSQL and UTF-8 refuse them);
* no NUL or other control characters except tab and line breaks in multi-line fields
  (PostgreSQL refuses NUL, SQLite silently keeps it; neither is text a person typed);
* no bidirectional overrides, embeddings or isolates (U+202A–U+202E, U+2066–U+2069),
  which can make a name display as something else (the "Trojan Source" trick);
* never longer than the field's limit: text is refused with the limit named, never cut;
* no resident ID-card or mobile number (D-41), even typed on its own: the ledger's last
  guard lets a bare number through as a value, but in a name, a note or a reason it is
  none (fields that hold identifiers by design, or machine keys, say ``personal=False``).

:func:`problem` is the one test; channels and services call :func:`check_text`, and the
ledger runs :func:`problem` over every string it records, so nothing slips past.
"""

from __future__ import annotations

import re

from core.kernel.errors import invalid
from core.kernel.privacy import KINDS_ZH, find_personal_data

# Limits, in characters, of the kinds of text the platform records.
CODE_MAX = 64
NAME_MAX = 200
SUBJECT_MAX = 200
FILENAME_MAX = 255
NOTE_MAX = 2000
REASON_MAX = 4000
DESCRIPTION_MAX = 4000

CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
"""What a code is (bureau, unit, person, indicator, cycle, group…): match with ``fullmatch``."""
CODE_RULE = (
    "须为 1–64 个字母、数字、'_'、'.' 或 '-'，以字母或数字开头 "
    "(use 1–64 letters, digits, '_', '.' or '-', starting with a letter or digit)"
)

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL_ANY = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    chr(plane << 16 | low) for plane in range(17) for low in (0xFFFE, 0xFFFF)
)
_NONCHARACTER = re.compile(f"[{_NONCHARACTERS}]")
"""Unicode noncharacters (U+FDD0–U+FDEF, U+FFFE, U+FFFF and their kin in every plane):
reserved for a program's own use, never text to exchange or record."""
# Everything refused anywhere, in one pass: the fast test run over every recorded string.
_ANY_BAD = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
    + _NONCHARACTERS
    + "]"
)


def _problem(value: str, multiline: bool) -> tuple[str, str] | None:
    """Why ``value`` is not acceptable text, in Chinese and in English, or None."""
    if multiline and _ANY_BAD.search(value) is None:
        return None
    found = _SURROGATE.search(value)
    if found:
        code = f"U+{ord(found.group()):04X}"
        return f"含有孤立代理项 {code}（不是有效的 Unicode）", (
            f"contains a lone surrogate {code} (not valid Unicode)"
        )
    found = (_CONTROL_MULTILINE if multiline else _CONTROL_ANY).search(value)
    if found:
        code = f"U+{ord(found.group()):04X}"
        return f"含有控制字符 {code}", f"contains the control character {code}"
    found = _BIDI.search(value)
    if found:
        code = f"U+{ord(found.group()):04X}"
        return f"含有双向文本控制符 {code}", f"contains the bidirectional control {code}"
    found = _NONCHARACTER.search(value)
    if found:
        code = f"U+{ord(found.group()):04X}"
        return f"含有 Unicode 非字符 {code}", f"contains the Unicode noncharacter {code}"
    return None


def problem(value: str, multiline: bool = True) -> str | None:
    """Why ``value`` is not acceptable text (中文 (English)), or None. ``multiline``
    allows tab, CR, LF."""
    found = _problem(value, multiline)
    return None if found is None else f"{found[0]} ({found[1]})"


def key_problem(key: str) -> str | None:
    """Why a mapping's key is not acceptable text: 键名含有… (a key contains…), or None."""
    found = _problem(key, True)
    return None if found is None else f"键名{found[0]} (a key {found[1]})"


def personal_data_reason(kind: str, key: bool = False) -> str:
    """The refusal of text holding a personal identifier of ``kind`` (D-41)."""
    zh = KINDS_ZH.get(kind, kind)
    return (
        f"{'键名' if key else ''}疑似含有{zh}；个人身份信息只加密保存在人员档案中，"
        f"不得写入记录文本（D-41） ({'a key ' if key else ''}contains what looks like a "
        f"{kind}; personal identifiers are kept encrypted in the person's record, never in "
        "recorded text (D-41))"
    )


_EDGES = re.compile(r"^[\s\u180e\u200b-\u200d\u2060\ufeff]+|[\s\u180e\u200b-\u200d\u2060\ufeff]+$")
"""Whitespace and invisible format characters (zero-width space, joiners, word joiner,
BOM) at either end: text made only of them is empty, not a reason of one U+200B."""


def check_text(
    field: str,
    value: object,
    limit: int,
    *,
    required: bool = True,
    multiline: bool = False,
    row: int | None = None,
    personal: bool = True,
) -> str:
    """``value`` as accepted text (stripped of surrounding whitespace), or InvalidInput
    naming the field, the row and the reason. ``personal=False`` skips the refusal of
    personal identifiers (the person's own encrypted identifiers, importers' keys)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise invalid(field, "须为文本 (must be text)", row)
    text = _EDGES.sub("", value)
    if required and not text:
        raise invalid(field, "不能为空 (must not be empty)", row)
    reason = problem(text, multiline)
    if reason:
        raise invalid(field, reason, row)
    if len(text) > limit:
        size = len(text)
        reason = f"长 {size} 字，上限 {limit} 字 (is {size} characters long; the limit is {limit})"
        raise invalid(field, reason, row)
    found = find_personal_data(text, values=False) if personal and len(text) >= 11 else None
    if found:
        raise invalid(field, personal_data_reason(found[0]), row)
    return text
