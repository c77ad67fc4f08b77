"""``jixiao collection …``: collection rounds from the command line (收数): open a
period's round, watch who has reported, remind, extend a unit's deadline, close; and
``jixiao values submit`` for a unit's whole form from a JSON file."""

from __future__ import annotations

import click

from core.cli.common import (
    bureau_option,
    context,
    emit,
    json_option,
    print_json,
    read_json_file,
    readable_errors,
)

period_options = [
    click.option("--cycle", required=True, help="cycle code"),
    click.option("--period", required=True, help="period code, e.g. 2026-Q1"),
]


def with_period(fn):
    for option in reversed(period_options):
        fn = option(fn)
    return bureau_option(fn)


def _list(text: str | None) -> list[str] | None:
    return None if text is None else [t.strip() for t in text.split(",") if t.strip()]


@click.group("collection")
def collection() -> None:
    """Collection rounds (收数): open, status, todo, remind, extend, close."""


@collection.command("open")
@with_period
@click.option("--deadline", required=True, help="2026-04-15 (end of day, Beijing time)")
@click.option("--units", default=None, help="unit codes, comma-separated")
@click.option("--groups", default=None, help="unit groups, comma-separated")
@click.option("--indicators", default=None, help="default: what each unit's scheme asks")
@click.option("--evidence", default=None, help='indicators needing evidence, or "*" for all')
@click.option("--remind-before", default=None, help="days before the deadline, e.g. 3,1")
@click.option("--remind-overdue", default=None, help="days after it, e.g. 0,3,7")
@click.option("--note", default=None)
@json_option
@readable_errors
def open_(bureau_code, cycle, period, as_json, **options) -> None:
    """Open collection for a period (a ledger event)."""
    from core.services import collection as service

    spec = {
        "deadline": options["deadline"],
        "units": _list(options["units"]),
        "groups": _list(options["groups"]),
        "indicators": _list(options["indicators"]),
        "evidence": options["evidence"],
        "remind_before": options["remind_before"],
        "remind_overdue": options["remind_overdue"],
        "note": options["note"],
    }
    found = service.open_round(context(), bureau_code, cycle, period, spec)
    if as_json:
        print_json(found)
        return
    click.echo(
        f"opened collection for {cycle}/{period}: {len(found['units'])} units, "
        f"due {found['deadline']} (seq {found['opened_seq']})"
    )


@collection.command("list")
@bureau_option
@json_option
@readable_errors
def list_(bureau_code, as_json) -> None:
    """The bureau's rounds."""
    from core.services import collection as service

    emit(service.listing(context(), bureau_code), as_json, ["cycle", "period", "state", "deadline"])


@collection.command("status")
@with_period
@click.option("--unit", default=None, help="one unit, with each indicator")
@json_option
@readable_errors
def status(bureau_code, cycle, period, unit, as_json) -> None:
    """Who has reported: 已报 submitted, 缺报 missing, 退回 returned, 预警 warnings, 迟报 late."""
    from core.services import collection as service

    found = service.status(context(), bureau_code, cycle, period, unit)
    if as_json:
        print_json(found)
        return
    s = found["summary"]
    click.echo(
        f"{cycle}/{period} {found['state']}, due {found['deadline']}: "
        f"{s['complete']}/{s['units']} units complete, {s['overdue']} overdue; "
        f"{s['submitted']}/{s['expected']} figures in ({s['late']} late, "
        f"{s['warning']} with warnings, {s['returned']} returned)"
    )
    if unit:
        emit(found["units"][0]["indicators"], False, ["indicator", "state", "value", "late"])
    else:
        columns = ["unit", "state", "expected", "submitted", "missing", "late", "overdue"]
        emit(found["units"], False, columns)


@collection.command("todo")
@bureau_option
@json_option
@readable_errors
def todo(bureau_code, as_json) -> None:
    """What your units still owe (待办)."""
    from core.services import collection as service

    items = service.todo(context(), bureau_code)
    if as_json:
        print_json(items)
        return

    def codes(item: dict, *states: str) -> str:
        return ",".join(x["indicator"] for x in item["items"] if x["state"] in states)

    rows = [
        {**i, "owed": codes(i, "missing", "returned"), "warnings": codes(i, "warning")}
        for i in items
    ]
    emit(rows, False, ["cycle", "period", "unit", "deadline", "overdue", "owed", "warnings"])


@collection.command("remind")
@click.option("--bureau", "bureau_code", default=None, help="default: every bureau")
@json_option
@readable_errors
def remind(bureau_code, as_json) -> None:
    """Record the reminders due now (for cron; `jixiao serve` also does it)."""
    from core.services import collection as service

    ctx = context()
    sent = service.remind(ctx, bureau_code) if bureau_code else service.remind_all(ctx)
    if as_json:
        print_json(sent)
        return
    for r in sent:
        click.echo(
            f"reminded {len(r['units'])} units of {r['cycle']}/{r['period']} "
            f"({r['when']} {r['days']} days, seq {r['seq']})"
        )
    if not sent:
        click.echo("no reminders due")


@collection.command("extend")
@with_period
@click.option("--unit", required=True)
@click.option("--deadline", required=True)
@click.option("--reason", required=True)
@readable_errors
def extend(bureau_code, cycle, period, unit, deadline, reason) -> None:
    """Give one unit a later deadline (it may then enter after the close, too)."""
    from core.services import collection as service

    done = service.extend(context(), bureau_code, cycle, period, unit, deadline, reason)
    click.echo(f"{unit} may report {cycle}/{period} until {done['deadline']} (seq {done['seq']})")


@collection.command("close")
@with_period
@click.option("--reason", default=None)
@json_option
@readable_errors
def close(bureau_code, cycle, period, reason, as_json) -> None:
    """Close the period for collection and sign a checkpoint."""
    from core.services import collection as service

    done = service.close(context(), bureau_code, cycle, period, reason)
    if as_json:
        print_json(done)
        return
    click.echo(
        f"closed {cycle}/{period} (seq {done['seq']}); checkpoint at size "
        f"{done['checkpoint']['size']}; {len(done['outstanding'])} units still owed figures"
    )


@click.command("submit")
@bureau_option
@click.argument("file", type=click.Path(dir_okay=False))
@json_option
@readable_errors
def submit(bureau_code, file, as_json) -> None:
    """Submit one unit's form from a JSON file: {cycle, period, unit, scheme_version,
    rows: [{indicator, value, note, evidence}]}; all rows or none."""
    from core.kernel.errors import invalid
    from core.services import submissions

    doc = read_json_file(file)
    if not isinstance(doc, dict):
        raise invalid(
            "file",
            "须为含 cycle、period、unit 和 rows 的 JSON 对象 "
            "(a JSON object with cycle, period, unit and rows)",
        )
    subject = {k: doc[k] for k in ("unit", "person") if doc.get(k) is not None}
    rows = doc.get("rows")
    if not isinstance(rows, list):
        raise invalid(
            "rows", "须为 {indicator, value} 对象的列表 (a list of {indicator, value} objects)"
        )
    done = submissions.submit(
        context(),
        bureau_code,
        cycle=doc.get("cycle"),
        period=doc.get("period"),
        subject=subject,
        rows=rows,
        scheme_version=doc.get("scheme_version"),
    )
    if as_json:
        print_json(done)
        return
    click.echo(f"recorded {len(done['entries'])} values")
    for w in done["warnings"]:
        click.echo(f"  警告 (warning), 第 {w['row']} 行 (row {w['row']}): {w['message']}")
