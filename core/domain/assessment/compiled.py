"""A published scheme made ready to score: rule types and params loaded, the
periods of each leaf resolved, indicator codes turned into ids."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from core.domain.models import Period, Scheme
from core.kernel.errors import FieldError, NotFound
from core.kernel.numbers import parse_decimal
from core.kernel.queries import fetch
from core.plugin_api import RuleType

ITEMS_SOURCE = "items"
S = TypeVar("S")


@dataclass(frozen=True)
class Leaf:
    code: str
    points: Decimal
    indicator: int
    rule: RuleType
    rule_name: str
    params: Mapping[str, Any]
    inputs: Mapping[str, int]
    periods: tuple[tuple[int, str], ...]
    combine: Any
    from_items: bool


@dataclass
class CompiledScheme:
    """A published scheme ready to score: rules loaded, periods resolved, ids not codes."""

    code: str
    version: int
    group: str | None
    imported_seq: int
    published_seq: int | None
    total: Decimal
    nodes: list[dict]
    leaves: list[Leaf]
    grades: list[dict]
    post: list[dict]
    outcomes: dict
    subject: str = "unit"

    def describe(self) -> dict:
        return {
            "code": self.code,
            "version": self.version,
            "group": self.group,
            "subject": self.subject,
            "imported_seq": self.imported_seq,
            "published_seq": self.published_seq,
        }


def compile_scheme(
    scheme: Scheme,
    rule_types: Mapping[str, RuleType],
    indicator_ids: Mapping[str, int],
    periods: Sequence[Period],
) -> CompiledScheme:
    definition = json.loads(scheme.definition)
    by_kind: dict[str, list[tuple[int, str]]] = {}
    for period in sorted(periods, key=lambda p: (p.start, p.end)):
        by_kind.setdefault(period.kind, []).append((period.id, period.code))
    leaves = []
    for node in definition["nodes"]:
        if "rule" not in node:
            continue
        rule = rule_types.get(node["rule"]["type"])
        if rule is None:
            raise NotFound(
                f"方案 {scheme.code} 的规则类型 {node['rule']['type']!r} 未安装 "
                f"(rule type {node['rule']['type']!r} of scheme {scheme.code} is not installed)",
                [FieldError("plugins", "请安装提供它的插件 (install the plugin that provides it)")],
            )
        meta = node["meta"]
        try:
            params = rule.params_schema().load(node["rule"]["params"])
        except Exception as exc:  # the rule type's schema, a plugin's: any refusal
            rule, params = _unusable(rule, exc), {}
        leaves.append(
            Leaf(
                code=node["code"],
                points=parse_decimal(node["points"]),
                indicator=indicator_ids[node["indicator"]],
                rule=rule,
                rule_name=node["rule"]["type"],
                params=params,
                inputs={k: indicator_ids[v] for k, v in node.get("inputs", {}).items()},
                periods=tuple(by_kind.get(meta["frequency"], ())),
                combine=meta.get("combine", "mean"),
                from_items=meta.get("source") == ITEMS_SOURCE,
            )
        )
    return CompiledScheme(
        code=scheme.code,
        version=scheme.version,
        group=scheme.group_code,
        imported_seq=scheme.imported_seq,
        published_seq=scheme.published_seq,
        total=parse_decimal(definition["total"]),
        nodes=definition["nodes"],
        leaves=leaves,
        grades=definition.get("grades", []),
        post=definition.get("post", []),
        outcomes=definition.get("outcomes", {}),
        subject=definition.get("subject", "unit"),
    )


def _unusable(rule: RuleType, exc: Exception) -> RuleType:
    """``rule`` for a leaf whose published params its rule type no longer takes (the
    plugin's schema tightened since the scheme was published): the leaf scores 0 with the
    reason as its periods' note, rather than no result of the bureau computing at all."""
    detail = getattr(exc, "normalized_messages", lambda: str(exc))()
    reason = f"方案中的规则参数已不被接受 (the scheme's params are no longer accepted: {detail})"

    def score(*_: Any) -> Decimal:
        raise ValueError(reason)

    return replace(rule, score=score)


_PUBLISHED = (
    select(Scheme)
    .where(Scheme.cycle_id == bindparam("cycle"), Scheme.status == "published")
    .order_by(Scheme.code, Scheme.version)
)
"""Built once: every value written asks it (for the entry checks' leaf metadata)."""


def published_schemes(session: Session, cycle_id: int) -> list[Scheme]:
    """The latest published version of each scheme code in the cycle."""
    latest: dict[str, Scheme] = {}
    for scheme in session.scalars(_PUBLISHED, {"cycle": cycle_id}):
        latest[scheme.code] = scheme
    return list(latest.values())


class SchemeHead(NamedTuple):
    """A published scheme without its definition: enough to choose the one that scores
    a group (:func:`scheme_for_group`) and to know its content by digest."""

    id: int
    code: str
    group: str | None
    subject: str
    digest: str


_HEADS = (
    select(Scheme.id, Scheme.code, Scheme.group_code, Scheme.subject_kind, Scheme.digest)
    .where(Scheme.cycle_id == bindparam("cycle"), Scheme.status == "published")
    .order_by(Scheme.code, Scheme.version)
)


def published_heads(session: Session, cycle_id: int) -> list[SchemeHead]:
    """:func:`published_schemes` as plain rows, for a caller that asks on every value
    written (mapped objects cost several times as much to read)."""
    latest = {row[1]: SchemeHead(*row) for row in fetch(session, _HEADS, {"cycle": cycle_id})}
    return list(latest.values())


def scheme_for_group(schemes: Sequence[S], group: str | None, kind: str = "unit") -> S | None:
    """The scheme that assesses subjects of ``kind`` (unit or person) in ``group``: the
    group's own, else one without a group, which covers subjects whose group has none of
    its own (D-03). Works on stored and compiled schemes alike."""
    mine = [s for s in schemes if _kind(s) == kind]
    own = [s for s in mine if _group(s) == group]
    fallback = [s for s in mine if _group(s) is None]
    return (own or fallback or [None])[0]


def _group(scheme: Scheme | CompiledScheme) -> str | None:
    return scheme.group_code if isinstance(scheme, Scheme) else scheme.group


def _kind(scheme: Scheme | CompiledScheme) -> str:
    return scheme.subject_kind if isinstance(scheme, Scheme) else scheme.subject
