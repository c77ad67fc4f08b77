"""Reading a plugin's YAML templates and applying a bureau's settings to them.

A sector plugin ships its indicator library (``templates/library.yaml``: groups and
indicators) and one scheme per file, in the scheme format of docs/schemes.md. Its
``render(settings)`` loads fresh copies and changes points, rule params and grade lines
with the helpers here, so what it returns still passes the core's scheme validator:
points keep adding up (children are rescaled to the fen by the largest remainder) and
every number is written as a decimal string.

Shared by the sector plugins (education, community correction); a candidate for the
public plugin API (see plugins/education/NEEDS.md).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from decimal import ROUND_DOWN, Decimal
from functools import cache
from importlib import resources
from typing import Any

import yaml

from core.numbers import as_text, parse_decimal

FEN = Decimal("0.01")


@cache
def _read(package: str, name: str) -> Any:
    return yaml.safe_load(resources.files(package).joinpath("templates", name).read_text("utf-8"))


def load(package: str, name: str) -> Any:
    """A template of ``package`` (e.g. ``plugins.education``), parsed once and returned
    as a fresh deep copy, so rendering never changes what the next caller gets."""
    return copy.deepcopy(_read(package, name))


def walk(nodes: list[dict]) -> Iterator[dict]:
    """Every node of a nested tree, parents before their children."""
    for node in nodes:
        yield node
        yield from walk(node.get("children", []))


def node(doc: Mapping[str, Any], code: str) -> dict:
    """The node ``code`` of a scheme document; KeyError naming the scheme if absent."""
    for found in walk(doc["nodes"]):
        if found["code"] == code:
            return found
    raise KeyError(f"scheme {doc['code']} has no node {code!r}")


def leaves(doc: Mapping[str, Any]) -> Iterator[dict]:
    return (n for n in walk(doc["nodes"]) if "children" not in n)


def points(value: Any) -> Decimal:
    return parse_decimal(value if isinstance(value, str) else str(value))


def rescale(target: dict, new_points: Decimal) -> None:
    """Give a node ``new_points`` and share them among its children in proportion to
    their current points, down the tree, in fen: each child gets its exact share
    rounded down, and the fen left over go to the largest remainders (ties: the earlier
    child), so the children add up to the parent exactly, as the validator requires."""
    old = points(target["points"])
    target["points"] = as_text(new_points)
    kids = target.get("children", [])
    if not kids:
        return
    if not old:
        raise ValueError(f"node {target['code']} has 0 points: nothing to rescale by")
    exact = [points(k["points"]) * new_points / old for k in kids]
    shares = [e.quantize(FEN, rounding=ROUND_DOWN) for e in exact]
    left = int((new_points - sum(shares, Decimal(0))) / FEN)
    by_remainder = sorted(range(len(kids)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in by_remainder[:left]:
        shares[i] += FEN
    for kid, share in zip(kids, shares, strict=True):
        rescale(kid, share)


def set_grade_lines(
    doc: dict, mins: Mapping[str, Decimal], quotas: Mapping[str, Decimal | None] | None = None
) -> None:
    """Set the ``min`` (and ``quota``, None removing it) of the grades named."""
    quotas = quotas or {}
    for grade in doc.get("grades", []):
        if grade["code"] in mins:
            grade["min"] = as_text(mins[grade["code"]])
        if grade["code"] in quotas:
            quota = quotas[grade["code"]]
            if quota is None:
                grade.pop("quota", None)
            else:
                grade["quota"] = as_text(quota)


def plain_numbers(value: Any) -> Any:
    """Decimals as decimal strings, recursively: what the ledger and JSON accept."""
    if isinstance(value, Decimal):
        return as_text(value)
    if isinstance(value, Mapping):
        return {k: plain_numbers(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_numbers(v) for v in value]
    return value


def library(package: str) -> dict:
    """The plugin's ``templates/library.yaml``: ``{groups: [...], indicators: [...]}``,
    each indicator ``{code, name, name_en, measure}``."""
    return load(package, "library.yaml")
