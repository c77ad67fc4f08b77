"""Marshmallow's and webargs' own reasons, Chinese first.

Schemas (the core's and plugins') rely on marshmallow's default messages ("Not a valid
date.", "Length must be between 1 and 200."), which reached users in English only while
every message jixiao writes itself is ``中文 (English)``. Both places that flatten schema
errors into field errors (:func:`core.kernel.errors.field_errors` and the API's
``problems.flatten_messages``) pass each reason through :func:`chinese_first`, so a
plugin's schema gets the same treatment without doing anything. The English is kept
word for word, so clients matching it still do.
"""

from __future__ import annotations

import re
from functools import cache

_CJK = re.compile(r"[\u3400-\u9fff]")

_MESSAGES: tuple[tuple[str, str], ...] = (
    (r"^Missing data for required field\.$", "必填"),
    (r"^Field may not be null\.$", "不能为空"),
    (r"^Unknown field\.$", "不是可接受的字段"),
    (r"^Invalid input type\.$", "类型不对"),
    (r"^Not a valid string\.$", "须为文本"),
    (r"^Not a valid integer\.$", "须为整数"),
    (r"^Not a valid number\.$", "须为数字"),
    (r"^Number too large\.$", "数字过大"),
    (r"^Special numeric values \(nan or infinity\)", "不接受 NaN 或无穷大"),
    (r"^Not a valid boolean\.$", "须为是或否"),
    (r"^Not a valid date\.$", "不是有效日期（YYYY-MM-DD）"),
    (r"^Not a valid datetime\.$", "不是有效的日期时间"),
    (r"^Not a valid time\.$", "不是有效时间"),
    (r"^Not a valid list\.$", "须为列表"),
    (r"^Not a valid mapping type\.$", "须为对象"),
    (r"^Not a valid email address\.$", "不是有效的电子邮件地址"),
    (r"^Not a valid URL\.$", "不是有效网址"),
    (r"^Not a valid UUID\.$", "不是有效的 UUID"),
    (r"^Shorter than minimum length \d+\.$", "长度不足"),
    (r"^Longer than maximum length \d+\.$", "超过长度上限"),
    (r"^Length must be between \d+ and \d+\.$", "长度超出范围"),
    (r"^Length must be \d+\.$", "长度不对"),
    (r"^Must be (greater|less) than", "超出允许范围"),
    (r"^Must be one of: ", "不是可选值之一"),
    (r"^String does not match expected pattern\.$", "格式不对"),
    (r"^Invalid value\.$", "取值无效"),
    (r"^Must be equal to ", "取值不对"),
    (r"^Invalid (input|type)\.$", "类型不对"),
    (r"^One or more of the choices you made was (not )?in: ", "含有不允许的选项"),
    (r"cannot be formatted as ", "无法按所需格式输出"),
    (r"^Not a valid ", "格式不对"),  # the other field types (tuple, IP address, …)
)


@cache
def _known() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Compiled on first use: a command that refuses nothing never pays for them."""
    return tuple((re.compile(pattern), chinese) for pattern, chinese in _MESSAGES)


def chinese_first(reason: str) -> str:
    """``reason`` as ``中文 (English)`` when it is one of the libraries' own English
    messages; anything that already holds Chinese, or is not known, is left alone."""
    if _CJK.search(reason):
        return reason
    for pattern, chinese in _known():
        if pattern.search(reason):
            return f"{chinese} ({reason})"
    return reason
