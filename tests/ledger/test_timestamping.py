"""Checkpoints time-stamped by an RFC 3161 authority run as a separate process on
127.0.0.1; the tokens are checked by the server's verification and by the bundle's."""

from __future__ import annotations

import base64
import json

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select, text

from core.cli import main
from core.ledger import tsa_server
from core.ledger.models import LedgerTimestamp
from core.services import ledger
from tests.helpers import value_row
from tests.ledger import attacks
from tests.ledger.conftest import EACH_SUITE
from tests.ledger.processes import Service
from tests.ledger.test_bundle import standalone

pytestmark = EACH_SUITE


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def authority(tmp_path, monkeypatch):
    key, cert = tsa_server.generate_certificate("jixiao test TSA")
    key_file, cert_file = tmp_path / "tsa.key", tmp_path / "tsa.crt"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    service = Service(
        "-m", "core.ledger.tsa_server", "--key", str(key_file), "--cert", str(cert_file),
        "--host", "127.0.0.1", "--port", "0",
    ).start()  # fmt: skip
    monkeypatch.setenv("JIXIAO_TSA_URL", service.url + "/")
    monkeypatch.setenv("JIXIAO_TSA_CERT", str(cert_file))
    yield cert_file
    service.stop()


def test_checkpoints_carry_verified_time_stamps(
    platform, system, world, authority, tmp_path, instance, suite
):
    from core.services import values

    values.record(system, "b1", [value_row()])
    first = ledger.checkpoint(system, "b1")
    assert first["timestamp"].startswith("time-stamped ")
    values.record(system, "b1", [value_row(period="2026-Q2")])
    second = ledger.checkpoint(system, "b1")
    assert second["timestamp"].startswith("time-stamped ")
    with platform.db.transaction() as s:
        stamped = s.scalars(select(LedgerTimestamp.size)).all()
    assert first["size"] in stamped and second["size"] in stamped
    report = ledger.verify(system, "b1")
    b1 = next(r for r in report["logs"] if r["origin"] == "jixiao/b1")
    assert report["ok"] and b1["timestamps_checked"] == 2 and b1["suite"] == suite

    key = tmp_path / "b1.pub"
    key.write_text(cli("ledger", "public-key").output)
    out = tmp_path / "bundle"
    assert cli("ledger", "export", "--bureau", "b1", "-o", str(out)).exit_code == 0
    lines = [json.loads(x) for x in (out / "checkpoints.jsonl").read_text().splitlines()]
    assert all("timestamp" in line for line in lines)
    ok = cli(
        "ledger", "verify-bundle", str(out), "--public-key", str(key), "--tsa-cert", str(authority)
    )
    assert ok.exit_code == 0 and "time-stamp(s) verified" in ok.output, ok.output
    alone = standalone(out, ".", "--public-key", str(key), "--tsa-cert", str(authority))
    assert alone.returncode == 0 and "time-stamp(s) verified" in alone.stdout, alone.stderr
    unchecked = standalone(out, ".", "--public-key", str(key))  # no asn1crypto needed
    assert unchecked.returncode == 0 and "not checked (give --tsa-cert)" in unchecked.stdout

    # a token moved to another checkpoint stamps another text: refused, in the bundle...
    lines[-1]["timestamp"] = lines[0]["timestamp"]
    (out / "checkpoints.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    bad = cli(
        "ledger", "verify-bundle", str(out), "--public-key", str(key),
        "--tsa-cert", str(authority), "--json",
    )  # fmt: skip
    found = json.loads(bad.output)
    assert bad.exit_code == 1 and found["reason"] == "timestamp invalid"
    assert "another digest" in found["detail"]
    # ...and in the database
    with platform.db.engine.begin() as conn:
        attacks.disarm(conn)
        conn.execute(
            text("UPDATE ledger_timestamps SET token = :t WHERE size = :s"),
            {"t": base64.b64decode(lines[0]["timestamp"]), "s": second["size"]},
        )
    report = ledger.verify(system, "b1")
    b1 = next(r for r in report["logs"] if r["origin"] == "jixiao/b1")
    assert not report["ok"] and b1["reason"] == "timestamp invalid"
    assert b1["first_bad_seq"] == second["size"] - 1


def test_an_unreachable_authority_leaves_the_checkpoint_unstamped(
    platform, system, world, monkeypatch, suite
):
    from core.services import values

    monkeypatch.setenv("JIXIAO_TSA_URL", "http://127.0.0.1:9/")
    values.record(system, "b1", [value_row()])
    done = ledger.checkpoint(system, "b1")
    assert done["size"] and done["timestamp"].startswith("failed: ")
    assert ledger.verify(system, "b1")["ok"]
