"""``jixiao staffing_office …``: the staffing office's expert pool, panel draws and
quarterly monitoring reports, as commands (a channel: options parsed, then the plugin's
context or the core's services act).

* ``expert-add`` / ``expert-retire`` / ``experts-import`` / ``experts``: the pool (专家库);
* ``draw``: one panel from the pool of the day for both recognition ratings;
* ``report``: the quarterly monitoring report (``--publish`` records its digest).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from core.cli.common import (
    bureau_option,
    context,
    emit,
    json_option,
    plugin_context,
    print_json,
    readable_errors,
)
from core.plugin_api import PluginContext
from plugins.staffing_office import experts, monitoring

PLUGIN = "staffing_office"
RATED = ("goal_difficulty", "goal_precision")
"""The two indicators the experts rate for the recognition coefficient (D-14)."""
date_option = click.option(
    "--on", "day", type=click.DateTime(["%Y-%m-%d"]), default=None, help="default today"
)


def _day(value: dt.datetime | None) -> dt.date:
    return value.date() if value else dt.date.today()


@contextmanager
def _entering(bureau_code: str) -> Iterator[PluginContext]:
    """The plugin's writing context for entries of the pool; a refusal lists each error
    once, at its line in the roster (the core's message for a plugin's ValidationError
    repeats every error in its summary line, and knows no lines). Raised inside the unit
    of work, so it rolls back: nothing is written."""
    with plugin_context(PLUGIN, bureau_code, write=True) as ctx:
        try:
            yield ctx
        except experts.Refused as exc:
            raise click.ClickException(
                "\n".join(
                    [
                        "专家未入库，未写入任何数据 (no expert added; nothing was written)",
                        *map(_refusal, exc.errors),
                    ]
                )
            ) from exc


def _refusal(error: dict) -> str:
    """``  - 第 8 行 (line 8) expertise: …``, or without the line for one entry."""
    row = error["row"]
    where = "" if row is None else f"第 {row} 行 (line {row}) "
    return f"  - {where}{error['field']}: {error['reason']}"


@click.command("expert-add")
@bureau_option
@click.option("--expert", required=True, help="the expert's username in the bureau")
@click.option("--expertise", required=True, type=click.Choice(sorted(experts.EXPERTISE)))
@click.option("--affiliation", required=True)
@click.option("--affiliation-kind", required=True, type=click.Choice(sorted(experts.AFFILIATIONS)))
@click.option("--since", required=True, help="YYYY-MM-DD")
@click.option("--until", default=None, help="end of the term, YYYY-MM-DD")
@click.option("--recuse", multiple=True, help="a unit the expert must not rate (repeat)")
@readable_errors
def expert_add(bureau_code: str, **given: object) -> None:
    """Add an expert to the pool (专家入库), or renew their term."""
    data = {k: v for k, v in given.items() if v not in (None, ())}
    data["recuse"] = list(given["recuse"])
    with _entering(bureau_code) as ctx:
        event = experts.add(ctx, data)
    click.echo(f"{data['expert']} joined the pool (seq {event.seq})")


@click.command("expert-retire")
@bureau_option
@click.option("--expert", required=True)
@click.option("--reason", required=True, type=click.Choice(sorted(experts.RETIREMENT_REASONS)))
@click.option("--note", default="")
@date_option
@readable_errors
def expert_retire(
    bureau_code: str, expert: str, reason: str, note: str, day: dt.datetime | None
) -> None:
    """Retire an expert from the pool (专家出库)."""
    with plugin_context(PLUGIN, bureau_code, write=True) as ctx:
        event = experts.retire(ctx, expert, _day(day), reason, note)
    click.echo(f"{expert} left the pool (seq {event.seq})")


@click.command("experts-import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@bureau_option
@readable_errors
def experts_import(path: str, bureau_code: str) -> None:
    """Add the experts of a roster (CSV: expert, expertise, affiliation, affiliation_kind,
    since, until, recuse): every row or none."""
    file = Path(path)
    with file.open("rb") as stream:  # at most a little over the limit, whatever the size says
        data = stream.read(experts.ROSTER_MAX_BYTES + 1)
    with _entering(bureau_code) as ctx:
        events = experts.import_roster(ctx, data, file.name)
    click.echo(f"{len(events)} expert(s) added to the pool")


@click.command("experts")
@bureau_option
@date_option
@json_option
@readable_errors
def experts_list(bureau_code: str, day: dt.datetime | None, as_json: bool) -> None:
    """The pool on a date."""
    with plugin_context(PLUGIN, bureau_code) as ctx:
        pool = experts.pool_at(ctx.records.all("experts"), _day(day))
    rows = [experts.describe(member) for member in pool.values()]
    emit(rows, as_json, ["expert", "expertise", "affiliation", "since", "until", "recuse"])


@click.command("draw")
@bureau_option
@click.option("--cycle", required=True)
@click.option("--size", type=int, default=None, help="default: the panel_size setting")
@click.option("--seed", default=None, help="default: 128 random bits, recorded with the draw")
@click.option("--reason", default=None, help="why the panel is drawn again (a redraw needs one)")
@click.option(
    "--expertise",
    multiple=True,
    type=click.Choice(sorted(experts.EXPERTISE)),
    help="draw only from these fields (repeat)",
)
@date_option
@json_option
@readable_errors
def draw(
    bureau_code: str,
    cycle: str,
    size: int | None,
    seed: str | None,
    reason: str | None,
    expertise: tuple[str, ...],
    day: dt.datetime | None,
    as_json: bool,
) -> None:
    """Draw the recognition panel (D-14) from the pool of the day: one draw per rated
    indicator with the same seed, so the same experts rate difficulty and precision;
    prints the members and whom each must not rate (回避)."""
    from core.services import assessment

    with plugin_context(PLUGIN, bureau_code) as ctx:
        members = experts.pool_at(ctx.records.all("experts"), _day(day))
        size = size or ctx.settings["panel_size"]
    pool = experts.panel_pool(members, expertise)
    seed = seed or secrets.token_hex(16)
    drawn = [
        assessment.draw_panel(
            context(), bureau_code, cycle, indicator, size, pool, seed, reason=reason
        )
        for indicator in RATED
    ]
    panel = drawn[0]["members"]
    out = {"seed": seed, "members": panel, "recusals": experts.recusals(members, panel)}
    if as_json:
        print_json(out)
        return
    click.echo(f"drawn from {len(pool)} expert(s), seed {seed}: {', '.join(panel)}")
    for unit, who in out["recusals"].items():
        click.echo(f"{unit}: {', '.join(who)} must not rate it (回避)")


@click.command("report")
@bureau_option
@click.option("--quarter", required=True, help="e.g. 2026-Q2")
@click.option("--cycle", default=None, help="default: the quarter's year")
@click.option("--publish", is_flag=True, help="record the report's digest in the ledger")
@readable_errors
def report(bureau_code: str, quarter: str, cycle: str | None, publish: bool) -> None:
    """The quarterly monitoring report (季度动态监控) as JSON."""
    with plugin_context(PLUGIN, bureau_code, write=publish) as ctx:
        make = monitoring.publish if publish else monitoring.report
        found = make(ctx, cycle or quarter[:4], quarter)
    print_json(found)


COMMANDS = (expert_add, expert_retire, experts_import, experts_list, draw, report)
