"""Cryptographic suites: SM3, SM2 and both Merkle hashings against published answers.

SM3 and SM2 are checked against the worked examples of the standards themselves
(GB/T 32905-2016 appendix A; GB/T 32918.2-2016 appendix A on its 256-bit test curve;
GB/T 32918.5-2017 appendix A on the recommended curve). SM3 Merkle trees are checked
against a direct recursive MTH/PATH/PROOF written in this file from RFC 9162 section 2.1,
independent of :mod:`core.ledger.rfc9162`; the SHA-256 suite against the transparency-dev
vectors and the existing verifier.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
from pathlib import Path

import pytest
from asn1crypto.core import ObjectIdentifier
from cryptography.hazmat.primitives import hashes

from core.ledger import merkle, notekeys, rfc9162, signing, sm2, tlog
from core.ledger.notekeys import NoteError
from core.ledger.suites import SHA256_ED25519, SM3_SM2, SUITES, get_suite

# --------------------------------------------------------------------------- references


def ref_sm3(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def ref_mth(h, leaves: list[bytes]) -> bytes:
    """RFC 9162 2.1.1, recursively, over leaf *hashes* (the node rule applied top-down)."""
    if not leaves:
        return h(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return h(b"\x01" + ref_mth(h, leaves[:k]) + ref_mth(h, leaves[k:]))


def ref_path(h, m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 2.1.3.1 PATH(m, D[n]), recursively."""
    if len(leaves) == 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if m < k:
        return [*ref_path(h, m, leaves[:k]), ref_mth(h, leaves[k:])]
    return [*ref_path(h, m - k, leaves[k:]), ref_mth(h, leaves[:k])]


def ref_subproof(h, m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    """RFC 9162 2.1.4.1 SUBPROOF(m, D[n], b), recursively."""
    n = len(leaves)
    if m == n:
        return [] if whole else [ref_mth(h, leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return [*ref_subproof(h, m, leaves[:k], whole), ref_mth(h, leaves[k:])]
    return [*ref_subproof(h, m - k, leaves[k:], False), ref_mth(h, leaves[:k])]


def sm3_leaves(n: int) -> list[bytes]:
    return [ref_sm3(b"\x00" + f"entry {i}".encode()) for i in range(n)]


# --------------------------------------------------------------------------- SM3


def test_sm3_gbt32905_examples():
    # GB/T 32905-2016 appendix A, examples 1 and 2.
    assert sm2.sm3(b"abc").hex() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )
    assert sm2.sm3(b"abcd" * 16).hex() == (
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    )
    assert SM3_SM2.hasher.digest(b"abc") == sm2.sm3(b"abc")


def test_sm3_suite_domain_separation():
    body = b'{"v":1}'
    assert SM3_SM2.leaf_hash(body) == ref_sm3(b"\x00" + body)
    left, right = ref_sm3(b"l"), ref_sm3(b"r")
    assert SM3_SM2.node_hash(left, right) == ref_sm3(b"\x01" + left + right)
    assert SM3_SM2.empty_root == ref_sm3(b"")
    assert SM3_SM2.leaf_hash(body) != SHA256_ED25519.leaf_hash(body)


@pytest.mark.parametrize("size", [*range(0, 35), 63, 64, 65, 127, 128, 129, 255, 256, 257])
def test_sm3_roots_match_recursive_mth(size):
    leaves = sm3_leaves(size)
    expected = ref_mth(ref_sm3, leaves)
    assert SM3_SM2.root_of(leaves) == expected
    acc = SM3_SM2.accumulator()
    for leaf in leaves:
        acc.append(leaf)
    assert acc.root() == expected and acc.size == size


def test_sm3_inclusion_proofs_match_reference_and_verify():
    leaves = sm3_leaves(33)
    for n in range(1, 34):
        root = ref_mth(ref_sm3, leaves[:n])
        for i in range(n):
            proof = ref_path(ref_sm3, i, leaves[:n])
            assert rfc9162.inclusion_proof(SM3_SM2.hasher, i, leaves[:n]) == proof
            SM3_SM2.verify_inclusion(i, n, leaves[i], proof, root)
            if proof:
                bad = [*proof[:-1], bytes(32)]
                with pytest.raises(rfc9162.ProofError):
                    SM3_SM2.verify_inclusion(i, n, leaves[i], bad, root)
                with pytest.raises(rfc9162.ProofError):  # an SM3 proof is no SHA-256 proof
                    SHA256_ED25519.verify_inclusion(i, n, leaves[i], proof, root)


def test_sm3_consistency_proofs_match_reference_and_verify():
    leaves = sm3_leaves(33)
    for n in range(1, 34):
        root = ref_mth(ref_sm3, leaves[:n])
        for m in range(1, n + 1):
            proof = ref_subproof(ref_sm3, m, leaves[:n], True)
            assert rfc9162.consistency_proof(SM3_SM2.hasher, m, leaves[:n]) == proof
            root1 = ref_mth(ref_sm3, leaves[:m])
            SM3_SM2.verify_consistency(m, n, proof, root1, root)
            if m < n:
                with pytest.raises(rfc9162.ProofError):
                    SM3_SM2.verify_consistency(m, n, proof, ref_sm3(b"other"), root)


# --------------------------------------------------------------------------- SHA-256 suite


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


def _outcome(fn, *args) -> bool:
    try:
        fn(*args)
    except rfc9162.ProofError:
        return True
    return False


def test_sha256_suite_against_transparency_dev_vectors(shared_vectors: Path):
    folder = shared_vectors / "merkle" / "testdata"
    inclusion = sorted((folder / "inclusion").rglob("*.json"))
    consistency = sorted((folder / "consistency").rglob("*.json"))
    assert inclusion and consistency
    for path in inclusion:
        v = json.loads(path.read_text())
        args = (v["leafIdx"], v["treeSize"], _b64(v["leafHash"]))
        proof = [_b64(p) for p in v["proof"] or []]
        assert (
            _outcome(SHA256_ED25519.verify_inclusion, *args, proof, _b64(v["root"]))
            == (v["wantErr"])
        ), path
    for path in consistency:
        v = json.loads(path.read_text())
        proof = [_b64(p) for p in v["proof"] or []]
        args = (v["size1"], v["size2"], proof, _b64(v["root1"]), _b64(v["root2"]))
        assert _outcome(SHA256_ED25519.verify_consistency, *args) == v["wantErr"], path


def test_sha256_suite_equals_the_existing_verifier():
    leaves = [tlog.leaf_hash(f"e{i}".encode()) for i in range(300)]
    assert SHA256_ED25519.leaf_hash(b"e0") == leaves[0]
    assert SHA256_ED25519.empty_root == tlog.EMPTY_ROOT
    rng = random.Random(9162)
    for n in [1, 2, 3, 7, 8, 9, 255, 256, 257, 300]:
        assert SHA256_ED25519.root_of(leaves[:n]) == tlog.root_of(leaves[:n])
        for i in {0, n - 1, rng.randrange(n)}:
            assert rfc9162.inclusion_proof(rfc9162.SHA256, i, leaves[:n]) == (
                merkle.inclusion_proof(i, leaves[:n])
            )
        m = rng.randrange(1, n + 1)
        assert rfc9162.consistency_proof(rfc9162.SHA256, m, leaves[:n]) == (
            merkle.consistency_proof(m, leaves[:n])
        )


def test_suite_registry():
    assert set(SUITES) == {"sha256-ed25519", "sm3-sm2"}
    assert get_suite("sm3-sm2") is SM3_SM2
    with pytest.raises(ValueError, match="unknown suite"):
        get_suite("md5-rsa")


# --------------------------------------------------------------------------- SM2

# GB/T 32918.5-2017 appendix A (recommended curve), also GM/T 0003.5-2012.
P5 = {
    "uid": b"1234567812345678",
    "d": 0x3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8,
    "x": 0x09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020,
    "y": 0xCCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13,
    "z": "b2e14c5c79c6df5b85f4fe7ed8db7a262b9da7e07ccb0ea9f4747b8ccda8a4f3",
    "e": "f0b43e94ba45accaace692ed534382eb17e6ab5a19ce7b31f4486fdfc0d28640",
    "k": 0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21,
    "r": "f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3",
    "s": "b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa",
}
# GB/T 32918.2-2016 appendix A.2: the 256-bit example curve over F_p.
P2_CURVE = sm2.Curve(
    p=0x8542D69E4C044F18E8B92435BF6FF7DE457283915C45517D722EDB8B08F1DFC3,
    a=0x787968B4FA32C3FD2417842E73BBFEFF2F3C848B6831D7E0EC65228B3937E498,
    b=0x63E4C6D3B23B0C849CF84241484BFE48F61D59A5B16BA06E6E12D1DA27C5249A,
    gx=0x421DEBD61B62EAB6746434EBC3CC315E32220B3BADD50BDC4C4E6C147FEDD43D,
    gy=0x0680512BCBB42C07D47349D2153B70C4E5D7FDFCBFA36EA1A85841B9E46E09A2,
    n=0x8542D69E4C044F18E8B92435BF6FF7DD297720630485628D5AE74EE7C32E79B7,
)
P2 = {
    "uid": b"ALICE123@YAHOO.COM",
    "d": 0x128B2FA8BD433C6C068C8D803DFF79792A519A55171B1B650C23661D15897263,
    "x": 0x0AE4C7798AA0F119471BEE11825BE46202BB79E2A5844495E97C04FF4DF2548A,
    "y": 0x7C0240F88F1CD4E16352A73C17B7F16F07353E53A176D684A9FE0C6BB798E857,
    "z": "f4a38489e32b45b6f876e3ac2168ca392362dc8f23459c1d1146fc3dbfb7bc9a",
    "e": "b524f552cd82b8b028476e005c377fb19a87e6fc682d48bb5d42e3d9b9effe76",
    "k": 0x6CB28D99385C175C94F94E934817663FC176D925DD72B727260DBAAE1FB2F96F,
    "r": "40f1ec59f793d9f49e09dcef49130d4194f79fb1eed2caa55bacdb49c4e755d1",
    "s": "6fc6dac32c5d5cf10c77dfb20f7c2eb667a457872fb09ec56327a67ec7deebe7",
}
MESSAGE = b"message digest"


@pytest.mark.parametrize(("vector", "curve"), [(P5, sm2.RECOMMENDED), (P2, P2_CURVE)])
def test_sm2_standard_example(vector, curve):
    key = sm2.SM2PrivateKey(vector["d"], curve)
    pub = key.public_key
    assert (pub.x, pub.y) == (vector["x"], vector["y"])
    z = sm2.z_a(pub.x, pub.y, vector["uid"], curve)
    assert z.hex() == vector["z"]
    assert sm2.sm3(z + MESSAGE).hex() == vector["e"]
    published = bytes.fromhex(vector["r"] + vector["s"])
    assert pub.verify(MESSAGE, published, vector["uid"])
    assert not pub.verify(MESSAGE + b".", published, vector["uid"])
    assert not pub.verify(MESSAGE, published, b"1234567812345679")
    # The same k yields the published signature: the signing equations are the standard's.
    assert key._sign(MESSAGE, vector["uid"], lambda bits: vector["k"]) == published


def test_sm2_default_user_id_is_gbt35275():
    assert sm2.DEFAULT_ID == b"1234567812345678"
    pub = sm2.SM2PublicKey(P5["x"], P5["y"])
    assert pub.verify(MESSAGE, bytes.fromhex(P5["r"] + P5["s"]))  # no uid given


def test_sm2_round_trip_and_tampering():
    key = sm2.SM2PrivateKey.generate()
    pub = sm2.SM2PublicKey.from_bytes(key.public_key.to_bytes())
    message = b"jixiao/b1\n42\n" + bytes(32)
    sig = key.sign(message)
    assert len(sig) == 64 and pub.verify(message, sig)
    assert key.sign(message) != sig  # a fresh k each time
    flipped = bytes([sig[0] ^ 1]) + sig[1:]
    assert not pub.verify(message, flipped)
    assert not pub.verify(message, sig[:-1])
    other = sm2.SM2PrivateKey.generate().public_key
    assert not other.verify(message, sig)


def test_sm2_out_of_range_signatures_are_refused():
    pub = sm2.SM2PublicKey(P5["x"], P5["y"])
    n = sm2.RECOMMENDED.n
    r, s = int(P5["r"], 16), int(P5["s"], 16)

    def enc(a: int, b: int) -> bytes:
        return a.to_bytes(32, "big") + b.to_bytes(32, "big")

    for a, b in [(0, s), (r, 0), (n, s), (r, n), (r, n - r), (2**256 - 1, 2**256 - 1)]:
        assert pub.verify(MESSAGE, enc(a, b)) is False


def test_sm2_public_key_validation():
    good = sm2.SM2PublicKey(P5["x"], P5["y"]).to_bytes()
    assert sm2.SM2PublicKey.from_bytes(good).x == P5["x"]
    off_curve = good[:-1] + bytes([good[-1] ^ 1])
    with pytest.raises(sm2.SM2Error):
        sm2.SM2PublicKey.from_bytes(off_curve)
    with pytest.raises(sm2.SM2Error):
        sm2.SM2PublicKey.from_bytes(b"\x02" + good[1:33])  # compressed form refused
    with pytest.raises(sm2.SM2Error):
        sm2.SM2PrivateKey(sm2.RECOMMENDED.n - 1)  # d must be <= n - 2


# --------------------------------------------------------------------------- notes


def test_sm2_signature_type_is_0xff_then_the_sm2_with_sm3_oid():
    oid = ObjectIdentifier("1.2.156.10197.1.501").dump()
    assert b"\xff" + oid == notekeys.SIG_SM2


def test_sm2_note_keys_round_trip_and_key_id():
    signer = SM3_SM2.generate_signer("jixiao.example/b1")
    vkey = str(signer.verifier)
    name, hex_id, b64 = vkey.split("+", 2)
    raw = base64.b64decode(b64)
    assert raw[:11] == notekeys.SIG_SM2 and raw[11] == 0x04 and len(raw) == 11 + 65
    expected_id = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    assert bytes.fromhex(hex_id) == expected_id
    assert SM3_SM2.parse_verifier(vkey) == signer.verifier
    assert str(SM3_SM2.parse_signer(str(signer))) == str(signer)
    with pytest.raises(NoteError):
        SHA256_ED25519.parse_verifier(vkey)
    wrong_id = f"{name}+{'00000000'}+{b64}"
    with pytest.raises(NoteError, match="ID does not match"):
        notekeys.parse_verifier(wrong_id)


def test_sm2_signed_checkpoint_note():
    signer = SM3_SM2.generate_signer("jixiao.example/b1")
    root = SM3_SM2.root_of(sm3_leaves(5))
    text = tlog.Checkpoint("jixiao/b1", 5, root).text()
    note = notekeys.sign_note(text, [signer])
    sig_line = note.rsplit("\n\n", 1)[1]
    assert len(base64.b64decode(sig_line.split(" ")[2])) == 4 + 64
    assert notekeys.open_note(note, [signer.verifier]) == (text, ["jixiao.example/b1"])
    with pytest.raises(NoteError, match="invalid"):
        notekeys.open_note(note.replace("\n5\n", "\n6\n"), [signer.verifier])
    stranger = SM3_SM2.generate_signer("jixiao.example/b1").verifier  # same name, other key
    with pytest.raises(NoteError, match="no signature by a trusted key"):
        notekeys.open_note(note, [stranger])


def test_ed25519_keys_interoperate_with_the_existing_signing_module(shared_vectors: Path):
    v = json.loads((shared_vectors / "signed-note.json").read_text())
    signer = notekeys.parse_signer(v["signer_key"])
    assert str(signer) == v["signer_key"] and str(signer.verifier) == v["verifier_key"]
    assert notekeys.sign_note(v["text"], [signer]) == v["note"]
    old = signing.NoteSigner.generate("jixiao")
    text = "jixiao/b1\n1\n" + base64.b64encode(bytes(32)).decode() + "\n"
    note_old = signing.sign_note(text, [old])
    new = notekeys.parse_verifier(str(old.verifier))
    assert notekeys.open_note(note_old, [new]) == (text, ["jixiao"])
    note_new = notekeys.sign_note(text, [notekeys.parse_signer(str(old))])
    assert note_new == note_old  # deterministic Ed25519, byte-identical notes
    assert tlog.open_note(note_new, [old.verifier]) == (text, ["jixiao"])


def test_mixed_suite_note_and_malformed_notes():
    ed = SHA256_ED25519.generate_signer("log.example/a")
    sm = SM3_SM2.generate_signer("log.example/a")
    text = "log.example/a\n0\n" + base64.b64encode(SM3_SM2.empty_root).decode() + "\n"
    note = notekeys.sign_note(text, [ed, sm])
    assert notekeys.open_note(note, [ed.verifier, sm.verifier])[1] == ["log.example/a"] * 2
    assert notekeys.open_note(note, [sm.verifier])[1] == ["log.example/a"]
    for bad in [text, note.replace("\n\n", "\n"), note + "x", note.replace("log", "\x07log", 1)]:
        with pytest.raises(NoteError):
            notekeys.open_note(bad, [ed.verifier])
    with pytest.raises(NoteError):
        SM3_SM2.generate_signer("has space")


def test_accumulator_frontier_is_the_binary_decomposition_and_resumes():
    leaves = [tlog.leaf_hash(f"e{i}".encode()) for i in range(77)]
    acc = SHA256_ED25519.accumulator()
    for leaf in leaves[:45]:
        acc.append(leaf)
    sha = lambda d: hashlib.sha256(d).digest()  # noqa: E731
    # 45 = 32 + 8 + 4 + 1: the roots of those perfect subtrees, largest first
    parts = [leaves[0:32], leaves[32:40], leaves[40:44], leaves[44:45]]
    assert acc.frontier() == b"".join(ref_mth(sha, p) for p in parts)
    resumed = rfc9162.Accumulator.from_frontier(SM3_SM2.hasher, 0, b"")
    sm3 = sm3_leaves(77)
    for leaf in sm3[:45]:
        resumed.append(leaf)
    again = rfc9162.Accumulator.from_frontier(SM3_SM2.hasher, 45, resumed.frontier())
    for leaf in sm3[45:]:
        again.append(leaf)
    assert again.root() == ref_mth(ref_sm3, sm3)
    with pytest.raises(ValueError):
        rfc9162.Accumulator.from_frontier(SM3_SM2.hasher, 47, resumed.frontier())
