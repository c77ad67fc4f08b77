"""The assessment commands end to end: ratings, panels, items, reviews, evidence,
appeals, results and outcomes, as an office would type them."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from core.cli import main
from tests.assessment.test_results_api import setup_cycle


def cli(*args: str, ok: bool = True, acting: str | None = None) -> str:
    result = CliRunner().invoke(main, (["--as", acting] if acting else []) + list(args))
    if ok:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code == 1, result.output
    return result.output


def seq_of(output: str) -> int:
    return int(re.search(r"seq (\d+)", output).group(1))


def results(*more: str) -> dict[str, dict]:
    rows = json.loads(
        cli("results", "compute", "--bureau", "b1", "--cycle", "2026", "--json", *more)
    )
    return {row["subject"]: row for row in rows}


B1 = ("--bureau", "b1")


def expert_rating(expert: str, ok: bool = True) -> str:
    """An expert's own rating of u1 on i1 for the year, typed at the command line as
    that expert (``jixiao --as EXPERT@BUREAU``)."""
    target = ("--cycle", "2026", "--unit", "u1", "--indicator", "i1", "--period", "2026")
    return cli(
        "ratings", "submit", *B1, *target, "--role", "expert", "--score", "90",
        ok=ok, acting=f"{expert}@b1",
    )  # fmt: skip


def test_the_assessment_cycle_from_the_command_line(client, world, tmp_path):
    setup_cycle(client, world)
    # a reviewer rejects u2's Q1 value: it then scores as missing
    value = client.get(
        "/api/v1/bureaus/b1/values?unit=u2&indicator=i1&period=2026-Q1",
        headers=world.headers("auditor"),
    ).json[0]
    cli(
        "reviews",
        "decide",
        *B1,
        "--seq",
        str(value["seq"]),
        "--decision",
        "rejected",
        "--note",
        "与台账不符 (does not match the books)",
    )
    q1 = results()["u2"]["explanation"]["nodes"][0]["periods"][0]
    assert q1["note"] == "rejected" and q1["seqs"] == [value["seq"]]
    # u2: Q1 rejected and Q4 missing → (0 + 60 + 60 + 0) / 4 = 30.00, + 40.00
    assert results()["u2"]["total"] == "70.00"

    # an item on the complaints indicator is recorded, with the reason
    item = cli(
        "items",
        "record",
        *B1,
        "--cycle",
        "2026",
        "--unit",
        "u2",
        "--indicator",
        "i2",
        "--period",
        "2026",
        "--quantity",
        "1",
        "--reason",
        "审计发现 (audit finding)",
    )
    assert "item recorded at seq" in item
    # ratings and a panel draw
    drawn = cli("panels", "draw", *B1, "--cycle", "2026", "--indicator", "i1", "--size", "1")
    assert "b1-expert" in drawn and "seed" in drawn
    assert "rating recorded" in expert_rating("b1-expert")
    # the operator cannot rate "as" an expert: the expert signs in as themselves
    refused = cli(
        "ratings", "submit", *B1, "--cycle", "2026", "--unit", "u1", "--indicator", "i1",
        "--period", "2026", "--role", "expert", "--rater", "b1-expert", "--score", "90",
        ok=False,
    )  # fmt: skip
    assert "sign in as the expert" in refused
    assert "no user" in cli("--as", "nobody@b1", "bureaus", "list", ok=False)

    # evidence, then an appeal citing it, decided by the reviewer with a correction
    scan = tmp_path / "台账.pdf"
    scan.write_bytes(b"%PDF-1.4 ledger scan")
    attached = cli("evidence", "attach", str(scan), *B1, "--unit", "u2", "--subject", "i1@2026-Q1")
    digest = attached.split()[0]
    cli("evidence", "get", digest, *B1, "-o", str(tmp_path / "copy.pdf"))
    assert (tmp_path / "copy.pdf").read_bytes() == scan.read_bytes()
    filed = cli(
        "appeals",
        "file",
        *B1,
        "--cycle",
        "2026",
        "--unit",
        "u2",
        "--indicator",
        "i1",
        "--period",
        "2026-Q1",
        "--reason",
        "附台账扫描件 (scan attached)",
        "--evidence",
        digest,
    )
    code = filed.split()[1]
    listed = json.loads(cli("appeals", "list", *B1, "--json"))
    assert listed[0]["code"] == code and listed[0]["evidence"] == [digest]
    assert json.loads(cli("appeals", "list", *B1, "--overdue", "--json")) == []
    cli("appeals", "decide", code, *B1, "--decision", "upheld", "--reason", "x", ok=False)
    cli("appeals", "assign", code, *B1, "--reviewer", "b1-reviewer")
    decided = cli(
        "appeals",
        "decide",
        code,
        *B1,
        "--decision",
        "corrected",
        "--reason",
        "核实台账 (checked the books)",
        "--value",
        "100",
    )
    assert "corrected at seq" in decided
    # the correction is a new value, pending review again: Q1 scores 60 once more
    # → 45.00; the complaints leaf reads the recorded count (0), not items → 85.00
    assert results()["u2"]["total"] == "85.00"
    # this scheme configures no outcomes
    assert json.loads(cli("results", "outcomes", *B1, "--cycle", "2026", "--json")) == []
    one = json.loads(cli("results", "compute", *B1, "--cycle", "2026", "--unit", "u1"))
    assert one["subject"] == "u1" and "explanation" in one
    # every projection the cycle touched (values with their review, ratings, panel,
    # items, evidence, appeals) equals a rebuild from the ledger alone
    assert "match a rebuild" in cli("ledger", "replay", "--check")
