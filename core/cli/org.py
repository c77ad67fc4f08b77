"""``jixiao bureaus|units|people|indicators|cycles|values``."""

from __future__ import annotations

import datetime as dt

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


@click.group("bureaus")
def bureaus() -> None:
    """Bureaus (局): the tenants, each with its own ledger."""


@bureaus.command("create")
@click.argument("code")
@click.argument("name")
@click.option("--name-en", default="", help="English name")
@click.option(
    "--suite",
    type=click.Choice(["sha256-ed25519", "sm3-sm2"]),
    default="sha256-ed25519",
    help="the log's hash and signature algorithms, fixed for good (sm3-sm2: 国密 SM3/SM2)",
)
@readable_errors
def bureaus_create(code: str, name: str, name_en: str, suite: str) -> None:
    from core.services import bureaus as service

    b = service.create(context(), code, name, name_en, suite)
    click.echo(f"created bureau {b['code']} ({b['name']}), log jixiao/{b['code']}")


@bureaus.command("list")
@json_option
@readable_errors
def bureaus_list(as_json: bool) -> None:
    from core.services import bureaus as service

    emit(service.listing(context()), as_json, ["code", "name", "name_en", "entries"])


@click.group("units")
def units() -> None:
    """Units (单位/部门) under assessment."""


@units.command("create")
@bureau_option
@click.argument("code")
@click.argument("name")
@click.option("--name-en", default="")
@click.option("--parent", default=None, help="code of the supervising department")
@click.option("--group", default=None, help="assessment group code (D-03)")
@readable_errors
def units_create(bureau_code, code, name, name_en, parent, group) -> None:
    from core.services import units as service

    service.create(context(), bureau_code, code, name, name_en, parent, group)
    click.echo(f"created unit {code} in {bureau_code}")


@units.command("regroup")
@bureau_option
@click.argument("code")
@click.argument("group", required=False)
@readable_errors
def units_regroup(bureau_code: str, code: str, group: str | None) -> None:
    """Move a unit to assessment group GROUP (omit GROUP to take it out of any group)."""
    from core.services import units as service

    service.regroup(context(), bureau_code, code, group)
    click.echo(f"unit {code} is now in group {group or '(none)'}")


@units.command("list")
@bureau_option
@json_option
@readable_errors
def units_list(bureau_code: str, as_json: bool) -> None:
    from core.services import units as service

    emit(service.listing(context(), bureau_code), as_json, ["code", "name", "parent", "group"])


@click.group("people")
def people() -> None:
    """Staff (人员); identifiers are encrypted, the ledger holds keyed hashes."""


@people.command("create")
@bureau_option
@click.argument("code")
@click.argument("name")
@click.option("--unit", default=None)
@click.option("--group", default=None, help="assessment group, for schemes that assess people")
@click.option("--id-card", default=None, help="resident ID number (stored encrypted)")
@click.option("--phone", default=None)
@click.option("--address", default=None)
@readable_errors
def people_create(bureau_code, code, name, unit, group, id_card, phone, address) -> None:
    from core.services import people as service

    ids = {k: v for k, v in {"id_card": id_card, "phone": phone, "address": address}.items() if v}
    service.create(context(), bureau_code, code, name, unit, ids, group)
    click.echo(f"created person {code} in {bureau_code}")


@people.command("list")
@bureau_option
@json_option
@readable_errors
def people_list(bureau_code: str, as_json: bool) -> None:
    from core.services import people as service

    emit(service.listing(context(), bureau_code), as_json, ["code", "name", "unit", "group"])


@click.group("indicators")
def indicators() -> None:
    """The bureau's indicator library (指标库)."""


@indicators.command("create")
@bureau_option
@click.argument("code")
@click.argument("name")
@click.option("--name-en", default="")
@click.option("--measure", default="", help="unit of measure: %, 分, 元, 件 … or grade")
@readable_errors
def indicators_create(bureau_code, code, name, name_en, measure) -> None:
    from core.services import indicators as service

    service.create(context(), bureau_code, code, name, name_en, measure)
    click.echo(f"created indicator {code} in {bureau_code}")


@indicators.command("list")
@bureau_option
@json_option
@readable_errors
def indicators_list(bureau_code: str, as_json: bool) -> None:
    from core.services import indicators as service

    emit(service.listing(context(), bureau_code), as_json, ["code", "name", "name_en", "measure"])


@click.group("cycles")
def cycles_group() -> None:
    """Assessment cycles (考核周期) and their periods."""


@cycles_group.command("create")
@bureau_option
@click.argument("code")
@click.argument("name")
@click.option("--start", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--end", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option(
    "--periods",
    default="quarter,year",
    show_default=True,
    help="comma-separated: year, half, quarter, month, day",
)
@readable_errors
def cycles_create(bureau_code, code, name, start: dt.datetime, end: dt.datetime, periods) -> None:
    from core.services import cycles as service

    kinds = [k.strip() for k in periods.split(",") if k.strip()]
    made = service.create(context(), bureau_code, code, name, start.date(), end.date(), kinds)
    click.echo(f"created cycle {code} with {len(made['periods'])} periods")


@cycles_group.command("list")
@bureau_option
@json_option
@readable_errors
def cycles_list(bureau_code: str, as_json: bool) -> None:
    from core.services import cycles as service

    emit(service.listing(context(), bureau_code), as_json, ["code", "name", "start", "end"])


@click.group("values")
def values_group() -> None:
    """Indicator values (指标数据), each a ledger entry."""


def _subject(unit: str | None, person: str | None) -> dict:
    return {k: v for k, v in (("unit", unit), ("person", person)) if v}


@values_group.command("record")
@bureau_option
@click.option("--unit", default=None)
@click.option("--person", default=None, help="a member of staff, for schemes assessing people")
@click.option("--indicator", required=True)
@click.option("--cycle", required=True)
@click.option("--period", required=True)
@click.option("--corrects", type=int, default=None, help="seq of the entry being corrected")
@click.option("--note", default=None)
@click.argument("value")
@readable_errors
def values_record(bureau_code, unit, person, indicator, cycle, period, corrects, note, value):
    row = {
        **_subject(unit, person),
        "indicator": indicator,
        "cycle": cycle,
        "period": period,
        "value": value,
        "corrects": corrects,
    }
    if note:
        row["note"] = note
    _record(bureau_code, [row])


@values_group.command("import")
@bureau_option
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@readable_errors
def values_import(bureau_code: str, path: str) -> None:
    """Import a JSON array of rows {unit|person, indicator, cycle, period, value[,
    corrects, note]} (UTF-8, with or without BOM, or GB18030): all rows or none."""
    rows = read_json_file(path)
    if isinstance(rows, dict) and isinstance(rows.get("rows"), list):
        rows = rows["rows"]
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        raise click.ClickException(
            f"{path} 须为数据行对象的 JSON 数组 ({path} must hold a JSON array of row objects)"
        )
    _record(bureau_code, rows)


def _record(bureau_code: str, rows: list[dict]) -> None:
    from core.services import values as service

    done = service.record(context(), bureau_code, rows)
    entries = done["entries"]
    if entries:
        click.echo(
            f"recorded {len(entries)} value(s) at seq {entries[0]['seq']}–{entries[-1]['seq']}"
        )
    if done["skipped_rows"]:
        click.echo(f"skipped {len(done['skipped_rows'])} row(s) already recorded (same source key)")
    for w in done["warnings"]:
        click.echo(f"警告 (warning): 第 {w['row']} 行 (row {w['row']}): {w['message']}")


@values_group.command("withdraw")
@bureau_option
@click.option("--unit", default=None)
@click.option("--person", default=None)
@click.option("--indicator", required=True)
@click.option("--cycle", required=True)
@click.option("--period", required=True)
@click.option("--seq", "withdraws", type=int, required=True, help="seq of the current value")
@click.option("--reason", required=True)
@readable_errors
def values_withdraw(bureau_code, unit, person, indicator, cycle, period, withdraws, reason):
    """Withdraw the current value (it then scores as missing)."""
    from core.services import values as service

    row = {
        **_subject(unit, person),
        "indicator": indicator,
        "cycle": cycle,
        "period": period,
        "withdraws": withdraws,
        "reason": reason,
    }
    done = service.withdraw(context(), bureau_code, row)
    click.echo(f"withdrawn at seq {done['seq']}")


@values_group.command("list")
@bureau_option
@click.option("--cycle", default=None)
@click.option("--period", default=None)
@click.option("--unit", default=None, help="only this unit's values")
@click.option("--person", default=None, help="only this member of staff's values")
@click.option("--indicator", default=None)
@json_option
@readable_errors
def values_list(
    bureau_code: str,
    cycle: str | None,
    period: str | None,
    unit: str | None,
    person: str | None,
    indicator: str | None,
    as_json: bool,
) -> None:
    from core.services import values as service

    filters = {"cycle": cycle, "period": period, "unit": unit, "person": person,
               "indicator": indicator}  # fmt: skip
    rows = service.listing(context(), bureau_code, filters)
    if as_json:
        print_json(rows)
        return
    for r in rows:
        r["subject"] = r.get("person") or r.get("unit")
    emit(rows, False, ["subject", "indicator", "period", "value", "seq", "review"])


@indicators.command("library")
@click.argument("name")
@bureau_option
@readable_errors
def indicators_library(name: str, bureau_code: str) -> None:
    """Add a plugin's indicator library (the indicators the bureau lacks)."""
    from core.services import templates

    done = templates.add_library(context(), bureau_code, name)
    click.echo(f"added {len(done['added'])} indicator(s): {', '.join(done['added']) or '-'}")


@values_group.command("feed")
@click.argument("importer")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@bureau_option
@click.option("--cycle", required=True)
@click.option("--period", default=None, help="the period the file covers, if it does not say")
@readable_errors
def values_feed(importer: str, path: str, bureau_code: str, cycle: str, period: str | None) -> None:
    """Import a file exported by another system (D-42) with a plugin's importer: all
    rows or none; rows imported before are skipped."""
    from pathlib import Path

    from core.kernel.files import MAX_TEXT_FILE, read_bounded
    from core.services import imports

    file = Path(path)
    done = imports.run(
        context(),
        bureau_code,
        importer,
        read_bounded(file, MAX_TEXT_FILE),
        file.name,
        cycle,
        period,
    )
    click.echo(
        f"{done['rows']} row(s) read; recorded {len(done['entries'])}, "
        f"skipped {len(done['skipped_rows'])} already recorded"
    )
    for w in done["warnings"]:
        click.echo(f"警告 (warning): 第 {w['row']} 行 (row {w['row']}): {w['message']}")


def _add_submit() -> None:
    from core.cli.collection import submit

    values_group.add_command(submit)


_add_submit()
