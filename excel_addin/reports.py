"""Results out to Excel, laid out for printing: rankings and grades per group, one
subject's result with its explanation tree as indented rows, and the health report's
dimension scores (绩效体检报告).

Scores are written as numbers with a two-place format (the stored decimals have two
places, so nothing is rounded on the way), shares as percentages; headers are frozen
and repeated on every printed page; pages are landscape, one page wide.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from excel_addin import styles
from excel_addin.layout import sheet_title
from excel_addin.writing import put

SCORE = "0.00"
SHARE = "0.0%"


def _number(text: Any) -> Any:
    """A stored decimal as a spreadsheet number (text stays text)."""
    if text is None or text == "":
        return None
    try:
        return float(Decimal(str(text)))
    except ArithmeticError:
        return str(text)


def _table(
    sheet: Worksheet,
    title: str,
    headers: Sequence[tuple[str, float, str | None]],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Title, header row (frozen, repeated on printed pages), rows with formats."""
    put(sheet, 1, 1, title).font = styles.TITLE
    for column, (header, width, _) in enumerate(headers, start=1):
        head = put(sheet, 3, column, header)
        head.font, head.fill, head.alignment, head.border = (
            styles.BOLD, styles.HEADER, styles.CENTRE, styles.GRID
        )  # fmt: skip
        sheet.column_dimensions[head.column_letter].width = width
    for offset, row in enumerate(rows):
        for column, value in enumerate(row, start=1):
            target = put(sheet, 4 + offset, column, value)
            target.border = styles.GRID
            number_format = headers[column - 1][2]
            if number_format and isinstance(value, (int, float)):
                target.number_format = number_format
    sheet.freeze_panes = "A4"
    sheet.print_title_rows = "3:3"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.gridLines = False


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def dimension_names(rows: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Top-level node code → name, from the explanation trees (when present)."""
    names: dict[str, str] = {}
    for row in rows:
        for node in (row.get("explanation") or {}).get("nodes", []):
            names.setdefault(node["code"], node.get("name") or node["code"])
    return names


def rankings(
    rows: Sequence[Mapping[str, Any]], bureau: str, cycle: str, period: str | None
) -> bytes:
    """One sheet per group: rank, subject, total, grade, flags and dimension scores."""
    book = Workbook()
    book.remove(book.active)
    names = dimension_names(rows)
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row.get("group") or "-", []).append(row)
    taken: set[str] = set()
    window = period or cycle
    for group, members in sorted(groups.items()):
        members = sorted(members, key=lambda r: (r.get("rank") or 10**9, r["subject"]))
        dimensions = list(dict.fromkeys(code for r in members for code in r.get("dimensions", {})))
        headers = [
            ("名次 (Rank)", 9, "0"),
            ("代码 (Code)", 12, None),
            ("名称 (Name)", 24, None),
            ("方案 (Scheme)", 16, None),
            ("总分 (Total)", 11, SCORE),
            ("等级 (Grade)", 16, None),
            ("标记 (Flags)", 16, None),
            *[(f"{names.get(d, d)} ({d})", 14, SCORE) for d in dimensions],
        ]
        table = [
            [
                r.get("rank"),
                r["subject"],
                r.get("name"),
                f"{r.get('scheme') or ''} v{r.get('version') or ''}",
                _number(r.get("total")),
                r.get("grade_name") or r.get("grade"),
                ", ".join(r.get("flags") or []),
                *[_number(r.get("dimensions", {}).get(d)) for d in dimensions],
            ]
            for r in members
        ]
        sheet = book.create_sheet(sheet_title(f"{group}组", "排名 (ranking)", taken))
        _table(
            sheet,
            f"{bureau} {window} {group}组排名与等级 (ranking and grades, group {group}) · "
            f"as of ledger size {members[0].get('as_of', '')}",
            headers,
            table,
        )
    if not groups:
        _table(book.create_sheet("排名 (ranking)"), "暂无结果 (no results)", [("-", 10, None)], [])
    return _save(book)


def explanation(result: Mapping[str, Any], bureau: str, cycle: str) -> bytes:
    """One subject's total and the tree behind it, one row per node and per period
    (indented by depth), down to the ledger seqs of each input."""
    book = Workbook()
    sheet = book.active
    sheet.title = "得分明细 (explanation)"
    headers = [
        ("节点 (Node)", 34, None),
        ("指标 (Indicator)", 12, None),
        ("规则 (Rule)", 16, None),
        ("分值 (Points)", 10, SCORE),
        ("得分 (Score)", 10, SCORE),
        ("期间 (Period)", 12, None),
        ("输入 (Input)", 14, None),
        ("账本序号 (Ledger seqs)", 18, None),
        ("备注 (Note)", 24, None),
    ]
    rows: list[list[Any]] = []
    depths: list[int] = []

    def walk(node: Mapping[str, Any], depth: int) -> None:
        rows.append(
            [
                f"{node.get('name') or node['code']} ({node['code']})",
                node.get("indicator"),
                node.get("rule"),
                _number(node.get("points")),
                _number(node.get("score")),
                None,
                None,
                None,
                node.get("note"),
            ]
        )
        depths.append(depth)
        for period in node.get("periods", []):
            shown = period.get("input")
            rows.append(
                [
                    None,
                    None,
                    None,
                    None,
                    _number(period.get("score")),
                    period.get("period"),
                    shown if not isinstance(shown, (list, dict)) else str(shown),
                    ", ".join(str(s) for s in period.get("seqs", [])),
                    period.get("note"),
                ]
            )
            depths.append(depth + 1)
        for child in node.get("children", []):
            walk(child, depth + 1)

    tree = result.get("explanation") or {}
    for node in tree.get("nodes", []):
        walk(node, 0)
    for adjustment in tree.get("adjustments", []):
        rows.append(
            [f"调整 (adjustment): {adjustment}", None, None, None, None, None, None, None, None]
        )
        depths.append(0)
    grade = result.get("grade_name") or result.get("grade") or "-"
    standing = f"名次 (rank) {result.get('rank')}/{result.get('group_size')}; 等级 (grade) {grade}"
    rows.append(
        ["总分 (Total)", None, None, None, _number(result.get("total")), *[None] * 3, standing]
    )
    depths.append(0)
    _table(
        sheet,
        f"{result.get('name')} ({result['subject']}) {bureau} {cycle} 得分明细 (score explanation)"
        f" · as of ledger size {result.get('as_of', '')}",
        headers,
        rows,
    )
    for offset, depth in enumerate(depths):
        target = sheet.cell(4 + offset, 1)
        target.alignment = Alignment(indent=depth * 2)
        if depth == 0 and target.value:
            target.font = styles.BOLD
    return _save(book)


def health(
    rows: Sequence[Mapping[str, Any]], names: Mapping[str, str], bureau: str, cycle: str
) -> bytes:
    """绩效体检报告: each subject's share of the points of every dimension."""
    book = Workbook()
    sheet = book.active
    sheet.title = "体检报告 (health)"
    dimensions = list(dict.fromkeys(code for r in rows for code in r.get("health", {})))
    headers = [
        ("代码 (Code)", 12, None),
        ("名称 (Name)", 24, None),
        ("组 (Group)", 8, None),
        ("总分 (Total)", 11, SCORE),
        ("等级 (Grade)", 14, None),
        *[(f"{names.get(d, d)} ({d})", 14, SHARE) for d in dimensions],
    ]
    table = [
        [
            r["subject"],
            r.get("name"),
            r.get("group"),
            _number(r.get("total")),
            r.get("grade"),
            *[_number(r.get("health", {}).get(d)) for d in dimensions],
        ]
        for r in sorted(rows, key=lambda r: (r.get("group") or "", r["subject"]))
    ]
    _table(
        sheet,
        f"{bureau} {cycle} 绩效体检报告：各维度得分率 (health report: share of each dimension's "
        "points)",
        headers,
        table,
    )
    return _save(book)
