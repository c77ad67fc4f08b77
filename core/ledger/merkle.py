"""RFC 9162 proof generation over a list of leaf hashes.

Verification lives in :mod:`core.ledger.tlog` (shared with offline auditors); this
module only builds proofs. Proofs are computed from the leaf hashes of the log prefix,
O(n) hashing per proof, which is fine up to a few million entries per bureau; storing
Merkle tiles would make it O(log n) and is noted in docs/design-notes.md.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.ledger.tlog import EMPTY_ROOT, MerkleAccumulator, node_hash


def _split(n: int) -> int:
    """The largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def subtree_root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of RFC 9162 for the given leaf hashes."""
    if not leaves:
        return EMPTY_ROOT
    acc = MerkleAccumulator()
    for leaf in leaves:
        acc.append(leaf)
    return acc.root()


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]): the audit path for leaf ``index`` in the tree of ``leaves``."""
    if not 0 <= index < len(leaves):
        raise IndexError(f"leaf {index} is outside a tree of {len(leaves)}")
    path: list[bytes] = []
    lo, hi, m = 0, len(leaves), index
    frames = []
    while hi - lo > 1:
        k = _split(hi - lo)
        if m < k:
            frames.append(subtree_root(leaves[lo + k : hi]))
            hi = lo + k
        else:
            frames.append(subtree_root(leaves[lo : lo + k]))
            lo, m = lo + k, m - k
    path.extend(reversed(frames))
    return path


def consistency_proof(size1: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]): proves the tree of the first ``size1`` leaves prefixes ``leaves``."""
    n = len(leaves)
    if not 0 < size1 <= n:
        raise ValueError(f"no consistency proof from size {size1} to {n}")
    frames: list[bytes] = []
    lo, hi, m, whole = 0, n, size1, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            frames.append(subtree_root(leaves[lo + k : hi]))
            hi = lo + k
        else:
            frames.append(subtree_root(leaves[lo : lo + k]))
            lo, m, whole = lo + k, m - k, False
    if not whole:
        frames.append(subtree_root(leaves[lo:hi]))
    return list(reversed(frames))


__all__ = ["consistency_proof", "inclusion_proof", "node_hash", "subtree_root"]
