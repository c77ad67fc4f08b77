"""C2SP tlog-witness and tlog-cosignature: signatures, request bodies, the witness's
decisions with their status codes, durable state, and a witness server run as a separate
process on 127.0.0.1 receiving real checkpoints."""

from __future__ import annotations

import base64
import http.client
import json
import os
import struct
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from core.ledger import merkle, notekeys, rfc9162, signing, tlog
from core.ledger.cosignature import (
    CosignatureSigner,
    CosignatureVerifier,
    cosigned_message,
    timestamp_of,
)
from core.ledger.suites import SHA256_ED25519, SM3_SM2
from core.ledger.witness import (
    AddCheckpointRequest,
    LogConfig,
    RequestError,
    StateStore,
    Witness,
)

REPO = Path(__file__).resolve().parents[2]


class Log:
    """A log in memory that signs checkpoints the way the ledger does."""

    def __init__(self, origin: str, suite=SHA256_ED25519, signer=None):
        self.origin = origin
        self.suite = suite
        self.leaves: list[bytes] = []
        if signer is None:
            signer = (
                signing.NoteSigner.generate(origin)
                if suite is SHA256_ED25519
                else suite.generate_signer(origin)
            )
        self.signer = signer

    @property
    def vkey(self) -> str:
        return str(self.signer.verifier)

    def grow(self, n: int) -> None:
        start = len(self.leaves)
        self.leaves += [
            self.suite.leaf_hash(f"{self.origin} {i}".encode()) for i in range(start, start + n)
        ]

    def note(self, size: int | None = None, root: bytes | None = None) -> str:
        size = len(self.leaves) if size is None else size
        root = root if root is not None else self.suite.root_of(self.leaves[:size])
        text = tlog.Checkpoint(self.origin, size, root).text()
        if isinstance(self.signer, signing.NoteSigner):
            return signing.sign_note(text, [self.signer])
        return notekeys.sign_note(text, [self.signer])

    def request(self, old: int, size: int | None = None) -> bytes:
        size = len(self.leaves) if size is None else size
        proof = (
            []
            if old in (0, size)
            else rfc9162.consistency_proof(self.suite.hasher, old, self.leaves[:size])
        )
        return AddCheckpointRequest(old, proof, self.note(size)).encode()


@pytest.fixture
def witness_key() -> CosignatureSigner:
    return CosignatureSigner.generate("witness.example/w1")


def make_witness(tmp_path: Path, signer: CosignatureSigner, *logs: Log) -> Witness:
    configs = {
        log.origin: LogConfig(log.origin, [notekeys.parse_verifier(log.vkey)], log.suite)
        for log in logs
    }
    return Witness(signer, configs, StateStore(tmp_path / "state.json"))


# --------------------------------------------------------------------------- cosignatures


def test_cosignature_format_and_verification(witness_key):
    text = tlog.Checkpoint("example.com/behind-the-sofa", 20852163, bytes(32)).text()
    sig = witness_key.sign_at(text.encode(), 1679315147)
    assert len(sig) == 72 and timestamp_of(sig) == 1679315147
    assert sig[:8] == struct.pack(">Q", 1679315147)
    # The signed message, rebuilt by hand from the specification's example layout.
    message = b"cosignature/v1\ntime 1679315147\n" + text.encode()
    assert cosigned_message(text.encode(), 1679315147) == message
    Ed25519PublicKey.from_public_bytes(witness_key.verifier.public_key).verify(sig[8:], message)
    with pytest.raises(InvalidSignature):  # the log's plain 0x01 message is not what is signed
        Ed25519PublicKey.from_public_bytes(witness_key.verifier.public_key).verify(
            sig[8:], text.encode()
        )
    v = witness_key.verifier
    assert v.verify(text.encode(), sig)
    assert not v.verify(text.encode(), struct.pack(">Q", 1679315148) + sig[8:])  # time is signed
    assert not v.verify(text.encode().replace(b"20852163", b"20852164"), sig)
    assert not v.verify(text.encode(), sig[:71])


def test_cosignature_keys(witness_key):
    vkey = str(witness_key.verifier)
    name, hex_id, b64 = vkey.split("+", 2)
    raw = base64.b64decode(b64)
    assert raw[0] == 0x04 and len(raw) == 33
    import hashlib

    assert bytes.fromhex(hex_id) == hashlib.sha256(name.encode() + b"\n\x04" + raw[1:]).digest()[:4]
    assert CosignatureVerifier.parse(vkey) == witness_key.verifier
    assert str(CosignatureSigner.parse(str(witness_key))) == str(witness_key)
    with pytest.raises(notekeys.NoteError):
        CosignatureVerifier.parse(str(SHA256_ED25519.generate_signer("x").verifier))
    # A log's Ed25519 key and the same key used as a witness have different key IDs.
    ed = notekeys.Ed25519Verifier(name, raw[1:])
    assert ed.key_id != witness_key.key_id


def test_cosigned_note_opens_with_log_and_witness_keys(tmp_path, witness_key):
    log = Log("jixiao/b1")
    log.grow(5)
    witness = make_witness(tmp_path, witness_key, log)
    response = witness.add_checkpoint(log.request(0))
    assert response.status == 200
    cosigned = log.note() + response.body.decode()
    _, names = notekeys.open_note(
        cosigned, [notekeys.parse_verifier(log.vkey), witness_key.verifier]
    )
    assert names == ["jixiao/b1", "witness.example/w1"]
    assert tlog.open_note(cosigned.replace(response.body.decode(), ""), [log.signer.verifier])


# --------------------------------------------------------------------------- request bodies


SPEC_EXAMPLE = """old 20852014
PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=
jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=
5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=
/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=

example.com/behind-the-sofa
20852163
CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

"""
SPEC_EXAMPLE += (
    "\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5"
    "/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    "\u2014 example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49"
    "/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=\n"
)


def test_request_body_of_the_specification():
    request = AddCheckpointRequest.parse(SPEC_EXAMPLE.encode())
    assert request.old_size == 20852014
    assert len(request.proof) == 4 and all(len(h) == 32 for h in request.proof)
    assert request.proof[0] == base64.b64decode("PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=")
    assert request.checkpoint.startswith("example.com/behind-the-sofa\n20852163\n")
    assert request.checkpoint.endswith("qbSzm9Q=\n")
    assert request.encode() == SPEC_EXAMPLE.encode()


@pytest.mark.parametrize(
    "body",
    [
        b"old 01\n\ncheckpoint",
        b"old -1\n\ncheckpoint",
        b"new 1\n\ncheckpoint",
        b"old 1\nAAAA\n",  # no blank line
        b"old 1\nnot base64!\n\ncp",
        b"old 1\n" + b"AAAA\n" * 64 + b"\ncp",  # 64 proof lines > 63
        b"old \xff\n\ncp",
    ],
)
def test_malformed_request_bodies(body):
    with pytest.raises(RequestError):
        AddCheckpointRequest.parse(body)


# --------------------------------------------------------------------------- decisions


def test_witness_decisions_and_status_codes(tmp_path, witness_key):
    log = Log("jixiao/b1")
    log.grow(10)
    witness = make_witness(tmp_path, witness_key, log)
    assert witness.add_checkpoint(log.request(0)).status == 200  # first sight: old size 0
    log.grow(7)
    ok = witness.add_checkpoint(log.request(10))
    assert ok.status == 200 and ok.body.startswith("\u2014 witness.example/w1 ".encode())
    # Stale old size: 409 with the size the witness knows, as text/x.tlog.size.
    stale = witness.add_checkpoint(log.request(10))
    assert (stale.status, stale.body, stale.content_type) == (409, b"17\n", "text/x.tlog.size")
    assert witness.add_checkpoint(log.request(0)).status == 409
    # Re-submitting the same checkpoint is fine (same size, same root, empty proof).
    assert witness.add_checkpoint(log.request(17)).status == 200
    # The same size with another root: a fork.
    fork = AddCheckpointRequest(17, [], log.note(17, root=bytes(32))).encode()
    assert witness.add_checkpoint(fork).status == 409
    # A rewritten history: consistent-looking request whose proof does not verify.
    log.grow(3)
    rewritten = Log("jixiao/b1", signer=log.signer)
    rewritten.grow(20)
    rewritten.leaves[3] = SHA256_ED25519.leaf_hash(b"forged")
    bad = AddCheckpointRequest(
        17, merkle.consistency_proof(17, rewritten.leaves), rewritten.note()
    ).encode()
    assert witness.add_checkpoint(bad).status == 422
    # Unknown origin, unknown key, old size above the new size, garbage.
    other = Log("jixiao/b2")
    other.grow(1)
    assert witness.add_checkpoint(other.request(0)).status == 404
    impostor = Log("jixiao/b1")  # same origin, another key
    impostor.grow(20)
    assert witness.add_checkpoint(impostor.request(17)).status == 403
    assert witness.add_checkpoint(AddCheckpointRequest(21, [], log.note()).encode()).status == 400
    assert witness.add_checkpoint(b"hello").status == 400
    # The refusals changed nothing; the honest extension still succeeds.
    assert witness.state.get("jixiao/b1").size == 17
    assert witness.add_checkpoint(log.request(17)).status == 200
    assert witness.state.get("jixiao/b1").size == 20


def test_proof_from_zero_must_be_empty(tmp_path, witness_key):
    log = Log("jixiao/b1")
    log.grow(4)
    witness = make_witness(tmp_path, witness_key, log)
    body = AddCheckpointRequest(0, [bytes(32)], log.note()).encode()
    assert witness.add_checkpoint(body).status == 422


def test_sm3_sm2_log(tmp_path, witness_key):
    log = Log("jixiao/gm", suite=SM3_SM2)
    log.grow(9)
    witness = make_witness(tmp_path, witness_key, log)
    assert witness.add_checkpoint(log.request(0)).status == 200
    log.grow(4)
    response = witness.add_checkpoint(log.request(9))
    assert response.status == 200
    cosigned = log.note() + response.body.decode()
    assert notekeys.open_note(cosigned, [witness_key.verifier])[1] == ["witness.example/w1"]
    # A SHA-256 proof over the same entries is no SM3 proof.
    log.grow(1)
    sha_leaves = [tlog.leaf_hash(f"jixiao/gm {i}".encode()) for i in range(14)]
    sha_proof = merkle.consistency_proof(13, sha_leaves)
    bad = AddCheckpointRequest(13, sha_proof, log.note()).encode()
    assert witness.add_checkpoint(bad).status == 422


def test_state_survives_a_new_witness_instance(tmp_path, witness_key):
    log = Log("jixiao/b1")
    log.grow(6)
    assert make_witness(tmp_path, witness_key, log).add_checkpoint(log.request(0)).status == 200
    again = make_witness(tmp_path, witness_key, log)
    assert again.add_checkpoint(log.request(0)).body == b"6\n"
    state = json.loads((tmp_path / "state.json").read_text())
    assert state["logs"]["jixiao/b1"]["size"] == 6
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_concurrent_requests_cannot_roll_the_state_back(tmp_path, witness_key):
    log = Log("jixiao/b1")
    log.grow(64)
    witness = make_witness(tmp_path, witness_key, log)
    assert witness.add_checkpoint(log.request(0, 8)).status == 200
    bodies = [log.request(8, size) for size in range(9, 65)]  # all claim old size 8
    results: list[int] = []
    barrier = threading.Barrier(len(bodies))

    def submit(body: bytes) -> None:
        barrier.wait()
        results.append(witness.add_checkpoint(body).status)

    threads = [threading.Thread(target=submit, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200] + [409] * (len(bodies) - 1)
    state = witness.state.get("jixiao/b1")
    assert state.size > 8 and state.root == log.suite.root_of(log.leaves[: state.size])


# --------------------------------------------------------------------------- server process


class WitnessProcess:
    def __init__(self, tmp_path: Path, key: CosignatureSigner, logs: list[Log]):
        self.tmp_path = tmp_path
        config = {
            "logs": [
                {"origin": lg.origin, "suite": lg.suite.name, "keys": [lg.vkey]} for lg in logs
            ]
        }
        (tmp_path / "witness.json").write_text(json.dumps(config))
        (tmp_path / "witness.key").write_text(str(key) + "\n")
        self.proc: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> None:
        cmd = [
            sys.executable, "-m", "core.ledger.witness_server",
            "--config", str(self.tmp_path / "witness.json"),
            "--key", str(self.tmp_path / "witness.key"),
            "--state", str(self.tmp_path / "state.json"),
            "--host", "127.0.0.1", "--port", "0",
        ]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line.startswith("listening on 127.0.0.1:"), line
        self.port = int(line.rsplit(":", 1)[1])

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc.stdout.close()
            self.proc = None

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)


def post(conn: http.client.HTTPConnection, body: bytes, path: str = "/add-checkpoint"):
    conn.request("POST", path, body=body)
    response = conn.getresponse()
    return response.status, response.getheader("Content-Type"), response.read()


@pytest.fixture
def server(tmp_path, witness_key):
    logs = [Log("jixiao/b1"), Log("jixiao/gm", suite=SM3_SM2)]
    proc = WitnessProcess(tmp_path, witness_key, logs)
    proc.start()
    yield proc, logs
    proc.stop()


def test_witness_server_process(server, witness_key):
    proc, (log, gm) = server
    log.grow(12)
    conn = proc.connection()  # one keep-alive connection for several requests
    status, _, body = post(conn, log.request(0))
    assert status == 200
    cosigned = log.note() + body.decode()
    assert notekeys.open_note(cosigned, [witness_key.verifier])[1] == ["witness.example/w1"]
    log.grow(5)
    assert post(conn, log.request(12))[0] == 200
    assert post(conn, log.request(12)) == (409, "text/x.tlog.size", b"17\n")
    gm.grow(3)
    assert post(conn, gm.request(0))[0] == 200
    assert post(conn, log.request(17), path="/nope")[0] == 404
    conn.request("GET", "/add-checkpoint")
    response = conn.getresponse()
    assert (response.status, response.read()) == (405, b"use POST\n")
    conn.close()

    # Restart: the state on disk is where the new process starts.
    proc.stop()
    proc.start()
    conn = proc.connection()
    assert post(conn, log.request(12)) == (409, "text/x.tlog.size", b"17\n")
    log.grow(1)
    status, _, body = post(conn, log.request(17))
    assert status == 200
    assert notekeys.open_note(log.note() + body.decode(), [witness_key.verifier])
    conn.close()


def test_wsgi_app(tmp_path, witness_key):
    """The WSGI adapter gives the same answers as the server (for mounting under Flask)."""
    import io

    from core.ledger.witness_server import wsgi_app

    log = Log("jixiao/b1")
    log.grow(3)
    app = wsgi_app(make_witness(tmp_path, witness_key, log))

    def call(method: str, path: str, body: bytes) -> tuple[str, dict, bytes]:
        seen: dict = {}

        def start_response(status: str, headers: list) -> None:
            seen["status"], seen["headers"] = status, dict(headers)

        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
        }
        out = b"".join(app(environ, start_response))
        return seen["status"], seen["headers"], out

    status, headers, body = call("POST", "/add-checkpoint", log.request(0))
    assert status == "200 OK" and headers["Content-Length"] == str(len(body))
    assert notekeys.open_note(log.note() + body.decode(), [witness_key.verifier])
    status, headers, body = call("POST", "/add-checkpoint", log.request(0))
    assert (status, headers["Content-Type"], body) == ("409 Conflict", "text/x.tlog.size", b"3\n")
    assert call("GET", "/add-checkpoint", b"")[0] == "405 Method Not Allowed"
    assert call("POST", "/other", b"")[0] == "404 Not Found"
