"""Decimal handling: values and scores are ``Decimal``, stored as strings, rounded half-up.

Half-up (四舍五入) is what assessment rules in Chinese public administration specify;
Python's default banker's rounding would turn 92.125 into 92.12, not 92.13.

Numbers arrive as JSON numbers (read exactly, as ``Decimal``: see
:mod:`core.kernel.jsonio`), spreadsheet cells, YAML or typed text. Text is normalised
the way a Chinese IME user expects (NFKC: full-width ``８５．５`` is ``85.5``; the minus
sign U+2212 is ``-``); digits of other scripts are refused rather than guessed at; ``-0``
is ``0``. A number has at most 18 digits before the point and 12 after, and is never
written with an exponent.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

SCORE_PLACES = 2
INTEGER_DIGITS = 18
FRACTION_DIGITS = 12
MAX_SAFE_INT = 2**53 - 1  # the largest integer every JSON reader keeps exactly
_DECIMAL_TEXT = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?|[+-]?\.[0-9]+")
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2012": "-", "\u2013": "-"})
EXAMPLE = "such as 92.50"
EXAMPLE_ZH = "，如 92.50"


def parse_decimal(value: object) -> Decimal:
    """A finite decimal within the platform's limits; ValueError saying why if not.

    Floats (from YAML) are converted through their shortest repr, so 92.5 becomes
    Decimal("92.5"), not its binary approximation.
    """
    if isinstance(value, bool):
        raise ValueError("true/false 不是数值 (true/false is not a number)")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        if abs(value) >= 10**INTEGER_DIGITS:
            raise ValueError(
                f"整数部分超过 {INTEGER_DIGITS} 位 "
                f"(has more than {INTEGER_DIGITS} digits before the point)"
            )
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        number = _parse_text(value)
    else:
        raise ValueError(f"须为数值{EXAMPLE_ZH} (is not a number {EXAMPLE})")
    return _checked(number)


def _parse_text(value: str) -> Decimal:
    text = unicodedata.normalize("NFKC", value).translate(_MINUS_SIGNS).strip()
    if not _DECIMAL_TEXT.fullmatch(text):
        if any(c.isdigit() and not c.isascii() for c in text):
            raise ValueError(
                f"{value!r} 使用了其他文字的数字：请用阿拉伯数字 0–9 "
                f"({value!r} uses digits of another script; type 0–9)"
            )
        if "," in text and _DECIMAL_TEXT.fullmatch(text.replace(",", "")):
            raise ValueError(
                f"{value!r}：请勿使用千位分隔符 "
                f"({value!r}: write the number without thousands separators)"
            )
        raise ValueError(
            f"{value!r} 不是有效数字{EXAMPLE_ZH} ({value!r} is not a decimal number {EXAMPLE})"
        )
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern excludes these
        raise ValueError(f"{value!r} 不是有效数字 ({value!r} is not a decimal number)") from exc


def _checked(number: Decimal) -> Decimal:
    if not number.is_finite():
        raise ValueError(f"须为有限的数值{EXAMPLE_ZH} (is not a finite number {EXAMPLE})")
    exponent = number.as_tuple().exponent
    places = -exponent if exponent < 0 else 0
    if places > FRACTION_DIGITS:
        # trailing zeros beyond the limit carry no information: 1.5000000000000 is 1.5
        trimmed = _without_trailing_zeros(number)
        if -trimmed.as_tuple().exponent > FRACTION_DIGITS:
            raise ValueError(
                f"小数超过 {FRACTION_DIGITS} 位 (has more than {FRACTION_DIGITS} decimal places)"
            )
        number = trimmed
    if number.adjusted() >= INTEGER_DIGITS:
        raise ValueError(
            f"整数部分超过 {INTEGER_DIGITS} 位 "
            f"(has more than {INTEGER_DIGITS} digits before the point)"
        )
    if number.is_zero():
        return number.copy_abs()  # -0 is 0
    return number


def _without_trailing_zeros(number: Decimal) -> Decimal:
    """``number`` with the zeros after its last significant decimal dropped, exactly.
    ``Decimal.normalize`` rounds to the context's 28 digits first, so
    4.30000000000000000000000000000001 had become 4.3 and a long number 1E+17."""
    if number.is_zero():
        return Decimal(0)
    sign, digits, exponent = number.as_tuple()
    kept = list(digits)
    while exponent < 0 and len(kept) > 1 and kept[-1] == 0:
        kept.pop()
        exponent += 1
    return Decimal((sign, tuple(kept), exponent))


_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(FRACTION_DIGITS + 1)}


def quantize(value: Decimal, places: int = SCORE_PLACES) -> Decimal:
    return value.quantize(_QUANTA[places], rounding=ROUND_HALF_UP)


def as_text(value: Decimal) -> str:
    """The string written to the ledger: plain notation, never an exponent."""
    return format(value, "f")
