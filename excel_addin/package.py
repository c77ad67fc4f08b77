"""The uploaded file as a zip package, checked before any spreadsheet library sees it.

An .xlsx is a zip of XML parts. Before python-calamine parses it this module refuses,
each with its own message: a file that is too large; one that is not a zip at all (a
.xls renamed .xlsx and an encrypted workbook are OLE compound files; a CSV or PDF is
neither); a zip bomb (too many parts, a part or the whole too large once inflated, a
compression ratio no spreadsheet has; every part is inflated here with the sizes held
to what the directory declares, so a lying header is caught too); a macro-enabled
workbook; XML with a DOCTYPE (entity expansion); and a sheet whose cells reach further
than any entry form could (a cell at XFD1048576 would make a reader allocate billions).

It also reads what calamine's values cannot tell: which cells hold formulas, the sheets'
visibility, and merged ranges, straight from the sheet XML.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree

MAX_BYTES = 8 * 1024 * 1024
MAX_PARTS = 5_000
MAX_PART = 64 * 1024 * 1024
MAX_TOTAL = 256 * 1024 * 1024
MAX_RATIO = 100
RATIO_FROM = 1024 * 1024  # small parts may compress far (styles, empty sheets)
MAX_ROWS = 100_000
MAX_COLUMNS = 200
MAX_CELLS = 2_000_000

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
DOC_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
MACRO_TYPES = (b"macroEnabled", b"vbaProject")

_CELL_REF = re.compile(rb"<c\b[^>]*?\br=\"([A-Z]{1,3})([0-9]{1,7})\"")
_ROW_REF = re.compile(rb"<row\b[^>]*?\br=\"([0-9]{1,7})\"")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL = re.compile(rb"<(?:\w+:)?c\b")
_ERROR_CELL = re.compile(rb"<(?:\w+:)?c\b[^>]*?\bt=\"e\"")
_ROW = re.compile(rb"<(?:\w+:)?row\b")


class PackageError(ValueError):
    """The file is refused before parsing; the message says why (中文 (English))."""


@dataclass
class SheetPart:
    name: str
    path: str
    state: str
    xml: bytes = b""
    max_row: int = 0
    max_column: int = 0

    def formulas(self) -> dict[str, str]:
        """Cell address → formula text, for every cell with a formula (shared and array
        formulas included: their other cells carry an empty ``<f>``)."""
        if not _FORMULA.search(self.xml):
            return {}
        found: dict[str, str] = {}
        for _, element in ElementTree.iterparse(io.BytesIO(self.xml)):
            if element.tag == f"{MAIN}c":
                formula = element.find(f"{MAIN}f")
                if formula is not None:
                    found[element.get("r", "?")] = "=" + (formula.text or "")
                element.clear()
        return found

    def error_values(self) -> dict[str, str]:
        """Cell address → error value (``#DIV/0!``, ``#N/A``…) for every cell holding one
        (``t="e"``): calamine reads them as empty cells, which would drop a value the
        clerk believes they entered."""
        if not _ERROR_CELL.search(self.xml):
            return {}
        found: dict[str, str] = {}
        for _, element in ElementTree.iterparse(io.BytesIO(self.xml)):
            if element.tag == f"{MAIN}c":
                if element.get("t") == "e":
                    found[element.get("r", "?")] = element.findtext(f"{MAIN}v") or "#?"
                element.clear()
        return found

    def merged(self) -> list[str]:
        if b"mergeCell" not in self.xml:
            return []
        root = ElementTree.fromstring(self.xml)
        return [m.get("ref", "") for m in root.iter(f"{MAIN}mergeCell")]


@dataclass
class Package:
    data: bytes
    sheets: list[SheetPart] = field(default_factory=list)

    def sheet(self, name: str) -> SheetPart | None:
        return next((s for s in self.sheets if s.name == name), None)


def open_package(data: bytes, max_bytes: int = MAX_BYTES) -> Package:
    """Check ``data`` and read its sheets' XML; PackageError naming the reason."""
    if len(data) > max_bytes:
        raise PackageError(
            f"文件过大：{len(data)} 字节，上限 {max_bytes} 字节 "
            f"(the file is {len(data)} bytes; the limit is {max_bytes})"
        )
    if data.startswith(OLE):
        raise PackageError(
            "这是加密的工作簿或旧版 .xls 文件：请取消密码并另存为 .xlsx "
            "(an encrypted workbook or an old .xls file: remove the password and save as .xlsx)"
        )
    if not data.startswith(ZIP):
        raise PackageError(
            "不是 Excel 工作簿 (.xlsx)：请上传下载的模板 "
            "(not an .xlsx workbook: upload the template you downloaded)"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise PackageError(f"工作簿已损坏 (the workbook is damaged: {exc})") from exc
    _check_sizes(members, len(data))
    parts = {m.filename: m for m in members}
    if "[Content_Types].xml" not in parts or "xl/workbook.xml" not in parts:
        raise PackageError(
            "不是 Excel 工作簿 (.xlsx)：缺少工作簿部件 "
            "(not an .xlsx workbook: the workbook part is missing)"
        )
    types = _read(archive, parts["[Content_Types].xml"])
    if any(marker in types for marker in MACRO_TYPES) or any(
        name.lower().endswith("vbaproject.bin") for name in parts
    ):
        raise PackageError(
            "含宏的工作簿 (.xlsm) 不予接收：请另存为 .xlsx "
            "(macro-enabled workbooks are refused: save as .xlsx)"
        )
    package = Package(data)
    workbook = _xml(archive, parts["xl/workbook.xml"])
    rels = (
        _xml(archive, parts.get("xl/_rels/workbook.xml.rels"))
        if parts.get("xl/_rels/workbook.xml.rels")
        else None
    )
    targets = {
        r.get("Id"): r.get("Target", "") for r in (rels.iter(f"{RELS}Relationship") if rels else [])
    }
    for sheet in workbook.iter(f"{MAIN}sheet"):
        target = targets.get(sheet.get(f"{DOC_RELS}id"), "")
        path = target.lstrip("/") if target.startswith("/") else "xl/" + target
        part = SheetPart(sheet.get("name", ""), path, sheet.get("state", "visible"))
        member = parts.get(path)
        if member is not None:
            part.xml = _read(archive, member)
            _extent(part)
        package.sheets.append(part)
    for name, member in parts.items():
        if name.endswith(".xml") or name.endswith(".rels"):
            _read(archive, member)
    return package


def _check_sizes(members: list[zipfile.ZipInfo], size: int) -> None:
    if len(members) > MAX_PARTS:
        raise PackageError(
            f"压缩包部件过多 ({len(members)})，疑似压缩炸弹 "
            f"(too many parts in the package: {len(members)}; refused as a zip bomb)"
        )
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > MAX_PART or (member.file_size > RATIO_FROM and ratio > MAX_RATIO):
            raise PackageError(
                f"部件 {member.filename} 解压后 {member.file_size} 字节（压缩比 {ratio:.0f}），"
                "疑似压缩炸弹 "
                f"(part {member.filename} inflates to {member.file_size} bytes, ratio "
                f"{ratio:.0f}: refused as a zip bomb)"
            )
    if total > MAX_TOTAL or (total > RATIO_FROM and total / max(size, 1) > MAX_RATIO):
        raise PackageError(
            f"解压后共 {total} 字节，疑似压缩炸弹 "
            f"(the package inflates to {total} bytes: refused as a zip bomb)"
        )


def _read(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """A part's bytes, never more than its declared size (zipfile stops there and checks
    the CRC, so a header that understates the size fails here, not in memory)."""
    try:
        with archive.open(member) as stream:
            data = stream.read(member.file_size + 1)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError) as exc:
        if "encrypted" in str(exc):
            raise PackageError(
                "工作簿已加密：请取消密码 (the workbook is encrypted: remove the password)"
            ) from exc
        raise PackageError(f"工作簿已损坏 (the workbook is damaged: {exc})") from exc
    if len(data) > member.file_size:
        raise PackageError(f"部件 {member.filename} 大小与声明不符 (part size mismatch)")
    # The whole part is searched, not its first bytes: a prolog may hold comments of
    # any length before a DOCTYPE. A part in UTF-16 or UTF-32 (which Excel, WPS and
    # LibreOffice never write) could hide one from a byte search, so it is refused.
    if data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")) or b"\x00" in data[:4]:
        raise PackageError(
            f"部件 {member.filename} 不是 UTF-8 编码的 XML "
            f"(part {member.filename} is not XML in UTF-8)"
        )
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise PackageError(
            f"部件 {member.filename} 含 DOCTYPE，不予接收 "
            f"(part {member.filename} declares a DOCTYPE: refused)"
        )
    return data


def _xml(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(_read(archive, member))
    except ElementTree.ParseError as exc:
        raise PackageError(f"工作簿已损坏 (the workbook is damaged: {exc})") from exc


def _extent(part: SheetPart) -> None:
    """How far the sheet's cells reach, from the cells themselves (the ``<dimension>``
    record is not trusted: WPS writes wrong ones), refused when beyond any form."""
    rows = [int(r) for r in _ROW_REF.findall(part.xml)]
    columns = {letters for letters, _ in _CELL_REF.findall(part.xml)}
    part.max_row = max(rows, default=0)
    part.max_column = max((_column_number(c) for c in columns), default=0)
    cells = len(_CELL.findall(part.xml))
    part.max_row = max(part.max_row, len(_ROW.findall(part.xml)))
    part.max_column = max(part.max_column, min(cells, MAX_COLUMNS + 1) if not columns else 0)
    if (
        part.max_row > MAX_ROWS
        or part.max_column > MAX_COLUMNS
        or cells > MAX_CELLS
        or part.max_row * part.max_column > MAX_CELLS
    ):
        raise PackageError(
            f"工作表“{part.name}”的范围过大（{part.max_row} 行 × {part.max_column} 列）"
            f"(sheet '{part.name}' reaches {part.max_row} rows × {part.max_column} columns: "
            "more than any entry form)"
        )


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters:
        number = number * 26 + char - 64
    return number
