"""The vectors written in FORMAT.md are what the code computes and accepts: the spec an
independent verifier reads cannot drift from the implementation."""

from __future__ import annotations

import base64
import re
from importlib import resources

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from core.ledger import rfc9162, tiles
from core.ledger.cosignature import CosignatureSigner, CosignatureVerifier
from core.ledger.notekeys import Ed25519Signer, SM2Signer, open_note, parse_verifier, sign_note
from core.ledger.sm2 import SM2PrivateKey
from core.ledger.suites import SM3
from core.ledger.tlog import Checkpoint, cosigners

FORMAT = resources.files("core.ledger").joinpath("FORMAT.md").read_text("utf-8")
KAT = [
    bytes.fromhex(x)
    for x in (
        "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]  # fmt: skip
D = 0x3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8


def blocks() -> list[str]:
    return re.findall(r"```\n(.*?)```", FORMAT, re.S)


def test_sm3_tree_vectors():
    assert SM3.empty_root.hex() in FORMAT
    leaves = [SM3.leaf(x) for x in KAT]
    assert leaves[0].hex() in FORMAT
    for n in range(2, 9):
        assert f"{n} {rfc9162.root_of(SM3, leaves[:n]).hex()}" in FORMAT


def test_key_vectors():
    ed = Ed25519Signer("example.org/log", Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
    sm2 = SM2Signer("example.org/log", SM2PrivateKey(D))
    witness = CosignatureSigner(
        "witness.example/w1", Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
    )
    for key in (ed.verifier, sm2.verifier, witness.verifier):
        assert str(key) in FORMAT
    assert f"{D:064X}" in FORMAT


def test_the_sm2_checkpoint_verifies():
    note = next(b for b in blocks() if "vEi6en" in b)
    key = parse_verifier(str(SM2Signer("example.org/log", SM2PrivateKey(D)).verifier))
    text, names = open_note(note, [key])
    root = rfc9162.root_of(SM3, [SM3.leaf(x) for x in KAT])
    assert Checkpoint.parse(text) == Checkpoint("example.org/log", 8, root) and names
    with pytest.raises(ValueError):
        open_note(note.replace("\n8\n", "\n9\n"), [key])


def test_the_cosigned_checkpoint_is_reproduced_and_verifies():
    note = next(b for b in blocks() if "witness.example/w1 " in b)
    ed = Ed25519Signer("example.org/log", Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
    witness = CosignatureSigner(
        "witness.example/w1", Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
    )
    root = rfc9162.root_of(rfc9162.SHA256, [rfc9162.SHA256.leaf(x) for x in KAT])
    text = Checkpoint("example.org/log", 8, root).text()
    assert note.startswith(sign_note(text, [ed]))  # Ed25519 is deterministic
    assert witness.sign_at(text.encode(), 1700000000).hex() in bytes_of(note).hex()
    assert open_note(note, [ed.verifier])[1] == ["example.org/log"]
    vkey = CosignatureVerifier.parse(str(witness.verifier))
    assert cosigners(note, [vkey]) == ["witness.example/w1"]


def bytes_of(note: str) -> bytes:
    """The last signature line's bytes (key ID, then the signature)."""
    return base64.b64decode(note.rstrip("\n").rsplit(" ", 1)[1])


def test_tile_index_example():
    assert tiles.encode_index(1234067) == "x001/x234/067"
    assert "`x001/x234/067`" in FORMAT
