"""A refresh rewrites the rescored subjects' rows whole and only the ranks, grades and
sizes of the others (from the engine kept in memory, or from a fresh engine that adopts
the stored base scores). Whatever path it takes, the stored rows must equal a rebuild
from the ledger, in the cycle and in every quarter's standing."""

from __future__ import annotations

import pytest

from core.services import ledger, results, schemes, units, values
from tests.helpers import value_row

QUOTA_SCHEME = {
    "code": "rank",
    "name": "排名考核 (ranked)",
    "group": "A",
    "nodes": [
        {
            "code": "q",
            "name": "季度任务 (quarterly tasks)",
            "points": "100",
            "indicator": "i1",
            "frequency": "quarter",
            "rule": {"type": "target_ratio", "params": {"target": "100"}},
        }
    ],
    "grades": [
        {"code": "excellent", "name": "优秀", "min": "60", "quota": "0.25"},
        {"code": "good", "name": "良好", "min": "40"},
        {"code": "fair", "name": "一般"},
    ],
}
UNITS = [f"r{n}" for n in range(6)]


def ranks(system) -> dict[str, tuple[int, str]]:
    return {r["subject"]: (r["rank"], r["grade"]) for r in results.results(system, "b1", "2026")}


@pytest.mark.parametrize("cold", [False, True], ids=["engine kept", "engine adopted"])
def test_moving_one_unit_reranks_the_others_as_a_rebuild_would(world, platform, system, cold):
    for code in UNITS:
        units.create(system, "b1", code, f"单位{code}", f"Unit {code}", group="A")
    schemes.import_scheme(system, "b1", "2026", QUOTA_SCHEME, publish=True)
    values.record(
        system,
        "b1",
        [
            value_row(unit=code, period=f"2026-Q{q}", value=str(40 + 10 * n))
            for n, code in enumerate(UNITS)
            for q in (1, 2, 3, 4)
        ],
    )
    before = ranks(system)
    assert before["r5"][0] < before["r0"][0]
    seqs = {
        (v["unit"], v["period"]): v["seq"]
        for v in values.listing(system, "b1", {"indicator": "i1"})
        if v["unit"] in UNITS
    }
    for q in (1, 2, 3, 4):  # r0 climbs quarter by quarter, past every other unit
        if cold:
            platform.results_cache._entries.clear()
        row = value_row(unit="r0", period=f"2026-Q{q}", value="100")
        values.record(system, "b1", [{**row, "corrects": seqs[("r0", f"2026-Q{q}")]}])
        assert results.subject_result(system, "b1", "2026", "r0", period=f"2026-Q{q}")["rank"] == 1
    after = ranks(system)
    assert after["r0"][0] == 1 and after["r0"][1] == "excellent"
    moved = [code for code in UNITS[1:] if after[code] != before[code]]
    assert moved, "no other unit's rank or grade changed: the test would prove nothing"
    report = ledger.replay_check(system)
    assert report.ok, report.differences
