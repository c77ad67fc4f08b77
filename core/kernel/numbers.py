"""Decimal handling: values and scores are ``Decimal``, stored as strings, rounded half-up.

Half-up (四舍五入) is what assessment rules in Chinese public administration specify;
Python's default banker's rounding would turn 92.125 into 92.12, not 92.13.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

SCORE_PLACES = 2
_DECIMAL_TEXT = re.compile(r"-?\d{1,18}(\.\d{1,12})?")


def parse_decimal(value: object) -> Decimal:
    """A finite decimal from a string like ``"92.50"`` or a JSON number; ValueError if not.

    Floats are accepted from JSON and converted through their shortest repr, so 92.5
    becomes Decimal("92.5"), not its binary approximation.
    """
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, (int, float)):
        value = repr(value)
    if not isinstance(value, str) or not _DECIMAL_TEXT.fullmatch(value.strip()):
        raise ValueError(f"{value!r} is not a decimal number such as 92.50")
    try:
        return Decimal(value.strip())
    except InvalidOperation as exc:  # pragma: no cover - the pattern already excludes these
        raise ValueError(f"{value!r} is not a decimal number") from exc


_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(13)}


def quantize(value: Decimal, places: int = SCORE_PLACES) -> Decimal:
    return value.quantize(_QUANTA[places], rounding=ROUND_HALF_UP)


def as_text(value: Decimal) -> str:
    """The string written to the ledger: plain notation, never an exponent."""
    return format(value, "f")
