"""A log's suite is chosen when its bureau is created, recorded in its first entry, used
for every hash and signature of that log, and checked by every verifier."""

from __future__ import annotations

import hashlib
import json

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import hashes

from core.cli import main
from core.ledger.notekeys import Ed25519Signer, NoteError, SM2Signer, open_note, parse_verifier
from core.ledger.signing import KeyRing
from core.ledger.suites import SM3_SM2
from core.services import bureaus, ledger
from tests.helpers import entries


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def sm3(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def test_init_makes_a_key_for_each_suite(instance):
    assert cli("init").exit_code == 0
    signers = KeyRing(instance / "keys").signers()
    assert sorted(type(s).__name__ for s in signers) == ["Ed25519Signer", "SM2Signer"]
    assert cli("init").exit_code == 0  # idempotent: nothing new
    assert len(KeyRing(instance / "keys").signers()) == 2
    keys = cli("ledger", "public-key").output.split()
    assert {type(parse_verifier(k)).__name__ for k in keys} == {"Ed25519Verifier", "SM2Verifier"}


def test_a_bureau_chooses_its_suite_and_keeps_it(platform, world, system, client):
    platform.keys.add("jixiao-test", SM3_SM2)
    r = client.post(
        "/api/v1/bureaus",
        json={"code": "gm", "name": "国密局", "suite": "sm3-sm2"},
        headers=world.headers("platform_admin", None),
    )
    assert r.status_code == 201, r.json
    bad = client.post(
        "/api/v1/bureaus",
        json={"code": "md", "name": "x", "suite": "md5-rsa"},
        headers=world.headers("platform_admin", None),
    )
    assert bad.status_code == 422 and "suite" in bad.text
    first = entries(platform, "gm")[0]
    body = json.loads(first.body)
    assert body["kind"] == "bureau.created" and body["data"]["suite"] == "sm3-sm2"
    assert bytes(first.leaf_hash) == sm3(b"\x00" + bytes(first.body))  # SM3 leaves
    sha = entries(platform, "b1")[0]
    assert json.loads(sha.body)["data"]["suite"] == "sha256-ed25519"
    assert bytes(sha.leaf_hash) == hashlib.sha256(b"\x00" + bytes(sha.body)).digest()
    assert ledger.head(system, "gm")["suite"] == "sm3-sm2"

    done = ledger.checkpoint(system, "gm")
    sm2_keys = [s.verifier for s in platform.keys.signers() if isinstance(s, SM2Signer)]
    ed_keys = [s.verifier for s in platform.keys.signers() if isinstance(s, Ed25519Signer)]
    assert open_note(done["note"], sm2_keys + ed_keys)[1] == ["jixiao-test"]  # SM2 only
    with pytest.raises(NoteError, match="no signature by a trusted key"):
        open_note(done["note"], ed_keys)
    assert ledger.verify(system, "gm")["ok"]


def test_the_cli_creates_an_sm2_bureau_and_its_bundle_names_the_suite(
    platform, world, system, tmp_path, instance
):
    platform.keys.add("jixiao-test", SM3_SM2)
    out = cli("bureaus", "create", "gm", "国密局", "--suite", "sm3-sm2")
    assert out.exit_code == 0, out.output
    bundle = tmp_path / "gm"
    assert cli("ledger", "export", "--bureau", "gm", "-o", str(bundle)).exit_code == 0
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["suite"] == "sm3-sm2"
    key = tmp_path / "keys.pub"
    key.write_text(cli("ledger", "public-key").output)
    ok = cli("ledger", "verify-bundle", str(bundle), "--public-key", str(key))
    assert ok.exit_code == 0 and "(sm3-sm2)" in ok.output
    # a bundle that claims another suite than its first entry names is refused
    manifest["suite"] = "sha256-ed25519"
    (bundle / "manifest.json").write_text(json.dumps(manifest))
    result = cli("ledger", "verify-bundle", str(bundle), "--public-key", str(key), "--json")
    report = json.loads(result.output)
    assert result.exit_code == 1 and report["reason"] == "wrong suite"


def test_an_sm2_log_without_an_sm2_key_is_not_signed(platform, world, system):
    bureaus.create(system, "gm", "国密局", suite="sm3-sm2")
    result = CliRunner().invoke(main, ["ledger", "checkpoint", "--bureau", "gm"])
    assert result.exit_code == 1 and "no sm3-sm2 signing key" in result.output
