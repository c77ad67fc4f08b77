"""Entry checks of the built-in rule set."""

from __future__ import annotations

from core.hookspecs import ValueContext


def percentage_range(ctx: ValueContext) -> list[str]:
    """A value of a percentage indicator outside 0–100 is almost always a typing slip."""
    if ctx.extra.get("measure") == "%" and not 0 <= ctx.value <= 100:
        return [f"百分比超出0–100 (percentage {ctx.value} outside 0–100)"]
    return []
