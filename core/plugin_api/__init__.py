"""The public plugin API of jixiao, version 1: everything a plugin author imports.

::

    from core.plugin_api import RuleType, hookimpl, quantize

Nothing outside this package is part of the contract. See docs/plugin-authors.md for a
section per hook, the compatibility policy and a worked example, and
:mod:`core.testing` for the pytest fixtures.
"""

from core.kernel.library_messages import chinese_first
from core.plugin_api.context import (
    BureauReader,
    BureauRef,
    Event,
    ImportContext,
    OutcomeContext,
    PersonInfo,
    PluginContext,
    PostContext,
    RatingInput,
    RecordStore,
    Subject,
    UnitInfo,
    UnitResult,
    ValueContext,
    adjust_node,
    current_context,
)
from core.plugin_api.contributions import (
    ApiBlueprint,
    CliCommand,
    ConsolePage,
    EventKind,
    ExcelLayout,
    Importer,
    IndicatorLibrary,
    IndicatorSpec,
    OutcomeType,
    PostProcessor,
    RuleInput,
    RuleType,
    SchemeTemplate,
    Stage,
    ValueCheck,
)
from core.plugin_api.helpers import (
    CODE,
    FEN,
    RATER_ROLES,
    as_text,
    is_id_card,
    parse_decimal,
    quantize,
    read_csv,
    share_pool,
    trimmed_mean,
)
from core.plugin_api.hookspecs import PROJECT, hookimpl
from core.plugin_api.templating import (
    find_node,
    leaves,
    load_template,
    plain_numbers,
    set_grade,
    walk,
    with_points,
)

API_VERSION = "1.4"
"""1.1: ``combine: sum`` leaves; ``CODE``, ``is_id_card``, ``read_csv`` and the scheme
document helpers of :mod:`core.plugin_api.templating`; ``BureauReader.results(…,
explain=True)``; ``OutcomeContext.cycle``. 1.2: ``PluginContext.regroup``,
``PluginContext.units`` with ``scoped`` API blueprints and console pages (a reporter gets
403 from other views), ``BureauReader.unattached`` and ``experts``, and importers'
``source_rows``. 1.3: ``OutcomeType.grades``, the grades an outcome's params name,
checked against the scheme's. 1.4: ``chinese_first``, a library's English message as
``中文 (English)``, for the reasons a plugin builds from marshmallow's messages."""

__all__ = [
    "API_VERSION",
    "CODE",
    "FEN",
    "PROJECT",
    "RATER_ROLES",
    "ApiBlueprint",
    "BureauReader",
    "BureauRef",
    "CliCommand",
    "ConsolePage",
    "Event",
    "EventKind",
    "ExcelLayout",
    "ImportContext",
    "Importer",
    "IndicatorLibrary",
    "IndicatorSpec",
    "OutcomeContext",
    "OutcomeType",
    "PersonInfo",
    "PluginContext",
    "PostContext",
    "PostProcessor",
    "RatingInput",
    "RecordStore",
    "RuleInput",
    "RuleType",
    "SchemeTemplate",
    "Stage",
    "Subject",
    "UnitInfo",
    "UnitResult",
    "ValueCheck",
    "ValueContext",
    "adjust_node",
    "as_text",
    "chinese_first",
    "current_context",
    "find_node",
    "hookimpl",
    "is_id_card",
    "leaves",
    "load_template",
    "parse_decimal",
    "plain_numbers",
    "quantize",
    "read_csv",
    "set_grade",
    "share_pool",
    "trimmed_mean",
    "walk",
    "with_points",
]
