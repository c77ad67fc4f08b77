"""Small helpers the pages share (choosing the cycle and period to show, optional
sections, downloads)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, request

from core.console import auth
from core.kernel.errors import FieldError, Forbidden, NotFound
from core.kernel.files import content_disposition
from core.services import cycles

T = TypeVar("T")


def attempt(call: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """A section of a page shown only if the service lets the caller see it."""
    try:
        return call(*args, **kwargs)
    except Forbidden:
        return None


def choose_cycle(bureau: str) -> tuple[list[dict], dict | None]:
    """The bureau's cycles and the one asked for (``?cycle=``), else the one running
    today, else the latest."""
    found = cycles.listing(auth.ctx(), bureau)
    wanted = request.args.get("cycle")
    today = dt.date.today().isoformat()
    chosen = next((c for c in found if c["code"] == wanted), None)
    if wanted and chosen is None:  # never show, or record into, another cycle than asked
        codes = ", ".join(c["code"] for c in found)
        raise NotFound(
            f"没有周期 {wanted[:64]!r} (no such cycle)",
            [FieldError("cycle", f"须为以下之一：{codes} (one of {codes})")],
        )
    chosen = chosen or next((c for c in found if c["start"] <= today <= c["end"]), None)
    return found, chosen or (found[-1] if found else None)


def chosen_period(cycle: dict, kinds: tuple[str, ...] = ()) -> str | None:
    """The period asked for (``period``, in the query or the form), else the running one;
    NotFound for a period the cycle does not have."""
    wanted = request.values.get("period")
    if wanted:
        if any(p["code"] == wanted for p in cycle["periods"]):
            return wanted
        codes = ", ".join(p["code"] for p in cycle["periods"])
        raise NotFound(
            f"周期 {cycle['code']} 没有期间 {wanted[:64]!r} (no such period)",
            [FieldError("period", f"须为以下之一：{codes} (one of {codes})")],
        )
    found = current_period(cycle, kinds)
    return found["code"] if found else None


def current_period(cycle: dict, kinds: tuple[str, ...] = ()) -> dict | None:
    """The cycle's period running today (shortest first), else its latest that ended."""
    today = dt.date.today().isoformat()
    periods = [p for p in cycle["periods"] if not kinds or p["kind"] in kinds]
    running = sorted(
        (p for p in periods if p["start"] <= today <= p["end"]), key=lambda p: p["end"]
    )
    if running:
        return running[0]
    ended = sorted((p for p in periods if p["end"] < today), key=lambda p: p["end"])
    return ended[-1] if ended else (periods[0] if periods else None)


def period_state(period: dict) -> str:
    today = dt.date.today().isoformat()
    if period["end"] < today:
        return "ended"
    return "running" if period["start"] <= today else "future"


def download(content: bytes, filename: str, mimetype: str, inline: bool = False) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(filename, inline)
    return response
