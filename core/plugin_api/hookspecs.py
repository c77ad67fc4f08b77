"""Hook specifications of the jixiao plugin system (pluggy project name ``jixiao``).

Every hook is prefixed ``jixiao_`` and called through pluggy, so implementations take
only the arguments they name, and ``wrapper=True`` implementations work. The host calls
each plugin's implementation separately with that plugin's own ``context`` (its
settings for the bureau), so it can tell who contributed what; a wrapper therefore
wraps only its own plugin's implementation.

**Compatibility policy** (docs/plugin-authors.md, "Compatibility policy"). Hooks change
only by gaining arguments; an argument is never removed or renamed, and pluggy passes an
implementation only the arguments it names, so existing implementations keep working.
A hook (or argument) that is to go away is first marked with pluggy's ``warn_on_impl``
(``warn_on_impl_args``) for at least one minor release, so implementing it warns before
it stops being called. ``API_VERSION`` (in :mod:`core.plugin_api`) follows semantic
versioning: a new hook, argument or public name bumps the minor version; only a removal
bumps the major one. Public means the names in ``core.plugin_api.__all__``, nothing else.

Names of contributions (rule types, commands, blueprints…) must be unique among all
the plugins a server loads, so the examples below use names of their own: one that a
bundled plugin already uses (``threshold``, ``notices``) is refused, naming both plugins.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from marshmallow import Schema

    from core.plugin_api.context import Event, PluginContext
    from core.plugin_api.contributions import (
        ApiBlueprint,
        CliCommand,
        ConsolePage,
        EventKind,
        ExcelLayout,
        Importer,
        IndicatorLibrary,
        OutcomeType,
        PostProcessor,
        RuleType,
        SchemeTemplate,
        ValueCheck,
    )

PROJECT = "jixiao"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def jixiao_rule_types(context: PluginContext) -> list[RuleType]:
    """Scoring rule types this plugin contributes.

    Example::

        @hookimpl
        def jixiao_rule_types():
            return [RuleType(name="at_least", title="达到下限 (at least)",
                             params_schema=AtLeastParams, score=score_at_least)]
    """


@hookspec
def jixiao_value_checks(context: PluginContext) -> list[ValueCheck]:
    """Checks that raise warnings when a value is recorded (D-22, D-23).

    Example::

        @hookimpl
        def jixiao_value_checks(context):
            ceiling = context.settings.get("ceiling", 99)
            def too_good(value):
                return ["满意度超过99%，需复核 (satisfaction > 99%: review)"] \\
                    if "satisf" in value.indicator and value.value > ceiling else []
            return [ValueCheck(name="satisfaction-review", check=too_good)]
    """


@hookspec
def jixiao_post_processors(context: PluginContext) -> list[PostProcessor]:
    """Steps applied to a cycle's results after the roll-up, named in a scheme's
    ``post`` list (recognition coefficient, linkages, threshold gates).

    Example::

        @hookimpl
        def jixiao_post_processors():
            def rectify(results, params, ctx):
                for r in results:
                    if r.total < params["below"]:
                        r.flags.append("rectify")
                        r.adjustments.append(
                            {"type": "rectify", "below": as_text(params["below"])})
            return [PostProcessor("rectify", "整改 (rectification)", BelowParams,
                                  "score", rectify)]
    """


@hookspec
def jixiao_outcome_types(context: PluginContext) -> list[OutcomeType]:
    """Uses of results (D-31, D-32) named as keys of a scheme's ``outcomes`` section.

    Example::

        @hookimpl
        def jixiao_outcome_types():
            def commend(rows, params, ctx):
                for row in rows:
                    row["commended"] = row["grade"] in params["grades"]
            return [OutcomeType("commendation", "团队表彰 (team commendation)",
                                CommendParams, commend, columns=("commended",))]
    """


@hookspec
def jixiao_event_kinds() -> list[EventKind]:
    """Kinds of ledger entry this plugin appends, with the schema of their ``data`` and
    a projector. Asked once per platform (kinds must be known to verify and replay
    every bureau's ledger, installed or not).

    Example::

        @hookimpl
        def jixiao_event_kinds():
            return [EventKind("tax.notice.issued", NoticeSchema, project=store_notice,
                              title="整改通知 (rectification notice)")]
    """


@hookspec
def jixiao_settings_schema() -> type[Schema] | None:
    """The marshmallow schema of this plugin's per-bureau settings, with defaults.

    A bureau admin sets them (``jixiao plugins configure``, ``PUT …/plugins/<name>/
    settings``); they are validated with this schema, recorded as
    ``plugin.configured`` and handed to every hook as ``context.settings``.

    Example::

        @hookimpl
        def jixiao_settings_schema():
            class Settings(Schema):
                performance_share = fields.Decimal(load_default=Decimal("0.45"),
                    validate=validate.Range(Decimal("0.4"), Decimal("0.5")))
            return Settings
    """


@hookspec
def jixiao_scheme_templates(context: PluginContext) -> list[SchemeTemplate]:
    """Groups and indicator trees a bureau imports with one command
    (``jixiao schemes template NAME --bureau B --cycle C``).

    Example::

        @hookimpl
        def jixiao_scheme_templates():
            return [SchemeTemplate("tax-departments", "税务部门考核 (tax departments)",
                                   INDICATORS, render_schemes, groups={"A": "业务科室"})]
    """


@hookspec
def jixiao_indicator_libraries(context: PluginContext) -> list[IndicatorLibrary]:
    """Named sets of indicators a bureau can add to its library in one step (D-06).

    Example::

        @hookimpl
        def jixiao_indicator_libraries():
            return [IndicatorLibrary("ecology", "生态环境 (ecology)", [
                IndicatorSpec("pm25_drop", "PM2.5年均浓度下降率", "PM2.5 drop", "%")])]
    """


@hookspec
def jixiao_cli_commands() -> list[CliCommand]:
    """Commands added to the ``jixiao`` command line, under the plugin's name
    (``jixiao <plugin> <command>``). Asked of every loaded plugin, installed or not, so a
    command must refuse a ``--bureau`` that has not installed the plugin.

    Example::

        @hookimpl
        def jixiao_cli_commands():
            @click.command("flagged")
            @click.option("--bureau", required=True)
            def flagged(bureau):
                ...
            return [CliCommand("flagged", flagged)]
    """


@hookspec
def jixiao_api_blueprints() -> list[ApiBlueprint]:
    """Flask blueprints mounted under ``/api/v1/bureaus/<bureau>/plugins/<plugin>/``;
    only bureaus that installed the plugin are answered.

    Example::

        @hookimpl
        def jixiao_api_blueprints():
            bp = Blueprint("mysector_api", __name__)
            @bp.get("/flagged")
            def flagged(bureau):
                return current_context().records.all("flagged")
            return [ApiBlueprint("mysector-flagged", bp)]
    """


@hookspec
def jixiao_console_pages() -> list[ConsolePage]:
    """Pages added to the web console for bureaus that installed the plugin.

    Example::

        @hookimpl
        def jixiao_console_pages():
            return [ConsolePage("monitoring", "季度监测 (quarterly monitoring)", bp,
                                "monitoring.index")]
    """


@hookspec
def jixiao_importers(context: PluginContext) -> list[Importer]:
    """Feeds from other systems (D-42) that turn a file into value rows.

    Example::

        @hookimpl
        def jixiao_importers():
            return [Importer("mediation", "在线调解平台 (online mediation platform)",
                             ("csv", "json"), parse_export)]
    """


@hookspec
def jixiao_excel_layouts(context: PluginContext) -> list[ExcelLayout]:
    """Extra columns for the entry workbooks of bureaus that installed the plugin; what
    a user types in them is added to the value's note. Asked with the platform's context
    (no bureau settings) in API 1.1.

    Example::

        @hookimpl
        def jixiao_excel_layouts():
            return [ExcelLayout("finding", "审计发现 (audit finding)",
                                columns=[("发现编号 (finding no.)", "finding")])]
    """


@hookspec
def jixiao_events_appended(context: PluginContext, events: Sequence[Event]) -> None:
    """Called after entries were appended to the bureau's log and projected, inside the
    same transaction. Raising aborts the transaction, so keep it to recording follow-up
    work (an outbox row, a follow-up entry through ``context.record``); never call out
    over the network from here.

    Example::

        @hookimpl
        def jixiao_events_appended(context, events):
            for event in events:
                if event.kind == "value.recorded" and event.data["value"] == "0":
                    context.record("mysector.zero.flagged", {"seq": event.seq})
    """
