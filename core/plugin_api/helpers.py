"""What plugins keep needing: half-up rounding, trimmed means, sharing a pool, what a
code is, spotting an ID-card number, reading an uploaded CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from decimal import ROUND_DOWN, Decimal

from core.kernel.errors import ServiceError
from core.kernel.files import decode_text
from core.kernel.numbers import as_text, parse_decimal, quantize
from core.kernel.privacy import is_id_card
from core.kernel.text import CODE

FEN = Decimal("0.01")
RATER_ROLES = ("superior", "service_recipient", "third_party", "peer", "self", "public", "expert")
"""Who rates a subject (D-13, D-14): superior 上级, service recipients 服务对象, third
parties 第三方, peers 同级, self 自评, the public 公众, experts 专家 (drawn onto panels)."""

__all__ = [
    "CODE",
    "FEN",
    "RATER_ROLES",
    "as_text",
    "is_id_card",
    "parse_decimal",
    "quantize",
    "read_csv",
    "share_pool",
    "trimmed_mean",
]


def trimmed_mean(scores: Sequence[Decimal], trim: int) -> Decimal | None:
    """Mean after dropping the ``trim`` highest and lowest scores (去掉最高分和最低分);
    with too few scores to trim, the plain mean. None when there are no scores."""
    if not scores:
        return None
    ordered = sorted(scores)
    if trim and len(ordered) > 2 * trim:
        ordered = ordered[trim:-trim]
    return sum(ordered, Decimal(0)) / len(ordered)


def share_pool(pool: Decimal, weights: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Split ``pool`` in proportion to ``weights``, in fen, adding up exactly (largest
    remainder; equal remainders go to the lower code)."""
    total = sum(weights.values(), Decimal(0))
    if not total:
        return {key: Decimal("0.00") for key in weights}
    exact = {key: pool * w / total for key, w in weights.items()}
    shares = {key: v.quantize(FEN, rounding=ROUND_DOWN) for key, v in exact.items()}
    left = int((pool.quantize(FEN, rounding=ROUND_DOWN) - sum(shares.values())) / FEN)
    by_remainder = sorted(exact, key=lambda key: (-(exact[key] - shares[key]), key))
    for key in by_remainder[:left]:
        shares[key] += FEN
    return shares


NOT_CSV = frozenset({"json", "xlsx", "xls", "xml", "pdf", "doc", "docx", "zip"})
"""File name endings :func:`read_csv` refuses by name: exports a clerk may pick by mistake."""


def read_csv(data: bytes, name: str = "file") -> list[tuple[int, dict[str, str]]]:
    """An uploaded CSV (an importer's ``data``) as (line number, row) pairs: UTF-8 (with
    or without BOM) or GB18030, comma separated, the first non-blank line the header.
    Rows are keyed by the stripped header names, cells stripped, blank lines skipped;
    line numbers are those a spreadsheet user sees; a short row's missing cells are
    blank, and a row with text past the header's last column is refused. ValueError
    (the reason, Chinese first) when the file is not such a CSV."""
    kind = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if kind in NOT_CSV:  # read as CSV, a JSON export had been "a file with no data rows"
        raise ValueError(
            f"不支持的文件类型 .{kind}，请导出为 CSV (a .{kind} file is not CSV: export as .csv)"
        )
    try:
        text = decode_text(data, name)
    except ServiceError as exc:
        raise ValueError(f"无法读取文件 (cannot read the file): {exc}") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [cell.strip() for cell in cells]
                named = [h for h in header if h]
                twice = sorted({h for h in named if named.count(h) > 1})
                if twice:  # which of two "unit" columns is meant? neither silently
                    raise ValueError(
                        f"表头重复：{', '.join(twice)} (a column appears twice in the header)"
                    )
                continue
            extra = [cell for cell in cells[len(header) :] if cell.strip()]
            if extra:  # under no header: dropped, the row would mean something else
                raise ValueError(
                    f"第{reader.line_num}行有 {len(cells)} 个单元格，表头只有 {len(header)} 列 "
                    f"(line {reader.line_num} has {len(cells)} cells; the header has "
                    f"{len(header)} columns)"
                )
            row = {key: cell.strip() for key, cell in zip(header, cells, strict=False) if key}
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise ValueError(
            f"CSV 格式错误，第{reader.line_num}行 (malformed CSV at line {reader.line_num}: {exc})"
        ) from exc
    if header is None:
        raise ValueError("文件为空 (the file is empty)")
    return rows
