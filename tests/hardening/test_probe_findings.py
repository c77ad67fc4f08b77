"""What a fresh-eyes probe of the API found, each as the class of input it belongs to:
booleans in JSON bodies read leniently, nested validation messages sent as Python
reprs, text of invisible characters taken as written, appeal decisions that silently
dropped what they were given."""

from __future__ import annotations

from tests.hardening.every_input import B1, TARGET, publish
from tests.hardening.refusals import Unchanged, refused, said
from tests.helpers import value_row


def test_a_json_boolean_is_true_or_false_only(client, world, platform):
    admin = world.headers("bureau_admin")
    with Unchanged(platform):
        for spelling in ("yes", "no", "0", 1, 0, "true"):
            r = client.put(f"{B1}/ledger/policy", json={"public": spelling}, headers=admin)
            refused(r, 422, "public")
    assert client.get("/logs/b1/checkpoint").status_code in (401, 404)  # still not public
    made_public = client.put(f"{B1}/ledger/policy", json={"public": True}, headers=admin)
    assert made_public.status_code == 200


def test_nested_setting_errors_name_their_path_not_a_repr(client, world, platform):
    admin = world.headers("bureau_admin")
    assert client.put(f"{B1}/plugins/tax", headers=admin).status_code in (200, 201)
    settings = client.get(f"{B1}/plugins/tax/settings", headers=admin).json
    key = next(k for k, v in settings.items() if isinstance(v, dict))
    with Unchanged(platform):
        r = client.put(f"{B1}/plugins/tax/settings", json={key: {"a": "x"}}, headers=admin)
    problem = refused(r, 422)
    for error in problem["errors"]:
        assert error["field"].startswith(f"settings.{key}")
        assert "{" not in error["reason"] and "[" not in error["reason"], error


def test_text_of_invisible_characters_is_empty(client, world, platform):
    reporter = world.headers("reporter")
    for blank in ("\u200b", "\ufeff", "\u200d\u2060", " \u200b\u3000"):
        appeal = {**TARGET, "indicator": "i1", "reason": blank}
        with Unchanged(platform):
            refused(client.post(f"{B1}/appeals", json=appeal, headers=reporter), 422, "reason")


def test_an_upheld_decision_carries_no_correction(client, world, platform):
    publish(client, world)
    admin, reviewer = world.headers("bureau_admin"), world.headers("reviewer")
    value = client.post(f"{B1}/values", json=value_row(period="2026", value="80"), headers=admin)
    seq = value.json["entries"][0]["seq"]
    appeal = {**TARGET, "indicator": "i1", "reason": "请复核 (please review)"}
    code = client.post(f"{B1}/appeals", json=appeal, headers=world.headers("reporter")).json["code"]
    client.post(f"{B1}/appeals/{code}/assign", json={"reviewer": "b1-reviewer"}, headers=admin)
    decide = f"{B1}/appeals/{code}/decide"
    base = {"decision": "upheld", "reason": "维持 (upheld)"}
    with Unchanged(platform):
        for extra in ({"value": "12"}, {"target": seq}, {"withdraw": True}):
            refused(client.post(decide, json={**base, **extra}, headers=reviewer), 422, "decision")
        refused(client.post(decide, json={**base, "withdraw": "yes"}, headers=reviewer), 422)
    assert client.post(decide, json=base, headers=reviewer).status_code == 200


def test_markup_is_not_evidence_whatever_it_is_called(client, world, platform):
    import io

    admin = world.headers("bureau_admin")
    with Unchanged(platform):
        for content, name, kind in (
            (b"<html><script>alert(1)</script></html>", "scan.png", "image/png"),
            (b"\xef\xbb\xbf <svg onload='alert(1)'/>", "chart.svg", "image/svg+xml"),
            (b"<!DOCTYPE html><p>x", "note.pdf", "application/pdf"),
            (b"just text", "note.html", "text/html"),
        ):
            upload = {"unit": "u1", "file": (io.BytesIO(content), name, kind)}
            r = client.post(f"{B1}/evidence", data=upload, headers=admin)
            refused(r, 422, "file")
    pdf = {"unit": "u1", "file": (io.BytesIO(b"%PDF-1.4 scan"), "scan.pdf", "application/pdf")}
    assert client.post(f"{B1}/evidence", data=pdf, headers=admin).status_code == 201


def test_an_upload_is_one_file_with_known_fields_and_counts_once(client, world, platform):
    """A second file was dropped, a ``person`` ignored, a missing unit called "unknown
    unit ''", and the same upload sent again recorded a second attachment."""
    import io

    from werkzeug.datastructures import MultiDict

    admin = world.headers("bureau_admin")

    def pdf(name: str = "scan.pdf"):
        return (io.BytesIO(b"%PDF-1.4 scan"), name, "application/pdf")

    with Unchanged(platform):
        two = MultiDict([("unit", "u1"), ("file", pdf()), ("file", pdf("b.pdf"))])
        refused(client.post(f"{B1}/evidence", data=two, headers=admin), 422, "file")
        person = {"unit": "u1", "person": "p1", "file": pdf()}
        refused(client.post(f"{B1}/evidence", data=person, headers=admin), 422, "person")
        twice = MultiDict([("unit", "u1"), ("unit", "u2"), ("file", pdf())])
        refused(client.post(f"{B1}/evidence", data=twice, headers=admin), 422, "unit")
        none = client.post(f"{B1}/evidence", data={"file": pdf()}, headers=admin)
        assert "required" in said(refused(none, 422, "unit"))
    first = client.post(f"{B1}/evidence", data={"unit": "u1", "file": pdf()}, headers=admin)
    assert first.status_code == 201
    with Unchanged(platform):
        again = client.post(f"{B1}/evidence", data={"unit": "u1", "file": pdf()}, headers=admin)
        assert again.status_code == 201 and again.json["seq"] == first.json["seq"]
    elsewhere = client.post(f"{B1}/evidence", data={"unit": "u1", "subject": "i1@2026-Q1",
                                                     "file": pdf()}, headers=admin)  # fmt: skip
    assert elsewhere.json["seq"] > first.json["seq"]  # the same file for another subject


def test_form_bytes_that_are_not_utf8_are_refused_not_replaced(client, world, platform):
    """A multipart field (or file name) that is not UTF-8 reached the ledger with U+FFFD
    in place of its bytes."""
    boundary = "XyZ"

    def multipart(subject: bytes, filename: bytes = b"scan.pdf") -> bytes:
        return (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"unit\"\r\n\r\nu1\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"subject\"\r\n\r\n"
        ).encode() + subject + (
            f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
        ).encode() + b'filename="' + filename + (
            f'"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 x\r\n--{boundary}--\r\n'
        ).encode()

    admin = world.headers("bureau_admin")
    kind = f"multipart/form-data; boundary={boundary}"
    with Unchanged(platform):
        for body, field in ((multipart(b"x\xff"), "subject"),
                            (multipart(b"y\xed\xa0\x80"), "subject"),
                            (multipart(b"ok", b"b\xff.pdf"), "body")):  # fmt: skip
            r = client.post(f"{B1}/evidence", data=body, content_type=kind, headers=admin)
            assert "UTF-8" in said(refused(r, 422, field)), r.json
        cut = multipart(b"ok").rsplit(f"--{boundary}--".encode(), 1)[0]  # no closing boundary
        r = client.post(f"{B1}/evidence", data=cut, content_type=kind, headers=admin)
        assert "incomplete or malformed" in said(refused(r, 422, "body")), r.json
    nameless = multipart(b"x").replace(b'form-data; name="unit"', b"form-data", 1)
    for body in (nameless, nameless.replace(b"\r\n\r\nu1", b"\r\n\r\nu\xff", 1)):
        r = client.post(f"{B1}/evidence", data=body, content_type=kind, headers=admin)
        assert r.status_code == 422, r.get_data(as_text=True)  # a part with no name: was a 500
    good = client.post(f"{B1}/evidence", data=multipart("第一季度".encode()), content_type=kind,
                       headers=admin)  # fmt: skip
    assert good.status_code == 201, good.json


def test_an_error_quotes_at_most_a_little_of_a_huge_input(client, world, platform):
    admin = world.headers("bureau_admin")
    for r in (
        client.post(f"{B1}/values", json=value_row(unit="u" * 100_000), headers=admin),
        client.get(f"/logs/{'b' * 5000}/checkpoint", headers=admin),
        client.get(f"{B1}/cycles/{'c' * 5000}", headers=admin),
    ):
        problem = refused(r, (400, 404, 422))
        assert len(r.get_data()) < 4_000, (r.request.path[:40], len(r.get_data()))
        assert all(len(e["reason"]) <= 500 for e in problem.get("errors", []))


def test_assigning_the_same_reviewer_again_writes_nothing(client, world, platform):
    admin = world.headers("bureau_admin")
    appeal = {**TARGET, "indicator": "i1", "reason": "请复核 (please review)"}
    code = client.post(f"{B1}/appeals", json=appeal, headers=world.headers("reporter")).json["code"]
    assign = f"{B1}/appeals/{code}/assign"
    assert client.post(assign, json={"reviewer": "b1-reviewer"}, headers=admin).status_code == 200
    with Unchanged(platform):
        again = client.post(assign, json={"reviewer": "b1-reviewer"}, headers=admin)
        refused(again, 409, "reviewer")


def test_combine_weights_name_periods_of_the_cycle(client, world, platform):
    admin = world.headers("bureau_admin")

    def scheme(**leaf) -> dict:
        node = {"code": "q", "name": "任务 (tasks)", "points": "100", "indicator": "i1",
                "rule": {"type": "target_ratio", "params": {"target": "100"}}, **leaf}  # fmt: skip
        return {"code": "fit", "name": "适配 (fit)", "group": "A", "nodes": [node]}

    with Unchanged(platform):
        for leaf, field in (
            ({"frequency": "quarter", "combine": {"2026-Q1": "0.5", "2026-Q9": "0.5"}},
             "node q.combine"),
            ({"frequency": "quarter", "combine": {"2026-Q1": "0.5", "bogus": "0.5"}},
             "node q.combine"),
        ):  # fmt: skip
            r = client.post(f"{B1}/cycles/2026/schemes", json=scheme(**leaf), headers=admin)
            refused(r, 422, field)
    ok = scheme(frequency="quarter", combine={"2026-Q1": "0.5", "2026-Q2": "0.5"})
    assert client.post(f"{B1}/cycles/2026/schemes", json=ok, headers=admin).status_code == 201


def test_saving_the_settings_in_effect_records_nothing(client, world, platform):
    admin = world.headers("bureau_admin")
    assert client.put(f"{B1}/plugins/tax", headers=admin).status_code in (200, 201)
    settings = client.get(f"{B1}/plugins/tax/settings", headers=admin).json
    with Unchanged(platform):  # the defaults, then the same again: idempotent
        for _ in range(2):
            r = client.put(f"{B1}/plugins/tax/settings", json=settings, headers=admin)
            assert r.status_code == 200


def test_a_huge_input_is_quoted_short_and_the_reason_survives(client, world, platform):
    """A reason quoting a 100,000-character input was cut to its first 500 characters,
    which were all input: the clerk saw the input, not what was wrong with it."""
    admin = world.headers("bureau_admin")
    huge = "x" * 100_000
    with Unchanged(platform):
        value = refused(client.post(f"{B1}/values", json=value_row(value=huge), headers=admin), 422)
        unit = refused(
            client.post(f"{B1}/values", json=value_row(unit=huge), headers=admin), (404, 422)
        )
    for problem in (value, unit):
        reasons = " ".join(e["reason"] for e in problem["errors"]) + problem["detail"]
        assert huge[:200] not in reasons and len(reasons) < 1200, problem
    reason = value["errors"][0]["reason"]
    assert "x" * 40 + "…" in reason and "decimal" in reason and "数" in reason, reason
