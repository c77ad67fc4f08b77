"""Feeds from other systems (D-42): a plugin's importer turns a file into value rows,
and they are recorded through the one entry path, all or nothing. Rows carry a source
key, so importing the same file again records nothing twice."""

from __future__ import annotations

from typing import Any

from core.domain.inputs import values
from core.kernel.errors import FieldError, InvalidInput, NotFound
from core.plugin_api import ImportContext
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
            raise InvalidInput(
                f"{filename} 有 {len({e.get('row') for e in errors})} 行有误，未写入任何数据 "
                f"({len({e.get('row') for e in errors})} row(s) of {filename} have errors; "
                "nothing was written)",
                [
                    FieldError(str(e.get("field", "file")), str(e["reason"]), e.get("row"))
                    for e in errors
                ],
            )
        done = recorded(values.record_values(work, [{"cycle": cycle, **r} for r in rows]))
        return {"importer": name, "rows": len(rows), **done}
