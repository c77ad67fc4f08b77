"""Scheme documents meet the number rules too (issue 8, "Numbers", in every channel):
a number in a scheme the platform cannot hold exactly — ``1e-400`` or ``1e400`` in rule
parameters, a grade's minimum, an outcome's pool; an integer past 2^53 — is refused at
its path (it escaped as a 500 from the middle of the check), and a YAML scheme file is
read as written: numbers exactly, never through a float (``1.0e-400`` was 0.0), ``060``
is sixty (YAML 1.1 made it octal 48), a key given twice is refused (YAML kept the last)."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import yaml

from core.kernel import yamlio
from tests.assessment.test_results_api import SCHEME
from tests.hardening.refusals import Unchanged, cli_refused, refused, said

SCHEMES = "/api/v1/bureaus/b1/cycles/2026/schemes"


def with_literal(path: str, literal: str) -> str:
    """SCHEME as JSON text with the value at ``path`` (dotted, indexes as digits)
    replaced by the JSON number literal ``literal``, as a client would send it."""
    doc = copy.deepcopy(SCHEME)
    *parents, last = path.split(".")
    here = doc
    for key in parents:
        here = here[int(key)] if key.isdigit() else here.setdefault(key, {})
    here[last] = "__N__"
    return json.dumps(doc, ensure_ascii=False).replace('"__N__"', literal)


def test_numbers_a_scheme_cannot_hold_are_refused_at_their_path(on_shared, tmp_path):
    client, admin = on_shared.client, on_shared.world.headers("bureau_admin")
    cases = [
        ("nodes.0.rule.params.target", "1e-400", "nodes[0].rule.params.target", "decimal places"),
        ("nodes.0.rule.params.target", "1e400", "nodes[0].rule.params.target", "18 digits"),
        ("nodes.1.rule.params.per_item", "1e-400", "nodes[1].rule.params.per_item", "decimal"),
        ("grades.0.min", "1E+400", "grades[0].min", "18 digits"),
        ("outcomes.pay.pool", "1e-400", "outcomes.pay.pool", "decimal places"),
        ("nodes.0.rule.params.target", str(2**70), "nodes[0].rule.params.target", "string"),
    ]
    with Unchanged(on_shared.platform):
        for path, literal, field, reason in cases:
            r = client.post(SCHEMES, data=with_literal(path, literal).encode(),
                            content_type="application/json", headers=admin)  # fmt: skip
            problem = refused(r, 422, field)
            assert reason in said(problem), (path, literal, problem)
        # the same from a YAML file, and what YAML 1.1 got wrong
        text = yaml.safe_dump(SCHEME, allow_unicode=True, sort_keys=False)
        for change, expected in [
            (("target: '100'", "target: 1.0e-400"), "decimal places"),
            (("points: '60'", "points: 1:00"), "decimal digits"),
            (("points: '60'", "points: 0x3C"), "decimal digits"),
            (("points: '60'", "points: '60'\n  points: '50'"), "'points' appears twice"),
        ]:
            assert change[0] in text, change
            path = tmp_path / "scheme.yaml"
            path.write_text(text.replace(*change, 1), encoding="utf-8")
            out = cli_refused("schemes", "import", str(path), "--bureau", "b1", "--cycle", "2026")
            assert expected in out, (change, out)


def test_yaml_numbers_are_read_as_written():
    doc = yamlio.loads(
        "target: 123456789.123456789\npoints: 060\ntiny: 1.0e-12\nwhen: 2026-01-01\n"
        "list: [1, 2.50, -0.5]\nname: 考核\n"
    )
    assert doc == {
        "target": Decimal("123456789.123456789"),  # a float keeps 17 digits: …12345679
        "points": 60,
        "tiny": Decimal("1.0E-12"),
        "when": "2026-01-01",
        "list": [1, Decimal("2.50"), Decimal("-0.5")],
        "name": "考核",
    }
