"""Cryptographic suites benchmark: hashing, proof checking and note signatures per suite.

For each suite (``sha256-ed25519``, ``sm3-sm2``) it measures, on bodies of the size the
ledger writes (about 300 bytes):

* ``<suite>_leaf_hash_per_s``       leaf hashes (0x00 ‖ body) through the suite;
* ``<suite>_leaf_hash_verify_per_s`` leaf hash + RFC 9162 inclusion-proof check against a
                                      root, in a tree of 1,048,576 leaves (a 20-hash path):
                                      what an auditor does per proved entry;
* ``<suite>_accumulate_per_s``      leaves appended to the streaming Merkle accumulator;
* ``<suite>_note_sign_per_s`` / ``<suite>_note_verify_per_s``  checkpoint note signatures
                                      (Ed25519, or SM2 with Z_A and the default ID).

Usage: ``python bench/suites.py [--seconds S]``. Prints one ``name: value`` line per figure.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `python bench/x.py` puts bench/ first on sys.path, where bench/webhooks.py would shadow
# the webhooks package: put the repository root there instead.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import time
from collections.abc import Callable

from core.ledger import notekeys, rfc9162, tlog
from core.ledger.suites import SUITES, Suite

TREE_HEIGHT = 20  # 1,048,576 leaves: the inclusion path has 20 hashes


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``fn`` over about ``seconds`` (after one warm-up call)."""
    fn()
    n, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        fn()
        n += 1
        now = time.perf_counter()
        if now >= deadline:
            return n / (now - start)


def body(i: int) -> bytes:
    """A canonical value entry like the ledger writes (about 300 bytes)."""
    return tlog.canonical_bytes(
        {
            "v": 1,
            "log": "jixiao/b1",
            "seq": i,
            "prev": "ab" * 32,
            "ts": "2026-11-22T02:00:00.123456Z",
            "actor": "user:reporter",
            "kind": "value.recorded",
            "data": {
                "unit": f"unit-{i % 1000:04d}",
                "indicator": f"ind-{i % 200:03d}",
                "cycle": "2026",
                "period": "2026-Q1",
                "value": "92.50",
                "corrects": None,
            },
        }
    )


def bench_suite(suite: Suite, seconds: float) -> dict[str, float]:
    bodies = [body(i) for i in range(1024)]
    out: dict[str, float] = {}

    counter = iter(range(10**12))

    def leaf_hash() -> None:
        suite.leaf_hash(bodies[next(counter) & 1023])

    out["leaf_hash_per_s"] = rate(leaf_hash, seconds)

    # A path of TREE_HEIGHT siblings for leaf 0 of a perfect tree: the proof's shape and
    # cost are those of any leaf in a 2^20 tree; the root follows from the path.
    siblings = [suite.hasher.digest(b"sibling %d" % h) for h in range(TREE_HEIGHT)]
    target = bodies[0]
    node = suite.leaf_hash(target)
    for sibling in siblings:
        node = suite.node_hash(node, sibling)
    root, size = node, 1 << TREE_HEIGHT

    def leaf_hash_verify() -> None:
        suite.verify_inclusion(0, size, suite.leaf_hash(target), siblings, root)

    out["leaf_hash_verify_per_s"] = rate(leaf_hash_verify, seconds)

    leaves = [suite.leaf_hash(b) for b in bodies]
    acc = rfc9162.Accumulator(suite.hasher)

    def accumulate() -> None:
        acc.append(leaves[acc.size & 1023])

    out["accumulate_per_s"] = rate(accumulate, seconds)

    signer = suite.generate_signer("bench.example/log")
    text = tlog.Checkpoint("jixiao/b1", size, root).text()
    note = notekeys.sign_note(text, [signer])
    out["note_sign_per_s"] = rate(lambda: signer.sign(text.encode()), seconds)
    out["note_verify_per_s"] = rate(lambda: notekeys.open_note(note, [signer.verifier]), seconds)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per figure")
    args = parser.parse_args()
    for name, suite in SUITES.items():
        for figure, value in bench_suite(suite, args.seconds).items():
            print(f"{name}_{figure}: {value:.0f}", flush=True)


if __name__ == "__main__":
    main()
