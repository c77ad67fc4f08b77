"""Recorded text is text a person typed (issue 8, "Text"): NUL, other control characters,
lone UTF-16 surrogates and bidirectional overrides are refused naming the field, in
names, notes and reasons, over the API and the command line; tab and newline are kept
in multi-line notes and reasons (and refused in one-line names)."""

from __future__ import annotations

import json

from tests.hardening.refusals import Unchanged, cli_ok, cli_refused, refused, said
from tests.helpers import entries, value_row

B1 = "/api/v1/bureaus/b1"
BAD = {
    "\x00": "U+0000",  # NUL: a 500 on PostgreSQL, silently kept by SQLite
    "\x07": "U+0007",
    "\x1b": "U+001B",
    "\x7f": "U+007F",
    "\u202e": "U+202E",  # RIGHT-TO-LEFT OVERRIDE: "exe.gnp" shown as "png.exe"
    "\u2066": "U+2066",
    "\uffff": "U+FFFF",  # Unicode noncharacters: refused by the console, not the API
    "\ufdd0": "U+FDD0",
    "\U0001fffe": "U+1FFFE",
}
APPEAL = {"unit": "u1", "indicator": "i2", "cycle": "2026", "period": "2026"}


def test_unreadable_text_is_refused_in_names_notes_and_reasons(on_shared):
    client, world = on_shared.client, on_shared.world
    admin, reporter = world.headers("bureau_admin"), world.headers("reporter")
    reviewer = world.headers("reviewer")
    item = {**APPEAL, "quantity": "1"}
    with Unchanged(on_shared.platform):
        for char, code in BAD.items():
            text = f"办公{char}室"
            for path, body, headers, field in [
                ("units", {"code": "zz", "name": text}, admin, "name"),
                ("people", {"code": "p9", "name": text}, admin, "name"),
                ("values", value_row(unit="u2", period="2026-Q4", note=text), admin, "note"),
                ("appeals", {**APPEAL, "reason": text}, reporter, "reason"),
                ("items", {"rows": [{**item, "reason": text}]}, reviewer, "rows[0].reason"),
            ]:
                r = client.post(f"{B1}/{path}", json=body, headers=headers)
                assert code in said(refused(r, (400, 422), field)), (path, code)
        # a lone surrogate cannot even be encoded as UTF-8: sent as the JSON escape
        for raw, field in [
            (b'{"code":"zz","name":"\\ud800"}', "name"),
            (b'{"code":"zz","name":"a\\udfffb"}', "name"),
            (b'{"code":"zz","name":"ok","name_en":"\\ud83d"}', "name_en"),
        ]:
            r = client.post(f"{B1}/units", data=raw, content_type="application/json",
                            headers=admin)  # fmt: skip
            assert "surrogate" in said(refused(r, 400, field))
        # the surrogate's bytes encoded anyway (CESU-8) are not UTF-8
        r = client.post(f"{B1}/units", data=b'{"code":"zz","name":"\xed\xa0\x80"}',
                        content_type="application/json", headers=admin)  # fmt: skip
        refused(r, 400, "body")
        # in a path or a query: refused before any view runs (PostgreSQL cannot even
        # compare text holding NUL: a lookup with it was a 500)
        for path, field, code in [
            ("/api/v1/bureaus/b%001/units", "code", "U+0000"),
            (f"{B1}/appeals/A%00", "appeal", "U+0000"),
            (f"{B1}/appeals/A%E2%80%AE1", "appeal", "U+202E"),
            (f"{B1}/cycles/2026/results?period=2026-Q1%00", "period", "U+0000"),
            (f"{B1}/values?unit=u%1b", "unit", "U+001B"),
        ]:
            assert code in said(refused(client.get(path, headers=admin), 422, field)), path
        # a line break is not part of a one-line name
        r = client.post(f"{B1}/units", json={"code": "zz", "name": "办公\n室"}, headers=admin)
        refused(r, 422, "name")
        # the command line: same rules, for every argument, naming it; a lookup with NUL
        # was a traceback on PostgreSQL ("not found" on SQLite)
        target = ("--cycle", "2026", "--unit", "u1", "--indicator", "i2", "--period", "2026")
        for args, named, code in [
            (("units", "create", "--bureau", "b1", "zz", "办公\x00室"), "'NAME'", "U+0000"),
            (("units", "create", "--bureau", "b1", "zz", "办\ud800公"), "'NAME'", "U+D800"),
            (("appeals", "file", "--bureau", "b1", *target, "--reason", "扣分有误\u202e"),
             "'--reason'", "U+202E"),
            (("units", "list", "--bureau", "b\x001"), "'--bureau'", "U+0000"),
            (("results", "compute", "--bureau", "b1", "--cycle", "2026\x00"), "'--cycle'",
             "U+0000"),
            (("appeals", "assign", "A\x001", "--bureau", "b1", "--reviewer", "x"), "'CODE'",
             "U+0000"),
            (("--as", "b1-reporter\x00@b1", "bureaus", "list"), "'--as'", "U+0000"),
        ]:  # fmt: skip
            out = cli_refused(*args)
            assert named in out and code in out, (args, out)


def test_tab_and_newline_are_kept_in_multiline_notes_and_reasons(client, world, platform):
    note = "第一行 (line one)\n\t第二行 (line two)"
    r = client.post(
        f"{B1}/values", json=value_row(note=note), headers=world.headers("bureau_admin")
    )
    assert r.status_code == 201, r.json
    assert json.loads(entries(platform, "b1")[-1].body)["data"]["note"] == note
    reason = "理由一\n理由二\t(two reasons)"
    r = client.post(
        f"{B1}/appeals", json={**APPEAL, "reason": reason}, headers=world.headers("reporter")
    )
    assert r.status_code == 201, r.json
    assert r.json["reason"] == reason
    target = ("--cycle", "2026", "--unit", "u1", "--indicator", "i1", "--period", "2026-Q1")
    cli_ok("appeals", "file", "--bureau", "b1", *target, "--reason", "甲\n\t乙")
    assert json.loads(entries(platform, "b1")[-1].body)["data"]["reason"] == "甲\n\t乙"
