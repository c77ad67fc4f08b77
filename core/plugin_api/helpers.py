"""Arithmetic plugins keep needing: half-up rounding, trimmed means, sharing a pool."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_DOWN, Decimal

from core.kernel.numbers import as_text, parse_decimal, quantize

FEN = Decimal("0.01")
RATER_ROLES = ("superior", "service_recipient", "third_party", "peer", "self", "public", "expert")
"""Who rates a subject (D-13, D-14): superior 上级, service recipients 服务对象, third
parties 第三方, peers 同级, self 自评, the public 公众, experts 专家 (drawn onto panels)."""

__all__ = [
    "FEN",
    "RATER_ROLES",
    "as_text",
    "parse_decimal",
    "quantize",
    "share_pool",
    "trimmed_mean",
]


def trimmed_mean(scores: Sequence[Decimal], trim: int) -> Decimal | None:
    """Mean after dropping the ``trim`` highest and lowest scores (去掉最高分和最低分);
    with too few scores to trim, the plain mean. None when there are no scores."""
    if not scores:
        return None
    ordered = sorted(scores)
    if trim and len(ordered) > 2 * trim:
        ordered = ordered[trim:-trim]
    return sum(ordered, Decimal(0)) / len(ordered)


def share_pool(pool: Decimal, weights: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Split ``pool`` in proportion to ``weights``, in fen, adding up exactly (largest
    remainder; equal remainders go to the lower code)."""
    total = sum(weights.values(), Decimal(0))
    if not total:
        return {key: Decimal("0.00") for key in weights}
    exact = {key: pool * w / total for key, w in weights.items()}
    shares = {key: v.quantize(FEN, rounding=ROUND_DOWN) for key, v in exact.items()}
    left = int((pool.quantize(FEN, rounding=ROUND_DOWN) - sum(shares.values())) / FEN)
    by_remainder = sorted(exact, key=lambda key: (-(exact[key] - shares[key]), key))
    for key in by_remainder[:left]:
        shares[key] += FEN
    return shares
