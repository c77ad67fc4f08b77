"""Scheme documents as plugins ship and adapt them (D-03, D-06).

A sector plugin keeps its schemes as YAML files in its package (the format of
docs/schemes.md) and its :class:`~core.plugin_api.SchemeTemplate` renders them with a
bureau's settings: points moved between nodes, rule params and grade lines changed.
These helpers do the parts every such ``render`` needs, so that what it returns still
passes the scheme validator: points keep adding up (shared out in fen by the largest
remainder) and numbers are written as decimal text, as the ledger records them.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator, Mapping
from decimal import Decimal
from importlib import resources
from typing import Any

from core.kernel.numbers import as_text, parse_decimal
from core.plugin_api.helpers import share_pool

__all__ = [
    "find_node",
    "leaves",
    "load_template",
    "plain_numbers",
    "set_grade",
    "walk",
    "with_points",
]


@functools.cache
def _read(package: str, folder: str, filename: str) -> Any:
    import yaml  # here, not above: every command imports the plugin API, few read YAML

    text = resources.files(package).joinpath(folder, filename).read_text("utf-8")
    return yaml.safe_load(text)


def load_template(package: str, filename: str, folder: str = "templates") -> Any:
    """A YAML file shipped in ``package``'s ``folder`` (list it as package data), parsed
    once and returned as a fresh deep copy: rendering never changes the next caller's."""
    return copy.deepcopy(_read(package, folder, filename))


def walk(nodes: list[dict], above: tuple[dict, ...] = ()) -> Iterator[tuple[dict, tuple]]:
    """Every node of a nested tree with its ancestors (outermost first), depth first."""
    for node in nodes:
        yield node, above
        yield from walk(node.get("children", []), (*above, node))


def leaves(doc: Mapping[str, Any]) -> Iterator[dict]:
    """The scored nodes of a scheme document, in the tree's order."""
    return (node for node, _ in walk(doc["nodes"]) if not node.get("children"))


def find_node(doc: Mapping[str, Any], code: str) -> dict:
    """Node ``code`` of a scheme document; KeyError naming the scheme when it has none."""
    for node, _ in walk(doc["nodes"]):
        if node["code"] == code:
            return node
    raise KeyError(
        f"方案 {doc.get('code')!r} 没有节点 {code!r} "
        f"(scheme {doc.get('code')!r} has no node {code!r})"
    )


def _number(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else parse_decimal(value)


def _rescale(node: dict, points: Decimal) -> None:
    """Give ``node`` new points and share them among its children in proportion to their
    current points, down the tree, in fen (largest remainder, ties to the lower code)."""
    old = _number(node["points"])
    node["points"] = as_text(points)
    children = node.get("children") or []
    if not children:
        return
    if not old:
        raise ValueError(
            f"节点 {node['code']!r} 分值为 0，无法按比例分配 "
            f"(node {node['code']!r} has 0 points: nothing to share by)"
        )
    shares = share_pool(points, {c["code"]: _number(c["points"]) for c in children})
    for child in children:
        _rescale(child, shares[child["code"]])


def _resum(node: dict) -> Decimal:
    children = node.get("children")
    if children:
        node["points"] = as_text(sum((_resum(c) for c in children), Decimal(0)))
    return _number(node["points"])


def with_points(doc: Mapping[str, Any], points: Mapping[str, Any]) -> dict:
    """A copy of ``doc`` with nodes re-weighted (D-06: weights change by configuration,
    never by hand-editing sums): an inner node's children share its new points in
    proportion, and every inner node is then the sum of its children. Raises KeyError
    for an unknown code and ValueError when the scored top nodes no longer add up to
    the scheme's ``total``."""
    out = copy.deepcopy(dict(doc))
    for code, value in points.items():
        _rescale(find_node(out, code), _number(value))
    for node in out["nodes"]:
        _resum(node)
    total = _number(out.get("total", 100))
    scored = sum((_number(n["points"]) for n in out["nodes"] if not n.get("extra")), Decimal(0))
    if scored != total:
        raise ValueError(
            f"方案 {out.get('code')!r}：顶层节点合计 {as_text(scored)}，应为 {as_text(total)} "
            f"(scheme {out.get('code')!r}: top nodes add up to {as_text(scored)}, "
            f"not {as_text(total)})"
        )
    return out


def set_grade(doc: dict, code: str, **fields: Any) -> None:
    """Change grade ``code``'s ``min``/``quota``/``name`` in place (None removes the
    field); KeyError when the scheme has no such grade."""
    for grade in doc.get("grades", []):
        if grade["code"] == code:
            for name, value in fields.items():
                if value is None:
                    grade.pop(name, None)
                else:
                    grade[name] = plain_numbers(value)
            return
    raise KeyError(
        f"方案 {doc.get('code')!r} 没有等次 {code!r} "
        f"(scheme {doc.get('code')!r} has no grade {code!r})"
    )


def plain_numbers(value: Any) -> Any:
    """Decimals anywhere in a structure as decimal text (what schemes and the ledger
    take); everything else unchanged."""
    if isinstance(value, Decimal):
        return as_text(value)
    if isinstance(value, Mapping):
        return {k: plain_numbers(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_numbers(v) for v in value]
    return value
