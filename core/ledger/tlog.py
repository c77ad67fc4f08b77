"""Standalone verifier for jixiao ledgers.

This one file is the single source of truth for everything an auditor must be able to
check without the jixiao server or its database: the canonical body encoding, the
RFC 9162 Merkle hashing and proofs, C2SP signed notes and checkpoints, the chain check
over a log's entries, and the verification of an offline bundle.

It needs only the Python standard library and ``cryptography``, and it is copied
verbatim into every exported bundle as ``verify.py``. The server imports the same
functions, so the server and the auditor cannot drift apart.

Run as a script::

    python verify.py BUNDLE_DIR --public-key KEYFILE [--checkpoint PINNED_NOTE] [--json]
    python verify.py --proof PROOF.json --public-key KEYFILE
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

try:  # optional C codec: verification about twice as fast; not needed for a verdict
    import orjson as _orjson
except ImportError:  # pragma: no cover - the standalone verifier on a bare Python
    _orjson = None

FORMAT_VERSION = 1
MAX_SAFE_INT = 2**53 - 1
HASH_SIZE = 32
ENTRY_FIELDS = ("v", "log", "seq", "prev", "ts", "actor", "kind", "data")


# --------------------------------------------------------------------------- canonical JSON


class CanonicalError(ValueError):
    """A value that has no canonical encoding under the ledger's restricted JSON."""


def check_value(value: object, path: str = "$") -> None:
    """Reject anything outside the restricted type set (no floats, safe integers only)."""
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, int):
        if -MAX_SAFE_INT <= value <= MAX_SAFE_INT:
            return
        raise CanonicalError(f"{path}: integer {value} is outside ±(2^53-1); use a string")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalError(f"{path}: object key {key!r} is not a string")
            check_value(item, f"{path}.{key}")
        return
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            check_value(item, f"{path}[{index}]")
        return
    raise CanonicalError(
        f"{path}: {type(value).__name__} is not allowed; decimals are written as strings"
    )


def _utf16_sorted(value: object) -> object:
    """Rebuild objects with keys in UTF-16 code-unit order, as RFC 8785 sorts them."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return {k: _utf16_sorted(value[k]) for k in keys}
    if isinstance(value, (list, tuple)):
        return [_utf16_sorted(v) for v in value]
    return value


_SORTED = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_AS_IS = json.JSONEncoder(sort_keys=False, separators=(",", ":"), ensure_ascii=False)


def canonical_text(value: object) -> str:
    """Serialise without validating types; the fast path used when re-checking bodies.

    ``json.dumps(sort_keys=True)`` orders keys by code point, RFC 8785 by UTF-16 code
    unit. The two orders differ only when a string holds a character above U+FFFF, so
    the slower re-sort runs only then.
    """
    text = _SORTED.encode(value)
    if not text.isascii() and max(text) > "\uffff":
        text = _AS_IS.encode(_utf16_sorted(value))
    return text


def _has_float(value: object) -> bool:
    """Whether a parsed body holds a float anywhere. Iterative (bodies are attacker
    input), one set of value types per container: bodies are a flat envelope around
    mostly flat data, so this is two C-speed passes."""
    stack = [value]
    while stack:
        item = stack.pop()
        values = item.values() if type(item) is dict else item
        kinds = {type(v) for v in values}
        if float in kinds:
            return True
        if dict in kinds or list in kinds:
            stack.extend(v for v in values if type(v) is dict or type(v) is list)
    return False


def parse_canonical(body: bytes) -> tuple[object, bool]:
    """Parse a body and tell whether its bytes are its canonical form; ValueError (or
    UnicodeDecodeError) if it is not JSON at all.

    With ``orjson`` installed, bodies of the kind the ledger writes (no float, no
    character above U+FFFF) take a C fast path: for them ``orjson`` with sorted keys
    produces exactly RFC 8785. Anything else, and any body
    the fast path does not confirm, is decided by the standard library, so the verdict is
    the same with or without ``orjson`` (the bundle's copy of this file runs without it).
    """
    if _orjson is not None and (body.isascii() or max(body) < 0xF0):
        try:
            entry = _orjson.loads(body)
            same = _orjson.dumps(entry, option=_orjson.OPT_SORT_KEYS) == body
            if same and not _has_float(entry):
                return entry, True
        except (TypeError, ValueError):
            pass
    entry = json.loads(body)
    try:
        return entry, canonical_text(entry).encode("utf-8") == body
    except UnicodeEncodeError:
        return entry, False


def canonical_bytes(value: object) -> bytes:
    """RFC 8785 (JCS) bytes of a value of the restricted type set."""
    check_value(value)
    try:
        return canonical_text(value).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CanonicalError(f"string is not valid Unicode (lone surrogate): {exc}") from exc


# --------------------------------------------------------------------------- RFC 9162 hashing


def leaf_hash(body: bytes) -> bytes:
    """RFC 9162 leaf hash, SHA-256(0x00 || body); also the chain link ``prev``."""
    return hashlib.sha256(b"\x00" + body).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash, SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


EMPTY_ROOT = hashlib.sha256(b"").digest()


class MerkleAccumulator:
    """Streaming Merkle tree: O(log n) memory, the root of every prefix on demand.

    Keeps the roots of the perfect subtrees that make up the current size, largest first
    (its binary decomposition, as a compact range does in Trillian/Tessera); their
    heights are the set bits of ``size``, so only the hashes are stored.
    """

    __slots__ = ("_nodes", "size")

    def __init__(self) -> None:
        self._nodes: list[bytes] = []
        self.size = 0

    @classmethod
    def from_frontier(cls, size: int, frontier: bytes) -> MerkleAccumulator:
        """Resume from ``frontier()``: the subtree roots, largest first, 32 bytes each."""
        if len(frontier) != HASH_SIZE * size.bit_count():
            raise ValueError("frontier does not match the tree size")
        acc = cls()
        acc._nodes = [frontier[i : i + HASH_SIZE] for i in range(0, len(frontier), HASH_SIZE)]
        acc.size = size
        return acc

    def frontier(self) -> bytes:
        return b"".join(self._nodes)

    def append(self, leaf: bytes) -> None:
        nodes, node, size = self._nodes, leaf, self.size
        while size & 1:  # each trailing 1 bit is a complete subtree to merge with
            node = hashlib.sha256(b"\x01" + nodes.pop() + node).digest()
            size >>= 1
        nodes.append(node)
        self.size += 1

    def root(self) -> bytes:
        if not self._nodes:
            return EMPTY_ROOT
        node = self._nodes[-1]
        for left in reversed(self._nodes[:-1]):
            node = node_hash(left, node)
        return node


def root_of(leaves: Iterable[bytes]) -> bytes:
    acc = MerkleAccumulator()
    for leaf in leaves:
        acc.append(leaf)
    return acc.root()


class ProofError(ValueError):
    """A Merkle proof that does not verify."""


def _check_hash(name: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{name} has {len(value)} bytes, expected {HASH_SIZE}")


def verify_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> None:
    """RFC 9162 section 2.1.3.2; raises ProofError unless ``leaf`` is at ``index``."""
    _check_hash("leaf hash", leaf)
    _check_hash("root", root)
    if index >= size or index < 0:
        raise ProofError(f"index {index} is not below tree size {size}")
    fn, sn, node = index, size - 1, leaf
    for sibling in proof:
        _check_hash("proof node", sibling)
        if sn == 0:
            raise ProofError("proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            node = node_hash(sibling, node)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            node = node_hash(node, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof is shorter than the tree is deep")
    if node != root:
        raise ProofError("computed root does not match")


def verify_consistency(
    size1: int, size2: int, proof: list[bytes], root1: bytes, root2: bytes
) -> None:
    """RFC 9162 section 2.1.4.2; raises ProofError unless tree ``size1`` prefixes ``size2``.

    A proof from the empty tree is refused (it proves nothing), as the
    transparency-dev vectors expect.
    """
    if size1 <= 0 or size2 < size1:
        raise ProofError(f"no consistency proof from size {size1} to size {size2}")
    if size1 == size2:
        if proof:
            raise ProofError("sizes are equal but the proof is not empty")
        if root1 != root2:
            raise ProofError("sizes are equal but the roots differ")
        return
    if not proof:
        raise ProofError("empty proof")
    _check_hash("root1", root1)
    _check_hash("root2", root2)
    for node in proof:
        _check_hash("proof node", node)
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # a power of two: the old root is itself a node
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for node in path[1:]:
        if sn == 0:
            raise ProofError("proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(node, fr)
            sr = node_hash(node, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, node)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof is too short")
    if fr != root1:
        raise ProofError("proof does not reproduce the first root")
    if sr != root2:
        raise ProofError("proof does not reproduce the second root")


# --------------------------------------------------------------------------- signed notes


class NoteError(ValueError):
    """A signed note or key that is malformed or does not verify."""


ALG_ED25519 = 0x01


def key_id(name: str, public_key: bytes) -> bytes:
    """C2SP signed-note key ID: SHA-256(name || 0x0A || alg || key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()[:4]


@dataclass(frozen=True)
class NoteVerifier:
    """A verifier key in the note format ``name+hexid+base64(alg||key)``."""

    name: str
    key_id: bytes
    public_key: bytes

    @classmethod
    def parse(cls, vkey: str) -> NoteVerifier:
        try:
            name, hex_id, b64 = vkey.strip().split("+", 2)
            raw = base64.b64decode(b64, validate=True)
        except ValueError as exc:
            raise NoteError(f"malformed verifier key: {exc}") from exc
        if not name or len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError("verifier key is not an Ed25519 note key")
        kid = bytes.fromhex(hex_id)
        if kid != key_id(name, raw[1:]):
            raise NoteError("verifier key's ID does not match its name and key")
        return cls(name, kid, raw[1:])

    def __str__(self) -> str:
        raw = bytes([ALG_ED25519]) + self.public_key
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(raw).decode()}"

    def verify(self, text: bytes, signature: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, text)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: bytes
    signature: bytes


def split_note(note: str) -> tuple[str, list[NoteSignature]]:
    """Split a signed note into its text and signature lines (C2SP signed-note)."""
    text, sep, sigs = note.rpartition("\n\n")
    if not sep or not sigs.endswith("\n"):
        raise NoteError("note has no signature block")
    text += "\n"
    signatures = []
    for line in sigs[:-1].split("\n"):
        if not line.startswith("\u2014 "):
            raise NoteError(f"malformed signature line: {line!r}")
        try:
            name, b64 = line[2:].split(" ")
            raw = base64.b64decode(b64, validate=True)
        except ValueError as exc:
            raise NoteError(f"malformed signature line: {line!r}") from exc
        if len(raw) != 4 + 64:
            raise NoteError("signature has the wrong length")
        signatures.append(NoteSignature(name, raw[:4], raw[4:]))
    return text, signatures


def open_note(note: str, verifiers: Iterable[NoteVerifier]) -> tuple[str, list[str]]:
    """Verify a note; returns its text and the names of the keys that signed it.

    Any signature by a known key must verify; at least one known key must have signed.
    Signatures by unknown keys are ignored (another witness, a retired key).
    """
    text, signatures = split_note(note)
    known = {(v.name, v.key_id): v for v in verifiers}
    signed_by = []
    for sig in signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        if not verifier.verify(text.encode(), sig.signature):
            raise NoteError(f"signature by {sig.name} is invalid")
        signed_by.append(sig.name)
    if not signed_by:
        raise NoteError("no signature by a trusted key")
    return text, signed_by


@dataclass(frozen=True)
class Checkpoint:
    """A C2SP tlog-checkpoint: origin, tree size and root hash."""

    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("checkpoint text must have origin, size and root lines")
        origin, size, root = lines[:3]
        if not size.isdigit() or (size != "0" and size.startswith("0")):
            raise NoteError(f"checkpoint size {size!r} is not a decimal number")
        try:
            root_bytes = base64.b64decode(root, validate=True)
        except ValueError as exc:
            raise NoteError("checkpoint root is not base64") from exc
        if len(root_bytes) != HASH_SIZE:
            raise NoteError("checkpoint root is not a SHA-256 hash")
        return cls(origin, int(size), root_bytes)


def open_checkpoint(note: str, verifiers: Iterable[NoteVerifier]) -> Checkpoint:
    text, _ = open_note(note, verifiers)
    return Checkpoint.parse(text)


# --------------------------------------------------------------------------- chain check


@dataclass(frozen=True)
class Finding:
    """Why a log failed verification, and where: the first position that is wrong, or,
    when only a checkpoint's root shows it (a careful rewrite re-hashed every later
    entry), the range ``seq``–``last_seq`` one of whose entries must have changed."""

    seq: int
    reason: str
    detail: str
    last_seq: int | None = None

    def __str__(self) -> str:
        where = f"seq {self.seq}" if self.last_seq is None else f"seq {self.seq}–{self.last_seq}"
        return f"{where}: {self.reason}: {self.detail}"


@dataclass
class ChainChecker:
    """Checks a log's entries in order: canonical bodies, positions, links, hashes, roots.

    Feed it ``(seq, body, stored_leaf_hash)`` rows in ascending position; it stops at the
    first finding. Checkpoints (already signature-checked) are compared as the tree
    reaches their size; ``finish()`` reports checkpoints beyond the end (truncation).
    """

    origin: str
    checkpoints: dict[int, list[Checkpoint]] = field(default_factory=dict)
    finding: Finding | None = None
    matched: int = 0
    """The size of the last checkpoint the entries matched (0: none yet)."""
    _acc: MerkleAccumulator = field(default_factory=MerkleAccumulator)
    _last: bytes | None = None
    _before_last: bytes | None = None

    @property
    def size(self) -> int:
        return self._acc.size

    def root(self) -> bytes:
        return self._acc.root()

    def _fail(self, seq: int, reason: str, detail: str) -> bool:
        self.finding = Finding(seq, reason, detail)
        return False

    def feed(self, seq: int | None, body: bytes, stored_hash: bytes | None = None) -> bool:
        """Check one entry; returns False (and sets ``finding``) at the first problem.

        ``seq`` is the stored position (a database row's key); ``None`` takes the position
        the body itself claims, for bundle lines, which carry no other.
        """
        pos = self._acc.size
        if seq is not None and seq > pos:
            return self._fail(pos, "gap", f"expected seq {pos}, next stored is {seq}")
        try:
            entry, canonical = parse_canonical(body)
        except (ValueError, UnicodeDecodeError) as exc:
            return self._fail(pos, "malformed", f"body is not JSON: {exc}")
        if not isinstance(entry, dict) or sorted(entry) != sorted(ENTRY_FIELDS):
            return self._fail(pos, "malformed", f"body must have exactly {ENTRY_FIELDS}")
        if seq is None:
            claimed = entry["seq"]
            seq = claimed if type(claimed) is int else pos
            if seq > pos:
                return self._fail(pos, "gap", f"expected seq {pos}, next line is {seq}")
        if not canonical:
            return self._fail(pos, "not canonical", "body bytes are not its RFC 8785 form")
        leaf = leaf_hash(body)
        if stored_hash is not None and stored_hash != leaf:
            return self._fail(pos, "hash mismatch", "stored leaf hash differs from the body's")
        if entry["v"] != FORMAT_VERSION or entry["log"] != self.origin:
            return self._fail(pos, "wrong log", f"body names log {entry['log']!r} v{entry['v']}")
        if seq < pos or entry["seq"] != pos:
            if entry["seq"] == pos - 1 and self._links_back_two(entry["prev"]):
                return self._inserted(pos)
            return self._fail(pos, "reordered", f"body says seq {entry['seq']} at position {pos}")
        if not self._link_ok(pos, entry["prev"]):
            return False
        self._acc.append(leaf)
        self._before_last, self._last = self._last, leaf
        return self._check_checkpoints()

    def _links_back_two(self, prev: object) -> bool:
        return self._before_last is not None and prev == self._before_last.hex()

    def _inserted(self, pos: int) -> bool:
        return self._fail(
            pos - 1,
            "inserted",
            f"seq {pos} links to seq {pos - 2}: the entry at {pos - 1} is foreign",
        )

    def _link_ok(self, pos: int, prev: object) -> bool:
        expected = None if self._last is None else self._last.hex()
        if prev == expected:
            return True
        if self._links_back_two(prev):
            return self._inserted(pos)
        if pos == 0:
            return self._fail(0, "broken link", "the first entry must have prev null")
        return self._fail(
            pos - 1,
            "broken link",
            f"seq {pos} committed to a different entry {pos - 1}: it was altered",
        )

    def _check_checkpoints(self) -> bool:
        size = self._acc.size
        for cp in self.checkpoints.get(size, ()):
            if cp.root != self._acc.root():
                # The chain itself is intact, so the bodies were rewritten carefully (every
                # later link and hash recomputed): the checkpoint shows *that* an entry
                # changed, and the last checkpoint that still matched bounds *where*.
                first = self.matched
                still = (
                    f"checkpoint {first} (seq 0–{first - 1}) still matches"
                    if first
                    else "no earlier checkpoint matches"
                )
                self.finding = Finding(
                    first,
                    f"root mismatch at checkpoint {cp.size}",
                    f"an entry in seq {first}–{size - 1} differs from what checkpoint {size} "
                    f"signed; {still}",
                    size - 1,
                )
                return False
        if size in self.checkpoints:
            self.matched = size
        return True

    def finish(self) -> Finding | None:
        if self.finding is None:
            beyond = [size for size in self.checkpoints if size > self._acc.size]
            if beyond:
                self._fail(
                    self._acc.size,
                    "truncated",
                    f"a signed checkpoint has size {max(beyond)} but the log ends at "
                    f"{self._acc.size}",
                )
        return self.finding


def add_checkpoint(checkpoints: dict[int, list[Checkpoint]], cp: Checkpoint) -> None:
    checkpoints.setdefault(cp.size, []).append(cp)


# --------------------------------------------------------------------------- bundles


@dataclass
class Report:
    """The outcome of verifying one log: from the database or from a bundle."""

    origin: str
    size: int
    root: str
    checkpoints: int
    finding: Finding | None

    @property
    def ok(self) -> bool:
        return self.finding is None

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "origin": self.origin,
            "size": self.size,
            "root": self.root,
            "checkpoints_checked": self.checkpoints,
            "first_bad_seq": None if self.ok else self.finding.seq,
            "last_bad_seq": None if self.ok else self.finding.last_seq,
            "reason": None if self.ok else self.finding.reason,
            "detail": None if self.ok else self.finding.detail,
        }


class Bundle:
    """Read access to an exported bundle, a directory or a .zip of one."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._zip = zipfile.ZipFile(self.path) if self.path.is_file() else None
        if self._zip is not None:
            names = self._zip.namelist()
            self._prefix = names[0].split("/")[0] + "/" if names and "/" in names[0] else ""

    def read_text(self, name: str) -> str:
        if self._zip is not None:
            return self._zip.read(self._prefix + name).decode("utf-8")
        return (self.path / name).read_text(encoding="utf-8")

    def entry_lines(self) -> Iterator[bytes]:
        if self._zip is not None:
            with self._zip.open(self._prefix + "entries.jsonl") as fh:
                yield from fh
        else:
            with open(self.path / "entries.jsonl", "rb") as fh:
                yield from fh


def parse_checkpoint_notes(blob: str) -> list[str]:
    """Signed notes from ``checkpoints.jsonl``: one JSON object with a ``note`` a line."""
    return [json.loads(line)["note"] for line in blob.splitlines() if line.strip()]


def verify_bundle(
    path: str | Path,
    verifiers: list[NoteVerifier],
    pinned_notes: Iterable[str] = (),
) -> Report:
    """Verify an offline bundle against trusted keys, without any database.

    ``pinned_notes`` are checkpoints the auditor kept from earlier (signed notes); the
    bundle's entries must hash to their roots too, which is what catches a log that was
    rewritten and re-signed after the auditor last looked.
    """
    bundle = Bundle(path)
    manifest = json.loads(bundle.read_text("manifest.json"))
    origin = manifest["origin"]
    checker = ChainChecker(origin)
    notes = parse_checkpoint_notes(bundle.read_text("checkpoints.jsonl"))
    count = 0
    for index, note in enumerate([*notes, *pinned_notes]):
        try:
            cp = open_checkpoint(note, verifiers)
        except NoteError as exc:
            finding = Finding(-1, "signature invalid", f"checkpoint #{index}: {exc}")
            return Report(origin, 0, "", count, finding)
        if cp.origin != origin:
            finding = Finding(-1, "wrong log", f"checkpoint #{index} is for {cp.origin}")
            return Report(origin, 0, "", count, finding)
        add_checkpoint(checker.checkpoints, cp)
        count += 1
    for line in bundle.entry_lines():
        if not checker.feed(None, line.rstrip(b"\n")):
            break
    finding = checker.finish()
    return Report(origin, checker.size, checker.root().hex(), count, finding)


def verify_proof_file(proof: dict, verifiers: list[NoteVerifier]) -> Checkpoint:
    """Check a proof document made by ``jixiao ledger proof``: note, then inclusion."""
    cp = open_checkpoint(proof["checkpoint"], verifiers)
    body = proof["body"].encode("utf-8")
    verify_inclusion(
        proof["seq"],
        cp.size,
        leaf_hash(body),
        [base64.b64decode(p) for p in proof["inclusion_proof"]],
        cp.root,
    )
    return cp


def load_verifiers(path: str | Path) -> list[NoteVerifier]:
    """Read verifier keys, one per line (blank lines and ``#`` comments ignored)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [NoteVerifier.parse(x) for x in lines if x.strip() and not x.startswith("#")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a jixiao ledger bundle offline.")
    parser.add_argument("bundle", nargs="?", help="bundle directory or .zip")
    parser.add_argument("--public-key", required=True, help="file with trusted verifier keys")
    parser.add_argument("--checkpoint", action="append", default=[], help="pinned note file")
    parser.add_argument("--proof", help="an inclusion proof JSON from `jixiao ledger proof`")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    verifiers = load_verifiers(args.public_key)
    if args.proof:
        try:
            cp = verify_proof_file(json.loads(Path(args.proof).read_text()), verifiers)
        except (NoteError, ProofError) as exc:
            print(f"proof INVALID: {exc}")
            return 1
        print(f"proof OK: entry is in {cp.origin} at tree size {cp.size}")
        return 0
    if not args.bundle:
        parser.error("give a bundle or --proof")
    pinned = [Path(p).read_text(encoding="utf-8") for p in args.checkpoint]
    report = verify_bundle(args.bundle, verifiers, pinned)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    elif report.ok:
        print(
            f"OK: {report.origin} has {report.size} intact entries, root {report.root}, "
            f"{report.checkpoints} signed checkpoint(s) matched"
        )
    else:
        print(f"TAMPERED: {report.origin}: {report.finding}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
