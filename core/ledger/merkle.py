"""RFC 9162 proofs from a list of SHA-256 leaf hashes (O(n) hashing per proof).

The server computes proofs from stored tiles instead (:mod:`core.ledger.tilestore`,
O(log n) reads); these whole-list versions remain the reference the tile-based proofs
and the test vectors are checked against. Any suite: :mod:`core.ledger.rfc9162`.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.ledger import rfc9162
from core.ledger.rfc9162 import SHA256

node_hash = SHA256.node


def subtree_root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of RFC 9162 for the given leaf hashes."""
    return rfc9162.root_of(SHA256, leaves)


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]): the audit path for leaf ``index`` in the tree of ``leaves``."""
    return rfc9162.inclusion_proof(SHA256, index, leaves)


def consistency_proof(size1: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]): proves the tree of the first ``size1`` leaves prefixes ``leaves``."""
    return rfc9162.consistency_proof(SHA256, size1, leaves)


__all__ = ["consistency_proof", "inclusion_proof", "node_hash", "subtree_root"]
