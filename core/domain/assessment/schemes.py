"""Scheme versions: importing (validated, then recorded as the next version), publishing
(freezing a version), and what a scheme uses. A version is never rewritten (D-06)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.domain.assessment.compiled import published_schemes
from core.domain.assessment.scheme_format import digest, normalise
from core.domain.cycles import get_cycle
from core.domain.models import Bureau, Cycle, Indicator, Scheme
from core.domain.work import BureauWork
from core.kernel.errors import Conflict, FieldError, InvalidInput, NotFound, invalid
from core.kernel.numbers import MAX_SAFE_INT

RULE_HOOK = "jixiao_rule_types"
POST_HOOK = "jixiao_post_processors"
OUTCOME_HOOK = "jixiao_outcome_types"
KINDS = {
    RULE_HOOK: ("规则", "rule"),
    POST_HOOK: ("后处理", "post-processor"),
    OUTCOME_HOOK: ("结果类型", "outcome type"),
}
"""What a scheme takes from plugins, by hook: (Chinese, English) names for messages."""


def find_version(
    session: Session, bureau: Bureau, cycle: Cycle, code: object, version: object
) -> Scheme:
    scheme = None
    if isinstance(code, str) and isinstance(version, int) and 0 < version <= MAX_SAFE_INT:
        scheme = session.scalar(
            select(Scheme).where(
                Scheme.bureau_id == bureau.id,
                Scheme.cycle_id == cycle.id,
                Scheme.code == code,
                Scheme.version == version,
            )
        )
    if scheme is None:
        raise NotFound(
            f"周期 {cycle.code} 中没有方案 {code!r} 的第 {version} 版 "
            f"(no scheme {code!r} version {version} in cycle {cycle.code})",
            [FieldError("version", "没有此方案版本 (no such scheme version)")],
        )
    return scheme


def import_scheme(
    work: BureauWork, cycle_code: str, doc: Any, template: str | None = None
) -> Scheme:
    """Validate and record a scheme as the next version (a draft); identical content is
    recognised and returns the existing version instead of adding one. Every error is
    reported at once, naming its path in the document."""
    cycle = get_cycle(work.session, work.bureau, cycle_code)
    indicators = set(
        work.session.scalars(select(Indicator.code).where(Indicator.bureau_id == work.bureau.id))
    )
    definition, errors = normalise(
        doc,
        work.contributions(RULE_HOOK),
        indicators,
        work.contributions(POST_HOOK),
        work.contributions(OUTCOME_HOOK),
    )
    errors += _fits_cycle(definition, cycle) if not errors else []
    if errors:
        raise InvalidInput(
            f"方案有 {len(errors)} 处错误，未记录任何内容 "
            f"(the scheme has {len(errors)} error(s); nothing was recorded)",
            errors,
        )
    content = digest(definition)
    latest = work.session.scalar(
        select(Scheme)
        .where(
            Scheme.bureau_id == work.bureau.id,
            Scheme.cycle_id == cycle.id,
            Scheme.code == definition["code"],
        )
        .order_by(Scheme.version.desc())
        .limit(1)
    )
    if latest is not None and latest.digest == content:
        return latest
    version = (latest.version if latest else 0) + 1
    data = {"cycle": cycle.code, "version": version, "digest": content, "definition": definition}
    if template:
        data["template"] = template
    work.log.record("scheme.imported", data)
    return find_version(work.session, work.bureau, cycle, definition["code"], version)


def _fits_cycle(definition: dict, cycle: Cycle) -> list[FieldError]:
    """``combine`` weights keyed by periods the cycle has, of the leaf's frequency (a
    weight for 2026-Q9 would never meet a value). A leaf whose frequency the cycle has
    no periods of is allowed: templates are imported before a cycle is completed."""
    kinds: dict[str, set[str]] = {}
    for period in cycle.periods:
        kinds.setdefault(period.kind, set()).add(period.code)
    errors = []
    for node in definition["nodes"]:
        meta = node.get("meta", {})
        combine = meta.get("combine")
        if "rule" not in node or not isinstance(combine, dict):
            continue
        kind = meta.get("frequency", "year")
        unknown = sorted(set(combine) - kinds.get(kind, set()))
        if unknown:
            errors.append(FieldError(f"node {node['code']}.combine", f"周期中没有期间 "
                                     f"{', '.join(unknown)} (not {kind} periods of cycle "
                                     f"{cycle.code})"))  # fmt: skip
    return errors


def publish_scheme(work: BureauWork, cycle_code: str, code: str, version: int | None) -> Scheme:
    """Freeze a version (default: the latest). A published version is never changed."""
    cycle = get_cycle(work.session, work.bureau, cycle_code)
    if version is None:
        version = work.session.scalar(
            select(func.max(Scheme.version)).where(
                Scheme.bureau_id == work.bureau.id,
                Scheme.cycle_id == cycle.id,
                Scheme.code == code,
            )
        )
        if version is None:
            raise NotFound(
                f"周期 {cycle.code} 中没有方案 {code!r} (no scheme {code!r} in cycle {cycle.code})",
                [FieldError("code", "没有此方案 (no such scheme)")],
            )
    scheme = find_version(work.session, work.bureau, cycle, code, version)
    if scheme.status == "published":
        raise Conflict(
            f"{code} 第 {version} 版已发布 ({code} version {version} is already published)",
            [FieldError("version", "已发布 (already published)")],
        )
    taken = _group_taken(work.session, cycle, scheme)
    if taken is not None:
        group = scheme.group_code or "（无组）(no group)"
        raise Conflict(
            f"第 {group} 组已由方案 {taken.code} 第 {taken.version} 版考核：一组只由一个方案考核 "
            f"(group {group} is assessed by scheme {taken.code} v{taken.version} already: "
            "one scheme per group)",
            [
                FieldError(
                    "group",
                    f"请先将方案 {taken.code} 改到别的组，或将本方案改到别的组 "
                    f"(move {taken.code} or this scheme to another group first)",
                )
            ],
        )
    missing = _not_installed(work, json.loads(scheme.definition))
    if missing:  # a draft imported while a plugin was installed, which since was not
        raise Conflict(
            f"{code} 第 {version} 版用到未安装的插件内容，不能发布 "
            f"({code} version {version} uses what no installed plugin provides; "
            "it cannot be published)",
            missing,
        )
    data = {"cycle": cycle.code, "code": code, "version": version, "digest": scheme.digest}
    work.log.record("scheme.published", data)
    return scheme


def describe(scheme: Scheme) -> dict:
    definition = json.loads(scheme.definition)
    return {
        "code": scheme.code,
        "version": scheme.version,
        "name": scheme.name,
        "group": scheme.group_code,
        "subject": scheme.subject_kind,
        "status": scheme.status,
        "digest": scheme.digest,
        "cycle": scheme.cycle.code,
        "nodes": len(definition["nodes"]),
        "definition": definition,
    }


def listing(session: Session, bureau: Bureau, cycle_code: str | None = None) -> list[Scheme]:
    stmt = select(Scheme).where(Scheme.bureau_id == bureau.id)
    if cycle_code:
        stmt = stmt.where(Scheme.cycle_id == get_cycle(session, bureau, cycle_code).id)
    return list(session.scalars(stmt.order_by(Scheme.code, Scheme.version)))


def uses(definition: dict) -> set[tuple[str, str]]:
    """What a scheme needs from plugins: (hook, name) of its rules, post-processors and
    outcome types."""
    found = {(RULE_HOOK, n["rule"]["type"]) for n in definition["nodes"] if "rule" in n}
    found |= {(POST_HOOK, step["type"]) for step in definition.get("post", [])}
    found |= {(OUTCOME_HOOK, name) for name in definition.get("outcomes", {})}
    return found


def _group_taken(session: Session, cycle: Cycle, scheme: Scheme) -> Scheme | None:
    """The published scheme of another code that already assesses ``scheme``'s group
    and kind of subject (for a scheme without a group: the subjects no group's own
    scheme covers). Two would leave the choice to the codes' alphabetical order."""
    for other in published_schemes(session, cycle.id):
        same = (other.group_code, other.subject_kind) == (scheme.group_code, scheme.subject_kind)
        if same and other.code != scheme.code:
            return other
    return None


def _not_installed(work: BureauWork, definition: dict) -> list[FieldError]:
    """The scheme's rules, post-processors and outcome types no installed plugin of the
    bureau provides (published, the scheme could never be scored)."""
    errors = []
    for hook, name in sorted(uses(definition)):
        if name not in work.contributions(hook):
            zh, en = KINDS[hook]
            errors.append(
                FieldError(
                    "plugins",
                    f"{zh} {name} 未安装，请先安装提供它的插件 "
                    f"({en} {name} is not installed: install the plugin that provides it)",
                )
            )
    return errors


def check_version_arg(version: object) -> int | None:
    """A version number given by a caller (None: the latest)."""
    if version is None:
        return None
    if isinstance(version, bool) or not isinstance(version, int) or not 0 < version <= MAX_SAFE_INT:
        raise invalid("version", "须为从 1 起的版本号 (a version number from 1)")
    return version
