"""Helpers for scheme templates kept as YAML: read them, find nodes, apply a bureau's
settings (leaf points, rule params) and keep the tree adding up.

Shared by the ``tax`` and ``staffing_office`` plugins (one copy, here); NEEDS.md proposes
it for ``core.plugin_api``. Everything works on plain dicts in the nested form of
docs/schemes.md and never mutates the caller's data unless the name says so.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from core.numbers import as_text, parse_decimal
from plugins.tax.contributions import GroupSpec, IndicatorSpec


def load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_library(path: Path) -> tuple[list[GroupSpec], list[IndicatorSpec]]:
    """A sector library file: ``groups`` and ``indicators`` lists."""
    doc = load_yaml(path)
    groups = [GroupSpec(**g) for g in doc.get("groups", [])]
    indicators = [IndicatorSpec(**i) for i in doc.get("indicators", [])]
    return groups, indicators


def walk(nodes: list[dict], parents: tuple[dict, ...] = ()) -> Iterator[tuple[dict, tuple]]:
    """Every node of a nested tree with its ancestors (outermost first), depth first."""
    for node in nodes:
        yield node, parents
        yield from walk(node.get("children", []), (*parents, node))


def leaves(doc: Mapping[str, Any]) -> Iterator[tuple[dict, tuple]]:
    return ((n, up) for n, up in walk(doc["nodes"]) if not n.get("children"))


def find_node(doc: Mapping[str, Any], code: str) -> dict:
    for node, _ in walk(doc["nodes"]):
        if node["code"] == code:
            return node
    raise KeyError(f"no node {code!r} in scheme {doc.get('code')!r}")


def find_post(doc: Mapping[str, Any], kind: str, node: str | None = None) -> dict:
    """The scheme's post-processing step of type ``kind`` (acting on ``node``)."""
    for step in doc.get("post", []):
        if step["type"] == kind and (node is None or step["params"].get("node") == node):
            return step
    raise KeyError(f"no post step {kind!r} on {node!r} in scheme {doc.get('code')!r}")


def with_leaf_points(doc: Mapping[str, Any], points: Mapping[str, Any]) -> dict:
    """A copy of ``doc`` with the given leaves re-weighted and every inner node's points
    recomputed as the sum of its children, so the tree still adds up (D-06: weights
    change by configuration, never by hand-editing sums).

    Raises ``KeyError`` for a code that is not a leaf and ``ValueError`` when the
    scored top nodes no longer add up to the scheme's ``total``."""
    out = copy.deepcopy(dict(doc))
    leaf_codes = {n["code"] for n, _ in leaves(out)}
    unknown = sorted(set(points) - leaf_codes)
    if unknown:
        raise KeyError(f"not leaves of {out.get('code')!r}: {', '.join(unknown)}")
    for node, _ in leaves(out):
        if node["code"] in points:
            node["points"] = as_text(number(points[node["code"]]))
    for node in out["nodes"]:
        _resum(node)
    total = number(out.get("total", 100))
    scored = sum((number(n["points"]) for n in out["nodes"] if not n.get("extra")), Decimal(0))
    if scored != total:
        raise ValueError(
            f"scheme {out.get('code')!r}: top nodes add up to {as_text(scored)}, "
            f"not {as_text(total)}"
        )
    return out


def _resum(node: dict) -> Decimal:
    children = node.get("children")
    if children:
        node["points"] = as_text(sum((_resum(c) for c in children), Decimal(0)))
    return number(node["points"])


def number(value: Any) -> Decimal:
    """A Decimal from a Decimal, or from YAML/JSON text or numbers (see parse_decimal)."""
    return value if isinstance(value, Decimal) else parse_decimal(value)


def set_rule_params(doc: dict, code: str, **params: Any) -> None:
    """Set params of leaf ``code``'s rule in place (decimals written as text)."""
    rule = find_node(doc, code)["rule"]
    rule["params"] = {**rule.get("params", {}), **{k: _text(v) for k, v in params.items()}}


def _text(value: Any) -> Any:
    if isinstance(value, Decimal):
        return as_text(value)
    if isinstance(value, dict):
        return {k: _text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_text(v) for v in value]
    return value


def as_plain(value: Any) -> Any:
    """Decimals anywhere in a structure → text, as schemes and the ledger want them."""
    return _text(value)
