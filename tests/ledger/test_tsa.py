"""RFC 3161 time-stamps: requests, verification of real tokens, and refusals.

Tokens come from the local TSA run as a separate process on 127.0.0.1 and, as an
independent implementation, from OpenSSL's ``ts`` command (which also verifies ours), when
the ``openssl`` binary is present.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from asn1crypto import cms, tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from core.ledger import tlog, tsa, tsa_server
from core.ledger.signing import NoteSigner, sign_note
from core.ledger.tsa import TimestampError

REPO = Path(__file__).resolve().parents[2]
OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="openssl binary not installed")


def checkpoint_note() -> bytes:
    text = tlog.Checkpoint("jixiao/b1", 42, hashlib.sha256(b"root").digest()).text()
    return sign_note(text, [NoteSigner.generate("jixiao")]).encode()


def pem(path: Path, key=None, cert=None) -> Path:
    if key is not None:
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    else:
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


@pytest.fixture(scope="module")
def authority():
    key, cert = tsa_server.generate_certificate()
    return tsa_server.TimestampAuthority(key, cert)


# --------------------------------------------------------------------------- requests


def test_request_structure():
    data = checkpoint_note()
    request = tsa.build_request(data, nonce=12345)
    parsed = tsp.TimeStampReq.load(request.der)
    assert parsed["version"].native == "v1"
    assert parsed["nonce"].native == 12345 and parsed["cert_req"].native is True
    imprint = parsed["message_imprint"]
    assert imprint["hash_algorithm"]["algorithm"].native == "sha256"
    assert imprint["hashed_message"].native == hashlib.sha256(data).digest()
    sm3 = tsp.TimeStampReq.load(tsa.build_request(data, hash_name="sm3").der)
    assert sm3["message_imprint"]["hash_algorithm"]["algorithm"].dotted == "1.2.156.10197.1.401"
    assert tsa.build_request(data).nonce != tsa.build_request(data).nonce
    with pytest.raises(TimestampError):
        tsa.build_request(data, hash_name="md5")


# --------------------------------------------------------------------------- the TSA process


def test_local_tsa_process_issues_verifiable_tokens(tmp_path):
    key, cert = tsa_server.generate_certificate("jixiao test TSA")
    cmd = [
        sys.executable, "-m", "core.ledger.tsa_server",
        "--key", str(pem(tmp_path / "tsa.key", key=key)),
        "--cert", str(pem(tmp_path / "tsa.crt", cert=cert)),
        "--host", "127.0.0.1", "--port", "0",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("listening on 127.0.0.1:"), line
        url = f"http://127.0.0.1:{int(line.rsplit(':', 1)[1])}/"
        data = checkpoint_note()
        for hash_name in ("sha256", "sm3"):
            request = tsa.build_request(data, hash_name=hash_name)
            stamp = tsa.verify_response(tsa.fetch(url, request), request, [cert])
            assert stamp.nonce == request.nonce and stamp.hash_name == hash_name
            assert stamp.digest == tsa.digest(hash_name, data)
            assert stamp.tsa_certificate == cert and stamp.policy == tsa_server.POLICY
            again = tsa.verify_token(stamp.token, data, [cert])
            assert (again.gen_time, again.serial_number) == (stamp.gen_time, stamp.serial_number)
            with pytest.raises(TimestampError, match="another digest"):
                tsa.verify_token(stamp.token, data + b" ", [cert])
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


# --------------------------------------------------------------------------- refusals


def test_response_to_another_request_is_refused(authority):
    data = checkpoint_note()
    first, second = tsa.build_request(data), tsa.build_request(data)
    response = authority.respond(first.der)
    tsa.verify_response(response, first, [authority.certificate])
    with pytest.raises(TimestampError, match="nonce"):
        tsa.verify_response(response, second, [authority.certificate])
    other = tsa.build_request(b"other data")
    with pytest.raises(TimestampError, match="another digest"):
        tsa.verify_response(response, other, [authority.certificate])


def test_untrusted_tsa_is_refused(authority):
    request = tsa.build_request(checkpoint_note())
    response = authority.respond(request.der)
    _, stranger = tsa_server.generate_certificate("jixiao test TSA")  # same name, other key
    with pytest.raises(TimestampError, match="not signed by a trusted"):
        tsa.verify_response(response, request, [stranger])


def test_tampered_tokens_are_refused(authority):
    data = checkpoint_note()
    request = tsa.build_request(data)
    response = authority.respond(request.der)
    token = tsa.TimeStampResp.load(response)["time_stamp_token"].dump()
    # The last byte of the token is the last byte of the ECDSA signature.
    flipped = token[:-1] + bytes([token[-1] ^ 1])
    with pytest.raises(TimestampError, match="signature does not verify"):
        tsa.verify_token(flipped, data, [authority.certificate])
    # Change the time inside the TSTInfo: the signed message digest no longer matches.
    info = cms.ContentInfo.load(token)["content"]["encap_content_info"]["content"].parsed
    when = info["gen_time"].dump()
    later = when[:-2] + bytes([when[-2] ^ 1]) + when[-1:]
    assert token.count(when) == 1
    with pytest.raises(TimestampError, match="message digest"):
        tsa.verify_token(token.replace(when, later), data, [authority.certificate])
    with pytest.raises(TimestampError):
        tsa.verify_response(response[:-10], request, [authority.certificate])


def test_tsa_rejections_are_reported(authority):
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha1"},
                "hashed_message": hashlib.sha1(b"x").digest(),
            },
        }
    )
    response = tsa.TimeStampResp.load(authority.respond(request.dump()))
    assert response["status"]["status"].native == "rejection"
    assert response["status"]["fail_info"].native == {"bad_alg"}
    ours = tsa.build_request(b"x")
    with pytest.raises(TimestampError, match="refused"):
        tsa.verify_response(response.dump(), ours, [authority.certificate])
    assert tsa.TimeStampResp.load(authority.respond(b"\x30\x00"))["status"]["status"].native == (
        "rejection"
    )


def test_certificate_without_timestamping_usage_is_refused():
    key, cert = tsa_server.generate_certificate(eku=False)
    authority = tsa_server.TimestampAuthority(key, cert)
    request = tsa.build_request(b"data")
    with pytest.raises(TimestampError, match="extended key usage"):
        tsa.verify_response(authority.respond(request.der), request, [cert])


def test_token_outside_certificate_validity_is_refused():
    key, cert = tsa_server.generate_certificate()
    future = cert.not_valid_after_utc + dt.timedelta(days=1)
    authority = tsa_server.TimestampAuthority(key, cert, clock=lambda: future)
    request = tsa.build_request(b"data")
    with pytest.raises(TimestampError, match="validity"):
        tsa.verify_response(authority.respond(request.der), request, [cert])


# --------------------------------------------------------------------------- OpenSSL


def rsa_tsa_certificate() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "openssl test TSA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


@needs_openssl
def test_openssl_issued_token_verifies(tmp_path):
    key, cert = rsa_tsa_certificate()
    pem(tmp_path / "tsa.key", key=key)
    pem(tmp_path / "tsa.crt", cert=cert)
    (tmp_path / "serial").write_text("01\n")
    (tmp_path / "tsa.cnf").write_text(
        f"""[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = {tmp_path}/serial
signer_cert = {tmp_path}/tsa.crt
signer_key = {tmp_path}/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
ess_cert_id_alg = sha256
"""
    )
    data = checkpoint_note()
    request = tsa.build_request(data)
    (tmp_path / "req.tsq").write_bytes(request.der)
    subprocess.run(
        [OPENSSL, "ts", "-reply", "-config", str(tmp_path / "tsa.cnf"),
         "-queryfile", str(tmp_path / "req.tsq"), "-out", str(tmp_path / "resp.tsr")],
        check=True, capture_output=True,
    )  # fmt: skip
    stamp = tsa.verify_response((tmp_path / "resp.tsr").read_bytes(), request, [cert])
    assert stamp.nonce == request.nonce and stamp.policy == "1.2.3.4.1"
    _, other = rsa_tsa_certificate()
    with pytest.raises(TimestampError):
        tsa.verify_response((tmp_path / "resp.tsr").read_bytes(), request, [other])


@needs_openssl
def test_openssl_verifies_our_local_tsa_tokens(tmp_path, authority):
    data = checkpoint_note()
    request = tsa.build_request(data)
    (tmp_path / "data").write_bytes(data)
    (tmp_path / "resp.tsr").write_bytes(authority.respond(request.der))
    pem(tmp_path / "tsa.crt", cert=authority.certificate)
    result = subprocess.run(
        [OPENSSL, "ts", "-verify", "-data", str(tmp_path / "data"),
         "-in", str(tmp_path / "resp.tsr"), "-CAfile", str(tmp_path / "tsa.crt")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert "Verification: OK" in result.stdout, result.stdout + result.stderr
    (tmp_path / "data").write_bytes(data + b"x")
    result = subprocess.run(
        [OPENSSL, "ts", "-verify", "-data", str(tmp_path / "data"),
         "-in", str(tmp_path / "resp.tsr"), "-CAfile", str(tmp_path / "tsa.crt")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert "Verification: OK" not in result.stdout
