"""Feeds from other systems (D-42): a plugin's importer turns a file into value rows,
and they are recorded through the one entry path, all or nothing. Rows carry a source
key, so importing the same file again records nothing twice."""

from __future__ import annotations

import re
from typing import Any

from core.domain.cycles import get_cycle, get_period
from core.domain.inputs import values
from core.kernel.errors import FieldError, InvalidInput, NotFound, ServiceError
from core.plugin_api import ImportContext, chinese_first
from core.services.context import Context
from core.services.values import recorded

HOOK = "jixiao_importers"
MAX_IMPORT_BYTES = 32 * 1024 * 1024


def listing(ctx: Context, bureau: str) -> list[dict[str, Any]]:
    with ctx.reading(bureau, "bureau.read") as work:
        return [
            {
                "name": item.name,
                "title": item.title,
                "formats": list(item.formats),
                "plugin": plugin,
            }
            for plugin, item in work.collect(HOOK)
        ]


def run(
    ctx: Context,
    bureau: str,
    name: str,
    data: bytes,
    filename: str,
    cycle: str,
    period: str | None = None,
) -> dict[str, Any]:
    """Parse ``data`` with importer ``name`` and record its rows (or nothing)."""
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidInput(
            "文件过大 (the file is too large)",
            [
                FieldError(
                    "file", f"最多 {MAX_IMPORT_BYTES} 字节 (at most {MAX_IMPORT_BYTES} bytes)"
                )
            ],
        )
    with ctx.writing(bureau, "values.record") as work:
        found = next(((p, i) for p, i in work.collect(HOOK) if i.name == name), None)
        if found is None:
            raise NotFound(
                f"没有导入器 {name!r} (no importer {name!r})",
                [FieldError("importer", "没有此导入器 (unknown importer)")],
            )
        plugin, importer = found
        # the cycle (and a period given for the whole file) named before the file is
        # read: every row would be refused for it, each on its own
        found_cycle = get_cycle(work.session, work.bureau, cycle)
        if period is not None:
            get_period(work.session, found_cycle, period)
        plugin_context = work.context_for(plugin)
        try:
            rows, errors = importer.parse(
                data,
                filename,
                ImportContext(
                    work.bureau.code, cycle, period, plugin_context.settings, work.reader
                ),
            )
        except RecursionError as exc:  # a plugin's parser walking a document nested too deep
            raise InvalidInput(
                "文件嵌套层级过深 (the file is nested too deeply)",
                [FieldError("file", "嵌套层级过深 (nested too deeply to read)")],
            ) from exc
        if errors:
            found = [
                FieldError(str(e.get("field", "file")), _readable(e["reason"]), e.get("row"))
                for e in errors
            ]
            raise InvalidInput(_in_file(filename, found), found)
        places = [_source_rows(r) for r in rows]
        given = [
            {"cycle": cycle, **{k: v for k, v in r.items() if k != SOURCE_ROWS}}
            if isinstance(r, dict)
            else r  # the entry path says it is not an object
            for r in rows
        ]
        try:
            done = recorded(values.record_values(work, given))
        except ServiceError as exc:
            raise _in_the_file(exc, places, filename) from exc
        # warnings and skipped rows name the file's rows too, as errors do
        done["warnings"] = [{**w, "row": _line(places, w["row"])} for w in done["warnings"]]
        done["skipped_rows"] = [_line(places, n) for n in done["skipped_rows"]]
        return {"importer": name, "rows": len(rows), **done}


SOURCE_ROWS = "source_rows"
"""A value row's optional key (API 1.2): the rows of the file it came from (lines of a
CSV, places of a JSON record), so a row the entry path refuses is reported where the
user can find it. Without it, the row is numbered among the importer's value rows, which
differ from the file's lines as soon as there is a header, a blank line or a value made
of several lines."""


def _source_rows(row: object) -> list[int]:
    found = row.get(SOURCE_ROWS) if isinstance(row, dict) else None
    if not isinstance(found, list | tuple):
        return []
    return sorted({n for n in found if type(n) is int and n > 0})


def _in_file(filename: str, errors: list[FieldError]) -> str:
    count = len({e.row for e in errors})
    filename = filename if filename.strip() and filename != "null" else "上传的文件 (the file)"
    return (
        f"{filename} 有 {count} 行有误，未写入任何数据 "
        f"({count} row(s) of {filename} have errors; nothing was written)"
    )


_OTHER_ROW = re.compile(r"第 (\d+) 行|\brow (\d+)")
"""How the entry path's reasons name another row ("the same unit, indicator and period
as row 1"): renumbered like the error's own row."""


def _readable(reason: object) -> str:
    """An importer's reason, Chinese first even where it passed marshmallow's English
    messages on as they were (joined with "; ")."""
    return "; ".join(chinese_first(part) for part in str(reason).split("; "))


def _known(places: list[list[int]], number: object) -> bool:
    """Whether the importer said which rows of the file value row ``number`` came from."""
    return type(number) is int and 0 < number <= len(places) and bool(places[number - 1])


def _line(places: list[list[int]], number: int) -> int:
    """The file's first row value row ``number`` came from (itself when not known)."""
    return places[number - 1][0] if _known(places, number) else number


def _in_the_file(exc: ServiceError, places: list[list[int]], filename: str) -> ServiceError:
    """``exc`` with each row error moved to the file's row its value row came from, and
    each other row a reason names renumbered the same way."""

    def renumbered(match: re.Match) -> str:
        line = _line(places, int(match.group(1) or match.group(2)))
        return f"第 {line} 行" if match.group(1) else f"row {line}"

    def moved(error: FieldError) -> FieldError:
        if not _known(places, error.row):
            return error
        lines = places[error.row - 1]
        reason = _OTHER_ROW.sub(renumbered, error.reason)
        if len(lines) > 1:
            shown = ", ".join(str(n) for n in lines)
            reason = f"{reason}（来自文件第 {shown} 行 (from rows {shown} of the file)）"
        return FieldError(error.field, reason, lines[0])

    # one file row gives several value rows (a mediation line: four indicators), each
    # refused for the same reason: the clerk is told once per row, field and reason
    errors = list(dict.fromkeys(moved(e) for e in exc.errors))
    if errors == exc.errors:
        return exc
    errors.sort(key=lambda e: (e.row is None, e.row or 0))  # in the file's order
    return type(exc)(_in_file(filename, errors), errors)
