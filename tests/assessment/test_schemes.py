"""Schemes (D-01…D-06): import, validation with paths, versions, publishing, replay."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from core.cli import main
from core.services import indicators
from tests.helpers import entries, log_size

EXAMPLE = Path(__file__).parents[2] / "core/domain/assessment/examples/five-dimension.yaml"
INDICATORS = ("task_completion", "quality", "satisfaction", "management", "efficiency")


@pytest.fixture
def library(system, world):
    for code in INDICATORS:
        indicators.create(system, "b1", code, code, code, "%")


def cli(*args: str):
    return CliRunner().invoke(main, list(args))


def doc() -> dict:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def test_import_publish_and_replay(library, platform, instance):
    out = cli("schemes", "import", str(EXAMPLE), "--bureau", "b1", "--cycle", "2026")
    assert out.exit_code == 0, out.output
    assert "version 1 (draft)" in out.output
    again = cli("schemes", "import", str(EXAMPLE), "--bureau", "b1", "--cycle", "2026")
    assert "version 1 (draft)" in again.output  # same content: no new version
    assert (
        cli("schemes", "publish", "five-dimension", "--bureau", "b1", "--cycle", "2026").exit_code
        == 0
    )
    listed = json.loads(cli("schemes", "list", "--bureau", "b1", "--json").output)
    [scheme] = listed
    assert (scheme["version"], scheme["status"], scheme["group"]) == (1, "published", "A")
    nodes = {n["code"]: n for n in scheme["definition"]["nodes"]}
    assert nodes["task"]["points"] == "30" and nodes["task.key-work"]["parent"] == "task"
    assert nodes["service.satisfaction"]["rule"] == {
        "type": "threshold",
        "params": {"op": ">=", "value": "90"},
    }
    assert nodes["service.satisfaction"]["meta"]["target"] == 90
    kinds = [e.kind for e in entries(platform, "b1")[-2:]]
    assert kinds == ["scheme.imported", "scheme.published"]
    assert "match a rebuild" in cli("ledger", "replay", "--check").output


def test_a_change_is_a_new_version_and_history_stays(library, platform, client, world):
    h = world.headers("bureau_admin")
    first = client.post("/api/v1/bureaus/b1/cycles/2026/schemes", json=doc(), headers=h)
    assert first.status_code == 201 and first.json["version"] == 1
    client.post(
        "/api/v1/bureaus/b1/cycles/2026/schemes/five-dimension/versions/1/publish", headers=h
    )
    tighter = doc()  # D-06: budgets tighten, resource efficiency weighs more
    tighter["nodes"][1]["points"] = 25
    tighter["nodes"][1]["children"][0]["points"] = 25
    tighter["nodes"][4]["points"] = 15
    tighter["nodes"][4]["children"][0]["points"] = 15
    second = client.post("/api/v1/bureaus/b1/cycles/2026/schemes", json=tighter, headers=h)
    assert second.status_code == 201 and second.json["version"] == 2
    assert second.json["status"] == "draft"
    versions = client.get("/api/v1/bureaus/b1/cycles/2026/schemes", headers=h).json
    assert [(v["version"], v["status"]) for v in versions] == [(1, "published"), (2, "draft")]
    v1 = {n["code"]: n["points"] for n in versions[0]["definition"]["nodes"]}
    assert v1["efficiency"] == "10"  # the published version did not change
    twice = client.post(
        "/api/v1/bureaus/b1/cycles/2026/schemes/five-dimension/versions/1/publish", headers=h
    )
    assert twice.status_code == 409
    assert (
        client.post(
            "/api/v1/bureaus/b1/cycles/2026/schemes", json=doc(), headers=world.headers("reporter")
        ).status_code
        == 403
    )


def _errors(client, world, body) -> dict[str, str]:
    r = client.post(
        "/api/v1/bureaus/b1/cycles/2026/schemes", json=body, headers=world.headers("bureau_admin")
    )
    assert r.status_code == 422 and r.mimetype == "application/problem+json", r.json
    return {e["field"]: e["reason"] for e in r.json["errors"]}


def test_validation_names_the_path_and_writes_nothing(library, platform, client, world):
    before = log_size(platform, "b1")
    bad = copy.deepcopy(doc())
    bad["nodes"][0]["children"][0]["points"] = 25  # task: children add up to 25, not 30
    bad["nodes"][1]["children"][0]["rule"]["type"] = "magic"
    bad["nodes"][2]["children"][0]["rule"]["params"] = {"op": ">=", "value": "x"}
    bad["nodes"][3]["children"][0]["indicator"] = "nope"
    bad["nodes"][4]["children"][0]["rule"]["params"]["target"] = "-5"
    errors = _errors(client, world, bad)
    assert "unknown rule type 'magic'" in errors["nodes[1].children[0].rule.type"]
    assert "nodes[2].children[0].rule.params.value" in errors
    assert errors["nodes[3].children[0].indicator"] == (
        "本局指标库中没有指标 'nope' (no indicator 'nope' in the bureau's library)"
    )
    assert "nodes[4].children[0].rule.params.target" in errors
    assert log_size(platform, "b1") == before

    sums = copy.deepcopy(doc())
    sums["nodes"][0]["children"][0]["points"] = 25
    assert _errors(client, world, sums) == {
        "nodes[0].points": "下级分值合计 25，应为 30 (children add up to 25, not 30)"
    }
    total = copy.deepcopy(doc())
    total["total"] = 90
    assert _errors(client, world, total) == {
        "total": "下级分值合计 100，应为 90 (children add up to 100, not 90)"
    }


def test_flat_trees_cycles_and_duplicates(library, client, world):
    leaf = {"indicator": "quality", "rule": {"type": "target_ratio", "params": {"target": 1}}}
    flat = {
        "code": "flat",
        "name": "平铺",
        "nodes": [
            {"code": "a", "name": "甲", "points": 100, "parent": "c"},
            {"code": "b", "name": "乙", "points": 100, "parent": "a"},
            {"code": "c", "name": "丙", "points": 100, "parent": "b"},
            {"code": "c", "name": "重复", "points": 1, **leaf},
            {"code": "d", "name": "丁", "points": 1, "parent": "zz", **leaf},
        ],
    }
    errors = _errors(client, world, flat)
    assert "cycle" in errors["nodes[0].parent"]
    assert "used twice" in errors["nodes[3].code"]
    assert errors["nodes[4].parent"] == "没有节点 'zz' (no node 'zz')"
    ok = {
        "code": "flat",
        "name": "平铺",
        "total": 100,
        "nodes": [
            {"code": "root", "name": "根", "points": 100},
            {"code": "x", "name": "子", "points": 60, "parent": "root", **leaf},
            {"code": "y", "name": "子", "points": 40.0, "parent": "root", **leaf},
        ],
    }
    r = client.post(
        "/api/v1/bureaus/b1/cycles/2026/schemes", json=ok, headers=world.headers("bureau_admin")
    )
    assert r.status_code == 201, r.json
    points = {n["code"]: n["points"] for n in r.json["definition"]["nodes"]}
    assert points == {"root": "100", "x": "60", "y": "40.0"}  # decimals kept as strings


def test_leaf_and_inner_node_rules(library, client, world):
    body = {
        "code": "s",
        "name": "体系",
        "nodes": [
            {
                "code": "a",
                "name": "甲",
                "points": 100,
                "rule": {"type": "threshold"},
                "children": [{"code": "b", "name": "乙", "points": 100, "indicator": "quality"}],
            }
        ],
    }
    errors = _errors(client, world, body)
    assert errors["nodes[0].rule"] == (
        "只有末级节点计分；此节点有下级 (only leaves are scored; this node has children)"
    )
    assert errors["nodes[0].children[0].rule"] == (
        "末级节点须有计分规则 {type, params} (a leaf needs a rule {type, params})"
    )


def test_cli_errors_are_readable(library, instance, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("code: x\nname: [unclosed\n", encoding="utf-8")
    out = cli("schemes", "import", str(path), "--bureau", "b1", "--cycle", "2026")
    assert out.exit_code == 1 and "cannot be read" in out.output and "line" in out.output
    bad = doc()
    bad["total"] = 90
    path.write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    out = cli("schemes", "import", str(path), "--bureau", "b1", "--cycle", "2026")
    assert out.exit_code == 1 and "total: 下级分值合计 100，应为 90" in out.output
    assert "(children add up to 100, not 90)" in out.output


def test_a_fetched_definition_imports_again_as_the_next_version(library, client, world):
    """What ``GET …/schemes`` answers is a document ``POST …/schemes`` reads: an admin
    copies a published version, edits it, imports it (a leaf's ``meta`` was "unknown")."""
    h = world.headers("bureau_admin")
    path = "/api/v1/bureaus/b1/cycles/2026/schemes"
    first = client.post(path, json=doc(), headers=h)
    assert first.status_code == 201
    fetched = client.get(path, headers=h).json[0]["definition"]
    same = client.post(path, json=fetched, headers=h)
    assert same.status_code == 201, same.json
    assert (same.json["version"], same.json["digest"]) == (1, first.json["digest"])  # unchanged
    leaf = next(n for n in fetched["nodes"] if "meta" in n)
    leaf["meta"]["warn_after"] = 5
    edited = client.post(path, json=fetched, headers=h)
    assert edited.status_code == 201 and edited.json["version"] == 2, edited.json
    leaf["warn_after"] = 4  # the same property two ways, disagreeing
    errors = _errors(client, world, fetched)
    assert any(field.endswith(".warn_after") and "meta.warn_after" in reason
               for field, reason in errors.items()), errors  # fmt: skip


def _wide(leaves: int) -> dict:
    points = "0.01"
    return {
        "code": "wide",
        "name": "宽方案 (wide)",
        "total": str(Decimal(points) * leaves),
        "nodes": [
            {"code": f"n{i}", "name": f"节点{i}", "points": points, "indicator": "quality",
             "rule": {"type": "threshold", "params": {"op": ">=", "value": "1"}}}
            for i in range(leaves)
        ],
    }  # fmt: skip


def test_a_scheme_too_large_for_one_ledger_entry_is_refused_before_it_is_recorded(
    library, platform, client, world
):
    """A valid 30,000-leaf scheme was recorded as one 4.6 MB entry, leaving the bureau's
    tiles and offline bundles unservable for good; 20,000 nodes with errors took minutes
    to check. Past 2,000 nodes the answer is immediate; under it, an entry past 64 KiB
    is refused naming its size, and nothing is written."""
    path = "/api/v1/bureaus/b1/cycles/2026/schemes"
    h = world.headers("bureau_admin")
    before = log_size(platform, "b1")
    many = client.post(path, json=_wide(20_000), headers=h)
    assert many.status_code == 422 and many.json["errors"][0]["field"] == "nodes", many.json
    assert "at most 2000" in many.json["errors"][0]["reason"]
    wide = client.post(path, json=_wide(1_000), headers=h)
    assert wide.status_code == 422, wide.json
    [error] = wide.json["errors"]
    assert error["field"] == "body" and "at most 65535" in error["reason"], error
    assert log_size(platform, "b1") == before
    assert client.post(path, json=_wide(100), headers=h).status_code == 201


def test_names_in_a_scheme_are_as_long_as_names_anywhere(library, client, world):
    long = doc()
    long["nodes"][0]["name"] = "长" * 201
    long["name_en"] = "x" * 201
    errors = _errors(client, world, long)
    assert "nodes[0].name" in errors and "name_en" in errors, errors


@pytest.mark.parametrize("wrong", [None, True, 7, 1.5, ["x"], {"x": 1}])
def test_names_and_descriptions_must_be_text(library, platform, client, world, wrong):
    """``str()`` had recorded a null name as "None" and an object as its Python repr."""
    before = log_size(platform, "b1")
    for where in ("name", "name_en", "description", "grade", "node", "node_en", "unit"):
        bad = doc()
        if where == "grade":
            bad["grades"][0]["name"], field = wrong, "grades[0].name"
        elif where.startswith("node"):
            key = "name_en" if where == "node_en" else "name"
            bad["nodes"][0][key], field = wrong, f"nodes[0].{key}"
        elif where == "unit":
            leaf = bad["nodes"][0]["children"][0]
            leaf["unit"], field = wrong, "nodes[0].children[0].unit"
        else:
            bad[where], field = wrong, where
        errors = _errors(client, world, bad)
        assert "must be text" in errors.get(field, ""), (where, errors)
    assert log_size(platform, "b1") == before


def test_a_group_is_assessed_by_one_scheme(library, platform, client, world):
    """Two published schemes of one group had left the choice to their codes' order."""
    h = world.headers("bureau_admin")
    base = "/api/v1/bureaus/b1/cycles/2026/schemes"
    first = doc()  # five-dimension, group A
    assert client.post(f"{base}?publish=true", json=first, headers=h).status_code == 201
    other = {**doc(), "code": "other"}
    assert client.post(base, json=other, headers=h).status_code == 201  # a draft is fine
    size = log_size(platform, "b1")
    r = client.post(f"{base}/other/versions/1/publish", headers=h)
    assert r.status_code == 409 and r.json["errors"][0]["field"] == "group", r.json
    assert "five-dimension v1" in r.json["detail"] and log_size(platform, "b1") == size
    moved = {**other, "group": "B"}
    assert client.post(f"{base}?publish=true", json=moved, headers=h).status_code == 201
    again = {**doc(), "group": "B"}  # five-dimension cannot follow it into B either
    assert client.post(f"{base}?publish=true", json=again, headers=h).status_code == 409
