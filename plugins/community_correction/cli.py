"""``jixiao community_correction …``: incident reports and what the platform imports did
(a channel: options parsed, then the plugin's context acts).

* ``incident``: record a safety incident in a worker's caseload (安全事故报告);
* ``incidents``: the incidents recorded;
* ``imports``: the 苏解纷 export files imported (SHA-256, rows).
"""

from __future__ import annotations

import click

from core.cli.common import bureau_option, emit, json_option, plugin_context, readable_errors
from plugins.community_correction import events

PLUGIN = "community_correction"


@click.command("incident")
@bureau_option
@click.option("--unit", required=True, help="the justice office")
@click.option("--person", required=True, help="the social worker whose caseload it is")
@click.option("--date", "day", required=True, help="YYYY-MM-DD")
@click.option("--kind", required=True, type=click.Choice(events.INCIDENT_KINDS))
@click.option("--severity", required=True, type=click.Choice(events.SEVERITIES))
@click.option("--summary", required=True, help="what happened (no identifiers)")
@readable_errors
def incident(bureau_code: str, day: str, **given: str) -> None:
    """Record a safety incident (the fact a deduction item or the veto value cites)."""
    with plugin_context(PLUGIN, bureau_code, write=True) as ctx:
        event = events.report_incident(ctx, {**given, "date": day})
    click.echo(f"incident recorded (seq {event.seq})")


@click.command("incidents")
@bureau_option
@json_option
@readable_errors
def incidents(bureau_code: str, as_json: bool) -> None:
    with plugin_context(PLUGIN, bureau_code) as ctx:
        rows = ctx.records.all("incidents")
    emit(rows, as_json, ["seq", "date", "unit", "person", "kind", "severity", "summary"])


@click.command("imports")
@bureau_option
@json_option
@readable_errors
def imports(bureau_code: str, as_json: bool) -> None:
    with plugin_context(PLUGIN, bureau_code) as ctx:
        rows = ctx.records.all("imports")
    emit(rows, as_json, ["seq", "filename", "rows", "sha256"])


COMMANDS = (incident, incidents, imports)
