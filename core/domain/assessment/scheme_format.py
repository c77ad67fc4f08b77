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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError

from core.domain.cycles import PERIOD_KINDS
from core.domain.organisation import CODE
from core.kernel.errors import FieldError
from core.kernel.numbers import MAX_SAFE_INT, as_text, parse_decimal
from core.kernel.text import NAME_MAX
from core.plugin_api import OutcomeType, PostProcessor, RuleType

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
    "inputs",
    "combine",
    "extra",
    "warn_after",
}
MAX_NODES = 2000
"""Nodes in one scheme version: far more than fit in one ledger entry (64 KiB, about
200 leaves as recorded), so a document past it is refused before its nodes are checked."""
SCHEME_FIELDS = {
    "code",
    "name",
    "name_en",
    "group",
    "total",
    "nodes",
    "description",
    "grades",
    "post",
    "outcomes",
    "subject",
}
SUBJECTS = ("unit", "person")
COMBINE_METHODS = ("mean", "last", "sum")


@dataclass
class _Node:
    path: str
    raw: dict
    parent: str | None


class _Checker:
    def __init__(
        self,
        rule_types: Mapping[str, RuleType],
        indicators: set[str],
        post_processors: Mapping[str, PostProcessor],
        outcome_types: Mapping[str, OutcomeType],
    ) -> None:
        self.rule_types = rule_types
        self.indicators = indicators
        self.post_processors = post_processors
        self.outcome_types = outcome_types
        self.errors: list[FieldError] = []
        self._reported: set[FieldError] = set()

    def fail(self, path: str, reason: str) -> None:
        error = FieldError(path, reason)
        if error not in self._reported:  # a value checked, then made plain, is reported once
            self._reported.add(error)
            self.errors.append(error)

    def plain(self, path: str, value: Any) -> Any:
        """YAML/JSON values → the ledger's restricted JSON: numbers with a fraction or an
        exponent become decimal strings. One that cannot be held exactly (``1e-400``,
        ``1e400``, an integer past 2^53) is reported at its path, like any other error,
        rather than escaping as an exception (a 500) from the middle of the check."""
        if isinstance(value, (float, Decimal)):
            try:
                return as_text(parse_decimal(value))
            except ValueError as exc:
                self.fail(path, str(exc))
                return None
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SAFE_INT:
            self.fail(
                path,
                "整数过大，无法精确保存：请写成字符串 "
                "(an integer this large is not kept exactly: write it as a string)",
            )
            return None
        if isinstance(value, dict):
            return {str(k): self.plain(f"{path}.{k}", v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.plain(f"{path}[{i}]", v) for i, v in enumerate(value)]
        return value

    def decimal(self, path: str, value: Any, minimum: Decimal = Decimal(0)) -> Decimal | None:
        try:
            number = parse_decimal(value)
        except ValueError as exc:
            self.fail(path, str(exc))
            return None
        if number < minimum:
            self.fail(path, f"不得小于 {minimum} (must be at least {minimum})")
            return None
        return number

    def code(self, path: str, value: Any) -> bool:
        if not isinstance(value, str) or not CODE.fullmatch(value):
            self.fail(
                path,
                "须为 1–64 个字母、数字、'_'、'.' 或 '-'，以字母或数字开头 "
                "(use 1–64 letters, digits, '_', '.' or '-', starting alphanumeric)",
            )
            return False
        return True

    # ------------------------------------------------------------------ structure

    def flatten(self, nodes: Any, path: str, parent: str | None, out: list[_Node]) -> None:
        if not isinstance(nodes, list) or not nodes:
            self.fail(path, "须为非空的节点列表 (must be a non-empty list of nodes)")
            return
        for i, raw in enumerate(nodes):
            here = f"{path}[{i}]"
            if not isinstance(raw, dict):
                self.fail(here, "必须是对象 (must be an object)")
                continue
            raw = self.lift_meta(raw, here)
            unknown = sorted(set(raw) - NODE_FIELDS)
            if unknown:
                fields = ", ".join(unknown)
                self.fail(here, f"未知字段：{fields} (unknown field(s): {fields})")
            if parent is not None and "parent" in raw:
                self.fail(
                    f"{here}.parent",
                    "嵌套节点的上级由其位置决定，不能另填 "
                    "(a nested node takes its parent from its position)",
                )
            out.append(_Node(here, raw, parent if parent is not None else raw.get("parent")))
            if "children" in raw:
                self.flatten(raw["children"], f"{here}.children", raw.get("code"), out)

    def text(self, raw: dict, key: str, path: str, default: str = "") -> str:
        """A name, description or label: text, or absent (``default``). Anything else is
        refused at its path: ``str()`` had recorded ``null`` as "None" and an object as
        its Python repr."""
        value = raw.get(key, default)
        if isinstance(value, str):
            return value
        self.fail(path, "须为文本 (must be text)")
        return ""

    def length(self, path: str, text: str) -> None:
        """A name as long as any name the platform keeps (a 40,000-character node name
        was caught only by the ledger entry's size)."""
        if len(text) > NAME_MAX:
            self.fail(
                path,
                f"长 {len(text)} 字，上限 {NAME_MAX} 字 "
                f"(is {len(text)} characters long; the limit is {NAME_MAX})",
            )

    def lift_meta(self, raw: dict, path: str) -> dict:
        """A leaf as a stored definition writes it (its properties under ``meta``, as
        ``GET …/schemes`` answers) read as the leaf a person writes: so a published
        version can be fetched, edited and imported as the next one. A property given
        both ways must agree."""
        meta = raw.get("meta")
        if meta is None:
            return raw
        if not isinstance(meta, dict) or not set(meta) <= NODE_FIELDS - {"children", "parent"}:
            self.fail(f"{path}.meta", "须为末级节点的属性 (must hold a leaf's properties)")
            return {k: v for k, v in raw.items() if k != "meta"}
        for key, value in meta.items():
            if key in raw and raw[key] != value:
                self.fail(
                    f"{path}.{key}",
                    f"与 meta.{key} 不一致 (disagrees with meta.{key}: {raw[key]!r} ≠ {value!r})",
                )
        return {**meta, **{k: v for k, v in raw.items() if k != "meta"}}

    def tree(self, nodes: list[_Node]) -> dict[str, _Node]:
        by_code: dict[str, _Node] = {}
        for node in nodes:
            code = node.raw.get("code")
            if not self.code(f"{node.path}.code", code):
                continue
            if code in by_code:
                self.fail(
                    f"{node.path}.code",
                    f"{code!r} 重复使用（另见 {by_code[code].path}） "
                    f"({code!r} is used twice (also {by_code[code].path}))",
                )
                continue
            by_code[code] = node
        for node in by_code.values():
            if node.parent is not None and node.parent not in by_code:
                self.fail(
                    f"{node.path}.parent", f"没有节点 {node.parent!r} (no node {node.parent!r})"
                )
        for code, node in by_code.items():
            seen, at = {code}, node.parent
            while at is not None and at in by_code:
                if at in seen:
                    self.fail(
                        f"{node.path}.parent",
                        f"节点树经 {code!r} 形成循环 (the tree has a cycle through {code!r})",
                    )
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
            self.fail(
                f"{path}.indicator",
                "末级节点须指明所计分的指标 (a leaf names the indicator it scores)",
            )
        elif indicator not in self.indicators:
            self.fail(
                f"{path}.indicator",
                f"本局指标库中没有指标 {indicator!r} "
                f"(no indicator {indicator!r} in the bureau's library)",
            )
        out["indicator"] = indicator
        out["rule"] = self.rule(f"{path}.rule", raw.get("rule"))
        combine = self.combine(f"{path}.combine", raw.get("combine", "mean"))
        rule_type = self.rule_types.get(out["rule"]["type"]) if out["rule"] else None
        if combine == "sum" and rule_type is not None and rule_type.inputs != "value":
            self.fail(
                f"{path}.combine",
                f"sum 只能相加数值；规则 {out['rule']['type']} 读取的是 {rule_type.inputs} "
                f"(sum adds up numbers; rule {out['rule']['type']} reads {rule_type.inputs})",
            )
        if raw.get("direction", "higher") not in DIRECTIONS:
            choices = ", ".join(DIRECTIONS)
            self.fail(f"{path}.direction", f"须为以下之一：{choices} (one of {choices})")
        if raw.get("frequency", "year") not in PERIOD_KINDS:
            choices = ", ".join(PERIOD_KINDS)
            self.fail(f"{path}.frequency", f"须为以下之一：{choices} (one of {choices})")
        if not isinstance(raw.get("evidence", False), bool):
            self.fail(f"{path}.evidence", "须为 true 或 false (true or false)")
        if raw.get("target") is not None:
            self.decimal(f"{path}.target", raw["target"], Decimal("-1e18"))
        warn_after = raw.get("warn_after", 3)
        if isinstance(warn_after, bool) or not isinstance(warn_after, int) or warn_after < 1:
            self.fail(
                f"{path}.warn_after",
                "须为期间个数，至少为 1 (a whole number of periods, at least 1)",
            )
        out["meta"] = {
            "unit": self.text(raw, "unit", f"{path}.unit"),
            "direction": raw.get("direction", "higher"),
            "target": self.plain(f"{path}.target", raw.get("target")),
            "frequency": raw.get("frequency", "year"),
            "source": self.text(raw, "source", f"{path}.source"),
            "evidence": raw.get("evidence", False),
            "combine": combine,
            "warn_after": warn_after,
        }
        inputs = raw.get("inputs", {})
        if not isinstance(inputs, dict):
            self.fail(
                f"{path}.inputs",
                "须为输入名到指标代码的映射 (a mapping of input name to indicator code)",
            )
        else:
            for name, code in inputs.items():
                if code not in self.indicators:
                    self.fail(
                        f"{path}.inputs.{name}",
                        f"指标库中没有指标 {code!r} (no indicator {code!r} in the library)",
                    )
            if inputs:
                out["inputs"] = dict(inputs)
        return out

    def combine(self, path: str, combine: Any) -> Any:
        """How a leaf's periods make its cycle score: the mean of their scores, the last
        one, weights by period code adding up to 1 (e.g. quarters 0.15 each, year 0.4),
        or ``sum``: the periods' inputs added up and scored once (daily points, D-11)."""
        if isinstance(combine, str) and combine in COMBINE_METHODS:
            return combine
        if isinstance(combine, dict) and combine:
            weights = [self.decimal(f"{path}.{k}", v) for k, v in combine.items()]
            if None not in weights and sum(weights, Decimal(0)) != 1:
                self.fail(path, "各期间权重之和须为 1 (period weights must add up to 1)")
            return self.plain(path, combine)
        methods = ", ".join(COMBINE_METHODS)
        self.fail(
            path,
            f"须为 {methods} 之一，或 {{期间: 权重}} (one of {methods} or {{period: weight}})",
        )
        return None

    def rule(self, path: str, rule: Any) -> dict | None:
        if not isinstance(rule, dict) or not isinstance(rule.get("type"), str):
            self.fail(
                path, "末级节点须有计分规则 {type, params} (a leaf needs a rule {type, params})"
            )
            return None
        rule_type = self.rule_types.get(rule["type"])
        if rule_type is None:
            known = ", ".join(sorted(self.rule_types)) or "none installed"
            self.fail(
                f"{path}.type",
                f"未知的规则类型 {rule['type']!r}（可用：{known}） "
                f"(unknown rule type {rule['type']!r} (known: {known}))",
            )
            return None
        params = self.plain(f"{path}.params", rule.get("params", {}))
        self.params(f"{path}.params", rule_type.params_schema, params)
        return {"type": rule["type"], "params": params}

    def sums(self, by_code: dict[str, _Node], points: dict[str, Decimal], total: Decimal) -> None:
        children: dict[str | None, list[str]] = {}
        for code, node in by_code.items():
            children.setdefault(node.parent, []).append(code)
        for parent, kids in children.items():
            if parent is not None and parent not in by_code:
                continue  # an unknown parent is reported on its own
            kids = [k for k in kids if by_code[k].raw.get("extra") is not True]
            if not kids or any(k not in points for k in kids):
                continue
            got = sum((points[k] for k in kids), Decimal(0))
            want, where = (
                (total, "total")
                if parent is None
                else (points.get(parent), f"{by_code[parent].path}.points")
            )
            if want is not None and got != want:
                got_text, want_text = as_text(got), as_text(want)
                self.fail(
                    where,
                    f"下级分值合计 {got_text}，应为 {want_text} "
                    f"(children add up to {got_text}, not {want_text})",
                )

    # ------------------------------------------------------------------ results

    def grades(self, grades: Any) -> list[dict]:
        """Grades best first: ``{code, name, min?, quota?}``; ``min`` is the lowest total
        for the grade, ``quota`` the largest share of the group that may have it."""
        if grades is None:
            return []
        if not isinstance(grades, list):
            self.fail("grades", "须为等次列表，由高到低 (a list of grades, best first)")
            return []
        out, seen, last_min = [], set(), None
        for i, grade in enumerate(grades):
            path = f"grades[{i}]"
            if not isinstance(grade, dict) or not self.code(f"{path}.code", grade.get("code")):
                continue
            if grade["code"] in seen:
                self.fail(
                    f"{path}.code", f"{grade['code']!r} 重复使用 ({grade['code']!r} is used twice)"
                )
            seen.add(grade["code"])
            name = self.text(grade, "name", f"{path}.name", grade["code"])
            entry = {"code": grade["code"], "name": name}
            if grade.get("min") is not None:
                low = self.decimal(f"{path}.min", grade["min"], Decimal("-1e18"))
                if low is not None and last_min is not None and low > last_min:
                    self.fail(
                        f"{path}.min",
                        "等次由高到低排列：min 不得上升 (grades go best first: min must not rise)",
                    )
                last_min = low if low is not None else last_min
                entry["min"] = self.plain(f"{path}.min", grade["min"])
            if grade.get("quota") is not None:
                quota = self.decimal(f"{path}.quota", grade["quota"], Decimal("0.0001"))
                if quota is not None and quota > 1:
                    self.fail(
                        f"{path}.quota", "组内比例，最多为 1 (a share of the group, at most 1)"
                    )
                entry["quota"] = self.plain(f"{path}.quota", grade["quota"])
            out.append(entry)
        if out and "min" in out[-1]:
            self.fail(
                f"grades[{len(out) - 1}].min",
                "最后一个等次兜底其余所有对象：不设 min "
                "(the last grade takes everyone left: no min)",
            )
        return out

    def post(self, steps: Any, codes: set[str]) -> list[dict]:
        if steps is None:
            return []
        if not isinstance(steps, list):
            self.fail("post", "须为 {type, params} 的列表 (a list of {type, params})")
            return []
        out = []
        for i, step in enumerate(steps):
            path = f"post[{i}]"
            kind = step.get("type") if isinstance(step, dict) else None
            processor = self.post_processors.get(kind) if isinstance(kind, str) else None
            if processor is None:
                known = ", ".join(sorted(self.post_processors)) or "none installed"
                self.fail(
                    f"{path}.type",
                    f"未知的后处理 {kind!r}（可用：{known}） "
                    f"(unknown post-processor {kind!r} (known: {known}))",
                )
                continue
            params = self.plain(f"{path}.params", step.get("params", {}))
            self.params(f"{path}.params", processor.params_schema, params)
            if "node" in params and params["node"] not in codes:
                self.fail(
                    f"{path}.params.node",
                    f"方案中没有节点 {params['node']!r} (no node {params['node']!r} in the scheme)",
                )
            if "indicator" in params and params["indicator"] not in self.indicators:
                self.fail(
                    f"{path}.params.indicator",
                    f"没有指标 {params['indicator']!r} (no indicator {params['indicator']!r})",
                )
            out.append({"type": kind, "params": params})
        return out

    def outcomes(self, section: Any, grades: list[dict]) -> dict:
        """``{outcome type: params}``: each named type installed, its params valid, and
        every grade they name one of the scheme's ``grades``."""
        if not isinstance(section, dict):
            self.fail(
                "outcomes",
                "须为结果类型到其参数的映射 (a mapping of outcome type to its parameters)",
            )
            return {}
        for name, params in section.items():
            outcome = self.outcome_types.get(name)
            if outcome is None:
                known = ", ".join(sorted(self.outcome_types)) or "none installed"
                self.fail(
                    f"outcomes.{name}",
                    f"未知的结果类型（可用：{known}） (unknown outcome type (known: {known}))",
                )
                continue
            loaded = self.params(f"outcomes.{name}", outcome.params_schema, params)
            if loaded is not None and outcome.grades is not None:
                try:
                    named = list(outcome.grades(loaded))
                except Exception as exc:  # a plugin's: its failure is a refusal here
                    self.fail(f"outcomes.{name}", f"无法读取等次 (cannot read its grades: {exc})")
                    continue
                self.named_grades(f"outcomes.{name}", named, grades)
        return section

    def named_grades(self, path: str, named: Iterable[str], grades: list[dict]) -> None:
        defined = [g["code"] for g in grades]
        unknown = sorted(set(named) - set(defined))
        if unknown:
            shown = ", ".join(unknown)
            listed = ", ".join(defined) or "无 none"
            self.fail(
                path,
                f"方案没有等次 {shown}（方案的等次：{listed}） "
                f"(names grade(s) {shown} the scheme does not define (its grades: {listed}))",
            )

    def params(self, path: str, schema: type, params: Any) -> Any:
        """``params`` loaded with ``schema``, or None after recording why not."""
        try:
            return schema().load(params)
        except ValidationError as exc:
            for name, reasons in exc.normalized_messages().items():
                text = "; ".join(map(str, reasons)) if isinstance(reasons, list) else str(reasons)
                self.fail(f"{path}.{name}", text)
        except TypeError as exc:
            self.fail(path, str(exc))
        return None


def normalise(
    doc: Any,
    rule_types: Mapping[str, RuleType],
    indicators: set[str],
    post_processors: Mapping[str, PostProcessor] | None = None,
    outcome_types: Mapping[str, OutcomeType] | None = None,
) -> tuple[dict | None, list[FieldError]]:
    """Validate a scheme document; returns its normal form, or None and every error."""
    check = _Checker(rule_types, indicators, post_processors or {}, outcome_types or {})
    if not isinstance(doc, dict):
        return None, [
            FieldError(
                "scheme",
                "须为含 code、name 和 nodes 的对象 (must be an object with code, name and nodes)",
            )
        ]
    unknown = sorted(set(doc) - SCHEME_FIELDS)
    if unknown:
        fields = ", ".join(unknown)
        check.fail("scheme", f"未知字段：{fields} (unknown field(s): {fields})")
    check.code("code", doc.get("code"))
    texts = {field: check.text(doc, field, field) for field in ("name", "name_en", "description")}
    if isinstance(doc.get("name", ""), str) and not texts["name"].strip():
        check.fail("name", "不能为空 (must not be empty)")  # absent or blank (else: not text)
    for field in ("name", "name_en"):
        check.length(field, texts[field])
    if doc.get("group") is not None:
        check.code("group", doc.get("group"))
    subject = doc.get("subject", "unit")
    if subject not in SUBJECTS:
        choices = ", ".join(SUBJECTS)
        check.fail(
            "subject",
            f"须为 {choices} 之一：方案的考核对象 (one of {choices}: what the scheme assesses)",
        )
    total = check.decimal("total", doc.get("total", "100"), Decimal("0.01"))
    flat: list[_Node] = []
    check.flatten(doc.get("nodes"), "nodes", None, flat)
    if len(flat) > MAX_NODES:
        # checked before the nodes are: a version is one ledger entry (at most 64 KiB),
        # which no scheme of this many nodes fits, and checking each would only delay
        # the answer (20,000 nodes took minutes, holding the bureau's lock)
        return None, [
            FieldError(
                "nodes",
                f"共 {len(flat)} 个节点，每个方案版本至多 {MAX_NODES} 个 "
                f"({len(flat)} nodes; a scheme version has at most {MAX_NODES})",
            )
        ]
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
            "name": check.text(node.raw, "name", f"{node.path}.name"),
            "name_en": check.text(node.raw, "name_en", f"{node.path}.name_en"),
            "points": as_text(value) if value is not None else None,
        }
        if isinstance(node.raw.get("name", ""), str) and not entry["name"].strip():
            check.fail(f"{node.path}.name", "不能为空 (must not be empty)")
        for field in ("name", "name_en"):
            check.length(f"{node.path}.{field}", entry[field])
        if node.raw.get("extra", False) is not False:
            if node.raw["extra"] is not True or node.parent is not None:
                check.fail(
                    f"{node.path}.extra",
                    "只能在顶层加分节点上设为 true (true, on a top-level bonus node only)",
                )
            entry["extra"] = True
        if code in has_children:
            for field in ("rule", "indicator"):
                if field in node.raw:
                    check.fail(
                        f"{node.path}.{field}",
                        "只有末级节点计分；此节点有下级 "
                        "(only leaves are scored; this node has children)",
                    )
        else:
            entry.update(check.leaf(node))
        nodes.append(entry)
    if total is not None:
        check.sums(by_code, points, total)
    grades = check.grades(doc.get("grades"))
    post = check.post(doc.get("post"), set(by_code))
    outcomes = check.outcomes(check.plain("outcomes", doc.get("outcomes", {})), grades)
    if check.errors:
        return None, check.errors
    normal = {
        "code": doc["code"],
        "name": texts["name"],
        "name_en": texts["name_en"],
        "group": doc.get("group"),
        "total": as_text(total),
        "description": texts["description"],
        "nodes": nodes,
        "grades": grades,
        "post": post,
        "outcomes": outcomes,
    }
    if subject != "unit":  # kept out otherwise, so earlier unit schemes keep their digest
        normal["subject"] = subject
    return normal, []


def digest(definition: dict) -> str:
    """Content hash of a normal form: re-importing the same scheme is recognised."""
    import hashlib

    text = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
