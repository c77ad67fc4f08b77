"""Indicator schemes (指标体系, D-01…D-06): the file format, its validation and normal form.

A scheme is a weighted tree of nodes for one cycle and one unit group (D-03). Inner nodes
carry ``points`` (their share of the total); leaves also name the indicator they score and
a ``rule`` ``{type, params}`` from a plugin of the bureau. The tree may be written nested
(``children``) or flat (``parent`` codes); both normalise to the same flat list, which is
what the ledger records. See docs/schemes.md for the format.

Validation collects every error, each naming the path in the submitted document
(``nodes[0].children[1].rule.params.target``) and the reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError

from core.cycles import PERIOD_KINDS
from core.errors import FieldError
from core.hookspecs import RuleType
from core.numbers import as_text, parse_decimal
from core.organisation import CODE

DIRECTIONS = ("higher", "lower")
NODE_FIELDS = {
    "code",
    "name",
    "name_en",
    "points",
    "children",
    "parent",
    "indicator",
    "rule",
    "unit",
    "direction",
    "target",
    "frequency",
    "source",
    "evidence",
}
SCHEME_FIELDS = {"code", "name", "name_en", "group", "total", "nodes", "description"}


@dataclass
class _Node:
    path: str
    raw: dict
    parent: str | None


def plain(value: Any) -> Any:
    """YAML/JSON values → the ledger's restricted JSON: floats become decimal strings."""
    if isinstance(value, float):
        return as_text(parse_decimal(value))
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


class _Checker:
    def __init__(self, rule_types: Mapping[str, RuleType], indicators: set[str]) -> None:
        self.rule_types = rule_types
        self.indicators = indicators
        self.errors: list[FieldError] = []

    def fail(self, path: str, reason: str) -> None:
        self.errors.append(FieldError(path, reason))

    def decimal(self, path: str, value: Any, minimum: Decimal = Decimal(0)) -> Decimal | None:
        try:
            number = parse_decimal(value)
        except ValueError as exc:
            self.fail(path, str(exc))
            return None
        if number < minimum:
            self.fail(path, f"must be at least {minimum}")
            return None
        return number

    def code(self, path: str, value: Any) -> bool:
        if not isinstance(value, str) or not CODE.fullmatch(value):
            self.fail(path, "use 1–64 letters, digits, '_', '.' or '-', starting alphanumeric")
            return False
        return True

    # ------------------------------------------------------------------ structure

    def flatten(self, nodes: Any, path: str, parent: str | None, out: list[_Node]) -> None:
        if not isinstance(nodes, list) or not nodes:
            self.fail(path, "must be a non-empty list of nodes")
            return
        for i, raw in enumerate(nodes):
            here = f"{path}[{i}]"
            if not isinstance(raw, dict):
                self.fail(here, "must be an object")
                continue
            unknown = sorted(set(raw) - NODE_FIELDS)
            if unknown:
                self.fail(here, f"unknown field(s): {', '.join(unknown)}")
            if parent is not None and "parent" in raw:
                self.fail(f"{here}.parent", "a nested node takes its parent from its position")
            out.append(_Node(here, raw, parent if parent is not None else raw.get("parent")))
            if "children" in raw:
                self.flatten(raw["children"], f"{here}.children", raw.get("code"), out)

    def tree(self, nodes: list[_Node]) -> dict[str, _Node]:
        by_code: dict[str, _Node] = {}
        for node in nodes:
            code = node.raw.get("code")
            if not self.code(f"{node.path}.code", code):
                continue
            if code in by_code:
                self.fail(
                    f"{node.path}.code", f"{code!r} is used twice (also {by_code[code].path})"
                )
                continue
            by_code[code] = node
        for node in by_code.values():
            if node.parent is not None and node.parent not in by_code:
                self.fail(f"{node.path}.parent", f"no node {node.parent!r}")
        for code, node in by_code.items():
            seen, at = {code}, node.parent
            while at is not None and at in by_code:
                if at in seen:
                    self.fail(f"{node.path}.parent", f"the tree has a cycle through {code!r}")
                    break
                seen.add(at)
                at = by_code[at].parent
        return by_code

    # ------------------------------------------------------------------ nodes

    def leaf(self, node: _Node) -> dict:
        raw, path = node.raw, node.path
        out: dict[str, Any] = {}
        indicator = raw.get("indicator")
        if indicator is None:
            self.fail(f"{path}.indicator", "a leaf names the indicator it scores")
        elif indicator not in self.indicators:
            self.fail(f"{path}.indicator", f"no indicator {indicator!r} in the bureau's library")
        out["indicator"] = indicator
        out["rule"] = self.rule(f"{path}.rule", raw.get("rule"))
        if raw.get("direction", "higher") not in DIRECTIONS:
            self.fail(f"{path}.direction", f"one of {', '.join(DIRECTIONS)}")
        if raw.get("frequency", "year") not in PERIOD_KINDS:
            self.fail(f"{path}.frequency", f"one of {', '.join(PERIOD_KINDS)}")
        if not isinstance(raw.get("evidence", False), bool):
            self.fail(f"{path}.evidence", "true or false")
        if raw.get("target") is not None:
            self.decimal(f"{path}.target", raw["target"], Decimal("-1e18"))
        out["meta"] = {
            "unit": str(raw.get("unit", "")),
            "direction": raw.get("direction", "higher"),
            "target": plain(raw.get("target")),
            "frequency": raw.get("frequency", "year"),
            "source": str(raw.get("source", "")),
            "evidence": raw.get("evidence", False),
        }
        return out

    def rule(self, path: str, rule: Any) -> dict | None:
        if not isinstance(rule, dict) or not isinstance(rule.get("type"), str):
            self.fail(path, "a leaf needs a rule {type, params}")
            return None
        rule_type = self.rule_types.get(rule["type"])
        if rule_type is None:
            known = ", ".join(sorted(self.rule_types)) or "none installed"
            self.fail(f"{path}.type", f"unknown rule type {rule['type']!r} (known: {known})")
            return None
        params = plain(rule.get("params", {}))
        try:
            rule_type.params_schema().load(params)
        except ValidationError as exc:
            for name, reasons in exc.normalized_messages().items():
                text = "; ".join(map(str, reasons)) if isinstance(reasons, list) else str(reasons)
                self.fail(f"{path}.params.{name}", text)
        except TypeError as exc:
            self.fail(f"{path}.params", str(exc))
        return {"type": rule["type"], "params": params}

    def sums(self, by_code: dict[str, _Node], points: dict[str, Decimal], total: Decimal) -> None:
        children: dict[str | None, list[str]] = {}
        for code, node in by_code.items():
            children.setdefault(node.parent, []).append(code)
        for parent, kids in children.items():
            if any(k not in points for k in kids):
                continue
            got = sum((points[k] for k in kids), Decimal(0))
            want, where = (
                (total, "total")
                if parent is None
                else (points.get(parent), f"{by_code[parent].path}.points")
            )
            if want is not None and got != want:
                self.fail(where, f"children add up to {as_text(got)}, not {as_text(want)}")


def normalise(
    doc: Any, rule_types: Mapping[str, RuleType], indicators: set[str]
) -> tuple[dict | None, list[FieldError]]:
    """Validate a scheme document; returns its normal form, or None and every error."""
    check = _Checker(rule_types, indicators)
    if not isinstance(doc, dict):
        return None, [FieldError("scheme", "must be an object with code, name and nodes")]
    unknown = sorted(set(doc) - SCHEME_FIELDS)
    if unknown:
        check.fail("scheme", f"unknown field(s): {', '.join(unknown)}")
    check.code("code", doc.get("code"))
    if not str(doc.get("name", "")).strip():
        check.fail("name", "must not be empty")
    if doc.get("group") is not None:
        check.code("group", doc.get("group"))
    total = check.decimal("total", doc.get("total", "100"), Decimal("0.01"))
    flat: list[_Node] = []
    check.flatten(doc.get("nodes"), "nodes", None, flat)
    by_code = check.tree(flat)
    has_children = {n.parent for n in by_code.values()}
    nodes, points = [], {}
    for code, node in by_code.items():
        value = check.decimal(f"{node.path}.points", node.raw.get("points"))
        if value is not None:
            points[code] = value
        entry = {
            "code": code,
            "parent": node.parent,
            "name": str(node.raw.get("name", "")),
            "name_en": str(node.raw.get("name_en", "")),
            "points": as_text(value) if value is not None else None,
        }
        if not entry["name"].strip():
            check.fail(f"{node.path}.name", "must not be empty")
        if code in has_children:
            for field in ("rule", "indicator"):
                if field in node.raw:
                    check.fail(
                        f"{node.path}.{field}", "only leaves are scored; this node has children"
                    )
        else:
            entry.update(check.leaf(node))
        nodes.append(entry)
    if total is not None and not check.errors:
        check.sums(by_code, points, total)
    if check.errors:
        return None, check.errors
    return {
        "code": doc["code"],
        "name": str(doc["name"]),
        "name_en": str(doc.get("name_en", "")),
        "group": doc.get("group"),
        "total": as_text(total),
        "description": str(doc.get("description", "")),
        "nodes": nodes,
    }, []


def digest(definition: dict) -> str:
    """Content hash of a normal form: re-importing the same scheme is recognised."""
    import hashlib

    text = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
