"""RFC 9162 Merkle tree algorithms with the hash function injected.

A log may use SHA-256 or SM3 (the ``sm3-sm2`` suite), and the chain check, tiles and
witnesses must hash with whatever the log uses, so the algorithms are written here once
over a :class:`TreeHasher` (the transparency-dev vectors hold :data:`SHA256` to RFC 9162).

Only the standard library is imported, and imports between the verification modules are
relative: this module ships in every audit bundle (see :mod:`core.ledger.bundle`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


class ProofError(ValueError):
    """A Merkle proof that does not verify."""


@dataclass(frozen=True)
class TreeHasher:
    """RFC 9162 section 2.1.1 hashing over one hash function.

    ``digest`` maps bytes to a ``size``-byte digest. Leaves and interior nodes are
    domain-separated by the 0x00 / 0x01 prefixes whatever the function is, which is what
    makes a leaf impossible to pass off as a node.
    """

    name: str
    digest: Callable[[bytes], bytes]
    size: int = 32

    @cached_property
    def empty_root(self) -> bytes:
        """The root of the empty tree, the hash of nothing (computed on first use: SM3's
        loads the ``cryptography`` package, which most commands never need)."""
        return self.digest(b"")

    def leaf(self, data: bytes) -> bytes:
        return self.digest(LEAF_PREFIX + data)

    def node(self, left: bytes, right: bytes) -> bytes:
        return self.digest(NODE_PREFIX + left + right)


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


class _SHA256TreeHasher(TreeHasher):
    """SHA-256 with the prefixes inlined: one call per hash, as hot loops (appends, the
    chain check) want."""

    def leaf(self, data: bytes) -> bytes:
        return hashlib.sha256(LEAF_PREFIX + data).digest()

    def node(self, left: bytes, right: bytes) -> bytes:
        return hashlib.sha256(NODE_PREFIX + left + right).digest()


SHA256 = _SHA256TreeHasher("sha256", _sha256)


def split_point(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n >= 2): RFC 9162's k."""
    return 1 << ((n - 1).bit_length() - 1)


class Accumulator:
    """Streaming Merkle tree: the roots of the perfect subtrees making up ``size``.

    Keeps the roots of the perfect subtrees that make up the current size, largest first
    (its binary decomposition, as a compact range does in Trillian/Tessera): O(log n)
    memory, the root of the current prefix on demand. Their heights are the set bits of
    ``size``, so only the hashes are stored (:meth:`frontier`).
    """

    __slots__ = ("_hasher", "_nodes", "size")

    def __init__(self, hasher: TreeHasher) -> None:
        self._hasher = hasher
        self._nodes: list[bytes] = []
        self.size = 0

    @classmethod
    def from_frontier(cls, hasher: TreeHasher, size: int, frontier: bytes) -> Accumulator:
        """Resume from :meth:`frontier` (the subtree roots, largest first), as the store
        does from the log head."""
        if len(frontier) != hasher.size * size.bit_count():
            raise ValueError("frontier does not match the tree size")
        acc = cls(hasher)
        acc._nodes = [frontier[i : i + hasher.size] for i in range(0, len(frontier), hasher.size)]
        acc.size = size
        return acc

    def frontier(self) -> bytes:
        return b"".join(self._nodes)

    def append(self, leaf: bytes) -> None:
        node, size, node_hash = leaf, self.size, self._hasher.node
        while size & 1:  # each trailing 1 bit is a complete subtree to merge with
            node = node_hash(self._nodes.pop(), node)
            size >>= 1
        self._nodes.append(node)
        self.size += 1

    def root(self) -> bytes:
        if not self._nodes:
            return self._hasher.empty_root
        node = self._nodes[-1]
        for left in reversed(self._nodes[:-1]):
            node = self._hasher.node(left, node)
        return node


def root_of(hasher: TreeHasher, leaves: Iterable[bytes]) -> bytes:
    """MTH(D[n]) for the given leaf hashes."""
    acc = Accumulator(hasher)
    for leaf in leaves:
        acc.append(leaf)
    return acc.root()


def inclusion_proof(hasher: TreeHasher, index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 section 2.1.3.1, from the leaf hashes (O(n) hashing)."""
    if not 0 <= index < len(leaves):
        raise IndexError(f"leaf {index} is outside a tree of {len(leaves)}")
    frames: list[bytes] = []
    lo, hi, m = 0, len(leaves), index
    while hi - lo > 1:
        k = split_point(hi - lo)
        if m < k:
            frames.append(root_of(hasher, leaves[lo + k : hi]))
            hi = lo + k
        else:
            frames.append(root_of(hasher, leaves[lo : lo + k]))
            lo, m = lo + k, m - k
    return frames[::-1]


def consistency_proof(hasher: TreeHasher, size1: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 section 2.1.4.1, from the leaf hashes (O(n) hashing)."""
    n = len(leaves)
    if not 0 < size1 <= n:
        raise ValueError(f"no consistency proof from size {size1} to {n}")
    frames: list[bytes] = []
    lo, hi, m, whole = 0, n, size1, True
    while m != hi - lo:
        k = split_point(hi - lo)
        if m <= k:
            frames.append(root_of(hasher, leaves[lo + k : hi]))
            hi = lo + k
        else:
            frames.append(root_of(hasher, leaves[lo : lo + k]))
            lo, m, whole = lo + k, m - k, False
    if not whole:
        frames.append(root_of(hasher, leaves[lo:hi]))
    return frames[::-1]


def _check_size(hasher: TreeHasher, name: str, value: bytes) -> None:
    if len(value) != hasher.size:
        raise ProofError(f"{name} has {len(value)} bytes, expected {hasher.size}")


def verify_inclusion(
    hasher: TreeHasher, index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 section 2.1.3.2; raises ProofError unless ``leaf`` is at ``index``."""
    _check_size(hasher, "leaf hash", leaf)
    _check_size(hasher, "root", root)
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not below tree size {size}")
    fn, sn, node = index, size - 1, leaf
    for sibling in proof:
        _check_size(hasher, "proof node", sibling)
        if sn == 0:
            raise ProofError("proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            node = hasher.node(sibling, node)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            node = hasher.node(node, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof is shorter than the tree is deep")
    if node != root:
        raise ProofError("computed root does not match")


def verify_consistency(
    hasher: TreeHasher,
    size1: int,
    size2: int,
    proof: Sequence[bytes],
    root1: bytes,
    root2: bytes,
) -> None:
    """RFC 9162 section 2.1.4.2; raises ProofError unless tree ``size1`` prefixes ``size2``.

    A proof from the empty tree is refused (it proves nothing), as the transparency-dev
    vectors expect; callers that accept "anything extends the empty tree" (a witness
    seeing a log for the first time) handle size 0 before calling.
    """
    if size1 <= 0 or size2 < size1:
        raise ProofError(f"no consistency proof from size {size1} to size {size2}")
    if size1 == size2:  # nothing to hash: the transparency-dev vectors accept any root
        if proof:
            raise ProofError("sizes are equal but the proof is not empty")
        if root1 != root2:
            raise ProofError("sizes are equal but the roots differ")
        return
    if not proof:
        raise ProofError("empty proof")
    _check_size(hasher, "root1", root1)
    _check_size(hasher, "root2", root2)
    for node in proof:
        _check_size(hasher, "proof node", node)
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
            fr = hasher.node(node, fr)
            sr = hasher.node(node, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = hasher.node(sr, node)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof is too short")
    if fr != root1:
        raise ProofError("proof does not reproduce the first root")
    if sr != root2:
        raise ProofError("proof does not reproduce the second root")


__all__ = [
    "SHA256",
    "Accumulator",
    "ProofError",
    "TreeHasher",
    "consistency_proof",
    "inclusion_proof",
    "root_of",
    "split_point",
    "verify_consistency",
    "verify_inclusion",
]
