"""Importer for the 苏解纷 online mediation platform's statistics export (D-42).

Seed 002: the platform "automatically records mediation time, success rate and public
ratings, an objective basis for performance assessment". Its statistics export has one
record per mediator (or per justice office, as the office's total) and period:

    统计期间, 司法所编码, 调解员工号, 调解员姓名, 受理数, 调解成功数, 调解成功率(%),
    平均调解时长(天), 群众评价(5分制)

as CSV (from Excel: UTF-8 with or without BOM, GB18030, or UTF-16 "Unicode text",
comma, tab or semicolon separated, possibly under a title line) or as JSON (a list of
records, or an object holding it under ``records``/``data``/``rows``), with Chinese or
English field names (see ``COLUMNS``).

:func:`parse` (the importer ``sujiefen-mediation``) maps each record to value rows
``{unit, person?, indicator, period, value, source_key, note}`` (values as plain,
normalised decimal text), one per figure present: cases, success rate (computed from
cases and successes when the export leaves it out), average days, rating. It returns
every error as ``{row, field, reason}``, the row being the line in the file (CSV) or
the record's number (JSON), the field the column as the file names it. Numbers are
read exactly (JSON numbers as decimals, never floats): a figure with more decimal
places than the platform keeps is refused with the core's reason, never rounded, and
a comma is read only as a thousands separator (1,200), never as a decimal point. The
core records the rows through the one entry path, all or nothing, into the cycle the
user chose. Names and any identifier columns (身份证号, 手机号) are never read: a person is the
staff code the bureau knows them by (D-41). Each value's note names the file by its
SHA-256 and the line, so an auditor can tie every figure to the bytes it came from.

``source_key`` is a digest of the figure's identity *and value* (platform, unit,
person, period, indicator, value), independent of file name, encoding, format, column
order and spelling of numbers: re-importing the same data gives the same keys and the
submission service records nothing twice; a changed figure gets a new key and goes to
the service as a correction to decide, never silently dropped.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import MAX_PREC, Context, Decimal
from typing import Any

from core.plugin_api import CODE, ImportContext, as_text, is_id_card, parse_decimal, quantize

SOURCE = "sujiefen"
KEY_VERSION = "v1"
PLATFORM = "苏解纷"

CASES = "cc_mediation_cases"
SUCCESS_RATE = "cc_mediation_success_rate"
DURATION = "cc_mediation_duration"
RATING = "cc_mediation_rating"

COLUMNS: dict[str, tuple[str, ...]] = {
    "period": ("统计期间", "统计月份", "统计周期", "统计时间", "期间", "月份", "period", "month"),
    "unit": ("司法所编码", "所属司法所编码", "单位编码", "unit", "office", "office_code"),
    "person": ("调解员工号", "调解员编码", "工号", "mediator", "mediator_code", "staff_code"),
    "cases": ("受理数", "受理案件数", "受理件数", "cases"),
    "successes": ("调解成功数", "成功数", "successes"),
    "success_rate": ("调解成功率(%)", "调解成功率", "成功率(%)", "成功率", "success_rate"),
    "duration": (
        "平均调解时长(天)",
        "平均调解时长(日)",
        "平均调解时长",
        "平均时长(天)",
        "avg_days",
        "duration_days",
    ),
    "rating": ("群众评价(5分制)", "群众评价", "群众评价得分", "满意度评分", "rating"),
}
REQUIRED = ("period", "unit")
GRAND_TOTAL = ("合计", "总计", "total")
BLANK = ("", "-", "—", "/", "无", "null", "none")
RATE_TOLERANCE = Decimal("0.1")
MAX_DAYS = Decimal(366)
HEADER_SEARCH = 10
"""Exports often carry a title line or two above the header; look this far."""
THOUSANDS = re.compile(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")
"""A figure with thousands separators (1,234): the only commas a number may hold. A
semicolon-separated export (Excel in a decimal-comma locale) writes 1.5 days as 1,5,
which stripping every comma had read as 15."""


class Refused(Exception):
    """The file as a whole cannot be read: one clear message, no rows."""


@dataclass(frozen=True)
class FieldError:
    """One error: the file's own column name, the reason (Chinese first), the row."""

    field: str
    reason: str
    row: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "reason": self.reason}


@dataclass
class _Record:
    """One record of the export: its row number and fields by canonical name, with the
    name the file used for each (so errors name the file's own column)."""

    row: int
    values: dict[str, Any]
    names: dict[str, str]
    errors: list[FieldError] = field(default_factory=list)
    line: bool = True
    """CSV rows are numbered by line in the file, JSON records by their place."""

    def where(self, number: int | None = None) -> tuple[str, str]:
        """(Chinese, English) name of this row's place, or of another ``number``."""
        n = self.row if number is None else number
        return (f"第{n}行", f"line {n}") if self.line else (f"第{n}条", f"record {n}")

    def fail(self, name: str, reason: str) -> None:
        self.errors.append(FieldError(self.names.get(name, name), reason, self.row))


# --------------------------------------------------------------------------- entry


def parse(
    data: bytes, filename: str, ctx: ImportContext | None = None
) -> tuple[list[dict], list[dict]]:
    """The value rows of an export and every error (``{row, field, reason}``); one file
    error when the file cannot be read at all (wrong kind, unknown encoding, no
    header)."""
    try:
        records = _records(data, filename)
    except Refused as exc:
        return [], [FieldError("file", str(exc)).as_dict()]
    origin = f"sha256:{hashlib.sha256(data).hexdigest()} 「{filename}」"
    rows: list[dict] = []
    errors: list[FieldError] = []
    seen: dict[tuple[str, str, str], int] = {}
    for record in records:
        mapped = _map(record)
        if mapped is not None and not record.errors:
            identity = (mapped.unit, mapped.person or "", mapped.period)
            if identity in seen:
                zh, en = record.where(seen[identity])
                record.fail("person" if mapped.person else "unit", f"与{zh}重复 (duplicates {en})")
            else:
                seen[identity] = record.row
        if record.errors:
            errors.extend(record.errors)
        elif mapped is not None:
            zh, en = record.where()
            rows.extend(mapped.rows(f"{origin} {zh} ({en})", record.row))
    if not rows and not errors:
        errors.append(FieldError("file", "没有数据行 (the file holds no data rows)"))
    return rows, [e.as_dict() for e in errors]


# --------------------------------------------------------------------------- reading


def _records(data: bytes, filename: str) -> list[_Record]:
    kind = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    _refuse_binary(data, kind)
    if kind not in ("csv", "json"):
        raise Refused(
            f"不支持的文件类型“{filename}”，请导出为 CSV 或 JSON "
            f"(unsupported file {filename!r}: export as .csv or .json)"
        )
    text, encoding = _decode(data)
    return _csv_records(text, encoding) if kind == "csv" else _json_records(text)


def _refuse_binary(data: bytes, kind: str) -> None:
    if not data.strip():
        raise Refused("文件为空 (the file is empty)")
    if kind == "xlsx" and not data.startswith(b"PK\x03\x04"):
        raise Refused(
            "文件名为 .xlsx，内容却不是 Excel 工作簿：请导出为 CSV 或 JSON "
            "(named .xlsx but not an Excel workbook: export as .csv or .json)"
        )
    if data.startswith(b"PK\x03\x04") or kind == "xlsx":
        raise Refused(
            "这是 Excel 工作簿（.xlsx），请在平台导出 CSV 或 JSON，或在 Excel 中另存为 CSV "
            "(an Excel workbook: export CSV or JSON instead)"
        )
    if data.startswith(b"\xd0\xcf\x11\xe0") or kind == "xls":
        raise Refused(
            "这是旧版 Excel 文件（.xls），请另存为 CSV (an old Excel file: save it as CSV)"
        )


def _decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030; all strict."""
    if data.startswith(codecs.BOM_UTF8):
        attempts = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        attempts = ["utf-16"]
    else:
        attempts = ["utf-8", "gb18030"]
    if b"\x00" in data and attempts != ["utf-16"]:
        raise Refused("这不是文本文件 (not a text file: it holds NUL bytes)")
    for encoding in attempts:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise Refused(
        "无法识别文件编码，请使用 UTF-8 或 GB18030 (cannot decode the file: use UTF-8 or GB18030)"
    )


def _canonical(name: str) -> str:
    """A column name as compared: no spaces, half-width brackets, lower case."""
    name = name.strip().replace("\ufeff", "").replace("（", "(").replace("）", ")")
    return re.sub(r"\s+", "", name).lower()


_ALIASES = {_canonical(alias): key for key, aliases in COLUMNS.items() for alias in aliases}


def _header(cells: list[str]) -> dict[int, tuple[str, str]]:
    """Column index → (canonical field, the file's name) for the columns we read."""
    found: dict[int, tuple[str, str]] = {}
    taken: set[str] = set()
    for i, cell in enumerate(cells):
        key = _ALIASES.get(_canonical(cell))
        if key and key not in taken:
            found[i] = (key, cell.strip())
            taken.add(key)
    return found


def _missing(columns: Mapping[int, tuple[str, str]]) -> list[str]:
    have = {key for key, _ in columns.values()}
    return [key for key in REQUIRED if key not in have]


def _csv_records(text: str, encoding: str) -> list[_Record]:
    lines = text.splitlines()
    sample = "\n".join(lines[:HEADER_SEARCH])
    delimiter = max((",", "\t", ";"), key=sample.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns: dict[int, tuple[str, str]] | None = None
    width = 0
    records: list[_Record] = []
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if columns is None:
                candidate = _header(cells)
                if not _missing(candidate):
                    columns, width = candidate, len(cells)
                elif reader.line_num >= HEADER_SEARCH:
                    break
                continue
            values = {key: cells[i] for i, (key, _) in columns.items() if i < len(cells)}
            names = {key: name for key, name in columns.values()}
            record = _Record(reader.line_num, values, names)
            if any(c.strip() for c in cells[width:]):  # under no header: not dropped
                record.fail(
                    "file",
                    f"本行有 {len(cells)} 个单元格，表头只有 {width} 列 "
                    f"(the line has {len(cells)} cells; the header has {width} columns)",
                )
            records.append(record)
    except csv.Error as exc:
        raise Refused(
            f"CSV 格式错误，第{reader.line_num}行 (malformed CSV at line {reader.line_num}: {exc})"
        ) from exc
    if columns is None:
        wanted = "、".join(COLUMNS[key][0] for key in REQUIRED)
        raise Refused(
            f"找不到表头：需要“{wanted}”等列（已按 {encoding} 读取，如乱码请检查编码） "
            f"(no header with the required columns {', '.join(REQUIRED)} in the first "
            f"{HEADER_SEARCH} lines, read as {encoding})"
        )
    return records


def _json_records(text: str) -> list[_Record]:
    try:
        # numbers as Decimal, read exactly: a float had read 4.30000000000000000000000000000001
        # as 4.3, and an int of more than 4,300 digits is a ValueError, not a JSON error
        doc = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except RecursionError as exc:
        raise Refused("JSON 嵌套层级过深 (the JSON is nested too deeply)") from exc
    except json.JSONDecodeError as exc:
        raise Refused(
            f"JSON 格式错误：第{exc.lineno}行第{exc.colno}列 "
            f"(invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    if isinstance(doc, dict):
        doc = next((doc[k] for k in ("records", "data", "rows") if k in doc), None)
    if not isinstance(doc, list):
        raise Refused(
            "JSON 应为记录数组，或在 records/data/rows 下给出记录数组 "
            "(expected a list of records, or an object with records, data or rows)"
        )
    records = []
    for number, item in enumerate(doc, start=1):
        if not isinstance(item, dict):
            record = _Record(number, {}, {}, line=False)
            record.fail("record", "每条记录应为对象 (each record must be an object)")
            records.append(record)
            continue
        columns = _header(list(item))
        names = {key: name for key, name in columns.values()}
        keys = list(item)
        values = {key: item[keys[i]] for i, (key, _) in columns.items()}
        records.append(_Record(number, values, names, line=False))
    return records


# --------------------------------------------------------------------------- mapping


@dataclass(frozen=True)
class _Mapped:
    row: int
    unit: str
    person: str | None
    period: str
    figures: tuple[tuple[str, Decimal], ...]

    def rows(self, origin: str, place: int) -> Iterator[dict]:
        """The figures as value rows; ``place`` is the record's row in the file, where
        the core reports a figure the entry path refuses."""
        for indicator, value in self.figures:
            text = _normal(value)
            row = {"unit": self.unit}
            if self.person:
                row["person"] = self.person
            row.update(
                indicator=indicator,
                period=self.period,
                value=text,
                source_key=source_key(self.unit, self.person, self.period, indicator, value),
                note=f"{PLATFORM}平台导入 (imported from {SOURCE}): {origin}",
                source_rows=[place],
            )
            yield row


def source_key(unit: str, person: str | None, period: str, indicator: str, value: Decimal) -> str:
    """``sujiefen:`` and 32 hex digits of SHA-256 over the figure's identity and value
    (the value normalised, so 83.30 and 83.3 are one figure)."""
    identity = [KEY_VERSION, SOURCE, unit, person or "", period, indicator, _normal(value)]
    digest = hashlib.sha256(json.dumps(identity, ensure_ascii=False).encode()).hexdigest()
    return f"{SOURCE}:{digest[:32]}"


EXACT = Context(prec=MAX_PREC)
"""``normalize`` under the default context rounds to 28 digits; a figure may hold 30."""


def _normal(value: Decimal) -> str:
    return as_text(value.normalize(EXACT)) if value else "0"


def _map(record: _Record) -> _Mapped | None:
    """Validate a record's fields and turn them into figures; errors go to the record."""
    if record.errors or all(_blank(x) is None for x in record.values.values()):
        return None
    unit_text = _blank(record.values.get("unit"))
    if unit_text is not None and unit_text.lower() in GRAND_TOTAL:
        return None  # the export's grand total: not a unit's figure
    unit = _code(record, "unit", required=True)
    person = _code(record, "person", required=False)
    period = _period(record)
    cases = _number(record, "cases", whole=True)
    successes = _number(record, "successes", whole=True)
    rate = _number(record, "success_rate", low=Decimal(0), high=Decimal(100))
    days = _number(record, "duration", low=Decimal(0), high=MAX_DAYS)
    rating = _number(record, "rating", low=Decimal(1), high=Decimal(5))
    if cases is not None and successes is not None and successes > cases:
        record.fail("successes", f"成功数大于受理数{cases} (more successes than the {cases} cases)")
    elif cases is not None and successes is not None and cases > 0:
        computed = quantize(successes * 100 / cases)
        if rate is None:
            rate = computed
        elif abs(rate - computed) > RATE_TOLERANCE:
            record.fail(
                "success_rate",
                f"与受理数、成功数不符，应为{computed} "
                f"(does not match cases and successes: {computed} expected)",
            )
    if cases == 0:
        for name, value in (("success_rate", rate), ("duration", days), ("rating", rating)):
            if value:
                record.fail(name, "受理数为0，此项应为空 (no cases: leave this empty)")
        rate = days = rating = None
    if record.errors or unit is None or period is None:
        return None
    figures = tuple(
        (indicator, value)
        for indicator, value in (
            (CASES, cases),
            (SUCCESS_RATE, rate),
            (DURATION, days),
            (RATING, rating),
        )
        if value is not None
    )
    if not figures:
        record.fail("cases", "没有可导入的数值 (no figure to import in this row)")
        return None
    return _Mapped(record.row, unit, person, period, figures)


def _blank(value: Any) -> str | None:
    """The cell as stripped text, or None when it is empty or a dash."""
    if value is None:
        return None
    text = str(value).strip() if not isinstance(value, (int, float)) else repr(value)
    return None if text.lower() in BLANK else text


def _code(record: _Record, name: str, required: bool) -> str | None:
    text = _blank(record.values.get(name))
    if text is None:
        if required:
            record.fail(name, "必填 (required)")
        return None
    if is_id_card(text.upper()):
        record.fail(
            name, "疑似身份证号，请使用工号或编码 (looks like an ID-card number: use the code)"
        )
        return None
    if not CODE.fullmatch(text):
        record.fail(
            name,
            f"编码“{text}”不合规：应为字母、数字、_ . -，最多64位 "
            f"(code {text!r}: letters, digits, '_', '.', '-', up to 64)",
        )
        return None
    return text


def _number(
    record: _Record,
    name: str,
    whole: bool = False,
    low: Decimal = Decimal(0),
    high: Decimal | None = None,
) -> Decimal | None:
    raw = record.values.get(name)
    if isinstance(raw, bool):
        record.fail(name, "应为数字 (must be a number)")
        return None
    text = _blank(raw)
    if text is None:
        return None
    cleaned = re.sub(r"(%|％|天|日|分|件|个)$", "", text).strip()
    if THOUSANDS.fullmatch(cleaned):
        cleaned = cleaned.replace(",", "")
    elif "," in cleaned or "，" in cleaned:
        record.fail(
            name,
            f"“{text}”：小数点请写作“.”，千位分隔符须三位一组 "
            f"({text!r}: write decimals with a point; thousands separators group three digits)",
        )
        return None
    try:
        value = parse_decimal(cleaned if isinstance(raw, str) else raw)
    except ValueError as exc:
        record.fail(name, str(exc))
        return None
    if whole and value != value.to_integral_value():
        record.fail(name, f"应为整数 (must be a whole number, got {text})")
        return None
    if value < low or (high is not None and value > high):
        bound = f"{low}–{high}" if high is not None else f"≥ {low}"
        record.fail(name, f"应在{bound}之间 (must be {bound}, got {text})")
        return None
    return value


_HALF = {"上": 1, "下": 2}
_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4}
_PERIOD_FORMS = (
    ("year", re.compile(r"(\d{4})(?:年度?)?")),
    ("half", re.compile(r"(\d{4})-?[Hh]([12])")),
    ("half", re.compile(r"(\d{4})年?([上下])半年")),
    ("quarter", re.compile(r"(\d{4})-?[Qq]([1-4])")),
    ("quarter", re.compile(r"(\d{4})年?第?([1-4一二三四])季度?")),
    ("month", re.compile(r"(\d{4})[-/.](\d{1,2})")),
    ("month", re.compile(r"(\d{4})年(\d{1,2})月?")),
    ("month", re.compile(r"(\d{4})(\d{2})")),
)
_RANGE = re.compile(r"(\d{4}-\d{1,2}-\d{1,2})\s*(?:~|至|到|—|－|--)\s*(\d{4}-\d{1,2}-\d{1,2})")


def period_code(text: str) -> str | None:
    """The period code (2026, 2026-H1, 2026-Q1, 2026-03) of a period as exports write
    it: 2026年3月, 2026/03, 202603, 2026年第一季度, 2026Q1, 2026年上半年, 2026年度, or a date
    range covering exactly one calendar period (2026-01-01至2026-03-31). None if not."""
    text = re.sub(r"\s+", "", text)
    ranged = _RANGE.fullmatch(text)
    if ranged:
        return _range_code(*ranged.groups())
    for kind, pattern in _PERIOD_FORMS:
        m = pattern.fullmatch(text)
        if not m:
            continue
        year = m.group(1)
        if kind == "year":
            return year
        part = m.group(2)
        if kind == "half":
            return f"{year}-H{_HALF.get(part) or part}"
        if kind == "quarter":
            return f"{year}-Q{_QUARTER.get(part) or part}"
        month = int(part)
        return f"{year}-{month:02d}" if 1 <= month <= 12 else None
    return None


def _range_code(first: str, last: str) -> str | None:
    """The code of the one calendar month, quarter, half or year the range covers
    exactly, else None."""
    try:
        start, end = (dt.date.fromisoformat(_iso(d)) for d in (first, last))
    except ValueError:
        return None
    for months, code in (
        (1, f"{start.year}-{start.month:02d}"),
        (3, f"{start.year}-Q{(start.month - 1) // 3 + 1}"),
        (6, f"{start.year}-H{(start.month - 1) // 6 + 1}"),
        (12, f"{start.year}"),
    ):
        if start.day == 1 and (start.month - 1) % months == 0 and end == _last_day(start, months):
            return code
    return None


def _last_day(start: dt.date, months: int) -> dt.date:
    month = start.month - 1 + months
    following = dt.date(start.year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def _iso(day: str) -> str:
    y, m, d = day.split("-")
    return f"{y}-{int(m):02d}-{int(d):02d}"


def _period(record: _Record) -> str | None:
    text = _blank(record.values.get("period"))
    if text is None:
        record.fail("period", "必填 (required)")
        return None
    code = period_code(text)
    if code is None:
        record.fail(
            "period",
            f"无法识别的统计期间“{text}”，请写作 2026-03、2026-Q1、2026-H1 或 2026 "
            f"(unrecognised period {text!r}: use 2026-03, 2026-Q1, 2026-H1 or 2026)",
        )
    return code
