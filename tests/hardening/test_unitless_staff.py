"""A member of staff assigned to no unit is in no reporter's units.

A probe found that any reporter (even one with no units) could record, correct, batch
and withdraw values for a person created without ``--unit``, and read that person's
entry form: the permission check took the person's missing unit for "the bureau as a
whole". Every path that acts for a subject now refuses it (403 naming the person), and
leaves the ledger as it was; a bureau admin still records for such a person.
"""

from __future__ import annotations

import pytest

from core.services import people
from tests.helpers import log_size


@pytest.fixture
def unitless(world, system):
    people.create(system, "b1", "p9", "无单位人")
    return world


def _headers(world, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[('b1', role)]}"}


ROW = {"person": "p9", "indicator": "i1", "cycle": "2026", "period": "2026-Q1", "value": "90"}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("values", ROW),
        ("values/batch", {"rows": [ROW]}),
        ("values/batch", [ROW]),
    ],
)
def test_a_reporter_may_not_record_for_staff_without_a_unit(
    client, platform, unitless, path: str, body
) -> None:
    before = log_size(platform, "b1")
    r = client.post(f"/api/v1/bureaus/b1/{path}", json=body, headers=_headers(unitless, "reporter"))
    assert r.status_code == 403, r.get_json()
    problem = r.get_json()
    assert r.mimetype == "application/problem+json"
    assert any(e["field"] == "person" for e in problem["errors"]), problem
    assert log_size(platform, "b1") == before


def test_nor_withdraw_or_read_their_form(client, platform, unitless) -> None:
    admin, reporter = _headers(unitless, "bureau_admin"), _headers(unitless, "reporter")
    r = client.post("/api/v1/bureaus/b1/values", json=ROW, headers=admin)
    assert r.status_code == 201, r.get_json()  # the office still records for them
    seq = r.get_json()["entries"][0]["seq"]
    before = log_size(platform, "b1")
    withdraw = {**{k: ROW[k] for k in ("person", "indicator", "cycle", "period")}}
    withdraw.update(withdraws=seq, reason="录入错误")
    r = client.post("/api/v1/bureaus/b1/values/withdraw", json=withdraw, headers=reporter)
    assert r.status_code == 403, r.get_json()
    correction = {**ROW, "value": "91", "corrects": seq}
    r = client.post("/api/v1/bureaus/b1/values", json=correction, headers=reporter)
    assert r.status_code == 403, r.get_json()
    assert log_size(platform, "b1") == before
    r = client.get(
        "/api/v1/bureaus/b1/cycles/2026/periods/2026-Q1/form?person=p9", headers=reporter
    )
    assert r.status_code == 403, r.get_json()
    assert (
        client.get(
            "/api/v1/bureaus/b1/cycles/2026/periods/2026-Q1/form?person=p9", headers=admin
        ).status_code
        == 200
    )
