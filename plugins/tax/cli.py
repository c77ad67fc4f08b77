"""``jixiao tax …``: the performance office's monthly and annual chores, as commands.

A plugin command is a channel like the core's commands: it parses options, then acts
through the plugin's context (``record`` for the plugin's own event kinds, ``reader``,
``records``) or the core's services, never the database. ``--bureau`` must have the
plugin installed.

* ``notices``       issue the month's rectification notices (ledger entries);
* ``close-notice``  close a notice once the rectification is verified (整改销号);
* ``notice-list``   the notices, open and closed;
* ``unit-scores``   copy each department's annual total to its officers (岗位绩效);
* ``chain``         the strategy → key task → KPI chain of the bureau's schemes.
"""

from __future__ import annotations

import datetime as dt

import click
from marshmallow import ValidationError

from core.cli.common import (
    bureau_option,
    context,
    emit,
    json_option,
    plugin_context,
    print_json,
    readable_errors,
)
from plugins.tax import decomposition, rectification
from plugins.tax.items import DAY
from plugins.tax.settings import render

PLUGIN = "tax"
OFFICERS = "officer"
"""The group of the post scheme (templates/post.yaml)."""


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date:
    """``--on``, read as the plugin reads every day (2000–2999, refused in Chinese and
    English, naming the option); click's DateTime took year 9999 and answered in English."""
    if value is None:
        return dt.date.today()
    try:
        return DAY.deserialize(value)
    except ValidationError as exc:
        raise click.BadParameter("; ".join(exc.messages), ctx, param) from exc


day_option = click.option(
    "--on", "day", default=None, callback=_day, help="the date (YYYY-MM-DD); default today"
)


@click.command("notices")
@bureau_option
@click.option("--month", required=True, help="the month's standing, e.g. 2026-03")
@click.option("--cycle", default=None, help="default: the month's year")
@day_option
@click.option("--liaison", default="", help="the performance liaison (绩效联络员) issuing them")
@json_option
@readable_errors
def notices(
    bureau_code: str,
    month: str,
    cycle: str | None,
    day: dt.date,
    liaison: str,
    as_json: bool,
) -> None:
    """Issue the month's rectification notices (整改通报, D-11): the bottom of each group
    in the month's standing and anyone below the line, as ledger entries."""
    with plugin_context(PLUGIN, bureau_code, write=True) as ctx:
        issued = rectification.issue(ctx, cycle or month[:4], month, day, liaison)
    emit(issued, as_json, ["unit", "name", "scheme", "rank", "total", "consecutive", "interview"])


@click.command("close-notice")
@bureau_option
@click.option("--month", required=True)
@click.option("--unit", required=True)
@click.option("--measures", required=True, help="the rectification measures taken")
@click.option("--evidence", multiple=True, required=True, help="SHA-256 of attached evidence")
@click.option("--verified-by", required=True)
@day_option
@readable_errors
def close_notice(
    bureau_code: str,
    month: str,
    unit: str,
    measures: str,
    evidence: tuple[str, ...],
    verified_by: str,
    day: dt.date,
) -> None:
    """Close a notice: the rectification was verified (整改销号)."""
    with plugin_context(PLUGIN, bureau_code, write=True) as ctx:
        event = rectification.close(ctx, month, unit, measures, list(evidence), verified_by, day)
    click.echo(f"closed the notice of {unit} for {month} (seq {event.seq})")


@click.command("notice-list")
@bureau_option
@click.option("--month", default=None)
@json_option
@readable_errors
def notice_list(bureau_code: str, month: str | None, as_json: bool) -> None:
    """The rectification notices, oldest first."""
    with plugin_context(PLUGIN, bureau_code) as ctx:
        rows = rectification.listing(ctx, month)
    emit(rows, as_json, ["period", "unit", "name", "total", "status", "interview", "deadline"])


@click.command("unit-scores")
@bureau_option
@click.option("--cycle", required=True)
@click.option("--period", default=None, help="the cycle's year period (default: the cycle code)")
@readable_errors
def unit_scores(bureau_code: str, cycle: str, period: str | None) -> None:
    """Record each officer's ``unit_score``: their department's annual total (the post
    scheme's link to the organisation's result). A changed total is recorded as a
    correction; an unchanged one is left alone."""
    from core.services import values

    ctx = context()
    with plugin_context(PLUGIN, bureau_code) as plugin:
        totals = {
            r["subject"]: r["total"] for r in plugin.reader.results(cycle) if r["kind"] == "unit"
        }
        officers = [p for p in plugin.reader.people() if p.group == OFFICERS and p.unit in totals]
    period = period or cycle
    current = {
        row["person"]: row
        for row in values.listing(
            ctx, bureau_code, {"cycle": cycle, "period": period, "indicator": "unit_score"}
        )
        if row.get("person")
    }
    rows = []
    for officer in officers:
        found = current.get(officer.code)
        total = totals[officer.unit]
        if found is not None and found["value"] == total:
            continue
        row = {
            "person": officer.code,
            "indicator": "unit_score",
            "cycle": cycle,
            "period": period,
            "value": total,
            "note": f"所在部门{officer.unit}年度得分 (the total of unit {officer.unit})",
        }
        if found is not None:
            row["corrects"] = found["seq"]
        rows.append(row)
    done = values.record(ctx, bureau_code, rows) if rows else {"entries": []}
    click.echo(f"recorded {len(done['entries'])} officer(s)' unit score")


@click.command("chain")
@bureau_option
@json_option
@readable_errors
def chain(bureau_code: str, as_json: bool) -> None:
    """The three-level decomposition (D-01) of the bureau's tax schemes, for the
    indicator briefings (绩效办→股室→派出机构三级指标解读会)."""
    with plugin_context(PLUGIN, bureau_code) as ctx:
        docs = render(ctx.settings)
    rows = [
        {"scheme": doc["code"], **row}
        for doc in docs
        for row in decomposition.responsibility_chain(doc)
    ]
    if as_json:
        print_json(rows)
        return
    emit(rows, False, ["scheme", "strategy_name", "key_task_name", "kpi_name", "points"])


COMMANDS = (notices, close_notice, notice_list, unit_scores, chain)
