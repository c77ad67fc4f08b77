"""环保局绩效指标模块 (environmental protection indicators)

A jixiao plugin, made with ``jixiao plugins new envprotect``. This module is the plugin
jixiao registers (entry point ``envprotect`` of the group ``jixiao``, see
pyproject.toml). Its hooks hand jixiao what the other modules define, so it rarely
needs editing:

* ``templates/envprotect.yaml`` — the indicators and the scheme;
* ``scheme.py`` — ``Settings`` (what a bureau adjusts) and ``render(settings)``;
* ``contributions.py`` — rule types, entry checks, post steps and outcome types.

It imports only ``core.plugin_api``, the public plugin API of jixiao.
"""

from __future__ import annotations

from marshmallow import Schema

from core.plugin_api import (
    IndicatorLibrary,
    OutcomeType,
    PostProcessor,
    RuleType,
    SchemeTemplate,
    ValueCheck,
    hookimpl,
)

from . import contributions, scheme

__version__ = "0.1.0"


@hookimpl
def jixiao_settings_schema() -> type[Schema]:
    return scheme.Settings


@hookimpl
def jixiao_scheme_templates() -> list[SchemeTemplate]:
    return [
        SchemeTemplate(scheme.NAME, scheme.TITLE, scheme.indicators(), scheme.render, scheme.GROUPS)
    ]


@hookimpl
def jixiao_indicator_libraries() -> list[IndicatorLibrary]:
    return [IndicatorLibrary(scheme.NAME, scheme.TITLE, scheme.indicators())]


@hookimpl
def jixiao_rule_types() -> list[RuleType]:
    return list(contributions.RULE_TYPES)


@hookimpl
def jixiao_value_checks() -> list[ValueCheck]:
    return list(contributions.VALUE_CHECKS)


@hookimpl
def jixiao_post_processors() -> list[PostProcessor]:
    return list(contributions.POST_PROCESSORS)


@hookimpl
def jixiao_outcome_types() -> list[OutcomeType]:
    return list(contributions.OUTCOME_TYPES)
