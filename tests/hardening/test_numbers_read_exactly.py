"""Numbers are read exactly (issue 8, "Numbers"): never through a binary float, full-width
digits normalised (NFKC), other scripts' digits refused naming the field, ``-0`` is ``0``,
and integers too long, or too large for a 64-bit column, refused with a 4xx, never a 500,
in paths, queries and bodies, over the API and the command line."""

from __future__ import annotations

import json

from tests.hardening.refusals import Unchanged, cli_ok, cli_refused, refused, said
from tests.helpers import entries, value_row

B1 = "/api/v1/bureaus/b1"
TARGET = ("--bureau", "b1", "--indicator", "i1", "--cycle", "2026")
FREE = {"unit": "u2", "period": "2026-Q4"}  # no value yet, in either world
HUGE = (2**63, 2**64, 10**30)


def post_raw(client, headers, body: str, path: str = f"{B1}/values"):
    return client.post(path, data=body.encode(), content_type="application/json", headers=headers)


def raw_row(number: str, **more: str) -> str:
    """A value row (u2, i1, 2026-Q4) whose value is the JSON literal ``number``, as sent."""
    row = json.dumps(value_row(**FREE, value="__N__"), ensure_ascii=False)
    extra = "".join(f',"{k}":{v}' for k, v in more.items())
    return row.replace('"__N__"', number)[:-1] + extra + "}"


def recorded_value(platform) -> str:
    return json.loads(entries(platform, "b1")[-1].body)["data"]["value"]


def test_numbers_are_recorded_exactly_and_normalised(client, world, platform):
    admin = world.headers("bureau_admin")
    cases = [  # (what is sent, how: json value or raw literal, what the ledger holds)
        ("８５", "json", "85"),  # full-width, as a Chinese IME types it
        ("９２．５", "json", "92.5"),
        ("-0", "json", "0"),
        ("-0", "raw", "0"),
        ("-0.0", "raw", "0.0"),
        ("9.25E1", "raw", "92.5"),  # an exponent, read exactly, written without one
        ("0.000000000001", "raw", "0.000000000001"),
    ]
    corrects = None
    for sent, how, stored in cases:
        body = raw_row(sent) if how == "raw" else json.dumps(value_row(**FREE, value=sent))
        if corrects is not None:
            body = body[:-1] + f',"corrects":{corrects}}}'
        r = post_raw(client, admin, body)
        assert r.status_code == 201, (sent, r.json)
        assert recorded_value(platform) == stored, sent
        corrects = r.json["entries"][0]["seq"]
    cli_ok("values", "record", *TARGET, "--unit", "u1", "--period", "2026-Q3", "８５")
    assert recorded_value(platform) == "85"


def test_numbers_that_cannot_be_recorded_exactly_are_refused(on_shared):
    client, admin = on_shared.client, on_shared.world.headers("bureau_admin")
    with Unchanged(on_shared.platform):
        # 1e-400 was stored as "0.0" (read through a float); it has 400 decimal places
        problem = refused(post_raw(client, admin, raw_row("1e-400")), 422, "value")
        assert "decimal places" in said(problem)
        # past 28 significant digits: Decimal.normalize (trimming trailing zeros) had
        # rounded these to 4.3 and 1E+17 and recorded them
        for long in ("4.30000000000000000000000000000001", "99999999999999999.99999999999999999"):
            for given in (long, f'"{long}"'):
                problem = refused(post_raw(client, admin, raw_row(given)), 422, "value")
                assert "decimal places" in said(problem), given
        for digits in ("٨٥", "۸۵", "८५", "๘๕"):  # Arabic-Indic, Persian, Devanagari, Thai
            r = client.post(f"{B1}/values", json=value_row(**FREE, value=digits), headers=admin)
            assert "0–9" in said(refused(r, 422, "value")), digits
        # integers thousands of digits long: in a body (as a number or as text)
        refused(post_raw(client, admin, raw_row("9" * 5000)), (400, 422), "value")
        refused(post_raw(client, admin, raw_row("1", corrects="9" * 5000)), (400, 422), "corrects")
        r = client.post(f"{B1}/values", json=value_row(**FREE, value="9" * 5000), headers=admin)
        assert "18 digits" in said(refused(r, 422, "value"))
        out = cli_refused("values", "record", *TARGET, "--unit", "u2", "--period", "2026-Q4", "٨٥")
        assert "value" in out and "0–9" in out


def test_integers_past_64_bits_are_refused_in_paths_queries_and_bodies(on_shared):
    client, world, seq = on_shared.client, on_shared.world, on_shared.value_seq
    admin, reviewer, auditor = (world.headers(r) for r in ("bureau_admin", "reviewer", "auditor"))
    item = {**value_row(period="2026", indicator="i2"), "quantity": "1", "reason": "x"}
    del item["value"]
    withdrawal = {**value_row(), "withdraws": 0, "reason": "x"}
    del withdrawal["value"]
    with Unchanged(on_shared.platform):
        for n in HUGE:
            for method, path in [  # paths (scheme qa v1 exists; webhook ids are integers)
                ("get", f"{B1}/ledger/entries/{n}"),
                ("post", f"{B1}/webhooks/{n}/enable"),
                ("post", f"{B1}/webhooks/{n}/rotate-secret"),
                ("get", f"{B1}/webhooks/{n}/attempts"),
                ("post", f"{B1}/cycles/2026/schemes/qa/versions/{n}/publish"),
            ]:
                refused(getattr(client, method)(path, headers=admin), (404, 422))
            r = client.post(f"{B1}/items/{n}/withdraw", json={"reason": "x"}, headers=reviewer)
            refused(r, (404, 409, 422))
            r = client.post(f"{B1}/webhooks/{n}/redeliver", json={}, headers=admin)
            refused(r, (404, 422))
            for path, field in [  # queries
                (f"{B1}/ledger/proof?seq={n}", "seq"),
                (f"{B1}/ledger/entries?start={n}", "start"),
                (f"{B1}/ledger/entries?limit={n}", "limit"),
                (f"{B1}/ledger/consistency?from=1&to={n}", "to"),
            ]:
                refused(client.get(path, headers=auditor), 422, field)
            for path, body, headers, field in [  # bodies
                ("values", value_row(corrects=n), admin, "corrects"),
                ("values/withdraw", {**withdrawal, "withdraws": n}, admin, "withdraws"),
                ("reviews", {"seq": n, "decision": "approved"}, reviewer, "seq"),
                ("reviews", {"seq": seq, "decision": "approved", "corrects": n}, reviewer,
                 "corrects"),
                ("items", {"rows": [{**item, "corrects": n}]}, reviewer, "corrects"),
                ("webhooks/1/redeliver", {"from_seq": n}, admin, "from_seq"),
            ]:  # fmt: skip
                refused(client.post(f"{B1}/{path}", json=body, headers=headers), 422, field)
        big = str(2**63)
        cli_refused(
            "values",
            "record",
            *TARGET,
            "--unit",
            "u1",
            "--period",
            "2026-Q1",
            "--corrects",
            big,
            "1",
        )
        cli_refused("ledger", "proof", "--bureau", "b1", "--seq", big)
        cli_refused("webhooks", "redeliver", big, "--bureau", "b1")
        cli_refused("reviews", "decide", "--bureau", "b1", "--seq", big, "--decision", "approved")
        cli_refused("items", "withdraw", big, "--bureau", "b1", "--reason", "x")
        cli_refused("schemes", "publish", "qa", "--bureau", "b1", "--cycle", "2026",
                    "--version", big)  # fmt: skip
