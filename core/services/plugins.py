"""Plugins (插件): what is available, what each bureau installed, its settings, and
trying a rule."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError

from core.domain.assessment import schemes
from core.domain.assessment.compiled import published_schemes
from core.domain.assessment.scoring import RuleFailed, rule_score
from core.domain.cycles import open_cycles
from core.domain.plugin_host import PluginError, PluginHost
from core.kernel.errors import (
    Conflict,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    field_errors,
    invalid,
)
from core.kernel.numbers import as_text, parse_decimal
from core.plugin_api import PluginContext
from core.services.context import Context, Work

HOOKS = (schemes.RULE_HOOK, schemes.POST_HOOK, schemes.OUTCOME_HOOK)


def available(ctx: Context) -> list[dict[str, Any]]:
    host = ctx.platform.plugins
    return [
        {
            "name": info.name,
            "version": info.version,
            "hooks": list(info.hooks),
            "source": info.source,
            "settings": host.settings_schema(info.name) is not None,
        }
        for info in (host.info(n) for n in host.names())
    ]


def installations(ctx: Context) -> dict[str, list[str]]:
    """plugin → the bureaus that installed it (platform admins)."""
    from sqlalchemy import select

    from core.domain.models import Bureau, PluginInstallation

    with ctx.platform_reading() as work:
        work.require_platform_admin()
        found: dict[str, list[str]] = {}
        rows = work.session.execute(
            select(PluginInstallation.plugin, Bureau.code)
            .join(Bureau, PluginInstallation.bureau_id == Bureau.id)
            .order_by(Bureau.code)
        )
        for plugin, code in rows:
            found.setdefault(plugin, []).append(code)
        return found


def installed(ctx: Context, bureau: str) -> list[dict[str, Any]]:
    with ctx.reading(bureau, "bureau.read") as work:
        return [
            {"name": name, "version": ctx.platform.plugins.info(name).version}
            for name in work.installed
        ]


def _info(ctx: Context, name: object):
    if not isinstance(name, str) or len(name) > 100:
        raise NotFound(
            f"没有名为 {name!r} 的插件 (no plugin named {name!r})",
            [FieldError("plugin", "没有此插件 (unknown plugin)")],
        )
    host = ctx.platform.plugins
    if host.try_load([name]):
        known = ", ".join(host.names())
        raise NotFound(
            f"没有名为 {name!r} 的插件；可用：{known} "
            f"(no plugin named {name!r}; available: {known})",
            [
                FieldError(
                    "plugin",
                    "本服务器未安装（请用 pip 安装后重试） "
                    "(not installed on this server (pip install it, then retry))",
                )
            ],
        )
    try:
        return host.info(name)
    except PluginError as exc:
        raise NotFound(str(exc), [FieldError("plugin", str(exc))]) from exc


def install(ctx: Context, bureau: str, name: object) -> dict[str, Any]:
    """Install a plugin for a bureau (recorded in its ledger); a plugin installed with
    pip while the server runs is loaded now."""
    info = _info(ctx, name)
    with ctx.writing(bureau, "plugins.manage") as work:
        if info.name in work.installed:
            raise Conflict(
                f"局 {work.bureau.code} 已安装 {info.name} "
                f"({info.name} is already installed for {work.bureau.code})",
                [FieldError("plugin", "已安装 (already installed)")],
            )
        ctx.platform.refresh_catalogue()
        work.log.record("plugin.installed", {"plugin": info.name, "version": info.version})
        work.forget_plugins()
        return {"plugin": info.name, "version": info.version}


def _users_of(work: Work, name: str) -> list[str]:
    """Published schemes of open cycles that use something ``name`` contributes."""
    mine = {
        (hook, item.name) for hook in HOOKS for plugin, item in work.collect(hook) if plugin == name
    }
    found = []
    for cycle in open_cycles(work.session, work.bureau):
        for scheme in published_schemes(work.session, cycle.id):
            for hook, item in sorted(schemes.uses(json.loads(scheme.definition)) & mine):
                kind_zh, kind = schemes.KINDS[hook]
                found.append(
                    f"周期 {cycle.code} 的方案 {scheme.code} 第 {scheme.version} 版"
                    f"使用了{kind_zh} {item} "
                    f"(scheme {scheme.code} v{scheme.version} (cycle {cycle.code}) "
                    f"uses {kind} {item})"
                )
    return found


def uninstall(ctx: Context, bureau: str, name: object) -> None:
    """Uninstall; refused while a published scheme of an open cycle uses the plugin.
    Its entries stay in the ledger (and verify); its hooks stop answering."""
    with ctx.writing(bureau, "plugins.manage") as work:
        if name not in work.installed:
            raise NotFound(
                f"局 {work.bureau.code} 未安装 {name} "
                f"({name} is not installed for {work.bureau.code})",
                [FieldError("plugin", "未安装 (not installed)")],
            )
        users = _users_of(work, name)
        if users:
            raise Conflict(
                f"无法卸载 {name} (cannot uninstall {name}): " + "; ".join(users),
                [FieldError("plugin", u) for u in users],
            )
        work.log.record("plugin.uninstalled", {"plugin": name})
        work.forget_plugins()


@contextmanager
def plugin_context(
    ctx: Context, bureau: str, name: str, write: bool = False
) -> Iterator[PluginContext]:
    """A plugin's own context for one bureau, inside a unit of work, for the plugin's
    commands (as :func:`core.plugin_api.current_context` is for its API views and
    console pages): its settings, read access, its records and, when ``write`` (bureau
    admins), ``record`` for the event kinds it declares, committed on leaving (rolled
    back if the block raises). 404 when the bureau has not installed the plugin; 403 for
    a role limited to some units (commands show the whole bureau)."""
    with plugin_view(ctx, bureau, name, write) as found:
        yield found


@contextmanager
def plugin_view(
    ctx: Context,
    bureau: str,
    name: str,
    write: bool,
    scoped: bool = False,
    permission: str = "bureau.manage",
) -> Iterator[PluginContext]:
    """The unit of work behind one of a plugin's views (an API endpoint, a console page,
    a command): reading results as they stand, or writing with ``permission``. The one
    place that decides who reaches a plugin's views:

    * 404 where the bureau has not installed the plugin;
    * 403 for a role limited to some units (reporters), unless the view is ``scoped``:
      it declared that it shows only ``context.units``. A plugin's pages otherwise show
      the whole bureau (every unit's notice, incident or rank), which the core's own
      reads never show a reporter."""
    manager = ctx.writing(bureau, permission) if write else ctx.current(bureau, "bureau.read")
    with manager as work:
        yield _view_context(work, name, write, scoped)


def sees_whole_bureau(ctx: Context) -> bool:
    """Whether the caller reaches plugins' views that are not ``scoped``."""
    return ctx.principal.unit_scope() is None


def unit_codes(work: Work, ids: frozenset[int]) -> frozenset[str]:
    """The codes of the bureau's units among ``ids``."""
    from sqlalchemy import select

    from core.domain.models import Unit

    return frozenset(
        work.session.scalars(
            select(Unit.code).where(Unit.bureau_id == work.bureau.id, Unit.id.in_(sorted(ids)))
        )
    )


def _view_context(work: Work, name: str, write: bool, scoped: bool) -> PluginContext:
    if name not in work.installed:
        raise NotFound(
            f"局 {work.bureau.code} 未安装插件 {name} "
            f"(plugin {name} is not installed for bureau {work.bureau.code})",
            [FieldError("plugin", "未安装 (not installed)")],
        )
    found = work.context_for(name)
    scope = work.unit_scope()
    if scope is not None:
        if not scoped:
            raise Forbidden(
                f"插件 {name} 的页面显示全局数据，仅限局级角色 "
                f"(plugin {name}'s views show the whole bureau: "
                f"role {work.principal.role} sees its own units through the core's pages)"
            )
        found = dataclasses.replace(found, units=unit_codes(work, scope))
    return found if write else dataclasses.replace(found, record=None, regroup=None)


def settings(ctx: Context, bureau: str, name: str) -> dict[str, Any]:
    """A plugin's settings for the bureau, defaults filled in."""
    with ctx.reading(bureau, "bureau.read") as work:
        if name not in work.installed:
            raise NotFound(
                f"局 {work.bureau.code} 未安装 {name} "
                f"({name} is not installed for {work.bureau.code})",
                [FieldError("plugin", "未安装 (not installed)")],
            )
        return _plain(dict(work.context_for(name).settings))


def configure(ctx: Context, bureau: str, name: str, values: object) -> dict[str, Any]:
    """Set a plugin's settings for the bureau: validated by the plugin's schema,
    recorded as ``plugin.configured``, seen by its hooks from then on. Setting what is
    already in effect (defaults included) records nothing: a PUT is idempotent, and a
    console form saved unchanged had appended identical entries."""
    if not isinstance(values, dict):
        raise invalid("settings", "须为“设置项 → 值”的对象 (an object of setting → value)")
    host = ctx.platform.plugins
    with ctx.writing(bureau, "plugins.manage") as work:
        if name not in work.installed:
            raise NotFound(
                f"局 {work.bureau.code} 未安装 {name} "
                f"({name} is not installed for {work.bureau.code})",
                [FieldError("plugin", "未安装 (not installed)")],
            )
        try:
            loaded = host.load_settings(name, values)
        except ValidationError as exc:
            errors = field_errors(exc.normalized_messages(), "settings")
            raise InvalidInput(f"{name} 的设置有误 (invalid settings for {name})", errors) from exc
        errors = list(_numbers_out_of_range(loaded, "settings"))
        if errors:
            raise InvalidInput(f"{name} 的设置有误 (invalid settings for {name})", errors)
        recorded = _plain(loaded)
        if recorded == _in_effect(host, work, name):
            return recorded  # as in effect already: a repeated save records nothing
        work.log.record("plugin.configured", {"plugin": name, "settings": recorded})
        work.forget_plugins()
        return recorded


def _in_effect(host: PluginHost, work: Work, name: str) -> dict[str, Any] | None:
    """The plugin's settings in effect, read through its schema as new ones are (so
    defaults compare alike); None if they no longer load (a schema that changed)."""
    try:
        return _plain(host.load_settings(name, _plain(dict(work.context_for(name).settings))))
    except ValidationError:
        return None


def _numbers_out_of_range(value: Any, path: str) -> Iterator[FieldError]:
    """Numbers in settings beyond what the platform computes with (18 digits before the
    point, 12 after): a plugin's schema may bound only the low end, and 1e309 or a
    30-digit pay standard had been stored and then failed every computation."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers_out_of_range(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _numbers_out_of_range(item, f"{path}[{index}]")
    elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        try:
            parse_decimal(value)
        except ValueError as exc:
            yield FieldError(path, f"数值超出范围 (out of range: {exc})")


def _plain(value: Any) -> Any:
    """Settings as the ledger records them: decimals as strings."""
    if isinstance(value, Decimal):
        return as_text(value)
    if isinstance(value, float):
        return as_text(parse_decimal(value))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def rule_types(ctx: Context, bureau: str) -> list[dict[str, Any]]:
    with ctx.reading(bureau, "bureau.read") as work:
        return [
            {"name": r.name, "title": r.title, "description": r.description, "inputs": r.inputs}
            for r in work.contributions(schemes.RULE_HOOK).values()
        ]


def evaluate(
    ctx: Context, bureau: str, name: str, params: object, inputs: object, points: object = "100"
) -> dict:
    """Try a rule: validate params with the rule's schema and score the inputs."""
    with ctx.reading(bureau, "bureau.read") as work:
        rule = work.contributions(schemes.RULE_HOOK).get(name)
        if rule is None:
            raise NotFound(
                f"局 {work.bureau.code} 没有规则类型 {name!r} "
                f"(no rule type {name!r} for bureau {work.bureau.code})",
                [FieldError("name", "已安装的插件未提供 (not provided by an installed plugin)")],
            )
        if not isinstance(params, dict) or not isinstance(inputs, dict):
            raise invalid("params", "params 和 inputs 须为对象 (params and inputs are objects)")
        if rule.inputs != "value":
            raise invalid(
                "name",
                f"{name} 读取的是 {rule.inputs}，这里只能试算按数值计分的规则 "
                f"({name} reads {rule.inputs}; only value rules can be tried here)",
            )
        try:
            loaded = rule.params_schema().load(params)
        except ValidationError as exc:
            errors = field_errors(exc.normalized_messages(), "params")
            raise InvalidInput("规则参数有误 (invalid rule params)", errors) from exc
        numbers = {}
        for key, given in inputs.items():
            try:
                numbers[str(key)] = parse_decimal(given)
            except ValueError as exc:
                raise invalid(f"inputs.{key}", str(exc)) from exc
        try:
            total = parse_decimal(points)
        except ValueError as exc:
            raise invalid("points", str(exc)) from exc
        if total < 0:
            raise invalid(
                "points", "不能为负，如节点分值 (must not be negative, like a node's points)"
            )
        if "value" not in numbers:
            raise invalid(
                "inputs", "须有 'value'，即指标的值 (needs 'value', the indicator's value)"
            )
        try:
            score = rule_score(rule, numbers, loaded, total)
        except RuleFailed as exc:
            raise invalid(
                "inputs", f"规则无法对这些输入计分 (the rule cannot score these inputs: {exc})"
            ) from exc
        return {"rule": name, "score": as_text(score)}
