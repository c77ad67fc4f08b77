"""``jixiao education …``: what the education bureau decides after the results, as
commands (a channel: options parsed, then the plugin's context or the core's services
act).

* ``designate``: a teacher enters a tier (人才认定): their group becomes the tier, so the
  tier's scheme assesses them, and the designation is recorded with its document;
* ``apply``: record the funding granted and the teams commended for a cycle, from the
  results application (what the outcomes say becomes the bureau's decision on record);
* ``talents``: the designations.
"""

from __future__ import annotations

import click

from core.cli.common import (
    bureau_option,
    context,
    emit,
    json_option,
    plugin_context,
    readable_errors,
)
from plugins.education import decisions
from plugins.education.events import TRACKS
from plugins.education.settings import GROUPS

PLUGIN = "education"


@click.command("designate")
@bureau_option
@click.option("--person", required=True)
@click.option("--group", required=True, type=click.Choice(GROUPS), help="the tier")
@click.option("--track", required=True, type=click.Choice(TRACKS))
@click.option("--start", required=True, help="the term, YYYY-MM-DD")
@click.option("--end", required=True)
@click.option("--document", required=True, help="the decision's document number (文号)")
@readable_errors
def designate(bureau_code: str, **given: str) -> None:
    """Designate a talent (人才认定): regroup them into the tier and record it."""
    with plugin_context(PLUGIN, bureau_code, write=True) as ctx:
        data = decisions.designation(ctx, given)
        ctx.regroup(data["person"], data["group"])  # one unit of work: both or neither
        event = ctx.record(decisions.DESIGNATED, data)
    click.echo(f"{data['person']} designated {data['group']} (seq {event.seq})")


@click.command("apply")
@bureau_option
@click.option("--cycle", required=True)
@click.option("--document", required=True, help="the decision's document number (文号)")
@json_option
@readable_errors
def apply(bureau_code: str, cycle: str, document: str, as_json: bool) -> None:
    """Record the funding granted (专项经费拨付) and the teams commended (突出贡献团队)
    that the cycle's results application gives; talents and teams already recorded for
    the cycle are left alone."""
    from core.services import results

    rows = results.outcomes(context(), bureau_code, cycle)
    with plugin_context(PLUGIN, bureau_code, write=True) as ctx:
        done = decisions.apply(ctx, cycle, rows, document)
    emit(done, as_json, ["kind", "subject", "amount", "seq"])


@click.command("talents")
@bureau_option
@json_option
@readable_errors
def talents(bureau_code: str, as_json: bool) -> None:
    """The current designations."""
    with plugin_context(PLUGIN, bureau_code) as ctx:
        rows = ctx.records.all("talents")
    emit(rows, as_json, ["person", "unit", "group", "track", "start", "end", "document"])


COMMANDS = (designate, apply, talents)
