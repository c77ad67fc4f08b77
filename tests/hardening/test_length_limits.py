"""Text over a field's limit is refused with the limit named, never cut (issue 8,
"Lengths": a 1 MB appeal reason used to be cut to 4,000 characters and recorded)."""

from __future__ import annotations

from tests.hardening.refusals import Unchanged, cli_refused, refused, said
from tests.helpers import value_row

B1 = "/api/v1/bureaus/b1"
APPEAL = {"unit": "u1", "indicator": "i2", "cycle": "2026", "period": "2026"}
TARGET = ("--cycle", "2026", "--unit", "u1", "--indicator", "i2", "--period", "2026")


def test_an_over_long_reason_is_refused_naming_the_limit(on_shared):
    client, world = on_shared.client, on_shared.world
    reporter = world.headers("reporter")
    megabyte = "申" * (1024 * 1024 // 3) + "x" * (1024 * 1024 % 3)  # 1 MB of UTF-8

    def appeals() -> list[tuple[str, str]]:
        listed = client.get(f"{B1}/appeals", headers=world.headers("auditor")).json
        return [(a["code"], a["reason"]) for a in listed]

    before = appeals()
    with Unchanged(on_shared.platform):
        for reason in (megabyte, "x" * 4001):
            r = client.post(f"{B1}/appeals", json={**APPEAL, "reason": reason}, headers=reporter)
            assert "4000" in said(refused(r, 422, "reason"))
        r = client.post(
            f"{B1}/values",
            json=value_row(unit="u2", period="2026-Q4", note="注" * 2001),
            headers=world.headers("bureau_admin"),
        )
        assert "2000" in said(refused(r, 422, "note"))
        out = cli_refused("appeals", "file", "--bureau", "b1", *TARGET, "--reason", megabyte)
        assert "reason" in out and "4000" in out
        out = cli_refused("appeals", "file", "--bureau", "b1", *TARGET, "--reason", "x" * 4001)
        assert "4001 characters" in out and "4000" in out
    assert appeals() == before  # nothing filed, nothing cut to fit
