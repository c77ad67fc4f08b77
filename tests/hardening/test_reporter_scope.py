"""A reporter is scoped to its units for every read, not only values (issue 8, "Privacy
and scopes"): b1-reporter, assigned to u1, cannot list or download u2's evidence, see
u2's appeals or items, or read u2's result; it can read u1's own result, explanation and
outcomes, the same as the office sees them."""

from __future__ import annotations

import json

from tests.hardening.refusals import Unchanged, cli_ok, cli_refused, refused

B1 = "/api/v1/bureaus/b1"


def test_a_reporter_reads_only_its_own_units(on_shared, tmp_path):
    client, world, platform = on_shared.client, on_shared.world, on_shared.platform
    reporter, auditor = world.headers("reporter"), world.headers("auditor")
    own, other = "u1", "u2"
    with Unchanged(platform):
        files = client.get(f"{B1}/evidence", headers=reporter).json
        assert [f["sha256"] for f in files] == [on_shared.evidence[own]]
        got = client.get(f"{B1}/evidence/{on_shared.evidence[own]}", headers=reporter)
        assert got.status_code == 200 and got.data == f"台账 {own}".encode()
        refused(client.get(f"{B1}/evidence/{on_shared.evidence[other]}", headers=reporter), 404)

        appeals = client.get(f"{B1}/appeals", headers=reporter).json
        assert [a["unit"] for a in appeals] == [own]
        code = on_shared.appeals[other]
        refused(client.get(f"{B1}/appeals/{code}", headers=reporter), 404, "appeal")
        assert (
            client.get(f"{B1}/appeals/{on_shared.appeals[own]}", headers=reporter).status_code
            == 200
        )

        assert {i["unit"] for i in client.get(f"{B1}/items", headers=reporter).json} == {own}
        assert {v["unit"] for v in client.get(f"{B1}/values", headers=reporter).json} == {own}

        results = client.get(f"{B1}/cycles/2026/results", headers=reporter).json
        assert [r["subject"] for r in results] == [own]
        mine = client.get(f"{B1}/cycles/2026/results/{own}", headers=reporter)
        office = client.get(f"{B1}/cycles/2026/results/{own}", headers=auditor)
        assert mine.status_code == 200 and mine.json == office.json
        assert mine.json["explanation"]["nodes"]  # the tree, down to ledger seqs
        for subject in (other, "u3", "nope"):
            path = f"{B1}/cycles/2026/results/{subject}"
            refused(client.get(path, headers=reporter), 404, "unit")
        # the reporter's outcomes are the office's, for its own unit only: pay is shared
        # out of the pool among all of the scheme's units, not among those it may see
        outcomes = client.get(f"{B1}/cycles/2026/outcomes", headers=reporter).json
        everyone = client.get(f"{B1}/cycles/2026/outcomes", headers=auditor).json
        assert len(everyone) == 2 and [o["subject"] for o in outcomes] == [own]
        assert outcomes == [o for o in everyone if o["subject"] == own]

        # the command line, acting as the reporter, is held to the same scope
        acting = "b1-reporter@b1"
        copy = tmp_path / "copy.txt"
        cli_ok("evidence", "get", on_shared.evidence[own], "--bureau", "b1", "-o", str(copy),
               acting=acting)  # fmt: skip
        assert copy.read_bytes() == f"台账 {own}".encode()
        out = cli_refused("evidence", "get", on_shared.evidence[other], "--bureau", "b1",
                          "-o", str(tmp_path / "theirs.txt"), acting=acting)  # fmt: skip
        assert "no evidence" in out and not (tmp_path / "theirs.txt").exists()
        listed = json.loads(cli_ok("appeals", "list", "--bureau", "b1", "--json", acting=acting))
        assert [a["unit"] for a in listed] == [own]
        one = cli_ok("results", "compute", "--bureau", "b1", "--cycle", "2026", "--unit", own,
                     acting=acting)  # fmt: skip
        assert json.loads(one)["subject"] == own
        out = cli_refused("results", "compute", "--bureau", "b1", "--cycle", "2026",
                          "--unit", other, acting=acting)  # fmt: skip
        assert "no result for unit 'u2'" in out
