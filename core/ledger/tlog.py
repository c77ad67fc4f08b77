"""Standalone verifier for jixiao ledgers: the format's reference implementation.

This module and the few it imports (``rfc9162``, ``notekeys``, ``sm2``, ``suites``,
``cosignature`` and, for time-stamps only, ``tsa``) are everything an auditor must be
able to check without the jixiao server or its database: the canonical body encoding,
RFC 9162 Merkle hashing and proofs under the log's suite, C2SP signed notes, checkpoints
and witness cosignatures, RFC 3161 time-stamps, the chain check over a log's entries,
and the verification of an offline bundle.

They are copied verbatim into every exported bundle (the package ``jixiao_tlog`` beside a
``verify.py`` that runs :func:`main`), which is why they import each other relatively
and need only the Python standard library and ``cryptography``; ``gmalg`` only for logs
of the ``sm3-sm2`` suite, ``asn1crypto`` only to check time-stamps. The server imports
the same functions, so the server and the auditor cannot drift apart.

Run from a bundle::

    python verify.py BUNDLE_DIR --public-key KEYFILE [--checkpoint PINNED_NOTE]
        [--witness-key VKEY ... --min-witnesses N] [--tsa-cert PEM ...] [--json]
    python verify.py --proof PROOF.json --public-key KEYFILE
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from . import rfc9162
from .cosignature import CosignatureVerifier
from .notekeys import NoteError, NoteVerifier, open_note, parse_verifier, signed_by
from .rfc9162 import SHA256, ProofError, TreeHasher
from .suites import DEFAULT as DEFAULT_SUITE
from .suites import Suite, get_suite

try:  # optional C codec: verification about twice as fast; not needed for a verdict
    import orjson as _orjson
except ImportError:  # pragma: no cover - the standalone verifier on a bare Python
    _orjson = None

FORMAT_VERSION = 1
MAX_SAFE_INT = 2**53 - 1
HASH_SIZE = 32
ENTRY_FIELDS = ("v", "log", "seq", "prev", "ts", "actor", "kind", "data")
SHORTFALLS = ("not witnessed", "timestamp invalid", "not signed")


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


def _outside_types(value: object) -> bool:
    """Whether a parsed body holds a value outside the restricted type set anywhere: a
    float, or an integer past ±(2^53−1) (a float re-encodes to its own bytes, so the
    byte comparison alone had let ``1.0`` and ``2^60`` through). Iterative (bodies are
    attacker input), one set of value types per container: bodies are a flat envelope
    around mostly flat data, so this is a few C-speed passes."""
    stack = [value]
    while stack:
        item = stack.pop()
        values = item.values() if type(item) is dict else item
        kinds = {type(v) for v in values}
        if float in kinds:
            return True
        if int in kinds and any(
            type(v) is int and not -MAX_SAFE_INT <= v <= MAX_SAFE_INT for v in values
        ):
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
            if same and not _outside_types(entry):
                return entry, True
        except (TypeError, ValueError):
            pass
    try:
        entry = json.loads(body)
    except RecursionError as exc:  # thousands of nested brackets: not an entry either
        raise ValueError("nested too deeply") from exc
    if _outside_types(entry):
        return entry, False
    try:
        return entry, canonical_text(entry).encode("utf-8") == body
    except (UnicodeEncodeError, RecursionError):
        return entry, False


ENVELOPE_TYPES: dict[str, tuple[type, ...]] = {
    "v": (int,),
    "log": (str,),
    "seq": (int,),
    "prev": (str, type(None)),
    "ts": (str,),
    "actor": (str,),
    "kind": (str,),
    "data": (dict,),
}
"""Each envelope field's JSON type (FORMAT.md, "Entry"): ``true`` is no seq, ``42`` no
time, ``null`` no actor."""


def envelope_problem(entry: dict) -> str | None:
    """Why an entry's envelope fields are not of their types (None when they are)."""
    for name, kinds in ENVELOPE_TYPES.items():
        if type(entry[name]) not in kinds:
            allowed = " or ".join("null" if k is type(None) else k.__name__ for k in kinds)
            return f"field {name!r} must be {allowed}, not {type(entry[name]).__name__}"
    return None


def canonical_bytes(value: object) -> bytes:
    """RFC 8785 (JCS) bytes of a value of the restricted type set."""
    check_value(value)
    try:
        return canonical_text(value).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CanonicalError(f"string is not valid Unicode (lone surrogate): {exc}") from exc


# --------------------------------------------------------------------------- hashing

# The SHA-256 suite's tree functions, the ledger's default (and every log's before suites
# existed). Logs of another suite pass its ``TreeHasher`` (``get_suite(name).hasher``).
leaf_hash = SHA256.leaf
node_hash = SHA256.node
EMPTY_ROOT = SHA256.empty_root


def root_of(leaves: Iterable[bytes], hasher: TreeHasher = SHA256) -> bytes:
    return rfc9162.root_of(hasher, leaves)


def verify_inclusion(
    index: int,
    size: int,
    leaf: bytes,
    proof: Sequence[bytes],
    root: bytes,
    hasher: TreeHasher = SHA256,
) -> None:
    """RFC 9162 section 2.1.3.2; raises ProofError unless ``leaf`` is at ``index``."""
    rfc9162.verify_inclusion(hasher, index, size, leaf, proof, root)


def verify_consistency(
    size1: int,
    size2: int,
    proof: Sequence[bytes],
    root1: bytes,
    root2: bytes,
    hasher: TreeHasher = SHA256,
) -> None:
    """RFC 9162 section 2.1.4.2; raises ProofError unless tree ``size1`` prefixes ``size2``
    (a proof from the empty tree is refused: it proves nothing)."""
    rfc9162.verify_consistency(hasher, size1, size2, proof, root1, root2)


# --------------------------------------------------------------------------- checkpoints


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
        if not size.isascii() or not size.isdigit() or (size != "0" and size.startswith("0")):
            raise NoteError(f"checkpoint size {size!r} is not a decimal number")
        try:
            root_bytes = base64.b64decode(root, validate=True)
        except ValueError as exc:
            raise NoteError("checkpoint root is not base64") from exc
        if len(root_bytes) != HASH_SIZE:
            raise NoteError(f"checkpoint root is not a {HASH_SIZE}-byte hash")
        return cls(origin, int(size), root_bytes)


def open_checkpoint(note: str, verifiers: Iterable[NoteVerifier]) -> Checkpoint:
    """The checkpoint of a note signed by at least one of the log's ``verifiers``."""
    text, _ = open_note(note, verifiers)
    return Checkpoint.parse(text)


def cosigners(note: str, witnesses: Iterable[CosignatureVerifier]) -> list[str]:
    """Names of the ``witnesses`` whose tlog-cosignature/v1 on ``note`` verifies, one per
    witness key; a known witness's invalid cosignature raises NoteError."""
    return signed_by(note, witnesses)[1]


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
    ``suite`` is the log's (SHA-256/Ed25519 unless told otherwise); a bureau log's first
    entry (``bureau.created``) names it, and must name the one the log is checked with.
    """

    origin: str
    checkpoints: dict[int, list[Checkpoint]] = field(default_factory=dict)
    finding: Finding | None = None
    matched: int = 0
    """The size of the last checkpoint the entries matched (0: none yet)."""
    suite: Suite = DEFAULT_SUITE
    _acc: rfc9162.Accumulator = field(init=False)
    _last: bytes | None = None
    _before_last: bytes | None = None

    def __post_init__(self) -> None:
        self._acc = rfc9162.Accumulator(self.suite.hasher)
        self._leaf = self.suite.hasher.leaf

    @classmethod
    def resume(
        cls,
        origin: str,
        suite: Suite,
        size: int,
        frontier: bytes,
        last: bytes | None,
        before_last: bytes | None,
    ) -> ChainChecker:
        """Continue checking a log whose first ``size`` entries were checked before (a
        monitor's saved state: the Merkle frontier and the last two leaf hashes)."""
        checker = cls(origin, suite=suite, matched=size)
        checker._acc = rfc9162.Accumulator.from_frontier(suite.hasher, size, frontier)
        checker._last, checker._before_last = last, before_last
        return checker

    def state(self) -> tuple[int, bytes, bytes | None, bytes | None]:
        """What :meth:`resume` needs: size, frontier, last and before-last leaf hash."""
        return self._acc.size, self._acc.frontier(), self._last, self._before_last

    @property
    def size(self) -> int:
        return self._acc.size

    @property
    def last_leaf(self) -> bytes | None:
        """The leaf hash of the last entry checked (None before the first)."""
        return self._last

    def root(self) -> bytes:
        return self._acc.root()

    def _fail(self, seq: int, reason: str, detail: str) -> bool:
        self.finding = Finding(seq, reason, detail)
        return False

    def feed(
        self,
        seq: int | None,
        body: bytes,
        stored_hash: bytes | None = None,
        stored_kind: str | None = None,
    ) -> bool:
        """Check one entry; returns False (and sets ``finding``) at the first problem.

        ``seq`` is the stored position (a database row's key); ``None`` takes the position
        the body itself claims, for bundle lines, which carry no other. ``stored_kind`` is
        the row's ``kind`` column, which sits outside the hashed body: queries select by
        it (the platform log's checkpoint anchors, projections), so a row whose column
        disagrees with its body is reported, or a changed column could hide an anchor.
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
        wrong = envelope_problem(entry)
        if wrong:
            return self._fail(pos, "malformed", wrong)
        if seq is None:
            claimed = entry["seq"]
            seq = claimed if type(claimed) is int else pos
            if seq > pos:
                return self._fail(pos, "gap", f"expected seq {pos}, next line is {seq}")
        if not canonical:
            return self._fail(
                pos,
                "not canonical",
                "body bytes are not the RFC 8785 form of the restricted JSON (no floats, "
                "integers within ±(2^53−1))",
            )
        leaf = self._leaf(body)
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
        if stored_kind is not None and stored_kind != entry["kind"]:
            return self._fail(
                pos,
                "kind mismatch",
                f"the row's kind is {stored_kind!r}, its body's {entry['kind']!r}",
            )
        if pos == 0 and entry["kind"] == "bureau.created" and not self._suite_ok(entry["data"]):
            return False
        self._acc.append(leaf)
        self._before_last, self._last = self._last, leaf
        return self._check_checkpoints()

    def _suite_ok(self, data: object) -> bool:
        named = data.get("suite", DEFAULT_SUITE.name) if isinstance(data, dict) else None
        if named == self.suite.name:
            return True
        return self._fail(
            0, "wrong suite", f"the log's first entry names suite {named!r}, not {self.suite.name}"
        )

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
    suite: str = DEFAULT_SUITE.name
    cosigned_by: list[str] = field(default_factory=list)
    """Witnesses whose cosignature is on the newest checkpoint (when witness keys were given)."""
    timestamps: int = 0
    """RFC 3161 time-stamps verified (when TSA certificates were given)."""
    unchecked_timestamps: int = 0
    """Time-stamps present but not checked (no TSA certificate given)."""

    @property
    def ok(self) -> bool:
        return self.finding is None

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "origin": self.origin,
            "suite": self.suite,
            "size": self.size,
            "root": self.root,
            "checkpoints_checked": self.checkpoints,
            "cosigned_by": self.cosigned_by,
            "timestamps_checked": self.timestamps,
            "first_bad_seq": None if self.ok else self.finding.seq,
            "last_bad_seq": None if self.ok else self.finding.last_seq,
            "reason": None if self.ok else self.finding.reason,
            "detail": None if self.ok else self.finding.detail,
        }


MAX_LINE = 1 << 20
"""The longest line ``entries.jsonl`` may have: an entry is at most 64 KiB of canonical
JSON (tiles' entry bundles prefix each with a uint16), written here as one JSON line."""
MAX_SMALL_FILE = 256 << 20
"""The largest manifest or checkpoint list read whole into memory."""


class Bundle:
    """Read access to an exported bundle, a directory or a .zip of one."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._zip = zipfile.ZipFile(self.path) if self.path.is_file() else None
        if self._zip is not None:
            names = self._zip.namelist()
            self._prefix = names[0].split("/")[0] + "/" if names and "/" in names[0] else ""
            self.outside = sorted(n for n in names if not n.startswith(self._prefix))
        else:
            self.outside = []

    def read_text(self, name: str) -> str:
        with self._open(name) as fh:
            data = fh.read(MAX_SMALL_FILE + 1)
        if len(data) > MAX_SMALL_FILE:
            raise ValueError(f"{name} is larger than {MAX_SMALL_FILE} bytes")
        return data.decode("utf-8")

    def entry_lines(self) -> Iterator[bytes]:
        """The lines of ``entries.jsonl``, read a line at a time and none longer than
        MAX_LINE (a 3 MB zip that inflates to one 3 GB line is refused, not read)."""
        with self._open("entries.jsonl") as fh:
            for number, line in enumerate(iter(lambda: fh.readline(MAX_LINE + 1), b""), 1):
                if len(line) > MAX_LINE:
                    raise ValueError(f"entries.jsonl line {number} is longer than {MAX_LINE} bytes")
                yield line

    def names(self) -> list[str]:
        """The bundle's files (relative, '/'-separated), bytecode caches left out."""
        if self._zip is not None:
            found = [
                n[len(self._prefix) :]
                for n in self._zip.namelist()
                if n.startswith(self._prefix) and not n.endswith("/")
            ]
        else:
            found = [
                p.relative_to(self.path).as_posix() for p in self.path.rglob("*") if p.is_file()
            ]
        return sorted(n for n in found if "__pycache__/" not in n)

    def sha256(self, name: str) -> str:
        digest = hashlib.sha256()
        with self._open(name) as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()

    def _open(self, name: str) -> IO[bytes]:
        if self._zip is not None:
            return self._zip.open(self._prefix + name)
        return open(self.path / name, "rb")  # the caller closes it


@dataclass(frozen=True)
class StoredCheckpoint:
    """A line of ``checkpoints.jsonl``: the (cosigned) note and its time-stamp token."""

    size: int
    note: str
    timestamp: bytes | None = None


def parse_checkpoint_lines(blob: str) -> list[StoredCheckpoint]:
    """``checkpoints.jsonl``: ``{"size", "note"[, "timestamp"]}`` a line (base64 token)."""
    found = []
    for number, line in enumerate(blob.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except RecursionError as exc:
            raise ValueError(f"checkpoints.jsonl line {number}: nested too deeply") from exc
        token = item.get("timestamp") if isinstance(item, dict) else None
        if (
            not isinstance(item, dict)
            or type(item.get("size")) is not int
            or item["size"] < 0
            or not isinstance(item.get("note"), str)
            or not isinstance(token, str | None)
        ):
            raise ValueError(
                f"checkpoints.jsonl line {number}: not {{size: integer ≥ 0, note: text"
                "[, timestamp: base64]}"
            )
        found.append(
            StoredCheckpoint(
                item["size"],
                item["note"],
                base64.b64decode(token, validate=True) if token else None,
            )
        )
    return found


def parse_checkpoint_notes(blob: str) -> list[str]:
    """Signed notes from ``checkpoints.jsonl``."""
    return [c.note for c in parse_checkpoint_lines(blob)]


def check_timestamp(token: bytes, cp: Checkpoint, suite: Suite, certificates: Sequence) -> None:
    """An RFC 3161 token over the checkpoint text, hashed with the suite's hash, signed by
    one of the pinned TSA ``certificates``; raises ``tsa.TimestampError`` otherwise.
    Needs ``asn1crypto``, imported only here."""
    from . import tsa

    tsa.verify_token(token, cp.text().encode("utf-8"), certificates, timestamp_hash(suite))


def timestamp_hash(suite: Suite) -> str:
    """The message-imprint hash of a log's time-stamps: the suite's tree hash."""
    return "sm3" if suite.hasher.name == "sm3" else "sha256"


def witness_finding(
    cosigned: dict[int, list[str]], size: int, required: int, witnesses: Sequence
) -> Finding | None:
    """None if the checkpoint of ``size`` carries ``required`` witness cosignatures; else
    the entries no sufficiently cosigned checkpoint covers, as a range."""
    names = cosigned.get(size, [])
    if len(names) >= required:
        return None
    covered = max((s for s, n in cosigned.items() if len(n) >= required and s <= size), default=0)
    missing = sorted({w.name for w in witnesses} - set(names))
    return Finding(
        covered,
        "not witnessed",
        f"checkpoint {size} carries {len(names)} of the {required} witness cosignature(s) "
        f"required (signed: {', '.join(names) or 'none'}; missing: {', '.join(missing)}); "
        f"entries seq {covered}–{size - 1} are covered by no checkpoint with {required}",
        size - 1,
    )


def verify_bundle(
    path: str | Path,
    verifiers: list[NoteVerifier],
    pinned_notes: Iterable[str] = (),
    witnesses: Sequence[CosignatureVerifier] = (),
    min_witnesses: int = 0,
    tsa_certificates: Sequence = (),
    origin: str | None = None,
) -> Report:
    """Verify an offline bundle against trusted keys, without any database.

    ``origin``, when the auditor names the log they expect (``jixiao/tax``), must be the
    bundle's: one key may sign every bureau's log, so a valid bundle of another bureau
    would otherwise pass for this one.

    ``pinned_notes`` are checkpoints the auditor kept from earlier (signed notes); the
    bundle's entries must hash to their roots too, which is what catches a log that was
    rewritten and re-signed after the auditor last looked. With ``min_witnesses`` N, the
    newest checkpoint must carry cosignatures of N of the ``witnesses``; with
    ``tsa_certificates``, every time-stamp token in the bundle must verify.
    """
    bundle = Bundle(path)
    manifest = json.loads(bundle.read_text("manifest.json"))
    if not isinstance(manifest, dict) or not isinstance(manifest.get("origin"), str):
        raise ValueError("manifest.json names no origin")
    expected, origin = origin, manifest["origin"]
    if expected is not None and origin != expected:
        return Report(
            origin, 0, "", 0, Finding(-1, "wrong log", f"the bundle is of {origin}, not {expected}")
        )
    try:
        suite = get_suite(manifest.get("suite", DEFAULT_SUITE.name))
    except ValueError as exc:
        return Report(origin, 0, "", 0, Finding(-1, "malformed", str(exc)))
    report = Report(origin, 0, "", 0, None, suite.name)
    checker = ChainChecker(origin, suite=suite)
    cosigned: dict[int, list[str]] = {}
    stored = parse_checkpoint_lines(bundle.read_text("checkpoints.jsonl"))
    lines = [*stored, *(StoredCheckpoint(-1, note) for note in pinned_notes)]
    for index, line in enumerate(lines):
        pinned = index >= len(stored)  # a note the auditor kept: it has no line of its own
        try:
            cp = open_checkpoint(line.note, verifiers)
            if witnesses:
                cosigned[cp.size] = cosigners(line.note, witnesses)
        except NoteError as exc:
            report.finding = Finding(-1, "signature invalid", f"checkpoint #{index}: {exc}")
            return report
        if cp.origin != origin:
            report.finding = Finding(-1, "wrong log", f"checkpoint #{index} is for {cp.origin}")
            return report
        if not pinned and line.size != cp.size:
            report.finding = Finding(
                -1,
                "malformed",
                f"checkpoint #{index}: its line says size {line.size}, its signed note {cp.size}",
            )
            return report
        if not pinned and index > 0 and line.size <= stored[index - 1].size:
            report.finding = Finding(
                -1,
                "malformed",
                f"checkpoint #{index}: size {line.size} does not follow "
                f"{stored[index - 1].size} (one line per checkpoint, in increasing size)",
            )
            return report
        if line.timestamp is not None and not tsa_certificates:
            report.unchecked_timestamps += 1
        elif line.timestamp is not None:
            finding = _timestamp_finding(line.timestamp, cp, suite, tsa_certificates)
            if finding is not None:
                report.finding = finding
                return report
            report.timestamps += 1
        add_checkpoint(checker.checkpoints, cp)
        report.checkpoints += 1
    for entry in bundle.entry_lines():
        if not checker.feed(None, entry.rstrip(b"\n")):
            break
    report.finding = (
        checker.finish()
        or _unsigned(checker)
        or _manifest_mismatch(manifest, checker)
        or _manifest_files_finding(bundle, manifest)
    )
    report.size, report.root = checker.size, checker.root().hex()
    if witnesses:
        report.cosigned_by = cosigned.get(checker.size, [])
    if report.finding is None and min_witnesses > 0:
        report.finding = witness_finding(cosigned, checker.size, min_witnesses, witnesses)
    return report


def _manifest_files_finding(bundle: Bundle, manifest: dict) -> Finding | None:
    """Every file of the bundle is listed in ``manifest.json`` with its SHA-256, and has
    it: a changed, missing or added file (the verifier's own code, the keys, the format
    description) is reported. Checked after the entries and checkpoints, whose own checks
    name the entry that was changed, which a file's hash cannot."""
    listed = manifest.get("sha256")
    if not isinstance(listed, dict) or not all(isinstance(v, str) for v in listed.values()):
        return Finding(-1, "malformed", "manifest.json lists no SHA-256 of the bundle's files")
    if bundle.outside:
        return Finding(
            -1, "malformed", f"{bundle.outside[0]}: a file outside the bundle's folder in the zip"
        )
    present = set(bundle.names()) - {"manifest.json"}
    for name in sorted(present | set(listed)):
        if name not in listed:
            return Finding(-1, "malformed", f"{name}: a file manifest.json does not list")
        if name not in present:
            return Finding(-1, "malformed", f"{name}: listed in manifest.json, not in the bundle")
        if bundle.sha256(name) != listed[name]:
            return Finding(
                -1, "malformed", f"{name}: its SHA-256 is not the one manifest.json lists"
            )
    return None


def _manifest_mismatch(manifest: dict, checker: ChainChecker) -> Finding | None:
    """The manifest's ``size`` and ``root`` (when it states them) are the entries'."""
    size = manifest.get("size", checker.size)
    if size != checker.size or type(size) is not int:
        return Finding(
            min(checker.size, size) if type(size) is int else 0,
            "malformed",
            f"manifest.json says {size!r} entries, the bundle holds {checker.size}",
        )
    root = manifest.get("root", checker.root().hex())
    if root != checker.root().hex():
        return Finding(
            0,
            "malformed",
            f"manifest.json says root {root!r}, the entries' is {checker.root().hex()}",
        )
    return None


def _unsigned(checker: ChainChecker) -> Finding | None:
    """Entries no trusted signature covers. A bundle is evidence only as far as a
    checkpoint signed by a key the auditor trusts reaches: anyone can write a chain of
    hashes, so a bundle with no such checkpoint (or entries past the newest) proves
    nothing about them, however intact the chain (an export always signs its head)."""
    if checker.size == 0 or checker.matched == checker.size:
        return None
    first = checker.matched
    if first == 0:
        return Finding(
            0,
            "not signed",
            f"no checkpoint signed by a trusted key covers the bundle's {checker.size} "
            "entries: a chain of hashes anyone could have written",
            checker.size - 1,
        )
    return Finding(
        first,
        "not signed",
        f"entries seq {first}–{checker.size - 1} are past the newest signed checkpoint "
        f"({first}): nothing signed vouches for them",
        checker.size - 1,
    )


def _timestamp_finding(
    token: bytes, cp: Checkpoint, suite: Suite, certificates: Sequence
) -> Finding | None:
    from .tsa import TimestampError

    try:
        check_timestamp(token, cp, suite, certificates)
    except TimestampError as exc:
        return Finding(max(cp.size - 1, 0), "timestamp invalid", f"checkpoint {cp.size}: {exc}")
    return None


def verify_proof_file(proof: dict, verifiers: list[NoteVerifier]) -> Checkpoint:
    """Check a proof document made by ``jixiao ledger proof``: note, then inclusion."""
    path = proof.get("inclusion_proof") if isinstance(proof, dict) else None
    if (
        not isinstance(proof, dict)
        or not isinstance(proof.get("checkpoint"), str)
        or not isinstance(proof.get("body"), str)
        or type(proof.get("seq")) is not int
        or not isinstance(path, list)
        or not all(isinstance(p, str) for p in path)
    ):
        raise ProofError(
            "not a proof from `jixiao ledger proof` "
            "({checkpoint, seq, body, inclusion_proof: [base64…]})"
        )
    cp = open_checkpoint(proof["checkpoint"], verifiers)
    hasher = get_suite(proof.get("suite", DEFAULT_SUITE.name)).hasher
    body = proof["body"].encode("utf-8")
    # The document's own statements (which log, which tree, which leaf) are what a reader
    # quotes: each given must be what the signed checkpoint and the body say.
    stated = {
        "origin": (proof.get("origin", cp.origin), cp.origin),
        "tree_size": (proof.get("tree_size", cp.size), cp.size),
        "leaf_hash": (proof.get("leaf_hash", hasher.leaf(body).hex()), hasher.leaf(body).hex()),
    }
    for name, (given, actual) in stated.items():
        if given != actual or type(given) is not type(actual):
            raise ProofError(f"the proof says {name} {given!r}; the signed checkpoint and body: "
                             f"{actual!r}")  # fmt: skip
    verify_inclusion(
        proof["seq"],
        cp.size,
        hasher.leaf(body),
        [base64.b64decode(p) for p in proof["inclusion_proof"]],
        cp.root,
        hasher,
    )
    return cp


def _key_lines(text: str) -> list[str]:
    return [x.strip() for x in text.splitlines() if x.strip() and not x.startswith("#")]


SKIPPED_SM2 = (
    "note: SM2 key(s) skipped: reading them needs the gmalg package (pip install gmalg), "
    "which only an sm3-sm2 log requires"
)


def load_verifiers(path: str | Path, skipped: list[str] | None = None) -> list[NoteVerifier]:
    """Read a log's verifier keys (Ed25519 or SM2), one per line (blank lines and ``#``
    comments ignored). An SM2 key needs ``gmalg``; without it the key is left out (and
    named in ``skipped``), so an auditor of an Ed25519 log who saved every key the
    platform printed needs nothing but ``cryptography``."""
    found = []
    for line in _key_lines(Path(path).read_text(encoding="utf-8")):
        try:
            found.append(parse_verifier(line))
        except ImportError:
            if skipped is None:
                raise
            skipped.append(line)
    if not found:  # an empty file trusts no one: say so, not "tampered"
        raise NoteError(f"{path}: no verifier key in the file" + (
            f" that can be read here ({SKIPPED_SM2})" if skipped else ""))  # fmt: skip
    return found


def load_witness_keys(values: Iterable[str]) -> list[CosignatureVerifier]:
    """Witness verifier keys, each given as the key itself or as a file of keys."""
    keys = []
    for value in values:
        path = Path(value)
        lines = _key_lines(path.read_text(encoding="utf-8")) if path.is_file() else [value]
        keys += [CosignatureVerifier.parse(x) for x in lines]
    return keys


def load_certificates(paths: Iterable[str | Path]) -> list:
    """PEM certificates of the TSA(s) the auditor trusts."""
    from cryptography import x509

    found = []
    for path in paths:
        found += x509.load_pem_x509_certificates(Path(path).read_bytes())
    return found


def _summary(report: Report) -> str:
    parts = [
        f"OK: {report.origin} has {report.size} intact entries ({report.suite}), "
        f"root {report.root}, {report.checkpoints} signed checkpoint(s) matched"
    ]
    if report.cosigned_by:
        parts.append(f"newest checkpoint cosigned by {', '.join(report.cosigned_by)}")
    if report.timestamps:
        parts.append(f"{report.timestamps} time-stamp(s) verified")
    if report.unchecked_timestamps:
        parts.append(f"{report.unchecked_timestamps} time-stamp(s) not checked (give --tsa-cert)")
    return "; ".join(parts)


def _readable(exc: BaseException) -> str:
    """An error as an auditor reads it: the file and the reason, not a Python repr."""
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or exc}"
    if isinstance(exc, KeyError):
        return f"missing {exc.args[0]!s}" if exc.args else "a file is missing"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if not text or text == repr(exc) else text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a jixiao ledger bundle offline.")
    parser.add_argument("bundle", nargs="?", help="bundle directory or .zip")
    parser.add_argument("--public-key", required=True, help="file with the log's verifier keys")
    parser.add_argument("--checkpoint", action="append", default=[], help="pinned note file")
    parser.add_argument(
        "--witness-key",
        action="append",
        default=[],
        help="a witness's verifier key (or a file of them); repeatable",
    )
    parser.add_argument(
        "--min-witnesses",
        type=int,
        default=0,
        help="cosignatures of this many of the witness keys required on the newest checkpoint",
    )
    parser.add_argument(
        "--tsa-cert",
        action="append",
        default=[],
        help="PEM certificate of a trusted time-stamp authority; repeatable",
    )
    parser.add_argument("--origin", help="the log expected, e.g. jixiao/tax")
    parser.add_argument("--proof", help="an inclusion proof JSON from `jixiao ledger proof`")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    skipped: list[str] = []
    try:
        verifiers = load_verifiers(args.public_key, skipped)
        witnesses = load_witness_keys(args.witness_key)
    except (NoteError, OSError, ValueError) as exc:
        parser.error(f"cannot use the keys given: {_readable(exc)}")
    if skipped:
        print(SKIPPED_SM2, file=sys.stderr)
    if args.min_witnesses < 0:
        parser.error(f"--min-witnesses {args.min_witnesses}: give 0 or more")
    if args.min_witnesses > len(witnesses):
        parser.error(f"--min-witnesses {args.min_witnesses} needs as many --witness-key")
    if args.proof:
        try:
            cp = verify_proof_file(json.loads(Path(args.proof).read_text()), verifiers)
            if args.origin is not None and cp.origin != args.origin:
                raise ProofError(f"the proof is of {cp.origin}, not {args.origin}")
        except (NoteError, ProofError, ValueError, OSError, RecursionError) as exc:
            print(f"proof INVALID: {exc}")
            return 1
        print(f"proof OK: entry is in {cp.origin} at tree size {cp.size}")
        return 0
    if not args.bundle:
        parser.error("give a bundle or --proof")
    try:
        pinned = [Path(p).read_text(encoding="utf-8") for p in args.checkpoint]
        certificates = load_certificates(args.tsa_cert)
    except (OSError, ValueError) as exc:
        parser.error(str(exc))
    try:
        report = verify_bundle(
            args.bundle, verifiers, pinned, witnesses, args.min_witnesses, certificates,
            args.origin,
        )  # fmt: skip
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        # not a bundle at all (exit 2): a different verdict from a bundle that fails (1)
        print(f"NOT A BUNDLE: {args.bundle}: {_readable(exc)}")
        return 2
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    elif report.ok:
        print(_summary(report))
    else:
        # "not witnessed" and "timestamp invalid" are missing assurances, not a changed
        # log; every other finding means the bundle differs from what was signed
        verdict = "FAILED" if report.finding.reason in SHORTFALLS else "TAMPERED"
        print(f"{verdict}: {report.origin}: {report.finding}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
