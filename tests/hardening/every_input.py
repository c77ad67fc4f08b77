"""A scheme whose leaves read each kind of input, for the correction tests: ``tasks``
reads u1's recorded value of i1, ``negatives`` reviewers' deduction items on i2
(``source: items``), ``leaders`` the superiors' ratings on i3."""

from __future__ import annotations

SCHEME = {
    "code": "inputs",
    "name": "三类输入 (three kinds of input)",
    "group": "A",
    "nodes": [
        {
            "code": "tasks",
            "name": "任务完成率 (tasks)",
            "points": "40",
            "indicator": "i1",
            "rule": {"type": "target_ratio", "params": {"target": "100"}},
        },
        {
            "code": "negatives",
            "name": "负面清单 (negative list)",
            "points": "30",
            "indicator": "i2",
            "source": "items",
            "rule": {"type": "deduction", "params": {"per_item": "10"}},
        },
        {
            "code": "leaders",
            "name": "领导评价 (leadership evaluation)",
            "points": "30",
            "indicator": "i3",
            "rule": {"type": "multi_rater", "params": {"weights": {"superior": "1"}}},
        },
    ],
}
TARGET = {"unit": "u1", "cycle": "2026", "period": "2026"}
B1 = "/api/v1/bureaus/b1"


def publish(client, world) -> None:
    admin = world.headers("bureau_admin")
    indicator = {"code": "i3", "name": "领导评价", "name_en": "Leadership"}
    assert client.post(f"{B1}/indicators", json=indicator, headers=admin).status_code == 201
    r = client.post(f"{B1}/cycles/2026/schemes?publish=true", json=SCHEME, headers=admin)
    assert r.status_code == 201, r.json


def scores(client, world, unit: str = "u1") -> dict[str, str]:
    """The unit's stored score per top-level node."""
    r = client.get(f"{B1}/cycles/2026/results/{unit}", headers=world.headers("auditor"))
    assert r.status_code == 200, r.json
    return r.json["dimensions"]
