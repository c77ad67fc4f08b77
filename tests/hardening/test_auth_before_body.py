"""A request without a valid token gets 401 before anything about its body, path or
query is judged (issue 8, "Auth order"): an unauthenticated caller learns nothing about
what the endpoint would accept."""

from __future__ import annotations

from tests.hardening.refusals import Unchanged, refused

B1 = "/api/v1/bureaus/b1"
JSON = "application/json"


def test_no_or_a_bad_token_is_401_whatever_the_body(on_shared):
    client = on_shared.client
    bad_bodies = [
        b"{not json",
        b'{"unit":"u1","unit":"u2"}',
        b"[" * 5000 + b"]" * 5000,
        b'{"name":"\\ud800"}',
        b'{"value":' + b"9" * 5000 + b"}",
        b"\xff\xfe",
        b"",
        b'{"unit":"u1"}',  # well-formed, incomplete: 422 for a caller who may record
    ]
    who = [{}, {"Authorization": "Bearer jx_wrong"}, {"Authorization": "Basic eDp5"},
           {"Authorization": "Bearer"}]  # fmt: skip
    with Unchanged(on_shared.platform):
        for headers in who:
            for body in bad_bodies:
                r = client.post(f"{B1}/values", data=body, content_type=JSON, headers=headers)
                refused(r, 401)
            refused(client.post(f"{B1}/units", data=b"x", content_type="text/plain",
                                headers=headers), 401)  # fmt: skip
            refused(client.get(f"{B1}/values?unit=u%00", headers=headers), 401)
            refused(client.get(f"{B1}/ledger/entries/{2**64}", headers=headers), 401)
            refused(client.get(f"{B1}/ledger/proof?seq=x", headers=headers), 401)
        # the same malformed body from a caller with a valid token is judged on its content
        admin = on_shared.world.headers("bureau_admin")
        r = client.post(f"{B1}/values", data=b"{not json", content_type=JSON, headers=admin)
        refused(r, 400, "body")
        r = client.post(f"{B1}/values", data=b'{"unit":"u1"}', content_type=JSON, headers=admin)
        refused(r, 422, "indicator")
