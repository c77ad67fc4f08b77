"""Appeals filed at the same moment get distinct codes (numbered under the log lock)."""

from __future__ import annotations

import threading

from core.services import appeals


def test_simultaneous_appeals_get_distinct_codes(platform, world, system):
    codes, errors = [], []
    start = threading.Barrier(4)

    def file(n: int) -> None:
        row = {
            "unit": "u1",
            "indicator": "i1",
            "cycle": "2026",
            "period": "2026",
            "reason": f"申诉{n}",
        }
        try:
            start.wait()
            codes.append(appeals.file(system, "b1", row)["code"])
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=file, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(codes) == ["A00001", "A00002", "A00003", "A00004"]
