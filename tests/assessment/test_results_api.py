"""Results, evidence, ratings and appeals over the API and the CLI, on a real database."""

from __future__ import annotations

import hashlib
import io
import json

from click.testing import CliRunner

from core.cli import main
from core.domain.assessment.results import ResultsEngine
from core.domain.cycles import get_cycle
from core.domain.lookups import subject_id
from core.domain.models import Bureau
from core.services import ledger
from tests.helpers import log_size, value_row

SCHEME = {
    "code": "qa",
    "name": "季度考核 (quarterly)",
    "group": "A",
    "nodes": [
        {
            "code": "q",
            "name": "季度任务 (quarterly tasks)",
            "points": "60",
            "indicator": "i1",
            "frequency": "quarter",
            "rule": {"type": "target_ratio", "params": {"target": "100"}},
        },
        {
            "code": "c",
            "name": "投诉扣分 (complaints)",
            "points": "40",
            "indicator": "i2",
            "rule": {"type": "deduction", "params": {"per_item": "10"}},
        },
    ],
    "grades": [{"code": "good", "name": "良好", "min": "82"}, {"code": "fair", "name": "一般"}],
}


def setup_cycle(client, world) -> None:
    admin = world.headers("bureau_admin")
    r = client.post("/api/v1/bureaus/b1/cycles/2026/schemes", json=SCHEME, headers=admin)
    assert r.status_code == 201, r.json
    r = client.post("/api/v1/bureaus/b1/cycles/2026/schemes/qa/versions/1/publish", headers=admin)
    assert r.status_code == 200, r.json
    rows = [
        value_row(unit="u1", period=f"2026-Q{q}", value=v)
        for q, v in zip((1, 2, 3, 4), ("100", "90", "80", "70"), strict=True)
    ]
    rows += [value_row(unit="u2", period=f"2026-Q{q}", value="100") for q in (1, 2, 3)]
    rows += [
        value_row(unit="u1", indicator="i2", period="2026", value="1"),
        value_row(unit="u2", indicator="i2", period="2026", value="0"),
    ]
    r = client.post("/api/v1/bureaus/b1/values/batch", json={"rows": rows}, headers=admin)
    assert r.status_code == 201, r.json


def test_results_over_the_api_with_explanations(client, world):
    setup_cycle(client, world)
    r = client.get("/api/v1/bureaus/b1/cycles/2026/results", headers=world.headers("auditor"))
    assert r.status_code == 200, r.json
    rows = {row["subject"]: row for row in r.json}
    # u1: quarters 60, 54, 48, 42 → mean 51.00; one complaint: 40 − 10 = 30.00 → 81.00
    # u2: 60, 60, 60 and Q4 missing (0) → 45.00; no complaints 40.00 → 85.00
    # u3 is in group B, which has no scheme: not assessed
    assert {u: (row["total"], row["rank"], row["grade"]) for u, row in rows.items()} == {
        "u1": ("81.00", 2, "fair"),
        "u2": ("85.00", 1, "good"),
    }
    q4 = rows["u2"]["explanation"]["nodes"][0]["periods"][3]
    assert q4 == {
        "period": "2026-Q4",
        "input": None,
        "seqs": [],
        "score": "0.00",
        "note": "missing",
    }
    one = client.get("/api/v1/bureaus/b1/cycles/2026/results/u1", headers=world.headers("reviewer"))
    assert one.json["explanation"] == rows["u1"]["explanation"]
    outcomes = client.get(
        "/api/v1/bureaus/b1/cycles/2026/outcomes", headers=world.headers("auditor")
    )
    assert outcomes.status_code == 200 and outcomes.json == []  # no outcomes configured
    own = client.get("/api/v1/bureaus/b1/cycles/2026/results", headers=world.headers("reporter"))
    assert [row["subject"] for row in own.json] == ["u1"]  # a reporter sees its own unit
    assert own.json[0]["explanation"] == rows["u1"]["explanation"]
    other = client.get(
        "/api/v1/bureaus/b1/cycles/2026/results/u2", headers=world.headers("reporter")
    )
    assert other.status_code == 404
    assert (
        client.get(
            "/api/v1/bureaus/b1/cycles/2026/results", headers=world.headers("auditor", "b2")
        ).status_code
        == 404
    )


def test_cli_gives_the_same_results(client, world):
    setup_cycle(client, world)
    api = client.get("/api/v1/bureaus/b1/cycles/2026/results", headers=world.headers("auditor"))
    out = CliRunner().invoke(
        main, ["results", "compute", "--bureau", "b1", "--cycle", "2026", "--json"]
    )
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == api.json
    table = CliRunner().invoke(main, ["results", "compute", "--bureau", "b1", "--cycle", "2026"])
    assert "良好" in table.output and "85.00" in table.output
    missing = CliRunner().invoke(main, ["results", "compute", "--bureau", "b2", "--cycle", "2026"])
    assert missing.exit_code == 1 and "publish a scheme first" in missing.output


def test_stored_results_equal_a_recomputation_from_the_ledger(client, world, system):
    """replay --check rebuilds every projection from the ledger alone, computes the
    results on the rebuild in one go and compares them with the rows kept up to date
    write by write."""
    setup_cycle(client, world)
    client.post(
        "/api/v1/bureaus/b1/values",
        json=value_row(unit="u2", period="2026-Q4", value="95"),
        headers=world.headers("bureau_admin"),
    )
    report = ledger.replay_check(system)
    assert report.ok, report.differences


def test_a_new_value_rescores_only_its_unit(client, world, platform):
    setup_cycle(client, world)
    with platform.db.transaction() as s:
        b1 = s.query(Bureau).filter_by(code="b1").one()
        rules = platform.plugins.collect("jixiao_rule_types", ["rules"], _context)
        engine = ResultsEngine(
            s, b1, get_cycle(s, b1, "2026"), dict((i.name, i) for _, i in rules), {}
        )
        engine.compute()
        assert engine.scored_subjects == 2
    r = client.post(
        "/api/v1/bureaus/b1/values",
        json=value_row(unit="u2", period="2026-Q4", value="100"),
        headers=world.headers("bureau_admin"),
    )
    assert r.status_code == 201
    with platform.db.transaction() as s:
        engine.session = s
        engine.refresh([subject_id(s, b1.id, "unit", "u2")])
        assert engine.scored_subjects == 3  # one more: u2 only
        refreshed = {s.subject.code: str(s.result.total) for s in engine.scored.values()}
    stored = client.get(
        "/api/v1/bureaus/b1/cycles/2026/results?explain=false", headers=world.headers("auditor")
    ).json
    assert (
        refreshed
        == {r["subject"]: r["total"] for r in stored}
        == {
            "u1": "81.00",
            "u2": "100.00",
        }
    )


def _context(plugin):
    from core.plugin_api import PluginContext

    return PluginContext(plugin, "b1", {})


def test_bad_rating_rows_are_refused_with_row_and_field(client, world):
    rows = [
        {
            "unit": "u1",
            "indicator": "i1",
            "cycle": "2026",
            "period": "2026",
            "role": "peer",
            "rater": "peer-1",
            "score": "90",
        },
        {
            "unit": "u1",
            "indicator": "i1",
            "cycle": "2026",
            "period": "2026",
            "role": "boss",
            "rater": "peer-2",
            "score": "150",
        },
    ]
    r = client.post(
        "/api/v1/bureaus/b1/ratings", json={"rows": rows}, headers=world.headers("reviewer")
    )
    assert r.status_code == 422 and r.content_type == "application/problem+json"
    assert {(e["row"], e["field"]) for e in r.json["errors"]} == {(2, "role")}
    rows[1]["role"] = "peer"
    r = client.post(
        "/api/v1/bureaus/b1/ratings", json={"rows": rows}, headers=world.headers("reviewer")
    )
    assert [(e["row"], e["field"]) for e in r.json["errors"]] == [(2, "score")]
    rows[1]["score"] = "70"
    r = client.post(
        "/api/v1/bureaus/b1/ratings", json={"rows": rows}, headers=world.headers("reviewer")
    )
    assert r.status_code == 201 and len(r.json["seqs"]) == 2
    r = client.post(
        "/api/v1/bureaus/b1/ratings", json={"rows": rows}, headers=world.headers("expert")
    )
    assert r.status_code == 403


def test_evidence_is_stored_by_hash_and_refused_when_altered(client, world, platform):
    content = "整改报告 rectification report".encode()
    digest = hashlib.sha256(content).hexdigest()
    r = client.post(
        "/api/v1/bureaus/b1/evidence",
        headers=world.headers("reporter"),
        data={
            "unit": "u1",
            "subject": "i1@2026-Q1",
            "file": (io.BytesIO(content), "report.txt"),
        },
    )
    assert r.status_code == 201, r.json
    assert r.json["sha256"] == digest
    path = platform.instance / "evidence" / digest[:2] / digest
    assert path.read_bytes() == content
    got = client.get(f"/api/v1/bureaus/b1/evidence/{digest}", headers=world.headers("auditor"))
    assert got.data == content
    elsewhere = client.get(
        f"/api/v1/bureaus/b2/evidence/{digest}", headers=world.headers("auditor", "b2")
    )
    assert elsewhere.status_code == 404  # the bytes exist, but not for bureau b2
    denied = client.post(
        "/api/v1/bureaus/b1/evidence",
        headers=world.headers("reporter"),
        data={"unit": "u3", "file": (io.BytesIO(b"x"), "x.txt")},
    )
    assert denied.status_code == 403
    path.write_bytes(b"forged")
    assert (
        client.get(
            f"/api/v1/bureaus/b1/evidence/{digest}", headers=world.headers("auditor")
        ).status_code
        == 404
    )


def test_appeal_flow_over_the_api(client, world):
    setup_cycle(client, world)
    reporter, reviewer = world.headers("reporter"), world.headers("reviewer")
    body = {
        "unit": "u1",
        "indicator": "i2",
        "cycle": "2026",
        "period": "2026",
        "reason": "投诉已撤回 (the complaint was withdrawn)",
    }
    assert (
        client.post(
            "/api/v1/bureaus/b1/appeals", json={**body, "unit": "u3"}, headers=reporter
        ).status_code
        == 403
    )
    filed = client.post("/api/v1/bureaus/b1/appeals", json=body, headers=reporter)
    assert filed.status_code == 201 and filed.json["status"] == "filed"
    code = filed.json["code"]
    early = client.post(
        f"/api/v1/bureaus/b1/appeals/{code}/decide",
        headers=reviewer,
        json={"decision": "corrected", "reason": "核实", "value": "0"},
    )
    assert early.status_code == 409
    assigned = client.post(
        f"/api/v1/bureaus/b1/appeals/{code}/assign",
        json={"reviewer": "b1-reviewer"},
        headers=world.headers("bureau_admin"),
    )
    assert assigned.status_code == 200 and assigned.json["reviewer"] == "b1-reviewer"
    decided = client.post(
        f"/api/v1/bureaus/b1/appeals/{code}/decide",
        headers=reviewer,
        json={"decision": "corrected", "reason": "核实撤诉", "value": "0"},
    )
    assert decided.status_code == 200, decided.json
    assert decided.json["correction_seq"] > filed.json["filed_seq"]
    rows = client.get(
        "/api/v1/bureaus/b1/cycles/2026/results?explain=false", headers=world.headers("auditor")
    ).json
    # u1: 51.00 + 40.00 now that the complaint is gone → 91.00, first in group A
    assert {r["subject"]: (r["total"], r["rank"]) for r in rows} == {
        "u1": ("91.00", 1),
        "u2": ("85.00", 2),
    }
    again = client.post(
        f"/api/v1/bureaus/b1/appeals/{code}/decide",
        headers=reviewer,
        json={"decision": "upheld", "reason": "x"},
    )
    assert again.status_code == 409


FAILING = {
    "code": "fx",
    "name": "公式 (a formula that cannot score every figure)",
    "group": "A",
    "nodes": [
        {
            "code": "f",
            "name": "效率 (efficiency)",
            "points": "100",
            "indicator": "i1",
            "frequency": "quarter",
            "rule": {"type": "formula", "params": {"expression": "points * 50 / value"}},
        }
    ],
}


def test_a_rule_that_cannot_score_one_figure_scores_that_period_0_with_a_note(client, world):
    """A formula dividing by a figure that is 0 (or any rule failing on some inputs): the
    period scores 0 with the reason as its note; the other subjects, the other cycles and
    the replay check are unaffected (it had failed every results read of the bureau)."""
    admin = world.headers("bureau_admin")
    r = client.post("/api/v1/bureaus/b1/cycles/2026/schemes", json=FAILING, headers=admin)
    assert r.status_code == 201, r.json
    r = client.post("/api/v1/bureaus/b1/cycles/2026/schemes/fx/versions/1/publish", headers=admin)
    assert r.status_code == 200, r.json
    rows = [value_row(unit="u1", value="0"), value_row(unit="u2", value="100")]
    r = client.post("/api/v1/bureaus/b1/values/batch", json={"rows": rows}, headers=admin)
    assert r.status_code == 201, r.json
    r = client.get("/api/v1/bureaus/b1/cycles/2026/results", headers=world.headers("auditor"))
    assert r.status_code == 200, r.json
    rows = {row["subject"]: row for row in r.json}
    q1 = rows["u1"]["explanation"]["nodes"][0]["periods"][0]
    assert q1["score"] == "0.00" and q1["note"].startswith("rule_failed:")
    assert "division by zero" in q1["note"]
    assert rows["u2"]["explanation"]["nodes"][0]["periods"][0]["score"] == "50.00"
    runner = CliRunner()
    done = runner.invoke(main, ["ledger", "replay", "--check"])
    assert done.exit_code == 0, done.output


def test_trying_a_rule_that_fails_is_a_422(client, world):
    path = "/api/v1/bureaus/b1/rule-types/formula/evaluate"
    headers = world.headers("bureau_admin")
    body = {"params": {"expression": "points / value"}, "inputs": {"value": "0"}}
    r = client.post(path, json=body, headers=headers)
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "inputs"
    for bad in ("max(value)", "abs(value, value)", "round(value, 1e308)"):
        r = client.post(path, json={"params": {"expression": bad}, "inputs": {"value": "3"}},
                        headers=headers)  # fmt: skip
        assert r.status_code == 422, (bad, r.json)


def test_an_appeal_cites_only_evidence_attached_for_its_unit(client, world, platform):
    """As a value's evidence: another unit's file is refused exactly as a file that was
    never uploaded (a reporter learns nothing of units it cannot see)."""
    setup_cycle(client, world)
    reporter = world.headers("reporter")  # u1 only

    def attach(unit: str, content: bytes, headers) -> str:
        r = client.post(
            "/api/v1/bureaus/b1/evidence",
            headers=headers,
            data={"unit": unit, "file": (io.BytesIO(content), "note.txt")},
        )
        assert r.status_code == 201, r.json
        return r.json["sha256"]

    elsewhere = attach(
        "u3", "另一单位的材料 (another unit's file)".encode(), world.headers("bureau_admin")
    )
    own = attach("u1", "本单位的材料 (the unit's own file)".encode(), reporter)
    body = {"unit": "u1", "indicator": "i2", "cycle": "2026", "period": "2026",
            "reason": "投诉已撤回 (the complaint was withdrawn)"}  # fmt: skip
    before = log_size(platform, "b1")
    refused = client.post(
        "/api/v1/bureaus/b1/appeals", json={**body, "evidence": [elsewhere]}, headers=reporter
    )
    never = client.post(
        "/api/v1/bureaus/b1/appeals", json={**body, "evidence": ["0" * 64]}, headers=reporter
    )
    assert refused.status_code == never.status_code == 422
    assert refused.json["errors"][0]["field"] == "evidence"
    assert refused.json["errors"][0]["reason"].replace(elsewhere, "D") == (
        never.json["errors"][0]["reason"].replace("0" * 64, "D")
    )
    assert log_size(platform, "b1") == before
    filed = client.post(
        "/api/v1/bureaus/b1/appeals", json={**body, "evidence": [own]}, headers=reporter
    )
    assert filed.status_code == 201, filed.json


def test_an_outcome_naming_a_grade_the_scheme_lacks_is_refused(client, world):
    """A pay coefficient (or promotion, development grade) for a grade the scheme does
    not define: refused at import naming the path, not a pool shared out to no one."""
    admin = world.headers("bureau_admin")
    path = "/api/v1/bureaus/b1/cycles/2026/schemes"
    for outcome in (
        {"pay": {"pool": "1000", "coefficients": {"nosuch": "1.5"}}},
        {"promotion": {"grade": "excellent"}},
        {"development": {"pilot": ["good"], "assistance": ["typo"]}},
    ):
        r = client.post(path, json={**SCHEME, "outcomes": outcome}, headers=admin)
        assert r.status_code == 422, (outcome, r.json)
        assert r.json["errors"][0]["field"] == f"outcomes.{next(iter(outcome))}", r.json
    fine = {"pay": {"pool": "1000", "coefficients": {"good": "1.2", "fair": "1.0"}}}
    r = client.post(path, json={**SCHEME, "outcomes": fine}, headers=admin)
    assert r.status_code == 201, r.json
