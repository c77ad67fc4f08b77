"""``jixiao excel …``: entry templates, importing filled-in workbooks, and results as
workbooks for printing (Excel, WPS and LibreOffice read them all).

Needs the ``excel`` extra (``pip install 'jixiao[excel]'``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from core.cli.common import bureau_option, context, print_json, readable_errors


def _write(default: str, data: bytes, output: str | None) -> Path | None:
    """Write ``data`` to ``output`` (default: ``default``); ``-`` is standard output
    (None is returned then, so nothing else is printed there)."""
    if output == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return None
    path = Path(output or default)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise click.ClickException(
            f"无法写入 {path} (cannot write {path}: {exc.strerror or exc})"
        ) from exc
    return path


@click.group("excel")
def excel() -> None:
    """Excel workbooks: templates, import, results (模板、导入、结果)."""


@excel.command("template")
@bureau_option
@click.option("--cycle", required=True)
@click.option("--period", required=True, help="period code, e.g. 2026-Q1")
@click.option("--unit", default=None, help="the unit whose form it is")
@click.option("--person", default=None, help="the person whose form it is")
@click.option(
    "--all-units",
    is_flag=True,
    help="汇总表: one sheet per unit the caller may enter for",
)
@click.option("--units", default="", help="with --all-units: only these units (comma-separated)")
@click.option("--each", is_flag=True, help="with --all-units: one file per unit, into folder -o")
@click.option("-o", "--output", default=None, help="file to write (default: a name from the form)")
@readable_errors
def template_command(bureau_code, cycle, period, unit, person, all_units, units, each, output):
    """Write an entry template (.xlsx) for one unit or person, or an office's 汇总表."""
    from excel_addin import exports, sources

    if (each or units) and not all_units:
        raise click.UsageError(
            "--each 与 --units 须与 --all-units 同用 (--each and --units go with --all-units)"
        )
    if all_units:
        if unit or person:
            raise click.UsageError(
                "--all-units 为每个单位各生成一张表：请不要填 --unit/--person "
                "(--all-units makes a sheet per unit: leave out --unit/--person)"
            )
        chosen = [u.strip() for u in units.split(",") if u.strip()]
        if each:
            if output == "-":
                raise click.UsageError("--each 写入文件夹 (--each writes into a folder: -o DIR)")
            folder = Path(output or ".")
            folder.mkdir(parents=True, exist_ok=True)
            for name, data in exports.unit_templates(context(), bureau_code, cycle, period, chosen):
                click.echo(str(_write(str(folder / name), data, None)))
            return
        name, data = exports.entry_template(context(), bureau_code, cycle, period, None, chosen)
    else:
        subject = sources.subject_of(unit, person)
        name, data = exports.entry_template(context(), bureau_code, cycle, period, subject)
    _say_written(_write(name, data, output))


def _say_written(path: Path | None) -> None:
    if path is not None:  # written to standard output: nothing more goes there
        click.echo(str(path))


@excel.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@bureau_option
@click.option("-o", "--output", default=None, help="where to write the annotated copy on errors")
@click.option("--json", "as_json", is_flag=True, help="print the outcome as JSON")
@readable_errors
def import_command(file: str, bureau_code: str, output: str | None, as_json: bool) -> None:
    """Check and submit a filled-in template. If anything is wrong nothing is written:
    the problems are listed (sheet!cell: reason) and an annotated copy is saved."""
    from core.kernel.files import MAX_TEXT_FILE, read_bounded
    from core.services import bureaus
    from excel_addin import importer

    if output == "-":
        raise click.UsageError(
            "标注副本须写入文件 (the annotated copy goes to a file: -o FILE.xlsx)"
        )
    bureaus.get(context(), bureau_code)  # an unknown bureau is named as such, first

    path = Path(file)
    outcome = importer.import_workbook(context(), bureau_code, read_bounded(path, MAX_TEXT_FILE))
    annotated, unwritten = None, None
    if outcome.annotated is not None:
        try:
            annotated = _write(
                str(path.with_name(path.stem + ".errors.xlsx")), outcome.annotated, output
            )
        except click.ClickException as exc:  # the problems are still listed below
            unwritten = exc.message
    if as_json:
        print_json({**outcome.summary(), "annotated": str(annotated) if annotated else None})
    else:
        for sheet in outcome.sheets:
            click.echo(
                f"{sheet['sheet']}: {len(sheet['entries'])} 条已记录 (recorded), "
                f"{len(sheet['warnings'])} 条预警 (warnings)"
            )
            for warning in sheet["warnings"]:
                click.echo(f"  {warning['sheet']}!{warning['cell']}: {warning['message']}")
        for problem in outcome.problems:
            click.echo(str(problem), err=True)
        if annotated:
            click.echo(f"标注副本 (annotated copy): {annotated}", err=True)
        elif (
            not unwritten
            and outcome.problems
            and not any(p.field == "file" for p in outcome.problems)
        ):
            click.echo(
                "无法生成标注副本：工作簿无法按原样重新打开 "
                "(no annotated copy: the workbook cannot be reopened as it is)",
                err=True,
            )
    if unwritten:
        click.echo(unwritten, err=True)
    if not outcome.ok:
        raise SystemExit(1)


@excel.command("results")
@bureau_option
@click.option("--cycle", required=True)
@click.option("--period", default=None, help="the standing within one period")
@click.option("--unit", default=None, help="one unit's result with its explanation")
@click.option("--person", default=None, help="one person's result with its explanation")
@click.option("--health", is_flag=True, help="the health report's dimension scores")
@click.option("-o", "--output", default=None)
@readable_errors
def results_command(bureau_code, cycle, period, unit, person, health, output) -> None:
    """Write results as a workbook for printing: rankings and grades per group (the
    default), one subject's explanation (--unit/--person), or the health report."""
    from excel_addin import exports

    ctx = context()
    if health:
        name, data = exports.health(ctx, bureau_code, cycle)
    elif unit or person:
        kind, code = ("unit", unit) if unit else ("person", person)
        name, data = exports.explanation(ctx, bureau_code, cycle, code, kind, period)
    else:
        name, data = exports.rankings(ctx, bureau_code, cycle, period)
    _say_written(_write(name, data, output))
