"""D-41: identifiers encrypted at rest (key outside the database), keyed hashes in the ledger."""

from __future__ import annotations

import base64
import json
import os

import pytest
from sqlalchemy import select, text

from core.domain.models import Bureau, Person
from core.kernel.privacy import PersonalDataError, Vault, is_id_card, mask
from core.services.demo import fictitious_id_card
from tests.helpers import entries

ID_CARD = fictitious_id_card(7)
PHONE = "13912345678"
ADDRESS = "杭州市西湖区某路1号"


def raw_dump(platform) -> bytes:
    """Every byte of every table, as someone who copied the database would see it."""
    tables = ("ledger_entries", "people", "ledger_checkpoints", "bureaus", "units")
    chunks = []
    with platform.db.engine.connect() as conn:
        for table in tables:
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                chunks.extend(
                    bytes(v) if isinstance(v, (bytes, memoryview)) else str(v).encode() for v in row
                )
    return b"\n".join(chunks)


def test_identifiers_are_encrypted_and_hashed(client, world, platform, instance):
    r = client.post(
        "/api/v1/bureaus/b1/people",
        headers=world.headers("bureau_admin"),
        json={
            "code": "p1",
            "name": "李四",
            "unit": "u1",
            "id_card": ID_CARD,
            "phone": PHONE,
            "address": ADDRESS,
        },
    )
    assert r.status_code == 201
    assert r.json["identifiers"] == {
        "id_card": mask(ID_CARD),
        "phone": mask(PHONE),
        "address": mask(ADDRESS),
    }
    dump = raw_dump(platform)
    for secret in (ID_CARD, PHONE, ADDRESS):
        assert secret.encode() not in dump
    body = json.loads(entries(platform, "b1")[-1].body)
    assert body["kind"] == "person.created"
    digest = Vault.from_instance(instance).digest("id_card", ID_CARD)
    assert body["data"]["identifiers"]["id_card"] == digest and digest.startswith("hmac-sha256:")
    assert (instance / "secrets" / "pii.key").exists()
    with platform.db.transaction() as s:
        person = s.scalar(select(Person).where(Person.code == "p1"))
        assert platform.vault.open(person.pii_cipher)["id_card"] == ID_CARD
    others = client.get("/api/v1/bureaus/b1/people", headers=world.headers("reviewer")).json
    assert others[0]["identifiers"] == {}


def test_keyed_hash_depends_on_the_key():
    a, b = Vault(os.urandom(32)), Vault(os.urandom(32))
    assert a.digest("phone", PHONE) != b.digest("phone", PHONE)
    assert a.digest("phone", "139 1234-5678") == a.digest("phone", PHONE)


def test_key_from_environment(monkeypatch, tmp_path):
    key = os.urandom(32)
    monkeypatch.setenv("JIXIAO_PII_KEY", base64.b64encode(key).decode())
    assert Vault.from_instance(tmp_path).digest("phone", PHONE) == Vault(key).digest("phone", PHONE)
    assert not (tmp_path / "secrets").exists()


def test_ledger_refuses_an_id_card_number_anywhere(client, platform, world):
    from core.ledger.store import Record, append

    with platform.db.transaction() as s:
        log_id = s.scalar(select(Bureau.log_id).where(Bureau.code == "b1"))
    with pytest.raises(PersonalDataError), platform.db.transaction() as s:
        append(s, log_id, Record("note", {"text": f"身份证 {ID_CARD}"}))
    before = len(entries(platform, "b1"))
    r = client.post(
        "/api/v1/bureaus/b1/units",
        headers=world.headers("bureau_admin"),
        json={"code": "zz", "name": f"单位{ID_CARD}"},
    )
    assert r.status_code == 422 and "ID-card" in r.json["detail"]
    assert len(entries(platform, "b1")) == before
    assert all(ID_CARD.encode() not in e.body for e in entries(platform, "b1"))


def test_invalid_id_card_is_refused(client, world):
    r = client.post(
        "/api/v1/bureaus/b1/people",
        headers=world.headers("bureau_admin"),
        json={"code": "p2", "name": "王五", "id_card": "123456789012345678"},
    )
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "id_card"


def test_id_card_check_digit():
    assert is_id_card("11010519491231002X")
    assert not is_id_card("110105194912310021")
