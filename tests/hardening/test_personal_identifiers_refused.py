"""Personal identifiers never reach recorded text (issue 8, "Privacy"; D-41): resident
ID-card numbers (18 digits with a check digit 0–9, x or X; the old 15-digit form) and
mainland mobile numbers, however typed — full-width, split by spaces, hyphens or
zero-width characters, with +86 — are refused in unit names, notes and appeal reasons,
naming the field. A *value* that merely looks like a mobile number (an amount of
13,800,000,000.50 yuan) is a value and is recorded (``find_personal_data``'s documented
exception for plain decimal numbers); an 18-digit value that is a valid ID number is not."""

from __future__ import annotations

import json

from core.services.demo import fictitious_id_card
from tests.hardening.refusals import Unchanged, cli_refused, refused, said
from tests.helpers import entries, value_row

B1 = "/api/v1/bureaus/b1"
ID18 = fictitious_id_card(7)
ID18_X = next(n for n in map(fictitious_id_card, range(1000)) if n.endswith("X"))
ID15 = "110105491231002"  # born 1949-12-31, old format (no check digit)
MOBILE = "13912345678"
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def spellings() -> list[tuple[str, str]]:
    """(text, what it hides) as people type them."""
    id_kind, phone = "ID-card", "mobile phone"
    return [
        (f"身份证号{ID18}", id_kind),
        (ID18, id_kind),
        (ID18_X, id_kind),
        (ID18_X.lower(), id_kind),
        (f"证件：{ID18_X[:-1]}x。", id_kind),
        (ID18.translate(FULL_WIDTH), id_kind),
        (f"{ID18[:6]} {ID18[6:14]} {ID18[14:]}", id_kind),
        (f"{ID18[:6]}-{ID18[6:14]}-{ID18[14:]}", id_kind),
        ("\u200b".join(ID18), id_kind),
        (f"旧证{ID15}号", id_kind),
        (ID15, id_kind),
        (ID15.translate(FULL_WIDTH), id_kind),
        (f"联系电话{MOBILE}", phone),
        (MOBILE, phone),
        (f"+86 {MOBILE}", phone),
        (f"+86-{MOBILE[:3]}-{MOBILE[3:7]}-{MOBILE[7:]}", phone),
        (f"(86){MOBILE[:3]} {MOBILE[3:7]} {MOBILE[7:]}", phone),
        (f"86{MOBILE}", phone),
        (MOBILE.translate(FULL_WIDTH), phone),
        ("\u200b".join(MOBILE), phone),
        (f"手机 {MOBILE[:3]}\u2060{MOBILE[3:7]}\ufeff{MOBILE[7:]}", phone),
        ("19912345678", phone),
    ]


def test_identifiers_in_names_notes_and_reasons_are_refused(on_shared):
    client, world = on_shared.client, on_shared.world
    admin, reporter = world.headers("bureau_admin"), world.headers("reporter")
    appeal = {"unit": "u1", "indicator": "i2", "cycle": "2026", "period": "2026"}
    with Unchanged(on_shared.platform):
        for text, kind in spellings():
            for path, body, headers, field in [
                ("units", {"code": "zz", "name": text}, admin, "name"),
                ("values", value_row(unit="u2", period="2026-Q4", note=text), admin, "note"),
                ("appeals", {**appeal, "reason": text}, reporter, "reason"),
            ]:
                r = client.post(f"{B1}/{path}", json=body, headers=headers)
                problem = refused(r, 422, field)
                assert kind in said(problem), (text, path, problem)
                assert text not in said(problem)  # the refusal does not echo it either
        target = ("--cycle", "2026", "--unit", "u1", "--indicator", "i2", "--period", "2026")
        for text, kind in (spellings()[6], spellings()[15]):
            out = cli_refused("appeals", "file", "--bureau", "b1", *target, "--reason", text)
            assert "reason" in out and kind in out, out
            out = cli_refused("units", "create", "--bureau", "b1", "zz", text)
            assert "name" in out and kind in out, out


def test_values_that_look_like_a_phone_number_are_values(client, world, platform):
    admin = world.headers("bureau_admin")
    seq = None
    for amount in ("13800000000.50", "13800000000", "15912345678.5"):
        row = value_row(indicator="i2", value=amount, corrects=seq)
        r = client.post(f"{B1}/values", json=row, headers=admin)
        assert r.status_code == 201, (amount, r.json)
        assert json.loads(entries(platform, "b1")[-1].body)["data"]["value"] == amount
        seq = r.json["entries"][0]["seq"]
    # an 18-digit "value" with a valid check digit and birth date is an ID number
    with Unchanged(platform):
        card = next(n for n in map(fictitious_id_card, range(1000)) if n[-1].isdigit())
        row = value_row(indicator="i2", value=card, corrects=seq)
        problem = refused(client.post(f"{B1}/values", json=row, headers=admin), 422, "value")
        assert "ID-card" in said(problem)
