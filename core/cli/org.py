"""``jixiao bureaus|units|people|indicators|cycles|values``."""

from __future__ import annotations

import datetime as dt
import json

import click
from flask.cli import AppGroup
from sqlalchemy import select

from core.cli.common import (
    actor,
    bureau_option,
    emit,
    json_option,
    platform,
    readable_errors,
    transaction,
)
from core.domain import cycles, organisation, values
from core.domain.models import Bureau, Cycle, Indicator, IndicatorValue, Person, Unit


@click.group("bureaus", cls=AppGroup)
def bureaus() -> None:
    """Bureaus (局): the tenants, each with its own ledger."""


@bureaus.command("create")
@click.argument("code")
@click.argument("name")
@click.option("--name-en", default="", help="English name")
@readable_errors
def bureaus_create(code: str, name: str, name_en: str) -> None:
    with transaction() as s:
        b = organisation.create_bureau(s, platform(), code, name, name_en, actor=actor())
        click.echo(f"created bureau {b.code} ({b.name}), log jixiao/{b.code}")


@bureaus.command("list")
@json_option
@readable_errors
def bureaus_list(as_json: bool) -> None:
    with transaction() as s:
        rows = [
            {"code": b.code, "name": b.name, "name_en": b.name_en, "entries": b.log.size}
            for b in s.scalars(select(Bureau).order_by(Bureau.code))
        ]
    emit(rows, as_json, ["code", "name", "name_en", "entries"])


@click.group("units", cls=AppGroup)
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
    with transaction() as s:
        b = organisation.get_bureau(s, bureau_code)
        organisation.create_unit(s, b, code, name, name_en, parent, group, actor=actor())
        click.echo(f"created unit {code} in {bureau_code}")


@units.command("regroup")
@bureau_option
@click.argument("code")
@click.argument("group", required=False)
@readable_errors
def units_regroup(bureau_code: str, code: str, group: str | None) -> None:
    """Move a unit to assessment group GROUP (omit GROUP to take it out of any group)."""
    with transaction() as s:
        b = organisation.get_bureau(s, bureau_code)
        organisation.regroup_unit(s, b, code, group, actor=actor())
    click.echo(f"unit {code} is now in group {group or '(none)'}")


@units.command("list")
@bureau_option
@json_option
@readable_errors
def units_list(bureau_code: str, as_json: bool) -> None:
    with transaction() as s:
        b = organisation.get_bureau(s, bureau_code)
        rows = [
            {
                "code": u.code,
                "name": u.name,
                "name_en": u.name_en,
                "parent": u.parent.code if u.parent else None,
                "group": u.group_code,
            }
            for u in s.scalars(select(Unit).where(Unit.bureau_id == b.id).order_by(Unit.code))
        ]
    emit(rows, as_json, ["code", "name", "parent", "group"])


@click.group("people", cls=AppGroup)
def people() -> None:
    """Staff (人员); identifiers are encrypted, the ledger holds keyed hashes."""


@people.command("create")
@bureau_option
@click.argument("code")
@click.argument("name")
@click.option("--unit", default=None)
@click.option("--id-card", default=None, help="resident ID number (stored encrypted)")
@click.option("--phone", default=None)
@click.option("--address", default=None)
@readable_errors
def people_create(bureau_code, code, name, unit, id_card, phone, address) -> None:
    ids = {k: v for k, v in {"id_card": id_card, "phone": phone, "address": address}.items() if v}
    with transaction() as s:
        b = organisation.get_bureau(s, bureau_code)
        organisation.create_person(s, platform(), b, code, name, unit, ids, actor=actor())
        click.echo(f"created person {code} in {bureau_code}")


@people.command("list")
@bureau_option
@json_option
@readable_errors
def people_list(bureau_code: str, as_json: bool) -> None:
    with transaction() as s:
        b = organisation.get_bureau(s, bureau_code)
        rows = [
            {"code": p.code, "name": p.name, "unit": p.unit.code if p.unit else None}
            for p in s.scalars(select(Person).where(Person.bureau_id == b.id).order_by(Person.code))
        ]
    emit(rows, as_json, ["code", "name", "unit"])


@click.group("indicators", cls=AppGroup)
def indicators() -> None:
    """The bureau's indicator library (指标库)."""


@indicators.command("create")
@bureau_option
@click.argument("code")
@click.argument("name")
@click.option("--name-en", default="")
@click.option("--measure", default="", help="unit of measure: %, 分, 元, 件 …")
@readable_errors
def indicators_create(bureau_code, code, name, name_en, measure) -> None:
    with transaction() as s:
        b = organisation.get_bureau(s, bureau_code)
        organisation.create_indicator(s, b, code, name, name_en, measure, actor=actor())
        click.echo(f"created indicator {code} in {bureau_code}")


@indicators.command("list")
@bureau_option
@json_option
@readable_errors
def indicators_list(bureau_code: str, as_json: bool) -> None:
    with transaction() as s:
        b = organisation.get_bureau(s, bureau_code)
        rows = [
            {"code": i.code, "name": i.name, "name_en": i.name_en, "measure": i.measure}
            for i in s.scalars(
                select(Indicator).where(Indicator.bureau_id == b.id).order_by(Indicator.code)
            )
        ]
    emit(rows, as_json, ["code", "name", "name_en", "measure"])


@click.group("cycles", cls=AppGroup)
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
    kinds = [k.strip() for k in periods.split(",") if k.strip()]
    with transaction() as s:
        b = organisation.get_bureau(s, bureau_code)
        c = cycles.create_cycle(s, b, code, name, start.date(), end.date(), kinds, actor=actor())
        click.echo(f"created cycle {code} with {len(c.periods)} periods")


@cycles_group.command("list")
@bureau_option
@json_option
@readable_errors
def cycles_list(bureau_code: str, as_json: bool) -> None:
    with transaction() as s:
        b = organisation.get_bureau(s, bureau_code)
        rows = [
            {
                "code": c.code,
                "name": c.name,
                "start": c.start.isoformat(),
                "end": c.end.isoformat(),
                "periods": [p.code for p in c.periods],
            }
            for c in s.scalars(select(Cycle).where(Cycle.bureau_id == b.id).order_by(Cycle.start))
        ]
    emit(rows, as_json, ["code", "name", "start", "end"])


@click.group("values", cls=AppGroup)
def values_group() -> None:
    """Indicator values (指标数据), each a ledger entry."""


@values_group.command("record")
@bureau_option
@click.option("--unit", required=True)
@click.option("--indicator", required=True)
@click.option("--cycle", required=True)
@click.option("--period", required=True)
@click.option("--corrects", type=int, default=None, help="seq of the entry being corrected")
@click.argument("value")
@readable_errors
def values_record(bureau_code, unit, indicator, cycle, period, corrects, value) -> None:
    row = {
        "unit": unit,
        "indicator": indicator,
        "cycle": cycle,
        "period": period,
        "value": value,
        "corrects": corrects,
    }
    _record(bureau_code, [row])


@values_group.command("import")
@bureau_option
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@readable_errors
def values_import(bureau_code: str, path: str) -> None:
    """Import a JSON array of rows {unit, indicator, cycle, period, value[, corrects]}:
    all rows or none."""
    with open(path, encoding="utf-8") as fh:
        try:
            rows = json.load(fh)
        except ValueError as exc:
            raise click.ClickException(f"{path} is not JSON: {exc}") from exc
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise click.ClickException(f"{path} must hold a JSON array of objects")
    _record(bureau_code, rows)


def _record(bureau_code: str, rows: list[dict]) -> None:
    with transaction() as s:
        b = organisation.get_bureau(s, bureau_code)
        done = values.record_values(s, platform(), b, rows, None, actor())
    click.echo(
        f"recorded {len(done.entries)} value(s) at seq {done.entries[0].seq}–{done.entries[-1].seq}"
    )
    for w in done.warnings:
        click.echo(f"warning: row {w['row']}: {w['message']}")


@values_group.command("list")
@bureau_option
@json_option
@readable_errors
def values_list(bureau_code: str, as_json: bool) -> None:
    with transaction() as s:
        b = organisation.get_bureau(s, bureau_code)
        rows = [
            {
                "unit": v.unit.code,
                "indicator": v.indicator.code,
                "cycle": v.period.cycle.code,
                "period": v.period.code,
                "value": v.value,
                "seq": v.seq,
            }
            for v in s.scalars(
                select(IndicatorValue)
                .join(Unit)
                .where(Unit.bureau_id == b.id)
                .order_by(IndicatorValue.seq)
            )
        ]
    emit(rows, as_json, ["unit", "indicator", "period", "value", "seq"])
