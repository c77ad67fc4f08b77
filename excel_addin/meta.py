"""The ``_meta`` sheet of a template: what it was made for, and a hash of its layout.

The sheet is *very hidden* (no menu in Excel or WPS unhides it) and holds key/value
rows: the format, the template id, bureau, cycle, period, scheme and version, the
columns, and one row per entry sheet naming its subject and its indicators in order.
The last row is a SHA-256 over all of that in canonical JSON. On import the hash is
recomputed from what the workbook *shows* (headers, indicator codes, sheet names), so a
renamed or reordered column, a moved, added or deleted row, or an edited ``_meta`` is
caught and named before anything is sent.

The hash is a checksum, not a signature: someone who edits ``_meta`` and recomputes it
gains nothing, since the server rebuilds the entry form and checks every row against
it (and the permission of the uploader) anyway.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from excel_addin.layout import FORMAT, Layout

KEYS = ("format", "template", "bureau", "cycle", "period")


@dataclass
class SheetMeta:
    """One entry sheet: its subject, the scheme version its form came from (a 汇总表
    may span groups with schemes of their own) and its indicator rows in order."""

    name: str
    kind: str
    subject: str
    scheme: str | None
    scheme_version: int | None
    indicators: list[str]
    prefilled: dict[str, str] = field(default_factory=dict)
    """Indicator → the current value the template was made with: a row left as it was
    is not sent again (it would record a needless correction)."""
    seqs: dict[str, int] = field(default_factory=dict)
    """Indicator → the ledger seq of that value. A changed row corrects exactly that
    entry, so a template made before someone else corrected the figure is refused
    instead of silently reverting the newer figure."""
    based: bool = True
    """False for templates made before seqs were recorded: their rows name no seq."""


@dataclass
class Meta:
    bureau: str
    cycle: str
    period: str
    layout: Layout
    sheets: list[SheetMeta] = field(default_factory=list)
    format: str = FORMAT

    def body(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "bureau": self.bureau,
            "cycle": self.cycle,
            "period": self.period,
            "columns": self.layout.describe(),
            "sheets": [
                {
                    "name": s.name,
                    "kind": s.kind,
                    "subject": s.subject,
                    "scheme": s.scheme,
                    "scheme_version": s.scheme_version,
                    "indicators": s.indicators,
                    "prefilled": s.prefilled,
                    "seqs": s.seqs,
                }
                for s in self.sheets
            ],
        }

    @property
    def template(self) -> str:
        """A stable id: the same bureau, period, subjects and scheme version give the
        same id, so a re-download is recognisably the same template."""
        what = {k: v for k, v in self.body().items() if k != "columns"}
        for sheet in what["sheets"]:
            for key in ("indicators", "name", "prefilled", "seqs"):
                sheet.pop(key)
        return "jx-" + digest(what)[:16]

    @property
    def hash(self) -> str:
        return "sha256:" + digest(self.body())

    def rows(self) -> list[list[Any]]:
        """The ``_meta`` sheet's rows."""
        body = self.body()
        out: list[list[Any]] = [["format", self.format], ["template", self.template]]
        out += [[key, body[key]] for key in KEYS[2:]]
        out.append(["columns", json.dumps(body["columns"], ensure_ascii=False)])
        for sheet in self.sheets:
            out.append(
                ["sheet", sheet.name, sheet.kind, sheet.subject, sheet.scheme, sheet.scheme_version]
            )
            # codes go in chunks: a cell holds at most 32,767 characters
            for chunk in chunks(sheet.indicators, 500):
                out.append(["indicators", sheet.name, json.dumps(chunk, ensure_ascii=False)])
            for chunk in chunks(sorted(sheet.prefilled.items()), 250):
                if chunk:
                    out.append(["prefilled", sheet.name, json.dumps(chunk, ensure_ascii=False)])
            for chunk in chunks(sorted(sheet.seqs.items()), 250):
                out.append(["seqs", sheet.name, json.dumps(chunk, ensure_ascii=False)])
        out.append(["hash", self.hash])
        return out


class MetaError(ValueError):
    """The ``_meta`` sheet is missing a part or cannot be read."""


def chunks(items: Sequence[Any], size: int) -> list[list[Any]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)] or [[]]


def digest(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def parse(rows: Sequence[Sequence[Any]]) -> tuple[Meta, str, str]:
    """(meta, template id, hash) as the ``_meta`` sheet states them."""
    found: dict[str, Any] = {}
    sheets: dict[str, SheetMeta] = {}
    try:
        for row in rows:
            if not row or row[0] in ("", None):
                continue
            key = str(row[0])
            if key == "sheet":
                scheme = None if row[4] in ("", None) else str(row[4])
                version = None if row[5] in ("", None) else int(float(row[5]))
                sheets[str(row[1])] = SheetMeta(
                    str(row[1]), str(row[2]), str(row[3]), scheme, version, [], based=False
                )
            elif key == "indicators":
                sheets[str(row[1])].indicators.extend(json.loads(str(row[2])))
            elif key == "prefilled":
                sheets[str(row[1])].prefilled.update(dict(json.loads(str(row[2]))))
            elif key == "seqs":
                sheet = sheets[str(row[1])]
                sheet.based = True
                sheet.seqs.update({str(k): int(v) for k, v in json.loads(str(row[2]))})
            else:
                found[key] = row[1]
        meta = Meta(
            bureau=str(found["bureau"]),
            cycle=str(found["cycle"]),
            period=str(found["period"]),
            layout=Layout.from_description(json.loads(str(found["columns"]))),
            sheets=list(sheets.values()),
            format=str(found["format"]),
        )
        return meta, str(found["template"]), str(found["hash"])
    except (KeyError, IndexError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        # whatever the edit broke, the clerk's remedy is the same (and Python's own
        # wording, "string indices must be integers", would tell them nothing)
        raise MetaError("_meta 工作表不完整或被改动 (_meta is incomplete or edited)") from exc
