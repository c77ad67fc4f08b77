"""Reading one input cell as a clerk meant it, or saying why it cannot be read.

Spreadsheet programs hand over numbers as floats, text as strings and dates as date
objects. A value cell must hold a number (typed as a number or as text: full-width
digits and a U+2212 minus are accepted, NFKC, as the core does), or for a qualitative
indicator one of the grades listed; a date, a yes/false, ``NaN``, thousands separators,
``1e308`` or more than the platform's digits are refused with the reason. The text
that goes to the submission service is the exact decimal as text; the service checks
it again.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from core.kernel.numbers import as_text, parse_decimal
from core.services.submissions import bilingual

MAX_TEXT = 32_767  # Excel's own limit for one cell
SHA256 = re.compile(r"[0-9a-f]{64}")
SEPARATORS = re.compile(r"[\s,;，；、]+")


class CellError(ValueError):
    """The reason, 中文 (English)."""


def text_of(raw: Any) -> str:
    """A cell as text (numbers without a float's trailing .0)."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    text = str(raw)
    if len(text) > MAX_TEXT:
        raise CellError(
            f"内容过长：{len(text)} 个字符，上限 {MAX_TEXT} "
            f"(the cell holds {len(text)} characters; the limit is {MAX_TEXT})"
        )
    return text.strip()


def is_empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def value(raw: Any, measure: str, choices: Sequence[str] | None) -> str:
    """The value cell as the decimal text (or the grade label) to submit."""
    if isinstance(raw, bool):
        raise CellError("是/否不是数值 (TRUE/FALSE is not a value)")
    if isinstance(raw, (dt.date, dt.time, dt.timedelta)):
        raise CellError(
            "这是日期或时间，不是数值：请把单元格格式设为数字 "
            "(a date or time is not a number: format the cell as a number)"
        )
    if measure == "grade":
        label = unicodedata.normalize("NFKC", text_of(raw))
        if choices and label not in choices:
            raise CellError(
                f"“{label}”不是可选等级，请从列表选择 {'/'.join(choices)} "
                f"({label!r} is not one of the grades: pick from the list)"
            )
        return label
    if isinstance(raw, float) and not math.isfinite(raw):
        raise CellError("不是有效数字 (is not a finite number)")
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < 1e18:
        raw = int(raw)  # a cell typed 93 is read back as 93.0
    if isinstance(raw, str):
        text = text_of(raw)
        if len(text) > 64:
            raise CellError(f"{text[:20]!r}… 不是有效数字 ({text[:20]!r}… is not a decimal number)")
        raw = text
    try:
        return as_text(parse_decimal(raw))
    except ValueError as exc:
        raise CellError(bilingual(str(exc))) from exc


def evidence(raw: Any) -> list[str]:
    """SHA-256 digests (one or more, separated by spaces, commas or new lines)."""
    text = text_of(raw).lower()
    digests = [part for part in SEPARATORS.split(text) if part]
    bad = [d for d in digests if not SHA256.fullmatch(d)]
    if bad:
        raise CellError(
            f"“{bad[0][:20]}”不是 64 位 SHA-256：请先上传佐证文件，再填它的 SHA-256 "
            f"({bad[0][:20]!r} is not a 64-hex SHA-256: upload the file first, then paste "
            "its SHA-256)"
        )
    return digests


def note(raw: Any) -> str:
    return text_of(raw)
