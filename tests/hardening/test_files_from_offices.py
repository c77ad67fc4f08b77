"""Files from Windows and Chinese offices (issue 8): ``schemes import`` and ``values
import`` read UTF-8 with or without a BOM and GB18030; a binary file (an image, a
spreadsheet, UTF-16) gets a clear message naming the file, never a traceback, and
nothing is written."""

from __future__ import annotations

import json

import yaml

from tests.assessment.test_results_api import SCHEME
from tests.hardening.refusals import Unchanged, cli_ok, cli_refused
from tests.helpers import value_row

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


def test_bom_and_gb18030_files_are_read(client, world, platform, tmp_path):
    text = json.dumps(SCHEME, ensure_ascii=False)
    files = {
        "bom.json": b"\xef\xbb\xbf" + text.encode("utf-8"),
        "gbk.json": text.encode("gb18030"),
        "bom.yaml": b"\xef\xbb\xbf" + yaml.safe_dump(SCHEME, allow_unicode=True).encode(),
        "gbk.yml": yaml.safe_dump(SCHEME, allow_unicode=True).encode("gb18030"),
    }
    said = set()
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        said.add(
            cli_ok("schemes", "import", str(tmp_path / name), "--bureau", "b1", "--cycle", "2026")
        )
    # every encoding read as the same document: one version, one digest
    assert len(said) == 1 and said.pop().startswith("scheme qa version 1 (draft), digest "), said
    listed = client.get("/api/v1/bureaus/b1/cycles/2026/schemes", headers=world.headers("auditor"))
    assert {s["name"] for s in listed.json} == {SCHEME["name"]}  # Chinese read back intact
    # numbers as written: 060 is sixty (YAML 1.1 made it octal 48), a long fraction exact
    text = yaml.safe_dump({**SCHEME, "code": "exact"}, allow_unicode=True, sort_keys=False)
    text = text.replace("points: '60'", "points: 060").replace(
        "target: '100'", "target: 123456789.123456789"
    )
    (tmp_path / "exact.yaml").write_text(text, encoding="utf-8")
    cli_ok("schemes", "import", str(tmp_path / "exact.yaml"), "--bureau", "b1", "--cycle", "2026")
    listed = client.get("/api/v1/bureaus/b1/cycles/2026/schemes", headers=world.headers("auditor"))
    (node, *_) = next(s for s in listed.json if s["code"] == "exact")["definition"]["nodes"]
    assert node["points"] == "60" and node["rule"]["params"]["target"] == "123456789.123456789"
    rows = [value_row(period="2026-Q1", note="季度数据"), value_row(period="2026-Q2", note="报表")]
    (tmp_path / "bom-rows.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(rows[:1]).encode())
    gbk = json.dumps(rows[1:], ensure_ascii=False).encode("gb18030")
    (tmp_path / "gbk-rows.json").write_bytes(gbk)
    for name in ("bom-rows.json", "gbk-rows.json"):
        out = cli_ok("values", "import", "--bureau", "b1", str(tmp_path / name))
        assert "recorded 1 value(s)" in out
    got = client.get("/api/v1/bureaus/b1/values", headers=world.headers("auditor")).json
    assert [v["period"] for v in got] == ["2026-Q1", "2026-Q2"]


def test_binary_files_get_a_clear_message(on_shared, tmp_path):
    files = {
        "scan.png": (PNG, "PNG image"),
        "table.xlsx": (b"PK\x03\x04\x14\x00\x06\x00" + bytes(64), "Office document"),
        "noise.bin": (bytes(range(256)) * 4, "binary file"),
        "utf16.json": ('[{"unit": "u1"}]'.encode("utf-16"), "binary file"),
        "latin.json": (
            "[]  # café".encode("latin-1") + b"\x81\xfe\xff",
            "neither UTF-8 nor GB18030",
        ),
    }
    with Unchanged(on_shared.platform):
        for name, (data, said) in files.items():
            path = tmp_path / name
            path.write_bytes(data)
            for args in (
                ("schemes", "import", str(path), "--bureau", "b1", "--cycle", "2026"),
                ("values", "import", "--bureau", "b1", str(path)),
            ):
                out = cli_refused(*args)
                assert said in out and name in out, (args, out)
            yaml_path = tmp_path / f"{name}.yaml"
            yaml_path.write_bytes(data)
            out = cli_refused(
                "schemes", "import", str(yaml_path), "--bureau", "b1", "--cycle", "2026"
            )
            assert said in out, out
