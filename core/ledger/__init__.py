"""The hash-chained, Merkle-tree ledger (see FORMAT.md)."""
