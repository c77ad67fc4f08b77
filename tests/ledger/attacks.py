"""What an attacker with write access to the database could do to a log.

Each function drops the append-only triggers first (as such an attacker would) and then
changes the stored rows with plain SQL.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, text

from core.ledger import rfc9162, tilestore, triggers
from core.ledger.suites import get_suite
from core.ledger.tlog import canonical_bytes


def disarm(conn: Connection) -> None:
    """Drop the append-only triggers, as an attacker with database access would."""
    triggers.run(conn, triggers.disarm_statements(conn.dialect.name))


def hasher(conn: Connection, log_id: int) -> rfc9162.TreeHasher:
    """The log's suite's hash: the attacker recomputes hashes the way the log does."""
    suite = conn.execute(text("SELECT suite FROM ledger_logs WHERE id = :l"), {"l": log_id})
    return get_suite(suite.scalar_one()).hasher


def leaf_hash(conn: Connection, log_id: int, body: bytes) -> bytes:
    return hasher(conn, log_id).leaf(body)


def rows(conn: Connection, log_id: int) -> list[dict]:
    result = conn.execute(
        text(
            "SELECT seq, kind, body, leaf_hash FROM ledger_entries WHERE log_id = :l ORDER BY seq"
        ),
        {"l": log_id},
    )
    return [dict(r._mapping) for r in result]


def put(conn: Connection, log_id: int, seq: int, body: bytes) -> None:
    """Store ``body`` at ``seq`` as a careful forger would: its leaf hash and its kind
    column made to agree with it."""
    conn.execute(
        text(
            "UPDATE ledger_entries SET body = :b, leaf_hash = :h, kind = :k "
            "WHERE log_id = :l AND seq = :s"
        ),
        {
            "b": body,
            "h": leaf_hash(conn, log_id, body),
            "k": json.loads(body)["kind"],
            "l": log_id,
            "s": seq,
        },
    )


def altered(body: bytes) -> bytes:
    """The same entry with one letter of its kind changed: still valid, canonical JSON."""
    marker = b'"kind":"'
    i = bytes(body).index(marker) + len(marker)
    flipped = b"q" if body[i : i + 1] != b"q" else b"r"
    return bytes(body[:i]) + flipped + bytes(body[i + 1 :])


def flip_byte(conn: Connection, log_id: int, seq: int, rehash: bool = False) -> None:
    row = rows(conn, log_id)[seq]
    body = altered(row["body"])
    if rehash:
        put(conn, log_id, seq, body)
    else:
        conn.execute(
            text("UPDATE ledger_entries SET body = :b WHERE log_id = :l AND seq = :s"),
            {"b": body, "l": log_id, "s": seq},
        )


def delete(conn: Connection, log_id: int, seq: int) -> None:
    conn.execute(
        text("DELETE FROM ledger_entries WHERE log_id = :l AND seq = :s"), {"l": log_id, "s": seq}
    )


def swap(conn: Connection, log_id: int, seq: int) -> None:
    a, b = rows(conn, log_id)[seq : seq + 2]
    put(conn, log_id, seq, b["body"])
    put(conn, log_id, seq + 1, a["body"])


def insert(conn: Connection, log_id: int, seq: int) -> None:
    """Shift entries from ``seq`` up by one and slip a well-formed forged entry in."""
    before = rows(conn, log_id)[seq - 1]
    entry = json.loads(before["body"])
    entry.update(
        seq=seq, prev=before["leaf_hash"].hex(), kind="value.recorded", data={"forged": True}
    )
    conn.execute(
        text("UPDATE ledger_entries SET seq = seq + 1000000 WHERE log_id = :l AND seq >= :s"),
        {"l": log_id, "s": seq},
    )
    conn.execute(
        text("UPDATE ledger_entries SET seq = seq - 999999 WHERE log_id = :l AND seq >= 1000000"),
        {"l": log_id},
    )
    body = canonical_bytes(entry)
    conn.execute(
        text(
            "INSERT INTO ledger_entries (log_id, seq, kind, body, leaf_hash) "
            "VALUES (:l, :s, 'value.recorded', :b, :h)"
        ),
        {"l": log_id, "s": seq, "b": body, "h": leaf_hash(conn, log_id, body)},
    )


def set_head(conn: Connection, log_id: int) -> None:
    """Make the log head agree with the rows, as a careful attacker would."""
    leaves = [r["leaf_hash"] for r in rows(conn, log_id)]
    acc = rfc9162.Accumulator(hasher(conn, log_id))
    for leaf in leaves:
        acc.append(bytes(leaf))
    conn.execute(
        text("UPDATE ledger_logs SET size = :n, head = :h, frontier = :f WHERE id = :l"),
        {"n": len(leaves), "h": leaves[-1] if leaves else None, "f": acc.frontier(), "l": log_id},
    )


def truncate(conn: Connection, log_id: int, keep: int) -> None:
    conn.execute(
        text("DELETE FROM ledger_entries WHERE log_id = :l AND seq >= :k"), {"l": log_id, "k": keep}
    )
    set_head(conn, log_id)


def rewrite_from(conn: Connection, log_id: int, seq: int) -> None:
    """Alter entry ``seq`` and re-chain everything after it, so the chain itself is clean."""
    all_rows = rows(conn, log_id)
    prev = all_rows[seq - 1]["leaf_hash"] if seq > 0 else None
    for row in all_rows[seq:]:
        entry = json.loads(row["body"])
        entry["prev"] = prev.hex() if prev is not None else None
        body = canonical_bytes(entry)
        if row["seq"] == seq:
            body = altered(body)
        put(conn, log_id, row["seq"], body)
        prev = leaf_hash(conn, log_id, body)
    set_head(conn, log_id)


def drop_checkpoints(conn: Connection, log_id: int, above: int = -1) -> None:
    conn.execute(
        text("DELETE FROM ledger_checkpoints WHERE log_id = :l AND size > :a"),
        {"l": log_id, "a": above},
    )


def spoil_signatures(conn: Connection, log_id: int) -> None:
    """Make every checkpoint note's signature line unreadable as a signature."""
    notes = conn.execute(
        text("SELECT size, note FROM ledger_checkpoints WHERE log_id = :l"), {"l": log_id}
    )
    for size, note in notes.all():
        body = note.partition("\n\n")[0]
        conn.execute(
            text("UPDATE ledger_checkpoints SET note = :n WHERE log_id = :l AND size = :s"),
            {"n": f"{body}\n\n\u2014 forged AAAA\n", "l": log_id, "s": size},
        )


def rebuild_tiles(conn: Connection, log_id: int) -> None:
    """Make the stored tiles agree with the (rewritten) leaf hashes."""
    conn.execute(text("DELETE FROM ledger_tiles WHERE log_id = :l"), {"l": log_id})
    leaves = [bytes(r["leaf_hash"]) for r in rows(conn, log_id)]
    built = list(tilestore.build_all(log_id, hasher(conn, log_id), leaves))
    if built:
        conn.execute(
            text(
                "INSERT INTO ledger_tiles (log_id, level, idx, hashes, root) "
                "VALUES (:l, :v, :i, :h, :r)"
            ),
            [{"l": a, "v": b, "i": c, "h": d, "r": e} for a, b, c, d, e in built],
        )


def erase_checkpoints_and_anchors(conn: Connection, log_id: int) -> None:
    """Delete the log's checkpoints, its cosignatures and the whole platform log (whose
    anchors would catch the rewrite), so that the signer signs the rewritten head."""
    drop_checkpoints(conn, log_id)
    conn.execute(text("DELETE FROM ledger_cosignatures WHERE log_id = :l"), {"l": log_id})
    platform = conn.exec_driver_sql(
        "SELECT id FROM ledger_logs WHERE origin = 'jixiao/_platform'"
    ).scalar()
    drop_checkpoints(conn, platform)
    for table in ("ledger_entries", "ledger_tiles", "ledger_cosignatures", "ledger_timestamps"):
        conn.execute(text(f"DELETE FROM {table} WHERE log_id = :l"), {"l": platform})
    conn.execute(
        text("UPDATE ledger_logs SET size = 0, head = NULL, frontier = :f WHERE id = :l"),
        {"f": b"", "l": platform},
    )


def rename_kind(conn: Connection, log_id: int, seq: int, kind: str) -> None:
    """Change a row's ``kind`` column, which sits outside the hashed body."""
    conn.execute(
        text("UPDATE ledger_entries SET kind = :k WHERE log_id = :l AND seq = :s"),
        {"k": kind, "l": log_id, "s": seq},
    )


def hide_anchors(conn: Connection, log_id: int, above: int) -> None:
    """Rename the platform log's ``checkpoint.recorded`` rows of ``log_id``'s origin with
    a size above ``above``, so a query by kind no longer finds them as anchors."""
    origin = conn.execute(text("SELECT origin FROM ledger_logs WHERE id = :l"), {"l": log_id})
    origin = origin.scalar()
    platform = conn.exec_driver_sql(
        "SELECT id FROM ledger_logs WHERE origin = 'jixiao/_platform'"
    ).scalar()
    for row in rows(conn, platform):
        entry = json.loads(row["body"])
        data = entry["data"]
        if (
            entry["kind"] == "checkpoint.recorded"
            and data.get("origin") == origin
            and data.get("size", 0) > above
        ):
            rename_kind(conn, platform, row["seq"], "checkpoint.recorded.x")
