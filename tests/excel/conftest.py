"""An office collecting quarterly figures: world's bureau b1 with a published scheme
for group A whose leaves are entered each quarter (a ratio, a count with evidence
required, a qualitative grade) and one annual leaf that is not on a quarter's form."""

from __future__ import annotations

import hashlib
import os

import pytest

# xlwings registers its PRO remote engine (xw.Book(json=…)) when it is first imported,
# if a licence key is set then: the tests run under PolyForm Noncommercial.
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

from core.services import evidence, indicators, schemes
from tests.helpers import as_user, build_world

SCHEME = {
    "code": "quarterly",
    "name": "季度考核",
    "name_en": "Quarterly assessment",
    "group": "A",
    "total": 100,
    "nodes": [
        {
            "code": "task",
            "name": "任务完成",
            "points": 40,
            "indicator": "i1",
            "frequency": "quarter",
            "rule": {"type": "target_ratio", "params": {"target": "95"}},
            "target": 95,
        },
        {
            "code": "complaints",
            "name": "投诉",
            "points": 30,
            "indicator": "i2",
            "frequency": "quarter",
            "direction": "lower",
            "evidence": True,
            "rule": {"type": "target_ratio", "params": {"target": "5", "direction": "lower"}},
            "target": 5,
        },
        {
            "code": "quality",
            "name": "服务质量",
            "points": 20,
            "indicator": "i3",
            "frequency": "quarter",
            "rule": {
                "type": "grade_points",
                "params": {"grades": {"优": "1", "良": "0.8", "中": "0.6", "差": "0"}},
            },
        },
        {
            "code": "annual",
            "name": "年度目标",
            "points": 10,
            "indicator": "i4",
            "frequency": "year",
            "rule": {"type": "target_ratio", "params": {"target": "100"}},
        },
    ],
}


EVIDENCE_BYTES = "投诉台账 (complaints register), 2026 Q1".encode()
EVIDENCE = hashlib.sha256(EVIDENCE_BYTES).hexdigest()


class Entry:
    """The bureau, its users and the published quarterly scheme."""

    def __init__(self, platform, world) -> None:
        self.platform = platform
        self.world = world
        self.system = as_user(platform, "b1-bureau_admin", "b1")
        indicators.create(self.system, "b1", "i3", "服务质量评级", "Service quality", "grade")
        indicators.create(self.system, "b1", "i4", "年度目标完成率", "Annual goal", "%")
        schemes.import_scheme(self.system, "b1", "2026", SCHEME, publish=True)
        for unit in ("u1", "u2", "u3"):  # the evidence the filled forms cite
            evidence.attach(self.system, "b1", EVIDENCE_BYTES, "投诉台账.pdf", "", unit)

    def reporter(self):
        return as_user(self.platform, "b1-reporter", "b1")

    def admin(self):
        return self.system


@pytest.fixture
def entry(platform) -> Entry:
    return Entry(platform, build_world(platform))


def fill(data: bytes, cells: dict[str, object], sheet: int | str = 0) -> bytes:
    """The workbook with ``cells`` typed in (openpyxl, as a clerk's program would)."""
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    target = book.worksheets[sheet] if isinstance(sheet, int) else book[sheet]
    for address, value in cells.items():
        target[address] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rezip(data: bytes, edit) -> bytes:
    """The package with each part passed through ``edit(name, bytes) -> bytes``."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, edit(info.filename, src.read(info)), zipfile.ZIP_DEFLATED)
    return out.getvalue()


def current_values(platform, bureau: str = "b1") -> dict[tuple, str]:
    """(subject, indicator, period) → value, through the values service."""
    from core.services import values
    from core.services.context import Context

    rows = values.listing(Context.system(platform, "system:test"), bureau)
    return {
        (r.get("unit") or r.get("person"), r["indicator"], r["period"]): r["value"] for r in rows
    }
