"""Appeals filed at the same moment get distinct codes (numbered under the log lock),
and of several filed at once on the same thing, one is filed and the rest are told it
is already open (checked under the same lock)."""

from __future__ import annotations

import threading

from core.kernel.errors import Conflict
from core.services import appeals


def _race(system, rows: list[dict]) -> tuple[list[str], list[Exception]]:
    codes, errors = [], []
    start = threading.Barrier(len(rows))

    def file(row: dict) -> None:
        try:
            start.wait()
            codes.append(appeals.file(system, "b1", row)["code"])
        except Exception as exc:  # reported by the callers' assertions
            errors.append(exc)

    threads = [threading.Thread(target=file, args=(row,)) for row in rows]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return codes, errors


def _row(period: str, n: int) -> dict:
    return {"unit": "u1", "indicator": "i1", "cycle": "2026", "period": period,
            "reason": f"申诉{n}"}  # fmt: skip


def test_simultaneous_appeals_get_distinct_codes(platform, world, system):
    codes, errors = _race(system, [_row(f"2026-Q{q}", q) for q in (1, 2, 3, 4)])
    assert errors == []
    assert sorted(codes) == ["A00001", "A00002", "A00003", "A00004"]


def test_one_open_appeal_per_subject_indicator_and_period(platform, world, system):
    codes, errors = _race(system, [_row("2026", n) for n in range(4)])
    assert codes == ["A00001"]
    assert len(errors) == 3 and all(isinstance(e, Conflict) for e in errors), errors
    assert all("A00001" in str(e) for e in errors)
